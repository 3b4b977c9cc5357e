package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/netutil"
)

// acceptWarnPeriod is the least time between two warnings about failed accepts, or about refused
// connections, on one listener.
const acceptWarnPeriod = 10 * time.Second

// limitConns bounds the open connections of a listener to max (netutil.LimitListener: further
// connections wait in the kernel's accept queue until one closes), and those of one client IP
// address to perClient (perClientListener: further ones are refused at once); perClient <= 0 or
// >= max leaves one client the whole listener. It logs failed accepts (such as running out of file
// descriptors) as warnings, at most one per acceptWarnPeriod with the count of those not logged.
// net/http retries such an accept after a short pause, and logs it only to its ErrorLog. plain is
// false for a TLS listener: a refused connection is then closed without an answer.
func limitConns(ln net.Listener, max, perClient int, plain bool, log *slog.Logger) net.Listener {
	inner := net.Listener(&acceptLogger{Listener: ln, warner: warner{log: log}})
	if perClient > 0 && perClient < max {
		inner = &perClientListener{Listener: inner, max: perClient, plain: plain, warner: warner{log: log}, open: map[netip.Addr]int{}}
	}
	return netutil.LimitListener(inner, max)
}

type acceptLogger struct {
	net.Listener
	warner
}

func (l *acceptLogger) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		l.warn("cannot accept a connection", "err", err)
	}
	return c, err
}

// warner logs a warning at most once per acceptWarnPeriod, with the count of those not logged.
type warner struct {
	log *slog.Logger

	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (w *warner) warn(msg string, args ...any) {
	w.mu.Lock()
	if time.Since(w.last) < acceptWarnPeriod {
		w.skipped++
		w.mu.Unlock()
		return
	}
	skipped := w.skipped
	w.last, w.skipped = time.Now(), 0
	w.mu.Unlock()
	w.log.Warn(msg, append(args, "not_logged_since_last", skipped)...)
}

// maxRefusing bounds the refused connections being answered at once; beyond it they are closed
// without an answer, so that a flood of refused connections costs no more than that.
const maxRefusing = 64

// refuseWait bounds how long a refused connection is kept to answer it.
const refuseWait = time.Second

// perClientListener refuses a connection from a client IP address that already holds max open
// connections of the listener, so that one client cannot hold every connection the listener may
// have (Limits.MaxConnections) and leave none to others. A refused connection on a plain HTTP
// listener gets a 503 in Vault's error shape and is closed; on a TLS listener, where no answer can
// be written before the handshake, it is closed. Connections over a unix socket carry no address
// and are not counted.
type perClientListener struct {
	net.Listener
	max   int
	plain bool
	warner

	mu       sync.Mutex
	open     map[netip.Addr]int
	refusing int
}

func (l *perClientListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, ok := clientIP(c)
		if !ok {
			return c, nil
		}
		if l.acquire(ip) {
			return &clientConn{Conn: c, release: sync.OnceFunc(func() { l.release(ip) })}, nil
		}
		l.warn("connection refused: the client holds the most connections one client may hold", "client", ip.String(), "max", l.max)
		l.refuse(c, ip)
	}
}

func clientIP(c net.Conn) (netip.Addr, bool) {
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	return ip.Unmap(), ok
}

func (l *perClientListener) acquire(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.max {
		return false
	}
	l.open[ip]++
	return true
}

func (l *perClientListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// refuse answers a refused connection, from a goroutine of its own (the accept loop does not wait
// on the client), at most maxRefusing at once: 503 with Connection: close, then it waits up to
// refuseWait for the client to finish sending before closing, so that closing on the client's
// unread request does not reset the connection before the answer is read.
func (l *perClientListener) refuse(c net.Conn, ip netip.Addr) {
	l.mu.Lock()
	answer := l.plain && l.refusing < maxRefusing
	if answer {
		l.refusing++
	}
	l.mu.Unlock()
	if !answer {
		c.Close()
		return
	}
	go func() {
		defer func() {
			c.Close()
			l.mu.Lock()
			l.refusing--
			l.mu.Unlock()
		}()
		_ = c.SetDeadline(time.Now().Add(refuseWait))
		if _, err := c.Write(refusal(ip, l.max)); err != nil {
			return
		}
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		buf := make([]byte, 4<<10)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}()
}

// refusal is the 503 a refused connection gets, written before its request is read.
func refusal(ip netip.Addr, max int) []byte {
	body := fmt.Sprintf(`{"errors":["too many connections from %s: one client may hold at most %d connections to this listener at once"]}`+"\n", ip, max)
	return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// clientConn releases its client's count once closed.
type clientConn struct {
	net.Conn
	release func()
}

func (c *clientConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
