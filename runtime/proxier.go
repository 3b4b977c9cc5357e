package runtime

import (
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/vaultproxy/vaultproxy/runtime/internal/ctxtime"
)

// Proxier sends one prepared request to Vault and returns Vault's response, whose body the caller
// streams to the client and closes. It is the seam where a cache plugs in: a caching Proxier wraps
// the forwarding one, answers from its store or calls the next Proxier, as Vault Proxy's LeaseCache
// wraps its APIProxy.
type Proxier interface {
	Send(req *SendRequest) (*http.Response, error)
}

// ProxierFunc adapts a function to Proxier.
type ProxierFunc func(req *SendRequest) (*http.Response, error)

// Send calls f.
func (f ProxierFunc) Send(req *SendRequest) (*http.Response, error) { return f(req) }

// SendRequest is one request on its way to Vault.
type SendRequest struct {
	// Request is addressed to Vault with its token and namespace already chosen. Its context is the
	// client's: a client that goes away cancels it.
	Request *http.Request
	// Token is the token Vault receives ("" for none).
	Token string
	// AutoAuth reports that Token is the proxy's own auto-auth token.
	AutoAuth bool
	// Retry412 makes the forwarder retry a 412 answer (when_inconsistent = "retry").
	Retry412 bool
}

// forwarder is the innermost Proxier: it sends the request to Vault and retries idempotent requests
// (GET, HEAD, OPTIONS, LIST) whose body can be replayed, after transport errors, 429 and 5xx other
// than 501 (and 412 when asked), at most retries times, as Vault's api client does.
//
// A connection to Vault that fails (Vault down, refusing connections) is retried only while less
// than dialBudget has passed since the first attempt: such a request gets its 502 within about that
// time rather than after every retry.
type forwarder struct {
	transport  http.RoundTripper
	retries    int
	dialBudget time.Duration
	observe    func(d time.Duration)
}

func (f *forwarder) Send(sr *SendRequest) (*http.Response, error) {
	req := sr.Request
	replayable := request.IdempotentMethod(req.Method) && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
	first := time.Now()
	for attempt := 0; ; attempt++ {
		start := time.Now()
		resp, err := f.transport.RoundTrip(req)
		if f.observe != nil {
			f.observe(time.Since(start))
		}
		if attempt >= f.retries || !replayable || !retryable(resp, err, sr.Retry412) || req.Context().Err() != nil {
			return resp, err
		}
		wait := retryWait(attempt)
		if err != nil && dialFailed(err) && time.Since(first)+wait > f.dialBudget {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if !ctxtime.Sleep(req.Context(), wait) {
			return nil, req.Context().Err()
		}
		next := req.Clone(req.Context())
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, gerr
			}
			next.Body = body
		}
		req = next
	}
}

// dialFailed reports an error from connecting to Vault (refused, unreachable, no such socket), as
// opposed to an error on a connection Vault accepted.
func dialFailed(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

func retryable(resp *http.Response, err error, retry412 bool) bool {
	if err != nil {
		return true
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true
	case resp.StatusCode == http.StatusPreconditionFailed:
		return retry412
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true
	}
	return false
}

// The pause before the first retry, doubled before each next one up to MaxRetryWait (declared in
// compile, which the preview reads them from).
const (
	FirstRetryWait = compile.RunFirstRetryWait
	MaxRetryWait   = compile.RunMaxRetryWait
)

// retryWait is the pause before retry attempt+1.
func retryWait(attempt int) time.Duration {
	d := FirstRetryWait << min(attempt, 4)
	return min(d, MaxRetryWait)
}

// AsTransport presents a Proxier chain as an http.RoundTripper, for decorators written as transports
// (a cache that wraps "the transport to Vault"). The request must already carry the X-Vault-Token
// and X-Vault-Namespace that Vault is to receive. SendRequest.Token is that X-Vault-Token, and
// AutoAuth is taken from the proxy's request context when the request came through the proxy.
func AsTransport(p Proxier) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		sr := &SendRequest{Request: r, Token: r.Header.Get("X-Vault-Token")}
		if info, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
			sr.AutoAuth = info.autoAuth && info.token == sr.Token
		}
		return p.Send(sr)
	})
}

// FromTransport presents an http.RoundTripper decorator (built on AsTransport of the chain it wraps)
// as a Proxier.
func FromTransport(t http.RoundTripper) Proxier {
	return ProxierFunc(func(sr *SendRequest) (*http.Response, error) { return t.RoundTrip(sr.Request) })
}
