package cache

import (
	"fmt"
	"testing"
	"time"
)

// holdRenewals makes the fixture's fake Vault hold every renewal until the returned release is
// called (at the latest at the end of the test, before the fake closes).
func (f *persistFixture) holdRenewals(t *testing.T) (release func()) {
	hold := make(chan struct{})
	f.fake.set(func() { f.fake.renewHold = hold })
	done := false
	release = func() {
		if !done {
			done = true
			close(hold)
		}
	}
	t.Cleanup(release)
	return release
}

// TestPersistRestoredEntriesWaitForVerification: a restored entry is not served before its first
// renewal succeeds. A request for it waits for that renewal: it is then a HIT, or, when Vault
// refuses the renewal (a lease revoked while the proxy was stopped), forwarded to Vault (a MISS
// with a new lease); after verifyWait without an answer it is forwarded too. Nothing is served
// from the file while Vault has not confirmed it.
func TestPersistRestoredEntriesWaitForVerification(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	lease := h.do("GET", credsPath, fakeRoot, "")
	h.closeCache()
	// While the proxy is stopped the lease is revoked at Vault.
	f.fake.set(func() { delete(f.fake.leases, lease.str("lease_id")) })

	release := f.holdRenewals(t)
	h2 := f.mustRun(f.opts(true, true), nil)
	h2.start()
	type answer struct {
		r  result
		at time.Time
	}
	tokC, leaseC := make(chan answer, 1), make(chan answer, 1)
	go func() { tokC <- answer{h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody), time.Now()} }()
	go func() { leaseC <- answer{h2.do("GET", credsPath, fakeRoot, ""), time.Now()} }()
	time.Sleep(300 * time.Millisecond)
	select {
	case a := <-tokC:
		t.Fatalf("a restored token was answered (X-Cache %q) before Vault confirmed it", a.r.header.Get("X-Cache"))
	case a := <-leaseC:
		t.Fatalf("a restored lease was answered (X-Cache %q) before Vault confirmed it", a.r.header.Get("X-Cache"))
	default:
	}
	if n := h2.metric("vault_proxy_cache_hits_total"); n != 0 {
		t.Fatalf("%v hits while the renewals are held", n)
	}
	release()
	a := <-tokC
	if a.r.header.Get("X-Cache") != "HIT" || a.r.raw != tok.raw {
		t.Errorf("the token once renewed: X-Cache %q, body %s; want a HIT with the restored answer", a.r.header.Get("X-Cache"), a.r.raw)
	}
	a = <-leaseC
	if a.r.header.Get("X-Cache") != "MISS" || a.r.str("lease_id") == lease.str("lease_id") || a.r.str("lease_id") == "" {
		t.Errorf("the lease revoked while stopped: X-Cache %q, lease %q; want a MISS with a new lease", a.r.header.Get("X-Cache"), a.r.str("lease_id"))
	}

	// Vault does not answer the renewals at all: after verifyWait the request goes to Vault.
	h2.closeCache()
	f.holdRenewals(t)
	h3 := f.mustRun(f.opts(true, true), nil)
	h3.cache.verifyWait = 200 * time.Millisecond
	h3.start()
	start := time.Now()
	r := h3.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	if r.header.Get("X-Cache") != "MISS" || time.Since(start) < 200*time.Millisecond {
		t.Errorf("with renewals unanswered: X-Cache %q after %v; want a MISS after verifyWait", r.header.Get("X-Cache"), time.Since(start))
	}
}

// TestPersistInitialRenewalsBounded: a large restored cache renews at most initialRenewals entries
// at a time at start-up, not all at once (thousands of connections to Vault).
func TestPersistInitialRenewalsBounded(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	const n = 3 * initialRenewals
	for i := range n {
		h.do("POST", "/v1/auth/token/create", fakeRoot, fmt.Sprintf(`{"meta":{"n":"%d"}}`, i))
	}
	h.closeCache()
	release := f.holdRenewals(t)
	h2 := f.mustRun(f.opts(true, true), nil)
	before := f.fake.count("PUT /v1/auth/token/renew-self")
	h2.start()
	time.Sleep(300 * time.Millisecond)
	if got := f.fake.count("PUT /v1/auth/token/renew-self") - before; got != initialRenewals {
		t.Errorf("%d first renewals in flight, want %d", got, initialRenewals)
	}
	release()
	waitFor(t, 5*time.Second, "every restored entry's first renewal", func() bool {
		return f.fake.count("PUT /v1/auth/token/renew-self")-before >= n
	})
}
