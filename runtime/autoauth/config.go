package autoauth

import (
	"crypto/tls"
	"io/fs"
	"log/slog"
	"net/http"
	"time"
)

// Config is the auto_auth block as the loop needs it: plain values, no source ranges, so that two
// Configs compare equal (reflect.DeepEqual) exactly when a reload leaves auto-auth unchanged.
type Config struct {
	Method     string // token_file, approle, jwt, kubernetes or cert
	MountPath  string // without a trailing slash
	Namespace  string // login namespace, canonical, "" for root
	WrapTTL    time.Duration
	MinBackoff time.Duration
	MaxBackoff time.Duration
	ExitOnErr  bool
	// ExitAfterAuth ends Run with ErrExitAfterAuth once every sink holds the first token.
	ExitAfterAuth bool
	// ReauthOnNewCredentials logs in again when the jwt method's file changes.
	ReauthOnNewCredentials bool

	Strings   map[string]string        // the method's string config values
	Bools     map[string]bool          // its boolean values
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
