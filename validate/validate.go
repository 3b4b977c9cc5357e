package validate

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
)

// Rule is one cross-block rule: a stable name, a one-sentence doc, and its check.
type Rule struct {
	Name  string
	Doc   string
	Check func(p *compile.Plan) hcl.Diagnostics
}

// Rules returns every rule, in the order Plan runs them.
func Rules() []Rule {
	return []Rule{
		{"something-to-run", "A configuration needs at least one of auto_auth, cache or a listener (Vault Proxy rule 8).", somethingToRun},
		{"cache-needs-listener", "A cache block needs at least one listener (Vault Proxy rule 1).", cacheNeedsListener},
		{"api-proxy-needs-listener", "An api_proxy block needs at least one listener (Vault Proxy rule 2).", apiProxyNeedsListener},
		{"auto-auth-token-needs-auto-auth", "use_auto_auth_token true or \"force\" needs an auto_auth block (Vault Proxy rule 3).", autoAuthTokenNeedsAutoAuth},
		{"auto-auth-token-not-wrapped", "use_auto_auth_token cannot be used with a method wrap_ttl, which makes the token a wrapping token (Vault Proxy rule 4).", autoAuthTokenNotWrapped},
		{"auto-auth-needs-destination", "auto_auth needs a sink, use_auto_auth_token or cache_static_secrets, or its token goes nowhere (Vault Proxy rule 5).", autoAuthNeedsDestination},
		{"static-secrets-need-auto-auth", "cache_static_secrets needs auto_auth (Vault Proxy rule 6).", staticNeedsAutoAuth},
		{"cache-caches-something", "A cache must cache static or dynamic secrets (Vault Proxy rule 7).", cacheCachesSomething},
		{"method-wrap-ttl-one-sink", "A method wrap_ttl needs exactly one sink, which must not set wrap_ttl itself (Vault Proxy load rule).", methodWrapOneSink},
		{"backoff-order", "min_backoff must not exceed max_backoff (Vault Proxy checks this only at start-up).", backoffOrder},
		{"sink-dh", "dh_path goes with dh_type; derive_key, aad and aad_env_var need dh_type (Vault Proxy load rule).", sinkDH},
		{"listener-tls-files", "A listener with TLS on needs tls_cert_file and tls_key_file (Vault Proxy checks this only at start-up).", listenerTLSFiles},
		{"listener-tls-settings", "tls_min_version must not exceed tls_max_version, and client certificates cannot be both required and disabled.", listenerTLSSettings},
		{"listener-address", "Each listener needs a distinct address, across files too; a unix listener needs a socket path (Vault Proxy lacks this rule).", listenerAddress},
		{"listener-socket-options", "socket_mode, socket_user and socket_group apply to unix listeners only.", listenerSocketOptions},
		{"namespace-prepending", "prepend_configured_namespace needs a namespace; a configured namespace is not applied to proxied requests without it.", namespacePrepending},
		{"hazards", "Warnings for settings that expose Vault or the proxy's identity: tls_skip_verify, plain HTTP to a remote Vault, an open listener that injects the auto-auth token.", hazards},
		{"cert-method-with-cache", "The cert method without its own client certificate shares the vault block's with every proxied request (Vault Proxy warning).", certMethodWithCache},
	}
}

// Plan runs every rule over p and returns all their diagnostics, in rule order.
func Plan(p *compile.Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, r := range Rules() {
		diags = append(diags, r.Check(p)...)
	}
	return diags
}

func errorAt(summary, detail string, rng hcl.Range) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if rng.Filename != "" {
		d.Subject = rng.Ptr()
	}
	return d
}

func warnAt(summary, detail string, rng hcl.Range) *hcl.Diagnostic {
	d := errorAt(summary, detail, rng)
	d.Severity = hcl.DiagWarning
	return d
}
