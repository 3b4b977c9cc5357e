package view

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
)

// Terraform's internal/command/testdata/validate-invalid/output.json, as it
// is in the Terraform repository.
const tfValidateInvalidOutput = `{
  "format_version": "1.0",
  "valid": false,
  "error_count": 1,
  "warning_count": 0,
  "diagnostics": [
    {
      "severity": "error",
      "summary": "Unsupported block type",
      "detail": "Blocks of type \"resorce\" are not expected here. Did you mean \"resource\"?",
      "range": {
        "filename": "testdata/validate-invalid/main.tf",
        "start": {
          "line": 1,
          "column": 1,
          "byte": 0
        },
        "end": {
          "line": 1,
          "column": 8,
          "byte": 7
        }
      },
      "snippet": {
        "context": null,
        "code": "resorce \"test_instance\" \"foo\" { # Intentional typo to test error reporting",
        "start_line": 1,
        "highlight_start_offset": 0,
        "highlight_end_offset": 7,
        "values": []
      }
    }
  ]
}
`

func TestValidateJSONTerraformFixture(t *testing.T) {
	got, err := MarshalValidateJSON(hcl.Diagnostics{tfUnsupportedBlock(t)}, allSources())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tfValidateInvalidOutput, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// No diagnostics: valid, and "diagnostics" is [] rather than null, whether
// the input is nil or empty. This is also Terraform's validate-valid output.
func TestValidateJSONEmpty(t *testing.T) {
	for name, diags := range map[string]hcl.Diagnostics{"nil": nil, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteValidateJSON(&b, diags, nil); err != nil {
				t.Fatal(err)
			}
			want := "{\n" +
				"  \"format_version\": \"1.0\",\n" +
				"  \"valid\": true,\n" +
				"  \"error_count\": 0,\n" +
				"  \"warning_count\": 0,\n" +
				"  \"diagnostics\": []\n" +
				"}\n"
			if diff := cmp.Diff(want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			checkGolden(t, "validate-empty.json", []byte(b.String()))
		})
	}
}

// Several diagnostics over several files, sorted: one sourceless warning,
// one without source, native and JSON syntax, and non-ASCII text.
func TestValidateJSONSeveral(t *testing.T) {
	diags := hcl.Diagnostics{
		parseError(t, unicodeName, unicodeSrc),
		jsonExtraneous(t),
		nativeUnsupported(t),
		{
			Severity: hcl.DiagError,
			Summary:  "Bad include",
			Detail:   "The included file could not be read.",
			Subject:  rng("elsewhere.hcl", 2, 3, 10, 2, 8, 15),
		},
		{
			Severity: hcl.DiagWarning,
			Summary:  "No auto_auth",
			Detail:   "Requests will not carry a token.",
		},
	}
	compile.SortDiagnostics(diags)
	got, err := MarshalValidateJSON(diags, allSources())
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "validate-several.json", got)

	// The document reads back into the same values.
	var doc ValidateOutput
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(NewValidateOutput(diags, allSources()), &doc); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestNewValidateOutputCounts(t *testing.T) {
	warning := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "W"}
	errorDiag := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "E"}
	unknown := &hcl.Diagnostic{Summary: "U"}
	tests := map[string]struct {
		diags                 hcl.Diagnostics
		valid                 bool
		errors, warnings, all int
	}{
		"warnings only are valid": {diags: hcl.Diagnostics{warning, warning}, valid: true, warnings: 2, all: 2},
		"one error is invalid":    {diags: hcl.Diagnostics{warning, errorDiag}, valid: false, errors: 1, warnings: 1, all: 2},
		// An invalid severity counts as neither, like Terraform.
		"unknown severity": {diags: hcl.Diagnostics{unknown}, valid: true, all: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := NewValidateOutput(tc.diags, nil)
			if got.Valid != tc.valid || got.ErrorCount != tc.errors || got.WarningCount != tc.warnings || len(got.Diagnostics) != tc.all {
				t.Errorf("got valid=%v errors=%d warnings=%d diagnostics=%d, want %v %d %d %d",
					got.Valid, got.ErrorCount, got.WarningCount, len(got.Diagnostics), tc.valid, tc.errors, tc.warnings, tc.all)
			}
			// Order is kept.
			for i, d := range got.Diagnostics {
				if d.Summary != tc.diags[i].Summary {
					t.Errorf("diagnostic %d is %q, want %q", i, d.Summary, tc.diags[i].Summary)
				}
			}
		})
	}
}
