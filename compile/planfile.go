package compile

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
)

// CodeInvalidPlanFile is the code of the error for a plan file that DecodePlanFile (plan_json.go)
// refuses. The CLI, which reads the file, reports it; the code is declared here, beside the decoder
// that decides, so that it is registered wherever plans are read.
var CodeInvalidPlanFile = diagcode.New("invalid_plan_file",
	"A plan file that cannot be decoded: not JSON, not a vaultproxy plan, an unsupported format_version or a bad value.",
	"$ vaultproxy validate future.json  # {\"format_version\": \"9.0\"}")

// CodePlanFileEnvIgnored is the code of the warning that PlanFileEnvWarnings gives.
var CodePlanFileEnvIgnored = diagcode.New("plan_file_env_ignored",
	"An environment variable that overrides a setting is set while a plan file is read: the plan holds the values it was written with, and the variable is not applied.",
	"$ VAULT_ADDR=https://other:8200 vaultproxy run proxy.plan")

// PlanFileEnvWarnings warns about the set environment variables that would override a setting of a
// configuration: a plan file holds the settings as `plan -out` resolved them, its environment
// included, so they are not applied, and saying so keeps a VAULT_ADDR meant for this run from
// passing unnoticed. (A flag that would override a setting is a usage error instead: it is on the
// command line at hand.)
func PlanFileEnvWarnings(env func(string) (string, bool)) hcl.Diagnostics {
	var set []string
	for _, a := range schema.EnvAttributes() {
		if _, ok := env(a.Env); ok {
			set = append(set, a.Env)
		}
	}
	if len(set) == 0 {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Environment not applied to a plan file",
		Detail: fmt.Sprintf("%s is set, but a plan file holds the settings as 'vaultproxy plan -out' resolved them, its environment included; the variable is not applied. Set it when writing the plan, or unset it here.",
			strings.Join(set, ", ")),
		Extra: CodePlanFileEnvIgnored}}
}
