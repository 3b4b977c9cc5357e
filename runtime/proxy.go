package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/vaultproxy/vaultproxy/runtime/internal/reqbody"
)

// tokenSource is what the proxy needs of auto-auth (package autoauth implements it).
type tokenSource interface {
	// Token returns a usable auto-auth token, waiting until ctx ends for the first one or for a
	// re-authentication in progress.
	Token(ctx context.Context) (string, error)
	// Current returns the token without waiting when one is usable (the fast path).
	Current() (string, bool)
	// Invalidate reports that Vault refused token for a request sent at sent; if it is the current
	// token and auto-auth has not checked it since, auto-auth checks it
	// and logs in again when it is no longer valid. Requests wait for the outcome.
	Invalidate(token string, sent time.Time)
	// Restored returns the auto-auth token restored from the persistent cache while Vault has not
	// answered its check (unreachable): unconfirmed, it serves only as a cache key (staleOnly).
	Restored() (string, bool)
}

// TokenWait bounds how long a request waits for an auto-auth token before it gets 503.
const TokenWait = compile.RunTokenWait

// reqInfo travels in the request context from the handler to the Rewrite, Transport and
// ModifyResponse hooks of the reverse proxy.
type reqInfo struct {
	// client is the client's request context: when it is done, the client went away.
	client context.Context
	// cancel ends the request towards Vault (with errVaultTimeout after timeout).
	cancel context.CancelCauseFunc
	// timeout bounds the wait for Vault's answer: the listener's max_request_duration.
	timeout  time.Duration
	token    string
	autoAuth bool
	// staleOnly is a request whose token is auto-auth's restored, unconfirmed one: it is answered
	// from the cache's restored or stale entries only (proxy.staleOnly) and never sent to Vault;
	// noToken is the 503's message when no entry answers.
	staleOnly bool
	noToken   string
	// failed is the status of a failure of Vault's answer after its headers (502 broken, 504
	// stalled), and failure its message; set by vaultBody, read by finish once the copy ended.
	failed  int
	failure string
	// decision is request.Decide's for this request: the headers to set and remove, whether the
	// answer is sanitised, and whether whole (AboutAutoAuthToken).
	decision request.Decision
}

type reqInfoKey struct{}

// proxy is the request path of one plan: a reverse proxy to Vault whose transport is the Proxier
// chain. It is rebuilt whole when the plan is swapped; requests in flight finish on the old one.
type proxy struct {
	vaultAddr string
	plan      *compile.Plan
	tokens    tokenSource // nil without auto_auth
	proxier   Proxier
	limits    Limits
	rp        *httputil.ReverseProxy
	log       *slog.Logger
	// staleOnly answers a request from the cache's restored or stale entries without Vault
	// (cache.Cache.StaleOnly); nil without a cache or without serve_stale_for.
	staleOnly func(*http.Request) *http.Response
	// hits answers cache hits without the reverse proxy (hit.go); nil without a cache.
	hits *hitPath
}

func newProxy(p *compile.Plan, up *upstream, tokens tokenSource, proxier Proxier, limits Limits, log *slog.Logger) *proxy {
	px := &proxy{
		vaultAddr: up.addr,
		plan:      p,
		tokens:    tokens,
		proxier:   proxier,
		limits:    limits,
		log:       log,
	}
	target := up.url
	px.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			info := pr.In.Context().Value(reqInfoKey{}).(*reqInfo)
			pr.SetURL(target)
			// The query goes as the client wrote it: ReverseProxy drops the parameters url.ParseQuery
			// cannot parse (a bad escape such as %zz, a semicolon) before Rewrite, so that Vault
			// would see another query than the client sent. Vault decides what such a query means,
			// as it does without the proxy (it reads it with URL.Query, hashicorp/vault
			// http/logical.go, which skips what it cannot parse); the proxy never rewrites what the
			// client controls.
			pr.Out.URL.RawQuery = joinQuery(target.RawQuery, pr.In.URL.RawQuery)
			// Forward what the client sent as it came; Rewrite removed these.
			for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
			// The body is already read whole (and the client already got its 100 Continue), so
			// Vault is not asked to confirm it again (request.Decide removes Expect): its own 100
			// would reach the client as a second one.
			applyHeaders(pr.Out.Header, info)
		},
		Transport:      roundTripperFunc(px.roundTrip),
		ModifyResponse: px.modifyResponse,
		ErrorHandler:   px.errorHandler,
		BufferPool:     bufferPool{},
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return px
}

// errVaultTimeout ends a request that waited its listener's max_request_duration for Vault's answer.
var errVaultTimeout = errors.New("timed out waiting for Vault's answer")

