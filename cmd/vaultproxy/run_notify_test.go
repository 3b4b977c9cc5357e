package main

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// notifySocket is a unixgram socket standing in for systemd's NOTIFY_SOCKET.
type notifySocket struct {
	path string
	conn *net.UnixConn
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &notifySocket{path: path, conn: c}
}

// next returns the next message, or "" when none came within d.
func (s *notifySocket) next(t *testing.T, d time.Duration) string {
	t.Helper()
	buf := make([]byte, 4096)
	_ = s.conn.SetReadDeadline(time.Now().Add(d))
	n, err := s.conn.Read(buf)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return ""
		}
		t.Fatal(err)
	}
	return string(buf[:n])
}

func monotonicUsec(t *testing.T) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Nano() / 1000
}

// relayTo listens on addr and pipes each connection to target until the test ends.
func relayTo(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.(*net.TCPConn).CloseWrite() }()
			go func() { _, _ = io.Copy(c, up); c.(*net.TCPConn).CloseWrite() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
}

// testSystemdNotify runs `vaultproxy run` as systemd runs a Type=notify unit, with NOTIFY_SOCKET
// set: started while Vault is absent, it listens and sends only STATUS lines naming Vault until Vault
// answers; then READY=1;
// RELOADING=1 (with MONOTONIC_USEC) and READY=1 around a SIGHUP, a valid and an invalid one; and
// STOPPING=1 at SIGTERM.
func testSystemdNotify(t *testing.T, f *runFixture) {
	sock := newNotifySocket(t)
	vaultAddr, addr := freeAddr(t), freeAddr(t)
	config := func(extra string) string {
		return fmt.Sprintf(`
vault { address = "http://%s" }
listener "tcp" {
  address     = %q
  tls_disable = true
}
%s`, vaultAddr, addr, extra)
	}
	dir := t.TempDir()
	path := runWriteFile(t, dir, "proxy.hcl", config(""), 0o600)
	p := startProcessEnv(t, exec.Command(vaultproxyBin, "run", path), path, f.secrets, []string{"NOTIFY_SOCKET=" + sock.path}, addr)
	ready := "http://" + addr + "/proxy/v1/ready"

	if status, body := rawDo(t, nil, "GET", ready, nil, ""); status != 503 || !strings.Contains(body, `"Vault at http://`+vaultAddr+` does not answer: `) {
		t.Fatalf("listening with Vault absent: %d %s, want 503 naming Vault", status, body)
	}
	// Until Vault answers: STATUS lines saying so, and no READY=1.
	absent := "STATUS=not ready: Vault at http://" + vaultAddr + " does not answer: "
	sawAbsent := false
	for msg := sock.next(t, 1500*time.Millisecond); msg != ""; msg = sock.next(t, 1500*time.Millisecond) {
		switch {
		case strings.HasPrefix(msg, absent) && strings.Contains(msg, "connection refused"):
			sawAbsent = true
		case msg == "STATUS=not ready: Vault at http://"+vaultAddr+" has not answered yet":
		default:
			t.Fatalf("sent %q while Vault was absent", msg)
		}
	}
	if !sawAbsent {
		t.Errorf("no STATUS saying that Vault does not answer")
	}

	relayTo(t, vaultAddr, strings.TrimPrefix(f.dev.Addr(), "http://"))
	msg := sock.next(t, 30*time.Second)
	for strings.HasPrefix(msg, "STATUS=not ready: ") {
		msg = sock.next(t, 30*time.Second)
	}
	if msg != "READY=1\nSTATUS=listening and ready" {
		t.Fatalf("once Vault answers: %q, want READY=1", msg)
	}
	if status, body := rawDo(t, nil, "GET", ready, nil, ""); status != 200 {
		t.Errorf("after READY=1: %d %s", status, body)
	}

	reloading := regexp.MustCompile(`^RELOADING=1\nMONOTONIC_USEC=([0-9]+)$`)
	reload := func(wantStatus string) {
		t.Helper()
		before := monotonicUsec(t)
		p.signal(syscall.SIGHUP)
		msg := sock.next(t, 15*time.Second)
		after := monotonicUsec(t)
		m := reloading.FindStringSubmatch(msg)
		if m == nil {
			t.Fatalf("after SIGHUP: %q, want RELOADING=1 and MONOTONIC_USEC", msg)
		}
		if usec, _ := strconv.ParseInt(m[1], 10, 64); usec < before || usec > after {
			t.Errorf("MONOTONIC_USEC=%d is not the time of the reload, within [%d, %d]", usec, before, after)
		}
		if msg := sock.next(t, 15*time.Second); msg != "READY=1\nSTATUS="+wantStatus {
			t.Fatalf("after the reload: %q, want READY=1 and STATUS=%s", msg, wantStatus)
		}
	}
	runWriteFile(t, dir, "proxy.hcl", config(`api_proxy { use_auto_auth_token = false }`), 0o600)
	reload("reloaded")
	runWriteFile(t, dir, "proxy.hcl", config(`listener "tcp" { adress = "x" }`), 0o600)
	reload("reload failed; the previous configuration keeps serving (see the log)")
	if status, _ := rawDo(t, nil, "GET", ready, nil, ""); status != 200 {
		t.Errorf("after a failed reload: %d", status)
	}

	p.stop(t)
	if msg := sock.next(t, 5*time.Second); msg != "STOPPING=1" {
		t.Errorf("at SIGTERM: %q, want STOPPING=1", msg)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if msg := sock.next(t, 100*time.Millisecond); msg != "" {
		t.Errorf("after STOPPING=1: %q", msg)
	}
}

// testSystemdNotifyShutdownDuringReload: once shutdown begins systemd gets STOPPING=1 and nothing
// else: a reload still building (the alicloud method waiting on its metadata service, through the
// test-hook binary) sends no READY=1 and no "keeps serving" STATUS, and a SIGHUP right after SIGTERM
// sends no RELOADING=1 after STOPPING=1.
func testSystemdNotifyShutdownDuringReload(t *testing.T, f *runFixture) {
	start := func(t *testing.T) (*proc, *notifySocket, func(), string) {
		sock := newNotifySocket(t)
		md := newStalledMetadata(t)
		addr := freeAddr(t)
		dir := t.TempDir()
		pid := filepath.Join(dir, "pid")
		vaultAddr := strings.TrimPrefix(f.dev.Addr(), "http://")
		path := runWriteFile(t, dir, "proxy.hcl", signalTestConfig(vaultAddr, addr, pid, ""), 0o600)
		p := startProcessEnv(t, exec.Command(testhooksBinary(t), "run", path), path, f.secrets,
			[]string{"NOTIFY_SOCKET=" + sock.path, "VAULTPROXY_TESTHOOK_ALICLOUD_METADATA_URL=" + md.srv.URL}, addr)
		msg := sock.next(t, 30*time.Second)
		for strings.HasPrefix(msg, "STATUS=not ready: ") {
			msg = sock.next(t, 30*time.Second)
		}
		if msg != "READY=1\nSTATUS=listening and ready" {
			t.Fatalf("at start: %q, want READY=1", msg)
		}
		withAuth := func() {
			runWriteFile(t, dir, "proxy.hcl", signalTestConfig(vaultAddr, addr, pid, alicloudAutoAuth), 0o600)
			p.signal(syscall.SIGHUP)
			md.waitArrived(t, p)
		}
		return p, sock, withAuth, addr
	}
	// rest returns every message until the process has exited and 200ms more have passed.
	rest := func(t *testing.T, p *proc, sock *notifySocket) []string {
		var msgs []string
		for {
			exited := false
			select {
			case <-p.done:
				exited = true
			default:
			}
			msg := sock.next(t, 200*time.Millisecond)
			if msg != "" {
				msgs = append(msgs, msg)
			} else if exited {
				return msgs
			}
		}
	}

	t.Run("SIGTERM while a reload builds", func(t *testing.T) {
		p, sock, reloadWithAuth, addr := start(t)
		reloadWithAuth()
		if msg := sock.next(t, 5*time.Second); !strings.HasPrefix(msg, "RELOADING=1\n") {
			t.Fatalf("after SIGHUP: %q, want RELOADING=1", msg)
		}
		// A request whose body is still coming holds the shutdown (it waits for requests in
		// flight) after STOPPING=1, so that whatever the abandoned reload would send comes before
		// the process exits.
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "PUT /v1/secret/data/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // the request is read up to its body
		p.signal(syscall.SIGTERM)
		if msg := sock.next(t, 5*time.Second); msg != "STOPPING=1" {
			t.Fatalf("at SIGTERM: %q, want STOPPING=1", msg)
		}
		p.waitLog(t, "reload abandoned: shutting down")
		if msg := sock.next(t, time.Second); msg != "" {
			t.Errorf("after STOPPING=1, the abandoned reload sent %q", msg)
		}
		c.Close()
		p.exitedCleanly(t, 5*time.Second)
		if msgs := rest(t, p, sock); len(msgs) != 0 {
			t.Errorf("after STOPPING=1: %q", msgs)
		}
	})
	t.Run("SIGHUP right after SIGTERM", func(t *testing.T) {
		p, sock, _, _ := start(t)
		p.signal(syscall.SIGTERM)
		p.signal(syscall.SIGHUP)
		p.exitedCleanly(t, 5*time.Second)
		msgs := rest(t, p, sock)
		// The SIGHUP may still be taken for a reload before the shutdown is seen (then RELOADING=1,
		// and READY=1 when that reload ends before the shutdown begins, come first); nothing
		// follows STOPPING=1.
		if len(msgs) == 0 || msgs[len(msgs)-1] != "STOPPING=1" || strings.Count(strings.Join(msgs, "\n"), "STOPPING=1") != 1 {
			t.Errorf("after SIGTERM and SIGHUP: %q, want STOPPING=1 once and last", msgs)
		}
	})
}
