package docs

import (
	"fmt"

	"github.com/vaultproxy/vaultproxy/schema"
)

// envHeading is the heading of the reference's section on environment variables and flags.
const envHeading = "Environment variables and flags"

// environment lists what overrides the configuration from outside it: the attributes' variables and
// flags, which beat the file, and the variables of Vault Proxy's Vault client that no attribute
// declares, which vaultproxy checks and does not apply.
func (r *renderer) environment(top *section, env []*schema.EnvVar) {
	r.line("## " + envHeading)
	r.line("")
	r.line("Vault Proxy reads these besides the configuration. A flag beats its variable, which beats the file;")
	r.line("`vaultproxy validate`, `plan` and `run` take the same flags and read the same variables.")
	r.line("")
	r.line("| Variable | Flag | Overrides |")
	r.line("|---|---|---|")
	var rows func(s *section)
	rows = func(s *section) {
		for _, a := range s.block.Attributes {
			if a.Env == "" && a.Flag == "" {
				continue
			}
			r.line(fmt.Sprintf("| %s | %s | [%s](#%s) |", codeOrEmpty(a.Env), flagCell(a), attrPath(s, a), s.anchor))
		}
		for _, c := range s.children {
			rows(c)
		}
	}
	rows(top)
	r.line("")
	if len(env) == 0 {
		return
	}
	r.line("Vault Proxy's Vault client reads these variables too (hashicorp/vault `api/client.go`). They are")
	r.line("client-side settings meant for the `vault` CLI, often inherited from a shell or a container image.")
	r.line("vaultproxy checks their values as Vault Proxy does, so that `validate` fails where Vault Proxy would")
	r.line("not start, and warns when one would change what Vault Proxy does; `run` applies none of them.")
	r.line("")
	r.line("| Variable | What it holds, and what is checked | Why vaultproxy ignores it |")
	r.line("|---|---|---|")
	for _, e := range env {
		r.line(fmt.Sprintf("| `%s` | %s | %s |", e.Name, cell(e.Doc), cell(e.Ignored)))
	}
	r.line("")
}

func codeOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

func flagCell(a *schema.Attribute) string {
	switch {
	case a.Flag == "":
		return ""
	case a.FlagAlias != "":
		return fmt.Sprintf("`-%s`, `-%s`", a.Flag, a.FlagAlias)
	}
	return "`-" + a.Flag + "`"
}

// attrPath names the attribute by its block path: `vault` > `address`.
func attrPath(s *section, a *schema.Attribute) string {
	if s.parent == nil {
		return "`" + a.Name + "`"
	}
	return s.heading() + " > `" + a.Name + "`"
}
