package runtime

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The oci method (type apikey, the key of the config file that OCI_CONFIG_FILE names) logs in to
// a scripted Vault at auth/oci/login/<role> with signed request headers, the sink gets the token,
// and a request through the listener reaches Vault with it (use_auto_auth_token). The signature
// itself is verified in runtime/autoauth's tests.
func TestOCIAutoAuthThroughListener(t *testing.T) {
	if u, err := user.Current(); err == nil {
		if _, err := os.Stat(filepath.Join(u.HomeDir, ".oci", "config")); err == nil {
			t.Skip("~/.oci/config exists and would be read before OCI_CONFIG_FILE")
		}
	}
	dir := t.TempDir()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[DEFAULT]\nuser=ocid1.user.oc1..u\nfingerprint=aa:bb\ntenancy=ocid1.tenancy.oc1..t\nregion=us-ashburn-1\nkey_file="+keyFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"OCI_tenancy_ocid", "OCI_user_ocid", "OCI_fingerprint", "OCI_private_key_path"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("OCI_CONFIG_FILE", cfgFile)

	vault := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/auth/oci/login/dev-role" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
			fmt.Fprint(w, `{"auth":{"client_token":"oci-token","renewable":false,"lease_duration":3600}}`)
		case r.URL.Path == "/v1/secret/data/app" && r.Header.Get("X-Vault-Token") == "oci-token":
			fmt.Fprint(w, `{"data":{"data":{"k":"v"}}}`)
		default:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":["permission denied"]}`)
		}
	})
	sink := filepath.Join(dir, "sink")
	s := startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "oci" {
    config = {
      type = "apikey"
      role = "dev-role"
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
}`, sink), vault.srv.URL))

	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(sink); string(b) == "oci-token" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sink never got the token")
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(s.url + "/v1/secret/data/app")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"k":"v"`) {
		t.Errorf("proxied request: %d %s", resp.StatusCode, body)
	}

	login := vault.req(0)
	vault.mu.Lock()
	raw := vault.body[0]
	vault.mu.Unlock()
	var b struct {
		RequestHeaders map[string][]string `json:"request_headers"`
	}
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		t.Fatal(err)
	}
	authz := strings.Join(b.RequestHeaders["Authorization"], "")
	if login.URL.Path != "/v1/auth/oci/login/dev-role" || len(b.RequestHeaders) != 4 ||
		!strings.Contains(authz, `keyId="ocid1.tenancy.oc1..t/ocid1.user.oc1..u/aa:bb"`) ||
		strings.Join(b.RequestHeaders["(request-target)"], "") != "get /v1/auth/oci/login/dev-role" {
		t.Errorf("login at %s with %s", login.URL.Path, raw)
	}
}
