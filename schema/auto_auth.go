package schema

import "time"

// MethodTypes are the auto-auth method types Vault Proxy 1.21 accepts (config.go's list; helpers.go).
var MethodTypes = []string{"alicloud", "approle", "aws", "azure", "cert", "cf", "gcp", "jwt", "kerberos",
	"kubernetes", "ldap", "oci", "token_file"}

// AutoAuth is the `auto_auth` block.
var AutoAuth = &Block{
	Type: "auto_auth",
	Max:  1,
	Doc:  "How the proxy logs in to Vault and keeps its token, and where it writes the token.",
	Attributes: []*Attribute{
		AutoAuthEnableReauthOnNewCredentials,
	},
	Blocks: []*Block{Method, Sink, SinksWrapper},
}

// SinksWrapper is the `sinks { sink { ... } }` form of sink blocks, which Vault Proxy documents and
// reads with a generic decode (command/proxy/config/config.go: AutoAuth.Sinks is `hcl:"sinks"`, and
// parseSinks, which parses wrap_ttl, resolves aad_env_var and takes a label as the type, reads
// only sink blocks written directly in auto_auth, and replaces the wrapper's when there are any).
var SinksWrapper = &Block{
	Type:    "sinks",
	Max:     1,
	Blocks:  []*Block{Sink},
	Differs: "a warning; an error when a wrapped sink has a label, wrap_ttl or aad_env_var, which Vault Proxy loses there, or when sink blocks written directly in auto_auth make it drop the wrapper",
	Doc:     "A wrapper of sink blocks; Vault Proxy loses a wrapped sink's label, wrap_ttl and aad_env_var, so write sink blocks directly in auto_auth.",
}

// Method is the `auto_auth.method` block; exactly one is required.
var Method = &Block{
	Type:        "method",
	Label:       "type",
	LabelAttr:   true,
	LabelValues: MethodTypes,
	RejectedLabels: map[string]string{
		"pcf": `it was a deprecated alias of "cf", and Vault Proxy 1.21 rejects it when loading the configuration ("unknown auto-auth method type pcf"); write method "cf"`,
	},
	Max:      1,
	Required: true,
	Doc:      "The auth method the proxy logs in with.",
	Attributes: []*Attribute{
		MethodType,
		MethodMountPath,
		MethodNamespace,
		MethodWrapTTL,
		MethodMinBackoff,
		MethodMaxBackoff,
		MethodExitOnErr,
	},
	Blocks: []*Block{openConfig},
	ByLabel: map[string][]*Block{
		"token_file": {methodConfig("token_file",
			&Attribute{Name: "token_file_path", Kind: String, Required: true, NonEmpty: refusedEmpty("token_file_path"), Doc: "File holding the token; it is validated with lookup-self and renewed, not used to log in."},
		)},
		"approle": {methodConfig("approle",
			&Attribute{Name: "role_id_file_path", Kind: String, Required: true, NonEmpty: refusedEmpty("role_id_file_path"), Doc: "File holding the role ID."},
			&Attribute{Name: "secret_id_file_path", Kind: String, Doc: "File holding the secret ID; without it only the role ID is sent."},
			&Attribute{Name: "remove_secret_id_file_after_reading", Kind: Bool, Default: "true", Doc: "Delete the secret ID file once read."},
			&Attribute{Name: "secret_id_response_wrapping_path", Kind: String, NonEmpty: refusedEmpty("secret_id_response_wrapping_path"), Doc: "Creation path the wrapped secret ID must have; when set the file holds a wrapping token."},
		)},
		"jwt": {methodConfig("jwt",
			&Attribute{Name: "path", Kind: String, Required: true, NonEmpty: refusedEmpty("path"), Doc: "File holding the JWT."},
			&Attribute{Name: "role", Kind: String, Required: true, NonEmpty: refusedEmpty("role"), Doc: "Role to log in as."},
			&Attribute{Name: "remove_jwt_after_reading", Kind: Bool, Default: "true", Doc: "Delete the JWT file once read."},
			&Attribute{Name: "remove_jwt_follows_symlinks", Kind: Bool, Default: "false", Doc: "When removing, remove the symlink's target."},
			&Attribute{Name: "jwt_read_period", Kind: Duration, Positive: tickerPanics, Doc: "How often the JWT file is read; default 0.5s when removing after reading, 1m otherwise."},
		)},
		"kubernetes": {methodConfig("kubernetes",
			&Attribute{Name: "role", Kind: String, Required: true, NonEmpty: refusedEmpty("role"), Doc: "Role to log in as."},
			&Attribute{Name: "token_path", Kind: String, Default: "/var/run/secrets/kubernetes.io/serviceaccount/token", Doc: "File holding the service account token."},
		)},
		"alicloud": {AliCloudConfig},
		"aws":      {AWSConfig},
		"azure":    {AzureConfig},
		"cf":       {CFConfig},
		"gcp":      {GCPConfig},
		"kerberos": {KerberosConfig},
		"ldap":     {LDAPConfig},
		"oci":      {OCIConfig},
		// cert.go takes reload with a type assertion to bool ("could not convert 'reload' config
		// value to bool"), unlike the other methods' booleans, which parseutil.ParseBool reads.
		"cert": {methodConfig("cert",
			&Attribute{Name: "name", Kind: String, Doc: "Certificate role to log in as; default any matching role."},
			&Attribute{Name: "ca_cert", Kind: String, Doc: "PEM CA bundle for Vault's certificate, for this method's own client."},
			&Attribute{Name: "client_cert", Kind: String, NotAString: "could not convert 'cert_file' config value to string", Doc: "PEM client certificate to log in with; default the vault block's."},
			&Attribute{Name: "client_key", Kind: String, NotAString: "could not convert 'cert_key' config value to string", Doc: "PEM key of client_cert."},
			&Attribute{Name: "reload", Kind: Bool, Strict: true, Default: "false", Doc: "Re-read the certificate files before each login."},
			&Attribute{Name: "reload_period", Kind: Duration, Default: "1m", Positive: tickerPanics, ReadOnlyWhen: certReloads, Doc: "How often the certificate files are re-read when reload is on."},
		)},
	},
}

