package runtime

import (
	"strings"
	"testing"
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
	// Vault's own methods still go through.
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "LIST", "OPTIONS"} {
		if resp, _ := do(t, m, s.url+"/v1/secret/data/app", nil, ""); resp.StatusCode != 200 {
			t.Errorf("%s: status %d, want Vault's 200", m, resp.StatusCode)
		}
	}
	if rec.n() != 8 {
		t.Errorf("Vault received %d of the 8 API requests", rec.n())
	}
}
