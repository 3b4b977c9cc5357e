package cache

import (
	"errors"
	"github.com/vaultproxy/vaultproxy/schema"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the cache's Prometheus collectors:
//
//	<prefix>_proxy_cache_hits_total               requests answered from the cache
//	<prefix>_proxy_cache_misses_total             cacheable-looking requests forwarded to Vault
//	<prefix>_proxy_cache_entries                  entries held now
//	<prefix>_proxy_cache_evictions_total{reason}  entries removed, by reason
//	<prefix>_proxy_cache_stale_total              answers served stale while Vault was unreachable (stale.go)
//
// reason is one of revoked, cleared, renewal_ended, renewal_failed, expired, lru, replaced (an
// unverified restored entry replaced by Vault's fresh answer), and for static
// secrets refresh_failed, access_lost, written (a write through the proxy, or an event listing the
// ?version=N entry's version as deleted, destroyed or undeleted). The first four count static
// secrets too; these count them alone (cache_static_secrets):
//
//	<prefix>_proxy_cache_static_hits_total                KV reads answered from a static entry
//	<prefix>_proxy_cache_static_misses_total              KV reads looked up and forwarded
//	<prefix>_proxy_cache_static_entries                   static entries held now
//	<prefix>_proxy_cache_static_refreshes_total{result}   re-reads after an event, a (re)connection or
//	                                                      the interval: updated or evicted
//	<prefix>_proxy_cache_static_event_stream_connected    1 while Vault's event stream is open
type metrics struct {
	hits      prometheus.Counter
	misses    prometheus.Counter
	entries   prometheus.Gauge
	evictions *prometheus.CounterVec
	stale     prometheus.Counter

	staticHits      prometheus.Counter
	staticMisses    prometheus.Counter
	staticEntries   prometheus.Gauge
	staticRefreshes *prometheus.CounterVec
	eventStream     prometheus.Gauge
}

// newMetrics builds the collectors and registers them on reg; the static ones only with static,
// so that a cache without cache_static_secrets shows none of them.
func newMetrics(reg prometheus.Registerer, prefix string, static bool) (*metrics, error) {
	if prefix == "" {
		prefix = schema.TelemetryMetricsPrefix.Default
	}
	m := &metrics{
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "_proxy_cache_hits_total", Help: "Requests answered from the lease cache.",
		}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "_proxy_cache_misses_total",
			Help: "Requests the lease cache looked up, did not find and forwarded to Vault.",
		}),
		entries: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: prefix + "_proxy_cache_entries", Help: "Tokens and leases held by the lease cache.",
		}),
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: prefix + "_proxy_cache_evictions_total", Help: "Lease cache entries removed, by reason.",
		}, []string{"reason"}),
		stale: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "_proxy_cache_stale_total",
			Help: "Requests answered with a stale cache entry because Vault was unreachable (serve_stale_for).",
		}),
		staticHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "_proxy_cache_static_hits_total", Help: "KV reads answered from a static secret entry.",
		}),
		staticMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: prefix + "_proxy_cache_static_misses_total",
			Help: "KV reads the static secret cache looked up, could not answer and forwarded to Vault.",
		}),
		staticEntries: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: prefix + "_proxy_cache_static_entries", Help: "Static (KV) secrets held by the cache.",
		}),
		staticRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: prefix + "_proxy_cache_static_refreshes_total",
			Help: "Static secrets re-read from Vault (after an event, a connection or the interval), by result.",
		}, []string{"result"}),
		eventStream: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: prefix + "_proxy_cache_static_event_stream_connected",
			Help: "1 while the cache is subscribed to Vault's KV event stream, else 0.",
		}),
	}
	for _, r := range []string{reasonRevoked, reasonCleared, reasonRenewalEnded, reasonRenewalFailed, reasonExpired, reasonLRU, reasonReplaced} {
		m.evictions.WithLabelValues(r)
	}
	if static {
		for _, r := range []string{reasonRefreshFailed, reasonAccessLost, reasonWritten} {
			m.evictions.WithLabelValues(r)
		}
		for _, r := range []string{refreshUpdated, refreshEvicted} {
			m.staticRefreshes.WithLabelValues(r)
		}
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.hits, err = register(reg, m.hits); err != nil {
		return nil, err
	}
	if m.misses, err = register(reg, m.misses); err != nil {
		return nil, err
	}
	if m.entries, err = register(reg, m.entries); err != nil {
		return nil, err
	}
	if m.evictions, err = register(reg, m.evictions); err != nil {
		return nil, err
	}
	if m.stale, err = register(reg, m.stale); err != nil {
		return nil, err
	}
	if !static {
		return m, nil
	}
	if m.staticHits, err = register(reg, m.staticHits); err != nil {
		return nil, err
	}
	if m.staticMisses, err = register(reg, m.staticMisses); err != nil {
		return nil, err
	}
	if m.staticEntries, err = register(reg, m.staticEntries); err != nil {
		return nil, err
	}
	if m.staticRefreshes, err = register(reg, m.staticRefreshes); err != nil {
		return nil, err
	}
	if m.eventStream, err = register(reg, m.eventStream); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers col, or returns the collector an earlier Cache registered under the same
// name (a plan reload builds a new Cache on the same registry; the counters go on counting).
func register[C prometheus.Collector](reg prometheus.Registerer, col C) (C, error) {
	err := reg.Register(col)
	if err == nil {
		return col, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return col, err
}
