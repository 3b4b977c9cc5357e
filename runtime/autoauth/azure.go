package autoauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/hashicorp/vault/api"
)

// azureMethod logs in as hashicorp/vault command/agentproxyshared/auth/azure/azure.go does: at
// each login it reads the VM's compute metadata from the Azure Instance Metadata Service and gets
// an access token for resource, then POSTs role, jwt, subscription_id, resource_group_name,
// vm_name and vmss_name (the last two possibly empty) to <mount>/login.
//
// The token comes from the metadata service's identity endpoint (object_id or client_id pick a
// user-assigned identity), or, with authenticate_from_environment, from the Azure SDK's
// DefaultAzureCredential for scope (AZURE_* variables, workload identity, managed identity with
// IDENTITY_ENDPOINT and the like, the Azure CLI). The instance metadata is read either way. Azure
// credentials are not watched: Vault Proxy's method has no new-credentials signal.
type azureMethod struct {
	mount, role, resource, objectID, clientID, scope string
	fromEnvironment                                  bool
}

// azureIMDS is the Instance Metadata Service's address, which Vault Proxy hard-codes
// (instanceEndpoint and identityEndpoint in azure.go). Both send to it with clients that honour
// HTTP_PROXY, which cmd/vaultproxy/run_azure_test.go uses to compare the two; the tests here point
// it at a stand-in directly.
var azureIMDS = "http://169.254.169.254"

// azureCredentialOptions are the options of the DefaultAzureCredential; nil, as Vault Proxy's,
// except in tests that must trust a TLS stand-in.
var azureCredentialOptions *azidentity.DefaultAzureCredentialOptions

// azureIMDSAPIVersion is the api-version Vault Proxy sends to both metadata endpoints.
const azureIMDSAPIVersion = "2018-02-01"

func newAzure(cfg Config) (*azureMethod, error) {
	s := func(k string) string { return cfg.Strings[k] }
	m := &azureMethod{mount: cfg.MountPath, role: s("role"), resource: s("resource"), objectID: s("object_id"),
		clientID: s("client_id"), scope: s("scope"), fromEnvironment: cfg.Bools["authenticate_from_environment"]}
	switch {
	case m.role == "":
		return nil, errors.New("azure: role is required")
	case m.resource == "":
		return nil, errors.New("azure: resource is required")
	case m.objectID != "" && m.clientID != "":
		return nil, errors.New("azure: only one of object_id or client_id may be set")
	}
	if m.scope == "" {
		m.scope = m.resource + "/.default"
	}
	return m, nil
}

func (m *azureMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	raw, err := azureMetadata(ctx, "/metadata/instance", nil)
	if err != nil {
		return nil, err
	}
	// Field names as Vault's struct, matched case-insensitively by encoding/json against the
	// metadata's compute.name, resourceGroupName, subscriptionId and vmScaleSetName.
	var instance struct {
		Compute struct {
			Name              string
			ResourceGroupName string
			SubscriptionID    string
			VMScaleSetName    string
		}
	}
	if err := json.Unmarshal(raw, &instance); err != nil {
		return nil, fmt.Errorf("azure: error parsing instance metadata response: %w", err)
	}
	var jwt string
	if m.fromEnvironment {
		jwt, err = azureTokenFromEnvironment(ctx, m.scope)
	} else {
		jwt, err = m.identityToken(ctx)
	}
	if err != nil {
		return nil, err
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", map[string]any{
		"role":                m.role,
		"jwt":                 jwt,
		"subscription_id":     instance.Compute.SubscriptionID,
		"resource_group_name": instance.Compute.ResourceGroupName,
		"vm_name":             instance.Compute.Name,
		"vmss_name":           instance.Compute.VMScaleSetName,
	})
}

// identityToken asks the metadata service's identity endpoint for a managed identity token.
func (m *azureMethod) identityToken(ctx context.Context) (string, error) {
	q := url.Values{"resource": {m.resource}}
	if m.objectID != "" {
		q.Set("object_id", m.objectID)
	}
	if m.clientID != "" {
		q.Set("client_id", m.clientID)
	}
	raw, err := azureMetadata(ctx, "/metadata/identity/oauth2/token", q)
	if err != nil {
		return "", err
	}
	var identity struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &identity); err != nil {
		return "", fmt.Errorf("azure: error parsing identity metadata response: %w", err)
	}
	return identity.AccessToken, nil
}

// azureTokenFromEnvironment is a token of the Azure SDK's default credential chain for scope.
func azureTokenFromEnvironment(ctx context.Context, scope string) (string, error) {
	cred, err := azidentity.NewDefaultAzureCredential(azureCredentialOptions)
	if err != nil {
		return "", fmt.Errorf("azure: %w", err)
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return "", fmt.Errorf("azure: %w", err)
	}
	return tok.Token, nil
}

// azureMetadata GETs path from the metadata service with api-version and q, and the Metadata
// header it requires; anything but 200 is an error carrying the answer. Vault Proxy's client
// (go-cleanhttp's DefaultClient) has no timeout; this one, through http.DefaultTransport, is
// bounded by metadataTimeout.
func azureMetadata(ctx context.Context, path string, q url.Values) ([]byte, error) {
	endpoint := azureIMDS + path
	if q == nil {
		q = url.Values{}
	}
	q.Set("api-version", azureIMDSAPIVersion)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Metadata", "true")
	resp, err := newMetadataClient(nil).Do(req)
	if err != nil {
		return nil, fmt.Errorf("azure: error fetching metadata from %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("azure: error reading metadata from %s: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("azure: error response in metadata from %s: %s", endpoint, body)
	}
	return body, nil
}
