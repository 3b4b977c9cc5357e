package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/pgtest"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// TestRunDifferentialDatabaseCache sends the same requests through Vault Proxy (the real `vault
// proxy`) and through `vaultproxy run`, both with a cache block in front of the same Vault, whose
// database engine issues leased PostgreSQL credentials: each proxy must answer the repeated read of
// database/creds/<role> from its cache with its first lease, repeated token creations likewise, and a
// read after a revocation seen through the proxy from Vault with a new lease. X-Cache must agree
// request by request.
func TestRunDifferentialDatabaseCache(t *testing.T) {
	f := newRunFixture(t)
	pg := pgtest.Start(t)
	pg.MountDatabaseEngine(t, f.root, "database", pgtest.Role{Name: "app", TTL: "1h", MaxTTL: "2h"})
	// The auto-auth token's policy gains the engine and the lease endpoints.
	pol, err := f.root.Sys().GetPolicy("app")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.root.Sys().PutPolicy("app", pol+`
path "database/creds/*"   { capabilities = ["read"] }
path "sys/leases/revoke"  { capabilities = ["update"] }
path "auth/token/create"  { capabilities = ["update"] }
`); err != nil {
		t.Fatal(err)
	}
	vaultBin := vaulttest.Binary(t)
	cfg := func(addr string) string {
		return "cache {}\n" + f.tokenFileConfig(t, f.dev.Addr(), addr, "api_proxy { use_auto_auth_token = true }", "")
	}
	theirs, ours := freeAddr(t), freeAddr(t)
	vpConfig := runWriteFile(t, t.TempDir(), "vault-proxy.hcl", cfg(theirs), 0o600)
	startProcess(t, exec.Command(vaultBin, "proxy", "-config="+vpConfig), vpConfig, nil, theirs)
	startRun(t, cfg(ours), f.secrets, ours)

	type answer struct {
		status int
		cache  string
		body   map[string]any
	}
	do := func(addr, method, path, body string) answer {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, "http://"+addr+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Vault-Request", "true")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		a := answer{status: resp.StatusCode, cache: resp.Header.Get("X-Cache")}
		_ = json.NewDecoder(resp.Body).Decode(&a.body)
		return a
	}
	str := func(m map[string]any, path ...string) string {
		var v any = m
		for _, k := range path {
			mm, _ := v.(map[string]any)
			v = mm[k]
		}
		s, _ := v.(string)
		return s
	}

	for _, proxy := range []struct{ name, addr string }{{"Vault Proxy", theirs}, {"vaultproxy", ours}} {
		first := do(proxy.addr, "GET", "/v1/database/creds/app", "")
		second := do(proxy.addr, "GET", "/v1/database/creds/app", "")
		lease := str(first.body, "lease_id")
		if first.status != 200 || first.cache != "MISS" || lease == "" {
			t.Fatalf("%s: first read %d X-Cache %q %v", proxy.name, first.status, first.cache, first.body)
		}
		if second.status != 200 || second.cache != "HIT" || str(second.body, "lease_id") != lease ||
			str(second.body, "data", "username") != str(first.body, "data", "username") {
			t.Errorf("%s: second read %d X-Cache %q lease %s, want a HIT on %s", proxy.name, second.status, second.cache, str(second.body, "lease_id"), lease)
		}
		user, pass := str(first.body, "data", "username"), str(first.body, "data", "password")
		if got, err := pg.Query(user, pass, "SELECT current_user"); err != nil || got != user {
			t.Errorf("%s: the credentials do not log in: %q %v", proxy.name, got, err)
		}

		tok1 := do(proxy.addr, "POST", "/v1/auth/token/create", `{"ttl":"1h"}`)
		tok2 := do(proxy.addr, "POST", "/v1/auth/token/create", `{"ttl":"1h"}`)
		if tok1.cache != "MISS" || tok2.cache != "HIT" || str(tok2.body, "auth", "client_token") != str(tok1.body, "auth", "client_token") {
			t.Errorf("%s: token creations X-Cache %q then %q", proxy.name, tok1.cache, tok2.cache)
		}

		if r := do(proxy.addr, "PUT", "/v1/sys/leases/revoke", `{"lease_id":"`+lease+`"}`); r.status != 204 {
			t.Fatalf("%s: revoke: %d %v", proxy.name, r.status, r.body)
		}
		after := do(proxy.addr, "GET", "/v1/database/creds/app", "")
		// Vault Proxy evicts a revoked lease asynchronously (it cancels the entry's renewal
		// context; hashicorp/vault command/agentproxyshared/cache/lease_cache.go), so a read right
		// after may still be a hit there; vaultproxy evicts before it answers the revocation.
		for deadline := time.Now().Add(5 * time.Second); proxy.addr == theirs && after.cache == "HIT" && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
			after = do(proxy.addr, "GET", "/v1/database/creds/app", "")
		}
		if after.status != 200 || after.cache != "MISS" || str(after.body, "lease_id") == lease {
			t.Errorf("%s: read after the revocation %d X-Cache %q lease %s, want a MISS with a new lease", proxy.name, after.status, after.cache, str(after.body, "lease_id"))
		}
		if _, err := pg.Query(user, pass, "SELECT 1"); err == nil {
			t.Errorf("%s: revoked credentials still log in", proxy.name)
		}
	}
}
