package runtime

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"strconv"
	"sync/atomic"

	"github.com/vaultproxy/vaultproxy/compile"
)

// listenerKey identifies a listener across plan swaps: a listener with the same type and address in
// the new plan keeps its socket and gets its new settings; others are opened or closed.
func listenerKey(l compile.Listener) string {
	return string(l.Type().Get()) + " " + l.Address().Get()
}

// bind opens a listener's socket (hashicorp/vault
// command/agentproxyshared/cache/listener.go): tcp ("0.0.0.0:port" binds IPv4 only, as
// Vault does), or unix, where a stale socket file is removed first and socket_mode, socket_user and
// socket_group are each applied on their own. TLS, when on, is applied by wrapTLS.
func bind(listen func(network, address string) (net.Listener, error), l compile.Listener) (net.Listener, error) {
	addr := l.Address().Get()
	switch l.Type().Get() {
	case compile.ListenerTCP:
		ta, _ := l.TCPAddress() // validate has checked it
		return listen(ta.Network(), addr)
	case compile.ListenerUnix:
		if fi, err := os.Lstat(addr); err == nil {
			if fi.Mode()&fs.ModeSocket == 0 {
				return nil, fmt.Errorf("%s exists and is not a socket; not replacing it", addr)
			}
			if err := os.Remove(addr); err != nil {
				return nil, fmt.Errorf("removing stale socket: %w", err)
			}
		}
		ln, err := listen("unix", addr)
		if err != nil {
			return nil, err
		}
		if ul, ok := ln.(*net.UnixListener); ok {
			ul.SetUnlinkOnClose(true)
		}
		if err := socketPermissions(l); err != nil {
			ln.Close()
			return nil, err
		}
		return ln, nil
	}
	return nil, fmt.Errorf("unsupported listener type %q", l.Type().Get())
}

func socketPermissions(l compile.Listener) error {
	addr := l.Address().Get()
	if m := l.SocketMode(); m.IsSet() {
		if err := os.Chmod(addr, m.Get().Perm()); err != nil {
			return fmt.Errorf("socket_mode: %w", err)
		}
	}
	uid, gid := -1, -1
	if u := l.SocketUser().Get(); u != "" {
		id, err := lookupID(u, func(n string) (string, error) {
			usr, err := user.Lookup(n)
			if err != nil {
				return "", err
			}
			return usr.Uid, nil
		})
		if err != nil {
			return fmt.Errorf("socket_user: %w", err)
		}
		uid = id
	}
	if g := l.SocketGroup().Get(); g != "" {
		id, err := lookupID(g, func(n string) (string, error) {
			grp, err := user.LookupGroup(n)
			if err != nil {
				return "", err
			}
			return grp.Gid, nil
		})
		if err != nil {
			return fmt.Errorf("socket_group: %w", err)
		}
		gid = id
	}
	if uid != -1 || gid != -1 {
		if err := os.Chown(addr, uid, gid); err != nil {
			return fmt.Errorf("socket_user/socket_group: %w", err)
		}
	}
	return nil
}

// lookupID reads a numeric id, or resolves a name.
func lookupID(s string, resolve func(string) (string, error)) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	idStr, err := resolve(s)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(idStr)
}

// serverTLSConfig builds a listener's TLS configuration (hashicorp/vault
// internalshared/listenerutil/listener.go): certificate and
// key, version bounds, cipher suites, and client certificates: requested by default, required and
// verified against tls_client_ca_file with tls_require_and_verify_client_cert, or not asked for
// with tls_disable_client_certs. ALPN offers h2 and http/1.1. It returns nil when TLS is off.
func serverTLSConfig(l compile.Listener) (*tls.Config, error) {
	if l.TLSDisable().Get() {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(l.TLSCertFile().Get(), l.TLSKeyFile().Get())
	if err != nil {
		return nil, fmt.Errorf("error loading TLS cert: %w", err)
	}
	c := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   uint16(l.TLSMinVersion().Get()),
		MaxVersion:   uint16(l.TLSMaxVersion().Get()),
		NextProtos:   []string{"h2", "http/1.1"},
		ClientAuth:   tls.RequestClientCert,
	}
	if ids := l.TLSCipherSuites().Get(); len(ids) > 0 {
		c.CipherSuites = ids // checked against crypto/tls when the plan was compiled or read
	}
	if caFile := l.TLSClientCAFile().Get(); caFile != "" {
		pool := x509.NewCertPool()
		if err := appendPEMFile(pool, caFile); err != nil {
			return nil, fmt.Errorf("tls_client_ca_file: %w", err)
		}
		c.ClientCAs = pool
	}
	switch {
	case l.TLSRequireAndVerifyClientCert().Get():
		// Without tls_client_ca_file the system roots verify the client, as in Vault.
		c.ClientAuth = tls.RequireAndVerifyClientCert
	case l.TLSDisableClientCerts().Get():
		c.ClientAuth = tls.NoClientCert
	}
	return c, nil
}

// tlsSwitch serves the TLS configuration in force, so that a swapped plan's certificate and
// settings apply to new connections on a listener that stays open.
type tlsSwitch struct{ cur atomic.Pointer[tls.Config] }

func (s *tlsSwitch) config() *tls.Config {
	return &tls.Config{
		NextProtos: []string{"h2", "http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return s.cur.Load(), nil
		},
	}
}
