package runtime

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSignedFiles writes a certificate for 127.0.0.1 and its key; it returns their paths.
func selfSignedFiles(t *testing.T) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, keyFile
}

// Over HTTP/2 (a TLS listener) too: a body is read whole within its deadline, a stalled one gets 408
// and does not reach Vault, and a request then waits for a slow Vault past the body deadline.
func TestBodyDeadlinesOverHTTP2(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
		fmt.Fprint(w, `{"data":{}}`)
	})
	cert, key := selfSignedFiles(t)
	s := startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
listener "tcp" {
  address       = "127.0.0.1:8200"
  tls_cert_file = %q
  tls_key_file  = %q
}`, cert, key), rec.srv.URL), withLimits(Limits{BodyReadTimeout: 300 * time.Millisecond}))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true,
	}}
	url := "https://" + s.addrs[0] + "/v1/secret/data/app"

	resp, err := client.Post(url, "application/json", strings.NewReader(`{"data":{"k":"v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Fatalf("whole body: %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
	}

	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte(`{"data":`)) // and nothing more
	resp, err = client.Post(url, "application/json", pr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("stalled body: %d %s, want 408", resp.StatusCode, body)
	}
	jsonErrors(t, string(body))
	if rec.n() != 1 {
		t.Errorf("Vault received %d requests, want only the whole one", rec.n())
	}
}
