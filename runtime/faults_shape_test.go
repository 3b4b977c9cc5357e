package runtime

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Requests that are not the shape of a Vault API request are answered locally and never reach
// Vault: CONNECT (405), the HTTP/2 preface over plain HTTP/1 (505), methods Vault does not serve
// (405), a target that is not a path: absolute-form as sent to a forward proxy, or "*" (400).
// OPTIONS * is answered by net/http itself. CONNECT and PRI used to be forwarded to Vault.
func TestNonAPIRequestsRefusedLocally(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	cases := []struct {
		name, raw string
		status    int
		says      string
	}{
		{"CONNECT", "CONNECT vault.example:443 HTTP/1.1\r\nHost: vault.example:443\r\n\r\n", 405, "not a Vault API method"},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP/2 without TLS"},
		{"TRACE", "TRACE /v1/sys/health HTTP/1.1\r\nHost: proxy\r\n\r\n", 405, "not a Vault API method"},
		{"unknown method", "PROPFIND /v1/secret/ HTTP/1.1\r\nHost: proxy\r\n\r\n", 405, "not a Vault API method"},
		{"absolute-form", "GET http://other.example/v1/sys/health HTTP/1.1\r\nHost: other.example\r\n\r\n", 400, "must be a path"},
		{"asterisk", "GET * HTTP/1.1\r\nHost: proxy\r\n\r\n", 400, "must be a path"},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: proxy\r\n\r\n", 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawExchange(t, s.addrs[0], c.raw, false)
			if status != c.status {
				t.Fatalf("status %d body %q, want %d", status, body, c.status)
			}
			if c.says == "" {
				return
			}
			if errs := jsonErrors(t, body); !strings.Contains(errs[0], c.says) {
				t.Errorf("errors %q do not say %q", errs, c.says)
			}
		})
	}
	if rec.n() != 0 {
		t.Errorf("Vault received %d requests that are not API requests (first: %s %s)", rec.n(), rec.req(0).Method, rec.req(0).URL)
	}
	// A chunked body on HTTP/1.0, which net/http does not read as a body: the connection is closed
	// after the answer, so the body is never read as a second request.
	smuggled := "DELETE /v1/secret/data/smuggled HTTP/1.1\r\nHost: proxy\r\n\r\n"
	raw := fmt.Sprintf("POST /v1/secret/data/app HTTP/1.0\r\nHost: proxy\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(smuggled), smuggled)
	conn, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	answers, _ := io.ReadAll(conn)
	conn.Close()
	if n := strings.Count(string(answers), "HTTP/1."); n != 1 {
		t.Errorf("HTTP/1.0 with a chunked body got %d answers, want 1:\n%s", n, answers)
	}
	for i := 0; i < rec.n(); i++ {
		if rec.req(i).Method == "DELETE" {
			t.Fatalf("the chunked body of an HTTP/1.0 request reached Vault as a request of its own: %s %s", rec.req(i).Method, rec.req(i).URL)
		}
	}
	before := rec.n()
	// Vault's own methods still go through.
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "LIST", "OPTIONS"} {
		if resp, _ := do(t, m, s.url+"/v1/secret/data/app", nil, ""); resp.StatusCode != 200 {
			t.Errorf("%s: status %d, want Vault's 200", m, resp.StatusCode)
		}
	}
	if rec.n()-before != 8 {
		t.Errorf("Vault received %d of the 8 API requests", rec.n()-before)
	}
}

// Expect: 100-continue is answered once, by the proxy, which reads the body before Vault sees the
// request; Vault is not asked again, so the client does not get a second 100 Continue.
func TestExpectContinueAnsweredOnce(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	conn, err := net.Dial("tcp", s.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	body := `{"data":{"k":"v"}}`
	fmt.Fprintf(conn, "PUT /v1/secret/data/app HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(body))
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 100 Continue") {
		t.Fatalf("before the body: %q %v, want 100 Continue", buf[:n], err)
	}
	io.WriteString(conn, body)
	rest, _ := io.ReadAll(conn)
	answer := string(buf[:n]) + string(rest)
	if c := strings.Count(answer, "100 Continue"); c != 1 {
		t.Errorf("the client got %d 100 Continue answers, want 1:\n%s", c, answer)
	}
	if !strings.Contains(answer, "HTTP/1.1 200") {
		t.Errorf("no 200 after the body:\n%s", answer)
	}
	if rec.n() != 1 || rec.req(0).Header.Get("Expect") != "" || rec.body[0] != body {
		t.Errorf("Vault got %d requests, Expect %q, body %q", rec.n(), rec.req(0).Header.Get("Expect"), rec.body[0])
	}
}
