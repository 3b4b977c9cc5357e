package testproc

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"time"
)

// Process is a started child process whose exit is awaited in the background, so that stopping
// it and noticing an early exit never block on Wait.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed
}

// Start starts cmd and waits on it in the background.
func Start(cmd *exec.Cmd) (*Process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is Wait's result, once Done is closed (nil before).
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Stop sends sig, waits up to timeout for the process to exit, then kills it and waits for that.
// A process that has already exited is left alone.
func (p *Process) Stop(sig os.Signal, timeout time.Duration) {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return
	case <-time.After(timeout):
	}
	p.Kill()
}

// Kill sends SIGKILL, unless the process has already exited, and waits until it has.
func (p *Process) Kill() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// ErrExited is what WaitDial returns when the process exits before addr accepts a connection.
var ErrExited = errors.New("process exited")

// WaitDial tries a TCP connection to addr every interval until one succeeds (nil), the process
// exits (ErrExited) or timeout passes (an error saying so). It leaves the process running.
func (p *Process) WaitDial(addr string, timeout, interval time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.Exited() {
			return ErrExited
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(interval)
	}
	return errors.New("not listening on " + addr + " after " + timeout.String())
}
