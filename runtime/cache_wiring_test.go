package runtime

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
)

// cacheFakeVault answers the few paths the cache wiring tests use, like Vault would, and records
// what it received.
type cacheFakeVault struct {
	*recorder
	mu      sync.Mutex
	creates int
}

func newCacheFakeVault(t *testing.T) *cacheFakeVault {
	fv := &cacheFakeVault{}
	fv.recorder = newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Vault-Token")
		var body any
		switch strings.TrimPrefix(r.URL.Path, "/v1/") {
		case "auth/token/lookup-self":
			// Not Vault's shape (lookup-self carries no auth block): a renewable token answer, so that
			// the cache keeps it and the sanitiser has something to remove from a hit.
			body = map[string]any{
				"data": map[string]any{"id": tok, "accessor": "acc-" + tok, "ttl": 0, "renewable": false},
				"auth": map[string]any{"client_token": tok, "accessor": "acc-" + tok, "renewable": true, "lease_duration": 3600, "orphan": true},
			}
		case "auth/token/create":
			fv.mu.Lock()
			fv.creates++
			n := fv.creates
			fv.mu.Unlock()
			body = map[string]any{"auth": map[string]any{"client_token": fmt.Sprintf("child-%d", n), "accessor": fmt.Sprintf("child-acc-%d", n),
				"renewable": true, "lease_duration": 3600, "orphan": false}}
		case "auth/token/renew-self":
			body = map[string]any{"auth": map[string]any{"client_token": tok, "renewable": true, "lease_duration": 3600}}
		default:
			body = map[string]any{"data": map[string]any{}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})
	return fv
}

// countPath counts the requests Vault received for path (with their tokens).
func (fv *cacheFakeVault) countPath(path string) (n int, tokens []string) {
	fv.recorder.mu.Lock()
	defer fv.recorder.mu.Unlock()
	for _, r := range fv.reqs {
		if r.URL.Path == path {
			n++
			tokens = append(tokens, r.Header.Get("X-Vault-Token"))
		}
	}
	return n, tokens
}

func (fv *cacheFakeVault) lastNamespace(path string) string {
	fv.recorder.mu.Lock()
	defer fv.recorder.mu.Unlock()
	for i := len(fv.reqs) - 1; i >= 0; i-- {
		if fv.reqs[i].URL.Path == path {
			return fv.reqs[i].Header.Get("X-Vault-Namespace")
		}
	}
	return "<none>"
}

func cacheTokenFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte("T_AUTO"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func cachePlanHCL(tokenFile, apiProxy, cache, listenerExtra string) string {
	return fmt.Sprintf(`
vault {
  address   = "{{vault}}"
  namespace = "org-a"
}
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy {
  %s
}
%s
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
  %s
}`, tokenFile, apiProxy, cache, listenerExtra)
}

// TestCacheKeyAfterTokenAndNamespace: the cache keys on the token and namespace Vault receives, so
// it sits after token selection and namespace prepending; and its hits still go through the
// lookup-self sanitiser.
func TestCacheKeyAfterTokenAndNamespace(t *testing.T) {
	fv := newCacheFakeVault(t)
	p := planFrom(t, cachePlanHCL(cacheTokenFile(t), `use_auto_auth_token = "force"
  prepend_configured_namespace = true`, "cache {}", ""), fv.srv.URL)
	s := startPlan(t, p)

	// Two clients with their own tokens: with "force" Vault receives T_AUTO for both, so the second
	// is a hit. Had the key been computed on the client's request, they would differ.
	var bodies []string
	for i, tok := range []string{"T1", "T2"} {
		resp, body := do(t, "POST", s.url+"/v1/auth/token/create", http.Header{"X-Vault-Token": {tok}}, `{"ttl":"1h"}`)
		want := []string{"MISS", "HIT"}[i]
		if resp.StatusCode != 200 || resp.Header.Get("X-Cache") != want {
			t.Errorf("create %d: %d X-Cache %q, want 200 %s: %s", i+1, resp.StatusCode, resp.Header.Get("X-Cache"), want, body)
		}
		bodies = append(bodies, body)
	}
	if n, toks := fv.countPath("/v1/auth/token/create"); n != 1 || toks[0] != "T_AUTO" {
		t.Errorf("Vault received %d creates with %v, want 1 with T_AUTO", n, toks)
	}
	// A hit gives the lease's time left (docs/cache.md): 3600 or, a second boundary later, 3599.
	hit := strings.Replace(bodies[1], `"lease_duration":3599,`, `"lease_duration":3600,`, 1)
	if bodies[0] != hit || !strings.Contains(bodies[1], `"child-1"`) {
		t.Errorf("hit answered %s, want %s", bodies[1], bodies[0])
	}
	if ns := fv.lastNamespace("/v1/auth/token/create"); ns != "org-a/" {
		t.Errorf("Vault received namespace %q, want org-a/", ns)
	}

	// The entry was stored under the namespace Vault received (prepended), not the client's (root).
	clear := func(body string) string {
		t.Helper()
		resp, out := do(t, "POST", s.url+"/proxy/v1/cache-clear", nil, body)
		if resp.StatusCode != 200 {
			t.Fatalf("cache-clear %s: %d %s", body, resp.StatusCode, out)
		}
		return strings.TrimSpace(out)
	}
	if got := clear(`{"type":"request_path","value":"/v1/auth/token/create"}`); got != `{"cleared":0}` {
		t.Errorf("clear in the root namespace: %s, want nothing cleared", got)
	}
	if got := clear(`{"type":"request_path","value":"/v1/auth/token/create","namespace":"org-a"}`); got != `{"cleared":1}` {
		t.Errorf("clear in org-a: %s, want 1 cleared", got)
	}

	// lookup-self with T_AUTO: the answer is cached (in this fake it carries a renewable token), and
	// both the miss and the hit are sanitised: T_AUTO never reaches the client.
	for i := range 2 {
		resp, body := do(t, "GET", s.url+"/v1/auth/token/lookup-self", nil, "")
		want := []string{"MISS", "HIT"}[i]
		if resp.StatusCode != 200 || resp.Header.Get("X-Cache") != want {
			t.Errorf("lookup-self %d: %d X-Cache %q, want %s", i+1, resp.StatusCode, resp.Header.Get("X-Cache"), want)
		}
		if strings.Contains(body, "T_AUTO") || !strings.Contains(body, `"client_token":""`) {
			t.Errorf("lookup-self %d not sanitised: %s", i+1, body)
		}
	}
}

// TestCacheSwap: a reload that leaves the cache settings, the way to Vault and auto-auth alone keeps
// the entries; one that restarts auto-auth starts an empty cache; one without a cache block serves
// uncached, and cache-clear becomes a no-op 200.
func TestCacheSwap(t *testing.T) {
	fv := newCacheFakeVault(t)
	tf := cacheTokenFile(t)
	plan := func(cache, listenerExtra string) string {
		return cachePlanHCL(tf, "use_auto_auth_token = true", cache, listenerExtra)
	}
	s := startPlan(t, planFrom(t, plan("cache {}", ""), fv.srv.URL))
	create := func() (string, string) {
		t.Helper()
		resp, body := do(t, "POST", s.url+"/v1/auth/token/create", nil, `{"ttl":"1h"}`)
		if resp.StatusCode != 200 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		return resp.Header.Get("X-Cache"), body
	}
	if xc, _ := create(); xc != "MISS" {
		t.Errorf("first create: X-Cache %q", xc)
	}
	if err := s.rt.Swap(planFrom(t, plan("cache {}", `require_request_header = false
  proxy_api { enable_quit = true }`), fv.srv.URL)); err != nil {
		t.Fatal(err)
	}
	if xc, body := create(); xc != "HIT" || !strings.Contains(body, "child-1") {
		t.Errorf("after a reload keeping the cache: X-Cache %q %s, want the same entry", xc, body)
	}
	// The cache-clear endpoint of the kept cache works, and counts.
	if resp, body := do(t, "POST", s.url+"/proxy/v1/cache-clear", nil, `{"type":"all"}`); resp.StatusCode != 200 || strings.TrimSpace(body) != `{"cleared":1}` {
		t.Errorf("cache-clear all: %d %s", resp.StatusCode, body)
	}
	if xc, body := create(); xc != "MISS" || !strings.Contains(body, "child-2") {
		t.Errorf("after cache-clear: X-Cache %q %s, want a miss", xc, body)
	}
	_, metrics := do(t, "GET", s.url+"/proxy/v1/metrics", nil, "")
	for _, m := range []string{"vault_proxy_cache_hits_total 1", "vault_proxy_cache_misses_total 2", "vault_proxy_cache_entries 1",
		`vault_proxy_cache_evictions_total{reason="cleared"} 1`} {
		if !strings.Contains(metrics, m+"\n") {
			t.Errorf("metrics lack %q", m)
		}
	}

	// A new auto-auth run (another token file): a new, empty cache; the old one's entry leaves the
	// gauge, the counters go on.
	tf2 := cacheTokenFile(t)
	if err := s.rt.Swap(planFrom(t, cachePlanHCL(tf2, "use_auto_auth_token = true", "cache {}", ""), fv.srv.URL)); err != nil {
		t.Fatal(err)
	}
	_, metrics = do(t, "GET", s.url+"/proxy/v1/metrics", nil, "")
	if !strings.Contains(metrics, "vault_proxy_cache_entries 0\n") || !strings.Contains(metrics, "vault_proxy_cache_hits_total 1\n") {
		t.Errorf("metrics after replacing the cache: entries not 0 or hits reset")
	}
	if xc, body := create(); xc != "MISS" || !strings.Contains(body, "child-3") {
		t.Errorf("after a reload with a new auto-auth run: X-Cache %q %s, want a miss", xc, body)
	}

	// No cache block: forwarded, no X-Cache, cache-clear answers 200 and does nothing.
	if err := s.rt.Swap(planFrom(t, plan("", ""), fv.srv.URL)); err != nil {
		t.Fatal(err)
	}
	if xc, body := create(); xc != "" || !strings.Contains(body, "child-4") {
		t.Errorf("without a cache: X-Cache %q %s", xc, body)
	}
	if resp, body := do(t, "POST", s.url+"/proxy/v1/cache-clear", nil, `{"type":"all"}`); resp.StatusCode != 200 || body != "" {
		t.Errorf("cache-clear without a cache: %d %q, want 200 and an empty body", resp.StatusCode, body)
	}
}

// TestUnsupported: what the preview lists as refused (compile.RunRefusals) is what New refuses, in
// the same words: a plan file without a secret its configuration wrote (a method's sensitive config
// keys, here gcp credentials, a DH sink's aad; compile's TestRunRefusalsMethodSecrets has every
// method's). From the configuration itself nothing is refused: every method, sink and cache
// setting runs.
func TestUnsupported(t *testing.T) {
	p, diags := compile.Compile([]compile.Source{{Name: "test.hcl", Bytes: []byte(`
vault { address = "http://127.0.0.1:8200" }
auto_auth {
  method "gcp" {
    config = {
      type        = "iam"
      role        = "app"
      credentials = "{\"client_email\": \"a@b\"}"
    }
  }
  sink "file" {
    dh_type = "curve25519"
    dh_path = "/etc/peer.pub"
    aad     = "written"
    config  = { path = "/run/token" }
  }
}
cache {
  cache_static_secrets = true
  persist "kubernetes" {
    path = "/vault/cache"
  }
}
listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}`)}}, compile.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := compile.RunRefusals(p); len(got) != 0 {
		t.Errorf("from the configuration: RunRefusals = %q, want none", got)
	}
	fromFile := viaPlanFile(t, p)
	got := compile.RunRefusals(fromFile)
	want := []string{`auto_auth method "gcp": its credentials are not in the plan file, which never holds a secret`, `sink 1 (/run/token): its aad is not in the plan file`}
	if len(got) != len(want) {
		t.Fatalf("from the plan file: RunRefusals = %q, want %d messages", got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("message %d = %q, want it to start with %q", i, got[i], w)
		}
	}
	if _, err := New(fromFile, Options{Logger: slog.New(slog.DiscardHandler)}); err == nil || err.Error() != got[0] {
		t.Errorf("New: %v, want %q", err, got[0])
	}
	if got := compile.RunRefusals(planFrom(t, plainListener, "http://127.0.0.1:8200")); len(got) != 0 {
		t.Errorf("a plain proxy: RunRefusals = %q", got)
	}
}
