package runtime

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/krb5test"
	"github.com/vaultproxy/vaultproxy/internal/ldaptest"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// kerberosVault is a real KDC (user alice, service HTTP/localhost, whose tickets carry no PAC: see
// krb5test.Start), a real slapd holding alice, and
// a real Vault dev server whose kerberos auth method (at auth/kerberos, the Authorization header
// passed through, as vault-plugin-auth-kerberos's README enables it) checks SPNEGO tokens with
// HTTP/localhost's keytab and looks alice up in slapd; its logins get policy app, which reads
// secret/data/app/*.
type kerberosVault struct {
	kdc         *krb5test.KDC
	aliceKeytab string
	dev         *vaulttest.Dev
	root        *api.Client
}

func startKerberosVault(t *testing.T, tokenTTL string) *kerberosVault {
	t.Helper()
	k := krb5test.Start(t, "alice", "+no_auth_data_required HTTP/localhost")
	kv := &kerberosVault{kdc: k, aliceKeytab: k.Keytab(t, "alice")}
	serviceKeytab, err := os.ReadFile(k.Keytab(t, "HTTP/localhost"))
	if err != nil {
		t.Fatal(err)
	}
	dir := ldaptest.Start(t, map[string]string{"alice": "not-used-by-kerberos"})
	kv.dev = vaulttest.StartDev(t)
	kv.root = kv.dev.Client(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The mount's TTLs bound the tokens: the plugin's login replaces the LDAP config's token_ttl
	// with its LeaseOptions{Renewable: false} (path_login.go), so the mount's default applies.
	must(kv.root.Sys().EnableAuthWithOptions("kerberos", &api.EnableAuthOptions{Type: "kerberos",
		Config: api.MountConfigInput{PassthroughRequestHeaders: []string{"Authorization"}, AllowedResponseHeaders: []string{"www-authenticate"},
			DefaultLeaseTTL: tokenTTL, MaxLeaseTTL: tokenTTL}}))
	_, err = kv.root.Logical().Write("auth/kerberos/config", map[string]any{
		"keytab": base64.StdEncoding.EncodeToString(serviceKeytab), "service_account": "HTTP/localhost"})
	must(err)
	ldapCfg := dir.VaultConfig()
	ldapCfg["token_policies"] = "app"
	_, err = kv.root.Logical().Write("auth/kerberos/config/ldap", ldapCfg)
	must(err)
	must(kv.root.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["read"] }`))
	_, err = kv.root.Logical().Write("secret/data/app/config", map[string]any{"data": map[string]any{"color": "blue"}})
	must(err)
	return kv
}

// methodHCL is the kerberos method block both proxies run.
func (kv *kerberosVault) methodHCL() string {
	return fmt.Sprintf(`  method "kerberos" {
    config = {
      username      = "alice"
      service       = "HTTP/localhost"
      realm         = %q
      keytab_path   = %q
      krb5conf_path = %q
    }
  }`, krb5test.Realm, kv.aliceKeytab, kv.kdc.Krb5Conf())
}

// checkKerberosToken looks tok up with the root token: Vault's kerberos method issued it to
// alice@EXAMPLE.ORG, with policy app from the LDAP config.
func checkKerberosToken(t *testing.T, root *api.Client, tok string) {
	t.Helper()
	d := lookupToken(t, root, tok)
	if d.Path != "auth/kerberos/login" || d.Meta["user"] != "alice" || d.Meta["domain"] != krb5test.Realm || !slices.Contains(d.Policies, "app") {
		t.Errorf("the sink's token: path %q, meta %v, policies %v", d.Path, d.Meta, d.Policies)
	}
}

// The kerberos method logs in to a real Vault with a ticket from a real KDC: the sink gets a token
// Vault issued to alice@EXAMPLE.ORG, and a proxied request with use_auto_auth_token is answered
// with it.
func TestKerberosAutoAuthRealVault(t *testing.T) {
	start := time.Now()
	kv := startKerberosVault(t, "")
	ready := time.Now()
	sink := filepath.Join(t.TempDir(), "sink")
	p := planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
%s
  sink "file" {
    config = { path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, kv.methodHCL(), sink), kv.dev.Addr())
	s := startPlan(t, p)
	tok := waitSink(t, sink, "")
	checkKerberosToken(t, kv.root, tok)
	resp, err := http.Get(s.url + "/v1/secret/data/app/config")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"color":"blue"`) {
		t.Fatalf("proxied read with the auto-auth token: %d %s", resp.StatusCode, body)
	}
	t.Logf("KDC, slapd and Vault set up in %s; login and proxied read in %s", ready.Sub(start).Round(time.Millisecond), time.Since(ready).Round(time.Millisecond))
}

