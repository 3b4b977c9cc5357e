package cache

import (
	"errors"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the cache's Prometheus collectors:
//
//	<prefix>_proxy_cache_hits_total               requests answered from the cache
//	<prefix>_proxy_cache_misses_total             cacheable-looking requests forwarded to Vault
//	<prefix>_proxy_cache_entries                  entries held now
//	<prefix>_proxy_cache_evictions_total{reason}  entries removed, by reason
//
// reason is one of revoked, cleared, renewal_ended, renewal_failed, expired, lru.
type metrics struct {
	hits      prometheus.Counter
	misses    prometheus.Counter
	entries   prometheus.Gauge
	evictions *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, prefix string) (*metrics, error) {
	if prefix == "" {
		prefix = "vault"
	}
	prefix = strings.NewReplacer(".", "_", "-", "_").Replace(prefix)
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
	}
	for _, r := range []string{reasonRevoked, reasonCleared, reasonRenewalEnded, reasonRenewalFailed, reasonExpired, reasonLRU} {
		m.evictions.WithLabelValues(r)
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
