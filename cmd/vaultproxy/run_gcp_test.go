package main

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// The gcp auto-auth method against a real Vault whose gcp auth method checks every JWT, with Google
// played by stand-ins on loopback. Vault Proxy's gcp method hard-codes its addresses
// (http://metadata/computeMetadata/v1/... for gce; https://accounts.google.com/o/oauth2/token and
// https://iamcredentials.googleapis.com for iam, through go-gcp-common and google.golang.org/api),
// and so does vaultproxy: what both honour is the HTTP proxy variables and SSL_CERT_FILE, so each
// process gets HTTP_PROXY and HTTPS_PROXY naming gcpForwardProxy, which answers plain requests itself
// and opens CONNECT tunnels with a certificate of a test CA that SSL_CERT_FILE holds. Vault's
// own calls to Google go to the same stand-ins through its gcp config's custom_endpoint, and its
// credentials are Application Default Credentials with a token_uri on loopback.

// gcpGoogle plays the Google services both sides and Vault use.
type gcpGoogle struct {
	t            *testing.T
	googleKey    *rsa.PrivateKey // Google's OAuth 2.0 key, which signs GCE identity tokens
	googleCert   string
	saSystemKey  *rsa.PrivateKey // the service account's Google-managed key, which signs signJwt's JWTs
	saSystemCert string
	saKey        *rsa.PrivateKey // the key of the credentials JSON the proxies are given
	vaultKey     *rsa.PrivateKey // the key of Vault's own credentials
	saEmail      string
	vaultEmail   string
	created      time.Time // the GCE instance's creation time

	mu       sync.Mutex
	metadata []gcpMetadataCall
	signs    []gcpSignCall
	tokens   []string // host and client_email of each verified token grant
	refused  []string
}

type gcpMetadataCall struct {
	host, path, flavor string
	query              url.Values
	served             string
}

type gcpSignCall struct {
	host, path, bearer string
	payload            map[string]any
	at                 time.Time
	signed             string
}

const (
	gcpProxyAccessToken = "ya29.proxy-access"
	gcpVaultAccessToken = "ya29.vault-access"
	gcpProject          = "proj-1"
	gcpZone             = "us-central1-a"
	gcpInstance         = "vm-1"
	gcpSAID             = "112233445566778899000"
)

func gcpSign(key *rsa.PrivateKey, kid string, claims []byte) string {
	enc := base64.RawURLEncoding.EncodeToString
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	signing := enc(header) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signing + "." + enc(sig)
}

// gcpVerify checks an RS256 compact JWS with pub and returns its claims.
func gcpVerify(token string, pub *rsa.PublicKey) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d parts", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return nil, err
	}
	cb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	d := json.NewDecoder(bytes.NewReader(cb))
	d.UseNumber()
	return claims, d.Decode(&claims)
}

