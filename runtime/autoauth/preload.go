package autoauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"
)

// Preload gives Run a token to use instead of the first login: the auto-auth token restored from
// the persistent cache (cache.persist), as Vault Proxy's preloaded token (reference section 4.6).
// Run verifies it with auth/token/lookup-self first; a token Vault refuses, or cannot look up, is
// dropped and the method logs in as usual. It is ignored with the method's wrap_ttl (a wrapped
// token is for the sinks, not the proxy). Call it before Run.
func (m *Manager) Preload(token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.preloaded = token
}

// OnNewToken sets a function that Run calls, from its goroutine, with each new token it will use:
// after every login and after a preloaded token is verified. Wrapped tokens are not passed. The
// runtime writes the token to the persistent cache with it. Call it before Run.
func (m *Manager) OnNewToken(f func(token string)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onToken = f
}

// usePreloaded returns the preloaded token as a login answer when Vault confirms it (the first time
// Run asks; nil, nil when there is none or it failed: then the method logs in). Unlike Vault Proxy,
// a refused preloaded token is not a login failure: it costs no back-off, and with the method's
// exit_on_err it does not end the process, since the method itself has not failed.
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
		return nil, nil
	}
	secret, err := m.lookupPreloaded(ctx, tok)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		m.log.Warn("auto-auth: the restored token is no longer usable; logging in", "err", err)
		return nil, nil
	}
	m.log.Info("auto-auth: using the token restored from the persistent cache", "renewable", secret.Auth.Renewable,
		"ttl", (time.Duration(secret.Auth.LeaseDuration) * time.Second).String())
	return secret, nil
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
		return nil, errors.New("lookup-self: empty answer")
	}
	if id, _ := s.Data["id"].(string); id != tok {
		return nil, errors.New("lookup-self: the answer is about another token")
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