// serve forwards one request to Vault, as request.Decide decided (d) for listener l, by rules. The body is
// read whole first, within the body read deadline the listener set and its max_request_size, so
// that a truncated, too slow or too large body is answered here (400, 408, 413) and nothing of it
// reaches Vault, a slow upload holds no connection to Vault, and the body can be sent again
// (retries, a new auto-auth token).
func (px *proxy) serve(w http.ResponseWriter, r *http.Request, l listenerLimits, rules *request.Rules, d request.Decision) {
	body, err := reqbody.Read(w, r, px.sizeLimit(l))
	if err != nil {
		px.bodyFailed(w, r, err.(*reqbody.Error))
		return
	}
	info := reqInfo{client: r.Context(), timeout: px.durationLimit(l)} // on the heap for the reverse proxy only (hit.go)
	if d.Token == request.TokenAutoAuth {
		tok, noToken, ok := px.autoAuthToken(w, r)
		if !ok {
			return
		}
		info.token, info.autoAuth = tok, true
		info.staleOnly, info.noToken = noToken != "", noToken
		if d.Pending {
			// The decision on a token lookup or renewal depends on its body and the token.
			in := request.FromHTTP(r)
			in.Body, in.BodyUnread, in.AutoAuthToken = body, false, tok
			if d = rules.Decide(in); !d.Forwarded() {
				px.log.Warn("request refused", "method", r.Method, "path", r.URL.Path, "status", d.Status, "reason", d.Reason)
				writeDecision(w, d)
				return
			}
		}
	} else {
		info.token = r.Header.Get(request.HeaderToken)
	}
	info.decision = d
	if px.serveHit(w, r, &info, body) {
		return
	}
	setBody(r, body)
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	info.cancel = cancel
	sw := newStallWriter(w, px.limits.WriteStallTimeout)
	hi := heapInfo(info)
	defer px.finish(w, sw, r, hi)
	px.rp.ServeHTTP(sw, r.WithContext(context.WithValue(ctx, reqInfoKey{}, hi)))
}

// finish ends a forwarded request. httputil.ReverseProxy panics with http.ErrAbortHandler when
// copying Vault's answer fails (Vault broke or stalled it, or the client stopped taking it), so
// that net/http cuts the connection rather than end a truncated answer as if it were whole. When
// Vault failed before a byte of its answer was sent, the client gets the proxy's JSON error
// instead (502, or 504 for a stall); otherwise the abort goes on, and the request is recorded with
// the status of what happened (aborted), not the 200 its headers said. What was copied is sent
// first, so that the client sees the answer truncated (short of its Content-Length, or without its
// last chunk), not an empty reply.
func (px *proxy) finish(w http.ResponseWriter, sw *stallWriter, r *http.Request, info *reqInfo) {
	p := recover()
	if p == nil {
		sw.done()
		return
	}
	if p != http.ErrAbortHandler {
		panic(p)
	}
	status, msg := info.bodyFailure()
	if status != reqbody.StatusClientClosed {
		if sw.discard() {
			writeErrors(sw, status, msg)
			sw.done()
			return
		}
		// What was copied is still in net/http's buffer, which an abort drops: without this the
		// client would get no answer at all rather than the truncated one it is.
		sw.Flush()
	}
	aborted(w, status)
	panic(p)
}

// autoAuthToken returns the auto-auth token for a request, waiting at most TokenWait for one; when
// none comes it answers the request (503, or 499 when the client went away) and returns false.
// With serve_stale_for, while Vault has not answered the check of the token restored from the
// persistent cache, it returns that token with the 503's message (noToken): the request may then
// be answered from the cache entries restored with it, and only from them (staleOnly).
func (px *proxy) autoAuthToken(w http.ResponseWriter, r *http.Request) (tok, noToken string, ok bool) {
	if px.tokens == nil {
		writeErrors(w, http.StatusServiceUnavailable, "auto-auth is not running")
		return "", "", false
	}
	if tok, ok := px.tokens.Current(); ok {
		return tok, "", true
	}
	ctx, cancel := context.WithTimeout(r.Context(), TokenWait)
	tok, err := px.tokens.Token(ctx)
	cancel()
	if err != nil {
		if r.Context().Err() != nil {
			px.clientGone(w, r, "waiting for the auto-auth token")
			return "", "", false
		}
		msg := "auto-auth has no token yet: " + err.Error()
		if px.staleOnly != nil {
			if restored, ok := px.tokens.Restored(); ok {
				return restored, msg + "; no cache entry restored with the auto-auth token answers this request", true
			}
		}
		writeErrors(w, http.StatusServiceUnavailable, msg)
		return "", "", false
	}
	return tok, "", true
}

