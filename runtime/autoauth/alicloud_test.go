package autoauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// aliPercentEncode is Alibaba Cloud's RPC percent-encoding: RFC 3986 unreserved characters kept,
// everything else %XX, space as %20 (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism).
func aliPercentEncode(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(e)
}

// verifyAliSignature checks an RPC-signed request URL independently of the SDK: the Signature
// parameter must be base64 of HMAC-SHA1, keyed with the secret and "&", of
// "POST&%2F&" + the percent-encoded canonical query (every other parameter, sorted by name,
// name=value percent-encoded, joined with &). POST is the method Vault sends it with
// (vault-plugin-auth-alicloud path_login.go) and the SDK signs for (sts GetCallerIdentity).
func verifyAliSignature(u *url.URL, secret string) error {
	q := u.Query()
	sig := q.Get("Signature")
	q.Del("Signature")
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, aliPercentEncode(k)+"="+aliPercentEncode(q.Get(k)))
	}
	toSign := "POST&" + aliPercentEncode("/") + "&" + aliPercentEncode(strings.Join(parts, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want {
		return fmt.Errorf("signature %q, computed %q", sig, want)
	}
	return nil
}

// aliLogin is a decoded alicloud login body.
type aliLogin struct {
	keys    []string
	role    string
	url     *url.URL
	headers http.Header
}

func decodeAliLogin(t *testing.T, raw []byte) aliLogin {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	var l aliLogin
	for k := range body {
		l.keys = append(l.keys, k)
	}
	slices.Sort(l.keys)
	l.role, _ = body["role"].(string)
	u, err := base64.StdEncoding.DecodeString(fmt.Sprint(body["identity_request_url"]))
	if err != nil {
		t.Fatalf("identity_request_url: %v", err)
	}
	if l.url, err = url.Parse(string(u)); err != nil {
		t.Fatal(err)
	}
	h, err := base64.StdEncoding.DecodeString(fmt.Sprint(body["identity_request_headers"]))
	if err != nil {
		t.Fatalf("identity_request_headers: %v", err)
	}
	if err := json.Unmarshal(h, &l.headers); err != nil {
		t.Fatalf("identity_request_headers %s: %v", h, err)
	}
	return l
}

// checkAliLogin asserts a login is a signed sts GetCallerIdentity for region by accessKey (with
// token when not ""), whose signature verifies with secret.
func checkAliLogin(t *testing.T, l aliLogin, role, region, accessKey, secret, token string) {
	t.Helper()
	if !slices.Equal(l.keys, []string{"identity_request_headers", "identity_request_url", "role"}) || l.role != role {
		t.Errorf("login keys %v, role %q", l.keys, l.role)
	}
	q := l.url.Query()
	ts, err := time.Parse("2006-01-02T15:04:05Z", q.Get("Timestamp"))
	if l.url.Scheme != "https" || l.url.Host != "sts."+region+".aliyuncs.com" || l.url.Path != "/" ||
		q.Get("Action") != "GetCallerIdentity" || q.Get("Version") != "2015-04-01" || q.Get("Format") != "JSON" ||
		q.Get("RegionId") != region || q.Get("AccessKeyId") != accessKey || q.Get("SecurityToken") != token ||
		q.Get("SignatureMethod") != "HMAC-SHA1" || q.Get("SignatureVersion") != "1.0" || len(q.Get("SignatureNonce")) < 16 ||
		err != nil || time.Since(ts) > time.Minute {
		t.Errorf("identity request %s", l.url)
	}
	if err := verifyAliSignature(l.url, secret); err != nil {
		t.Errorf("identity request signature: %v", err)
	}
	if err := verifyAliSignature(l.url, secret+"x"); err == nil {
		t.Errorf("the signature verifies with another secret")
	}
	provider := "static_ak"
	if token != "" {
		provider = "static_sts"
	}
	// The SDK sets these headers with lower-case names, which the JSON keeps.
	one := func(k string) string { return strings.Join(l.headers[k], ",") }
	if one("x-acs-action") != "GetCallerIdentity" || one("x-acs-version") != "2015-04-01" || one("x-acs-credentials-provider") != provider {
		t.Errorf("identity request headers %v", l.headers)
	}
}

// aliEnv clears the ALICLOUD_* variables the SDK's environment provider reads.
func aliEnv(t *testing.T) {
	for _, k := range []string{"ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_ACCESS_KEY_STS_TOKEN", "ALICLOUD_ROLE_ARN",
		"ALICLOUD_ROLE_SESSION_NAME", "ALICLOUD_ROLE_SESSION_EXPIRATION", "ALICLOUD_PRIVATE_KEY", "ALICLOUD_PUBLIC_KEY_ID",
		"ALICLOUD_SESSION_EXPIRATION", "ALICLOUD_ROLE_NAME"} {
		t.Setenv(k, "")
	}
}

// ecsMetadata stands in for the ECS instance metadata service: a token from PUT /latest/api/token
// (with its TTL header) is required, the instance's RAM role is "vault-role", and its credentials
// are creds (changed by set).
type ecsMetadata struct {
	mu       sync.Mutex
	key, sec string
	token    string
	reads    int
	refused  []string
}

func (e *ecsMetadata) set(key, secret, token string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.key, e.sec, e.token = key, secret, token
}

func (e *ecsMetadata) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	const tok = "ecs-metadata-token"
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
		if r.Header.Get("X-aliyun-ecs-metadata-token-ttl-seconds") != "21600" {
			e.refused = append(e.refused, "token TTL "+r.Header.Get("X-aliyun-ecs-metadata-token-ttl-seconds"))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, tok)
	case r.Header.Get("X-aliyun-ecs-metadata-token") != tok || r.Method != http.MethodGet:
		e.refused = append(e.refused, r.Method+" "+r.URL.Path+" without the token")
		w.WriteHeader(http.StatusUnauthorized)
	case r.URL.Path == "/latest/meta-data/ram/security-credentials/":
		fmt.Fprint(w, "vault-role")
	case r.URL.Path == "/latest/meta-data/ram/security-credentials/vault-role":
		e.reads++
		fmt.Fprintf(w, `{"AccessKeyId":%q,"AccessKeySecret":%q,"Expiration":"2026-12-02T20:00:00Z","SecurityToken":%q,"LastUpdated":"2026-12-02T14:00:00Z","Code":"Success"}`, e.key, e.sec, e.token)
	default:
		http.NotFound(w, r)
	}
}