// certReloads is when cert.go reads reload_period (NewCertAuthMethod): with reload, and when
// isCertConfigured, the method having a ca_cert, or a client_cert and a client_key, of its own.
var certReloads = &Condition{
	All: []*Condition{
		{Attr: "reload", Equals: "true"},
		{Any: []*Condition{{Attr: "ca_cert", Set: true}, {All: []*Condition{{Attr: "client_cert", Set: true}, {Attr: "client_key", Set: true}}}}},
	},
	Says: "reload is true and the method has a certificate of its own (ca_cert, or client_cert and client_key)",
}

// openConfig is the config of a method whose type is not known (one that is refused, such as pcf): its
// keys are not checked, since the type itself is the error.
var openConfig = &Block{Type: "config", Max: 1, AsAttr: true, Open: true,
	Doc: "Method-specific settings of a method type that is not known; the keys are not checked."}

// methodConfig is the config block of a method whose keys are detailed. The block is required
// exactly when one of its keys is: Vault's constructors (command/agentproxyshared/auth/*/, the
// New…AuthMethod functions) refuse a missing config ("empty config data") only where they then
// need a key from it; cert's takes none, and logs in with the vault block's certificate.
//
// Every constructor takes its string keys with a Go type assertion ("could not convert 'role' config
// value to string"), so a number, which HCL 1 decodes into an int there, is refused: string keys are
// Strict.
func methodConfig(typ string, attrs ...*Attribute) *Block {
	required := false
	for _, a := range attrs {
		required = required || a.Required
		if a.Kind == String {
			a.Strict = true
		}
	}
	return &Block{Type: "config", Max: 1, AsAttr: true, Required: required, Attributes: attrs,
		Doc: "Settings of the " + typ + " method."}
}

// refusedEmpty is the NonEmpty of a method key that Vault's constructor refuses empty.
func refusedEmpty(name string) string {
	return "Vault Proxy refuses it when it starts ('" + name + "' value is empty)"
}

// MethodConfig returns the schema of the `config` block of a method type, lower case. A type that is
// not known gets an open block that accepts any key.
func MethodConfig(typ string) *Block { return Method.Block("config", typ) }

// Sink is the `auto_auth.sink` block.
var Sink = &Block{
	Type:        "sink",
	Label:       "type",
	LabelAttr:   true,
	LabelValues: []string{"file"},
	Doc:         "Where the auto-auth token is written.",
	Attributes: []*Attribute{
		SinkType,
		SinkWrapTTL,
		SinkDHType,
		SinkDHPath,
		SinkDeriveKey,
		SinkAAD,
		SinkAADEnvVar,
	},
	Blocks: []*Block{SinkConfig},
}

