package runtime

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/ldaptest"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// The ldap method logs in to a real Vault whose ldap auth method checks the password against a real
// slapd: the sink gets a token of the LDAP user, a proxied request with use_auto_auth_token is
// answered with it, the password file is removed once read, and, with
// enable_reauth_on_new_credentials, a new password file (the directory's password changed) logs in
// again with the new password.
func TestLDAPAutoAuthRealVaultAndSlapd(t *testing.T) {
	dir := ldaptest.Start(t, map[string]string{"alice": "first-pass"})
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.Sys().EnableAuthWithOptions("ldap-corp", &api.EnableAuthOptions{Type: "ldap"}))
	_, err := root.Logical().Write("auth/ldap-corp/config", dir.VaultConfig())
	must(err)
	_, err = root.Logical().Write("auth/ldap-corp/users/alice", map[string]any{"policies": "app"})
	must(err)
	must(root.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["read"] }`))
	_, err = root.Logical().Write("secret/data/app/config", map[string]any{"data": map[string]any{"color": "blue"}})
	must(err)

	tmp := t.TempDir()
	passFile := filepath.Join(tmp, "password")
	must(os.WriteFile(passFile, []byte("first-pass"), 0o600))
	sink := filepath.Join(tmp, "sink")
	p := planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  enable_reauth_on_new_credentials = true
  method "ldap" {
    mount_path = "auth/ldap-corp"
    config = {
      username             = "alice"
      password_file_path   = %q
      password_read_period = "100ms"
    }
  }
  sink "file" {
    config = { path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, passFile, sink), dev.Addr())
	s := startPlan(t, p)

	first := waitSink(t, sink, "")
	checkLDAPToken(t, root, first, "auth/ldap-corp/login/alice")
	if _, err := os.Stat(passFile); !os.IsNotExist(err) {
		t.Errorf("the password file was not removed after reading (remove_password_after_reading defaults to true): %v", err)
	}

	resp, err := http.Get(s.url + "/v1/secret/data/app/config")
	must(err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"color":"blue"`) {
		t.Fatalf("proxied read with the auto-auth token: %d %s", resp.StatusCode, body)
	}

	// The directory's password changes; the new file is read within password_read_period and logs
	// in again. The old password no longer binds, so only a login with the new file succeeds.
	dir.SetPassword(t, "alice", "second-pass")
	must(os.WriteFile(passFile, []byte("second-pass"), 0o600))
	second := waitSink(t, sink, first)
	checkLDAPToken(t, root, second, "auth/ldap-corp/login/alice")
	if _, err := os.Stat(passFile); !os.IsNotExist(err) {
		t.Errorf("the new password file was not removed after reading: %v", err)
	}
}

// waitSink waits up to 20 s for the sink to hold a token other than old, and returns it.
func waitSink(t *testing.T, sink, old string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(sink)
		if tok := strings.TrimSpace(string(b)); tok != "" && tok != old {
			return tok
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the sink %s holds no new token after 20s", sink)
	return ""
}

// checkLDAPToken looks tok up with the root token: it must come from login path for user alice,
// with the app policy the user was given.
func checkLDAPToken(t *testing.T, root *api.Client, tok, path string) {
	t.Helper()
	d := lookupToken(t, root, tok)
	if d.Path != path || d.Meta["username"] != "alice" || d.DisplayName != "ldap-corp-alice" || !slices.Contains(d.Policies, "app") {
		t.Errorf("the sink's token: path %q, display_name %q, meta %v, policies %v", d.Path, d.DisplayName, d.Meta, d.Policies)
	}
}
