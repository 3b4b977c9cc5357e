package cache

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func fooBody(v string, version int) string {
	return fmt.Sprintf(`{"data":{"data":{"v":%q},"metadata":{"destroyed":false,"version":%d}},"lease_duration":0,"lease_id":"","mount_type":"kv","renewable":false,"request_id":"r"}`+"\n", v, version)
}

// waitBody waits until a read of path by token is answered from the cache with want.
func (h *staticHarness) waitHit(path, token, want string) {
	h.t.Helper()
	var last result
	deadline := time.Now().Add(5 * time.Second)
	for {
		last = h.do("GET", path, token, "")
		if last.header.Get("X-Cache") == "HIT" && last.raw == want {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: never answered from the cache with %s; last %q %s", path, want, last.header.Get("X-Cache"), last.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStaticSubscription(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{EventNamespace: "ns1/"}, nil, readers)
	h.connected(1)
	if tok, ns := h.kv.subscribeToken, h.kv.subscribeNS; tok != fakeRoot || ns != "ns1/" {
		t.Fatalf("subscribed with token %q namespace %q", tok, ns)
	}
}

func TestStaticEventRefreshesTheSecret(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, readers)
	h.connected(1)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.do("GET", "/v1/kv/data/foo", tokB, "")
	h.do("GET", "/v1/kvv1/bar", tokA, "")
	h.kv.write("kv/foo", map[string]any{"v": "two"})
	h.kv.write("kvv1/bar", map[string]any{"b": "y"})
	waitFor(t, 5*time.Second, "the refreshes", func() bool {
		return h.metric("vault_proxy_cache_static_refreshes_total", "result", "updated") >= 2
	})
	// Re-read once, by one of the allowed tokens, and asking for the active node.
	reads := h.kv.readCount(tokA, "/v1/kv/data/foo") + h.kv.readCount(tokB, "/v1/kv/data/foo")
	if reads != 3 || h.kv.get(func(kv *kvFake) int { return kv.forwarded }) != 2 {
		t.Fatalf("reads %d (want 3), forwarded %d (want 2)", reads, h.kv.forwarded)
	}
	for _, tok := range []string{tokA, tokB} {
		if r := h.do("GET", "/v1/kv/data/foo", tok, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooBody("two", 2) {
			t.Fatalf("after the event: %q %s", r.header.Get("X-Cache"), r.raw)
		}
	}
	// The refreshed current answer does not answer ?version=2 (its own entry, its own tokens).
	if r := h.do("GET", "/v1/kv/data/foo?version=2", tokA, ""); r.header.Get("X-Cache") != "MISS" || r.raw != fooBody("two", 2) {
		t.Fatalf("version 2 after the event: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	want := `{"data":{"b":"y"},"lease_duration":2764800,"lease_id":"","mount_type":"kv","renewable":false,"request_id":"r"}` + "\n"
	if r := h.do("GET", "/v1/kvv1/bar", tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != want {
		t.Fatalf("KV v1 after the event: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	// An event for a secret not cached, or not a modification, costs nothing.
	before := h.kv.readCount(tokA, "/v1/kv/data/other")
	h.kv.write("kv/other", map[string]any{"o": 1})
	h.kv.send(map[string]any{"data": map[string]any{"event": map[string]any{"metadata": map[string]any{
		"modified": "false", "path": "kv/data/foo"}}}})
	h.kv.send("not an event")
	time.Sleep(100 * time.Millisecond)
	if h.kv.readCount(tokA, "/v1/kv/data/other") != before || h.metric("vault_proxy_cache_static_refreshes_total", "result", "updated") != 2 {
		t.Fatal("an unrelated event caused a read")
	}
}

// TestStaticEventInNamespace: an event for ns1/ kv/data/foo refreshes both forms that name it on
// Vault Enterprise, each re-read in its own form with its own tokens.
func TestStaticEventInNamespace(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, func(kv *kvFake) {
		readers(kv)
		kv.writeLocked("ns1/kv/foo", false, map[string]any{"v": "ns"})
	})
	h.connected(1)
	h.do("GET", "/v1/kv/data/foo", tokA, "", "X-Vault-Namespace", "ns1")
	h.do("GET", "/v1/ns1/kv/data/foo", tokB, "")
	h.kv.write("ns1/kv/foo", map[string]any{"v": "ns2"})
	waitFor(t, 5*time.Second, "the refreshes", func() bool {
		return h.metric("vault_proxy_cache_static_refreshes_total", "result", "updated") >= 2
	})
	if r := h.do("GET", "/v1/kv/data/foo", tokA, "", "X-Vault-Namespace", "ns1"); r.header.Get("X-Cache") != "HIT" || r.raw != fooBody("ns2", 2) {
		t.Fatalf("header form: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	h.waitHit("/v1/ns1/kv/data/foo", tokB, fooBody("ns2", 2))
	// Each form was re-read as it was requested, with its own token only.
	if a, b := h.kv.readCount(tokA, "/v1/kv/data/foo"), h.kv.readCount(tokB, "/v1/ns1/kv/data/foo"); a != 2 || b != 2 ||
		h.kv.readCount(tokA, "/v1/ns1/kv/data/foo")+h.kv.readCount(tokB, "/v1/kv/data/foo") != 0 {
		t.Fatalf("reads: A header form %d, B path form %d (want 2 each, none crossed)", a, b)
	}
	// The root namespace's kv/foo was not touched.
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatal("the root secret was cached by a namespaced event")
	}
}

// TestStaticDeleteAndDestroyEvents: the ?version=N entries a delete, destroy or undelete lists are
// evicted; the secret's other entries are re-read, each in its own form.
func TestStaticDeleteAndDestroyEvents(t *testing.T) {
	// Written before the subscription, so that only the events below cause re-reads.
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, func(kv *kvFake) {
		readers(kv)
		kv.writeLocked("kv/foo", false, map[string]any{"v": "two"})
		kv.writeLocked("kv/foo", false, map[string]any{"v": "three"})
	})
	h.connected(1)
	for _, q := range []string{"?version=1", "?version=2", "?version=3", ""} {
		h.do("GET", "/v1/kv/data/foo"+q, tokA, "")
	}
	for v, body := range map[int]string{1: fooBody("one", 1), 2: fooBody("two", 2), 3: fooBody("three", 3)} {
		if r := h.do("GET", fmt.Sprintf("/v1/kv/data/foo?version=%d", v), tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != body {
			t.Fatalf("version %d: %q %s", v, r.header.Get("X-Cache"), r.raw)
		}
	}
	updated := func(n float64) func() bool {
		return func() bool { return h.metric("vault_proxy_cache_static_refreshes_total", "result", "updated") >= n }
	}
	// destroy 1 evicts ?version=1 and re-reads the three others; then delete 2 evicts ?version=2
	// and re-reads the current one and ?version=3.
	h.kv.versionsOp("kv/foo", "destroy", 1)
	waitFor(t, 5*time.Second, "the refreshes", updated(3))
	h.kv.versionsOp("kv/foo", "delete", 2)
	waitFor(t, 5*time.Second, "the refreshes", updated(5))
	if got := h.metric("vault_proxy_cache_evictions_total", "reason", "written"); got != 2 || h.cache.Len() != 2 {
		t.Fatalf("written evictions %v, %d entries; want 2, 2", got, h.cache.Len())
	}
	for _, v := range []int{1, 2} {
		if r := h.do("GET", fmt.Sprintf("/v1/kv/data/foo?version=%d", v), tokA, ""); r.status != 404 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("version %d after delete/destroy: %d %q %s", v, r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	if r := h.do("GET", "/v1/kv/data/foo?version=3", tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooBody("three", 3) {
		t.Fatalf("version 3 was dropped: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	// Undelete: Vault's answer for version 2 changed (404 is not stored, so it was not cached).
	h.kv.versionsOp("kv/foo", "undelete", 2)
	waitFor(t, 5*time.Second, "the refresh", updated(7))
	v2a := h.do("GET", "/v1/kv/data/foo?version=2", tokA, "")
	v2b := h.do("GET", "/v1/kv/data/foo?version=2", tokA, "")
	if v2a.header.Get("X-Cache") != "MISS" || v2b.header.Get("X-Cache") != "HIT" || v2b.raw != fooBody("two", 2) {
		t.Fatalf("undeleted version 2: %q %q %s", v2a.header.Get("X-Cache"), v2b.header.Get("X-Cache"), v2b.raw)
	}
	// Deleting the current version: ?version=3 goes, the current read is answered 404 and evicted;
	// ?version=2 is re-read and stays.
	h.kv.versionsOp("kv/foo", "delete", 3)
	waitFor(t, 5*time.Second, "the eviction", func() bool { return h.cache.Len() == 1 })
	if got := h.metric("vault_proxy_cache_evictions_total", "reason", "refresh_failed"); got != 1 {
		t.Fatalf("refresh_failed evictions %v", got)
	}
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.status != 404 || r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("deleted secret: %d %q", r.status, r.header.Get("X-Cache"))
	}
	if r := h.do("GET", "/v1/kv/data/foo?version=2", tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooBody("two", 2) {
		t.Fatalf("version 2 after deleting 3: %q %s", r.header.Get("X-Cache"), r.raw)
	}
}

// TestStaticRefreshDropsRefusedTokens: the refresh tries the allowed tokens in turn until Vault
// answers one (in no set order, as Vault Proxy); those refused are dropped, and when none is
// left the secret is evicted.
func TestStaticRefreshDropsRefusedTokens(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, readers)
	h.connected(1)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.do("GET", "/v1/kv/data/foo", tokB, "")
	h.kv.revoke(tokA)
	h.kv.write("kv/foo", map[string]any{"v": "two"})
	h.waitHit("/v1/kv/data/foo", tokB, fooBody("two", 2))
	if h.kv.readCount(tokA, "/v1/kv/data/foo") == 2 {
		// A was tried first and refused: it is no longer served.
		if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.status != 403 || r.header.Get("X-Cache") != "MISS" {
			t.Fatalf("refused token: %d %q %s", r.status, r.header.Get("X-Cache"), r.raw)
		}
	}
	h.kv.revoke(tokB)
	h.kv.write("kv/foo", map[string]any{"v": "three"})
	waitFor(t, 5*time.Second, "the eviction", func() bool { return h.cache.Len() == 0 })
	for _, tok := range []string{tokA, tokB} {
		if r := h.do("GET", "/v1/kv/data/foo", tok, ""); r.status != 403 || strings.Contains(r.raw, "three") {
			t.Fatalf("after eviction: %d %s", r.status, r.raw)
		}
	}
}

func TestStaticForwardingDisabled(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, func(kv *kvFake) { readers(kv); kv.forwardDisabled = true })
	h.connected(1)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.kv.write("kv/foo", map[string]any{"v": "two"})
	h.waitHit("/v1/kv/data/foo", tokA, fooBody("two", 2))
	h.kv.write("kv/foo", map[string]any{"v": "three"})
	h.waitHit("/v1/kv/data/foo", tokA, fooBody("three", 3))
	// First refresh: refused with the header, then without; second refresh: without at once.
	if n := h.kv.readCount(tokA, "/v1/kv/data/foo"); n != 4 {
		t.Fatalf("Vault saw %d reads, want 4", n)
	}
	if n := strings.Count(h.logs.String(), "allow_forwarding_via_header off"); n != 1 {
		t.Fatalf("logged %d times", n)
	}
}

// TestStaticEventsUnavailable: a Vault without the event stream (404) is logged once, retried with
// back-off, and the cache keeps serving, re-reading its secrets each interval.
func TestStaticEventsUnavailable(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: 300 * time.Millisecond}, nil,
		func(kv *kvFake) { readers(kv); kv.subscribeStatus = 404 })
	waitFor(t, 5*time.Second, "three attempts", func() bool { return h.kv.get(func(kv *kvFake) int { return kv.attempts }) >= 3 })
	logs := h.logs.String()
	if n := strings.Count(logs, "level=WARN msg=\"cache: static secret event stream failed"); n != 1 ||
		!strings.Contains(logs, "Vault Enterprise 1.16 or later") {
		t.Fatalf("warned %d times:\n%s", n, logs)
	}
	// Back-off: 20ms, 40ms, 80ms... not a tight loop.
	time.Sleep(300 * time.Millisecond)
	if n := h.kv.get(func(kv *kvFake) int { return kv.attempts }); n > 7 {
		t.Fatalf("%d subscription attempts in about half a second", n)
	}
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooV1Body {
		t.Fatalf("not served from the cache without events: %q", r.header.Get("X-Cache"))
	}
	// Without events, the interval re-read picks up a change made elsewhere.
	h.kv.writeSilently("kv/foo", map[string]any{"v": "two"})
	h.waitHit("/v1/kv/data/foo", tokA, fooBody("two", 2))
	if h.metric("vault_proxy_cache_static_event_stream_connected") != 0 {
		t.Fatal("the stream gauge says connected")
	}
}

func TestStaticInvalidTokenAsksForReauth(t *testing.T) {
	var mu sync.Mutex
	var invalid []string
	h := newStaticHarness(t, StaticOptions{InvalidToken: func(tok string, _ time.Time) {
		mu.Lock()
		invalid = append(invalid, tok)
		mu.Unlock()
	}}, nil, func(kv *kvFake) {
		readers(kv)
		kv.subscribeErr = "permission denied; invalid token" // for fakeRoot, whose grants are taken away
		delete(kv.allow, fakeRoot)
	})
	waitFor(t, 5*time.Second, "the re-auth request", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(invalid) > 0
	})
	mu.Lock()
	if invalid[0] != fakeRoot {
		t.Fatalf("re-auth asked for %q", invalid[0])
	}
	mu.Unlock()
	// A new auto-auth token is used on the next attempt.
	h.kv.grant("hvs.new-auto", "")
	h.auto.Store("hvs.new-auto")
	h.connected(1)
	if h.kv.subscribeToken != "hvs.new-auto" {
		t.Fatalf("subscribed with %q", h.kv.subscribeToken)
	}
}

func TestStaticRedirectedSubscription(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{}, nil, func(kv *kvFake) { readers(kv); kv.redirectOnce = true })
	h.connected(1)
	if n := h.kv.get(func(kv *kvFake) int { return kv.attempts }); n != 2 {
		t.Fatalf("%d attempts, want 2 (the 307, then the subscription)", n)
	}
	if strings.Contains(h.logs.String(), "stream failed") {
		t.Fatal("the redirect was logged as a failure")
	}
}

// TestStaticReconnectRereads: after the stream drops, the cache reconnects and re-reads every
// secret, so a change made while it was down is not missed.
func TestStaticReconnectRereads(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: time.Hour}, nil, readers)
	h.connected(1)
	h.do("GET", "/v1/kv/data/foo", tokA, "")
	h.do("GET", "/v1/kvv1/bar", tokA, "")
	h.kv.mu.Lock()
	h.kv.subscribeStatus = 503 // the reconnection fails once or more
	h.kv.mu.Unlock()
	h.kv.drop()
	waitFor(t, 5*time.Second, "the failed reconnection", func() bool { return h.kv.get(func(kv *kvFake) int { return kv.attempts }) >= 2 })
	h.kv.writeSilently("kv/foo", map[string]any{"v": "two"})
	if r := h.do("GET", "/v1/kv/data/foo", tokA, ""); r.header.Get("X-Cache") != "HIT" || r.raw != fooV1Body {
		t.Fatalf("before reconnecting: %q %s", r.header.Get("X-Cache"), r.raw)
	}
	h.kv.mu.Lock()
	h.kv.subscribeStatus = 0
	h.kv.mu.Unlock()
	h.connected(2)
	h.waitHit("/v1/kv/data/foo", tokA, fooBody("two", 2))
	// The first connection found the cache empty; the second re-read every secret.
	waitFor(t, 5*time.Second, "the re-read of kvv1/bar", func() bool { return h.kv.readCount(tokA, "/v1/kvv1/bar") == 2 })
	logs := h.logs.String()
	if !strings.Contains(logs, "event stream dropped") || strings.Count(logs, "level=WARN msg=\"cache: static secret event stream failed") != 1 {
		t.Fatalf("logs:\n%s", logs)
	}
}

// TestStaticConcurrentHitsAndEvents is for the race detector: reads by several tokens while
// events refresh the secret and tokens are cleared. Every answer is a version Vault had.
func TestStaticConcurrentHitsAndEvents(t *testing.T) {
	h := newStaticHarness(t, StaticOptions{CapabilityRefreshInterval: 30 * time.Millisecond}, nil, readers)
	h.connected(1)
	valid := map[string]bool{fooV1Body: true}
	for i := 2; i <= 21; i++ {
		valid[fooBody(fmt.Sprint("v", i), i)] = true
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	stop := make(chan struct{})
	for _, tok := range []string{tokA, tokB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req := h.do("GET", "/v1/kv/data/foo", tok, "")
				if req.status != 200 || !valid[req.raw] {
					errs <- fmt.Sprintf("%d %s", req.status, req.raw)
					return
				}
			}
		}()
	}
	for i := 2; i <= 21; i++ {
		h.kv.write("kv/foo", map[string]any{"v": fmt.Sprint("v", i)})
		if i%5 == 0 {
			if _, err := h.cache.Clear(ClearRequest{Type: "token", Value: tokB}); err != nil {
				t.Error(err)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	h.waitHit("/v1/kv/data/foo", tokA, fooBody("v21", 21))
}
