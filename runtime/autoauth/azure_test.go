package autoauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// azureIMDSStandIn answers the Azure Instance Metadata Service's instance and identity endpoints
// as Azure does, after checking what Vault Proxy sends: the Metadata: true header and exactly the
// query parameters wanted (api-version, and for the token resource with object_id or client_id).
// A request that differs gets Azure's 400 answer.
type azureIMDSStandIn struct {
	compute   string     // JSON of the compute object
	wantToken url.Values // the identity endpoint's expected query
	token     string

	mu      sync.Mutex
	paths   []string
	refused []string
}

func (s *azureIMDSStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paths = append(s.paths, r.URL.Path)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	refuse := func(why string) {
		s.refused = append(s.refused, why)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"bad_request","error_description":%q}`, why)
	}
	if r.Method != http.MethodGet {
		refuse(r.Method + " is not GET")
		return
	}
	if r.Header.Get("Metadata") != "true" {
		refuse("Required metadata header not specified")
		return
	}
	q := r.URL.Query()
	switch r.URL.Path {
	case "/metadata/instance":
		if want := (url.Values{"api-version": {"2018-02-01"}}); !reflect.DeepEqual(q, want) {
			refuse(fmt.Sprintf("instance query %v, want %v", q, want))
			return
		}
		fmt.Fprintf(w, `{"compute":%s,"network":{"interface":[]}}`, s.compute)
	case "/metadata/identity/oauth2/token":
		if !reflect.DeepEqual(q, s.wantToken) {
			refuse(fmt.Sprintf("token query %v, want %v", q, s.wantToken))
			return
		}
		fmt.Fprintf(w, `{"access_token":%q,"client_id":"cid","expires_in":"86399","expires_on":"%d","resource":%q,"token_type":"Bearer"}`,
			s.token, time.Now().Add(24*time.Hour).Unix(), q.Get("resource"))
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not_found"}`)
	}
}

func (s *azureIMDSStandIn) seen() (paths, refused []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...), append([]string(nil), s.refused...)
}

// useAzureIMDS points the method's metadata requests at h for the test. (TestRunAzureDifferential in
// cmd/vaultproxy compares the method with Vault Proxy without it, through HTTP_PROXY.)
func useAzureIMDS(t *testing.T, h http.Handler) {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	old := azureIMDS
	azureIMDS = srv.URL
	t.Cleanup(func() { azureIMDS = old })
}

const azureTestCompute = `{"location":"westeurope","name":"vm-1","resourceGroupName":"rg-app",` +
	`"subscriptionId":"11111111-2222-3333-4444-555555555555","vmScaleSetName":"%s","vmId":"abc"}`

