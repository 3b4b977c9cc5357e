package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// testCacheStaticSecrets: `vaultproxy run` with cache_static_secrets = true in front of the Vault
// dev server (OSS: no event stream). KV reads by the client token are answered from the cache after
// the first, the missing event stream is logged once, and a token Vault refuses is never served.
func testCacheStaticSecrets(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
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
  use_auto_auth_token = false
}
cache {
  cache_static_secrets            = true
  disable_caching_dynamic_secrets = true
}
listener "tcp" {
  address     = %q
  tls_disable = true
}`, rec.URL(), runWriteFile(t, dir, "token", f.autoToken, 0o600), addr)
	p := startRun(t, cfg, f.secrets, addr)
	p.waitLog(t, "cache_static_secrets=true")
	e := &cacheEnv{f: f, rec: rec, proc: p, url: "http://" + addr}

	first := e.do(t, "GET", "/v1/secret/data/app", f.clientToken, "")
	second := e.do(t, "GET", "/v1/secret/data/app", f.clientToken, "")
	if first.status != 200 || first.xcache != "MISS" || second.xcache != "HIT" || second.body != first.body ||
		!strings.Contains(second.body, `"k":"v2"`) {
		t.Fatalf("reads: %d %q then %d %q: %s", first.status, first.xcache, second.status, second.xcache, second.shown)
	}
	if n := e.vaultSaw("GET", "/v1/secret/data/app", f.clientToken); n != 1 {
		t.Fatalf("Vault saw %d reads, want 1", n)
	}
	if r := e.do(t, "GET", "/v1/secret/data/app", "hvs.not-a-token", ""); r.status != 403 || r.xcache != "MISS" {
		t.Fatalf("unknown token: %d %q", r.status, r.xcache)
	}
	if v := e.metric(t, "vault_proxy_cache_static_hits_total"); v != 1 {
		t.Fatalf("static hits %v, want 1", v)
	}
	// Subscription attempts at 0s, 1s and 3s: one warning.
	p.waitLog(t, "Vault Enterprise 1.16 or later")
	time.Sleep(3500 * time.Millisecond)
	if n := strings.Count(p.stderr.String(), "event stream failed"); n != 1 {
		t.Fatalf("the missing event stream was logged %d times, want 1", n)
	}
}
