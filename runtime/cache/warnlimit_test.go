package cache

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEvictionWarningsRateLimited: a cache at its size limit warns once per warnPeriod, with the
// number of entries evicted since the last warning, not once per eviction.
func TestEvictionWarningsRateLimited(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, func(o *Options) {
		o.MaxEntries = 2
		o.Now = clock
	}, func(kv *kvFake) {
		readers(kv)
		kv.subscribeStatus = 404
		for i := range 40 {
			kv.writeLocked(fmt.Sprintf("kv/s%d", i), false, map[string]any{"i": i})
		}
	})
	for i := range 20 {
		h.do("GET", fmt.Sprintf("/v1/kv/data/s%d", i), tokA, "")
	}
	warns := func() []string {
		var out []string
		for _, l := range strings.Split(h.logs.String(), "\n") {
			if strings.Contains(l, "level=WARN") && strings.Contains(l, "size limit reached") {
				out = append(out, l)
			}
		}
		return out
	}
	if w := warns(); len(w) != 1 || !strings.Contains(w[0], "evicted=1 ") {
		t.Fatalf("after 18 evictions: %d warnings %q", len(w), w)
	}
	mu.Lock()
	now = now.Add(warnPeriod)
	mu.Unlock()
	h.do("GET", "/v1/kv/data/s20", tokA, "")
	if w := warns(); len(w) != 2 || !strings.Contains(w[1], "evicted=18 ") {
		t.Fatalf("after the period: %d warnings %q", len(w), w)
	}
	if got := h.metric("vault_proxy_cache_evictions_total", "reason", "lru"); got != 19 {
		t.Fatalf("lru evictions %v", got)
	}
}
