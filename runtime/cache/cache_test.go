package cache

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vaultproxy/vaultproxy/internal/testproc"
)

// countingRT counts the requests it forwards, by "METHOD /path".
type countingRT struct {
	next  http.RoundTripper
	mu    sync.Mutex
	calls map[string]int
}

func newCountingRT(next http.RoundTripper) *countingRT {
	return &countingRT{next: next, calls: map[string]int{}}
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.calls[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *countingRT) count(methodPath string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[methodPath]
}

// syncBuffer collects output that a process or logger writes while the test reads it.
type syncBuffer = testproc.Buffer

// harness is a Cache in front of a fakeVault, called directly as a RoundTripper.
type harness struct {
	t     *testing.T
	fake  *fakeVault
	next  *countingRT
	cache *Cache
	reg   *prometheus.Registry
	logs  *syncBuffer
	auto  atomic.Value // string
}

func newHarness(t *testing.T, tweak func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, fake: newFakeVault(t), reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	h.auto.Store(fakeRoot)
	h.next = newCountingRT(http.DefaultTransport)
	opts := Options{
		Next:          h.next,
		Vault:         h.fake.client(t),
		AutoAuthToken: func() string { return h.auto.Load().(string) },
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer:    h.reg,
	}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h.cache = c
	return h
}

type result struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r result) str(path ...string) string {
	var v any = r.body
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// do sends one request through the cache. hdr is alternating header names and values.
func (h *harness) do(method, path, token, body string, hdr ...string) result {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.fake.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := h.cache.RoundTrip(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (h *harness) metric(name string, labels ...string) float64 {
	h.t.Helper()
	return gatherValue(h.t, h.reg, name, labels...)
}

func gatherValue(t testing.TB, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	t.Fatalf("metric %s %v not found", name, labels)
	return 0
}

func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTokenCreateCachedWithManagedParent(t *testing.T) {
	h := newHarness(t, nil)
	first := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`)
	if first.status != 200 || first.header.Get("X-Cache") != "MISS" {
		t.Fatalf("first: status %d X-Cache %q", first.status, first.header.Get("X-Cache"))
	}
	second := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["default"]}`)
	if second.header.Get("X-Cache") != "HIT" || second.header.Get("Age") == "" {
		t.Fatalf("second: X-Cache %q Age %q", second.header.Get("X-Cache"), second.header.Get("Age"))
	}
	if a, b := first.str("auth", "client_token"), second.str("auth", "client_token"); a == "" || a != b {
		t.Fatalf("client tokens %q and %q", a, b)
	}
	if n := h.fake.count("POST /v1/auth/token/create"); n != 1 {
		t.Fatalf("Vault saw %d creations, want 1", n)
	}
	if h.metric("vault_proxy_cache_hits_total") != 1 || h.metric("vault_proxy_cache_misses_total") != 1 ||
		h.metric("vault_proxy_cache_entries") != 1 {
		t.Fatalf("metrics: hits %v misses %v entries %v", h.metric("vault_proxy_cache_hits_total"),
			h.metric("vault_proxy_cache_misses_total"), h.metric("vault_proxy_cache_entries"))
	}
	// A different body is a different entry.
	third := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"policies":["other"]}`)
	if third.header.Get("X-Cache") != "MISS" || third.str("auth", "client_token") == first.str("auth", "client_token") {
		t.Fatalf("different body answered from the cache: %v", third.header)
	}
}

func TestUnmanagedTokenIsForwarded(t *testing.T) {
	h := newHarness(t, nil)
	// A token the cache did not create: made directly at the fake.
	h.fake.mu.Lock()
	h.fake.tokens["hvs.client"] = ""
	h.fake.mu.Unlock()
	a := h.do("POST", "/v1/auth/token/create", "hvs.client", `{}`)
	b := h.do("POST", "/v1/auth/token/create", "hvs.client", `{}`)
	if a.header.Get("X-Cache") != "MISS" || b.header.Get("X-Cache") != "MISS" {
		t.Fatalf("X-Cache %q, %q", a.header.Get("X-Cache"), b.header.Get("X-Cache"))
	}
	if a.str("auth", "client_token") == b.str("auth", "client_token") {
		t.Fatal("the unmanaged token got a cached token")
	}
	l1 := h.do("GET", "/v1/database/creds/app", "hvs.client", "")
	l2 := h.do("GET", "/v1/database/creds/app", "hvs.client", "")
	if l1.str("lease_id") == l2.str("lease_id") || h.fake.count("GET /v1/database/creds/app") != 2 {
		t.Fatalf("leases of an unmanaged token were cached: %q %q", l1.str("lease_id"), l2.str("lease_id"))
	}
	if h.cache.Len() != 0 {
		t.Fatalf("%d entries, want 0", h.cache.Len())
	}
}

func TestTokensNeverShareEntries(t *testing.T) {
	h := newHarness(t, nil)
	// Two managed tokens (children of the auto-auth token), each creating a token with the same body.
	ta := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"meta":{"n":"a"}}`).str("auth", "client_token")
	tb := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"meta":{"n":"b"}}`).str("auth", "client_token")
	ca := h.do("POST", "/v1/auth/token/create", ta, `{}`)
	cb := h.do("POST", "/v1/auth/token/create", tb, `{}`)
	if cb.header.Get("X-Cache") != "MISS" || ca.str("auth", "client_token") == cb.str("auth", "client_token") {
		t.Fatal("token b was answered with token a's entry")
	}
	// Bearer tokens are keyed too.
	h.fake.mu.Lock()
	h.fake.tokens["hvs.x"], h.fake.tokens["hvs.y"] = "", ""
	h.fake.mu.Unlock()
	x := h.do("GET", "/v1/secret/data/app", "", "", "Authorization", "Bearer hvs.x")
	y := h.do("GET", "/v1/secret/data/app", "", "", "Authorization", "Bearer hvs.y")
	if x.header.Get("X-Cache") != "MISS" || y.header.Get("X-Cache") != "MISS" {
		t.Fatal("bearer-token requests shared an entry")
	}
	// And a managed token's lease is not served to another managed token.
	la := h.do("GET", "/v1/database/creds/app", ta, "")
	lb := h.do("GET", "/v1/database/creds/app", tb, "")
	if lb.header.Get("X-Cache") != "MISS" || la.str("lease_id") == lb.str("lease_id") {
		t.Fatal("token b was answered with token a's lease")
	}
}

func TestKeyLeavesOutUnrelatedHeaders(t *testing.T) {
	h := newHarness(t, nil)
	h.do("GET", "/v1/database/creds/app", fakeRoot, "", "X-Vault-Namespace", "ns1", "User-Agent", "a")
	same := h.do("GET", "/v1/database/creds/app", fakeRoot, "",
		"X-Vault-Namespace", "/ns1/", "User-Agent", "b", "X-Vault-Index", "v1:abc",
		"X-Vault-Forward", "active-node", "X-Vault-Inconsistent", "forward-active-node", "Accept-Encoding", "gzip")
	if same.header.Get("X-Cache") != "HIT" {
		t.Fatalf("same request with unrelated headers: X-Cache %q", same.header.Get("X-Cache"))
	}
	for _, tc := range []struct {
		name, path string
		hdr        []string
	}{
		{"other namespace", "/v1/database/creds/app", []string{"X-Vault-Namespace", "ns2"}},
		{"root namespace", "/v1/database/creds/app", nil},
		{"query", "/v1/database/creds/app?x=1", []string{"X-Vault-Namespace", "ns1"}},
		{"mfa header", "/v1/database/creds/app", []string{"X-Vault-Namespace", "ns1", "X-Vault-MFA", "m:1"}},
		// A Vault with x_forwarded_for_authorized_addrs takes the client address from it, and
		// CIDR-bound logins and tokens depend on that address.
		{"client address", "/v1/database/creds/app", []string{"X-Vault-Namespace", "ns1", "X-Forwarded-For", "192.168.1.1"}},
	} {
		r := h.do("GET", tc.path, fakeRoot, "", tc.hdr...)
		if r.header.Get("X-Cache") != "MISS" {
			t.Errorf("%s: X-Cache %q, want MISS", tc.name, r.header.Get("X-Cache"))
		}
	}
	// A login answered for one client address is not served to another.
	h.do("POST", "/v1/auth/userpass/login/bob", "", `{"password":"pw"}`, "X-Forwarded-For", "10.1.1.1")
	if r := h.do("POST", "/v1/auth/userpass/login/bob", "", `{"password":"pw"}`, "X-Forwarded-For", "192.168.1.1"); r.header.Get("X-Cache") != "MISS" {
		t.Errorf("a login from 192.168.1.1 was answered with the one made for 10.1.1.1: X-Cache %q", r.header.Get("X-Cache"))
	}
	// Repeated query keys in another order are another request.
	h.do("GET", "/v1/database/creds/app?foo=a&foo=b", fakeRoot, "")
	if r := h.do("GET", "/v1/database/creds/app?foo=b&foo=a", fakeRoot, ""); r.header.Get("X-Cache") != "MISS" {
		t.Errorf("?foo=b&foo=a answered from ?foo=a&foo=b")
	}
	if r := h.do("GET", "/v1/database/creds/app?foo=a&foo=b", fakeRoot, ""); r.header.Get("X-Cache") != "HIT" {
		t.Errorf("?foo=a&foo=b not a hit the second time")
	}
}

func TestLeaseCachedForManagedToken(t *testing.T) {
	h := newHarness(t, nil)
	a := h.do("GET", "/v1/database/creds/app", "", "", "X-Vault-Token", fakeRoot)
	b := h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	if b.header.Get("X-Cache") != "HIT" || a.str("lease_id") != b.str("lease_id") || a.str("lease_id") == "" {
		t.Fatalf("lease not cached: %q %q %v", a.str("lease_id"), b.str("lease_id"), b.header)
	}
	// A login through the proxy (orphan) makes that token managed: its leases are cached.
	login := h.do("POST", "/v1/auth/userpass/login/bob", "", `{"password":"pw"}`)
	tok := login.str("auth", "client_token")
	if again := h.do("POST", "/v1/auth/userpass/login/bob", "", `{"password":"pw"}`); again.str("auth", "client_token") != tok {
		t.Fatal("the login was not cached")
	}
	l1 := h.do("GET", "/v1/database/creds/app", tok, "")
	l2 := h.do("GET", "/v1/database/creds/app", tok, "")
	if l2.header.Get("X-Cache") != "HIT" || l1.str("lease_id") != l2.str("lease_id") {
		t.Fatal("the logged-in token's lease was not cached")
	}
	// Non-renewable tokens and plain reads are not cached.
	n1 := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"renewable":"false"}`)
	n2 := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"renewable":"false"}`)
	if n2.header.Get("X-Cache") != "MISS" || n1.str("auth", "client_token") == n2.str("auth", "client_token") {
		t.Fatal("a non-renewable token was cached")
	}
	h.do("GET", "/v1/secret/data/app", fakeRoot, "")
	if r := h.do("GET", "/v1/secret/data/app", fakeRoot, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("a KV read was cached")
	}
}

func TestRenewalsAndWrappingAreNeverCached(t *testing.T) {
	h := newHarness(t, nil)
	lease := h.do("GET", "/v1/database/creds/app", fakeRoot, "").str("lease_id")
	body := `{"lease_id":"` + lease + `"}`
	for range 3 {
		r := h.do("PUT", "/v1/sys/leases/renew", fakeRoot, body)
		if r.status != 200 || r.header.Get("X-Cache") != "" {
			t.Fatalf("renew: %d X-Cache %q", r.status, r.header.Get("X-Cache"))
		}
		h.do("PUT", "/v1/auth/token/renew-self", fakeRoot, `{}`)
	}
	if n := h.next.count("PUT /v1/sys/leases/renew"); n != 3 {
		t.Fatalf("sys/leases/renew reached Vault %d times, want 3", n)
	}
	if n := h.next.count("PUT /v1/auth/token/renew-self"); n != 3 {
		t.Fatalf("auth/token/renew-self reached Vault %d times, want 3", n)
	}
	// Wrapped creations pass through, uncached and untouched.
	w1 := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`, "X-Vault-Wrap-TTL", "5m")
	if w1.header.Get("X-Cache") != "" {
		t.Fatal("a wrapped request went through the lookup")
	}
	// Other methods too.
	if r := h.do("DELETE", "/v1/secret/data/app", fakeRoot, ""); r.header.Get("X-Cache") != "" {
		t.Fatal("DELETE went through the lookup")
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	h := newHarness(t, nil)
	r1 := h.do("POST", "/v1/auth/token/create", "hvs.unknown", `{}`)
	r2 := h.do("POST", "/v1/auth/token/create", "hvs.unknown", `{}`)
	if r1.status != 403 || r2.status != 403 || h.fake.count("POST /v1/auth/token/create") != 2 {
		t.Fatalf("statuses %d %d, calls %d", r1.status, r2.status, h.fake.count("POST /v1/auth/token/create"))
	}
	if h.cache.Len() != 0 {
		t.Fatal("an error was cached")
	}
}