// loginRecorder passes requests on to Vault and records each login: its method, path, body,
// Authorization headers and Vault's status. The first refuse logins are answered 500 by the
// recorder itself, without reaching Vault.
type loginRecorder struct {
	mu     sync.Mutex
	logins []recordedLogin
	refuse int
}

type recordedLogin struct {
	method, path, body string
	authorization      []string
	status             int
}

func startLoginRecorder(t *testing.T, vault string) (*loginRecorder, string) {
	t.Helper()
	target, err := url.Parse(vault)
	if err != nil {
		t.Fatal(err)
	}
	rec := &loginRecorder{}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/login") {
			rp.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		rec.mu.Lock()
		if rec.refuse > 0 {
			rec.refuse--
			rec.logins = append(rec.logins, recordedLogin{r.Method, r.URL.Path, string(body), r.Header.Values("Authorization"), 500})
			rec.mu.Unlock()
			http.Error(w, `{"errors":["refused by the test's recorder"]}`, 500)
			return
		}
		rec.mu.Unlock()
		sw := &loginStatusWriter{ResponseWriter: w, status: 200}
		rp.ServeHTTP(sw, r)
		rec.mu.Lock()
		rec.logins = append(rec.logins, recordedLogin{r.Method, r.URL.Path, string(body), r.Header.Values("Authorization"), sw.status})
		rec.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

type loginStatusWriter struct {
	http.ResponseWriter
	status int
}

func (w *loginStatusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (r *loginRecorder) seen() []recordedLogin {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.logins)
}

// startVaultProxy runs the real `vault proxy` on config (with a clean environment: PATH and a
// private HOME) until the test ends.
func startVaultProxy(t *testing.T, config string) {
	t.Helper()
	bin := vaulttest.Binary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "proxy.hcl")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "proxy.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "proxy", "-config="+path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() || testing.Verbose() {
			b, _ := os.ReadFile(logPath)
			t.Logf("vault proxy output:\n%s", b)
		}
	})
}

// waitLogins waits up to 15 s for rec to have seen n logins.
func waitLogins(t *testing.T, rec *loginRecorder, n int, who string) []recordedLogin {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if got := rec.seen(); len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: %d logins after 15s, want %d: %+v", who, len(rec.seen()), n, rec.seen())
	return nil
}

// Vault Proxy and vaultproxy, each with the same kerberos method in front of the same real Vault
// (through a recorder each), send the same login: PUT of {} to /v1/auth/kerberos/login with one
// "Authorization: Negotiate <token>" header, which Vault accepts. The tokens are not renewable and
// live 3 s, so each logs in again near their expiry: vaultproxy's second login carries one new
// header and succeeds again.
func TestKerberosAutoAuthMatchesVaultProxy(t *testing.T) {
	kv := startKerberosVault(t, "3s")
	theirRec, theirVault := startLoginRecorder(t, kv.dev.Addr())
	ourRec, ourVault := startLoginRecorder(t, kv.dev.Addr())
	dir := t.TempDir()
	theirSink, ourSink := filepath.Join(dir, "their-sink"), filepath.Join(dir, "our-sink")
	config := func(vault, sink string) string {
		return fmt.Sprintf(`
vault { address = %q }
auto_auth {
%s
  sink "file" {
    config = { path = %q }
  }
}
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`, vault, kv.methodHCL(), sink)
	}
	startVaultProxy(t, config(theirVault, theirSink))
	startPlan(t, planFrom(t, config(ourVault, ourSink), ""))

	checkKerberosToken(t, kv.root, waitSink(t, theirSink, ""))
	checkKerberosToken(t, kv.root, waitSink(t, ourSink, ""))
	theirs, ours := waitLogins(t, theirRec, 3, "Vault Proxy"), waitLogins(t, ourRec, 2, "vaultproxy")
	t.Logf("Vault Proxy's logins: %s", describeLogins(theirs))
	t.Logf("vaultproxy's logins: %s", describeLogins(ours))
	first := func(who string, l recordedLogin) {
		t.Helper()
		if l.method != http.MethodPut || l.path != "/v1/auth/kerberos/login" || l.body != "{}" || l.status != 200 ||
			len(l.authorization) != 1 || !strings.HasPrefix(l.authorization[0], "Negotiate ") {
			t.Errorf("%s's first login: %s", who, describeLogins([]recordedLogin{l}))
		}
	}
	first("Vault Proxy", theirs[0])
	first("vaultproxy", ours[0])
	if l := ours[1]; l.status != 200 || len(l.authorization) != 1 || l.authorization[0] == ours[0].authorization[0] {
		t.Errorf("vaultproxy's second login: %s", describeLogins([]recordedLogin{l}))
	}
	// Vault Proxy 1.21 adds each login's header to its auth client for good (auth.go:
	// clientToUse.AddHeader on the handler's one client), so its second login sends the first
	// login's token first, which Vault's kerberos method reads (req.Headers["Authorization"][0]) and
	// refuses as a replay; every later login fails too (docs/differences-runtime.md).
	for i, l := range theirs[1:3] {
		if l.status != 401 || len(l.authorization) != i+2 || l.authorization[0] != theirs[0].authorization[0] {
			t.Errorf("Vault Proxy's login %d no longer sends the earlier logins' headers first and fails (docs/differences-runtime.md says it does): %s",
				i+1, describeLogins([]recordedLogin{l}))
		}
	}
	log, _ := os.ReadFile(kv.dev.LogPath())
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "SPNEGO") {
			t.Logf("Vault: %s", line)
		}
	}
}

