package runtime

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault-plugin-auth-cf/signatures"
	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/cftest"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// cfTestAPI is the CF API stand-in's view of the one app the tests' instances belong to.
func cfTestAPI() *cftest.API {
	return &cftest.API{Username: "vault-cf-user", Password: "vault-cf-password",
		Org: "34a878d0-c2f9-4521-ba73-a9f664e82c7b", Space: "3d2eba6b-ef19-44d5-91dd-1975b0db5cc9", App: "2d3e834a-3a25-4591-974c-fa5626d5d0a1",
		OrgName: "test-org", SpaceName: "test-space", AppName: "test-app"}
}

// cfVault is a Vault dev server whose cf auth method trusts ca's root as the instance identity CA,
// asks cfAPI (with its username and password) about the app, space and organization of a login,
// and has role "app" bound to the stand-in's GUIDs, with IP matching on (the certificates carry
// 127.0.0.1, where the logins come from), tokens of ttl, and a policy that reads secret/data/app/*.
func cfVault(t *testing.T, ca *cftest.CA, cfAPI *cftest.API, ttl string) (*vaulttest.Dev, *api.Client) {
	t.Helper()
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	must := func(_ *api.Secret, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := root.Sys().EnableAuthWithOptions("cf", &api.EnableAuthOptions{Type: "cf"}); err != nil {
		t.Fatal(err)
	}
	must(root.Logical().Write("auth/cf/config", map[string]any{"identity_ca_certificates": []string{ca.RootPEM},
		"cf_api_addr": cfAPI.URL, "cf_username": cfAPI.Username, "cf_password": cfAPI.Password}))
	must(root.Logical().Write("auth/cf/roles/app", map[string]any{"bound_application_ids": cfAPI.App,
		"bound_space_ids": cfAPI.Space, "bound_organization_ids": cfAPI.Org, "token_policies": "app",
		"token_ttl": ttl, "token_max_ttl": ttl}))
	if err := root.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	must(root.Logical().Write("secret/data/app/config", map[string]any{"data": map[string]any{"color": "green"}}))
	return dev, root
}

// checkCFToken looks tok up: a cf login of role app by instance.
func checkCFToken(t *testing.T, root *api.Client, tok, instance string) {
	t.Helper()
	d := lookupToken(t, root, tok)
	if d.Path != "auth/cf/login" || d.DisplayName != "cf-"+instance || !slices.Contains(d.Policies, "app") {
		t.Errorf("the sink's token: path %q, display_name %q, policies %v; want a login by %s", d.Path, d.DisplayName, d.Policies, instance)
	}
}

// The cf method logs in to a real Vault: Vault checks the signature with the identity certificate,
// the certificate's chain to the configured CA, the IP address and the role's bindings, and asks
// the (stand-in) CF API about the app, space and organization. A proxied request carries the
// token. When the token reaches its max TTL, the next login reads the files again and sends the
// certificate Cloud Foundry rotated in meanwhile.
func TestCFAutoAuthRealVault(t *testing.T) {
	ca := cftest.NewCA(t)
	cfAPI := cfTestAPI()
	apiSrv := httptest.NewServer(cfAPI)
	defer apiSrv.Close()
	cfAPI.URL = apiSrv.URL
	dev, root := cfVault(t, ca, cfAPI, "3s")

	dir := t.TempDir()
	id := cftest.Identity{Instance: "f9c7cd7d-1612-4f57-63a8-f995", Org: cfAPI.Org, Space: cfAPI.Space, App: cfAPI.App, IP: net.IPv4(127, 0, 0, 1)}
	certPath, keyPath, certFile := ca.Issue(t, dir, id)
	t.Setenv("CF_INSTANCE_CERT", certPath)
	t.Setenv("CF_INSTANCE_KEY", keyPath)

	// Vault's check can fail: the certificate with a signature made for another role is refused.
	signTime := time.Now().UTC()
	wrong, err := signatures.Sign(keyPath, &signatures.SignatureData{SigningTime: signTime, Role: "other", CFInstanceCertContents: certFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().Write("auth/cf/login", map[string]any{"role": "app", "cf_instance_cert": certFile,
		"signing_time": signTime.Format(signatures.TimeFormat), "signature": wrong}); err == nil || !strings.Contains(err.Error(), "verification error") {
		t.Fatalf("a login with a signature for another role: %v", err)
	}

	sink := filepath.Join(t.TempDir(), "sink")
	s := startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "cf" {
    config = { role = "app" }
  }
  sink "file" {
    config = { path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, sink), dev.Addr()))
	first := waitSink(t, sink, "")
	checkCFToken(t, root, first, id.Instance)
	resp, err := http.Get(s.url + "/v1/secret/data/app/config")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"color":"green"`) {
		t.Errorf("proxied read with the auto-auth token: %d %s", resp.StatusCode, body)
	}

	// Cloud Foundry rotates the instance certificate and key in place.
	id.Instance = "0bd1e4a2-77c3-4d5e-8f90-a1b2"
	ca.Issue(t, dir, id)
	second := waitSink(t, sink, first)
	checkCFToken(t, root, second, id.Instance)

	requests, refused := cfAPI.Seen()
	if len(refused) > 0 || !slices.Contains(requests, "GET /v2/apps/"+cfAPI.App) || !slices.Contains(requests, "POST /oauth/token") ||
		!slices.Contains(requests, "GET /v2/spaces/"+cfAPI.Space) || !slices.Contains(requests, "GET /v2/organizations/"+cfAPI.Org) {
		t.Errorf("the CF API served %v, refused %v", requests, refused)
	}
}
