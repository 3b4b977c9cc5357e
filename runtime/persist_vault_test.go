package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
	"github.com/vaultproxy/vaultproxy/runtime/cache"
)

// stop ends a started Runtime as a quit request would and waits for Run to return; the cleanup of
// startPlan still finds Run's result.
func (s *started) stop(t *testing.T) {
	t.Helper()
	s.rt.quitOnce.Do(func() { close(s.rt.quit) })
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		s.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("runtime did not stop")
	}
}

// TestPersistRestartRealVault: a cache with persist "kubernetes" in front of a real Vault survives
// restarts through the real runtime. A token created through the proxy is answered again, from the
// restored cache, to the same request after a restart, still works and keeps being renewed; the
// auto-auth token is restored and verified instead of a new login. When that token was revoked
// while the proxy was stopped, the next start logs in again and serves.
func TestPersistRestartRealVault(t *testing.T) {
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.Sys().PutPolicy("persist", `path "auth/token/create" { capabilities = ["update"] }`))
	dir := t.TempDir()
	roleID, secretID := approleFiles(t, root, dir, map[string]any{"token_policies": "persist", "token_ttl": "1h", "token_max_ttl": "4h"})
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		must(os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	cacheDir := filepath.Join(dir, "cache")
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
cache {
  persist "kubernetes" {
    path                       = %q
    service_account_token_file = %q
    keep_after_import          = true
    exit_on_err                = true
  }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, roleID, secretID, sink, cacheDir,
		write("sa-token", "eyJhbGciOiJSUzI1NiJ9.pod.signature\n")), dev.Addr())

	sinkToken := func(not string) string {
		t.Helper()
		var tok string
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			b, _ := os.ReadFile(sink)
			if tok = strings.TrimSpace(string(b)); tok != "" && tok != not {
				return tok
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("the sink holds %q; want a token other than %q", tok, not)
		return ""
	}
	// The client's request: identical each time, no token (the auto-auth token is used). The
	// child's 6s TTL outlives a restart only through renewals.
	const createReq = `{"ttl":"6s","explicit_max_ttl":"1h","display_name":"persisted"}`
	create := func(s *started) (xcache, token string) {
		t.Helper()
		resp, body := do(t, "POST", s.url+"/v1/auth/token/create", nil, createReq)
		if resp.StatusCode != 200 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		var out struct {
			Auth struct {
				ClientToken string `json:"client_token"`
			} `json:"auth"`
		}
		must(json.Unmarshal([]byte(body), &out))
		return resp.Header.Get("X-Cache"), out.Auth.ClientToken
	}
	valid := func(token string) bool {
		s, err := root.Auth().Token().Lookup(token)
		return err == nil && s != nil
	}

	// Run 1: log in, create the child through the proxy.
	s1 := startPlan(t, p)
	auto1 := sinkToken("")
	xc, child := create(s1)
	if xc != "MISS" || child == "" {
		t.Fatalf("first create: X-Cache %q token %q", xc, child)
	}
	s1.stop(t)
	if fi, err := os.Stat(filepath.Join(cacheDir, cache.FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file after the first run: %v", err)
	}

	// Run 2: the same request is a hit with the same token; no new login.
	must(os.Remove(sink)) // to see what run 2 writes
	s2 := startPlan(t, p)
	if xc, tok := create(s2); xc != "HIT" || tok != child {
		t.Errorf("create after a restart: X-Cache %q, token %q; want a HIT with %q", xc, tok, child)
	}
	if got := sinkToken(""); got != auto1 {
		t.Errorf("auto-auth token after the restart %q, want the restored %q (no new login)", got, auto1)
	}
	if cur, ok := s2.rt.current().auth.mgr.Current(); !ok || cur != auto1 {
		t.Errorf("auto-auth uses %q, want the restored token", cur)
	}
	time.Sleep(8 * time.Second) // beyond the child's 6s TTL: alive only if run 2 renews it
	if !valid(child) {
		t.Fatal("the restored child token expired: run 2 did not renew it")
	}
	if xc, tok := create(s2); xc != "HIT" || tok != child {
		t.Errorf("create 8s later: X-Cache %q, token %q", xc, tok)
	}
	s2.stop(t)

	// While stopped: the auto-auth token is revoked at Vault (its child with it).
	must(root.Auth().Token().RevokeTree(auto1))

	// Run 3: the restored token is refused, auto-auth logs in again, the proxy serves; the revoked
	// child is evicted by its renewer and the request is forwarded with the new token.
	s3 := startPlan(t, p)
	auto2 := sinkToken(auto1)
	if !valid(auto2) {
		t.Error("the new auto-auth token is not valid")
	}
	c3 := s3.rt.current().cache.c
	deadline := time.Now().Add(10 * time.Second)
	for c3.Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if c3.Len() != 0 {
		t.Errorf("the revoked child is still cached (%d entries)", c3.Len())
	}
	xc, child3 := create(s3)
	if xc != "MISS" || child3 == child || !valid(child3) {
		t.Errorf("create with the new auto-auth token: X-Cache %q, token %q (old %q)", xc, child3, child)
	}
	if resp, body := do(t, "GET", s3.url+"/v1/auth/token/lookup-self", nil, ""); resp.StatusCode != 200 {
		t.Errorf("lookup-self through the proxy: %d %s", resp.StatusCode, body)
	}
}

// TestPersistReload: a reload that keeps the cache keeps its file; one that would need a new
// persistent cache (auto_auth or the persist block changed) is refused and the running
// configuration keeps serving; one that drops persist closes the file, entries kept in it.
func TestPersistReload(t *testing.T) {
	fv := newCacheFakeVault(t)
	tf := cacheTokenFile(t)
	dir := t.TempDir()
	sa := filepath.Join(dir, "sa-token")
	if err := os.WriteFile(sa, []byte("eyJhbGciOiJSUzI1NiJ9.pod.signature"), 0o600); err != nil {
		t.Fatal(err)
	}
	persisting := func(keep bool) string {
		return fmt.Sprintf("cache {\n persist \"kubernetes\" {\n path = %q\n service_account_token_file = %q\n keep_after_import = %v\n }\n}",
			filepath.Join(dir, "cache"), sa, keep)
	}
	plan := func(tokenFile, cacheBlock string) string {
		return cachePlanHCL(tokenFile, "use_auto_auth_token = true", cacheBlock, "")
	}
	s := startPlan(t, planFrom(t, plan(tf, persisting(true)), fv.srv.URL))
	if resp, _ := do(t, "POST", s.url+"/v1/auth/token/create", nil, "{}"); resp.Header.Get("X-Cache") != "MISS" {
		t.Fatalf("create: X-Cache %q", resp.Header.Get("X-Cache"))
	}
	c := s.rt.current().cache
	if err := s.rt.Swap(planFrom(t, plan(tf, persisting(true)), fv.srv.URL)); err != nil || s.rt.current().cache != c {
		t.Fatalf("an unchanged reload: %v, cache kept %v", err, s.rt.current().cache == c)
	}
	for name, hcl := range map[string]string{
		"auto_auth changed":         plan(cacheTokenFile(t), persisting(true)),
		"keep_after_import changed": plan(tf, persisting(false)),
	} {
		err := s.rt.Swap(planFrom(t, hcl, fv.srv.URL))
		if err == nil || !strings.Contains(err.Error(), "restart vaultproxy run") {
			t.Errorf("reload with %s: %v, want a refusal", name, err)
		}
	}
	if resp, _ := do(t, "POST", s.url+"/v1/auth/token/create", nil, "{}"); resp.Header.Get("X-Cache") != "HIT" {
		t.Errorf("after refused reloads: X-Cache %q, want the persistent cache still serving", resp.Header.Get("X-Cache"))
	}
	if err := s.rt.Swap(planFrom(t, plan(tf, "cache {}"), fv.srv.URL)); err != nil {
		t.Fatalf("reload dropping persist: %v", err)
	}
	// The old cache closed its file (it can be opened again) with its entry in it; the auto-auth
	// token is given back to the same auto_auth configuration.
	acfg, _, err := authConfig(planFrom(t, plan(tf, persisting(true)), fv.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	c2, err := cache.New(cache.Options{Next: fv.srv.Client().Transport, Vault: mustClient(t, fv.srv.URL),
		Persist: &cache.PersistOptions{Path: filepath.Join(dir, "cache"), ServiceAccountTokenFile: sa, ExitOnErr: true,
			AutoAuthIdentity: acfg.Fingerprint()}})
	if err != nil {
		t.Fatalf("opening the file after the reload: %v", err)
	}
	defer c2.Close()
	if c2.Len() != 1 || c2.RestoredAutoAuthToken() != "T_AUTO" {
		t.Errorf("the file holds %d entries and auto-auth token %q; want 1 and T_AUTO", c2.Len(), c2.RestoredAutoAuthToken())
	}
}

func mustClient(t *testing.T, addr string) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPersistAutoAuthIdentityOfPlan: the persistent cache's auto-auth identity is the fingerprint of
// the plan's auto_auth method: it changes with the method's config (another role_id file), not with
// the back-off, and is empty without auto_auth or with a method wrap_ttl (run never preloads then).
func TestPersistAutoAuthIdentityOfPlan(t *testing.T) {
	identity := func(hcl string) string {
		t.Helper()
		p := planFrom(t, hcl, "http://127.0.0.1:1")
		var auth *authRun
		if cfg, ok, err := authConfig(p); err != nil {
			t.Fatal(err)
		} else if ok {
			auth = &authRun{id: authIdentityOf(p, cfg)}
		}
		cb, _ := p.Cache()
		return persistOptions(cb, auth).AutoAuthIdentity
	}
	const persist = `cache {
  persist "kubernetes" { path = "/tmp/unused" }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}
vault { address = "{{vault}}" }
`
	method := func(roleFile, extra string) string {
		return persist + fmt.Sprintf(`auto_auth {
  method "approle" {
    %s
    config = {
      role_id_file_path   = %q
      secret_id_file_path = "/etc/secret-id"
    }
  }
  sink "file" {
    config = { path = "/tmp/sink" }
  }
}`, extra, roleFile)
	}
	dir := t.TempDir()
	roleApp, roleOther := filepath.Join(dir, "role-app"), filepath.Join(dir, "role-other")
	for path, id := range map[string]string{roleApp: "role-id-app", roleOther: "role-id-other"} {
		if err := os.WriteFile(path, []byte(id), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	app := identity(method(roleApp, ""))
	if len(app) != 64 {
		t.Fatalf("identity %q: want a SHA-256 in hex", app)
	}
	if got := identity(method(roleApp, `min_backoff = "2s"`)); got != app {
		t.Error("min_backoff changed the identity")
	}
	if got := identity(method(roleOther, "")); got == app {
		t.Error("another role_id file kept the identity")
	}
	if got := identity(method(roleApp, `wrap_ttl = "5m"`)); got != "" {
		t.Errorf("with wrap_ttl: identity %q, want none", got)
	}
	if got := identity(persist); got != "" {
		t.Errorf("without auto_auth: identity %q, want none", got)
	}
	if got := identity(method(filepath.Join(dir, "missing"), "")); got != "" {
		t.Errorf("with the role_id file missing: identity %q, want none", got)
	}
}

// TestPersistAutoAuthCredentialFiles: the restored auto-auth token is preloaded only for the same
// identity, and for token_file and approle a file's content is part of it. A new token in
// token_file_path is used (not the restored one); a new role ID logs in again; an approle secret
// ID file deleted after reading (remove_secret_id_file_after_reading) still lets the restored token
// be used.
func TestPersistAutoAuthCredentialFiles(t *testing.T) {
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		must(os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	saToken := write("sa-token", "eyJhbGciOiJSUzI1NiJ9.pod.signature\n")
	// run starts the proxy on method, waits for auto-auth's token and stops; it returns the token
	// auto-auth used and, when lookup-self through the proxy is about that token, that token (told
	// by its issue_time: the proxy hides the auto-auth token's id and accessor from clients).
	run := func(name, method string) (auto, self string) {
		t.Helper()
		p := planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  %s
}
api_proxy { use_auto_auth_token = true }
cache {
  persist "kubernetes" {
    path                       = %q
    service_account_token_file = %q
    keep_after_import          = true
    exit_on_err                = true
  }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, method, filepath.Join(dir, "cache-"+name), saToken), dev.Addr())
		s := startPlan(t, p)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if tok, ok := s.rt.current().auth.mgr.Current(); ok {
				auto = tok
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		resp, body := do(t, "GET", s.url+"/v1/auth/token/lookup-self", nil, "")
		var out struct {
			Data struct {
				IssueTime string `json:"issue_time"`
			} `json:"data"`
		}
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("lookup-self through the proxy: %d %s", resp.StatusCode, body)
		}
		s.stop(t)
		if auto != "" {
			if l, err := root.Auth().Token().Lookup(auto); err == nil && out.Data.IssueTime != "" && l.Data["issue_time"] == out.Data.IssueTime {
				self = auto
			}
		}
		return auto, self
	}
	newToken := func() string {
		t.Helper()
		s, err := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
		must(err)
		return s.Auth.ClientToken
	}

	t.Run("token_file", func(t *testing.T) {
		first, second := newToken(), newToken()
		path := write("token", first+"\n")
		method := fmt.Sprintf(`method "token_file" {
    config = { token_file_path = %q }
  }`, path)
		if auto, self := run("token_file", method); auto != first || self != first {
			t.Fatalf("first run: auto-auth %q, lookup-self %q; want %q", auto, self, first)
		}
		write("token", second+"\n")
		if auto, self := run("token_file", method); auto != second || self != second {
			t.Errorf("after the token file changed: auto-auth %q, lookup-self %q; want the file's %q, not the restored %q",
				auto, self, second, first)
		}
	})

	must(root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	role := func(name string) (roleID, secretID string) {
		t.Helper()
		_, err := root.Logical().Write("auth/approle/role/"+name, map[string]any{"token_ttl": "1h"})
		must(err)
		rid, err := root.Logical().Read("auth/approle/role/" + name + "/role-id")
		must(err)
		sid, err := root.Logical().Write("auth/approle/role/"+name+"/secret-id", nil)
		must(err)
		return rid.Data["role_id"].(string), sid.Data["secret_id"].(string)
	}
	approle := func(name string, remove bool) string {
		return fmt.Sprintf(`method "approle" {
    config = {
      role_id_file_path                   = %q
      secret_id_file_path                 = %q
      remove_secret_id_file_after_reading = %v
    }
  }`, filepath.Join(dir, name+"-role-id"), filepath.Join(dir, name+"-secret-id"), remove)
	}

	t.Run("approle role_id changed", func(t *testing.T) {
		rid, sid := role("app")
		write("changed-role-id", rid)
		write("changed-secret-id", sid)
		first, _ := run("changed", approle("changed", false))
		rid, sid = role("other")
		write("changed-role-id", rid)
		write("changed-secret-id", sid)
		if auto, self := run("changed", approle("changed", false)); auto == first || self == first || auto != self {
			t.Errorf("after the role ID changed: auto-auth %q, lookup-self %q; want a new login, not the restored %q", auto, self, first)
		}
	})

	t.Run("approle secret_id deleted", func(t *testing.T) {
		rid, sid := role("kept")
		write("kept-role-id", rid)
		write("kept-secret-id", sid)
		first, _ := run("kept", approle("kept", true))
		if _, err := os.Stat(filepath.Join(dir, "kept-secret-id")); !os.IsNotExist(err) {
			t.Fatalf("the secret ID file was not removed after reading: %v", err)
		}
		if auto, self := run("kept", approle("kept", true)); auto != first || self != first {
			t.Errorf("with the secret ID file gone: auto-auth %q, lookup-self %q; want the restored %q", auto, self, first)
		}
	})
}
