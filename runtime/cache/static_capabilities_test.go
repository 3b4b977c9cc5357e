package cache

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// allowedTokens is the sorted allowed tokens of the static entry at key (nil when not cached).
func (h *staticHarness) allowedTokens(key staticKey) []string {
	h.cache.mu.Lock()
	defer h.cache.mu.Unlock()
	e := h.cache.static.byKey[key]
	if e == nil {
		return nil
	}
	var out []string
	for t := range e.st.tokens {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func (h *staticHarness) capChecks(token string) int {
	return h.kv.get(func(kv *kvFake) int { return kv.capChecks[token] })
}

func TestStaticCapabilityLost(t *testing.T) {
	// Written before the subscription, and waited for, so that no re-read (on connection or
	// after an event) evicts before the capability checks do.
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: 50 * time.Millisecond}, nil, func(kv *kvFake) {
		readers(kv)
		kv.writeLocked("ns1/kv/foo", false, map[string]any{"v": "ns"})
	})
	h.connected(1)
	for _, tok := range []string{tokA, tokB} {
		h.do("GET", "/v1/kv/data/foo", tok, "")
		h.do("GET", "/v1/kv/data/foo", tok, "", "X-Vault-Namespace", "ns1")
	}
	if got := h.allowedTokens(staticKey{rel: "kv/data/foo"}); !slices.Equal(got, []string{tokA, tokB}) {
		t.Fatalf("allowed %v", got)
	}
	// B's policy no longer covers ns1/ (the capability check is asked in ns1, for kv/data/foo);
	// A's token is gone altogether ("permission denied").
	h.kv.mu.Lock()
	h.kv.allow[tokB] = []string{"kv/"}
	h.kv.mu.Unlock()
	h.kv.revoke(tokA)
	waitFor(t, 5*time.Second, "the capability checks", func() bool {
		return slices.Equal(h.allowedTokens(staticKey{rel: "kv/data/foo"}), []string{tokB}) && h.allowedTokens(staticKey{ns: "ns1/", rel: "kv/data/foo"}) == nil
	})
	if got := h.metric("vault_proxy_cache_evictions_total", "reason", "access_lost"); got != 1 {
		t.Fatalf("access_lost evictions %v, want 1 (ns1/kv/data/foo)", got)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooV1Body {
		t.Fatalf("B on kv/data/foo: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	for _, tc := range []struct{ tok, ns string }{{tokA, ""}, {tokB, "ns1"}} {
		r := h.do("GET", "/v1/kv/data/foo", tc.tok, "", "X-Vault-Namespace", tc.ns)
		if r.status != 403 || r.header.Get("X-Cache") != "MISS" || strings.Contains(r.raw, "one") {
			t.Fatalf("%s in %q: %d %q %s", tc.tok, tc.ns, r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	// A's checks stop once it may read nothing the cache holds; B's go on.
	a, b := h.capChecks(tokA), h.capChecks(tokB)
	time.Sleep(300 * time.Millisecond)
	if h.capChecks(tokA) != a || h.capChecks(tokB) <= b {
		t.Fatalf("checks of A %d -> %d (want none), of B %d -> %d (want more)", a, h.capChecks(tokA), b, h.capChecks(tokB))
	}
}

func TestStaticCapabilityCheckFailure(t *testing.T) {
	for _, pessimistic := range []bool{false, true} {
		h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: 50 * time.Millisecond, Pessimistic: pessimistic}, nil, readers)
		h.do("GET", "/v1/kv/data/foo", tokA, "")
		h.kv.mu.Lock()
		h.kv.capsStatus = 500
		h.kv.mu.Unlock()
		if pessimistic {
			waitFor(t, 5*time.Second, "the eviction", func() bool { return h.cache.Len() == 0 })
			if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "MISS" {
				t.Fatal("pessimistic: still served after a failed check")
			}
			if !strings.Contains(h.logs.String(), "(pessimistic)") {
				t.Fatal("pessimistic: not logged")
			}
			continue
		}
		waitFor(t, 5*time.Second, "three failed checks", func() bool { return h.capChecks(tokA) >= 3 })
		if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooV1Body {
			t.Fatalf("optimistic: %q %s", r.header.Get("X-Cache"), r.raw)
		}
		if !strings.Contains(h.logs.String(), "(optimistic)") {
			t.Fatal("optimistic: not logged")
		}
		// Vault answers again and has taken the permission away: the token goes.
		h.kv.mu.Lock()
		h.kv.capsStatus = 0
		h.kv.allow[tokA] = []string{"other/"}
		h.kv.mu.Unlock()
		waitFor(t, 5*time.Second, "the eviction", func() bool { return h.cache.Len() == 0 })
	}
}
