package autoauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/hashicorp/vault/api"
)

// awsMethod logs in to Vault's aws auth method as Vault Proxy's aws method does
// (hashicorp/vault command/agentproxyshared/auth/aws/aws.go).
//
// With type ec2 it sends the instance identity document and its signature, read from the EC2
// instance metadata service at each login, and a nonce: nonce when set, else a random UUID made at
// the first login and kept for the process's life (Vault binds the instance to it at the first
// login; after a restart a new one is refused until the access list entry goes, unless the role has
// allow_instance_migration and the document's pending time is newer: builtin/credential/aws,
// validateMetadata).
//
// With type iam it sends an sts:GetCallerIdentity request signed with AWS Signature Version 4
// (hashicorp/go-secure-stdlib/awsutil's GenerateLoginData), which Vault sends on to STS to learn
// who signed it. Credentials: access_key and secret_key (with session_token) when set, else the AWS SDK's
// default chain (AWS_* variables, the shared credentials and config files, web identity, ECS and
// EC2 instance roles). They are read when the method is built, which fails without any, as Vault
// Proxy refuses to start then; every credential_poll_interval the chain is read again, and
// credentials that differ from those in use (or that expired) replace them and signal new
// credentials (newCredentials).
type awsMethod struct {
	typ, mount, role, headerValue, region string
	// nonce is ec2's reauthentication value; "" until the first login makes one.
	nonce string
	poll  time.Duration
	load  func(ctx context.Context) (aws.CredentialsProvider, error)
	log   *slog.Logger

	mu       sync.Mutex
	provider aws.CredentialsProvider
	last     aws.Credentials
}

// awsIAMServerIDHeader is the header whose value Vault's iam_server_id_header_value requires
// signed into the request (hashicorp/vault builtin/credential/aws/path_login.go).
const awsIAMServerIDHeader = "X-Vault-AWS-IAM-Server-ID"

// awsDefaultRegion is awsutil.DefaultRegion, Vault Proxy's region when none is found.
const awsDefaultRegion = "us-east-1"

// awsCredentialTimeout bounds a read of the credential chain (an instance metadata service that
// does not answer, say).
const awsCredentialTimeout = 30 * time.Second

func newAWS(cfg Config, log *slog.Logger) (*awsMethod, error) {
	s := func(k string) string { return cfg.Strings[k] }
	switch {
	case s("role") == "":
		return nil, errors.New("aws: role is required")
	case s("type") == "ec2":
		return &awsMethod{typ: "ec2", mount: cfg.MountPath, role: s("role"), nonce: s("nonce")}, nil
	case s("type") != "iam":
		return nil, fmt.Errorf(`aws: type %q is invalid (iam or ec2)`, s("type"))
	}
	access, secret, session := s("access_key"), s("secret_key"), s("session_token")
	// As awsutil's GenerateCredentialChain: one of the two alone is an error. (A plan file, which
	// never holds secret_key, is refused before this: compile.RunRefusals.)
	if (access == "") != (secret == "") {
		return nil, errors.New("aws: static AWS client credentials haven't been properly configured (the access key or secret key were provided but not both)")
	}
	m := &awsMethod{typ: "iam", mount: cfg.MountPath, role: s("role"), headerValue: s("header_value"), region: s("region"), log: log,
		poll: time.Duration(cfg.Ints["credential_poll_interval"]) * time.Second}
	if m.poll <= 0 {
		m.poll = 60 * time.Second
	}
	if access != "" {
		static := credentials.NewStaticCredentialsProvider(access, secret, session)
		m.load = func(context.Context) (aws.CredentialsProvider, error) { return static, nil }
	} else {
		m.load = func(ctx context.Context) (aws.CredentialsProvider, error) {
			if p := awsEnvCredentials(); p != nil {
				return p, nil
			}
			c, err := config.LoadDefaultConfig(ctx)
			if err != nil {
				return nil, err
			}
			if c.Credentials == nil {
				return nil, errors.New("no credential provider in the AWS configuration")
			}
			return c.Credentials, nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), awsCredentialTimeout)
	defer cancel()
	p, creds, err := m.retrieve(ctx)
	if err != nil {
		return nil, err
	}
	m.provider, m.last = p, creds
	return m, nil
}

