package runtime

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultproxy/vaultproxy/request"
)

// fastHit serves one request with the proxy's hit fast path alone, as proxy.serve would once the
// body is read: served is false when it left the request to the reverse proxy.
func fastHit(t *testing.T, s *started, method, path string, h http.Header, body string) (*httptest.ResponseRecorder, bool) {
	t.Helper()
	st := s.rt.current()
	l := st.plan.Listeners()[0]
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	d := request.DecideQuiet(st.plan, l, request.FromHTTP(r))
	info := reqInfo{client: r.Context(), decision: d, token: r.Header.Get(request.HeaderToken)}
	if d.Token == request.TokenAutoAuth {
		tok, ok := st.auth.mgr.Current()
		if !ok {
			t.Fatal("no auto-auth token")
		}
		info.token, info.autoAuth = tok, true
	}
	w := httptest.NewRecorder()
	return w, st.proxy.serveHit(w, r, &info, []byte(body))
}

// sameAnswer compares a fast path answer with the reverse proxy's, a second boundary aside (Age, and
// the lease's time left).
func sameAnswer(t *testing.T, what string, fast *httptest.ResponseRecorder, slow *http.Response, slowBody string) {
	t.Helper()
	fh, sh := fast.Header().Clone(), slow.Header.Clone()
	delete(fh, "Age")
	delete(sh, "Age")
	delete(sh, "Date") // net/http's own; the recorder has none
	delete(fh, "Date")
	norm := func(s string) string { return strings.Replace(s, `"lease_duration":3599`, `"lease_duration":3600`, 1) }
	if fast.Code != slow.StatusCode || !cmp.Equal(fh, sh) || norm(fast.Body.String()) != norm(slowBody) {
		t.Errorf("%s:\nfast path: %d %v %s\nreverse proxy: %d %v %s", what, fast.Code, fh, fast.Body, slow.StatusCode, sh, slowBody)
	}
	if fast.Header().Get("Age") == "" || fast.Header().Get("X-Cache") != "HIT" {
		t.Errorf("%s: Age %q X-Cache %q", what, fast.Header().Get("Age"), fast.Header().Get("X-Cache"))
	}
}

// TestHitFastPath: a hit is answered without the reverse proxy, with the very answer the reverse
// proxy gives (which a request whose Connection header names a header still takes), for the
// client's token and the auto-auth token, and sanitised for a token lookup with the auto-auth token.
func TestHitFastPath(t *testing.T) {
	fv := newCacheFakeVault(t)
	s := startPlan(t, planFrom(t, cachePlanHCL(cacheTokenFile(t), "use_auto_auth_token = true", "cache {}", ""), fv.srv.URL))
	waitAutoAuth(t, s)
	for _, c := range []struct {
		name, method, path, body string
		header                   http.Header
	}{
		{name: "client token", method: "POST", path: "/v1/auth/token/create", body: `{"ttl":"1h"}`, header: http.Header{"X-Vault-Token": {"T_AUTO"}}},
		{name: "auto-auth token", method: "POST", path: "/v1/auth/token/create", body: `{"ttl":"2h"}`},
		{name: "lookup-self, sanitised", method: "GET", path: "/v1/auth/token/lookup-self"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, served := fastHit(t, s, c.method, c.path, c.header, c.body); served {
				t.Fatal("answered before anything was cached")
			}
			if resp, body := do(t, c.method, s.url+c.path, c.header, c.body); resp.Header.Get("X-Cache") != "MISS" {
				t.Fatalf("first: X-Cache %q %s", resp.Header.Get("X-Cache"), body)
			}
			fast, served := fastHit(t, s, c.method, c.path, c.header, c.body)
			if !served {
				t.Fatal("a hit left to the reverse proxy")
			}
			// The Connection header names a header the request does not carry: the key is the same,
			// and the reverse proxy answers.
			h := http.Header{"Connection": {"X-Not-Sent"}}
			for k, v := range c.header {
				h[k] = v
			}
			if _, served := fastHit(t, s, c.method, c.path, h, c.body); served {
				t.Fatal("a request whose Connection names a header took the fast path")
			}
			slow, slowBody := do(t, c.method, s.url+c.path, h, c.body)
			sameAnswer(t, c.name, fast, slow, slowBody)
			if strings.Contains(fast.Body.String(), "T_AUTO") {
				t.Errorf("the auto-auth token reached the client: %s", fast.Body)
			}
		})
	}
	if n, _ := fv.countPath("/v1/auth/token/create"); n != 2 {
		t.Errorf("Vault received %d creates, want 2", n)
	}
	_, metrics := do(t, "GET", s.url+"/proxy/v1/metrics", nil, "")
	for _, m := range []string{"vault_proxy_cache_hits_total 6", "vault_proxy_cache_misses_total 3"} {
		if !strings.Contains(metrics, m+"\n") {
			t.Errorf("metrics lack %q", m)
		}
	}
}

// TestHitFastPathOffBelowAPath: with Vault's address below a path, the request Vault receives is
// not the client's: hits take the reverse proxy's way.
func TestHitFastPathOffBelowAPath(t *testing.T) {
	fv := newCacheFakeVault(t)
	s := startPlan(t, planFrom(t, cachePlanHCL(cacheTokenFile(t), "use_auto_auth_token = true", "cache {}", ""), fv.srv.URL+"/"))
	if s.rt.current().proxy.hits == nil {
		t.Error("no fast path with Vault at its root path")
	}
	s2 := startPlan(t, planFrom(t, cachePlanHCL(cacheTokenFile(t), "use_auto_auth_token = true", "cache {}", ""), fv.srv.URL+"/under"))
	if s2.rt.current().proxy.hits != nil {
		t.Error("a fast path with Vault below a path")
	}
}

func waitAutoAuth(t *testing.T, s *started) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, ok := s.rt.current().auth.mgr.Current(); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no auto-auth token")
		}
	}
}