func aliLoginOnce(t *testing.T, m *alicloudMethod) aliLogin {
	t.Helper()
	rec := &loginRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	if r.method != http.MethodPut || r.path != "/v1/"+m.mount+"/login" {
		t.Errorf("login %s %s", r.method, r.path)
	}
	return decodeAliLogin(t, r.body)
}

// Credentials come from the chain in Vault Proxy's order: ALICLOUD_* variables, then the config's
// keys, then the instance metadata; the login is a signed GetCallerIdentity for the region.
func TestAliCloudLoginCredentialChain(t *testing.T) {
	md := &ecsMetadata{}
	md.set("STS.ecs-key", "ecs-secret", "ecs-token")
	mdSrv := httptest.NewServer(md)
	defer mdSrv.Close()
	old := alicloudMetadataURL
	alicloudMetadataURL = mdSrv.URL
	defer func() { alicloudMetadataURL = old }()

	cfg := func(kv ...string) Config {
		c := Config{Method: "alicloud", MountPath: "auth/alicloud", Strings: map[string]string{"role": "dev", "region": "cn-hangzhou"},
			Ints: map[string]int{"credential_poll_interval": 60}}
		for i := 0; i < len(kv); i += 2 {
			c.Strings[kv[i]] = kv[i+1]
		}
		return c
	}
	t.Run("config access key", func(t *testing.T) {
		aliEnv(t)
		m, err := newAliCloud(cfg("access_key", "LTAIconfig", "access_secret", "config-secret"), testLog)
		if err != nil {
			t.Fatal(err)
		}
		checkAliLogin(t, aliLoginOnce(t, m), "dev", "cn-hangzhou", "LTAIconfig", "config-secret", "")
	})
	t.Run("config STS token", func(t *testing.T) {
		aliEnv(t)
		m, err := newAliCloud(cfg("access_key", "STS.config", "access_secret", "config-secret", "access_token", "config-token"), testLog)
		if err != nil {
			t.Fatal(err)
		}
		checkAliLogin(t, aliLoginOnce(t, m), "dev", "cn-hangzhou", "STS.config", "config-secret", "config-token")
	})
	t.Run("environment before config", func(t *testing.T) {
		aliEnv(t)
		t.Setenv("ALICLOUD_ACCESS_KEY", "LTAIenv")
		t.Setenv("ALICLOUD_SECRET_KEY", "env-secret")
		m, err := newAliCloud(cfg("access_key", "LTAIconfig", "access_secret", "config-secret"), testLog)
		if err != nil {
			t.Fatal(err)
		}
		checkAliLogin(t, aliLoginOnce(t, m), "dev", "cn-hangzhou", "LTAIenv", "env-secret", "")
	})
	t.Run("instance metadata", func(t *testing.T) {
		aliEnv(t)
		c := cfg()
		c.Strings["region"] = "eu-central-1"
		m, err := newAliCloud(c, testLog)
		if err != nil {
			t.Fatal(err)
		}
		checkAliLogin(t, aliLoginOnce(t, m), "dev", "eu-central-1", "STS.ecs-key", "ecs-secret", "ecs-token")
		md.mu.Lock()
		defer md.mu.Unlock()
		if len(md.refused) > 0 || md.reads != 1 {
			t.Errorf("metadata reads %d, refused %v", md.reads, md.refused)
		}
	})
	t.Run("none", func(t *testing.T) {
		aliEnv(t)
		alicloudMetadataURL = "http://127.0.0.1:1" // nothing listens
		defer func() { alicloudMetadataURL = mdSrv.URL }()
		if _, err := newAliCloud(cfg(), testLog); err == nil || !strings.HasPrefix(err.Error(), "alicloud: no credentials") {
			t.Errorf("without credentials: %v", err)
		}
	})
}