// awsEnvCredentials is the first provider of Vault Proxy's chain after the config's keys, the AWS
// SDK v1's EnvProvider (hashicorp/go-secure-stdlib/awsutil v0.3.0 generate_credentials.go,
// GenerateCredentialChain): AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) with AWS_SECRET_ACCESS_KEY (or
// AWS_SECRET_KEY) and AWS_SESSION_TOKEN; nil without both. It comes before the shared configuration
// is loaded, so that, as in Vault Proxy, credentials in the environment log in even when AWS_PROFILE
// names a profile the shared files do not have (the SDK v2's LoadDefaultConfig fails then, v1's
// chain never reads the profile).
func awsEnvCredentials() aws.CredentialsProvider {
	first := func(names ...string) string {
		for _, n := range names {
			if v := os.Getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	id, secret := first("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"), first("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	if id == "" || secret == "" {
		return nil
	}
	return credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
}

// awsIMDSTimeout bounds each request to the instance metadata service for the region, as
// awsutil.GetRegion's HTTP client does.
const awsIMDSTimeout = time.Second

// loginRegion is the region a login signs for: region when written, else, for a region written
// empty, the one awsutil.GetRegion finds (hashicorp/go-secure-stdlib/awsutil v0.3.0 region.go), which
// Vault Proxy's GenerateLoginData asks at each login (hashicorp/vault
// command/agentproxyshared/auth/aws/aws.go): so is this, and a region set in the environment or in
// the instance metadata after the start is used at the next login. A lookup that fails is logged and
// signs for us-east-1, as GenerateLoginData does.
func (m *awsMethod) loginRegion(ctx context.Context) string {
	if m.region != "" {
		return m.region
	}
	region, err := regionFromEnvironment(ctx)
	if err != nil {
		m.log.Warn(fmt.Sprintf("aws: defaulting region to %q", awsDefaultRegion), "err", err)
		return awsDefaultRegion
	}
	return region
}

// regionFromEnvironment is awsutil.GetRegion's lookup of a region written empty: the AWS
// configuration's region (AWS_REGION, AWS_DEFAULT_REGION, the shared config file's profile), else the
// region of the EC2 instance identity document when the instance metadata service answers for the
// instance ID (IMDSv2 through the AWS SDK's client: AWS_EC2_METADATA_SERVICE_ENDPOINT and
// AWS_EC2_METADATA_DISABLED apply), else us-east-1. It fails when the configuration does not load,
// or when the service answers but gives no region. A profile that AWS_PROFILE names and the shared
// files do not have is not a failure: the SDK v1's session, which awsutil.GetRegion creates, goes on
// without it (aws-sdk-go v1.55.8 aws/session/session.go ignores SharedConfigProfileNotExistError),
// and so does this, with the environment's settings alone.
func regionFromEnvironment(ctx context.Context) (string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	var noProfile config.SharedConfigProfileNotExistError
	if errors.As(err, &noProfile) {
		env, eerr := config.NewEnvConfig()
		if eerr != nil {
			return "", fmt.Errorf("loading the AWS environment: %w", eerr)
		}
		cfg, err = aws.Config{Region: env.Region, ConfigSources: []any{env}}, nil
	}
	if err != nil {
		return "", fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region != "" {
		return cfg.Region, nil
	}
	client := imds.NewFromConfig(cfg, func(o *imds.Options) { o.HTTPClient = &http.Client{Timeout: awsIMDSTimeout} })
	// As the SDK v1's EC2Metadata.Available: the service is there when it gives the instance ID.
	id, err := client.GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
	if err != nil {
		return awsDefaultRegion, nil
	}
	id.Content.Close()
	out, err := client.GetRegion(ctx, &imds.GetRegionInput{})
	if err != nil {
		return "", fmt.Errorf("unable to retrieve region from instance metadata: %w", err)
	}
	return out.Region, nil
}

// retrieve reads the credential chain anew and returns its provider and current credentials.
func (m *awsMethod) retrieve(ctx context.Context) (aws.CredentialsProvider, aws.Credentials, error) {
	p, err := m.load(ctx)
	if err != nil {
		return nil, aws.Credentials{}, fmt.Errorf("aws: loading the AWS credential chain: %w", err)
	}
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return nil, aws.Credentials{}, fmt.Errorf("aws: failed to retrieve credentials from the credential chain: %w", err)
	}
	return p, creds, nil
}

func (m *awsMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	if m.typ == "ec2" {
		return m.loginEC2(ctx, c)
	}
	m.mu.Lock()
	p := m.provider
	m.mu.Unlock()
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws: retrieving credentials: %w", err)
	}
	m.mu.Lock()
	m.last = creds
	m.mu.Unlock()
	data, err := iamLoginData(ctx, creds, m.headerValue, m.loginRegion(ctx), time.Now())
	if err != nil {
		return nil, fmt.Errorf("aws: creating the login request: %w", err)
	}
	data["role"] = m.role
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", data)
}

// loginEC2 reads the instance identity document and its SHA256 RSA signature from the instance
// metadata service (IMDSv2, through the AWS SDK's client: AWS_EC2_METADATA_SERVICE_ENDPOINT and
// the shared config file's ec2_metadata_service_endpoint apply) and logs in with them.
func (m *awsMethod) loginEC2(ctx context.Context, c *api.Client) (*api.Secret, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws: loading the AWS configuration: %w", err)
	}
	client := imds.NewFromConfig(cfg)
	doc, err := dynamicData(ctx, client, "instance-identity/document")
	if err != nil {
		return nil, fmt.Errorf("aws: error requesting the instance identity document: %w", err)
	}
	sig, err := dynamicData(ctx, client, "instance-identity/signature")
	if err != nil {
		return nil, fmt.Errorf("aws: error requesting the instance identity signature: %w", err)
	}
	m.mu.Lock()
	if m.nonce == "" {
		if m.nonce, err = randomUUID(); err != nil {
			m.mu.Unlock()
			return nil, fmt.Errorf("aws: generating the reauthentication nonce: %w", err)
		}
	}
	nonce := m.nonce
	m.mu.Unlock()
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", map[string]any{
		"identity": base64.StdEncoding.EncodeToString(doc), "signature": string(sig), "nonce": nonce, "role": m.role})
}

