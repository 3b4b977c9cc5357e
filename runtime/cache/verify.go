package cache

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"
)

// A restored entry (restore.go) may hold a token or lease that was revoked, or expired, while the
// proxy was stopped. Vault Proxy serves it at once; here it is "unverified" until its renewer's
// first renewal succeeds (Vault still knows it), and a request that would hit it waits for that,
// at most verifyWait and while the request lasts. Verified, it is served; evicted (Vault refused
// the renewal) or still unverified, the request goes to Vault, and Vault's answer replaces the
// unverified entry (maybeStore). So a restored entry is never served as a HIT before Vault has
// confirmed it, whatever the state of Vault.
//
// A first renewal that fails without settling the entry (Vault unreachable, sealed, an error
// other than a refusal) ends the wait of the requests waiting for the entry at once: waiting on
// would only delay what they get, since the request they then send to Vault finds it as the renewal
// did (a 502 or 503, or with cache.serve_stale_for the restored answer marked STALE, stale.go).
// After an outage at start-up a request thus costs one renewal attempt, not verifyWait
// (docs/cache.md, "Serving while Vault is down").
//
// The first renewal is the renewer's own loop (verify), not the LifetimeWatcher's: the watcher's
// error back-off (retries after about 6, 21, 71 s) would leave an entry unverified long after an
// outage at start-up ended. verify retries on its own back-off and at once when a request waits
// for the entry (a poke), so verification happens when a client needs it.

// verifyWait bounds the wait of a request for a restored entry's first renewal: a slow or
// unreachable Vault costs a request this much, then it is forwarded (and fails as Vault does).
const verifyWait = 10 * time.Second

// initialRenewals bounds the restored entries' first renewals in flight at once: a file of
// thousands of entries must not open as many connections to Vault at start-up.
const initialRenewals = 16

// The back-off between failed first renewals (Vault unreachable, sealed) when no request pokes.
const (
	verifyRetryMin = 2 * time.Second
	verifyRetryMax = time.Minute
)

// awaitVerifiedLocked waits, with c.mu released, until e is verified or evicted, a first renewal
// attempt failed, verifyWait has passed, or req's context or the cache ends; without wait it does
// not wait. Either way it pokes
// e's renewer first, so a first renewal that failed is tried again now rather than after its
// back-off. It reports whether e may be served: verified and still cached. c.mu is held again
// when it returns.
func (c *Cache) awaitVerifiedLocked(e *entry, req *http.Request, wait bool) bool {
	select {
	case e.poke <- struct{}{}:
	default: // a poke is pending already
	}
	if !wait {
		return false
	}
	ch, failed, done := e.unverified, e.attemptFailed, e.ctx.Done()
	d := c.persist.verifyWait
	if d == 0 {
		d = verifyWait
	}
	c.mu.Unlock()
	t := time.NewTimer(d)
	select {
	case <-ch:
	case <-failed: // Vault did not confirm it: the request goes to Vault, or is served stale
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
	e.unverified, e.attemptFailed = nil, nil
	return true
}

// verify renews the restored entry e once, retrying until Vault answers; it returns the lease
// duration Vault gave, or false when e is gone (evicted: refused, expired; or the cache closed). A
// failed attempt is retried after a growing back-off, or at once when a request waits for e.
func (c *Cache) verify(ctx context.Context, e *entry, cl *api.Client) (int, bool) {
	backoff := verifyRetryMin
	for {
		release, ok := c.acquireInitial(ctx.Done(), e)
		if !ok {
			return 0, false
		}
		sent := c.now()
		d, err := renewOnce(ctx, e, cl)
		// The slot is held for the attempt only: while Vault is down, entries waiting on their
		// back-off must not keep the others from being tried.
		release()
		if err == nil {
			c.mu.Lock()
			// From the request, as in renew; the file keeps the new expiry, checked at restore.
			e.expires = sent.Add(time.Duration(d) * time.Second)
			c.persistLocked(e)
			c.verifiedLocked(e)
			c.mu.Unlock()
			return d, true
		}
		if ctx.Err() != nil {
			return 0, false
		}
		var re *api.ResponseError
		if errors.As(err, &re) && re.StatusCode >= 400 && re.StatusCode < 500 &&
			re.StatusCode != http.StatusPreconditionFailed && re.StatusCode != http.StatusTooManyRequests {
			c.log.Info("cache: Vault refused a restored entry's renewal; evicting", "path", e.path, "status", re.StatusCode)
			c.mu.Lock()
			c.evictRefusedLocked(e)
			c.mu.Unlock()
			return 0, false
		}
		c.mu.Lock()
		expired := !c.now().Before(e.expires)
		c.attemptFailedLocked(e)
		c.mu.Unlock()
		if expired {
			c.log.Info("cache: a restored entry expired before Vault confirmed it; evicting", "path", e.path, "error", err)
			c.evict(e, reasonRenewalFailed, true)
			return 0, false
		}
		c.log.Info("cache: cannot renew a restored entry yet; retrying", "path", e.path, "in", backoff.String(), "error", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, false
		case <-e.poke:
		case <-t.C:
		}
		t.Stop()
		backoff = min(2*backoff, verifyRetryMax)
	}
}

// attemptFailedLocked wakes the requests waiting for e's first renewal: an attempt failed without
// settling e, and the next one is on a back-off (or a new request's poke).
func (c *Cache) attemptFailedLocked(e *entry) {
	if e.attemptFailed == nil || e.unverified == nil {
		return
	}
	close(e.attemptFailed)
	e.attemptFailed = make(chan struct{})
}

// renewOnce renews e's token (renew-self) or lease once, as the LifetimeWatcher does (no
// increment: Vault's default), and returns the lease duration Vault answered.
func renewOnce(ctx context.Context, e *entry, cl *api.Client) (int, error) {
	if e.kind == kindToken {
		s, err := cl.Auth().Token().RenewSelfWithContext(ctx, 0)
		if err != nil {
			return 0, err
		}
		if s == nil || s.Auth == nil {
			return 0, errors.New("renew-self: no auth in the answer")
		}
		return s.Auth.LeaseDuration, nil
	}
	s, err := cl.Sys().RenewWithContext(ctx, e.lease, 0)
	if err != nil {
		return 0, err
	}
	if s == nil {
		return 0, errors.New("lease renewal: empty answer")
	}
	return s.LeaseDuration, nil
}

// acquireInitial takes one of the initialRenewals slots for e's first renewal; it returns the
// function that gives the slot back (once), or false when ctx ended first. A poke (a request
// waits for e) skips the queue: that renewal is wanted now, and there is at most one per entry in
// flight.
func (c *Cache) acquireInitial(ctxDone <-chan struct{}, e *entry) (release func(), ok bool) {
	select {
	case c.persist.initial <- struct{}{}:
	case <-e.poke:
		return func() {}, true
	case <-ctxDone:
		return nil, false
	}
	released := false
	return func() {
		if !released {
			released = true
			<-c.persist.initial
		}
	}, true
}
