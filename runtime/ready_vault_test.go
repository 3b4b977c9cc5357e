package runtime

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// freeLoopback returns a loopback address nothing listens on (right now).
func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// relayTCP listens on addr and pipes every connection to target, until the test ends; then it
// closes the listener and every connection, and waits for its goroutines.
func relayTCP(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			track(c)
			track(up)
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(up, c); up.(*net.TCPConn).CloseWrite() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, up); c.(*net.TCPConn).CloseWrite() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// waitReady polls /proxy/v1/ready until it answers 200, for at most d.
func waitReady(t *testing.T, url string, d time.Duration) readyBody {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		code, b := readyAnswer(t, url, nil)
		if code == 200 {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after %s: %d %+v", d, code, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Started while nothing listens at Vault's address, the proxy serves at once and says it is not
// ready, naming Vault and why; once Vault is there, it becomes ready without a restart.
func TestReadyVaultAbsentThenStarted(t *testing.T) {
	addr := freeLoopback(t)
	s := startPlan(t, planFrom(t, plainListener, "http://"+addr))
	code, b := readyAnswer(t, s.url, nil)
	prefix := "Vault at http://" + addr + " does not answer: "
	if code != 503 || b.Ready || len(b.Errors) != 1 || !strings.HasPrefix(b.Errors[0], prefix) ||
		!strings.Contains(b.Errors[0], "connection refused") || b.Vault != "http://"+addr {
		t.Fatalf("with no Vault: %d %+v, want 503 and one error %q... connection refused", code, b, prefix)
	}

	dev := vaulttest.StartDev(t)
	relayTCP(t, addr, strings.TrimPrefix(dev.Addr(), "http://"))
	got := waitReady(t, s.url, 2*VaultCheckInterval)
	if want := (readyBody{Ready: true, Vault: "http://" + addr}); !cmp.Equal(got, want) {
		t.Errorf("with Vault: %+v, want %+v", got, want)
	}
	if resp, body := do(t, "GET", s.url+"/v1/sys/health", nil, ""); resp.StatusCode != 200 {
		t.Errorf("proxied sys/health once Vault is up: %d %s", resp.StatusCode, body)
	}
}

// Against one real Vault: auto-auth with a token Vault accepts is ready; with one it refuses, the
// proxy is not ready and the answer names auto-auth (and not Vault, which answered). The endpoint is
// on a metrics_only listener too, and require_request_header guards it.
func TestReadyVault(t *testing.T) {
	dev := vaulttest.StartDev(t)
	tokenFile := func(tok string) string {
		p := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(p, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plan := func(tokenPath string) string {
		return fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "token_file" {
    min_backoff = "1s"
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
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
`, tokenPath)
	}

	t.Run("accepted token", func(t *testing.T) {
		s := startPlan(t, planFrom(t, plan(tokenFile(dev.RootToken())), dev.Addr()))
		want := readyBody{Ready: true, Vault: dev.Addr(), AutoAuth: "token_file"}
		for i, addr := range s.addrs[:2] {
			if got := waitReady(t, "http://"+addr, 30*time.Second); !cmp.Equal(got, want) {
				t.Errorf("listener %d: %+v, want %+v", i, got, want)
			}
		}
		guarded := "http://" + s.addrs[2]
		resp, body := do(t, "GET", guarded+readyPath, nil, "")
		if resp.StatusCode != 412 || body != `{"errors":["missing \"X-Vault-Request\" header"]}`+"\n" {
			t.Errorf("without X-Vault-Request: %d %q, want 412", resp.StatusCode, body)
		}
		if code, got := readyAnswer(t, guarded, http.Header{"X-Vault-Request": {"true"}}); code != 200 || !cmp.Equal(got, want) {
			t.Errorf("with X-Vault-Request: %d %+v", code, got)
		}
	})

	t.Run("refused token", func(t *testing.T) {
		s := startPlan(t, planFrom(t, plan(tokenFile("hvs.not-a-token-vault-knows")), dev.Addr()))
		failed := regexp.MustCompile(`^auto-auth \(token_file\) holds no token Vault accepted: [1-9][0-9]* login attempts failed \(the log says why\)$`)
		// On the way (a slow machine): Vault not checked yet, no login failed yet; nothing else.
		passing := map[string]bool{
			"Vault at " + dev.Addr() + " has not answered yet": true,
			"auto-auth (token_file) holds no token yet":        true,
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, b := readyAnswer(t, s.url, nil)
			if code != 503 || b.Ready || b.AutoAuth != "token_file" || len(b.Errors) == 0 {
				t.Fatalf("with a refused token: %d %+v, want 503 naming auto-auth", code, b)
			}
			if len(b.Errors) == 1 && failed.MatchString(b.Errors[0]) {
				break
			}
			for _, e := range b.Errors {
				if !passing[e] && !failed.MatchString(e) {
					t.Fatalf("with a refused token: %q", b.Errors)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("with a refused token, after 20s: %q, want auto-auth's failed logins alone", b.Errors)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if code, b := readyAnswer(t, "http://"+s.addrs[1], nil); code != 503 || len(b.Errors) != 1 || !failed.MatchString(b.Errors[0]) {
			t.Errorf("metrics_only listener: %d %+v", code, b)
		}
	})
}
