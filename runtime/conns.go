package runtime

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"golang.org/x/net/netutil"
)

// acceptWarnPeriod is the least time between two warnings about failed accepts on one listener.
const acceptWarnPeriod = 10 * time.Second

// limitConns bounds the open connections of a listener to max (netutil.LimitListener: further
// connections wait in the kernel's accept queue until one closes) and logs failed accepts (such as
// running out of file descriptors) as warnings, at most one per acceptWarnPeriod with the count of
// those not logged. net/http retries such an accept after a short pause, and logs it only to its
// ErrorLog.
func limitConns(ln net.Listener, max int, log *slog.Logger) net.Listener {
	return netutil.LimitListener(&acceptLogger{Listener: ln, log: log}, max)
}

type acceptLogger struct {
	net.Listener
	log *slog.Logger

	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (l *acceptLogger) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		l.warn(err)
	}
	return c, err
}

func (l *acceptLogger) warn(err error) {
	l.mu.Lock()
	if time.Since(l.last) < acceptWarnPeriod {
		l.skipped++
		l.mu.Unlock()
		return
	}
	skipped := l.skipped
	l.last, l.skipped = time.Now(), 0
	l.mu.Unlock()
	l.log.Warn("cannot accept a connection", "err", err, "not_logged_since_last", skipped)
}
