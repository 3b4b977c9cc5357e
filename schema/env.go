package schema

// EnvVar declares an environment variable that Vault Proxy reads and that no attribute declares: the
// variables of its Vault client (hashicorp/vault api/client.go, Config.ReadEnvironment and NewClient;
// api/logical.go, DefaultWrappingLookupFunc). A variable that overrides an attribute is that
// attribute's Env (VAULT_ADDR is VaultAddress.Env).
//
// vaultproxy run applies none of these. The compiler checks a value as Vault Proxy's client parses
// it, so that validate fails where Vault Proxy would not start, and warns about a value that would
// change what Vault Proxy does (docs/differences.md, "VAULT_AGENT_ADDR and VAULT_WRAP_TTL are ignored").
type EnvVar struct {
	Name string
	// VaultDoes is what Vault Proxy does when the variable is set ("would limit its requests to Vault
	// to that many a second"); the compiler's warning quotes it. "" for a variable that is not warned about.
	VaultDoes string
	// Ignored says why vaultproxy run does not apply the variable, besides it being a client-side
	// setting meant for the vault CLI, often inherited from a shell or a container image.
	Ignored string
	// Doc says what the variable holds and what the compiler checks.
	Doc string
}

// The variables of Vault Proxy's Vault client that no attribute declares.
var (
	EnvAgentAddr = &EnvVar{Name: "VAULT_AGENT_ADDR",
		VaultDoes: "would send every proxied request there instead of to Vault (a loop when it points at the proxy itself)",
		Ignored:   "inside a proxy it redirects traffic that the configuration sends to Vault",
		Doc:       "A Vault Agent or Proxy address that the client prefers to Vault's. It must parse as a URL; when set, a warning."}
	EnvCACertBytes = &EnvVar{Name: "VAULT_CACERT_BYTES",
		VaultDoes: "would trust its certificates for Vault's TLS certificate",
		Ignored:   "vaultproxy trusts the CA certificates of ca_cert and ca_path",
		Doc:       "PEM CA certificates, inline, for Vault's TLS certificate. It must hold a PEM certificate; when set, a warning."}
	EnvRateLimit = &EnvVar{Name: "VAULT_RATE_LIMIT",
		VaultDoes: "would limit its requests to Vault to that many a second",
		Ignored:   "the plan does not carry a rate limit",
		Doc:       `A rate of requests a second to Vault, with an optional burst ("10" or "10:20"). It must parse; when set, a warning.`}
	EnvClientTimeout = &EnvVar{Name: "VAULT_CLIENT_TIMEOUT",
		VaultDoes: "would give up on a request to Vault, a proxied one too, after that long (60s when it is unset)",
		Ignored:   "the plan does not carry a client timeout",
		Doc:       `The timeout of every request to Vault: a number of seconds, of days ("1d") or a Go duration. It must parse; when set, a warning.`}
	EnvSRVLookup = &EnvVar{Name: "VAULT_SRV_LOOKUP",
		VaultDoes: "would look up Vault's host and port with a DNS SRV query",
		Ignored:   "vaultproxy connects to the address as written",
		Doc:       "Look Vault's host and port up with a DNS SRV query. It must be a boolean; when true, a warning."}
	EnvHTTPProxy = &EnvVar{Name: "VAULT_HTTP_PROXY",
		VaultDoes: "would send its requests to Vault through that HTTP proxy",
		Ignored:   "vaultproxy connects to Vault directly",
		Doc:       "The older name of VAULT_PROXY_ADDR, read only when that is unset. It must parse as a URL; when not empty, a warning."}
	EnvProxyAddr = &EnvVar{Name: "VAULT_PROXY_ADDR",
		VaultDoes: EnvHTTPProxy.VaultDoes,
		Ignored:   EnvHTTPProxy.Ignored,
		Doc:       "An HTTP proxy for every request to Vault; it replaces VAULT_HTTP_PROXY. It must parse as a URL; when not empty, a warning."}
	EnvDisableRedirects = &EnvVar{Name: "VAULT_DISABLE_REDIRECTS",
		VaultDoes: "would not follow Vault's redirects",
		Ignored:   "the plan does not carry it",
		Doc:       "Do not follow Vault's redirects. It must be a boolean; when true, a warning."}
	EnvToken = &EnvVar{Name: "VAULT_TOKEN",
		Ignored: "Vault Proxy sets each proxied request's own token, or none, on its client in its place " +
			"(command/agentproxyshared/cache/api_proxy.go, APIProxy.Send), and auto-auth logs in for its own",
		Doc: "The client's token. Not checked, and no warning."}
	EnvHeaders = &EnvVar{Name: "VAULT_HEADERS",
		VaultDoes: "would add its headers to every request to Vault",
		Ignored:   "vaultproxy sends the headers of the proxied request",
		Doc:       "A JSON object of headers for every request to Vault. It must be an object of strings with no X-Vault- header; when it sets one, a warning that does not show the value (headers often carry credentials)."}
	EnvWrapTTL = &EnvVar{Name: "VAULT_WRAP_TTL",
		VaultDoes: "would response-wrap every proxied request",
		Ignored:   "inside a proxy it wraps traffic that the configuration sends to Vault",
		Doc:       "A TTL with which the client response-wraps every request. Not checked; when set, a warning."}
)

// EnvVars lists the variables of Vault Proxy's Vault client that no attribute declares, in the order
// the client reads them.
var EnvVars = []*EnvVar{
	EnvAgentAddr, EnvCACertBytes, EnvRateLimit, EnvClientTimeout, EnvSRVLookup, EnvHTTPProxy,
	EnvProxyAddr, EnvDisableRedirects, EnvToken, EnvHeaders, EnvWrapTTL,
}
