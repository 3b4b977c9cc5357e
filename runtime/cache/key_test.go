package cache

import (
	"net/http"
	"testing"
)

func TestRequestToken(t *testing.T) {
	for _, tc := range []struct {
		hdr  http.Header
		want string
	}{
		{http.Header{"X-Vault-Token": {"a"}, "Authorization": {"Bearer b"}}, "a"},
		{http.Header{"Authorization": {"Bearer  b "}}, "b"},
		// Vault reads only the exact "Bearer " prefix; the others may be meant for a plugin.
		{http.Header{"Authorization": {"bearer b"}}, ""},
		{http.Header{"Authorization": {"BEARER b"}}, ""},
		{http.Header{"Authorization": {"Basic x", "Bearer c"}}, "c"},
		{http.Header{"Authorization": {"Bearer"}}, ""},
	} {
		if got := requestToken(tc.hdr); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.hdr, got, tc.want)
		}
	}
}

// TestStaticLowercaseBearer: Vault refuses "Authorization: bearer <token>" (no token), so the
// cache must not answer it with the token's static secret.
func TestStaticLowercaseBearer(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	for _, want := range []string{"MISS", "HIT"} {
		if r := h.do("GET", "/v1/kv/data/foo", "", "", "Authorization", "Bearer "+tokA); r.header.Get("X-Cache") != want || r.raw != fooV1Body {
			t.Fatalf("Bearer: %q %s, want %s", r.header.Get("X-Cache"), r.raw, want)
		}
	}
	for range 2 {
		if r := h.do("GET", "/v1/kv/data/foo", "", "", "Authorization", "bearer "+tokA); r.status != 403 || r.header.Get("X-Cache") == "HIT" {
			t.Fatalf("bearer: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
}
