package autoauth

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/hashicorp/vault/api"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// kerberosMethod logs in at <mount>/login with an empty body and a SPNEGO token in the request's
// Authorization header ("Negotiate <base64>"), as Vault Proxy's kerberos method does
// (hashicorp/vault command/agentproxyshared/auth/kerberos/kerberos.go: Authenticate returns the
// header, which the auth handler adds to the login request, and an empty data map).
//
// The token is made as hashicorp/vault-plugin-auth-kerberos's GetAuthHeaderVal makes it (cli.go,
// v0.16.0, the version Vault 1.21 links), with the same gokrb5 (v8.4.4), at every login: the keytab
// and krb5.conf are read again, username logs in to the realm's KDC with its key from the keytab
// (pre-authentication assumed; FAST negotiation off with disable_fast_negotiation), gets a ticket for
// service, and wraps it in a SPNEGO NegTokenInit. That package is not imported: it holds the
// plugin's server side too, which would bring Vault's SDK and gRPC into vaultproxy for these lines.
//
// Vault Proxy 1.21 does not read remove_instance_name (its login config never sets
// RemoveInstanceName), and neither does this. Nothing here watches the keytab: Vault Proxy's method
// has no new-credentials channel, and the next login reads it again anyway.
type kerberosMethod struct {
	mount                                              string
	username, service, realm, keytabPath, krb5ConfPath string
	disableFAST                                        bool
}

func newKerberos(cfg Config) *kerberosMethod {
	s := func(k string) string { return cfg.Strings[k] }
	return &kerberosMethod{mount: cfg.MountPath, username: s("username"), service: s("service"), realm: s("realm"),
		keytabPath: s("keytab_path"), krb5ConfPath: s("krb5conf_path"), disableFAST: cfg.Bools["disable_fast_negotiation"]}
}

func (m *kerberosMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	header, err := m.authHeader()
	if err != nil {
		return nil, fmt.Errorf("kerberos: %w", err)
	}
	// c is this login's own client, so the header goes with this request only.
	c.AddHeader(spnego.HTTPHeaderAuthRequest, header)
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", map[string]any{})
}

// authHeader is the Authorization header's value. The errors read as GetAuthHeaderVal's.
func (m *kerberosMethod) authHeader() (string, error) {
	kt, err := keytab.Load(m.keytabPath)
	if err != nil {
		return "", fmt.Errorf("couldn't load keytab: %w", err)
	}
	conf, err := config.Load(m.krb5ConfPath)
	if err != nil {
		return "", fmt.Errorf("couldn't parse krb5Conf: %w", err)
	}
	settings := []func(*client.Settings){client.AssumePreAuthentication(true)}
	if m.disableFAST {
		settings = append(settings, client.DisablePAFXFAST(true))
	}
	cl := client.NewWithKeytab(m.username, m.realm, kt, conf, settings...)
	if err := cl.Login(); err != nil {
		return "", fmt.Errorf("couldn't log in: %w", err)
	}
	defer cl.Destroy()
	sc := spnego.SPNEGOClient(cl, m.service)
	if err := sc.AcquireCred(); err != nil {
		return "", fmt.Errorf("couldn't acquire client credential: %w", err)
	}
	tok, err := sc.InitSecContext()
	if err != nil {
		return "", fmt.Errorf("couldn't initialize context: %w", err)
	}
	b, err := tok.Marshal()
	if err != nil {
		return "", fmt.Errorf("couldn't marshal SPNEGO: %w", err)
	}
	return "Negotiate " + base64.StdEncoding.EncodeToString(b), nil
}
