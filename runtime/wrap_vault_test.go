package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// vaultSeen records what reached Vault through the runtime's transport.
type vaultSeen struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []string // "METHOD escaped-path wrap=VALUE" of requests that carried X-Vault-Wrap-TTL
}

func (v *vaultSeen) RoundTrip(r *http.Request) (*http.Response, error) {
	if w, ok := r.Header[http.CanonicalHeaderKey(wrapTTLHeader)]; ok {
		v.mu.Lock()
		v.reqs = append(v.reqs, fmt.Sprintf("%s %s wrap=%q", r.Method, r.URL.EscapedPath(), w))
		v.mu.Unlock()
	}
	return v.next.RoundTrip(r)
}

func (v *vaultSeen) wrapped() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.reqs...)
}

// wrapFixture is a real Vault dev server with a proxy in front whose auto-auth token (token_file)
// is auto, and another token, other, that a client may know.
type wrapFixture struct {
	dev         *vaulttest.Dev
	root        *api.Client
	auto        string
	autoAcc     string
	other       string
	proxyURL    string
	seen        *vaultSeen
	noRedirects *http.Client
}

func newWrapFixture(t *testing.T, mode string) *wrapFixture {
	t.Helper()
	dev := vaulttest.StartDev(t)
	f := &wrapFixture{dev: dev, root: dev.Client(t)}
	mk := func() (string, string) {
		sec, err := f.root.Auth().Token().CreateOrphan(&api.TokenCreateRequest{Policies: []string{"root"}, TTL: "1h"})
		if err != nil {
			t.Fatal(err)
		}
		return sec.Auth.ClientToken, sec.Auth.Accessor
	}
	f.auto, f.autoAcc = mk()
	f.other, _ = mk()
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte(f.auto), 0o600); err != nil {
		t.Fatal(err)
	}
	p := planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = %s }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, tokFile, mode), dev.Addr())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	f.seen = &vaultSeen{next: tr}
	s := startPlan(t, p, func(o *Options) { o.Transport = f.seen })
	f.proxyURL = s.url
	f.noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return f
}

type wrapReq struct {
	method, path string
	header       http.Header
	body         string
}

