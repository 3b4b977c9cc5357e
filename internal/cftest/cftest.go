// Package cftest makes what a test of Vault's cf auth method needs that no real Cloud Foundry is
// here to give: an instance identity CA, instance certificates issued by it in Cloud Foundry's
// layout, and a stand-in of the Cloud Controller API that Vault asks about the app, space and
// organization in a certificate.
//
// The layout follows hashicorp/vault-plugin-auth-cf: the CF_INSTANCE_CERT file holds the identity
// certificate (not a CA; CN the instance ID, OU "organization:<guid>", "space:<guid>",
// "app:<guid>", one IP address) and the intermediate CA that issued it (util/certificates.go
// ExtractCertificates, models/cf_cert.go); CF_INSTANCE_KEY holds its RSA key as PKCS #1 PEM
// (signatures/version1.go).
package cftest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a root CA, the certificate Vault is given as identity_ca_certificates, and an
// intermediate CA it issued, which issues instance certificates.
type CA struct {
	RootPEM string

	inter    *x509.Certificate
	interPEM []byte
	interKey *rsa.PrivateKey
	serial   int64
}

// Identity is what an instance certificate says about its instance.
type Identity struct {
	Instance, Org, Space, App string
	IP                        net.IP
}

// NewCA makes a root and an intermediate CA, valid for an hour either side of now.
func NewCA(t testing.TB) *CA {
	t.Helper()
	rootKey := newKey(t)
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vaultproxy test instance identity root CA", Organization: []string{"Cloud Foundry"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	interKey := newKey(t)
	interTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "instanceIdentityCA", Organization: []string{"Cloud Foundry"}, Country: []string{"USA"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	interDER, err := x509.CreateCertificate(rand.Reader, interTmpl, root, &interKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	inter, _ := x509.ParseCertificate(interDER)
	return &CA{
		RootPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER})),
		inter:   inter, interPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: interDER}), interKey: interKey, serial: 10,
	}
}

// Issue makes an instance certificate for id with a new key, and writes the two files Cloud
// Foundry names in CF_INSTANCE_CERT and CF_INSTANCE_KEY into dir (instance.crt and instance.key,
// replaced if there). It returns their paths and the certificate file's contents.
func (ca *CA) Issue(t testing.TB, dir string, id Identity) (certPath, keyPath, certFile string) {
	t.Helper()
	key := newKey(t)
	ca.serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(ca.serial),
		Subject:   pkix.Name{CommonName: id.Instance, OrganizationalUnit: []string{"organization:" + id.Org, "space:" + id.Space, "app:" + id.App}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{id.IP}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.inter, &key.PublicKey, ca.interKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) + string(ca.interPEM)
	certPath, keyPath = filepath.Join(dir, "instance.crt"), filepath.Join(dir, "instance.key")
	write(t, certPath, []byte(certFile))
	write(t, keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	return certPath, keyPath, certFile
}

// write replaces path's contents in one rename, as a rotation should appear to a reader.
func write(t testing.TB, path string, b []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func newKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
