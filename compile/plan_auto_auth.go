package compile

import (
	"io/fs"
	"slices"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// AutoAuth is the effective `auto_auth` block.
type AutoAuth struct {
	decl                         hcl.Range
	at                           hcl.Range // in a plan read from a plan file: the range of its origin there
	method                       Method
	sinks                        []Sink
	enableReauthOnNewCredentials Value[bool]
}

// Origin is where the block was written: the range of the block header.
func (a AutoAuth) Origin() Origin { return ConfigOrigin(a.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (a AutoAuth) DeclRange() hcl.Range { return orRange(a.at, a.decl) }

// Method is the one `method` block.
func (a AutoAuth) Method() Method { return a.method }

// Sinks are the `sink` blocks, in order.
func (a AutoAuth) Sinks() []Sink { return slices.Clone(a.sinks) }

// EnableReauthOnNewCredentials re-authenticates when a jwt or cert method sees new credentials.
func (a AutoAuth) EnableReauthOnNewCredentials() Value[bool] { return a.enableReauthOnNewCredentials }

// Method is the effective `auto_auth.method` block.
type Method struct {
	decl           hcl.Range
	at             hcl.Range // in a plan read from a plan file: the range of its origin there
	typ            Value[string]
	mountPath      Value[string]
	namespace      Value[string]
	loginNamespace Value[string]
	wrapTTL        Value[time.Duration]
	minBackoff     Value[time.Duration]
	maxBackoff     Value[time.Duration]
	exitOnErr      Value[bool]
	config         MethodConfig
}

// Origin is where the block was written: the range of the block header.
func (m Method) Origin() Origin { return ConfigOrigin(m.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (m Method) DeclRange() hcl.Range { return orRange(m.at, m.decl) }

// Type is the auth method type, lower-cased (approle, token_file, jwt, kubernetes, cert, aws, ...).
func (m Method) Type() Value[string] { return m.typ }

// MountPath is where the method is mounted, without a trailing slash (default auth/<type>;
// token_file always uses auth/token).
func (m Method) MountPath() Value[string] { return m.mountPath }

// Namespace is the method's `namespace` as written, canonical ("org-a/"), or "".
func (m Method) Namespace() Value[string] { return m.namespace }

// LoginNamespace is the namespace the login request is sent to, canonical, or "" for root: -namespace
// flag, VAULT_NAMESPACE, the method namespace, then vault.namespace (hashicorp/vault
// command/proxy.go; docs/vault-proxy-behaviour.md).
func (m Method) LoginNamespace() Value[string] { return m.loginNamespace }

// WrapTTL, when non-zero, response-wraps the token written to the one sink.
func (m Method) WrapTTL() Value[time.Duration] { return m.wrapTTL }

// MinBackoff is the first wait after a failed login (default 1s).
func (m Method) MinBackoff() Value[time.Duration] { return m.minBackoff }

// MaxBackoff caps the wait between failed logins (default 5m).
func (m Method) MaxBackoff() Value[time.Duration] { return m.maxBackoff }

// ExitOnErr ends the process on the first failed login.
func (m Method) ExitOnErr() Value[bool] { return m.exitOnErr }

// Config is the method's `config` map, typed by the method's schema (schema.MethodConfig).
func (m Method) Config() MethodConfig { return m.config }

// MethodConfig holds the typed values of a method's `config`, with schema defaults applied. Values of
// a method type that is not known, whose keys the schema does not detail, are kept as strings.
type MethodConfig struct {
	decl   hcl.Range
	at     hcl.Range // in a plan read from a plan file: the range of its origin there
	values map[string]configValue
}

type configValue struct {
	str   Value[string]
	b     Value[bool]
	i     Value[int]
	d     Value[time.Duration]
	kind  string // "string", "bool", "number", "duration"
	isSet bool
}

// Origin is where the block was written: the range of the `config` block or attribute, or the
// method's when none was written.
func (c MethodConfig) Origin() Origin { return ConfigOrigin(c.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (c MethodConfig) DeclRange() hcl.Range { return orRange(c.at, c.decl) }

// Keys returns the names of every value, written or defaulted, sorted.
func (c MethodConfig) Keys() []string {
	keys := make([]string, 0, len(c.values))
	for k := range c.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Kind returns "string", "bool", "number" or "duration" for a key, or "" when there is no such key.
func (c MethodConfig) Kind(name string) string { return c.values[name].kind }

// String returns a string value ("" with the default origin when absent).
func (c MethodConfig) String(name string) Value[string] { return c.values[name].str }

// Bool returns a boolean value (false with the default origin when absent).
func (c MethodConfig) Bool(name string) Value[bool] { return c.values[name].b }

// Int returns a whole number value (0 with the default origin when absent).
func (c MethodConfig) Int(name string) Value[int] { return c.values[name].i }

// Duration returns a duration value (0 with the default origin when absent).
func (c MethodConfig) Duration(name string) Value[time.Duration] { return c.values[name].d }

// Sink is one effective `auto_auth.sink` block.
type Sink struct {
	index     int
	decl      hcl.Range
	at        hcl.Range // in a plan read from a plan file: the range of its origin there
	typ       Value[string]
	wrapTTL   Value[time.Duration]
	dhType    Value[string]
	dhPath    Value[string]
	deriveKey Value[bool]
	aad       Value[string]
	aadEnvVar Value[string]
	path      Value[string]
	mode      Value[fs.FileMode]
	owner     Value[int]
	group     Value[int]
}

// Index is the sink's position in the auto_auth block, from 0.
func (s Sink) Index() int { return s.index }

// Origin is where the block was written: the range of the block header.
func (s Sink) Origin() Origin { return ConfigOrigin(s.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (s Sink) DeclRange() hcl.Range { return orRange(s.at, s.decl) }

// Type is the sink type; only file exists.
func (s Sink) Type() Value[string] { return s.typ }

// WrapTTL, when non-zero, response-wraps the token written to this sink.
func (s Sink) WrapTTL() Value[time.Duration] { return s.wrapTTL }

// DHType is "" or curve25519.
func (s Sink) DHType() Value[string] { return s.dhType }

// DHPath is the file holding the peer's public key for DH encryption.
func (s Sink) DHPath() Value[string] { return s.dhPath }

// DeriveKey derives the encryption key with HKDF.
func (s Sink) DeriveKey() Value[bool] { return s.deriveKey }

// AAD is the additional authenticated data; when aad_env_var is set, the compiler has already read
// that variable (origin env). Sensitive: never printed.
func (s Sink) AAD() Value[string] { return s.aad }

// AADEnvVar is the name of the variable AAD was read from, if any.
func (s Sink) AADEnvVar() Value[string] { return s.aadEnvVar }

// Path is the file the token is written to (config.path).
func (s Sink) Path() Value[string] { return s.path }

// Mode is the token file's permission bits (default 0640).
func (s Sink) Mode() Value[fs.FileMode] { return s.mode }

// Owner is the token file's uid, or -1 for the process's.
func (s Sink) Owner() Value[int] { return s.owner }

// Group is the token file's gid, or -1 for the process's.
func (s Sink) Group() Value[int] { return s.group }
