package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/testproc"
)

const (
	// EnvBin names the environment variable holding the directory of initdb, postgres and psql.
	EnvBin = "VAULTPROXY_PG_BIN"
	// DebianBin is where Debian's postgresql-15 package installs them.
	DebianBin = "/usr/lib/postgresql/15/bin"

	startTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
	// Superuser is the name of the cluster's superuser.
	Superuser = "postgres"
)

// Server is a running PostgreSQL server on 127.0.0.1, stopped when the test that started it ends.
type Server struct {
	bin      string
	dir      string
	port     int
	password string
	cred     *syscall.Credential // nil: run as the current user
	proc     *testproc.Process
	logPath  string
}

// Start initialises a cluster and starts a server (at most 60 s), registering a cleanup that stops
// it (SIGINT, PostgreSQL's fast shutdown, then kill) and removes its directory. Host connections need
// a password (scram-sha-256); the superuser's is [Server.Password].
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Bin(t)
	s := &Server{bin: bin, password: testproc.RandomHex(16)}
	if os.Geteuid() == 0 {
		cred, err := postgresCredential()
		if err != nil {
			t.Fatalf("pgtest: running as root, PostgreSQL needs another user: %v", err)
		}
		s.cred = cred
	}
	// Not t.TempDir: its parent is private to the current user, and the server may run as another.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s.dir = dir
	if s.cred != nil {
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.password+"\n"), 0o600); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if s.cred != nil {
		if err := os.Chown(pwfile, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	data := filepath.Join(dir, "data")
	out, err := s.command(filepath.Join(bin, "initdb"), "-D", data, "-U", Superuser, "--pwfile="+pwfile,
		"--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions").CombinedOutput()
	if err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	os.Remove(pwfile)

	var errs []error
	for attempt := 1; attempt <= 3; attempt++ {
		err := s.start(data, attempt)
		if err == nil {
			t.Cleanup(func() { s.stop(t) })
			return s
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
	}
	t.Fatalf("pgtest: starting postgres: %v", errors.Join(errs...))
	return nil
}

// Bin returns the directory of the PostgreSQL binaries: $VAULTPROXY_PG_BIN, else DebianBin. Without
// an initdb there, the test is skipped, or fails when the environment variable CI is set.
func Bin(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvBin)
	if dir == "" {
		dir = DebianBin
	}
	if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
		msg := fmt.Sprintf("PostgreSQL binaries not found in %s (run scripts/install-postgres.sh, or set %s)", dir, EnvBin)
		testproc.Unavailable(t, "pgtest", "PostgreSQL", msg)
	}
	return dir
}

// start makes one attempt at starting the server on a free port; it fails when another process
// took the port first.
func (s *Server) start(data string, attempt int) error {
	port, err := testproc.FreePort()
	if err != nil {
		return err
	}
	s.port = port
	s.logPath = filepath.Join(s.dir, fmt.Sprintf("postgres-%d.log", attempt))
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	// -k: the Unix socket goes into the private directory, not /var/run/postgresql.
	cmd := s.command(filepath.Join(s.bin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-k", s.dir, "-c", "fsync=off", "-c", "max_connections=50")
	cmd.Stdout, cmd.Stderr = logf, logf
	if s.proc, err = testproc.Start(cmd); err != nil {
		return err
	}
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.proc.Done():
			return fmt.Errorf("postgres exited at start:\n%s", s.Log())
		case <-time.After(100 * time.Millisecond):
		}
		if strings.Contains(s.Log(), "database system is ready to accept connections") {
			return nil
		}
	}
	s.proc.Kill()
	return fmt.Errorf("postgres not ready after %v:\n%s", startTimeout, s.Log())
}

// Addr returns the server's address, 127.0.0.1:PORT.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Password returns the superuser's password.
func (s *Server) Password() string { return s.password }

// VaultConnectionURL returns the connection_url for Vault's postgresql-database-plugin, with the
// {{username}} and {{password}} templates Vault fills from the connection's username and password.
func (s *Server) VaultConnectionURL() string {
	return "postgresql://{{username}}:{{password}}@" + s.Addr() + "/postgres?sslmode=disable"
}

// Query runs sql with psql as user (password) on database postgres and returns its unaligned,
// tuples-only output, trimmed.
func (s *Server) Query(user, password, sql string) (string, error) {
	cmd := exec.Command(filepath.Join(s.bin, "psql"), "-h", "127.0.0.1", "-p", strconv.Itoa(s.port),
		"-U", user, "-d", "postgres", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=10"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql as %s: %v: %s", user, err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// Log returns what the server printed so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// stop sends SIGINT (PostgreSQL's fast shutdown), kills the server after stopTimeout, and logs
// its output when the test failed.
func (s *Server) stop(t testing.TB) {
	s.proc.Stop(os.Interrupt, stopTimeout)
	if t.Failed() {
		t.Logf("pgtest: postgres log:\n%s", s.Log())
	}
}

// command returns cmd run in the server's directory with a clean environment, as the server's user.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup(Superuser)
	if err != nil {
		return nil, fmt.Errorf("no %q user (Debian's postgresql package creates it): %w", Superuser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
