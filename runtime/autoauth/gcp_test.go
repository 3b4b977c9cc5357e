package autoauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// gcpSignRS256 makes a compact RS256 JWS of claims, as Google signs (tests only).
func gcpSignRS256(key *rsa.PrivateKey, kid string, claims []byte) string {
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

// gcpVerifyRS256 checks a compact RS256 JWS with pub and returns its claims.
func gcpVerifyRS256(token string, pub *rsa.PublicKey) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d parts", len(parts))
	}
	var header map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &header); err != nil || header["alg"] != "RS256" {
		return nil, fmt.Errorf("header %s", hb)
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
	d := json.NewDecoder(strings.NewReader(string(cb)))
	d.UseNumber()
	return claims, d.Decode(&claims)
}

// gcpGoogle stands in for Google's OAuth 2.0 token endpoint and the IAM Credentials API's signJwt:
// the token endpoint checks the JWT-bearer assertion signed with the service account key (or an
// authorized user's refresh token) and hands out an access token; signJwt requires that token and
// signs the payload with the service account's "system-managed" key.
type gcpGoogle struct {
	saKey     *rsa.PrivateKey // the key of the credentials JSON
	signKey   *rsa.PrivateKey // Google's key signJwt signs with
	saEmail   string
	tokenPath string // the path the token requests must come to

	mu       sync.Mutex
	tokens   []url.Values // token requests' forms
	assertOK []bool       // whether each assertion verified with saKey
	signs    []gcpSignCall
	refused  []string
}

type gcpSignCall struct {
	path, bearer string
	payload      map[string]any
	signed       string
}

const gcpTestAccessToken = "ya29.vaultproxy-test"

func (g *gcpGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	refuse := func(code int, msg string) {
		g.refused = append(g.refused, msg)
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"code":%d,"message":%q}}`, code, msg)
	}
	switch {
	case r.URL.Path == g.tokenPath:
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			refuse(400, "token: bad request")
			return
		}
		g.tokens = append(g.tokens, r.PostForm)
		ok := false
		switch r.PostForm.Get("grant_type") {
		case "urn:ietf:params:oauth:grant-type:jwt-bearer":
			claims, err := gcpVerifyRS256(r.PostForm.Get("assertion"), &g.saKey.PublicKey)
			ok = err == nil && claims["iss"] == g.saEmail && claims["scope"] == "https://www.googleapis.com/auth/cloud-platform"
		case "refresh_token":
			ok = r.PostForm.Get("refresh_token") == "user-refresh" && r.PostForm.Get("client_id") == "user-client"
		}
		g.assertOK = append(g.assertOK, ok)
		if !ok {
			refuse(400, "token: invalid_grant")
			return
		}
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, gcpTestAccessToken)
	case strings.HasPrefix(r.URL.Path, "/v1/projects/-/serviceAccounts/") && strings.HasSuffix(r.URL.Path, ":signJwt"):
		var body struct {
			Payload string `json:"payload"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Method != http.MethodPost {
			refuse(400, "signJwt: bad request")
			return
		}
		call := gcpSignCall{path: r.URL.Path, bearer: r.Header.Get("Authorization")}
		d := json.NewDecoder(strings.NewReader(body.Payload))
		d.UseNumber()
		if err := d.Decode(&call.payload); err != nil {
			refuse(400, "signJwt: payload is not JSON")
			return
		}
		if call.bearer != "Bearer "+gcpTestAccessToken {
			g.signs = append(g.signs, call)
			refuse(401, "signJwt: no valid access token")
			return
		}
		call.signed = gcpSignRS256(g.signKey, "sys-key-1", []byte(body.Payload))
		g.signs = append(g.signs, call)
		fmt.Fprintf(w, `{"keyId":"sys-key-1","signedJwt":%q}`, call.signed)
	default:
		refuse(404, "no such path "+r.URL.Path)
	}
}

func gcpTestKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// gcpIsolate removes every credential source of the environment, so that only the test's count.
func gcpIsolate(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("GOOGLE_CREDENTIALS", "")
	t.Setenv("GOOGLE_CLOUD_KEYFILE_JSON", "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("CLOUDSDK_CONFIG", t.TempDir())
	t.Setenv("GCE_METADATA_HOST", "127.0.0.1:1") // the ADC's last resort must not find a real one
	t.Setenv("NO_GCE_CHECK", "true")
}

// With type iam, the login's JWT is the one signJwt returned, signed for exactly the claims Vault
// Proxy sends (sub, aud, exp jwt_exp minutes on), with an access token of the credentials found.
func TestGCPIAMLogin(t *testing.T) {
	saKey, saPEM := gcpTestKey(t)
	signKey, _ := gcpTestKey(t)
	const email = "vp-test@proj-1.iam.gserviceaccount.com"
	g := &gcpGoogle{saKey: saKey, signKey: signKey, saEmail: email}
	google := httptest.NewServer(g)
	defer google.Close()
	oldTok, oldIAM := gcpTokenURL, gcpIAMCredentialsEndpoint
	defer func() { gcpTokenURL, gcpIAMCredentialsEndpoint = oldTok, oldIAM }()
	gcpTokenURL = google.URL + "/fixed-token-url"
	gcpIAMCredentialsEndpoint = google.URL + "/"

	key := func(tokenURI string) string {
		b, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "proj-1", "private_key_id": "k1",
			"private_key": saPEM, "client_email": email, "client_id": "1234", "token_uri": tokenURI})
		return string(b)
	}
	user, _ := json.Marshal(map[string]string{"type": "authorized_user", "client_id": "user-client",
		"client_secret": "user-secret", "refresh_token": "user-refresh", "token_uri": google.URL + "/adc-token"})
	writeFile := func(s string) string {
		p := filepath.Join(t.TempDir(), "creds.json")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name        string
		credentials string            // the config's credentials
		env         map[string]string // more environment
		home        string            // ~/.gcp/credentials
		sa          *string           // service_account; nil: not in the config (Vault Proxy's "default")
		jwtExp      int
		tokenPath   string // where the token request must come
		wantSub     string
		wantErr     string
	}{
		{name: "credentials, service_account empty: client_email", credentials: key("http://unused.invalid/token"), sa: ptr(""),
			tokenPath: "/fixed-token-url", wantSub: email},
		{name: "credentials, service_account set, jwt_exp 5", credentials: key("http://unused.invalid/token"), sa: ptr("other@proj-1.iam.gserviceaccount.com"),
			jwtExp: 5, tokenPath: "/fixed-token-url", wantSub: "other@proj-1.iam.gserviceaccount.com"},
		{name: "service_account not written: default", credentials: key("http://unused.invalid/token"),
			tokenPath: "/fixed-token-url", wantSub: "default"},
		{name: "GOOGLE_CREDENTIALS", env: map[string]string{"GOOGLE_CREDENTIALS": key("http://unused.invalid/token")}, sa: ptr(""),
			tokenPath: "/fixed-token-url", wantSub: email},
		{name: "GOOGLE_CLOUD_KEYFILE_JSON", env: map[string]string{"GOOGLE_CLOUD_KEYFILE_JSON": key("http://unused.invalid/token")}, sa: ptr(""),
			tokenPath: "/fixed-token-url", wantSub: email},
		{name: "~/.gcp/credentials", home: key("http://unused.invalid/token"), sa: ptr(""), tokenPath: "/fixed-token-url", wantSub: email},
		{name: "credentials that are not JSON: ADC service account key with its token_uri", credentials: "not json",
			env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": writeFile(key(google.URL + "/adc-token"))}, sa: ptr(""),
			tokenPath: "/adc-token", wantSub: email},
		{name: "ADC authorized user with service_account", sa: ptr("user-sa@proj-1.iam.gserviceaccount.com"),
			env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": writeFile(string(user))}, tokenPath: "/adc-token",
			wantSub: "user-sa@proj-1.iam.gserviceaccount.com"},
		{name: "ADC authorized user, service_account empty", sa: ptr(""),
			env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": writeFile(string(user))}, wantErr: "could not obtain service account from credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gcpIsolate(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if tc.home != "" {
				dir := filepath.Join(os.Getenv("HOME"), ".gcp")
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(tc.home), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			g.mu.Lock()
			g.tokenPath, g.tokens, g.assertOK, g.signs, g.refused = tc.tokenPath, nil, nil, nil, nil
			g.mu.Unlock()
			strs := map[string]string{"type": "iam", "role": "my-role", "credentials": tc.credentials}
			if tc.sa != nil {
				strs["service_account"] = *tc.sa
			}
			m, err := newMethod(Config{Method: "gcp", MountPath: "auth/gcp-x", Strings: strs, Ints: map[string]int{"jwt_exp": tc.jwtExp}}, Deps{Logger: testLog})
			if err != nil {
				t.Fatal(err)
			}
			fv, c := fakeVaultClient(t)
			before := time.Now()
			_, err = m.login(context.Background(), c)
			after := time.Now()
			g.mu.Lock()
			defer g.mu.Unlock()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("login: %v, want %q", err, tc.wantErr)
				}
				if len(fv.logins) != 0 || len(g.signs) != 0 {
					t.Errorf("logins %v, signJwt calls %v", fv.logins, g.signs)
				}
				return
			}
			if err != nil {
				t.Fatalf("login: %v (refused: %v)", err, g.refused)
			}
			if len(g.tokens) != 1 || !g.assertOK[0] || len(g.signs) != 1 || len(g.refused) != 0 {
				t.Fatalf("token requests %v (verified %v), signJwt calls %d, refused %v", g.tokens, g.assertOK, len(g.signs), g.refused)
			}
			call := g.signs[0]
			if call.path != "/v1/projects/-/serviceAccounts/"+tc.wantSub+":signJwt" || call.bearer != "Bearer "+gcpTestAccessToken {
				t.Errorf("signJwt at %s with %q", call.path, call.bearer)
			}
			exp, _ := call.payload["exp"].(json.Number).Int64()
			minutes := tc.jwtExp
			if minutes == 0 {
				minutes = 15
			}
			lo, hi := before.Add(time.Duration(minutes)*time.Minute).Unix(), after.Add(time.Duration(minutes)*time.Minute).Unix()
			if len(call.payload) != 3 || call.payload["sub"] != tc.wantSub || call.payload["aud"] != "http://vault/my-role" || exp < lo || exp > hi {
				t.Errorf("signJwt payload %v, want sub %s, aud http://vault/my-role, exp in [%d, %d]", call.payload, tc.wantSub, lo, hi)
			}
			if len(fv.logins) != 1 || fv.paths[0] != "/v1/auth/gcp-x/login" {
				t.Fatalf("logins %v at %v", fv.logins, fv.paths)
			}
			login := fv.logins[0]
			if len(login) != 2 || login["role"] != "my-role" || login["jwt"] != call.signed {
				t.Errorf("login body %v, want role my-role and the signed JWT", login)
			}
			claims, err := gcpVerifyRS256(login["jwt"].(string), &signKey.PublicKey)
			if err != nil || claims["sub"] != tc.wantSub || claims["aud"] != "http://vault/my-role" {
				t.Errorf("the login JWT does not verify with signJwt's key: %v %v", claims, err)
			}
		})
	}
}

