package cache

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"
)

// Every cached token and lease is renewed as an api.LifetimeWatcher would renew it (hashicorp/vault
// api/lifetime_watcher.go, doRenewWithOptions, with its default RenewBehaviorIgnoreErrors), from
// the one schedule of renew_sched.go instead of a watcher and a goroutine of its own:
//
//   - at once when cached, then after 2/3 of the lease duration Vault gave plus a third of a grace
//     period, which is 10 to 20% of the lease (jitter, so that renewals spread);
//   - it ends, and the entry is evicted (renewal_ended), once the lease left, or what would be left
//     after the next sleep, is within the grace period: Vault gave less than asked (the max TTL is
//     near), and the token or lease is about to expire, its children and leases with it;
//   - a failed renewal is retried on the watcher's back-off (errBackoff) while the lease lasts; when
//     the back-off gives up the entry is evicted (renewal_failed);
//   - unlike the watcher, a renewal Vault refuses with a 4xx (the token or lease was revoked outside
//     the proxy) evicts at once (evictRefusedLocked): the watcher would wait for the expiry;
//   - a poke (pokeLocked) renews now, from the lease duration the entry started with, as a new
//     watcher would;
//   - a restored entry's first renewal is verify's (verify.go), then it is renewed as any other.
//
// Renewals are never wrapped and carry none of the api package's environment (VAULT_WRAP_TTL,
// VAULT_HEADERS, VAULT_NAMESPACE, VAULT_TOKEN): newRenewClient.

// renewState is an entry's place in the renewal schedule and what its watcher would know. Guarded by
// Cache.mu.
type renewState struct {
	due    time.Time          // the next renewal
	pos    int                // 1 + its index in the schedule's heap; 0 when not in it
	cancel context.CancelFunc // of the renewal in flight; nil when none is
	again  bool               // poked while a renewal was in flight: renew again when it is done
	// base is the lease duration (seconds) a poke starts again from: the creation's, or the one
	// the restored entry's first renewal gave (the watcher's input secret).
	base int
	// The watcher's state: the lease of lease seconds began at start (its last successful renewal);
	// prior is the lease duration its sleep was last computed from, grace its grace period.
	start        time.Time
	lease        int
	prior, grace time.Duration
	boff         *errBackoff   // after a failed renewal, until one succeeds
	verifyIn     time.Duration // a restored entry's back-off before its next first-renewal attempt
}

// startRenewalLocked puts a new or restored entry in the renewal schedule: renewed at once.
func (c *Cache) startRenewalLocked(e *entry) {
	now := time.Now()
	e.r.base = e.duration
	if e.unverified != nil {
		e.r.verifyIn = verifyRetryMin
	} else {
		c.restartLocked(e, now)
	}
	c.dueLocked(e, now)
}

// restartLocked gives e the state of a watcher started at now with its base lease duration.
func (c *Cache) restartLocked(e *entry, now time.Time) {
	e.r.start, e.r.lease = now, e.r.base
	e.r.prior = seconds(e.r.base)
	e.r.grace = leaseGrace(e.r.prior)
	e.r.boff = nil
}

// pokeLocked asks for e's renewal now: a request waits for a restored entry (verify.go), or its
// parent's renewal was refused (evictRefusedLocked). A renewal in flight is followed by another.
func (c *Cache) pokeLocked(e *entry) {
	switch {
	case e.evicted || c.closed:
	case e.r.cancel != nil:
		e.r.again = true
	case e.r.pos == 0: // a restored entry before Start: renewed at Start
	default:
		if e.unverified == nil {
			c.restartLocked(e, time.Now())
		}
		c.dueLocked(e, time.Time{})
	}
}

