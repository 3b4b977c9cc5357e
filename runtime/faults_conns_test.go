package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// getOn sends one keep-alive GET on c and reads the answer; it fails the test when none comes
// within wait.
func getOn(t *testing.T, c net.Conn, br *bufio.Reader, wait time.Duration) int {
	t.Helper()
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// A listener serves at most Limits.MaxConnections connections at once: a further one is not served
// until one of them closes (it waits in the accept queue). There was no bound: one client held
// 17,909 idle connections until the process ran out of file descriptors.
func TestConnectionLimit(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL), withLimits(Limits{MaxConnections: 2}))
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", s.addrs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if st := getOn(t, c, bufio.NewReader(c), 5*time.Second); st != 200 {
			t.Fatalf("connection %d: status %d", i, st)
		}
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", s.addrs[0]) // the kernel completes the handshake; nobody accepts it
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	io.WriteString(extra, "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\n\r\n")
	extra.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var ne net.Error
	if _, err := extra.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("a third connection was served while two were open (read: %v)", err)
	}
	held[0].Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(extra), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the waiting connection was not served once another closed: %v", err)
	}
}

// An idle keep-alive connection is closed after Limits.IdleTimeout.
func TestIdleConnectionClosed(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL), withLimits(Limits{IdleTimeout: 200 * time.Millisecond}))
	c, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	if st := getOn(t, c, br, 5*time.Second); st != 200 {
		t.Fatalf("status %d", st)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection not closed by the proxy: read %d bytes, %v", n, err)
	}
}

// A header block over Limits.MaxHeaderBytes gets 431 and does not reach Vault; a request whose
// headers do not arrive within Limits.ReadHeaderTimeout loses its connection.
func TestHeaderLimits(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL),
		withLimits(Limits{MaxHeaderBytes: 2048, ReadHeaderTimeout: 200 * time.Millisecond}))
	status, _ := rawExchange(t, s.addrs[0], "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n", false)
	if status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d for 16 KiB of headers, want 431", status)
	}
	if rec.n() != 0 {
		t.Errorf("Vault received %d requests", rec.n())
	}
	c, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /v1/sys/health HTTP/1.1\r\nHost: pro")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Errorf("a stalled header block kept its connection: %v", err)
	}
}

// failingListener fails every Accept with err until closed.
type failingListener struct {
	net.Listener
	err error
}

func (l failingListener) Accept() (net.Conn, error) { return nil, l.err }

// Failed accepts (running out of file descriptors) are warnings, at most one per period, with
// the count of those not logged; they used to be logged at debug level only.
func TestAcceptErrorsWarned(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ln := limitConns(failingListener{err: &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}}, 4, 2, true, log)
	for i := 0; i < 5; i++ {
		if _, err := ln.Accept(); err == nil {
			t.Fatal("Accept did not fail")
		}
	}
	out := buf.String()
	if strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "too many open files") {
		t.Errorf("want one warning naming the cause, got:\n%s", out)
	}
}

// One client IP address (loopback too) holds at most Limits.MaxConnectionsPerClient connections of
// a listener: a further one is refused at once with 503 in Vault's error shape, and a warning, at
// most one per period; connections over the limit of the listener still wait their turn. Another
// client still gets served, and so does the first once one of its connections closed. One client
// used to be able to hold all 4096 connections of a listener.
func TestConnectionLimitPerClient(t *testing.T) {
	rec := newRecorder(t, nil)
	var logs syncBuffer
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL), withLimits(Limits{MaxConnections: 8, MaxConnectionsPerClient: 2}),
		func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", s.addrs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if st := getOn(t, c, bufio.NewReader(c), 5*time.Second); st != 200 {
			t.Fatalf("connection %d: status %d", i, st)
		}
		held = append(held, c)
	}
	for i := 0; i < 3; i++ {
		status, body := rawExchange(t, s.addrs[0], "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\n\r\n", false)
		if status != http.StatusServiceUnavailable {
			t.Fatalf("a third connection from the same client: status %d body %q, want 503", status, body)
		}
		if errs := jsonErrors(t, body); !strings.Contains(errs[0], "too many connections from 127.0.0.1") || !strings.Contains(errs[0], "at most 2") {
			t.Errorf("errors %q do not name the client and the limit", errs)
		}
	}
	if n := strings.Count(logs.String(), "connection refused: the client holds the most connections"); n != 1 {
		t.Errorf("%d warnings for 3 refused connections, want 1 (rate-limited):\n%s", n, logs.String())
	}
	// Another client address (127.0.0.2 is loopback too on Linux) is served meanwhile.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	if other, err := d.Dial("tcp", s.addrs[0]); err == nil {
		defer other.Close()
		if st := getOn(t, other, bufio.NewReader(other), 5*time.Second); st != 200 {
			t.Errorf("another client: status %d, want 200", st)
		}
	} else {
		t.Logf("no second loopback address: %v", err)
	}
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _ := rawExchange(t, s.addrs[0], "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\n\r\n", false)
		if status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client is still refused after closing one of its connections: %d", status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
