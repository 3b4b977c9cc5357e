package autoauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/vault/api"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/oauth2/jwt"
	"google.golang.org/api/iamcredentials/v1"
	"google.golang.org/api/option"
)

// gcpMethod logs in to Vault's gcp auth method as Vault Proxy's gcp method does
// (hashicorp/vault command/agentproxyshared/auth/gcp/gcp.go): PUT <mount>/login with the role and
// a JWT, made anew at each login.
//
// With type gce the JWT is the instance's identity token for service_account, asked of the GCE
// metadata server at http://metadata/computeMetadata/v1/instance/service-accounts/<service_account>/identity
// with the audience <Vault's address>/vault/<role> and format=full. Vault Proxy writes that address
// itself rather than going through cloud.google.com/go/compute/metadata, so GCE_METADATA_HOST does
// not move it; the HTTP proxy variables do, as here (the default transport).
//
// With type iam the JWT (sub: the service account, aud: http://vault/<role>, exp: jwt_exp minutes
// from now, 15 when 0) is signed by the IAM Credentials API's signJwt, called with an OAuth 2.0
// token of the credentials found as hashicorp/go-gcp-common gcputil.FindCredentials finds them
// (gcpFindCredentials). The service account is service_account, or, written "", the client_email of
// those credentials.
//
// Vault Proxy's gcp method does not watch its credentials (NewCreds returns nil), so neither does
// this one: it has no newCredentials.
type gcpMethod struct {
	typ, mount, role, credentials, serviceAccount string
	jwtExp                                        int
}

// The addresses the gcp method talks to, package variables so that tests point them at loopback
// stand-ins. gcpIdentityEndpoint is the metadata server's identity path that Vault Proxy hard-codes
// (gcp.go, identityEndpoint); gcpTokenURL is the token endpoint gcputil.FindCredentials hard-codes
// for explicit credentials (Application Default Credentials use their token_uri);
// gcpIAMCredentialsEndpoint, when not "", replaces the IAM Credentials API's
// https://iamcredentials.googleapis.com/ (option.WithEndpoint).
var (
	gcpIdentityEndpoint       = "http://metadata/computeMetadata/v1/instance/service-accounts/%s/identity"
	gcpTokenURL               = "https://accounts.google.com/o/oauth2/token"
	gcpIAMCredentialsEndpoint = ""
)

// gcpDefaultJWTExpMinutes is the iam JWT's lifetime when jwt_exp is 0 (gcp.go,
// defaultIamMaxJwtExpMinutes).
const gcpDefaultJWTExpMinutes = 15

func newGCP(cfg Config) (*gcpMethod, error) {
	s := func(k string) string { return cfg.Strings[k] }
	switch {
	case s("role") == "":
		return nil, errors.New("gcp: 'role' value is empty")
	case s("type") == "":
		return nil, errors.New("gcp: 'type' value is empty")
	case s("type") != "gce" && s("type") != "iam":
		return nil, fmt.Errorf("gcp: 'type' value %q is invalid (gce or iam)", s("type"))
	}
	sa, ok := cfg.Strings["service_account"]
	if !ok {
		sa = "default" // Vault Proxy's value when the key is not written; the plan holds it
	}
	return &gcpMethod{typ: s("type"), mount: cfg.MountPath, role: s("role"), credentials: s("credentials"),
		serviceAccount: sa, jwtExp: cfg.Ints["jwt_exp"]}, nil
}

