package cache

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// staleHarness is a harness with serve_stale_for and a clock that moves only when told, holding a
// lease whose first renewal (at the stopped clock) has been applied.
func staleHarness(t *testing.T, keep time.Duration) (*harness, *atomic.Int64, result) {
	t.Helper()
	var offset *atomic.Int64
	h := newHarness(t, func(o *Options) {
		offset = fixedClock(o)
		o.ServeStaleFor = keep
	})
	miss := h.do("GET", credsPath, fakeRoot, "")
	if miss.header.Get("X-Cache") != "MISS" {
		t.Fatalf("setup: %s", miss.raw)
	}
	waitFor(t, 5*time.Second, "first renewal", func() bool { return h.fake.count("PUT /v1/sys/leases/renew") >= 1 })
	return h, offset, miss
}

func TestStaleServedWhileVaultIsDown(t *testing.T) {
	for _, tc := range []struct {
		name string
		down func(h *harness)
	}{
		{"503", func(h *harness) { h.fake.set(func() { h.fake.down = true }) }},
		{"connection refused", func(h *harness) { h.fake.srv.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, offset, miss := staleHarness(t, 5*time.Minute)
			tc.down(h)
			// Within its lease the entry is a plain hit: Vault is not asked.
			if r := h.do("GET", credsPath, fakeRoot, ""); r.header.Get("X-Cache") != "HIT" {
				t.Fatalf("within the lease: %s %s", r.header.Get("X-Cache"), r.raw)
			}
			// Past the lease's end, Vault unreachable: the last answer, marked stale.
			offset.Store(int64(3600*time.Second + 10*time.Second + 400*time.Millisecond))
			r := h.do("GET", credsPath, fakeRoot, "")
			if r.status != 200 || r.header.Get("X-Cache") != "STALE" || r.header.Get("Age") != "3610" ||
				r.header.Get("Warning") != `110 - "Response is Stale"` {
				t.Fatalf("past the lease: %d X-Cache %q Age %q Warning %q", r.status, r.header.Get("X-Cache"), r.header.Get("Age"), r.header.Get("Warning"))
			}
			if want := strings.Replace(miss.raw, `"lease_duration":3600`, `"lease_duration":0`, 1); r.raw != want {
				t.Fatalf("stale body\n%s\nwant\n%s", r.raw, want)
			}
			if n := h.metric("vault_proxy_cache_stale_total"); n != 1 {
				t.Errorf("stale counter %v, want 1", n)
			}
			// Beyond serve_stale_for past the lease's end: what the transport gave.
			offset.Store(int64(3600*time.Second + 5*time.Minute + time.Second))
			if tc.name == "503" {
				if r := h.do("GET", credsPath, fakeRoot, ""); r.status != 503 || r.header.Get("X-Cache") != "MISS" {
					t.Fatalf("beyond serve_stale_for: %d X-Cache %q", r.status, r.header.Get("X-Cache"))
				}
			} else if _, err := h.cache.RoundTrip(mustRequest(t, h, credsPath, fakeRoot)); err == nil {
				t.Fatal("beyond serve_stale_for: an answer without Vault")
			}
		})
	}
}

// Off by default: an ended lease is not kept, and Vault's 503 is what the client gets.
func TestStaleOffByDefault(t *testing.T) {
	h, offset, _ := staleHarness(t, 0)
	h.fake.set(func() { h.fake.down = true })
	offset.Store(int64(3601 * time.Second))
	if r := h.do("GET", credsPath, fakeRoot, ""); r.status != 503 || r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("%d X-Cache %q", r.status, r.header.Get("X-Cache"))
	}
}

// Vault's own refusal is an answer: a 4xx is passed on, never replaced by a stale answer.
func TestStaleNotOnVaultRefusal(t *testing.T) {
	h, offset, _ := staleHarness(t, 5*time.Minute)
	offset.Store(int64(3601 * time.Second))
	h.fake.set(func() { delete(h.fake.tokens, fakeRoot) }) // the token is gone at Vault: 403
	if r := h.do("GET", credsPath, fakeRoot, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("%d X-Cache %q", r.status, r.header.Get("X-Cache"))
	}
}

