package schema

// Cache is the `cache` block: any cache block, even an empty one, turns caching on.
var Cache = &Block{
	Type: "cache",
	Max:  1,
	Doc:  "The lease cache for tokens and leased secrets, and static secret caching; its presence turns caching on.",
	Attributes: []*Attribute{
		CacheStaticSecrets,
		CacheDisableCachingDynamicSecrets,
		CacheStaticSecretTokenCapabilityRefreshInterval,
		CacheStaticSecretTokenCapabilityRefreshBehavior,
		CacheServeStaleFor,
		{Name: "use_auto_auth_token", Kind: Any, Ignored: "it is Vault Agent's deprecated form; Vault Proxy ignores it (use api_proxy { use_auto_auth_token })", Doc: "Vault Agent's deprecated form of api_proxy.use_auto_auth_token; ignored."},
		{Name: "enforce_consistency", Kind: Any, Ignored: "it is Vault Agent's deprecated form; Vault Proxy ignores it (use api_proxy { enforce_consistency })", Doc: "Vault Agent's deprecated form; ignored."},
		{Name: "when_inconsistent", Kind: Any, Ignored: "it is Vault Agent's deprecated form; Vault Proxy ignores it (use api_proxy { when_inconsistent })", Doc: "Vault Agent's deprecated form; ignored."},
	},
	Blocks: []*Block{Persist},
}

// Telemetry is the top-level `telemetry` block, shared with Vault server.
var Telemetry = &Block{
	Type: "telemetry",
	Max:  1,
	Doc:  "Metrics settings shared with Vault server. In Vault Proxy its presence enables Prometheus output on /proxy/v1/metrics; vaultproxy run always serves Prometheus text there and uses only metrics_prefix.",
	Attributes: []*Attribute{
		TelemetryPrometheusRetentionTime,
		TelemetryMetricsPrefix,
		TelemetryDisableHostname,
		{Name: "enable_hostname_label", Kind: Bool, Strict: true, Doc: "Add the host name as a label."},
		{Name: "usage_gauge_period", Kind: Duration, Doc: "How often usage gauges are collected."},
		{Name: "maximum_gauge_cardinality", Kind: Int, Doc: "Most label values a gauge may have."},
		{Name: "lease_metrics_epsilon", Kind: Duration, Doc: "Vault server setting."},
		{Name: "num_lease_metrics_buckets", Kind: Int, Doc: "Vault server setting."},
		{Name: "add_lease_metrics_namespace_labels", Kind: Bool, Strict: true, Doc: "Vault server setting."},
		{Name: "add_mount_point_rollback_metrics", Kind: Bool, Strict: true, Doc: "Vault server setting."},
		{Name: "filter_default", Kind: Bool, Strict: true, Doc: "Whether metrics not matched by prefix_filter are emitted."},
		{Name: "prefix_filter", Kind: Any, Doc: "Metric name prefixes to allow (+) or block (-)."},
		{Name: "statsite_address", Kind: String, Doc: "statsite server to send metrics to."},
		{Name: "statsd_address", Kind: String, Doc: "statsd server to send metrics to."},
		{Name: "dogstatsd_addr", Kind: String, Doc: "DogStatsD server to send metrics to."},
		{Name: "dogstatsd_tags", Kind: Any, Doc: "Tags added to DogStatsD metrics."},
		{Name: "circonus_api_token", Kind: String, Sensitive: true, Doc: "Circonus API token."},
		{Name: "circonus_api_app", Kind: String, Doc: "Circonus API application name."},
		{Name: "circonus_api_url", Kind: String, Doc: "Circonus API URL."},
		{Name: "circonus_submission_interval", Kind: String, Doc: "Circonus submission interval."},
		{Name: "circonus_submission_url", Kind: String, Doc: "Circonus check submission URL."},
		{Name: "circonus_check_id", Kind: String, Doc: "Circonus check id."},
		{Name: "circonus_check_force_metric_activation", Kind: String, Doc: "Circonus metric activation."},
		{Name: "circonus_check_instance_id", Kind: String, Doc: "Circonus check instance id."},
		{Name: "circonus_check_search_tag", Kind: String, Doc: "Circonus check search tag."},
		{Name: "circonus_check_tags", Kind: String, Doc: "Circonus check tags."},
		{Name: "circonus_check_display_name", Kind: String, Doc: "Circonus check display name."},
		{Name: "circonus_broker_id", Kind: String, Doc: "Circonus broker id."},
		{Name: "circonus_broker_select_tag", Kind: String, Doc: "Circonus broker selection tag."},
		{Name: "stackdriver_project_id", Kind: String, Doc: "Google Cloud project for Stackdriver metrics."},
		{Name: "stackdriver_location", Kind: String, Doc: "Stackdriver location."},
		{Name: "stackdriver_namespace", Kind: String, Doc: "Stackdriver namespace."},
		{Name: "stackdriver_debug_logs", Kind: Bool, Strict: true, Doc: "Stackdriver debug logging."},
	},
}

