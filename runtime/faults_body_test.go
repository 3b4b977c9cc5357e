package runtime

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange writes raw on a new connection to addr, then half-closes the connection (closeWrite)
// or keeps it open, and reads the answer (10 s at most). It returns the status and the body.
func rawExchange(t *testing.T, addr, raw string, closeWrite bool) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		c.(*net.TCPConn).CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// jsonErrors decodes a {"errors":[...]} body; it fails the test for any other shape.
func jsonErrors(t *testing.T, body string) []string {
	t.Helper()
	var doc struct {
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || len(doc.Errors) == 0 {
		t.Fatalf("body %q is not a JSON errors document", body)
	}
	return doc.Errors
}

func withLimits(l Limits) func(*Options) { return func(o *Options) { o.Limits = l } }

// A request whose body cannot be read whole is answered with a status that says why, in Vault's
// error shape, and nothing of it reaches Vault: a body shorter than its Content-Length (the client
// half-closes), malformed chunks, a body too slow to arrive (the client stalls), a body over the size
// limit (declared or chunked). Each used to get net/http's default 200 with an empty body.
func TestBodyFailuresAnswered(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL),
		withLimits(Limits{BodyReadTimeout: 300 * time.Millisecond, MaxRequestSize: 1024}))
	addr := s.addrs[0]
	head := "POST /v1/secret/data/app HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n"
	cases := []struct {
		name       string
		raw        string
		closeWrite bool
		status     int
		says       string
	}{
		{"short body", head + "Content-Length: 100\r\n\r\n" + `{"data":{"k":`, true, 400, "ended before its Content-Length (100 bytes)"},
		{"malformed chunks", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n", true, 400, "failed to read the request body"},
		{"chunks cut short", head + "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"data\"", true, 400, "chunked request body ended before its last chunk"},
		{"stalled body", head + "Content-Length: 100\r\n\r\n" + `{"data":{"k":`, false, 408, "timed out reading the request body"},
		{"stalled chunks", head + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"dat\r\n", false, 408, "timed out reading the request body"},
		{"declared too large", head + "Content-Length: 2048\r\n\r\n", false, 413, "larger than the limit of 1024 bytes"},
		{"chunks too large", head + "Transfer-Encoding: chunked\r\n\r\n800\r\n" + strings.Repeat("x", 2048) + "\r\n0\r\n\r\n", false, 413, "larger than the limit of 1024 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawExchange(t, addr, c.raw, c.closeWrite)
			if status != c.status {
				t.Fatalf("status %d body %q, want %d", status, body, c.status)
			}
			if errs := jsonErrors(t, body); !strings.Contains(errs[0], c.says) {
				t.Errorf("errors %q do not say %q", errs, c.says)
			}
		})
	}
	if rec.n() != 0 {
		t.Errorf("Vault received %d requests whose body was never whole (first: %s %q)", rec.n(), rec.req(0).Method, rec.body[0])
	}
	// A whole body still goes through, once, and whole.
	status, body := rawExchange(t, addr, head+"Content-Length: 17\r\n\r\n"+`{"data":{"k":1}}`+"\n", false)
	if status != 200 || rec.n() != 1 || rec.body[0] != `{"data":{"k":1}}`+"\n" {
		t.Errorf("whole body: status %d body %q; Vault got %d requests", status, body, rec.n())
	}
}

// The body's read deadline ends with the body: a request whose body arrived in time then waits for
// Vault's answer longer than the body timeout and still gets it. The deadline is the server's
// ReadTimeout, which net/http lifts once the body is read whole, or at once without a body; were it
// not lifted, it would cancel the request to Vault when it passed during the wait (net/http cancels
// a request's context when its background read of the connection fails). TestBodyDeadlinesOverHTTP2
// is the same over HTTP/2.
func TestSlowVaultOutlivesBodyTimeout(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(800 * time.Millisecond)
		fmt.Fprint(w, `{"data":{"ok":true}}`)
	})
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL), withLimits(Limits{BodyReadTimeout: 200 * time.Millisecond}))
	for _, c := range []struct{ method, body string }{{"POST", `{"data":{"k":"v"}}`}, {"GET", ""}} {
		resp, body := do(t, c.method, s.url+"/v1/secret/data/app", nil, c.body)
		if resp.StatusCode != 200 || body != `{"data":{"ok":true}}` {
			t.Errorf("%s: status %d body %q, want Vault's 200", c.method, resp.StatusCode, body)
		}
	}
}

