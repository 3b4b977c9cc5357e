package docs

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// TestDiagnosticsDoc fails when the committed diagnostics.md is not what Diagnostics generates; run
// `go test ./docs -run TestDiagnosticsDoc -update` after adding or changing a code.
func TestDiagnosticsDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := Diagnostics(&buf); err != nil {
		t.Fatalf("Diagnostics: %v", err)
	}
	if *update {
		if err := os.WriteFile(DiagnosticsFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(DiagnosticsFile)
	if err != nil {
		t.Fatalf("%v; run `go test ./docs -run TestDiagnosticsDoc -update` to create it", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(buf.String(), "\n")); diff != "" {
		t.Errorf("docs/%s is stale; run `go test ./docs -run TestDiagnosticsDoc -update` (-committed +generated):\n%s", DiagnosticsFile, diff)
	}
}

// TestDiagnosticsDocContent checks the list names every code, compile's and validate's, each with a
// section whose anchor the table links to, its description and its example.
func TestDiagnosticsDocContent(t *testing.T) {
	var buf bytes.Buffer
	if err := Diagnostics(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	heads := anchors(doc)
	codes := diagcode.All()
	for _, name := range []string{"unsupported_argument", "syntax_error", "duplicate_listener_address", "invalid_plan_file"} {
		if diagcode.Lookup(name) == nil {
			t.Errorf("%s is not registered: compile's and validate's codes must be linked into docs", name)
		}
	}
	for _, c := range codes {
		if !heads[c.Name] {
			t.Errorf("no section with the anchor %q", c.Name)
		}
		if !strings.Contains(doc, "| [`"+c.Name+"`](#"+c.Name+") | ") {
			t.Errorf("the table has no row for %s", c.Name)
		}
		if !strings.Contains(doc, "\n"+c.Example+"\n```") {
			t.Errorf("the example of %s is missing", c.Name)
		}
	}
	if n := strings.Count(doc, "\n## "); n != len(codes) {
		t.Errorf("%d sections for %d codes", n, len(codes))
	}
}

// TestRenderCodes pins the layout on two codes of each kind of example.
func TestRenderCodes(t *testing.T) {
	var buf bytes.Buffer
	codes := []*diagcode.Code{
		{Name: "a_code", Description: "A thing | with a pipe.", Example: "vault {}"},
		{Name: "b_code", Description: "From the environment.", Example: "$ X=1 vaultproxy validate p.hcl"},
		{Name: "c_code", Description: "In JSON.", Example: `{"vault": null}`},
	}
	if err := RenderCodes(&buf, codes); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{
		"| [`a_code`](#a_code) | A thing \\| with a pipe. |\n| [`b_code`](#b_code) | From the environment. |\n",
		"## a_code\n\nA thing | with a pipe.\n\n```hcl\nvault {}\n```\n",
		"## b_code\n\nFrom the environment.\n\n```sh\n$ X=1 vaultproxy validate p.hcl\n```\n",
		"## c_code\n\nIn JSON.\n\n```json\n{\"vault\": null}\n```\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the rendering lacks %q:\n%s", want, got)
		}
	}
}
