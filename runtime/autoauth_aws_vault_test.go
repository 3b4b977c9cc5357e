package runtime

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/vaulttest"
)

// stsStandIn answers sts:GetCallerIdentity, and ec2:DescribeInstances, as AWS would, for the
// requests Vault's aws auth method sends (its sts_endpoint and endpoint point here): it checks the
// SigV4 signature by signing the request again, as it was signed (https://<Host>/ with the signed
// headers and body), with the secret key of the access key it names, and answers with that key's
// ARN, or with instance, running. A real AWS cannot be used: the test has no AWS account.
type stsStandIn struct {
	keys map[string]string // access key ID to secret key
	arns map[string]string // access key ID to the ARN it answers
	// vaultKey is the key Vault itself signs with (config/client); its requests carry no server ID.
	vaultKey string
	instance string // the instance ID DescribeInstances knows

	mu       sync.Mutex
	verified []string // access key IDs whose signature checked, in order
	regions  []string // the region each of those requests was signed for
	refused  []string // why requests were refused
}

var authzRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/(sts|ec2)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`)

func (s *stsStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "text/xml")
	if err := s.verify(r, body); err != nil {
		s.mu.Lock()
		s.refused = append(s.refused, err.Error())
		s.mu.Unlock()
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>%s</Message></Error></ErrorResponse>`, err)
		return
	}
	m := authzRE.FindStringSubmatch(r.Header.Get("Authorization"))
	s.mu.Lock()
	s.verified = append(s.verified, m[1])
	s.regions = append(s.regions, m[3])
	s.mu.Unlock()
	if m[4] == "ec2" {
		fmt.Fprintf(w, `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet><item><reservationId>r-0123456789abcdef0</reservationId><ownerId>123456789012</ownerId>
    <instancesSet><item><instanceId>%s</instanceId><imageId>ami-0abcdef1234567890</imageId>
      <instanceState><code>16</code><name>running</name></instanceState></item></instancesSet>
  </item></reservationSet>
</DescribeInstancesResponse>`, s.instance)
		return
	}
	fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>%s</Arn>
    <UserId>AIDAVAULTPROXYTEST</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>4ac5cbd2-8c29-4a2b-9d1e-3d1c0e6f7a10</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`, s.arns[m[1]])
}

func (s *stsStandIn) verify(r *http.Request, body []byte) error {
	authz := r.Header.Get("Authorization")
	m := authzRE.FindStringSubmatch(authz)
	if m == nil {
		// Who sent it, for a failure's message: Vault's own client or a login's signed request.
		return fmt.Errorf("authorization header %q on %s %s (User-Agent %q, body %q)", authz, r.Method, r.URL, r.UserAgent(), body)
	}
	key, region, service, signed := m[1], m[3], m[4], strings.Split(m[5], ";")
	form, _ := url.ParseQuery(string(body))
	switch {
	case r.Method != http.MethodPost:
		return fmt.Errorf("%s, not POST", r.Method)
	case service == "sts" && string(body) != "Action=GetCallerIdentity&Version=2011-06-15":
		return fmt.Errorf("not a GetCallerIdentity: %q", body)
	case service == "ec2" && (form.Get("Action") != "DescribeInstances" || form.Get("InstanceId.1") != s.instance):
		return fmt.Errorf("not a DescribeInstances of %s: %q", s.instance, body)
	}
	secret, ok := s.keys[key]
	if !ok {
		return fmt.Errorf("unknown access key %s", key)
	}
	if key != s.vaultKey && !slices.Contains(signed, "x-vault-aws-iam-server-id") {
		return fmt.Errorf("the server ID header is not signed (%s)", m[5])
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != m[2] {
		return fmt.Errorf("X-Amz-Date %q for the scope date %s", r.Header.Get("X-Amz-Date"), m[2])
	}
	// Vault sends a login's request to <sts_endpoint>/<the signed URL's request URI>, with the signed
	// URL's host as Host (builtin/credential/aws/path_login.go, buildHttpRequest): "//" for "/".
	uri := r.URL.RequestURI()
	if strings.HasPrefix(uri, "//") {
		uri = uri[1:]
	}
	again, err := http.NewRequest(r.Method, "https://"+r.Host+uri, nil)
	if err != nil {
		return err
	}
	for _, h := range signed {
		if h != "host" {
			again.Header[textproto.CanonicalMIMEHeaderKey(h)] = r.Header.Values(h)
		}
	}
	if slices.Contains(signed, "content-length") {
		again.ContentLength = int64(len(body))
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, again, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		return err
	}
	if got := again.Header.Get("Authorization"); got != authz {
		return fmt.Errorf("signature mismatch: received %q, computed %q", authz, got)
	}
	return nil
}

func (s *stsStandIn) seen() (verified, refused []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.verified), slices.Clone(s.refused)
}

// signedRegions returns the regions of the verified requests, in order.
func (s *stsStandIn) signedRegions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.regions)
}

const (
	awsTestARN  = "arn:aws:iam::123456789012:user/vaultproxy-test"
	awsServerID = "vault.example.test"
)

// awsVault is a Vault dev server whose aws auth method sends GetCallerIdentity to sts, requires the
// server ID header, and has role "app" for awsTestARN, with a policy that reads secret/data/app/*.
func awsVault(t *testing.T, sts *httptest.Server) (*vaulttest.Dev, *api.Client) {
	t.Helper()
	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	must := func(_ *api.Secret, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := root.Sys().EnableAuthWithOptions("aws", &api.EnableAuthOptions{Type: "aws"}); err != nil {
		t.Fatal(err)
	}
	must(root.Logical().Write("auth/aws/config/client", map[string]any{
		"sts_endpoint": sts.URL, "iam_server_id_header_value": awsServerID}))
	// resolve_aws_unique_ids needs IAM's GetUser, which the test has no AWS for.
	must(root.Logical().Write("auth/aws/role/app", map[string]any{"auth_type": "iam",
		"bound_iam_principal_arn": awsTestARN, "resolve_aws_unique_ids": false, "token_policies": "app"}))
	if err := root.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	must(root.Logical().Write("secret/data/app/config", map[string]any{"data": map[string]any{"color": "green"}}))
	return dev, root
}

// awsEnv leaves the test's AWS credential chain with the shared credentials file alone: no AWS_*
// credentials, no config file, no instance metadata.
func awsEnv(t *testing.T, credentialsFile string) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_STS_REGIONAL_ENDPOINTS", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credentialsFile)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(filepath.Dir(credentialsFile), "absent-config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func awsPlan(t *testing.T, dev *vaulttest.Dev, config, sink string, mods ...func(*Options)) *started {
	t.Helper()
	return startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  enable_reauth_on_new_credentials = true
  method "aws" {
    config = {
      type         = "iam"
      role         = "app"
      header_value = %q
      %s
    }
  }
  sink "file" {
    config = { path = %q }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, awsServerID, config, sink), dev.Addr()), mods...)
}

// checkAWSToken looks tok up: it must be a login of role app by awsTestARN through iam.
func checkAWSToken(t *testing.T, root *api.Client, tok string) {
	t.Helper()
	d := lookupToken(t, root, tok)
	if d.Path != "auth/aws/login" || d.Meta["auth_type"] != "iam" || d.Meta["account_id"] != "123456789012" ||
		d.DisplayName != "aws-vaultproxy-test" || !slices.Contains(d.Policies, "app") {
		t.Errorf("the sink's token: path %q, display_name %q, meta %v, policies %v", d.Path, d.DisplayName, d.Meta, d.Policies)
	}
}

// The aws method with type iam logs in to a real Vault, which sends the signed GetCallerIdentity
// on to a stand-in STS that checks the signature: with static access_key/secret_key/session_token,
// and with credentials from the AWS credential chain (the shared credentials file), which are read
// again every credential_poll_interval; new ones log in again under
// enable_reauth_on_new_credentials. A proxied request with use_auto_auth_token is answered.
func TestAWSIAMAutoAuthRealVault(t *testing.T) {
	sts := &stsStandIn{
		keys: map[string]string{"AKIAVAULTPROXYONE": "secret-one", "AKIAVAULTPROXYTWO": "secret-two", "ASIAVAULTPROXYSTATIC": "secret-static"},
		arns: map[string]string{"AKIAVAULTPROXYONE": awsTestARN, "AKIAVAULTPROXYTWO": awsTestARN, "ASIAVAULTPROXYSTATIC": awsTestARN},
	}
	stsSrv := httptest.NewServer(sts)
	defer stsSrv.Close()
	dev, root := awsVault(t, stsSrv)
	dir := t.TempDir()
	credsFile := filepath.Join(dir, "credentials")
	writeCreds := func(key, secret string) {
		t.Helper()
		if err := os.WriteFile(credsFile, []byte(fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", key, secret)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCreds("AKIAVAULTPROXYONE", "secret-one")
	awsEnv(t, credsFile)

	t.Run("static", func(t *testing.T) {
		sink := filepath.Join(t.TempDir(), "sink")
		s := awsPlan(t, dev, `access_key = "ASIAVAULTPROXYSTATIC"
      secret_key    = "secret-static"
      session_token = "session-static"
      region        = "eu-central-1"`, sink)
		checkAWSToken(t, root, waitSink(t, sink, ""))
		verified, refused := sts.seen()
		if len(refused) > 0 || !slices.Contains(verified, "ASIAVAULTPROXYSTATIC") {
			t.Fatalf("STS verified %v, refused %v", verified, refused)
		}
		resp, err := http.Get(s.url + "/v1/secret/data/app/config")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"color":"green"`) {
			t.Errorf("proxied read with the auto-auth token: %d %s", resp.StatusCode, body)
		}
	})

	// The stand-in's check can fail: a request signed with another secret key is refused.
	t.Run("stand-in refuses a wrong signature", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, stsSrv.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		req.Header.Set("X-Vault-AWS-IAM-Server-ID", awsServerID)
		sum := sha256.Sum256([]byte("Action=GetCallerIdentity&Version=2011-06-15"))
		creds := aws.Credentials{AccessKeyID: "AKIAVAULTPROXYONE", SecretAccessKey: "not-the-secret"}
		if err := v4.NewSigner().SignHTTP(req.Context(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if _, refused := sts.seen(); resp.StatusCode != http.StatusForbidden || len(refused) != 1 || !strings.Contains(refused[0], "signature mismatch") {
			t.Errorf("a wrong signature: %d, refused %v", resp.StatusCode, refused)
		}
		sts.mu.Lock()
		sts.refused = nil
		sts.mu.Unlock()
	})

	t.Run("credential chain", func(t *testing.T) {
		sink := filepath.Join(t.TempDir(), "sink")
		awsPlan(t, dev, `credential_poll_interval = 1`, sink)
		first := waitSink(t, sink, "")
		checkAWSToken(t, root, first)
		writeCreds("AKIAVAULTPROXYTWO", "secret-two")
		second := waitSink(t, sink, first)
		checkAWSToken(t, root, second)
		verified, refused := sts.seen()
		if len(refused) > 0 || !slices.Contains(verified, "AKIAVAULTPROXYONE") || verified[len(verified)-1] != "AKIAVAULTPROXYTWO" {
			t.Errorf("STS verified %v, refused %v", verified, refused)
		}
	})
}