func (g *gcpGoogle) refuse(w http.ResponseWriter, code int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	g.refused = append(g.refused, msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":%q}}`, code, msg)
}

func (g *gcpGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	p := r.URL.Path
	switch {
	case host == "metadata" && strings.HasPrefix(p, "/computeMetadata/v1/instance/service-accounts/") && strings.HasSuffix(p, "/identity"):
		call := gcpMetadataCall{host: host, path: p, flavor: r.Header.Get("Metadata-Flavor"), query: r.URL.Query()}
		if call.flavor != "Google" {
			g.metadata = append(g.metadata, call)
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "Missing Metadata-Flavor:Google header.")
			return
		}
		now := time.Now()
		claims, _ := json.Marshal(map[string]any{
			"iss": "https://accounts.google.com", "aud": call.query.Get("audience"), "azp": gcpSAID, "sub": gcpSAID,
			"email": g.saEmail, "email_verified": true, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"google": map[string]any{"compute_engine": map[string]any{"project_id": gcpProject, "project_number": 123456789012,
				"zone": gcpZone, "instance_id": "4567890123456789", "instance_name": gcpInstance,
				"instance_creation_timestamp": g.created.Unix()}},
		})
		call.served = gcpSign(g.googleKey, "google-1", claims)
		g.metadata = append(g.metadata, call)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, call.served)
	case r.Method == http.MethodPost && (host == "accounts.google.com" && p == "/o/oauth2/token" || p == "/vault-token"):
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			g.refuse(w, 400, "token: not a JWT-bearer grant")
			return
		}
		key, email, access := g.saKey, g.saEmail, gcpProxyAccessToken
		if p == "/vault-token" {
			key, email, access = g.vaultKey, g.vaultEmail, gcpVaultAccessToken
		}
		claims, err := gcpVerify(r.PostForm.Get("assertion"), &key.PublicKey)
		if err != nil || claims["iss"] != email || claims["scope"] != "https://www.googleapis.com/auth/cloud-platform" {
			g.refuse(w, 400, "token: assertion %v %v", claims, err)
			return
		}
		g.tokens = append(g.tokens, host+" "+email)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, access)
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/v1/projects/-/serviceAccounts/") && strings.HasSuffix(p, ":signJwt"):
		call := gcpSignCall{host: host, path: p, bearer: r.Header.Get("Authorization"), at: time.Now()}
		var body struct {
			Payload string `json:"payload"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			g.refuse(w, 400, "signJwt: %v", err)
			return
		}
		d := json.NewDecoder(strings.NewReader(body.Payload))
		d.UseNumber()
		if err := d.Decode(&call.payload); err != nil {
			g.refuse(w, 400, "signJwt: payload %q: %v", body.Payload, err)
			return
		}
		if call.bearer != "Bearer "+gcpProxyAccessToken || host != "iamcredentials.googleapis.com" {
			g.signs = append(g.signs, call)
			g.refuse(w, 401, "signJwt: %q at %s", call.bearer, host)
			return
		}
		call.signed = gcpSign(g.saSystemKey, "sa-key-1", []byte(body.Payload))
		g.signs = append(g.signs, call)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"keyId":"sa-key-1","signedJwt":%q}`, call.signed)
	case r.Method == http.MethodGet && p == "/oauth2/v1/certs":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"google-1": g.googleCert})
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/service_accounts/v1/metadata/x509/"):
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"sa-key-1": g.saSystemCert})
	case r.Method == http.MethodGet && (strings.HasPrefix(p, "/v1/projects/-/serviceAccounts/") || strings.HasPrefix(p, "/v1/projects/"+gcpProject+"/serviceAccounts/")):
		id := p[strings.LastIndex(p, "/")+1:]
		if r.Header.Get("Authorization") != "Bearer "+gcpVaultAccessToken || (id != g.saEmail && id != gcpSAID) {
			g.refuse(w, 404, "service account %s with %q", id, r.Header.Get("Authorization"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"name": "projects/" + gcpProject + "/serviceAccounts/" + g.saEmail,
			"projectId": gcpProject, "uniqueId": gcpSAID, "email": g.saEmail, "oauth2ClientId": gcpSAID})
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/projects/"+gcpProject+"/zones/"+gcpZone+"/instances/"+gcpInstance):
		if r.Header.Get("Authorization") != "Bearer "+gcpVaultAccessToken {
			g.refuse(w, 401, "instance with %q", r.Header.Get("Authorization"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "4567890123456789", "name": gcpInstance, "status": "RUNNING",
			"zone":              "https://www.googleapis.com/compute/v1/projects/" + gcpProject + "/zones/" + gcpZone,
			"creationTimestamp": g.created.Format(time.RFC3339Nano),
			"serviceAccounts":   []map[string]any{{"email": g.saEmail}}})
	default:
		g.refuse(w, 404, "no stand-in for %s %s%s", r.Method, host, p)
	}
}

func (g *gcpGoogle) snapshot() ([]gcpMetadataCall, []gcpSignCall, []string, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.metadata), slices.Clone(g.signs), slices.Clone(g.tokens), slices.Clone(g.refused)
}

// gcpCA issues TLS certificates for any host name, for the forward proxy's tunnels.
type gcpCA struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	pem  []byte
}

