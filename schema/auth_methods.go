package schema

// The config keys of the cloud and directory auth methods, as Vault Proxy 1.21 reads them: each is
// declared from the New…AuthMethod function of hashicorp/vault v1.21.0
// command/agentproxyshared/auth/<type>/<type>.go, which names the file cited on each block. A key
// the constructor refuses to go without is Required; one it refuses empty ("'role' value is empty")
// has a NonEmpty; a value it checks against a list ("'type' value is invalid") has an Enum.

// valueIntoString is the NotAString of the aws and gcp keys whose type assertion fails with
// "could not convert '<name>' value into string" (aws/aws.go, gcp/gcp.go).
func valueIntoString(name string) string {
	return "could not convert '" + name + "' value into string"
}

// mustBeString is the NotAString of kerberos's keys (kerberos/kerberos.go read: "%q must be a string").
func mustBeString(name string) string { return `"` + name + `" must be a string` }

// positiveInt is the Positive of an integer key that a constructor reads with a type assertion and
// refuses at 0 or below ("could not convert 'credential_poll_interval' into positive int").
func positiveInt(name string) string {
	return "Vault Proxy refuses it when it starts (could not convert '" + name + "' into positive int)"
}

// tickerPanics is the Positive of a duration that a method uses as a ticker's period unchecked:
// time.NewTicker panics on a period of 0 or less, and Vault Proxy with it.
const tickerPanics = "Vault Proxy passes it unchecked to time.NewTicker, which panics on a period of 0 or less, so Vault Proxy crashes when it starts"

// AliCloudConfig is the config of method "alicloud" (alicloud/alicloud.go). Only role and region
// are required, and neither is refused empty. The credential keys feed the Alibaba Cloud SDK's
// configuration provider, which comes after the ALICLOUD_* variables and before the instance
// metadata in its chain, and uses only some of them (aliCloudRoleArn, aliCloudKeyPair).
var AliCloudConfig = methodConfig("alicloud",
	&Attribute{Name: "role", Kind: String, Required: true, Doc: "Role to log in as."},
	&Attribute{Name: "region", Kind: String, Required: true, Doc: "Region of the STS endpoint the signed GetCallerIdentity request is for."},
	&Attribute{Name: "credential_poll_interval", Kind: Int, Strict: true, Default: "60", Positive: positiveInt("credential_poll_interval"), Doc: "Seconds between checks for new credentials, a whole number."},
	&Attribute{Name: "access_key", Kind: String, Doc: "Access key ID (after ALICLOUD_ACCESS_KEY)."},
	&Attribute{Name: "access_secret", Kind: String, Sensitive: true, Doc: "Access key secret (after ALICLOUD_SECRET_KEY)."},
	&Attribute{Name: "access_token", Kind: String, Sensitive: true, Doc: "STS security token (after ALICLOUD_ACCESS_KEY_STS_TOKEN)."},
	&Attribute{Name: "role_arn", Kind: String, UsedOnlyWhen: aliCloudRoleArn, Doc: "RAM role to assume with the access key."},
	&Attribute{Name: "role_session_name", Kind: String, UsedOnlyWhen: aliCloudRoleArn, Doc: "Session name when assuming role_arn."},
	&Attribute{Name: "role_session_expiration", Kind: Int, Strict: true, UsedOnlyWhen: aliCloudRoleArn, UnsetMeans: "role_arn is not assumed: the SDK takes it only with role_session_expiration written, and uses the access key as it is", Doc: "Seconds the assumed role's session lasts, a whole number."},
	&Attribute{Name: "private_key", Kind: String, Sensitive: true, UsedOnlyWhen: aliCloudKeyPair, Doc: "RSA private key of a key pair credential, which the SDK tries last: not with an access key pair or role_name."},
	&Attribute{Name: "public_key_id", Kind: String, UsedOnlyWhen: aliCloudKeyPair, Doc: "ID of the key pair's public key."},
	&Attribute{Name: "session_expiration", Kind: Int, Strict: true, UsedOnlyWhen: aliCloudKeyPair, UnsetMeans: "no key pair is used: the SDK takes private_key and public_key_id only with session_expiration written", Doc: "Seconds the key pair's session lasts, a whole number."},
	&Attribute{Name: "role_name", Kind: String, Doc: "RAM role of the ECS instance to take credentials from the instance metadata for."},
)