// A region written empty is looked up at each login, as Vault Proxy's GenerateLoginData does with
// awsutil.GetRegion: AWS_REGION (or the shared config file) first, else the region of the instance
// identity document when the instance metadata service answers, else us-east-1, which a lookup that
// fails also gives, with a warning. The STS stand-in reads the region each login was signed for from
// the signature's scope it checked.
func TestAWSIAMRegionLookupRealVault(t *testing.T) {
	sts := &stsStandIn{
		keys: map[string]string{"AKIAVAULTPROXYONE": "secret-one", "AKIAVAULTPROXYTWO": "secret-two"},
		arns: map[string]string{"AKIAVAULTPROXYONE": awsTestARN, "AKIAVAULTPROXYTWO": awsTestARN},
	}
	stsSrv := httptest.NewServer(sts)
	defer stsSrv.Close()
	dev, root := awsVault(t, stsSrv)
	credsFile := filepath.Join(t.TempDir(), "credentials")
	writeCreds := func(key, secret string) {
		t.Helper()
		if err := os.WriteFile(credsFile, []byte(fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", key, secret)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCreds("AKIAVAULTPROXYONE", "secret-one")
	awsEnv(t, credsFile)
	imds := &imdsStandIn{instanceID: "i-0123456789abcdef0"}
	imds.setDoc(`{"instanceId":"i-0123456789abcdef0","region":"eu-south-1"}`)
	imdsSrv := httptest.NewServer(imds)
	defer imdsSrv.Close()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsSrv.URL)
	const config = `region = ""
      credential_poll_interval = 1`
	// login starts a proxy, waits for its first token and returns it with the region it was signed
	// for.
	login := func(t *testing.T, mods ...func(*Options)) (sink, tok, region string) {
		t.Helper()
		sink = filepath.Join(t.TempDir(), "sink")
		awsPlan(t, dev, config, sink, mods...)
		tok = waitSink(t, sink, "")
		checkAWSToken(t, root, tok)
		regions := sts.signedRegions()
		if _, refused := sts.seen(); len(refused) > 0 {
			t.Fatalf("STS refused %v", refused)
		}
		return sink, tok, regions[len(regions)-1]
	}

	t.Run("instance metadata, at each login", func(t *testing.T) {
		sink, first, region := login(t)
		if region != "eu-south-1" {
			t.Errorf("the first login was signed for %q, want the instance metadata's eu-south-1", region)
		}
		// New credentials log in again; the region is looked up again, and the metadata's has changed.
		imds.setDoc(`{"instanceId":"i-0123456789abcdef0","region":"ap-east-1"}`)
		writeCreds("AKIAVAULTPROXYTWO", "secret-two")
		checkAWSToken(t, root, waitSink(t, sink, first))
		verified, _ := sts.seen()
		regions := sts.signedRegions()
		if key, region := verified[len(verified)-1], regions[len(regions)-1]; key != "AKIAVAULTPROXYTWO" || region != "ap-east-1" {
			t.Errorf("the second login was signed by %s for %q, want AKIAVAULTPROXYTWO for ap-east-1", key, region)
		}
		imds.setDoc(`{"instanceId":"i-0123456789abcdef0","region":"eu-south-1"}`)
	})

	t.Run("the environment first", func(t *testing.T) {
		t.Setenv("AWS_REGION", "ca-west-1")
		if _, _, region := login(t); region != "ca-west-1" {
			t.Errorf("the login was signed for %q, want AWS_REGION's ca-west-1", region)
		}
	})

	t.Run("no instance metadata", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", closed.URL)
		var logs syncBuffer
		if _, _, region := login(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) }); region != "us-east-1" {
			t.Errorf("the login was signed for %q, want us-east-1", region)
		}
		if strings.Contains(logs.String(), "defaulting region") {
			t.Errorf("an absent metadata service is not a failure, but was logged as one:\n%s", logs.String())
		}
	})

	t.Run("instance metadata without a region", func(t *testing.T) {
		imds.setDoc(`{"instanceId":"i-0123456789abcdef0"}`)
		defer imds.setDoc(`{"instanceId":"i-0123456789abcdef0","region":"eu-south-1"}`)
		var logs syncBuffer
		if _, _, region := login(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) }); region != "us-east-1" {
			t.Errorf("the login was signed for %q, want us-east-1", region)
		}
		if !strings.Contains(logs.String(), `aws: defaulting region to \"us-east-1\"`) {
			t.Errorf("no warning of the failed lookup:\n%s", logs.String())
		}
	})
}