// role_session_expiration is given to the SDK only when written (Vault Proxy reads it only when
// present): with it, access_key and access_secret assume role_arn; without it, they are used
// as they are.
func TestAliCloudRoleARNNeedsExpiration(t *testing.T) {
	aliEnv(t)
	base := Config{Method: "alicloud", MountPath: "auth/alicloud", Strings: map[string]string{"role": "dev", "region": "cn-hangzhou",
		"access_key": "LTAIconfig", "access_secret": "config-secret", "role_arn": "acs:ram::5138828231865461:role/vault", "role_session_name": "vp"},
		Ints: map[string]int{"credential_poll_interval": 60}}
	m, err := newAliCloud(base, testLog)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%T", m.last); got != "*credentials.AccessKeyCredential" {
		t.Errorf("without role_session_expiration: %s", got)
	}
	base.Ints["role_session_expiration"] = 0
	if m, err = newAliCloud(base, testLog); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%T", m.last); got != "*credentials.RamRoleArnCredential" {
		t.Errorf("with role_session_expiration = 0: %s", got)
	}
}

// The chain is read every credential_poll_interval: new credentials from the instance metadata
// signal a login, which (enable_reauth_on_new_credentials) the manager makes at once, signed with
// them; unchanged ones signal nothing.
func TestAliCloudNewCredentialsRelogin(t *testing.T) {
	aliEnv(t)
	md := &ecsMetadata{}
	md.set("STS.first", "first-secret", "first-token")
	mdSrv := httptest.NewServer(md)
	defer mdSrv.Close()
	old := alicloudMetadataURL
	alicloudMetadataURL = mdSrv.URL
	defer func() { alicloudMetadataURL = old }()

	fv := &fakeVault{}
	srv := httptest.NewServer(http.HandlerFunc(fv.handler))
	defer srv.Close()
	m, _ := startManager(t, Config{Method: "alicloud", MountPath: "auth/alicloud", ReauthOnNewCredentials: true,
		Strings: map[string]string{"role": "dev", "region": "cn-shanghai"}, Ints: map[string]int{"credential_poll_interval": 1},
		Sinks: []SinkConfig{{Path: filepath.Join(t.TempDir(), "sink"), Mode: 0o600, Owner: -1, Group: -1}}}, srv)
	if tok := waitToken(t, m); tok != "tok-1" {
		t.Fatalf("first token %q", tok)
	}
	time.Sleep(1500 * time.Millisecond) // a poll with the same credentials
	if n := fv.loginCount(); n != 1 {
		t.Fatalf("%d logins with unchanged credentials", n)
	}
	md.set("STS.second", "second-secret", "second-token")
	deadline := time.Now().Add(5 * time.Second)
	for fv.loginCount() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	fv.mu.Lock()
	logins := slices.Clone(fv.logins)
	fv.mu.Unlock()
	if len(logins) != 2 {
		t.Fatalf("%d logins after the credentials changed", len(logins))
	}
	for i, want := range [][3]string{{"STS.first", "first-secret", "first-token"}, {"STS.second", "second-secret", "second-token"}} {
		raw, _ := json.Marshal(logins[i])
		checkAliLogin(t, decodeAliLogin(t, raw), "dev", "cn-shanghai", want[0], want[1], want[2])
	}
}

