package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority made for a test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a PEM certificate and key signed by the CA, for a server (127.0.0.1) or a client.
func (ca *testCA) issue(t *testing.T, name string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

func tlsClient(t *testing.T, ca *testCA, certPEM, keyPEM []byte, maxVersion uint16) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.pem)
	conf := &tls.Config{RootCAs: pool, MaxVersion: maxVersion}
	if certPEM != nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	return &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: conf}, Timeout: 10 * time.Second}
}

func testTLSClientCerts(t *testing.T, f *runFixture) {
	dir := t.TempDir()
	ca, other := newTestCA(t, "proxy-ca"), newTestCA(t, "other-ca")
	srvCert, srvKey := ca.issue(t, "proxy", true)
	cliCert, cliKey := ca.issue(t, "client", false)
	badCert, badKey := other.issue(t, "intruder", false)
	addr := freeAddr(t)
	cfg := fmt.Sprintf(`
vault { address = %q }
listener "tcp" {
  address                            = %q
  tls_cert_file                      = %q
  tls_key_file                       = %q
  tls_client_ca_file                 = %q
  tls_require_and_verify_client_cert = true
  tls_min_version                    = "tls13"
}`, f.dev.Addr(), addr,
		runWriteFile(t, dir, "srv.pem", string(srvCert), 0o600), runWriteFile(t, dir, "srv.key", string(srvKey), 0o600),
		runWriteFile(t, dir, "ca.pem", string(ca.pem), 0o600))
	startRun(t, cfg, f.secrets, addr)
	url := "https://" + addr + "/v1/secret/data/app"
	h := http.Header{"X-Vault-Token": {f.clientToken}}
	status, body := rawDo(t, tlsClient(t, ca, cliCert, cliKey, 0), "GET", url, h, "")
	if status != 200 || !strings.Contains(body, `"k":"v2"`) {
		t.Errorf("with a client certificate: %d %s", status, body)
	}
	for name, c := range map[string]*http.Client{
		"no client certificate":             tlsClient(t, ca, nil, nil, 0),
		"certificate from another CA":       tlsClient(t, ca, badCert, badKey, 0),
		"TLS 1.2 below tls_min_version 1.3": tlsClient(t, ca, cliCert, cliKey, tls.VersionTLS12),
	} {
		req, _ := http.NewRequest("GET", url, nil)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("%s: answered %d, want a failed handshake", name, resp.StatusCode)
		}
	}
	_ = filepath.Join
}
