package runtime

import (
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/vaultproxy/vaultproxy/compile"
)

const (
	metricsPath    = "/proxy/v1/metrics"
	quitPath       = "/proxy/v1/quit"
	cacheClearPath = "/proxy/v1/cache-clear"
)

// listenerConfig is what a listener's handler reads per request; a swap replaces it whole.
type listenerConfig struct {
	role          compile.ListenerRole
	requireHeader bool
	enableQuit    bool
}

func listenerConfigOf(l compile.Listener) *listenerConfig {
	return &listenerConfig{
		role:          l.Role().Get(),
		requireHeader: l.RequireRequestHeader().Get(),
		enableQuit:    l.EnableQuit().Get(),
	}
}

// listenerHandler routes one listener's requests, as Vault Proxy's do (command/proxy.go in
// hashicorp/vault), plus /proxy/v1/ready: /proxy/v1/metrics and /proxy/v1/ready on every
// listener; on default-role listeners also /proxy/v1/quit, /proxy/v1/cache-clear (the lease cache's
// ClearHandler with a cache block, else 200 and nothing done), and everything else to Vault.
// require_request_header guards every route, the /proxy/v1/ ones included.
type listenerHandler struct {
	rt       *Runtime
	cfg      atomic.Pointer[listenerConfig]
	counters *listenerCounters
}

func (h *listenerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	h.serve(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	h.counters.count(r.Method, sw.status)
}

func (h *listenerHandler) serve(w http.ResponseWriter, r *http.Request) {
	cfg := h.cfg.Load()
	if cfg.requireHeader && !hasRequestHeader(r.Header) {
		writeErrors(w, http.StatusPreconditionFailed, `missing "X-Vault-Request" header`)
		return
	}
	path := r.URL.Path
	switch path {
	case metricsPath:
		h.rt.metrics.serveMetrics(w, r)
		return
	case readyPath:
		h.rt.serveReady(w, r)
		return
	}
	if cfg.role == compile.RoleMetricsOnly {
		http.NotFound(w, r)
		return
	}
	switch path {
	case quitPath:
		h.rt.serveQuit(w, r, cfg.enableQuit)
		return
	}
	st := h.rt.current()
	if path == cacheClearPath {
		if st.cache != nil {
			st.cache.clear.ServeHTTP(w, r)
			return
		}
		// Without a cache, Vault Proxy answers 200 with an empty body and does nothing; so do we.
		w.WriteHeader(http.StatusOK)
		return
	}
	st.proxy.ServeHTTP(w, r)
}

// hasRequestHeader reports exactly one X-Vault-Request header whose value is exactly "true".
func hasRequestHeader(h http.Header) bool {
	v := h.Values("X-Vault-Request")
	return len(v) == 1 && strings.TrimSpace(v[0]) == "true"
}

// statusWriter records the status written, and unwraps for http.ResponseController (flush,
// hijack for protocol upgrades).
type statusWriter struct {
	http.ResponseWriter
	status int
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
