package runtime

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// frozenVault is an injected fault: a listener that accepts connections and never answers.
func frozenVault(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

// A Vault that accepts and never answers gets each request a 504 in Vault's error shape once
// Limits.VaultTimeout has passed, retries included; the request used to wait for ever.
func TestFrozenVault504(t *testing.T) {
	vault := frozenVault(t)
	s := startPlan(t, planFrom(t, plainListener, vault), withLimits(Limits{VaultTimeout: 300 * time.Millisecond}))
	for _, m := range []string{"GET", "POST"} {
		resp, body := do(t, m, s.url+"/v1/secret/data/app", nil, `{"data":{}}`)
		if resp.StatusCode != http.StatusGatewayTimeout {
			t.Fatalf("%s: status %d body %q, want 504", m, resp.StatusCode, body)
		}
		if errs := jsonErrors(t, body); !strings.Contains(errs[0], "did not answer within 300ms") || !strings.Contains(errs[0], vault) {
			t.Errorf("%s: errors %q do not name Vault and the timeout", m, errs)
		}
	}
}

// With Vault refusing connections, a request stops retrying once Limits.DialRetryBudget has
// passed and gets its 502 (it used to go through all 12 retries, about 9.5 s); answers from Vault
// (5xx, 429) are still retried num_retries times.
func TestRefusedConnectionsFailFast(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	var dials atomic.Int32
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
	s := startPlan(t, planFrom(t, plainListener, dead), withLimits(Limits{DialRetryBudget: 250 * time.Millisecond}),
		func(o *Options) { o.Transport = tr })
	resp, body := do(t, "GET", s.url+"/v1/sys/health", nil, "")
	if resp.StatusCode != 502 || !strings.Contains(body, "connection refused") {
		t.Fatalf("status %d body %q, want 502 naming the refused connection", resp.StatusCode, body)
	}
	// Attempts at 0, 100 ms; the next would start at 300 ms, past the 250 ms budget.
	if n := dials.Load(); n != 2 {
		t.Errorf("%d connection attempts, want 2 within the dial retry budget (num_retries is 12)", n)
	}

	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	p := planFrom(t, `
vault {
  address = "{{vault}}"
  retry { num_retries = 4 }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, rec.srv.URL)
	s = startPlan(t, p, withLimits(Limits{DialRetryBudget: time.Millisecond}))
	if resp, _ := do(t, "GET", s.url+"/v1/sys/health", nil, ""); resp.StatusCode != 503 || rec.n() != 5 {
		t.Errorf("Vault's 503: status %d after %d attempts, want 503 after 5 (the budget is for refused connections only)", resp.StatusCode, rec.n())
	}
}

// countingListener counts the connections Vault accepted.
type countingListener struct {
	net.Listener
	n atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// Slow uploads hold no connection to Vault: bodies are read whole first. With 50 clients each
// stalled in the middle of its body, Vault has accepted no connection; when they finish, each
// request reaches Vault whole.
func TestSlowUploadsHoldNoVaultConnection(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	vault := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	cl := &countingListener{Listener: vault.Listener}
	vault.Listener = cl
	vault.Start()
	defer vault.Close()
	s := startPlan(t, planFrom(t, plainListener, vault.URL))
	const clients = 50
	body := `{"data":{"k":"` + strings.Repeat("v", 1000) + `"}}`
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", s.addrs[0])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
		c.Write([]byte("PUT /v1/secret/data/app HTTP/1.1\r\nHost: proxy\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body[:500]))
	}
	time.Sleep(300 * time.Millisecond) // every upload is stalled in its middle
	if n := cl.n.Load(); n != 0 {
		t.Fatalf("Vault accepted %d connections while the uploads were unfinished, want 0", n)
	}
	for _, c := range conns {
		c.Write([]byte(body[500:]))
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 12)
		if _, err := c.Read(buf); err != nil || string(buf) != "HTTP/1.1 200" {
			t.Fatalf("client %d: %q %v", i, buf, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != clients {
		t.Fatalf("Vault got %d requests, want %d", len(bodies), clients)
	}
	for i, b := range bodies {
		if b != body {
			t.Fatalf("request %d reached Vault with a body of %d bytes, want %d", i, len(b), len(body))
		}
	}
}
