package autoauth

import (
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"
)

// newAPIClient builds a Vault API client on hc with the given namespace, no token, no retries (the
// loop's backoff applies instead), and response wrapping of every request when wrapTTL is set. The
// api package reads VAULT_TOKEN, VAULT_NAMESPACE and VAULT_HEADERS when it builds a client; all three
// are overridden here, so the plan alone decides.
func newAPIClient(address string, hc *http.Client, namespace string, wrapTTL time.Duration) (*api.Client, error) {
	c, err := api.NewClient(&api.Config{Address: address, HttpClient: hc, MaxRetries: 0, Timeout: 60 * time.Second})
	if err != nil {
		return nil, err
	}
	c.ClearToken()
	c.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	if namespace != "" {
		c.SetNamespace(namespace)
	} else {
		c.ClearNamespace()
	}
	c.SetMaxRetries(0)
	if wrapTTL > 0 {
		ttl := wrapTTL.String()
		c.SetWrappingLookupFunc(func(string, string) string { return ttl })
	} else {
		c.SetWrappingLookupFunc(func(string, string) string { return "" })
	}
	return c, nil
}
