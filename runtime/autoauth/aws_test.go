package autoauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
		{map[string]string{"type": "iam", "role": "app", "access_key": "AKID"}, "access_key and secret_key must be set together"},
		{map[string]string{"type": "iam", "role": "app", "secret_key": "s"}, "access_key and secret_key must be set together"},
	}
	for _, tt := range tests {
		if _, err := newAWS(Config{Method: "aws", MountPath: "auth/aws", Strings: tt.strings}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
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
	imdsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/latest/api/token":
			fmt.Fprint(w, "tok")
		case "/latest/dynamic/instance-identity/document":
			fmt.Fprint(w, `{"instanceId":"i-1"}`)
		case "/latest/dynamic/instance-identity/signature":
			fmt.Fprint(w, "c2lnbmF0dXJl")
		default:
			http.NotFound(w, r)
		}
	}))
	defer imdsSrv.Close()
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsSrv.URL)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "absent"))
	for _, nonce := range []string{"", "configured-nonce"} {
		fv := &fakeVault{}
		srv := httptest.NewServer(http.HandlerFunc(fv.handler))
		m, err := newAWS(Config{Method: "aws", MountPath: "auth/aws-ec2",
			Strings: map[string]string{"type": "ec2", "role": "web", "nonce": nonce}}, nil)
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
