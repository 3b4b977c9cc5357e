package runtime

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultproxy/vaultproxy/compile"
)

// These tests use a scripted upstream where a real Vault cannot do it here (a sealed answer, counting
// what reaches Vault); ready_vault_test.go runs the same endpoint against a real Vault dev server.

// readyAnswer is GET /proxy/v1/ready's status and body.
func readyAnswer(t *testing.T, url string, h http.Header) (int, readyBody) {
	t.Helper()
	resp, body := do(t, "GET", url+readyPath, h, "")
	var b readyBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("GET %s: %d %q is not the readiness JSON: %v", readyPath, resp.StatusCode, body, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return resp.StatusCode, b
}

func (rec *recorder) count(path string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.reqs {
		if r.URL.Path == path {
			n++
		}
	}
	return n
}

// Without auto_auth, ready means Vault answered. Probes read the cached state: however many arrive,
// Vault sees one sys/health, from the background check the first probe started.
func TestReadyChecksVaultOnceForManyProbes(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	if n := rec.n(); n != 0 {
		t.Fatalf("%d requests reached Vault before anyone asked anything", n)
	}
	for i := range 50 {
		code, b := readyAnswer(t, s.url, nil)
		want := readyBody{Ready: true, Vault: rec.srv.URL}
		if code != 200 || !cmp.Equal(b, want) {
			t.Fatalf("probe %d: %d %+v, want 200 %+v", i, code, b, want)
		}
	}
	if n := rec.count("/v1/sys/health"); n != 1 {
		t.Errorf("50 probes made %d sys/health requests, want the background check's 1", n)
	}
	if n := rec.n(); n != 1 {
		t.Errorf("%d requests reached Vault, want 1", n)
	}
}

// A sealed Vault answers sys/health with 503: not ready, and the answer says why.
func TestReadySealedVault(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"initialized":true,"sealed":true}`)
	})
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	code, b := readyAnswer(t, s.url, nil)
	want := readyBody{Errors: []string{"Vault at " + rec.srv.URL + " does not answer: Vault is sealed (sys/health answered 503)"}, Vault: rec.srv.URL}
	if code != 503 || !cmp.Equal(b, want) {
		t.Errorf("got %d %+v, want 503 %+v", code, b, want)
	}
}

// An answer on the request path is an answer from Vault: after a proxied request no check is needed.
func TestReadyFromRequestPath(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	if resp, _ := do(t, "GET", s.url+"/v1/secret/data/x", nil, ""); resp.StatusCode != 200 {
		t.Fatalf("proxied request: %d", resp.StatusCode)
	}
	code, b := readyAnswer(t, s.url, nil)
	if code != 200 || !b.Ready {
		t.Fatalf("after an answered request: %d %+v", code, b)
	}
	if n := rec.count("/v1/sys/health"); n != 0 {
		t.Errorf("%d sys/health checks although Vault had just answered", n)
	}
}

// Methods other than GET and HEAD get 405 with Vault's error JSON and an Allow header.
func TestReadyMethods(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		resp, body := do(t, m, s.url+readyPath, nil, "")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" ||
			body != `{"errors":["method `+m+` not allowed on /proxy/v1/ready: use GET"]}`+"\n" {
			t.Errorf("%s: %d Allow=%q %q", m, resp.StatusCode, resp.Header.Get("Allow"), body)
		}
	}
	resp, body := do(t, "HEAD", s.url+readyPath, nil, "")
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
	if n := rec.count(readyPath); n != 0 {
		t.Errorf("%s reached Vault %d times", readyPath, n)
	}
}

// Every listener serves it, metrics_only included; require_request_header guards it as it guards
// the other /proxy/v1/ routes.
func TestReadyOnEveryListener(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, `
vault { address = "{{vault}}" }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}
listener "tcp" {
  address     = "127.0.0.1:8201"
  tls_disable = true
  role        = "metrics_only"
}
listener "tcp" {
  address                = "127.0.0.1:8202"
  tls_disable            = true
  require_request_header = true
}
`, rec.srv.URL))
	for i, addr := range s.addrs[:2] {
		if code, b := readyAnswer(t, "http://"+addr, nil); code != 200 || !b.Ready {
			t.Errorf("listener %d: %d %+v", i, code, b)
		}
	}
	guarded := "http://" + s.addrs[2]
	resp, body := do(t, "GET", guarded+readyPath, nil, "")
	if resp.StatusCode != 412 || !strings.Contains(body, `missing \"X-Vault-Request\" header`) {
		t.Errorf("without X-Vault-Request: %d %q, want 412", resp.StatusCode, body)
	}
	if code, b := readyAnswer(t, guarded, http.Header{"X-Vault-Request": {"true"}}); code != 200 || !b.Ready {
		t.Errorf("with X-Vault-Request: %d %+v", code, b)
	}
}

