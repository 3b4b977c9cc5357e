package compile

import (
	"io/fs"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// ListenerType is a listener's transport.
type ListenerType string

// The listener types Vault Proxy supports.
const (
	ListenerTCP  ListenerType = "tcp"
	ListenerUnix ListenerType = "unix"
)

// ListenerRole is a listener's `role`.
type ListenerRole string

// The roles: metrics_only serves only /proxy/v1/metrics (hashicorp/vault command/proxy.go).
const (
	RoleDefault     ListenerRole = "default"
	RoleMetricsOnly ListenerRole = "metrics_only"
)

// Listener is one effective `listener` block.
type Listener struct {
	index int
	decl  hcl.Range
	at    hcl.Range // in a plan read from a plan file: the range of its origin there

	typ                           Value[ListenerType]
	address                       Value[string]
	tcp                           *parsedTCPAddress // address parsed, by parseAddresses; shared by copies, never changed
	role                          Value[ListenerRole]
	requireRequestHeader          Value[bool]
	enableQuit                    Value[bool]
	tlsDisable                    Value[bool]
	tlsCertFile                   Value[string]
	tlsKeyFile                    Value[string]
	tlsMinVersion                 Value[TLSVersion]
	tlsMaxVersion                 Value[TLSVersion]
	tlsCipherSuites               Value[CipherSuites]
	tlsClientCAFile               Value[string]
	tlsRequireAndVerifyClientCert Value[bool]
	tlsDisableClientCerts         Value[bool]
	socketMode                    Value[fs.FileMode]
	socketUser                    Value[string]
	socketGroup                   Value[string]
	maxRequestSize                Value[int]
	maxRequestDuration            Value[time.Duration]
}

// Index is the listener's position among all listeners of the plan, from 0.
func (l Listener) Index() int { return l.index }

// Origin is where the block was written: the range of the listener block's header.
func (l Listener) Origin() Origin { return ConfigOrigin(l.decl) }

// DeclRange is where a diagnostic about the block points: in a plan read from a plan file, the range
// of its origin in that file; otherwise the header's range in the configuration (Origin).
func (l Listener) DeclRange() hcl.Range { return orRange(l.at, l.decl) }

// Type is tcp or unix (the block label, or its `type` attribute).
func (l Listener) Type() Value[ListenerType] { return l.typ }

// Address is host:port for tcp (default 127.0.0.1:8200) or the socket path for unix.
func (l Listener) Address() Value[string] { return l.address }

// Role is default or metrics_only.
func (l Listener) Role() Value[ListenerRole] { return l.role }

// RequireRequestHeader requires exactly one `X-Vault-Request: true` header on every request.
func (l Listener) RequireRequestHeader() Value[bool] { return l.requireRequestHeader }

// EnableQuit enables POST /proxy/v1/quit (proxy_api { enable_quit }).
func (l Listener) EnableQuit() Value[bool] { return l.enableQuit }

// TLSDisable serves plain HTTP. Vault Proxy's default is false: TLS is on.
func (l Listener) TLSDisable() Value[bool] { return l.tlsDisable }

// TLSCertFile is the PEM certificate served when TLS is on.
func (l Listener) TLSCertFile() Value[string] { return l.tlsCertFile }

// TLSKeyFile is the PEM key of TLSCertFile.
func (l Listener) TLSKeyFile() Value[string] { return l.tlsKeyFile }

// TLSMinVersion is tls10, tls11, tls12 (default) or tls13, as crypto/tls numbers it.
func (l Listener) TLSMinVersion() Value[TLSVersion] { return l.tlsMinVersion }

// TLSMaxVersion is tls10 .. tls13 (default), as crypto/tls numbers it.
func (l Listener) TLSMaxVersion() Value[TLSVersion] { return l.tlsMaxVersion }

// TLSCipherSuites are the crypto/tls IDs of the cipher suites; empty means Go's defaults.
func (l Listener) TLSCipherSuites() Value[CipherSuites] { return cloneSuites(l.tlsCipherSuites) }

// TLSClientCAFile is the PEM CA bundle that client certificates are verified against.
func (l Listener) TLSClientCAFile() Value[string] { return l.tlsClientCAFile }

// TLSRequireAndVerifyClientCert requires a client certificate signed by TLSClientCAFile.
func (l Listener) TLSRequireAndVerifyClientCert() Value[bool] {
	return l.tlsRequireAndVerifyClientCert
}

// TLSDisableClientCerts stops asking clients for a certificate.
func (l Listener) TLSDisableClientCerts() Value[bool] { return l.tlsDisableClientCerts }

// SocketMode is the unix socket's permission bits; IsSet is false when socket_mode was not written.
// Unlike Vault Proxy, it applies on its own, without socket_user and socket_group (docs/differences.md).
func (l Listener) SocketMode() Value[fs.FileMode] { return l.socketMode }

// SocketUser is the unix socket's owner, a user name or numeric id ("" to leave it).
func (l Listener) SocketUser() Value[string] { return l.socketUser }

// SocketGroup is the unix socket's group, a group name or numeric id ("" to leave it).
func (l Listener) SocketGroup() Value[string] { return l.socketGroup }

// MaxRequestSize is the largest request body in bytes, as written: 0 means the default, a negative
// number no limit (RequestSizeLimit resolves it). Vault Proxy ignores it (docs/differences.md).
func (l Listener) MaxRequestSize() Value[int] { return l.maxRequestSize }

// MaxRequestDuration bounds the wait for Vault's answer, as written: 0 means the default
// (RequestDurationLimit resolves it). Vault Proxy ignores it (docs/differences.md).
func (l Listener) MaxRequestDuration() Value[time.Duration] { return l.maxRequestDuration }

// RequestSizeLimit is the body size run enforces on this listener: max_request_size, its default
// for 0 (as hashicorp/vault http/util.go reads it), and -1 for no limit.
func (l Listener) RequestSizeLimit() int64 {
	switch n := l.maxRequestSize.v; {
	case n == 0:
		return RunMaxRequestSize
	case n < 0:
		return -1
	default:
		return int64(n)
	}
}

// RequestDurationLimit is how long run lets a request on this listener wait for Vault:
// max_request_duration, or RunVaultTimeout for 0.
func (l Listener) RequestDurationLimit() time.Duration {
	if d := l.maxRequestDuration.v; d > 0 {
		return d
	}
	return RunVaultTimeout
}
