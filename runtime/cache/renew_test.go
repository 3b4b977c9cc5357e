package cache

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// The renewal timing is api.LifetimeWatcher's (hashicorp/vault api/lifetime_watcher.go).
func TestLeaseGrace(t *testing.T) {
	for _, d := range []time.Duration{time.Second, 2 * time.Second, time.Hour, 768 * time.Hour} {
		for range 100 {
			if g := leaseGrace(d); g < d/10 || g >= d/5 {
				t.Fatalf("grace of %v: %v, want 10%% to 20%% of it", d, g)
			}
		}
	}
	if g := leaseGrace(0); g != 0 {
		t.Fatalf("grace of 0: %v", g)
	}
}

func TestRenewedSleep(t *testing.T) {
	const h = time.Hour
	for _, tc := range []struct {
		name                        string
		remaining, prior, grace     time.Duration
		sleepMin, sleepMax, graceLo time.Duration
		ends                        bool
	}{
		// A lease renewed to its full TTL: 2/3 of it plus a third of the unchanged grace.
		{"same lease", h, h, 6 * time.Minute, 42 * time.Minute, 42 * time.Minute, 6 * time.Minute, false},
		// A lease that grew: the grace is computed anew from it (10 to 20%).
		{"longer lease", 2 * h, h, 6 * time.Minute, 80*time.Minute + 4*time.Minute, 80*time.Minute + 8*time.Minute, 12 * time.Minute, false},
		// Near the max TTL Vault gives less than the grace period: renewal ends.
		{"max TTL near", 5 * time.Minute, h, 6 * time.Minute, 0, h, 6 * time.Minute, true},
		// 20 min left is beyond the grace, but after the sleep (13m20s + 2m) 4m40s would be within it.
		{"within grace after the sleep", 20 * time.Minute, h, 6 * time.Minute, 15*time.Minute + 20*time.Second, 15*time.Minute + 20*time.Second, 6 * time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sleep, grace := renewedSleep(tc.remaining, tc.prior, tc.grace)
			if sleep < tc.sleepMin || sleep > tc.sleepMax {
				t.Errorf("sleep %v, want %v to %v", sleep, tc.sleepMin, tc.sleepMax)
			}
			if grace < tc.graceLo || grace > 2*tc.graceLo {
				t.Errorf("grace %v, want %v to %v", grace, tc.graceLo, 2*tc.graceLo)
			}
			if got := watchEnds(tc.remaining, sleep, grace); got != tc.ends {
				t.Errorf("ends: %v, want %v", got, tc.ends)
			}
		})
	}
}

// After failed renewals the watcher waits 10 s, 20 s, 40 s... (each randomized by half) up to
// 5 minutes, and gives up when the next attempt would come after the lease's end.
func TestErrBackoff(t *testing.T) {
	start := time.Unix(1e9, 0)
	b := newErrBackoff(start, time.Hour)
	now := start
	interval := errRetryFirst
	for i := range 12 {
		wait, ok := b.next(now)
		if !ok {
			t.Fatalf("attempt %d: gave up %v after the first failure, within the hour left", i+1, now.Sub(start))
		}
		if wait < interval/2 || wait > interval*3/2+time.Nanosecond {
			t.Fatalf("attempt %d: wait %v, want %v ± half", i+1, wait, interval)
		}
		interval = min(2*interval, errRetryMax)
		now = now.Add(wait)
	}
	// Past the hour it gives up.
	if _, ok := b.next(start.Add(time.Hour)); ok {
		t.Fatal("still retrying when the lease has ended")
	}
	if _, ok := newErrBackoff(start, 5*time.Second).next(start); ok {
		t.Fatal("a first wait of at least 5 s scheduled with 5 s of lease left")
	}
}

