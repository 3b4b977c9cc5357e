package autoauth

import (
	"crypto/tls"
	"net/http"
	"sync/atomic"
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
