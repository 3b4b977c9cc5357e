package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// unixVaultPlan is a plan whose Vault is at address, with token_file auto-auth reading token and
// use_auto_auth_token = true.
func unixVaultPlan(t *testing.T, address, token string) string {
	t.Helper()
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, address, tokFile)
}

// TestUnixVaultAddress: a unix:// Vault address is dialled as a socket, for proxied requests and for
// auto-auth alike, with everything after unix:// as the path (absolute, or relative to the working
// directory as in Vault's api client).
func TestUnixVaultAddress(t *testing.T) {
	for _, relative := range []bool{false, true} {
		t.Run(fmt.Sprintf("relative=%v", relative), func(t *testing.T) {
			dir := t.TempDir()
			sock := filepath.Join(dir, "vault.sock")
			address := "unix://" + sock
			if relative {
				t.Chdir(dir)
				address = "unix://vault.sock"
			}
			ln, err := net.Listen("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[string][]string{} // path -> tokens
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen[r.URL.Path] = append(seen[r.URL.Path], r.Header.Get("X-Vault-Token"))
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"data":{"ttl":0,"renewable":false,"k":"v"}}`)
			}))
			srv.Listener = ln
			srv.Start()
			t.Cleanup(srv.Close)

			s := startPlan(t, planFrom(t, unixVaultPlan(t, address, "T_AUTO"), ""))
			resp, body := do(t, "GET", s.url+"/v1/secret/data/app", nil, "")
			if resp.StatusCode != 200 || !strings.Contains(body, `"k":"v"`) {
				t.Fatalf("through the socket: %d %s", resp.StatusCode, body)
			}
			mu.Lock()
			defer mu.Unlock()
			if got := seen["/v1/secret/data/app"]; len(got) != 1 || got[0] != "T_AUTO" {
				t.Errorf("Vault received the read with tokens %v, want [T_AUTO]", got)
			}
			if len(seen["/v1/auth/token/lookup-self"]) == 0 {
				t.Errorf("auto-auth did not check its token through the socket: %v", seen)
			}
		})
	}
}

// TestUnixVaultAddressRealVault: the same against a real Vault dev server, reached through a unix
// socket that relays to its TCP port.
func TestUnixVaultAddressRealVault(t *testing.T) {
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	sec, err := root.Auth().Token().CreateOrphan(&api.TokenCreateRequest{Policies: []string{"root"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	auto := sec.Auth.ClientToken
	if _, err := root.KVv2("secret").Put(t.Context(), "app", map[string]any{"k": "through-the-socket"}); err != nil {
		t.Fatal(err)
	}
	vaultHost := strings.TrimPrefix(dev.Addr(), "http://")
	sock := filepath.Join(t.TempDir(), "vault.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", vaultHost)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); up.(*net.TCPConn).CloseWrite() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()

	s := startPlan(t, planFrom(t, unixVaultPlan(t, "unix://"+sock, auto), ""))
	resp, body := do(t, "GET", s.url+"/v1/secret/data/app", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, "through-the-socket") {
		t.Fatalf("kv read through the socket: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", s.url+"/v1/auth/token/lookup-self", nil, "")
	var lookup struct {
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal([]byte(body), &lookup)
	if resp.StatusCode != 200 || strings.Contains(body, auto) || lookup.Data["policies"] == nil {
		t.Errorf("lookup-self through the socket: %d %s", resp.StatusCode, strings.ReplaceAll(body, auto, "<AUTO>"))
	}
}

// TestUnixVaultAddressDown: a socket nobody listens on is a 502 that names the unix:// address.
func TestUnixVaultAddressDown(t *testing.T) {
	address := "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	p := planFrom(t, `
vault {
  address = "{{vault}}"
  retry { num_retries = -1 }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, address)
	s := startPlan(t, p)
	resp, body := do(t, "GET", s.url+"/v1/sys/health", nil, "")
	if resp.StatusCode != 502 || !strings.Contains(body, "error proxying request to Vault at "+address+": ") {
		t.Errorf("%d %s, want 502 naming %s", resp.StatusCode, body, address)
	}
}
