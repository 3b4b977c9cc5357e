package cache

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type clearResult struct {
	status int
	header http.Header
	body   map[string]any
}

func (h *harness) clear(method, body string) clearResult {
	h.t.Helper()
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, ClearPath, rd)
	rec := httptest.NewRecorder()
	h.cache.ClearHandler().ServeHTTP(rec, req)
	r := clearResult{status: rec.Code, header: rec.Header()}
	if err := json.Unmarshal(rec.Body.Bytes(), &r.body); err != nil {
		h.t.Fatalf("%s %s: body %q is not JSON: %v", method, body, rec.Body.String(), err)
	}
	return r
}

func TestClearHandler(t *testing.T) {
	// fill caches: a parent token and its child (both cached), a lease of the child, a lease of the
	// auto-auth token requested in namespace ns1.
	type filled struct{ parent, parentAcc, child, childLease, nsLease string }
	fill := func(h *harness) filled {
		var f filled
		p := h.do("POST", "/v1/auth/token/create", fakeRoot, `{"meta":{"k":"p"}}`)
		f.parent, f.parentAcc = p.str("auth", "client_token"), p.str("auth", "accessor")
		f.child = h.do("POST", "/v1/auth/token/create", f.parent, `{}`).str("auth", "client_token")
		f.childLease = h.do("GET", "/v1/database/creds/app", f.child, "").str("lease_id")
		f.nsLease = h.do("GET", "/v1/database/creds/app", fakeRoot, "", "X-Vault-Namespace", "ns1/").str("lease_id")
		if h.cache.Len() != 4 {
			t.Fatalf("fill: %d entries", h.cache.Len())
		}
		return f
	}
	for _, tc := range []struct {
		name    string
		body    func(f filled) string
		cleared int
	}{
		{"all", func(filled) string { return `{"type":"all"}` }, 4},
		{"token cascades", func(f filled) string { return `{"type":"token","value":"` + f.parent + `"}` }, 3},
		{"token of the auto-auth token", func(filled) string { return `{"type":"token","value":"` + fakeRoot + `"}` }, 4},
		{"token_accessor", func(f filled) string { return `{"type":"token_accessor","value":"` + f.parentAcc + `"}` }, 3},
		{"lease", func(f filled) string { return `{"type":"lease","value":"` + f.childLease + `"}` }, 1},
		{"unknown lease", func(filled) string { return `{"type":"lease","value":"nope"}` }, 0},
		{"request_path prefix, root namespace", func(filled) string {
			return `{"type":"request_path","value":"/v1/database/"}`
		}, 1},
		{"request_path without /v1", func(filled) string {
			return `{"type":"request_path","value":"database/creds"}`
		}, 1},
		{"request_path, namespace compared canonically", func(filled) string {
			return `{"type":"request_path","value":"/v1/database/","namespace":"ns1"}`
		}, 1},
		{"request_path of token creation cascades", func(filled) string {
			return `{"type":"request_path","value":"/v1/auth/token/cr"}`
		}, 3},
		{"request_path, other namespace", func(filled) string {
			return `{"type":"request_path","value":"/v1/","namespace":"ns2/"}`
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			f := fill(h)
			r := h.clear("POST", tc.body(f))
			if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d, content type %q, body %v", r.status, r.header.Get("Content-Type"), r.body)
			}
			if got := r.body["cleared"]; got != float64(tc.cleared) {
				t.Fatalf("cleared %v, want %d", got, tc.cleared)
			}
			if h.cache.Len() != 4-tc.cleared {
				t.Fatalf("%d entries left, want %d", h.cache.Len(), 4-tc.cleared)
			}
			if tc.cleared > 0 && h.metric("vault_proxy_cache_evictions_total", "reason", "cleared") != float64(tc.cleared) {
				t.Fatal("cleared evictions not counted")
			}
		})
	}

	h := newHarness(t, nil)
	fill(h)
	for _, tc := range []struct{ name, body, want string }{
		{"empty body", ``, "empty body"},
		{"malformed JSON", `{"type":`, "failed to parse JSON"},
		{"not an object", `[1]`, "failed to parse JSON"},
		{"missing type", `{"value":"x"}`, `no "type"`},
		{"unknown type", `{"type":"everything"}`, `unknown type "everything"`},
		{"missing value", `{"type":"token"}`, `no "value"`},
		{"empty value", `{"type":"lease","value":" "}`, `no "value"`},
		{"value not a string", `{"type":"token","value":5}`, `must be a string`},
		{"request_path without value", `{"type":"request_path","namespace":"ns1"}`, `no "value"`},
	} {
		r := h.clear("POST", tc.body)
		errs, _ := r.body["errors"].([]any)
		if r.status != 400 || len(errs) != 1 || !strings.Contains(errs[0].(string), tc.want) {
			t.Errorf("%s: status %d body %v, want 400 with %q", tc.name, r.status, r.body, tc.want)
		}
	}
	for _, m := range []string{"GET", "DELETE", "PATCH"} {
		r := h.clear(m, `{"type":"all"}`)
		if r.status != 405 || r.header.Get("Allow") == "" {
			t.Errorf("%s: status %d, Allow %q", m, r.status, r.header.Get("Allow"))
		}
	}
	if h.cache.Len() != 4 {
		t.Fatalf("a refused request cleared entries: %d left", h.cache.Len())
	}
	// PUT is accepted, as Vault Proxy does.
	if r := h.clear("PUT", `{"type":"all","value":"ignored"}`); r.status != 200 || r.body["cleared"] != float64(4) {
		t.Fatalf("PUT: %d %v", r.status, r.body)
	}
}
