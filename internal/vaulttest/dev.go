package vaulttest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultproxy/vaultproxy/internal/testproc"
)

const (
	// devStartTimeout bounds how long StartDev waits for sys/health.
	devStartTimeout = 60 * time.Second
	// devStopTimeout is how long the dev server gets to exit after SIGTERM
	// before it is killed.
	devStopTimeout = 10 * time.Second
	// devStartAttempts is how often StartDev tries again when the server
	// could not bind its ports (another process took them between our probe
	// and vault's bind).
	devStartAttempts = 3
)

// Dev is a running `vault server -dev`: in-memory storage, unsealed, with a
// root token, listening on plain HTTP on 127.0.0.1. It is stopped when the
// test that started it ends.
type Dev struct {
	addr    string
	token   string
	logPath string
	proc    *testproc.Process

	// What Restart starts again.
	bin, dir, home string
	port           int
	extra          []string
	starts         int
}

// StartDev starts a Vault dev server on a free 127.0.0.1 port with a random
// root token and a private HOME, waits until sys/health reports it active
// (at most 60s), and registers a cleanup that stops it (SIGTERM, then kill)
// and, if the test failed, logs the server's output.
func StartDev(t testing.TB) *Dev {
	t.Helper()
	return StartDevConfig(t, "")
}

// StartDevConfig is StartDev with more configuration in HCL, read with -config: the dev server
// merges it into its own, so a listener block adds a listener (a TLS one, say) beside the dev
// listener, which StartDev waits for. (Vault 1.21's dev server panics on SIGHUP when started with
// -config, in command/server.go: a test cannot have it reload its certificate.)
func StartDevConfig(t testing.TB, hcl string) *Dev {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatalf("vaulttest: %v", err)
	}
	token := "root-" + testproc.RandomHex(16)
	var extra []string
	if hcl != "" {
		cfg := filepath.Join(dir, "extra.hcl")
		if err := os.WriteFile(cfg, []byte(hcl), 0o600); err != nil {
			t.Fatalf("vaulttest: %v", err)
		}
		extra = append(extra, "-config="+cfg)
	}

	var errs []error
	for attempt := 1; attempt <= devStartAttempts; attempt++ {
		d := &Dev{token: token, bin: bin, dir: dir, home: home, extra: extra, starts: attempt}
		retry, err := d.start()
		if err == nil {
			t.Cleanup(func() { d.cleanup(t) })
			return d
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
		if !retry {
			break
		}
	}
	t.Fatalf("vaulttest: starting vault dev server: %v", errors.Join(errs...))
	return nil
}

// Addr returns the server's address, http://127.0.0.1:PORT.
func (d *Dev) Addr() string { return d.addr }

// Home returns the server's HOME directory (and working directory), for files a test wants the
// server to find there, such as gcloud's Application Default Credentials under .config/gcloud.
func (d *Dev) Home() string { return d.home }

// RootToken returns the server's root token.
func (d *Dev) RootToken() string { return d.token }

// LogPath returns the file that holds the server's stdout and stderr.
func (d *Dev) LogPath() string { return d.logPath }

// Client returns a Vault API client for the server, authenticated with the
// root token. It ignores the caller's VAULT_* environment (address, token,
// namespace, headers, TLS settings).
func (d *Dev) Client(t testing.TB) *api.Client {
	t.Helper()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	cfg := &api.Config{
		Address: d.addr,
		HttpClient: &http.Client{
			Transport: transport,
			// The api client handles redirects itself.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Timeout:    30 * time.Second,
		MaxRetries: 2,
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatalf("vaulttest: api client for %s: %v", d.addr, err)
	}
	// NewClient picks up VAULT_TOKEN, VAULT_NAMESPACE and VAULT_HEADERS from
	// the environment: undo all three.
	c.SetToken(d.token)
	c.ClearNamespace()
	c.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	return c
}

// start makes one attempt at starting the server of d (its binary, directories, token and extra
// configuration set), on d.port (a free pair when 0; kept for Restart). retry reports whether the
// failure looks like a port race worth another attempt.
func (d *Dev) start() (retry bool, err error) {
	if d.port == 0 {
		if d.port, err = freePortPair(); err != nil {
			return false, err
		}
	}
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port))
	logPath := filepath.Join(d.dir, fmt.Sprintf("vault-dev-%d.log", d.starts))
	logFile, err := os.Create(logPath)
	if err != nil {
		return false, err
	}
	defer logFile.Close() // the child has its own descriptor

	cmd := exec.Command(d.bin, append([]string{"server", "-dev",
		"-dev-listen-address=" + listen,
		"-dev-root-token-id=" + d.token,
		"-dev-no-store-token",
	}, d.extra...)...)
	cmd.Dir = d.home
	cmd.Env = cleanEnv(d.home)
	cmd.Stdin = nil
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	proc, err := testproc.Start(cmd)
	if err != nil {
		return false, err
	}
	d.addr, d.logPath, d.proc = "http://"+listen, logPath, proc

	if err := d.waitHealthy(devStartTimeout); err != nil {
		d.stop()
		log := d.Log()
		retry = strings.Contains(log, "address already in use")
		return retry, fmt.Errorf("%w\n--- vault server log (%s) ---\n%s", err, logPath, log)
	}
	return false, nil
}