// aliCloudRoleArn is when the Alibaba Cloud SDK assumes role_arn, and so uses the keys that name
// the role: its ConfigurationProvider.Retrieve (aliyun/alibaba-cloud-sdk-go
// sdk/auth/credentials/providers/configuration.go, v1.63.107 as Vault 1.21 uses) takes the
// RamRoleArn credential only with access_key, access_secret, role_arn and role_session_name not
// empty and role_session_expiration written (not nil, whatever its value); otherwise it uses the
// access key as it is (with access_token, if any), and the role's keys are ignored.
var aliCloudRoleArn = &Condition{All: []*Condition{
	{Attr: "access_key", Set: true},
	{Attr: "access_secret", Set: true},
	{Attr: "role_arn", Set: true},
	{Attr: "role_session_name", Set: true},
	{Attr: "role_session_expiration", Written: true},
}, Says: "access_key, access_secret, role_arn and role_session_name are set and role_session_expiration is written"}

// aliCloudKeyPair is when the same Retrieve can use the RSA key pair: private_key and public_key_id
// not empty and session_expiration written. It is its last choice, after an access key pair and
// role_name, which private_key's documentation says.
var aliCloudKeyPair = &Condition{All: []*Condition{
	{Attr: "private_key", Set: true},
	{Attr: "public_key_id", Set: true},
	{Attr: "session_expiration", Written: true},
}, Says: "private_key and public_key_id are set and session_expiration is written"}

// AWSConfig is the config of method "aws" (aws/aws.go). access_key, secret_key and session_token
// come first in awsutil.RetrieveCreds's chain when set; credential_poll_interval is read only by the
// iam type, which polls for new credentials.
var AWSConfig = methodConfig("aws",
	&Attribute{Name: "type", Kind: String, Required: true, NonEmpty: refusedEmpty("type"), Enum: []string{"iam", "ec2"}, Doc: "How to prove the identity: iam signs sts:GetCallerIdentity, ec2 sends the instance identity document."},
	&Attribute{Name: "role", Kind: String, Required: true, NonEmpty: refusedEmpty("role"), Doc: "Role to log in as."},
	&Attribute{Name: "access_key", Kind: String, UsedOnlyWhen: TypeIs("iam"), NotAString: valueIntoString("access_key"), Doc: "Access key ID for iam; default from the AWS credential chain."},
	&Attribute{Name: "secret_key", Kind: String, UsedOnlyWhen: TypeIs("iam"), NotAString: valueIntoString("secret_key"), Sensitive: true, Doc: "Secret access key for iam."},
	&Attribute{Name: "session_token", Kind: String, UsedOnlyWhen: TypeIs("iam"), NotAString: valueIntoString("session_token"), Sensitive: true, Doc: "Session token of temporary credentials for iam."},
	&Attribute{Name: "header_value", Kind: String, UsedOnlyWhen: TypeIs("iam"), NotAString: valueIntoString("header_value"), Doc: "Value of the X-Vault-AWS-IAM-Server-ID header signed into the iam request."},
	&Attribute{Name: "nonce", Kind: String, UsedOnlyWhen: TypeIs("ec2"), NotAString: valueIntoString("nonce"), Sensitive: true, Doc: "Reauthentication nonce for ec2; default a random UUID, kept for the process's life."},
	&Attribute{Name: "region", Kind: String, UsedOnlyWhen: TypeIs("iam"), NotAString: valueIntoString("region"), Default: "us-east-1", EmptyMeans: awsRegionLookup, Doc: "Region of the STS endpoint the iam request is signed for."},
	&Attribute{Name: "credential_poll_interval", Kind: Int, Strict: true, Default: "60", Positive: positiveInt("credential_poll_interval"), ReadOnlyWhen: TypeIs("iam"), Doc: "Seconds between checks for new iam credentials, a whole number; ec2 does not read it."},
)

// awsRegionLookup is what aws's region written empty means: awsutil.GetRegion, which Vault Proxy's
// GenerateLoginData calls at each login (hashicorp/go-secure-stdlib/awsutil region.go), looks it up.
const awsRegionLookup = "looked up at each login: AWS_REGION, AWS_DEFAULT_REGION, the shared config file's profile, then the EC2 instance metadata service, else us-east-1"

