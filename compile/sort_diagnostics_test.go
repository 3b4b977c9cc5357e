package compile_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

func TestSortDiagnostics(t *testing.T) {
	d := func(sev hcl.DiagnosticSeverity, summary, detail string, subject *hcl.Range) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: subject}
	}
	var (
		srcW     = d(hcl.DiagWarning, "sourceless warning", "", nil)
		srcE     = d(hcl.DiagError, "sourceless error", "", nil)
		aEarly   = d(hcl.DiagWarning, "a", "", rng("a.hcl", 1, 1, 0, 1, 5, 4))
		aLateW   = d(hcl.DiagWarning, "a", "", rng("a.hcl", 2, 1, 10, 2, 3, 12))
		aLateE   = d(hcl.DiagError, "z", "", rng("a.hcl", 2, 1, 10, 2, 3, 12))
		aLonger  = d(hcl.DiagError, "a", "", rng("a.hcl", 2, 1, 10, 2, 9, 18))
		aNoEnd   = d(hcl.DiagError, "a", "", &hcl.Range{Filename: "a.hcl", Start: hcl.Pos{Line: 2, Column: 1, Byte: 10}})
		bFirst   = d(hcl.DiagError, "b", "", rng("b.hcl", 1, 1, 0, 1, 2, 1))
		sameSum1 = d(hcl.DiagError, "same", "detail 1", rng("c.hcl", 1, 1, 0, 1, 2, 1))
		sameSum2 = d(hcl.DiagError, "same", "detail 2", rng("c.hcl", 1, 1, 0, 1, 2, 1))
		// Two diagnostics equal in every key keep their order.
		twin1 = d(hcl.DiagError, "twin", "", rng("d.hcl", 1, 1, 0, 1, 2, 1))
		twin2 = d(hcl.DiagError, "twin", "", rng("d.hcl", 1, 1, 0, 1, 2, 1))
	)
	diags := hcl.Diagnostics{twin1, bFirst, sameSum2, aLonger, aLateW, srcW, twin2, aLateE, aNoEnd, aEarly, sameSum1, srcE}
	want := hcl.Diagnostics{
		// Sourceless first, errors before warnings.
		srcE, srcW,
		// a.hcl by start byte; at byte 10 by end byte (the missing end
		// counts as 10, then 12, then 18); at 10-12 the error first.
		aEarly, aNoEnd, aLateE, aLateW, aLonger,
		bFirst,
		// Same place and severity: by detail.
		sameSum1, sameSum2,
		twin1, twin2,
	}
	compile.SortDiagnostics(diags)
	// Compare identities, not values: the twins are equal in value.
	if len(diags) != len(want) {
		t.Fatalf("got %d diagnostics, want %d", len(diags), len(want))
	}
	var gotLines, wantLines []string
	for i := range diags {
		gotLines = append(gotLines, fixtures.DiagnosticLine(diags[i]))
		wantLines = append(wantLines, fixtures.DiagnosticLine(want[i]))
		if diags[i] != want[i] {
			t.Errorf("position %d: got %q, want %q", i, fixtures.DiagnosticLine(diags[i]), fixtures.DiagnosticLine(want[i]))
		}
	}
	if diff := cmp.Diff(wantLines, gotLines); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSortDiagnosticsNil(t *testing.T) {
	x := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "x"}
	diags := hcl.Diagnostics{x, nil}
	compile.SortDiagnostics(diags)
	if diags[0] != nil || diags[1] != x {
		t.Errorf("nil entry not sorted first: %v", diags)
	}
	compile.SortDiagnostics(nil) // must not panic
}

// rng is the range of file from line sl, column sc (byte sb) to line el, column ec (byte eb).
func rng(file string, sl, sc, sb, el, ec, eb int) *hcl.Range {
	return &hcl.Range{
		Filename: file,
		Start:    hcl.Pos{Line: sl, Column: sc, Byte: sb},
		End:      hcl.Pos{Line: el, Column: ec, Byte: eb},
	}
}
