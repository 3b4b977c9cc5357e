package cache

import (
	"strings"
	"testing"
	"time"
)

const (
	tokA = "hvs.reader-a"
	tokB = "hvs.reader-b"
	tokC = "hvs.denied-c"
)

// readers scripts two tokens that may read everything under kv/ and kvv1/, and one that may not,
// and two secrets.
func readers(kv *kvFake) {
	kv.allow[tokA] = []string{"kv/", "kvv1/", "ns1/"}
	kv.allow[tokB] = []string{"kv/", "kvv1/", "ns1/"}
	kv.allow[tokC] = []string{"other/"}
	kv.writeLocked("kv/foo", false, map[string]any{"v": "one"})
	kv.writeLocked("kvv1/bar", true, map[string]any{"b": "x"})
}

const (
	fooV1Body = `{"data":{"data":{"v":"one"},"metadata":{"destroyed":false,"version":1}},"lease_duration":0,"lease_id":"","mount_type":"kv","renewable":false,"request_id":"r"}` + "\n"
	barBody   = `{"data":{"b":"x"},"lease_duration":2764800,"lease_id":"","mount_type":"kv","renewable":false,"request_id":"r"}` + "\n"
)

func TestStaticHitForTheSameToken(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	h.connected(1) // the refresh on connection would count as reads
	for _, tc := range []struct{ path, body string }{
		{"/v1/kv/data/foo", fooV1Body},
		{"/v1/kvv1/bar", barBody},
	} {
		first := h.do("GET", tc.path, tokA, "")
		second := h.do("GET", tc.path, tokA, "")
		if first.status != 200 || first.header.Get("X-Cache") != "MISS" || first.raw != tc.body {
			t.Fatalf("%s first: %d %q %s", tc.path, first.status, first.header.Get("X-Cache"), first.raw)
		}
		if second.status != 200 || second.header.Get("X-Cache") != "HIT" || second.raw != tc.body || second.header.Get("Age") == "" {
			t.Fatalf("%s second: %d %q %s", tc.path, second.status, second.header.Get("X-Cache"), second.raw)
		}
		if n := h.kv.readCount(tokA, tc.path); n != 1 {
			t.Fatalf("%s: Vault saw %d reads, want 1", tc.path, n)
		}
	}
	if h.cache.Len() != 2 {
		t.Fatalf("%d entries, want 2", h.cache.Len())
	}
	if got := h.metric("vault_proxy_cache_static_hits_total"); got != 2 {
		t.Fatalf("static hits %v, want 2", got)
	}
	if got := h.metric("vault_proxy_cache_static_misses_total"); got != 2 {
		t.Fatalf("static misses %v, want 2", got)
	}
	if got := h.metric("vault_proxy_cache_static_entries"); got != 2 {
		t.Fatalf("static entries %v, want 2", got)
	}
}

// TestStaticOtherTokens: as in Vault Proxy, a token is served the stored secret only after Vault
// answered it once for that path; a token Vault refuses never gets it.
func TestStaticOtherTokens(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	h.connected(1) // the refresh on connection would count as reads
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	b1 := h.do("GET", "/v1/kv/data/foo", tokB, "")
	b2 := h.do("GET", "/v1/kv/data/foo", tokB, "")
	if b1.header.Get("X-Cache") != "MISS" || b1.raw != fooV1Body || b2.header.Get("X-Cache") != "HIT" || b2.raw != fooV1Body {
		t.Fatalf("token B: %q %s then %q %s", b1.header.Get("X-Cache"), b1.raw, b2.header.Get("X-Cache"), b2.raw)
	}
	if n := h.kv.readCount(tokB, "/v1/kv/data/foo"); n != 1 {
		t.Fatalf("Vault saw %d reads by B, want 1", n)
	}
	for range 3 {
		c := h.do("GET", "/v1/kv/data/foo", tokC, "")
		if c.status != 403 || c.header.Get("X-Cache") != "MISS" || strings.Contains(c.raw, "one") {
			t.Fatalf("denied token: %d %q %s", c.status, c.header.Get("X-Cache"), c.raw)
		}
	}
	if n := h.kv.readCount(tokC, "/v1/kv/data/foo"); n != 3 {
		t.Fatalf("Vault saw %d reads by C, want 3", n)
	}
	// A namespace in the path and one in the header are two entries, even where (on Vault
	// Enterprise) they name one secret: on Vault OSS they do not (TestStaticNamespaceForms).
	h.kv.write("ns1/kv/foo", map[string]any{"v": "ns"})
	a := h.do("GET", "/v1/ns1/kv/data/foo", tokA, "")
	b := h.do("GET", "/v1/kv/data/foo", tokA, "", "X-Vault-Namespace", "ns1/")
	if a.header.Get("X-Cache") != "MISS" || b.header.Get("X-Cache") != "MISS" || a.raw != b.raw || !strings.Contains(b.raw, `"v":"ns"`) {
		t.Fatalf("namespaced: %q %q %s", a.header.Get("X-Cache"), b.header.Get("X-Cache"), b.raw)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, "", "X-Vault-Namespace", "ns1"); r.header.Get("X-Cache") != "HIT" || r.raw != a.raw {
		t.Fatalf("namespace header again: %q %s", r.header.Get("X-Cache"), r.raw)
	}
}

