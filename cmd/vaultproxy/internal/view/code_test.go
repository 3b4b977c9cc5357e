package view

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// A code of this test's own; the registry (diagcode.New) is for the codes compile and validate emit.
var testCode = &diagcode.Code{Name: "unsupported_argument", Description: "d", Example: "e"}

// TestDiagnosticCode checks where a diagnostic's code shows: in brackets in its golden line, as the
// "code" field of its JSON (after detail, left out when there is none), and nowhere in the human
// output, which stays Terraform's.
func TestDiagnosticCode(t *testing.T) {
	coded := func() *hcl.Diagnostic { return testCode.Set(nativeUnsupported(t)) }

	if got, want := fixtures.DiagnosticLine(coded()), `error [unsupported_argument] proxy.hcl:6,3-8: Unsupported argument; An argument named "bogus" is not expected here.`; got != want {
		t.Errorf("fixtures.DiagnosticLine = %q, want %q", got, want)
	}
	sourceless := testCode.Set(&hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "S", Detail: "D"})
	if got, want := fixtures.DiagnosticLine(sourceless), `warning [unsupported_argument] S; D`; got != want {
		t.Errorf("fixtures.DiagnosticLine = %q, want %q", got, want)
	}

	b, err := json.Marshal(NewDiagnostic(sourceless, nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"severity":"warning","summary":"S","detail":"D","code":"unsupported_argument"}`, string(b)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	doc, err := MarshalValidateJSON(hcl.Diagnostics{coded(), nativeUnsupported(t)}, allSources())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(doc), `"code": "unsupported_argument"`); n != 1 {
		t.Errorf("validate -json holds %d code fields for one coded diagnostic and one without:\n%s", n, doc)
	}

	// The human output of a coded diagnostic is the uncoded one's, byte for byte.
	for _, p := range []Printer{{}, {Color: true}} {
		var with, without strings.Builder
		if err := p.PrintDiagnostic(&with, coded(), allSources()); err != nil {
			t.Fatal(err)
		}
		if err := p.PrintDiagnostic(&without, nativeUnsupported(t), allSources()); err != nil {
			t.Fatal(err)
		}
		if with.String() != without.String() || strings.Contains(with.String(), "unsupported_argument") {
			t.Errorf("colour %t: the human output shows the code:\n%s", p.Color, with.String())
		}
	}
}
