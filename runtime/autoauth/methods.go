package autoauth

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/schema"
)

// method logs in once. The client has the login namespace and no token; wrapping, when the method
// sets wrap_ttl, is already configured on it.
type method interface {
	login(ctx context.Context, c *api.Client) (*api.Secret, error)
}

// credWatcher is a method that can tell when its credentials change (jwt, ldap, aws, cert).
type credWatcher interface {
	newCredentials(ctx context.Context) <-chan struct{}
}

// newMethod builds the method of cfg: every auth method type the language has (schema.AutoAuth).
// deps.Logger must not be nil (NewManager sees to it).
func newMethod(cfg Config, deps Deps) (method, error) {
	s := func(k string) string { return cfg.Strings[k] }
	switch cfg.Method {
	case "token_file":
		if s("token_file_path") == "" {
			return nil, errors.New("token_file: token_file_path is required")
		}
		return &tokenFile{path: s("token_file_path")}, nil
	case "approle":
		if s("role_id_file_path") == "" {
			return nil, errors.New("approle: role_id_file_path is required")
		}
		return &appRole{
			mount: cfg.MountPath, roleIDFile: s("role_id_file_path"), secretIDFile: s("secret_id_file_path"),
			removeSecretID: cfg.Bools["remove_secret_id_file_after_reading"], wrappedPath: s("secret_id_response_wrapping_path"),
		}, nil
	case "jwt":
		if s("path") == "" || s("role") == "" {
			return nil, errors.New("jwt: path and role are required")
		}
		remove := cfg.Bools["remove_jwt_after_reading"]
		period := cfg.Durations["jwt_read_period"]
		if period <= 0 {
			period = schema.JWTReadPeriodDefault(remove)
		}
		return &jwtMethod{mount: cfg.MountPath, path: s("path"), role: s("role"), remove: remove,
			followSymlinks: cfg.Bools["remove_jwt_follows_symlinks"], period: period}, nil
	case "kubernetes":
		if s("role") == "" {
			return nil, errors.New("kubernetes: role is required")
		}
		// The plan holds token_path's schema default when none was written.
		return &kubernetes{mount: cfg.MountPath, role: s("role"), tokenPath: s("token_path")}, nil
	case "cert":
		m := &certMethod{mount: cfg.MountPath, name: s("name"), caCert: s("ca_cert"), clientCert: s("client_cert"),
			clientKey: s("client_key"), reload: cfg.Bools["reload"], wrapTTL: cfg.WrapTTL, base: deps.TLSConfig, transport: deps.Transport,
			log: deps.Logger}
		// As cert.go, reload_period is read only with reload and a certificate of its own (the
		// schema's ReadOnlyWhen); the plan holds its default, 1m, when it was not written.
		if m.reload && m.configured() {
			if m.period = cfg.Durations["reload_period"]; m.period <= 0 {
				m.period = time.Minute
			}
		}
		return m, nil
	case "alicloud":
		return newAliCloud(cfg, deps.Logger)
	case "aws":
		return newAWS(cfg, deps.Logger)
	case "azure":
		return newAzure(cfg)
	case "oci":
		return newOCI(cfg, deps.Address, deps.Logger)
	case "gcp":
		return newGCP(cfg)
	case "cf":
		return newCF(cfg.MountPath, s("role")), nil
	case "kerberos":
		return newKerberos(cfg), nil
	case "ldap":
		if s("username") == "" || s("password_file_path") == "" {
			return nil, errors.New("ldap: username and password_file_path are required")
		}
		// remove_password_after_reading defaults to true (schema.LDAPConfig); the plan holds it.
		remove := cfg.Bools["remove_password_after_reading"]
		period := cfg.Durations["password_read_period"]
		if period <= 0 {
			period = schema.LDAPReadPeriodDefault(remove)
		}
		return newLDAP(cfg.MountPath, s("username"), s("password_file_path"), remove,
			cfg.Bools["remove_password_follows_symlinks"], period, deps.Logger), nil
	}
	return nil, fmt.Errorf("auto_auth method %q is not supported by vaultproxy run", cfg.Method)
}

// readTrimmed reads a credential file; an unreadable or empty file falls back to the last good value.
func readTrimmed(path string, last *string) (string, error) {
	b, err := os.ReadFile(path)
	v := strings.TrimSpace(string(b))
	if err == nil && v != "" {
		*last = v
		return v, nil
	}
	if *last != "" {
		return *last, nil
	}
	if err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s is empty", path)
}

// tokenFile does not log in: it checks the token in the file with lookup-self and uses it, renewing
// it when it is renewable (hashicorp/vault command/agentproxyshared/auth/auth.go).
type tokenFile struct {
	path string
	last string
}

func (m *tokenFile) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	tok, err := readTrimmed(m.path, &m.last)
	if err != nil {
		return nil, fmt.Errorf("token_file: %w", err)
	}
	c.SetToken(tok)
	defer c.ClearToken()
	s, err := c.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("token_file: lookup-self: %w", err)
	}
	if s == nil || s.Data == nil {
		return nil, errors.New("token_file: empty lookup-self response")
	}
	ttl, _ := s.TokenTTL()
	renewable, _ := s.TokenIsRenewable()
	return &api.Secret{Auth: &api.SecretAuth{ClientToken: tok, Renewable: renewable, LeaseDuration: int(ttl.Seconds())}}, nil
}

