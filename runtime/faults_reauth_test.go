package runtime

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A request refused with "invalid token" for the auto-auth token waits for the new token and is
// sent again once with it, body included; a plain "permission denied" is Vault's answer as it is.
// (TestRevokedAutoAuthTokenRequestsRetried is the same against a real Vault.)
func TestInvalidTokenRequestSentAgain(t *testing.T) {
	var revoked atomic.Bool
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Vault-Token")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case tok == "T_OLD" && revoked.Load():
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]}`)
		case strings.HasSuffix(r.URL.Path, "/auth/token/lookup-self"):
			fmt.Fprintf(w, `{"data":{"id":%q,"ttl":0,"renewable":false,"policies":["root"]}}`, tok)
		case strings.HasSuffix(r.URL.Path, "/forbidden"):
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}`)
		default:
			fmt.Fprintf(w, `{"data":{"token":%q}}`, tok)
		}
	})
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte("T_OLD"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startTokenFileProxy(t, tokFile, rec.srv.URL)
	if resp, body := do(t, "GET", s.url+"/v1/secret/data/app", nil, ""); resp.StatusCode != 200 || !strings.Contains(body, "T_OLD") {
		t.Fatalf("before: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, "GET", s.url+"/v1/secret/data/forbidden", nil, ""); resp.StatusCode != 403 {
		t.Fatalf("permission denied: %d, want Vault's 403", resp.StatusCode)
	}
	// The token file gets the next token (what a new login reads), then Vault revokes the old one.
	if err := os.WriteFile(tokFile, []byte("T_NEW"), 0o600); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method, body := "GET", ""
			if i%2 == 1 {
				method, body = "PUT", fmt.Sprintf(`{"data":{"n":%d}}`, i)
			}
			resp, got := do(t, method, s.url+fmt.Sprintf("/v1/secret/data/app%d", i), nil, body)
			if resp.StatusCode != 200 || !strings.Contains(got, "T_NEW") {
				t.Errorf("%s during the new login: %d %s, want 200 with the new token", method, resp.StatusCode, got)
			}
		}()
	}
	wg.Wait()
	// Each write reached Vault with its whole body under the new token.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i := 1; i < 6; i += 2 {
		want := fmt.Sprintf(`{"data":{"n":%d}}`, i)
		found := false
		for j, r := range rec.reqs {
			if r.Method == "PUT" && r.Header.Get("X-Vault-Token") == "T_NEW" && rec.body[j] == want {
				found = true
			}
		}
		if !found {
			t.Errorf("the write %s never reached Vault with the new token", want)
		}
	}
}

// A new auto-auth token revoked soon after the one it replaced is checked at once too: no client
// sees Vault's 403 for it (a check's rate limit once covered the next token as well).
func TestSecondRevocationSoonAfterSentAgain(t *testing.T) {
	var mu sync.Mutex
	revoked := map[string]bool{}
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Vault-Token")
		mu.Lock()
		gone := revoked[tok]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case gone:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]}`)
		case strings.HasSuffix(r.URL.Path, "/auth/token/lookup-self"):
			fmt.Fprintf(w, `{"data":{"id":%q,"ttl":0,"renewable":false,"policies":["root"]}}`, tok)
		default:
			fmt.Fprintf(w, `{"data":{"token":%q}}`, tok)
		}
	})
	tokFile := filepath.Join(t.TempDir(), "token")
	rotate := func(old, next string) {
		if err := os.WriteFile(tokFile, []byte(next), 0o600); err != nil {
			t.Fatal(err)
		}
		if old != "" {
			mu.Lock()
			revoked[old] = true
			mu.Unlock()
		}
	}
	rotate("", "T_ONE")
	s := startTokenFileProxy(t, tokFile, rec.srv.URL)
	read := func(want string) {
		t.Helper()
		if resp, body := do(t, "GET", s.url+"/v1/secret/data/app", nil, ""); resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Fatalf("want 200 with %s: %d %s", want, resp.StatusCode, body)
		}
	}
	read("T_ONE")
	rotate("T_ONE", "T_TWO")
	read("T_TWO")
	rotate("T_TWO", "T_THREE")
	read("T_THREE")
}

// With Vault unreachable, a request that needs the auto-auth token gets 503 naming the failed login
// as soon as a login has failed, rather than waiting TokenWait for a token that cannot come.
func TestTokenWaitEndsOnFailedLogin(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close() // connections to it are refused
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte("T_ONE"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startTokenFileProxy(t, tokFile, closed)
	// The waiting request wakes when the first login fails, as every later one is answered at once.
	start := time.Now()
	resp, body := do(t, "GET", s.url+"/v1/secret/data/app", nil, "")
	waited := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "auto-auth login failed") {
		t.Fatalf("%d %s, want 503 naming the failed login", resp.StatusCode, body)
	}
	if !strings.Contains(body, "connection refused") {
		t.Errorf("the 503 does not say why the login failed: %s", body)
	}
	if waited >= TokenWait {
		t.Errorf("the request waited %s, the whole TokenWait, for a token that could not come", waited)
	}
}

// startTokenFileProxy runs a proxy whose auto-auth reads its token from tokFile and is used for every
// token-less request, in front of the Vault at vault.
func startTokenFileProxy(t *testing.T, tokFile, vault string) *started {
	t.Helper()
	return startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, tokFile), vault))
}
