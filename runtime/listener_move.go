package runtime

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/vaultproxy/vaultproxy/compile"
)

// A listener moved to another host on the same port ("0.0.0.0:8100" to "127.0.0.1:8100") cannot be
// bound while the old socket listens: the addresses overlap (EADDRINUSE). Closing the old socket
// first would refuse connections until the new one listens and reset those waiting in the old
// one's accept queue. Instead, where the system allows it (Linux), the old socket is marked
// SO_REUSEPORT and the new one is bound with it too, so both listen at once; the kernel gives a
// connection to the socket bound to its destination address before the wildcard one, so new
// connections to the new host reach the new socket. The old socket is closed once its accept queue
// has stayed empty for moveQuiet (drainMoved): connections it had queued, and handshakes it had
// started, are served first. Requests in flight on its connections finish, as for any listener a
// reload removes.
//
// What remains: a connection that reaches the old socket after its queue was last seen empty and
// before it is closed is reset. Moving from the wildcard to one host, only connections to the other
// hosts (which the new configuration no longer serves) still reach the old socket; moving from one
// host to the wildcard, the old socket keeps taking its host's connections until it closes, so that
// instant is a real, tiny window. The new socket keeps SO_REUSEPORT until it is closed: another
// process of the same user that sets it too could bind the same address.
const (
	moveQuiet    = 100 * time.Millisecond // about a round trip: handshakes the old socket started end
	moveMaxDrain = 2 * time.Second
	movePoll     = 10 * time.Millisecond
)

// movedFrom returns the TCP listener that l replaces on the same port: one of current that the new
// plan drops (gone), or nil.
func movedFrom(l compile.Listener, current map[string]*listener, gone func(key string) bool) *listener {
	if l.Type().Get() != compile.ListenerTCP {
		return nil
	}
	_, port, err := net.SplitHostPort(l.Address().Get())
	if err != nil {
		return nil
	}
	for k, old := range current {
		if !gone(k) || old.unix != "" || old.raw == nil {
			continue
		}
		if a, ok := old.raw.Addr().(*net.TCPAddr); ok && strconv.Itoa(a.Port) == port {
			return old
		}
	}
	return nil
}

// bindMoved binds l while old, which it replaces, still listens on an overlapping address.
func bindMoved(l compile.Listener, old *listener) (net.Listener, error) {
	if err := shareAddr(old.raw, true); err != nil {
		return nil, err
	}
	ta, _ := l.TCPAddress()
	ln, err := listenShared(ta.Network(), l.Address().Get())
	if err != nil {
		_ = shareAddr(old.raw, false)
		return nil, err
	}
	return ln, nil
}

// drainMoved waits until the accept queue of a socket that a moved listener replaces has stayed
// empty for moveQuiet, for moveMaxDrain at most; its server keeps accepting meanwhile.
func drainMoved(ln net.Listener) {
	start, emptySince := time.Now(), time.Time{}
	for time.Since(start) < moveMaxDrain {
		n, err := acceptQueue(ln)
		if err != nil {
			return
		}
		switch {
		case n > 0:
			emptySince = time.Time{}
		case emptySince.IsZero():
			emptySince = time.Now()
		case time.Since(emptySince) >= moveQuiet:
			return
		}
		time.Sleep(movePoll)
	}
}

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
