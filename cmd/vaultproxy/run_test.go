package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// runFixture is one Vault dev server prepared for the run tests: kv-v2 at secret/ with secret/app
// written twice, approle at auth/approle with role "app", a policy "app", a renewable token for
// auto-auth (T_AUTO) and a client token (T_CLIENT), both with that policy.
type runFixture struct {
	dev         *vaulttest.Dev
	root        *api.Client
	autoToken   string
	clientToken string
	roleID      string
	dir         string
	extra       []string // further secrets that must never be logged
}

func (f *runFixture) secrets() []string {
	return append([]string{f.dev.RootToken(), f.autoToken, f.clientToken}, f.extra...)
}

func newRunFixture(t *testing.T) *runFixture {
	t.Helper()
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	ctx := context.Background()
	f := &runFixture{dev: dev, root: root, dir: t.TempDir()}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.Sys().PutPolicy("app", `
path "secret/data/*"     { capabilities = ["create", "read", "update", "list"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
path "secret/metadata"   { capabilities = ["list"] }
path "auth/token/lookup" { capabilities = ["read", "update"] }
path "auth/token/renew"  { capabilities = ["update"] }
`))
	for _, v := range []string{"v1", "v2"} {
		_, err := root.KVv2("secret").Put(ctx, "app", map[string]any{"k": v})
		must(err)
	}
	tok := func(name string) string {
		s, err := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"app"}, TTL: "1h", Renewable: boolPtr(true), DisplayName: name})
		must(err)
		return s.Auth.ClientToken
	}
	f.autoToken, f.clientToken = tok("auto"), tok("client")
	must(root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	_, err := root.Logical().Write("auth/approle/role/app", map[string]any{"token_policies": "app", "token_ttl": "1h", "token_max_ttl": "4h"})
	must(err)
	s, err := root.Logical().Read("auth/approle/role/app/role-id")
	must(err)
	f.roleID = s.Data["role_id"].(string)
	return f
}

func boolPtr(b bool) *bool { return &b }

