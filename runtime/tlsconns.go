package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// tlsListener performs the TLS handshake of each connection itself, so that net/http's own answers
// on an HTTP/1 connection over TLS can be rewritten as JSON (jsonErrorsConn) as on a plain one:
// net/http writes them to the connection it serves, and a *tls.Conn it is handed, which it needs
// to serve HTTP/2, cannot be wrapped. So a connection that negotiated h2 is handed over as the
// *tls.Conn (net/http finds its handshake done and serves HTTP/2 on it), and any other as a
// jsonErrorsConn over it that reports its ConnectionState (net/http sets Request.TLS from it).
//
// Handshakes run each in a goroutine of their own, within timeout (the header read timeout, as
// net/http bounds them), so that a client that stalls its handshake does not hold up the others.
// A plain HTTP request sent to the TLS listener gets 400 in Vault's error shape, as net/http
// answers it in plain text.
type tlsListener struct {
	net.Listener
	config  *tls.Config
	timeout time.Duration
	log     *slog.Logger

	start   sync.Once
	ready   chan accepted
	closed  chan struct{}
	close   sync.Once
	ctx     context.Context
	cancel  context.CancelFunc
	running sync.WaitGroup
}

type accepted struct {
	c   net.Conn
	err error
}

func newTLSListener(ln net.Listener, config *tls.Config, timeout time.Duration, log *slog.Logger) *tlsListener {
	ctx, cancel := context.WithCancel(context.Background())
	return &tlsListener{Listener: ln, config: config, timeout: timeout, log: log,
		ready: make(chan accepted), closed: make(chan struct{}), ctx: ctx, cancel: cancel}
}

func (l *tlsListener) Accept() (net.Conn, error) {
	l.start.Do(func() {
		l.running.Add(1)
		go l.acceptLoop()
	})
	select {
	case a := <-l.ready:
		return a.c, a.err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close stops accepting, ends the handshakes under way and waits for their goroutines.
func (l *tlsListener) Close() error {
	err := l.Listener.Close()
	l.close.Do(func() {
		close(l.closed)
		l.cancel()
	})
	l.running.Wait()
	return err
}

func (l *tlsListener) acceptLoop() {
	defer l.running.Done()
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if !l.deliver(accepted{err: err}) || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		l.running.Add(1)
		go l.handshake(c)
	}
}

// deliver hands a to Accept, or reports false once the listener is closed.
func (l *tlsListener) deliver(a accepted) bool {
	select {
	case l.ready <- a:
		return true
	case <-l.closed:
		return false
	}
}

func (l *tlsListener) handshake(c net.Conn) {
	defer l.running.Done()
	tc := tls.Server(c, l.config)
	if l.timeout > 0 {
		_ = c.SetDeadline(time.Now().Add(l.timeout))
	}
	if err := tc.HandshakeContext(l.ctx); err != nil {
		var re tls.RecordHeaderError
		if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
			_, _ = re.Conn.Write(plainToTLS)
			err = errors.New("client sent an HTTP request to an HTTPS server")
		}
		l.log.Debug("TLS handshake failed", "client", c.RemoteAddr().String(), "err", err)
		c.Close()
		return
	}
	_ = c.SetDeadline(time.Time{})
	var out net.Conn = tc
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		out = &tlsJSONErrorsConn{jsonErrorsConn: &jsonErrorsConn{Conn: tc}, tc: tc}
	}
	if !l.deliver(accepted{c: out}) {
		out.Close()
	}
}

// plainToTLS answers a plain HTTP request sent to a TLS listener (net/http's text, as JSON).
var plainToTLS = []byte("HTTP/1.0 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" +
	`{"errors":["client sent an HTTP request to an HTTPS server"]}` + "\n")

// looksLikeHTTP reports a TLS record header that is the start of a plain HTTP request, as net/http
// tells them (net/http server.go, tlsRecordHeaderLooksLikeHTTP).
func looksLikeHTTP(h [5]byte) bool {
	switch string(h[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// tlsJSONErrorsConn is an HTTP/1 connection over TLS whose net/http answers are rewritten; it
// reports its TLS state, which net/http reads into Request.TLS.
type tlsJSONErrorsConn struct {
	*jsonErrorsConn
	tc *tls.Conn
}

func (c *tlsJSONErrorsConn) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

// errorsConn is the jsonErrorsConn under a connection net/http serves, if any.
func errorsConn(c net.Conn) (*jsonErrorsConn, bool) {
	switch c := c.(type) {
	case *jsonErrorsConn:
		return c, true
	case *tlsJSONErrorsConn:
		return c.jsonErrorsConn, true
	}
	return nil, false
}
