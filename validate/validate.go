package validate

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// Rule is one cross-block rule: a stable name, a one-sentence doc, and its check.
type Rule struct {
	Name string
	Doc  string
	// Reads lists the top-level blocks whose values the rule combines. When compiling reported an error
	// in one of them, the rule does not run: its finding could follow from that error alone.
	Reads []string
	Check func(p *compile.Plan) hcl.Diagnostics

	run func(p *plan) hcl.Diagnostics // Check, on a plan whose listeners are copied once for all rules
}

// plan is the compiled plan as the rules read it: its listeners are copied once, by Plan, rather
// than by every rule (a plan of a thousand listeners made each copy cost megabytes). Rules only
// read them.
type plan struct {
	*compile.Plan
	listeners []compile.Listener
}

func newPlan(p *compile.Plan) *plan { return &plan{Plan: p, listeners: p.Listeners()} }

// Listeners returns the plan's listeners, shared by every rule.
func (p *plan) Listeners() []compile.Listener { return p.listeners }

func rule(name, doc string, reads []string, check func(p *plan) hcl.Diagnostics) Rule {
	return Rule{Name: name, Doc: doc, Reads: reads, run: check,
		Check: func(p *compile.Plan) hcl.Diagnostics { return check(newPlan(p)) }}
}

// Rules returns every rule, in the order Plan runs them.
func Rules() []Rule {
	return []Rule{
		rule("something-to-run", "A configuration needs at least one of auto_auth, cache or a listener (Vault Proxy rule 8).", []string{"auto_auth", "cache", "listener"}, somethingToRun),
		rule("cache-needs-listener", "A cache block needs at least one listener (Vault Proxy rule 1).", []string{"cache", "listener"}, cacheNeedsListener),
		rule("api-proxy-needs-listener", "An api_proxy block needs at least one listener (Vault Proxy rule 2).", []string{"api_proxy", "listener"}, apiProxyNeedsListener),
		rule("auto-auth-token-needs-auto-auth", "use_auto_auth_token true or \"force\" needs an auto_auth block (Vault Proxy rule 3).", []string{"api_proxy", "auto_auth"}, autoAuthTokenNeedsAutoAuth),
		rule("auto-auth-token-not-wrapped", "use_auto_auth_token cannot be used with a method wrap_ttl, which makes the token a wrapping token (Vault Proxy rule 4).", []string{"api_proxy", "auto_auth"}, autoAuthTokenNotWrapped),
		rule("auto-auth-needs-destination", "auto_auth needs a sink, use_auto_auth_token or cache_static_secrets, or its token goes nowhere (Vault Proxy rule 5).", []string{"auto_auth", "api_proxy", "cache"}, autoAuthNeedsDestination),
		rule("static-secrets-need-auto-auth", "cache_static_secrets needs auto_auth (Vault Proxy rule 6).", []string{"cache", "auto_auth"}, staticNeedsAutoAuth),
		rule("cache-caches-something", "A cache must cache static or dynamic secrets (Vault Proxy rule 7).", []string{"cache"}, cacheCachesSomething),
		rule("persist-key", "persist \"file\" needs key_file and takes no service_account_token_file; no other persist type takes key_file (a vaultproxy extension).", []string{"cache"}, persistKey),
		rule("persist-path", "A cache persist block needs a non-empty path (Vault Proxy checks this only at start-up).", []string{"cache"}, persistPath),
		rule("method-wrap-ttl-one-sink", "A method wrap_ttl needs exactly one sink, which must not set wrap_ttl itself (Vault Proxy load rule).", []string{"auto_auth"}, methodWrapOneSink),
		rule("backoff-order", "min_backoff must not exceed max_backoff (Vault Proxy checks this only at start-up).", []string{"auto_auth"}, backoffOrder),
		rule("azure-identity", "An azure method takes object_id or client_id, not both (Vault Proxy checks this only at start-up).", []string{"auto_auth"}, azureIdentity),
		rule("sink-dh", "dh_path goes with dh_type; derive_key, aad and aad_env_var need dh_type (Vault Proxy load rule).", []string{"auto_auth"}, sinkDH),
		rule("listener-tls-files", "A listener with TLS on needs tls_cert_file and tls_key_file (Vault Proxy checks this only at start-up).", nil, listenerTLSFiles),
		rule("listener-tls-settings", "tls_min_version must not exceed tls_max_version, and client certificates cannot be both required and disabled.", nil, listenerTLSSettings),
		rule("listener-address", "A tcp address is host:port with a port from 0 to 65535, a unix listener needs a socket path, and no two listeners may share or overlap an address (a wildcard covers every host on its port), across files too (Vault Proxy lacks this rule).", nil, listenerAddress),
		rule("listener-socket-options", "socket_mode, socket_user and socket_group apply to unix listeners only.", nil, listenerSocketOptions),
		rule("namespace-prepending", "prepend_configured_namespace needs a namespace; a configured namespace is not applied to proxied requests without it.", []string{"api_proxy", "vault", "auto_auth"}, namespacePrepending),
		rule("hazards", "Warnings for settings that expose Vault or the proxy's identity: tls_skip_verify, plain HTTP to a remote Vault, an open listener that injects the auto-auth token.", []string{"vault", "api_proxy", "auto_auth"}, hazards),
		rule("cert-method-with-cache", "The cert method without its own client certificate shares the vault block's with every proxied request (Vault Proxy warning).", []string{"auto_auth", "cache"}, certMethodWithCache),
	}
}

// Plan runs every rule over p and returns all their diagnostics, in rule order. On a plan compiled
// with errors it still runs, so that one run reports every problem, but it leaves out what could follow
// from those errors alone: rules that read a block with an error, and findings in such a block
// (compile.Plan.HasErrorsIn and Suspect). On a plan without errors every rule runs and reports.
func Plan(p *compile.Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	pp := newPlan(p)
	for _, r := range Rules() {
		if readsErrors(p, r.Reads) {
			continue
		}
		for _, d := range r.run(pp) {
			if !p.Suspect(d.Subject) {
				diags = append(diags, d)
			}
		}
	}
	return diags
}

func readsErrors(p *compile.Plan, blocks []string) bool {
	for _, b := range blocks {
		if p.HasErrorsIn(b) {
			return true
		}
	}
	return false
}

// errorAt is an error with its code, about rng (no range when rng is the zero Range).
func errorAt(code *diagcode.Code, summary, detail string, rng hcl.Range) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Extra: code}
	if rng.Filename != "" {
		d.Subject = rng.Ptr()
	}
	return d
}

// warnAt is a warning with its code, about rng.
func warnAt(code *diagcode.Code, summary, detail string, rng hcl.Range) *hcl.Diagnostic {
	d := errorAt(code, summary, detail, rng)
	d.Severity = hcl.DiagWarning
	return d
}
