package cache

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// TestVaultStaticSecretsWithoutEvents: against a Vault OSS dev server, which has no event stream,
// static secret caching serves KV v1 and v2 reads from the cache to the tokens Vault let read
// them, logs the missing stream once, and drops a token whose access Vault took away.
func TestVaultStaticSecretsWithoutEvents(t *testing.T) {
	logs := &syncBuffer{}
	p := startVaultProxyWith(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.StaticSecrets = &StaticOptions{CapabilityRefreshInterval: 300 * time.Millisecond, EventStreamRetry: 20 * time.Millisecond}
	})
	if err := p.root.Sys().Mount("kv1", &api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.root.KVv2("secret").Put(t.Context(), "app", map[string]any{"pw": "one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.root.Logical().Write("kv1/app", map[string]any{"pw": "v1"}); err != nil {
		t.Fatal(err)
	}
	if err := p.root.Sys().PutPolicy("app-reader", `
path "secret/data/app" { capabilities = ["read"] }
path "kv1/app" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	token := func(policies ...string) string {
		sec, err := p.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: policies, TTL: "1h"})
		if err != nil {
			t.Fatal(err)
		}
		return sec.Auth.ClientToken
	}
	reader, reader2, denied := token("app-reader"), token("app-reader"), token("default")

	for _, path := range []string{"/v1/secret/data/app", "/v1/kv1/app"} {
		a := p.do("GET", path, reader, "")
		b := p.do("GET", path, reader, "")
		if a.status != 200 || a.header.Get("X-Cache") != "MISS" || b.header.Get("X-Cache") != "HIT" || a.raw != b.raw {
			t.Fatalf("%s: %d %q then %q", path, a.status, a.header.Get("X-Cache"), b.header.Get("X-Cache"))
		}
		if n := p.next.count("GET " + path); n != 1 {
			t.Fatalf("%s: Vault saw %d reads, want 1", path, n)
		}
		// Another allowed token is served from the cache after its own first read.
		if r := p.do("GET", path, reader2, ""); r.header.Get("X-Cache") != "MISS" || !reflect.DeepEqual(r.body["data"], a.body["data"]) {
			t.Fatalf("%s reader2 first: %q", path, r.header.Get("X-Cache"))
		}
		if r := p.do("GET", path, reader2, ""); r.header.Get("X-Cache") != "HIT" {
			t.Fatalf("%s reader2 again: %q", path, r.header.Get("X-Cache"))
		}
		for range 2 {
			if r := p.do("GET", path, denied, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" || strings.Contains(r.raw, "pw") {
				t.Fatalf("%s denied: %d %q %s", path, r.status, r.header.Get("X-Cache"), r.raw)
			}
		}
	}
	v2 := p.do("GET", "/v1/secret/data/app", reader, "")
	if got := v2.body["data"].(map[string]any)["data"].(map[string]any)["pw"]; got != "one" {
		t.Fatalf("secret/data/app: %s", v2.raw)
	}
	// ?version=1 is its own entry: Vault is asked once, for that query.
	for _, want := range []string{"MISS", "HIT"} {
		if r := p.do("GET", "/v1/secret/data/app?version=1", reader, ""); r.header.Get("X-Cache") != want ||
			!reflect.DeepEqual(r.body["data"], v2.body["data"]) {
			t.Fatalf("?version=1: %q, want %s", r.header.Get("X-Cache"), want)
		}
	}

	// A write through the proxy evicts; the next read has the new value.
	if r := p.do("POST", "/v1/secret/data/app", "", `{"data":{"pw":"two"}}`); r.status != 200 {
		t.Fatalf("write: %d %s", r.status, r.raw)
	}
	after := p.do("GET", "/v1/secret/data/app", reader, "")
	if after.header.Get("X-Cache") != "MISS" || after.body["data"].(map[string]any)["data"].(map[string]any)["pw"] != "two" {
		t.Fatalf("after the write: %q %s", after.header.Get("X-Cache"), after.raw)
	}

	// The missing event stream: warned once, retried with back-off.
	waitFor(t, 5*time.Second, "retries", func() bool { return strings.Count(logs.String(), "event stream failed") >= 3 })
	out := logs.String()
	if n := strings.Count(out, `level=WARN msg="cache: static secret event stream failed`); n != 1 ||
		!strings.Contains(out, "Vault Enterprise 1.16 or later") {
		t.Fatalf("warned %d times:\n%s", n, out)
	}

	// reader2's policy loses kv1/app and reader is revoked, at Vault directly: the capability
	// check (sys/capabilities-self, for real) takes them off.
	if err := p.root.Sys().PutPolicy("app-reader", `path "secret/data/app" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	if err := p.root.Auth().Token().RevokeOrphan(reader); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "kv1/app to be evicted", func() bool {
		p.cache.mu.Lock()
		defer p.cache.mu.Unlock()
		return p.cache.static.byKey[staticKey{rel: "kv1/app"}] == nil
	})
	if r := p.do("GET", "/v1/kv1/app", reader2, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("kv1/app after the policy change: %d %q", r.status, r.header.Get("X-Cache"))
	}
	waitFor(t, 5*time.Second, "the revoked token to lose access", func() bool {
		r := p.do("GET", "/v1/secret/data/app", reader, "")
		return r.status == 403
	})
	if r := p.do("GET", "/v1/secret/data/app", reader2, ""); r.status != 200 {
		t.Fatalf("reader2 on secret/data/app: %d %s", r.status, r.raw)
	}
}

// TestVaultStaticVersionsAndDestroy: against Vault OSS, a token whose policy denies the version
// parameter is never served ?version=N from the cache, and a version destroyed at Vault directly
// is evicted by the interval re-read.
func TestVaultStaticVersionsAndDestroy(t *testing.T) {
	p := startVaultProxyWith(t, func(o *Options) {
		o.StaticSecrets = &StaticOptions{CapabilityRefreshInterval: 300 * time.Millisecond, EventStreamRetry: time.Minute}
	})
	kv := p.root.KVv2("secret")
	for _, pw := range []string{"one", "two"} {
		if _, err := kv.Put(t.Context(), "app", map[string]any{"pw": pw}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.root.Sys().PutPolicy("no-versions", `
path "secret/data/app" {
  capabilities = ["read"]
  denied_parameters = { "version" = [] }
}`); err != nil {
		t.Fatal(err)
	}
	sec, err := p.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"no-versions"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	limited := sec.Auth.ClientToken
	if r := p.do("GET", "/v1/secret/data/app", limited, ""); r.status != 200 {
		t.Fatalf("plain read: %d %s", r.status, r.raw)
	}
	for range 2 {
		if r := p.do("GET", "/v1/secret/data/app?version=2", limited, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("?version=2 by the limited token: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	root := p.root.Token()
	for _, want := range []string{"MISS", "HIT"} {
		if r := p.do("GET", "/v1/secret/data/app?version=1", root, ""); r.status != 200 || r.header.Get("X-Cache") != want {
			t.Fatalf("?version=1: %d %q, want %s", r.status, r.header.Get("X-Cache"), want)
		}
	}
	if err := kv.Destroy(t.Context(), "app", []int{1}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the destroyed version to be evicted", func() bool {
		p.cache.mu.Lock()
		defer p.cache.mu.Unlock()
		return p.cache.static.byKey[staticKey{rel: "secret/data/app", version: 1}] == nil
	})
	if r := p.do("GET", "/v1/secret/data/app?version=1", root, ""); r.header.Get("X-Cache") != "MISS" || strings.Contains(r.raw, "one") {
		t.Fatalf("destroyed version 1: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
	}
}
