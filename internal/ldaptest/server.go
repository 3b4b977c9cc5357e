package ldaptest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/testproc"
)

const (
	// EnvBin names the environment variable holding slapd's path.
	EnvBin = "VAULTPROXY_SLAPD_BIN"
	// DebianBin is where Debian's slapd package installs it.
	DebianBin = "/usr/sbin/slapd"

	// Suffix is the database's root, UsersDN where the users are (uid=<name>,UsersDN).
	Suffix  = "dc=example,dc=org"
	UsersDN = "ou=users," + Suffix
	// AdminDN is the database's rootdn, which Vault binds as to search for users.
	AdminDN = "cn=admin," + Suffix

	startTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// Server is a running slapd on 127.0.0.1, stopped when the test that started it ends.
type Server struct {
	bin, dir, conf, logPath string
	port                    int
	adminPassword           string
	proc                    *testproc.Process
}

// Bin returns slapd's path, skipping the test when there is none (failing it when CI is set).
func Bin(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(EnvBin)
	if bin == "" {
		bin = DebianBin
	}
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("slapd not found at %s (run scripts/install-slapd.sh, or set %s)", bin, EnvBin)
		testproc.Unavailable(t, "ldaptest", "slapd", msg)
	}
	return bin
}

// Start loads users (name to password, each an inetOrgPerson uid=<name>,UsersDN) into a new
// database and starts slapd (at most 30 s), registering a cleanup that stops it and logs its output
// when the test failed.
func Start(t testing.TB, users map[string]string) *Server {
	t.Helper()
	s := &Server{bin: Bin(t), dir: t.TempDir(), adminPassword: testproc.RandomHex(12)}
	data := filepath.Join(s.dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatalf("ldaptest: %v", err)
	}
	s.conf = filepath.Join(s.dir, "slapd.conf")
	s.write(t, s.conf, s.config(data))
	ldif := filepath.Join(s.dir, "users.ldif")
	s.write(t, ldif, entries(users))
	slapadd := filepath.Join(filepath.Dir(s.bin), "slapadd")
	if out, err := exec.Command(slapadd, "-f", s.conf, "-l", ldif).CombinedOutput(); err != nil {
		t.Fatalf("ldaptest: slapadd: %v\n%s", err, out)
	}
	var errs []string
	for attempt := 1; attempt <= 3; attempt++ {
		err := s.start(attempt)
		if err == nil {
			t.Cleanup(func() { s.cleanup(t) })
			return s
		}
		errs = append(errs, err.Error())
	}
	t.Fatalf("ldaptest: starting slapd: %s", strings.Join(errs, "; "))
	return nil
}

// URL is ldap://127.0.0.1:PORT.
func (s *Server) URL() string { return "ldap://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// AdminPassword is AdminDN's password.
func (s *Server) AdminPassword() string { return s.adminPassword }

// VaultConfig is the auth/<ldap mount>/config that makes Vault search UsersDN for uid=<username>,
// bound as AdminDN, and bind as the user found to check the password. There are no groups.
func (s *Server) VaultConfig() map[string]any {
	return map[string]any{
		"url": s.URL(), "userdn": UsersDN, "userattr": "uid",
		"binddn": AdminDN, "bindpass": s.adminPassword,
		"groupdn": UsersDN, "groupfilter": "(member={{.UserDN}})",
	}
}

// SetPassword replaces user's password with ldapmodify, bound as AdminDN.
func (s *Server) SetPassword(t testing.TB, user, password string) {
	t.Helper()
	bin, err := exec.LookPath("ldapmodify")
	if err != nil {
		t.Fatalf("ldaptest: ldapmodify not found (Debian package ldap-utils, which scripts/install-slapd.sh installs): %v", err)
	}
	mod := fmt.Sprintf("dn: uid=%s,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: %s\n", user, UsersDN, password)
	cmd := exec.Command(bin, "-x", "-H", s.URL(), "-D", AdminDN, "-w", s.adminPassword)
	cmd.Stdin = strings.NewReader(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ldaptest: ldapmodify: %v\n%s", err, out)
	}
}

func (s *Server) config(data string) string {
	// Debian's slapd has its backends as modules in /usr/lib/ldap.
	return fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile %s
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix %q
rootdn %q
rootpw %s
directory %s
access to attrs=userPassword by anonymous auth by * none
access to * by * read
`, filepath.Join(s.dir, "slapd.pid"), Suffix, AdminDN, s.adminPassword, data)
}

// entries is the LDIF of the suffix, ou=users and the users, in name order. Passwords are stored
// as they are: slapd compares a simple bind's password with a userPassword without a {scheme}.
func entries(users map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n", Suffix)
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\nou: users\n\n", UsersDN)
	names := make([]string, 0, len(users))
	for n := range users {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nuserPassword: %s\n\n",
			n, UsersDN, n, n, n, users[n])
	}
	return b.String()
}

// start makes one attempt on a free port; it fails when another process took the port first.
func (s *Server) start(attempt int) error {
	port, err := testproc.FreePort()
	if err != nil {
		return err
	}
	s.port = port
	s.logPath = filepath.Join(s.dir, fmt.Sprintf("slapd-%d.log", attempt))
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	// -d keeps slapd in the foreground, as this process's child; level 256 ("stats") logs each
	// connection and bind, which the log of a failed test then shows.
	cmd := exec.Command(s.bin, "-f", s.conf, "-h", s.URL()+"/", "-d", "256")
	cmd.Stdout, cmd.Stderr = logf, logf
	if s.proc, err = testproc.Start(cmd); err != nil {
		return err
	}
	switch err := s.proc.WaitDial(s.URL()[len("ldap://"):], startTimeout, 50*time.Millisecond); {
	case err == nil:
		return nil
	case errors.Is(err, testproc.ErrExited):
		return fmt.Errorf("slapd exited at start:\n%s", s.log())
	}
	s.proc.Stop(syscall.SIGTERM, stopTimeout)
	return fmt.Errorf("slapd not listening on %s after %s:\n%s", s.URL(), startTimeout, s.log())
}

func (s *Server) log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(bytes.TrimSpace(b))
}

func (s *Server) cleanup(t testing.TB) {
	s.proc.Stop(syscall.SIGTERM, stopTimeout)
	if t.Failed() {
		t.Logf("ldaptest: slapd log (%s):\n%s", s.logPath, s.log())
	}
}

func (s *Server) write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("ldaptest: %v", err)
	}
}