// With the method's wrap_ttl, Vault Proxy 1.21 adds the kerberos header to a copy of its client
// made for each attempt (auth.go: CloneWithHeaders, then AddHeader on the copy), so there is no
// pile-up: after a first attempt that fails (the recorder answers 500 without reaching Vault), the
// retry carries one Authorization header, its own new token, and Vault accepts it. vaultproxy does
// the same. docs/differences-runtime.md says so.
func TestKerberosWrapTTLOneHeaderPerAttempt(t *testing.T) {
	kv := startKerberosVault(t, "")
	theirRec, theirVault := startLoginRecorder(t, kv.dev.Addr())
	ourRec, ourVault := startLoginRecorder(t, kv.dev.Addr())
	theirRec.refuse, ourRec.refuse = 1, 1
	dir := t.TempDir()
	theirSink, ourSink := filepath.Join(dir, "their-sink"), filepath.Join(dir, "our-sink")
	config := func(vault, sink string) string {
		method := strings.Replace(kv.methodHCL(), "    config = {", "    wrap_ttl = \"5m\"\n    config = {", 1)
		return fmt.Sprintf(`
vault { address = %q }
auto_auth {
%s
  sink "file" {
    config = { path = %q }
  }
}
listener "tcp" {
  address     = "127.0.0.1:0"
  tls_disable = true
}
`, vault, method, sink)
	}
	startVaultProxy(t, config(theirVault, theirSink))
	startPlan(t, planFrom(t, config(ourVault, ourSink), ""))

	for _, c := range []struct {
		who  string
		rec  *loginRecorder
		sink string
	}{{"Vault Proxy", theirRec, theirSink}, {"vaultproxy", ourRec, ourSink}} {
		ls := waitLogins(t, c.rec, 2, c.who)
		t.Logf("%s's logins: %s", c.who, describeLogins(ls))
		if ls[0].status != 500 || len(ls[0].authorization) != 1 {
			t.Errorf("%s's first attempt: %s", c.who, describeLogins(ls[:1]))
		}
		if l := ls[1]; l.status != 200 || len(l.authorization) != 1 || l.authorization[0] == ls[0].authorization[0] ||
			!strings.HasPrefix(l.authorization[0], "Negotiate ") {
			t.Errorf("%s's retry with wrap_ttl does not carry one new Authorization header (docs/differences-runtime.md says it does): %s",
				c.who, describeLogins(ls[1:2]))
		}
		var wrap struct {
			Token string `json:"token"`
			TTL   int    `json:"ttl"`
		}
		if err := json.Unmarshal([]byte(waitSink(t, c.sink, "")), &wrap); err != nil || wrap.Token == "" || wrap.TTL != 300 {
			t.Errorf("%s's sink: %+v, %v; want the wrapping information of a 5m wrap", c.who, wrap, err)
		}
	}
}

// describeLogins shows logins with each token cut to its first characters.
func describeLogins(ls []recordedLogin) string {
	var b strings.Builder
	for i, l := range ls {
		var auth []string
		for _, a := range l.authorization {
			auth = append(auth, a[:min(len(a), 24)]+"...")
		}
		fmt.Fprintf(&b, "\n  %d: %s %s %s -> %d, Authorization %q", i, l.method, l.path, l.body, l.status, auth)
	}
	return b.String()
}