// secretID makes a new approle secret ID and writes it to a file in dir.
func (f *runFixture) secretIDFile(t *testing.T, dir string) string {
	t.Helper()
	s, err := f.root.Logical().Write("auth/approle/role/app/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	id := s.Data["secret_id"].(string)
	f.extra = append(f.extra, id)
	return runWriteFile(t, dir, "secret-id", id, 0o600)
}

// tokenFileConfig is a config whose auto-auth reads T_AUTO from a file.
func (f *runFixture) tokenFileConfig(t *testing.T, vault, addr, apiProxy, listenerExtra string) string {
	tokFile := runWriteFile(t, t.TempDir(), "token", f.autoToken, 0o600)
	auth := fmt.Sprintf(`
auto_auth {
  method "token_file" {
    config = { token_file_path = %q }
  }
}`, tokFile)
	if strings.Contains(apiProxy, "false") {
		auth = "" // a plain pass-through proxy
	}
	return fmt.Sprintf(`
vault {
  address = %q
}
%s
%s
listener "tcp" {
  address     = %q
  tls_disable = true
  %s
}
`, vault, auth, apiProxy, addr, listenerExtra)
}

func TestRun(t *testing.T) {
	f := newRunFixture(t)
	t.Run("TokenModes", func(t *testing.T) { testTokenModes(t, f) })
	t.Run("Namespaces", func(t *testing.T) { testNamespaces(t, f) })
	t.Run("NamespaceSources", func(t *testing.T) { testNamespaceSources(t, f) })
	t.Run("QueryStrings", func(t *testing.T) { testQueryStrings(t, f) })
	t.Run("RequireRequestHeaderMetricsQuit", func(t *testing.T) { testListenerRoutes(t, f) })
	t.Run("UnixSocket", func(t *testing.T) { testUnixSocket(t, f) })
	t.Run("TLSClientCerts", func(t *testing.T) { testTLSClientCerts(t, f) })
	t.Run("AppRoleSinkAndReauth", func(t *testing.T) { testAppRole(t, f) })
	t.Run("Reload", func(t *testing.T) { testReload(t, f) })
	t.Run("ReloadListenerTLSFiles", func(t *testing.T) { testReloadListenerTLSFiles(t, f) })
	t.Run("ReloadTokenFile", func(t *testing.T) { testReloadTokenFile(t, f) })
	t.Run("ReloadListenerMove", func(t *testing.T) { testReloadListenerMove(t, f) })
	t.Run("ReloadUnderLoad", func(t *testing.T) { testReloadUnderLoad(t, f) })
	t.Run("ReloadJSONLog", func(t *testing.T) { testReloadJSONLog(t, f) })
	t.Run("SystemdNotify", func(t *testing.T) { testSystemdNotify(t, f) })
	t.Run("SystemdNotifyShutdownDuringReload", func(t *testing.T) { testSystemdNotifyShutdownDuringReload(t, f) })
	t.Run("VaultDown", func(t *testing.T) { testVaultDown(t, f) })
	t.Run("InvalidConfigNeverStarts", func(t *testing.T) { testInvalidConfig(t, f) })
	t.Run("ExitAfterAuthWrappedSinkJSONLogs", func(t *testing.T) { testExitAfterAuth(t, f) })
	t.Run("PidFileAndCacheBlock", func(t *testing.T) { testPidFile(t, f) })
	t.Run("Refusals", func(t *testing.T) { testRefusals(t, f) })
	t.Run("DHSink", func(t *testing.T) { testDHSink(t, f) })
	t.Run("PlanFile", func(t *testing.T) { testPlanFile(t, f) })
	t.Run("Cache", func(t *testing.T) { testCache(t, f) })
	t.Run("CacheStaticSecrets", func(t *testing.T) { testCacheStaticSecrets(t, f) })
}

func testTokenModes(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
	hdr := func(kv ...string) http.Header {
		h := http.Header{"X-Vault-Request": {"true"}}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = append(h[kv[i]], kv[i+1])
		}
		return h
	}
	type check struct {
		name   string
		header http.Header
		want   []string // tokens Vault receives; nil for none
	}
	for _, mode := range []struct {
		value  string
		checks []check
	}{
		{"true", []check{
			{"client token kept", hdr("X-Vault-Token", f.clientToken), []string{f.clientToken}},
			{"no token gets T_AUTO", hdr(), []string{f.autoToken}},
			{"empty header counts as none", hdr("X-Vault-Token", ""), []string{f.autoToken}},
		}},
		{`"FORCE"`, []check{
			{"client token replaced", hdr("X-Vault-Token", f.clientToken), []string{f.autoToken}},
			{"no token gets T_AUTO", hdr(), []string{f.autoToken}},
		}},
		{"false", []check{
			{"client token kept", hdr("X-Vault-Token", f.clientToken), []string{f.clientToken}},
			{"token-less stays token-less", hdr(), nil},
		}},
	} {
		t.Run(strings.Trim(mode.value, `"`), func(t *testing.T) {
			addr := freeAddr(t)
			startRun(t, f.tokenFileConfig(t, rec.URL(), addr, "api_proxy { use_auto_auth_token = "+mode.value+" }", ""), f.secrets, addr)
			for _, c := range mode.checks {
				status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/secret/data/app", c.header, "")
				got := rec.last(t, "/v1/secret/data/app").Token
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("%s: Vault received tokens %v, want %v", c.name, redact(got, f), redact(c.want, f))
				}
				if c.want != nil && (status != 200 || !strings.Contains(body, `"k":"v2"`)) {
					t.Errorf("%s: %d %s", c.name, status, body)
				}
				if c.want == nil && status != 403 {
					t.Errorf("%s: token-less read answered %d, want Vault's 403", c.name, status)
				}
			}
			if mode.value == "false" {
				return
			}
			// The proxy's own token never reaches the client.
			status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/auth/token/lookup-self", hdr(), "")
			var lookup struct {
				Data map[string]any `json:"data"`
			}
			_ = json.Unmarshal([]byte(body), &lookup)
			if _, hasID := lookup.Data["id"]; status != 200 || hasID || lookup.Data["accessor"] != nil || lookup.Data["policies"] == nil {
				t.Errorf("lookup-self with T_AUTO: %d %s", status, body)
			}
			status, body = rawDo(t, nil, "PUT", "http://"+addr+"/v1/auth/token/renew-self", hdr(), "{}")
			var renew struct {
				Auth map[string]any `json:"auth"`
			}
			_ = json.Unmarshal([]byte(body), &renew)
			if status != 200 || renew.Auth["client_token"] != "" || renew.Auth["accessor"] != "" || renew.Auth["lease_duration"] == nil {
				t.Errorf("renew-self with T_AUTO: %d %s", status, body)
			}
			status, body = rawDo(t, nil, "GET", "http://"+addr+"/v1/auth/token/lookup", hdr(), "")
			if strings.Contains(body, f.autoToken) {
				t.Errorf("lookup with T_AUTO leaked it: %d", status)
			}
			// A client's own lookup-self is not touched.
			if mode.value == "true" {
				status, body = rawDo(t, nil, "GET", "http://"+addr+"/v1/auth/token/lookup-self", hdr("X-Vault-Token", f.clientToken), "")
				if status != 200 || !strings.Contains(body, f.clientToken) {
					t.Errorf("client's own lookup-self changed: %d", status)
				}
			}
			// And through a vault/api client, as an application would.
			c := clientFor(t, addr)
			kv, err := c.KVv2("secret").Get(context.Background(), "app")
			if err != nil || kv.Data["k"] != "v2" {
				t.Errorf("api client read: %v %v", kv, err)
			}
		})
	}
}

