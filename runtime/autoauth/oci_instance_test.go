package autoauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/common"
	ociauth "github.com/oracle/oci-go-sdk/common/auth"
)

// ociInstanceStandIn plays the OCI instance metadata service (/opc/v2: region, the instance's
// identity certificate, its key and the intermediate certificate, each asked with
// "Authorization: Bearer Oracle") and the auth service's X.509 federation endpoint (/v1/x509),
// which checks the request's signature with the certificate's key, keyId
// <tenancy>/fed-x509/<SHA-1 fingerprint of the certificate>, and answers with a security token
// for the session public key it was sent.
type ociInstanceStandIn struct {
	tenancy                 string
	leafPEM, keyPEM, interm []byte
	leaf                    *x509.Certificate
	leafKey                 *rsa.PrivateKey

	mu         sync.Mutex
	refused    []string
	sessionKey *rsa.PublicKey
	token      string
	sessions   map[string]*rsa.PublicKey // every token given, to its session key
	metadata   []string                  // "GET <Host><path>" of each metadata request
}

func selfSigned(t *testing.T, key *rsa.PrivateKey, subject pkix.Name) ([]byte, *x509.Certificate) {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), c
}

func newOCIInstanceStandIn(t *testing.T, tenancy string) *ociInstanceStandIn {
	leafKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	intermKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	s := &ociInstanceStandIn{tenancy: tenancy, leafKey: leafKey}
	s.leafPEM, s.leaf = selfSigned(t, leafKey, pkix.Name{CommonName: "ocid1.instance.oc1.iad.test",
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "opc-certtype:instance"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "opc-tenant:" + tenancy},
		}})
	s.keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(leafKey)})
	s.interm, _ = selfSigned(t, intermKey, pkix.Name{CommonName: "PKISVC Identity Intermediate"})
	return s
}

func (s *ociInstanceStandIn) refuse(w http.ResponseWriter, why string) {
	s.mu.Lock()
	s.refused = append(s.refused, why)
	s.mu.Unlock()
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"code":"NotAuthenticated","message":%q}`, why)
}

func (s *ociInstanceStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/opc/") {
		s.mu.Lock()
		s.metadata = append(s.metadata, r.Method+" "+r.Host+r.URL.Path)
		s.mu.Unlock()
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer Oracle" {
			s.refuse(w, "metadata request without Authorization: Bearer Oracle")
			return
		}
		switch r.URL.Path {
		case "/opc/v2/instance/region":
			fmt.Fprint(w, "iad")
		case "/opc/v2/identity/cert.pem":
			w.Write(s.leafPEM)
		case "/opc/v2/identity/key.pem":
			w.Write(s.keyPEM)
		case "/opc/v2/identity/intermediate.pem":
			w.Write(s.interm)
		default:
			http.NotFound(w, r)
		}
		return
	}
	if r.URL.Path != "/v1/x509" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	headers := map[string][]string{"(request-target)": {"post " + r.URL.RequestURI()}}
	for k, v := range r.Header {
		headers[k] = v
	}
	keyID, signed, err := verifyOCISignature(headers, &s.leafKey.PublicKey)
	fp := fmt.Sprintf("% x", sha1.Sum(s.leaf.Raw))
	if want := s.tenancy + "/fed-x509/" + strings.ReplaceAll(fp, " ", ":"); err != nil || keyID != want ||
		signed != "date (request-target) content-length content-type x-content-sha256" {
		s.refuse(w, fmt.Sprintf("federation signature: %v, keyId %q (want %q), headers %q", err, keyID, want, signed))
		return
	}
	var req struct {
		Certificate, PublicKey   string
		IntermediateCertificates []string
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.refuse(w, err.Error())
		return
	}
	der, _ := base64.StdEncoding.DecodeString(req.PublicKey)
	pub, err := x509.ParsePKIXPublicKey(der)
	rsaPub, ok := pub.(*rsa.PublicKey)
	if err != nil || !ok || req.Certificate != base64.StdEncoding.EncodeToString(s.leaf.Raw) || len(req.IntermediateCertificates) != 1 {
		s.refuse(w, fmt.Sprintf("federation request %s", body))
		return
	}
	b64 := base64.RawURLEncoding.EncodeToString
	token := b64([]byte(`{"alg":"RS256","kid":"asw","typ":"JWT"}`)) + "." +
		b64(fmt.Appendf(nil, `{"sub":"ocid1.instance.oc1.iad.test","iss":"authService.oracle.com","ptype":"instance","tenant":%q,"exp":%d,"jti":"%d"}`,
			s.tenancy, time.Now().Add(time.Hour).Unix(), time.Now().UnixNano())) + "." + b64([]byte("not-checked-by-the-sdk"))
	s.mu.Lock()
	s.sessionKey, s.token = rsaPub, token
	if s.sessions == nil {
		s.sessions = map[string]*rsa.PublicKey{}
	}
	s.sessions[token] = rsaPub
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"token":%q}`, token)
}

