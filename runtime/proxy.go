package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	"github.com/vaultproxy/vaultproxy/compile"
)

// tokenSource is what the proxy needs of auto-auth (package autoauth implements it).
type tokenSource interface {
	// Token returns a usable auto-auth token, waiting until ctx ends for the first one or for a
	// re-authentication in progress.
	Token(ctx context.Context) (string, error)
	// Current returns the token without waiting when one is usable (the fast path).
	Current() (string, bool)
	// Invalidate reports that Vault refused token; if it is the current token, auto-auth checks it
	// and logs in again when it is no longer valid. Requests wait for the outcome.
	Invalidate(token string)
}

// TokenWait bounds how long a request waits for an auto-auth token before it gets 503.
const TokenWait = compile.RunTokenWait

// reqInfo travels in the request context from the handler to the Rewrite, Transport and
// ModifyResponse hooks of the reverse proxy.
type reqInfo struct {
	token    string
	autoAuth bool
	// aboutAuto says the answer is about the auto-auth token (aboutAutoToken): it is sanitised whole.
	aboutAuto bool
	setNS     bool
	ns        string
}

type reqInfoKey struct{}

// proxy is the request path of one plan: a reverse proxy to Vault whose transport is the Proxier
// chain. It is rebuilt whole when the plan is swapped; requests in flight finish on the old one.
type proxy struct {
	vaultAddr string
	mode      compile.TokenMode
	prepend   bool
	namespace string
	tokens    tokenSource // nil without auto_auth
	proxier   Proxier
	rp        *httputil.ReverseProxy
	log       *slog.Logger
}

func newProxy(p *compile.Plan, up *upstream, tokens tokenSource, proxier Proxier, log *slog.Logger) *proxy {
	a := p.APIProxy()
	px := &proxy{
		vaultAddr: up.addr,
		mode:      a.UseAutoAuthToken().Get(),
		prepend:   a.PrependConfiguredNamespace().Get(),
		namespace: p.ProxyNamespace().Get(),
		tokens:    tokens,
		proxier:   proxier,
		log:       log,
	}
	target := up.url
	px.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			info := pr.In.Context().Value(reqInfoKey{}).(*reqInfo)
			pr.SetURL(target)
			// Forward what the client sent as it came; Rewrite removed these.
			for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
			if info.autoAuth {
				pr.Out.Header.Set("X-Vault-Token", info.token)
				if sanitizedPath(pr.Out.URL.Path) {
					pr.Out.Header.Del("Accept-Encoding")
				}
			}
			if info.setNS {
				pr.Out.Header.Set(namespaceHeader, info.ns)
			}
		},
		Transport:      roundTripperFunc(px.roundTrip),
		ModifyResponse: px.modifyResponse,
		ErrorHandler:   px.errorHandler,
		BufferPool:     bufferPool{},
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return px
}

// ServeHTTP forwards one request to Vault.
func (px *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := &reqInfo{}
	ns, set, err := outgoingNamespace(px.prepend, px.namespace, r.Header)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, err.Error())
		return
	}
	info.ns, info.setNS = ns, set
	if chooseToken(px.mode, r.Header) == useAutoAuth && px.tokens != nil {
		tok, ok := px.tokens.Current()
		var err error
		if !ok {
			ctx, cancel := context.WithTimeout(r.Context(), TokenWait)
			tok, err = px.tokens.Token(ctx)
			cancel()
		}
		if err != nil {
			if r.Context().Err() != nil {
				return
			}
			writeErrors(w, http.StatusServiceUnavailable, "auto-auth has no token yet: "+err.Error())
			return
		}
		info.token, info.autoAuth = tok, true
		about, err := aboutAutoToken(r, tok)
		if err != nil {
			if r.Context().Err() == nil {
				writeErrors(w, http.StatusBadRequest, err.Error())
			}
			return
		}
		info.aboutAuto = about
		if refusal := wrapRefusalFor(r, about); refusal != "" {
			px.log.Warn("response wrapping refused on a token path", "method", r.Method, "path", r.URL.Path)
			writeErrors(w, http.StatusBadRequest, refusal)
			return
		}
	} else {
		info.token = clientToken(r.Header)
	}
	px.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info)))
}

func (px *proxy) roundTrip(req *http.Request) (*http.Response, error) {
	info := req.Context().Value(reqInfoKey{}).(*reqInfo)
	return px.proxier.Send(&SendRequest{Request: req, Token: info.token, AutoAuth: info.autoAuth})
}

// modifyResponse removes the auto-auth token from token lookups and renewals, and reports a refused
// auto-auth token so that auto-auth can log in again.
func (px *proxy) modifyResponse(resp *http.Response) error {
	info := resp.Request.Context().Value(reqInfoKey{}).(*reqInfo)
	if !info.autoAuth {
		return nil
	}
	switch {
	case resp.StatusCode == http.StatusForbidden && px.tokens != nil && info.token != "":
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		rest := resp.Body
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), rest), rest}
		// Only a token Vault no longer knows means a new login: "permission denied" alone is a policy
		// answer, and re-authenticating on it would let any client make the proxy log in again at will.
		if err == nil && bytes.Contains(body, []byte("invalid token")) {
			px.tokens.Invalidate(info.token)
		}
	case resp.StatusCode == http.StatusOK && sanitizedPath(resp.Request.URL.Path):
		if err := sanitizeTokenResponse(resp, info.token, info.aboutAuto); err != nil {
			return fmt.Errorf("failed to process token lookup response: %w", err)
		}
	}
	return nil
}

// errorHandler answers 502 when Vault cannot be reached, naming Vault and the cause; nothing is
// written when the client itself went away.
func (px *proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		px.log.Debug("client went away", "method", r.Method, "path", r.URL.Path)
		return
	}
	if strings.HasPrefix(err.Error(), "failed to process token lookup response") {
		px.log.Error("token response not sanitised", "path", r.URL.Path, "err", err)
		writeErrors(w, http.StatusBadGateway, err.Error())
		return
	}
	msg := fmt.Sprintf("error proxying request to Vault at %s: %s", px.vaultAddr, causeOf(err))
	px.log.Warn("vault unreachable", "method", r.Method, "path", r.URL.Path, "vault", px.vaultAddr, "err", causeOf(err))
	writeErrors(w, http.StatusBadGateway, msg)
}

// causeOf renders a transport error; a url.Error's repeated URL is dropped.
func causeOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// bufferPool recycles the 32 KiB copy buffers of the reverse proxy.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *(buffers.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
