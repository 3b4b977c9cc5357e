package autoauth

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"
)

// switchTransport carries the manager's requests on the transport in force: a reload that keeps
// auto-auth running gives it the transport built from the new vault block (its CA and client
// certificate files read again), and new connections to Vault use it. Requests already sent finish
// on the transport they started on.
type switchTransport struct {
	cur atomic.Pointer[roundTripperBox]
}

type roundTripperBox struct{ rt http.RoundTripper }

func newSwitchTransport(rt http.RoundTripper) *switchTransport {
	s := &switchTransport{}
	s.cur.Store(&roundTripperBox{rt: rt})
	return s
}

func (s *switchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt := s.cur.Load().rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	return rt.RoundTrip(r)
}

// SetTransport makes the manager reach Vault with transport from now on, and, for a cert method
// with files of its own, build its next client on transport and tlsConf (the vault block's client
// TLS). The runtime calls it when a reload keeps auto-auth running.
func (m *Manager) SetTransport(transport http.RoundTripper, tlsConf *tls.Config) {
	m.transport.cur.Store(&roundTripperBox{rt: transport})
	if c, ok := m.method.(*certMethod); ok {
		c.setBase(tlsConf, transport)
	}
}

// NewCredentials tells the manager that the files it logs in with changed (a reload read them
// again). It logs in with them at once, keeping the current token, and its renewal, until that
// login succeeds; when it fails, the current token stays in use and the failure is logged. Without
// a current token the next login attempt reads the files anyway.
func (m *Manager) NewCredentials() {
	if c, ok := m.method.(*certMethod); ok {
		c.forget() // the next login builds its client from the files as they are now
	}
	select {
	case m.relogin <- struct{}{}:
	default:
	}
}

// drainRelogin forgets a NewCredentials signal that a login that just succeeded has answered.
func (m *Manager) drainRelogin() {
	select {
	case <-m.relogin:
	default:
	}
}

// reloginTry is the login with reloaded credentials while a token is held: when it fails, the
// token stays in use and the login is tried again after the method's backoff (the credentials the
// files hold are the ones to use, and what made the login fail, such as Vault's CA, may be fixed by
// the next reload), until one succeeds or the token is replaced otherwise.
type reloginTry struct {
	m     *Manager
	b     *backoff
	timer *time.Timer
}

func (r *reloginTry) retry() <-chan time.Time {
	if r.timer == nil {
		return nil
	}
	return r.timer.C
}

func (r *reloginTry) stop() {
	if r.timer != nil {
		r.timer.Stop()
	}
}

// attempt logs in; it returns the answer, or nil after a failure (the retry is then scheduled).
func (r *reloginTry) attempt(ctx context.Context) *api.Secret {
	r.stop()
	m := r.m
	next, err := m.login(ctx)
	if err == nil {
		m.log.Info("auto-auth logged in with the reloaded credentials", "method", m.cfg.Method)
		return next
	}
	if ctx.Err() != nil {
		return nil
	}
	if r.b == nil {
		r.b = newBackoff(m.cfg.MinBackoff, m.cfg.MaxBackoff)
	}
	wait := r.b.next()
	r.timer = time.NewTimer(wait)
	m.obs.AuthFailure()
	m.log.Warn("auto-auth login with the reloaded credentials failed; keeping the current token", "method", m.cfg.Method,
		"err", err, "retry_in", wait.Round(time.Millisecond).String())
	return nil
}
