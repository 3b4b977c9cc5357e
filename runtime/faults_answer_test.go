package runtime

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/testproc"
)

// scriptedVault is an injected fault: a listener that reads each request's headers and then hands
// the connection to script (which writes what it likes and returns; the connection is then closed).
func scriptedVault(t *testing.T, script func(c net.Conn, r *http.Request)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				r, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				script(c, r)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// answerOf sends raw to addr and reads the answer: its status line and headers (status 0 when none
// came), its body as far as it came, and whether the body ended as its framing says (whole).
func answerOf(t *testing.T, addr, raw string) (status int, body string, whole bool, resp *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, raw)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", false, nil
	}
	b, err := io.ReadAll(resp.Body)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection was still open after 10 s with %d bytes of the body", len(b))
	}
	return resp.StatusCode, string(b), err == nil, resp
}

// metricsLine waits until the proxy's metrics hold want; it fails the test with the request
// counters when they do not within 5 s.
func metricsLine(t *testing.T, s *started, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, metrics := do(t, "GET", s.url+"/proxy/v1/metrics", nil, "")
		if strings.Contains(metrics, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics do not hold %s:\n%s", want, grepLines(metrics, "requests_total"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A Vault that stalls after its response headers no longer holds the client for ever: each read of
// its answer is bounded by the listener's max_request_duration (Limits.VaultTimeout). Before a byte
// of the body reached the client, the client gets 504 in Vault's error shape; after, the connection
// is cut, so the answer is seen truncated. Both are warned about and counted as 5xx, not 2xx.
func TestVaultStallAfterHeaders(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	vault := scriptedVault(t, func(c net.Conn, r *http.Request) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
		if r.URL.Path == "/v1/secret/data/some" {
			io.WriteString(c, `{"data":`)
		}
		<-release
	})
	var logs syncBuffer
	s := startPlan(t, planFrom(t, plainListener, vault), withLimits(Limits{VaultTimeout: 300 * time.Millisecond}),
		func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })

	status, body, _, resp := answerOf(t, s.addrs[0], "GET /v1/secret/data/none HTTP/1.1\r\nHost: proxy\r\n\r\n")
	if status != http.StatusGatewayTimeout || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers then nothing: status %d body %q, want 504 JSON", status, body)
	}
	if errs := jsonErrors(t, body); !strings.Contains(errs[0], "sent nothing of its answer for 300ms") {
		t.Errorf("errors %q do not say Vault stalled", errs)
	}

	status, body, whole, _ := answerOf(t, s.addrs[0], "GET /v1/secret/data/some HTTP/1.1\r\nHost: proxy\r\n\r\n")
	if status != 200 || whole || body != `{"data":` {
		t.Fatalf("headers, some body, then nothing: status %d body %q whole %v, want the 200 cut after its 8 bytes", status, body, whole)
	}
	metricsLine(t, s, `method="GET",status="5xx"} 2`)
	if n := strings.Count(logs.String(), "vault stalled in the middle of its answer"); n != 2 {
		t.Errorf("%d warnings about the stall, want 2:\n%s", n, logs.String())
	}
}

// A Vault that closes the connection in the middle of its answer: before its headers, the client
// gets 502 in Vault's error shape; after its headers but before any body byte, 502 too (nothing had
// reached the client); after part of the body, the connection is cut (a truncated answer, never a
// whole-looking one). Each is warned about and counted as 5xx. The aborted answers used to go
// uncounted, and the one without a body byte reached the client as an empty reply.
func TestVaultClosesMidAnswer(t *testing.T) {
	vault := scriptedVault(t, func(c net.Conn, r *http.Request) {
		switch r.URL.Path {
		case "/v1/secret/data/headers":
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
		case "/v1/secret/data/some":
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"+`{"data":`)
		case "/v1/secret/data/chunked":
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n"+`{"data":`+"\r\n")
		case "/v1/secret/data/partial-headers":
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: appl")
		}
	})
	var logs syncBuffer
	s := startPlan(t, planFrom(t, plainListener, vault),
		func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	for _, path := range []string{"nothing", "partial-headers", "headers"} {
		// POST: not retried, so that each case is one attempt.
		status, body, _, resp := answerOf(t, s.addrs[0], "POST /v1/secret/data/"+path+" HTTP/1.1\r\nHost: proxy\r\nContent-Length: 2\r\n\r\n{}")
		if status != http.StatusBadGateway || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: status %d body %q, want 502 JSON", path, status, body)
		}
		if errs := jsonErrors(t, body); !strings.Contains(errs[0], vault) {
			t.Errorf("%s: errors %q do not name Vault", path, errs)
		}
	}
	for _, path := range []string{"some", "chunked"} {
		status, body, whole, _ := answerOf(t, s.addrs[0], "POST /v1/secret/data/"+path+" HTTP/1.1\r\nHost: proxy\r\nContent-Length: 2\r\n\r\n{}")
		if status != 200 || whole || body != `{"data":` {
			t.Fatalf("%s: status %d body %q whole %v, want the 200 cut after its 8 bytes", path, status, body, whole)
		}
	}
	metricsLine(t, s, `method="POST",status="5xx"} 5`)
	if _, metrics := do(t, "GET", s.url+"/proxy/v1/metrics", nil, ""); !strings.Contains(metrics, `method="POST",status="2xx"} 0`) {
		t.Error("a broken answer was counted as 2xx")
	}
	if n := strings.Count(logs.String(), "vault broke off its answer"); n != 3 {
		t.Errorf("%d warnings about broken answers, want 3 (the others are Vault unreachable):\n%s", n, logs.String())
	}
}

// The query reaches Vault byte for byte as the client sent it, parameters that url.ParseQuery
// cannot parse (a bad escape, a semicolon) included: httputil.ReverseProxy used to drop them, so
// that Vault saw another request than the client made.
func TestQueryForwardedAsSent(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	for i, q := range []string{"a=%zz", "a=%zz&b=1", "a=1;b=2", "version=1&x=%", "list=true&&=&%41=%42"} {
		if status, body := rawExchange(t, s.addrs[0], "GET /v1/secret/data/app?"+q+" HTTP/1.1\r\nHost: proxy\r\n\r\n", false); status != 200 {
			t.Fatalf("%s: status %d body %q", q, status, body)
		}
		if got := rec.req(i).URL.RawQuery; got != q {
			t.Errorf("query %q reached Vault as %q", q, got)
		}
	}
}

// syncBuffer collects output that a process or logger writes while the test reads it.
type syncBuffer = testproc.Buffer
