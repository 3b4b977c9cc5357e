package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// The azure auto-auth method, differentially: Vault Proxy hard-codes the Instance Metadata
// Service's address (http://169.254.169.254, instanceEndpoint and identityEndpoint in hashicorp/vault
// command/agentproxyshared/auth/azure/azure.go, and the Azure SDK's managed identity credential
// likewise), and so does vaultproxy. Both send those requests with clients that honour HTTP_PROXY,
// which Go applies to any host but loopback: each process gets HTTP_PROXY naming azureIMDS, which
// receives the absolute-URI requests for 169.254.169.254 and answers them as the metadata service,
// as the gcp test's forward proxy does for Google.

// azureIMDSCall is one request the metadata service received.
type azureIMDSCall struct {
	Host, Method, Path, Metadata string
	Query                        url.Values
}

func (c azureIMDSCall) String() string {
	return fmt.Sprintf("%s http://%s%s?%s Metadata=%q", c.Method, c.Host, c.Path, c.Query.Encode(), c.Metadata)
}

// azureIMDS plays the Azure Instance Metadata Service behind a forward proxy: it records every
// request and answers /metadata/instance and /metadata/identity/oauth2/token as Azure does, with
// Azure's 400 to a request without Metadata: true (which is how the Azure SDK's probe is answered).
type azureIMDS struct {
	mu     sync.Mutex
	calls  []azureIMDSCall
	agents []string // each call's User-Agent, which differs by design (docs/differences-runtime.md)
}

const (
	azureDiffSubscription = "11111111-2222-3333-4444-555555555555"
	azureDiffToken        = "eyJ.managed.identity."
)

