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
	if a.r.header.Get("X-Cache") != "HIT" || !sameAnswer(a.r.raw, tok.raw) {
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
	h3.cache.persist.verifyWait = 200 * time.Millisecond
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

// TestPersistVerifyAfterOutage: Vault is down when the proxy starts, so the restored token's first
// renewal fails. Once Vault is back, a request for the entry has the renewer try again at once
// (not on a back-off of tens of seconds): it is a HIT with the restored answer, and no new token
// is created at Vault.
func TestPersistVerifyAfterOutage(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.closeCache()

	f.fake.set(func() { f.fake.down = true })
	h2 := f.mustRun(f.opts(true, true), nil)
	h2.cache.persist.verifyWait = 2 * time.Second
	before := f.fake.count("PUT /v1/auth/token/renew-self")
	h2.start()
	waitFor(t, 5*time.Second, "a failed first renewal", func() bool {
		return f.fake.count("PUT /v1/auth/token/renew-self") > before
	})
	time.Sleep(200 * time.Millisecond) // the renewer is in its back-off
	f.fake.set(func() { f.fake.down = false })
	creates := f.fake.count("POST /v1/auth/token/create")
	for i := range 2 {
		start := time.Now()
		r := h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
		if took := time.Since(start); r.header.Get("X-Cache") != "HIT" || !sameAnswer(r.raw, tok.raw) || took > time.Second {
			t.Errorf("request %d after Vault came back: X-Cache %q after %v; want a HIT with the restored answer at once",
				i+1, r.header.Get("X-Cache"), took)
		}
	}
	if n := f.fake.count("POST /v1/auth/token/create") - creates; n != 0 {
		t.Errorf("%d tokens created at Vault, want none", n)
	}
}

// TestPersistUnverifiedReplaced: the restored token's renewals do not get through, but Vault
// answers the request itself. Concurrent identical requests each wait for the restored entry at
// most once; Vault's answer to the one forwarded replaces the unverified entry, so the others and
// every later request are HITs with it, and exactly one new token is created.
func TestPersistUnverifiedReplaced(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.closeCache()

	f.holdRenewals(t)
	h2 := f.mustRun(f.opts(true, true), nil)
	const wait = 500 * time.Millisecond
	h2.cache.persist.verifyWait = wait
	h2.start()
	creates := f.fake.count("POST /v1/auth/token/create")
	type answer struct {
		r    result
		took time.Duration
	}
	const n = 4
	answers := make(chan answer, n)
	for range n {
		go func() {
			start := time.Now()
			r := h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
			answers <- answer{r, time.Since(start)}
		}()
	}
	fresh := ""
	for range n {
		a := <-answers
		if a.took > wait+wait/2 {
			t.Errorf("a request took %v: it waited for the restored entry more than once (verifyWait %v)", a.took, wait)
		}
		if sameAnswer(a.r.raw, tok.raw) {
			t.Error("the unverified restored answer was served")
		}
		if a.r.header.Get("X-Cache") == "MISS" {
			fresh = a.r.raw
		}
	}
	if got := f.fake.count("POST /v1/auth/token/create") - creates; got != 1 {
		t.Errorf("%d tokens created at Vault, want 1", got)
	}
	start := time.Now()
	r := h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	if r.header.Get("X-Cache") != "HIT" || !sameAnswer(r.raw, fresh) || time.Since(start) > wait/2 {
		t.Errorf("the next request: X-Cache %q after %v; want a HIT with Vault's fresh answer at once",
			r.header.Get("X-Cache"), time.Since(start))
	}
	if got := h2.metric("vault_proxy_cache_evictions_total", "reason", "replaced"); got != 1 {
		t.Errorf("%v evictions with reason replaced, want 1", got)
	}
}

// TestPersistReplacedTokenTakesItsChildren: a restored token replaced by Vault's fresh answer is no
// longer renewed, so Vault revokes it and its children at the end of its TTL: its restored child's
// entry goes with it instead of being served after that.
func TestPersistReplacedTokenTakesItsChildren(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	parent := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody).str("auth", "client_token")
	if r := h.do("POST", "/v1/auth/token/create", parent, createBody); r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("setup: child X-Cache %q", r.header.Get("X-Cache"))
	}
	h.closeCache()

	f.holdRenewals(t)
	h2 := f.mustRun(f.opts(true, true), nil)
	h2.cache.persist.verifyWait = 200 * time.Millisecond
	h2.start()
	if h2.cache.Len() != 2 {
		t.Fatalf("%d entries restored, want 2", h2.cache.Len())
	}
	// Vault answers the parent's request: the fresh answer replaces the restored parent.
	h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	if got := h2.metric("vault_proxy_cache_evictions_total", "reason", "replaced"); got != 2 {
		t.Fatalf("%v evictions with reason replaced, want 2 (the parent and its child)", got)
	}
	if h2.cache.Len() != 1 {
		t.Fatalf("%d entries, want 1 (the fresh token)", h2.cache.Len())
	}
}
