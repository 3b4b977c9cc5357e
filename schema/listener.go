package schema

const listenerUnused = "Vault Proxy parses and validates it, then ignores it"

// Listener is the `listener` block: where the proxy serves.
var Listener = &Block{
	Type:        "listener",
	Label:       "type",
	LabelAttr:   true,
	LabelValues: []string{"tcp", "unix"},
	Doc:         "A socket the proxy serves on: tcp (host:port) or unix (socket path).",
	Attributes: []*Attribute{
		ListenerType,
		ListenerAddress,
		ListenerRole,
		ListenerRequireRequestHeader,
		ListenerTLSDisable,
		ListenerTLSCertFile,
		ListenerTLSKeyFile,
		ListenerTLSMinVersion,
		ListenerTLSMaxVersion,
		ListenerTLSCipherSuites,
		ListenerTLSClientCAFile,
		ListenerTLSRequireAndVerifyClientCert,
		ListenerTLSDisableClientCerts,
		{Name: "tls_prefer_server_cipher_suites", Kind: Bool, Deprecated: "Go ignores it since 1.18", Ignored: listenerUnused, Doc: "Deprecated; ignored."},
		ListenerSocketMode,
		ListenerSocketUser,
		ListenerSocketGroup,
		ListenerMaxRequestSize,
		ListenerMaxRequestDuration,
		{Name: "http_read_timeout", Kind: Duration, Ignored: listenerUnused, Doc: "Vault server setting; Vault Proxy's timeouts are fixed."},
		{Name: "http_read_header_timeout", Kind: Duration, Ignored: listenerUnused, Doc: "Vault server setting; Vault Proxy's timeouts are fixed."},
		{Name: "http_write_timeout", Kind: Duration, Ignored: listenerUnused, Doc: "Vault server setting; Vault Proxy's timeouts are fixed."},
		{Name: "http_idle_timeout", Kind: Duration, Ignored: listenerUnused, Doc: "Vault server setting; Vault Proxy's timeouts are fixed."},
		{Name: "x_forwarded_for_authorized_addrs", Kind: Any, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "x_forwarded_for_hop_skips", Kind: Int, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "x_forwarded_for_reject_not_authorized", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "x_forwarded_for_reject_not_present", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "x_forwarded_for_client_cert_header", Kind: String, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "x_forwarded_for_client_cert_header_decoders", Kind: String, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "proxy_protocol_behavior", Kind: String, Enum: []string{"allow_authorized", "deny_unauthorized", "use_always"}, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "proxy_protocol_authorized_addrs", Kind: Any, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "cors_enabled", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "cors_allowed_origins", Kind: Any, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "cors_allowed_headers", Kind: Any, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "custom_response_headers", Kind: Any, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "chroot_namespace", Kind: String, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "redact_addresses", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "redact_cluster_name", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "redact_version", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "disable_replication_status_endpoints", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "disable_request_limiter", Kind: Bool, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "max_json_depth", Kind: Int, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "max_json_string_value_length", Kind: Int, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "max_json_object_entry_count", Kind: Int, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "max_json_array_element_count", Kind: Int, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "max_json_token", Kind: Int, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "max_token_header_size", Kind: Int, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "cluster_address", Kind: String, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "purpose", Kind: Any, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
	},
	Blocks: []*Block{
		ProxyAPI,
		{Type: "agent_api", Max: 1, AsAttr: true, Ignored: "it belongs to Vault Agent; Vault Proxy parses it and ignores it (use proxy_api)", Doc: "Vault Agent's API block; ignored by Vault Proxy.", Attributes: []*Attribute{
			{Name: "enable_quit", Kind: Bool, Strict: true, Doc: "Ignored by Vault Proxy."},
		}},
		{Type: "telemetry", Max: 1, AsAttr: true, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy.", Attributes: []*Attribute{
			{Name: "unauthenticated_metrics_access", Kind: Bool, Doc: "Vault server setting."},
		}},
		{Type: "profiling", Max: 1, AsAttr: true, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy.", Attributes: []*Attribute{
			{Name: "unauthenticated_pprof_access", Kind: Bool, Doc: "Vault server setting."},
		}},
		{Type: "inflight_requests_logging", Max: 1, AsAttr: true, Ignored: listenerUnused, Doc: "Vault server setting; no effect in Vault Proxy.", Attributes: []*Attribute{
			{Name: "unauthenticated_in_flight_requests_access", Kind: Bool, Doc: "Vault server setting."},
		}},
	},
}

