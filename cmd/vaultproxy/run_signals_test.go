package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Signals that arrive while the alicloud method is being built, which waits on the ECS instance
// metadata service (up to 30 s a request; off ECS it may not answer at all). A second binary, built
// with -tags vaultproxy_testhooks, points that service at a loopback stand-in that holds every
// request until the test releases it.

var (
	hooksBinOnce sync.Once
	hooksBin     string
	hooksBinErr  error
)

// testhooksBinary builds vaultproxy with the vaultproxy_testhooks tag, once, beside vaultproxyBin.
func testhooksBinary(t *testing.T) string {
	t.Helper()
	hooksBinOnce.Do(func() {
		bin := filepath.Join(filepath.Dir(vaultproxyBin), "vaultproxy-testhooks")
		args := append([]string{"build", "-tags", "vaultproxy_testhooks", "-o", bin}, strings.Fields(os.Getenv("VAULTPROXY_TEST_BUILDFLAGS"))...)
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			hooksBinErr = fmt.Errorf("%v\n%s", err, out)
			return
		}
		hooksBin = bin
	})
	if hooksBinErr != nil {
		t.Fatalf("building vaultproxy with the test hooks: %v", hooksBinErr)
	}
	return hooksBin
}

// stalledMetadata is an ECS metadata stand-in: each request is announced on arrived and held until
// release is closed; then it has no metadata token (IMDSv1) and serves the RAM role "web-role" and
// its STS credentials.
type stalledMetadata struct {
	srv      *httptest.Server
	arrived  chan string
	release  chan struct{}
	released sync.Once
}

