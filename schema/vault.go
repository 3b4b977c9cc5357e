package schema

// Vault is the `vault` block: how the proxy reaches Vault.
var Vault = &Block{
	Type: "vault",
	Max:  1,
	Doc:  "How the proxy reaches Vault; environment variables and flags override each attribute.",
	Attributes: []*Attribute{
		VaultAddress,
		VaultCACert,
		VaultCAPath,
		VaultClientCert,
		VaultClientKey,
		VaultTLSSkipVerify,
		VaultTLSServerName,
		VaultNamespace,
	},
	Blocks: []*Block{Retry},
}

// APIProxy is the `api_proxy` block: what a proxied request becomes.
var APIProxy = &Block{
	Type: "api_proxy",
	Max:  1,
	Doc:  "How proxied requests are sent: which token, which namespace, which consistency behaviour.",
	Attributes: []*Attribute{
		APIProxyUseAutoAuthToken,
		APIProxyPrependConfiguredNamespace,
		APIProxyEnforceConsistency,
		APIProxyWhenInconsistent,
	},
}

// The attributes that package compile reads, by Go identifier, so that a misspelt one does not build.
var (
	VaultAddress                       = &Attribute{Name: "address", Kind: String, Env: "VAULT_ADDR", Flag: "address", Default: "https://127.0.0.1:8200", Doc: "Vault's URL; VAULT_ADDR and -address override it."}
	VaultCACert                        = &Attribute{Name: "ca_cert", Kind: String, Env: "VAULT_CACERT", Flag: "ca-cert", Doc: "PEM file of CA certificates that verify Vault's certificate; VAULT_CACERT and -ca-cert override it."}
	VaultCAPath                        = &Attribute{Name: "ca_path", Kind: String, Env: "VAULT_CAPATH", Flag: "ca-path", Doc: "Directory of PEM CA certificates; VAULT_CAPATH and -ca-path override it."}
	VaultClientCert                    = &Attribute{Name: "client_cert", Kind: String, Env: "VAULT_CLIENT_CERT", Flag: "client-cert", Doc: "PEM client certificate presented to Vault; VAULT_CLIENT_CERT and -client-cert override it."}
	VaultClientKey                     = &Attribute{Name: "client_key", Kind: String, Env: "VAULT_CLIENT_KEY", Flag: "client-key", Doc: "PEM key of client_cert; VAULT_CLIENT_KEY and -client-key override it."}
	VaultTLSSkipVerify                 = &Attribute{Name: "tls_skip_verify", Kind: Bool, Env: "VAULT_SKIP_VERIFY", Flag: "tls-skip-verify", Default: "false", Doc: "Skip verification of Vault's certificate (unsafe); VAULT_SKIP_VERIFY and -tls-skip-verify override it."}
	VaultTLSServerName                 = &Attribute{Name: "tls_server_name", Kind: String, Env: "VAULT_TLS_SERVER_NAME", Flag: "tls-server-name", Doc: "Name sent as SNI to Vault; VAULT_TLS_SERVER_NAME and -tls-server-name override it."}
	VaultNamespace                     = &Attribute{Name: "namespace", Kind: String, Env: "VAULT_NAMESPACE", Flag: "namespace", FlagAlias: "ns", Doc: "Vault Enterprise namespace; the login and, with prepend_configured_namespace, proxied requests use it; VAULT_NAMESPACE and -namespace override it."}
	RetryNumRetries                    = &Attribute{Name: "num_retries", Kind: Int, Env: "VAULT_MAX_RETRIES", Default: "12", Doc: "How many times a failed request is retried; 0 means the default 12 and -1 means none, as in Vault Proxy; VAULT_MAX_RETRIES overrides it."}
	APIProxyUseAutoAuthToken           = &Attribute{Name: "use_auto_auth_token", Kind: TokenMode, Default: "false", Doc: `Which token reaches Vault: false forwards the client's token, true adds the auto-auth token when the client sent none, "force" always uses the auto-auth token.`}
	APIProxyPrependConfiguredNamespace = &Attribute{Name: "prepend_configured_namespace", Kind: Bool, Strict: true, Default: "false", Doc: "Put the configured namespace in front of each request's X-Vault-Namespace (org-a + team-1 gives org-a/team-1/)."}
	APIProxyEnforceConsistency         = &Attribute{Name: "enforce_consistency", Kind: String, Default: "never", Enum: []string{"always", "never", ""}, Differs: "checked when the configuration is validated; Vault Proxy checks it only at start-up", Doc: "Whether the proxy replays the X-Vault-Index states it has seen (Vault Enterprise)."}
	APIProxyWhenInconsistent           = &Attribute{Name: "when_inconsistent", Kind: String, Default: "fail", Enum: []string{"fail", "retry", "forward", ""}, Differs: "checked when the configuration is validated; Vault Proxy checks it only at start-up", Doc: "What happens when Vault answers 412 to a replayed state: fail, retry, or forward to the active node."}
)

// Retry is the `vault.retry` block.
var Retry = &Block{
	Type:       "retry",
	Max:        1,
	AsAttr:     true,
	Doc:        "Retries of failed requests to Vault.",
	Attributes: []*Attribute{RetryNumRetries},
}
