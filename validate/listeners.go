package validate

import (
	"fmt"
	"net"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

var codeTLSCertificateMissing = diagcode.New("tls_certificate_missing",
	"A listener with TLS on (the default) has no tls_cert_file or tls_key_file.",
	"listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n}")

func listenerTLSFiles(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i := range p.Listeners() {
		l := &p.Listeners()[i]
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
		diags = append(diags, errorAt(codeTLSCertificateMissing, "TLS listener without a certificate",
			fmt.Sprintf("TLS is on by default, and this listener has no %s; Vault Proxy fails to start with \"error loading TLS cert\". Set tls_cert_file and tls_key_file, or tls_disable = true for plain HTTP.",
				strings.Join(missing, " or ")),
			l.DeclRange()))
	}
	return diags
}

// The codes of listenerTLSSettings' errors.
var (
	codeTLSMinVersionAboveMax = diagcode.New("tls_min_version_above_max",
		"A listener's tls_min_version is above its tls_max_version, so no TLS version is accepted.",
		"listener \"tcp\" {\n  address         = \"127.0.0.1:8100\"\n  tls_cert_file   = \"/etc/proxy/cert.pem\"\n  tls_key_file    = \"/etc/proxy/key.pem\"\n  tls_min_version = \"tls13\"\n  tls_max_version = \"tls12\"\n}")
	codeClientCertificatesRequiredAndDisabled = diagcode.New("client_certificates_required_and_disabled",
		"A listener both requires client certificates and disables them.",
		"listener \"tcp\" {\n  address                            = \"127.0.0.1:8100\"\n  tls_cert_file                      = \"/etc/proxy/cert.pem\"\n  tls_key_file                       = \"/etc/proxy/key.pem\"\n  tls_require_and_verify_client_cert = true\n  tls_disable_client_certs           = true\n}")
)

func listenerTLSSettings(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i := range p.Listeners() {
		l := &p.Listeners()[i]
		if l.TLSDisable().Get() {
			continue
		}
		lo, hi := l.TLSMinVersion(), l.TLSMaxVersion()
		if lo.Get() > hi.Get() {
			diags = append(diags, errorAt(codeTLSMinVersionAboveMax, "tls_min_version above tls_max_version",
				fmt.Sprintf("tls_min_version is %s but tls_max_version is %s (%s), so no TLS version is accepted.", lo.Get(), hi.Get(), hi.Origin()),
				lo.Range(l.DeclRange())))
		}
		if l.TLSRequireAndVerifyClientCert().Get() && l.TLSDisableClientCerts().Get() {
			diags = append(diags, errorAt(codeClientCertificatesRequiredAndDisabled, "Client certificates both required and disabled",
				fmt.Sprintf("tls_require_and_verify_client_cert and tls_disable_client_certs (%s) exclude each other.", l.TLSDisableClientCerts().Origin()),
				l.TLSRequireAndVerifyClientCert().Range(l.DeclRange())))
		}
	}
	return diags
}

// The codes of listenerAddress' errors.
var (
	codeUnixListenerWithoutPath = diagcode.New("unix_listener_without_path",
		"A unix listener has no address, the path of its socket.",
		"listener \"unix\" {\n  tls_disable = true\n}")
	codeInvalidListenerAddress = diagcode.New("invalid_listener_address",
		"A tcp listener's address is not host:port with a port from 0 to 65535.",
		"listener \"tcp\" {\n  address     = \"127.0.0.1\"\n  tls_disable = true\n}")
	codeDuplicateListenerAddress = diagcode.New("duplicate_listener_address",
		"Two listeners use the same address, across files too.",
		"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}")
	codeOverlappingListenerAddresses = diagcode.New("overlapping_listener_addresses",
		"Two tcp listeners on one port cannot both be bound: one listens on a wildcard address that covers the other.",
		"listener \"tcp\" {\n  address     = \"0.0.0.0:8100\"\n  tls_disable = true\n}\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}")
)

func listenerAddress(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	// The maps hold pointers into the plan's listeners, not copies: a Listener is large, and a
	// thousand listeners would otherwise copy megabytes.
	ls := p.Listeners()
	seen := make(map[string]*compile.Listener, len(ls))
	tcp := make(map[string][]tcpAddr, len(ls)) // the tcp listeners checked so far, by port, to compare for overlaps
	for i := range ls {
		l := &ls[i]
		addr := l.Address()
		if l.Type().Get() == compile.ListenerUnix && addr.Get() == "" {
			diags = append(diags, errorAt(codeUnixListenerWithoutPath, "unix listener without a socket path",
				"A unix listener needs address set to the socket path.", l.DeclRange()))
			continue
		}
		var ta tcpAddr
		if l.Type().Get() == compile.ListenerTCP {
			var problem string
			ta, problem = tcpAddrOf(l)
			if problem != "" {
				diags = append(diags, errorAt(codeInvalidListenerAddress, "Invalid listener address",
					fmt.Sprintf("The tcp listener address %q %s. Write host:port, as in 127.0.0.1:8100, [::1]:8100 or :8100 (every address).", addr.Get(), problem),
					addr.Range(l.DeclRange())))
				continue
			}
			ta.l = l
		}
		key := string(l.Type().Get()) + " " + addr.Get()
		if l.Type().Get() == compile.ListenerTCP {
			key = string(l.Type().Get()) + " " + net.JoinHostPort(ta.host, ta.port)
		}
		if prev, dup := seen[key]; dup && ta.port != "0" {
			diags = append(diags, errorAt(codeDuplicateListenerAddress, "Duplicate listener address",
				fmt.Sprintf("A %s listener on %q was already declared at %s. Each listener must use a distinct address.",
					l.Type().Get(), addr.Get(), prev.Address().Range(prev.DeclRange())),
				addr.Range(l.DeclRange())))
			continue
		}
		if l.Type().Get() == compile.ListenerTCP {
			if prev, ok := overlapping(tcp, ta); ok {
				diags = append(diags, errorAt(codeOverlappingListenerAddresses, "Listener addresses overlap",
					fmt.Sprintf("This tcp listener on %q and the one on %q declared at %s cannot both be bound: %s. Use distinct ports, or one wildcard listener.",
						addr.Get(), prev.l.Address().Get(), prev.l.Address().Range(prev.l.DeclRange()), overlapReason(prev, ta)),
					addr.Range(l.DeclRange())))
				continue
			}
			tcp[ta.port] = append(tcp[ta.port], ta)
		}
		seen[key] = l
	}
	return diags
}

// tcpAddr is a tcp listener address in a normal form: host is "" for every address (":8100",
// "[::]:8100": one dual-stack socket), "0.0.0.0" for every IPv4 address, an IP literal in Go's
// form (an IPv4-mapped IPv6 address as IPv4), or a host name in lower case, as written (resolving
// names is the runtime's business).
type tcpAddr struct {
	host, port string
	ip         net.IP // nil for a name or the dual-stack wildcard
	l          *compile.Listener
}

// tcpAddrOf is the listener's address as compile parsed it; problem says what is wrong ("" when
// nothing is).
func tcpAddrOf(l *compile.Listener) (tcpAddr, string) {
	a, problem := l.TCPAddress()
	return tcpAddr{host: a.Host, port: a.Port, ip: a.IP}, problem
}

// overlapping returns an earlier listener on the same port that cannot be bound together with a:
// a wildcard covers every address of its family, so no other listener can take that port on one
// of them (Linux refuses the second bind with "address already in use"). Port 0 picks a free port
// each time and never overlaps. prev holds the earlier listeners by port, so that a thousand
// listeners on distinct ports are not compared pairwise.
func overlapping(prev map[string][]tcpAddr, a tcpAddr) (tcpAddr, bool) {
	if a.port == "0" {
		return tcpAddr{}, false
	}
	for i := range prev[a.port] {
		b := &prev[a.port][i]
		if b.host == a.host {
			continue
		}
		if covers(*b, a) || covers(a, *b) {
			return *b, true
		}
	}
	return tcpAddr{}, false
}

// covers reports whether wildcard address w includes address a: the dual-stack wildcard includes
// every address (and every name); 0.0.0.0 includes every IPv4 address.
func covers(w, a tcpAddr) bool {
	switch {
	case w.host == "":
		return true
	case w.ip != nil && w.ip.Equal(net.IPv4zero):
		return a.ip != nil && a.ip.To4() != nil
	}
	return false
}

func overlapReason(a, b tcpAddr) string {
	w := a
	if !covers(a, b) {
		w = b
	}
	if w.host == "" {
		return fmt.Sprintf("%q listens on every address, IPv4 and IPv6, of port %s", w.l.Address().Get(), w.port)
	}
	return fmt.Sprintf("%q listens on every IPv4 address of port %s", w.l.Address().Get(), w.port)
}

var codeSocketOptionOnTCPListener = diagcode.New("socket_option_on_tcp_listener",
	"socket_mode, socket_user or socket_group on a tcp listener, where they do nothing.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n  socket_mode = \"0660\"\n}")

func listenerSocketOptions(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i := range p.Listeners() {
		l := &p.Listeners()[i]
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
				diags = append(diags, warnAt(codeSocketOptionOnTCPListener, "Argument has no effect",
					fmt.Sprintf("%s applies to unix listeners only; this is a tcp listener.", v.name), v.rng))
			}
		}
	}
	return diags
}

