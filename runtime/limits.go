package runtime

import (
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
)

// Defaults of Limits, declared in compile so that the preview shows them (compile/run_support.go
// says where each comes from).
const (
	DefaultReadHeaderTimeout       = compile.RunReadHeaderTimeout
	DefaultBodyReadTimeout         = compile.RunBodyReadTimeout
	DefaultIdleTimeout             = compile.RunIdleTimeout
	DefaultMaxHeaderBytes          = compile.RunMaxHeaderBytes
	DefaultMaxConnections          = compile.RunMaxConnections
	DefaultMaxConnectionsPerClient = compile.RunMaxConnectionsPerClient
	DefaultDialRetryBudget         = compile.RunDialRetryBudget
	DefaultWriteStallTimeout       = compile.RunWriteStallTimeout
)

// Limits bound what a client may hold and how long a request may wait. A zero field takes its
// default (the Default constants); tests set small values. MaxRequestSize and VaultTimeout are the
// listener's max_request_size and max_request_duration (compile.Listener.RequestSizeLimit and
// RequestDurationLimit) unless set here.
type Limits struct {
	// ReadHeaderTimeout bounds the reading of a request's headers.
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds the reading of a request, headers and body, from its start: its first
	// byte, or for a connection's first request the connection's start (http.Server.ReadTimeout,
	// as in Vault Proxy). The
	// body is read whole before anything is sent to Vault; a body that takes longer gets 408.
	BodyReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that has been idle this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's header block (431 beyond it).
	MaxHeaderBytes int
	// MaxConnections bounds the open connections of each listener; further connections wait in
	// the kernel's accept queue until one closes.
	MaxConnections int
	// MaxConnectionsPerClient bounds the open connections of one client IP address (loopback
	// included) on each listener; a further one is refused at once (503 on plain HTTP, closed on
	// TLS). Negative: no bound but MaxConnections. Connections over a unix socket are not counted.
	MaxConnectionsPerClient int
	// MaxRequestSize, when set, replaces every listener's max_request_size: it bounds a request
	// body (413 beyond it, before Vault sees a byte).
	MaxRequestSize int64
	// VaultTimeout, when set, replaces every listener's max_request_duration: it bounds the wait
	// for Vault's response headers, retries included (504 beyond it).
	VaultTimeout time.Duration
	// WriteStallTimeout bounds each write of Vault's answer to the client: a client that reads none
	// of it for this long is disconnected, and the connection to Vault released.
	WriteStallTimeout time.Duration
	// DialRetryBudget: a request is not retried after a failed connection to Vault once this long
	// has passed since its first attempt (502 at once then).
	DialRetryBudget time.Duration
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.BodyReadTimeout, DefaultBodyReadTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	def(&l.DialRetryBudget, DefaultDialRetryBudget)
	def(&l.WriteStallTimeout, DefaultWriteStallTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.MaxConnectionsPerClient == 0 {
		l.MaxConnectionsPerClient = DefaultMaxConnectionsPerClient
	}
	return l
}