func (s *azureIMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.calls = append(s.calls, azureIMDSCall{Host: r.Host, Method: r.Method, Path: r.URL.Path, Metadata: r.Header.Get("Metadata"),
		Query: q})
	s.agents = append(s.agents, r.Header.Get("User-Agent"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !r.URL.IsAbs() || r.URL.Host != "169.254.169.254" {
		http.Error(w, "not a proxy request for 169.254.169.254", http.StatusBadGateway)
		return
	}
	if r.Header.Get("Metadata") != "true" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_request","error_description":"Required metadata header not specified"}`)
		return
	}
	switch r.URL.Path {
	case "/metadata/instance":
		fmt.Fprintf(w, `{"compute":{"location":"westeurope","name":"vm-1","resourceGroupName":"rg-app","subscriptionId":%q,`+
			`"vmScaleSetName":"vmss-1","vmId":"abc"},"network":{"interface":[]}}`, azureDiffSubscription)
	case "/metadata/identity/oauth2/token":
		// The token names who asked, so the login shows which identity it came from.
		id := "system"
		for _, k := range []string{"object_id", "client_id"} {
			if v := q.Get(k); v != "" {
				id = k + "=" + v
			}
		}
		fmt.Fprintf(w, `{"access_token":%q,"client_id":"cid","expires_in":"86399","expires_on":"%d","ext_expires_in":"86399",`+
			`"not_before":"%d","resource":%q,"token_type":"Bearer"}`,
			azureDiffToken+id, time.Now().Add(24*time.Hour).Unix(), time.Now().Unix(), q.Get("resource"))
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not_found"}`)
	}
}

func (s *azureIMDS) snapshot() []azureIMDSCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// azureVault is a scripted Vault: it records each request and answers every one with a token.
type azureVault struct {
	mu   sync.Mutex
	reqs []string
	body map[string]any // the first login's
}

func (v *azureVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	v.mu.Lock()
	v.reqs = append(v.reqs, r.Method+" "+r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/login") && v.body == nil {
		_ = json.Unmarshal(b, &v.body)
	}
	v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"auth":{"client_token":"hvs.azure-token","accessor":"acc","policies":["default"],"renewable":false,"lease_duration":3600}}`)
}

func (v *azureVault) login() (string, map[string]any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, r := range v.reqs {
		if strings.HasSuffix(r, "/login") {
			return r, v.body
		}
	}
	return "", nil
}

// TestRunAzureDifferential: `vault proxy` and `vaultproxy run`, each with the same azure method
// configuration, the same metadata service behind HTTP_PROXY and the same scripted Vault, make the
// same metadata requests (host, path, query, Metadata header, in order) and send the same login
// (method, path, body), which is also what the test expects of each. With
// authenticate_from_environment and no AZURE_* or IDENTITY_* variables, the Azure SDK's
// DefaultAzureCredential (the same version in both) ends at its managed identity credential, which
// probes the metadata service without the Metadata header and then asks it for a token for scope.
func TestRunAzureDifferential(t *testing.T) {
	vaultBin := vaulttest.Binary(t)
	const resource = "https://management.azure.com/"
	token := func(kv ...string) azureIMDSCall {
		q := url.Values{"api-version": {"2018-02-01"}, "resource": {resource}}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return azureIMDSCall{Host: "169.254.169.254", Method: "GET", Path: "/metadata/identity/oauth2/token", Metadata: "true", Query: q}
	}
	instance := azureIMDSCall{Host: "169.254.169.254", Method: "GET", Path: "/metadata/instance", Metadata: "true",
		Query: url.Values{"api-version": {"2018-02-01"}}}
	probe := azureIMDSCall{Host: "169.254.169.254", Method: "GET", Path: "/metadata/identity/oauth2/token", Query: url.Values{}}
	for _, tc := range []struct {
		name, config string
		wantIMDS     []azureIMDSCall
		wantJWT      string
	}{
		{"system-assigned", "", []azureIMDSCall{instance, token()}, azureDiffToken + "system"},
		{"object_id", `object_id = "oid-1"`, []azureIMDSCall{instance, token("object_id", "oid-1")}, azureDiffToken + "object_id=oid-1"},
		{"client_id", `client_id = "cid-1"`, []azureIMDSCall{instance, token("client_id", "cid-1")}, azureDiffToken + "client_id=cid-1"},
		// scope is read only with authenticate_from_environment.
		{"scope without authenticate_from_environment", `scope = "api://other/.default"`, []azureIMDSCall{instance, token()}, azureDiffToken + "system"},
		{"authenticate_from_environment false", `authenticate_from_environment = false`, []azureIMDSCall{instance, token()}, azureDiffToken + "system"},
		// The SDK's managed identity credential asks for the scope without "/.default".
		{"authenticate_from_environment", `authenticate_from_environment = true
      scope = "api://vault-app/.default"`,
			[]azureIMDSCall{instance, probe, {Host: "169.254.169.254", Method: "GET", Path: "/metadata/identity/oauth2/token", Metadata: "true",
				Query: url.Values{"api-version": {"2018-02-01"}, "resource": {"api://vault-app"}}}}, azureDiffToken + "system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				imds   []azureIMDSCall
				agents []string
				login  string
				body   map[string]any
			}
			var results []result
			for _, side := range []string{"vault proxy", "vaultproxy run"} {
				imds := &azureIMDS{}
				fwd := httptest.NewServer(imds)
				defer fwd.Close()
				vault := &azureVault{}
				vsrv := httptest.NewServer(vault)
				defer vsrv.Close()
				dir := t.TempDir()
				sink := filepath.Join(dir, "token")
				config := fmt.Sprintf(`
vault {
  address = %q
}
auto_auth {
  method "azure" {
    mount_path = "auth/azure-prod"
    config = {
      role     = "web"
      resource = %q
      %s
    }
  }
  sink "file" {
    config = {
      path = %q
    }
  }
}
`, vsrv.URL, resource, tc.config, sink)
				path := runWriteFile(t, dir, "proxy.hcl", config, 0o600)
				cmd := exec.Command(vaultproxyBin, "run", path)
				if side == "vault proxy" {
					cmd = exec.Command(vaultBin, "proxy", "-config="+path)
				}
				// PATH is the test's: neither finds the az or azd CLI there, and both stop at the
				// managed identity credential before trying them.
				p := startProcessEnv(t, cmd, path, nil, []string{"HTTP_PROXY=" + fwd.URL})
				deadline := time.Now().Add(30 * time.Second)
				for {
					if b, _ := os.ReadFile(sink); len(b) > 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: no token in the sink after 30s; metadata service asked %v", side, imds.snapshot())
					}
					time.Sleep(50 * time.Millisecond)
				}
				p.stop(t)
				login, body := vault.login()
				imds.mu.Lock()
				agents := slices.Clone(imds.agents)
				imds.mu.Unlock()
				r := result{imds: imds.snapshot(), agents: agents, login: login, body: body}
				results = append(results, r)

				if !reflect.DeepEqual(r.imds, tc.wantIMDS) {
					t.Errorf("%s asked the metadata service\n  %v\nwant\n  %v", side, r.imds, tc.wantIMDS)
				}
				want := map[string]any{"role": "web", "jwt": tc.wantJWT, "subscription_id": azureDiffSubscription,
					"resource_group_name": "rg-app", "vm_name": "vm-1", "vmss_name": "vmss-1"}
				if r.login != "PUT /v1/auth/azure-prod/login" || !reflect.DeepEqual(r.body, want) {
					t.Errorf("%s logged in with %s %v, want PUT /v1/auth/azure-prod/login %v", side, r.login, r.body, want)
				}
				if b, _ := os.ReadFile(sink); string(b) != "hvs.azure-token" {
					t.Errorf("%s: sink holds %q", side, b)
				}
			}
			a, b := results[0], results[1]
			if !reflect.DeepEqual(a.imds, b.imds) {
				t.Errorf("metadata requests differ:\nvault proxy: %v\nvaultproxy:  %v", a.imds, b.imds)
			}
			// The one documented difference (docs/differences-runtime.md): the instance metadata
			// request's User-Agent.
			if len(a.agents) == 0 || len(b.agents) == 0 || !strings.HasPrefix(a.agents[0], "Vault/1.21.0 ") || b.agents[0] != "Go-http-client/1.1" {
				t.Errorf("User-Agents: vault proxy %q, vaultproxy %q", a.agents, b.agents)
			}
			if a.login != b.login || !reflect.DeepEqual(a.body, b.body) {
				t.Errorf("logins differ:\nvault proxy: %s %v\nvaultproxy:  %s %v", a.login, a.body, b.login, b.body)
			}
		})
	}
}
