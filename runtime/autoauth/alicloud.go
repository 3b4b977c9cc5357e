package autoauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	aliauth "github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials/providers"
	"github.com/hashicorp/vault-plugin-auth-alicloud/tools"
	"github.com/hashicorp/vault/api"
)

// alicloudMethod logs in to Vault's alicloud auth method as Vault Proxy's alicloud method does
// (hashicorp/vault command/agentproxyshared/auth/alicloud/alicloud.go): the login holds role and an
// sts GetCallerIdentity request for region, signed with the current credentials, which Vault sends
// on to Alibaba Cloud to learn who signed it (vault-plugin-auth-alicloud tools.GenerateLoginData
// builds it with the Alibaba Cloud SDK: identity_request_url and identity_request_headers, each in
// base64).
//
// Credentials come from the chain Vault Proxy builds: the ALICLOUD_* variables, then the config's
// keys (access_key and access_secret, with access_token, or assuming role_arn; role_name; a key
// pair), then the ECS instance's RAM role from the instance metadata service. The chain is read
// when the method is built, which fails without any credentials, as Vault Proxy refuses to start
// then; it is read again every credential_poll_interval seconds, and credentials that differ from
// those in use replace them and signal new credentials (newCredentials).
type alicloudMethod struct {
	mount, role, region string
	poll                time.Duration
	chain               providers.Provider
	log                 *slog.Logger

	mu   sync.Mutex
	last aliauth.Credential
}

// alicloudDefaultPoll is Vault Proxy's defaultCredCheckFreqSeconds.
const alicloudDefaultPoll = 60 * time.Second

func newAliCloud(cfg Config, log *slog.Logger) (*alicloudMethod, error) {
	s := func(k string) string { return cfg.Strings[k] }
	// role and region are required by the compiler, as by Vault Proxy's alicloud.go, which checks
	// only that they are present: either may be "", and the method starts. With role "" the login
	// is sent and Vault refuses it (hashicorp/vault-plugin-auth-alicloud path_login.go: "entry for
	// role  not found"); with region "" no login can be made (login).
	m := &alicloudMethod{mount: cfg.MountPath, role: s("role"), region: s("region"), log: log,
		poll: time.Duration(cfg.Ints["credential_poll_interval"]) * time.Second}
	if m.poll <= 0 {
		m.poll = alicloudDefaultPoll
	}
	conf := &providers.Configuration{AccessKeyID: s("access_key"), AccessKeySecret: s("access_secret"),
		AccessKeyStsToken: s("access_token"), RoleArn: s("role_arn"), RoleSessionName: s("role_session_name"),
		PrivateKey: s("private_key"), PublicKeyID: s("public_key_id"), RoleName: s("role_name")}
	// As in Vault Proxy, the two expirations are given to the SDK only when written: role_arn is
	// assumed only with role_session_expiration, and a key pair is used only with
	// session_expiration (providers.ConfigurationProvider).
	if v, ok := cfg.Ints["role_session_expiration"]; ok {
		conf.RoleSessionExpiration = &v
	}
	if v, ok := cfg.Ints["session_expiration"]; ok {
		conf.SessionExpiration = &v
	}
	m.chain = providers.NewChainProvider([]providers.Provider{
		providers.NewEnvCredentialProvider(),
		providers.NewConfigurationCredentialProvider(conf),
		&ecsRAMRoleProvider{},
	})
	// Vault Proxy's chain skips an access_key without access_secret, and so does this one: say why
	// the key goes unused. (A plan file, which never holds access_secret, is refused before this:
	// compile.RunRefusals.)
	if conf.AccessKeyID != "" && conf.AccessKeySecret == "" {
		log.Warn("alicloud: access_key is set without access_secret, so the credential chain skips it")
	}
	creds, err := m.chain.Retrieve()
	if err != nil {
		return nil, fmt.Errorf("alicloud: no credentials: %w", err)
	}
	m.last = creds
	return m, nil
}

// errAliCloudNoRegion is each login's error with region "": the SDK has no STS endpoint to sign the
// request for, and Vault Proxy's logins fail there too (GenerateLoginData: "no request captured").
var errAliCloudNoRegion = errors.New(`alicloud: region is "", so no GetCallerIdentity request can be signed (the STS endpoint is the region's): write the region in the method's config`)

func (m *alicloudMethod) login(ctx context.Context, c *api.Client) (*api.Secret, error) {
	if m.region == "" {
		return nil, errAliCloudNoRegion
	}
	m.mu.Lock()
	data, err := tools.GenerateLoginData(m.role, m.last, m.region)
	m.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("alicloud: creating the login request: %w", err)
	}
	return c.Logical().WriteWithContext(ctx, m.mount+"/login", data)
}

// newCredentials reads the chain every credential_poll_interval and signals credentials that
// differ from those in use; a chain that fails keeps the credentials in use.
func (m *alicloudMethod) newCredentials(ctx context.Context) <-chan struct{} {
	return pollCredentials(ctx, nil, m.poll, m.check)
}

