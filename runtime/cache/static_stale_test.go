package cache

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// vaultDown reports whether the cache takes Vault to be unreachable.
func (c *Cache) vaultDown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reach.down
}

// staleStaticHarness is a static harness with a stopped clock and serve_stale_for keep, whose
// tokA has read kv/data/foo (at the clock's start); oss makes the event stream a 404.
func staleStaticHarness(t *testing.T, keep, interval time.Duration, oss bool) (*staticHarness, *atomic.Int64) {
	t.Helper()
	var offset *atomic.Int64
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: interval},
		func(o *Options) { offset = fixedClock(o); o.ServeStaleFor = keep },
		func(kv *kvFake) {
			readers(kv)
			if oss {
				kv.subscribeStatus = http.StatusNotFound
			}
		})
	if !oss {
		h.connected(1)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("setup: %d %q", r.status, r.header.Get("X-Cache"))
	}
	return h, offset
}

// goDown makes Vault answer 503 to everything (sealed), drops the event stream, and waits for the
// cache to see it (the reconnection fails).
func (h *staticHarness) goDown() {
	h.t.Helper()
	h.fake.set(func() { h.fake.down = true })
	h.kv.drop()
	waitFor(h.t, 5*time.Second, "the cache to see Vault down", h.cache.vaultDown)
}

// TestStaticWhileVaultIsDown: while Vault is known to be down, a static secret is a plain hit as in
// Vault Proxy without serve_stale_for; with it, it is served STALE for at most serve_stale_for
// since Vault last confirmed it (its read, or the event stream last up), with that Age, and not at
// all beyond (the request goes to Vault). Once Vault is back (the stream reconnects, or the 404 of
// a Vault without it), it is a hit again.
func TestStaticWhileVaultIsDown(t *testing.T) {
	const keep = time.Minute
	type want struct {
		status int
		cache  string
		age    int
	}
	for _, tc := range []struct {
		name       string
		keep       time.Duration
		oss        bool
		at50, at75 want
		// backHit: a hit once Vault is back. Not when the secret got too old to serve while Vault
		// was down: the stale answer's background re-read may have evicted it (then a miss).
		backHit bool
	}{
		// The stream was last up at 20s: ages count from there.
		{"events", keep, false, want{200, "STALE", 30}, want{200, "STALE", 55}, true},
		// No stream: from the read at 0s.
		{"no event stream", keep, true, want{200, "STALE", 50}, want{503, "MISS", -1}, false},
		{"events, serve_stale_for off", 0, false, want{200, "HIT", 50}, want{200, "HIT", 75}, true},
		{"no event stream, serve_stale_for off", 0, true, want{200, "HIT", 50}, want{200, "HIT", 75}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, offset := staleStaticHarness(t, tc.keep, time.Hour, tc.oss)
			offset.Store(int64(20 * time.Second))
			if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" {
				t.Fatalf("Vault up: %d %q", r.status, r.header.Get("X-Cache"))
			}
			h.goDown()
			for _, step := range []struct {
				at time.Duration
				w  want
			}{{50 * time.Second, tc.at50}, {75 * time.Second, tc.at75}} {
				offset.Store(int64(step.at))
				r := h.do("GET", "/v1/kv/data/foo", tokA, "")
				if r.status != step.w.status || r.header.Get("X-Cache") != step.w.cache {
					t.Fatalf("at %s: %d X-Cache %q; want %d %q", step.at, r.status, r.header.Get("X-Cache"), step.w.status, step.w.cache)
				}
				if step.w.age >= 0 && r.header.Get("Age") != strconv.Itoa(step.w.age) {
					t.Errorf("at %s: Age %q, want %d", step.at, r.header.Get("Age"), step.w.age)
				}
				if stale := step.w.cache == "STALE"; stale != (r.header.Get("Warning") == `110 - "Response is Stale"`) {
					t.Errorf("at %s: Warning %q", step.at, r.header.Get("Warning"))
				}
			}
			h.fake.set(func() { h.fake.down = false })
			waitFor(t, 5*time.Second, "the cache to see Vault back", func() bool { return !h.cache.vaultDown() })
			r := h.do("GET", "/v1/kv/data/foo", tokA, "")
			if r.status != 200 || r.header.Get("X-Cache") != "HIT" && (tc.backHit || r.header.Get("X-Cache") != "MISS") {
				t.Fatalf("Vault back: %d X-Cache %q", r.status, r.header.Get("X-Cache"))
			}
		})
	}
}

// The interval re-read that fails because Vault is unreachable keeps a static secret that may still
// be served stale; without serve_stale_for it evicts it, as before.
func TestStaticRereadWhileVaultIsDown(t *testing.T) {
	for _, tc := range []struct {
		keep   time.Duration
		status int
		cache  string
	}{{time.Minute, 200, "STALE"}, {0, 503, "MISS"}} {
		t.Run(tc.keep.String(), func(t *testing.T) {
			h, _ := staleStaticHarness(t, tc.keep, 50*time.Millisecond, true)
			before := h.fake.count("GET /v1/kv/data/foo")
			h.goDown()
			// A second re-read, or the eviction, shows the first one done.
			waitFor(t, 5*time.Second, "a failed re-read", func() bool {
				return h.fake.count("GET /v1/kv/data/foo") >= before+2 || h.cache.Len() == 0
			})
			if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.status != tc.status || r.header.Get("X-Cache") != tc.cache {
				t.Fatalf("%d X-Cache %q; want %d %q", r.status, r.header.Get("X-Cache"), tc.status, tc.cache)
			}
		})
	}
}

// A stale static answer re-reads its secret in the background, so that Vault's return is seen
// without waiting for the event loop's reconnection (here: never) or the interval re-read.
func TestStaleStaticProbesVault(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour, EventStreamRetry: time.Hour},
		func(o *Options) { fixedClock(o); o.ServeStaleFor = time.Minute },
		func(kv *kvFake) { readers(kv); kv.subscribeStatus = http.StatusNotFound })
	waitFor(t, 5*time.Second, "the 404 of the subscription", func() bool { return h.kv.get(func(kv *kvFake) int { return kv.attempts }) >= 1 })
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("setup: %d %q", r.status, r.header.Get("X-Cache"))
	}
	h.fake.set(func() { h.fake.down = true })
	// Vault is seen down by a request forwarded to it.
	if r := h.do("GET", "/v1/kvv1/bar", tokA, ""); r.status != 503 || !h.cache.vaultDown() {
		t.Fatalf("a read while Vault is down: %d, seen down %v", r.status, h.cache.vaultDown())
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "STALE" {
		t.Fatalf("Vault down: %d %q", r.status, r.header.Get("X-Cache"))
	}
	h.fake.set(func() { h.fake.down = false })
	waitFor(t, 5*time.Second, "the cache to see Vault back", func() bool {
		h.do("GET", "/v1/kv/data/foo", tokA, "")
		return !h.cache.vaultDown()
	})
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" {
		t.Fatalf("Vault back: %d %q", r.status, r.header.Get("X-Cache"))
	}
}
