package autoauth

import (
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"testing"
)

// serverPEM returns the httptest server's certificate and key as PEM.
func serverPEM(t *testing.T, srv *httptest.Server) (certPEM, keyPEM []byte) {
	t.Helper()
	c := srv.TLS.Certificates[0]
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	kb, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
}