// The attributes that package compile reads, by Go identifier, so that a misspelt one does not build.
var (
	CacheStaticSecrets                              = &Attribute{Name: "cache_static_secrets", Kind: Bool, Strict: true, Default: "false", Doc: "Cache KV secrets across tokens that may read them (needs Vault Enterprise's event stream and auto_auth)."}
	CacheDisableCachingDynamicSecrets               = &Attribute{Name: "disable_caching_dynamic_secrets", Kind: Bool, Strict: true, Default: "false", Doc: "Turn off caching of tokens and leased secrets."}
	CacheStaticSecretTokenCapabilityRefreshInterval = &Attribute{Name: "static_secret_token_capability_refresh_interval", Kind: Duration, Default: "5m", Doc: "How often each token's read capabilities on cached static secrets are re-checked."}
	CacheStaticSecretTokenCapabilityRefreshBehavior = &Attribute{Name: "static_secret_token_capability_refresh_behavior", Kind: String, Default: "optimistic", Enum: []string{"optimistic", "pessimistic", ""}, Doc: "On a failed capability check, optimistic keeps the token's access and pessimistic drops it."}
	CacheServeStaleFor                              = &Attribute{Name: "serve_stale_for", Kind: Duration, Default: "0s", Extension: "Vault Proxy answers 500 whenever Vault cannot be reached", Doc: "While Vault is unreachable (connection error, 502, 503, 504), answer a token or lease request from its cached answer up to this long past the lease's end, and a static secret up to this long since Vault last confirmed it, marked X-Cache: STALE; 0 (the default) turns this off."}
	PersistType                                     = &Attribute{Name: "type", Kind: String, Enum: []string{"kubernetes", "file"}, Doc: "The persistence type, when not given as the block label."}
	PersistPath                                     = &Attribute{Name: "path", Kind: String, Required: true, Doc: "Directory of the cache file vault-agent-cache.db."}
	PersistKeepAfterImport                          = &Attribute{Name: "keep_after_import", Kind: Bool, Strict: true, Default: "false", Doc: "Keep the cache file after restoring from it."}
	PersistExitOnErr                                = &Attribute{Name: "exit_on_err", Kind: Bool, Strict: true, Default: "false", Doc: "Exit when restoring from the cache file fails (the code default is false; Vault's docs say true)."}
	PersistServiceAccountTokenFile                  = &Attribute{Name: "service_account_token_file", Kind: String, Default: "/var/run/secrets/kubernetes.io/serviceaccount/token", Doc: "Kubernetes service account token used to protect the cache file (persist \"kubernetes\" only)."}
	PersistKeyFile                                  = &Attribute{Name: "key_file", Kind: String, Env: "VAULTPROXY_CACHE_PERSIST_KEY_FILE", Extension: "it belongs to persist \"file\", which Vault Proxy does not have", Doc: "File holding the 32-byte key, base64-encoded (openssl rand -base64 32), that protects the cache file of persist \"file\" (required there, refused with kubernetes); VAULTPROXY_CACHE_PERSIST_KEY_FILE overrides it."}
	TelemetryPrometheusRetentionTime                = &Attribute{Name: "prometheus_retention_time", Kind: Duration, Default: "24h", Differs: "no effect in vaultproxy run, which always serves current Prometheus metrics", Doc: "How long Vault Proxy keeps Prometheus metrics; 0 disables its Prometheus output."}
	TelemetryMetricsPrefix                          = &Attribute{Name: "metrics_prefix", Kind: String, Default: "vault", Doc: "Prefix of every metric name."}
	TelemetryDisableHostname                        = &Attribute{Name: "disable_hostname", Kind: Bool, Strict: true, Default: "false", Differs: "no effect in vaultproxy run, whose metric names carry no host name", Doc: "Do not prefix Vault Proxy's gauge names with the host name."}
)

// Persist is the `cache.persist` block.
var Persist = &Block{
	Type:        "persist",
	Label:       "type",
	LabelAttr:   true,
	LabelValues: []string{"kubernetes", "file"},
	ExtensionLabels: map[string]string{
		"file": "Vault Proxy has only persist \"kubernetes\" and refuses to start with another type",
	},
	Max:    1,
	AsAttr: true,
	Doc:    "A persistent, encrypted copy of the cache that survives restarts: \"kubernetes\" (Vault Proxy's) keys it with the pod's service-account token, \"file\" (vaultproxy's own) with a key file.",
	Attributes: []*Attribute{
		PersistType,
		PersistPath,
		PersistKeepAfterImport,
		PersistExitOnErr,
		PersistServiceAccountTokenFile,
		PersistKeyFile,
	},
}

// PersistFileName is the cache file in a persist block's path, named as Vault Proxy names it.
const PersistFileName = "vault-agent-cache.db"