// AzureConfig is the config of method "azure" (azure/azure.go). object_id and client_id pick a
// user-assigned managed identity; Vault refuses both at once (validate's azure-identity rule).
var AzureConfig = methodConfig("azure",
	&Attribute{Name: "role", Kind: String, Required: true, NonEmpty: refusedEmpty("role"), Doc: "Role to log in as."},
	&Attribute{Name: "resource", Kind: String, Required: true, NonEmpty: refusedEmpty("resource"), Doc: "Audience of the managed identity token, the auth mount's configured resource."},
	&Attribute{Name: "object_id", Kind: String, Doc: "Object ID of the user-assigned managed identity; not with client_id."},
	&Attribute{Name: "client_id", Kind: String, Doc: "Client ID of the user-assigned managed identity; not with object_id."},
	&Attribute{Name: "scope", Kind: String, Doc: "Scope of the token with authenticate_from_environment; default <resource>/.default."},
	&Attribute{Name: "authenticate_from_environment", Kind: Bool, Default: "false", Doc: "Get the token with the Azure SDK's default credential (AZURE_* variables, workload or managed identity) instead of the metadata endpoint."},
)

// CFConfig is the config of method "cf" (cf/cf.go): the role only, which may be empty; the instance
// certificate and key are found through CF_INSTANCE_CERT and CF_INSTANCE_KEY at each login.
var CFConfig = methodConfig("cf",
	&Attribute{Name: "role", Kind: String, Required: true, Doc: "Role to log in as."},
)

// GCPConfig is the config of method "gcp" (gcp/gcp.go). Every key is read whatever the type;
// jwt_exp with parseutil.ParseInt.
var GCPConfig = methodConfig("gcp",
	&Attribute{Name: "type", Kind: String, Required: true, NonEmpty: refusedEmpty("type"), Enum: []string{"gce", "iam"}, Doc: "How to prove the identity: gce asks the metadata server for an identity token, iam has a service account's JWT signed."},
	&Attribute{Name: "role", Kind: String, Required: true, NonEmpty: refusedEmpty("role"), Doc: "Role to log in as."},
	&Attribute{Name: "credentials", Kind: String, UsedOnlyWhen: TypeIs("iam"), NotAString: valueIntoString("credentials"), Sensitive: true, Doc: "Service account key, its JSON itself, for iam; default GOOGLE_CREDENTIALS, then Application Default Credentials."},
	&Attribute{Name: "service_account", Kind: String, NotAString: valueIntoString("service_account"), Default: "default", EmptyMeans: "with iam, the client_email of the credentials; with gce, an empty name in the metadata path (service-accounts//identity), as Vault Proxy asks it", Doc: "Service account whose identity is used; with iam and \"\", the one of credentials."},
	&Attribute{Name: "project", Kind: String, NotAString: valueIntoString("project"), Ignored: "Vault Proxy 1.21's gcp method reads it and never uses it", Doc: "Project of the service account; unused."},
	&Attribute{Name: "jwt_exp", Kind: Int, UsedOnlyWhen: TypeIs("iam"), ParseInt: true, Default: "15", NegativeMeans: gcpJWTExpNegative, Above: gcpJWTExpAbove, Doc: gcpJWTExpDoc},
)

// gcpJWTExpNegative is what a negative jwt_exp does: Vault Proxy's iam login uses any jwt_exp but
// 0 as the JWT's lifetime in minutes, so exp is that many minutes before the JWT is made
// (hashicorp/vault command/agentproxyshared/auth/gcp/gcp.go), and Vault's gcp method refuses a JWT
// that expired more than 60 seconds before it checks it (vault-plugin-auth-gcp plugin/path_login.go,
// validateBaseJWTClaims): every iam login fails, unless Vault's clock lags the proxy's.
const gcpJWTExpNegative = "Vault Proxy makes each iam JWT expire that many minutes before it is made, and Vault's gcp method refuses a JWT that expired more than 60 seconds ago (\"JWT is expired\"), so every login fails unless Vault's clock is behind the proxy's"

// gcpJWTExpAbove is what a jwt_exp above 60 does. Vault's gcp method refuses an iam JWT that
// expires later than the role's max_jwt_exp after it checks the login (vault-plugin-auth-gcp
// plugin/path_login.go, pathIamLogin: "role requires that service account JWTs expire within %d
// seconds"), and a role's max_jwt_exp is at most 60 minutes (plugin/path_role.go,
// maxJwtExpMaxMinutes = 60; plugin/gcp_role.go, validateForIAM: "max_jwt_exp cannot be more than
// %d minutes"). Whatever the role, it also refuses one that expires more than 60 minutes plus its
// 60-second tolerance, jwtExpToleranceSec, after the check (path_login.go, validateBaseJWTClaims:
// "JWT must expire in %d minutes"). Vault Proxy makes exp jwt_exp minutes after it makes the JWT
// (hashicorp/vault command/agentproxyshared/auth/gcp/gcp.go), so above 60 every iam login fails,
// unless Vault's clock is ahead of the proxy's by the excess.
var gcpJWTExpAbove = &Limit{Bound: 60, Means: "Vault's gcp method refuses an iam JWT that expires more than 60 minutes after it checks the login, since a role's max_jwt_exp is at most 60 minutes (\"role requires that service account JWTs expire within ... seconds\"; past 61 minutes, whatever the role, \"JWT must expire in 60 minutes\"), so every iam login fails unless Vault's clock is ahead of the proxy's"}

