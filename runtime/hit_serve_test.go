package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestServeHit serves BenchmarkHitTCP's cached answer to a load generator in another process (wrk),
// so that this process's CPU time is the server's alone, when VAULTPROXY_HIT_SERVE says what:
// "vaultproxy" (the listener's whole stack, through the runtime, with the cache primed) or
// "ceiling" (a bare net/http server writing the same bytes). It prints "serving ADDRESS" and serves
// for VAULTPROXY_HIT_SERVE_FOR (a duration, 30s by default). Skipped without the variable.
func TestServeHit(t *testing.T) {
	what := os.Getenv("VAULTPROXY_HIT_SERVE")
	if what == "" {
		t.Skip("VAULTPROXY_HIT_SERVE is not set")
	}
	serveFor := 30 * time.Second
	if d, err := time.ParseDuration(os.Getenv("VAULTPROXY_HIT_SERVE_FOR")); err == nil {
		serveFor = d
	}
	hb := startHitBench(t)
	defer hb.stop()
	req := "POST /v1/auth/token/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
		"X-Vault-Token: T_AUTO\r\nContent-Length: 12\r\n\r\n" + `{"ttl":"1h"}`
	var resp *http.Response
	var body bytes.Buffer
	for range 2 { // a miss, then the hit
		c, err := net.Dial("tcp", hb.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, req)
		if resp, err = http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
		body.Reset()
		_, _ = body.ReadFrom(resp.Body)
		c.Close()
	}
	if resp.Header.Get("X-Cache") != "HIT" {
		t.Fatalf("X-Cache %q", resp.Header.Get("X-Cache"))
	}
	addr := hb.addr
	if what == "ceiling" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		header := resp.Header.Clone()
		header.Del("Date")
		status, answer := resp.StatusCode, body.Bytes()
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			for k, v := range header {
				h[k] = v
			}
			w.WriteHeader(status)
			_, _ = w.Write(answer)
		})}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		addr = ln.Addr().String()
	}
	fmt.Printf("serving %s\n", addr)
	time.Sleep(serveFor)
}
