package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/vaultproxy/vaultproxy/internal/testproc"
)

// vaultproxyBin is the vaultproxy binary the run tests start, built by TestMain.
var vaultproxyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vaultproxy-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	vaultproxyBin = filepath.Join(dir, "vaultproxy")
	// VAULTPROXY_TEST_BUILDFLAGS adds flags to that build, such as -race.
	args := append([]string{"build", "-o", vaultproxyBin}, strings.Fields(os.Getenv("VAULTPROXY_TEST_BUILDFLAGS"))...)
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building vaultproxy for the run tests: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer collects output that a process or logger writes while the test reads it.
type syncBuffer = testproc.Buffer

// proc is a running `vaultproxy run` (or `vault proxy`) process.
type proc struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error
	config string
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runWriteFile writes content to dir/name and returns the path.
func runWriteFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// startRun writes config to a file in a new temp dir and starts `vaultproxy run` on it, as a user
// would, then waits until every address in wait accepts connections (a host:port, or a socket path).
// At cleanup it stops the process with SIGTERM and checks that no secret appears in its output.
func startRun(t *testing.T, config string, secrets func() []string, wait ...string) *proc {
	t.Helper()
	dir := t.TempDir()
	path := runWriteFile(t, dir, "proxy.hcl", config, 0o600)
	return startProcess(t, exec.Command(vaultproxyBin, "run", path), path, secrets, wait...)
}

func startProcess(t *testing.T, cmd *exec.Cmd, config string, secrets func() []string, wait ...string) *proc {
	t.Helper()
	return startProcessEnv(t, cmd, config, secrets, nil, wait...)
}

// startProcessEnv is startProcess with extra environment variables ("NAME=value"; "" is skipped).
func startProcessEnv(t *testing.T, cmd *exec.Cmd, config string, secrets func() []string, env []string, wait ...string) *proc {
	t.Helper()
	p := &proc{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}), config: config}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, e := range env {
		if e != "" {
			cmd.Env = append(cmd.Env, e)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() || testing.Verbose() {
			t.Logf("%s stdout:\n%s\nstderr:\n%s", filepath.Base(cmd.Path), p.stdout, p.stderr)
		}
		if secrets != nil {
			out := p.stdout.String() + p.stderr.String()
			for _, s := range secrets() {
				if s != "" && strings.Contains(out, s) {
					t.Errorf("a token appears in the process output")
				}
			}
		}
	})
	for _, w := range wait {
		p.waitListening(t, w)
	}
	return p
}

func (p *proc) waitListening(t *testing.T, addr string) {
	t.Helper()
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout(network, addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-p.done:
			t.Fatalf("process exited before listening on %s: %v\nstderr:\n%s", addr, p.err, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listening on %s after 15s\nstderr:\n%s", addr, p.stderr)
		}
	}
}

func (p *proc) signal(sig os.Signal) { _ = p.cmd.Process.Signal(sig) }

// stop sends SIGTERM and waits up to 15s, then kills.
func (p *proc) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Errorf("process did not stop within 15s of SIGTERM")
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited waits up to d for the process to exit and returns its exit code (-1 if still running).
func (p *proc) exited(d time.Duration) int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}

// waitLog waits until the process's stderr contains s.
func (p *proc) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.stderr.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr never contained %q:\n%s", s, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clientFor is a Vault API client for a proxy at addr (host:port), with no token and no namespace.
func clientFor(t *testing.T, addr string) *api.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	c, err := api.NewClient(&api.Config{
		Address:    "http://" + addr,
		HttpClient: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		MaxRetries: 0,
		Timeout:    30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.ClearToken()
	c.ClearNamespace()
	c.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	return c
}

// seen is what the recording proxy saw of one request on its way to Vault.
type seen struct {
	Method, Path, RawQuery string
	Token                  []string // X-Vault-Token values; nil when absent
	Namespace              []string // X-Vault-Namespace values; nil when absent
	Header                 http.Header
}

// recordingVault is a small httputil reverse proxy in front of Vault that records what Vault
// receives: a dev server has no namespaces, so the namespace a request carries is checked here.
type recordingVault struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []seen
	delay func(r *http.Request) time.Duration
	// fail, when set and returning a status, answers the request with it instead of Vault (an
	// injected fault, which a dev server cannot be made to give on demand).
	fail func(r *http.Request) int
}

func newRecordingVault(t *testing.T, vaultAddr string) *recordingVault {
	t.Helper()
	target, err := url.Parse(vaultAddr)
	if err != nil {
		t.Fatal(err)
	}
	rv := &recordingVault{}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = target.Host }}
	rv.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rv.mu.Lock()
		rv.reqs = append(rv.reqs, seen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Token: r.Header.Values("X-Vault-Token"), Namespace: r.Header.Values("X-Vault-Namespace"), Header: r.Header.Clone()})
		delay, fail := rv.delay, rv.fail
		rv.mu.Unlock()
		if delay != nil {
			time.Sleep(delay(r))
		}
		if fail != nil {
			if code := fail(r); code != 0 {
				w.WriteHeader(code)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(rv.srv.Close)
	return rv
}

func (rv *recordingVault) URL() string { return rv.srv.URL }

// last returns the last request seen whose path has the suffix.
func (rv *recordingVault) last(t *testing.T, pathSuffix string) seen {
	t.Helper()
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for i := len(rv.reqs) - 1; i >= 0; i-- {
		if strings.HasSuffix(rv.reqs[i].Path, pathSuffix) {
			return rv.reqs[i]
		}
	}
	t.Fatalf("Vault never received a request for ...%s", pathSuffix)
	return seen{}
}

// countPaths counts the requests Vault received for any of the paths. Tests that check a request
// was refused count its own path: auto-auth's requests (lookup-self, renewals) may arrive at any time.
func (rv *recordingVault) countPaths(paths ...string) int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	n := 0
	for _, r := range rv.reqs {
		for _, p := range paths {
			if r.Path == p {
				n++
			}
		}
	}
	return n
}

func (rv *recordingVault) count() int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return len(rv.reqs)
}

// rawDo sends a request to a proxy and returns the status and body.
func rawDo(t *testing.T, client *http.Client, method, url string, h http.Header, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if client == nil {
		client = &http.Client{Transport: &http.Transport{Proxy: nil}}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