// Each login reads the instance metadata and a managed identity token for resource (with object_id
// or client_id when set), and sends exactly role, jwt, subscription_id, resource_group_name,
// vm_name and vmss_name to <mount>/login.
func TestAzureLogin(t *testing.T) {
	const resource = "https://management.azure.com/"
	for _, tc := range []struct {
		name      string
		config    map[string]string
		vmss      string
		wantQuery url.Values
	}{
		{"system-assigned", nil, "",
			url.Values{"api-version": {"2018-02-01"}, "resource": {resource}}},
		{"object_id", map[string]string{"object_id": "oid-1"}, "",
			url.Values{"api-version": {"2018-02-01"}, "resource": {resource}, "object_id": {"oid-1"}}},
		{"client_id in a scale set", map[string]string{"client_id": "cid-1"}, "vmss-1",
			url.Values{"api-version": {"2018-02-01"}, "resource": {resource}, "client_id": {"cid-1"}}},
		// scope is used only with authenticate_from_environment.
		{"scope ignored", map[string]string{"scope": "api://other/.default"}, "",
			url.Values{"api-version": {"2018-02-01"}, "resource": {resource}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			imds := &azureIMDSStandIn{compute: fmt.Sprintf(azureTestCompute, tc.vmss), wantToken: tc.wantQuery, token: "eyJ.managed.identity"}
			useAzureIMDS(t, imds)
			strs := map[string]string{"role": "web", "resource": resource}
			for k, v := range tc.config {
				strs[k] = v
			}
			m, err := newAzure(Config{Method: "azure", MountPath: "auth/azure-prod", Strings: strs})
			if err != nil {
				t.Fatal(err)
			}
			fv, c := fakeVaultClient(t)
			s, err := m.login(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if s.Auth.ClientToken != "tok-1" {
				t.Errorf("token %q", s.Auth.ClientToken)
			}
			paths, refused := imds.seen()
			if len(refused) > 0 || !reflect.DeepEqual(paths, []string{"/metadata/instance", "/metadata/identity/oauth2/token"}) {
				t.Errorf("metadata service asked %v, refused %v", paths, refused)
			}
			want := map[string]any{"role": "web", "jwt": "eyJ.managed.identity", "subscription_id": "11111111-2222-3333-4444-555555555555",
				"resource_group_name": "rg-app", "vm_name": "vm-1", "vmss_name": tc.vmss}
			if fv.paths[0] != "/v1/auth/azure-prod/login" || !reflect.DeepEqual(fv.logins[0], want) {
				t.Errorf("login at %s with %v, want %v", fv.paths[0], fv.logins[0], want)
			}
		})
	}
}

// A metadata service that refuses fails the login with its answer; both identities are refused
// when the method is built.
func TestAzureErrors(t *testing.T) {
	useAzureIMDS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_request","error_description":"Identity not found"}`)
	}))
	m, err := newAzure(Config{Method: "azure", MountPath: "auth/azure", Strings: map[string]string{"role": "r", "resource": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := newAPIClient("http://127.0.0.1:1", http.DefaultClient, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); err == nil || !strings.Contains(err.Error(), "Identity not found") ||
		!strings.Contains(err.Error(), "/metadata/instance") {
		t.Errorf("login error %v", err)
	}
	for _, strs := range []map[string]string{
		{"role": "r", "resource": "x", "object_id": "o", "client_id": "c"},
		{"role": "", "resource": "x"},
		{"role": "r", "resource": ""},
	} {
		if _, err := newAzure(Config{Method: "azure", Strings: strs}); err == nil {
			t.Errorf("%v: no error", strs)
		}
	}
}

// clearAzureEnvironment leaves the Azure SDK's default credential chain nothing but what the test
// sets.
func clearAzureEnvironment(t *testing.T) {
	for _, k := range []string{"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_USERNAME", "AZURE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE",
		"AZURE_AUTHORITY_HOST", "AZURE_TOKEN_CREDENTIALS", "AZURE_ADDITIONALLY_ALLOWED_TENANTS", "IDENTITY_ENDPOINT",
		"IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(k, "") // restores the variable after the test
		os.Unsetenv(k)  // the SDK tells unset from empty (AZURE_TOKEN_CREDENTIALS)
	}
	t.Setenv("PATH", t.TempDir()) // no az or azd CLI
}

// With authenticate_from_environment the token comes from the Azure SDK's default credential for
// scope: here its managed identity credential, through the App Service endpoint of
// IDENTITY_ENDPOINT and IDENTITY_HEADER (which the stand-in checks), asked for the scope's
// resource. The metadata service still gives the VM's names; its identity endpoint is not asked.
func TestAzureLoginFromEnvironment(t *testing.T) {
	clearAzureEnvironment(t)
	imds := &azureIMDSStandIn{compute: fmt.Sprintf(azureTestCompute, "")}
	useAzureIMDS(t, imds)
	var mu sync.Mutex
	var asked []url.Values
	appService := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Query())
		mu.Unlock()
		if r.URL.Path != "/msi/token" || r.Header.Get("X-IDENTITY-HEADER") != "identity-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"eyJ.app.service","expires_on":"%d","resource":%q,"token_type":"Bearer","client_id":"cid"}`,
			time.Now().Add(time.Hour).Unix(), r.URL.Query().Get("resource"))
	}))
	defer appService.Close()
	t.Setenv("IDENTITY_ENDPOINT", appService.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "identity-secret")

	for _, tc := range []struct{ scope, resource string }{
		{"", "https://management.azure.com/"}, // scope defaults to <resource>/.default
		{"api://vault-app/.default", "api://vault-app"},
	} {
		m, err := newAzure(Config{Method: "azure", MountPath: "auth/azure", Strings: map[string]string{
			"role": "web", "resource": "https://management.azure.com/", "scope": tc.scope}, Bools: map[string]bool{"authenticate_from_environment": true}})
		if err != nil {
			t.Fatal(err)
		}
		fv := &fakeVault{}
		srv := httptest.NewServer(http.HandlerFunc(fv.handler))
		c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.login(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		want := map[string]any{"role": "web", "jwt": "eyJ.app.service", "subscription_id": "11111111-2222-3333-4444-555555555555",
			"resource_group_name": "rg-app", "vm_name": "vm-1", "vmss_name": ""}
		if fv.paths[0] != "/v1/auth/azure/login" || !reflect.DeepEqual(fv.logins[0], want) {
			t.Errorf("scope %q: login at %s with %v, want %v", tc.scope, fv.paths[0], fv.logins[0], want)
		}
		mu.Lock()
		last := asked[len(asked)-1]
		mu.Unlock()
		if last.Get("resource") != tc.resource || last.Get("api-version") != "2019-08-01" {
			t.Errorf("scope %q: the App Service endpoint was asked %v", tc.scope, last)
		}
	}
	if paths, refused := imds.seen(); len(refused) > 0 || !reflect.DeepEqual(paths, []string{"/metadata/instance", "/metadata/instance"}) {
		t.Errorf("metadata service asked %v, refused %v", paths, refused)
	}
}