// metadataRedirect sends the SDK's requests for the instance metadata service, whose address the
// SDK hard-codes, to the stand-in: a dispatcher installed through the SDK's own modifier hook.
type metadataRedirect struct {
	next common.HTTPRequestDispatcher
	to   *url.URL
}

func (d metadataRedirect) Do(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "169.254.169.254" {
		r.URL.Scheme, r.URL.Host = d.to.Scheme, d.to.Host
	}
	return d.next.Do(r)
}

// useOCIInstanceStandIn points the instance principal provider at the stand-in at standIn for the
// test: the SDK's metadata requests, bounded as ociInstanceProvider bounds them, are redirected
// there from 169.254.169.254 (a dispatcher added through the SDK's own modifier hook), and
// OCI_SDK_AUTH_CLIENT_REGION_URL, which the SDK honours, points the federation client there too.
func useOCIInstanceStandIn(t *testing.T, standIn string) {
	to, err := url.Parse(standIn)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("OCI_SDK_AUTH_CLIENT_REGION_URL", standIn)
	old := ociInstanceProvider
	ociInstanceProvider = func() (common.ConfigurationProvider, error) {
		return ociauth.InstancePrincipalConfigurationProviderWithCustomClient(func(d common.HTTPRequestDispatcher) (common.HTTPRequestDispatcher, error) {
			d, err := ociBoundMetadata(d)
			return metadataRedirect{next: d, to: to}, err
		})
	}
	t.Cleanup(func() { ociInstanceProvider = old })
}

// With type instance, the login is signed with the instance principal's session key, keyId
// ST$<security token>, the token the federation endpoint gave for that key's public half. The
// provider is vaultproxy's, with the metadata requests redirected to the stand-in
// (useOCIInstanceStandIn).
func TestOCIInstanceLogin(t *testing.T) {
	const tenancy = "ocid1.tenancy.oc1..instancetenancy"
	standIn := newOCIInstanceStandIn(t, tenancy)
	srv := httptest.NewServer(standIn)
	defer srv.Close()
	useOCIInstanceStandIn(t, srv.URL)

	fv, vault, c := fakeVaultServer(t)
	m, err := newOCI(Config{Method: "oci", MountPath: "auth/oci", Strings: map[string]string{"type": "instance", "role": "inst-role"}}, vault.URL, testLog)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	standIn.mu.Lock()
	refused, token, sessionKey := standIn.refused, standIn.token, standIn.sessionKey
	standIn.mu.Unlock()
	if len(refused) > 0 || token == "" {
		t.Fatalf("stand-in refused %v", refused)
	}
	checkOCILogin(t, fv.paths[0], fv.logins[0], vault.URL, "auth/oci", "inst-role", ociKey{pub: sessionKey}, "ST$"+token)
}

