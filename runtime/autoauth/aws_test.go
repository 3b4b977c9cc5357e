package autoauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The STS endpoint the AWS SDK for Go v1 (which Vault Proxy signs with) resolves: the global one
// for its legacy regions unless AWS_STS_REGIONAL_ENDPOINTS=regional, else the region's own.
func TestSTSEndpoint(t *testing.T) {
	tests := []struct{ region, setting, want string }{
		{"us-east-1", "", "https://sts.amazonaws.com"},
		{"eu-central-1", "legacy", "https://sts.amazonaws.com"},
		{"eu-central-1", "regional", "https://sts.eu-central-1.amazonaws.com"},
		{"ap-east-1", "", "https://sts.ap-east-1.amazonaws.com"},
		{"cn-north-1", "", "https://sts.cn-north-1.amazonaws.com.cn"},
	}
	for _, tt := range tests {
		if got := stsEndpoint(tt.region, tt.setting); got != tt.want {
			t.Errorf("stsEndpoint(%q, %q) = %q, want %q", tt.region, tt.setting, got, tt.want)
		}
	}
}

// iamLoginData sends what awsutil.GenerateLoginData sends: a POST of GetCallerIdentity to the STS
// endpoint, signed for the region over the headers the SDK v1 signs.
func TestIAMLoginData(t *testing.T) {
	t.Setenv("AWS_STS_REGIONAL_ENDPOINTS", "")
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "session"}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	data, err := iamLoginData(context.Background(), creds, "vault.example.test", "eu-west-1", at)
	if err != nil {
		t.Fatal(err)
	}
	dec := func(k string) string {
		b, err := base64.StdEncoding.DecodeString(data[k].(string))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		return string(b)
	}
	if data["iam_http_request_method"] != "POST" || dec("iam_request_url") != "https://sts.amazonaws.com/" ||
		dec("iam_request_body") != "Action=GetCallerIdentity&Version=2011-06-15" {
		t.Errorf("method %v, url %q, body %q", data["iam_http_request_method"], dec("iam_request_url"), dec("iam_request_body"))
	}
	var h map[string][]string
	if err := json.Unmarshal([]byte(dec("iam_request_headers")), &h); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Content-Type":              "application/x-www-form-urlencoded; charset=utf-8",
		"X-Vault-Aws-Iam-Server-Id": "vault.example.test",
		"X-Amz-Date":                "20261202T100000Z",
		"X-Amz-Security-Token":      "session",
	}
	for k, v := range want {
		if strings.Join(h[k], ",") != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	authz := strings.Join(h["Authorization"], ",")
	re := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-vault-aws-iam-server-id, Signature=[0-9a-f]{64}$`)
	if !re.MatchString(authz) {
		t.Errorf("Authorization %q", authz)
	}
	if len(h) != len(want)+1 {
		t.Errorf("headers %v", h)
	}
}

// newAWS refuses what Vault Proxy's constructor refuses.
func TestNewAWSRefusals(t *testing.T) {
	tests := []struct {
		strings map[string]string
		want    string
	}{
		{map[string]string{"type": "iam"}, "role is required"},
		{map[string]string{"type": "ec2"}, "role is required"},
		{map[string]string{"type": "pkcs7", "role": "app"}, `type "pkcs7" is invalid`},
		{map[string]string{"type": "iam", "role": "app", "access_key": "AKID"}, "the access key or secret key were provided but not both"},
		{map[string]string{"type": "iam", "role": "app", "secret_key": "s"}, "the access key or secret key were provided but not both"},
	}
	for _, tt := range tests {
		if _, err := newAWS(Config{Method: "aws", MountPath: "auth/aws", Strings: tt.strings}, testLog); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newAWS(%v) = %v, want %q", tt.strings, err, tt.want)
		}
	}
}

// check replaces the credentials in use, and says so, only when the chain's differ or those in use
// expired.
func TestAWSCheck(t *testing.T) {
	current := aws.Credentials{AccessKeyID: "A", SecretAccessKey: "1"}
	m := &awsMethod{log: slog.New(slog.DiscardHandler), load: func(context.Context) (aws.CredentialsProvider, error) {
		return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return current, nil }), nil
	}}
	m.last = current
	if m.check(context.Background()) {
		t.Error("unchanged credentials signalled")
	}
	m.last = aws.Credentials{AccessKeyID: "A", SecretAccessKey: "1", CanExpire: true, Expires: time.Now().Add(-time.Minute)}
	if !m.check(context.Background()) {
		t.Error("expired credentials not replaced")
	}
	current = aws.Credentials{AccessKeyID: "B", SecretAccessKey: "2"}
	if !m.check(context.Background()) || m.last.AccessKeyID != "B" {
		t.Errorf("new credentials not taken: %+v", m.last)
	}
}

// With type ec2 the login sends the document (base64) and signature from the instance metadata
// service, the role, and a nonce: the configured one, or one made at the first login and kept.
func TestAWSEC2Login(t *testing.T) {
	imdsSrv := httptest.NewServer(imdsHandler(`{"instanceId":"i-1"}`))
	defer imdsSrv.Close()
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsSrv.URL)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "absent"))
	for _, nonce := range []string{"", "configured-nonce"} {
		fv := &fakeVault{}
		srv := httptest.NewServer(http.HandlerFunc(fv.handler))
		m, err := newAWS(Config{Method: "aws", MountPath: "auth/aws-ec2",
			Strings: map[string]string{"type": "ec2", "role": "web", "nonce": nonce}}, testLog)
		if err != nil {
			t.Fatal(err)
		}
		c, err := newAPIClient(srv.URL, srv.Client(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := m.login(context.Background(), c); err != nil {
				t.Fatal(err)
			}
		}
		srv.Close()
		first, second := fv.logins[0], fv.logins[1]
		if fv.paths[0] != "/v1/auth/aws-ec2/login" || first["identity"] != base64.StdEncoding.EncodeToString([]byte(`{"instanceId":"i-1"}`)) ||
			first["signature"] != "c2lnbmF0dXJl" || first["role"] != "web" || len(first) != 4 {
			t.Errorf("login at %s with %v", fv.paths[0], first)
		}
		if first["nonce"] != second["nonce"] || (nonce != "" && first["nonce"] != nonce) ||
			(nonce == "" && !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(first["nonce"].(string))) {
			t.Errorf("nonce %q: logins sent %v then %v", nonce, first["nonce"], second["nonce"])
		}
	}
}

// imdsHandler is an instance metadata service serving the instance ID i-1, doc as the instance
// identity document, and a signature.
func imdsHandler(doc string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/latest/api/token":
			fmt.Fprint(w, "tok")
		case "/latest/meta-data/instance-id":
			fmt.Fprint(w, "i-1")
		case "/latest/dynamic/instance-identity/document":
			fmt.Fprint(w, doc)
		case "/latest/dynamic/instance-identity/signature":
			fmt.Fprint(w, "c2lnbmF0dXJl")
		default:
			http.NotFound(w, r)
		}
	})
}

// A region written empty is looked up as awsutil.GetRegion does: the environment, then the shared
// config file, then the instance identity document when the metadata service gives the instance
// ID, else us-east-1; a service that answers without a region is an error (the login then warns and
// signs for us-east-1).
func TestRegionFromEnvironment(t *testing.T) {
	withRegion := httptest.NewServer(imdsHandler(`{"instanceId":"i-1","region":"eu-south-1"}`))
	defer withRegion.Close()
	noRegion := httptest.NewServer(imdsHandler(`{"instanceId":"i-1"}`))
	defer noRegion.Close()
	notEC2 := httptest.NewServer(http.NotFoundHandler())
	defer notEC2.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dir := t.TempDir()
	profile := filepath.Join(dir, "config")
	if err := os.WriteFile(profile, []byte("[default]\nregion = sa-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, region, defaultRegion, configFile, imds, disabled, profile string
		want, wantErr                                                    string
	}{
		// AWS_PROFILE naming a profile the files do not have: the SDK v1's session goes on without it.
		{name: "missing profile: AWS_REGION", region: "ca-west-1", configFile: profile, profile: "absent", imds: withRegion.URL, want: "ca-west-1"},
		{name: "missing profile: AWS_DEFAULT_REGION", defaultRegion: "eu-west-3", configFile: profile, profile: "absent", imds: withRegion.URL, want: "eu-west-3"},
		{name: "missing profile: instance metadata", configFile: profile, profile: "absent", imds: withRegion.URL, want: "eu-south-1"},
		{name: "missing profile: no metadata service", configFile: profile, profile: "absent", imds: closed.URL, want: "us-east-1"},
		{name: "missing profile: metadata service disabled", configFile: profile, profile: "absent", imds: withRegion.URL, disabled: "true", want: "us-east-1"},
		{name: "AWS_REGION first", region: "ca-west-1", defaultRegion: "eu-west-3", configFile: profile, imds: withRegion.URL, want: "ca-west-1"},
		{name: "AWS_DEFAULT_REGION", defaultRegion: "eu-west-3", configFile: profile, imds: withRegion.URL, want: "eu-west-3"},
		{name: "the shared config file", configFile: profile, imds: withRegion.URL, want: "sa-east-1"},
		{name: "instance metadata", imds: withRegion.URL, want: "eu-south-1"},
		{name: "metadata service disabled", imds: withRegion.URL, disabled: "true", want: "us-east-1"},
		{name: "no instance ID: not EC2", imds: notEC2.URL, want: "us-east-1"},
		{name: "no metadata service", imds: closed.URL, want: "us-east-1"},
		{name: "a document without region", imds: noRegion.URL, wantErr: "unable to retrieve region from instance metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_REGION", tt.region)
			t.Setenv("AWS_DEFAULT_REGION", tt.defaultRegion)
			t.Setenv("AWS_PROFILE", tt.profile)
			t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "absent"))
			if tt.configFile != "" {
				t.Setenv("AWS_CONFIG_FILE", tt.configFile)
			}
			t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", tt.imds)
			t.Setenv("AWS_EC2_METADATA_DISABLED", tt.disabled)
			got, err := regionFromEnvironment(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("regionFromEnvironment() = %q, %v; want an error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("regionFromEnvironment() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// An iam login with region written empty signs for the region looked up at that login, and for
// us-east-1, with a warning, when the lookup fails; a written region is used as it is.
func TestAWSIAMLoginRegion(t *testing.T) {
	doc := `{"instanceId":"i-1","region":"eu-south-1"}`
	imdsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		imdsHandler(doc).ServeHTTP(w, r)
	}))
	defer imdsSrv.Close()
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "absent"))
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsSrv.URL)
	var logs strings.Builder
	newMethod := func(region string) *awsMethod {
		m, err := newAWS(Config{Method: "aws", MountPath: "auth/aws", Strings: map[string]string{
			"type": "iam", "role": "app", "region": region, "access_key": "AKIDEXAMPLE", "secret_key": "secret"}},
			slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	fv, c := fakeVaultClient(t)
	scope := regexp.MustCompile(`Credential=AKIDEXAMPLE/\d{8}/([^/]+)/sts/`)
	signedFor := func(m *awsMethod) string {
		t.Helper()
		if _, err := m.login(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		fv.mu.Lock()
		data := fv.logins[len(fv.logins)-1]
		fv.mu.Unlock()
		b, _ := base64.StdEncoding.DecodeString(data["iam_request_headers"].(string))
		var h map[string][]string
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatal(err)
		}
		if m := scope.FindStringSubmatch(strings.Join(h["Authorization"], ",")); m != nil {
			return m[1]
		}
		t.Fatalf("Authorization %q", h["Authorization"])
		return ""
	}
	empty := newMethod("")
	if got := signedFor(empty); got != "eu-south-1" {
		t.Errorf("signed for %q, want the instance metadata's eu-south-1", got)
	}
	doc = `{"instanceId":"i-1","region":"ap-east-1"}`
	if got := signedFor(empty); got != "ap-east-1" {
		t.Errorf("the second login signed for %q, want ap-east-1, the metadata's region at that login", got)
	}
	if got := signedFor(newMethod("eu-west-1")); got != "eu-west-1" {
		t.Errorf("a written region: signed for %q, want eu-west-1", got)
	}
	if strings.Contains(logs.String(), "defaulting region") {
		t.Errorf("a warning without a failure: %s", logs.String())
	}
	doc = `{"instanceId":"i-1"}`
	if got := signedFor(empty); got != "us-east-1" || !strings.Contains(logs.String(), `aws: defaulting region to \"us-east-1\"`) {
		t.Errorf("a failed lookup signed for %q, logging %q; want us-east-1 and a warning", got, logs.String())
	}
}

