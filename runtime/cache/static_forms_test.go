package cache

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStaticVersionPolicy: a ?version=N read is answered from the cache only to tokens Vault
// answered for that very query, so a policy's limits on the version parameter hold. N may not
// read versions at all (denied_parameters {"version" = []}); R only version 2.
func TestStaticVersionPolicy(t *testing.T) {
	const tokN, tokR = "hvs.no-versions", "hvs.version-2"
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, func(kv *kvFake) {
		readers(kv)
		kv.writeLocked("kv/foo", false, map[string]any{"v": "two"})
		kv.writeLocked("kv/foo", false, map[string]any{"v": "three"})
		kv.allow[tokN] = []string{"kv/"}
		kv.allow[tokR] = []string{"kv/"}
		kv.versionParams = map[string][]string{tokN: {}, tokR: {"2"}}
	})
	h.connected(1)
	// N's plain read (current version 3) does not answer N's ?version=3.
	if r := h.do("GET", "/v1/kv/data/foo", tokN, ""); r.status != 200 || r.raw != fooBody("three", 3) {
		t.Fatalf("N plain read: %d %s", r.status, r.raw)
	}
	for range 2 {
		if r := h.do("GET", "/v1/kv/data/foo?version=3", tokN, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("N ?version=3: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	// A read ?version=3; R, which read the current version, is still refused ?version=3.
	h.do("GET", "/v1/kv/data/foo?version=3", tokA, "")
	h.do("GET", "/v1/kv/data/foo", tokR, "")
	for range 2 {
		if r := h.do("GET", "/v1/kv/data/foo?version=3", tokR, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("R ?version=3: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	// R's own ?version=2 is cached for R.
	for _, want := range []string{"MISS", "HIT"} {
		if r := h.do("GET", "/v1/kv/data/foo?version=2", tokR, ""); r.status != 200 || r.header.Get("X-Cache") != want || r.raw != fooBody("two", 2) {
			t.Fatalf("R ?version=2: %d %q, want %s", r.status, r.header.Get("X-Cache"), want)
		}
	}
	// A's ?version=3 read does not answer A's plain read either.
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("A plain read after ?version=3: %q", r.header.Get("X-Cache"))
	}
}

// TestStaticNamespaceForms: on Vault OSS, which ignores X-Vault-Namespace, "X-Vault-Namespace: ns1"
// + kv/data/foo is the root kv/foo, and /v1/ns1/kv/data/foo another secret. Tokens allowed one
// are never served the other.
func TestStaticNamespaceForms(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, func(kv *kvFake) {
		kv.oss = true
		kv.subscribeStatus = 404
		kv.allow[tokA] = []string{"kv/"}  // the root kv/foo only
		kv.allow[tokB] = []string{"ns1/"} // ns1/kv/foo only
		kv.writeLocked("kv/foo", false, map[string]any{"v": "root"})
		kv.writeLocked("ns1/kv/foo", false, map[string]any{"v": "team"})
	})
	hdr := []string{"X-Vault-Namespace", "ns1"}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, "", hdr...); r.status != 200 || r.raw != fooBody("root", 1) {
		t.Fatalf("A, header form: %d %s", r.status, r.raw)
	}
	if r := h.do("GET", "/v1/ns1/kv/data/foo", tokB, ""); r.status != 200 || r.raw != fooBody("team", 1) {
		t.Fatalf("B, path form: %d %s", r.status, r.raw)
	}
	for range 2 {
		if r := h.do("GET", "/v1/kv/data/foo", tokB, "", hdr...); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("B, header form: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
		if r := h.do("GET", "/v1/ns1/kv/data/foo", tokA, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("A, path form: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, "", hdr...); r.header.Get("X-Cache") != "HIT" || r.raw != fooBody("root", 1) {
		t.Fatalf("A, header form again: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	// Capability checks ask in each entry's own form.
	h.cache.mu.Lock()
	caps := h.cache.static.caps[tokB]
	var keys []staticKey
	for k := range caps.paths {
		keys = append(keys, k)
	}
	h.cache.mu.Unlock()
	if !slices.Equal(keys, []staticKey{{ns: "", rel: "ns1/kv/data/foo"}}) {
		t.Fatalf("B's capability paths %v", keys)
	}
}

// TestStaticIntervalRereadsEveryForm: without events, the interval re-read re-reads each entry in
// its own form, ?version=N included: a version destroyed outside the proxy is evicted.
func TestStaticIntervalRereadsEveryForm(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: 100 * time.Millisecond}, nil, func(kv *kvFake) {
		readers(kv)
		kv.subscribeStatus = 404
		kv.writeLocked("kv/foo", false, map[string]any{"v": "two"})
	})
	for _, q := range []string{"?version=1", "?version=2", ""} {
		h.do("GET", "/v1/kv/data/foo"+q, tokA, "")
	}
	h.do("GET", "/v1/kv/subkeys/foo", tokA, "")
	if h.cache.Len() != 4 {
		t.Fatalf("%d entries", h.cache.Len())
	}
	h.kv.mu.Lock()
	h.kv.secrets["kv/foo"].destroyed[1] = true // outside the proxy, and no event
	h.kv.mu.Unlock()
	waitFor(t, 5*time.Second, "the eviction of ?version=1", func() bool { return h.cache.Len() == 3 })
	if r := h.do("GET", "/v1/kv/data/foo?version=1", tokA, ""); r.status != 404 || r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("destroyed version 1: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
	}
	// Every remaining form was re-read as requested.
	waitFor(t, 5*time.Second, "re-reads of every form", func() bool {
		return h.kv.readCount(tokA, "/v1/kv/data/foo") >= 3+3 && h.kv.readCount(tokA, "/v1/kv/subkeys/foo") >= 2
	})
}

// TestStaticSubkeys: KV v2 subkeys entries are evicted by writes through the proxy and refreshed
// by events, like data and metadata.
func TestStaticSubkeys(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, readers)
	h.connected(1)
	subkeys := func(keys string) string {
		return `{"data":{"metadata":{"version":` + keys + `},"subkeys":{`
	}
	h.do("GET", "/v1/kv/subkeys/foo", tokA, "")
	if r := h.do("GET", "/v1/kv/subkeys/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" || !strings.HasPrefix(r.raw, subkeys("1")+`"v":null}}`) {
		t.Fatalf("subkeys: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	// An event (a write elsewhere) re-reads it.
	h.kv.write("kv/foo", map[string]any{"w": 1})
	waitFor(t, 5*time.Second, "the refresh", func() bool {
		r := h.do("GET", "/v1/kv/subkeys/foo", tokA, "")
		return r.header.Get("X-Cache") == "HIT" && strings.HasPrefix(r.raw, subkeys("2")+`"w":null}}`)
	})
	// A write through the proxy evicts it.
	if r := h.do("PUT", "/v1/kv/data/foo", tokA, `{"data":{"x":1}}`); r.status != 204 {
		t.Fatalf("write: %d", r.status)
	}
	if r := h.do("GET", "/v1/kv/subkeys/foo", tokA, ""); !strings.HasPrefix(r.raw, subkeys("3")+`"x":null}}`) {
		t.Fatalf("after the write: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	if got := h.metric("vault_proxy_cache_evictions_total", "reason", "written"); got != 1 {
		t.Fatalf("written evictions %v", got)
	}
}