// The manager logs in with the azure method and hands out the token Vault answered.
func TestAzureManagerLogin(t *testing.T) {
	imds := &azureIMDSStandIn{compute: fmt.Sprintf(azureTestCompute, ""), token: "eyJ.mi",
		wantToken: url.Values{"api-version": {"2018-02-01"}, "resource": {"https://vault.example"}}}
	useAzureIMDS(t, imds)
	fv := &fakeVault{fail: 1}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	m, _ := startManager(t, Config{Method: "azure", MountPath: "auth/azure",
		Strings: map[string]string{"role": "web", "resource": "https://vault.example"}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Errorf("token %q", tok)
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	if len(fv.logins) != 2 || fv.logins[1]["jwt"] != "eyJ.mi" || fv.paths[1] != "/v1/auth/azure/login" {
		t.Errorf("logins %v at %v", fv.logins, fv.paths)
	}
}

// With authenticate_from_environment and AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET,
// the default credential's environment credential gets a client-credentials token for scope from
// the Entra ID authority of AZURE_AUTHORITY_HOST (a TLS stand-in; the test's changes to the SDK's
// options are trusting its certificate and no instance discovery). The stand-in answers tenant
// discovery and checks the token request's client ID, secret, grant type and scope.
func TestAzureLoginFromEnvironmentClientSecret(t *testing.T) {
	clearAzureEnvironment(t)
	imds := &azureIMDSStandIn{compute: fmt.Sprintf(azureTestCompute, "vmss-2")}
	useAzureIMDS(t, imds)
	var mu sync.Mutex
	var tokenForms []url.Values
	var authority *httptest.Server
	authority = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := authority.URL
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/tenant-1/v2.0/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"token_endpoint":"%[1]s/tenant-1/oauth2/v2.0/token","authorization_endpoint":"%[1]s/tenant-1/oauth2/v2.0/authorize",`+
				`"issuer":"%[1]s/tenant-1/v2.0"}`, base)
		case "/tenant-1/oauth2/v2.0/token":
			_ = r.ParseForm()
			mu.Lock()
			tokenForms = append(tokenForms, r.PostForm)
			mu.Unlock()
			f := r.PostForm
			if r.Method != http.MethodPost || f.Get("client_id") != "app-client" || f.Get("client_secret") != "app-secret" ||
				f.Get("grant_type") != "client_credentials" || !slices.Contains(strings.Fields(f.Get("scope")), "api://vault-app/.default") {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":"invalid_client"}`)
				return
			}
			fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ.client.secret"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer authority.Close()
	t.Setenv("AZURE_AUTHORITY_HOST", authority.URL+"/")
	t.Setenv("AZURE_TENANT_ID", "tenant-1")
	t.Setenv("AZURE_CLIENT_ID", "app-client")
	t.Setenv("AZURE_CLIENT_SECRET", "app-secret")
	old := azureCredentialOptions
	// Instance discovery of an authority that is not a known cloud asks login.microsoftonline.com,
	// which the test cannot reach.
	azureCredentialOptions = &azidentity.DefaultAzureCredentialOptions{DisableInstanceDiscovery: true,
		ClientOptions: azcore.ClientOptions{Transport: authority.Client()}}
	defer func() { azureCredentialOptions = old }()

	m, err := newAzure(Config{Method: "azure", MountPath: "auth/azure", Strings: map[string]string{
		"role": "web", "resource": "api://vault-app"}, Bools: map[string]bool{"authenticate_from_environment": true}})
	if err != nil {
		t.Fatal(err)
	}
	fv, c := fakeVaultClient(t)
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"role": "web", "jwt": "eyJ.client.secret", "subscription_id": "11111111-2222-3333-4444-555555555555",
		"resource_group_name": "rg-app", "vm_name": "vm-1", "vmss_name": "vmss-2"}
	if fv.paths[0] != "/v1/auth/azure/login" || !reflect.DeepEqual(fv.logins[0], want) {
		t.Errorf("login at %s with %v, want %v", fv.paths[0], fv.logins[0], want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tokenForms) != 1 {
		t.Errorf("token requests %v", tokenForms)
	}
}