// Differential: the real `vault proxy` with the same alicloud method and credentials (the
// ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY variables the SDK reads, or the instance metadata
// stand-in reached through HTTP_PROXY, since its address is fixed) sends a scripted Vault the same
// login as vaultproxy: same path and keys, the same role, the same identity request but for its
// nonce, time and signature (each verified), and the same headers but for User-Agent, which names
// the Go version each was built with.
func TestAliCloudLoginMatchesVaultProxy(t *testing.T) {
	md := &ecsMetadata{}
	md.set("STS.ecs-key", "ecs-secret", "ecs-token")
	mdSrv := httptest.NewServer(md)
	defer mdSrv.Close()
	for _, tc := range []struct {
		name               string
		env                []string
		key, secret, token string
	}{
		{"environment", []string{"ALICLOUD_ACCESS_KEY=LTAIdiff", "ALICLOUD_SECRET_KEY=diff-secret"}, "LTAIdiff", "diff-secret", ""},
		{"environment with STS token", []string{"ALICLOUD_ACCESS_KEY=STS.diff", "ALICLOUD_SECRET_KEY=diff-secret", "ALICLOUD_ACCESS_KEY_STS_TOKEN=diff-token"}, "STS.diff", "diff-secret", "diff-token"},
		{"instance metadata", []string{"HTTP_PROXY=" + mdSrv.URL}, "STS.ecs-key", "ecs-secret", "ecs-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			theirs := &loginRecorder{}
			srv := httptest.NewServer(theirs)
			defer srv.Close()
			startVaultProxy(t, fmt.Sprintf(`
vault { address = %q }
auto_auth {
  method "alicloud" {
    mount_path = "auth/ali"
    config = {
      role   = "dev"
      region = "cn-hangzhou"
    }
  }
  sink "file" {
    config = { path = %q }
  }
}`, srv.URL, filepath.Join(t.TempDir(), "sink")), tc.env...)
			their := theirs.waitLogin(t, "vault proxy")

			aliEnv(t)
			for _, e := range tc.env {
				if k, v, _ := strings.Cut(e, "="); k != "HTTP_PROXY" {
					t.Setenv(k, v)
				}
			}
			old := alicloudMetadataURL
			alicloudMetadataURL = mdSrv.URL
			defer func() { alicloudMetadataURL = old }()
			m, err := newAliCloud(Config{Method: "alicloud", MountPath: "auth/ali",
				Strings: map[string]string{"role": "dev", "region": "cn-hangzhou"}, Ints: map[string]int{"credential_poll_interval": 60}}, testLog)
			if err != nil {
				t.Fatal(err)
			}
			ours := aliLoginOnce(t, m)
			a := decodeAliLogin(t, their.body)
			if their.method != http.MethodPut || their.path != "/v1/auth/ali/login" {
				t.Errorf("vault proxy logged in with %s %s", their.method, their.path)
			}
			checkAliLogin(t, a, "dev", "cn-hangzhou", tc.key, tc.secret, tc.token)
			checkAliLogin(t, ours, "dev", "cn-hangzhou", tc.key, tc.secret, tc.token)
			fixed := func(l aliLogin) (string, map[string][]string, map[string][]string) {
				q := l.url.Query()
				for _, k := range []string{"Signature", "SignatureNonce", "Timestamp"} {
					q[k] = []string{"(varies)"}
				}
				h := map[string][]string(l.headers.Clone())
				h["User-Agent"] = []string{"(varies)"}
				return l.url.Scheme + "://" + l.url.Host + l.url.Path, q, h
			}
			u1, q1, h1 := fixed(a)
			u2, q2, h2 := fixed(ours)
			if u1 != u2 || fmt.Sprint(q1) != fmt.Sprint(q2) || fmt.Sprint(h1) != fmt.Sprint(h2) || !slices.Equal(a.keys, ours.keys) {
				t.Errorf("identity requests differ:\nvault proxy: %s %v\n  %v\nvaultproxy:  %s %v\n  %v", u1, q1, h1, u2, q2, h2)
			}
		})
	}
}

