package autoauth

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
)

// Config is the auto_auth block as the loop needs it: plain values, no source ranges, so that two
// Configs compare equal (reflect.DeepEqual) exactly when a reload leaves auto-auth unchanged.
type Config struct {
	Method     string // an auth method type of schema/
	MountPath  string // without a trailing slash
	Namespace  string // login namespace, canonical, "" for root
	WrapTTL    time.Duration
	MinBackoff time.Duration
	MaxBackoff time.Duration
	ExitOnErr  bool
	// ExitAfterAuth ends Run with ErrExitAfterAuth once every sink holds the first token.
	ExitAfterAuth bool
	// ReauthOnNewCredentials logs in again when the jwt or ldap method's file changes.
	ReauthOnNewCredentials bool

	Strings   map[string]string        // the method's string config values
	Bools     map[string]bool          // its boolean values
	Ints      map[string]int           // its whole number values written or with a default
	Durations map[string]time.Duration // its duration values

	Sinks []SinkConfig
}

// SinkConfig is one file sink.
type SinkConfig struct {
	Path    string
	Mode    fs.FileMode
	Owner   int // -1 for the process's
	Group   int // -1 for the process's
	WrapTTL time.Duration
	// DHType, when "curve25519", encrypts what the sink writes for the peer whose public key is in
	// DHPath, with DeriveKey and AAD (dh.go).
	DHType    string
	DHPath    string
	DeriveKey bool
	AAD       string
}

// Deps are the injectables: how to reach Vault, where to log, what to count.
type Deps struct {
	Address   string            // Vault's URL
	Transport http.RoundTripper // to Vault, TLS configured
	TLSConfig *tls.Config       // the vault block's client TLS, for a cert method with its own files
	Logger    *slog.Logger
	Observer  Observer // may be nil
}

// Observer is told about logins (package runtime turns these into metrics).
type Observer interface {
	AuthSuccess()
	AuthFailure()
	Authenticated(bool)
}

type nopObserver struct{}

func (nopObserver) AuthSuccess()       {}
func (nopObserver) AuthFailure()       {}
func (nopObserver) Authenticated(bool) {}

// Fingerprint identifies the identity a token of this configuration carries: SHA-256, in hex, of the
// method type, mount path, login namespace and the method's config values (Strings, Bools, Ints,
// Durations), and of nothing else (back-off, exit_on_err, sinks, wrap_ttl do not change who logs
// in). The persistent cache stores it with the auto-auth token, and gives the token back at start-up
// only to a configuration with the same fingerprint: a token of role "app" must not be used once the
// configuration says role "other".
//
// Config values name files, and for two methods a file's content is who logs in, so it is hashed
// too (read now, as the method reads it; see credential): token_file's token (the file's token is
// the identity: a new token in the file must not be answered with the old restored one) and
// approle's role ID. Not approle's secret ID (remove_secret_id_file_after_reading deletes it, and a
// restart must still be able to use the restored token), nor the jwt and kubernetes files
// (projected service-account tokens rotate; role, mount and namespace identify the login), nor cert's
// files (certificates are renewed; name and mount identify it), nor ldap's password file (removed
// after reading by default, and changed with the password; the username identifies the login).
//
// When that file is unreadable or empty at start-up, Fingerprint is "": the persistent cache then
// neither preloads, stores nor carries an auto-auth token for this run, since the token a later
// login gets (once the file appears) could not be told from another identity's.
func (c Config) Fingerprint() string {
	cred, ok := c.credential()
	if !ok {
		return ""
	}
	// encoding/json writes map keys sorted: the same configuration always hashes the same.
	// Credential is omitted when empty, so the methods without one hash as before it existed and
	// their restored tokens survive an upgrade.
	b, err := json.Marshal(struct {
		V          int                      `json:"v"`
		Method     string                   `json:"method"`
		MountPath  string                   `json:"mount_path"`
		Namespace  string                   `json:"namespace"`
		Strings    map[string]string        `json:"strings"`
		Bools      map[string]bool          `json:"bools"`
		Durations  map[string]time.Duration `json:"durations"`
		Ints       map[string]int           `json:"ints,omitempty"` // omitted when empty, as Credential
		Credential string                   `json:"credential,omitempty"`
	}{1, c.Method, c.MountPath, c.Namespace, c.Strings, c.Bools, c.Durations, c.Ints, cred})
	if err != nil {
		panic(err) // strings, bools and durations always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// credential is the SHA-256, in hex, of the content of the file that is the method's identity
// (token_file's token, approle's role ID), trimmed as the method reads it; "" for the other
// methods. ok is false when that file is unreadable or empty at start-up: then no identity can be
// told, and Fingerprint is "" (see there).
func (c Config) credential() (sum string, ok bool) {
	var path string
	switch c.Method {
	case "token_file":
		path = c.Strings["token_file_path"]
	case "approle":
		path = c.Strings["role_id_file_path"]
	default:
		return "", true
	}
	b, err := os.ReadFile(path)
	v := strings.TrimSpace(string(b))
	if err != nil || v == "" {
		return "", false
	}
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:]), true
}
