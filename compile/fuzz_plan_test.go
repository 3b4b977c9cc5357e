package compile_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
)

// FuzzDecodePlanJSON reads plan files. Whatever the input, nothing may panic; a file that is accepted
// re-encodes to itself: for a file of this format version, the document MarshalJSON writes is the
// file's (the same JSON, whatever its spacing); for a later minor version, it holds nothing the file
// did not say (the file may hold fields that are ignored). It reads back without a diagnostic, and
// writes the same bytes again. Seeds: the golden plans of fixtures/plan and
// testdata/plan-1.0.
//
//	go test -fuzz=FuzzDecodePlanJSON -fuzztime=1m ./compile/
func FuzzDecodePlanJSON(f *testing.F) {
	for _, doc := range planGoldens(f) {
		f.Add(doc)
	}
	names, _ := filepath.Glob("testdata/plan-1.0/*.json")
	for _, n := range names {
		doc, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, diags := compile.DecodePlanFile("plan.json", doc)
		if diags.HasErrors() {
			if p != nil {
				t.Fatal("a plan file with errors gave a plan")
			}
			return
		}
		out, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON of an accepted plan file: %v", err)
		}
		var in, written any
		if err := json.Unmarshal(doc, &in); err != nil {
			t.Fatalf("an accepted plan file is not JSON: %v", err)
		}
		if err := json.Unmarshal(out, &written); err != nil {
			t.Fatalf("MarshalJSON wrote no JSON: %v\n%s", err, out)
		}
		dropAddedFields(in, written) // an older file lacks them
		if in.(map[string]any)["format_version"] == compile.PlanFormatVersion {
			// A file of this version is accepted only as written: the same document, spacing aside.
			if !reflect.DeepEqual(in, written) {
				t.Fatalf("an accepted plan file is rewritten:\n%s\nfile:\n%s", out, doc)
			}
		}
		delete(in.(map[string]any), "format_version")
		delete(written.(map[string]any), "format_version")
		if path, ok := within(written, in, "$"); !ok {
			t.Fatalf("the re-encoded plan says at %s what the file did not:\n%s\nfile:\n%s", path, out, doc)
		}
		again, diags := compile.DecodePlanFile("plan.json", out)
		if diags.HasErrors() {
			t.Fatalf("the re-encoded plan does not read back: %v\n%s", diags, out)
		}
		out2, _ := again.MarshalJSON()
		if !bytes.Equal(out, out2) {
			t.Fatalf("the re-encoded plan writes different bytes again:\n%s\nthen:\n%s", out, out2)
		}
	})
}

// within reports whether every value of a is in b at the same place (b may hold more object members),
// and if not, where the first difference is.
func within(a, b any, path string) (string, bool) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return path, false
		}
		for k, v := range av {
			w, ok := bv[k]
			if !ok {
				return path + "." + k, false
			}
			if p, ok := within(v, w, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return path, false
		}
		for i := range av {
			if p, ok := within(av[i], bv[i], path+"[]"); !ok {
				return p, false
			}
		}
		return "", true
	}
	return path, reflect.DeepEqual(a, b)
}
