package runtime

import "time"

// Defaults of Limits. Vault Proxy's server has the same header, body and idle timeouts (hashicorp/vault
// command/proxy.go builds its http.Server with ReadHeaderTimeout 10s, ReadTimeout 30s, IdleTimeout
// 5m); its request timeout towards Vault is the api client's 60s (hashicorp/vault api/client.go,
// DefaultConfig). The others are vaultproxy's own bounds: Vault Proxy has none (docs/runtime.md,
// "Server limits").
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyReadTimeout   = 30 * time.Second
	DefaultIdleTimeout       = 5 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxConnections    = 4096
	// DefaultMaxRequestSize is Vault's own default max_request_size (hashicorp/vault
	// http/handler.go, DefaultMaxRequestSize): Vault refuses a larger body anyway.
	DefaultMaxRequestSize = 32 << 20
	DefaultVaultTimeout   = 60 * time.Second
	// DefaultWriteStallTimeout bounds how long a client may leave Vault's answer unread.
	DefaultWriteStallTimeout = 30 * time.Second
	// DefaultDialRetryBudget bounds how long requests are retried while Vault refuses connections:
	// a Vault that is down is reported at once, not after every retry of num_retries.
	DefaultDialRetryBudget = 2 * time.Second
)

// Limits bound what a client may hold and how long a request may wait. A zero field takes its
// default (the Default constants); tests set small values.
type Limits struct {
	// ReadHeaderTimeout bounds the reading of a request's headers.
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds the reading of a request's body, from the end of its headers. The
	// body is read whole before anything is sent to Vault; a body that takes longer gets 408.
	BodyReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that has been idle this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's header block (431 beyond it).
	MaxHeaderBytes int
	// MaxConnections bounds the open connections of each listener; further connections wait in
	// the kernel's accept queue until one closes.
	MaxConnections int
	// MaxRequestSize bounds a request body (413 beyond it, before Vault sees a byte).
	MaxRequestSize int64
	// VaultTimeout bounds the wait for Vault's response headers, retries included (504 beyond it).
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
	def(&l.VaultTimeout, DefaultVaultTimeout)
	def(&l.DialRetryBudget, DefaultDialRetryBudget)
	def(&l.WriteStallTimeout, DefaultWriteStallTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.MaxRequestSize <= 0 {
		l.MaxRequestSize = DefaultMaxRequestSize
	}
	return l
}
