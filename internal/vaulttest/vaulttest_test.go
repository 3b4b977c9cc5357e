package vaulttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBinaryIsVault1210(t *testing.T) {
	bin := Binary(t)
	if !filepath.IsAbs(bin) {
		t.Errorf("Binary() = %q, want an absolute path", bin)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	// "Vault v1.21.0, built 2025-...": the build date is absent in a
	// go-built binary, and vault then prints the current time.
	if f := strings.Fields(string(out)); len(f) < 2 || f[0] != "Vault" || strings.TrimSuffix(f[1], ",") != "v"+VaultVersion {
		t.Errorf("%s version = %q, want Vault v%s", bin, out, VaultVersion)
	}
}

func TestStartDevServesKV(t *testing.T) {
	// A caller's VAULT_* settings must not reach the server or the client.
	t.Setenv("VAULT_ADDR", "http://127.0.0.1:1")
	t.Setenv("VAULT_TOKEN", "not-the-root-token")
	t.Setenv("VAULT_NAMESPACE", "elsewhere")

	d := StartDev(t)
	if !strings.HasPrefix(d.Addr(), "http://127.0.0.1:") {
		t.Errorf("Addr() = %q, want http://127.0.0.1:PORT", d.Addr())
	}
	if d.RootToken() == "" {
		t.Fatal("RootToken() is empty")
	}

	c := d.Client(t)
	if c.Token() != d.RootToken() {
		t.Errorf("client token = %q, want the root token", c.Token())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The dev server mounts KV v2 at secret/.
	kv := c.KVv2("secret")
	want := map[string]any{"user": "app", "password": "s3cr3t"}
	if _, err := kv.Put(ctx, "vaulttest/creds", want); err != nil {
		t.Fatalf("kv put: %v", err)
	}
	got, err := kv.Get(ctx, "vaulttest/creds")
	if err != nil {
		t.Fatalf("kv get: %v", err)
	}
	for k, v := range want {
		if got.Data[k] != v {
			t.Errorf("secret %s = %v, want %v (all: %v)", k, got.Data[k], v, got.Data)
		}
	}

	self, err := c.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatalf("token lookup-self: %v", err)
	}
	if pol, _ := self.TokenPolicies(); len(pol) != 1 || pol[0] != "root" {
		t.Errorf("token policies = %v, want [root]", pol)
	}
}

func TestStartDevTwoServers(t *testing.T) {
	a, b := StartDev(t), StartDev(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two dev servers share %s", a.Addr())
	}
	if a.RootToken() == b.RootToken() {
		t.Errorf("two dev servers share a root token")
	}
	for _, d := range []*Dev{a, b} {
		if _, err := d.Client(t).Sys().Health(); err != nil {
			t.Errorf("%s: sys/health: %v", d.Addr(), err)
		}
	}
}

func writeConfig(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyProxyConfig(t *testing.T) {
	// Must not influence the result: the run gets a clean environment.
	t.Setenv("VAULT_ADDR", "::not a url::")

	for _, tc := range []struct {
		name    string
		configs []string
		ok      bool
		errText string // part of Vault's output when rejected
	}{
		{
			name: "minimal listener",
			configs: []string{`
vault {
  address = "http://127.0.0.1:8200"
}
listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}
`},
			ok: true,
		},
		{
			name: "cache with auto_auth and api_proxy",
			configs: []string{`
vault {
  address = "http://127.0.0.1:8200"
}
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = "/nonexistent/role-id"
      secret_id_file_path = "/nonexistent/secret-id"
    }
  }
}
api_proxy {
  use_auto_auth_token = true
}
cache {}
listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}
`},
			ok: true,
		},
		{
			name:    "cache without listener",
			configs: []string{"cache {}\n"},
			errText: "enabling the cache requires at least 1 listener",
		},
		{
			name:    "empty config",
			configs: []string{"\n"},
			errText: "no auto_auth, cache, or listener block found",
		},
		{
			name:    "HCL syntax error",
			configs: []string{"listener \"tcp\" {\n"},
			errText: "error loading configuration",
		},
		{
			name: "cache in one file, listener in another",
			configs: []string{"cache {}\n", `
listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}
`},
			ok: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for i, body := range tc.configs {
				paths = append(paths, writeConfig(t, "proxy"+string(rune('a'+i))+".hcl", body))
			}
			ok, out := VerifyProxyConfig(t, paths...)
			if ok != tc.ok {
				t.Fatalf("VerifyProxyConfig ok = %v, want %v; output:\n%s", ok, tc.ok, out)
			}
			if !tc.ok && !strings.Contains(out, tc.errText) {
				t.Errorf("output does not mention %q:\n%s", tc.errText, out)
			}
		})
	}
}

func TestVerifyProxyConfigMissingFile(t *testing.T) {
	ok, out := VerifyProxyConfig(t, filepath.Join(t.TempDir(), "absent.hcl"))
	if ok {
		t.Fatalf("a missing config file was accepted:\n%s", out)
	}
	if !strings.Contains(out, "no such file") {
		t.Errorf("output does not say the file is missing:\n%s", out)
	}
}

func TestCachePathFollowsEnvironment(t *testing.T) {
	t.Setenv("VAULTPROXY_CACHE_DIR", "/c")
	if p, _ := CachePath(); p != "/c/vault-1.21.0-full/vault" {
		t.Errorf("with VAULTPROXY_CACHE_DIR: %q", p)
	}
	t.Setenv("VAULTPROXY_CACHE_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "/x")
	if p, _ := CachePath(); p != "/x/vaultproxy/vault-1.21.0-full/vault" {
		t.Errorf("with XDG_CACHE_HOME: %q", p)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/h")
	if p, _ := CachePath(); p != "/h/.cache/vaultproxy/vault-1.21.0-full/vault" {
		t.Errorf("with HOME: %q", p)
	}
}