// Differential: the real `vault proxy` with an oci method of type instance, given HTTP_PROXY naming
// the stand-in (the SDK's metadata client is Go's default, which honours it for 169.254.169.254)
// and OCI_SDK_AUTH_CLIENT_REGION_URL naming it too (the federation client goes there, on loopback,
// instead of https://auth.<region>.oraclecloud.com), makes the same metadata requests as vaultproxy
// and sends the same scripted Vault a login of the same form: same path, request_headers with the
// same keys, keyId ST$<a token the stand-in gave>, signed with that token's session key. The
// stand-in checks each federation request's signature by the instance certificate's key.
// vaultproxy is run in-process as in TestOCIInstanceLogin, with its metadata requests redirected
// (their Host header stays 169.254.169.254).
func TestOCIInstanceDifferential(t *testing.T) {
	const tenancy = "ocid1.tenancy.oc1..instancetenancy"
	standIn := newOCIInstanceStandIn(t, tenancy)
	srv := httptest.NewServer(standIn)
	defer srv.Close()
	fv := &fakeVault{}
	vault := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer vault.Close()

	startVaultProxy(t, fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "oci" {
    mount_path = "auth/oci-prod"
    config = {
      type = "instance"
      role = "inst-role"
    }
  }
  sink "file" {
    config = { path = %q }
  }
}`, vault.URL, filepath.Join(t.TempDir(), "sink")), "HTTP_PROXY="+srv.URL, "OCI_SDK_AUTH_CLIENT_REGION_URL="+srv.URL)
	waitFor(t, "login from vault proxy", func() bool { return fv.loginCount() > 0 })
	standIn.mu.Lock()
	theirMetadata := slices.Clone(standIn.metadata)
	standIn.mu.Unlock()

	useOCIInstanceStandIn(t, srv.URL)
	m, err := newOCI(Config{Method: "oci", MountPath: "auth/oci-prod", Strings: map[string]string{"type": "instance", "role": "inst-role"}}, vault.URL, testLog)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newAPIClient(vault.URL, vault.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}

	standIn.mu.Lock()
	refused, sessions := standIn.refused, maps.Clone(standIn.sessions)
	ourMetadata := slices.Clone(standIn.metadata[len(theirMetadata):])
	standIn.mu.Unlock()
	if len(refused) > 0 {
		t.Errorf("stand-in refused %v", refused)
	}
	t.Logf("metadata requests of each: %q", ourMetadata)
	if !slices.Equal(theirMetadata, ourMetadata) || !slices.Contains(ourMetadata, "GET 169.254.169.254/opc/v2/identity/cert.pem") {
		t.Errorf("metadata requests differ:\nvault proxy: %q\nvaultproxy:  %q", theirMetadata, ourMetadata)
	}
	fv.mu.Lock()
	var paths []string
	for _, p := range fv.paths {
		if strings.Contains(p, "/login") {
			paths = append(paths, p)
		}
	}
	logins := slices.Clone(fv.logins)
	fv.mu.Unlock()
	keyIDPattern := regexp.MustCompile(`keyId="(ST\$[^"]+)"`)
	check := func(name, path string, body map[string]any) {
		t.Run(name, func(t *testing.T) {
			h := requestHeaders(t, body)
			match := keyIDPattern.FindStringSubmatch(strings.Join(h["Authorization"], ""))
			if match == nil {
				t.Fatalf("Authorization %q", h["Authorization"])
			}
			key := sessions[strings.TrimPrefix(match[1], "ST$")]
			if key == nil {
				t.Fatalf("keyId %q names no token the stand-in gave", match[1])
			}
			checkOCILogin(t, path, body, vault.URL, "auth/oci-prod", "inst-role", ociKey{pub: key}, match[1])
		})
	}
	check("Vault Proxy", paths[0], logins[0])
	check("vaultproxy", paths[len(paths)-1], logins[len(logins)-1])
}

// An instance metadata service that accepts and never answers fails building the instance
// principal provider at metadataTimeout, with an error naming the URL and the bound, instead of
// holding it forever (the SDK's metadata client, which Vault Proxy uses as it is, has no timeout);
// once the service answers, the method is built and logs in. The federation endpoint's client,
// which has the SDK's own 60 s timeout, is left alone.
func TestOCIInstanceMetadataTimeout(t *testing.T) {
	shortMetadataTimeout(t)
	const tenancy = "ocid1.tenancy.oc1..instancetenancy"
	standIn := newOCIInstanceStandIn(t, tenancy)
	stalled := stall(standIn)
	srv := httptest.NewServer(stalled)
	defer srv.Close()
	useOCIInstanceStandIn(t, srv.URL)

	fv, vault, c := fakeVaultServer(t)
	build := func() (*ociMethod, error) {
		return newOCI(Config{Method: "oci", MountPath: "auth/oci", Strings: map[string]string{"type": "instance", "role": "inst-role"}}, vault.URL, testLog)
	}
	_, err := within(t, stalled, "building the oci method", build)
	wantMetadataTimeout(t, err, "http://169.254.169.254/opc/v2/instance/region")

	stalled.answer()
	m, err := within(t, stalled, "building the oci method", build)
	if err != nil {
		t.Fatalf("once the metadata service answers: %v", err)
	}
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	standIn.mu.Lock()
	refused, token := standIn.refused, standIn.token
	standIn.mu.Unlock()
	if len(refused) > 0 || token == "" || len(fv.logins) != 1 {
		t.Fatalf("stand-in refused %v, logins %v", refused, fv.logins)
	}
}