// A metadata service that accepts and never answers fails the login at metadataTimeout, with an
// error naming the URL and the bound, instead of holding it forever (Vault Proxy's request has no
// timeout); the next login, once the service answers, succeeds.
func TestAzureMetadataTimeout(t *testing.T) {
	stalled := stalledAzureIMDS(t)
	m, err := newAzure(Config{Method: "azure", MountPath: "auth/azure", Strings: map[string]string{"role": "web", "resource": "https://vault.example"}})
	if err != nil {
		t.Fatal(err)
	}
	fv, c := fakeVaultClient(t)
	login := func() (any, error) { return m.login(context.Background(), c) }
	_, err = within(t, stalled, "the azure login", login)
	wantMetadataTimeout(t, err, azureIMDS+"/metadata/instance")
	if stalled.held() != 1 || len(fv.logins) != 0 {
		t.Errorf("%d metadata requests held, logins %v", stalled.held(), fv.logins)
	}

	stalled.answer()
	if _, err := within(t, stalled, "the azure login", login); err != nil {
		t.Fatalf("login once the metadata service answers: %v", err)
	}
	if len(fv.logins) != 1 || fv.logins[0]["jwt"] != "eyJ.mi" {
		t.Errorf("logins %v", fv.logins)
	}
}

// stalledAzureIMDS puts in use, with a short metadataTimeout, an IMDS stand-in that holds every
// request until answered: the managed identity's token for https://vault.example is "eyJ.mi".
func stalledAzureIMDS(t *testing.T) *stalling {
	shortMetadataTimeout(t)
	stalled := stall(&azureIMDSStandIn{compute: fmt.Sprintf(azureTestCompute, ""), token: "eyJ.mi",
		wantToken: url.Values{"api-version": {"2018-02-01"}, "resource": {"https://vault.example"}}})
	useAzureIMDS(t, stalled)
	return stalled
}

// The manager retries a login that the bound failed, after its back-off, and gets a token once the
// metadata service answers.
func TestAzureManagerRetriesStalledMetadata(t *testing.T) {
	stalled := stalledAzureIMDS(t)
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	m, _ := startManager(t, Config{Method: "azure", MountPath: "auth/azure",
		Strings: map[string]string{"role": "web", "resource": "https://vault.example"}}, srv)
	_, err := within(t, stalled, "Token", func() (string, error) {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			tok, err := m.Token(ctx)
			cancel()
			if err == nil || strings.Contains(err.Error(), "the last auto-auth login failed") {
				return tok, err
			}
		}
	})
	wantMetadataTimeout(t, err, azureIMDS+"/metadata/instance")
	stalled.answer()
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Errorf("token %q", tok)
	}
	if stalled.held() < 1 {
		t.Error("no metadata request was held")
	}
}
