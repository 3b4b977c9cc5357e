package compile

import (
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Plan is a compiled Vault Proxy configuration: every block and attribute decoded into typed values,
// defaults applied, environment and flag overrides resolved, and the source range of everything written
// kept for diagnostics. A Plan is immutable: fields are unexported and accessors return copies.
//
// Produce one with Compile; check it with the validate package; preview it with `vaultproxy plan`;
// execute it with the runtime package. Optional blocks are returned with a bool saying whether the
// configuration declared them (Vault Proxy semantics depend on presence: any `cache` block, even empty,
// turns caching on).
type Plan struct {
	files   []string
	suspect suspicion

	vault     Vault
	apiProxy  APIProxy
	listeners []Listener
	cache     Cache
	hasCache  bool
	autoAuth  AutoAuth
	hasAuth   bool
	telemetry Telemetry
	hasTelem  bool

	proxyNamespace Value[string]

	pidFile                Value[string]
	exitAfterAuth          Value[bool]
	disableIdleConnections Value[[]string]
	disableKeepAlives      Value[[]string]
	logLevel               Value[string]
	logFormat              Value[string]
	logFile                Value[string]
	logRotateDuration      Value[time.Duration]
	logRotateBytes         Value[int]
	logRotateMaxFiles      Value[int]
}

// Files returns the configuration files the plan was compiled from, in merge order.
func (p *Plan) Files() []string { return slices.Clone(p.files) }

// Vault returns the effective `vault` block (defaults when none was written).
func (p *Plan) Vault() Vault { return p.vault }

// APIProxy returns the effective `api_proxy` block; APIProxy.Declared says whether one was written.
// Without one, Vault Proxy forwards client tokens as they come (use_auto_auth_token = false).
func (p *Plan) APIProxy() APIProxy { return p.apiProxy }

// Listeners returns the listeners of every file, in file order.
func (p *Plan) Listeners() []Listener { return slices.Clone(p.listeners) }

// Cache returns the `cache` block and whether one was declared.
func (p *Plan) Cache() (Cache, bool) { return p.cache, p.hasCache }

// AutoAuth returns the `auto_auth` block and whether one was declared.
func (p *Plan) AutoAuth() (AutoAuth, bool) { return p.autoAuth, p.hasAuth }

// Telemetry returns the `telemetry` block and whether one was declared.
func (p *Plan) Telemetry() (Telemetry, bool) { return p.telemetry, p.hasTelem }

// ProxyNamespace is the namespace that `prepend_configured_namespace` puts in front of each request's
// X-Vault-Namespace, canonical ("org-a/") or "" for none. Precedence: -namespace flag, VAULT_NAMESPACE,
// vault.namespace, then auto_auth.method.namespace (a method namespace does not replace a configured
// vault namespace for proxied requests, unlike Vault Proxy 1.21; see docs/differences.md).
func (p *Plan) ProxyNamespace() Value[string] { return p.proxyNamespace }

// PidFile is the path the process id is written to once listeners are up ("" for none).
func (p *Plan) PidFile() Value[string] { return p.pidFile }

// ExitAfterAuth reports whether the process exits once every sink has received its first token.
func (p *Plan) ExitAfterAuth() Value[bool] { return p.exitAfterAuth }

// DisableIdleConnections lists the subsystems ("auto-auth", "proxying"; "caching" is folded into
// "proxying" as Vault Proxy does) whose Vault client keeps no idle connections. Sorted, no duplicates.
func (p *Plan) DisableIdleConnections() Value[[]string] { return cloneList(p.disableIdleConnections) }

// DisableKeepAlives lists the subsystems whose Vault client disables HTTP keep-alives, as above.
func (p *Plan) DisableKeepAlives() Value[[]string] { return cloneList(p.disableKeepAlives) }

// LogLevel is one of trace, debug, info, warn, error.
func (p *Plan) LogLevel() Value[string] { return p.logLevel }

// LogFormat is standard or json.
func (p *Plan) LogFormat() Value[string] { return p.logFormat }

// LogFile is the log file path, "" for standard error only.
func (p *Plan) LogFile() Value[string] { return p.logFile }

// LogRotateDuration is how often the log file rotates (default 24h).
func (p *Plan) LogRotateDuration() Value[time.Duration] { return p.logRotateDuration }

// LogRotateBytes is the size at which the log file rotates; 0 means no size limit.
func (p *Plan) LogRotateBytes() Value[int] { return p.logRotateBytes }

// LogRotateMaxFiles is how many rotated files are kept; 0 keeps all, -1 keeps none.
func (p *Plan) LogRotateMaxFiles() Value[int] { return p.logRotateMaxFiles }

func cloneList(v Value[[]string]) Value[[]string] {
	return Value[[]string]{v: slices.Clone(v.v), origin: v.origin, at: v.at}
}

// Vault is the effective `vault` block: how every subsystem reaches Vault.
type Vault struct {
	declared bool
	decl     hcl.Range
	at       hcl.Range // in a plan read from a plan file: the range of its origin there

	address       Value[string]
	endpoint      VaultEndpoint // address parsed, by parseAddresses
	endpointErr   error
	caCert        Value[string]
	caPath        Value[string]
	clientCert    Value[string]
	clientKey     Value[string]
	tlsSkipVerify Value[bool]
	tlsServerName Value[string]
	namespace     Value[string]
	numRetries    Value[int]
}

// Declared reports whether a `vault` block was written.
func (v Vault) Declared() bool { return v.declared }

// Origin is where the block was written: the range of its header, or the default origin when none was
// written.
func (v Vault) Origin() Origin {
	if !v.declared {
		return DefaultOrigin()
	}
	return ConfigOrigin(v.decl)
}

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (v Vault) DeclRange() hcl.Range { return orRange(v.at, v.decl) }

// Address is Vault's URL (default https://127.0.0.1:8200; VAULT_ADDR and -address override).
func (v Vault) Address() Value[string] { return v.address }

// CACert is a PEM file of CA certificates for Vault's TLS certificate (VAULT_CACERT, -ca-cert).
func (v Vault) CACert() Value[string] { return v.caCert }

// CAPath is a directory of PEM CA certificates (VAULT_CAPATH, -ca-path).
func (v Vault) CAPath() Value[string] { return v.caPath }

// ClientCert is the PEM client certificate presented to Vault (VAULT_CLIENT_CERT, -client-cert).
func (v Vault) ClientCert() Value[string] { return v.clientCert }

// ClientKey is the PEM key of ClientCert (VAULT_CLIENT_KEY, -client-key).
func (v Vault) ClientKey() Value[string] { return v.clientKey }

// TLSSkipVerify disables verification of Vault's certificate (VAULT_SKIP_VERIFY, -tls-skip-verify).
func (v Vault) TLSSkipVerify() Value[bool] { return v.tlsSkipVerify }

// TLSServerName is the SNI name sent to Vault (VAULT_TLS_SERVER_NAME, -tls-server-name).
func (v Vault) TLSServerName() Value[string] { return v.tlsServerName }

// Namespace is vault.namespace as written, canonical ("org-a/"), or "" when not written. The effective
// namespaces are Plan.ProxyNamespace and Method.LoginNamespace.
func (v Vault) Namespace() Value[string] { return v.namespace }

// NumRetries is how many times a failed idempotent request is retried: retry.num_retries with Vault
// Proxy's normalisation (unset or 0 means 12, -1 means none), or VAULT_MAX_RETRIES.
func (v Vault) NumRetries() Value[int] { return v.numRetries }

// TokenMode is the effective `api_proxy.use_auto_auth_token`.
type TokenMode string

// The three token modes (hashicorp/vault command/agentproxyshared/cache/handler.go; docs/runtime.md).
const (
	TokenModeClient   TokenMode = "false" // forward the client's token, if any
	TokenModeAutoAuth TokenMode = "true"  // the auto-auth token when the client sent none
	TokenModeForce    TokenMode = "force" // always the auto-auth token
)

// Consistency is the effective `api_proxy.enforce_consistency`.
type Consistency string

// The values of enforce_consistency.
const (
	ConsistencyNever  Consistency = "never"
	ConsistencyAlways Consistency = "always"
)

// WhenInconsistent is the effective `api_proxy.when_inconsistent`.
type WhenInconsistent string

// The values of when_inconsistent (hashicorp/vault command/agentproxyshared/cache/api_proxy.go).
const (
	WhenInconsistentFail    WhenInconsistent = "fail"
	WhenInconsistentRetry   WhenInconsistent = "retry"
	WhenInconsistentForward WhenInconsistent = "forward"
)

// APIProxy is the effective `api_proxy` block.
type APIProxy struct {
	declared                   bool
	decl                       hcl.Range
	at                         hcl.Range // in a plan read from a plan file: the range of its origin there
	useAutoAuthToken           Value[TokenMode]
	prependConfiguredNamespace Value[bool]
	enforceConsistency         Value[Consistency]
	whenInconsistent           Value[WhenInconsistent]
}

// Declared reports whether an `api_proxy` block was written.
func (a APIProxy) Declared() bool { return a.declared }

// Origin is where the block was written: the range of its header, or the default origin when none was
// written.
func (a APIProxy) Origin() Origin {
	if !a.declared {
		return DefaultOrigin()
	}
	return ConfigOrigin(a.decl)
}

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (a APIProxy) DeclRange() hcl.Range { return orRange(a.at, a.decl) }

// UseAutoAuthToken says which token reaches Vault (docs/runtime.md, "Token").
func (a APIProxy) UseAutoAuthToken() Value[TokenMode] { return a.useAutoAuthToken }

// PrependConfiguredNamespace puts Plan.ProxyNamespace in front of each request's namespace.
func (a APIProxy) PrependConfiguredNamespace() Value[bool] { return a.prependConfiguredNamespace }

// EnforceConsistency says whether the proxy replays X-Vault-Index states (Vault Enterprise).
func (a APIProxy) EnforceConsistency() Value[Consistency] { return a.enforceConsistency }

// WhenInconsistent says what happens when Vault answers 412 to a replayed state.
func (a APIProxy) WhenInconsistent() Value[WhenInconsistent] { return a.whenInconsistent }
