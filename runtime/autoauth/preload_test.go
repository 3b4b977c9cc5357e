package autoauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	// unavailable is how many lookup-self requests are answered 503 (sealed) before the others.
	unavailable int
	// failLogin answers logins 500.
	failLogin bool
}

func (v *preloadVault) serve(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	tok := r.Header.Get("X-Vault-Token")
	switch {
	case strings.HasSuffix(r.URL.Path, "/login") && v.failLogin:
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"errors":["login failed"]}`)
	case strings.HasSuffix(r.URL.Path, "/login"):
		v.logins++
		t := fmt.Sprintf("tok-%d", v.logins)
		v.valid[t] = true
		fmt.Fprintf(w, `{"auth":{"client_token":%q,"accessor":"acc","renewable":false,"lease_duration":3600}}`, t)
	case r.URL.Path == "/v1/auth/token/lookup-self":
		v.lookups = append(v.lookups, tok+" "+r.Header.Get("X-Vault-Namespace"))
		if v.unavailable > 0 {
			v.unavailable--
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"errors":["Vault is sealed"]}`)
			return
		}
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
		unavailable         int // 503 answers before Vault answers
		lookups             int
		exitOnErr           bool
	}{
		{"valid", "restored", "restored", 0, 0, 1, true},
		{"revoked", "revoked", "tok-1", 1, 0, 1, true},
		// A brief outage (sealed, restarting) keeps the token: lookup-self is retried with the
		// method's back-off, as a failed login is, until Vault answers. (With exit_on_err it ends
		// Run, as a failed login does.)
		{"valid after an outage", "restored", "restored", 0, 3, 4, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := &preloadVault{valid: map[string]bool{"restored": true}, unavailable: c.unavailable}
			srv := httptest.NewServer(http.HandlerFunc(v.serve))
			defer srv.Close()
			m, err := NewManager(Config{Method: "approle", MountPath: "auth/approle", Namespace: "org-a/", ExitOnErr: c.exitOnErr,
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
			if n := len(v.lookups); n < c.lookups || c.unavailable > 0 && v.lookups[n-1] != c.preload+" org-a/" {
				t.Errorf("lookups %q: want %d of the preloaded token", v.lookups, c.lookups)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 || seen[0] != c.want {
				t.Errorf("OnNewToken saw %q, want [%s]", seen, c.want)
			}
		})
	}
}

// TestFingerprint: the fingerprint changes with who logs in (method, mount, namespace, config
// values) and not with how (back-off, exit_on_err, wrap_ttl, sinks).
func TestFingerprint(t *testing.T) {
	role := file(t, t.TempDir(), "role", "role-id-1")
	base := func() Config {
		return Config{Method: "approle", MountPath: "auth/approle", Namespace: "org-a/",
			Strings:   map[string]string{"role_id_file_path": role, "role": "app"},
			Bools:     map[string]bool{"remove_secret_id_file_after_reading": false},
			Durations: map[string]time.Duration{}}
	}
	fp := base().Fingerprint()
	if len(fp) != 64 {
		t.Fatalf("fingerprint %q: want 64 hex digits (SHA-256)", fp)
	}
	for name, change := range map[string]func(*Config){
		"method":     func(c *Config) { c.Method = "jwt" },
		"mount_path": func(c *Config) { c.MountPath = "auth/approle2" },
		"namespace":  func(c *Config) { c.Namespace = "" },
		"a string":   func(c *Config) { c.Strings["role"] = "other" },
		"a bool":     func(c *Config) { c.Bools["remove_secret_id_file_after_reading"] = true },
		"a duration": func(c *Config) { c.Durations["period"] = time.Minute },
	} {
		c := base()
		change(&c)
		if c.Fingerprint() == fp {
			t.Errorf("changing %s keeps the fingerprint", name)
		}
	}
	c := base()
	c.MinBackoff, c.MaxBackoff, c.ExitOnErr, c.WrapTTL = time.Second, time.Minute, true, time.Minute
	c.Sinks = []SinkConfig{{Path: "/tmp/sink"}}
	if c.Fingerprint() != fp {
		t.Error("back-off, exit_on_err, wrap_ttl or sinks changed the fingerprint")
	}
}

// TestFingerprintCredentials: the content of the file that is the identity counts (token_file's
// token, approle's role ID); approle's secret ID does not (remove_secret_id_file_after_reading
// deletes it), nor the rotating jwt and kubernetes token files.
func TestFingerprintCredentials(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, method, key string
		extra             map[string]string
		file              string // the file changed or deleted
		delete, changes   bool
	}{
		{"token_file token", "token_file", "token_file_path", nil, "token_file_path", false, true},
		{"approle role_id", "approle", "role_id_file_path", map[string]string{"secret_id_file_path": "secret"}, "role_id_file_path", false, true},
		{"approle secret_id deleted", "approle", "role_id_file_path", map[string]string{"secret_id_file_path": "secret"}, "secret_id_file_path", true, false},
		{"jwt rotated", "jwt", "path", map[string]string{"role": "app"}, "path", false, false},
		{"kubernetes rotated", "kubernetes", "token_path", map[string]string{"role": "app"}, "token_path", false, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Method: c.method, MountPath: "auth/" + c.method, Strings: map[string]string{}}
			cfg.Strings[c.key] = file(t, dir, fmt.Sprintf("cred%d", i), "first\n")
			for k, v := range c.extra {
				cfg.Strings[k] = file(t, dir, fmt.Sprintf("%s%d", v, i), v)
			}
			fp := cfg.Fingerprint()
			if c.delete {
				if err := os.Remove(cfg.Strings[c.file]); err != nil {
					t.Fatal(err)
				}
			} else {
				file(t, dir, filepath.Base(cfg.Strings[c.file]), "second")
			}
			if changed := cfg.Fingerprint() != fp; changed != c.changes {
				t.Errorf("fingerprint changed: %v, want %v", changed, c.changes)
			}
			// The file's content is trimmed, as the method reads it.
			if !c.delete {
				file(t, dir, filepath.Base(cfg.Strings[c.file]), "  first  \n")
				if cfg.Fingerprint() != fp {
					t.Error("the same credential with other white space changed the fingerprint")
				}
			}
			// An identity file that cannot be read at start-up gives no fingerprint at all: a token
			// logged in later, once it appears, must not be stored under a constant that a later
			// start with the file missing again would match.
			if c.changes {
				if err := os.Remove(cfg.Strings[c.key]); err != nil {
					t.Fatal(err)
				}
				if got := cfg.Fingerprint(); got != "" {
					t.Errorf("with %s missing the fingerprint is %q, want none", c.key, got)
				}
				file(t, dir, filepath.Base(cfg.Strings[c.key]), "   \n")
				if got := cfg.Fingerprint(); got != "" {
					t.Errorf("with %s blank the fingerprint is %q, want none", c.key, got)
				}
			}
		})
	}
}

