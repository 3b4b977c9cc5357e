package runtime

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// TestPersistStaleEndedLeaseRestart: with serve_stale_for and a persistent cache, a token whose
// lease ended (its max TTL reached) while the proxy ran is kept to answer stale, and kept in the
// cache file: after a restart while Vault is down the same request is answered from it, marked
// STALE, its Age counted from Vault's answer before the restart. Real Vault dev server.
func TestPersistStaleEndedLeaseRestart(t *testing.T) {
	dev := vaulttest.StartDev(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(dev.RootToken()+"\n"), 0o600); err != nil {
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
	// Renewable, with a 2 s max TTL: its renewer ends after 2 s (renewal_ended), which keeps it
	// for serve_stale_for.
	const createReq = `{"ttl":"2s","explicit_max_ttl":"2s","display_name":"ends-soon"}`
	type answer struct {
		status        int
		cache, age    string
		token         string
		leaseDuration int
	}
	create := func(s *started) answer {
		t.Helper()
		resp, raw := do(t, "POST", s.url+"/v1/auth/token/create", nil, createReq)
		var out struct {
			Auth struct {
				ClientToken   string `json:"client_token"`
				LeaseDuration int    `json:"lease_duration"`
			} `json:"auth"`
		}
		_ = json.Unmarshal([]byte(raw), &out)
		return answer{resp.StatusCode, resp.Header.Get("X-Cache"), resp.Header.Get("Age"), out.Auth.ClientToken, out.Auth.LeaseDuration}
	}

	s1 := startPlan(t, planFrom(t, hcl, dev.Addr()))
	first := create(s1)
	if first.status != 200 || first.cache != "MISS" || first.token == "" {
		t.Fatalf("first create: %+v", first)
	}
	sent := time.Now()
	time.Sleep(3 * time.Second) // past the max TTL: the renewer has ended, the entry is stale
	s1.stop(t)
	dev.Stop()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there: connection refused
	s2 := startPlan(t, planFrom(t, hcl, down))
	got := create(s2)
	age, _ := strconv.Atoi(got.age)
	if got.status != 200 || got.cache != "STALE" || got.token != first.token || got.leaseDuration != 0 {
		t.Fatalf("after a restart with Vault down: %+v; want the ended token %q, STALE, lease_duration 0", got, first.token)
	}
	if low := int(3 * time.Second / time.Second); age < low || age > int(time.Since(sent)/time.Second)+1 {
		t.Errorf("Age %d; want the seconds since Vault's answer before the restart (%v)", age, time.Since(sent).Round(time.Second))
	}
}
