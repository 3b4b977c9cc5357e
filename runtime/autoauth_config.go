package runtime

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/runtime/autoauth"
)

// authConfig takes the auto_auth block out of the plan as plain values. It refuses what run cannot
// do: DH-encrypted sinks and methods other than those package autoauth implements.
func authConfig(p *compile.Plan) (autoauth.Config, bool, error) {
	aa, ok := p.AutoAuth()
	if !ok {
		return autoauth.Config{}, false, nil
	}
	m := aa.Method()
	typ := m.Type().Get()
	if err := methodRefusal(typ); err != nil {
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
		Durations:              map[string]time.Duration{},
	}
	mc := m.Config()
	for _, k := range mc.Keys() {
		switch mc.Kind(k) {
		case "bool":
			cfg.Bools[k] = mc.Bool(k).Get()
		case "duration":
			cfg.Durations[k] = mc.Duration(k).Get()
		default:
			cfg.Strings[k] = mc.String(k).Get()
		}
	}
	for _, s := range aa.Sinks() {
		if err := sinkRefusal(s); err != nil {
			return autoauth.Config{}, true, err
		}
		cfg.Sinks = append(cfg.Sinks, autoauth.SinkConfig{
			Path: s.Path().Get(), Mode: s.Mode().Get(), Owner: s.Owner().Get(), Group: s.Group().Get(), WrapTTL: s.WrapTTL().Get(),
		})
	}
	return cfg, true, nil
}

// methodRefusal refuses an auth method package autoauth does not implement.
func methodRefusal(typ string) error {
	if !slices.Contains(autoauth.Supported, typ) {
		return fmt.Errorf("auto_auth method %q is not implemented by vaultproxy run (implemented: %v); use Vault Proxy for it", typ, autoauth.Supported)
	}
	return nil
}

// sinkRefusal refuses a sink run cannot write: DH-encrypted, or not a file.
func sinkRefusal(s compile.Sink) error {
	if s.DHType().Get() != "" {
		return fmt.Errorf("sink %d (%s): dh_type %q encryption is not implemented by vaultproxy run; remove dh_type and dh_path, or use Vault Proxy for this sink",
			s.Index()+1, s.Path().Get(), s.DHType().Get())
	}
	if s.Type().Get() != "file" {
		return fmt.Errorf("sink %d: unknown sink type %q", s.Index()+1, s.Type().Get())
	}
	return nil
}

// Unsupported returns what in p vaultproxy run does not implement and refuses, one message each,
// worded as New's errors: an auth method other than those of package autoauth, and a DH-encrypted
// or non-file sink (every cache setting is served). It is empty when run can serve p as far as the
// plan alone tells (files, sockets and Vault are only met by New and Run). It reads nothing but the
// plan, so the preview can say what run will refuse.
func Unsupported(p *compile.Plan) []string {
	var out []string
	if aa, ok := p.AutoAuth(); ok {
		if err := methodRefusal(aa.Method().Type().Get()); err != nil {
			out = append(out, err.Error())
		}
		for _, s := range aa.Sinks() {
			if err := sinkRefusal(s); err != nil {
				out = append(out, err.Error())
			}
		}
	}
	return out
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