// renewEntry sends e's renewal and applies Vault's answer.
func (c *Cache) renewEntry(ctx context.Context, e *entry) {
	c.mu.Lock()
	verifying := e.unverified != nil
	c.mu.Unlock()
	// The new lease duration runs from when Vault renewed, before its answer arrived: counted from
	// the request, the expiry is never later than Vault's (a hit serves what is left).
	sent := c.now()
	d, err := c.renewOnce(ctx, e)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.evicted || c.closed {
		return
	}
	if verifying {
		c.verifiedOrNotLocked(e, sent, now, d, err)
		return
	}
	if status, ok := refusal(err); ok {
		c.log.Info("cache: Vault refused a renewal; evicting", "path", e.path, "status", status)
		c.evictRefusedLocked(e)
		return
	}
	if err != nil {
		c.renewalFailedLocked(e, now, err)
		return
	}
	e.expires = sent.Add(seconds(d))
	c.persistLocked(e) // the file keeps the new expiry, checked at restore
	c.leaseRenewedLocked(e, now, d)
}

// renewedLocked ends e's renewal in flight; a poke that came meanwhile renews it again now.
func (c *Cache) renewedLocked(e *entry) {
	e.r.cancel()
	e.r.cancel = nil
	if e.r.again {
		e.r.again = false
		c.pokeLocked(e)
	}
}

// leaseRenewedLocked is the watcher after a renewal that gave d seconds at now.
func (c *Cache) leaseRenewedLocked(e *entry, now time.Time, d int) {
	e.r.boff = nil
	e.r.start, e.r.lease = now, d
	remaining := seconds(d)
	var sleep time.Duration
	sleep, e.r.grace = renewedSleep(remaining, e.r.prior, e.r.grace)
	c.sleepLocked(e, now, remaining, sleep)
}

// renewedSleep is the watcher's wait after a renewal that gave remaining (calculateSleepDuration):
// 2/3 of it plus a third of the grace period, which is computed anew while the lease grows
// (prior was the last one); once it stops growing the max TTL is near.
func renewedSleep(remaining, prior, grace time.Duration) (sleep, newGrace time.Duration) {
	if remaining > prior {
		grace = leaseGrace(remaining)
	}
	return time.Duration(float64(remaining)*2/3 + float64(grace)/3), grace
}

// renewalFailedLocked is the watcher after a failed renewal (Vault unreachable, sealed, an answer
// that is not a renewal): retried on errBackoff while the lease lasts.
func (c *Cache) renewalFailedLocked(e *entry, now time.Time, err error) {
	remaining := e.r.start.Add(seconds(e.r.lease)).Sub(now)
	if e.r.boff == nil {
		e.r.boff = newErrBackoff(now, remaining)
	}
	sleep, ok := e.r.boff.next(now)
	if !ok {
		// The token or lease ends before the next attempt, and its children and leases with it.
		c.log.Info("cache: renewal failed; evicting", "path", e.path, "error", err)
		c.evictLocked(e, reasonRenewalFailed, true)
		return
	}
	c.sleepLocked(e, now, remaining, sleep)
}

// sleepLocked schedules e's next renewal after sleep, unless the lease left is within the grace
// period now or would be then: the watcher ends there, before the lease does, rather than renew
// with little time left.
func (c *Cache) sleepLocked(e *entry, now time.Time, remaining, sleep time.Duration) {
	e.r.prior = remaining
	if watchEnds(remaining, sleep, e.r.grace) {
		c.evictLocked(e, reasonRenewalEnded, true)
		return
	}
	c.dueLocked(e, now.Add(sleep))
}

// watchEnds reports whether the watcher stops with remaining left and sleep to wait: the lease
// left is within the grace period, or would be after the sleep.
func watchEnds(remaining, sleep, grace time.Duration) bool {
	return remaining <= grace || remaining-sleep <= grace
}

