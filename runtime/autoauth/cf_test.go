package autoauth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault-plugin-auth-cf/signatures"
	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/cftest"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// loginRecorder is a scripted Vault that records each request's method, path and raw body and
// answers every one with a token.
type loginRecorder struct {
	mu   sync.Mutex
	reqs []recordedRequest
}

type recordedRequest struct {
	method, path string
	body         []byte
}

func (l *loginRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.reqs = append(l.reqs, recordedRequest{r.Method, r.URL.Path, b})
	l.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"auth":{"client_token":"tok","renewable":false,"lease_duration":3600}}`)
}

func (l *loginRecorder) requests() []recordedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// waitLogin waits for the first login l records (Vault Proxy asks other paths first, such as
// sys/health) and returns it.
func (l *loginRecorder) waitLogin(t *testing.T, who string) recordedRequest {
	t.Helper()
	var login recordedRequest
	waitFor(t, "login from "+who, func() bool {
		for _, r := range l.requests() {
			if strings.HasSuffix(r.path, "/login") {
				login = r
				return true
			}
		}
		return false
	})
	return login
}

// verifyCFSignature checks a cf login body's signature independently of the plugin's library:
// "v1:" and base64 of an RSA-PSS (SHA-256) signature, by the key of the identity certificate (the
// first PEM block of cf_instance_cert), of SHA-256 over signing_time, cf_instance_cert and role
// concatenated (hashicorp/vault-plugin-auth-cf signatures/version1.go).
func verifyCFSignature(body map[string]any) error {
	certFile, _ := body["cf_instance_cert"].(string)
	sig, _ := body["signature"].(string)
	block, _ := pem.Decode([]byte(certFile))
	if block == nil {
		return errors.New("cf_instance_cert holds no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	raw, ok := strings.CutPrefix(sig, "v1:")
	if !ok {
		return errors.New("signature is not v1: " + sig)
	}
	sigBytes, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(body["signing_time"].(string) + certFile + body["role"].(string)))
	return rsa.VerifyPSS(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sigBytes, nil)
}

// The cf login sends exactly role, cf_instance_cert (the CF_INSTANCE_CERT file's contents),
// signing_time (UTC, second precision) and a signature of the three by the instance key that
// verifies with the identity certificate; the files are read again at each login, so a rotated
// certificate and key are used at the next one.
func TestCFLogin(t *testing.T) {
	ca := cftest.NewCA(t)
	dir := t.TempDir()
	id := cftest.Identity{Instance: "instance-1", Org: "org-guid", Space: "space-guid", App: "app-guid", IP: net.IPv4(10, 0, 0, 1)}
	certPath, keyPath, certFile := ca.Issue(t, dir, id)
	t.Setenv("CF_INSTANCE_CERT", certPath)
	t.Setenv("CF_INSTANCE_KEY", keyPath)

	rec := &loginRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	m := newCF("auth/cf-apps", "web")
	m.now = func() time.Time { return time.Date(2026, 12, 2, 14, 30, 5, 987654321, time.FixedZone("CET", 3600)) }
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	id.Instance = "instance-2"
	_, _, rotated := ca.Issue(t, dir, id)
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}

	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, want := range []string{certFile, rotated} {
		r := reqs[i]
		var body map[string]any
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if r.method != http.MethodPut || r.path != "/v1/auth/cf-apps/login" ||
			!slices.Equal(keys, []string{"cf_instance_cert", "role", "signature", "signing_time"}) {
			t.Fatalf("login %d: %s %s with keys %v", i, r.method, r.path, keys)
		}
		if body["role"] != "web" || body["cf_instance_cert"] != want || body["signing_time"] != "2026-12-02T13:30:05Z" {
			t.Errorf("login %d: role %v, signing_time %v, certificate of the file: %v", i, body["role"], body["signing_time"], body["cf_instance_cert"] == want)
		}
		if err := verifyCFSignature(body); err != nil {
			t.Errorf("login %d: the signature does not verify: %v", i, err)
		}
		// The plugin's own check, as Vault makes it, finds the identity certificate as the signer.
		at, _ := time.Parse(signatures.TimeFormat, body["signing_time"].(string))
		signer, err := signatures.Verify(body["signature"].(string), &signatures.SignatureData{SigningTime: at, Role: "web", CFInstanceCertContents: want})
		if err != nil || signer.Subject.CommonName != []string{"instance-1", "instance-2"}[i] {
			t.Errorf("login %d: signatures.Verify: %v, %v", i, signer, err)
		}
		// The check can fail: the same signature does not hold for another role.
		body["role"] = "other"
		if verifyCFSignature(body) == nil {
			t.Errorf("login %d: the signature verifies for another role", i)
		}
	}
}

// Without the variables, or with files that cannot be read or a key that is not PKCS #1, the
// login fails before anything is sent, with Vault Proxy's messages for the variables.
func TestCFLoginErrors(t *testing.T) {
	ca := cftest.NewCA(t)
	dir := t.TempDir()
	certPath, keyPath, _ := ca.Issue(t, dir, cftest.Identity{Instance: "i", Org: "o", Space: "s", App: "a", IP: net.IPv4(127, 0, 0, 1)})
	pkcs8 := filepath.Join(dir, "pkcs8.key")
	if err := os.WriteFile(pkcs8, []byte("-----BEGIN PRIVATE KEY-----\nMA==\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	absent := filepath.Join(dir, "absent")
	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"no CF_INSTANCE_CERT", "", keyPath, `cf: missing "CF_INSTANCE_CERT" value`},
		{"no CF_INSTANCE_KEY", certPath, "", `cf: missing "CF_INSTANCE_KEY" value`},
		{"certificate absent", absent, keyPath, "no such file"},
		{"key absent", certPath, absent, "no such file"},
		{"key not PKCS #1", certPath, pkcs8, "cf: signing the login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CF_INSTANCE_CERT", tc.cert)
			t.Setenv("CF_INSTANCE_KEY", tc.key)
			rec := &loginRecorder{}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = newCF("auth/cf", "web").login(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if n := len(rec.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// Differential: the real `vault proxy`, with the same cf method, role, mount and instance files
// (CF_INSTANCE_CERT and CF_INSTANCE_KEY in its environment), sends a scripted Vault the same login
// as vaultproxy: same method and path, same keys, the same role and certificate, a signing time in
// the same format, and a signature that verifies likewise.
func TestCFLoginMatchesVaultProxy(t *testing.T) {
	ca := cftest.NewCA(t)
	certPath, keyPath, certFile := ca.Issue(t, t.TempDir(), cftest.Identity{Instance: "instance-1", Org: "o", Space: "s", App: "a", IP: net.IPv4(127, 0, 0, 1)})
	theirs := &loginRecorder{}
	srv := httptest.NewServer(theirs)
	defer srv.Close()
	startVaultProxy(t, fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "cf" {
    mount_path = "auth/cf-apps"
    config = { role = "web" }
  }
  sink "file" {
    config = { path = %q }
  }
}`, srv.URL, filepath.Join(t.TempDir(), "sink")), "CF_INSTANCE_CERT="+certPath, "CF_INSTANCE_KEY="+keyPath)
	theirLogin := theirs.waitLogin(t, "vault proxy")

	t.Setenv("CF_INSTANCE_CERT", certPath)
	t.Setenv("CF_INSTANCE_KEY", keyPath)
	ours := &loginRecorder{}
	ourSrv := httptest.NewServer(ours)
	defer ourSrv.Close()
	c, err := newAPIClient(ourSrv.URL, ourSrv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newCF("auth/cf-apps", "web").login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	ourLogin := ours.requests()[0]

	if theirLogin.method != ourLogin.method || theirLogin.path != ourLogin.path {
		t.Errorf("vault proxy: %s %s; vaultproxy: %s %s", theirLogin.method, theirLogin.path, ourLogin.method, ourLogin.path)
	}
	var a, b map[string]any
	if err := json.Unmarshal(theirLogin.body, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ourLogin.body, &b); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]map[string]any{"vault proxy": a, "vaultproxy": b} {
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"cf_instance_cert", "role", "signature", "signing_time"}) {
			t.Errorf("%s sent keys %v", name, keys)
		}
		if body["role"] != "web" || body["cf_instance_cert"] != certFile {
			t.Errorf("%s sent role %v and another certificate: %v", name, body["role"], body["cf_instance_cert"] != certFile)
		}
		at, err := time.Parse(signatures.TimeFormat, fmt.Sprint(body["signing_time"]))
		if err != nil || time.Since(at) > time.Minute || time.Since(at) < -time.Second {
			t.Errorf("%s sent signing_time %v (%v)", name, body["signing_time"], err)
		}
		if err := verifyCFSignature(body); err != nil {
			t.Errorf("%s's signature does not verify: %v", name, err)
		}
	}
}