// The attributes that package compile reads, by Go identifier, so that a misspelt one does not build.
var (
	AutoAuthEnableReauthOnNewCredentials = &Attribute{Name: "enable_reauth_on_new_credentials", Kind: Bool, Strict: true, Default: "false", Doc: "Log in again when a jwt or cert method sees new credentials."}
	MethodType                           = &Attribute{Name: "type", Kind: String, Enum: MethodTypes, Doc: "The method type, when not given as the block label."}
	MethodMountPath                      = &Attribute{Name: "mount_path", Kind: String, Doc: "Where the method is mounted; default auth/<type> (token_file always uses auth/token)."}
	MethodNamespace                      = &Attribute{Name: "namespace", Kind: String, Doc: "Namespace of the login; VAULT_NAMESPACE overrides it."}
	MethodWrapTTL                        = &Attribute{Name: "wrap_ttl", Kind: Duration, Default: "0s", Doc: "Response-wrap the token for the one sink with this TTL."}
	MethodMinBackoff                     = &Attribute{Name: "min_backoff", Kind: Duration, Default: "1s", Differs: "min_backoff above max_backoff is an error when validating; Vault Proxy finds it only at start-up", Doc: "First wait after a failed login."}
	MethodMaxBackoff                     = &Attribute{Name: "max_backoff", Kind: Duration, Default: "5m", Doc: "Longest wait between failed logins."}
	MethodExitOnErr                      = &Attribute{Name: "exit_on_err", Kind: Bool, Strict: true, Default: "false", Doc: "Exit on the first failed login instead of retrying."}
	SinkType                             = &Attribute{Name: "type", Kind: String, Enum: []string{"file"}, Doc: "The sink type, when not given as the block label; only file exists."}
	SinkWrapTTL                          = &Attribute{Name: "wrap_ttl", Kind: Duration, Default: "0s", Doc: "Response-wrap the token written to this sink with this TTL."}
	SinkDHType                           = &Attribute{Name: "dh_type", Kind: String, Enum: []string{"curve25519"}, Doc: "Encrypt the token for a peer with Diffie-Hellman: curve25519."}
	SinkDHPath                           = &Attribute{Name: "dh_path", Kind: String, Doc: "File holding the peer's public key; required with dh_type."}
	SinkDeriveKey                        = &Attribute{Name: "derive_key", Kind: Bool, Strict: true, Default: "false", Doc: "Derive the encryption key with HKDF; needs dh_type."}
	SinkAAD                              = &Attribute{Name: "aad", Kind: String, Sensitive: true, Doc: "Additional authenticated data for the encryption; needs dh_type."}
	SinkAADEnvVar                        = &Attribute{Name: "aad_env_var", Kind: String, Doc: "Environment variable whose value replaces aad; needs dh_type."}
	SinkConfigPath                       = &Attribute{Name: "path", Kind: String, Required: true, NonEmpty: "Vault Proxy accepts it (NewFileSink checks only that path is there), then fails to write the token to a file named \"\" after every login", Doc: "File the token is written to, atomically."}
	SinkConfigMode                       = &Attribute{Name: "mode", Kind: FileMode, Default: "0640", Doc: "Permission bits of the token file, an octal number such as 0640."}
	SinkConfigOwner                      = &Attribute{Name: "owner", Kind: Int, Strict: true, Doc: "Numeric user id of the token file; default the process's."}
	SinkConfigGroup                      = &Attribute{Name: "group", Kind: Int, Strict: true, Doc: "Numeric group id of the token file; default the process's."}
)

// SinkConfig is the `config` block of a file sink.
var SinkConfig = &Block{
	Type: "config", Max: 1, AsAttr: true, Required: true,
	Doc:        "Settings of the file sink.",
	Attributes: []*Attribute{SinkConfigPath, SinkConfigMode, SinkConfigOwner, SinkConfigGroup},
}

// JWTReadPeriodDefault is jwt_read_period's default, which depends on remove_jwt_after_reading, as in
// Vault's command/agentproxyshared/auth/jwt/jwt.go: 0.5s when the JWT file is removed after reading,
// so that a new one is picked up quickly, and 1m otherwise. A jwt_read_period of 0 means the default.
func JWTReadPeriodDefault(removeAfterReading bool) time.Duration {
	if removeAfterReading {
		return 500 * time.Millisecond
	}
	return time.Minute
}
