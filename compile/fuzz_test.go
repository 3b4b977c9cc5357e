package compile_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
)

// FuzzCompile compiles one or two files (merged, as two -config flags) of HCL native or JSON syntax
// (the content decides, as in Vault Proxy) and validates the plan. Whatever the input, nothing may
// panic or hang, a compile that reports no error gives a plan validate can read, every diagnostic
// has a registered code and points into a source it was given, and compiling twice gives the same
// diagnostics. Seeds: every
// configuration of fixtures/.
//
//	go test -fuzz=FuzzCompile -fuzztime=3m ./compile/
func FuzzCompile(f *testing.F) {
	for _, dir := range []string{"cases", "compile", "validate", "cli"} {
		for _, c := range fixtures.Load(f, dir) {
			second := []byte(nil)
			if len(c.Files) > 1 {
				second = c.Files[1].Data
			}
			f.Add(c.Files[0].Data, second)
		}
	}
	f.Fuzz(func(t *testing.T, first, second []byte) {
		srcs := []compile.Source{{Name: "a.hcl", Bytes: first}}
		if len(second) > 0 {
			srcs = append(srcs, compile.Source{Name: "b.json", Bytes: second})
		}
		env := func(name string) (string, bool) {
			if name == "VAULT_PROXY_DISABLE_KEEP_ALIVES" {
				return "auto-auth", true
			}
			return "", false
		}

		var diags hcl.Diagnostics
		done := make(chan struct{})
		go func() {
			defer close(done)
			plan, cdiags := compile.Compile(srcs, compile.Options{Env: env})
			if plan == nil {
				t.Error("Compile returned a nil plan")
				return
			}
			diags = append(cdiags, validate.Plan(plan)...)
			if _, err := plan.MarshalJSON(); err != nil && !cdiags.HasErrors() {
				t.Errorf("a plan without compile errors does not marshal: %v", err)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("compiling %d+%d bytes took more than 10s", len(first), len(second))
		}

		for _, d := range diags {
			if d == nil {
				t.Fatal("a nil diagnostic")
			}
			if d.Severity != hcl.DiagError && d.Severity != hcl.DiagWarning {
				t.Errorf("diagnostic %q has severity %v", d.Summary, d.Severity)
			}
			if d.Summary == "" {
				t.Errorf("diagnostic without a summary: %s", fixtures.DiagnosticLine(d))
			}
			if c := diagcode.Of(d); c == nil || diagcode.Lookup(c.Name) != c {
				t.Errorf("diagnostic without a registered code: %s", fixtures.DiagnosticLine(d))
			}
			for _, r := range []*hcl.Range{d.Subject, d.Context} {
				if r == nil {
					continue
				}
				if r.Filename != "a.hcl" && r.Filename != "b.json" {
					t.Errorf("diagnostic %q points into %q, which is not a source", d.Summary, r.Filename)
				}
				size := len(first)
				if r.Filename == "b.json" {
					size = len(second)
				}
				if r.Start.Byte < 0 || r.End.Byte < r.Start.Byte || r.End.Byte > size {
					t.Errorf("diagnostic %q has range %v (bytes %d-%d) outside the %d bytes of %s",
						d.Summary, r, r.Start.Byte, r.End.Byte, size, r.Filename)
				}
			}
		}
		// The outputs must be deterministic: the same input gives the same lines.
		_, again := compile.Compile(srcs, compile.Options{Env: env})
		_, firstRun := compile.Compile(srcs, compile.Options{Env: env})
		if a, b := lines(again), lines(firstRun); !bytes.Equal(a, b) {
			t.Errorf("two compiles of the same input differ:\n%s\n---\n%s", a, b)
		}
	})
}

func lines(diags hcl.Diagnostics) []byte {
	compile.SortDiagnostics(diags)
	var b bytes.Buffer
	for _, d := range diags {
		b.WriteString(fixtures.DiagnosticLine(d))
		b.WriteByte('\n')
	}
	return b.Bytes()
}
