package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
)

// markHeader identifies each test request among what Vault sees (auto-auth sends its own
// requests at any time). A value starting with "flaky-" makes the recording Vault answer the first
// attempt with 503, so that retries show.
const markHeader = "X-Model-Test"

// modelRequest is one request of TestRunMatchesRequestModel.
type modelRequest struct {
	line    string   // METHOD PATH
	headers []string // Name: value; "@client" in a value is the client token
	body    string
	// listener is the index of the listener it is sent to.
	listener int
}

// TestRunMatchesRequestModel drives requests through `vaultproxy run` in front of a real Vault dev
// server, for every token mode, namespace setting, listener role and cache setting, and checks that
// what Vault saw (through the recording Vault) and what the client got are what request.Decide
// predicted for the same plan: the proxy's own status, or the token, namespace and header changes
// Vault received, whether the cache took the request (X-Cache), and whether a 503 was retried.
func TestRunMatchesRequestModel(t *testing.T) {
	f := newRunFixture(t)
	if err := f.root.Sys().PutPolicy("model", `path "auth/token/create" { capabilities = ["create", "update"] }`); err != nil {
		t.Fatal(err)
	}
	s, err := f.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"app", "model"}, TTL: "1h", Renewable: boolPtr(true)})
	if err != nil {
		t.Fatal(err)
	}
	auto := s.Auth.ClientToken
	f.extra = append(f.extra, auto)
	tokenFile := runWriteFile(t, t.TempDir(), "token", auto, 0o600)
	authBlock := fmt.Sprintf("auto_auth {\n  method \"token_file\" {\n    config = { token_file_path = %q }\n  }\n}\n", tokenFile)

	for _, c := range []struct {
		name, config string
	}{
		{"client tokens, no cache, no retries", `
vault {
  retry { num_retries = -1 }
}
api_proxy { use_auto_auth_token = false }`},
		{"auto-auth true, prepended namespace, lease cache", authBlock + `
vault {
  namespace = "org-a"
}
api_proxy {
  use_auto_auth_token          = true
  prepend_configured_namespace = true
}
cache {}`},
		{"auto-auth force, namespace not prepended, static cache, consistency", authBlock + `
vault {
  namespace = "org-a"
}
api_proxy {
  use_auto_auth_token = "force"
  enforce_consistency = "always"
  when_inconsistent   = "forward"
}
cache {
  cache_static_secrets            = true
  disable_caching_dynamic_secrets = true
}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			testRunMatchesModel(t, modelEnv{vault: f.dev.Addr(), client: f.clientToken, auto: auto, secrets: f.secrets}, c.config)
		})
	}
}

// modelEnv is the Vault the model test runs against and its tokens.
type modelEnv struct {
	vault        string
	client, auto string
	secrets      func() []string
}

func testRunMatchesModel(t *testing.T, e modelEnv, config string) {
	rec := newRecordingVault(t, e.vault)
	var attempts sync.Map // mark -> *atomic.Int32
	rec.fail = func(r *http.Request) int {
		mark := r.Header.Get(markHeader)
		if !strings.HasPrefix(mark, "flaky-") {
			return 0
		}
		n, _ := attempts.LoadOrStore(mark, new(atomic.Int32))
		if n.(*atomic.Int32).Add(1) == 1 {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	// The vault block of config is completed with the recording Vault's address.
	vault := fmt.Sprintf("vault {\n  address = %q", rec.URL())
	if strings.Contains(config, "vault {") {
		config = strings.Replace(config, "vault {", vault, 1)
	} else {
		config += "\n" + vault + "\n}"
	}
	config += fmt.Sprintf(`
listener "tcp" {
  address     = %q
  tls_disable = true
}
listener "tcp" {
  address     = %q
  tls_disable = true
  role        = "metrics_only"
}
listener "tcp" {
  address                = %q
  tls_disable            = true
  require_request_header = true
  proxy_api { enable_quit = true }
}
`, addrs[0], addrs[1], addrs[2])
	plan, diags := compile.Compile([]compile.Source{{Name: "proxy.hcl", Bytes: []byte(config)}}, compile.Options{})
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	startRun(t, config, e.secrets, addrs...)

	for i, mr := range modelRequests() {
		t.Run(fmt.Sprintf("%d %s on %d", i, mr.line, mr.listener), func(t *testing.T) {
			mark := strconv.Itoa(i)
			if strings.Contains(mr.line, "/flaky") {
				mark = "flaky-" + mark
			}
			var hdrs []string
			for _, h := range mr.headers {
				hdrs = append(hdrs, strings.ReplaceAll(h, "@client", e.client))
			}
			in, err := request.Parse(mr.line, append(hdrs, markHeader+": "+mark))
			if err != nil {
				t.Fatal(err)
			}
			// The decision the runtime makes: the body read and the auto-auth token known.
			in.Body, in.AutoAuthToken = []byte(strings.ReplaceAll(mr.body, "@client", e.client)), e.auto
			l := plan.Listeners()[mr.listener]
			d := request.Decide(plan, l, in)
			checkAgainstModel(t, rec, e, addrs[mr.listener], in, mark, d)
		})
	}
}

// modelRequests are the requests sent on each configuration.
func modelRequests() []modelRequest {
	return []modelRequest{
		{line: "GET /v1/secret/data/app", headers: []string{"X-Vault-Token: @client"}},
		{line: "GET /v1/secret/data/app"},
		{line: "GET /v1/secret/data/app", headers: []string{"Authorization: Bearer @client"}},
		{line: "GET /v1/secret/data/app", headers: []string{"X-Vault-Token: "}},
		{line: "GET /v1/secret/data/app?version=1", headers: []string{"X-Vault-Token: @client", "X-Vault-Namespace: team-1"}},
		{line: "GET /v1/secret/data/app", headers: []string{"X-Vault-Token: @client", "X-Vault-Namespace: team-1/../../org-b"}},
		{line: "GET /v1/secret/data/app", headers: []string{"X-Vault-Token: @client", "X-Vault-Index: abc"}},
		{line: "PUT /v1/secret/data/model", headers: []string{"X-Vault-Token: @client", "Expect: 100-continue"}, body: `{"data":{"k":"v"}}`},
		{line: "GET /v1/auth/token/lookup-self", headers: []string{"Accept-Encoding: br"}},
		{line: "GET /v1/secret/data/app", headers: []string{"Accept-Encoding: br"}},
		{line: "GET /v1/auth/token/lookup-self", headers: []string{"X-Vault-Wrap-TTL: 1m"}},
		{line: "POST /v1/auth/token/lookup", headers: []string{"X-Vault-Wrap-TTL: 1m"}, body: `{"token":"@client"}`},
		{line: "POST /v1/auth/token/create", body: `{"policies":["app"],"ttl":"10m"}`},
		{line: "GET /v1/secret/data/flaky", headers: []string{"X-Vault-Token: @client"}},
		{line: "POST /v1/secret/data/flaky", headers: []string{"X-Vault-Token: @client"}, body: `{"data":{"k":"v"}}`},
		{line: "GET /proxy/v1/metrics"},
		{line: "PUT /proxy/v1/ready"},
		{line: "GET /proxy/v1/quit"},
		{line: "POST /proxy/v1/cache-clear", body: `{"type":"request_path","value":"/v1/nothing"}`},
		{line: "GET /proxy/v1/cache-clear"},
		{line: "BREW /v1/sys/health"},
		{line: "GET /v1/sys/health", listener: 1},
		{line: "GET /proxy/v1/metrics", listener: 1},
		{line: "POST /proxy/v1/quit", listener: 1},
		{line: "GET /v1/secret/data/app", headers: []string{"X-Vault-Token: @client"}, listener: 2},
		{line: "GET /v1/secret/data/app", headers: []string{"X-Vault-Token: @client", "X-Vault-Request: true"}, listener: 2},
		{line: "GET /proxy/v1/quit", headers: []string{"X-Vault-Request: true"}, listener: 2},
	}
}

// checkAgainstModel sends in (twice when the cache may answer it) and compares what happened with d.
func checkAgainstModel(t *testing.T, rec *recordingVault, e modelEnv, addr string, in request.Request, mark string, d request.Decision) {
	t.Helper()
	body := string(in.Body)
	send := func() (*http.Response, string) {
		req, err := http.NewRequest(in.Method, "http://"+addr+in.URL.RequestURI(), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = in.Header.Clone()
		if body == "" {
			req.Body = http.NoBody
		}
		resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	seenNow := func() []seen {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		var out []seen
		for _, s := range rec.reqs {
			if s.Header.Get(markHeader) == mark {
				out = append(out, s)
			}
		}
		return out
	}
	resp, got := send()
	vault := seenNow()
	if !d.Forwarded() {
		if len(vault) != 0 {
			t.Errorf("predicted %d from the proxy, but Vault saw the request", d.Status)
		}
		if resp.StatusCode != d.Status || resp.Header.Get("Allow") != d.Allow {
			t.Errorf("got %d (Allow %q), predicted %d (Allow %q): %s", resp.StatusCode, resp.Header.Get("Allow"), d.Status, d.Allow, got)
		}
		if d.Errors != nil {
			var doc struct{ Errors []string }
			if err := json.Unmarshal([]byte(got), &doc); err != nil || !slices.Equal(doc.Errors, d.Errors) {
				t.Errorf("errors %s, predicted %q", got, d.Errors)
			}
		}
		return
	}
	if len(vault) == 0 && d.Cache == request.CacheStatic && resp.Header.Get("X-Cache") == "HIT" {
		return // a static secret read earlier with the same token, shared as the model said it may be
	}
	if len(vault) == 0 {
		t.Fatalf("predicted forwarded, but Vault never saw it; the proxy answered %d %s", resp.StatusCode, got)
	}
	v := vault[len(vault)-1]
	// Token.
	var wantToken []string
	switch d.Token {
	case request.TokenAutoAuth:
		wantToken = []string{e.auto}
	case request.TokenClient, request.TokenNone:
		wantToken = in.Header.Values("X-Vault-Token")
	}
	if !slices.Equal(v.Token, wantToken) {
		t.Errorf("Vault got X-Vault-Token %s, predicted %s", redactTokens(v.Token, e), d.Token)
	}
	if (request.VaultToken(v.Header) == "") != (d.Token == request.TokenNone) {
		t.Errorf("Vault got a token: %v; predicted %s", request.VaultToken(v.Header) != "", d.Token)
	}
	// Namespace.
	if ns := compile.CanonicalNamespace(strings.Join(v.Namespace, "")); ns != d.Namespace {
		t.Errorf("Vault got namespace %q, predicted %q", ns, d.Namespace)
	}
	// Header changes.
	for name, want := range d.Headers.Set {
		switch want {
		case request.AutoAuthTokenValue:
			want = e.auto
		case request.IndexStatesValue:
			continue // the dev server returns no X-Vault-Index states to replay
		}
		if got := v.Header.Get(name); got != want {
			t.Errorf("Vault got %s: %q, predicted %q", name, redactTokens([]string{got}, e), redactTokens([]string{want}, e))
		}
	}
	// A removed header's values do not reach Vault (Go's transport sends its own Accept-Encoding,
	// and decompresses the answer itself).
	for _, name := range d.Headers.Remove {
		for _, sent := range in.Header.Values(name) {
			if slices.Contains(v.Header.Values(name), sent) {
				t.Errorf("Vault got %s: %q, predicted removed", name, sent)
			}
		}
	}
	// Retries: the recording Vault fails the first attempt of a flaky request.
	if strings.HasPrefix(mark, "flaky-") {
		if d.Retry && (len(vault) != 2 || resp.StatusCode == http.StatusServiceUnavailable) {
			t.Errorf("predicted a retry: Vault saw %d attempts, the client got %d", len(vault), resp.StatusCode)
		}
		if !d.Retry && (len(vault) != 1 || resp.StatusCode != http.StatusServiceUnavailable) {
			t.Errorf("predicted no retry: Vault saw %d attempts, the client got %d", len(vault), resp.StatusCode)
		}
	}
	// Cache: the cache marks every request it considers with X-Cache (MISS, then HIT when it could
	// store the answer), and no other.
	if xc := resp.Header.Get("X-Cache"); (xc != "") != (d.Cache != request.CacheNone) {
		t.Errorf("X-Cache %q, predicted cache %s", xc, d.Cache)
	}
	if d.Cache == request.CacheNone && !strings.HasPrefix(mark, "flaky-") {
		resp2, _ := send()
		if n := len(seenNow()); n != 2*len(vault) || resp2.Header.Get("X-Cache") != "" {
			t.Errorf("predicted not cached, but the same request again reached Vault %d times (X-Cache %q)", n-len(vault), resp2.Header.Get("X-Cache"))
		}
	}
}

// redactTokens names the test's tokens instead of showing them.
func redactTokens(vals []string, e modelEnv) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		switch v {
		case e.auto:
			v = "(auto-auth token)"
		case e.client:
			v = "(client token)"
		}
		out[i] = v
	}
	return out
}