func (f *wrapFixture) do(t *testing.T, rq wrapReq) (int, string) {
	t.Helper()
	var rd io.Reader
	if rq.body != "" {
		rd = strings.NewReader(rq.body)
	}
	// The path goes as written: no client-side cleaning or re-escaping.
	req, err := http.NewRequest(rq.method, f.proxyURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque, req.URL.RawQuery, _ = strings.Cut(rq.path, "?")
	for k, v := range rq.header {
		req.Header[k] = v
	}
	resp, err := f.noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// noAutoToken fails when text holds the auto-auth token (or, with acc, its accessor).
func (f *wrapFixture) noAutoToken(t *testing.T, what, text string, acc bool) {
	t.Helper()
	if strings.Contains(text, f.auto) {
		t.Errorf("%s: the auto-auth token reached the client: %s", what, strings.ReplaceAll(text, f.auto, "<AUTO-AUTH TOKEN>"))
	}
	if acc && strings.Contains(text, f.autoAcc) {
		t.Errorf("%s: the auto-auth token's accessor reached the client", what)
	}
}

// unwrapped follows a wrapping token in an answer, if any, straight at Vault, and returns what it
// holds: whoever holds a wrapping token can unwrap it, through the proxy or not.
func (f *wrapFixture) unwrapped(t *testing.T, body string) (string, bool) {
	t.Helper()
	var doc struct {
		WrapInfo *struct {
			Token string `json:"token"`
		} `json:"wrap_info"`
	}
	if json.Unmarshal([]byte(body), &doc) != nil || doc.WrapInfo == nil || doc.WrapInfo.Token == "" {
		return "", false
	}
	c, err := f.root.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(doc.WrapInfo.Token)
	sec, err := c.Logical().Write("sys/wrapping/unwrap", nil)
	if err != nil {
		t.Fatalf("unwrapping: %v", err)
	}
	b, _ := json.Marshal(sec)
	return string(b), true
}

// TestWrappedTokenLookupsRefused is the tester's report against a real Vault: a token lookup or
// renewal that the proxy makes with its auto-auth token must not come back response-wrapped, or the
// wrapping token unwraps (through the proxy or straight at Vault) to the auto-auth token, past the
// sanitiser. Every spelling of the paths counts.
func TestWrappedTokenLookupsRefused(t *testing.T) {
	f := newWrapFixture(t, "true")
	wrap := func(kv ...string) http.Header {
		h := http.Header{"X-Vault-Wrap-Ttl": {"60"}}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = append(h[kv[i]], kv[i+1])
		}
		return h
	}
	const form = "Content-Type"
	const formType = "application/x-www-form-urlencoded"
	refused := []wrapReq{
		{"GET", "/v1/auth/token/lookup-self", wrap(), ""},
		{"POST", "/v1/auth/token/lookup-self", wrap(), ""},
		{"PUT", "/v1/auth/token/renew-self", wrap(), "{}"},
		{"GET", "/v1/auth/token/lookup-self", http.Header{"X-Vault-Wrap-Ttl": {""}}, ""},
		{"GET", "/v1/auth/token/lookup-self", wrap("X-Vault-Token", ""), ""},
		{"GET", "/v1/auth/token%2Flookup-self", wrap(), ""},
		{"GET", "/v1/auth%2Ftoken%2Flookup-self", wrap(), ""},
		{"GET", "/v1/auth/token%2flookup-self", wrap(), ""},
		{"GET", "/v1//auth/token/lookup-self", wrap(), ""},
		{"GET", "/v1/auth//token/lookup-self", wrap(), ""},
		{"GET", "/v1/auth/token/./lookup-self", wrap(), ""},
		{"GET", "/v1/sys/../auth/token/lookup-self", wrap(), ""},
		{"GET", "/v1/auth/token/lookup-self/", wrap(), ""},
		{"GET", "/v1/ns1/auth/token/lookup-self", wrap(), ""},
		{"GET", "/v1/auth/token/lookup", wrap(), ""},
		{"GET", "/v1/auth/token/lookup?token=" + f.auto, wrap(), ""},
		{"GET", "/v1/auth/token/lookup?token=" + f.other + "&token=" + f.auto, wrap(), ""},
		{"POST", "/v1/auth/token/lookup", wrap(), ""},
		{"POST", "/v1/auth/token/lookup", wrap(), "{}"},
		{"POST", "/v1/auth/token/lookup", wrap(), `{"token":""}`},
		{"POST", "/v1/auth/token/lookup", wrap(), `{"token":"` + f.auto + `"}`},
		{"POST", "/v1/auth/token/lookup", wrap(), `{"TOKEN":"` + f.other + `"}`}, // Vault ignores TOKEN: a lookup of the caller
		{"POST", "/v1/auth/token/lookup", wrap(form, formType), "token=" + f.auto},
		{"POST", "/v1/auth/token/lookup", wrap(form, formType), "accessor=x"},
		{"PUT", "/v1/auth/token/renew", wrap(), `{"token":"` + f.auto + `"}`},
		{"PUT", "/v1/auth/token/renew", wrap(form, formType), "token=" + f.auto},
	}
	for _, rq := range refused {
		name := rq.method + " " + strings.ReplaceAll(rq.path, f.auto, "AUTO") + " " + strings.ReplaceAll(rq.body, f.auto, "AUTO")
		status, body := f.do(t, rq)
		f.noAutoToken(t, name, body, true)
		if inner, ok := f.unwrapped(t, body); ok {
			f.noAutoToken(t, name+", unwrapped", inner, true)
		}
		var doc struct {
			Errors []string `json:"errors"`
		}
		if status != http.StatusBadRequest || json.Unmarshal([]byte(body), &doc) != nil || len(doc.Errors) != 1 || !strings.Contains(doc.Errors[0], "X-Vault-Wrap-TTL") {
			t.Errorf("%s: %d %s, want 400 refusing the wrap", name, status, strings.ReplaceAll(body, f.auto, "<AUTO>"))
		}
	}
	if got := f.seen.wrapped(); len(got) != 0 {
		t.Errorf("refused requests reached Vault with X-Vault-Wrap-TTL: %v", got)
	}

	// Wrapping stays available where the answer cannot hold the auto-auth token: a lookup of a token
	// the client names, a request with the client's own token, anything that is not a token path.
	allowed := []struct {
		rq   wrapReq
		want string // what the unwrapped answer holds
	}{
		{wrapReq{"POST", "/v1/auth/token/lookup", wrap(), `{"token":"` + f.other + `"}`}, f.other},
		{wrapReq{"GET", "/v1/auth/token/lookup?token=" + f.other, wrap(), ""}, f.other},
		{wrapReq{"POST", "/v1/auth/token/lookup", wrap(form, formType), "token=" + f.other}, f.other},
		{wrapReq{"GET", "/v1/auth/token/lookup-self", wrap("X-Vault-Token", f.other), ""}, f.other},
		{wrapReq{"POST", "/v1/sys/wrapping/wrap", wrap(), `{"k":"v"}`}, `"k":"v"`},
	}
	for _, a := range allowed {
		name := a.rq.method + " " + a.rq.path + " " + a.rq.body
		status, body := f.do(t, a.rq)
		inner, ok := f.unwrapped(t, body)
		if status != 200 || !ok || !strings.Contains(inner, a.want) {
			t.Errorf("%s: %d %s; unwrapped %q, want it to hold %q", name, status, body, inner, a.want)
		}
		f.noAutoToken(t, name, body+inner, true)
	}

	// Without wrapping, the sanitiser covers the same spellings: Vault answers %2F itself and
	// redirects the others to the clean path (307), which comes back here.
	for _, rq := range []wrapReq{
		{"GET", "/v1/auth/token/lookup-self", nil, ""},
		{"GET", "/v1/auth/token%2Flookup-self", nil, ""},
		{"GET", "/v1/auth%2Ftoken%2Flookup-self", nil, ""},
		{"GET", "/v1//auth/token/lookup-self", nil, ""},
		{"GET", "/v1/auth/token/./lookup-self", nil, ""},
		{"PUT", "/v1/auth/token%2Frenew-self", nil, "{}"},
		{"GET", "/v1/auth/token/lookup", nil, ""},
		{"POST", "/v1/auth/token/lookup", nil, `{"token":"` + f.auto + `"}`},
		{"POST", "/v1/auth/token/lookup", http.Header{form: {formType}}, "token=" + f.auto},
		{"PUT", "/v1/auth/token/renew", nil, `{"token":"` + f.auto + `"}`},
	} {
		name := "unwrapped " + rq.method + " " + rq.path
		status, body := f.do(t, rq)
		f.noAutoToken(t, name, body, true)
		if status != 200 && status != http.StatusTemporaryRedirect {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	// The accessor routes: Vault itself blanks the token (the client sent the accessor).
	for _, rq := range []wrapReq{
		{"POST", "/v1/auth/token/lookup-accessor", nil, `{"accessor":"` + f.autoAcc + `"}`},
		{"PUT", "/v1/auth/token/renew-accessor", nil, `{"accessor":"` + f.autoAcc + `"}`},
		{"POST", "/v1/auth/token/lookup-accessor", wrap(), `{"accessor":"` + f.autoAcc + `"}`},
	} {
		name := rq.method + " " + rq.path
		status, body := f.do(t, rq)
		f.noAutoToken(t, name, body, false)
		if inner, ok := f.unwrapped(t, body); ok {
			f.noAutoToken(t, name+", unwrapped", inner, false)
		}
		if status != 200 {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
}