func newGCPCA(t *testing.T) *gcpCA {
	key := gcpRSAKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vaultproxy gcp test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &gcpCA{key: key, cert: cert, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func (ca *gcpCA) leaf(host string) (*tls.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// gcpForwardProxy is an HTTP forward proxy that is Google: a plain request (http://metadata/...) is
// answered by the handler, and a CONNECT tunnel is ended with TLS under a certificate for the host
// asked, then its requests are answered by the handler too. It records the hosts it was asked for.
type gcpForwardProxy struct {
	ca      *gcpCA
	handler http.Handler

	mu    sync.Mutex
	hosts []string
}

func (fp *gcpForwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fp.mu.Lock()
	fp.hosts = append(fp.hosts, r.Method+" "+r.Host)
	fp.mu.Unlock()
	if r.Method != http.MethodConnect {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		fp.handler.ServeHTTP(w, r)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	go func() {
		defer conn.Close()
		if _, err := rw.WriteString("HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil || rw.Flush() != nil {
			return
		}
		tc := tls.Server(conn, &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return fp.ca.leaf(hello.ServerName)
		}})
		if err := tc.Handshake(); err != nil {
			return
		}
		br := bufio.NewReader(tc)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			rec := httptest.NewRecorder()
			fp.handler.ServeHTTP(rec, req)
			_, _ = io.Copy(io.Discard, req.Body)
			resp := rec.Result()
			resp.ContentLength = int64(rec.Body.Len())
			if err := resp.Write(tc); err != nil {
				return
			}
		}
	}()
}

func (fp *gcpForwardProxy) asked() []string {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return slices.Clone(fp.hosts)
}

func gcpRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func gcpKeyPEM(t *testing.T, key *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func gcpSelfSigned(t *testing.T, key *rsa.PrivateKey, cn string) string {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// gcpLoginRecorder stands in front of Vault and records each login's path and JSON body.
type gcpLoginRecorder struct {
	srv    *httptest.Server
	mu     sync.Mutex
	paths  []string
	bodies []map[string]any
	status []int
}

func newGCPLoginRecorder(t *testing.T, vaultAddr string) *gcpLoginRecorder {
	target, err := url.Parse(vaultAddr)
	if err != nil {
		t.Fatal(err)
	}
	lr := &gcpLoginRecorder{}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = target.Host },
		ModifyResponse: func(resp *http.Response) error {
			if strings.HasSuffix(resp.Request.URL.Path, "/login") {
				lr.mu.Lock()
				lr.status = append(lr.status, resp.StatusCode)
				lr.mu.Unlock()
			}
			return nil
		}}
	lr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/login") {
			b, _ := io.ReadAll(r.Body)
			var body map[string]any
			_ = json.Unmarshal(b, &body)
			lr.mu.Lock()
			lr.paths = append(lr.paths, r.Method+" "+r.URL.Path)
			lr.bodies = append(lr.bodies, body)
			lr.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(lr.srv.Close)
	return lr
}

func (lr *gcpLoginRecorder) logins() ([]string, []map[string]any, []int) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return slices.Clone(lr.paths), slices.Clone(lr.bodies), slices.Clone(lr.status)
}

