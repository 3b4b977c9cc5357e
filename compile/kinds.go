package compile

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The typed values of kinds that are parsed once, here, so that validate, the preview and the runtime
// use them without parsing the text again.

// TLSVersion is a TLS protocol version as crypto/tls numbers it (tls.VersionTLS12); its String is the
// name a configuration writes (tls12).
type TLSVersion uint16

// tlsVersions are the names of schema.ListenerTLSMinVersion's allowed values, in order.
var tlsVersions = []struct {
	name string
	v    TLSVersion
}{{"tls10", tls.VersionTLS10}, {"tls11", tls.VersionTLS11}, {"tls12", tls.VersionTLS12}, {"tls13", tls.VersionTLS13}}

// ParseTLSVersion reads a version name (tls10 to tls13).
func ParseTLSVersion(name string) (TLSVersion, bool) {
	for _, t := range tlsVersions {
		if t.name == name {
			return t.v, true
		}
	}
	return 0, false
}

func (v TLSVersion) String() string {
	for _, t := range tlsVersions {
		if t.v == v {
			return t.name
		}
	}
	return ""
}

// CipherSuites are TLS cipher suites by their crypto/tls IDs, in the order written; empty means Go's
// defaults.
type CipherSuites []uint16

// Names returns the crypto/tls names of the suites, as a configuration writes them.
func (c CipherSuites) Names() []string {
	names := make([]string, 0, len(c))
	for _, id := range c {
		names = append(names, tls.CipherSuiteName(id))
	}
	return names
}

