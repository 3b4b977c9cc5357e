package testproc

import (
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// start runs a shell script as a Process, killed at the test's end if still running.
func start(t *testing.T, script string) *Process {
	t.Helper()
	p, err := Start(exec.Command("/bin/sh", "-c", script))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func TestStop(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		timeout time.Duration
		// want is Wait's error text: SIGTERM ended it, or the kill after the timeout.
		want    string
		atLeast time.Duration
		atMost  time.Duration
	}{
		{name: "exits on SIGTERM", script: "sleep 30", timeout: 10 * time.Second, want: "signal: terminated", atMost: 5 * time.Second},
		// The shell ignores SIGTERM, so only the kill after the timeout ends it.
		{name: "killed after the timeout", script: "trap '' TERM; while :; do sleep 0.05; done", timeout: 300 * time.Millisecond,
			want: "signal: killed", atLeast: 300 * time.Millisecond, atMost: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, tt.script)
			time.Sleep(100 * time.Millisecond) // let the shell set its trap
			if p.Exited() || p.Err() != nil {
				t.Fatalf("exited before Stop: %v", p.Err())
			}
			began := time.Now()
			p.Stop(syscall.SIGTERM, tt.timeout)
			took := time.Since(began)
			if !p.Exited() {
				t.Fatal("Stop returned before the process exited")
			}
			if p.Err() == nil || p.Err().Error() != tt.want {
				t.Errorf("Wait's error = %v, want %s", p.Err(), tt.want)
			}
			if took < tt.atLeast || took > tt.atMost {
				t.Errorf("Stop took %s, want between %s and %s", took, tt.atLeast, tt.atMost)
			}
			p.Stop(syscall.SIGTERM, tt.timeout) // a stopped process: nothing to do, no block
			p.Kill()
		})
	}
}

func TestKill(t *testing.T) {
	p := start(t, "trap '' TERM INT; sleep 30")
	p.Kill()
	if !p.Exited() || p.Err() == nil || p.Err().Error() != "signal: killed" {
		t.Fatalf("after Kill: exited %v, err %v", p.Exited(), p.Err())
	}
}

func TestWaitDial(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	closedPort, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	closed := net.JoinHostPort("127.0.0.1", strconv.Itoa(closedPort))
	tests := []struct {
		name, script, addr string
		want               string // "" for nil; else the error's start
	}{
		{name: "listening", script: "sleep 30", addr: l.Addr().String()},
		{name: "exited", script: "exit 3", addr: closed, want: ErrExited.Error()},
		{name: "timeout", script: "sleep 30", addr: closed, want: "not listening on " + closed + " after 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, tt.script)
			err := p.WaitDial(tt.addr, 300*time.Millisecond, 20*time.Millisecond)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("WaitDial: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Fatalf("WaitDial = %v, want %s", err, tt.want)
			}
			if tt.want == ErrExited.Error() && !errors.Is(err, ErrExited) {
				t.Fatalf("WaitDial = %v, not ErrExited", err)
			}
			if tt.name != "exited" && p.Exited() {
				t.Fatal("WaitDial ended the process")
			}
		})
	}
}

func TestRandomHex(t *testing.T) {
	a, b := RandomHex(16), RandomHex(16)
	if len(a) != 32 || strings.Trim(a, "0123456789abcdef") != "" || a == b {
		t.Fatalf("RandomHex(16) = %q, %q", a, b)
	}
}
