package view

import (
	"encoding/json"
	"fmt"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The `validate -json` document as cty values, for what evaluates expressions over it (`vaultproxy
// test`'s diagnostics, the provider's validate function). Expressions need one type per value, so a
// member that the JSON leaves out (a diagnostic's code, address, range or snippet, a snippet's
// context) is null here. TestValidateOutputType keeps the types in step with the structs.
var (
	positionType = cty.Object(map[string]cty.Type{"line": cty.Number, "column": cty.Number, "byte": cty.Number})
	rangeType    = cty.Object(map[string]cty.Type{"filename": cty.String, "start": positionType, "end": positionType})
	snippetType  = cty.Object(map[string]cty.Type{
		"context":                cty.String,
		"code":                   cty.String,
		"start_line":             cty.Number,
		"highlight_start_offset": cty.Number,
		"highlight_end_offset":   cty.Number,
		"values":                 cty.List(cty.Object(map[string]cty.Type{"traversal": cty.String, "statement": cty.String})),
	})
	// DiagnosticType is a Diagnostic's type.
	DiagnosticType = cty.Object(map[string]cty.Type{
		"severity": cty.String,
		"summary":  cty.String,
		"detail":   cty.String,
		"code":     cty.String,
		"address":  cty.String,
		"range":    rangeType,
		"snippet":  snippetType,
	})
	// ValidateOutputType is a ValidateOutput's type.
	ValidateOutputType = cty.Object(map[string]cty.Type{
		"format_version": cty.String,
		"valid":          cty.Bool,
		"error_count":    cty.Number,
		"warning_count":  cty.Number,
		"diagnostics":    cty.List(DiagnosticType),
	})
)

// CtyValue is the document as a value of ValidateOutputType, read from its JSON form.
func (o *ValidateOutput) CtyValue() (cty.Value, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return cty.NilVal, err
	}
	v, err := ctyjson.Unmarshal(b, ValidateOutputType)
	if err != nil {
		return cty.NilVal, fmt.Errorf("the validate -json document does not fit ValidateOutputType: %w", err)
	}
	return v, nil
}