// appRole logs in with a role ID and an optional secret ID, each read from a file.
type appRole struct {
	mount, roleIDFile, secretIDFile, wrappedPath string
	removeSecretID                               bool
	lastRole, lastSecret                         string
}

func (m *appRole) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	role, err := readTrimmed(m.roleIDFile, &m.lastRole)
	if err != nil {
		return nil, fmt.Errorf("approle: role ID: %w", err)
	}
	body := map[string]any{"role_id": role}
	if m.secretIDFile != "" {
		secret, fromFile, err := m.secretID(ctx, c)
		if err != nil {
			return nil, err
		}
		body["secret_id"] = secret
		if fromFile && m.removeSecretID {
			if err := os.Remove(m.secretIDFile); err != nil && !os.IsNotExist(err) {
				return nil, fmt.Errorf("approle: removing the secret ID file: %w", err)
			}
		}
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", body)
}

// secretID reads the secret ID file; with secret_id_response_wrapping_path, the file holds a
// wrapping token whose creation path is checked before it is unwrapped.
func (m *appRole) secretID(ctx context.Context, c *api.Client) (string, bool, error) {
	b, err := os.ReadFile(m.secretIDFile)
	v := strings.TrimSpace(string(b))
	if err != nil || v == "" {
		if m.lastSecret != "" {
			return m.lastSecret, false, nil
		}
		if err == nil {
			err = fmt.Errorf("%s is empty", m.secretIDFile)
		}
		return "", false, fmt.Errorf("approle: secret ID: %w", err)
	}
	if m.wrappedPath != "" {
		info, err := c.Logical().WriteWithContext(ctx, "sys/wrapping/lookup", map[string]any{"token": v})
		if err != nil {
			return "", false, fmt.Errorf("approle: looking up the wrapped secret ID: %w", err)
		}
		if info == nil || info.Data == nil {
			return "", false, errors.New("approle: empty wrapping lookup response")
		}
		if got, _ := info.Data["creation_path"].(string); strings.Trim(got, "/") != strings.Trim(m.wrappedPath, "/") {
			return "", false, fmt.Errorf("approle: wrapped secret ID was created at %q, not %q", got, m.wrappedPath)
		}
		unwrapped, err := c.Logical().UnwrapWithContext(ctx, v)
		if err != nil {
			return "", false, fmt.Errorf("approle: unwrapping the secret ID: %w", err)
		}
		if unwrapped == nil || unwrapped.Data == nil {
			return "", false, errors.New("approle: empty unwrap response")
		}
		v, _ = unwrapped.Data["secret_id"].(string)
		if v == "" {
			return "", false, errors.New("approle: unwrapped response holds no secret_id")
		}
	}
	m.lastSecret = v
	return v, true, nil
}

// jwtMethod logs in with a JWT read from a file, removed after reading unless told otherwise.
type jwtMethod struct {
	mount, path, role      string
	remove, followSymlinks bool
	period                 time.Duration

	mu   sync.Mutex
	last string
}

func (m *jwtMethod) read() (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := os.ReadFile(m.path)
	v := strings.TrimSpace(string(b))
	if err != nil || v == "" {
		if m.last != "" {
			return m.last, false, nil
		}
		if err == nil {
			err = fmt.Errorf("%s is empty", m.path)
		}
		return "", false, fmt.Errorf("jwt: %w", err)
	}
	changed := v != m.last
	m.last = v
	if m.remove {
		target := m.path
		if m.followSymlinks {
			if t, err := filepath.EvalSymlinks(m.path); err == nil {
				target = t
			}
		}
		if err := os.Remove(target); err != nil && !os.IsNotExist(err) {
			return "", false, fmt.Errorf("jwt: removing %s: %w", target, err)
		}
	}
	return v, changed, nil
}