// Credentials in the environment come first, as in Vault Proxy's chain (the SDK v1's EnvProvider,
// after the config's keys): they log in even when AWS_PROFILE names a profile the shared files do
// not have, which the SDK v2 refuses to load; and the login's region lookup goes on without that
// profile. Each poll reads the environment again.
func TestAWSEnvCredentialsWithMissingProfile(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[default]\nregion = sa-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EC2_METADATA_DISABLED", "AWS_SESSION_TOKEN",
		"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "absent"))
	t.Setenv("AWS_PROFILE", "no-such-profile")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", closed.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")

	var logs strings.Builder
	m, err := newAWS(Config{Method: "aws", MountPath: "auth/aws", Strings: map[string]string{"type": "iam", "role": "app", "region": ""}},
		slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("newAWS with credentials in the environment and a missing profile: %v", err)
	}
	if m.last.AccessKeyID != "AKIDENV" || m.last.SecretAccessKey != "env-secret" {
		t.Errorf("credentials %+v, want the environment's", m.last)
	}
	if got := m.loginRegion(context.Background()); got != "us-east-1" || strings.Contains(logs.String(), "defaulting region") {
		t.Errorf("region %q (log %q), want us-east-1 without a warning: the missing profile is skipped, no metadata service", got, logs.String())
	}
	t.Setenv("AWS_REGION", "eu-north-1")
	if got := m.loginRegion(context.Background()); got != "eu-north-1" {
		t.Errorf("region %q, want AWS_REGION's eu-north-1", got)
	}

	// The SDK v1's other names, and a poll that reads them again.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_ACCESS_KEY", "AKIDOLD")
	t.Setenv("AWS_SECRET_KEY", "old-secret")
	t.Setenv("AWS_SESSION_TOKEN", "tok")
	if !m.check(context.Background()) || m.last.AccessKeyID != "AKIDOLD" || m.last.SecretAccessKey != "old-secret" || m.last.SessionToken != "tok" {
		t.Errorf("after a poll: %+v, want AWS_ACCESS_KEY's", m.last)
	}

	// Without credentials in the environment the SDK v2 loads the shared configuration, which fails
	// on the missing profile.
	t.Setenv("AWS_ACCESS_KEY", "")
	if _, err := newAWS(Config{Method: "aws", MountPath: "auth/aws", Strings: map[string]string{"type": "iam", "role": "app"}}, testLog); err == nil ||
		!strings.Contains(err.Error(), "no-such-profile") {
		t.Errorf("without credentials in the environment: %v, want the missing profile's error", err)
	}
}
