package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// loadClient sends requests through the proxy until stopped and keeps what failed.
type loadClient struct {
	name   string
	client *http.Client
	urls   []string // taken in turn
	token  string   // "" for the auto-auth token
	n      atomic.Int64
}

// hammer runs each client in a loop until stop is closed; every answer must be the secret.
func hammer(clients []*loadClient, stop <-chan struct{}) (wait func() []string) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, c := range clients {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := c.once(); err != nil {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("%s at %s: %v", c.name, time.Now().Format("15:04:05.000"), err))
						mu.Unlock()
					}
				}
			}()
		}
	}
	return func() []string {
		wg.Wait()
		return failures
	}
}

func (c *loadClient) once() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := c.urls[int(c.n.Add(1))%len(c.urls)]
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("X-Vault-Request", "true")
	if c.token != "" {
		req.Header.Set("X-Vault-Token", c.token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"k":"v2"`) {
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, b)
	}
	return nil
}

// testReloadUnderLoad: ten SIGHUPs while clients send requests without pause, over keep-alive and
// new connections, plain and TLS, with their token and with auto-auth's: valid configurations
// that change nothing, ones that move one of the plain listeners from 0.0.0.0 to 127.0.0.1 on its
// port, rotate the TLS listener's certificate and auto-auth's token file and toggle
// require_request_header, and invalid ones (a syntax error, a key that does not load, an empty
// token file). No request may fail. (A move the other way, to the wildcard, has a tiny window,
// documented in docs/differences-runtime.md; testReloadListenerMove makes it without load.)
func testReloadUnderLoad(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	ca := newTestCA(t, "load-ca")
	var ports, hosts []string
	for range 4 {
		ports, hosts = append(ports, strings.Split(freeAddr(t), ":")[1]), append(hosts, "0.0.0.0")
	}
	tlsAddr := freeAddr(t)
	var tokens []string
	for i := range 5 {
		s, err := f.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"app"}, TTL: "1h", DisplayName: fmt.Sprintf("load-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, s.Auth.ClientToken)
		f.extra = append(f.extra, s.Auth.ClientToken)
	}
	var goodKey string
	rotateCert := func() {
		c, k := ca.issue(t, "proxy", true)
		runWriteFile(t, dir, "srv.pem", string(c), 0o600)
		goodKey = string(runWriteFileContent(t, dir, "srv.key", k))
	}
	rotateCert()
	tokenFile := runWriteFile(t, dir, "token", tokens[0], 0o600)
	cfg := func(requireHeader bool) string {
		var plain string
		for i, port := range ports {
			plain += fmt.Sprintf(`
listener "tcp" {
  address                = "%s:%s"
  tls_disable            = true
  require_request_header = %v
}`, hosts[i], port, requireHeader)
		}
		return fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
%s
listener "tcp" {
  address       = %q
  tls_cert_file = %q
  tls_key_file  = %q
}`, f.dev.Addr(), tokenFile, plain, tlsAddr, dir+"/srv.pem", dir+"/srv.key")
	}
	require := false
	var plainURLs []string
	for _, port := range ports {
		plainURLs = append(plainURLs, "http://127.0.0.1:"+port+"/v1/secret/data/app")
	}
	p := startRun(t, cfg(require), f.secrets, append([]string{tlsAddr}, "127.0.0.1:"+ports[0], "127.0.0.1:"+ports[3])...)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.pem)
	tlsConf := &tls.Config{RootCAs: pool}
	tlsURL := []string{"https://" + tlsAddr + "/v1/secret/data/app"}
	clients := []*loadClient{
		{name: "plain keep-alive, client token", client: &http.Client{Transport: &http.Transport{Proxy: nil}}, urls: plainURLs, token: f.clientToken},
		{name: "plain new connections, auto-auth", client: &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}, urls: plainURLs},
		{name: "TLS keep-alive, auto-auth", client: &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: tlsConf}}, urls: tlsURL},
		{name: "TLS new connections, client token", client: &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: tlsConf, DisableKeepAlives: true}}, urls: tlsURL, token: f.clientToken},
	}
	stop := make(chan struct{})
	wait := hammer(clients, stop)
	stopped := false
	defer func() {
		if !stopped {
			close(stop)
			wait()
		}
	}()

	write := func(content string) { runWriteFile(t, dirOf(p.config), "proxy.hcl", content, 0o600) }
	relogins, tok := 0, 0
	for i, kind := range []string{"changed", "invalid", "unchanged", "changed", "invalid", "unchanged", "changed", "invalid", "changed", "unchanged"} {
		time.Sleep(300 * time.Millisecond) // let the clients run between reloads
		t.Logf("SIGHUP %d: %s", i+1, kind)
		switch kind {
		case "unchanged":
			write(cfg(require))
			p.reload(t, true)
		case "changed":
			hosts[tok] = "127.0.0.1"
			require = !require
			tok++
			rotateCert()
			runWriteFile(t, dir, "token", tokens[tok], 0o600)
			write(cfg(require))
			p.reload(t, true)
			relogins++
			p.waitLogCount(t, "auto-auth logged in with the reloaded credentials", relogins)
		case "invalid":
			switch i {
			case 1:
				write(cfg(require) + "\nlistener \"tcp\" {")
				p.reload(t, false)
			case 4:
				runWriteFile(t, dir, "srv.key", "not a key", 0o600)
				p.reload(t, false)
				runWriteFile(t, dir, "srv.key", goodKey, 0o600)
			case 7:
				runWriteFile(t, dir, "token", "", 0o600)
				p.reload(t, false)
				runWriteFile(t, dir, "token", tokens[tok], 0o600)
			}
		}
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	failures := wait()
	stopped = true
	for _, c := range clients {
		t.Logf("%s: %d requests", c.name, c.n.Load())
		if c.n.Load() == 0 {
			t.Errorf("%s sent no request", c.name)
		}
	}
	if len(failures) > 0 {
		t.Errorf("%d requests failed across the reloads; the first ones:\n%s", len(failures), strings.Join(failures[:min(len(failures), 10)], "\n"))
	}
	if got := autoTokenData(t, nil, "http://127.0.0.1:"+ports[0])["display_name"]; got != fmt.Sprintf("token-load-%d", tok) {
		t.Errorf("after the reloads auto-auth uses %v, want token-load-%d", got, tok)
	}
	if n := p.logCount("listener moved by reload"); n != relogins {
		t.Errorf("%d listener moves logged, want %d", n, relogins)
	}
}