// imdsStandIn is an EC2 instance metadata service (IMDSv2: a session token from PUT
// /latest/api/token is required) serving an instance identity document and its SHA256 RSA
// signature, made with key, whose certificate Vault is given as an "identity" certificate, and
// the instance ID when instanceID is set.
type imdsStandIn struct {
	signature, instanceID string

	mu      sync.Mutex
	doc     string
	fetched int // documents served
}

// setDoc replaces the instance identity document.
func (s *imdsStandIn) setDoc(doc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc = doc
}

func (s *imdsStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const token = "imds-session-token"
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
		w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
		fmt.Fprint(w, token)
	case r.Header.Get("X-Aws-Ec2-Metadata-Token") != token:
		http.Error(w, "", http.StatusUnauthorized)
	case r.URL.Path == "/latest/meta-data/instance-id" && s.instanceID != "":
		fmt.Fprint(w, s.instanceID)
	case r.URL.Path == "/latest/dynamic/instance-identity/document":
		s.mu.Lock()
		s.fetched++
		doc := s.doc
		s.mu.Unlock()
		fmt.Fprint(w, doc)
	case r.URL.Path == "/latest/dynamic/instance-identity/signature":
		fmt.Fprint(w, s.signature)
	default:
		http.NotFound(w, r)
	}
}

