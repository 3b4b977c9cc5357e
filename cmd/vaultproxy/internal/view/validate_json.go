package view

import (
	"encoding/json"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// ValidateFormatVersion is the format_version of the `validate -json`
// document. It is Terraform's, because the document has Terraform's shape.
const ValidateFormatVersion = "1.0"

// ValidateOutput is the document `vaultproxy validate -json` prints, the same
// shape as `terraform validate -json`.
type ValidateOutput struct {
	FormatVersion string `json:"format_version"`
	// Valid is false if and only if there is at least one error.
	Valid        bool `json:"valid"`
	ErrorCount   int  `json:"error_count"`
	WarningCount int  `json:"warning_count"`
	// Diagnostics is never nil, so that the JSON has [] rather than null.
	Diagnostics []*Diagnostic `json:"diagnostics"`
}

// NewValidateOutput builds the `validate -json` document for diags, in the
// order given. sources is as for NewDiagnostic.
func NewValidateOutput(diags hcl.Diagnostics, sources map[string][]byte) *ValidateOutput {
	out := &ValidateOutput{
		FormatVersion: ValidateFormatVersion,
		Valid:         true,
		Diagnostics:   make([]*Diagnostic, 0, len(diags)),
	}
	ss := newSourceSet(sources)
	for _, d := range diags {
		if d == nil {
			continue
		}
		out.Diagnostics = append(out.Diagnostics, ss.diagnostic(d))
		switch d.Severity {
		case hcl.DiagError:
			out.ErrorCount++
			out.Valid = false
		case hcl.DiagWarning:
			out.WarningCount++
		}
	}
	return out
}

// MarshalValidateJSON returns the `validate -json` document for diags exactly
// as it is printed: indented by two spaces, with a trailing newline.
func MarshalValidateJSON(diags hcl.Diagnostics, sources map[string][]byte) ([]byte, error) {
	return MarshalIndentJSON(NewValidateOutput(diags, sources))
}

// WriteValidateJSON writes the `validate -json` document for diags to w.
func WriteValidateJSON(w io.Writer, diags hcl.Diagnostics, sources map[string][]byte) error {
	b, err := MarshalValidateJSON(diags, sources)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// MarshalIndentJSON marshals v the way every JSON document of the CLI is
// printed: json.MarshalIndent(v, "", "  ") followed by a newline.
func MarshalIndentJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