// TestRestoredUntilVaultAnswers: Restored gives the preloaded token only while Vault has not
// answered its check (the last attempt failed: 503, sealed), never before the first attempt, and
// no longer once Vault answered it: confirmed (it is the current token) or refused (a login
// replaces it).
func TestRestoredUntilVaultAnswers(t *testing.T) {
	for _, c := range []struct {
		name, preload, want string
	}{
		{"confirmed", "restored", "restored"},
		{"refused", "revoked", "tok-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := &preloadVault{valid: map[string]bool{"restored": true}, unavailable: 1 << 30}
			srv := httptest.NewServer(http.HandlerFunc(v.serve))
			defer srv.Close()
			m, err := NewManager(Config{Method: "approle", MountPath: "auth/approle",
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
				Strings: map[string]string{"role_id_file_path": file(t, t.TempDir(), "role", "r"), "secret_id_file_path": file(t, t.TempDir(), "secret", "s")},
				Bools:   map[string]bool{"remove_secret_id_file_after_reading": false}},
				Deps{Address: srv.URL, Transport: srv.Client().Transport})
			if err != nil {
				t.Fatal(err)
			}
			m.Preload(c.preload)
			if tok, ok := m.Restored(); ok {
				t.Fatalf("Restored %q before any check failed", tok)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			defer func() { cancel(); <-done }()

			deadline := time.Now().Add(5 * time.Second)
			for {
				if tok, ok := m.Restored(); ok {
					if tok != c.preload {
						t.Fatalf("Restored %q, want %q", tok, c.preload)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("Restored gave nothing while Vault could not answer the check")
				}
				time.Sleep(5 * time.Millisecond)
			}
			v.mu.Lock()
			v.unavailable = 0
			v.mu.Unlock()
			if tok := waitToken(t, m); tok != c.want {
				t.Fatalf("token %q, want %q", tok, c.want)
			}
			if tok, ok := m.Restored(); ok {
				t.Errorf("Restored %q after Vault answered the check", tok)
			}
		})
	}
	// Refused while the logins fail: auto-auth has no token, and the refused one is not offered.
	t.Run("refused, login failing", func(t *testing.T) {
		v := &preloadVault{valid: map[string]bool{}, failLogin: true}
		srv := httptest.NewServer(http.HandlerFunc(v.serve))
		defer srv.Close()
		m, err := NewManager(Config{Method: "approle", MountPath: "auth/approle",
			MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
			Strings: map[string]string{"role_id_file_path": file(t, t.TempDir(), "role", "r"), "secret_id_file_path": file(t, t.TempDir(), "secret", "s")},
			Bools:   map[string]bool{"remove_secret_id_file_after_reading": false}},
			Deps{Address: srv.URL, Transport: srv.Client().Transport})
		if err != nil {
			t.Fatal(err)
		}
		m.Preload("revoked")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		defer func() { cancel(); <-done }()
		deadline := time.Now().Add(5 * time.Second)
		for m.failing() == nil {
			if time.Now().After(deadline) {
				t.Fatal("no failed login")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if tok, ok := m.Restored(); ok {
			t.Errorf("Restored %q after Vault refused it", tok)
		}
	})
}
