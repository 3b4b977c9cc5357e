package runtime

import (
	"log/slog"
	"testing"
	"time"
)

// TestCacheStaticSettings: cache_static_secrets starts (no refusal), its refresh settings reach
// the cache, and a reload that changes them replaces the cache.
func TestCacheStaticSettings(t *testing.T) {
	fv := newCacheFakeVault(t)
	tf := cacheTokenFile(t)
	static := func(interval, behavior string) string {
		return "cache {\n cache_static_secrets = true\n static_secret_token_capability_refresh_interval = \"" + interval +
			"\"\n static_secret_token_capability_refresh_behavior = \"" + behavior + "\"\n}"
	}
	p := planFrom(t, cachePlanHCL(tf, "use_auto_auth_token = true", static("90s", "pessimistic"), ""), fv.srv.URL)
	cb, _ := p.Cache()
	id := cacheIdentityOf(cb, p, nil)
	if id.static != (staticIdentity{on: true, interval: 90 * time.Second, pessimistic: true}) {
		t.Fatalf("identity %+v", id.static)
	}
	o := staticOptions(id.static, nil)
	if o == nil || o.CapabilityRefreshInterval != 90*time.Second || !o.Pessimistic {
		t.Fatalf("options %+v", o)
	}
	if staticOptions(staticIdentity{}, nil) != nil {
		t.Fatal("static options without cache_static_secrets")
	}
	unrun, err := New(p, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// New starts the static cache's goroutines, and a Runtime that never runs has no shutdown to
	// stop them: close its cache here (goleak, main_test.go).
	unrun.current().cache.close()

	s := startPlan(t, p)
	first := s.rt.cur.Load().cache
	if first == nil || first.c == nil {
		t.Fatal("no cache")
	}
	same := planFrom(t, cachePlanHCL(tf, "use_auto_auth_token = true", static("90s", "pessimistic"), ""), fv.srv.URL)
	if err := s.rt.Swap(same); err != nil {
		t.Fatal(err)
	}
	if s.rt.cur.Load().cache != first {
		t.Fatal("a reload with the same static settings replaced the cache")
	}
	changed := planFrom(t, cachePlanHCL(tf, "use_auto_auth_token = true", static("90s", "optimistic"), ""), fv.srv.URL)
	if err := s.rt.Swap(changed); err != nil {
		t.Fatal(err)
	}
	if c := s.rt.cur.Load().cache; c == first || c == nil {
		t.Fatal("a reload changing the refresh behaviour kept the cache")
	}
}