func runWriteFileContent(t *testing.T, dir, name string, b []byte) []byte {
	t.Helper()
	runWriteFile(t, dir, name, string(b), 0o600)
	return b
}

// testReloadListenerMove: a listener moved to another host on the same port, from 0.0.0.0 to
// 127.0.0.1 and back, keeps answering; a request in flight on the old socket finishes; the old
// socket stops listening.
func testReloadListenerMove(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
	rec.mu.Lock()
	rec.delay = func(r *http.Request) time.Duration {
		if strings.Contains(r.URL.RawQuery, "slow") {
			return 1500 * time.Millisecond
		}
		return 0
	}
	rec.mu.Unlock()
	port := strings.Split(freeAddr(t), ":")[1]
	cfg := func(host string) string {
		return fmt.Sprintf(`
vault { address = %q }
listener "tcp" {
  address     = "%s:%s"
  tls_disable = true
}`, rec.URL(), host, port)
	}
	p := startRun(t, cfg("0.0.0.0"), f.secrets, "127.0.0.1:"+port)
	url := "http://127.0.0.1:" + port + "/v1/secret/data/app"
	h := http.Header{"X-Vault-Token": {f.clientToken}}
	other := nonLoopbackIPv4()
	for _, host := range []string{"127.0.0.1", "0.0.0.0"} {
		var wg sync.WaitGroup
		var slowStatus int
		wg.Add(1)
		go func() {
			defer wg.Done()
			slowStatus, _ = rawDo(t, nil, "GET", url+"?slow=1", h, "")
		}()
		time.Sleep(300 * time.Millisecond) // the slow request is in flight
		runWriteFile(t, dirOf(p.config), "proxy.hcl", cfg(host), 0o600)
		p.reload(t, true)
		if status, _ := rawDo(t, nil, "GET", url, h, ""); status != 200 {
			t.Errorf("moved to %s: %d", host, status)
		}
		wg.Wait()
		if slowStatus != 200 {
			t.Errorf("request in flight across the move to %s: %d", host, slowStatus)
		}
		if other == "" {
			continue
		}
		// Only the wildcard socket answers on another address of the machine.
		want := host == "0.0.0.0"
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(other, port), time.Second)
			if err == nil {
				c.Close()
			}
			if (err == nil) == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the move to %s, %s:%s accepts: %v, want %v", host, other, port, err == nil, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if n := p.logCount("listener moved by reload"); n != 2 {
		t.Errorf("%d moves logged, want 2:\n%s", n, p.stderr)
	}
}

// nonLoopbackIPv4 is an IPv4 address of this machine other than loopback, or "".
func nonLoopbackIPv4() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}
