package runtime

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// When Vault revokes the auto-auth token while requests are in flight, those requests wait for
// auto-auth's new login and are sent again with the new token: every client gets 200, none sees the
// 403 meant for a token it never chose. Reads and writes (whose body is sent again) alike. They
// used to get Vault's 403 until the new token arrived.
func TestRevokedAutoAuthTokenRequestsRetried(t *testing.T) {
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["create", "update", "read"] }`))
	dir := t.TempDir()
	roleID, secretID := approleFiles(t, root, dir, map[string]any{"token_policies": "app", "token_ttl": "1h"})
	_, err := root.Logical().Write("secret/data/app/read", map[string]any{"data": map[string]any{"k": "v"}})
	must(err)

	sink := filepath.Join(dir, "sink")
	p := planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path                   = %q
      secret_id_file_path                 = %q
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" {
    config = { path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, roleID, secretID, sink), dev.Addr())
	s := startPlan(t, p)
	sinkToken := func() string {
		b, _ := os.ReadFile(sink)
		return strings.TrimSpace(string(b))
	}
	deadline := time.Now().Add(10 * time.Second)
	for sinkToken() == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	first := sinkToken()
	if first == "" {
		t.Fatal("auto-auth did not log in")
	}

	var (
		stop              atomic.Bool
		wg                sync.WaitGroup
		mu                sync.Mutex
		failures          []string
		okBefore, okAfter atomic.Int32
		revoked           atomic.Bool
	)
	client := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				var req *http.Request
				if w%2 == 0 {
					req, _ = http.NewRequest("GET", s.url+"/v1/secret/data/app/read", nil)
				} else {
					req, _ = http.NewRequest("PUT", s.url+fmt.Sprintf("/v1/secret/data/app/w%d", w),
						strings.NewReader(fmt.Sprintf(`{"data":{"n":%d}}`, i)))
				}
				after := revoked.Load()
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b))
					mu.Unlock()
					continue
				}
				if after {
					okAfter.Add(1)
				} else {
					okBefore.Add(1)
				}
			}
		}()
	}
	for okBefore.Load() < 50 {
		time.Sleep(5 * time.Millisecond)
	}
	_, err = root.Logical().Write("auth/token/revoke", map[string]any{"token": first})
	must(err)
	revoked.Store(true)
	deadline = time.Now().Add(15 * time.Second)
	for (sinkToken() == first || okAfter.Load() < 200) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if sinkToken() == first {
		t.Fatal("auto-auth did not log in again after the revocation")
	}
	if len(failures) > 0 {
		t.Errorf("%d requests failed around the revocation (%d succeeded after it); first: %s", len(failures), okAfter.Load(), failures[0])
	}
	if okAfter.Load() < 200 {
		t.Errorf("only %d requests succeeded after the revocation", okAfter.Load())
	}
}