// leaseGrace is the watcher's grace period for a lease of d (calculateGrace, no increment): a
// random 10 to 20% of it, so that 80 to 90% of the lease elapses before it ends.
func leaseGrace(d time.Duration) time.Duration {
	jitterMax := d / 10
	if jitterMax <= 0 {
		return 0
	}
	return jitterMax + time.Duration(rand.Int64N(int64(jitterMax)))
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// The watcher's back-off after a failed renewal (lifetime_watcher.go: cenkalti/backoff/v4's
// ExponentialBackOff with these settings and its default randomization factor of 0.5).
const (
	errRetryFirst = 10 * time.Second
	errRetryMax   = 5 * time.Minute
)

// errBackoff is that back-off: from errRetryFirst, doubling up to errRetryMax, each randomized by
// half, and given up when the next attempt would come after the lease left at the first failure.
type errBackoff struct {
	start      time.Time
	interval   time.Duration
	maxElapsed time.Duration
}

func newErrBackoff(now time.Time, remaining time.Duration) *errBackoff {
	return &errBackoff{start: now, interval: errRetryFirst, maxElapsed: remaining}
}

// next is the wait before the next attempt, or false when the back-off gives up.
func (b *errBackoff) next(now time.Time) (time.Duration, bool) {
	elapsed := now.Sub(b.start)
	delta := 0.5 * float64(b.interval)
	lo, hi := float64(b.interval)-delta, float64(b.interval)+delta
	wait := time.Duration(lo + rand.Float64()*(hi-lo+1))
	if b.interval >= errRetryMax/2 {
		b.interval = errRetryMax
	} else {
		b.interval *= 2
	}
	if b.maxElapsed != 0 && elapsed+wait > b.maxElapsed {
		return 0, false
	}
	return wait, true
}

// refusal reports a renewal Vault answered with a final 4xx: the token or lease is revoked or
// expired. 412 (a replica behind) and 429 (rate limited) are not final.
func refusal(err error) (int, bool) {
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode < 400 || re.StatusCode >= 500 ||
		re.StatusCode == http.StatusPreconditionFailed || re.StatusCode == http.StatusTooManyRequests {
		return 0, false
	}
	return re.StatusCode, true
}

// renewOnce renews e's token (renew-self, with the token) or lease (sys/leases/renew, with the
// token that created it) once, in e's renewal namespace and with no increment, as the watcher
// does (RenewTokenAsSelf, Sys().Renew), and returns the lease duration Vault answered.
func (c *Cache) renewOnce(ctx context.Context, e *entry) (int, error) {
	cl := c.renewer.WithNamespace(e.renewNS) // a shallow copy: no clone per entry
	if e.kind == kindToken {
		cl.SetToken(e.token)
		s, err := cl.Auth().Token().RenewTokenAsSelfWithContext(ctx, e.token, 0)
		if err != nil {
			return 0, err
		}
		if s == nil || s.Auth == nil {
			return 0, errors.New("renew-self: no auth in the answer")
		}
		return s.Auth.LeaseDuration, nil
	}
	cl.SetToken(e.owner)
	s, err := cl.Sys().RenewWithContext(ctx, e.lease, 0)
	if err != nil {
		return 0, err
	}
	if s == nil {
		return 0, errors.New("lease renewal: empty answer")
	}
	return s.LeaseDuration, nil
}

// newRenewClient clones the Vault client once for every renewal (address, TLS, retries and
// timeout), without wrapping (the api package would otherwise honour VAULT_WRAP_TTL), headers
// from the environment (VAULT_HEADERS), namespace or token: renewOnce gives each renewal its own.
// A failed attempt is not retried once its renewal's context has ended (the entry was evicted, or
// the cache closed).
func newRenewClient(v *api.Client) (*api.Client, error) {
	cl, err := v.Clone()
	if err != nil {
		return nil, err
	}
	cl.SetWrappingLookupFunc(func(string, string) string { return "" })
	cl.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	cl.ClearNamespace()
	cl.ClearToken()
	next := cl.CloneConfig().CheckRetry
	if next == nil {
		next = api.DefaultRetryPolicy
	}
	cl.SetCheckRetry(func(rctx context.Context, resp *http.Response, err error) (bool, error) {
		if rctx.Err() != nil {
			return false, err
		}
		return next(rctx, resp, err)
	})
	return cl, nil
}
