package compile

import (
	"fmt"
	"time"
)

// What `vaultproxy run` implements, and the fixed timings it uses that no setting changes. They are
// declared here, upstream of both, so that the runtime executes them and the preview shows them
// without linking the runtime.

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

// RunRefusals returns what in p vaultproxy run refuses, one message each, worded as runtime.New's
// errors, so that the preview says it too. Run implements every auth method and sink type the
// language has; what it refuses is a plan file that lacks a secret its configuration wrote (a plan
// file never holds one, docs/plan-format.md) where going on without it would do something other
// than the configuration says. It is empty when run can serve p as far as the plan alone tells
// (files, sockets and Vault are only met when run starts).
func RunRefusals(p *Plan) []string {
	aa, ok := p.AutoAuth()
	if !ok {
		return nil
	}
	var out []string
	if msg := redactedGCPCredentials(aa.Method()); msg != "" {
		out = append(out, msg)
	}
	for _, s := range aa.Sinks() {
		if msg := redactedAAD(s); msg != "" {
			out = append(out, msg)
		}
	}
	return out
}

// redactedGCPCredentials refuses a gcp method whose credentials were written in the configuration
// when p comes from a plan file: without them the method would go on to GOOGLE_CREDENTIALS and the
// other sources, and log in as whoever those name. The compiler reads credentials = "" as unset, so
// credentials that are set and empty were redacted.
func redactedGCPCredentials(m Method) string {
	if v := m.Config().String("credentials"); m.Type().Get() == "gcp" && v.IsSet() && v.Get() == "" {
		return `auto_auth method "gcp": its credentials are not in the plan file, which never holds a secret; run the configuration from its files, or give the credentials with GOOGLE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS and leave credentials out`
	}
	return ""
}

// redactedAAD refuses a DH sink whose aad was written in the configuration when p comes from a plan
// file (the compiler reads aad = "" as unset, so an aad that is set and empty was redacted):
// encrypting without it would give an envelope the peer cannot open.
func redactedAAD(s Sink) string {
	if s.DHType().Get() != "" && s.AADEnvVar().Get() == "" && s.AAD().IsSet() && s.AAD().Get() == "" {
		return fmt.Sprintf("sink %d (%s): its aad is not in the plan file, which never holds a secret; run the configuration from its files, or give the aad with aad_env_var",
			s.Index()+1, s.Path().Get())
	}
	return ""
}