// The attributes that package compile reads, by Go identifier, so that a misspelt one does not build.
var (
	ListenerType                          = &Attribute{Name: "type", Kind: String, Enum: []string{"tcp", "unix"}, Doc: "The listener type, when not given as the block label."}
	ListenerAddress                       = &Attribute{Name: "address", Kind: String, Default: "127.0.0.1:8200", Doc: "host:port for tcp, or the socket path for unix."}
	ListenerRole                          = &Attribute{Name: "role", Kind: String, Default: "default", Enum: []string{"default", "metrics_only"}, Differs: "an unknown role is an error; Vault Proxy treats it as default", Doc: "default serves the API proxy; metrics_only serves only /proxy/v1/metrics and /proxy/v1/ready."}
	ListenerRequireRequestHeader          = &Attribute{Name: "require_request_header", Kind: Bool, Default: "false", Differs: "also guards the /proxy/v1/ endpoints, which Vault Proxy leaves open", Doc: "Refuse with 412 any request without exactly one X-Vault-Request: true header."}
	ListenerTLSDisable                    = &Attribute{Name: "tls_disable", Kind: Bool, Default: "false", Doc: "Serve plain HTTP; TLS is on by default and then needs tls_cert_file and tls_key_file."}
	ListenerTLSCertFile                   = &Attribute{Name: "tls_cert_file", Kind: String, Doc: "PEM certificate served when TLS is on."}
	ListenerTLSKeyFile                    = &Attribute{Name: "tls_key_file", Kind: String, Doc: "PEM private key of tls_cert_file."}
	ListenerTLSMinVersion                 = &Attribute{Name: "tls_min_version", Kind: String, Default: "tls12", Enum: []string{"tls10", "tls11", "tls12", "tls13"}, Doc: "Lowest TLS version accepted."}
	ListenerTLSMaxVersion                 = &Attribute{Name: "tls_max_version", Kind: String, Default: "tls13", Enum: []string{"tls10", "tls11", "tls12", "tls13"}, Doc: "Highest TLS version accepted."}
	ListenerTLSCipherSuites               = &Attribute{Name: "tls_cipher_suites", Kind: CipherSuites, Doc: "Comma-separated Go cipher suite names; empty for Go's defaults."}
	ListenerTLSClientCAFile               = &Attribute{Name: "tls_client_ca_file", Kind: String, Doc: "PEM CA bundle that client certificates are verified against."}
	ListenerTLSRequireAndVerifyClientCert = &Attribute{Name: "tls_require_and_verify_client_cert", Kind: Bool, Default: "false", Doc: "Require a client certificate signed by tls_client_ca_file."}
	ListenerTLSDisableClientCerts         = &Attribute{Name: "tls_disable_client_certs", Kind: Bool, Default: "false", Doc: "Do not ask clients for a certificate; excludes tls_require_and_verify_client_cert."}
	ListenerSocketMode                    = &Attribute{Name: "socket_mode", Kind: OctalString, Differs: "applied on its own; Vault Proxy applies it only when socket_user and socket_group are also set, and it must be an octal string", Doc: `Permission bits of a unix socket, as an octal string such as "0660".`}
	ListenerSocketUser                    = &Attribute{Name: "socket_user", Kind: String, Doc: "Owner of a unix socket: a user name or numeric id."}
	ListenerSocketGroup                   = &Attribute{Name: "socket_group", Kind: String, Doc: "Group of a unix socket: a group name or numeric id."}
	ListenerMaxRequestSize                = &Attribute{Name: "max_request_size", Kind: Int, Default: "33554432", Differs: "enforced: Vault Proxy parses it and ignores it, forwarding a body of any size", Doc: "Largest request body in bytes (Vault's server default, 32 MiB): a larger one gets 413 before Vault sees a byte of it; 0 means the default, a negative number no limit, as in Vault's server (hashicorp/vault http/util.go)."}
	ListenerMaxRequestDuration            = &Attribute{Name: "max_request_duration", Kind: Duration, Default: "60s", Differs: "enforced: Vault Proxy parses it and ignores it, and its client gives up on Vault after 60s whatever it says", Doc: "How long a request may wait for Vault's answer, retries and a new auto-auth token included: 504 beyond it; 0 means the default. The default is the 60s after which Vault Proxy's client gives up (hashicorp/vault api/client.go), not the 90s of Vault's server."}
	ProxyAPIEnableQuit                    = &Attribute{Name: "enable_quit", Kind: Bool, Strict: true, Default: "false", Doc: "Serve POST /proxy/v1/quit, which shuts the proxy down."}
)

// ProxyAPI is the `listener.proxy_api` block.
var ProxyAPI = &Block{Type: "proxy_api", Max: 1, AsAttr: true, Doc: "The proxy's own API on this listener.",
	Attributes: []*Attribute{ProxyAPIEnableQuit}}
