package runtime

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/runtime/autoauth"
)

// authConfig takes the auto_auth block out of the plan as plain values. It refuses what run cannot
// do: methods other than those package autoauth implements, and the sinks compile.RunSinkRefusal
// refuses.
func authConfig(p *compile.Plan) (autoauth.Config, bool, error) {
	aa, ok := p.AutoAuth()
	if !ok {
		return autoauth.Config{}, false, nil
	}
	m := aa.Method()
	typ := m.Type().Get()
	if err := compile.RunMethodRefusal(typ); err != nil {
		return autoauth.Config{}, true, err
	}
	cfg := autoauth.Config{
		Method:                 typ,
		MountPath:              m.MountPath().Get(),
		Namespace:              m.LoginNamespace().Get(),
		WrapTTL:                m.WrapTTL().Get(),
		MinBackoff:             m.MinBackoff().Get(),
		MaxBackoff:             m.MaxBackoff().Get(),
		ExitOnErr:              m.ExitOnErr().Get(),
		ExitAfterAuth:          p.ExitAfterAuth().Get(),
		ReauthOnNewCredentials: aa.EnableReauthOnNewCredentials().Get(),
		Strings:                map[string]string{},
		Bools:                  map[string]bool{},
		Ints:                   map[string]int{},
		Durations:              map[string]time.Duration{},
	}
	mc := m.Config()
	for _, k := range mc.Keys() {
		switch mc.Kind(k) {
		case "bool":
			cfg.Bools[k] = mc.Bool(k).Get()
		case "number":
			// A number neither written nor defaulted is left out, so that a method can tell it from
			// a written 0 (alicloud's role_session_expiration and session_expiration are read only
			// when present, hashicorp/vault command/agentproxyshared/auth/alicloud/alicloud.go).
			if v := mc.Int(k); v.IsSet() || v.Get() != 0 {
				cfg.Ints[k] = v.Get()
			}
		case "duration":
			cfg.Durations[k] = mc.Duration(k).Get()
		default:
			cfg.Strings[k] = mc.String(k).Get()
		}
	}
	if err := redactedGCPCredentials(typ, mc); err != nil {
		return autoauth.Config{}, true, err
	}
	for _, s := range aa.Sinks() {
		if err := compile.RunSinkRefusal(s); err != nil {
			return autoauth.Config{}, true, err
		}
		if err := redactedAAD(s); err != nil {
			return autoauth.Config{}, true, err
		}
		cfg.Sinks = append(cfg.Sinks, autoauth.SinkConfig{
			Path: s.Path().Get(), Mode: s.Mode().Get(), Owner: s.Owner().Get(), Group: s.Group().Get(), WrapTTL: s.WrapTTL().Get(),
			DHType: s.DHType().Get(), DHPath: s.DHPath().Get(), DeriveKey: s.DeriveKey().Get(), AAD: sinkAAD(s),
		})
	}
	return cfg, true, nil
}

// redactedAAD refuses a DH sink whose aad was written in the configuration when the plan comes from
// a plan file, which never holds it (docs/plan-format.md): the compiler reads aad = "" as unset, so
// an aad that is set and empty was redacted. Encrypting without it would give an envelope the peer
// cannot open. The plan preview is the same for the plan file as for its configuration, so this is
// said when run starts.
func redactedAAD(s compile.Sink) error {
	if s.DHType().Get() != "" && s.AADEnvVar().Get() == "" && s.AAD().IsSet() && s.AAD().Get() == "" {
		return fmt.Errorf("sink %d (%s): its aad is not in the plan file, which never holds a secret; run the configuration from its files, or give the aad with aad_env_var",
			s.Index()+1, s.Path().Get())
	}
	return nil
}

// redactedGCPCredentials refuses a gcp method whose credentials were written in the configuration
// when the plan comes from a plan file, which never holds them (docs/plan-format.md): without them
// the method would go on to GOOGLE_CREDENTIALS and the other sources, and log in as whoever those
// name. The compiler reads credentials = "" as unset, so credentials that are set and empty were
// redacted.
func redactedGCPCredentials(typ string, mc compile.MethodConfig) error {
	if v := mc.String("credentials"); typ == "gcp" && v.IsSet() && v.Get() == "" {
		return errors.New(`auto_auth method "gcp": its credentials are not in the plan file, which never holds a secret; run the configuration from its files, or give the credentials with GOOGLE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS and leave credentials out`)
	}
	return nil
}

// sinkAAD is a sink's aad: the plan's, or, when aad_env_var names a variable and the plan holds no
// value (a plan file never holds one), that variable's value now, as docs/plan-format.md says.
func sinkAAD(s compile.Sink) string {
	if name := s.AADEnvVar().Get(); name != "" && s.AAD().Get() == "" {
		v, _ := os.LookupEnv(name)
		return v
	}
	return s.AAD().Get()
}

// vaultCertFor is the vault block's client certificate and key files when a cert method without a
// client certificate of its own logs in with them: they are its credentials.
func vaultCertFor(p *compile.Plan, cfg autoauth.Config) []string {
	if cfg.Method != "cert" || cfg.Strings["client_cert"] != "" {
		return nil
	}
	return []string{p.Vault().ClientCert().Get(), p.Vault().ClientKey().Get()}
}

// authIdentity is what, when unchanged by a reload, lets auto-auth keep running with its token.
type authIdentity struct {
	cfg   autoauth.Config
	vault []any
}

func authIdentityOf(p *compile.Plan, cfg autoauth.Config) authIdentity {
	return authIdentity{cfg: cfg, vault: vaultIdentity(p)}
}

// vaultIdentity is the way to Vault: its address, the client TLS settings and the connection
// settings of the transports.
func vaultIdentity(p *compile.Plan) []any {
	v := p.Vault()
	return []any{v.Address().Get(), v.CACert().Get(), v.CAPath().Get(), v.ClientCert().Get(),
		v.ClientKey().Get(), v.TLSSkipVerify().Get(), v.TLSServerName().Get(),
		p.DisableIdleConnections().Get(), p.DisableKeepAlives().Get()}
}

func (a authIdentity) equal(b authIdentity) bool { return reflect.DeepEqual(a, b) }