// OnReady is called once the listeners are bound and Vault answered, OnStopping at shutdown, and
// with OnReady set the background check runs from the start, without waiting for a probe.
func TestReadyLifecycleHooks(t *testing.T) {
	rec := newRecorder(t, nil)
	events := make(chan string, 4)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL), func(o *Options) {
		o.OnReady = func() { events <- "ready" }
		o.OnStopping = func() { events <- "stopping" }
	})
	select {
	case e := <-events:
		if e != "ready" {
			t.Fatalf("first event %q", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnReady not called")
	}
	if n := rec.count("/v1/sys/health"); n != 1 {
		t.Errorf("%d sys/health checks before the first probe, want 1", n)
	}
	s.rt.quitOnce.Do(func() { close(s.rt.quit) })
	select {
	case e := <-events:
		if e != "stopping" {
			t.Fatalf("second event %q", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnStopping not called")
	}
	<-s.done
	s.done <- nil // for the cleanup
	if len(events) != 0 {
		t.Errorf("more events: %q", <-events)
	}
}

// The state is about the current plan's Vault: a reload to another address starts it over, and the
// answer names the new address.
func TestReadyFollowsReloadedAddress(t *testing.T) {
	rec := newRecorder(t, nil)
	s := startPlan(t, planFrom(t, plainListener, rec.srv.URL))
	if code, b := readyAnswer(t, s.url, nil); code != 200 {
		t.Fatalf("before the reload: %d %+v", code, b)
	}
	gone := newRecorder(t, nil)
	gone.srv.Close() // nothing listens there any more
	if err := s.rt.Swap(planFrom(t, plainListener, gone.srv.URL)); err != nil {
		t.Fatal(err)
	}
	code, b := readyAnswer(t, s.url, nil)
	prefix := "Vault at " + gone.srv.URL + " does not answer: "
	if code != 503 || b.Vault != gone.srv.URL || len(b.Errors) != 1 || !strings.HasPrefix(b.Errors[0], prefix) {
		t.Errorf("after a reload to a closed address: %d %+v, want 503 and %q...", code, b, prefix)
	}
}

// While not ready, OnWaiting hears what is missing, each time it changes; OnReady is not called.
func TestReadyOnWaiting(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"initialized":true,"sealed":true}`)
	})
	waiting := make(chan []string, 16)
	ready := make(chan struct{}, 1)
	startPlan(t, planFrom(t, plainListener, rec.srv.URL), func(o *Options) {
		o.OnReady = func() { ready <- struct{}{} }
		o.OnWaiting = func(missing []string) { waiting <- missing }
	})
	sealed := []string{"Vault at " + rec.srv.URL + " does not answer: Vault is sealed (sys/health answered 503)"}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case got := <-waiting:
			if cmp.Equal(got, sealed) {
				select {
				case <-ready:
					t.Fatal("OnReady called while Vault is sealed")
				case <-time.After(300 * time.Millisecond):
				}
				if len(waiting) != 0 {
					t.Errorf("OnWaiting called again with nothing changed: %q", <-waiting)
				}
				return
			}
			if want := []string{"Vault at " + rec.srv.URL + " has not answered yet"}; !cmp.Equal(got, want) {
				t.Fatalf("OnWaiting(%q), want %q then %q", got, want, sealed)
			}
		case <-deadline:
			t.Fatal("OnWaiting not called with the sealed Vault")
		}
	}
}

// BenchmarkReady is one /proxy/v1/ready answer through a listener's handler, Vault known to answer:
// what a probe costs the proxy. Nothing reaches Vault (the address is never dialled).
func BenchmarkReady(b *testing.B) {
	src := strings.ReplaceAll(plainListener, "{{vault}}", "http://127.0.0.1:1")
	p, diags := compile.Compile([]compile.Source{{Name: "bench.hcl", Bytes: []byte(src)}}, compile.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	rt, err := New(p, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	rt.vault.record("http://127.0.0.1:1", true, "")
	defer rt.vault.stop()
	h := &listenerHandler{rt: rt, counters: rt.metrics.forListener("bench")}
	h.cfg.Store(listenerConfigOf(p, p.Listeners()[0]))
	req := httptest.NewRequest("GET", readyPath, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
