package runtime

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The answers net/http writes itself, before the handler, are JSON in Vault's error shape like every
// other error of the proxy, with their status: they used to be text/plain. A request whose answer
// comes from Vault passes untouched, whatever its status and content, and so do net/http's own
// answers below 400 (OPTIONS *).
func TestServerErrorsAreJSON(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		// What net/http itself would write for a bad request, as an answer from Vault.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "400 Bad Request")
	})
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL), withLimits(Limits{MaxHeaderBytes: 1024}))
	cases := []struct {
		name   string
		raw    string
		status int
		says   string
	}{
		{"malformed request line", "GARBAGE\r\n\r\n", 400, "malformed HTTP request"},
		{"missing Host", "GET /v1/sys/health HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
		{"malformed header", "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\nBad Header: x\r\n\r\n", 400, "invalid header name"},
		{"two Content-Lengths", "POST /v1/secret/data/a HTTP/1.1\r\nHost: proxy\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}", 400, "malformed HTTP request"},
		{"header block too large", "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\nX-Big: " + strings.Repeat("a", 16<<10) + "\r\n\r\n", 431, "header block is too large"},
		{"unknown transfer coding", "POST /v1/secret/data/a HTTP/1.1\r\nHost: proxy\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "Unsupported transfer encoding"},
		{"unsupported version", "GET /v1/sys/health HTTP/3.0\r\nHost: proxy\r\n\r\n", 505, "unsupported protocol version"},
		{"unknown expectation", "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\nExpect: teapot\r\n\r\n", 417, "unsupported Expect header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, b, _, resp := answerOf(t, s.addrs[0], c.raw)
			if resp == nil {
				t.Fatal("no answer")
			}
			if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, Content-Type %q, body %q; want %d JSON", resp.StatusCode, resp.Header.Get("Content-Type"), b, c.status)
			}
			if errs := jsonErrors(t, b); !strings.Contains(errs[0], c.says) {
				t.Errorf("errors %q do not say %q", errs, c.says)
			}
		})
	}

	// On a keep-alive connection, after an answer from Vault: Vault's answer is untouched, and the
	// malformed request after it gets JSON.
	c, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	io.WriteString(c, "OPTIONS * HTTP/1.1\r\nHost: proxy\r\n\r\n")
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("OPTIONS *: %v", err)
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	io.WriteString(c, "GET /v1/secret/data/a HTTP/1.1\r\nHost: proxy\r\n\r\nGET /v1/x HTTP/1.1\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || string(b) != "400 Bad Request" {
		t.Errorf("Vault's own 400 was changed: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to the malformed request after Vault's: %v", err)
	}
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), "missing required Host header") {
		t.Errorf("the malformed request after Vault's answer: %d %q %q, want 400 JSON", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if rec.n() != 1 {
		t.Fatalf("Vault got %d requests, want 1", rec.n())
	}
}

// On a TLS listener too: net/http's own answers on an HTTP/1 connection are JSON, a plain HTTP
// request gets 400 JSON, HTTP/2 is still served, and a client that stalls its handshake holds up
// nobody else and loses its connection after the header timeout.
func TestServerErrorsAreJSONOverTLS(t *testing.T) {
	rec := newRecorder(t, nil)
	cert, key := selfSignedFiles(t)
	s := startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
listener "tcp" {
  address       = "127.0.0.1:8200"
  tls_cert_file = %q
  tls_key_file  = %q
}`, cert, key), rec.srv.URL), withLimits(Limits{ReadHeaderTimeout: 2 * time.Second}))
	stalled, err := net.Dial("tcp", s.addrs[0]) // connects and never says hello
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()

	tlsConf := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}
	for _, c := range []struct{ raw, says string }{
		{"GET /v1/sys/health HTTP/1.1\r\n\r\n", "missing required Host header"},
		{"GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\nBad Header: x\r\n\r\n", "invalid header name"},
	} {
		conn, err := tls.Dial("tcp", s.addrs[0], tlsConf)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, c.raw)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), c.says) {
			t.Errorf("%q over TLS: %d %q %q, want 400 JSON saying %q", c.raw, resp.StatusCode, resp.Header.Get("Content-Type"), b, c.says)
		}
	}

	status, body := rawExchange(t, s.addrs[0], "GET /v1/sys/health HTTP/1.1\r\nHost: proxy\r\n\r\n", false)
	if status != 400 || !strings.Contains(body, "HTTP request to an HTTPS server") {
		t.Errorf("plain HTTP to the TLS listener: %d %q, want 400 JSON", status, body)
	}
	jsonErrors(t, body)

	for _, h2 := range []bool{true, false} {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: h2,
		}}
		resp, err := client.Get("https://" + s.addrs[0] + "/v1/secret/data/app")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 2, false: 1}[h2]; resp.StatusCode != 200 || resp.ProtoMajor != want {
			t.Errorf("HTTP/%d: %s %d", want, resp.Proto, resp.StatusCode)
		}
		client.CloseIdleConnections()
	}

	stalled.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(stalled); err != nil {
		t.Errorf("a stalled handshake kept its connection: %v", err)
	}
}
