package cache

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// vaultProxy is the cache in front of a real Vault dev server: an httputil.ReverseProxy whose
// Transport is the cache, a shim that injects the auto-auth token into token-less requests (as the
// runtime does with use_auto_auth_token = true), and the cache-clear endpoint.
type vaultProxy struct {
	t    *testing.T
	dev  *vaulttest.Dev
	root *api.Client
	auto string
	next *countingRT
	// renewals records what Vault answered to the cache's renewals (see vault_db_test.go).
	renewals *renewalRecorder
	cache    *Cache
	reg      *prometheus.Registry
	srv      *httptest.Server
}

func startVaultProxy(t *testing.T) *vaultProxy {
	t.Helper()
	return startVaultProxyWith(t, nil)
}

// startVaultProxyWith is startVaultProxy with tweak applied to the cache's Options.
func startVaultProxyWith(t *testing.T, tweak func(*Options)) *vaultProxy {
	t.Helper()
	dev := vaulttest.StartDev(t)
	p := &vaultProxy{t: t, dev: dev, root: dev.Client(t), reg: prometheus.NewRegistry()}
	// The auto-auth token: an orphan with the root policy, made outside the proxy.
	sec, err := p.root.Auth().Token().CreateOrphan(&api.TokenCreateRequest{Policies: []string{"root"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	p.auto = sec.Auth.ClientToken

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	p.next = newCountingRT(transport)
	p.renewals = &renewalRecorder{next: transport}
	opts := Options{
		Next:          p.next,
		Vault:         p.renewals.client(t, dev),
		AutoAuthToken: func() string { return p.auto },
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registerer:    p.reg,
	}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p.cache = c
	target, err := url.Parse(dev.Addr())
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			if pr.Out.Header.Get("X-Vault-Token") == "" {
				pr.Out.Header.Set("X-Vault-Token", p.auto)
			}
		},
		Transport: c,
	}
	mux := http.NewServeMux()
	mux.Handle(ClearPath, c.ClearHandler())
	mux.Handle("/", rp)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// do sends a request to the proxy; token "" lets the shim inject the auto-auth token.
func (p *vaultProxy) do(method, path, token, body string) result {
	p.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.srv.URL+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (p *vaultProxy) mustCreate(token, body string) result {
	p.t.Helper()
	r := p.do("POST", "/v1/auth/token/create", token, body)
	if r.status != 200 || r.str("auth", "client_token") == "" {
		p.t.Fatalf("token create: %d %s", r.status, r.raw)
	}
	return r
}

// tokenValid asks Vault directly (not through the proxy) whether token exists.
func (p *vaultProxy) tokenValid(token string) bool {
	_, err := p.root.Auth().Token().Lookup(token)
	return err == nil
}

func TestVaultTokenCreateCachedAndEvictedOnRevoke(t *testing.T) {
	p := startVaultProxy(t)
	body := `{"policies":["default"],"ttl":"1h"}`
	first := p.mustCreate("", body)
	second := p.mustCreate("", body)
	if first.header.Get("X-Cache") != "MISS" || second.header.Get("X-Cache") != "HIT" || second.header.Get("Age") == "" {
		t.Fatalf("X-Cache %q then %q (Age %q)", first.header.Get("X-Cache"), second.header.Get("X-Cache"), second.header.Get("Age"))
	}
	tok := first.str("auth", "client_token")
	if second.str("auth", "client_token") != tok {
		t.Fatal("the hit returned another token")
	}
	if n := p.next.count("POST /v1/auth/token/create"); n != 1 {
		t.Fatalf("Vault saw %d creations, want 1", n)
	}
	if !p.tokenValid(tok) {
		t.Fatal("the cached token is not valid in Vault")
	}

	// Revoking it through the proxy evicts it at once.
	if r := p.do("POST", "/v1/auth/token/revoke", "", `{"token":"`+tok+`"}`); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if p.cache.Len() != 0 {
		t.Fatalf("%d entries after the revocation", p.cache.Len())
	}
	third := p.mustCreate("", body)
	if third.header.Get("X-Cache") != "MISS" || third.str("auth", "client_token") == tok {
		t.Fatal("a revoked token was served")
	}

	// revoke-accessor, and revoke-self with the cached token, evict too.
	acc := third.str("auth", "accessor")
	if r := p.do("POST", "/v1/auth/token/revoke-accessor", "", `{"accessor":"`+acc+`"}`); r.status != 204 {
		t.Fatalf("revoke-accessor: %d %s", r.status, r.raw)
	}
	if p.cache.Len() != 0 {
		t.Fatal("revoke-accessor did not evict")
	}
	fourth := p.mustCreate("", body)
	if r := p.do("POST", "/v1/auth/token/revoke-self", fourth.str("auth", "client_token"), ``); r.status != 204 {
		t.Fatalf("revoke-self: %d %s", r.status, r.raw)
	}
	if p.cache.Len() != 0 {
		t.Fatal("revoke-self did not evict")
	}
	// Each was evicted by its revocation, unless its renewer's first renewal (which starts at once)
	// was refused by Vault a moment before.
	revoked := gatherValue(t, p.reg, "vault_proxy_cache_evictions_total", "reason", "revoked")
	refused := gatherValue(t, p.reg, "vault_proxy_cache_evictions_total", "reason", "renewal_failed")
	if revoked+refused != 3 || revoked < 1 {
		t.Fatalf("evictions: revoked %v, renewal_failed %v; want 3 in all", revoked, refused)
	}
}

func TestVaultRevokingParentEvictsChildren(t *testing.T) {
	p := startVaultProxy(t)
	parent := p.mustCreate("", `{"policies":["root"],"ttl":"1h"}`).str("auth", "client_token")
	child := p.mustCreate(parent, `{"policies":["default"],"ttl":"1h"}`)
	if p.mustCreate(parent, `{"policies":["default"],"ttl":"1h"}`).header.Get("X-Cache") != "HIT" {
		t.Fatal("the managed child token's creation was not cached")
	}
	if p.cache.Len() != 2 {
		t.Fatalf("%d entries, want 2", p.cache.Len())
	}
	// revoke-orphan keeps the child.
	if r := p.do("POST", "/v1/auth/token/revoke-orphan", "", `{"token":"`+parent+`"}`); r.status != 204 {
		t.Fatalf("revoke-orphan: %d %s", r.status, r.raw)
	}
	if p.cache.Len() != 1 || !p.tokenValid(child.str("auth", "client_token")) {
		t.Fatal("revoke-orphan: the child should stay cached and valid")
	}
	// A parent revoked with its children.
	parent2 := p.mustCreate("", `{"policies":["root"],"ttl":"1h","meta":{"n":"2"}}`).str("auth", "client_token")
	p.mustCreate(parent2, `{"policies":["default"],"ttl":"1h"}`)
	if p.cache.Len() != 3 {
		t.Fatalf("%d entries, want 3", p.cache.Len())
	}
	if r := p.do("POST", "/v1/auth/token/revoke", "", `{"token":"`+parent2+`"}`); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if p.cache.Len() != 1 {
		t.Fatalf("%d entries after revoking a parent, want 1", p.cache.Len())
	}
}

func TestVaultLoginMakesTokenManaged(t *testing.T) {
	p := startVaultProxy(t)
	if err := p.root.Sys().EnableAuthWithOptions("userpass", &api.EnableAuthOptions{Type: "userpass"}); err != nil {
		t.Fatal(err)
	}
	if err := p.root.Sys().PutPolicy("creator", `path "auth/token/create" { capabilities = ["create", "update"] }`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.root.Logical().Write("auth/userpass/users/bob", map[string]any{
		"password": "s3cret", "token_policies": "creator", "token_ttl": "1h",
	}); err != nil {
		t.Fatal(err)
	}
	// The login goes through the proxy (no client token: the shim adds the auto-auth token, which
	// Vault ignores for a login).
	login := p.do("POST", "/v1/auth/userpass/login/bob", "", `{"password":"s3cret"}`)
	bob := login.str("auth", "client_token")
	if login.status != 200 || bob == "" || login.header.Get("X-Cache") != "MISS" {
		t.Fatalf("login: %d %s", login.status, login.raw)
	}
	if again := p.do("POST", "/v1/auth/userpass/login/bob", "", `{"password":"s3cret"}`); again.str("auth", "client_token") != bob {
		t.Fatal("the repeated login was not answered from the cache")
	}
	// bob's token is managed: its token creations are cached.
	c1 := p.mustCreate(bob, `{"ttl":"30m"}`)
	c2 := p.mustCreate(bob, `{"ttl":"30m"}`)
	if c2.header.Get("X-Cache") != "HIT" || c1.str("auth", "client_token") != c2.str("auth", "client_token") {
		t.Fatalf("bob's token creation was not cached: %v", c2.header)
	}
	if n := p.next.count("POST /v1/auth/token/create"); n != 1 {
		t.Fatalf("Vault saw %d creations, want 1", n)
	}
	if n := p.next.count("POST /v1/auth/userpass/login/bob"); n != 1 {
		t.Fatalf("Vault saw %d logins, want 1", n)
	}
}

func TestVaultUnmanagedClientTokenIsForwarded(t *testing.T) {
	p := startVaultProxy(t)
	// A client token the cache did not create, made directly at Vault.
	sec, err := p.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"root"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	client := sec.Auth.ClientToken
	body := `{"policies":["default"],"ttl":"1h"}`
	managed := p.mustCreate("", body) // cached under the auto-auth token
	a := p.mustCreate(client, body)
	b := p.mustCreate(client, body)
	if a.header.Get("X-Cache") != "MISS" || b.header.Get("X-Cache") != "MISS" {
		t.Fatalf("X-Cache %q, %q", a.header.Get("X-Cache"), b.header.Get("X-Cache"))
	}
	ta, tb := a.str("auth", "client_token"), b.str("auth", "client_token")
	if ta == tb || ta == managed.str("auth", "client_token") || tb == managed.str("auth", "client_token") {
		t.Fatal("the client token was served a cached token")
	}
	if n := p.next.count("POST /v1/auth/token/create"); n != 3 {
		t.Fatalf("Vault saw %d creations, want 3", n)
	}
	if p.cache.Len() != 1 {
		t.Fatalf("%d entries, want 1 (the auto-auth token's)", p.cache.Len())
	}
}

func TestVaultRenewalsReachVault(t *testing.T) {
	p := startVaultProxy(t)
	tok := p.mustCreate("", `{"policies":["default"],"ttl":"1h"}`).str("auth", "client_token")
	for range 3 {
		if r := p.do("PUT", "/v1/auth/token/renew-self", tok, `{}`); r.status != 200 || r.header.Get("X-Cache") != "" {
			t.Fatalf("renew-self: %d X-Cache %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
		if r := p.do("PUT", "/v1/auth/token/renew", "", `{"token":"`+tok+`"}`); r.status != 200 {
			t.Fatalf("renew: %d %s", r.status, r.raw)
		}
		// An unknown lease shows the call reaches Vault (vault_db_test.go renews real leases).
		if r := p.do("PUT", "/v1/sys/leases/renew", "", `{"lease_id":"auth/token/create/nope"}`); r.status/100 != 4 {
			t.Fatalf("sys/leases/renew: %d %s", r.status, r.raw)
		}
	}
	for _, mp := range []string{"PUT /v1/auth/token/renew-self", "PUT /v1/auth/token/renew", "PUT /v1/sys/leases/renew"} {
		if n := p.next.count(mp); n != 3 {
			t.Errorf("%s reached Vault %d times, want 3", mp, n)
		}
	}
	if p.cache.Len() != 1 {
		t.Fatalf("%d entries, want 1", p.cache.Len())
	}
}

func TestVaultCacheClear(t *testing.T) {
	p := startVaultProxy(t)
	clear := func(body string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(p.srv.URL+ClearPath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, m
	}
	fill := func() (parent, parentAcc string) {
		r := p.mustCreate("", `{"policies":["root"],"ttl":"1h"}`)
		parent, parentAcc = r.str("auth", "client_token"), r.str("auth", "accessor")
		p.mustCreate(parent, `{"policies":["default"],"ttl":"1h"}`)
		if p.cache.Len() != 2 {
			t.Fatalf("fill: %d entries", p.cache.Len())
		}
		return parent, parentAcc
	}
	for _, tc := range []struct {
		name string
		body func(parent, acc string) string
		want int
	}{
		{"token", func(parent, _ string) string { return `{"type":"token","value":"` + parent + `"}` }, 2},
		{"token_accessor", func(_, acc string) string { return `{"type":"token_accessor","value":"` + acc + `"}` }, 2},
		{"request_path", func(string, string) string { return `{"type":"request_path","value":"/v1/auth/token/create"}` }, 2},
		{"request_path in another namespace", func(string, string) string {
			return `{"type":"request_path","value":"/v1/auth/token/create","namespace":"ns1"}`
		}, 0},
		{"lease", func(string, string) string { return `{"type":"lease","value":"auth/token/create/nope"}` }, 0},
		{"all", func(string, string) string { return `{"type":"all"}` }, 2},
	} {
		parent, acc := fill()
		status, body := clear(tc.body(parent, acc))
		if status != 200 || body["cleared"] != float64(tc.want) {
			t.Errorf("%s: %d %v, want 200 cleared %d", tc.name, status, body, tc.want)
		}
		if tc.want > 0 && p.cache.Len() != 0 {
			t.Errorf("%s: %d entries left", tc.name, p.cache.Len())
		}
		// A cleared entry is requested again from Vault.
		if r := p.mustCreate("", `{"policies":["root"],"ttl":"1h"}`); tc.want > 0 && r.header.Get("X-Cache") != "MISS" {
			t.Errorf("%s: still answered from the cache", tc.name)
		}
		clear(`{"type":"all"}`)
	}
	if status, body := clear(`{"type":"bogus"}`); status != 400 || body["errors"] == nil {
		t.Errorf("unknown type: %d %v", status, body)
	}
	if status, body := clear(`{"type":"token"}`); status != 400 || body["errors"] == nil {
		t.Errorf("missing value: %d %v", status, body)
	}
	resp, err := http.Get(p.srv.URL + ClearPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
}

func TestVaultRenewalEndEvicts(t *testing.T) {
	p := startVaultProxy(t)
	start := time.Now()
	r := p.mustCreate("", `{"policies":["default"],"ttl":"2s","explicit_max_ttl":"3s"}`)
	if p.cache.Len() != 1 {
		t.Fatalf("the short-lived token was not cached: %s", r.raw)
	}
	waitFor(t, 10*time.Second, "eviction at the max TTL", func() bool { return p.cache.Len() == 0 })
	// The scheduler ends the entry shortly before the max TTL, or its renewal just after is refused;
	// the poll and the dev server's rounding to whole seconds add a little, and the race detector
	// on two shared cores more (5.03 s seen). A hit never serves the token past its expiry in any
	// case (secondsLeft): this bounds how long the memory is held, not what clients get.
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("evicted after %s; the token's max TTL is 3s", d)
	}
	ended := gatherValue(t, p.reg, "vault_proxy_cache_evictions_total", "reason", "renewal_ended")
	failed := gatherValue(t, p.reg, "vault_proxy_cache_evictions_total", "reason", "renewal_failed")
	if ended+failed != 1 {
		t.Fatalf("evictions: renewal_ended %v renewal_failed %v", ended, failed)
	}
	// The next identical request goes to Vault again.
	if again := p.mustCreate("", `{"policies":["default"],"ttl":"2s","explicit_max_ttl":"3s"}`); again.header.Get("X-Cache") != "MISS" {
		t.Fatal("an expired token was served")
	}
}

func TestVaultRevokedOutsideTheProxyIsEvicted(t *testing.T) {
	p := startVaultProxy(t)
	tok := p.mustCreate("", `{"policies":["default"],"ttl":"3s"}`).str("auth", "client_token")
	// Revoked directly at Vault: the next renewal (within about 2s) is refused and evicts.
	if err := p.root.Auth().Token().RevokeTree(tok); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "eviction after the refused renewal", func() bool { return p.cache.Len() == 0 })
}
