package compile

// What the plan's outputs (the JSON plan, the preview) share: how a secret and a duration are shown,
// and the derived facts of a method they print.

import (
	"strings"
	"time"

	"github.com/vaultproxy/vaultproxy/schema"
)

// Redacted stands for a sensitive value in plan output: the JSON plan and the text preview print it
// instead of the value of a sink's aad or of a sensitive method config key that was set.
const Redacted = "(sensitive)"

// LoginPath is the Vault path the auth handler calls to obtain its token: <mount_path>/login, followed
// by /<value> of the method's path key (ldap's username, oci's role; schema.MethodLogins), or
// auth/token/lookup-self for token_file, which does not log in but validates the token it reads
// (hashicorp/vault command/agentproxyshared/auth/auth.go, and each method's Authenticate).
func (m Method) LoginPath() string {
	if m.typ.v == "token_file" {
		return "auth/token/lookup-self"
	}
	p := m.mountPath.v + "/login"
	if k := schema.MethodLogins[m.typ.v].PathKey; k != "" {
		p += "/" + m.config.String(k).v
	}
	return p
}

// LoginRole is the config key that names the role the login is for, and its value, or "", "" for a
// method that has none (approle's role is its role ID; kerberos and ldap log in as a user).
func (m Method) LoginRole() (key string, role Value[string]) {
	key = schema.MethodLogins[m.typ.v].RoleKey
	if key == "" {
		return "", Value[string]{}
	}
	return key, m.config.String(key)
}

// CredentialSources says where the method reads what proves its identity: environment variables,
// files, a metadata service (schema.MethodLogins), for its config's type when that matters (aws, gcp,
// oci); "" for a method type that is not known.
func (m Method) CredentialSources() string {
	c := schema.MethodLogins[m.typ.v].Credentials
	if s, ok := c[""]; ok {
		return s
	}
	return c[m.config.String("type").v]
}

// ConfigSensitive reports whether the value of the method's config key must never be printed: the
// schema marks it sensitive, or, for a key the schema does not detail (of a method type that is not
// known, whose keys are not checked), its name says it holds a secret (password, secret_key, session_token, ...),
// unless it names a file or a setting about one (token_path, credential_poll_interval).
func (m Method) ConfigSensitive(key string) bool {
	if a := schema.MethodConfig(m.typ.v).Attribute(key); a != nil {
		return a.Sensitive
	}
	k := strings.ToLower(key)
	for _, suffix := range []string{"_path", "_file", "_dir", "_env_var", "_interval", "_period", "_ttl"} {
		if strings.HasSuffix(k, suffix) {
			return false
		}
	}
	for _, word := range []string{"password", "secret", "token", "credential", "access_key", "private_key", "api_key"} {
		if strings.Contains(k, word) {
			return true
		}
	}
	return false
}

// FormatDuration writes d as the JSON plan and the preview show it: Go's duration syntax
// (time.ParseDuration reads it back) without trailing zero units, so 24h rather than 24h0m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
