package validate

import (
	"fmt"
	"net"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
)

func listenerTLSFiles(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, l := range p.Listeners() {
		if l.TLSDisable().Get() {
			continue
		}
		var missing []string
		if l.TLSCertFile().Get() == "" {
			missing = append(missing, "tls_cert_file")
		}
		if l.TLSKeyFile().Get() == "" {
			missing = append(missing, "tls_key_file")
		}
		if len(missing) == 0 {
			continue
		}
		diags = append(diags, errorAt("TLS listener without a certificate",
			fmt.Sprintf("TLS is on by default, and this listener has no %s; Vault Proxy fails to start with \"error loading TLS cert\". Set tls_cert_file and tls_key_file, or tls_disable = true for plain HTTP.",
				strings.Join(missing, " or ")),
			l.DeclRange()))
	}
	return diags
}

var tlsOrder = map[string]int{"tls10": 0, "tls11": 1, "tls12": 2, "tls13": 3}

func listenerTLSSettings(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, l := range p.Listeners() {
		if l.TLSDisable().Get() {
			continue
		}
		lo, hi := l.TLSMinVersion(), l.TLSMaxVersion()
		if tlsOrder[lo.Get()] > tlsOrder[hi.Get()] {
			diags = append(diags, errorAt("tls_min_version above tls_max_version",
				fmt.Sprintf("tls_min_version is %s but tls_max_version is %s (%s), so no TLS version is accepted.", lo.Get(), hi.Get(), hi.Origin()),
				lo.Range(l.DeclRange())))
		}
		if l.TLSRequireAndVerifyClientCert().Get() && l.TLSDisableClientCerts().Get() {
			diags = append(diags, errorAt("Client certificates both required and disabled",
				fmt.Sprintf("tls_require_and_verify_client_cert and tls_disable_client_certs (%s) exclude each other.", l.TLSDisableClientCerts().Origin()),
				l.TLSRequireAndVerifyClientCert().Range(l.DeclRange())))
		}
	}
	return diags
}

func listenerAddress(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]compile.Listener{}
	for _, l := range p.Listeners() {
		addr := l.Address()
		if l.Type().Get() == compile.ListenerUnix && addr.Get() == "" {
			diags = append(diags, errorAt("unix listener without a socket path",
				"A unix listener needs address set to the socket path.", l.DeclRange()))
			continue
		}
		key := string(l.Type().Get()) + " " + normalizeAddress(l.Type().Get(), addr.Get())
		if prev, dup := seen[key]; dup {
			diags = append(diags, errorAt("Duplicate listener address",
				fmt.Sprintf("A %s listener on %q was already declared at %s. Each listener must use a distinct address.",
					l.Type().Get(), addr.Get(), prev.Address().Range(prev.DeclRange())),
				addr.Range(l.DeclRange())))
			continue
		}
		seen[key] = l
	}
	return diags
}

// normalizeAddress makes two spellings of one TCP address compare equal ("localhost:8200" is left as
// written: resolving names is the runtime's business).
func normalizeAddress(t compile.ListenerType, addr string) string {
	if t != compile.ListenerTCP {
		return addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	return net.JoinHostPort(host, port)
}

func listenerSocketOptions(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, l := range p.Listeners() {
		if l.Type().Get() == compile.ListenerUnix {
			continue
		}
		for _, v := range []struct {
			name string
			set  bool
			rng  hcl.Range
		}{
			{"socket_mode", l.SocketMode().IsSet(), l.SocketMode().Range(l.DeclRange())},
			{"socket_user", l.SocketUser().IsSet(), l.SocketUser().Range(l.DeclRange())},
			{"socket_group", l.SocketGroup().IsSet(), l.SocketGroup().Range(l.DeclRange())},
		} {
			if v.set {
				diags = append(diags, warnAt("Argument has no effect",
					fmt.Sprintf("%s applies to unix listeners only; this is a tcp listener.", v.name), v.rng))
			}
		}
	}
	return diags
}

func proxies(p *plan) bool {
	for _, l := range p.Listeners() {
		if l.Role().Get() != compile.RoleMetricsOnly {
			return true
		}
	}
	return false
}

func namespacePrepending(p *plan) hcl.Diagnostics {
	a := p.APIProxy()
	prepend := a.PrependConfiguredNamespace()
	ns := p.ProxyNamespace()
	if prepend.Get() && ns.Get() == "" {
		return hcl.Diagnostics{warnAt("prepend_configured_namespace without a namespace",
			"No namespace is configured (vault.namespace, the method's namespace, VAULT_NAMESPACE or -namespace), so nothing is prepended and requests keep their own X-Vault-Namespace.",
			prepend.Range(a.DeclRange()))}
	}
	if !prepend.Get() && ns.Get() != "" && proxies(p) {
		v := p.Vault()
		return hcl.Diagnostics{warnAt("Configured namespace not applied to proxied requests",
			fmt.Sprintf("The namespace %q (%s) is used for auto-auth only: without api_proxy { prepend_configured_namespace = true }, a proxied request reaches Vault in the namespace of its own X-Vault-Namespace header, or the root namespace when it has none.",
				ns.Get(), ns.Origin()),
			ns.Range(v.DeclRange()))}
	}
	return nil
}