// An access_key without access_secret (a plan file never holds the secret) is skipped by the chain,
// as Vault Proxy skips it, with a warning that says so.
func TestAliCloudAccessKeyWithoutSecretWarns(t *testing.T) {
	aliEnv(t)
	t.Setenv("ALICLOUD_ACCESS_KEY", "LTAIenv")
	t.Setenv("ALICLOUD_SECRET_KEY", "env-secret")
	var out strings.Builder
	m, err := newAliCloud(Config{Method: "alicloud", MountPath: "auth/alicloud",
		Strings: map[string]string{"role": "dev", "region": "cn-hangzhou", "access_key": "LTAIplan"}}, slog.New(slog.NewTextHandler(&out, nil)))
	if err != nil {
		t.Fatal(err)
	}
	checkAliLogin(t, aliLoginOnce(t, m), "dev", "cn-hangzhou", "LTAIenv", "env-secret", "")
	if !strings.Contains(out.String(), "access_key is set without access_secret") {
		t.Errorf("log: %s", out.String())
	}
}

// A security-credentials response that is not a success is told by its Code and field names, never
// its values: the chain's error is returned at the start and logged at every poll, and the SDK's
// provider would put AccessKeySecret and SecurityToken in it.
func TestAliCloudMetadataErrorHidesSecrets(t *testing.T) {
	aliEnv(t)
	var mu sync.Mutex
	body := `{"AccessKeyId":"STS.key","AccessKeySecret":"leaked-secret","SecurityToken":"leaked-token","Code":"Failed"}`
	mdSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/latest/meta-data/ram/security-credentials/":
			fmt.Fprint(w, "vault-role")
		case "/latest/meta-data/ram/security-credentials/vault-role":
			fmt.Fprint(w, body)
		default:
			http.NotFound(w, r)
		}
	}))
	defer mdSrv.Close()
	old := alicloudMetadataURL
	alicloudMetadataURL = mdSrv.URL
	defer func() { alicloudMetadataURL = old }()
	cfg := Config{Method: "alicloud", MountPath: "auth/alicloud", Strings: map[string]string{"role": "dev", "region": "cn-hangzhou"}}

	_, err := newAliCloud(cfg, testLog)
	if err == nil {
		t.Fatal("newAliCloud: no error with Code Failed")
	}
	const want = `refresh metadata err, Code is not Success, response with Code "Failed" and the fields [AccessKeyId AccessKeySecret Code SecurityToken] (values not shown)`
	if msg := err.Error(); strings.Contains(msg, "leaked") || !strings.Contains(msg, want) {
		t.Errorf("start: %v, want it to contain %q and no secret", err, want)
	}

	// At a poll, with a response that lacks the token: logged without the secret.
	mu.Lock()
	body = `{"AccessKeyId":"STS.key","AccessKeySecret":"leaked-secret","Code":"Success"}`
	mu.Unlock()
	var out strings.Builder
	m := &alicloudMethod{chain: &ecsRAMRoleProvider{}, log: slog.New(slog.NewTextHandler(&out, nil))}
	if m.check() {
		t.Fatal("check: new credentials from a failed read")
	}
	const wantLog = `fail to get credentials, response with Code \"Success\" and the fields [AccessKeyId AccessKeySecret Code] (values not shown)`
	if log := out.String(); strings.Contains(log, "leaked") || !strings.Contains(log, wantLog) {
		t.Errorf("poll log: %s\nwant it to contain %s and no secret", log, wantLog)
	}
}

