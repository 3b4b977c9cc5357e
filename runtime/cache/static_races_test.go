package cache

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// holdReads makes the KV fake hold every read of path by token after its answer was made, until
// release is closed; held receives each.
func holdReads(kv *kvFake, token, path string) (held chan struct{}, release chan struct{}) {
	held, release = make(chan struct{}, 4), make(chan struct{})
	kv.mu.Lock()
	kv.holdGet = func(r *http.Request) {
		if r.URL.Path == path && r.Header.Get("X-Vault-Token") == token {
			held <- struct{}{}
			<-release
		}
	}
	kv.mu.Unlock()
	return held, release
}

// TestStaticReadRacingAWrite: a read answered before a write through the proxy, whose answer
// arrives after it, is not stored: the next read gets the new value. Without events (Vault OSS)
// nothing else would replace the old one before the interval re-read.
func TestStaticReadRacingAWrite(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, func(kv *kvFake) {
		readers(kv)
		kv.subscribeStatus = 404
	})
	held, release := holdReads(h.kv, tokA, "/v1/kv/data/foo")
	old := make(chan result, 1)
	go func() { old <- h.do("GET", "/v1/kv/data/foo", tokA, "") }()
	<-held
	if r := h.do("PUT", "/v1/kv/data/foo", tokB, `{"data":{"v":"two"}}`); r.status != 204 {
		t.Fatalf("write: %d", r.status)
	}
	close(release)
	if r := <-old; r.raw != fooV1Body || r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("the racing read: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "MISS" || r.raw != fooBody("two", 2) {
		t.Fatalf("after the write: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooBody("two", 2) {
		t.Fatalf("then: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	h.cache.mu.Lock()
	marks := len(h.cache.static.marks.written) + len(h.cache.static.marks.inflight)
	h.cache.mu.Unlock()
	if marks != 0 {
		t.Fatalf("%d marks left with no read in flight", marks)
	}
}

// TestStaticReadRacingARevocation: a read by a token revoked through the proxy while the read was
// out does not give the token static access back.
func TestStaticReadRacingARevocation(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, func(kv *kvFake) {
		readers(kv)
		kv.subscribeStatus = 404
	})
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	held, release := holdReads(h.kv, tokB, "/v1/kv/data/foo")
	done := make(chan result, 1)
	go func() { done <- h.do("GET", "/v1/kv/data/foo", tokB, "") }()
	<-held
	if r := h.do("POST", "/v1/auth/token/revoke", fakeRoot, `{"token":"`+tokB+`"}`); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	close(release)
	<-done
	if got := h.allowedTokens(staticKey{rel: "kv/data/foo"}); !slices.Equal(got, []string{tokA}) {
		t.Fatalf("allowed %v, want only A", got)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("the revoked token was answered from the cache")
	}
}

// TestStaticRevokeOrphan: revoke-orphan through the proxy takes the token's static access away at
// once, though the cache holds no entry for the token.
func TestStaticRevokeOrphan(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, readers)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.do("GET", "/v1/kv/data/foo", tokB, "")
	if r := h.do("POST", "/v1/auth/token/revoke-orphan", fakeRoot, `{"token":"`+tokB+`"}`); r.status != 204 {
		t.Fatalf("revoke-orphan: %d", r.status)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("the revoked token was answered from the cache")
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" {
		t.Fatal("the other token lost its access")
	}
}

// TestStaticRevokeAccessor: an accessor the cache cannot map to a token (revoke-accessor through
// the proxy, cache-clear token_accessor) suspends every token's static access and re-checks each
// at once: the revoked one is removed, the others are served again.
func TestStaticRevokeAccessor(t *testing.T) {
	for _, how := range []string{"revoke-accessor", "cache-clear"} {
		h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, readers)
		h.do("GET", "/v1/kv/data/foo", tokA, "")
		h.do("GET", "/v1/kv/data/foo", tokB, "")
		h.kv.revoke(tokB) // Vault revokes it
		if how == "cache-clear" {
			if _, err := h.cache.Clear(ClearRequest{Type: "token_accessor", Value: "acc-b"}); err != nil {
				t.Fatal(err)
			}
		} else if r := h.do("POST", "/v1/auth/token/revoke-accessor", fakeRoot, `{"accessor":"acc-b"}`); r.status != 204 {
			t.Fatalf("revoke-accessor: %d", r.status)
		}
		// B is never served from the cache again; until its check, nor is A.
		if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") != "MISS" || r.status != 403 {
			t.Fatalf("%s: revoked token: %d %q", how, r.status, r.header.Get("X-Cache"))
		}
		waitFor(t, 5*time.Second, "the capability checks", func() bool {
			return slices.Equal(h.allowedTokens(staticKey{rel: "kv/data/foo"}), []string{tokA}) && h.capChecks(tokA) > 0
		})
		waitFor(t, 5*time.Second, "A served again", func() bool {
			return h.do("GET", "/v1/kv/data/foo", tokA, "").header.Get("X-Cache") == "HIT"
		})
		if n := h.capChecks(tokA); n != 1 {
			t.Fatalf("%s: A checked %d times, want 1 (its next check is an interval away)", how, n)
		}
	}
}

// TestStaticRevokeParent: Vault revokes a token's children with it, and the cache does not know
// them (a child made directly at Vault holds no entry here). A revocation of a token the cache holds
// no entry for (by token, JSON or form body, self, or an auth/ lease prefix) therefore suspends and
// re-checks every token with static access: the revoked child is never served again, the others
// are once their check passes.
func TestStaticRevokeParent(t *testing.T) {
	for _, tc := range []struct {
		name               string
		method, path, body string
		token, contentType string
	}{
		{"revoke", "POST", "/v1/auth/token/revoke", `{"token":"hvs.parent"}`, fakeRoot, ""},
		{"revoke, form body", "POST", "/v1/auth/token/revoke", "token=hvs.parent", fakeRoot, "application/x-www-form-urlencoded"},
		{"revoke-self", "POST", "/v1/auth/token/revoke-self", "", fakeRoot, ""},
		{"revoke-prefix auth/token/", "PUT", "/v1/sys/leases/revoke-prefix/auth/token/", "", fakeRoot, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, readers)
			h.do("GET", "/v1/kv/data/foo", tokA, "")
			h.do("GET", "/v1/kv/data/foo", tokB, "")
			if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") != "HIT" {
				t.Fatal("setup: B not served from the cache")
			}
			h.kv.revoke(tokB) // Vault revokes B with its parent
			var hdr []string
			if tc.contentType != "" {
				hdr = []string{"Content-Type", tc.contentType}
			}
			if r := h.do(tc.method, tc.path, tc.token, tc.body, hdr...); r.status/100 != 2 {
				t.Fatalf("revocation: %d %s", r.status, r.raw)
			}
			if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") != "MISS" || r.status != 403 {
				t.Fatalf("the revoked child: %d %q", r.status, r.header.Get("X-Cache"))
			}
			waitFor(t, 5*time.Second, "A served again after its check", func() bool {
				return h.do("GET", "/v1/kv/data/foo", tokA, "").header.Get("X-Cache") == "HIT"
			})
			if r := h.do("GET", "/v1/kv/data/foo", tokB, ""); r.header.Get("X-Cache") == "HIT" {
				t.Fatal("the revoked child served from the cache after the checks")
			}
		})
	}
}
