package cache

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkCache100kLeases measures what a cached renewable token or lease costs beyond its answer:
// it caches 100,000 of them (VAULTPROXY_BENCH_LEASES changes the number), half tokens and half
// database leases, created through the cache in front of the fake Vault, waits for each one's
// first renewal, and reports the memory the cache holds per entry beyond the body and headers it
// keeps (what MaxBytes counts besides entryOverhead: compare B/entry with it) and the goroutines
// per entry. ns/op is the time all that took, the fake Vault sharing the cores. A memory
// measurement, not a speed one: run it once,
//
//	GOWORK=off go test ./runtime/cache/ -run xxx -bench 100kLeases -benchtime 1x
//
// VAULTPROXY_BENCH_HEAPPROFILE=file writes a heap profile of the full cache there (go tool pprof
// -sample_index=inuse_space).
func BenchmarkCache100kLeases(b *testing.B) {
	n := 100_000
	if s := os.Getenv("VAULTPROXY_BENCH_LEASES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("VAULTPROXY_BENCH_LEASES=%q: want a positive number", s)
		}
		n = v
	}
	var m leaseMemory
	for b.Loop() {
		m = measureLeases(b, n)
	}
	b.ReportMetric(m.bytesPerEntry, "B/entry")
	b.ReportMetric(m.goroutinesPerEntry, "goroutines/entry")
	b.ReportMetric(m.answerPerEntry, "answer-B/entry")
	b.ReportMetric(float64(m.heap)/(1<<20), "heap-MiB")
}

type leaseMemory struct {
	bytesPerEntry, goroutinesPerEntry, answerPerEntry float64
	heap                                              uint64 // the cache's heap in all
}

// measureLeases caches n renewable tokens and leases in a new Cache in front of the fake Vault and measures
// the heap and goroutines they hold once each has been renewed once.
func measureLeases(b *testing.B, n int) leaseMemory {
	f := newFakeVault(b)
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	defer tr.CloseIdleConnections()
	heap0, g0 := heapInUse(), runtime.NumGoroutine()
	c, err := New(Options{Next: tr, Vault: f.client(b), AutoAuthToken: func() string { return fakeRoot },
		MaxEntries: n, MaxBytes: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for i := range n {
		// Half tokens, half database leases, each request a new one.
		req, _ := http.NewRequest("POST", f.srv.URL+"/v1/auth/token/create",
			strings.NewReader(fmt.Sprintf(`{"policies":["default"],"meta":{"n":"%d"}}`, i)))
		if i%2 == 1 {
			req, _ = http.NewRequest("GET", fmt.Sprintf("%s/v1/database/creds/role%d", f.srv.URL, i), nil)
		}
		req.Header.Set("X-Vault-Token", fakeRoot)
		resp, err := c.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if c.Len() != n {
		b.Fatalf("%d entries cached, want %d", c.Len(), n)
	}
	// Every entry renews once when cached (as a LifetimeWatcher does when it starts): measured
	// after that, its renewal state is what it is for the rest of its life.
	deadline := time.Now().Add(10 * time.Minute)
	renewals := func() int {
		return f.count("PUT /v1/auth/token/renew-self") + f.count("PUT /v1/sys/leases/renew")
	}
	for renewals() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d first renewals after 10 minutes", renewals(), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The fake's own record of the tokens is not the cache's: dropped before measuring (the
	// next renewals are due in about 40 minutes).
	f.set(func() {
		f.tokens, f.leases, f.ttl = map[string]string{fakeRoot: ""}, map[string]string{}, map[string]int{}
		f.calls = map[string]int{}
	})
	time.Sleep(100 * time.Millisecond) // the last renewal's answer applied
	heap1, g1 := heapInUse(), runtime.NumGoroutine()
	if file := os.Getenv("VAULTPROXY_BENCH_HEAPPROFILE"); file != "" {
		writeHeapProfile(b, file) // what the entries hold, by allocation site
	}
	c.mu.Lock()
	if c.lru.list.Len() != n {
		c.mu.Unlock()
		b.Fatalf("%d entries left after the first renewals, want %d", c.lru.list.Len(), n)
	}
	answers := c.lru.bytes - int64(n)*entryOverhead // bodies and headers, as MaxBytes counts them
	c.mu.Unlock()
	grown := float64(heap1) - float64(heap0)
	return leaseMemory{
		bytesPerEntry:      (grown - float64(answers)) / float64(n),
		goroutinesPerEntry: float64(g1-g0) / float64(n),
		answerPerEntry:     float64(answers) / float64(n),
		heap:               uint64(max(grown, 0)),
	}
}

func writeHeapProfile(b *testing.B, file string) {
	out, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if err := pprof.Lookup("heap").WriteTo(out, 0); err != nil {
		b.Fatal(err)
	}
}

// heapInUse is the live heap after a full collection, with the goroutine stacks (a goroutine's
// stack is not heap, but it is memory an entry's renewer held).
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}