// Both log in to a real Vault: `vault proxy` and vaultproxy's cf method, with the same instance
// files and role, each get a token from Vault's cf auth method (which verified the signature, the
// chain to the identity CA, the IP address and, through the CF API stand-in, the app), and the two
// tokens carry the same identity.
func TestCFLoginRealVaultMatchesVaultProxy(t *testing.T) {
	ca := cftest.NewCA(t)
	cfAPI := &cftest.API{Username: "vault", Password: "cf-password", Org: "org-guid", Space: "space-guid", App: "app-guid",
		OrgName: "org", SpaceName: "space", AppName: "app"}
	apiSrv := httptest.NewServer(cfAPI)
	defer apiSrv.Close()
	cfAPI.URL = apiSrv.URL
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	if err := root.Sys().EnableAuthWithOptions("cf", &api.EnableAuthOptions{Type: "cf"}); err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string]map[string]any{
		"auth/cf/config": {"identity_ca_certificates": []string{ca.RootPEM}, "cf_api_addr": cfAPI.URL,
			"cf_username": cfAPI.Username, "cf_password": cfAPI.Password},
		"auth/cf/roles/web": {"bound_application_ids": cfAPI.App, "bound_space_ids": cfAPI.Space,
			"bound_organization_ids": cfAPI.Org, "token_policies": "web"},
	} {
		if _, err := root.Logical().Write(path, data); err != nil {
			t.Fatal(err)
		}
	}
	certPath, keyPath, _ := ca.Issue(t, t.TempDir(), cftest.Identity{Instance: "instance-7", Org: cfAPI.Org, Space: cfAPI.Space, App: cfAPI.App, IP: net.IPv4(127, 0, 0, 1)})

	sink := filepath.Join(t.TempDir(), "sink")
	startVaultProxy(t, fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "cf" {
    config = { role = "web" }
  }
  sink "file" {
    config = { path = %q }
  }
}`, dev.Addr(), sink), "CF_INSTANCE_CERT="+certPath, "CF_INSTANCE_KEY="+keyPath)
	var theirs string
	waitFor(t, "token from vault proxy", func() bool {
		b, _ := os.ReadFile(sink)
		theirs = strings.TrimSpace(string(b))
		return theirs != ""
	})

	t.Setenv("CF_INSTANCE_CERT", certPath)
	t.Setenv("CF_INSTANCE_KEY", keyPath)
	c, err := newAPIClient(dev.Addr(), nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newCF("auth/cf", "web").login(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	identity := func(tok string) string {
		info, err := root.Auth().Token().Lookup(tok)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(info.Data["path"], " ", info.Data["display_name"], " ", info.Data["policies"], " ", info.Data["entity_id"])
	}
	a, b := identity(theirs), identity(s.Auth.ClientToken)
	if a != b || !strings.HasPrefix(a, "auth/cf/login cf-instance-7 [default web] ") {
		t.Errorf("vault proxy's token: %s\nvaultproxy's token:  %s", a, b)
	}
	if _, refused := cfAPI.Seen(); len(refused) > 0 {
		t.Errorf("the CF API refused %v", refused)
	}
}
