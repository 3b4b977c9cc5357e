package runtime

import (
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/vaultproxy/vaultproxy/runtime/cache"
	"github.com/vaultproxy/vaultproxy/runtime/internal/reqbody"
)

const (
	metricsPath    = request.MetricsPath
	quitPath       = request.QuitPath
	cacheClearPath = request.CacheClearPath
)

// listenerConfig is what a listener's handler reads per request; a swap replaces it whole. The
// handler reads the listener through a pointer, and decides with rules, what request.Decide reads
// of plan and listener taken once: compile.Listener is a struct of about 3 KB that its accessors,
// and a copy per call, would otherwise copy for every request.
type listenerConfig struct {
	listener compile.Listener
	plan     *compile.Plan
	rules    *request.Rules
	limits   listenerLimits
}

func listenerConfigOf(p *compile.Plan, l compile.Listener) *listenerConfig {
	c := &listenerConfig{listener: l, plan: p, limits: limitsOf(l)}
	c.rules = request.RulesOf(p, &c.listener)
	return c
}

// rulesFor is c's rules for a request served on plan p: taken again when a swap has put p in force
// and not yet c (both are replaced, not at the same instant).
func (c *listenerConfig) rulesFor(p *compile.Plan) *request.Rules {
	if p == c.plan {
		return c.rules
	}
	return request.RulesOf(p, &c.listener)
}

// listenerHandler routes one listener's requests as request.Decide says (the proxy's endpoints,
// refusals, or the proxy to Vault).
type listenerHandler struct {
	rt       *Runtime
	cfg      atomic.Pointer[listenerConfig]
	counters *listenerCounters
}

func (h *listenerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	handlingOn(r)
	sw := statusWriters.Get().(*statusWriter)
	*sw = statusWriter{ResponseWriter: w}
	defer h.countAborted(sw, r)
	h.serve(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	h.counters.count(r.Method, sw.status)
	// Like net/http's own ResponseWriter, sw is not to be used once the handler returns.
	sw.ResponseWriter = nil
	statusWriters.Put(sw)
}

// countAborted counts a request whose handler panicked, with the status its statusWriter was told
// (aborted), else 500, and lets the panic go on: net/http then cuts the connection, so the client
// sees a truncated answer, never a whole-looking one. (http.ErrAbortHandler is how
// httputil.ReverseProxy ends an answer it could not copy.)
func (h *listenerHandler) countAborted(sw *statusWriter, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	status := sw.aborted
	if status == 0 {
		status = http.StatusInternalServerError
	}
	h.counters.count(r.Method, status)
	panic(p)
}

// statusWriters recycles the statusWriters of finished requests.
var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

func (h *listenerHandler) serve(w http.ResponseWriter, r *http.Request) {
	closeUnframed(w, r)
	st := h.rt.current()
	cfg := h.cfg.Load()
	rules := cfg.rulesFor(st.plan)
	d := rules.DecideQuiet(request.FromHTTP(r))
	switch {
	case d.Forwarded():
		st.proxy.serve(w, r, cfg.limits, rules, d)
	case d.Endpoint != "" && d.Status == http.StatusOK:
		h.serveEndpoint(w, r, st, d.Endpoint)
	default:
		if d.Status == http.StatusBadRequest {
			h.rt.log.Warn("request refused", "method", r.Method, "path", r.URL.Path, "status", d.Status, "reason", d.Reason)
		}
		writeDecision(w, d)
	}
}

// serveEndpoint answers a request that request.Decide gave to one of the proxy's endpoints. Its
// body is read whole first, within the body read deadline and cache.MaxClearBody, as a forwarded
// request's is: a body shorter than its Content-Length gets 400, one too slow 408, one too large 413
// (at once when declared), and the endpoint does not act on it. Only cache-clear reads its body;
// net/http would otherwise discard the others' unread, and a cache-clear without a cache, or a
// quit, acted on a request the client never finished.
func (h *listenerHandler) serveEndpoint(w http.ResponseWriter, r *http.Request, st *state, e request.Endpoint) {
	body, err := reqbody.Read(w, r, cache.MaxClearBody)
	if err != nil {
		st.proxy.bodyFailed(w, r, err.(*reqbody.Error))
		return
	}
	setBody(r, body)
	switch e {
	case request.EndpointMetrics:
		h.rt.metrics.serveMetrics(w, r)
	case request.EndpointReady:
		h.rt.serveReady(w, r)
	case request.EndpointQuit:
		h.rt.serveQuit(w, r, true)
	case request.EndpointCacheClear:
		if st.cache != nil {
			st.cache.clear.ServeHTTP(w, r)
			return
		}
		// Without a cache, Vault Proxy answers 200 with an empty body and does nothing; so do we.
		w.WriteHeader(http.StatusOK)
	}
}

// writeDecision writes the proxy's own refusal of a request: Vault's error shape, {"errors":[...]},
// or, for a refusal without errors, the bare status (a 404 as net/http's mux writes it, as Vault
// Proxy's does).
func writeDecision(w http.ResponseWriter, d request.Decision) {
	if d.Allow != "" {
		w.Header().Set("Allow", d.Allow)
	}
	switch {
	case d.Errors != nil:
		writeErrors(w, d.Status, d.Errors...)
	case d.Status == http.StatusNotFound:
		http.Error(w, "404 page not found", http.StatusNotFound)
	default:
		w.WriteHeader(d.Status)
	}
}

// statusWriter records the status written, and unwraps for http.ResponseController (flush,
// hijack for protocol upgrades).
type statusWriter struct {
	http.ResponseWriter
	status int
	// aborted is the status of an answer cut short (the handler panics), for the metrics: 502 or
	// 504 when Vault broke or stalled it, 499 when the client did not take it.
	aborted int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush lets the reverse proxy stream without going through ResponseController's reflection.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