func TestRevocationsEvict(t *testing.T) {
	type setup struct {
		parent, child, childLease, rootLease, childAcc string
	}
	mk := func(h *harness) setup {
		var s setup
		c := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"meta":{"k":"parent"}}`)
		s.parent = c.str("auth", "client_token")
		cc := h.do("POST", "/v1/auth/token/create", s.parent, `{}`)
		s.child, s.childAcc = cc.str("auth", "client_token"), cc.str("auth", "accessor")
		s.childLease = h.do("GET", "/v1/database/creds/app", s.child, "").str("lease_id")
		s.rootLease = h.do("GET", "/v1/database/creds/app", fakeRoot, "").str("lease_id")
		if h.cache.Len() != 4 {
			t.Fatalf("setup: %d entries, want 4", h.cache.Len())
		}
		// Let the renewers make their first renewal, so that they do not race the revocations.
		waitFor(t, 5*time.Second, "first renewals", func() bool {
			return h.fake.count("PUT /v1/sys/leases/renew") >= 2 && h.fake.count("PUT /v1/auth/token/renew-self") >= 2
		})
		return s
	}
	cases := []struct {
		name string
		do   func(h *harness, s setup)
		left int // entries left
	}{
		{"revoke parent cascades", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke", fakeRoot, `{"token":"`+s.parent+`"}`)
		}, 1},
		{"revoke parent, form body", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke", fakeRoot, "token="+s.parent, "Content-Type", "application/x-www-form-urlencoded")
		}, 1},
		{"revoke parent, JSON body sent as a form (curl -d)", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke", fakeRoot, ` {"token":"`+s.parent+`"}`, "Content-Type", "application/x-www-form-urlencoded")
		}, 1},
		{"revoke-accessor, form body", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke-accessor", fakeRoot, "accessor="+s.childAcc, "Content-Type", "application/x-www-form-urlencoded")
		}, 2},
		{"sys/leases/revoke, form body", func(h *harness, s setup) {
			h.do("PUT", "/v1/sys/leases/revoke", fakeRoot, "lease_id="+s.rootLease, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		}, 3},
		{"namespaced path", func(h *harness, s setup) {
			h.do("POST", "/v1/ns1/auth/token/revoke", fakeRoot, `{"token":"`+s.parent+`"}`)
		}, 1},
		{"revoke-self", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke-self", s.child, ``)
		}, 2},
		{"revoke-self of the auto-auth token", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke-self", fakeRoot, ``)
		}, 0},
		{"revoke-accessor", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke-accessor", fakeRoot, `{"accessor":"`+s.childAcc+`"}`)
		}, 2},
		{"revoke-orphan keeps children", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke-orphan", fakeRoot, `{"token":"`+s.parent+`"}`)
		}, 3},
		{"sys/leases/revoke body", func(h *harness, s setup) {
			h.do("PUT", "/v1/sys/leases/revoke", fakeRoot, `{"lease_id":"`+s.rootLease+`"}`)
		}, 3},
		{"sys/leases/revoke URL form", func(h *harness, s setup) {
			h.do("PUT", "/v1/sys/leases/revoke/"+s.rootLease, fakeRoot, ``)
		}, 3},
		{"revoke-prefix", func(h *harness, s setup) {
			h.do("PUT", "/v1/sys/leases/revoke-prefix/database/creds/", fakeRoot, ``)
		}, 2},
		{"revoke-force", func(h *harness, s setup) {
			h.do("PUT", "/v1/sys/leases/revoke-force/database/", fakeRoot, ``)
		}, 2},
		{"revoke-prefix of token creation", func(h *harness, s setup) {
			h.do("PUT", "/v1/sys/leases/revoke-prefix/auth/token/", fakeRoot, ``)
		}, 1},
		{"failed revocation evicts nothing", func(h *harness, s setup) {
			h.do("POST", "/v1/auth/token/revoke", "hvs.nobody", `{"token":"`+s.parent+`"}`)
		}, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			s := mk(h)
			tc.do(h, s)
			if got := h.cache.Len(); got != tc.left {
				t.Fatalf("%d entries left, want %d", got, tc.left)
			}
			if tc.left < 4 && h.metric("vault_proxy_cache_evictions_total", "reason", "revoked") != float64(4-tc.left) {
				t.Fatalf("revoked evictions %v", h.metric("vault_proxy_cache_evictions_total", "reason", "revoked"))
			}
		})
	}
	t.Run("revoke-orphan children stay managed", func(t *testing.T) {
		h := newHarness(t, nil)
		s := mk(h)
		h.do("POST", "/v1/auth/token/revoke-orphan", fakeRoot, `{"token":"`+s.parent+`"}`)
		if r := h.do("GET", "/v1/database/creds/app", s.child, ""); r.header.Get("X-Cache") != "HIT" {
			t.Fatal("the orphaned child's lease was evicted")
		}
		// Revoking the former parent again touches nothing of the child.
		h.do("POST", "/v1/auth/token/revoke", fakeRoot, `{"token":"`+s.parent+`"}`)
		if h.cache.Len() != 3 {
			t.Fatalf("%d entries, want 3", h.cache.Len())
		}
	})
	t.Run("revocations are never answered from the cache", func(t *testing.T) {
		h := newHarness(t, nil)
		for range 2 {
			h.do("PUT", "/v1/sys/leases/revoke", fakeRoot, `{"lease_id":"nope"}`)
		}
		if h.next.count("PUT /v1/sys/leases/revoke") != 2 {
			t.Fatal("a revocation was not forwarded")
		}
	})
}

func TestRenewalEndsAndFailuresEvict(t *testing.T) {
	t.Run("max TTL reached", func(t *testing.T) {
		h := newHarness(t, nil)
		h.fake.set(func() { h.fake.tokenTTL, h.fake.maxTTL = 2, 4 }) // renewed once or twice, then at its max TTL
		start := time.Now()
		h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
		if h.cache.Len() != 1 {
			t.Fatal("not cached")
		}
		waitFor(t, 5*time.Second, "eviction", func() bool { return h.cache.Len() == 0 })
		if d := time.Since(start); d > 4*time.Second {
			t.Fatalf("evicted after %s, the token expired after 4s", d)
		}
		// The watcher normally stops before the end (renewal_ended); a renewal just after the
		// end is refused (renewal_failed).
		if h.metric("vault_proxy_cache_evictions_total", "reason", "renewal_ended")+
			h.metric("vault_proxy_cache_evictions_total", "reason", "renewal_failed") != 1 {
			t.Fatal("eviction not counted")
		}
	})
	t.Run("lease revoked outside the proxy", func(t *testing.T) {
		h := newHarness(t, nil)
		h.fake.set(func() { h.fake.leaseTTL = 2 })
		lease := h.do("GET", "/v1/database/creds/app", fakeRoot, "").str("lease_id")
		waitFor(t, 2*time.Second, "first renewal", func() bool { return h.fake.count("PUT /v1/sys/leases/renew") >= 1 })
		h.fake.mu.Lock()
		delete(h.fake.leases, lease)
		h.fake.mu.Unlock()
		waitFor(t, 5*time.Second, "eviction", func() bool { return h.cache.Len() == 0 })
		if h.metric("vault_proxy_cache_evictions_total", "reason", "renewal_failed") != 1 {
			t.Fatal("not counted as renewal_failed")
		}
	})
	t.Run("token revoked outside the proxy takes its leases and children", func(t *testing.T) {
		h := newHarness(t, nil)
		h.fake.set(func() { h.fake.tokenTTL = 2 })
		tok := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`).str("auth", "client_token")
		h.do("GET", "/v1/database/creds/app", tok, "")
		h.fake.set(func() { h.fake.tokenTTL = 3600 }) // the child renews rarely: only the poke reveals its revocation
		h.do("POST", "/v1/auth/token/create", tok, `{}`)
		if h.cache.Len() != 3 {
			t.Fatal("not cached")
		}
		waitFor(t, 2*time.Second, "first renewals", func() bool { return h.fake.count("PUT /v1/auth/token/renew-self") >= 2 })
		h.fake.mu.Lock()
		h.fake.revokeLocked(tok)
		h.fake.mu.Unlock()
		waitFor(t, 5*time.Second, "eviction", func() bool { return h.cache.Len() == 0 })
	})
	t.Run("children of a token orphaned outside the proxy stay", func(t *testing.T) {
		h := newHarness(t, nil)
		h.fake.set(func() { h.fake.tokenTTL = 2 })
		tok := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`).str("auth", "client_token")
		h.fake.set(func() { h.fake.tokenTTL = 3600 })
		h.do("POST", "/v1/auth/token/create", tok, `{}`)
		waitFor(t, 2*time.Second, "first renewals", func() bool { return h.fake.count("PUT /v1/auth/token/renew-self") >= 2 })
		h.fake.mu.Lock()
		delete(h.fake.tokens, tok)
		for child, parent := range h.fake.tokens {
			if parent == tok {
				h.fake.tokens[child] = ""
			}
		}
		h.fake.mu.Unlock()
		waitFor(t, 5*time.Second, "the parent's eviction", func() bool { return h.cache.Len() == 1 })
		// The child was asked to renew (a third renew-self) and stays.
		waitFor(t, 2*time.Second, "the child's renewal", func() bool { return h.fake.count("PUT /v1/auth/token/renew-self") >= 4 })
		if h.cache.Len() != 1 {
			t.Fatal("the orphaned child was evicted")
		}
	})
}

func TestRenewalsIgnoreVaultWrapTTL(t *testing.T) {
	t.Setenv("VAULT_WRAP_TTL", "5m")
	t.Setenv("VAULT_NAMESPACE", "elsewhere")
	h := newHarness(t, nil)
	h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
	h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	waitFor(t, 5*time.Second, "first renewals", func() bool {
		return h.fake.count("PUT /v1/sys/leases/renew") >= 1 && h.fake.count("PUT /v1/auth/token/renew-self") >= 1
	})
	h.fake.mu.Lock()
	wrapped := h.fake.wrapped
	h.fake.mu.Unlock()
	if wrapped != 0 || h.cache.Len() != 2 {
		t.Fatalf("%d wrapped renewals, %d entries", wrapped, h.cache.Len())
	}
}

func TestExpiredEntryIsNotServed(t *testing.T) {
	var offset atomic.Int64
	h := newHarness(t, func(o *Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	if r := h.do("GET", "/v1/database/creds/app", fakeRoot, ""); r.header.Get("Age") == "" {
		t.Fatal("no hit")
	}
	// After the renewer's first renewal (which would otherwise renew at the moved clock):
	waitFor(t, 5*time.Second, "first renewal", func() bool { return h.fake.count("PUT /v1/sys/leases/renew") >= 1 })
	offset.Store(int64(2 * time.Hour)) // past the 1h lease
	if r := h.do("GET", "/v1/database/creds/app", fakeRoot, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("an expired lease was served")
	}
	if h.metric("vault_proxy_cache_evictions_total", "reason", "expired") != 1 {
		t.Fatal("not counted as expired")
	}
}

func TestAgeHeader(t *testing.T) {
	var offset atomic.Int64
	h := newHarness(t, func(o *Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	offset.Store(int64(42*time.Second + 300*time.Millisecond))
	if r := h.do("GET", "/v1/database/creds/app", fakeRoot, ""); r.header.Get("Age") != "42" {
		t.Fatalf("Age %q, want 42", r.header.Get("Age"))
	}
}

func TestLRUEviction(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxEntries = 2 })
	h.do("GET", "/v1/database/creds/a", fakeRoot, "")
	h.do("GET", "/v1/database/creds/b", fakeRoot, "")
	h.do("GET", "/v1/database/creds/a", fakeRoot, "") // a is now the most recently used
	h.do("GET", "/v1/database/creds/c", fakeRoot, "")
	if h.cache.Len() != 2 {
		t.Fatalf("%d entries, want 2", h.cache.Len())
	}
	if r := h.do("GET", "/v1/database/creds/a", fakeRoot, ""); r.header.Get("X-Cache") != "HIT" {
		t.Fatal("the recently used entry was evicted")
	}
	if r := h.do("GET", "/v1/database/creds/b", fakeRoot, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("the least recently used entry was kept")
	}
	if !strings.Contains(h.logs.String(), "size limit reached") {
		t.Fatalf("no warning logged:\n%s", h.logs.String())
	}
	if h.metric("vault_proxy_cache_evictions_total", "reason", "lru") < 1 {
		t.Fatal("not counted as lru")
	}
}

func TestMaxBytes(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxBytes = 3 * (entryOverhead + 600) })
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		h.do("GET", "/v1/database/creds/"+p, fakeRoot, "")
	}
	if n := h.cache.Len(); n < 1 || n > 3 {
		t.Fatalf("%d entries held under a 3-entry byte budget", n)
	}
	h.cache.mu.Lock()
	held, limit := h.cache.lru.bytes, h.cache.lru.maxBytes
	h.cache.mu.Unlock()
	if held > limit {
		t.Fatalf("%d bytes held, limit %d", held, limit)
	}
	if r := h.do("GET", "/v1/database/creds/e", fakeRoot, ""); r.header.Get("X-Cache") != "HIT" {
		t.Fatal("the newest entry was evicted")
	}
	// An answer larger than the whole budget is not cached.
	small := newHarness(t, func(o *Options) { o.MaxBytes = 100 })
	small.do("GET", "/v1/database/creds/a", fakeRoot, "")
	if small.cache.Len() != 0 {
		t.Fatal("an answer larger than MaxBytes was cached")
	}
}

func TestCoalescing(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.set(func() { h.fake.delay = 200 * time.Millisecond })
	const n = 20
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tokens[i] = h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`).str("auth", "client_token")
		}()
	}
	wg.Wait()
	if c := h.fake.count("POST /v1/auth/token/create"); c != 1 {
		t.Fatalf("Vault saw %d calls, want 1", c)
	}
	for _, tok := range tokens {
		if tok != tokens[0] || tok == "" {
			t.Fatalf("tokens differ: %v", tokens)
		}
	}
	// Non-cacheable answers are not shared: each waiter goes to Vault itself.
	h.fake.mu.Lock()
	h.fake.tokens["hvs.plain"] = ""
	h.fake.mu.Unlock()
	got := make([]string, 5)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = h.do("POST", "/v1/auth/token/create", "hvs.plain", `{}`).str("auth", "client_token")
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, tok := range got {
		if seen[tok] {
			t.Fatalf("an unmanaged token's answer was shared: %v", got)
		}
		seen[tok] = true
	}
}

