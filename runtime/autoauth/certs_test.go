package autoauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
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

// selfSignedPEM returns a new self-signed certificate, serial 42, and its key as PEM.
func selfSignedPEM(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
}

// The cert method watches its files, every reload_period, only when cert.go reads reload_period:
// with reload and a certificate of its own (a ca_cert, or a client_cert and a client_key).
func TestCertWatchPeriod(t *testing.T) {
	tests := []struct {
		name    string
		strings map[string]string
		reload  bool
		period  time.Duration
		want    time.Duration
	}{
		{"reload and a client certificate", map[string]string{"client_cert": "c", "client_key": "k"}, true, 30 * time.Second, 30 * time.Second},
		{"reload and a ca_cert", map[string]string{"ca_cert": "ca"}, true, 30 * time.Second, 30 * time.Second},
		{"the default", map[string]string{"ca_cert": "ca"}, true, 0, time.Minute},
		{"no reload", map[string]string{"client_cert": "c", "client_key": "k"}, false, 30 * time.Second, 0},
		{"a client certificate without its key", map[string]string{"client_cert": "c"}, true, 30 * time.Second, 0},
		{"the vault block's certificate", map[string]string{}, true, 30 * time.Second, 0},
	}
	for _, tt := range tests {
		m, err := newMethod(Config{Method: "cert", MountPath: "auth/cert", Strings: tt.strings,
			Bools: map[string]bool{"reload": tt.reload}, Durations: map[string]time.Duration{"reload_period": tt.period}}, Deps{Logger: testLog})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.(*certMethod).period; got != tt.want {
			t.Errorf("%s: watched every %v, want %v", tt.name, got, tt.want)
		}
	}
}

// With reload, a client certificate replaced on disk is found at the next reload_period check and,
// with enable_reauth_on_new_credentials, logs in again, presenting the new one; without reload the
// change is not looked for.
func TestCertReloadPeriodLogsInAgain(t *testing.T) {
	for _, reload := range []bool{true, false} {
		fv := &fakeVault{}
		var mu sync.Mutex
		var presented []string
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/login") && len(r.TLS.PeerCertificates) > 0 {
				mu.Lock()
				presented = append(presented, r.TLS.PeerCertificates[0].SerialNumber.String())
				mu.Unlock()
			}
			fv.handler(w, r)
		}))
		srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
		srv.StartTLS()
		dir := t.TempDir()
		certPEM, keyPEM := serverPEM(t, srv)
		newCert, newKey := selfSignedPEM(t)
		m, _ := startManager(t, Config{Method: "cert", MountPath: "auth/cert", ReauthOnNewCredentials: true,
			Strings: map[string]string{"ca_cert": file(t, dir, "ca.pem", string(certPEM)),
				"client_cert": file(t, dir, "c.pem", string(certPEM)), "client_key": file(t, dir, "c.key", string(keyPEM))},
			Bools: map[string]bool{"reload": reload}, Durations: map[string]time.Duration{"reload_period": 50 * time.Millisecond}}, srv)
		if tok := waitToken(t, m); tok != "tok-1" {
			t.Fatalf("token %q", tok)
		}
		time.Sleep(150 * time.Millisecond) // unchanged files: no new login
		file(t, dir, "c.key", string(newKey))
		file(t, dir, "c.pem", string(newCert))
		deadline := time.Now().Add(3 * time.Second)
		if !reload {
			deadline = time.Now().Add(400 * time.Millisecond)
		}
		for fv.loginCount() < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		got := slices.Clone(presented)
		mu.Unlock()
		switch {
		case reload && (len(got) != 2 || got[0] == "42" || got[1] != "42"):
			t.Errorf("reload: logins presented %v, want the first certificate then the new one", got)
		case !reload && len(got) != 1:
			t.Errorf("without reload: logins presented %v, want one", got)
		}
		srv.Close()
	}
}
