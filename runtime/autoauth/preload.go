package autoauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"
)

// Preload gives Run a token to use instead of the first login: the auto-auth token restored from the
// persistent cache (cache.persist), as Vault Proxy's preloaded token (hashicorp/vault
// command/agentproxyshared/auth/auth.go). Run verifies it with auth/token/lookup-self first. A token
// Vault refuses (a 4xx answer other than 412 and 429: revoked, expired) is dropped and the method
// logs in as usual. When Vault cannot answer (a connection error, 5xx, 412 or 429: sealed,
// restarting, overloaded) the check counts as a failed login attempt, with the method's back-off
// (min_backoff..max_backoff) and exit_on_err, and is tried again with the same token: an outage at
// start-up must not throw away a valid token and the cache entries created with it. It is ignored
// with the method's wrap_ttl (a wrapped token is for the sinks, not the proxy). Call it before Run.
func (m *Manager) Preload(token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.preloaded, m.restored = token, token
}

// Restored returns the preloaded token while Vault has not answered its check: the last attempt
// failed because Vault could not answer (unreachable, sealed), and no token is usable yet. The
// token is unconfirmed: the proxy uses it only to look up the cache entries restored with it
// (cache.serve_stale_for), never to send it to Vault (docs/cache.md, "Serving while Vault is
// down").
func (m *Manager) Restored() (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.restored == "" || m.token != "" || m.loginErr == nil || m.cfg.WrapTTL > 0 {
		return "", false
	}
	return m.restored, true
}

// OnNewToken sets a function that Run calls, from its goroutine, with each new token it will use:
// after every login and after a preloaded token is verified. Wrapped tokens are not passed. The
// runtime writes the token to the persistent cache with it. Call it before Run.
func (m *Manager) OnNewToken(f func(token string)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onToken = f
}

// usePreloaded returns the preloaded token as a login answer when Vault confirms it (nil, nil when
// there is none or Vault refused it: then the method logs in). Unlike Vault Proxy, a refused
// preloaded token is not a login failure: it costs no back-off, and with the method's exit_on_err
// it does not end the process, since the method itself has not failed. When Vault could not answer,
// the token is kept for the next attempt and the error returned: Run backs off as after a failed
// login.
func (m *Manager) usePreloaded(ctx context.Context) (*api.Secret, error) {
	m.mu.Lock()
	tok := m.preloaded
	m.preloaded = ""
	m.mu.Unlock()
	if tok == "" {
		return nil, nil
	}
	if m.cfg.WrapTTL > 0 {
		m.log.Info("auto-auth: not using the restored token: the method's wrap_ttl is set; logging in")
		m.dropRestored()
		return nil, nil
	}
	secret, err := m.lookupPreloaded(ctx, tok)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !refusal(err) {
			m.mu.Lock()
			m.preloaded = tok
			m.mu.Unlock()
			return nil, fmt.Errorf("checking the token restored from the persistent cache (kept for the next attempt): %w", err)
		}
		m.log.Warn("auto-auth: the restored token is no longer usable; logging in", "err", err)
		m.dropRestored()
		return nil, nil
	}
	m.dropRestored() // confirmed: from now on it is the current token
	m.log.Info("auto-auth: using the token restored from the persistent cache", "renewable", secret.Auth.Renewable,
		"ttl", (time.Duration(secret.Auth.LeaseDuration) * time.Second).String())
	return secret, nil
}

// dropRestored forgets the preloaded token once Vault answered its check (or it is not used).
func (m *Manager) dropRestored() {
	m.mu.Lock()
	m.restored = ""
	m.mu.Unlock()
}

// lookupPreloaded checks tok with lookup-self in the login namespace and turns the answer into the
// auth block a login would have given: token, accessor, remaining TTL, renewable.
func (m *Manager) lookupPreloaded(ctx context.Context, tok string) (*api.Secret, error) {
	c, err := m.tokenClient(tok, 0)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := c.Auth().Token().LookupSelfWithContext(cctx)
	if err != nil {
		return nil, fmt.Errorf("lookup-self: %w", err)
	}
	if s == nil || s.Data == nil {
		return nil, fmt.Errorf("lookup-self: %w: empty answer", errRefused)
	}
	if id, _ := s.Data["id"].(string); id != tok {
		return nil, fmt.Errorf("lookup-self: %w: the answer is about another token", errRefused)
	}
	auth := &api.SecretAuth{ClientToken: tok}
	auth.Accessor, _ = s.Data["accessor"].(string)
	auth.Renewable, _ = s.Data["renewable"].(bool)
	if n, ok := s.Data["ttl"].(json.Number); ok {
		ttl, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("lookup-self: ttl %q: %w", n, err)
		}
		auth.LeaseDuration = int(ttl)
	}
	return &api.Secret{Auth: auth}, nil
}

// errRefused marks a lookup-self answer that refuses the token although Vault answered 200.
var errRefused = errors.New("token refused")

// refusal reports whether err is Vault's answer that the token is not valid (a 4xx other than 412
// and 429, or errRefused), as opposed to Vault not answering (a connection error, a 5xx: sealed,
// standby without a leader) or asking to come back later (412, 429).
func refusal(err error) bool {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode >= 400 && re.StatusCode < 500 &&
			re.StatusCode != http.StatusPreconditionFailed && re.StatusCode != http.StatusTooManyRequests
	}
	return errors.Is(err, errRefused)
}
