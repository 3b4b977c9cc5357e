package autoauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/runtime/internal/ctxtime"
)

// ErrExitAfterAuth ends Run once every sink holds the first token (exit_after_auth).
var ErrExitAfterAuth = errors.New("exit_after_auth: every sink holds a token")

// minCheckSpacing is the least time between the starts of two lookup-self checks of refused
// tokens: a flood of refusals (a client steering requests where the token is not valid) cannot
// keep the proxy's requests waiting on back-to-back checks.
const minCheckSpacing = 100 * time.Millisecond

// Manager runs auto-auth and hands its token to the proxy.
type Manager struct {
	cfg    Config
	deps   Deps
	log    *slog.Logger
	obs    Observer
	method method
	sinks  []*fileSink
	hc     *http.Client
	// transport is what hc sends with; SetTransport changes it (reload.go).
	transport *switchTransport

	mu      sync.Mutex
	token   string
	stale   bool // the current token is being checked or replaced: requests wait
	changed chan struct{}
	// checkedAt is when the last check of a refused token started: a refusal of a request sent
	// before it is already answered by that check.
	checkedAt time.Time
	// loginErr is why the last login failed, until one succeeds: requests that need a token do not
	// wait for one that the next attempt, after its backoff, may not bring either.
	loginErr error
	usable   atomic.Pointer[string] // the current token when usable (not stale), else nil

	reauth chan string
	// relogin asks for a login with new credentials that keeps the current token until it succeeds.
	relogin chan struct{}

	preloaded string // Preload's token, tried before the first login (preload.go)
	// restored is Preload's token until Vault answers its check (Restored, preload.go).
	restored string
	onToken  func(token string) // OnNewToken's hook
}

// NewManager checks the configuration and prepares the method and sinks. It refuses a method or
// sink it cannot serve, and checks now that each sink's directory can be written.
func NewManager(cfg Config, deps Deps) (*Manager, error) {
	// The one default of the logger: the method is built with deps, and logs with this one too.
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Manager{cfg: cfg, deps: deps, log: deps.Logger, obs: deps.Observer, changed: make(chan struct{}), reauth: make(chan string, 1),
		relogin: make(chan struct{}, 1), transport: newSwitchTransport(deps.Transport)}
	if m.obs == nil {
		m.obs = nopObserver{}
	}
	meth, err := newMethod(cfg, deps)
	if err != nil {
		return nil, err
	}
	m.method = meth
	for _, sc := range cfg.Sinks {
		s := &fileSink{cfg: sc}
		if err := s.check(); err != nil {
			return nil, err
		}
		if sc.DHType != "" {
			if s.dh, err = newDHSealer(sc); err != nil {
				return nil, err
			}
		}
		m.sinks = append(m.sinks, s)
	}
	m.hc = &http.Client{
		Transport:     m.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return m, nil
}

// Token returns the current token, waiting while there is none or while a refused one is checked;
// when the last login failed it returns that failure at once, instead of waiting for a token that
// the next attempt, after its backoff, may not bring either.
func (m *Manager) Token(ctx context.Context) (string, error) {
	for {
		m.mu.Lock()
		tok, stale, ch := m.token, m.stale, m.changed
		m.mu.Unlock()
		if tok != "" && !stale {
			return tok, nil
		}
		if err := m.failing(); err != nil {
			return "", err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if tok == "" {
				return "", errors.New("not authenticated yet")
			}
			return "", errors.New("re-authentication in progress")
		}
	}
}

// Invalidate reports that Vault refused token for a request sent at sent. When it is the current
// token and no check has started since that request was sent, requests wait while the loop checks
// the token with lookup-self and, if it is no longer valid, logs in again. Refusals of requests sent
// before the last check began are answered by that check; so a token revoked just after a check, or
// a new token revoked soon after the one it replaced, is still checked at once.
func (m *Manager) Invalidate(token string, sent time.Time) {
	m.mu.Lock()
	if token == "" || token != m.token || m.stale || sent.Before(m.checkedAt) {
		m.mu.Unlock()
		return
	}
	m.stale = true
	m.checkedAt = time.Now()
	m.broadcastLocked()
	m.mu.Unlock()
	select {
	case m.reauth <- token:
	default:
	}
}

// Current returns the token without waiting, when one is usable.
func (m *Manager) Current() (string, bool) {
	if p := m.usable.Load(); p != nil {
		return *p, true
	}
	return "", false
}

func (m *Manager) broadcastLocked() {
	if m.token != "" && !m.stale {
		tok := m.token
		m.usable.Store(&tok)
	} else {
		m.usable.Store(nil)
	}
	close(m.changed)
	m.changed = make(chan struct{})
}

// failing returns the last login's error while no login has succeeded since.
func (m *Manager) failing() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loginErr == nil {
		return nil
	}
	return fmt.Errorf("the last auto-auth login failed (retrying with backoff): %w", m.loginErr)
}

