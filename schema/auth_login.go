package schema

import "time"

// MethodLogin is how a method type logs in, from the Authenticate function of its file in
// hashicorp/vault v1.21.0 command/agentproxyshared/auth/<type>/: which config keys shape the login,
// and where the method reads what proves its identity. The plan preview prints it.
type MethodLogin struct {
	// PathKey is the config key whose value ends the login path, auth/<mount>/login/<value> (ldap's
	// username, oci's role); "" when the path is auth/<mount>/login.
	PathKey string
	// RoleKey is the config key that names the role the login is for; "" for none.
	RoleKey string
	// Credentials says where the method reads its credentials, by the value of the config key
	// `type` (aws, gcp, oci), or under "" for every type.
	Credentials map[string]string
}

// MethodLogins are the login facts of every method type.
var MethodLogins = map[string]MethodLogin{
	"alicloud": {RoleKey: "role", Credentials: map[string]string{
		"": "the Alibaba Cloud SDK's chain: ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY (and the other ALICLOUD_* variables), then the config's access_key, access_secret, access_token, role_arn or key pair, then the ECS instance metadata service (role_name); checked every credential_poll_interval seconds",
	}},
	"approle": {Credentials: map[string]string{
		"": "the role ID from the file role_id_file_path and the secret ID from the file secret_id_file_path",
	}},
	"aws": {RoleKey: "role", Credentials: map[string]string{
		"iam": "access_key, secret_key and session_token when set, else the AWS chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the shared credentials file (~/.aws/credentials), AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, then the ECS or EC2 metadata service; checked every credential_poll_interval seconds",
		"ec2": "the instance identity document and its signature from the EC2 instance metadata service (169.254.169.254)",
	}},
	"azure": {RoleKey: "role", Credentials: map[string]string{
		"": "the VM's name, resource group and subscription from the Azure instance metadata service (169.254.169.254), and a managed identity token from its identity endpoint, or from the Azure SDK's default credential (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET, workload or managed identity) with authenticate_from_environment",
	}},
	"cert": {RoleKey: "name", Credentials: map[string]string{
		"": "the TLS client certificate client_cert and key client_key, or the vault block's client_cert and client_key",
	}},
	"cf": {RoleKey: "role", Credentials: map[string]string{
		"": "the instance certificate in the file named by CF_INSTANCE_CERT, signed with the key in the file named by CF_INSTANCE_KEY",
	}},
	"gcp": {RoleKey: "role", Credentials: map[string]string{
		"gce": "an identity token for service_account from the GCE metadata server (http://metadata/computeMetadata/v1/instance/service-accounts/<service_account>/identity)",
		"iam": "a JWT signed by the IAM Credentials API with credentials, else GOOGLE_CREDENTIALS, GOOGLE_CLOUD_KEYFILE_JSON, ~/.gcp/credentials, then Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server)",
	}},
	"jwt": {RoleKey: "role", Credentials: map[string]string{
		"": "the JWT in the file path, read every jwt_read_period",
	}},
	"kerberos": {Credentials: map[string]string{
		"": "a SPNEGO Authorization header made with username's key from the keytab keytab_path and the KDC that krb5conf_path names",
	}},
	"kubernetes": {RoleKey: "role", Credentials: map[string]string{
		"": "the service account token in the file token_path",
	}},
	"ldap": {PathKey: "username", Credentials: map[string]string{
		"": "the password in the file password_file_path, checked every password_read_period",
	}},
	"oci": {PathKey: "role", RoleKey: "role", Credentials: map[string]string{
		"apikey":   "a request signed with the API key of the OCI_* variables (OCI_tenancy_ocid, OCI_user_ocid, OCI_fingerprint, OCI_private_key_path), else of ~/.oci/config (or OCI_CONFIG_FILE), else of ~/.oraclebmc/config",
		"instance": "a request signed with the instance principal's certificate from the OCI instance metadata service",
	}},
	"token_file": {Credentials: map[string]string{
		"": "the token in the file token_file_path",
	}},
}

// LDAPReadPeriodDefault is password_read_period's default, which depends on
// remove_password_after_reading, as in Vault's command/agentproxyshared/auth/ldap/ldap.go: 0.5s when
// the password file is removed after reading, 1m otherwise.
func LDAPReadPeriodDefault(removeAfterReading bool) time.Duration {
	return JWTReadPeriodDefault(removeAfterReading)
}

// MethodOfConfig returns the method type whose `config` block b is, or "" when b is none.
func MethodOfConfig(b *Block) string {
	for typ, blocks := range Method.ByLabel {
		for _, nb := range blocks {
			if nb == b {
				return typ
			}
		}
	}
	return ""
}

// MethodsWithConfigKey returns the method types, sorted, whose config declares the key name.
func MethodsWithConfigKey(name string) []string {
	var out []string
	for _, typ := range MethodTypes {
		if MethodConfig(typ).Attribute(name) != nil {
			out = append(out, typ)
		}
	}
	return out
}

// MethodConfigKeys returns every config key of every method type but except, each once, sorted by
// method type and then in declaration order.
func MethodConfigKeys(except string) []string {
	var out []string
	seen := map[string]bool{}
	for _, typ := range MethodTypes {
		if typ == except {
			continue
		}
		for _, a := range MethodConfig(typ).Attributes {
			if !seen[a.Name] {
				seen[a.Name] = true
				out = append(out, a.Name)
			}
		}
	}
	return out
}
