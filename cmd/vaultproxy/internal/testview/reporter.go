package testview

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testrun"
)

// Reporter is a streaming view of `vaultproxy test`: a testrun.Reporter that also prints the
// diagnostics of a file, of a run, or of neither (nil file and run: an invalid test file's).
type Reporter interface {
	testrun.Reporter
	Diagnostics(f *testrun.File, r *testrun.Run, diags hcl.Diagnostics)
}
