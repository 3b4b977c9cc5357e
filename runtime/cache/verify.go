package cache

import (
	"net/http"
	"time"
)

// A restored entry (restore.go) may hold a token or lease that was revoked, or expired, while the
// proxy was stopped. Vault Proxy serves it at once; here it is "unverified" until its renewer's
// first renewal succeeds (Vault still knows it), and a request that would hit it waits for that,
// at most verifyWait and while the request lasts. Verified, it is served; evicted (Vault refused
// the renewal) or still unverified, the request goes to Vault. So a restored entry is never served
// before Vault has confirmed it, whatever the state of Vault.

// verifyWait bounds the wait of a request for a restored entry's first renewal: a slow or
// unreachable Vault costs a request this much, then it is forwarded (and fails as Vault does).
const verifyWait = 10 * time.Second

// initialRenewals bounds the restored entries' first renewals in flight at once: a file of
// thousands of entries must not open as many connections to Vault at start-up.
const initialRenewals = 16

// awaitVerifiedLocked waits, with c.mu released, until e is verified or evicted, verifyWait has
// passed, or req's context or the cache ends. It reports whether e may be served: verified and
// still cached. c.mu is held again when it returns.
func (c *Cache) awaitVerifiedLocked(e *entry, req *http.Request) bool {
	ch, done := e.unverified, e.ctx.Done()
	wait := c.verifyWait
	if wait == 0 {
		wait = verifyWait
	}
	c.mu.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-ch:
	case <-done: // evicted, or the cache closed
	case <-t.C:
	case <-req.Context().Done():
	}
	t.Stop()
	c.mu.Lock()
	return !e.evicted && e.unverified == nil
}

// verifiedLocked marks e verified after a successful renewal; it reports whether e was not yet.
func (c *Cache) verifiedLocked(e *entry) bool {
	if e.unverified == nil {
		return false
	}
	close(e.unverified)
	e.unverified = nil
	return true
}

// acquireInitial takes one of the initialRenewals slots for e's first renewal when e is a restored
// entry still to be verified; it returns the function that gives the slot back (once; a no-op for
// other entries), or false when ctx ended first.
func (c *Cache) acquireInitial(ctxDone <-chan struct{}, e *entry) (release func(), ok bool) {
	c.mu.Lock()
	first := e.unverified != nil
	c.mu.Unlock()
	if !first {
		return func() {}, true
	}
	select {
	case c.initial <- struct{}{}:
	case <-ctxDone:
		return nil, false
	}
	released := false
	return func() {
		if !released {
			released = true
			<-c.initial
		}
	}, true
}
