package main

import (
	"fmt"
	"strings"
	"sync"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/sdnotify"
)

// systemd sends `vaultproxy run`'s state to systemd when $NOTIFY_SOCKET is set (a unit of
// Type=notify); without it every method does nothing. A reload is announced only once READY=1 was
// sent: before that, systemd is still waiting for the start to finish; and never after STOPPING=1:
// systemd then waits for the process to exit, and a READY=1 would tell it the service runs again.
type systemd struct {
	n   *sdnotify.Notifier
	out *stdio

	mu           sync.Mutex
	readySent    bool
	stoppingSent bool
	failed       bool // a send failed; said once
}

func newSystemd(io *stdio, env func(string) (string, bool)) *systemd {
	socket, _ := env("NOTIFY_SOCKET")
	n, err := sdnotify.New(socket)
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy run: not notifying systemd:", err)
	}
	return &systemd{n: n, out: io}
}

// on reports that systemd asked to be notified.
func (s *systemd) on() bool { return s.n != nil }

func (s *systemd) send(msg string) {
	if err := s.n.Send(msg); err != nil && !s.failed {
		s.failed = true
		fmt.Fprintln(s.out.err, "vaultproxy run: notifying systemd:", err)
	}
}

func (s *systemd) ready() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readySent = true
	s.send(sdnotify.Ready + "\n" + sdnotify.Status("listening and ready"))
}

// waiting says, before READY=1, what the proxy still lacks (systemctl status shows it).
func (s *systemd) waiting(missing []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.send(sdnotify.Status("not ready: " + strings.Join(missing, "; ")))
}

func (s *systemd) reloading() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readySent && !s.stoppingSent {
		s.send(sdnotify.Reloading())
	}
}

// reloaded ends a reload: READY=1 whether or not the new configuration was taken, since the process
// serves either way; STATUS says which. A reload abandoned at shutdown sends nothing: STOPPING=1
// comes (or came) instead.
func (s *systemd) reloaded(r reloadResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.readySent || s.stoppingSent || r == reloadAbandoned {
		return
	}
	status := "reloaded"
	if r != reloadOK {
		status = "reload failed; the previous configuration keeps serving (see the log)"
	}
	s.send(sdnotify.Ready + "\n" + sdnotify.Status(status))
}

func (s *systemd) stopping() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stoppingSent = true
	s.send(sdnotify.Stopping)
}
