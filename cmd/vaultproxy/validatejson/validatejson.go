package validatejson

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/zclconf/go-cty/cty"
)

// Marshal returns the `validate -json` document for diags, in the order given (compile.SortDiagnostics
// orders them as the CLI does), exactly as the CLI prints it. sources maps each file name, as the
// diagnostics' ranges carry it, to the file's bytes, for the snippets; it may be nil.
func Marshal(diags hcl.Diagnostics, sources map[string][]byte) ([]byte, error) {
	return view.MarshalValidateJSON(diags, sources)
}

// Type is the type of Value's values: the document's, a member that the JSON leaves out being null.
var Type = view.ValidateOutputType

// DiagnosticType is the type of an element of the document's diagnostics.
var DiagnosticType = view.DiagnosticType

// Value returns the `validate -json` document for diags as a cty value of Type, for what evaluates
// expressions over it.
func Value(diags hcl.Diagnostics, sources map[string][]byte) (cty.Value, error) {
	return view.NewValidateOutput(diags, sources).CtyValue()
}
