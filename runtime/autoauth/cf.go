package autoauth

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/vault-plugin-auth-cf/signatures"
	"github.com/hashicorp/vault/api"
)

// The variables Cloud Foundry sets in an app instance's environment, naming its instance identity
// certificate (the identity certificate and the intermediate that issued it, PEM) and the
// certificate's RSA key (hashicorp/vault-plugin-auth-cf backend.go, EnvVarInstanceCertificate and
// EnvVarInstanceKey).
const (
	cfInstanceCertEnv = "CF_INSTANCE_CERT"
	cfInstanceKeyEnv  = "CF_INSTANCE_KEY"
)

// cfMethod logs in to Vault's cf auth method as Vault Proxy's cf method does
// (hashicorp/vault command/agentproxyshared/auth/cf/cf.go): at each login it looks up
// CF_INSTANCE_CERT and CF_INSTANCE_KEY and reads both files again (Cloud Foundry rotates instance
// certificates, about daily), signs the signing time, the certificate file's contents and the role
// with the key (vault-plugin-auth-cf/signatures, RSA-PSS over SHA-256), and sends role,
// cf_instance_cert, signing_time and signature. Vault Proxy does not watch the files between
// logins, so neither does this: a rotated certificate is used at the next login.
type cfMethod struct {
	mount, role string
	now         func() time.Time
}

func newCF(mount, role string) *cfMethod {
	return &cfMethod{mount: mount, role: role, now: time.Now}
}

func (m *cfMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	data, err := m.loginData()
	if err != nil {
		return nil, err
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", data)
}

// loginData reads the instance certificate and key named by the environment and signs them.
func (m *cfMethod) loginData() (map[string]any, error) {
	certPath := os.Getenv(cfInstanceCertEnv)
	if certPath == "" {
		return nil, fmt.Errorf("cf: missing %q value", cfInstanceCertEnv)
	}
	cert, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("cf: %w", err)
	}
	keyPath := os.Getenv(cfInstanceKeyEnv)
	if keyPath == "" {
		return nil, fmt.Errorf("cf: missing %q value", cfInstanceKeyEnv)
	}
	signingTime := m.now().UTC()
	// Sign reads the key file itself; the key must be PKCS #1 PEM, as Cloud Foundry writes it.
	sig, err := signatures.Sign(keyPath, &signatures.SignatureData{
		SigningTime: signingTime, Role: m.role, CFInstanceCertContents: string(cert)})
	if err != nil {
		return nil, fmt.Errorf("cf: signing the login: %w", err)
	}
	return map[string]any{
		"role":             m.role,
		"cf_instance_cert": string(cert),
		"signing_time":     signingTime.Format(signatures.TimeFormat),
		"signature":        sig,
	}, nil
}