// check reads the chain once and reports whether its credentials replaced those in use.
func (m *alicloudMethod) check() bool {
	creds, err := m.chain.Retrieve()
	if err != nil {
		m.log.Warn("alicloud: unable to retrieve current credentials, keeping the last ones", "err", err)
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Each read makes new values; Vault Proxy compares them with reflect.DeepEqual.
	if reflect.DeepEqual(creds, m.last) {
		return false
	}
	m.last = creds
	m.log.Debug("alicloud: new credentials found")
	return true
}

// alicloudMetadataURL is the ECS instance metadata service, which Vault Proxy's SDK provider has
// fixed (alibaba-cloud-sdk-go sdk/auth/credentials/providers/instance_metadata.go); a variable only
// so that tests can point it at a stand-in.
var alicloudMetadataURL = "http://100.100.100.200"

// ecsRAMRoleProvider is the SDK's InstanceMetadataProvider (v1.63.107, the version Vault 1.21
// uses), whose address cannot be changed: it asks for a metadata token (IMDSv2; without one it
// goes on without, IMDSv1), learns the instance's RAM role name once and keeps it, then reads that
// role's STS credentials at each Retrieve.
type ecsRAMRoleProvider struct {
	mu       sync.Mutex
	roleName string
}

type ecsRAMRoleCredentials struct {
	AccessKeyID     *string `json:"AccessKeyId"`
	AccessKeySecret *string `json:"AccessKeySecret"`
	SecurityToken   *string `json:"SecurityToken"`
	Code            *string `json:"Code"`
}

func (p *ecsRAMRoleProvider) Retrieve() (aliauth.Credential, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	const credsPath = "/latest/meta-data/ram/security-credentials/"
	if p.roleName == "" {
		code, body, err := metadataGet(credsPath)
		if err != nil {
			return nil, fmt.Errorf("get role name failed: %w", err)
		}
		name := strings.TrimSpace(body)
		if code != http.StatusOK {
			return nil, fmt.Errorf("received %d getting role name: %s", code, name)
		}
		if name == "" {
			return nil, errors.New("unable to retrieve role name, it may be unset")
		}
		p.roleName = name
	}
	code, body, err := metadataGet(credsPath + p.roleName)
	if err != nil {
		return nil, fmt.Errorf("refresh metadata token err: %w", err)
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("received %d getting security credentials for %s", code, p.roleName)
	}
	var d ecsRAMRoleCredentials
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return nil, fmt.Errorf("refresh metadata err, json.Unmarshal fail: %w", err)
	}
	// The SDK's provider puts the whole response in these errors, AccessKeySecret and SecurityToken
	// included, and the chain's error is logged at the start and at every poll: these say what is
	// wrong with the response without its values (ecsRAMRoleSummary).
	if d.AccessKeyID == nil || d.AccessKeySecret == nil || d.SecurityToken == nil {
		return nil, fmt.Errorf("refresh metadata err, fail to get credentials, response %s", ecsRAMRoleSummary(body, d))
	}
	if d.Code == nil || *d.Code != "Success" {
		return nil, fmt.Errorf("refresh metadata err, Code is not Success, response %s", ecsRAMRoleSummary(body, d))
	}
	return credentials.NewStsTokenCredential(*d.AccessKeyID, *d.AccessKeySecret, *d.SecurityToken), nil
}

// ecsRAMRoleSummary describes a security-credentials response that is not a success without the
// values it holds: its Code (not a secret: "Success" or an error code) and the names of its fields.
func ecsRAMRoleSummary(body string, d ecsRAMRoleCredentials) string {
	code := "none"
	if d.Code != nil {
		code = strconv.Quote(*d.Code)
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal([]byte(body), &fields) // body already parsed as an object
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("with Code %s and the fields [%s] (values not shown)", code, strings.Join(keys, " "))
}

// metadataGet GETs path from the metadata service with a new metadata token when one is given. Each
// request is bounded by metadataTimeout: off ECS the service may not answer at all, and the SDK's
// own client has no timeout.
func metadataGet(path string) (int, string, error) {
	client := newMetadataClient(nil)
	req, err := http.NewRequest(http.MethodGet, alicloudMetadataURL+path, nil)
	if err != nil {
		return 0, "", err
	}
	if tok := metadataToken(client); tok != "" {
		req.Header.Set("X-aliyun-ecs-metadata-token", tok)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// metadataToken asks for a metadata token valid 6 hours; "" when none is given.
func metadataToken(client metadataClient) string {
	req, err := http.NewRequest(http.MethodPut, alicloudMetadataURL+"/latest/api/token", nil)
	if err != nil {
		return ""
	}
	req.Header.Set("X-aliyun-ecs-metadata-token-ttl-seconds", strconv.Itoa(21600))
	resp, err := client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	return strings.TrimSpace(string(b))
}