func TestStaticVersionsAndQueries(t *testing.T) {
	// Written before the subscription: its event would otherwise re-read the secret at some point.
	h := newStaticHarness(t, StaticOptions{}, nil, func(kv *kvFake) {
		readers(kv)
		kv.writeLocked("kv/foo", false, map[string]any{"v": "two"})
	})
	h.connected(1) // the refresh on connection would count as reads
	cur := h.do("GET", "/v1/kv/data/foo", tokA, "")
	if cur.header.Get("X-Cache") != "MISS" || !strings.Contains(cur.raw, `"version":2`) {
		t.Fatalf("current: %s", cur.raw)
	}
	// ?version=2 is its own entry, though the current version is 2 (TestStaticVersionPolicy).
	if v2 := h.do("GET", "/v1/kv/data/foo?version=2", tokA, ""); v2.header.Get("X-Cache") != "MISS" || v2.raw != cur.raw {
		t.Fatalf("?version=2: %q %s", v2.header.Get("X-Cache"), v2.raw)
	}
	if v2 := h.do("GET", "/v1/kv/data/foo?version=2", tokA, ""); v2.header.Get("X-Cache") != "HIT" || v2.raw != cur.raw {
		t.Fatalf("?version=2 again: %q %s", v2.header.Get("X-Cache"), v2.raw)
	}
	v1a := h.do("GET", "/v1/kv/data/foo?version=1", tokA, "")
	v1b := h.do("GET", "/v1/kv/data/foo?version=1", tokA, "")
	if v1a.header.Get("X-Cache") != "MISS" || v1b.header.Get("X-Cache") != "HIT" || v1b.raw != fooV1Body {
		t.Fatalf("?version=1: %q then %q %s", v1a.header.Get("X-Cache"), v1b.header.Get("X-Cache"), v1b.raw)
	}
	// A version read does not replace the current answer.
	if again := h.do("GET", "/v1/kv/data/foo", tokA, ""); again.header.Get("X-Cache") != "HIT" || again.raw != cur.raw {
		t.Fatalf("current after ?version=1: %s", again.raw)
	}
	// Other query parameters always reach Vault (Vault Proxy would answer them from the entry).
	for _, q := range []string{"?version=1&foo=bar", "?list=true", "?version=0", "?version=x"} {
		for range 2 {
			r := h.do("GET", "/v1/kv/data/foo"+q, tokA, "")
			if r.header.Get("X-Cache") == "HIT" {
				t.Fatalf("%s was answered from the cache", q)
			}
		}
		if n := h.kv.readCount(tokA, "/v1/kv/data/foo"); n < 3 {
			t.Fatalf("%s: Vault saw %d reads", q, n)
		}
	}
	if n := h.kv.readCount(tokA, "/v1/kv/data/foo"); n != 3+8 {
		t.Fatalf("Vault saw %d reads, want 11", n)
	}
}

func TestStaticOnlyKVAnswers(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, func(o *Options) { o.DisableDynamicSecrets = true }, readers)
	// fakeVault's secret/ answers carry no mount_type: not a KV mount.
	a := h.do("GET", "/v1/secret/x", fakeRoot, "")
	b := h.do("GET", "/v1/secret/x", fakeRoot, "")
	if a.header.Get("X-Cache") != "MISS" || b.header.Get("X-Cache") != "MISS" || a.raw == b.raw {
		t.Fatalf("non-KV: %q %q", a.header.Get("X-Cache"), b.header.Get("X-Cache"))
	}
	// Without a token nothing is looked up.
	if r := h.do("GET", "/v1/kv/data/foo", "", ""); r.header.Get("X-Cache") != "" || r.status != 403 {
		t.Fatalf("no token: %d %q", r.status, r.header.Get("X-Cache"))
	}
	if h.cache.Len() != 0 {
		t.Fatalf("%d entries", h.cache.Len())
	}
}

