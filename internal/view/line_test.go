package view

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

func TestDiagnosticLine(t *testing.T) {
	tests := map[string]struct {
		diag func(t *testing.T) *hcl.Diagnostic
		want string
	}{
		"terraform validate-invalid": {
			diag: tfUnsupportedBlock,
			want: `error testdata/validate-invalid/main.tf:1,1-8: Unsupported block type; Blocks of type "resorce" are not expected here. Did you mean "resource"?`,
		},
		"native": {
			diag: nativeUnsupported,
			want: `error proxy.hcl:6,3-8: Unsupported argument; An argument named "bogus" is not expected here.`,
		},
		"json": {
			diag: jsonExtraneous,
			want: `error proxy.json:5,7-14: Extraneous JSON object property; No argument or block type is named "bogus".`,
		},
		// Columns, not bytes.
		"unicode": {
			diag: func(t *testing.T) *hcl.Diagnostic { return parseError(t, unicodeName, unicodeSrc) },
			want: `error unicode.hcl:1,27-28: Missing newline after argument; An argument definition must end with a newline.`,
		},
		// Over two lines hcl writes both line numbers.
		"multi-line": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "S", Detail: "D", Subject: rng(nativeName, 4, 17, 57, 5, 21, 94)}
			},
			want: `warning proxy.hcl:4,17-5,21: S; D`,
		},
		// The range as given: an empty one is not widened here.
		"empty range": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Detail: "D", Subject: rng(nativeName, 6, 17, 111, 6, 17, 111)}
			},
			want: `error proxy.hcl:6,17-17: S; D`,
		},
		"sourceless warning": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No auto_auth", Detail: "Requests will not carry a token."}
			},
			want: `warning No auto_auth; Requests will not carry a token.`,
		},
		"sourceless without detail": {
			diag: func(*testing.T) *hcl.Diagnostic {
				return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Failed"}
			},
			want: `error Failed; `,
		},
		"unknown severity": {
			diag: func(*testing.T) *hcl.Diagnostic { return &hcl.Diagnostic{Summary: "S", Detail: "D"} },
			want: `unknown S; D`,
		},
		"nil": {
			diag: func(*testing.T) *hcl.Diagnostic { return nil },
			want: "",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, DiagnosticLine(tc.diag(t))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