func (m *gcpMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	var (
		token string
		err   error
	)
	if m.typ == "gce" {
		token, err = m.identityToken(ctx, c.Address())
	} else {
		token, err = m.signedJWT(ctx, time.Now())
	}
	if err != nil {
		return nil, err
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", map[string]any{"role": m.role, "jwt": token})
}

// identityToken asks the metadata server for the instance's identity token for the service
// account, with the audience Vault Proxy uses: the Vault address it logs in to, then /vault/<role>.
// The token is the body as served. Vault Proxy sends whatever body comes back, an error page
// included; this refuses a status other than 200 instead, and says what the server answered.
// Vault Proxy's request has no timeout; this one is bounded by metadataTimeout.
func (m *gcpMethod) identityToken(ctx context.Context, vaultAddress string) (string, error) {
	q := url.Values{}
	q.Set("audience", vaultAddress+"/vault/"+m.role)
	q.Set("format", "full")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf(gcpIdentityEndpoint, m.serviceAccount)+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("gcp: creating the metadata request: %w", err)
	}
	req.Header.Set("Metadata-Flavor", "Google")
	resp, err := newMetadataClient(gcpHTTPClient().Transport).Do(req)
	if err != nil {
		return "", fmt.Errorf("gcp: error fetching instance token: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("gcp: error reading instance token response body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("gcp: the metadata server answered %s: %.200q", resp.Status, b)
	}
	return string(b), nil
}

// gcpHTTPClient is a client like go-cleanhttp's DefaultClient, which Vault Proxy uses: a transport
// of its own that honours the HTTP proxy variables.
func gcpHTTPClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// signedJWT has the IAM Credentials API sign the login JWT for the service account.
func (m *gcpMethod) signedJWT(ctx context.Context, now time.Time) (string, error) {
	octx := context.WithValue(ctx, oauth2.HTTPClient, gcpHTTPClient())
	email, ts, err := gcpFindCredentials(octx, m.credentials, iamcredentials.CloudPlatformScope)
	if err != nil {
		return "", fmt.Errorf("gcp: could not obtain credentials: %w", err)
	}
	sa := m.serviceAccount
	if sa == "" {
		sa = email
	}
	if sa == "" {
		return "", errors.New("gcp: could not obtain service account from credentials (possibly Application Default Credentials are being used); a service account to authenticate as must be provided")
	}
	minutes := m.jwtExp
	if minutes == 0 {
		minutes = gcpDefaultJWTExpMinutes
	}
	payload, err := json.Marshal(map[string]any{
		"aud": "http://vault/" + m.role,
		"sub": sa,
		"exp": now.Add(time.Duration(minutes) * time.Minute).Unix(),
	})
	if err != nil {
		return "", fmt.Errorf("gcp: could not convert JWT payload to JSON string: %w", err)
	}
	opts := []option.ClientOption{option.WithHTTPClient(oauth2.NewClient(octx, ts))}
	if gcpIAMCredentialsEndpoint != "" {
		opts = append(opts, option.WithEndpoint(gcpIAMCredentialsEndpoint))
	}
	svc, err := iamcredentials.NewService(ctx, opts...)
	if err != nil {
		return "", fmt.Errorf("gcp: could not create IAM client: %w", err)
	}
	name := "projects/-/serviceAccounts/" + sa
	resp, err := svc.Projects.ServiceAccounts.SignJwt(name, &iamcredentials.SignJwtRequest{Payload: string(payload)}).Context(ctx).Do()
	if err != nil {
		return "", fmt.Errorf("gcp: unable to sign JWT for %s using given Vault credentials: %w", name, err)
	}
	return resp.SignedJwt, nil
}

// gcpFindCredentials finds credentials in the order of hashicorp/go-gcp-common
// gcputil.FindCredentials, and returns their client_email and a token source for scopes:
//  1. credsJSON, else the JSON in GOOGLE_CREDENTIALS, else in GOOGLE_CLOUD_KEYFILE_JSON, else in
//     ~/.gcp/credentials: JSON that parses is taken as a service account key, whatever its type,
//     and its token comes from gcpTokenURL (gcputil's fixed token URL, not the key's token_uri);
//     JSON that does not parse is passed over;
//  2. else Google's Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's file,
//     the GCE metadata server), with the client_email of their JSON if they have one.
//
// It is written here rather than called so that the fixed token URL can point at a test's stand-in;
// the work is done by golang.org/x/oauth2's jwt and google packages, as in gcputil.
func gcpFindCredentials(ctx context.Context, credsJSON string, scopes ...string) (string, oauth2.TokenSource, error) {
	for _, env := range []string{"GOOGLE_CREDENTIALS", "GOOGLE_CLOUD_KEYFILE_JSON"} {
		if credsJSON == "" {
			credsJSON = os.Getenv(env)
		}
	}
	if credsJSON == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", nil, errors.New("could not find home directory")
		}
		if b, err := os.ReadFile(filepath.Join(home, ".gcp", "credentials")); err == nil {
			credsJSON = string(b)
		}
	}
	if credsJSON != "" {
		var key gcpKey
		if err := json.Unmarshal([]byte(credsJSON), &key); err == nil {
			conf := jwt.Config{Email: key.ClientEmail, PrivateKey: []byte(key.PrivateKey), Scopes: scopes, TokenURL: gcpTokenURL}
			return key.ClientEmail, conf.TokenSource(ctx), nil
		}
	}
	def, err := google.FindDefaultCredentials(ctx, scopes...)
	if err != nil {
		return "", nil, err
	}
	var key gcpKey
	if def.JSON != nil {
		if err := json.Unmarshal(def.JSON, &key); err != nil {
			return "", nil, errors.New("could not read credentials from application default credential JSON")
		}
	}
	return key.ClientEmail, def.TokenSource, nil
}

// gcpKey is the part of a credentials JSON that gcputil.GcpCredentials reads and the method uses.
type gcpKey struct {
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
}