// TestRunGCP: `vault proxy` and `vaultproxy run`, each with the same gcp method configuration (type
// gce, then iam), log in to a real Vault's gcp auth method, which verifies the JWT each sends (its
// signature with the key Google's stand-in publishes, its audience, expiry and subject, the
// instance or service account it names); the requests each makes of Google and its login are
// recorded and compared; and a request through each one's listener carries the token it got.
func TestRunGCP(t *testing.T) {
	vaultBin := vaulttest.Binary(t)
	g := &gcpGoogle{t: t, googleKey: gcpRSAKey(t), saSystemKey: gcpRSAKey(t), saKey: gcpRSAKey(t), vaultKey: gcpRSAKey(t),
		saEmail: "vp-test@" + gcpProject + ".iam.gserviceaccount.com", vaultEmail: "vault-server@" + gcpProject + ".iam.gserviceaccount.com",
		created: time.Now().Add(-24 * time.Hour).Truncate(time.Second)}
	g.googleCert = gcpSelfSigned(t, g.googleKey, "google oauth2")
	g.saSystemCert = gcpSelfSigned(t, g.saSystemKey, "service account key")
	google := httptest.NewServer(g)
	defer google.Close()
	ca := newGCPCA(t)
	fp := &gcpForwardProxy{ca: ca, handler: g}
	fwd := httptest.NewServer(fp)
	defer fwd.Close()
	dir := t.TempDir()
	caFile := runWriteFile(t, dir, "ca.pem", string(ca.pem), 0o600)

	dev := vaulttest.StartDev(t)
	// Vault's gcp auth method finds Application Default Credentials in its HOME, with a token_uri here.
	vaultCreds, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": gcpProject, "private_key_id": "vk1",
		"private_key": gcpKeyPEM(t, g.vaultKey), "client_email": g.vaultEmail, "client_id": "998877", "token_uri": google.URL + "/vault-token"})
	adcDir := filepath.Join(dev.Home(), ".config", "gcloud")
	if err := os.MkdirAll(adcDir, 0o700); err != nil {
		t.Fatal(err)
	}
	runWriteFile(t, adcDir, "application_default_credentials.json", string(vaultCreds), 0o600)
	root := dev.Client(t)
	if err := root.Sys().EnableAuthWithOptions("gcp", &api.EnableAuthOptions{Type: "gcp"}); err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string]map[string]any{
		"auth/gcp/config":        {"custom_endpoint": map[string]any{"api": google.URL, "iam": google.URL + "/", "compute": google.URL + "/compute/v1/"}},
		"auth/gcp/role/iam-role": {"type": "iam", "bound_service_accounts": g.saEmail, "token_policies": "gcp-iam", "max_jwt_exp": "900"},
		"auth/gcp/role/gce-role": {"type": "gce", "bound_projects": gcpProject, "bound_zones": gcpZone, "token_policies": "gcp-gce"},
	} {
		if _, err := root.Logical().Write(path, data); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}

	// The proxies' credentials: a service account key, whose token gcputil asks of
	// https://accounts.google.com/o/oauth2/token whatever its token_uri.
	proxyCreds, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": gcpProject, "private_key_id": "pk1",
		"private_key": gcpKeyPEM(t, g.saKey), "client_email": g.saEmail, "client_id": "1234", "token_uri": "http://127.0.0.1:1/unused"})
	credsHCL, _ := json.Marshal(string(proxyCreds))
	env := []string{"HTTP_PROXY=" + fwd.URL, "HTTPS_PROXY=" + fwd.URL, "SSL_CERT_FILE=" + caFile}

	type side struct {
		name  string
		start func(config, addr string) *proc
	}
	sides := []side{
		{"vault proxy", func(config, addr string) *proc {
			path := runWriteFile(t, t.TempDir(), "vault-proxy.hcl", config, 0o600)
			return startProcessEnv(t, exec.Command(vaultBin, "proxy", "-config="+path), path, nil, env, addr)
		}},
		{"vaultproxy run", func(config, addr string) *proc {
			path := runWriteFile(t, t.TempDir(), "proxy.hcl", config, 0o600)
			return startProcessEnv(t, exec.Command(vaultproxyBin, "run", path), path, nil, env, addr)
		}},
	}
	for _, typ := range []string{"gce", "iam"} {
		role := typ + "-role"
		extra := ""
		if typ == "iam" {
			extra = fmt.Sprintf("credentials = %s\n      service_account = \"\"\n      jwt_exp = 10", credsHCL)
		}
		type result struct {
			path     string
			body     map[string]any
			metadata []gcpMetadataCall
			signs    []gcpSignCall
			tokens   []string
			hosts    []string
			lookup   *api.Secret
			vaultURL string
		}
		var results []result
		for _, s := range sides {
			lr := newGCPLoginRecorder(t, dev.Addr())
			addr := freeAddr(t)
			sink := filepath.Join(t.TempDir(), "token")
			config := fmt.Sprintf(`
vault {
  address = %q
}
auto_auth {
  method "gcp" {
    config = {
      type = %q
      role = %q
      %s
    }
  }
  sink "file" {
    config = {
      path = %q
    }
  }
}
api_proxy {
  use_auto_auth_token = true
}
listener "tcp" {
  address     = %q
  tls_disable = true
}
`, lr.srv.URL, typ, role, extra, sink, addr)
			md0, sg0, tk0, _ := g.snapshot()
			h0 := len(fp.asked())
			p := s.start(config, addr)
			deadline := time.Now().Add(30 * time.Second)
			for {
				if b, _ := os.ReadFile(sink); len(b) > 0 {
					break
				}
				if time.Now().After(deadline) {
					_, _, _, refused := g.snapshot()
					paths, bodies, status := lr.logins()
					t.Fatalf("%s %s: no token in the sink after 30s; logins %v %v (status %v); Google refused %v", s.name, typ, paths, bodies, status, refused)
				}
				time.Sleep(50 * time.Millisecond)
			}
			lookup, err := clientFor(t, addr).Auth().Token().LookupSelf()
			if err != nil {
				t.Fatalf("%s %s: lookup-self through the listener: %v", s.name, typ, err)
			}
			p.stop(t)
			md, sg, tk, _ := g.snapshot()
			paths, bodies, status := lr.logins()
			if len(paths) == 0 || status[len(status)-1] != http.StatusOK {
				t.Fatalf("%s %s: logins %v, status %v", s.name, typ, paths, status)
			}
			results = append(results, result{path: paths[len(paths)-1], body: bodies[len(bodies)-1], metadata: md[len(md0):],
				signs: sg[len(sg0):], tokens: tk[len(tk0):], hosts: fp.asked()[h0:], lookup: lookup, vaultURL: lr.srv.URL})
		}
		for i, r := range results {
			name := sides[i].name + " " + typ
			if r.path != "PUT /v1/auth/gcp/login" && r.path != "POST /v1/auth/gcp/login" {
				t.Errorf("%s: login %s", name, r.path)
			}
			if len(r.body) != 2 || r.body["role"] != role {
				t.Errorf("%s: login body %v", name, r.body)
			}
			policies, _ := r.lookup.TokenPolicies()
			if !slices.Contains(policies, "gcp-"+typ) {
				t.Errorf("%s: the listener's token has policies %v", name, policies)
			}
			if typ == "gce" {
				if len(r.metadata) == 0 {
					t.Fatalf("%s: no metadata request", name)
				}
				m := r.metadata[len(r.metadata)-1]
				if m.path != "/computeMetadata/v1/instance/service-accounts/default/identity" || m.flavor != "Google" ||
					len(m.query) != 2 || m.query.Get("audience") != r.vaultURL+"/vault/"+role || m.query.Get("format") != "full" {
					t.Errorf("%s: metadata request %s %s?%s", name, m.host, m.path, m.query.Encode())
				}
				if r.body["jwt"] != m.served {
					t.Errorf("%s: the login's JWT is not the one the metadata server served", name)
				}
				if len(r.signs) != 0 {
					t.Errorf("%s: signJwt called %d times", name, len(r.signs))
				}
				if !slices.Contains(r.hosts, "GET metadata") {
					t.Errorf("%s: the forward proxy was asked for %v", name, r.hosts)
				}
				continue
			}
			if len(r.signs) == 0 {
				t.Fatalf("%s: signJwt never called", name)
			}
			c := r.signs[len(r.signs)-1]
			exp, _ := c.payload["exp"].(json.Number).Int64()
			want := c.at.Add(10 * time.Minute).Unix()
			if c.host != "iamcredentials.googleapis.com" || c.path != "/v1/projects/-/serviceAccounts/"+g.saEmail+":signJwt" ||
				c.bearer != "Bearer "+gcpProxyAccessToken || len(c.payload) != 3 || c.payload["sub"] != g.saEmail ||
				c.payload["aud"] != "http://vault/"+role || exp < want-5 || exp > want+1 {
				t.Errorf("%s: signJwt %s %s with %q, payload %v (exp want about %d)", name, c.host, c.path, c.bearer, c.payload, want)
			}
			if r.body["jwt"] != c.signed {
				t.Errorf("%s: the login's JWT is not the one signJwt returned", name)
			}
			if !slices.Contains(r.tokens, "accounts.google.com "+g.saEmail) || !slices.Contains(r.hosts, "CONNECT iamcredentials.googleapis.com:443") ||
				!slices.Contains(r.hosts, "CONNECT accounts.google.com:443") {
				t.Errorf("%s: token grants %v, forward proxy asked for %v", name, r.tokens, r.hosts)
			}
		}
		// What differs between the two is only what must: the audience names each one's Vault
		// address, and exp the time of signing.
		if len(results) == 2 {
			a, b := results[0], results[1]
			if a.path != b.path || a.body["role"] != b.body["role"] || len(a.body) != len(b.body) {
				t.Errorf("%s: Vault Proxy logged in with %s %v, vaultproxy with %s %v", typ, a.path, a.body, b.path, b.body)
			}
			pa, _ := a.lookup.TokenPolicies()
			pb, _ := b.lookup.TokenPolicies()
			if !slices.Equal(pa, pb) {
				t.Errorf("%s: policies %v from Vault Proxy, %v from vaultproxy", typ, pa, pb)
			}
		}
	}
	if _, _, _, refused := g.snapshot(); len(refused) != 0 {
		t.Errorf("the Google stand-ins refused: %v", refused)
	}
}
