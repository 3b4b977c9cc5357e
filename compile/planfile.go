package compile

import "github.com/vaultproxy/vaultproxy/diagcode"

// CodeInvalidPlanFile is the code of the error for a plan file that DecodePlanFile (plan_json.go)
// refuses. The CLI, which reads the file, reports it; the code is declared here, beside the decoder
// that decides, so that it is registered wherever plans are read.
var CodeInvalidPlanFile = diagcode.New("invalid_plan_file",
	"A plan file that cannot be decoded: not JSON, not a vaultproxy plan, an unsupported format_version or a bad value.",
	"$ vaultproxy validate future.json  # {\"format_version\": \"9.0\"}")
