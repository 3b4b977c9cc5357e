package runtime

import (
	"bufio"
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