func TestDisableDynamicSecrets(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.DisableDynamicSecrets = true })
	a := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
	b := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
	if a.str("auth", "client_token") == b.str("auth", "client_token") || h.cache.Len() != 0 || a.header.Get("X-Cache") != "" {
		t.Fatal("cached with disable_caching_dynamic_secrets")
	}
}

func TestCloseStopsEverything(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
	if err := h.cache.Close(); err != nil {
		t.Fatal(err)
	}
	if h.cache.Len() != 0 || h.metric("vault_proxy_cache_entries") != 0 {
		t.Fatal("entries survive Close")
	}
	r := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
	if r.status != 200 || h.cache.Len() != 0 {
		t.Fatal("a closed cache must pass requests through")
	}
	// The same registry takes a new Cache (a plan reload).
	c2, err := New(Options{Next: h.next, Vault: h.fake.client(t), Registerer: h.reg})
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
}

func TestLargeBodiesStream(t *testing.T) {
	h := newHarness(t, nil)
	big := `{"meta":{"pad":"` + strings.Repeat("x", maxRequestBody) + `"}}`
	a := h.do("POST", "/v1/auth/token/create", fakeRoot, big)
	b := h.do("POST", "/v1/auth/token/create", fakeRoot, big)
	if a.status != 200 || a.str("auth", "client_token") == b.str("auth", "client_token") {
		t.Fatal("an oversized request was cached")
	}
}

