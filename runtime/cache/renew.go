package cache

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"
)

// renew keeps e alive with an api.LifetimeWatcher and evicts it when renewal ends (max TTL
// reached), fails, or Vault refuses a renewal with a 4xx (the token or lease was revoked outside
// the proxy: the watcher itself would wait for the expiry). A restored entry's first renewal is
// verify's (verify.go), before the watcher starts. It returns when ctx ends (the entry was evicted,
// or the cache closed).
func (c *Cache) renew(ctx context.Context, e *entry) {
	defer c.wg.Done()
	refused := make(chan int, 1)
	var sent atomic.Pointer[time.Time] // when the last renewal left (renewClient)
	cl, err := c.renewClient(ctx, e, refused, &sent)
	if err != nil {
		c.log.Error("cache: cannot create the renewal client; evicting", "path", e.path, "error", err)
		c.evict(e, reasonRenewalFailed, true)
		return
	}
	duration := e.duration
	c.mu.Lock()
	restored := e.unverified != nil
	c.mu.Unlock()
	if restored {
		// A restored entry's first renewal (verify.go), then the watcher as for any entry.
		d, ok := c.verify(ctx, e, cl)
		if !ok {
			return
		}
		duration = d
		select {
		case <-refused: // answers seen while verifying were handled there
		default:
		}
	}
	var secret *api.Secret
	if e.kind == kindToken {
		secret = &api.Secret{Auth: &api.SecretAuth{
			ClientToken: e.token, Accessor: e.accessor, Renewable: true, LeaseDuration: duration,
		}}
	} else {
		secret = &api.Secret{LeaseID: e.lease, Renewable: true, LeaseDuration: duration}
	}
	// A watcher renews at once when it starts; a poke starts a new one.
	start := func() (*api.LifetimeWatcher, error) {
		w, err := cl.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: secret})
		if err == nil {
			go w.Start()
		}
		return w, err
	}
	w, err := start()
	if err != nil {
		c.log.Error("cache: cannot start renewal; evicting", "path", e.path, "error", err)
		c.evict(e, reasonRenewalFailed, true)
		return
	}
	defer func() { w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return
		case status := <-refused:
			c.log.Info("cache: Vault refused a renewal; evicting", "path", e.path, "status", status)
			c.mu.Lock()
			c.evictRefusedLocked(e)
			c.mu.Unlock()
			return
		case <-e.poke:
			w.Stop()
			if w, err = start(); err != nil {
				c.evict(e, reasonRenewalFailed, true)
				return
			}
		case err := <-w.DoneCh():
			// The watcher gave up (error) or reached the max TTL: the token is about to expire,
			// and its children and leases with it.
			if err != nil {
				c.log.Info("cache: renewal failed; evicting", "path", e.path, "error", err)
				c.evict(e, reasonRenewalFailed, true)
			} else {
				c.evict(e, reasonRenewalEnded, true)
			}
			return
		case out := <-w.RenewCh():
			d := out.Secret.LeaseDuration
			if e.kind == kindToken && out.Secret.Auth != nil {
				d = out.Secret.Auth.LeaseDuration
			}
			// The new lease duration runs from when Vault renewed, before its answer arrived: counted
			// from the request, the expiry is never later than Vault's (a hit serves what is left).
			from := c.now()
			if t := sent.Load(); t != nil {
				from = *t
			}
			c.mu.Lock()
			e.expires = from.Add(time.Duration(d) * time.Second)
			c.persistLocked(e) // the file keeps the new expiry, checked at restore
			c.mu.Unlock()
		}
	}
}

// renewClient clones the Vault client for e (address, TLS, retries and timeout): e's namespace, the lease owner's token for a lease
// (a token renews itself), a response callback that reports a final 4xx answer on refused, and no
// retry once ctx (e's renewal) has ended. Each request's start time is stored in sent.
func (c *Cache) renewClient(ctx context.Context, e *entry, refused chan<- int, sent *atomic.Pointer[time.Time]) (*api.Client, error) {
	cl, err := c.vault.Clone()
	if err != nil {
		return nil, err
	}
	// Renewals are never wrapped (the api package would otherwise honour VAULT_WRAP_TTL) and carry
	// no headers from the environment (VAULT_HEADERS).
	cl.SetWrappingLookupFunc(func(string, string) string { return "" })
	cl.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	if e.renewNS != "" {
		cl.SetNamespace(e.renewNS)
	} else {
		cl.ClearNamespace()
	}
	if e.kind == kindLease {
		cl.SetToken(e.owner)
	} else {
		cl.SetToken(e.token)
	}
	// The api package's LifetimeWatcher renews without a context, so Stop cannot cancel a renewal
	// in flight: once the entry is evicted or the cache closed, a failed attempt is not retried,
	// and the watcher's goroutine ends with it instead of retrying against Vault after Close.
	next := cl.CloneConfig().CheckRetry
	if next == nil {
		next = api.DefaultRetryPolicy
	}
	cl.SetCheckRetry(func(rctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, err
		}
		return next(rctx, resp, err)
	})
	cl = cl.WithRequestCallbacks(func(*api.Request) {
		t := c.now()
		sent.Store(&t)
	})
	return cl.WithResponseCallbacks(func(r *api.Response) {
		if r == nil || r.StatusCode < 400 || r.StatusCode >= 500 ||
			r.StatusCode == 412 || r.StatusCode == 429 {
			return
		}
		select {
		case refused <- r.StatusCode:
		default:
		}
	}), nil
}