// Cached entries are renewed from one schedule: a hundred of them, each renewed once, leave no
// goroutine of their own (a LifetimeWatcher per entry ran two).
func TestRenewalsRunNoGoroutinePerEntry(t *testing.T) {
	h := newHarness(t, nil)
	const n = 100
	before := runtime.NumGoroutine()
	for i := range n {
		if r := h.do("POST", "/v1/auth/token/create", fakeRoot, fmt.Sprintf(`{"meta":{"n":"%d"}}`, i)); r.status != 200 {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
	}
	waitFor(t, 5*time.Second, "first renewals", func() bool { return h.fake.count("PUT /v1/auth/token/renew-self") >= n })
	if h.cache.Len() != n {
		t.Fatalf("%d entries, want %d", h.cache.Len(), n)
	}
	// The schedule's goroutine and idle connections stay; the workers end once nothing is due.
	waitFor(t, 5*time.Second, "goroutines", func() bool { return runtime.NumGoroutine()-before < n/4 })
}

// A poke while the entry's renewal is in flight (a request waits for it, or its parent's renewal
// was refused) is not lost: it renews again once that one is answered, as a new watcher would.
func TestPokeDuringRenewal(t *testing.T) {
	h := newHarness(t, nil)
	hold := make(chan struct{})
	h.fake.set(func() { h.fake.renewHold = hold })
	t.Cleanup(func() {
		select {
		case <-hold:
		default:
			close(hold)
		}
	})
	tok := h.do("POST", "/v1/auth/token/create", fakeRoot, createBody).str("auth", "client_token")
	renewals := func() int { return h.fake.count("PUT /v1/auth/token/renew-self") }
	waitFor(t, 5*time.Second, "the first renewal", func() bool { return renewals() == 1 })
	h.cache.mu.Lock()
	e := h.cache.idx.byToken[tok]
	h.cache.pokeLocked(e)
	h.cache.mu.Unlock()
	close(hold)
	// Unpoked, the next renewal is 40 minutes away.
	waitFor(t, 5*time.Second, "the poke's renewal", func() bool { return renewals() == 2 })
	time.Sleep(100 * time.Millisecond)
	if n := renewals(); n != 2 || h.cache.Len() != 1 {
		t.Fatalf("%d renewals, %d entries; want 2 and the token still cached", n, h.cache.Len())
	}
}

// sentRenewal is what a renewal carried to Vault.
type sentRenewal struct{ path, token, namespace, wrapTTL, custom string }

// renewalHeaders records the renewals the cache's Vault client sends.
type renewalHeaders struct {
	mu   sync.Mutex
	seen []sentRenewal
}

func (r *renewalHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seen = append(r.seen, sentRenewal{req.URL.Path, req.Header.Get("X-Vault-Token"),
		req.Header.Get("X-Vault-Namespace"), req.Header.Get("X-Vault-Wrap-TTL"), req.Header.Get("X-Custom")})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *renewalHeaders) all() []sentRenewal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// Each renewal goes to its entry's namespace with its token (a lease: the token that created it),
// whatever the shared client and the environment say, and is never wrapped.
func TestRenewalRequests(t *testing.T) {
	t.Setenv("VAULT_WRAP_TTL", "5m")
	t.Setenv("VAULT_NAMESPACE", "elsewhere")
	t.Setenv("VAULT_HEADERS", `{"X-Custom":"yes"}`)
	rec := &renewalHeaders{}
	h := newHarness(t, func(o *Options) {
		cfg := api.DefaultConfig()
		cfg.Address = o.Vault.Address()
		cfg.MaxRetries = 0
		cfg.HttpClient = &http.Client{Transport: rec}
		c, err := api.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.SetToken("the-clients-own")
		c.SetNamespace("the-clients-own")
		o.Vault = c
	})
	tok := h.do("POST", "/v1/ns1/auth/token/create", fakeRoot, createBody, "X-Vault-Namespace", "team").str("auth", "client_token")
	lease := h.do("GET", "/v1/database/creds/app", fakeRoot, "", "X-Vault-Namespace", "team2/")
	if tok == "" || lease.str("lease_id") == "" || h.cache.Len() != 2 {
		t.Fatalf("setup: %d entries", h.cache.Len())
	}
	waitFor(t, 5*time.Second, "first renewals", func() bool { return len(rec.all()) >= 2 })
	want := map[string]sentRenewal{
		"/v1/auth/token/renew-self": {"/v1/auth/token/renew-self", tok, "team/ns1/", "", ""},
		"/v1/sys/leases/renew":      {"/v1/sys/leases/renew", fakeRoot, "team2/", "", ""},
	}
	for _, got := range rec.all() {
		if got != want[got.path] {
			t.Errorf("renewal sent as %+v, want %+v", got, want[got.path])
		}
	}
}

// Renewals due are sent in the order they fell due, a poked one (a request waits for it) first.
func TestPokedRenewalGoesFirst(t *testing.T) {
	c := &Cache{}
	c.baseCtx, c.baseCancel = context.WithCancel(context.Background())
	defer c.baseCancel()
	c.sched.running = true // the heap alone, without the schedule's goroutine
	now := time.Now()
	es := make([]*entry, 5)
	for i := range es {
		es[i] = &entry{duration: 60}
		es[i].r.base = es[i].duration
		c.dueLocked(es[i], now.Add(-time.Duration(len(es)-i)*time.Second))
	}
	c.pokeLocked(es[3])
	var order []int
	for {
		e, _ := c.nextDueLocked(now)
		if e == nil {
			break
		}
		order = append(order, slices.Index(es, e))
	}
	if want := []int{3, 0, 1, 2, 4}; !slices.Equal(order, want) {
		t.Fatalf("renewed in the order %v, want %v", order, want)
	}
}
