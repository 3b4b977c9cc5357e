package cache

import (
	"strings"
	"testing"
)

// TestPersistAutoAuthIdentity: the auto-auth token is stored with the identity of the auto_auth
// configuration it came from, and given back only to the same identity. Another identity (a changed
// role, say) gets no token, a log line says why, and the token is not carried into the rewritten
// file; without auto_auth (identity "") no token is stored or given back.
func TestPersistAutoAuthIdentity(t *testing.T) {
	f := newPersistFixture(t)
	h := f.mustRun(f.opts(true, true), nil)
	h.do("POST", "/v1/auth/token/create", fakeRoot, createBody)
	h.cache.StoreAutoAuthToken("hvs.auto")
	h.closeCache()

	if h := f.mustRun(f.opts(true, true), nil); h.cache.RestoredAutoAuthToken() != "hvs.auto" {
		t.Fatalf("same identity: RestoredAutoAuthToken %q, want hvs.auto", h.cache.RestoredAutoAuthToken())
	} else {
		h.closeCache()
	}

	other := f.opts(true, true)
	other.AutoAuthIdentity = "identity-of-role-other"
	h2 := f.mustRun(other, nil)
	if got := h2.cache.RestoredAutoAuthToken(); got != "" {
		t.Errorf("another identity: RestoredAutoAuthToken %q, want none", got)
	}
	if h2.cache.Len() != 1 {
		t.Errorf("another identity: %d entries restored, want 1 (the entries do not depend on it)", h2.cache.Len())
	}
	if !strings.Contains(h2.logs.String(), "belongs to another auto_auth configuration") {
		t.Errorf("the log does not say why the token is not used:\n%s", h2.logs.String())
	}
	h2.closeCache()
	// The rewritten file no longer holds the old token, even for its own identity.
	if h := f.mustRun(f.opts(true, true), nil); h.cache.RestoredAutoAuthToken() != "" {
		t.Errorf("the token was carried into the rewritten file: %q", h.cache.RestoredAutoAuthToken())
	} else {
		h.cache.StoreAutoAuthToken("hvs.auto2")
		h.closeCache()
	}

	none := f.opts(true, true)
	none.AutoAuthIdentity = ""
	h3 := f.mustRun(none, nil)
	if got := h3.cache.RestoredAutoAuthToken(); got != "" {
		t.Errorf("without auto_auth: RestoredAutoAuthToken %q, want none", got)
	}
	h3.cache.StoreAutoAuthToken("hvs.stored-without-auto-auth")
	h3.closeCache()
	if h := f.mustRun(f.opts(true, true), nil); h.cache.RestoredAutoAuthToken() != "" {
		t.Errorf("a run without auto_auth carried or stored a token: %q", h.cache.RestoredAutoAuthToken())
	}
}
