package cache

import (
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// A renewal in flight when the cache closes is cancelled and not retried: Close waits for the
// goroutine that sent it, which would otherwise go on retrying against Vault after Close (goleak,
// main_test.go, found it when renewals ran in api.LifetimeWatcher, which takes no context).
func TestRenewalNotRetriedAfterClose(t *testing.T) {
	h := newHarness(t, func(o *Options) {
		cfg := api.DefaultConfig()
		cfg.Address = o.Vault.Address()
		cfg.MaxRetries = 2
		cfg.MinRetryWait, cfg.MaxRetryWait = 10*time.Millisecond, 10*time.Millisecond
		c, err := api.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.ClearNamespace()
		o.Vault = c
	})
	hold := make(chan struct{})
	h.fake.set(func() { h.fake.renewHold = hold })
	if r := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody); r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	renewals := func() int { return h.fake.count("PUT /v1/auth/token/renew-self") }
	deadline := time.Now().Add(5 * time.Second)
	for renewals() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the new token's renewal never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.closeCache()
	h.fake.set(func() { h.fake.down = true })
	close(hold)
	// Unfixed, the two retries follow 10ms apart; give them far longer than that.
	time.Sleep(500 * time.Millisecond)
	if n := renewals(); n != 1 {
		t.Errorf("%d renewal attempts, want the 1 in flight at Close and no retry", n)
	}
}
