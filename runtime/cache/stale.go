package cache

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vaultproxy/vaultproxy/request"
)

// Serving stale answers while Vault is unreachable (Options.ServeStaleFor, cache.serve_stale_for, a
// vaultproxy extension; docs/cache.md, "Serving while Vault is down"). Off by default.
//
// When a token or lease request misses and Vault cannot be reached (a transport error: connection
// refused, timeout; or a 502, 503 or 504 answer), the answer Vault last gave for the same key may be
// served instead, marked X-Cache: STALE with Age and Warning: 110: a restored entry Vault has not
// confirmed yet, or an entry whose lease ended (expired, renewal ended or failed) at most
// ServeStaleFor ago. Its lease_duration is the time left by the cache's count, 0 once ended. An
// entry is never kept for this when Vault refused its renewal, and stale entries go when a
// revocation or cache-clear through the proxy names their token, an ancestor of it, their lease or
// accessor: Vault has been seen to revoke them. Static secrets follow their own rule
// (static_stale.go).

// staleEntry is an evicted entry kept to answer while Vault is unreachable, with the tokens whose
// revocation revokes it.
type staleEntry struct {
	e         *entry
	ancestors []string // its token (kindToken), its parent's and theirs, or its owner's chain
}

// staleStore holds the entries retired for ServeStaleFor past their lease's end. Guarded by Cache.mu.
type staleStore struct {
	keep  time.Duration // Options.ServeStaleFor; 0 turns the feature off
	max   int           // at most this many entries (the cache's MaxEntries)
	byKey map[cacheKey]*staleEntry
}

func (s *staleStore) on() bool { return s.keep > 0 }

// staleReason reports whether an entry evicted for reason may still answer while Vault is down: its
// lease ended, or Vault could not be reached to renew it. Revocations, clears, refusals, replacement
// and the size limits end it for good.
func staleReason(reason string) bool {
	return reason == reasonExpired || reason == reasonRenewalEnded || reason == reasonRenewalFailed
}

// retireLocked keeps e, just evicted, in the stale store, and reports whether it did. A kept entry
// stays in the cache file (persist.go) until it leaves the store, so that a restart while Vault is
// down can still serve it (restore.go).
func (c *Cache) retireLocked(e *entry) bool {
	if e.kind == kindStatic {
		return false
	}
	now := c.now()
	c.pruneStaleLocked(now)
	if old := c.stale.byKey[e.key]; old != nil {
		c.forgetStaleLocked(e.key, old) // an older answer for the same request
	}
	if len(c.stale.byKey) >= c.stale.max {
		return false // full: keeping e would push out one that may answer sooner
	}
	c.stale.byKey[e.key] = &staleEntry{e: e, ancestors: c.ancestorsLocked(e, nil)}
	return true
}

// forgetStaleLocked drops the stale entry s, at key, from the store and from the cache file.
func (c *Cache) forgetStaleLocked(key cacheKey, s *staleEntry) {
	delete(c.stale.byKey, key)
	c.unpersistLocked(s.e)
}

// ancestorsLocked lists the tokens whose revocation revokes e, as far as the cache knows them: its
// entries, and also, when not nil, more (restored stale tokens by token).
func (c *Cache) ancestorsLocked(e *entry, more map[string]*entry) []string {
	var out []string
	t := e.parent
	switch e.kind {
	case kindToken:
		out = append(out, e.token)
	case kindLease:
		t = e.owner
	}
	for t != "" && !slices.Contains(out, t) {
		out = append(out, t)
		p := c.idx.byToken[t]
		if p == nil {
			p = more[t]
		}
		if p == nil {
			break
		}
		t = p.parent
	}
	return out
}

// restoreStaleLocked puts the entries restored past their lease's end, but within ServeStaleFor of
// it, in the stale store (after the live ones are indexed: their ancestors may be among them), as
// they were when the previous run stopped. Their age is counted from when Vault gave them, as
// stored. Those beyond the store's size go.
func (c *Cache) restoreStaleLocked(ended []*entry) {
	tokens := map[string]*entry{}
	for _, e := range ended {
		if e.kind == kindToken {
			tokens[e.token] = e
		}
	}
	for _, e := range ended {
		if c.stale.byKey[e.key] != nil || len(c.stale.byKey) >= c.stale.max {
			continue
		}
		e.evicted = true // an entry of the stale store: never served as a hit, never renewed
		c.stale.byKey[e.key] = &staleEntry{e: e, ancestors: c.ancestorsLocked(e, tokens)}
	}
}

// pruneStaleLocked drops the entries past their time.
func (c *Cache) pruneStaleLocked(now time.Time) {
	for k, s := range c.stale.byKey {
		if now.After(s.e.expires.Add(c.stale.keep)) {
			c.forgetStaleLocked(k, s)
		}
	}
}