func TestNew(t *testing.T) {
	f := newFakeVault(t)
	if _, err := New(Options{Vault: f.client(t)}); err == nil {
		t.Error("no error without Next")
	}
	if _, err := New(Options{Next: http.DefaultTransport}); err == nil {
		t.Error("no error without Vault")
	}
	if _, err := New(Options{Next: http.DefaultTransport, Vault: f.client(t), MaxEntries: -1}); err == nil {
		t.Error("no error for MaxEntries -1")
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		path string
		want pathOp
	}{
		{"/v1/auth/token/revoke", pathOp{kind: opRevokeToken, apiPath: "auth/token/revoke"}},
		{"/v1/ns1/auth/token/revoke", pathOp{kind: opRevokeToken, namespace: "ns1/", apiPath: "auth/token/revoke"}},
		{"/v1/ns1/ns2/auth/token/revoke-self", pathOp{kind: opRevokeSelf, namespace: "ns1/ns2/", apiPath: "auth/token/revoke-self"}},
		{"/v1/auth/token/revoke-accessor", pathOp{kind: opRevokeAccessor, apiPath: "auth/token/revoke-accessor"}},
		{"/v1/auth/token/revoke-orphan/", pathOp{kind: opRevokeOrphan, apiPath: "auth/token/revoke-orphan/"}},
		{"/v1/sys/leases/revoke", pathOp{kind: opRevokeLease, apiPath: "sys/leases/revoke"}},
		{"/v1/sys/leases/revoke/db/creds/x/123", pathOp{kind: opRevokeLease, arg: "db/creds/x/123", apiPath: "sys/leases/revoke/db/creds/x/123"}},
		{"/v1/sys/revoke/db/creds/x/123", pathOp{kind: opRevokeLease, arg: "db/creds/x/123", apiPath: "sys/revoke/db/creds/x/123"}},
		{"/v1/sys/leases/revoke-prefix/db/", pathOp{kind: opRevokePrefix, arg: "db/", apiPath: "sys/leases/revoke-prefix/db/"}},
		{"/v1/sys/leases/revoke-force//db", pathOp{kind: opRevokePrefix, arg: "db", apiPath: "sys/leases/revoke-force//db"}},
		{"/v1/sys/leases/renew", pathOp{kind: opNever, apiPath: "sys/leases/renew"}},
		{"/v1/sys/leases/renew/x", pathOp{kind: opNever, arg: "x", apiPath: "sys/leases/renew/x"}},
		{"/v1/auth/token/renew-self", pathOp{kind: opNever, apiPath: "auth/token/renew-self"}},
		{"/v1/ns1/auth/token/renew", pathOp{kind: opNever, namespace: "ns1/", apiPath: "auth/token/renew"}},
		{"/v1/sys/wrapping/unwrap", pathOp{kind: opNever, arg: "unwrap", apiPath: "sys/wrapping/unwrap"}},
		{"/v1/auth/token/create", pathOp{kind: opOther, apiPath: "auth/token/create"}},
		{"/v1/ns1/auth/userpass/login/bob", pathOp{kind: opOther, namespace: "ns1/", apiPath: "auth/userpass/login/bob"}},
		{"/v1/database/creds/app", pathOp{kind: opOther, apiPath: "database/creds/app"}},
		{"/ui/", pathOp{kind: opNever}},
	} {
		if got := classify(tc.path); got != tc.want {
			t.Errorf("classify(%q) = %+v, want %+v", tc.path, got, tc.want)
		}
	}
}