// A token Vault has been seen to revoke (through the proxy, or by refusing its renewal) is never
// served stale, nor what it created.
func TestStaleNeverForRevokedTokens(t *testing.T) {
	for _, tc := range []struct {
		name   string
		revoke func(h *harness, child string)
	}{
		{"revoked through the proxy after its lease ended", func(h *harness, child string) {
			if r := h.do("POST", "/v1/auth/token/revoke", fakeRoot, `{"token":"`+child+`"}`); r.status != 204 {
				t.Fatalf("revoke: %d", r.status)
			}
		}},
		{"renewal refused", func(h *harness, child string) {
			h.fake.set(func() { h.fake.revokeLocked(child) })
			h.cache.mu.Lock()
			if e := h.cache.idx.byToken[child]; e != nil {
				h.cache.pokeLocked(e)
			}
			h.cache.mu.Unlock()
			waitFor(t, 5*time.Second, "the refused renewal's eviction", func() bool { return h.cache.Len() == 0 })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var offset *atomic.Int64
			h := newHarness(t, func(o *Options) {
				offset = fixedClock(o)
				o.ServeStaleFor = 5 * time.Minute
			})
			child := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody).str("auth", "client_token")
			lease := h.do("GET", credsPath, child, "")
			if child == "" || lease.str("lease_id") == "" || h.cache.Len() != 2 {
				t.Fatalf("setup: %d entries", h.cache.Len())
			}
			if tc.name == "revoked through the proxy after its lease ended" {
				waitFor(t, 5*time.Second, "first renewals", func() bool {
					return h.fake.count("PUT /v1/sys/leases/renew") >= 1 && h.fake.count("PUT /v1/auth/token/renew-self") >= 1
				})
				offset.Store(int64(3601 * time.Second))
				// Looked up past their end (Vault up): both retired, then the token revoked.
				h.fake.set(func() { h.fake.down = true })
				if r := h.do("GET", credsPath, child, ""); r.header.Get("X-Cache") != "STALE" {
					t.Fatalf("the retired lease is not served stale before the revocation: %s", r.header.Get("X-Cache"))
				}
				h.fake.set(func() { h.fake.down = false })
			}
			tc.revoke(h, child)
			h.fake.set(func() { h.fake.down = true })
			for _, r := range []result{
				h.do("POST", "/v1/auth/token/create", fakeRoot, createBody),
				h.do("GET", credsPath, child, ""),
			} {
				if r.status != 503 || r.header.Get("X-Cache") != "MISS" {
					t.Errorf("after the revocation: %d X-Cache %q %s", r.status, r.header.Get("X-Cache"), r.raw)
				}
			}
		})
	}
}

// mustRequest is a GET of path with token, for a round trip whose error is the point.
func mustRequest(t *testing.T, h *harness, path, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", h.fake.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Vault-Token", token)
	return req
}

// A restored entry that Vault cannot confirm (Vault down at start-up) is served stale once the
// request's wait for the confirmation is over; without serve_stale_for the client gets Vault's 503.
func TestStaleRestoredEntryWhileVaultIsDown(t *testing.T) {
	for _, keep := range []time.Duration{0, time.Minute} {
		t.Run(keep.String(), func(t *testing.T) {
			f := newPersistFixture(t)
			h := f.mustRun(f.opts(true, true), nil)
			tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
			h.closeCache()
			f.fake.set(func() { f.fake.down = true })

			h2 := f.mustRun(f.opts(true, true), func(o *Options) { o.ServeStaleFor = keep })
			h2.cache.persist.verifyWait = 100 * time.Millisecond
			h2.start()
			r := h2.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
			if keep == 0 {
				if r.status != 503 || r.header.Get("X-Cache") != "MISS" {
					t.Fatalf("without serve_stale_for: %d X-Cache %q", r.status, r.header.Get("X-Cache"))
				}
				return
			}
			if r.status != 200 || r.header.Get("X-Cache") != "STALE" || !sameAnswer(r.raw, tok.raw) {
				t.Fatalf("with serve_stale_for: %d X-Cache %q %s", r.status, r.header.Get("X-Cache"), r.raw)
			}
		})
	}
}

// TestRestoredEntryVaultRefusesConnections: Vault is not even listening when the proxy starts
// (connection refused). A request for a restored entry pokes its renewer, whose attempt fails at
// once, and that ends the request's wait for the confirmation: it is served stale with
// serve_stale_for, or gets the transport's error without, long before verifyWait. So does every
// later request (each one's attempt fails as fast).
func TestRestoredEntryVaultRefusesConnections(t *testing.T) {
	for _, keep := range []time.Duration{0, time.Minute} {
		t.Run(keep.String(), func(t *testing.T) {
			f := newPersistFixture(t)
			h := f.mustRun(f.opts(true, true), nil)
			tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
			h.closeCache()
			f.fake.srv.Close() // nothing listens on Vault's address any more

			h2 := f.mustRun(f.opts(true, true), func(o *Options) { o.ServeStaleFor = keep })
			const wait = 20 * time.Second
			h2.cache.persist.verifyWait = wait
			h2.start()
			for i := range 3 {
				start := time.Now()
				req, err := http.NewRequest("POST", f.fake.srv.URL+"/v1/auth/token/create", strings.NewReader(createBody))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-Vault-Token", fakeRoot)
				resp, err := h2.cache.RoundTrip(req)
				took := time.Since(start)
				if took >= wait/2 {
					t.Fatalf("request %d was answered after %v: it waited for a confirmation that had already failed", i+1, took)
				}
				if keep == 0 {
					if err == nil {
						resp.Body.Close()
						t.Fatalf("request %d without serve_stale_for: %d X-Cache %q; want the transport's error", i+1, resp.StatusCode, resp.Header.Get("X-Cache"))
					}
					continue
				}
				if err != nil {
					t.Fatalf("request %d with serve_stale_for: %v", i+1, err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || resp.Header.Get("X-Cache") != "STALE" || !sameAnswer(string(raw), tok.raw) {
					t.Fatalf("request %d with serve_stale_for: %d X-Cache %q %s", i+1, resp.StatusCode, resp.Header.Get("X-Cache"), raw)
				}
			}
		})
	}
}