// TestStaticWithDynamic: both caches at once, and static alone with disable_caching_dynamic_secrets.
func TestStaticWithDynamic(t *testing.T) {
	for _, disable := range []bool{false, true} {
		h := newStaticHarness(t, StaticOptions{}, func(o *Options) { o.DisableDynamicSecrets = disable }, readers)
		c1 := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
		c2 := h.do("POST", "/v1/auth/token/create", fakeRoot, `{}`)
		l1 := h.do("GET", "/v1/database/creds/app", fakeRoot, "")
		l2 := h.do("GET", "/v1/database/creds/app", fakeRoot, "")
		s1 := h.do("GET", "/v1/kv/data/foo", tokA, "")
		s2 := h.do("GET", "/v1/kv/data/foo", tokA, "")
		if s1.header.Get("X-Cache") != "MISS" || s2.header.Get("X-Cache") != "HIT" || s2.raw != fooV1Body {
			t.Fatalf("disable=%v: KV %q %q", disable, s1.header.Get("X-Cache"), s2.header.Get("X-Cache"))
		}
		sameToken := c1.str("auth", "client_token") == c2.str("auth", "client_token")
		sameLease := l1.str("lease_id") == l2.str("lease_id")
		if disable {
			// The GET is looked up in the static cache (MISS); the POST is not looked up at all.
			if sameToken || sameLease || c2.header.Get("X-Cache") != "" || l2.header.Get("X-Cache") != "MISS" || h.cache.Len() != 1 {
				t.Fatalf("dynamic disabled: token or lease cached (X-Cache %q %q, %d entries)",
					c2.header.Get("X-Cache"), l2.header.Get("X-Cache"), h.cache.Len())
			}
		} else if !sameToken || !sameLease || c2.header.Get("X-Cache") != "HIT" || h.cache.Len() != 3 {
			t.Fatalf("dynamic on: token %v lease %v, %d entries", sameToken, sameLease, h.cache.Len())
		}
	}
}

func TestStaticWriteThroughTheProxyEvicts(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.do("GET", "/v1/kv/metadata/foo", tokA, "")
	if h.cache.Len() != 2 {
		t.Fatalf("%d entries", h.cache.Len())
	}
	// A refused write changes nothing.
	if r := h.do("PUT", "/v1/kv/data/foo", tokC, `{"data":{"v":"evil"}}`); r.status != 403 || h.cache.Len() != 2 {
		t.Fatalf("refused write: %d, %d entries", r.status, h.cache.Len())
	}
	if r := h.do("PUT", "/v1/kv/data/foo", tokA, `{"data":{"v":"new"}}`); r.status != 204 {
		t.Fatalf("write: %d %s", r.status, r.raw)
	}
	// The write evicted data/foo and metadata/foo, whether or not an event arrived first.
	r := h.do("GET", "/v1/kv/data/foo", tokA, "")
	want := `{"data":{"data":{"v":"new"},"metadata":{"destroyed":false,"version":2}},"lease_duration":0,"lease_id":"","mount_type":"kv","renewable":false,"request_id":"r"}` + "\n"
	if r.raw != want {
		t.Fatalf("after the write: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	if m := h.do("GET", "/v1/kv/metadata/foo", tokA, ""); !strings.Contains(m.raw, `"current_version":2`) {
		t.Fatalf("metadata after the write: %s", m.raw)
	}
}

func TestStaticCacheClear(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	h.kv.write("ns1/kv/foo", map[string]any{"v": "ns"})
	fill := func() {
		t.Helper()
		h.cache.Clear(ClearRequest{Type: "all"})
		for _, tok := range []string{tokA, tokB} {
			h.do("GET", "/v1/kv/data/foo", tok, "")
			h.do("GET", "/v1/kvv1/bar", tok, "")
			h.do("GET", "/v1/kv/data/foo", tok, "", "X-Vault-Namespace", "ns1")
		}
		if h.cache.Len() != 3 {
			t.Fatalf("fill: %d entries", h.cache.Len())
		}
	}
	for _, tc := range []struct {
		req  ClearRequest
		want int
		left int
	}{
		{ClearRequest{Type: "request_path", Value: "/v1/kv/"}, 1, 2},
		{ClearRequest{Type: "request_path", Value: "kv"}, 2, 1}, // kv/ and kvv1/
		{ClearRequest{Type: "request_path", Value: "/v1/kv/", Namespace: "ns1"}, 1, 2},
		// Entries are matched in the form they were read in: this one was read with the header.
		{ClearRequest{Type: "request_path", Value: "/v1/ns1/kv/data/foo"}, 0, 3},
		{ClearRequest{Type: "request_path", Value: "/v1/kv/data/foo", Namespace: "/ns1/"}, 1, 2},
		{ClearRequest{Type: "request_path", Value: "/v1/other/"}, 0, 3},
		{ClearRequest{Type: "all"}, 3, 0},
		{ClearRequest{Type: "token", Value: tokA}, 0, 3}, // tokB may still read them all
	} {
		fill()
		n, err := h.cache.Clear(tc.req)
		if err != nil || n != tc.want || h.cache.Len() != tc.left {
			t.Fatalf("%+v: cleared %d (%v), %d left; want %d, %d left", tc.req, n, err, h.cache.Len(), tc.want, tc.left)
		}
	}
	// After the token clear, A is no longer served the stored secret; B is.
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("a cleared token was answered from the cache")
	}
	if r := h.do("GET", "/v1/kvv1/bar", tokB, ""); r.header.Get("X-Cache") != "HIT" {
		t.Fatal("the other token lost its access")
	}
	// Clearing the last token evicts what only it could read.
	if n, _ := h.cache.Clear(ClearRequest{Type: "token", Value: tokB}); n != 2 || h.cache.Len() != 1 {
		t.Fatalf("clearing B: %d cleared, %d left (kv/data/foo, re-read by A, stays)", n, h.cache.Len())
	}
}

