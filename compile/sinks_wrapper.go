package compile

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
)

var codeSinksWrapper = diagcode.New("sinks_wrapper",
	"The sinks { sink { ... } } wrapper, which Vault Proxy reads with fewer checks than sink blocks written directly in auto_auth.",
	"auto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n  sinks {\n    sink {\n      type   = \"file\"\n      config = { path = \"/tmp/token\" }\n    }\n  }\n}")

// checkSinksWrapper reports what Vault Proxy makes of a sinks wrapper (schema.SinksWrapper) and
// whether its sinks are the configuration's: they are unless sinks are written directly too. Vault Proxy decodes a wrapped sink field by field
// (command/proxy/config/config.go, AutoAuth.Sinks), so that, unlike parseSinks for a sink written
// directly in auto_auth, it reads a labelled sink as an empty one (no type, no config: "Unknown sink
// type" at start-up), never parses wrap_ttl (the token is written unwrapped) and never resolves
// aad_env_var (the aad is empty); and parseSinks replaces the wrapper's sinks with the direct ones
// when there are any. Each of those is an error at what is lost; a wrapper that loses nothing is a
// warning that asks for the direct form, which means the same and is checked in full.
func (b *builder) checkSinksWrapper(wb *decodedBlock, direct int) bool {
	wrapped := bodyOf(wb, schema.SinksWrapper).blocks[schema.Sink.Type]
	if direct > 0 {
		b.diags = append(b.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Sinks wrapper ignored",
			Detail: fmt.Sprintf("Vault Proxy uses the %d sink block(s) written directly in auto_auth and drops the %d in this sinks block: their tokens would never be written. Move them out of the wrapper.",
				direct, len(wrapped)),
			Subject: wb.typeRange.Ptr(),
			Context: wb.defRange.Ptr(),
			Extra:   codeRejectedBlock,
		})
		return false
	}
	lost := false
	reject := func(rng hcl.Range, summary, detail string) {
		lost = true
		b.diags = append(b.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: summary, Subject: rng.Ptr(), Context: wb.defRange.Ptr(), Extra: codeRejectedBlock,
			Detail: detail + " Write the sink block directly in auto_auth, where Vault Proxy reads all of it.",
		})
	}
	for _, sb := range wrapped {
		body := bodyOf(sb, schema.Sink)
		if sb.labelled {
			reject(sb.labelRange, "Labelled sink in a sinks wrapper",
				fmt.Sprintf("Inside sinks { }, Vault Proxy reads sink %q { ... } as an empty sink, without its type or config, and stops at start-up (\"Unknown sink type\").", sb.label))
		}
		if v := body.val(schema.SinkWrapTTL); v != nil {
			reject(v.origin().rng, "wrap_ttl lost in a sinks wrapper",
				"Inside sinks { }, Vault Proxy does not read wrap_ttl: the token would be written unwrapped.")
		}
		if v := body.val(schema.SinkAADEnvVar); v != nil {
			reject(v.origin().rng, "aad_env_var lost in a sinks wrapper",
				"Inside sinks { }, Vault Proxy does not read the aad from aad_env_var: the token would be encrypted without it.")
		}
	}
	if !lost {
		b.diags = append(b.diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Sinks wrapper",
			Detail:   "Vault Proxy reads the sinks in this wrapper, but loses a wrapped sink's label, wrap_ttl and aad_env_var and skips its dh_type checks. Write the sink blocks directly in auto_auth, which means the same here.",
			Subject:  wb.typeRange.Ptr(),
			Context:  wb.defRange.Ptr(),
			Extra:    codeSinksWrapper,
		})
	}
	// A wrapper that loses something stays in the plan all the same, so that the cross-block rules
	// see its sinks and do not report them missing.
	return true
}
