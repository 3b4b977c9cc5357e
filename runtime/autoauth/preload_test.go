package autoauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// preloadVault knows one valid token besides those it issues at login; lookup-self of any other
// token is refused as Vault refuses a revoked one.
type preloadVault struct {
	mu      sync.Mutex
	valid   map[string]bool
	logins  int
	lookups []string // "token namespace"
}

func (v *preloadVault) serve(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	tok := r.Header.Get("X-Vault-Token")
	switch {
	case strings.HasSuffix(r.URL.Path, "/login"):
		v.logins++
		t := fmt.Sprintf("tok-%d", v.logins)
		v.valid[t] = true
		fmt.Fprintf(w, `{"auth":{"client_token":%q,"accessor":"acc","renewable":false,"lease_duration":3600}}`, t)
	case r.URL.Path == "/v1/auth/token/lookup-self":
		v.lookups = append(v.lookups, tok+" "+r.Header.Get("X-Vault-Namespace"))
		if !v.valid[tok] {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["permission denied"]}`)
			return
		}
		fmt.Fprintf(w, `{"data":{"id":%q,"accessor":"acc-restored","ttl":1800,"renewable":false}}`, tok)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[]}`)
	}
}

// TestPreloadedToken: a preloaded token Vault confirms replaces the first login; one it refuses is
// dropped and the method logs in, even with exit_on_err. OnNewToken sees the token used either way.
func TestPreloadedToken(t *testing.T) {
	for _, c := range []struct {
		name, preload, want string
		logins              int
	}{
		{"valid", "restored", "restored", 0},
		{"revoked", "revoked", "tok-1", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := &preloadVault{valid: map[string]bool{"restored": true}}
			srv := httptest.NewServer(http.HandlerFunc(v.serve))
			defer srv.Close()
			m, err := NewManager(Config{Method: "approle", MountPath: "auth/approle", Namespace: "org-a/", ExitOnErr: true,
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
				Strings: map[string]string{"role_id_file_path": file(t, t.TempDir(), "role", "r"), "secret_id_file_path": file(t, t.TempDir(), "secret", "s")},
				Bools:   map[string]bool{"remove_secret_id_file_after_reading": false}},
				Deps{Address: srv.URL, Transport: srv.Client().Transport})
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var seen []string
			m.OnNewToken(func(tok string) { mu.Lock(); seen = append(seen, tok); mu.Unlock() })
			m.Preload(c.preload)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			defer func() { cancel(); <-done }()

			if tok := waitToken(t, m); tok != c.want {
				t.Fatalf("token %q, want %q", tok, c.want)
			}
			select {
			case err := <-done:
				t.Fatalf("Run ended: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			v.mu.Lock()
			defer v.mu.Unlock()
			if v.logins != c.logins {
				t.Errorf("%d logins, want %d", v.logins, c.logins)
			}
			if len(v.lookups) == 0 || v.lookups[0] != c.preload+" org-a/" {
				t.Errorf("lookups %q: want the preloaded token checked first, in the login namespace", v.lookups)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 || seen[0] != c.want {
				t.Errorf("OnNewToken saw %q, want [%s]", seen, c.want)
			}
		})
	}
}