func dynamicData(ctx context.Context, client *imds.Client, path string) ([]byte, error) {
	out, err := client.GetDynamicData(ctx, &imds.GetDynamicDataInput{Path: path})
	if err != nil {
		return nil, err
	}
	defer out.Content.Close()
	return io.ReadAll(out.Content)
}

// randomUUID is a random version 4 UUID, in the form of hashicorp/go-uuid's GenerateUUID.
func randomUUID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// iamLoginData is what awsutil.GenerateLoginData sends: the method, URL, body and headers of a
// signed POST of sts:GetCallerIdentity, each but the method in base64. The signed headers are those
// of the AWS SDK for Go v1 that Vault Proxy uses: host, content-type, x-amz-date,
// x-amz-security-token with a session token, and the server ID header with header_value (no
// content-length: the SDK v1 signer does not sign it).
func iamLoginData(ctx context.Context, creds aws.Credentials, headerValue, region string, now time.Time) (map[string]any, error) {
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, stsEndpoint(region, os.Getenv("AWS_STS_REGIONAL_ENDPOINTS"))+"/", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if headerValue != "" {
		req.Header.Set(awsIAMServerIDHeader, headerValue)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sts", region, now); err != nil {
		return nil, err
	}
	headers, err := json.Marshal(req.Header)
	if err != nil {
		return nil, err
	}
	b64 := base64.StdEncoding.EncodeToString
	return map[string]any{
		"iam_http_request_method": req.Method,
		"iam_request_url":         b64([]byte(req.URL.String())),
		"iam_request_body":        b64([]byte(body)),
		"iam_request_headers":     b64(headers),
	}, nil
}

// stsLegacyGlobalRegions are the regions whose STS requests the AWS SDK for Go v1 sends to the
// global endpoint unless AWS_STS_REGIONAL_ENDPOINTS=regional (aws-sdk-go
// aws/endpoints/legacy_regions.go). The request is still signed for the region (awsutil's
// stsSigningResolver).
var stsLegacyGlobalRegions = map[string]bool{
	"ap-northeast-1": true, "ap-south-1": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"ca-central-1": true, "eu-central-1": true, "eu-north-1": true, "eu-west-1": true, "eu-west-2": true,
	"eu-west-3": true, "sa-east-1": true, "us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true,
}

// stsEndpoint is the STS endpoint the SDK v1 resolves for region: the global one for a legacy
// region, else the region's own (amazonaws.com.cn in China).
func stsEndpoint(region, regionalSetting string) string {
	if stsLegacyGlobalRegions[region] && !strings.EqualFold(regionalSetting, "regional") {
		return "https://sts.amazonaws.com"
	}
	if strings.HasPrefix(region, "cn-") {
		return "https://sts." + region + ".amazonaws.com.cn"
	}
	return "https://sts." + region + ".amazonaws.com"
}

// newCredentials reads the credential chain every credential_poll_interval, and signals
// credentials that differ from those in use, or replace expired ones; a chain that fails keeps the
// credentials in use.
func (m *awsMethod) newCredentials(ctx context.Context) <-chan struct{} {
	if m.typ != "iam" {
		return make(chan struct{}) // ec2 has no credentials to watch
	}
	return pollCredentials(ctx, nil, m.poll, func() bool { return m.check(ctx) })
}

// check reads the chain once and reports whether its credentials replaced those in use.
func (m *awsMethod) check(ctx context.Context) bool {
	rctx, cancel := context.WithTimeout(ctx, awsCredentialTimeout)
	defer cancel()
	p, creds, err := m.retrieve(rctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("aws: unable to retrieve current credentials, keeping the last ones", "err", err)
		}
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.last.Expired() && sameAWSCredentials(creds, m.last) {
		return false
	}
	m.provider, m.last = p, creds
	m.log.Debug("aws: new credentials found")
	return true
}

func sameAWSCredentials(a, b aws.Credentials) bool {
	return a.AccessKeyID == b.AccessKeyID && a.SecretAccessKey == b.SecretAccessKey && a.SessionToken == b.SessionToken
}