// The aws method with type ec2 logs in to a real Vault with the instance identity document and
// signature from the instance metadata service: Vault checks the signature with the certificate it
// was given, asks (the stand-in) EC2 whether the instance runs, and binds the instance to the nonce
// of the first login; the next login (the token at its max TTL) sends the same nonce, and is
// accepted.
func TestAWSEC2AutoAuthRealVault(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "instance identity"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	const instance = "i-0123456789abcdef0"
	doc := fmt.Sprintf(`{"accountId":"123456789012","architecture":"x86_64","availabilityZone":"eu-west-1a","imageId":"ami-0abcdef1234567890","instanceId":%q,"instanceType":"t3.micro","pendingTime":"2026-12-01T08:00:00Z","privateIp":"10.0.0.10","region":"eu-west-1","version":"2017-09-30"}`, instance)
	digest := sha256.Sum256([]byte(doc))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	imds := &imdsStandIn{signature: base64.StdEncoding.EncodeToString(sig)}
	imds.setDoc(doc)
	imdsSrv := httptest.NewServer(imds)
	defer imdsSrv.Close()
	awsSrv := &stsStandIn{keys: map[string]string{"AKIAVAULTSERVER": "vault-server-secret"},
		arns: map[string]string{"AKIAVAULTSERVER": "arn:aws:iam::123456789012:user/vault-server"}, vaultKey: "AKIAVAULTSERVER", instance: instance}
	awsHTTP := httptest.NewServer(awsSrv)
	defer awsHTTP.Close()

	dev := vaulttest.StartDev(t)
	root := dev.Client(t)
	must := func(_ *api.Secret, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := root.Sys().EnableAuthWithOptions("aws", &api.EnableAuthOptions{Type: "aws"}); err != nil {
		t.Fatal(err)
	}
	must(root.Logical().Write("auth/aws/config/client", map[string]any{"access_key": "AKIAVAULTSERVER",
		"secret_key": "vault-server-secret", "endpoint": awsHTTP.URL, "sts_endpoint": awsHTTP.URL}))
	must(root.Logical().Write("auth/aws/config/certificate/test", map[string]any{"type": "identity",
		"aws_public_cert": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}))
	must(root.Logical().Write("auth/aws/role/app", map[string]any{"auth_type": "ec2",
		"bound_account_id": "123456789012", "bound_ami_id": "ami-0abcdef1234567890", "token_policies": "app",
		"token_ttl": "2s", "token_max_ttl": "3s"}))

	awsEnv(t, filepath.Join(t.TempDir(), "absent-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsSrv.URL)
	sink := filepath.Join(t.TempDir(), "sink")
	startPlan(t, planFrom(t, fmt.Sprintf(`
vault { address = "{{vault}}" }
auto_auth {
  method "aws" {
    config = {
      type = "ec2"
      role = "app"
    }
  }
  sink "file" {
    config = { path = %q }
  }
}
listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}`, sink), dev.Addr()))

	first := waitSink(t, sink, "")
	nonce := checkEC2Token(t, root, first, instance)
	// At its max TTL the token is replaced by a new login with the same nonce, which Vault accepts
	// for the instance it bound to it at the first login (another nonce would be refused).
	second := waitSink(t, sink, first)
	if again := checkEC2Token(t, root, second, instance); again != nonce {
		t.Errorf("the second login's nonce %q, the first's %q", again, nonce)
	}
	imds.mu.Lock()
	fetched := imds.fetched
	imds.mu.Unlock()
	if verified, refused := awsSrv.seen(); fetched < 2 || len(refused) > 0 || len(verified) == 0 {
		t.Errorf("documents fetched %d; AWS verified %v, refused %v", fetched, verified, refused)
	}
}

// checkEC2Token looks tok up: an ec2 login of role app by instance. It returns the nonce Vault
// bound the instance to.
func checkEC2Token(t *testing.T, root *api.Client, tok, instance string) string {
	t.Helper()
	d := lookupToken(t, root, tok)
	if d.Path != "auth/aws/login" || d.Meta["auth_type"] != "ec2" || d.Meta["role"] != "app" ||
		d.Meta["account_id"] != "123456789012" || !slices.Contains(d.Policies, "app") {
		t.Errorf("the sink's token: path %q, meta %v, policies %v", d.Path, d.Meta, d.Policies)
	}
	// The login bound the instance (the document's instanceId) to the role in Vault's access list.
	entry, err := root.Logical().Read("auth/aws/identity-accesslist/" + instance)
	if err != nil || entry == nil {
		t.Fatalf("the instance's identity access list entry: %v, %v", entry, err)
	}
	nonce, _ := entry.Data["client_nonce"].(string)
	if entry.Data["role"] != "app" || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(nonce) {
		t.Errorf("identity access list entry %v", entry.Data)
	}
	return nonce
}
