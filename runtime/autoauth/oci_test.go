package autoauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// ociKey is a test API key: its private key file and public key.
type ociKey struct {
	path string
	pub  *rsa.PublicKey
}

func newOCIKey(t *testing.T, dir, name string) ociKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return ociKey{path: p, pub: &k.PublicKey}
}

// writeOCIConfig writes an OCI config file whose DEFAULT profile names key.
func writeOCIConfig(t *testing.T, path, tenancy, user, fingerprint, keyFile string) {
	t.Helper()
	body := fmt.Sprintf("[DEFAULT]\nuser=%s\nfingerprint=%s\ntenancy=%s\nregion=us-ashburn-1\nkey_file=%s\n\n[OTHER]\nuser=ocid1.user.oc1..other\n",
		user, fingerprint, tenancy, keyFile)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ociEnv leaves the apikey provider chain only the config file at configFile (OCI_CONFIG_FILE):
// no OCI_* key variables. A ~/.oci/config of the user running the tests would come first, as it
// does in Vault Proxy, so the test is skipped then.
func ociEnv(t *testing.T, configFile string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(ociHomeDir(), ".oci", "config")); err == nil {
		t.Skip("~/.oci/config exists and would be read before OCI_CONFIG_FILE")
	}
	if _, err := os.Stat(filepath.Join(ociHomeDir(), ".oraclebmc", "config")); err == nil {
		t.Skip("~/.oraclebmc/config exists")
	}
	for _, k := range []string{"OCI_tenancy_ocid", "OCI_user_ocid", "OCI_fingerprint", "OCI_private_key_path", "OCI_region", "OCI_REGION"} {
		t.Setenv(k, "")
		os.Unsetenv(k) // the SDK tells an empty variable from an absent one
	}
	t.Setenv("OCI_CONFIG_FILE", configFile)
}

var cavageParamRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// verifyOCISignature checks, independently of the OCI SDK, the draft-cavage HTTP signature that
// request_headers carry: the Authorization header names version 1, rsa-sha256, keyId and the
// signed headers; the signing string is "<name>: <value>" for each, joined by newlines, taken from
// the headers themselves, as Vault's oci plugin rebuilds it; the signature is RSA PKCS #1 v1.5 over
// its SHA-256 with pub. It returns the keyId and the signed header list.
func verifyOCISignature(headers map[string][]string, pub *rsa.PublicKey) (keyID, signed string, err error) {
	get := func(name string) (string, bool) {
		for k, v := range headers {
			if strings.EqualFold(k, name) && len(v) == 1 {
				return v[0], true
			}
		}
		return "", false
	}
	authz, ok := get("Authorization")
	if !ok || !strings.HasPrefix(authz, "Signature ") {
		return "", "", fmt.Errorf("authorization %q", authz)
	}
	params := map[string]string{}
	for _, m := range cavageParamRE.FindAllStringSubmatch(authz, -1) {
		params[m[1]] = m[2]
	}
	if params["version"] != "1" || params["algorithm"] != "rsa-sha256" {
		return "", "", fmt.Errorf("authorization %q", authz)
	}
	var lines []string
	for _, h := range strings.Fields(params["headers"]) {
		v, ok := get(h)
		if !ok {
			return "", "", fmt.Errorf("signed header %s is not among the request headers", h)
		}
		lines = append(lines, strings.ToLower(h)+": "+v)
	}
	sig, err := base64.StdEncoding.DecodeString(params["signature"])
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return "", "", fmt.Errorf("signature over %q: %w", strings.Join(lines, "\n"), err)
	}
	return params["keyId"], params["headers"], nil
}

// requestHeaders is the login body's request_headers as JSON decoded them.
func requestHeaders(t *testing.T, body map[string]any) map[string][]string {
	t.Helper()
	if len(body) != 1 {
		t.Fatalf("login body keys: %v", body)
	}
	raw, ok := body["request_headers"].(map[string]any)
	if !ok {
		t.Fatalf("request_headers: %#v", body["request_headers"])
	}
	out := map[string][]string{}
	for k, v := range raw {
		vs, _ := v.([]any)
		for _, s := range vs {
			out[k] = append(out[k], fmt.Sprint(s))
		}
	}
	return out
}

// checkOCILogin checks one recorded oci login: its path, that request_headers hold exactly Date,
// Authorization, Host and (request-target) with the values Vault Proxy sends, and the signature.
func checkOCILogin(t *testing.T, path string, body map[string]any, vaultURL, mount, role string, key ociKey, wantKeyID string) {
	t.Helper()
	if want := "/v1/" + mount + "/login/" + role; path != want {
		t.Errorf("login path %s, want %s", path, want)
	}
	h := requestHeaders(t, body)
	var names []string
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"(request-target)", "Authorization", "Date", "Host"}; !reflect.DeepEqual(names, want) {
		t.Errorf("request_headers %v, want the keys %v", h, want)
	}
	u, _ := url.Parse(vaultURL)
	if got := h["Host"]; len(got) != 1 || got[0] != u.Host {
		t.Errorf("Host %v, want %s", got, u.Host)
	}
	if got, want := h["(request-target)"], "get /v1/"+mount+"/login/"+role; len(got) != 1 || got[0] != want {
		t.Errorf("(request-target) %v, want %s", got, want)
	}
	if d, err := http.ParseTime(h["Date"][0]); err != nil || time.Since(d).Abs() > time.Minute || !strings.HasSuffix(h["Date"][0], " GMT") {
		t.Errorf("Date %v (%v)", h["Date"], err)
	}
	keyID, signed, err := verifyOCISignature(h, key.pub)
	if err != nil {
		t.Errorf("signature: %v", err)
	}
	if keyID != wantKeyID || signed != "date (request-target) host" {
		t.Errorf("keyId %q headers %q, want %q and date (request-target) host", keyID, signed, wantKeyID)
	}
}