// TestStaticRevocationDropsToken: a token revoked through the proxy loses its static secrets at once.
// The other token, which might have been a child of it, is suspended until Vault answers it again.
func TestStaticRevocationDropsToken(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.do("GET", "/v1/kv/data/foo", tokB, "")
	h.kv.revoke(tokB) // the KV fake's side of the revocation below
	if r := h.do("POST", "/v1/auth/token/revoke", fakeRoot, `{"token":"`+tokB+`"}`); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("a revoked token was answered from the cache")
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.status != 200 {
		t.Fatalf("the other token: %d", r.status)
	}
	waitFor(t, 5*time.Second, "the other token served from the cache again", func() bool {
		return h.do("GET", "/v1/kv/data/foo", tokA, "").header.Get("X-Cache") == "HIT"
	})
	if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") == "HIT" {
		t.Fatal("the revoked token served from the cache after the re-checks")
	}
}

func TestStaticMemoryBounds(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, func(o *Options) { o.MaxEntries = 2 }, readers)
	h.kv.write("kv/baz", map[string]any{"z": 1})
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.do("GET", "/v1/kvv1/bar", tokA, "")
	h.do("GET", "/v1/kv/data/foo", tokA, "") // foo is now the most recently used
	h.do("GET", "/v1/kv/data/baz", tokA, "")
	if h.cache.Len() != 2 {
		t.Fatalf("%d entries, want 2", h.cache.Len())
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" {
		t.Fatal("the recently used secret was evicted")
	}
	if r := h.do("GET", "/v1/kvv1/bar", tokA, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("the least recently used secret was kept")
	}
	if got := h.metric("vault_proxy_cache_evictions_total", "reason", "lru"); got < 1 {
		t.Fatalf("lru evictions %v", got)
	}
	if got := h.metric("vault_proxy_cache_static_entries"); got != 2 {
		t.Fatalf("static entries %v, want 2", got)
	}

	// A secret larger than MaxBytes is passed on and not kept.
	small := newStaticHarness(t, StaticOptions{}, func(o *Options) { o.MaxBytes = 1500 }, func(kv *kvFake) {
		readers(kv)
		kv.writeLocked("kv/big", false, map[string]any{"x": strings.Repeat("a", 2000)})
	})
	for range 2 {
		if r := small.do("GET", "/v1/kv/data/big", tokA, ""); r.status != 200 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("big secret: %d %q", r.status, r.header.Get("X-Cache"))
		}
	}
	if small.cache.Len() != 0 {
		t.Fatalf("%d entries", small.cache.Len())
	}
}

func TestRelatedKeys(t *testing.T) {
	got := strings.Join(relatedKeys("ns1/secret/destroy/a/b"), " ")
	if want := "ns1/secret/destroy/a/b ns1/secret/data/a/b ns1/secret/metadata/a/b ns1/secret/subkeys/a/b"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if got := strings.Join(relatedKeys("kvv1/x"), " "); got != "kvv1/x" {
		t.Fatalf("got %q", got)
	}
	if got := strings.Join(relatedKeys("data/x"), " "); got != "data/x metadata/x subkeys/x" {
		t.Fatalf("got %q", got)
	}
}

func TestStaticCloseStopsWorkers(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	h.connected(1)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	done := make(chan struct{})
	go func() { h.cache.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if h.cache.Len() != 0 || h.metric("vault_proxy_cache_static_entries") != 0 || h.metric("vault_proxy_cache_static_event_stream_connected") != 0 {
		t.Fatal("Close left static entries or the stream")
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "" {
		t.Fatal("a closed cache answered")
	}
}