// waitHealthy polls sys/health until it answers 200 (initialized, unsealed,
// active), the process exits, or the timeout passes.
func (d *Dev) waitHealthy(timeout time.Duration) error {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	url := d.addr + "/v1/sys/health"
	deadline := time.Now().Add(timeout)
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = "sys/health answered " + resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-d.proc.Done():
			return fmt.Errorf("vault server exited before it was ready: %v", d.proc.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("vault server at %s not ready after %s (last: %s)", d.addr, timeout, last)
		}
	}
}

// Log returns what the server has written to stdout and stderr so far.
func (d *Dev) Log() string {
	b, err := os.ReadFile(d.logPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", d.logPath, err)
	}
	return string(b)
}

// cleanup stops the server at the end of the test and logs its output when
// the test failed or the server died early.
func (d *Dev) cleanup(t testing.TB) {
	exitedEarly := d.proc.Exited()
	d.stop()
	if exitedEarly {
		t.Logf("vaulttest: vault dev server at %s exited before the end of the test: %v", d.addr, d.proc.Err())
	}
	if t.Failed() || exitedEarly {
		t.Logf("vaulttest: vault dev server log (%s):\n%s", d.logPath, d.Log())
	}
}

// Stop ends the server now, as Vault going away would (a test of what a client does without
// Vault); the test's cleanup then has nothing left to stop.
func (d *Dev) Stop() { d.stop() }

// Kill ends the server at once with SIGKILL, as a crash or an OOM kill would: no graceful
// shutdown, connections reset.
func (d *Dev) Kill() { d.proc.Kill() }

// Restart starts the server again, once stopped (Stop, Kill), at the same address with the same
// root token, and waits until it is healthy. It is a new dev server: its storage was in memory, so
// every token but the root token, every lease and mount made since the start is gone. The test's
// cleanup stops the new process.
func (d *Dev) Restart(t testing.TB) {
	t.Helper()
	d.stop()
	var errs []error
	for range devStartAttempts {
		d.starts++
		retry, err := d.start()
		if err == nil {
			return
		}
		errs = append(errs, err)
		if !retry {
			break
		}
		time.Sleep(200 * time.Millisecond) // the old process's port may still be held briefly
	}
	t.Fatalf("vaulttest: restarting vault dev server at %s: %v", d.addr, errors.Join(errs...))
}

// stop sends SIGTERM, waits up to devStopTimeout, then kills the process.
func (d *Dev) stop() { d.proc.Stop(syscall.SIGTERM, devStopTimeout) }

// freePortPair returns a port P on 127.0.0.1 such that P and P+1 are both
// free right now: the dev server also binds its cluster listener on P+1.
func freePortPair() (int, error) {
	var lastErr error
	for range 20 {
		l1, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l1.Addr().(*net.TCPAddr).Port
		if port >= 65535 {
			l1.Close()
			continue
		}
		l2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1)))
		l1.Close()
		if err != nil {
			lastErr = err
			continue
		}
		l2.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free pair of adjacent ports on 127.0.0.1: %v", lastErr)
}

// cleanEnv is the whole environment of a vault process: PATH and a private
// HOME, so that no VAULT_* variable of the caller leaks in and ~/.vault-token
// is never read or written.
func cleanEnv(home string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
}