// applyHeaders makes the header changes the decision lists: the auto-auth token for its
// placeholder; the consistency headers are left to the consistency Proxier, which holds the states.
func applyHeaders(h http.Header, info *reqInfo) {
	for _, name := range info.decision.Headers.Remove {
		h.Del(name)
	}
	for name, v := range info.decision.Headers.Set {
		switch name {
		case request.HeaderIndex, request.HeaderInconsistent:
			continue
		}
		if v == request.AutoAuthTokenValue {
			v = info.token
		}
		h.Set(name, v)
	}
}

// setBody makes r carry body, read whole, as a body that can be sent again (GetBody), with its
// length: Vault gets a Content-Length rather than the client's chunks.
func setBody(r *http.Request, body []byte) {
	if len(body) == 0 {
		if r.Body != nil {
			r.Body = http.NoBody
		}
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		r.ContentLength = 0
		r.TransferEncoding = nil
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
}

// bodyFailed answers a request whose body could not be read whole.
func (px *proxy) bodyFailed(w http.ResponseWriter, r *http.Request, e *reqbody.Error) {
	if e.ClientGone() {
		px.clientGone(w, r, "sending the request body")
		return
	}
	px.log.Warn("request refused: its body could not be read", "method", r.Method, "path", r.URL.Path, "status", e.Status, "err", e.Err)
	writeErrors(w, e.Status, e.Msg)
}

// clientGone records a client that went away: the 499 written reaches nobody, but the metrics and
// the log say what happened (net/http would otherwise report a 200 that was never sent).
func (px *proxy) clientGone(w http.ResponseWriter, r *http.Request, while string) {
	px.log.Info("client went away", "method", r.Method, "path", r.URL.Path, "while", while)
	writeErrors(w, reqbody.StatusClientClosed, "the client closed the connection while "+while)
}

// listenerLimits is what the proxy reads of a listener for each request, taken once
// (listenerConfigOf): compile.Listener's accessors copy the whole listener.
type listenerLimits struct {
	size     int64         // compile.Listener.RequestSizeLimit
	duration time.Duration // compile.Listener.RequestDurationLimit
}

func limitsOf(l compile.Listener) listenerLimits {
	return listenerLimits{size: l.RequestSizeLimit(), duration: l.RequestDurationLimit()}
}

// sizeLimit is the largest body a request on l may carry: its max_request_size (no limit when
// negative, as in Vault's server), unless Limits.MaxRequestSize replaces it.
func (px *proxy) sizeLimit(l listenerLimits) int64 {
	n := l.size
	if px.limits.MaxRequestSize > 0 {
		n = px.limits.MaxRequestSize
	}
	if n < 0 {
		return math.MaxInt64
	}
	return n
}

// durationLimit is how long a request on l may wait for Vault: its max_request_duration, unless
// Limits.VaultTimeout replaces it.
func (px *proxy) durationLimit(l listenerLimits) time.Duration {
	if px.limits.VaultTimeout > 0 {
		return px.limits.VaultTimeout
	}
	return l.duration
}

// roundTrip sends the prepared request through the Proxier chain, bounded by the listener's max_request_duration
// until Vault's response headers arrive (retries and a new auto-auth token included); the body of
// the answer is then streamed with the same bound on each read (watchBody), not on the whole.
func (px *proxy) roundTrip(req *http.Request) (*http.Response, error) {
	info := req.Context().Value(reqInfoKey{}).(*reqInfo)
	if info.staleOnly {
		// The restored auto-auth token is unconfirmed: it is a cache key here, never sent.
		if resp := px.staleOnly(req); resp != nil {
			return resp, nil
		}
		return nil, errNoAutoAuthToken
	}
	timer := time.AfterFunc(info.timeout, func() { info.cancel(errVaultTimeout) })
	resp, err := px.send(req, info)
	if !timer.Stop() {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, errVaultTimeout
	}
	if err == nil {
		resp.Body = px.watchBody(resp.Body, req, info)
	}
	return resp, err
}

// send sends the request once, and once more with the new auto-auth token when Vault refused the
// one it carried as invalid (revoked, expired): auto-auth is told, the request waits for its check
// and new login (at most TokenWait), and is sent again with the new token instead of handing the
// client a 403 for a token it never chose. When the token is still valid after all, or no new token
// comes, Vault's 403 is the answer.
func (px *proxy) send(req *http.Request, info *reqInfo) (*http.Response, error) {
	sent := time.Now()
	resp, err := px.proxier.Send(&SendRequest{Request: req, Token: info.token, AutoAuth: info.autoAuth})
	if err != nil || !info.autoAuth || px.tokens == nil || info.token == "" || resp.StatusCode != http.StatusForbidden {
		return resp, err
	}
	// Only a token Vault no longer knows means a new login: "permission denied" alone is a policy
	// answer, and re-authenticating on it would let any client make the proxy log in again at will.
	if !refusedAsInvalid(resp) {
		return resp, nil
	}
	px.tokens.Invalidate(info.token, sent)
	if req.GetBody == nil && req.Body != nil && req.Body != http.NoBody {
		return resp, nil
	}
	ctx, cancel := context.WithTimeout(req.Context(), TokenWait)
	tok, terr := px.tokens.Token(ctx)
	cancel()
	if terr != nil || tok == info.token {
		return resp, nil
	}
	next := req.Clone(req.Context())
	if req.GetBody != nil {
		body, gerr := req.GetBody()
		if gerr != nil {
			return resp, nil
		}
		next.Body = body
	}
	resp.Body.Close()
	next.Header.Set("X-Vault-Token", tok)
	px.log.Info("request sent again with the new auto-auth token", "method", req.Method, "path", req.URL.Path)
	info.token = tok
	return px.proxier.Send(&SendRequest{Request: next, Token: tok, AutoAuth: true})
}

// refusedAsInvalid reports a 403 whose errors say "invalid token"; the body read is put back.
func refusedAsInvalid(resp *http.Response) bool {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rest}
	return err == nil && bytes.Contains(body, []byte("invalid token"))
}

