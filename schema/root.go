package schema

const agentOnly = "it belongs to Vault Agent; Vault Proxy reads and ignores it"
const sharedUnused = "Vault Proxy parses this shared server setting and does not use it"

// Root is the top level of a Vault Proxy configuration file.
var Root = &Block{
	Type: "",
	Doc:  "A Vault Proxy configuration: one or more files whose blocks merge as Vault Proxy merges them.",
	Attributes: []*Attribute{
		PidFile,
		ExitAfterAuth,
		DisableIdleConnections,
		DisableKeepAlives,
		LogLevel,
		LogFormat,
		LogFile,
		LogRotateDuration,
		LogRotateBytes,
		LogRotateMaxFiles,
		{Name: "disable_mlock", Kind: Bool, Ignored: sharedUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "cluster_name", Kind: String, Ignored: sharedUnused + " except as a telemetry label", Doc: "Vault server setting; only a telemetry label in Vault Proxy."},
		{Name: "default_max_request_duration", Kind: Duration, Ignored: sharedUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "administrative_namespace_path", Kind: String, Ignored: sharedUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "plugin_directory", Kind: String, Ignored: sharedUnused, Doc: "Vault server setting; no effect in Vault Proxy."},
		{Name: "auto_auth_token_file", Kind: Any, Ignored: agentOnly, Doc: "Not a Vault Proxy setting."},
	},
	Blocks: []*Block{Vault, APIProxy, Listener, Cache, AutoAuth, Telemetry,
		ignoredBlock("template", agentOnly), ignoredBlock("templates", agentOnly),
		ignoredBlock("template_config", agentOnly), ignoredBlock("exec", agentOnly),
		ignoredBlock("env_template", agentOnly),
		ignoredBlock("seal", sharedUnused), ignoredBlock("kms", sharedUnused), ignoredBlock("hsm", sharedUnused),
		ignoredBlock("entropy", sharedUnused), ignoredBlock("user_lockout", sharedUnused),
		ignoredBlock("cloud", sharedUnused), ignoredBlock("hcp_link", sharedUnused),
	},
}

func ignoredBlock(name, why string) *Block {
	return &Block{Type: name, AnyLabels: true, Open: true, Ignored: why, AsAttr: true,
		Doc: "Accepted and ignored, with a warning: " + why + "."}
}

// The attributes that package compile reads, by Go identifier, so that a misspelt one does not build.
var (
	PidFile                = &Attribute{Name: "pid_file", Kind: String, Doc: "Path of a file the process id is written to (mode 0600) once listeners are up, and removed on exit."}
	ExitAfterAuth          = &Attribute{Name: "exit_after_auth", Kind: Bool, Flag: "exit-after-auth", Strict: true, Default: "false", Doc: "Exit once every sink has written its first token. The -exit-after-auth flag overrides it."}
	DisableIdleConnections = &Attribute{Name: "disable_idle_connections", Kind: StringList, Env: "VAULT_PROXY_DISABLE_IDLE_CONNECTIONS", Strict: true, Enum: subsystems, Doc: "Subsystems whose Vault client keeps no idle connections: auto-auth, caching or proxying (caching and proxying mean the same); VAULT_PROXY_DISABLE_IDLE_CONNECTIONS replaces it."}
	DisableKeepAlives      = &Attribute{Name: "disable_keep_alives", Kind: StringList, Env: "VAULT_PROXY_DISABLE_KEEP_ALIVES", Strict: true, Enum: subsystems, Doc: "Subsystems whose Vault client disables HTTP keep-alives, as for disable_idle_connections; VAULT_PROXY_DISABLE_KEEP_ALIVES replaces it."}
	LogLevel               = &Attribute{Name: "log_level", Kind: String, Env: "VAULT_LOG_LEVEL", Flag: "log-level", FoldCase: true, Default: "info", Enum: []string{"trace", "debug", "info", "warn", "error"}, Doc: "Log level; the -log-level flag and VAULT_LOG_LEVEL override it."}
	LogFormat              = &Attribute{Name: "log_format", Kind: String, Env: "VAULT_LOG_FORMAT", Flag: "log-format", FoldCase: true, Default: "standard", Enum: []string{"standard", "json"}, Doc: "Log format; the -log-format flag and VAULT_LOG_FORMAT override it."}
	LogFile                = &Attribute{Name: "log_file", Kind: String, Flag: "log-file", Doc: "File logs are also written to. The -log-file flag overrides it."}
	LogRotateDuration      = &Attribute{Name: "log_rotate_duration", Kind: Duration, Default: "24h", Doc: "How often the log file is rotated."}
	LogRotateBytes         = &Attribute{Name: "log_rotate_bytes", Kind: Int, Default: "0", Doc: "Size in bytes at which the log file is rotated; 0 for no limit."}
	LogRotateMaxFiles      = &Attribute{Name: "log_rotate_max_files", Kind: Int, Default: "0", Doc: "How many rotated log files are kept; 0 keeps all, -1 keeps none."}
)

// The subsystems that disable_idle_connections and disable_keep_alives name. Caching means the same as
// proxying in Vault Proxy, whose cache sends its requests through the proxying client.
const (
	SubsystemAutoAuth = "auto-auth"
	SubsystemCaching  = "caching"
	SubsystemProxying = "proxying"
)

var subsystems = []string{SubsystemAutoAuth, SubsystemCaching, SubsystemProxying, ""}
