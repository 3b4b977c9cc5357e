package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// cacheEnv is one `vaultproxy run` with `cache {}`, `use_auto_auth_token = true` and token_file
// auto-auth, in front of the run tests' Vault dev server through a recording proxy, so that the tests
// can count what reaches Vault.
type cacheEnv struct {
	f       *runFixture
	rec     *recordingVault
	proc    *proc
	url     string // http://host:port of the proxy
	auto    string // the auto-auth token (T_AUTO of this test)
	mu      sync.Mutex
	secrets []string // tokens and passwords made by the test, never to be logged
}

func (e *cacheEnv) keep(s ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secrets = append(e.secrets, s...)
}

func (e *cacheEnv) allSecrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append(e.f.secrets(), e.secrets...)
}

// cacheTestPolicy lets a token create child tokens and read the kv secret.
const cacheTestPolicy = `
path "auth/token/create" { capabilities = ["create", "update"] }
path "secret/data/*"     { capabilities = ["read"] }
`

// newCacheEnv prepares Vault (a policy, a userpass mount with one user, an auto-auth token) and starts
// the proxy.
func newCacheEnv(t *testing.T, f *runFixture) *cacheEnv {
	t.Helper()
	e := &cacheEnv{f: f, rec: newRecordingVault(t, f.dev.Addr())}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.root.Sys().PutPolicy("cache-test", cacheTestPolicy))
	e.auto = e.rootToken(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := fmt.Sprintf(`
vault {
  address = %q
}
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy {
  use_auto_auth_token = true
}
cache {}
listener "tcp" {
  address     = %q
  tls_disable = true
}`, e.rec.URL(), runWriteFile(t, dir, "token", e.auto, 0o600), addr)
	e.proc = startRun(t, cfg, e.allSecrets, addr)
	e.url = "http://" + addr
	e.proc.waitLog(t, "lease cache on")
	return e
}

// rootToken makes a renewable token with the cache-test policy outside the proxy.
func (e *cacheEnv) rootToken(t *testing.T) string {
	t.Helper()
	s, err := e.f.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"cache-test"}, TTL: "1h", Renewable: boolPtr(true)})
	if err != nil {
		t.Fatal(err)
	}
	e.keep(s.Auth.ClientToken)
	return s.Auth.ClientToken
}

// vaultTokenRE matches Vault service and batch tokens, kept out of failure messages.
var vaultTokenRE = regexp.MustCompile(`hv[sb]\.[A-Za-z0-9_-]+`)

// cacheResp is one answer of the proxy.
type cacheResp struct {
	status int
	xcache string // X-Cache, "" when absent
	body   string
	shown  string // body with tokens redacted, for messages
	token  string // auth.client_token of the body, if any
}

// do sends a request to the proxy with X-Vault-Request and, when token is not "", X-Vault-Token.
func (e *cacheEnv) do(t *testing.T, method, path, token, body string) cacheResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Vault-Request", "true")
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := cacheResp{status: resp.StatusCode, xcache: resp.Header.Get("X-Cache"), body: string(b), shown: vaultTokenRE.ReplaceAllString(string(b), "hvs.REDACTED")}
	var s struct {
		Auth *struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if json.Unmarshal(b, &s) == nil && s.Auth != nil {
		out.token = s.Auth.ClientToken
		e.keep(out.token)
	}
	return out
}

// vaultSaw counts the requests Vault received with this method and path and, when token is not "",
// this token.
func (e *cacheEnv) vaultSaw(method, path, token string) int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	n := 0
	for _, r := range e.rec.reqs {
		if r.Method == method && r.Path == path && (token == "" || len(r.Token) == 1 && r.Token[0] == token) {
			n++
		}
	}
	return n
}