// modifyResponse removes the auto-auth token from token lookups and renewals.
func (px *proxy) modifyResponse(resp *http.Response) error {
	info := resp.Request.Context().Value(reqInfoKey{}).(*reqInfo)
	if info.autoAuth && resp.StatusCode == http.StatusOK && info.decision.Sanitize {
		if err := sanitizeTokenResponse(resp, info.token, info.decision.AboutAutoAuthToken()); err != nil {
			return fmt.Errorf("%w: %w", errNotSanitised, err)
		}
	}
	return nil
}

// errNoAutoAuthToken ends a staleOnly request that no restored or stale cache entry answers: the
// client gets the 503 of a request without an auto-auth token.
var errNoAutoAuthToken = errors.New("auto-auth has no token yet")

// errNotSanitised is a token lookup or renewal whose answer could not be cleaned of the auto-auth token.
var errNotSanitised = errors.New("failed to process token lookup response")

// errorHandler answers a request that got no answer from Vault, always with a status and a JSON
// body: 499 when the client went away (nothing reaches it; logged), 504 when Vault did not answer
// within the listener's max_request_duration, 502 when Vault could not be reached or its answer not processed,
// naming Vault and the cause.
func (px *proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	info := r.Context().Value(reqInfoKey{}).(*reqInfo)
	switch {
	case info.client.Err() != nil:
		px.clientGone(w, r, "waiting for Vault")
	case errors.Is(err, errVaultTimeout) || errors.Is(context.Cause(r.Context()), errVaultTimeout):
		px.log.Warn("vault did not answer in time", "method", r.Method, "path", r.URL.Path, "vault", px.vaultAddr, "timeout", info.timeout.String())
		writeErrors(w, http.StatusGatewayTimeout, fmt.Sprintf("Vault at %s did not answer within %s", px.vaultAddr, info.timeout))
	case errors.Is(err, errNoAutoAuthToken):
		writeErrors(w, http.StatusServiceUnavailable, info.noToken)
	case errors.Is(err, errNotSanitised):
		px.log.Error("token response not sanitised", "path", r.URL.Path, "err", err)
		writeErrors(w, http.StatusBadGateway, err.Error())
	default:
		msg := fmt.Sprintf("error proxying request to Vault at %s: %s", px.vaultAddr, causeOf(err))
		px.log.Warn("vault unreachable", "method", r.Method, "path", r.URL.Path, "vault", px.vaultAddr, "err", causeOf(err))
		writeErrors(w, http.StatusBadGateway, msg)
	}
}

// causeOf renders a transport error; a url.Error's repeated URL is dropped.
func causeOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// joinQuery joins the Vault address's query, if any, and the client's raw query, as
// httputil.ProxyRequest.SetURL does.
func joinQuery(target, client string) string {
	if target == "" || client == "" {
		return target + client
	}
	return target + "&" + client
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// bufferPool recycles the 32 KiB copy buffers of the reverse proxy.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *(buffers.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
