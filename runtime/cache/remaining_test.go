package cache

import (
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDurationSpan(t *testing.T) {
	tests := []struct {
		name string
		body string
		kind entryKind
		want string // the text at the span; "" for none
	}{
		{"lease", `{"lease_id":"x","lease_duration":3600,"data":{}}`, kindLease, "3600"},
		{"lease spaced", "{\n  \"lease_duration\" :\t 42 ,\n  \"x\": 1}", kindLease, "42"},
		{"lease after nested ones", `{"data":{"lease_duration":5,"a":[{"lease_duration":6}]},"lease_duration":7}`, kindLease, "7"},
		{"token", `{"lease_duration":0,"auth":{"client_token":"t","lease_duration":768,"renewable":true}}`, kindToken, "768"},
		{"token auth after data", `{"data":{"auth":{"lease_duration":1}},"auth":{"policies":["a"],"lease_duration":9}}`, kindToken, "9"},
		{"token without auth duration", `{"lease_duration":0,"auth":{"client_token":"t"}}`, kindToken, ""},
		{"not an integer", `{"lease_duration":1.5}`, kindLease, ""},
		{"a string", `{"lease_duration":"60"}`, kindLease, ""},
		{"absent", `{"lease_id":"x"}`, kindLease, ""},
		{"not JSON", `lease_duration`, kindLease, ""},
		{"static", `{"lease_duration":2764800}`, kindStatic, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := durationSpan([]byte(tt.body), tt.kind)
			got := ""
			if s.ok() {
				got = tt.body[s.start:s.end]
			}
			if got != tt.want {
				t.Fatalf("span %v = %q, want %q", s, got, tt.want)
			}
		})
	}
}

// fixedClock is a clock that only moves when told: Age and the time left are then exact.
func fixedClock(o *Options) *atomic.Int64 {
	var offset atomic.Int64
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o.Now = func() time.Time { return base.Add(time.Duration(offset.Load())) }
	return &offset
}

func TestHitServesTimeLeft(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		field                    string // the rewritten JSON text, as Vault wrote it
	}{
		{"lease", "GET", "/v1/database/creds/app", "", `"lease_duration":3600`},
		{"token", "POST", "/v1/auth/token/create", `{"policies":["default"]}`, `"lease_duration":3600`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var offset *atomic.Int64
			h := newHarness(t, func(o *Options) { offset = fixedClock(o) })
			miss := h.do(tt.method, tt.path, fakeRoot, tt.body)
			if miss.header.Get("X-Cache") != "MISS" || !strings.Contains(miss.raw, tt.field) {
				t.Fatalf("miss: %s %s", miss.header.Get("X-Cache"), miss.raw)
			}
			// The renewer's first renewal, at the same (stopped) clock, sets the same expiry.
			waitFor(t, 5*time.Second, "first renewal", func() bool {
				return h.fake.count("PUT /v1/sys/leases/renew")+h.fake.count("PUT /v1/auth/token/renew-self") >= 1
			})
			offset.Store(int64(100*time.Second + 300*time.Millisecond))
			hit := h.do(tt.method, tt.path, fakeRoot, tt.body)
			want := strings.Replace(miss.raw, tt.field, strings.Replace(tt.field, "3600", "3499", 1), 1)
			if hit.raw != want {
				t.Fatalf("hit body\n%s\nwant\n%s", hit.raw, want)
			}
			if hit.header.Get("Age") != "100" || hit.header.Get("X-Cache") != "HIT" {
				t.Fatalf("Age %q X-Cache %q", hit.header.Get("Age"), hit.header.Get("X-Cache"))
			}
			if cl := hit.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(hit.raw)) {
				t.Fatalf("Content-Length %s for a body of %d bytes", cl, len(hit.raw))
			}
			// Under a second left: it would be served with lease_duration 0 (for a token, "no
			// expiry"), so it is evicted and Vault asked again.
			offset.Store(int64(3599*time.Second + 500*time.Millisecond))
			if r := h.do(tt.method, tt.path, fakeRoot, tt.body); r.header.Get("X-Cache") != "MISS" {
				t.Fatalf("served with under a second left: %s", r.raw)
			}
			if n := h.metric("vault_proxy_cache_evictions_total", "reason", "expired"); n != 1 {
				t.Fatalf("%v evictions as expired, want 1", n)
			}
		})
	}
}

// Near its max TTL a renewal gives less than the lease was created with: a hit serves that, not
// the lease_duration Vault answered at creation.
func TestHitServesTimeLeftAfterRenewalShortened(t *testing.T) {
	var offset *atomic.Int64
	h := newHarness(t, func(o *Options) { offset = fixedClock(o) })
	h.fake.set(func() { h.fake.maxTTL = 3000 })
	h.do("GET", "/v1/database/creds/app", fakeRoot, "")
	// The renewal is counted when it reaches the fake, and applied when its answer comes back.
	var hit result
	waitFor(t, 5*time.Second, "the first renewal applied", func() bool {
		hit = h.do("GET", "/v1/database/creds/app", fakeRoot, "")
		return hit.body["lease_duration"] != float64(3600)
	})
	// The fake's renewal answers the whole seconds left of its max TTL: 2999, or 3000 when it came
	// within a millisecond of the creation. (Far enough from the max TTL for the LifetimeWatcher to
	// go on: within about a quarter of the lease it stops, and the entry is evicted.)
	if d, _ := hit.body["lease_duration"].(float64); hit.header.Get("X-Cache") != "HIT" || d < 2999 || d > 3000 {
		t.Fatalf("X-Cache %s lease_duration %v, want 2999 or 3000", hit.header.Get("X-Cache"), hit.body["lease_duration"])
	}
	offset.Store(int64(2999*time.Second + 500*time.Millisecond))
	if r := h.do("GET", "/v1/database/creds/app", fakeRoot, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("served past what the renewal gave: %s", r.raw)
	}
}

var leaseDurationField = regexp.MustCompile(`"lease_duration":\d+`)

// sameAnswer reports whether a hit's body is the stored answer: the same bytes but for the lease
// durations, which a hit gives as the time left (remaining.go).
func sameAnswer(hit, stored string) bool {
	return leaseDurationField.ReplaceAllString(hit, `"lease_duration":N`) ==
		leaseDurationField.ReplaceAllString(stored, `"lease_duration":N`)
}