func (e *cacheEnv) metric(t *testing.T, name string) float64 {
	t.Helper()
	status, body := rawDo(t, nil, "GET", e.url+"/proxy/v1/metrics", nil, "")
	if status != 200 {
		t.Fatalf("metrics: %d", status)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("metrics lack %s", name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testCache: the lease cache through the real binary against a Vault dev server (issue 5). The
// steps share one proxy process and run in order.
func testCache(t *testing.T, f *runFixture) {
	e := newCacheEnv(t, f)
	const create, createBody = "/v1/auth/token/create", `{"ttl":"1h"}`
	var autoChild string

	t.Run("AutoAuthTokenCreateIsCached", func(t *testing.T) {
		first := e.do(t, "POST", create, "", createBody)
		second := e.do(t, "POST", create, "", createBody)
		if first.status != 200 || first.xcache != "MISS" || first.token == "" {
			t.Fatalf("first create: %d X-Cache %q %s", first.status, first.xcache, first.shown)
		}
		if second.status != 200 || second.xcache != "HIT" || second.token != first.token {
			t.Errorf("second create: %d X-Cache %q, same token %v; want a HIT with the same client_token", second.status, second.xcache, second.token == first.token)
		}
		if n := e.vaultSaw("POST", create, e.auto); n != 1 {
			t.Errorf("Vault received %d creates with T_AUTO, want 1", n)
		}
		if _, err := e.f.root.Auth().Token().Lookup(first.token); err != nil {
			t.Errorf("the cached token is not valid in Vault: %v", err)
		}
		autoChild = first.token
	})

	t.Run("EntryRenewedThroughTheVaultBlock", func(t *testing.T) {
		// The entry's renewer renews the cached token at once (PUT renew-self with that token), on
		// the way to Vault the vault block describes: here the recording proxy.
		deadline := time.Now().Add(10 * time.Second)
		for e.vaultSaw("PUT", "/v1/auth/token/renew-self", autoChild) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the cached token was never renewed")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("UnmanagedClientTokenForwarded", func(t *testing.T) {
		client := e.rootToken(t) // made outside the proxy: not managed
		a := e.do(t, "POST", create, client, createBody)
		b := e.do(t, "POST", create, client, createBody)
		for i, r := range []cacheResp{a, b} {
			if r.status != 200 || r.xcache != "MISS" || r.token == "" {
				t.Errorf("create %d with an unmanaged token: %d X-Cache %q, want 200 MISS: %s", i+1, r.status, r.xcache, r.shown)
			}
		}
		if a.token == b.token {
			t.Errorf("both creates answered the same token")
		}
		if n := e.vaultSaw("POST", create, client); n != 2 {
			t.Errorf("Vault received %d creates with the unmanaged token, want 2", n)
		}
	})

	t.Run("RenewSelfAlwaysReachesVault", func(t *testing.T) {
		// POST, so that these are told apart from the PUT renewals of the cache's and auto-auth's
		// own renewers. Token-less: with T_AUTO, sanitised. Then with the cached child token.
		for _, tok := range []string{"", autoChild} {
			who := map[string]string{"": "T_AUTO", autoChild: "the cached child token"}[tok]
			sentWith := tok
			if tok == "" {
				sentWith = e.auto
			}
			before := e.vaultSaw("POST", "/v1/auth/token/renew-self", sentWith)
			for i := range 3 {
				r := e.do(t, "POST", "/v1/auth/token/renew-self", tok, "{}")
				if r.status != 200 || r.xcache != "" {
					t.Errorf("renew-self %d with %s: %d X-Cache %q, want 200 and no X-Cache: %s", i+1, who, r.status, r.xcache, r.shown)
				}
				if tok == "" && (r.token != "" || !strings.Contains(r.body, `"client_token":""`)) {
					t.Errorf("renew-self with T_AUTO not sanitised")
				}
			}
			if n := e.vaultSaw("POST", "/v1/auth/token/renew-self", sentWith) - before; n != 3 {
				t.Errorf("Vault received %d renew-self with %s, want 3", n, who)
			}
		}
	})

	t.Run("LoginMakesTokenManaged", func(t *testing.T) {
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		mounts, err := e.f.root.Sys().ListAuth()
		must(err)
		if _, ok := mounts["cache-userpass/"]; !ok {
			must(e.f.root.Sys().EnableAuthWithOptions("cache-userpass", &api.EnableAuthOptions{Type: "userpass"}))
		}
		password := "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		e.keep(password)
		_, err = e.f.root.Logical().Write("auth/cache-userpass/users/u1", map[string]any{"password": password, "token_policies": "cache-test", "token_ttl": "1h"})
		must(err)
		const login = "/v1/auth/cache-userpass/login/u1"
		body := fmt.Sprintf(`{"password":%q}`, password)
		l1 := e.do(t, "POST", login, "", body)
		if l1.status != 200 || l1.token == "" || l1.xcache != "MISS" {
			t.Fatalf("login through the proxy: %d X-Cache %q %s", l1.status, l1.xcache, l1.shown)
		}
		// Logins are orphans: cached as Vault Proxy does, so the same login gets the same token.
		if l2 := e.do(t, "POST", login, "", body); l2.xcache != "HIT" || l2.token != l1.token {
			t.Errorf("second login: X-Cache %q, same token %v; want a HIT", l2.xcache, l2.token == l1.token)
		}
		if n := e.vaultSaw("POST", login, ""); n != 1 {
			t.Errorf("Vault received %d logins, want 1", n)
		}
		// The login token is managed: what it creates through the proxy is cached.
		c1 := e.do(t, "POST", create, l1.token, createBody)
		c2 := e.do(t, "POST", create, l1.token, createBody)
		if c1.xcache != "MISS" || c2.xcache != "HIT" || c1.token == "" || c2.token != c1.token {
			t.Errorf("creates with the login token: X-Cache %q then %q, same token %v; want MISS then HIT", c1.xcache, c2.xcache, c2.token == c1.token)
		}
		if n := e.vaultSaw("POST", create, l1.token); n != 1 {
			t.Errorf("Vault received %d creates with the login token, want 1", n)
		}
	})

	t.Run("QueryIsPartOfTheKey", func(t *testing.T) {
		// KV reads are not cached, and the version in the query decides the answer.
		v1 := e.do(t, "GET", "/v1/secret/data/app?version=1", "", "")
		v2 := e.do(t, "GET", "/v1/secret/data/app?version=2", "", "")
		if v1.status != 200 || !strings.Contains(v1.body, `"k":"v1"`) || v2.status != 200 || !strings.Contains(v2.body, `"k":"v2"`) {
			t.Errorf("versioned reads: %d %.80s / %d %.80s", v1.status, v1.shown, v2.status, v2.shown)
		}
		// Cacheable requests that differ only in the query never share an entry.
		tokens := map[string]string{}
		for _, q := range []string{"foo=a", "foo=b", "foo=a&foo=b", "foo=b&foo=a"} {
			r := e.do(t, "POST", create+"?"+q, "", createBody)
			if r.status != 200 || r.xcache != "MISS" || r.token == "" {
				t.Errorf("?%s: %d X-Cache %q, want a MISS: %s", q, r.status, r.xcache, r.shown)
			}
			for other, tok := range tokens {
				if tok == r.token {
					t.Errorf("?%s answered the token of ?%s", q, other)
				}
			}
			tokens[q] = r.token
		}
		if r := e.do(t, "POST", create+"?foo=a", "", createBody); r.xcache != "HIT" || r.token != tokens["foo=a"] {
			t.Errorf("?foo=a again: X-Cache %q, want a HIT with its own token", r.xcache)
		}
		if n := e.vaultSaw("POST", create, e.auto); n != 5 {
			t.Errorf("Vault received %d creates with T_AUTO in all, want 5 (1 + 4 queries)", n)
		}
	})

	t.Run("MetricsCountHits", func(t *testing.T) {
		// Hits so far: create, login, login token's create, ?foo=a.
		if hits := e.metric(t, "vault_proxy_cache_hits_total"); hits < 4 {
			t.Errorf("vault_proxy_cache_hits_total %v, want at least 4", hits)
		}
		if entries := e.metric(t, "vault_proxy_cache_entries"); entries < 1 {
			t.Errorf("vault_proxy_cache_entries %v, want entries", entries)
		}
	})

	t.Run("CacheClearAll", func(t *testing.T) {
		status, body := rawDo(t, nil, "POST", e.url+"/proxy/v1/cache-clear", nil, `{"type":"all"}`)
		if status != 200 || !regexp.MustCompile(`^\{"cleared":[1-9][0-9]*\}$`).MatchString(strings.TrimSpace(body)) {
			t.Errorf("cache-clear all: %d %s", status, body)
		}
		before := e.vaultSaw("POST", create, e.auto)
		r := e.do(t, "POST", create, "", createBody)
		if r.status != 200 || r.xcache != "MISS" || r.token == "" || r.token == autoChild {
			t.Errorf("create after cache-clear: %d X-Cache %q, new token %v; want a MISS with a new token", r.status, r.xcache, r.token != autoChild)
		}
		if n := e.vaultSaw("POST", create, e.auto) - before; n != 1 {
			t.Errorf("Vault received %d creates after cache-clear, want 1", n)
		}
		if entries := e.metric(t, "vault_proxy_cache_entries"); entries != 1 {
			t.Errorf("vault_proxy_cache_entries %v after clear and one create, want 1", entries)
		}
		status, body = rawDo(t, nil, "POST", e.url+"/proxy/v1/cache-clear", nil, `{"type":"nope"}`)
		if status != 400 || !strings.Contains(body, `"errors"`) {
			t.Errorf("cache-clear with an unknown type: %d %s, want 400", status, body)
		}
		autoChild = r.token
	})

	t.Run("ReloadKeepsEntries", func(t *testing.T) {
		// SIGHUP with the same cache settings, Vault and auto-auth: the entries stay.
		e.proc.signal(syscall.SIGHUP)
		e.proc.waitLog(t, "lease cache kept by reload")
		if r := e.do(t, "POST", create, "", createBody); r.xcache != "HIT" || r.token != autoChild {
			t.Errorf("create after a reload: X-Cache %q, same token %v; want a HIT", r.xcache, r.token == autoChild)
		}
	})
}
