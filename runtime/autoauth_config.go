package runtime

import (
	"errors"
	"os"
	"reflect"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/runtime/autoauth"
)

// authConfig takes the auto_auth block out of the plan as plain values. It refuses what
// compile.RunRefusals lists (a plan file without a secret its configuration wrote), with the first
// of its messages.
func authConfig(p *compile.Plan) (autoauth.Config, bool, error) {
	aa, ok := p.AutoAuth()
	if !ok {
		return autoauth.Config{}, false, nil
	}
	if refused := compile.RunRefusals(p); len(refused) > 0 {
		return autoauth.Config{}, true, errors.New(refused[0])
	}
	m := aa.Method()
	typ := m.Type().Get()
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
	for _, s := range aa.Sinks() {
		cfg.Sinks = append(cfg.Sinks, autoauth.SinkConfig{
			Path: s.Path().Get(), Mode: s.Mode().Get(), Owner: s.Owner().Get(), Group: s.Group().Get(), WrapTTL: s.WrapTTL().Get(),
			DHType: s.DHType().Get(), DHPath: s.DHPath().Get(), DeriveKey: s.DeriveKey().Get(), AAD: sinkAAD(s),
		})
	}
	return cfg, true, nil
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
