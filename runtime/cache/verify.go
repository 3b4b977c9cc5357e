package cache

import (
	"net/http"
	"time"
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
// The first renewal is verify's (verifiedOrNotLocked), not the watcher's: the watcher's error
// back-off (retries after about 10, 20, 40 s, errBackoff) would leave an entry unverified long
// after an outage at start-up ended. A failed first renewal is retried on verify's own back-off,
// and at once when a request waits for the entry (a poke), so verification happens when a client
// needs it. Once verified, the entry is renewed as any other (renew.go), that first renewal
// counting as the watcher's first.

// verifyWait bounds the wait of a request for a restored entry's first renewal: a slow or
// unreachable Vault costs a request this much, then it is forwarded (and fails as Vault does).
const verifyWait = 10 * time.Second

// initialRenewals bounds the restored entries' first renewals in flight at once: a file of
// thousands of entries must not open as many connections to Vault at start-up. They are the
// renewal schedule's (renew_sched.go), which sends no more than renewWorkers renewals at once.
const initialRenewals = renewWorkers

// The back-off between failed first renewals (Vault unreachable, sealed) when no request pokes.
const (
	verifyRetryMin = 2 * time.Second
	verifyRetryMax = time.Minute
)

// awaitVerifiedLocked waits, with c.mu released, until e is verified or evicted, a first renewal
// attempt failed, verifyWait has passed, or req's context or the cache ends; without wait it does
// not wait. Either way it pokes
// e's renewal first, so a first renewal that failed is tried again now rather than after its
// back-off. It reports whether e may be served: verified and still cached. c.mu is held again
// when it returns.
func (c *Cache) awaitVerifiedLocked(e *entry, req *http.Request, wait bool) bool {
	c.pokeLocked(e)
	if !wait {
		return false
	}
	ch, failed, done := e.unverified, e.attemptFailed, c.baseCtx.Done()
	d := c.persist.verifyWait
	if d == 0 {
		d = verifyWait
	}
	c.mu.Unlock()
	t := time.NewTimer(d)
	select {
	case <-ch:
	case <-failed: // Vault did not confirm it, or it was evicted: the request goes to Vault, or is served stale
	case <-done: // the cache closed
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

// verifiedOrNotLocked applies the answer to the first renewal of the restored entry e, sent at
// sent: d seconds, or err. Renewed, e is verified and renewed from then on as any entry; refused,
// or expired before Vault could be reached, it is evicted; else its next attempt comes after a
// growing back-off, or at once when a request waits for e (pokeLocked).
func (c *Cache) verifiedOrNotLocked(e *entry, sent, now time.Time, d int, err error) {
	if err == nil {
		// From the request, as in renewEntry; the file keeps the new expiry, checked at restore.
		e.expires = sent.Add(seconds(d))
		c.persistLocked(e)
		c.verifiedLocked(e)
		// The watcher a verified entry gets would renew at once: this renewal is that one.
		e.r.base = d
		c.restartLocked(e, now)
		c.leaseRenewedLocked(e, now, d)
		return
	}
	if status, ok := refusal(err); ok {
		c.log.Info("cache: Vault refused a restored entry's renewal; evicting", "path", e.path, "status", status)
		c.evictRefusedLocked(e)
		return
	}
	expired := !c.now().Before(e.expires)
	c.attemptFailedLocked(e)
	if expired {
		c.log.Info("cache: a restored entry expired before Vault confirmed it; evicting", "path", e.path, "error", err)
		c.evictLocked(e, reasonRenewalFailed, true)
		return
	}
	c.log.Info("cache: cannot renew a restored entry yet; retrying", "path", e.path, "in", e.r.verifyIn.String(), "error", err)
	c.dueLocked(e, now.Add(e.r.verifyIn))
	e.r.verifyIn = min(2*e.r.verifyIn, verifyRetryMax)
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
