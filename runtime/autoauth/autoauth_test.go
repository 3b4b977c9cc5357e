package autoauth

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/schema"
)

// fakeVault answers logins at <mount>/login with a new non-renewable token per login, and
// lookup-self for tokens it issued; it records every request.
type fakeVault struct {
	mu       sync.Mutex
	logins   []map[string]any
	paths    []string
	ns       []string
	n        int
	fail     int // answer the first fail logins with 400
	certSeen bool
}

func (f *fakeVault) handler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
	f.ns = append(f.ns, r.Header.Get("X-Vault-Namespace"))
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/login") || strings.Contains(r.URL.Path, "/login/"):
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.logins = append(f.logins, body)
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			f.certSeen = true
		}
		if f.fail > 0 {
			f.fail--
			w.WriteHeader(400)
			fmt.Fprint(w, `{"errors":["bad credentials"]}`)
			return
		}
		f.n++
		if ttl := r.Header.Get("X-Vault-Wrap-TTL"); ttl != "" {
			fmt.Fprintf(w, `{"wrap_info":{"token":"wrapped-%d","ttl":300,"creation_path":%q}}`, f.n, strings.TrimPrefix(r.URL.Path, "/v1/"))
			return
		}
		fmt.Fprintf(w, `{"auth":{"client_token":"tok-%d","renewable":false,"lease_duration":3600}}`, f.n)
	case r.URL.Path == "/v1/auth/token/lookup-self":
		fmt.Fprintf(w, `{"data":{"id":%q,"ttl":0,"renewable":false}}`, r.Header.Get("X-Vault-Token"))
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"errors":[]}`)
	}
}

// loginCount is how many logins reached the fake.
func (f *fakeVault) loginCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.logins)
}

func startManager(t *testing.T, cfg Config, srv *httptest.Server) (*Manager, chan error) {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 20*time.Millisecond
	}
	m, err := NewManager(cfg, Deps{Address: srv.URL, Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return m, done
}

func waitToken(t *testing.T, m *Manager) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		tok, err := m.Token(ctx)
		if err == nil {
			return tok
		}
		// Token answers a failed login at once; the next attempt follows its backoff.
		if ctx.Err() != nil || !strings.Contains(err.Error(), "the last auto-auth login failed") {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func file(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestJWTLogin(t *testing.T) {
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	dir := t.TempDir()
	jwtFile := file(t, dir, "jwt", "header.payload.sig\n")
	m, _ := startManager(t, Config{Method: "jwt", MountPath: "auth/jwt-custom", Namespace: "org-a/",
		Strings: map[string]string{"path": jwtFile, "role": "app"}, Bools: map[string]bool{"remove_jwt_after_reading": true}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Errorf("token %q", tok)
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	if fv.paths[0] != "/v1/auth/jwt-custom/login" || fv.ns[0] != "org-a/" {
		t.Errorf("login at %s in %q", fv.paths[0], fv.ns[0])
	}
	if fv.logins[0]["role"] != "app" || fv.logins[0]["jwt"] != "header.payload.sig" {
		t.Errorf("login body %v", fv.logins[0])
	}
	if _, err := os.Stat(jwtFile); !os.IsNotExist(err) {
		t.Errorf("JWT file not removed after reading")
	}
}

func TestKubernetesLoginWithBackoff(t *testing.T) {
	fv := &fakeVault{fail: 2}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	tokPath := file(t, t.TempDir(), "sa", "k8s-jwt")
	m, _ := startManager(t, Config{Method: "kubernetes", MountPath: "auth/kubernetes",
		Strings: map[string]string{"role": "web", "token_path": tokPath}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Errorf("token %q", tok)
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	if len(fv.logins) != 3 || fv.logins[2]["role"] != "web" || fv.logins[2]["jwt"] != "k8s-jwt" {
		t.Errorf("logins %v, want 2 failures then a success", fv.logins)
	}
}

func TestExitOnErr(t *testing.T) {
	fv := &fakeVault{fail: 100}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	tokPath := file(t, t.TempDir(), "sa", "k8s-jwt")
	_, done := startManager(t, Config{Method: "kubernetes", MountPath: "auth/kubernetes", ExitOnErr: true,
		Strings: map[string]string{"role": "web", "token_path": tokPath}}, srv)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "bad credentials") {
			t.Errorf("Run = %v, want the login error", err)
		}
		done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("exit_on_err did not end Run")
	}
}

func TestCertLoginPresentsOwnCertificate(t *testing.T) {
	fv := &fakeVault{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(fv.handler))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	// The test server's own certificate serves as the client certificate: the point is that the
	// method's client_cert and client_key are presented.
	certPEM, keyPEM := serverPEM(t, srv)
	caPath := file(t, dir, "ca.pem", string(certPEM))
	m, _ := startManager(t, Config{Method: "cert", MountPath: "auth/cert", Strings: map[string]string{
		"name": "web", "ca_cert": caPath, "client_cert": file(t, dir, "c.pem", string(certPEM)), "client_key": file(t, dir, "c.key", string(keyPEM)),
	}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Errorf("token %q", tok)
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	if !fv.certSeen || fv.logins[0]["name"] != "web" || fv.paths[0] != "/v1/auth/cert/login" {
		t.Errorf("cert login: cert presented %v, body %v, path %s", fv.certSeen, fv.logins[0], fv.paths[0])
	}
}

func TestTokenFileAndInvalidate(t *testing.T) {
	var mu sync.Mutex
	valid := map[string]bool{"tok-a": true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		tok := r.Header.Get("X-Vault-Token")
		if !valid[tok] {
			w.WriteHeader(403)
			fmt.Fprint(w, `{"errors":["permission denied"]}`)
			return
		}
		fmt.Fprintf(w, `{"data":{"id":%q,"ttl":0,"renewable":false}}`, tok)
	}))
	defer srv.Close()
	dir := t.TempDir()
	tokFile := file(t, dir, "token", "tok-a")
	sink := filepath.Join(dir, "sink")
	m, _ := startManager(t, Config{Method: "token_file", MountPath: "auth/token", Strings: map[string]string{"token_file_path": tokFile},
		Sinks: []SinkConfig{{Path: sink, Mode: 0o640, Owner: -1, Group: -1}}}, srv)
	if tok := waitToken(t, m); tok != "tok-a" {
		t.Fatalf("token %q", tok)
	}
	// A refusal of a token that is still valid: kept.
	before := time.Now()
	m.Invalidate("tok-a", time.Now())
	if tok := waitToken(t, m); tok != "tok-a" {
		t.Errorf("valid token replaced by %q", tok)
	}
	// A refusal of a request sent before that check began is answered by it: no new check.
	m.Invalidate("tok-a", before)
	if _, ok := m.Current(); !ok {
		t.Error("a refusal older than the last check made the token wait for another check")
	}
	// Revoked and replaced in the file, right after the check: a refusal of a request sent since
	// the check began is checked at once, and the next token is the new one.
	mu.Lock()
	valid = map[string]bool{"tok-b": true}
	mu.Unlock()
	file(t, dir, "token", "tok-b")
	m.Invalidate("tok-a", time.Now())
	if tok := waitToken(t, m); tok != "tok-b" {
		t.Errorf("after invalidation: %q, want tok-b", tok)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(sink)
		if string(b) == "tok-b" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink holds %q", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fi, _ := os.Stat(sink); fi.Mode().Perm() != 0o640 {
		t.Errorf("sink mode %v", fi.Mode())
	}
}

func TestUnsupportedMethod(t *testing.T) {
	_, err := NewManager(Config{Method: "no-such-method"}, Deps{})
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("NewManager(no-such-method) = %v", err)
	}
}

// TestEveryMethodImplemented: every auth method type the language has (schema.MethodTypes, which
// the compiler accepts) is one this package builds.
func TestEveryMethodImplemented(t *testing.T) {
	// alicloud with an empty config goes on to its credential chain, whose last provider asks the
	// instance metadata service: a closed loopback port here, not 100.100.100.200.
	aliEnv(t)
	old := alicloudMetadataURL
	alicloudMetadataURL = "http://127.0.0.1:1"
	defer func() { alicloudMetadataURL = old }()
	for _, typ := range schema.MethodTypes {
		if _, err := newMethod(Config{Method: typ}, Deps{Logger: testLog}); err != nil && strings.Contains(err.Error(), "not supported") {
			t.Errorf("schema.MethodTypes lists %q, but newMethod: %v", typ, err)
		}
	}
}

func TestSinkCheckFailsEarly(t *testing.T) {
	_, err := NewManager(Config{Method: "token_file", Strings: map[string]string{"token_file_path": "/x"},
		Sinks: []SinkConfig{{Path: "/nonexistent-dir/sink", Mode: 0o640, Owner: -1, Group: -1}}}, Deps{})
	if err == nil {
		t.Error("a sink in a missing directory was accepted")
	}
}

func TestBackoff(t *testing.T) {
	b := newBackoff(100*time.Millisecond, 400*time.Millisecond)
	var got []time.Duration
	for i := 0; i < 5; i++ {
		got = append(got, b.next())
	}
	bases := []time.Duration{100, 200, 400, 400, 400}
	for i, d := range got {
		base := bases[i] * time.Millisecond
		if d > base || d < base*3/4 {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, d, base*3/4, base)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Errorf("after reset: %s", d)
	}
}

// A renewable token is renewed by the LifetimeWatcher; when Vault refuses a renewal, the token is
// re-obtained with a new login.
func TestRenewalAndReloginWhenRenewalEnds(t *testing.T) {
	var mu sync.Mutex
	logins, renewals := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/auth/kubernetes/login":
			logins++
			fmt.Fprintf(w, `{"auth":{"client_token":"tok-%d","renewable":true,"lease_duration":2}}`, logins)
		case "/v1/auth/token/renew-self":
			renewals++
			if renewals >= 2 {
				w.WriteHeader(403)
				fmt.Fprint(w, `{"errors":["permission denied"]}`)
				return
			}
			fmt.Fprintf(w, `{"auth":{"client_token":%q,"renewable":true,"lease_duration":2}}`, r.Header.Get("X-Vault-Token"))
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	tokPath := file(t, t.TempDir(), "sa", "k8s-jwt")
	m, _ := startManager(t, Config{Method: "kubernetes", MountPath: "auth/kubernetes",
		Strings: map[string]string{"role": "web", "token_path": tokPath}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Fatalf("token %q", tok)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if tok, ok := m.Current(); ok && tok == "tok-2" {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("no new login after renewal ended: %d logins, %d renewals", logins, renewals)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if renewals < 2 {
		t.Errorf("%d renewals, want the token renewed before the refused renewal", renewals)
	}
}

// With the method's wrap_ttl the login answer is wrapped, the one sink gets its wrapping
// information, exit_after_auth ends Run, and the proxy never holds a usable token.
func TestMethodWrapTTL(t *testing.T) {
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	dir := t.TempDir()
	sink := filepath.Join(dir, "sink")
	m, done := startManager(t, Config{Method: "kubernetes", MountPath: "auth/kubernetes", WrapTTL: 5 * time.Minute, ExitAfterAuth: true,
		Strings: map[string]string{"role": "web", "token_path": file(t, dir, "sa", "jwt")},
		Sinks:   []SinkConfig{{Path: sink, Mode: 0o600, Owner: -1, Group: -1}}}, srv)
	select {
	case err := <-done:
		if !errors.Is(err, ErrExitAfterAuth) {
			t.Fatalf("Run = %v, want ErrExitAfterAuth", err)
		}
		done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("exit_after_auth did not end Run")
	}
	b, _ := os.ReadFile(sink)
	var info struct {
		Token        string `json:"token"`
		CreationPath string `json:"creation_path"`
	}
	if err := json.Unmarshal(b, &info); err != nil || info.Token != "wrapped-1" || info.CreationPath != "auth/kubernetes/login" {
		t.Errorf("sink holds %s (%v)", b, err)
	}
	if _, ok := m.Current(); ok {
		t.Error("a wrapped login left a usable token")
	}
}

// fakeVaultClient starts a fakeVault, closed when the test ends, and returns it with an API
// client of its address.
func fakeVaultClient(t *testing.T) (*fakeVault, *api.Client) {
	t.Helper()
	fv, _, c := fakeVaultServer(t)
	return fv, c
}

// fakeVaultServer is fakeVaultClient with the server, whose address a method may need (oci's
// login signs it).
func fakeVaultServer(t *testing.T) (*fakeVault, *httptest.Server, *api.Client) {
	t.Helper()
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	t.Cleanup(srv.Close)
	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return fv, srv, c
}
