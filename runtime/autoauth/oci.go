package autoauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/oracle/oci-go-sdk/common"
	ociauth "github.com/oracle/oci-go-sdk/common/auth"
)

// ociMethod logs in as hashicorp/vault command/agentproxyshared/auth/oci/oci.go does: it signs a
// GET of <vault address>/v1/<mount>/login/<role> with the OCI SDK's default request signer
// (draft-cavage HTTP signatures over date, (request-target) and host, rsa-sha256, keyId
// <tenancy>/<user>/<fingerprint> for an API key), adds the Host and (request-target) headers the
// signature covers, and POSTs {"request_headers": <those headers>} to <mount>/login/<role>; Vault's
// oci plugin hands them to OCI's identity service to learn who signed.
//
// The key comes from the SDK's configuration providers: with type apikey the OCI_* variables
// (OCI_tenancy_ocid, OCI_user_ocid, OCI_fingerprint, OCI_private_key_path), else the DEFAULT
// profile of ~/.oci/config (OCI_CONFIG_FILE when that file does not exist), else of
// ~/.oraclebmc/config, each value looked up in that order; with type instance the instance
// principal of the OCI instance metadata service. The key ID is read when the method is built,
// which fails without one, and again every credential_poll_interval: a new one signals new
// credentials.
type ociMethod struct {
	mount, role, vaultAddr string
	provider               common.ConfigurationProvider
	poll                   time.Duration
	log                    *slog.Logger

	mu      sync.Mutex
	lastKey string
}

// ociHomeDir is the home directory whose .oci/config and .oraclebmc/config the apikey type reads:
// the user database's, as Vault's getHomeFolder (user.Current, so $HOME does not move it), else
// os.UserHomeDir.
func ociHomeDir() string {
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	home, _ := os.UserHomeDir()
	return home
}

// ociConfigFile is ~/.oci/config, or OCI_CONFIG_FILE when the former does not exist and the latter
// does (Vault's getDefaultConfigFilePath).
func ociConfigFile(home string) string {
	def := filepath.Join(home, ".oci", "config")
	if _, err := os.Stat(def); err == nil {
		return def
	}
	if alt, ok := os.LookupEnv("OCI_CONFIG_FILE"); ok {
		if _, err := os.Stat(alt); !os.IsNotExist(err) {
			return alt
		}
	}
	return def
}

// ociAPIKeyProvider is Vault's composition for type apikey: the OCI_* variables, the config file,
// the legacy ~/.oraclebmc/config.
func ociAPIKeyProvider() (common.ConfigurationProvider, error) {
	home := ociHomeDir()
	env := common.ConfigurationProviderEnvironmentVariables("OCI", "")
	file, err := common.ConfigurationProviderFromFile(ociConfigFile(home), "")
	if err != nil {
		return nil, err
	}
	legacy, err := common.ConfigurationProviderFromFile(filepath.Join(home, ".oraclebmc", "config"), "")
	if err != nil {
		return nil, err
	}
	return common.ComposingConfigurationProvider([]common.ConfigurationProvider{env, file, legacy})
}

// ociInstanceProvider is the instance principal provider, from the instance metadata service at
// 169.254.169.254, which the SDK hard-codes (common/auth/instance_principal_key_provider.go). Vault
// Proxy calls InstancePrincipalConfigurationProvider, whose metadata client is a bare http.Client{}
// with no timeout, used when the provider is made and whenever the security token is refreshed
// (KeyID, at each login and credential poll). This is the same provider, sent through the SDK's own
// modifier hook with that client bounded (ociBoundMetadata); what is sent does not change. Tests
// replace it to add a dispatcher that sends the metadata requests to a stand-in.
var ociInstanceProvider = func() (common.ConfigurationProvider, error) {
	return ociauth.InstancePrincipalConfigurationProviderWithCustomClient(ociBoundMetadata)
}

// ociBoundMetadata is the modifier the SDK applies to each of its dispatchers: the metadata
// client, an *http.Client without a timeout, becomes a metadataClient with the same transport,
// bounded by metadataTimeout; the federation endpoint's client, which has the SDK's 60 s timeout
// (common/client.go, defaultTimeout), is left as it is.
func ociBoundMetadata(d common.HTTPRequestDispatcher) (common.HTTPRequestDispatcher, error) {
	if c, ok := d.(*http.Client); ok && c.Timeout == 0 {
		return newMetadataClient(c.Transport), nil
	}
	return d, nil
}

func newOCI(cfg Config, vaultAddr string, log *slog.Logger) (*ociMethod, error) {
	s := func(k string) string { return cfg.Strings[k] }
	if s("role") == "" {
		return nil, errors.New("oci: role is required")
	}
	m := &ociMethod{mount: cfg.MountPath, role: s("role"), vaultAddr: vaultAddr, log: log,
		poll: cfg.Durations["credential_poll_interval"]}
	if m.poll <= 0 {
		m.poll = time.Minute
	}
	var err error
	switch s("type") {
	case "apikey":
		m.provider, err = ociAPIKeyProvider()
	case "instance":
		m.provider, err = ociInstanceProvider()
		if err != nil {
			err = fmt.Errorf("failed to create instance principal configuration provider: %w", err)
		}
	default:
		return nil, fmt.Errorf(`oci: type %q is invalid (apikey or instance)`, s("type"))
	}
	if err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	// As Vault Proxy, refuse to start without a first key ID.
	if m.lastKey, err = m.provider.KeyID(); err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	return m, nil
}

func (m *ociMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	headers, err := m.signedHeaders(time.Now())
	if err != nil {
		return nil, err
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login/"+m.role, map[string]any{"request_headers": headers})
}

// signedHeaders signs, at now, the GET of the login URL and returns the request's headers:
// Date, Authorization, Host and (request-target).
func (m *ociMethod) signedHeaders(now time.Time) (http.Header, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	target := fmt.Sprintf("/v1/%s/login/%s", m.mount, m.role)
	req, err := http.NewRequest(http.MethodGet, m.vaultAddr+target, nil)
	if err != nil {
		return nil, fmt.Errorf("oci: error creating authentication request: %w", err)
	}
	req.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	if err := common.DefaultRequestSigner(m.provider).Sign(req); err != nil {
		return nil, fmt.Errorf("oci: error signing authentication request: %w", err)
	}
	u, err := url.Parse(m.vaultAddr)
	if err != nil {
		return nil, fmt.Errorf("oci: unable to parse vault address: %w", err)
	}
	req.Header.Set("Host", u.Host)
	// Not a canonical header name, so Set keeps it as written.
	req.Header.Set("(request-target)", "get "+target)
	return req.Header, nil
}

// newCredentials reads the key ID every credential_poll_interval and signals one that differs
// from the last; a provider that fails keeps the last.
func (m *ociMethod) newCredentials(ctx context.Context) <-chan struct{} {
	return pollCredentials(ctx, nil, m.poll, m.check)
}

// check reads the key ID once and reports whether it replaced the last one.
func (m *ociMethod) check() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	key, err := m.provider.KeyID()
	if err != nil {
		m.log.Warn("oci: unable to retrieve current creds, retaining last creds", "err", err)
		return false
	}
	if key == m.lastKey {
		return false
	}
	m.lastKey = key
	m.log.Debug("oci: new credentials found")
	return true
}
