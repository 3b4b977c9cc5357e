package cache

import (
	"container/heap"
	"context"
	"time"
)

// Every cached token and lease is renewed from one schedule, not by a goroutine of its own: a
// heap of the entries by the time of their next renewal, which one goroutine (schedule) watches,
// and at most renewWorkers goroutines that send the renewals due. A cache of 100,000 leases thus
// runs 1 + renewWorkers goroutines at most, and only the schedule's while no renewal is due. The
// heap and every entry's renewal state are guarded by Cache.mu, as the rest of the entry is.

// renewWorkers bounds the renewals in flight at once. It is initialRenewals too (verify.go): the
// restored entries' first renewals at start-up are the schedule's like any other. 100,000 entries
// of an hour's lease need about 40 renewals a second, and a slow answer holds its worker up to the
// client's timeout: a few more workers than cores keep one slow renewal from delaying the others.
const renewWorkers = 16

// scheduler is the renewal schedule. Guarded by Cache.mu.
type scheduler struct {
	due     renewHeap
	workers int           // goroutines sending renewals
	running bool          // the schedule goroutine was started
	wake    chan struct{} // the schedule has changed: the first renewal due, or a worker ended
}

// renewHeap is a container/heap of entries, the next renewal first.
type renewHeap []*entry

func (h renewHeap) Len() int           { return len(h) }
func (h renewHeap) Less(i, j int) bool { return h[i].r.due.Before(h[j].r.due) }
func (h renewHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].r.pos, h[j].r.pos = i+1, j+1
}
func (h *renewHeap) Push(x any) {
	e := x.(*entry)
	*h = append(*h, e)
	e.r.pos = len(*h)
}
func (h *renewHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.r.pos = 0
	return e
}

// dueLocked puts e in the schedule to be renewed at t (the zero time: before every entry already
// due, as a poke wants), or moves it there.
func (c *Cache) dueLocked(e *entry, t time.Time) {
	if e.evicted || c.closed {
		return
	}
	e.r.due = t
	if e.r.pos > 0 {
		heap.Fix(&c.sched.due, e.r.pos-1)
	} else {
		heap.Push(&c.sched.due, e)
	}
	if e.r.pos == 1 {
		c.wakeLocked()
	}
	if !c.sched.running {
		c.sched.running = true
		c.sched.wake = make(chan struct{}, 1)
		c.wg.Add(1)
		go c.schedule(c.sched.wake)
	}
}

// unscheduleLocked takes e out of the schedule, and cancels its renewal in flight if there is one.
func (c *Cache) unscheduleLocked(e *entry) {
	if e.r.pos > 0 {
		heap.Remove(&c.sched.due, e.r.pos-1)
	}
	if e.r.cancel != nil {
		e.r.cancel()
	}
}

func (c *Cache) wakeLocked() {
	select {
	case c.sched.wake <- struct{}{}:
	default:
	}
}

// schedule starts a worker for each renewal due, renewWorkers at most, and sleeps until the next
// one is due or the schedule changes. It returns when the cache closes.
func (c *Cache) schedule(wake <-chan struct{}) {
	defer c.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return
		}
		now := time.Now()
		for c.sched.workers < renewWorkers {
			e, ctx := c.nextDueLocked(now)
			if e == nil {
				break
			}
			c.sched.workers++
			c.wg.Add(1)
			go c.work(e, ctx)
		}
		// With every worker busy, a worker takes the next renewal due when it is done (work).
		sleep := time.Duration(-1)
		if len(c.sched.due) > 0 && c.sched.workers < renewWorkers {
			sleep = c.sched.due[0].r.due.Sub(now)
		}
		c.mu.Unlock()
		var timeout <-chan time.Time
		if sleep >= 0 {
			t.Reset(sleep)
			timeout = t.C
		}
		select {
		case <-c.baseCtx.Done():
			return
		case <-wake:
		case <-timeout:
		}
		t.Stop()
	}
}

// nextDueLocked takes the first entry out of the schedule when its renewal is due at now, and
// gives it the context of that renewal, cancelled when e is evicted or the cache closes.
func (c *Cache) nextDueLocked(now time.Time) (*entry, context.Context) {
	if len(c.sched.due) == 0 || c.sched.due[0].r.due.After(now) {
		return nil, nil
	}
	e := heap.Pop(&c.sched.due).(*entry)
	ctx, cancel := context.WithCancel(c.baseCtx)
	e.r.cancel = cancel
	return e, ctx
}

// work renews e, then every renewal due, until none is.
func (c *Cache) work(e *entry, ctx context.Context) {
	defer c.wg.Done()
	for e != nil {
		c.renewEntry(ctx, e)
		c.mu.Lock()
		c.renewedLocked(e)
		e, ctx = nil, nil
		if !c.closed {
			e, ctx = c.nextDueLocked(time.Now())
		}
		if e == nil {
			c.sched.workers--
			c.wakeLocked() // the schedule sleeps without a timer while every worker is busy
		}
		c.mu.Unlock()
	}
}