const (
	ociTenancy = "ocid1.tenancy.oc1..aaaaaaaatenancy"
	ociUser    = "ocid1.user.oc1..aaaaaaaauser"
	ociFinger  = "20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34"
)

// With type apikey the login sends the headers of a GET of the login URL signed with the config
// file's key, keyId tenancy/user/fingerprint; the OCI_* variables, when set, come first.
func TestOCIAPIKeyLogin(t *testing.T) {
	dir := t.TempDir()
	key := newOCIKey(t, dir, "key.pem")
	cfgFile := filepath.Join(dir, "config")
	writeOCIConfig(t, cfgFile, ociTenancy, ociUser, ociFinger, key.path)
	ociEnv(t, cfgFile)

	fv, srv, c := fakeVaultServer(t)
	m, err := newOCI(Config{Method: "oci", MountPath: "auth/oci-prod", Strings: map[string]string{"type": "apikey", "role": "dev-role"}}, srv.URL, testLog)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	checkOCILogin(t, fv.paths[0], fv.logins[0], srv.URL, "auth/oci-prod", "dev-role", key, ociTenancy+"/"+ociUser+"/"+ociFinger)

	// The OCI_* variables come before the file, value by value.
	envKey := newOCIKey(t, dir, "env.pem")
	t.Setenv("OCI_tenancy_ocid", "ocid1.tenancy.oc1..env")
	t.Setenv("OCI_user_ocid", "ocid1.user.oc1..env")
	t.Setenv("OCI_fingerprint", "11:22")
	t.Setenv("OCI_private_key_path", envKey.path)
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	checkOCILogin(t, fv.paths[1], fv.logins[1], srv.URL, "auth/oci-prod", "dev-role", envKey, "ocid1.tenancy.oc1..env/ocid1.user.oc1..env/11:22")
}

// Without a key the method is not built, as Vault Proxy does not start.
func TestOCIWithoutKey(t *testing.T) {
	dir := t.TempDir()
	ociEnv(t, filepath.Join(dir, "absent"))
	_, err := newOCI(Config{Method: "oci", MountPath: "auth/oci", Strings: map[string]string{"type": "apikey", "role": "r"}}, "http://127.0.0.1:8200", testLog)
	if err == nil || !strings.Contains(err.Error(), "did not find a proper configuration for key id") {
		t.Errorf("error %v", err)
	}
	if _, err := newOCI(Config{Method: "oci", Strings: map[string]string{"type": "other", "role": "r"}}, "", testLog); err == nil {
		t.Error("type other: no error")
	}
}

// A new key ID in the config file is found at the next poll and, with
// enable_reauth_on_new_credentials, logs in again, signed with the new key.
func TestOCINewCredentials(t *testing.T) {
	dir := t.TempDir()
	key := newOCIKey(t, dir, "key.pem")
	cfgFile := filepath.Join(dir, "config")
	writeOCIConfig(t, cfgFile, ociTenancy, ociUser, ociFinger, key.path)
	ociEnv(t, cfgFile)
	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	m, _ := startManager(t, Config{Method: "oci", MountPath: "auth/oci", ReauthOnNewCredentials: true,
		Strings:   map[string]string{"type": "apikey", "role": "dev-role"},
		Durations: map[string]time.Duration{"credential_poll_interval": 50 * time.Millisecond}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Fatalf("token %q", tok)
	}
	time.Sleep(150 * time.Millisecond) // polls that find the same key ID do not log in
	if n := fv.loginCount(); n != 1 {
		t.Fatalf("%d logins before the key changed", n)
	}
	newKey := newOCIKey(t, dir, "key2.pem")
	writeOCIConfig(t, cfgFile, ociTenancy, ociUser, "aa:bb", newKey.path)
	deadline := time.Now().Add(5 * time.Second)
	for fv.loginCount() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	fv.mu.Lock()
	defer fv.mu.Unlock()
	if len(fv.logins) != 2 {
		t.Fatalf("%d logins after the key changed", len(fv.logins))
	}
	checkOCILogin(t, fv.paths[1], fv.logins[1], srv.URL, "auth/oci", "dev-role", newKey, ociTenancy+"/"+ociUser+"/aa:bb")
}

// The verifier refuses what it should: a header changed after signing, another key.
func TestVerifyOCISignatureRefuses(t *testing.T) {
	dir := t.TempDir()
	key := newOCIKey(t, dir, "key.pem")
	cfgFile := filepath.Join(dir, "config")
	writeOCIConfig(t, cfgFile, ociTenancy, ociUser, ociFinger, key.path)
	ociEnv(t, cfgFile)
	m, err := newOCI(Config{Method: "oci", MountPath: "auth/oci", Strings: map[string]string{"type": "apikey", "role": "r"}}, "http://127.0.0.1:8200", testLog)
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.signedHeaders(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := verifyOCISignature(h, key.pub); err != nil {
		t.Fatalf("untouched headers: %v", err)
	}
	other := newOCIKey(t, dir, "other.pem")
	if _, _, err := verifyOCISignature(h, other.pub); err == nil {
		t.Error("verified with another key")
	}
	h.Set("(request-target)", "get /v1/auth/oci/login/admin")
	if _, _, err := verifyOCISignature(h, key.pub); err == nil {
		t.Error("verified a changed (request-target)")
	}
}