func (m *Manager) setLoginErr(err error) {
	m.mu.Lock()
	m.loginErr = err
	m.broadcastLocked()
	m.mu.Unlock()
}

func (m *Manager) setToken(tok string) {
	m.mu.Lock()
	m.token, m.stale, m.loginErr = tok, false, nil
	m.broadcastLocked()
	hook := m.onToken
	m.mu.Unlock()
	m.obs.Authenticated(tok != "")
	if hook != nil && tok != "" {
		hook(tok)
	}
}

func (m *Manager) setStale(stale bool) {
	m.mu.Lock()
	m.stale = stale
	m.broadcastLocked()
	m.mu.Unlock()
}

// Run logs in, writes the sinks, keeps the token alive, and logs in again when needed, until ctx
// ends (nil), a login fails with exit_on_err (the error), or exit_after_auth is satisfied
// (ErrExitAfterAuth).
func (m *Manager) Run(ctx context.Context) error {
	b := newBackoff(m.cfg.MinBackoff, m.cfg.MaxBackoff)
	m.log.Info("auto-auth starting", "method", m.cfg.Method, "mount_path", m.cfg.MountPath, "namespace", m.cfg.Namespace, "sinks", len(m.sinks))
	// A method's watcher runs whether or not enable_reauth_on_new_credentials is set, as in Vault
	// Proxy (command/agentproxyshared/auth/auth.go drains NewCreds without it): it reads, and removes
	// when told to, a new credential file as it appears. Only with the setting does a new one log in
	// at once; without it, the next login uses it. The watcher never blocks on its channel.
	var newCreds <-chan struct{}
	if cw, ok := m.method.(credWatcher); ok {
		if ch := cw.newCredentials(ctx); m.cfg.ReauthOnNewCredentials {
			newCreds = ch
		}
	}
	// next is a login that already succeeded while the previous token was held (new credentials).
	var next *api.Secret
	for {
		if ctx.Err() != nil {
			return nil
		}
		var secret *api.Secret
		var err error
		if next != nil {
			secret, next = next, nil
		} else {
			m.drainRelogin() // this login reads the credential files as they are now
			secret, err = m.usePreloaded(ctx)
			if secret == nil && err == nil {
				secret, err = m.login(ctx)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			m.obs.AuthFailure()
			m.setLoginErr(err)
			if m.cfg.ExitOnErr {
				m.log.Error("auto-auth login failed; exit_on_err is set", "method", m.cfg.Method, "err", err)
				return fmt.Errorf("auto-auth login failed: %w", err)
			}
			wait := b.next()
			m.log.Warn("auto-auth login failed", "method", m.cfg.Method, "err", err, "backoff", wait.Round(time.Millisecond).String())
			if !ctxtime.Sleep(ctx, wait) {
				return nil
			}
			continue
		}
		b.reset()
		m.obs.AuthSuccess()
		if secret.WrapInfo != nil {
			m.setLoginErr(nil)
			m.log.Info("auto-auth authenticated; writing the wrapped token to the sinks", "method", m.cfg.Method, "wrap_ttl", m.cfg.WrapTTL.String())
			m.obs.Authenticated(true)
			info, _ := json.Marshal(secret.WrapInfo)
			if !m.writeSinks(ctx, func(*fileSink) ([]byte, error) { return info, nil }) {
				return nil
			}
			if m.cfg.ExitAfterAuth {
				return ErrExitAfterAuth
			}
			// A wrapped token is not renewed: wait for new credentials or the end.
			select {
			case <-ctx.Done():
				return nil
			case <-newCreds:
				continue
			case <-m.relogin:
				continue
			}
		}
		token := secret.Auth.ClientToken
		m.setToken(token)
		m.log.Info("auto-auth authenticated", "method", m.cfg.Method, "renewable", secret.Auth.Renewable, "ttl", (time.Duration(secret.Auth.LeaseDuration) * time.Second).String())
		if !m.writeSinks(ctx, func(s *fileSink) ([]byte, error) { return s.payload(ctx, m.tokenClient, token) }) {
			return nil
		}
		if m.cfg.ExitAfterAuth {
			return ErrExitAfterAuth
		}
		held, ok := m.hold(ctx, secret, newCreds)
		if !ok {
			return nil
		}
		if next = held; next == nil {
			m.setStale(true)
		}
	}
}

func (m *Manager) login(ctx context.Context) (*api.Secret, error) {
	c, err := newAPIClient(m.deps.Address, m.hc, m.cfg.Namespace, m.cfg.WrapTTL)
	if err != nil {
		return nil, err
	}
	if m.cfg.Method == "token_file" {
		c.SetWrappingLookupFunc(func(string, string) string { return "" })
	}
	secret, err := m.method.login(ctx, c)
	if err != nil {
		return nil, err
	}
	switch {
	case secret == nil:
		return nil, errors.New("empty login response")
	case m.cfg.WrapTTL > 0 && m.cfg.Method != "token_file":
		if secret.WrapInfo == nil {
			return nil, errors.New("login response was not wrapped")
		}
	case secret.Auth == nil || secret.Auth.ClientToken == "":
		return nil, errors.New("login response holds no token")
	}
	if m.cfg.WrapTTL > 0 && m.cfg.Method == "token_file" {
		// token_file does not log in; wrap the token it read, as the sink would.
		wc, err := m.tokenClient(secret.Auth.ClientToken, int64(m.cfg.WrapTTL.Seconds()))
		if err != nil {
			return nil, err
		}
		w, err := wc.Logical().WriteWithContext(ctx, "sys/wrapping/wrap", map[string]any{"token": secret.Auth.ClientToken})
		if err != nil {
			return nil, fmt.Errorf("wrapping the token: %w", err)
		}
		if w == nil || w.WrapInfo == nil {
			return nil, errors.New("wrapping the token: no wrap info")
		}
		return &api.Secret{WrapInfo: w.WrapInfo}, nil
	}
	return secret, nil
}

// tokenClient is a client that acts with token in the login namespace, wrapping with wrapSeconds.
func (m *Manager) tokenClient(token string, wrapSeconds int64) (*api.Client, error) {
	c, err := newAPIClient(m.deps.Address, m.hc, m.cfg.Namespace, time.Duration(wrapSeconds)*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetToken(token)
	return c, nil
}

// writeSinks writes every sink, retrying a failed write after 1 to 3 seconds; false when ctx ended.
// A DH sink encrypts the content, wrapped or not, as Vault Proxy's sink server does after wrapping
// (hashicorp/vault command/agentproxyshared/sink/sink.go); until its dh_path file exists, its write
// fails and is retried.
func (m *Manager) writeSinks(ctx context.Context, content func(*fileSink) ([]byte, error)) bool {
	for _, s := range m.sinks {
		for attempt := 0; ; attempt++ {
			b, err := content(s)
			if err == nil && s.dh != nil {
				b, err = s.dh.seal(b)
			}
			if err == nil {
				err = s.write(b)
			}
			if err == nil {
				m.log.Info("sink written", "path", s.cfg.Path)
				break
			}
			m.log.Error("sink write failed", "path", s.cfg.Path, "err", err)
			if !ctxtime.Sleep(ctx, time.Second+time.Duration(attempt%3)*time.Second) {
				return false
			}
		}
	}
	return true
}

// hold keeps a token alive until it must be replaced (true) or ctx ends (false): a LifetimeWatcher
// renews a renewable token; a token with a TTL that cannot be renewed is replaced near its expiry;
// a refused token is checked and replaced when invalid; new credentials replace it. Credentials a
// reload found changed (NewCredentials) are logged in with while the token is held: next is that
// login's answer, and the token is kept when it fails.
func (m *Manager) hold(ctx context.Context, secret *api.Secret, newCreds <-chan struct{}) (next *api.Secret, ok bool) {
	token := secret.Auth.ClientToken
	ttl := time.Duration(secret.Auth.LeaseDuration) * time.Second
	var done <-chan error
	var renewed <-chan *api.RenewOutput
	var expiry <-chan time.Time
	if secret.Auth.Renewable {
		c, err := m.tokenClient(token, 0)
		if err == nil {
			var w *api.LifetimeWatcher
			w, err = c.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: secret})
			if err == nil {
				go w.Start()
				defer w.Stop()
				done, renewed = w.DoneCh(), w.RenewCh()
			}
		}
		if err != nil {
			m.log.Error("cannot renew the auto-auth token", "err", err)
		}
	} else if ttl > 0 {
		t := time.NewTimer(ttl * 2 / 3)
		defer t.Stop()
		expiry = t.C
	}
	var lastCheck time.Time
	relogin := &reloginTry{m: m}
	defer relogin.stop()
	for {
		select {
		case <-ctx.Done():
			return nil, false
		case err := <-done:
			if err != nil {
				m.log.Warn("auto-auth token renewal stopped; logging in again", "err", err)
			} else {
				m.log.Info("auto-auth token reached its maximum TTL; logging in again")
			}
			if ttl == 0 && !ctxtime.Sleep(ctx, time.Second) {
				return nil, false
			}
			return nil, true
		case r := <-renewed:
			if r != nil && r.Secret != nil && r.Secret.Auth != nil {
				m.log.Debug("auto-auth token renewed", "ttl", (time.Duration(r.Secret.Auth.LeaseDuration) * time.Second).String())
			}
		case <-expiry:
			m.log.Info("auto-auth token is not renewable and nears its expiry; logging in again")
			return nil, true
		case <-newCreds:
			m.log.Info("auto-auth method has new credentials; logging in again")
			return nil, true
		case <-m.relogin:
			if next := relogin.attempt(ctx); next != nil {
				return next, true
			}
		case <-relogin.retry():
			if next := relogin.attempt(ctx); next != nil {
				return next, true
			}
		case t := <-m.reauth:
			if t != token {
				continue
			}
			if !ctxtime.Sleep(ctx, time.Until(lastCheck.Add(minCheckSpacing))) {
				return nil, false
			}
			lastCheck = time.Now()
			if m.valid(ctx, token) {
				m.setStale(false)
				continue
			}
			m.log.Warn("auto-auth token refused by Vault and no longer valid; logging in again")
			return nil, true
		}
	}
}

// valid checks a refused token with lookup-self. Only an answer from Vault that refuses it makes it
// invalid; when Vault cannot be reached the token is kept.
func (m *Manager) valid(ctx context.Context, token string) bool {
	c, err := m.tokenClient(token, 0)
	if err != nil {
		return true
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = c.Auth().Token().LookupSelfWithContext(cctx)
	var re *api.ResponseError
	if errors.As(err, &re) && (re.StatusCode == http.StatusForbidden || re.StatusCode == http.StatusBadRequest || re.StatusCode == http.StatusUnauthorized) {
		return false
	}
	return true
}