// cipherSuitesOf returns the IDs of names that Go knows (the decoder has checked them).
func cipherSuitesOf(names []string) CipherSuites {
	ids := CipherSuites{}
	for _, n := range names {
		if id, ok := CipherSuiteID(n); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func cloneSuites(v Value[CipherSuites]) Value[CipherSuites] {
	return Value[CipherSuites]{v: slices.Clone(v.v), origin: v.origin, at: v.at}
}

// VaultEndpoint is Vault's address, parsed: an http or https URL, or a unix socket spoken to in plain
// HTTP. As Vault's api client does, everything after unix:// is the socket's path (unix:///run/v.sock
// is /run/v.sock, unix://v.sock is relative).
type VaultEndpoint struct {
	URL    *url.URL // where requests go: the address, or http://localhost for a socket
	Socket string   // the socket's path for a unix:// address; "" otherwise
}

// The problems of a Vault address that ParseVaultAddress reports, wrapped.
var (
	ErrNoSocket = errors.New("names no socket")
	ErrScheme   = errors.New("is not an http://, https:// or unix:// address")
	ErrNoHost   = errors.New("names no host")
	// ErrBadURL is an http:// or https:// address that net/url cannot parse; the *url.Error in
	// the chain says which part is wrong (the host, the port, an escape).
	ErrBadURL = errors.New("is not a valid URL")
)

// ParseVaultAddress reads a Vault address (vault.address, VAULT_ADDR, -address). It is the one parser
// of it: validate, the preview and the runtime all use it.
func ParseVaultAddress(addr string) (VaultEndpoint, error) {
	if socket, isUnix := strings.CutPrefix(addr, "unix://"); isUnix {
		if socket == "" {
			return VaultEndpoint{}, fmt.Errorf("vault address %q %w", addr, ErrNoSocket)
		}
		return VaultEndpoint{URL: &url.URL{Scheme: "http", Host: "localhost"}, Socket: socket}, nil
	}
	u, err := url.Parse(addr)
	if err != nil {
		lower := strings.ToLower(addr)
		if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
			return VaultEndpoint{}, fmt.Errorf("vault address %q %w: %w", addr, ErrBadURL, err)
		}
		return VaultEndpoint{}, fmt.Errorf("vault address %q %w: %w", addr, ErrScheme, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return VaultEndpoint{}, fmt.Errorf("vault address %q %w", addr, ErrScheme)
	}
	if u.Host == "" {
		return VaultEndpoint{}, fmt.Errorf("vault address %q %w", addr, ErrNoHost)
	}
	return VaultEndpoint{URL: u}, nil
}

// Endpoint returns Address parsed by ParseVaultAddress, when the plan was made: a copy, so the plan
// stays as it is.
func (v Vault) Endpoint() (VaultEndpoint, error) {
	ep := v.endpoint
	if ep.URL != nil {
		u := *ep.URL
		ep.URL = &u
	}
	return ep, v.endpointErr
}

// TCPAddress is a tcp listener's address, host:port, in a normal form: Host is "" for every address
// (":8100", "[::]:8100": one dual-stack socket), "0.0.0.0" for every IPv4 address, an IP literal in
// Go's form (an IPv4-mapped IPv6 address as IPv4), or a host name in lower case, as written
// (resolving names is the runtime's business). Port is decimal, without leading zeros.
type TCPAddress struct {
	Host, Port string
	IP         net.IP // nil for a name or the dual-stack wildcard
}

// ParseTCPAddress reads host:port, the one parser of a tcp listener's address; problem says what is
// wrong with it ("" when nothing is), to complete "The tcp listener address "x" ...".
func ParseTCPAddress(addr string) (a TCPAddress, problem string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		switch {
		case errors.As(err, &ae) && ae.Err == "missing port in address":
			return TCPAddress{}, "has no port"
		case errors.As(err, &ae) && ae.Err == "too many colons in address":
			return TCPAddress{}, "is not host:port (an IPv6 address goes in brackets, as in [::1]:8100)"
		}
		return TCPAddress{}, "is not host:port"
	}
	if port == "" {
		return TCPAddress{}, "has no port"
	}
	n, err := strconv.ParseUint(port, 10, 32)
	if err != nil || n > 65535 {
		return TCPAddress{}, fmt.Sprintf("has port %q, which is not a number from 0 to 65535", port)
	}
	a = TCPAddress{Port: strconv.FormatUint(n, 10)}
	if ip := net.ParseIP(host); ip != nil {
		if ip.Equal(net.IPv6unspecified) {
			return a, "" // [::]: the dual-stack wildcard, as ""
		}
		a.IP, a.Host = ip, ip.String()
		return a, ""
	}
	a.Host = strings.ToLower(host)
	return a, ""
}

// Network is the network a listener on a binds: tcp4 for 0.0.0.0, which Vault binds to IPv4 only,
// and tcp otherwise.
func (a TCPAddress) Network() string {
	if a.IP != nil && a.IP.Equal(net.IPv4zero) {
		return "tcp4"
	}
	return "tcp"
}

// TCPAddress returns the address of a tcp listener parsed by ParseTCPAddress, when the plan was made:
// a copy, so the plan stays as it is.
func (l Listener) TCPAddress() (TCPAddress, string) {
	if l.tcp == nil {
		return ParseTCPAddress(l.address.v) // not made by Compile or DecodePlanFile: a zero Listener
	}
	a := l.tcp.addr
	a.IP = slices.Clone(a.IP)
	return a, l.tcp.problem
}

// parsedTCPAddress is what ParseTCPAddress returned for a listener's address. A Listener holds it by
// pointer, so that the copies of Listener that the accessors hand out stay small.
type parsedTCPAddress struct {
	addr    TCPAddress
	problem string
}

// parseAddresses parses the addresses of the plan once, into their types, for Vault.Endpoint and
// Listener.TCPAddress. Compile and DecodePlanFile both end with it, so a plan file's addresses are
// parsed as a configuration's are.
func (p *Plan) parseAddresses() {
	p.vault.endpoint, p.vault.endpointErr = ParseVaultAddress(p.vault.address.v)
	for i := range p.listeners {
		l := &p.listeners[i]
		a, problem := ParseTCPAddress(l.address.v)
		l.tcp = &parsedTCPAddress{addr: a, problem: problem}
	}
}
