package main

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// TestValidateJSONReadByTerraformJSON reads `validate -json` the way tools built for Terraform do,
// with HashiCorp's own reader (terraform-json's ValidateOutput, which also checks format_version):
// the broken case of fixtures/cli decodes, with its counts, severities, summaries and ranges, and
// our extra "code" field does not disturb it.
func TestValidateJSONReadByTerraformJSON(t *testing.T) {
	c := fixtures.Load(t, "cli")[0]
	t.Chdir(t.TempDir())
	var args []string
	for _, f := range c.Files {
		writeFiles(t, ".", map[string]string{f.Name: string(f.Data)})
		args = append(args, f.Name)
	}
	r := runValidate(t, "", c.Env, append([]string{"validate", "-json"}, args...)...)
	r.wantCode(t, exitError)

	var out tfjson.ValidateOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("terraform-json cannot read validate -json: %v\n%s", err, r.stdout)
	}
	if out.FormatVersion != "1.0" || out.Valid || out.ErrorCount != 2 || out.WarningCount != 2 || len(out.Diagnostics) != 4 {
		t.Fatalf("format_version %q, valid %t, %d errors, %d warnings, %d diagnostics; want 1.0, false, 2, 2, 4",
			out.FormatVersion, out.Valid, out.ErrorCount, out.WarningCount, len(out.Diagnostics))
	}
	type seen struct {
		Severity tfjson.DiagnosticSeverity
		Summary  string
		Range    *tfjson.Range
		Context  string
	}
	var got []seen
	for _, d := range out.Diagnostics {
		s := seen{Severity: d.Severity, Summary: d.Summary, Range: d.Range}
		if d.Snippet != nil && d.Snippet.Context != nil {
			s.Context = *d.Snippet.Context
		}
		got = append(got, s)
	}
	rng := func(file string, l1, c1, b1, l2, c2, b2 int) *tfjson.Range {
		return &tfjson.Range{Filename: file, Start: tfjson.Pos{Line: l1, Column: c1, Byte: b1}, End: tfjson.Pos{Line: l2, Column: c2, Byte: b2}}
	}
	want := []seen{
		{tfjson.DiagnosticSeverityError, "Invalid environment variable", nil, ""},
		{tfjson.DiagnosticSeverityWarning, "Vault's certificate is not verified", rng("a.hcl", 3, 3, 64, 3, 25, 86), "vault"},
		{tfjson.DiagnosticSeverityError, "Unsupported argument", rng("a.hcl", 9, 3, 163, 9, 8, 168), `listener "tcp"`},
		{tfjson.DiagnosticSeverityWarning, "Argument has no effect", rng("b.json", 2, 13, 14, 2, 34, 35), "cache"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics as terraform-json reads them (-want +got):\n%s", diff)
	}

	// The code is ours, beside Terraform's fields, on every diagnostic.
	var codes struct {
		Diagnostics []struct {
			Code string `json:"code"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &codes); err != nil {
		t.Fatal(err)
	}
	var gotCodes []string
	for _, d := range codes.Diagnostics {
		gotCodes = append(gotCodes, d.Code)
	}
	if diff := cmp.Diff([]string{"unsupported_value", "vault_tls_not_verified", "unsupported_argument", "ignored_argument"}, gotCodes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}
