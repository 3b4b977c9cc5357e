package runtime

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// TestPersistStaleAutoAuthWhileVaultIsDown: with serve_stale_for, a persistent cache and
// use_auto_auth_token, the proxy restarts while Vault is down (nothing listens at its address).
// Auto-auth cannot check the token restored from the cache file, so it has no usable token; a
// token-less request whose answer was cached with the auto-auth token is still answered, from the
// restored entry, marked STALE. A request no restored entry answers gets the 503 of a request
// without an auto-auth token, saying so.
func TestPersistStaleAutoAuthWhileVaultIsDown(t *testing.T) {
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	dir := t.TempDir()
	auto, err := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"root"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(auto.Auth.ClientToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "cache.key")
	if err := os.WriteFile(keyFile, []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hcl := fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
cache {
  serve_stale_for = "1m"
  persist "file" {
    path              = %q
    key_file          = %q
    keep_after_import = true
  }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, tokenFile, filepath.Join(dir, "cache"), keyFile)
	const createReq = `{"ttl":"1h","display_name":"persisted"}`
	create := func(s *started, body string) (int, string, string) {
		t.Helper()
		resp, raw := do(t, "POST", s.url+"/v1/auth/token/create", nil, body)
		var out struct {
			Auth struct {
				ClientToken string `json:"client_token"`
			} `json:"auth"`
		}
		_ = json.Unmarshal([]byte(raw), &out)
		return resp.StatusCode, resp.Header.Get("X-Cache"), out.Auth.ClientToken + raw
	}

	s1 := startPlan(t, planFrom(t, hcl, dev.Addr()))
	status, xc, first := create(s1, createReq)
	if status != 200 || xc != "MISS" {
		t.Fatalf("first create: %d X-Cache %q %s", status, xc, first)
	}
	child := strings.SplitN(first, "{", 2)[0]
	s1.stop(t)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there: connection refused
	s2 := startPlan(t, planFrom(t, hcl, down))
	status, xc, got := create(s2, createReq)
	if status != 200 || xc != "STALE" || !strings.HasPrefix(got, child+"{") {
		t.Errorf("create after a restart with Vault down: %d X-Cache %q %s; want the restored answer (token %q), STALE", status, xc, got, child)
	}
	status, _, got = create(s2, `{"ttl":"1h","display_name":"never-cached"}`)
	if status != 503 || !strings.Contains(got, "auto-auth has no token yet") || !strings.Contains(got, "no cache entry restored with the auto-auth token answers this request") {
		t.Errorf("an uncached request with Vault down: %d %s; want the 503 of a request without an auto-auth token", status, got)
	}
}
