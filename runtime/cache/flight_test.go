package cache

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedRT holds every round trip to Vault while its gate is shut, counting them.
type gatedRT struct {
	next  http.RoundTripper
	calls atomic.Int64
	mu    sync.Mutex
	gate  chan struct{} // nil: open
}

func (g *gatedRT) RoundTrip(r *http.Request) (*http.Response, error) {
	g.calls.Add(1)
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return g.next.RoundTrip(r)
}

func (g *gatedRT) shut() chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
	g.calls.Store(0)
	return g.gate
}

// outcome is one concurrent request's answer.
type outcome struct {
	status int
	cache  string
	body   string
	err    error
}

// burst sends n identical GETs of path at once while Vault is held, lets the first through once
// the others had time to queue behind it, and returns what each got.
func burst(t *testing.T, h *harness, g *gatedRT, n int, path string) []outcome {
	t.Helper()
	gate := g.shut()
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := h.cache.RoundTrip(mustRequest(t, h, path, fakeRoot))
			if err != nil {
				out[i].err = err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			out[i] = outcome{status: resp.StatusCode, cache: resp.Header.Get("X-Cache"), body: string(b)}
		}()
	}
	waitFor(t, 5*time.Second, "the leader's round trip", func() bool { return g.calls.Load() >= 1 })
	time.Sleep(200 * time.Millisecond) // the others reach the cache and wait for the leader
	close(gate)
	wg.Wait()
	return out
}

// Identical requests that wait for a leader that found Vault unreachable get its answer (a stale
// one when serve_stale_for allows it) instead of each going to Vault in turn, which doubled their
// wait for a refused Vault (the forwarder's dial retry budget, twice).
func TestFollowersShareUnreachableVault(t *testing.T) {
	const n = 8
	for _, tc := range []struct {
		name  string
		keep  time.Duration
		down  func(h *harness)
		check func(t *testing.T, o outcome)
	}{
		{"connection refused", 0, func(h *harness) { h.fake.srv.Close() }, func(t *testing.T, o outcome) {
			var oe *net.OpError
			if !errors.As(o.err, &oe) {
				t.Errorf("got %d %q, want the transport error", o.status, o.body)
			}
		}},
		{"503", 0, func(h *harness) { h.fake.set(func() { h.fake.down = true }) }, func(t *testing.T, o outcome) {
			if o.err != nil || o.status != 503 || o.cache != "MISS" {
				t.Errorf("got %d X-Cache %q err %v, want Vault's 503", o.status, o.cache, o.err)
			}
		}},
		{"stale", time.Minute, func(h *harness) { h.fake.srv.Close() }, func(t *testing.T, o outcome) {
			if o.err != nil || o.status != 200 || o.cache != "STALE" {
				t.Errorf("got %d X-Cache %q err %v, want the stale answer", o.status, o.cache, o.err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &gatedRT{}
			var offset *atomic.Int64
			h := newHarness(t, func(o *Options) {
				offset = fixedClock(o)
				o.ServeStaleFor = tc.keep
				g.next = o.Next
				o.Next = g
			})
			if r := h.do("GET", credsPath, fakeRoot, ""); r.header.Get("X-Cache") != "MISS" {
				t.Fatalf("setup: %s", r.raw)
			}
			offset.Store(int64(3601 * time.Second)) // the lease has ended: every request goes to Vault
			tc.down(h)
			for _, o := range burst(t, h, g, n, credsPath) {
				tc.check(t, o)
			}
			if c := g.calls.Load(); c != 1 {
				t.Errorf("%d round trips to Vault for %d identical requests, want 1 (the leader's)", c, n)
			}
		})
	}
}
