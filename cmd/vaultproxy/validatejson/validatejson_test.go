package validatejson

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/validate"
)

// The document of an invalid configuration: one error, with its code, range and snippet.
func TestMarshal(t *testing.T) {
	src := []byte("listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disabel = true\n}\n")
	p, diags := compile.Compile([]compile.Source{{Name: "proxy.hcl", Bytes: src}}, compile.Options{})
	diags = append(diags, validate.Plan(p)...)
	compile.SortDiagnostics(diags)
	b, err := Marshal(diags, map[string][]byte{"proxy.hcl": src})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Valid       bool `json:"valid"`
		ErrorCount  int  `json:"error_count"`
		Diagnostics []struct {
			Code  string `json:"code"`
			Range struct {
				Filename string `json:"filename"`
				Start    struct{ Line, Column int }
			} `json:"range"`
			Snippet struct {
				Code string `json:"code"`
			} `json:"snippet"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if doc.Valid || doc.ErrorCount == 0 {
		t.Fatalf("valid %v, %d errors, want invalid:\n%s", doc.Valid, doc.ErrorCount, b)
	}
	first := doc.Diagnostics[0]
	got := []any{first.Code, first.Range.Filename, first.Range.Start.Line, first.Range.Start.Column, first.Snippet.Code}
	want := []any{"unsupported_argument", "proxy.hcl", 3, 3, "  tls_disabel = true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first diagnostic (-want +got):\n%s\n%s", diff, b)
	}
	if b[len(b)-1] != '\n' {
		t.Error("the document does not end with a newline, as the CLI prints it")
	}
}