// metadataStandIn answers the GCE metadata server's identity requests as GCE does, for any service
// account, and records each request.
type metadataStandIn struct {
	token string
	mu    sync.Mutex
	reqs  []*http.Request
}

func (s *metadataStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Clone(context.Background()))
	s.mu.Unlock()
	if r.Header.Get("Metadata-Flavor") != "Google" {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, "Missing Metadata-Flavor:Google header.")
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/computeMetadata/v1/instance/service-accounts/") || !strings.HasSuffix(r.URL.Path, "/identity") {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("audience") == "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "non-empty audience parameter required")
		return
	}
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, s.token)
}

// With type gce, the login's JWT is exactly what the metadata server served for the service
// account, asked with the audience <Vault's address>/vault/<role> and format=full.
func TestGCPGCELogin(t *testing.T) {
	md := &metadataStandIn{token: "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"}
	mdSrv := httptest.NewServer(md)
	defer mdSrv.Close()
	old := gcpIdentityEndpoint
	defer func() { gcpIdentityEndpoint = old }()
	gcpIdentityEndpoint = mdSrv.URL + "/computeMetadata/v1/instance/service-accounts/%s/identity"
	for _, tc := range []struct {
		sa     *string
		wantSA string
	}{{nil, "default"}, {ptr("vm-sa@proj-1.iam.gserviceaccount.com"), "vm-sa@proj-1.iam.gserviceaccount.com"}} {
		md.reqs = nil
		strs := map[string]string{"type": "gce", "role": "vm-role"}
		if tc.sa != nil {
			strs["service_account"] = *tc.sa
		}
		m, err := newMethod(Config{Method: "gcp", MountPath: "auth/gce", Strings: strs}, Deps{Logger: testLog})
		if err != nil {
			t.Fatal(err)
		}
		fv := &fakeVault{}
		vault := httptest.NewServer(http.HandlerFunc(fv.handler))
		c, err := newAPIClient(vault.URL, vault.Client(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.login(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		vault.Close()
		if len(md.reqs) != 1 {
			t.Fatalf("%d metadata requests", len(md.reqs))
		}
		r := md.reqs[0]
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.Path != "/computeMetadata/v1/instance/service-accounts/"+tc.wantSA+"/identity" ||
			len(q) != 2 || q.Get("audience") != vault.URL+"/vault/vm-role" || q.Get("format") != "full" {
			t.Errorf("metadata request %s %s", r.Method, r.URL)
		}
		if len(fv.logins) != 1 || fv.paths[0] != "/v1/auth/gce/login" || len(fv.logins[0]) != 2 ||
			fv.logins[0]["role"] != "vm-role" || fv.logins[0]["jwt"] != md.token {
			t.Errorf("logins %v at %v", fv.logins, fv.paths)
		}
	}

	// A metadata server that refuses gives an error, and no login.
	gcpIdentityEndpoint = mdSrv.URL + "/elsewhere/%s"
	m, _ := newMethod(Config{Method: "gcp", MountPath: "auth/gce", Strings: map[string]string{"type": "gce", "role": "r", "service_account": "default"}}, Deps{Logger: testLog})
	fv := &fakeVault{}
	vault := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer vault.Close()
	c, _ := newAPIClient(vault.URL, vault.Client(), "", 0)
	if _, err := m.login(context.Background(), c); err == nil || !strings.Contains(err.Error(), "404") || len(fv.logins) != 0 {
		t.Errorf("login with a 404 from the metadata server: %v, logins %v", err, fv.logins)
	}
}

func TestNewGCPRefusals(t *testing.T) {
	for _, tc := range []struct {
		strs map[string]string
		want string
	}{
		{map[string]string{"type": "gce"}, "'role' value is empty"},
		{map[string]string{"role": "r"}, "'type' value is empty"},
		{map[string]string{"role": "r", "type": "gke"}, "'type' value \"gke\" is invalid"},
	} {
		if _, err := newMethod(Config{Method: "gcp", Strings: tc.strs}, Deps{Logger: testLog}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.strs, err, tc.want)
		}
	}
	// The gcp method has no credentials to watch, as Vault Proxy's (NewCreds returns nil).
	m, err := newMethod(Config{Method: "gcp", Strings: map[string]string{"role": "r", "type": "iam"}}, Deps{Logger: testLog})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(credWatcher); ok {
		t.Error("the gcp method watches credentials")
	}
}

// With type gce, a metadata server that accepts and never answers fails the login at
// metadataTimeout, with an error naming the identity URL and the bound, instead of holding it
// forever (Vault Proxy's request has no timeout); the next login, once it answers, succeeds.
func TestGCPGCEMetadataTimeout(t *testing.T) {
	shortMetadataTimeout(t)
	md := &metadataStandIn{token: "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"}
	stalled := stall(md)
	mdSrv := httptest.NewServer(stalled)
	defer mdSrv.Close()
	old := gcpIdentityEndpoint
	defer func() { gcpIdentityEndpoint = old }()
	gcpIdentityEndpoint = mdSrv.URL + "/computeMetadata/v1/instance/service-accounts/%s/identity"
	m, err := newMethod(Config{Method: "gcp", MountPath: "auth/gce", Strings: map[string]string{"type": "gce", "role": "vm-role", "service_account": "default"}}, Deps{Logger: testLog})
	if err != nil {
		t.Fatal(err)
	}
	fv, c := fakeVaultClient(t)
	login := func() (any, error) { return m.login(context.Background(), c) }
	_, err = within(t, stalled, "the gce login", login)
	wantMetadataTimeout(t, err, mdSrv.URL+"/computeMetadata/v1/instance/service-accounts/default/identity")
	if stalled.held() != 1 || len(fv.logins) != 0 {
		t.Errorf("%d metadata requests held, logins %v", stalled.held(), fv.logins)
	}

	stalled.answer()
	if _, err := within(t, stalled, "the gce login", login); err != nil {
		t.Fatalf("login once the metadata server answers: %v", err)
	}
	if len(fv.logins) != 1 || fv.logins[0]["jwt"] != md.token {
		t.Errorf("logins %v", fv.logins)
	}
}
