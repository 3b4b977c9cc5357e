package cache

import (
	"strconv"
	"testing"
	"time"
)

// TestVaultStaleWhileVaultIsDown: serve_stale_for with the real Vault dev server stopped. A cached
// token is a hit while its lease runs, then, Vault unreachable, served stale (X-Cache: STALE, the same
// token, Age counted from Vault's answer, Warning 110) until serve_stale_for past the lease's end,
// then the proxy's 502. A token revoked through the proxy before Vault went away is never served.
func TestVaultStaleWhileVaultIsDown(t *testing.T) {
	const keep = 3 * time.Second
	p := startVaultProxyWith(t, func(o *Options) { o.ServeStaleFor = keep })
	const body = `{"policies":["default"],"ttl":"3s"}`
	const revokedBody = `{"policies":["default"],"ttl":"3s","display_name":"revoked"}`
	first := p.mustCreate("", body)
	answered := time.Now()
	tok := first.str("auth", "client_token")
	revoked := p.mustCreate("", revokedBody).str("auth", "client_token")
	if r := p.do("POST", "/v1/auth/token/revoke", "", `{"token":"`+revoked+`"}`); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if r := p.do("POST", "/v1/auth/token/create", "", body); r.header.Get("X-Cache") != "HIT" {
		t.Fatalf("before Vault stops: X-Cache %q", r.header.Get("X-Cache"))
	}
	p.dev.Stop()

	stale, gateway := 0, time.Duration(0)
	for deadline := time.Now().Add(12 * time.Second); time.Now().Before(deadline) && gateway == 0; time.Sleep(250 * time.Millisecond) {
		r := p.do("POST", "/v1/auth/token/create", "", body)
		elapsed := time.Since(answered)
		switch {
		case r.status == 502:
			gateway = elapsed
		case r.header.Get("X-Cache") == "HIT":
			if stale > 0 {
				t.Fatalf("a hit after a stale answer, at %s", elapsed)
			}
		case r.header.Get("X-Cache") == "STALE":
			stale++
			age, _ := strconv.Atoi(r.header.Get("Age"))
			if r.status != 200 || r.str("auth", "client_token") != tok || r.header.Get("Warning") != `110 - "Response is Stale"` {
				t.Fatalf("stale answer at %s: %d %v %s", elapsed, r.status, r.header, r.raw)
			}
			if d := time.Duration(age)*time.Second - elapsed; d > time.Second || d < -time.Second {
				t.Errorf("Age %d at %s after Vault's answer", age, elapsed.Round(time.Millisecond))
			}
		default:
			t.Fatalf("at %s: %d X-Cache %q %s", elapsed, r.status, r.header.Get("X-Cache"), r.raw)
		}
		if rv := p.do("POST", "/v1/auth/token/create", "", revokedBody); rv.status != 502 || rv.header.Get("X-Cache") == "STALE" {
			t.Fatalf("the revoked token's request at %s: %d X-Cache %q", elapsed, rv.status, rv.header.Get("X-Cache"))
		}
	}
	if stale < 3 {
		t.Fatalf("%d stale answers", stale)
	}
	// The lease ends about 3s after Vault's answer (its first renewal came at once); stale answers
	// last serve_stale_for beyond, and the 502 comes with the first request after.
	if gateway < 3*time.Second+keep-time.Second || gateway > 3*time.Second+keep+2*time.Second {
		t.Fatalf("the 502 came %s after Vault's answer; want about %s", gateway, 3*time.Second+keep)
	}
}
