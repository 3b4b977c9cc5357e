package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/validate"
)

// planFrom compiles and validates an HCL configuration; {{vault}} is replaced by vaultAddr.
func planFrom(t *testing.T, hcl, vaultAddr string) *compile.Plan {
	t.Helper()
	src := strings.ReplaceAll(hcl, "{{vault}}", vaultAddr)
	p, diags := compile.Compile([]compile.Source{{Name: "test.hcl", Bytes: []byte(src)}}, compile.Options{})
	diags = append(diags, validate.Plan(p)...)
	if diags.HasErrors() {
		t.Fatalf("config does not compile: %v", diags)
	}
	return p
}

// started is a Runtime serving on loopback.
type started struct {
	rt    *Runtime
	addrs []string // bound addresses, in plan order of binding
	url   string   // http://first address
	done  chan error
}

// startPlan serves p; mods change the Options first (a Transport, ...).
func startPlan(t *testing.T, p *compile.Plan, mods ...func(*Options)) *started {
	t.Helper()
	s := &started{done: make(chan error, 1)}
	var mu sync.Mutex
	opts := Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Listen: func(network, addr string) (net.Listener, error) {
			if network != "unix" {
				addr = "127.0.0.1:0"
			}
			ln, err := net.Listen(network, addr)
			if err == nil {
				mu.Lock()
				s.addrs = append(s.addrs, ln.Addr().String())
				mu.Unlock()
			}
			return ln, err
		},
		ShutdownTimeout: 2 * time.Second,
	}
	if testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, m := range mods {
		m(&opts)
	}
	rt, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.rt = rt
	ctx, cancel := context.WithCancel(context.Background())
	go func() { s.done <- rt.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			t.Error("runtime did not stop")
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(s.addrs)
		mu.Unlock()
		if n == len(p.Listeners()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("listeners not bound")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.url = "http://" + s.addrs[0]
	return s
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// recorder is a scripted upstream that records what it received.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []string
	srv  *httptest.Server
	fn   func(n int, w http.ResponseWriter, r *http.Request)
}

func newRecorder(t *testing.T, fn func(n int, w http.ResponseWriter, r *http.Request)) *recorder {
	rec := &recorder{fn: fn}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		n := len(rec.reqs)
		rec.reqs = append(rec.reqs, r.Clone(context.Background()))
		rec.body = append(rec.body, string(b))
		rec.mu.Unlock()
		if rec.fn != nil {
			rec.fn(n, w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{}}`)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) n() int { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.reqs) }
func (rec *recorder) req(i int) *http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.reqs[i]
}

func do(t *testing.T, method, url string, h http.Header, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const plainListener = `
vault { address = "{{vault}}" }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}
`

func TestForwardingKeepsRequestWhole(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	h := http.Header{"X-Vault-Token": {"T_CLIENT"}, "Connection": {"X-Hop"}, "X-Hop": {"drop me"}, "X-Custom": {"a", "b"}}
	resp, _ := do(t, "LIST", s.url+"/v1/secret/metadata/?list=true&foo=a&foo=b&version=2", h, "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	do(t, "POST", s.url+"/v1/secret/data/app", nil, `{"data":{"k":"v"}}`)
	got := rec.req(0)
	if got.Method != "LIST" || got.URL.Path != "/v1/secret/metadata/" || got.URL.RawQuery != "list=true&foo=a&foo=b&version=2" {
		t.Errorf("request line reached Vault as %s %s?%s", got.Method, got.URL.Path, got.URL.RawQuery)
	}
	if got.Header.Get("X-Vault-Token") != "T_CLIENT" || got.Header.Get("X-Hop") != "" || len(got.Header["X-Custom"]) != 2 {
		t.Errorf("headers reached Vault as %v", got.Header)
	}
	if got.Host != strings.TrimPrefix(rec.srv.URL, "http://") {
		t.Errorf("Host %q, want Vault's", got.Host)
	}
	if rec.body[1] != `{"data":{"k":"v"}}` {
		t.Errorf("body reached Vault as %q", rec.body[1])
	}
}

func TestRetriesIdempotentOnly(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	p := planFrom(t, `
vault {
  address = "{{vault}}"
  retry { num_retries = 2 }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, rec.srv.URL)
	s := startPlan(t, p)
	resp, _ := do(t, "GET", s.url+"/v1/sys/health", nil, "")
	if resp.StatusCode != 503 || rec.n() != 3 {
		t.Errorf("GET: status %d after %d calls, want 503 after 3", resp.StatusCode, rec.n())
	}
	resp, _ = do(t, "POST", s.url+"/v1/secret/data/x", nil, `{}`)
	if resp.StatusCode != 503 || rec.n() != 4 {
		t.Errorf("POST: status %d after %d calls in all, want 503 after 1 more", resp.StatusCode, rec.n())
	}
}

func TestVaultDown502(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	p := planFrom(t, `
vault {
  address = "{{vault}}"
  retry { num_retries = -1 }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, dead)
	s := startPlan(t, p)
	for i := 0; i < 2; i++ {
		resp, body := do(t, "GET", s.url+"/v1/sys/health", nil, "")
		if resp.StatusCode != 502 || !strings.Contains(body, `{"errors":["`) || !strings.Contains(body, dead) || !strings.Contains(body, "connection refused") {
			t.Errorf("status %d body %s; want 502 naming %s and the cause", resp.StatusCode, body, dead)
		}
	}
}

func TestRequireRequestHeaderAndRoles(t *testing.T) {
	rec := newRecorder(t, nil)
	p := planFrom(t, `
vault { address = "{{vault}}" }
listener "tcp" {
  address                = "127.0.0.1:8200"
  tls_disable            = true
  require_request_header = true
  proxy_api { enable_quit = true }
}
listener "tcp" {
  address     = "127.0.0.1:8201"
  tls_disable = true
  role        = "metrics_only"
}`, rec.srv.URL)
	s := startPlan(t, p)
	const want412 = `{"errors":["missing \"X-Vault-Request\" header"]}`
	for _, h := range []http.Header{{}, {"X-Vault-Request": {"True"}}, {"X-Vault-Request": {"1"}}, {"X-Vault-Request": {"true", "true"}}} {
		for _, path := range []string{"/v1/secret/data/app", "/proxy/v1/metrics", "/proxy/v1/quit"} {
			resp, body := do(t, "GET", s.url+path, h, "")
			if resp.StatusCode != 412 || strings.TrimSpace(body) != want412 {
				t.Errorf("%s with %v: %d %s", path, h, resp.StatusCode, body)
			}
		}
	}
	if rec.n() != 0 {
		t.Errorf("%d requests reached Vault", rec.n())
	}
	resp, _ := do(t, "GET", s.url+"/v1/secret/data/app", http.Header{"X-Vault-Request": {"true"}}, "")
	if resp.StatusCode != 200 || rec.n() != 1 {
		t.Errorf("with the header: %d, %d upstream calls", resp.StatusCode, rec.n())
	}
	metricsURL := "http://" + s.addrs[1]
	resp, body := do(t, "GET", metricsURL+"/proxy/v1/metrics", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, "vault_proxy_requests_total") {
		t.Errorf("metrics: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", metricsURL+"/v1/sys/health", nil, ""); resp.StatusCode != 404 {
		t.Errorf("metrics_only /v1/: %d, want 404", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", metricsURL+"/proxy/v1/quit", nil, ""); resp.StatusCode != 404 {
		t.Errorf("metrics_only quit: %d, want 404", resp.StatusCode)
	}
	if rec.n() != 1 {
		t.Errorf("metrics_only listener forwarded")
	}
}

func TestQuit(t *testing.T) {
	rec := newRecorder(t, nil)
	p := planFrom(t, `
vault { address = "{{vault}}" }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
  proxy_api { enable_quit = true }
}
listener "tcp" {
  address     = "127.0.0.1:8201"
  tls_disable = true
}`, rec.srv.URL)
	s := startPlan(t, p)
	if resp, _ := do(t, "POST", "http://"+s.addrs[1]+"/proxy/v1/quit", nil, ""); resp.StatusCode != 404 {
		t.Errorf("quit disabled: %d, want 404", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", s.url+"/proxy/v1/quit", nil, ""); resp.StatusCode != 405 {
		t.Errorf("GET quit: %d, want 405", resp.StatusCode)
	}
	// Two quits at once: both answered, the runtime stops once.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.url+"/proxy/v1/quit", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				codes[i] = resp.StatusCode
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if codes[0] != 200 && codes[1] != 200 {
		t.Errorf("quit codes %v", codes)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Run after quit: %v", err)
		}
		s.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("runtime did not stop after quit")
	}
}
