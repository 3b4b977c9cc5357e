package compile

import (
	"cmp"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// SortDiagnostics sorts diags in place into a deterministic order:
// diagnostics without a Subject first, then by the Subject's filename, start
// byte and end byte, then errors before warnings at the same place, then by
// summary and then by detail. The sort is stable, so diagnostics that are
// equal in all of these keep the order they came in. A nil entry sorts first.
//
// This is not Terraform's order (Terraform puts warnings before errors and
// compares path depth first); it is the order this tool's outputs and golden
// files use. The CLI sorts what compile and validate report with it before
// printing, and the golden-file harness (package fixtures) before comparing.
func SortDiagnostics(diags hcl.Diagnostics) {
	slices.SortStableFunc(diags, compareDiagnostics)
}

func compareDiagnostics(a, b *hcl.Diagnostic) int {
	switch {
	case a == nil || b == nil:
		return cmpBool(a != nil, b != nil)
	case (a.Subject == nil) != (b.Subject == nil):
		// Sourceless first.
		return cmpBool(a.Subject != nil, b.Subject != nil)
	}
	if a.Subject != nil {
		ra, rb := *a.Subject, *b.Subject
		if c := cmp.Compare(ra.Filename, rb.Filename); c != 0 {
			return c
		}
		if c := cmp.Compare(ra.Start.Byte, rb.Start.Byte); c != 0 {
			return c
		}
		if c := cmp.Compare(endByte(ra), endByte(rb)); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Summary, b.Summary); c != 0 {
		return c
	}
	return cmp.Compare(a.Detail, b.Detail)
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	default:
		return 1
	}
}

// endByte is the end of r, treating an unset end as the start, as
// NewDiagnostic does.
func endByte(r hcl.Range) int {
	if r.End == (hcl.Pos{}) {
		return r.Start.Byte
	}
	return r.End.Byte
}

func severityRank(s hcl.DiagnosticSeverity) int {
	switch s {
	case hcl.DiagError:
		return 0
	case hcl.DiagWarning:
		return 1
	default:
		return 2
	}
}