func redact(tokens []string, f *runFixture) []string {
	var out []string
	for _, tok := range tokens {
		switch tok {
		case f.autoToken:
			out = append(out, "T_AUTO")
		case f.clientToken:
			out = append(out, "T_CLIENT")
		default:
			out = append(out, fmt.Sprintf("other(%d chars)", len(tok)))
		}
	}
	return out
}

func testNamespaces(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
	h := func(ns ...string) http.Header {
		out := http.Header{"X-Vault-Request": {"true"}, "X-Vault-Token": {f.clientToken}}
		if len(ns) > 0 {
			out["X-Vault-Namespace"] = ns
		}
		return out
	}
	t.Run("prepend", func(t *testing.T) {
		addr := freeAddr(t)
		cfg := strings.Replace(f.tokenFileConfig(t, rec.URL(), addr, "api_proxy {\n use_auto_auth_token = true\n prepend_configured_namespace = true\n}", ""),
			"vault {", "vault {\n  namespace = \"org-a\"\n", 1)
		startRun(t, cfg, f.secrets, addr)
		for _, c := range []struct {
			in   []string
			want string
		}{{nil, "org-a/"}, {[]string{"team-1"}, "org-a/team-1/"}, {[]string{"team-1/"}, "org-a/team-1/"}, {[]string{"/team-1/sub"}, ""}} {
			n := rec.countPaths("/v1/sys/mounts")
			status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/sys/mounts", h(c.in...), "")
			if c.want == "" {
				if got := rec.countPaths("/v1/sys/mounts") - n; status != 400 || !strings.Contains(body, `{"errors":[`) || got != 0 {
					t.Errorf("namespace %v: %d %s, %d requests reached Vault; want 400 and none", c.in, status, body, got)
				}
				continue
			}
			if got := rec.last(t, "/v1/sys/mounts").Namespace; len(got) != 1 || got[0] != c.want {
				t.Errorf("namespace %v reached Vault as %v, want %q", c.in, got, c.want)
			}
		}
		for _, bad := range []string{"..", "../org-b", "team-1/../../org-b"} {
			status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/sys/mounts", h(bad), "")
			if status != 400 || !strings.Contains(body, "escapes the configured namespace") {
				t.Errorf("namespace %q: %d %s; want 400", bad, status, body)
			}
		}
		// auto-auth (token_file) checks its token in the login namespace: org-a/ here.
		if got := rec.last(t, "/v1/auth/token/lookup-self").Namespace; len(got) != 1 || got[0] != "org-a/" {
			t.Errorf("auto-auth lookup-self namespace %v, want org-a/", got)
		}
	})
	t.Run("no prepend", func(t *testing.T) {
		addr := freeAddr(t)
		cfg := strings.Replace(f.tokenFileConfig(t, rec.URL(), addr, "api_proxy { use_auto_auth_token = true }", ""),
			"vault {", "vault {\n  namespace = \"org-a\"\n", 1)
		startRun(t, cfg, f.secrets, addr)
		rawDo(t, nil, "GET", "http://"+addr+"/v1/sys/mounts", h("team-1"), "")
		if got := rec.last(t, "/v1/sys/mounts").Namespace; len(got) != 1 || got[0] != "team-1" {
			t.Errorf("namespace reached Vault as %v, want the client's own [team-1]", got)
		}
		rawDo(t, nil, "GET", "http://"+addr+"/v1/sys/mounts", h(), "")
		if got := rec.last(t, "/v1/sys/mounts").Namespace; got != nil {
			t.Errorf("no namespace reached Vault as %v, want none (root)", got)
		}
	})
	t.Run("method namespace for login", func(t *testing.T) {
		// vault.namespace org-a, method namespace org-a/team-1: the login goes to org-a/team-1/,
		// prepending stays org-a/. (A dev server has no namespaces, so the login itself fails.)
		addr := freeAddr(t)
		dir := t.TempDir()
		cfg := fmt.Sprintf(`
vault {
  address   = %q
  namespace = "org-a"
}
auto_auth {
  method "approle" {
    namespace   = "org-a/team-1"
    min_backoff = "100ms"
    max_backoff = "200ms"
    config = {
      role_id_file_path   = %q
      secret_id_file_path = %q
      remove_secret_id_file_after_reading = false
    }
  }
}
api_proxy {
  use_auto_auth_token          = true
  prepend_configured_namespace = true
}
listener "tcp" {
  address     = %q
  tls_disable = true
}`, rec.URL(), runWriteFile(t, dir, "role-id", f.roleID, 0o600), f.secretIDFile(t, dir), addr)
		startRun(t, cfg, f.secrets, addr)
		deadline := time.Now().Add(10 * time.Second)
		for rec.count() == 0 || !hasPath(rec, "/v1/auth/approle/login") {
			if time.Now().After(deadline) {
				t.Fatal("no login reached Vault")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := rec.last(t, "/v1/auth/approle/login").Namespace; len(got) != 1 || got[0] != "org-a/team-1/" {
			t.Errorf("login namespace %v, want org-a/team-1/", got)
		}
		rawDo(t, nil, "GET", "http://"+addr+"/v1/sys/mounts", h("x"), "")
		if got := rec.last(t, "/v1/sys/mounts").Namespace; len(got) != 1 || got[0] != "org-a/x/" {
			t.Errorf("prepending used %v, want org-a/x/", got)
		}
	})
}

// testNamespaceSources: with only the method namespace set, it is also the prepending default; and
// VAULT_NAMESPACE=org-a with method namespace "org-a" logs in to org-a/ once, never org-a/org-a/.
func testNamespaceSources(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
	tokFile := runWriteFile(t, t.TempDir(), "token", f.autoToken, 0o600)
	cfg := func(addr string) string {
		return fmt.Sprintf(`
vault {
  address = %q
}
auto_auth {
  method "token_file" {
    namespace = "org-a"
    config    = { token_file_path = %q }
  }
}
api_proxy {
  use_auto_auth_token          = true
  prepend_configured_namespace = true
}
listener "tcp" {
  address     = %q
  tls_disable = true
}`, rec.URL(), tokFile, addr)
	}
	h := http.Header{"X-Vault-Request": {"true"}, "X-Vault-Namespace": {"x"}}
	for _, env := range []string{"", "VAULT_NAMESPACE=org-a"} {
		addr := freeAddr(t)
		dir := t.TempDir()
		path := runWriteFile(t, dir, "proxy.hcl", cfg(addr), 0o600)
		cmd := exec.Command(vaultproxyBin, "run", path)
		startProcessEnv(t, cmd, path, f.secrets, []string{env}, addr)
		rawDo(t, nil, "GET", "http://"+addr+"/v1/sys/mounts", h, "")
		if got := rec.last(t, "/v1/sys/mounts").Namespace; len(got) != 1 || got[0] != "org-a/x/" {
			t.Errorf("%s: prepending used %v, want org-a/x/", env, got)
		}
		if got := rec.last(t, "/v1/auth/token/lookup-self").Namespace; len(got) != 1 || got[0] != "org-a/" {
			t.Errorf("%s: login namespace %v, want org-a/", env, got)
		}
	}
}

func hasPath(rv *recordingVault, p string) bool {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for _, r := range rv.reqs {
		if r.Path == p {
			return true
		}
	}
	return false
}

func testQueryStrings(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
	addr := freeAddr(t)
	startRun(t, f.tokenFileConfig(t, rec.URL(), addr, "api_proxy { use_auto_auth_token = true }", ""), f.secrets, addr)
	h := http.Header{"X-Vault-Request": {"true"}}
	for _, q := range []string{"list=true", "version=1", "foo=a&foo=b", "version=2&foo=b&foo=a"} {
		rawDo(t, nil, "GET", "http://"+addr+"/v1/secret/data/app?"+q, h, "")
		if got := rec.last(t, "/v1/secret/data/app").RawQuery; got != q {
			t.Errorf("query %q reached Vault as %q", q, got)
		}
	}
	status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/secret/data/app?version=1", h, "")
	if status != 200 || !strings.Contains(body, `"k":"v1"`) {
		t.Errorf("?version=1: %d %s", status, body)
	}
	status, body = rawDo(t, nil, "GET", "http://"+addr+"/v1/secret/metadata/?list=true", h, "")
	if status != 200 || !strings.Contains(body, `"app"`) {
		t.Errorf("?list=true: %d %s", status, body)
	}
	status, body = rawDo(t, nil, "LIST", "http://"+addr+"/v1/secret/metadata/", h, "")
	if status != 200 || !strings.Contains(body, `"app"`) {
		t.Errorf("LIST: %d %s", status, body)
	}
	// Through a vault/api client: a versioned read.
	kv, err := clientFor(t, addr).KVv2("secret").GetVersion(context.Background(), "app", 1)
	if err != nil || kv.Data["k"] != "v1" {
		t.Errorf("api GetVersion(1): %v %v", kv, err)
	}
}

func testListenerRoutes(t *testing.T, f *runFixture) {
	rec := newRecordingVault(t, f.dev.Addr())
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	cfg := f.tokenFileConfig(t, rec.URL(), addr, "api_proxy { use_auto_auth_token = true }", `
  require_request_header = true
  proxy_api { enable_quit = true }`) + fmt.Sprintf(`
listener "tcp" {
  address     = %q
  tls_disable = true
  role        = "metrics_only"
}`, metricsAddr)
	p := startRun(t, cfg, f.secrets, addr, metricsAddr)
	const want412 = `{"errors":["missing \"X-Vault-Request\" header"]}`
	refused := []string{"/v1/secret/data/app", "/proxy/v1/metrics", "/proxy/v1/quit"}
	n := rec.countPaths(refused...)
	for _, h := range []http.Header{{}, {"X-Vault-Request": {"True"}}, {"X-Vault-Request": {"1"}}, {"X-Vault-Request": {"true", "true"}}} {
		for _, path := range []string{"/v1/secret/data/app", "/proxy/v1/metrics", "/proxy/v1/quit"} {
			status, body := rawDo(t, nil, "GET", "http://"+addr+path, h, "")
			if status != 412 || strings.TrimSpace(body) != want412 {
				t.Errorf("%s with %v: %d %s", path, h, status, body)
			}
		}
	}
	if got := rec.countPaths(refused...) - n; got != 0 {
		t.Errorf("%d refused requests reached Vault", got)
	}
	kv, err := clientFor(t, addr).KVv2("secret").Get(context.Background(), "app")
	if err != nil || kv.Data["k"] != "v2" {
		t.Errorf("read with the header (api client sends it): %v %v", kv, err)
	}
	status, body := rawDo(t, nil, "GET", "http://"+metricsAddr+"/proxy/v1/metrics", nil, "")
	for _, m := range []string{`vault_proxy_requests_total{listener="` + addr + `",method="GET",status="4xx"} 12`,
		`vault_proxy_requests_total{listener="` + addr + `",method="GET",status="2xx"} 1`,
		"vault_proxy_upstream_duration_seconds_count", "vault_proxy_auth_success_total 1", "vault_proxy_authenticated 1"} {
		if status != 200 || !strings.Contains(body, m) {
			t.Errorf("metrics lack %q: %d\n%s", m, status, body)
		}
	}
	if status, _ := rawDo(t, nil, "GET", "http://"+metricsAddr+"/v1/sys/health", nil, ""); status != 404 {
		t.Errorf("metrics_only /v1/sys/health: %d, want 404", status)
	}
	h := http.Header{"X-Vault-Request": {"true"}}
	if status, _ := rawDo(t, nil, "GET", "http://"+addr+"/proxy/v1/quit", h, ""); status != 405 {
		t.Errorf("GET quit: %d, want 405", status)
	}
	if status, _ := rawDo(t, nil, "POST", "http://"+addr+"/proxy/v1/quit", h, ""); status != 200 {
		t.Errorf("POST quit: %d, want 200", status)
	}
	if code := p.exited(10 * time.Second); code != 0 {
		t.Errorf("after quit: exit code %d, want 0", code)
	}
}

func testUnixSocket(t *testing.T, f *runFixture) {
	// fixtures/cases/22-unix-socket-mode-only: socket_mode alone applies. A stale socket file at the path is replaced.
	dir, err := os.MkdirTemp("", "vp-sock-") // short path: unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "proxy.sock")
	stale, err := netListenUnixNoUnlink(sock)
	if err != nil {
		t.Fatal(err)
	}
	_ = stale
	cfg := fmt.Sprintf(`
vault { address = %q }
listener "unix" {
  address     = %q
  socket_mode = "0660"
  tls_disable = true
}
`, f.dev.Addr(), sock)
	p := startRun(t, cfg, f.secrets, sock)
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket mode %v, want a socket with 0660", fi.Mode())
	}
	client := unixClient(sock)
	status, body := rawDo(t, client, "GET", "http://proxy/v1/secret/data/app", http.Header{"X-Vault-Token": {f.clientToken}}, "")
	if status != 200 || !strings.Contains(body, `"k":"v2"`) {
		t.Errorf("read over the socket: %d %s", status, body)
	}
	p.stop(t)
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind after shutdown: %v", err)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code after SIGTERM: %d", code)
	}
}