// gcpJWTExpDoc says what jwt_exp needs of the role between 16 and 60, where whether it works
// depends on the role, which vaultproxy does not see, and so gets no warning: Vault Proxy's default
// is 15 minutes (hashicorp/vault command/agentproxyshared/auth/gcp/gcp.go,
// defaultIamMaxJwtExpMinutes), as is a role's max_jwt_exp unless it is set (vault-plugin-auth-gcp
// plugin/path_role.go, defaultIamMaxJwtExpMinutes), and Vault refuses a JWT that expires later than
// the role's max_jwt_exp (plugin/path_login.go, pathIamLogin).
const gcpJWTExpDoc = "Minutes until the iam JWT expires; 0 means the default. Above 15, Vault refuses every login unless the role's max_jwt_exp (15 minutes unless set, at most 60) was raised to match."

// KerberosConfig is the config of method "kerberos" (kerberos/kerberos.go): the five strings are
// required (`"username" is required`), but none is refused empty.
var KerberosConfig = methodConfig("kerberos",
	&Attribute{Name: "username", Kind: String, NotAString: mustBeString("username"), Required: true, Doc: "Principal name in the keytab."},
	&Attribute{Name: "service", Kind: String, NotAString: mustBeString("service"), Required: true, Doc: "Service principal name of Vault's SPNEGO service (HTTP/vault.example.com)."},
	&Attribute{Name: "realm", Kind: String, NotAString: mustBeString("realm"), Required: true, Doc: "Kerberos realm of username."},
	&Attribute{Name: "keytab_path", Kind: String, NotAString: mustBeString("keytab_path"), Required: true, Doc: "Keytab file holding username's key."},
	&Attribute{Name: "krb5conf_path", Kind: String, NotAString: mustBeString("krb5conf_path"), Required: true, Doc: "krb5.conf file that locates the realm's KDC."},
	&Attribute{Name: "disable_fast_negotiation", Kind: Bool, Default: "false", Doc: "Do not use FAST negotiation (for KDCs without it, such as Active Directory)."},
)

// LDAPConfig is the config of method "ldap" (ldap/ldap.go). Its password_read_period default, like
// jwt_read_period's, depends on whether the file is removed after reading (LDAPReadPeriodDefault).
var LDAPConfig = methodConfig("ldap",
	&Attribute{Name: "username", Kind: String, Required: true, NonEmpty: refusedEmpty("username"), Doc: "User to log in as; the login path ends with it."},
	&Attribute{Name: "password_file_path", Kind: String, Required: true, NonEmpty: refusedEmpty("password_file_path"), Doc: "File holding the password."},
	&Attribute{Name: "remove_password_after_reading", Kind: Bool, Default: "true", Doc: "Delete the password file once read."},
	&Attribute{Name: "remove_password_follows_symlinks", Kind: Bool, Default: "false", Doc: "When removing, remove the symlink's target."},
	&Attribute{Name: "password_read_period", Kind: Duration, Positive: "Vault Proxy refuses it when it starts (error parsing 'password_read_period' value into a positive value)", Doc: "How often the password file is checked; default 0.5s when removing after reading, 1m otherwise."},
)

// OCIConfig is the config of method "oci" (oci/oci.go).
var OCIConfig = methodConfig("oci",
	&Attribute{Name: "type", Kind: String, Required: true, NonEmpty: refusedEmpty("type"), Enum: []string{"apikey", "instance"}, Doc: "Where the signing key comes from: apikey from OCI_* variables or ~/.oci/config, instance from the instance principal."},
	&Attribute{Name: "role", Kind: String, Required: true, NonEmpty: refusedEmpty("role"), Doc: "Role to log in as; the login path ends with it."},
	&Attribute{Name: "credential_poll_interval", Kind: Duration, Default: "1m", Positive: tickerPanics, Doc: "How often the key ID is checked for new credentials."},
)
