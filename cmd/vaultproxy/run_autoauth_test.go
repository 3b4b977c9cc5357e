package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// testAppRole: approle auto-auth writes its token to a file sink (mode 0600, atomically), removes
// the secret ID file after reading it, serves token-less reads with the token, and, when the token
// is revoked behind its back, re-authenticates once: the refused request gets Vault's 403, the next
// one succeeds with a new token, which the sink then holds.
func testAppRole(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	addr := freeAddr(t)
	sink := dir + "/token-sink"
	secretFile := f.secretIDFile(t, dir)
	cfg := fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = %q
      secret_id_file_path = %q
    }
  }
  sink "file" {
    config = {
      path = %q
      mode = 0600
    }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = %q
  tls_disable = true
}`, f.dev.Addr(), runWriteFile(t, dir, "role-id", f.roleID, 0o600), secretFile, sink, addr)
	var sinkTokens []string
	p := startRun(t, cfg, func() []string { return append(f.secrets(), sinkTokens...) }, addr)
	first := waitSink(t, sink, "")
	sinkTokens = append(sinkTokens, first)
	if fi, err := os.Stat(sink); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("sink mode: %v %v, want 0600", fi.Mode(), err)
	}
	if _, err := os.Stat(secretFile); !os.IsNotExist(err) {
		t.Errorf("secret ID file not removed after reading: %v", err)
	}
	look, err := f.root.Auth().Token().Lookup(first)
	if err != nil || !strings.Contains(fmt.Sprint(look.Data["policies"]), "app") {
		t.Fatalf("sink token lookup: %v %v", look, err)
	}
	c := clientFor(t, addr)
	if kv, err := c.KVv2("secret").Get(context.Background(), "app"); err != nil || kv.Data["k"] != "v2" {
		t.Fatalf("token-less read with the approle token: %v %v", kv, err)
	}

	// A lookup or renewal that names no token is about the caller, here the auto-auth token. Vault
	// answers a login token's lookup with its internal ID, not the token itself, and that ID works
	// as the token: none of it may reach a token-less client (a tester's report).
	shortID, _ := look.Data["id"].(string)
	accessor, _ := look.Data["accessor"].(string)
	sinkTokens = append(sinkTokens, shortID, accessor)
	for _, rq := range []struct{ method, path, body string }{
		{"POST", "/v1/auth/token/lookup", ""},
		{"POST", "/v1/auth/token/lookup", "{}"},
		{"POST", "/v1/auth/token/lookup", `{"token":""}`},
		{"GET", "/v1/auth/token/lookup", ""},
		{"GET", "/v1/auth/token/lookup?token=", ""},
		{"PUT", "/v1/auth/token/renew", "{}"},
		{"GET", "/v1/auth/token/lookup-self", ""},
	} {
		status, body := rawDo(t, nil, rq.method, "http://"+addr+rq.path, nil, rq.body)
		for what, secret := range map[string]string{"token": first, "internal ID": shortID, "accessor": accessor} {
			if secret != "" && strings.Contains(body, secret) {
				t.Errorf("%s %s %s: the auto-auth token's %s reached the client (status %d)", rq.method, rq.path, rq.body, what, status)
			}
		}
	}

	// Revoke the auto-auth token behind the proxy's back.
	if err := f.root.Auth().Token().RevokeOrphan(first); err != nil {
		t.Fatal(err)
	}
	// The read that meets the revoked token waits for the new login and is sent again with it.
	status, body := rawDo(t, nil, "GET", "http://"+addr+"/v1/secret/data/app", http.Header{"X-Vault-Request": {"true"}}, "")
	if status != 200 || !strings.Contains(body, `"k":"v2"`) {
		t.Errorf("first read after revocation: %d %s, want 200 with the secret (sent again with the new token)", status, body)
	}
	kv, err := c.KVv2("secret").Get(context.Background(), "app")
	if err != nil || kv.Data["k"] != "v2" {
		t.Errorf("next read after re-authentication: %v %v", kv, err)
	}
	second := waitSink(t, sink, first)
	sinkTokens = append(sinkTokens, second)
	if second == first {
		t.Errorf("sink still holds the revoked token")
	}
	p.waitLog(t, "logging in again")
	if n := strings.Count(p.stderr.String(), "auto-auth authenticated"); n != 2 {
		t.Errorf("%d logins, want 2 (one re-authentication)", n)
	}
	// No temporary sink files left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp.") {
			t.Errorf("temporary sink file left: %s", e.Name())
		}
	}
}

// waitSink waits until the sink file holds a token other than prev and returns it.
func waitSink(t *testing.T, path, prev string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if s := strings.TrimSpace(string(b)); err == nil && s != "" && s != prev {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink %s never got a new token", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
