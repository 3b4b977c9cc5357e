package provider

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The type of the `validate -json` document (cmd/vaultproxy/internal/view, Terraform's shape with a
// code per diagnostic): Terraform needs a function's value to have one type, so a member that the
// JSON leaves out (code, address, range, snippet) is null here. TestValidateDocumentType reads a
// document with every member present, so a member added to the document fails it until it is added
// here.
var (
	positionType = cty.Object(map[string]cty.Type{
		"line": cty.Number, "column": cty.Number, "byte": cty.Number,
	})
	diagnosticType = cty.Object(map[string]cty.Type{
		"severity": cty.String,
		"summary":  cty.String,
		"detail":   cty.String,
		"code":     cty.String,
		"address":  cty.String,
		"range": cty.Object(map[string]cty.Type{
			"filename": cty.String, "start": positionType, "end": positionType,
		}),
		"snippet": cty.Object(map[string]cty.Type{
			"context":                cty.String,
			"code":                   cty.String,
			"start_line":             cty.Number,
			"highlight_start_offset": cty.Number,
			"highlight_end_offset":   cty.Number,
			"values": cty.List(cty.Object(map[string]cty.Type{
				"traversal": cty.String, "statement": cty.String,
			})),
		}),
	})
	validateDocumentType = cty.Object(map[string]cty.Type{
		"format_version": cty.String,
		"valid":          cty.Bool,
		"error_count":    cty.Number,
		"warning_count":  cty.Number,
		"diagnostics":    cty.List(diagnosticType),
	})
)

// validateDocumentOf reads the JSON document b as a value of validateDocumentType.
func validateDocumentOf(b []byte) (cty.Value, error) {
	v, err := ctyjson.Unmarshal(b, validateDocumentType)
	if err != nil {
		return cty.NilVal, fmt.Errorf("the validate -json document does not fit the provider's type: %w", err)
	}
	return v, nil
}
