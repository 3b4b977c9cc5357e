package compile

import (
	"fmt"
	"slices"
	"time"
)

// What `vaultproxy run` implements, and the fixed timings it uses that no setting changes. They are
// declared here, upstream of both, so that the runtime executes them and the preview shows them
// without linking the runtime.

// RunMethods lists the auto_auth method types vaultproxy run implements (package runtime/autoauth).
var RunMethods = []string{"alicloud", "approle", "aws", "azure", "cert", "cf", "gcp", "jwt", "kerberos", "kubernetes", "ldap", "oci", "token_file"}

// RunTokenWait bounds how long a proxied request waits for an auto-auth token before it gets 503.
const RunTokenWait = 10 * time.Second

// The pause before a proxied request's first retry, doubled before each next one up to
// RunMaxRetryWait, so that the default 12 retries give up within about 10s (Vault's client waits
// 1-1.5s times the attempt number).
const (
	RunFirstRetryWait = 100 * time.Millisecond
	RunMaxRetryWait   = time.Second
)

// Bounds of vaultproxy run that no setting changes (docs/runtime.md, "Server limits"). Vault Proxy
// has the same header, body and idle timeouts (hashicorp/vault command/proxy.go builds its
// http.Server with ReadHeaderTimeout 10s, ReadTimeout 30s, IdleTimeout 5m), and its api client gives
// up on Vault after 60s (hashicorp/vault api/client.go, DefaultConfig). The others are run's own.
const (
	// RunReadHeaderTimeout bounds the reading of a request's headers.
	RunReadHeaderTimeout = 10 * time.Second
	// RunBodyReadTimeout bounds the reading of a request's body, from the end of its headers (408).
	RunBodyReadTimeout = 30 * time.Second
	// RunIdleTimeout closes a keep-alive connection idle this long.
	RunIdleTimeout = 5 * time.Minute
	// RunMaxHeaderBytes bounds a request's header block (431).
	RunMaxHeaderBytes = 64 << 10
	// RunMaxConnections bounds each listener's open connections; further ones wait to be accepted.
	RunMaxConnections = 4096
	// RunMaxConnectionsPerClient bounds the open connections of one client IP address on each
	// listener, a quarter of RunMaxConnections, so that one client cannot hold them all; further
	// ones are refused at once (503).
	RunMaxConnectionsPerClient = 1024
	// RunMaxRequestSize bounds a request body (413): the default of a listener's max_request_size, Vault's own
	// (hashicorp/vault http/handler.go, DefaultMaxRequestSize).
	RunMaxRequestSize = 32 << 20
	// RunVaultTimeout bounds the wait for Vault's response headers, retries included (504): the
	// default of a listener's max_request_duration.
	RunVaultTimeout = 60 * time.Second
	// RunDialRetryBudget: a request is not retried after a refused connection to Vault once this
	// long has passed since its first attempt (502 at once).
	RunDialRetryBudget = 2 * time.Second
	// RunWriteStallTimeout bounds each write of an answer to a client that does not read it.
	RunWriteStallTimeout = 30 * time.Second
)

// RunMethodRefusal refuses an auth method type that vaultproxy run does not implement.
func RunMethodRefusal(typ string) error {
	if !slices.Contains(RunMethods, typ) {
		return fmt.Errorf("auto_auth method %q is not implemented by vaultproxy run (implemented: %v); use Vault Proxy for it", typ, RunMethods)
	}
	return nil
}

// RunSinkRefusal refuses a sink vaultproxy run cannot write: one that is not a file.
func RunSinkRefusal(s Sink) error {
	if s.Type().Get() != "file" {
		return fmt.Errorf("sink %d: unknown sink type %q", s.Index()+1, s.Type().Get())
	}
	return nil
}

// RunRefusals returns what in p vaultproxy run does not implement and refuses, one message each,
// worded as runtime.New's errors: an auth method other than RunMethods, and a sink RunSinkRefusal
// refuses (every cache setting is served). It is empty when run can serve p as far as the
// plan alone tells (files, sockets and Vault are only met when run starts).
func RunRefusals(p *Plan) []string {
	var out []string
	if aa, ok := p.AutoAuth(); ok {
		if err := RunMethodRefusal(aa.Method().Type().Get()); err != nil {
			out = append(out, err.Error())
		}
		for _, s := range aa.Sinks() {
			if err := RunSinkRefusal(s); err != nil {
				out = append(out, err.Error())
			}
		}
	}
	return out
}
