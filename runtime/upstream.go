package runtime

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/schema"
)

// upstream is how one plan reaches Vault: its URL and the transports of the proxying and auto-auth
// subsystems (they differ only in disable_idle_connections and disable_keep_alives).
type upstream struct {
	url   *url.URL    // what requests are addressed to (http://localhost for a unix socket)
	addr  string      // the address as configured, for messages
	tls   *tls.Config // the vault block's client TLS (nil with an injected transport)
	proxy http.RoundTripper
	auth  http.RoundTripper
}

// newUpstream builds the Vault URL and transports from the plan's vault block. A unix:// address
// dials the socket and speaks plain HTTP to it. An injected transport (tests) is used for both.
func newUpstream(p *compile.Plan, injected http.RoundTripper) (*upstream, error) {
	v := p.Vault()
	addr := v.Address().Get()
	ep, err := v.Endpoint()
	if err != nil {
		return nil, err
	}
	u, socket := ep.URL, ep.Socket
	up := &upstream{url: u, addr: addr}
	if injected != nil {
		up.proxy, up.auth = injected, injected
		return up, nil
	}
	tlsConf, err := vaultTLSConfig(v)
	if err != nil {
		return nil, err
	}
	up.tls = tlsConf
	idle, keep := p.DisableIdleConnections().Get(), p.DisableKeepAlives().Get()
	up.proxy = newTransport(tlsConf, socket, slices.Contains(idle, schema.SubsystemProxying), slices.Contains(keep, schema.SubsystemProxying))
	up.auth = newTransport(tlsConf, socket, slices.Contains(idle, schema.SubsystemAutoAuth), slices.Contains(keep, schema.SubsystemAutoAuth))
	return up, nil
}

func newTransport(tlsConf *tls.Config, socket string, noIdle, noKeepAlive bool) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 nil, // Vault is reached directly; HTTP(S)_PROXY is not read at run time
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       tlsConf.Clone(),
		DisableKeepAlives:     noKeepAlive,
	}
	if socket != "" {
		t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", socket)
		}
	}
	if noIdle {
		t.MaxIdleConns, t.MaxIdleConnsPerHost = -1, -1
	}
	return t
}

// vaultTLSConfig is the client TLS configuration for Vault: ca_cert, ca_path, client_cert and
// client_key, tls_skip_verify, tls_server_name. Files are read here, once per plan.
func vaultTLSConfig(v compile.Vault) (*tls.Config, error) {
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         v.TLSServerName().Get(),
		InsecureSkipVerify: v.TLSSkipVerify().Get(),
	}
	caFile, caDir := v.CACert().Get(), v.CAPath().Get()
	if caFile != "" || caDir != "" {
		pool := x509.NewCertPool()
		if caFile != "" {
			if err := appendPEMFile(pool, caFile); err != nil {
				return nil, fmt.Errorf("vault ca_cert: %w", err)
			}
		}
		if caDir != "" {
			entries, err := os.ReadDir(caDir)
			if err != nil {
				return nil, fmt.Errorf("vault ca_path: %w", err)
			}
			for _, e := range entries {
				if e.IsDir() {
					continue
				}
				if err := appendPEMFile(pool, filepath.Join(caDir, e.Name())); err != nil {
					return nil, fmt.Errorf("vault ca_path: %w", err)
				}
			}
		}
		c.RootCAs = pool
	}
	cert, key := v.ClientCert().Get(), v.ClientKey().Get()
	if cert != "" || key != "" {
		if cert == "" || key == "" {
			return nil, fmt.Errorf("vault client_cert and client_key must be set together")
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("vault client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

func appendPEMFile(pool *x509.CertPool, name string) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if !pool.AppendCertsFromPEM(b) {
		return fmt.Errorf("%s holds no PEM certificate", name)
	}
	return nil
}
