package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/validate"
)

// The hit path benchmarks (issue 12): a cached POST /v1/auth/token/create answered through a
// listener's real handler, in process, against a bare http.HandlerFunc writing the same status,
// headers and body through the same harness (BenchmarkHit/ceiling). The ratio of the two is the
// share of a hit's cost that is vaultproxy's own; scripts/bench/run.sh measures the same over real
// connections.

// hitBenchHCL: auto-auth with a token file and use_auto_auth_token = true, so that a request with
// its own X-Vault-Token goes with it and one without goes with the auto-auth token; both create a
// child of the auto-auth token, which the cache manages.
const hitBenchHCL = `
vault { address = "{{vault}}" }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
cache {}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}
`

// hitBenchVault answers lookup-self (auto-auth's token_file check) and auth/token/create, as Vault
// does in shape.
func hitBenchVault() *httptest.Server {
	n := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Vault-Token")
		var body any
		switch strings.TrimPrefix(r.URL.Path, "/v1/") {
		case "auth/token/lookup-self":
			body = map[string]any{"data": map[string]any{"id": tok, "accessor": "acc-auto", "ttl": 0, "renewable": false, "policies": []string{"root"}}}
		case "auth/token/create":
			n++
			body = map[string]any{"request_id": "9f1c3f2e-0000-4000-8000-000000000000", "lease_id": "", "renewable": false, "lease_duration": 0,
				"data": nil, "wrap_info": nil, "warnings": nil,
				"auth": map[string]any{"client_token": fmt.Sprintf("hvs.CAESIchild-%d", n), "accessor": fmt.Sprintf("child-acc-%d", n),
					"policies": []string{"default"}, "token_policies": []string{"default"}, "metadata": nil,
					"renewable": true, "lease_duration": 3600, "entity_id": "", "token_type": "service", "orphan": false}}
		case "auth/token/renew-self":
			body = map[string]any{"auth": map[string]any{"client_token": tok, "renewable": true, "lease_duration": 3600}}
		default:
			body = map[string]any{"data": map[string]any{}}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(body)
	}))
}

// benchWriter is a minimal, reused http.ResponseWriter: the harness's own cost per request is a
// map clear and a buffer reset, the same for every case.
type benchWriter struct {
	h      http.Header
	status int
	body   []byte
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

// SetReadDeadline and SetWriteDeadline accept the deadlines the proxy sets through
// http.ResponseController, as net/http's own ResponseWriter does (without them the controller
// builds an ErrNotSupported error per call, a cost no server has).
func (w *benchWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *benchWriter) SetWriteDeadline(time.Time) error { return nil }

func (w *benchWriter) reset() {
	clear(w.h)
	w.status = 0
	w.body = w.body[:0]
}

// benchBody is a request body that can be read again after reset, without allocating.
type benchBody struct {
	s   string
	off int
}

func (b *benchBody) Read(p []byte) (int, error) {
	if b.off >= len(b.s) {
		return 0, io.EOF
	}
	n := copy(p, b.s[b.off:])
	b.off += n
	return n, nil
}

func (b *benchBody) Close() error { return nil }

// hitBench is a running runtime serving hitBenchHCL and its first listener's handler.
type hitBench struct {
	h http.Handler
	// addr is the listener's address on loopback, served by its whole stack (connection limits,
	// JSON errors, net/http).
	addr string
	stop func()
}

func startHitBench(tb testing.TB) *hitBench {
	tb.Helper()
	vault := hitBenchVault()
	tf := filepath.Join(tb.TempDir(), "token")
	if err := os.WriteFile(tf, []byte("T_AUTO"), 0o600); err != nil {
		tb.Fatal(err)
	}
	src := strings.ReplaceAll(fmt.Sprintf(hitBenchHCL, tf), "{{vault}}", vault.URL)
	p, diags := compile.Compile([]compile.Source{{Name: "bench.hcl", Bytes: []byte(src)}}, compile.Options{})
	diags = append(diags, validate.Plan(p)...)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	rt, err := New(p, Options{
		Logger: slog.New(slog.DiscardHandler),
		Listen: func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") },
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	stop := func() {
		cancel()
		<-done
		vault.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	var h http.Handler
	var addr string
	for h == nil {
		if time.Now().After(deadline) {
			stop()
			tb.Fatal("no listener, or no auto-auth token")
		}
		time.Sleep(5 * time.Millisecond)
		st := rt.current()
		if _, ok := st.auth.mgr.Current(); !ok {
			continue
		}
		rt.mu.Lock()
		for _, l := range rt.listeners {
			h, addr = l.handler, l.raw.Addr().String()
		}
		rt.mu.Unlock()
	}
	return &hitBench{h: h, addr: addr, stop: stop}
}

// hitRequest is the benchmarked request, reused: POST /v1/auth/token/create with a small body, as
// scripts/bench/run.sh sends it.
type hitRequest struct {
	r    *http.Request
	body benchBody
}

func newHitRequest(token string) *hitRequest {
	hr := &hitRequest{body: benchBody{s: `{"ttl":"1h"}`}}
	hr.r = httptest.NewRequest("POST", "/v1/auth/token/create", nil)
	hr.r.Header.Set("Content-Type", "application/json")
	hr.r.Header.Set("User-Agent", "loadgen")
	if token != "" {
		hr.r.Header.Set("X-Vault-Token", token)
	}
	return hr
}

// next readies the request to be served again, as a server hands a fresh one.
func (hr *hitRequest) next() *http.Request {
	hr.body.off = 0
	r := hr.r
	r.Body = &hr.body
	r.GetBody = nil
	r.ContentLength = int64(len(hr.body.s))
	return r
}

// serveHit serves hr through h into w and checks it was a hit.
func serveHit(tb testing.TB, h http.Handler, w *benchWriter, hr *hitRequest, want string) {
	w.reset()
	h.ServeHTTP(w, hr.next())
	if w.status != http.StatusOK || w.h.Get("X-Cache") != want {
		tb.Fatalf("%d X-Cache %q, want 200 %s: %s", w.status, w.h.Get("X-Cache"), want, w.body)
	}
}

func BenchmarkHit(b *testing.B) {
	hb := startHitBench(b)
	defer hb.stop()
	w := &benchWriter{h: http.Header{}}
	// The first request is the miss that stores the answer; the ceiling writes the hit's bytes.
	serveHit(b, hb.h, w, newHitRequest("T_AUTO"), "MISS")
	serveHit(b, hb.h, w, newHitRequest("T_AUTO"), "HIT")
	status, header, body := w.status, w.h.Clone(), append([]byte(nil), w.body...)
	ceiling := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	cases := []struct {
		name  string
		h     http.Handler
		token string
	}{
		{"ceiling", ceiling, "T_AUTO"},
		{"client_token", hb.h, "T_AUTO"},
		{"auto_auth_token", hb.h, ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			hr := newHitRequest(c.token)
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				serveHit(b, c.h, w, hr, "HIT")
			}
			// CPU time rather than wall time: on a shared machine the wall clock counts the waits
			// for a core too.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time the process has used (user and system), in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
