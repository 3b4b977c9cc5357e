package compile_test

import (
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// TestSinksWrapperSinks checks which sinks the plan holds for a sinks wrapper: the wrapped ones when
// nothing else is written, in order, and only the direct ones when there are any (Vault Proxy's
// parseSinks replaces the wrapper's with them).
func TestSinksWrapperSinks(t *testing.T) {
	want := map[string][]string{
		"compile/auto_auth/sinks-wrapper-plain":    {"/run/vproxy/token", "/run/vproxy/token-encrypted"},
		"compile/auto_auth/sinks-wrapper-and-sink": {"/run/vproxy/token"},
		"compile/auto_auth/sinks-wrapper":          {"/run/vproxy/token"},
		"compile/json/sinks-wrapper":               {"/run/vproxy/token"},
		"compile/auto_auth/sinks-wrapper-labelled": {"/run/vproxy/token"},
	}
	seen := 0
	for _, c := range fixtures.Load(t, "compile") {
		paths, ok := want[c.Name]
		if !ok {
			continue
		}
		seen++
		var srcs []compile.Source
		for _, f := range c.Files {
			srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
		}
		p, _ := compile.Compile(srcs, compile.Options{Env: c.LookupEnv})
		a, ok := p.AutoAuth()
		if !ok {
			t.Fatalf("%s: no auto_auth in the plan", c.Name)
		}
		var got []string
		for _, s := range a.Sinks() {
			got = append(got, s.Path().Get())
		}
		if len(got) != len(paths) {
			t.Errorf("%s: sinks %q, want %q", c.Name, got, paths)
			continue
		}
		for i := range got {
			if got[i] != paths[i] {
				t.Errorf("%s: sinks %q, want %q", c.Name, got, paths)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d cases", seen, len(want))
	}
}