func newStalledMetadata(t *testing.T) *stalledMetadata {
	m := &stalledMetadata{arrived: make(chan string, 16), release: make(chan struct{})}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case m.arrived <- r.Method + " " + r.URL.Path:
		default:
		}
		select {
		case <-m.release:
		case <-r.Context().Done():
			return
		}
		switch r.URL.Path {
		case "/latest/meta-data/ram/security-credentials/":
			fmt.Fprint(w, "web-role")
		case "/latest/meta-data/ram/security-credentials/web-role":
			fmt.Fprint(w, `{"AccessKeyId":"STS.id","AccessKeySecret":"sts-secret","SecurityToken":"sts-token","Code":"Success"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() {
		m.free()
		m.srv.Close()
	})
	return m
}

func (m *stalledMetadata) free() { m.released.Do(func() { close(m.release) }) }

// waitArrived waits until the proxy has asked the stand-in something: the method is being built.
func (m *stalledMetadata) waitArrived(t *testing.T, p *proc) {
	t.Helper()
	select {
	case <-m.arrived:
	case <-p.done:
		t.Fatalf("exited before asking the metadata service: %v", p.err)
	case <-time.After(15 * time.Second):
		t.Fatal("the alicloud method never asked the metadata service")
	}
}

const alicloudAutoAuth = `
auto_auth {
  method "alicloud" {
    config = {
      role   = "web"
      region = "eu-central-1"
    }
  }
}
api_proxy { use_auto_auth_token = true }
`

// signalTestConfig is a listener on addr in front of a Vault address where nothing answers (no
// request reaches it in these tests), with a pid file, and extra.
func signalTestConfig(vaultAddr, addr, pidFile, extra string) string {
	return fmt.Sprintf(`
vault { address = "http://%s" }
pid_file = %q
listener "tcp" {
  address     = %q
  tls_disable = true
}
%s`, vaultAddr, pidFile, addr, extra)
}

// startHooked starts the hooked binary on config, with the metadata stand-in, without waiting for
// a listener.
func startHooked(t *testing.T, config string, md *stalledMetadata, wait ...string) *proc {
	t.Helper()
	bin := testhooksBinary(t)
	dir := t.TempDir()
	path := runWriteFile(t, dir, "proxy.hcl", config, 0o600)
	return startProcessEnv(t, exec.Command(bin, "run", path), path, nil,
		[]string{"VAULTPROXY_TESTHOOK_ALICLOUD_METADATA_URL=" + md.srv.URL}, wait...)
}

// exitedCleanly waits up to d for the process to end and fails unless it exited by itself (not
// killed by a signal) with status 0, as a SIGTERM after start-up makes it.
func (p *proc) exitedCleanly(t *testing.T, d time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("still running %v after SIGTERM", d)
	}
	ws := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("killed by %v instead of shutting down", ws.Signal())
	}
	if code := ws.ExitStatus(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(p.stderr.String(), `msg="shutting down" reason=signal`) {
		t.Errorf("no shutdown line in the log:\n%s", p.stderr)
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
}

// While starting, SIGHUP neither kills the process nor is lost (it is applied once started), and
// SIGTERM ends it at once as a shutdown does.
func TestRunSignalsWhileStarting(t *testing.T) {
	t.Run("SIGHUP then SIGTERM", func(t *testing.T) {
		md := newStalledMetadata(t)
		dir := t.TempDir()
		pid := filepath.Join(dir, "pid")
		p := startHooked(t, signalTestConfig(freeAddr(t), freeAddr(t), pid, alicloudAutoAuth), md)
		md.waitArrived(t, p)
		p.signal(syscall.SIGHUP)
		select {
		case <-p.done:
			t.Fatalf("SIGHUP while starting ended the process: %v\n%s", p.err, p.stderr)
		case <-time.After(time.Second):
		}
		p.signal(syscall.SIGTERM)
		p.exitedCleanly(t, 3*time.Second)
		if _, err := os.Stat(pid); !os.IsNotExist(err) {
			t.Errorf("pid file after exit: %v", err)
		}
	})
	t.Run("SIGTERM", func(t *testing.T) {
		md := newStalledMetadata(t)
		p := startHooked(t, signalTestConfig(freeAddr(t), freeAddr(t), filepath.Join(t.TempDir(), "pid"), alicloudAutoAuth), md)
		md.waitArrived(t, p)
		p.signal(syscall.SIGTERM)
		p.exitedCleanly(t, 3*time.Second)
	})
	t.Run("SIGHUP applied once started", func(t *testing.T) {
		md := newStalledMetadata(t)
		addr := freeAddr(t)
		p := startHooked(t, signalTestConfig(freeAddr(t), addr, filepath.Join(t.TempDir(), "pid"), alicloudAutoAuth), md)
		md.waitArrived(t, p)
		p.signal(syscall.SIGHUP)
		time.Sleep(300 * time.Millisecond)
		md.free()
		p.waitListening(t, addr)
		p.waitLog(t, "SIGHUP received while starting")
		p.waitLog(t, "configuration reloaded")
		p.signal(syscall.SIGTERM)
		p.exitedCleanly(t, 15*time.Second)
	})
}

// A reload that builds a method waiting on its metadata service does not hold up SIGTERM.
func TestRunSIGTERMDuringReloadBuild(t *testing.T) {
	md := newStalledMetadata(t)
	addr := freeAddr(t)
	dir := t.TempDir()
	pid := filepath.Join(dir, "pid")
	vaultAddr := freeAddr(t)
	p := startHooked(t, signalTestConfig(vaultAddr, addr, pid, ""), md, addr)
	p.waitLog(t, "vaultproxy running")
	runWriteFile(t, dirOf(p.config), "proxy.hcl", signalTestConfig(vaultAddr, addr, pid, alicloudAutoAuth), 0o600)
	p.signal(syscall.SIGHUP)
	md.waitArrived(t, p)
	p.signal(syscall.SIGTERM)
	p.exitedCleanly(t, 3*time.Second)
	if strings.Contains(p.stderr.String(), "configuration reloaded") {
		t.Errorf("the abandoned reload was installed:\n%s", p.stderr)
	}
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Errorf("pid file after exit: %v", err)
	}
}

// A reload whose build waits on a metadata service gives up after the reload build bound (shortened
// to a second through the test hook), with a clear error, and the old plan keeps serving; a SIGHUP
// meanwhile says in the log that it waits, and its reload proceeds once the first gave up.
func TestRunReloadBuildTimeout(t *testing.T) {
	md := newStalledMetadata(t)
	addr := freeAddr(t)
	dir := t.TempDir()
	pid := filepath.Join(dir, "pid")
	vaultAddr := freeAddr(t)
	path := runWriteFile(t, dir, "proxy.hcl", signalTestConfig(vaultAddr, addr, pid, ""), 0o600)
	p := startProcessEnv(t, exec.Command(testhooksBinary(t), "run", path), path, nil,
		[]string{"VAULTPROXY_TESTHOOK_ALICLOUD_METADATA_URL=" + md.srv.URL, "VAULTPROXY_TESTHOOK_RELOAD_BUILD_TIMEOUT=1s"}, addr)
	p.waitLog(t, "vaultproxy running")
	runWriteFile(t, dir, "proxy.hcl", signalTestConfig(vaultAddr, addr, pid, alicloudAutoAuth), 0o600)
	start := time.Now()
	p.signal(syscall.SIGHUP)
	md.waitArrived(t, p)
	p.signal(syscall.SIGHUP)
	p.waitLog(t, "reload waiting: the previous reload is still in progress")
	p.waitLog(t, `reload failed: building auto-auth took longer than 1s; the previous configuration keeps serving`)
	if d := time.Since(start); d < time.Second || d > 5*time.Second {
		t.Errorf("the first reload failed %v after SIGHUP, want about 1s", d)
	}
	if strings.Contains(p.stderr.String(), "configuration reloaded") {
		t.Fatalf("a reload was installed while the metadata service held it:\n%s", p.stderr)
	}
	// The queued reload builds in turn (asking the metadata service again) and, answered, is installed
	// once; the first build, answered too, is discarded.
	md.waitArrived(t, p)
	md.free()
	p.waitLog(t, "configuration reloaded")
	time.Sleep(500 * time.Millisecond)
	if n := strings.Count(p.stderr.String(), "configuration reloaded"); n != 1 {
		t.Errorf("configuration reloaded %d times, want 1:\n%s", n, p.stderr)
	}
	// Still serving: not ready, Vault being absent.
	if status, body := rawDo(t, nil, "GET", "http://"+addr+"/proxy/v1/ready", nil, ""); status != 503 {
		t.Errorf("ready after the reloads: %d %s, want 503 (Vault absent)", status, body)
	}
	p.signal(syscall.SIGTERM)
	p.exitedCleanly(t, 5*time.Second)
}