// dropStaleTokenLocked forgets the stale entries that token's revocation revokes: its own, its
// descendants' and their leases'.
func (c *Cache) dropStaleTokenLocked(token string) {
	if token == "" || len(c.stale.byKey) == 0 {
		return
	}
	gone := []string{token}
	for len(gone) > 0 {
		t := gone[0]
		gone = gone[1:]
		for k, s := range c.stale.byKey {
			if slices.Contains(s.ancestors, t) {
				c.forgetStaleLocked(k, s)
				if s.e.kind == kindToken && s.e.token != t {
					gone = append(gone, s.e.token)
				}
			}
		}
	}
}

// dropStaleWhereLocked forgets the stale entries for which match is true, with what their tokens
// created.
func (c *Cache) dropStaleWhereLocked(match func(e *entry) bool) {
	var tokens []string
	for k, s := range c.stale.byKey {
		if match(s.e) {
			c.forgetStaleLocked(k, s)
			if s.e.kind == kindToken {
				tokens = append(tokens, s.e.token)
			}
		}
	}
	for _, t := range tokens {
		c.dropStaleTokenLocked(t)
	}
}

// dropStaleAccessorLocked forgets the stale entry of the token with accessor, with what it created,
// and reports whether there was one.
func (c *Cache) dropStaleAccessorLocked(accessor string) bool {
	found := false
	c.dropStaleWhereLocked(func(e *entry) bool {
		m := accessor != "" && e.kind == kindToken && e.accessor == accessor
		found = found || m
		return m
	})
	return found
}

// dropAllStaleLocked forgets every stale entry: a revocation the cache cannot attribute. (Close
// drops them too, once closed: then the file keeps them.)
func (c *Cache) dropAllStaleLocked() {
	for k, s := range c.stale.byKey {
		c.forgetStaleLocked(k, s)
	}
}

// unreachable reports whether a round trip's outcome means Vault could not be reached: a transport
// error, or 502, 503 or 504 (a gateway's, or a sealed or standby Vault's). Vault's 4xx answers are
// answers.
func unreachable(resp *http.Response, err error) bool {
	if err != nil {
		return true
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// staleResponse answers req, whose round trip found Vault unreachable, from the entry for key: a
// restored entry not yet confirmed, or one retired at most ServeStaleFor ago. Nil when none may.
func (c *Cache) staleResponse(req *http.Request, key cacheKey) *http.Response {
	if !c.stale.on() {
		return nil
	}
	now := c.now()
	c.mu.Lock()
	e := c.idx.byKey[key]
	if e == nil {
		if s := c.stale.byKey[key]; s != nil {
			e = s.e
		}
	}
	if e == nil || e.kind == kindStatic || now.After(e.expires.Add(c.stale.keep)) {
		c.mu.Unlock()
		return nil
	}
	left := secondsLeft(now, e.expires)
	c.mu.Unlock()

	body := e.body
	if e.ttl.ok() {
		body = withDuration(e.body, e.ttl, left)
	}
	resp := hitResponse(req, e.status, e.header, body, now.Sub(e.stored))
	resp.Header[headerCache] = []string{"STALE"}
	resp.Header["Warning"] = []string{`110 - "Response is Stale"`} // RFC 7234, section 5.5.1
	c.m.stale.Inc()
	c.log.Warn("cache: Vault is unreachable; served a stale answer", "path", e.path,
		"age", now.Sub(e.stored).Truncate(time.Second).String(), "lease_left", left)
	return resp
}

// discard closes a response that a stale answer replaces.
func discard(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
}

// prefixOf reports whether a lease ID or token creation path starts with prefix, as
// evictPrefixLocked matches them.
func prefixOf(e *entry, prefix string) bool {
	prefix = strings.TrimLeft(prefix, "/")
	return prefix != "" && (e.kind == kindLease && strings.HasPrefix(e.lease, prefix) ||
		e.kind == kindToken && strings.HasPrefix(e.leasePath, prefix))
}

// StaleOnly answers req from the cache alone, never from Vault: from a restored entry Vault has not
// confirmed yet, or one retired at most ServeStaleFor ago, for req's key, marked STALE as
// staleResponse marks it. Nil when none may answer: ServeStaleFor is off, dynamic caching is off,
// req is not a request the cache would look up, or no entry holds its key. The proxy calls it for
// a request that would carry auto-auth's restored token while Vault has not confirmed that token
// (Vault unreachable at start-up): the token is used only as part of the key, and goes nowhere.
func (c *Cache) StaleOnly(req *http.Request) *http.Response {
	if !c.stale.on() || c.disabled || c.isClosed() {
		return nil
	}
	if classify(req.URL.Path).kind != opOther || !request.LeaseCacheable(req.Method, req.Header) {
		return nil
	}
	body, whole, err := readBody(req)
	if err != nil || !whole {
		return nil
	}
	return c.staleResponse(req, computeKey(req, body.buf))
}