func proxies(p *plan) bool {
	for i := range p.Listeners() {
		l := &p.Listeners()[i]
		if l.Role().Get() != compile.RoleMetricsOnly {
			return true
		}
	}
	return false
}

// The codes of namespacePrepending's warnings.
var (
	codePrependWithoutNamespace = diagcode.New("prepend_without_namespace",
		"prepend_configured_namespace is on but no namespace is configured, so nothing is prepended.",
		"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\napi_proxy {\n  prepend_configured_namespace = true\n}")
	codeNamespaceNotPrepended = diagcode.New("namespace_not_prepended",
		"A configured namespace is used for auto-auth only: proxied requests keep their own X-Vault-Namespace.",
		"vault {\n  namespace = \"team-a\"\n}\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n")
)

func namespacePrepending(p *plan) hcl.Diagnostics {
	a := p.APIProxy()
	prepend := a.PrependConfiguredNamespace()
	ns := p.ProxyNamespace()
	if prepend.Get() && ns.Get() == "" {
		return hcl.Diagnostics{warnAt(codePrependWithoutNamespace, "prepend_configured_namespace without a namespace",
			"No namespace is configured (vault.namespace, the method's namespace, VAULT_NAMESPACE or -namespace), so nothing is prepended and requests keep their own X-Vault-Namespace.",
			prepend.Range(a.DeclRange()))}
	}
	if !prepend.Get() && ns.Get() != "" && proxies(p) {
		v := p.Vault()
		return hcl.Diagnostics{warnAt(codeNamespaceNotPrepended, "Configured namespace not applied to proxied requests",
			fmt.Sprintf("The namespace %q (%s) is used for auto-auth only: without api_proxy { prepend_configured_namespace = true }, a proxied request reaches Vault in the namespace of its own X-Vault-Namespace header, or the root namespace when it has none.",
				ns.Get(), ns.Origin()),
			ns.Range(v.DeclRange()))}
	}
	return nil
}
