package hclfmt

import (
	"sort"
	"testing"
)

// FuzzFormat: for any input that parses, the formatted file parses, means what the input meant
// (the same plan and diagnostics apart from positions) and is its own format (checkFormat). Seeds:
// the corpus of TestFormatKeepsMeaning; crashers found are kept in testdata/fuzz/FuzzFormat.
//
//	go test -run '^$' -fuzz=FuzzFormat -fuzztime=2m ./cmd/vaultproxy/internal/hclfmt/
func FuzzFormat(f *testing.F) {
	files := corpus(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f.Add(files[n])
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkFormat(t, "a.hcl", src)
	})
}
