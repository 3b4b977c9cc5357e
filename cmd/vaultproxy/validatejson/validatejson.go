package validatejson

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
)

// Marshal returns the `validate -json` document for diags, in the order given (compile.SortDiagnostics
// orders them as the CLI does), exactly as the CLI prints it. sources maps each file name, as the
// diagnostics' ranges carry it, to the file's bytes, for the snippets; it may be nil.
func Marshal(diags hcl.Diagnostics, sources map[string][]byte) ([]byte, error) {
	return view.MarshalValidateJSON(diags, sources)
}
