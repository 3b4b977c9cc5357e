package compile

import (
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/schema"
)

// RefreshBehavior is `cache.static_secret_token_capability_refresh_behavior`.
type RefreshBehavior string

// The capability refresh behaviours (hashicorp/vault
// command/agentproxyshared/cache/static_secret_capability_manager.go; docs/cache.md).
const (
	RefreshOptimistic  RefreshBehavior = "optimistic"
	RefreshPessimistic RefreshBehavior = "pessimistic"
)

// Cache is the effective `cache` block. Its presence turns caching on.
type Cache struct {
	decl                         hcl.Range
	at                           hcl.Range // in a plan read from a plan file: the range of its origin there
	cacheStaticSecrets           Value[bool]
	disableCachingDynamicSecrets Value[bool]
	refreshInterval              Value[time.Duration]
	refreshBehavior              Value[RefreshBehavior]
	serveStaleFor                Value[time.Duration]
	persist                      Persist
	hasPersist                   bool
}

// Origin is where the block was written: the range of the block header.
func (c Cache) Origin() Origin { return ConfigOrigin(c.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (c Cache) DeclRange() hcl.Range { return orRange(c.at, c.decl) }

// CacheStaticSecrets caches KV secrets across tokens (needs Vault Enterprise's event stream).
func (c Cache) CacheStaticSecrets() Value[bool] { return c.cacheStaticSecrets }

// DisableCachingDynamicSecrets turns off the lease cache for tokens and leased secrets.
func (c Cache) DisableCachingDynamicSecrets() Value[bool] { return c.disableCachingDynamicSecrets }

// StaticSecretTokenCapabilityRefreshInterval is how often a token's read capabilities are re-checked
// (default 5m).
func (c Cache) StaticSecretTokenCapabilityRefreshInterval() Value[time.Duration] {
	return c.refreshInterval
}

// StaticSecretTokenCapabilityRefreshBehavior is optimistic (default) or pessimistic.
func (c Cache) StaticSecretTokenCapabilityRefreshBehavior() Value[RefreshBehavior] {
	return c.refreshBehavior
}

// ServeStaleFor is how long past a lease's end its cached answer may be served while Vault is
// unreachable (a vaultproxy extension); 0, the default, turns this off.
func (c Cache) ServeStaleFor() Value[time.Duration] { return c.serveStaleFor }

// Persist returns the `persist` block and whether one was declared.
func (c Cache) Persist() (Persist, bool) { return c.persist, c.hasPersist }

// Persist is the effective `cache.persist` block.
type Persist struct {
	decl                    hcl.Range
	at                      hcl.Range // in a plan read from a plan file: the range of its origin there
	typ                     Value[string]
	path                    Value[string]
	keepAfterImport         Value[bool]
	exitOnErr               Value[bool]
	serviceAccountTokenFile Value[string]
	keyFile                 Value[string]
}

// Origin is where the block was written: the range of the block header (or of the `persist =` attribute).
func (p Persist) Origin() Origin { return ConfigOrigin(p.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (p Persist) DeclRange() hcl.Range { return orRange(p.at, p.decl) }

// Type is the persistence type: kubernetes (Vault Proxy's) or file (vaultproxy's own).
func (p Persist) Type() Value[string] { return p.typ }

// Path is the directory holding vault-agent-cache.db.
func (p Persist) Path() Value[string] { return p.path }

// KeepAfterImport keeps the file after restoring from it.
func (p Persist) KeepAfterImport() Value[bool] { return p.keepAfterImport }

// ExitOnErr makes restore errors fatal. The default is false, as Vault Proxy's code does (its docs say
// true; hashicorp/vault command/agentproxyshared/helpers.go, docs/differences.md).
func (p Persist) ExitOnErr() Value[bool] { return p.exitOnErr }

// ServiceAccountTokenFile is the JWT used as the encryption AAD.
func (p Persist) ServiceAccountTokenFile() Value[string] { return p.serviceAccountTokenFile }

// KeyFile is the file of persist "file"'s key (base64 of 32 bytes); VAULTPROXY_CACHE_PERSIST_KEY_FILE
// overrides it.
func (p Persist) KeyFile() Value[string] { return p.keyFile }

// Telemetry is the effective `telemetry` block, of which the proxy uses the Prometheus settings.
type Telemetry struct {
	decl                    hcl.Range
	at                      hcl.Range // in a plan read from a plan file: the range of its origin there
	prometheusRetentionTime Value[time.Duration]
	metricsPrefix           Value[string]
	disableHostname         Value[bool]
}

// Origin is where the block was written: the range of the block header.
func (t Telemetry) Origin() Origin { return ConfigOrigin(t.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (t Telemetry) DeclRange() hcl.Range { return orRange(t.at, t.decl) }

// PrometheusRetentionTime is how long Prometheus metrics are kept (default 24h when the block exists).
func (t Telemetry) PrometheusRetentionTime() Value[time.Duration] { return t.prometheusRetentionTime }

// MetricsPrefix prefixes every metric name (default "vault").
func (t Telemetry) MetricsPrefix() Value[string] { return t.metricsPrefix }

// DisableHostname stops prefixing gauge names with the host name.
func (t Telemetry) DisableHostname() Value[bool] { return t.disableHostname }

// MetricNamePrefix is the prefix of every metric name that run serves: telemetry's metrics_prefix,
// its schema default without a telemetry block or when written empty (as Vault Proxy reads it), with
// "." and "-" as "_", which Prometheus metric names cannot hold.
func (p *Plan) MetricNamePrefix() string {
	prefix := ""
	if t, ok := p.Telemetry(); ok {
		prefix = t.MetricsPrefix().Get()
	}
	if prefix == "" {
		prefix = schema.TelemetryMetricsPrefix.Default
	}
	return strings.NewReplacer(".", "_", "-", "_").Replace(prefix)
}