func testVaultDown(t *testing.T, f *runFixture) {
	dead := "http://" + freeAddr(t)
	addr := freeAddr(t)
	cfg := fmt.Sprintf(`
vault { address = %q }
listener "tcp" {
  address     = %q
  tls_disable = true
}`, dead, addr)
	startRun(t, cfg, f.secrets, addr)
	for i := 0; i < 1; i++ { // one request with the default 12 retries; the POST below is not retried
		start := time.Now()
		status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/sys/health", nil, "")
		took := time.Since(start)
		if status != 502 || !strings.HasPrefix(body, `{"errors":["`) || !strings.Contains(body, dead) || !strings.Contains(body, "connection refused") {
			t.Errorf("Vault down: %d %s", status, body)
		}
		if took > 15*time.Second {
			t.Errorf("502 took %s (default 12 retries)", took)
		}
	}
	status, _ := rawDo(t, nil, "POST", "http://"+addr+"/v1/secret/data/x", nil, "{}")
	if status != 502 {
		t.Errorf("POST with Vault down: %d", status)
	}
}

func testInvalidConfig(t *testing.T, f *runFixture) {
	addr := freeAddr(t)
	path := runWriteFile(t, t.TempDir(), "bad.hcl", fmt.Sprintf(`
vault { address = %q }
api_proxy { use_auto_auth_token = "always" }
listener "tcp" {
  address     = %q
  tls_disable = true
}`, f.dev.Addr(), addr), 0o600)
	out, err := runBinary(t, "run", path)
	vout, _ := runBinary(t, "validate", path)
	if err == nil || !strings.Contains(out, "use_auto_auth_token") {
		t.Errorf("run of an invalid config: err %v, output:\n%s", err, out)
	}
	if !strings.Contains(out, strings.TrimSpace(vout)) {
		t.Errorf("run's diagnostics differ from validate's:\nrun:\n%s\nvalidate:\n%s", out, vout)
	}
	_ = syscall.SIGTERM
}
