package sdnotify

import (
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listen opens a unixgram socket as systemd does for NOTIFY_SOCKET and returns a function that
// reads the next message.
func listen(t *testing.T, name string) func() string {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return func() string {
		t.Helper()
		buf := make([]byte, 4096)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
}

func TestSendPathAndAbstract(t *testing.T) {
	for _, name := range []string{
		filepath.Join(t.TempDir(), "notify.sock"),
		"@vaultproxy-sdnotify-test-" + strconv.Itoa(unix.Getpid()),
	} {
		next := listen(t, name)
		n, err := New(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []string{Ready, Stopping, Status("waiting\nfor Vault")} {
			if err := n.Send(msg); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := msg
			if msg == Status("waiting\nfor Vault") {
				want = "STATUS=waiting for Vault"
			}
			if got := next(); got != want {
				t.Errorf("%s: got %q, want %q", name, got, want)
			}
		}
	}
}

// RELOADING=1 carries CLOCK_MONOTONIC in microseconds: between two readings of that clock.
func TestReloadingCarriesMonotonicTime(t *testing.T) {
	read := func() int64 {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			t.Fatal(err)
		}
		return ts.Nano() / 1000
	}
	before := read()
	msg := Reloading()
	after := read()
	m := regexp.MustCompile(`^RELOADING=1\nMONOTONIC_USEC=([0-9]+)$`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("%q", msg)
	}
	usec, _ := strconv.ParseInt(m[1], 10, 64)
	if usec < before || usec > after {
		t.Errorf("MONOTONIC_USEC=%d, not within [%d, %d]", usec, before, after)
	}
}

func TestNew(t *testing.T) {
	if n, err := New(""); n != nil || err != nil {
		t.Errorf(`New(""): %v, %v; want nil, nil`, n, err)
	}
	if err := (*Notifier)(nil).Send(Ready); err != nil {
		t.Errorf("a nil Notifier: %v", err)
	}
	for _, bad := range []string{"vsock:2:1234", "relative/notify.sock"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	n, _ := New(filepath.Join(t.TempDir(), "nobody-listens"))
	if err := n.Send(Ready); err == nil {
		t.Error("Send to a socket nobody listens on reported no error")
	}
}
