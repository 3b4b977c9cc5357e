package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// The states `vaultproxy run` sends.
const (
	Ready    = "READY=1"
	Stopping = "STOPPING=1"
)

// Reloading is the message that starts a reload: RELOADING=1 with the time it began on
// CLOCK_MONOTONIC, which systemd 253 and later require to tell this reload from an earlier one.
func Reloading() string {
	return "RELOADING=1\nMONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10)
}

// Status is a STATUS= line, the free-form text `systemctl status` shows; newlines become spaces.
func Status(s string) string {
	return "STATUS=" + strings.ReplaceAll(s, "\n", " ")
}

// Notifier sends messages to systemd. A nil Notifier (no $NOTIFY_SOCKET) sends nothing.
type Notifier struct {
	addr *net.UnixAddr
}

// New returns a Notifier for socket, the value of $NOTIFY_SOCKET: a path, or an abstract socket
// written with a leading "@". It returns nil for "" (not started by systemd, or not Type=notify). It
// refuses the vsock: form, which only a service in a virtual machine receives.
func New(socket string) (*Notifier, error) {
	switch {
	case socket == "":
		return nil, nil
	case strings.HasPrefix(socket, "vsock:"):
		return nil, fmt.Errorf("NOTIFY_SOCKET %q: vsock sockets are not supported", socket)
	case !strings.HasPrefix(socket, "/") && !strings.HasPrefix(socket, "@"):
		return nil, fmt.Errorf("NOTIFY_SOCKET %q: want an absolute path or an abstract socket (@name)", socket)
	}
	// Go's net package maps a leading "@" to the abstract namespace's NUL byte itself.
	return &Notifier{addr: &net.UnixAddr{Name: socket, Net: "unixgram"}}, nil
}

// Send sends one message: one or more VAR=value lines.
func (n *Notifier) Send(msg string) error {
	if n == nil {
		return nil
	}
	if msg == "" {
		return errors.New("sdnotify: empty message")
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}
