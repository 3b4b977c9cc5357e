package cache

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// benchCache returns a Cache that holds the answer to a token creation, and a function making that
// request anew (as the ReverseProxy hands the transport a fresh request each time).
func benchCache(b *testing.B) (*Cache, func() *http.Request) {
	f := newFakeVault(b)
	c, err := New(Options{Next: http.DefaultTransport, Vault: f.client(b), AutoAuthToken: func() string { return fakeRoot }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	body := []byte(`{"policies":["default"],"ttl":"1h"}`)
	newReq := func() *http.Request {
		req, _ := http.NewRequest("POST", f.srv.URL+"/v1/auth/token/create", bytes.NewReader(body))
		req.Header.Set("X-Vault-Token", fakeRoot)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "bench")
		return req
	}
	resp, err := c.RoundTrip(newReq())
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if c.Len() != 1 {
		b.Fatal("not cached")
	}
	return c, newReq
}

// BenchmarkCacheHit measures one cached auth/token/create answered through the RoundTripper
// (request construction excluded: the body reader is reset in place).
func BenchmarkCacheHit(b *testing.B) {
	c, newReq := benchCache(b)
	req := newReq()
	body := []byte(`{"policies":["default"],"ttl":"1h"}`)
	rd := bytes.NewReader(body)
	rc := io.NopCloser(rd)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = rc
		resp, err := c.RoundTrip(req)
		if err != nil || resp.Header.Get("X-Cache") != "HIT" {
			b.Fatalf("not a hit: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkCacheHitParallel is BenchmarkCacheHit from GOMAXPROCS goroutines (lock contention).
func BenchmarkCacheHitParallel(b *testing.B) {
	c, newReq := benchCache(b)
	body := []byte(`{"policies":["default"],"ttl":"1h"}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := newReq()
		rd := bytes.NewReader(body)
		rc := io.NopCloser(rd)
		for pb.Next() {
			rd.Reset(body)
			req.Body = rc
			resp, err := c.RoundTrip(req)
			if err != nil || resp.Header.Get("X-Cache") != "HIT" {
				b.Errorf("not a hit: %v", err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