// role and region written "" start the method, as in Vault Proxy, which only checks that they are
// present: role "" is sent to Vault as it is; region "" fails each login with an error that says why.
func TestAliCloudEmptyRoleAndRegion(t *testing.T) {
	aliEnv(t)
	cfg := func(role, region string) Config {
		return Config{Method: "alicloud", MountPath: "auth/alicloud",
			Strings: map[string]string{"role": role, "region": region, "access_key": "LTAIconfig", "access_secret": "config-secret"}}
	}
	m, err := newAliCloud(cfg("", "cn-hangzhou"), testLog)
	if err != nil {
		t.Fatalf("role \"\": %v", err)
	}
	checkAliLogin(t, aliLoginOnce(t, m), "", "cn-hangzhou", "LTAIconfig", "config-secret", "")

	if m, err = newAliCloud(cfg("dev", ""), testLog); err != nil {
		t.Fatalf("region \"\": %v", err)
	}
	rec := &loginRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.login(context.Background(), c); !errors.Is(err, errAliCloudNoRegion) {
		t.Errorf("login with region \"\": %v, want %v", err, errAliCloudNoRegion)
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests to Vault", n)
	}
}

// An ECS metadata service that accepts and never answers fails reading the chain at
// metadataTimeout, with an error naming the URL and the bound (building the method fails); once it
// answers, the method is built with its credentials and logs in.
func TestAliCloudMetadataTimeout(t *testing.T) {
	shortMetadataTimeout(t)
	aliEnv(t)
	md := &ecsMetadata{}
	md.set("STS.ecs-key", "ecs-secret", "ecs-token")
	stalled := stall(md)
	mdSrv := httptest.NewServer(stalled)
	defer mdSrv.Close()
	old := alicloudMetadataURL
	alicloudMetadataURL = mdSrv.URL
	defer func() { alicloudMetadataURL = old }()
	cfg := Config{Method: "alicloud", MountPath: "auth/alicloud", Strings: map[string]string{"role": "dev", "region": "cn-hangzhou"},
		Ints: map[string]int{"credential_poll_interval": 60}}

	_, err := within(t, stalled, "building the alicloud method", func() (*alicloudMethod, error) { return newAliCloud(cfg, testLog) })
	wantMetadataTimeout(t, err, mdSrv.URL+"/latest/meta-data/ram/security-credentials/")

	stalled.answer()
	m, err := within(t, stalled, "building the alicloud method", func() (*alicloudMethod, error) { return newAliCloud(cfg, testLog) })
	if err != nil {
		t.Fatalf("once the metadata service answers: %v", err)
	}
	checkAliLogin(t, aliLoginOnce(t, m), "dev", "cn-hangzhou", "STS.ecs-key", "ecs-secret", "ecs-token")
}
