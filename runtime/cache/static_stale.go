package cache

import (
	"context"
	"net/http"
	"time"

	"github.com/vaultproxy/vaultproxy/runtime/internal/ctxtime"
)

// Static secrets while Vault is down (cache.serve_stale_for; docs/cache.md, "Serving while Vault is
// down").
//
// Vault Proxy serves a static secret from its cache whatever Vault's state: while Vault is down its
// updater cannot reconnect to the event stream, so nothing re-reads or evicts the secrets, and they
// are served as plain hits for as long as the outage lasts (hashicorp/vault
// command/agentproxyshared/cache/static_secret_cache_updater.go, Run; lease_cache.go,
// checkCacheForStaticSecretRequest). Without serve_stale_for the cache does the same, until its
// interval re-read (static_events.go), failing, evicts them. With serve_stale_for, while Vault is
// known to be unreachable (reachState), a static secret is served only within serve_stale_for of
// when Vault last confirmed it (its last read, or the event stream last up, which keeps every
// secret fresh), marked X-Cache: STALE with that Age and Warning: 110; older, the request goes to
// Vault (which fails as any other). The interval re-read does not evict a secret it could not
// re-read because Vault was unreachable while it may still be served so.

// reachState is what the cache last saw of Vault. Guarded by Cache.mu.
type reachState struct {
	// down is set when a round trip to Vault found it unreachable (unreachable: a transport
	// error, or 502, 503 or 504), and cleared by the next one that did not: a forwarded request, a
	// static secret re-read or capability check, or an event subscription.
	down bool
}

// noteReach records the outcome of a round trip to Vault: reached (false when Vault was
// unreachable).
func (c *Cache) noteReach(reached bool) {
	c.mu.Lock()
	c.reach.down = !reached
	c.mu.Unlock()
}

// noteRoundTrip records resp, err of a round trip made with ctx; a cancelled one (the client went
// away, the cache is closing) says nothing about Vault.
func (c *Cache) noteRoundTrip(ctx context.Context, resp *http.Response, err error) {
	if ctx.Err() != nil {
		return
	}
	c.noteReach(!unreachable(resp, err))
}

// unreachableStatus is unreachable for an answer already read: status 0 is a transport error.
func unreachableStatus(status int) bool {
	return status == 0 || unreachable(&http.Response{StatusCode: status}, nil)
}

// streamState is the event stream as the stale rule sees it. Guarded by Cache.mu.
type streamState struct {
	up   bool      // connected and caught up (the re-read on connection done)
	seen time.Time // when it was last up: every secret was fresh then
}

// confirmedLocked is when Vault last confirmed r: its read, or the event stream, which keeps every
// secret fresh, last up (now, while it is).
func (c *Cache) confirmedLocked(r *staticResp, now time.Time) time.Time {
	t := r.stored
	s := c.static.stream
	if s.up {
		return now
	}
	if s.seen.After(t) {
		t = s.seen
	}
	return t
}

// staleStaticLocked reports how a static answer r may be served now: as a hit (Vault not known
// to be down, or serve_stale_for off), as a stale answer aged age, or not at all (ok false: Vault
// is down and r is older than serve_stale_for).
func (c *Cache) staleStaticLocked(r *staticResp, now time.Time) (stale bool, age time.Duration, ok bool) {
	if !c.stale.on() || !c.reach.down {
		return false, now.Sub(r.stored), true
	}
	age = now.Sub(c.confirmedLocked(r, now))
	if age > c.stale.keep {
		return false, 0, false
	}
	return true, age, true
}

// probePause is the least time between two re-reads that stale static answers start.
const probePause = time.Second

// probeStatic re-reads the entry at key in the background, at most one at a time and one per
// probePause: a stale answer is served without asking Vault, and without this, only the event
// loop's reconnections (backing off to a minute) or the interval re-read would see Vault back.
func (c *Cache) probeStatic(key staticKey) {
	if !c.static.probing.CompareAndSwap(false, true) {
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.static.probing.Store(false)
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		defer c.static.probing.Store(false)
		c.refreshStatic(c.baseCtx, key)
		ctxtime.Sleep(c.baseCtx, probePause)
	}()
}

// markStale marks a static answer served while Vault is down.
func (c *Cache) markStale(resp *http.Response, e *entry, age time.Duration) {
	resp.Header[headerCache] = []string{"STALE"}
	resp.Header["Warning"] = []string{`110 - "Response is Stale"`} // RFC 7234, section 5.5.1
	c.m.stale.Inc()
	c.log.Warn("cache: Vault is unreachable; served a stale static secret", "path", e.path,
		"age", age.Truncate(time.Second).String())
}

// keepUnreachedLocked reports whether a static entry that no token could re-read, Vault being
// unreachable for each, is kept: with serve_stale_for, while it may still be served stale.
func (c *Cache) keepUnreachedLocked(e *entry, now time.Time) bool {
	return c.stale.on() && e.st.resp != nil && now.Sub(c.confirmedLocked(e.st.resp, now)) <= c.stale.keep
}

// setStreamUp records the event stream caught up (up) or ended.
func (c *Cache) setStreamUp(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.static.stream.up && !up {
		c.static.stream.seen = c.now()
	}
	c.static.stream.up = up
	if up {
		c.reach.down = false
	}
}