func TestCanonicalNamespace(t *testing.T) {
	for in, want := range map[string]string{"": "", "/": "", "ns1": "ns1/", "ns1/": "ns1/", "/ns1//ns2": "ns1/ns2/", " ns1 ": "ns1/"} {
		if got := canonicalNamespace(in); got != want {
			t.Errorf("canonicalNamespace(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConcurrentLoad is the race-detector workload: many goroutines doing identical and different
// requests, revocations and clears at once.
func TestConcurrentLoad(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxEntries = 50 })
	h.fake.set(func() { h.fake.delay = time.Millisecond })
	srv := httptest.NewServer(h.cache.ClearHandler())
	defer srv.Close()
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				switch (g + i) % 6 {
				case 0, 1:
					h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`) // identical everywhere
				case 2:
					h.do("GET", "/v1/database/creds/app", fakeRoot, "", "X-Vault-Index", strconv.Itoa(g))
				case 3:
					h.do("GET", "/v1/database/creds/r"+string(rune('a'+i%26)), fakeRoot, "") // different
				case 4:
					tok := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"meta":{"g":"`+strconv.Itoa(g)+`"}}`).str("auth", "client_token")
					if tok != "" && i%4 == 0 {
						h.do("POST", "/v1/auth/token/revoke", fakeRoot, `{"token":"`+tok+`"}`)
					}
				case 5:
					if i%10 == 5 {
						resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"type":"request_path","value":"/v1/database/"}`))
						if err == nil {
							resp.Body.Close()
						}
					} else {
						h.do("PUT", "/v1/sys/leases/renew", fakeRoot, `{"lease_id":"x"}`)
					}
				}
			}
		}()
	}
	wg.Wait()
	if h.cache.Len() > 50 {
		t.Fatalf("%d entries, limit 50", h.cache.Len())
	}
	if got, want := h.metric("vault_proxy_cache_entries"), float64(h.cache.Len()); got != want {
		t.Fatalf("entries gauge %v, Len %v", got, want)
	}
}
