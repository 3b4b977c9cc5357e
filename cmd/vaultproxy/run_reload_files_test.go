package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// logCount counts the lines of the process's stderr that contain s.
func (p *proc) logCount(s string) int { return strings.Count(p.stderr.String(), s) }

// waitLogCount waits until the process's stderr contains s n times at least.
func (p *proc) waitLogCount(t *testing.T, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for p.logCount(s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("stderr holds %q %d times, want %d:\n%s", s, p.logCount(s), n, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reload sends SIGHUP and waits for its outcome: the nth "configuration reloaded" when ok, the nth
// "reload failed" otherwise, n counting this one.
func (p *proc) reload(t *testing.T, ok bool) {
	t.Helper()
	reloaded, failed := p.logCount("configuration reloaded"), p.logCount("reload failed")
	p.signal(syscall.SIGHUP)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, f := p.logCount("configuration reloaded"), p.logCount("reload failed")
		if r > reloaded || f > failed {
			if (r > reloaded) != ok {
				t.Fatalf("reload: reloaded %v, want %v:\n%s", r > reloaded, ok, p.stderr)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reload outcome after SIGHUP:\n%s", p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// autoTokenData is lookup-self through the proxy without a token: the data of the token auto-auth
// uses (the proxy removes its id).
func autoTokenData(t *testing.T, client *http.Client, base string) map[string]any {
	t.Helper()
	status, body := rawDo(t, client, "GET", base+"/v1/auth/token/lookup-self", nil, "")
	var r struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || status != 200 {
		t.Fatalf("lookup-self with the auto-auth token: %d %s", status, body)
	}
	return r.Data
}

// servedCN is the common name of the certificate a TLS listener serves to a new connection.
func servedCN(t *testing.T, client *http.Client, url string) (string, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.TLS.PeerCertificates[0].Subject.CommonName, nil
}

// testReloadListenerTLSFiles: SIGHUP reads the listener's certificate, key and client CA again;
// new connections get the new certificate and must present a certificate of the new client CA; a
// key that does not load fails the reload and the old files keep serving.
func testReloadListenerTLSFiles(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	ca1, ca2, cli1, cli2 := newTestCA(t, "server-ca-1"), newTestCA(t, "server-ca-2"), newTestCA(t, "client-ca-1"), newTestCA(t, "client-ca-2")
	write := func(srv, cliCA *testCA, cn string) {
		c, k := srv.issue(t, cn, true)
		runWriteFile(t, dir, "srv.pem", string(c), 0o600)
		runWriteFile(t, dir, "srv.key", string(k), 0o600)
		runWriteFile(t, dir, "client-ca.pem", string(cliCA.pem), 0o600)
	}
	write(ca1, cli1, "proxy-1")
	addr := freeAddr(t)
	p := startRun(t, fmt.Sprintf(`
vault { address = %q }
listener "tcp" {
  address                            = %q
  tls_cert_file                      = %q
  tls_key_file                       = %q
  tls_client_ca_file                 = %q
  tls_require_and_verify_client_cert = true
}`, f.dev.Addr(), addr, dir+"/srv.pem", dir+"/srv.key", dir+"/client-ca.pem"), f.secrets, addr)
	url := "https://" + addr + "/v1/sys/health"
	client := func(trust, cliCA *testCA) *http.Client {
		c, k := cliCA.issue(t, "client", false)
		return tlsClient(t, trust, c, k, 0)
	}
	if cn, err := servedCN(t, client(ca1, cli1), url); err != nil || cn != "proxy-1" {
		t.Fatalf("before reload: %q %v", cn, err)
	}

	write(ca2, cli2, "proxy-2")
	p.reload(t, true)
	if cn, err := servedCN(t, client(ca2, cli2), url); err != nil || cn != "proxy-2" {
		t.Errorf("after rotation, a client of the new CAs: %q %v, want proxy-2", cn, err)
	}
	for name, c := range map[string]*http.Client{
		"trusting only the old server CA":        client(ca1, cli2),
		"presenting a certificate of the old CA": client(ca2, cli1),
	} {
		if cn, err := servedCN(t, c, url); err == nil {
			t.Errorf("after rotation, a client %s was served (%s)", name, cn)
		}
	}

	runWriteFile(t, dir, "srv.key", "not a key", 0o600)
	p.reload(t, false)
	if !strings.Contains(p.stderr.String(), "error loading TLS cert") {
		t.Errorf("the failed reload does not say why:\n%s", p.stderr)
	}
	if cn, err := servedCN(t, client(ca2, cli2), url); err != nil || cn != "proxy-2" {
		t.Errorf("after a reload with a broken key, the running certificate: %q %v, want proxy-2", cn, err)
	}
}

// testReloadTokenFile: SIGHUP reads token_file's file again; a new token in it is used once Vault
// accepts it, a token Vault refuses leaves the current one in use, and an empty file fails the
// reload.
func testReloadTokenFile(t *testing.T, f *runFixture) {
	tok := func(name string) string {
		s, err := f.root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"app"}, TTL: "1h", DisplayName: name})
		if err != nil {
			t.Fatal(err)
		}
		f.extra = append(f.extra, s.Auth.ClientToken)
		return s.Auth.ClientToken
	}
	tokA, tokB := tok("reload-a"), tok("reload-b")
	dir := t.TempDir()
	file := runWriteFile(t, dir, "token", tokA, 0o600)
	addr := freeAddr(t)
	p := startRun(t, fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = %q
  tls_disable = true
}`, f.dev.Addr(), file, addr), f.secrets, addr)
	base := "http://" + addr
	if got := autoTokenData(t, nil, base)["display_name"]; got != "token-reload-a" {
		t.Fatalf("before reload auto-auth uses %v", got)
	}

	runWriteFile(t, dir, "token", tokB, 0o600)
	p.reload(t, true)
	p.waitLog(t, "auto-auth logged in with the reloaded credentials")
	if got := autoTokenData(t, nil, base)["display_name"]; got != "token-reload-b" {
		t.Errorf("after the token file changed auto-auth uses %v, want token-reload-b", got)
	}
	if err := f.root.Auth().Token().RevokeTree(tokA); err != nil {
		t.Fatal(err)
	}
	if status, body := rawDo(t, nil, "GET", base+"/v1/secret/data/app", nil, ""); status != 200 {
		t.Errorf("with the old token revoked: %d %s", status, body)
	}

	runWriteFile(t, dir, "token", "hvs.not-a-token", 0o600)
	p.reload(t, true)
	p.waitLog(t, "auto-auth login with the reloaded credentials failed; keeping the current token")
	if got := autoTokenData(t, nil, base)["display_name"]; got != "token-reload-b" {
		t.Errorf("after a refused token in the file auto-auth uses %v, want token-reload-b kept", got)
	}

	runWriteFile(t, dir, "token", "", 0o600)
	p.reload(t, false)
	if !strings.Contains(p.stderr.String(), "is empty") {
		t.Errorf("the failed reload does not say why:\n%s", p.stderr)
	}
	if got := autoTokenData(t, nil, base)["display_name"]; got != "token-reload-b" {
		t.Errorf("after a reload with an empty token file auto-auth uses %v, want token-reload-b kept", got)
	}
}

// TestRunReloadVaultTLS: SIGHUP reads the vault block's CA and client certificate files again: new
// connections to Vault verify it with the new CA and present the new certificate, and a cert
// method that logs in with the vault block's certificate logs in again with the new one, keeping
// its token while that fails. Vault serves TLS on a listener of its own configuration. (Its dev
// server cannot reload that listener's certificate, see vaulttest.StartDevConfig: the CA rotation
// is the proxy's, from Vault's CA alone to the new CA alone, which Vault's certificate fails, to
// both.)
func TestRunReloadVaultTLS(t *testing.T) {
	dir := t.TempDir()
	srv1, srv2, cliA, cliB := newTestCA(t, "vault-ca-1"), newTestCA(t, "vault-ca-2"), newTestCA(t, "client-ca-a"), newTestCA(t, "client-ca-b")
	vc, vk := srv1.issue(t, "vault", true)
	proxyFiles := func(cli *testCA, trust ...*testCA) {
		c, k := cli.issue(t, "proxy-"+cli.cert.Subject.CommonName, false)
		var bundle string
		for _, ca := range trust {
			bundle += string(ca.pem)
		}
		runWriteFile(t, dir, "ca.pem", bundle, 0o600)
		runWriteFile(t, dir, "client.pem", string(c), 0o600)
		runWriteFile(t, dir, "client.key", string(k), 0o600)
	}
	proxyFiles(cliA, srv1)
	vaultTLS := freeAddr(t)
	dev := vaulttest.StartDevConfig(t, fmt.Sprintf(`
listener "tcp" {
  address       = %q
  tls_cert_file = %q
  tls_key_file  = %q
}`, vaultTLS, runWriteFile(t, dir, "vault.pem", string(vc), 0o600), runWriteFile(t, dir, "vault.key", string(vk), 0o600)))
	root := dev.Client(t)
	if err := root.Sys().EnableAuthWithOptions("cert", &api.EnableAuthOptions{Type: "cert"}); err != nil {
		t.Fatal(err)
	}
	for name, ca := range map[string]*testCA{"a": cliA, "b": cliB} {
		if _, err := root.Logical().Write("auth/cert/certs/"+name, map[string]any{"certificate": string(ca.pem), "token_ttl": "1h"}); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	p := startRun(t, fmt.Sprintf(`
vault {
  address     = "https://%s"
  ca_cert     = %q
  client_cert = %q
  client_key  = %q
}
auto_auth {
  method "cert" {
    min_backoff = "200ms"
    max_backoff = "1s"
    config      = {}
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = %q
  tls_disable = true
}`, vaultTLS, dir+"/ca.pem", dir+"/client.pem", dir+"/client.key", addr), func() []string { return []string{dev.RootToken()} }, addr)
	base := "http://" + addr
	h := http.Header{"X-Vault-Token": {dev.RootToken()}}
	certName := func() any {
		t.Helper()
		meta, _ := autoTokenData(t, nil, base)["meta"].(map[string]any)
		return meta["cert_name"]
	}
	if got := certName(); got != "a" {
		t.Fatalf("before reload auto-auth logged in as %v", got)
	}

	// Only the new CA, which did not sign Vault's certificate, and a certificate of the other
	// client CA: new connections to Vault fail to verify it; auto-auth keeps its token.
	proxyFiles(cliB, srv2)
	p.reload(t, true)
	p.waitLog(t, "auto-auth login with the reloaded credentials failed; keeping the current token")
	if !strings.Contains(p.stderr.String(), "certificate signed by unknown authority") {
		t.Errorf("the failed login does not say why:\n%s", p.stderr)
	}
	if status, body := rawDo(t, nil, "GET", base+"/v1/sys/mounts", h, ""); status != http.StatusBadGateway {
		t.Errorf("a request to Vault with only the new CA trusted: %d %s, want 502", status, body)
	}

	// Both CAs: Vault verifies, and auto-auth's retry logs in with the new client certificate.
	proxyFiles(cliB, srv1, srv2)
	p.reload(t, true)
	p.waitLog(t, "auto-auth logged in with the reloaded credentials")
	if got := certName(); got != "b" {
		t.Errorf("after reload auto-auth logged in as %v, want b", got)
	}
	if status, body := rawDo(t, nil, "GET", base+"/v1/sys/mounts", h, ""); status != 200 {
		t.Errorf("a request to Vault with both CAs trusted: %d %s", status, body)
	}

	// A CA file that does not load fails the reload; the running files keep serving.
	runWriteFile(t, dir, "ca.pem", "not PEM", 0o600)
	p.reload(t, false)
	if !strings.Contains(p.stderr.String(), "vault ca_cert") {
		t.Errorf("the failed reload does not say why:\n%s", p.stderr)
	}
	if status, body := rawDo(t, nil, "GET", base+"/v1/sys/mounts", h, ""); status != 200 {
		t.Errorf("after a reload with a broken CA file: %d %s", status, body)
	}
	if got := certName(); got != "b" {
		t.Errorf("after a reload with a broken CA file auto-auth uses %v, want b", got)
	}
}