func (m *jwtMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	jwt, _, err := m.read()
	if err != nil {
		return nil, err
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", map[string]any{"role": m.role, "jwt": jwt})
}

// newCredentials polls the JWT file every jwt_read_period and signals a JWT that differs from the
// one last used.
func (m *jwtMethod) newCredentials(ctx context.Context) <-chan struct{} {
	return pollCredentials(ctx, nil, m.period, func() bool {
		if _, err := os.Stat(m.path); err != nil {
			return false
		}
		_, changed, err := m.read()
		return err == nil && changed
	})
}

// kubernetes logs in with the service account token, re-read at each login.
type kubernetes struct {
	mount, role, tokenPath string
}

func (m *kubernetes) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	b, err := os.ReadFile(m.tokenPath)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	jwt := strings.TrimSpace(string(b))
	if jwt == "" {
		return nil, fmt.Errorf("kubernetes: %s is empty", m.tokenPath)
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", map[string]any{"role": m.role, "jwt": jwt})
}

// certMethod logs in with a TLS client certificate: its own ca_cert, client_cert and client_key
// when set (a client of its own, rebuilt at each login with reload), the vault block's otherwise.
// With reload and a certificate of its own it also watches its files, as Vault Proxy's cert method
// does (hashicorp/vault command/agentproxyshared/auth/cert/cert.go, runWatcher): every
// reload_period, files that differ from those the last login's client was built from are new
// credentials.
type certMethod struct {
	mount, name, caCert, clientCert, clientKey string
	reload                                     bool
	wrapTTL                                    time.Duration
	base                                       *tls.Config
	transport                                  http.RoundTripper
	// period is reload_period when the files are watched, else 0.
	period time.Duration
	log    *slog.Logger

	mu     sync.Mutex
	client *http.Client
	// sum is filesSum when the client was last built; "" before the first login.
	sum string
}

// configured is cert.go's isCertConfigured: the method has a ca_cert, or a client_cert and a
// client_key, of its own.
func (m *certMethod) configured() bool {
	return m.caCert != "" || (m.clientCert != "" && m.clientKey != "")
}

// filesSum is a digest of the method's files, as cert.go's hashCert reads them: the client
// certificate and key when both are set (which must load as a pair), then ca_cert.
func (m *certMethod) filesSum() (string, error) {
	h := sha256.New()
	if m.clientCert != "" && m.clientKey != "" {
		c, err := os.ReadFile(m.clientCert)
		if err != nil {
			return "", err
		}
		k, err := os.ReadFile(m.clientKey)
		if err != nil {
			return "", err
		}
		if _, err := tls.X509KeyPair(c, k); err != nil {
			return "", err
		}
		h.Write(c)
		h.Write(k)
	}
	if m.caCert != "" {
		b, err := os.ReadFile(m.caCert)
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// newCredentials checks the files every reload_period once a login has built the method's client,
// and signals files that differ from those it was built from (the next login builds it again, and
// so records them); a check that fails is logged and skipped, as cert.go's watcher does. Without
// reload, or without a certificate of its own, nothing is watched.
func (m *certMethod) newCredentials(ctx context.Context) <-chan struct{} {
	if m.period <= 0 {
		return make(chan struct{})
	}
	return pollCredentials(ctx, nil, m.period, func() bool {
		m.mu.Lock()
		last := m.sum
		m.mu.Unlock()
		if last == "" {
			return false // no login yet
		}
		sum, err := m.filesSum()
		if err != nil {
			m.log.Warn("cert: reading the certificate files failed", "err", err)
			return false
		}
		if sum == last {
			return false
		}
		m.log.Info("cert: the certificate files changed")
		return true
	})
}

func (m *certMethod) ownClient() (*http.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client != nil && !m.reload {
		return m.client, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.base != nil {
		conf = m.base.Clone()
	}
	// The watcher's sum is taken of the same bytes the client is built from, so that a file
	// replaced between the two reads cannot go unnoticed (filesSum's layout: the pair, then ca_cert).
	h := sha256.New()
	if m.clientCert != "" || m.clientKey != "" {
		c, err := os.ReadFile(m.clientCert)
		if err != nil {
			return nil, fmt.Errorf("cert: client certificate: %w", err)
		}
		k, err := os.ReadFile(m.clientKey)
		if err != nil {
			return nil, fmt.Errorf("cert: client certificate: %w", err)
		}
		pair, err := tls.X509KeyPair(c, k)
		if err != nil {
			return nil, fmt.Errorf("cert: client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{pair}
		h.Write(c)
		h.Write(k)
	}
	if m.caCert != "" {
		b, err := os.ReadFile(m.caCert)
		if err != nil {
			return nil, fmt.Errorf("cert: ca_cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("cert: %s holds no PEM certificate", m.caCert)
		}
		conf.RootCAs = pool
		h.Write(b)
	}
	var t *http.Transport
	if bt, ok := m.transport.(*http.Transport); ok {
		t = bt.Clone()
	} else {
		t = &http.Transport{}
	}
	t.TLSClientConfig = conf
	m.client = &http.Client{Transport: t}
	if m.period > 0 {
		m.sum = hex.EncodeToString(h.Sum(nil)) // what the watcher compares with
	}
	return m.client, nil
}

// setBase makes the next login build its client on the vault block's new TLS configuration and
// transport (a reload read its files again).
func (m *certMethod) setBase(conf *tls.Config, transport http.RoundTripper) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.base, m.transport, m.client = conf, transport, nil
}

// forget drops the client built from the method's files, so that the next login reads them again.
func (m *certMethod) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.client = nil
}

func (m *certMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	body := map[string]any{}
	if m.name != "" {
		body["name"] = m.name
	}
	if m.caCert != "" || m.clientCert != "" || m.clientKey != "" {
		hc, err := m.ownClient()
		if err != nil {
			return nil, err
		}
		own, err := newAPIClient(c.Address(), hc, c.Namespace(), m.wrapTTL)
		if err != nil {
			return nil, err
		}
		c = own
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", body)
}
