package cache

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestStaleEntrySurvivesRestart: with a cache file and serve_stale_for, an entry past its lease's
// end at shutdown, but within serve_stale_for of it, stays in the file and a restart with Vault
// down serves it STALE, its Age counted from when Vault gave it (not from the restart); one
// restored past serve_stale_for is not. With keep_after_import it is carried to the new file, so a
// second restart still has it.
func TestStaleEntrySurvivesRestart(t *testing.T) {
	const keep = 10 * time.Minute
	f := newPersistFixture(t)
	var offset1 *atomic.Int64
	h := f.mustRun(f.opts(true, true), func(o *Options) { offset1 = fixedClock(o); o.ServeStaleFor = keep })
	miss := h.do("GET", credsPath, fakeRoot, "")
	if miss.header.Get("X-Cache") != "MISS" {
		t.Fatalf("setup: %s", miss.raw)
	}
	f.fake.set(func() { f.fake.down = true })
	offset1.Store(int64(3600*time.Second + time.Minute)) // a minute past the lease's end
	if r := h.do("GET", credsPath, fakeRoot, ""); r.header.Get("X-Cache") != "STALE" {
		t.Fatalf("before the restart: %d X-Cache %q", r.status, r.header.Get("X-Cache"))
	}
	h.closeCache()

	wantBody := strings.Replace(miss.raw, `"lease_duration":3600`, `"lease_duration":0`, 1)
	for _, tc := range []struct {
		name  string
		at    time.Duration // the clock of the restarted run, from the first one's start
		stale bool
	}{
		{"within serve_stale_for", 3600*time.Second + 2*time.Minute, true},
		{"again, from the rewritten file", 3600*time.Second + 3*time.Minute, true},
		{"past serve_stale_for", 3600*time.Second + keep + time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := f.mustRun(f.opts(true, true), func(o *Options) {
				fixedClock(o).Store(int64(tc.at))
				o.ServeStaleFor = keep
			})
			h.start()
			r := h.do("GET", credsPath, fakeRoot, "")
			h.closeCache()
			if !tc.stale {
				if r.status != 503 || r.header.Get("X-Cache") != "MISS" {
					t.Fatalf("%d X-Cache %q; want Vault's 503", r.status, r.header.Get("X-Cache"))
				}
				return
			}
			age := strconv.Itoa(int(tc.at / time.Second))
			if r.status != 200 || r.header.Get("X-Cache") != "STALE" || r.header.Get("Age") != age ||
				r.raw != wantBody {
				t.Fatalf("%d X-Cache %q Age %q (want %s) %s", r.status, r.header.Get("X-Cache"), r.header.Get("Age"), age, r.raw)
			}
		})
	}
}

// A stale entry that leaves the stale store (here by a cache-clear, which drops them all) leaves
// the file too: the next run does not bring it back.
func TestStaleEntryClearedNotRestored(t *testing.T) {
	f := newPersistFixture(t)
	var offset *atomic.Int64
	h := f.mustRun(f.opts(true, true), func(o *Options) { offset = fixedClock(o); o.ServeStaleFor = time.Hour })
	miss := h.do("GET", credsPath, fakeRoot, "")
	f.fake.set(func() { f.fake.down = true })
	offset.Store(int64(3601 * time.Second))
	if r := h.do("GET", credsPath, fakeRoot, ""); r.header.Get("X-Cache") != "STALE" {
		t.Fatalf("setup: %d X-Cache %q", r.status, r.header.Get("X-Cache"))
	}
	if r := h.clear("POST", `{"type":"lease","value":"`+miss.str("lease_id")+`"}`); r.status != 200 {
		t.Fatalf("cache-clear: %d", r.status)
	}
	h.closeCache()

	h2 := f.mustRun(f.opts(true, true), func(o *Options) {
		fixedClock(o).Store(int64(3602 * time.Second))
		o.ServeStaleFor = time.Hour
	})
	h2.start()
	if r := h2.do("GET", credsPath, fakeRoot, ""); r.status != 503 || r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("after the restart: %d X-Cache %q; want Vault's 503", r.status, r.header.Get("X-Cache"))
	}
}
