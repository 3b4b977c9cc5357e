package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateFormat checks -format on the command line: each machine format goes whole to stdout,
// nothing to stderr, with validate's exit codes; -json is -format=json; conflicting or unknown
// formats are usage errors.
func TestValidateFormat(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"valid.hcl": validConfig, "warning.hcl": warningConfig, "error.hcl": errorConfig,
	})
	at := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		format, file string
		code         int
		want         string // a line or fragment of stdout
	}{
		{"compact", "error.hcl", exitError, at("error.hcl") + `:3:3: error: Unsupported argument: An argument named "tls_disabel" is not expected here. Did you mean "tls_disable"? [unsupported_argument]`},
		{"compact", "warning.hcl", exitOK, at("warning.hcl") + ":3:3: warning: Vault's certificate is not verified"},
		{"compact", "valid.hcl", exitOK, ""},
		{"github", "error.hcl", exitError, "::error file=" + at("error.hcl") + ",line=3,col=3,endLine=3,endColumn=13,title=unsupported_argument::Unsupported argument: "},
		{"github", "warning.hcl", exitOK, "::warning file=" + at("warning.hcl") + ",line=3,"},
		{"sarif", "error.hcl", exitError, `"ruleId": "unsupported_argument"`},
		{"sarif", "valid.hcl", exitOK, `"results": []`},
		{"junit", "error.hcl", exitError, `<testcase name="unsupported_argument" classname="` + at("error.hcl") + `">`},
		{"checkstyle", "error.hcl", exitError, `source="vaultproxy.unsupported_argument"`},
		{"json", "error.hcl", exitError, `"code": "unsupported_argument"`},
	}
	for _, tt := range tests {
		r := runValidate(t, "", nil, "validate", "-format="+tt.format, at(tt.file))
		r.wantCode(t, tt.code)
		if r.stderr != "" {
			t.Errorf("%s: stderr %q, want nothing", r.args, r.stderr)
		}
		if !strings.Contains(r.stdout, tt.want) || (tt.want == "" && r.stdout != "") {
			t.Errorf("%s: stdout lacks %q:\n%s", r.args, tt.want, r.stdout)
		}
	}

	// -json is -format=json, alone or with it.
	j := runValidate(t, "", nil, "validate", "-json", at("error.hcl"))
	for _, args := range [][]string{{"-format=json"}, {"-json", "-format=json"}} {
		r := runValidate(t, "", nil, append(append([]string{"validate"}, args...), at("error.hcl"))...)
		if r.stdout != j.stdout || r.code != j.code {
			t.Errorf("%s differs from -json:\n%s", r.args, r.stdout)
		}
	}

	for _, args := range [][]string{
		{"-format=xml"},
		{"-json", "-format=sarif"},
		{"-format=sarif", "-json"},
	} {
		r := runValidate(t, "", nil, append(append([]string{"validate"}, args...), at("valid.hcl"))...)
		r.wantCode(t, exitUsage)
		if r.stdout != "" || !strings.Contains(r.stderr, "format") {
			t.Errorf("%s: stdout %q, stderr %q", r.args, r.stdout, r.stderr)
		}
	}
}