// The body's read timeout counts as Vault Proxy's server's (net/http's ReadTimeout): for the first
// request of a connection from when the connection is served, so that a client's wait between
// connecting and sending is counted; for a later request of a keep-alive connection from its first
// byte, not from the end of the answer before it.
func TestBodyTimeoutCountsFromRequestStart(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL),
		withLimits(Limits{ReadHeaderTimeout: 5 * time.Second, BodyReadTimeout: time.Second}))
	const put = "PUT /v1/secret/data/app HTTP/1.1\r\nHost: proxy\r\nContent-Length: 20\r\n\r\n{\"data\":{\"a\":"
	send := func(c net.Conn, wait time.Duration) int {
		t.Helper()
		time.Sleep(wait)
		io.WriteString(c, put)
		time.Sleep(500 * time.Millisecond) // the body ends 500 ms after the request's first byte
		io.WriteString(c, "\"b\"}}  ")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	first, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if status := send(first, 700*time.Millisecond); status != http.StatusRequestTimeout {
		t.Errorf("first request, sent 700 ms after connecting, its body 500 ms later: %d, want 408", status)
	}
	later, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	if status := send(later, 0); status != http.StatusOK {
		t.Fatalf("a connection's first request, sent at once: %d, want 200", status)
	}
	if status := send(later, 700*time.Millisecond); status != http.StatusOK {
		t.Errorf("second request, sent 700 ms after the first's answer, its body 500 ms later: %d, want 200", status)
	}
}

// A client that goes away while its request waits for Vault is recorded as 499 (client closed
// request), not as a 200 that was never sent; the request to Vault is cancelled.
func TestClientGoneRecorded(t *testing.T) {
	release := make(chan struct{})
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	c, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /v1/secret/data/app HTTP/1.1\r\nHost: proxy\r\n\r\n")
	for rec.n() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	c.Close()
	want := `method="GET",status="4xx"} 1`
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, metrics := do(t, "GET", s.url+"/proxy/v1/metrics", nil, "")
		if strings.Contains(metrics, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics do not count the abandoned request as 4xx (499):\n%s", grepLines(metrics, "requests_total"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// With a cache block and auto-auth the same: a truncated or stalled body to a cacheable path
// (auth/token/create) gets its status and reaches neither the cache nor Vault, and so does a
// truncated or stalled body to /proxy/v1/cache-clear (it used to answer 400 for a stalled body too).
func TestBodyFailuresWithCache(t *testing.T) {
	fv := newCacheFakeVault(t)
	s := startPlan(t, planFrom(t, cachePlanHCL(cacheTokenFile(t), "use_auto_auth_token = true", "cache {}", ""), fv.srv.URL),
		withLimits(Limits{BodyReadTimeout: 300 * time.Millisecond}))
	if resp, _ := do(t, "GET", s.url+"/v1/sys/health", nil, ""); resp.StatusCode != 200 {
		t.Fatalf("the proxy does not serve: %d", resp.StatusCode)
	}
	for _, path := range []string{"/v1/auth/token/create", "/proxy/v1/cache-clear"} {
		head := "POST " + path + " HTTP/1.1\r\nHost: proxy\r\nContent-Length: 40\r\n\r\n{\"type\":"
		if status, body := rawExchange(t, s.addrs[0], head, true); status != 400 {
			t.Errorf("%s, short body: status %d body %q, want 400", path, status, body)
		}
		if status, body := rawExchange(t, s.addrs[0], head, false); status != 408 {
			t.Errorf("%s, stalled body: status %d body %q, want 408", path, status, body)
		}
	}
	if n, _ := fv.countPath("/v1/auth/token/create"); n != 0 {
		t.Errorf("Vault received %d token creations whose body was never whole", n)
	}
}

// A client that goes away while its request waits for the auto-auth token (Vault frozen, auto-auth
// cannot log in) is recorded as 499 too.
func TestClientGoneDuringTokenWaitRecorded(t *testing.T) {
	vault := frozenVault(t)
	s := startPlan(t, planFrom(t, cachePlanHCL(cacheTokenFile(t), "use_auto_auth_token = true", "", ""), vault))
	c, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /v1/secret/data/app HTTP/1.1\r\nHost: proxy\r\n\r\n")
	time.Sleep(200 * time.Millisecond) // the request now waits for a token that cannot come
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, metrics := do(t, "GET", s.url+"/proxy/v1/metrics", nil, "")
		if strings.Contains(metrics, `method="GET",status="4xx"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics do not count the abandoned request as 4xx (499):\n%s", grepLines(metrics, `method="GET"`))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
