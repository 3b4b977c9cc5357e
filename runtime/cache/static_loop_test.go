package cache

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// stepClock is a loopClock whose Sleep returns at once, moving the time on, once start is closed;
// past limit it blocks until the cache closes.
type stepClock struct {
	mu    sync.Mutex
	now   time.Time
	limit time.Time
	start chan struct{}
	done  chan struct{} // closed when the time reached limit
	once  sync.Once
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-c.start:
	case <-ctx.Done():
		return false
	}
	c.mu.Lock()
	if !c.now.Before(c.limit) {
		c.mu.Unlock()
		c.once.Do(func() { close(c.done) })
		<-ctx.Done()
		return false
	}
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return true
}

// TestStaticIntervalRereadSpacing: without the event stream, each re-read comes one interval after
// the previous one, though the subscription's back-off deadlines (1s doubling to 60s) fall in
// between. The loop runs on a stepped clock: the spacing is exact.
func TestStaticIntervalRereadSpacing(t *testing.T) {
	const interval = 20 * time.Second
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := &stepClock{now: t0, limit: t0.Add(30 * time.Minute), start: make(chan struct{}), done: make(chan struct{})}
	var mu sync.Mutex
	var reads []time.Time
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: interval, EventStreamRetry: time.Second, clock: clk}, nil,
		func(kv *kvFake) {
			readers(kv)
			kv.subscribeStatus = 404
			kv.holdGet = func(r *http.Request) {
				mu.Lock()
				reads = append(reads, clk.Now())
				mu.Unlock()
			}
		})
	h.do("GET", "/v1/kv/data/foo", tokA, "") // at t0, before the clock runs
	close(clk.start)
	select {
	case <-clk.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the stepped clock never reached its limit")
	}
	h.cache.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(reads) < 2 {
		t.Fatalf("%d reads", len(reads))
	}
	for i := 1; i < len(reads); i++ {
		if gap := reads[i].Sub(reads[i-1]); gap != interval {
			t.Fatalf("re-read %d came %v after the previous one, want %v (all: %v)", i, gap, interval, reads)
		}
	}
	if want := int(30*time.Minute/interval) + 1; len(reads) != want {
		t.Fatalf("%d reads in 30 minutes, want %d", len(reads), want)
	}
}
