package runtime

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus metrics served on /proxy/v1/metrics. They live in a registry of their
// own (not the global one) and outlive plan swaps, so counters keep counting across SIGHUP.
type metrics struct {
	reg         *prometheus.Registry
	prefix      string // the metric name prefix, "_" for "." and "-" (the cache's metrics use it too)
	requests    *prometheus.CounterVec
	upstream    prometheus.Histogram
	authSuccess prometheus.Counter
	authFailure prometheus.Counter
	authed      prometheus.Gauge
	handler     http.Handler
}

// newMetrics builds the proxy's collectors; prefix is compile.Plan.MetricNamePrefix.
func newMetrics(prefix string) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), prefix: prefix}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: prefix + "_proxy_requests_total",
		Help: "Requests served, by listener address, method and status class.",
	}, []string{"listener", "method", "status"})
	m.upstream = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    prefix + "_proxy_upstream_duration_seconds",
		Help:    "Time from sending a request to Vault to receiving its response headers, per attempt.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m.authSuccess = prometheus.NewCounter(prometheus.CounterOpts{
		Name: prefix + "_proxy_auth_success_total", Help: "Successful auto-auth logins.",
	})
	m.authFailure = prometheus.NewCounter(prometheus.CounterOpts{
		Name: prefix + "_proxy_auth_failure_total", Help: "Failed auto-auth logins.",
	})
	m.authed = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: prefix + "_proxy_authenticated", Help: "1 while auto-auth holds a token, 0 otherwise.",
	})
	m.reg.MustRegister(m.requests, m.upstream, m.authSuccess, m.authFailure, m.authed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// AuthSuccess, AuthFailure and Authenticated implement autoauth.Observer.
func (m *metrics) AuthSuccess() { m.authSuccess.Inc() }

// AuthFailure counts a failed login.
func (m *metrics) AuthFailure() { m.authFailure.Inc() }

// Authenticated sets the authenticated gauge.
func (m *metrics) Authenticated(ok bool) {
	if ok {
		m.authed.Set(1)
	} else {
		m.authed.Set(0)
	}
}

func (m *metrics) observeUpstream(d time.Duration) { m.upstream.Observe(d.Seconds()) }

// methodIndex maps the methods worth a label of their own; anything else is "OTHER".
var methodNames = []string{"GET", "PUT", "POST", "DELETE", "LIST", "HEAD", "OPTIONS", "PATCH", "OTHER"}

func methodIndex(m string) int {
	for i, n := range methodNames[:len(methodNames)-1] {
		if n == m {
			return i
		}
	}
	return len(methodNames) - 1
}

var statusClasses = []string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// listenerCounters are one listener's request counters, resolved once so that counting a request is
// an array index and an atomic add.
type listenerCounters [9][5]prometheus.Counter

func (m *metrics) forListener(label string) *listenerCounters {
	var c listenerCounters
	for i, meth := range methodNames {
		for j, class := range statusClasses {
			c[i][j] = m.requests.WithLabelValues(label, meth, class)
		}
	}
	return &c
}

func (c *listenerCounters) count(method string, status int) {
	class := status/100 - 1
	if class < 0 || class > 4 {
		class = 4
	}
	c[methodIndex(method)][class].Inc()
}

// serveMetrics answers GET /proxy/v1/metrics with the Prometheus text format; other methods get 405.
func (m *metrics) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		writeErrors(w, http.StatusMethodNotAllowed)
		return
	}
	m.handler.ServeHTTP(w, r)
}

func listenerLabel(addr string) string { return addr }
