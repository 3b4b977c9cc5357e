package krb5test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/internal/testproc"
)

const (
	// EnvBin names the environment variable holding the directory of krb5kdc, kdb5_util and
	// kadmin.local.
	EnvBin = "VAULTPROXY_KRB5_BIN"
	// DebianBin is where Debian's krb5-kdc and krb5-admin-server packages install them.
	DebianBin = "/usr/sbin"

	// Realm is the realm Start creates.
	Realm = "EXAMPLE.ORG"

	startTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// tools are the programs Start runs, all in the one directory.
var tools = []string{"krb5kdc", "kdb5_util", "kadmin.local"}

// KDC is a running krb5kdc for Realm on 127.0.0.1, stopped when the test that started it ends.
type KDC struct {
	bin, dir          string
	krb5Conf, kdcConf string
	logPath, outPath  string
	port              int
	proc              *testproc.Process
}

// Bin returns the directory holding krb5kdc, kdb5_util and kadmin.local, skipping the test when
// one is missing (failing it when CI is set).
func Bin(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvBin)
	if dir == "" {
		dir = DebianBin
	}
	for _, tool := range tools {
		if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
			msg := fmt.Sprintf("%s not found in %s (run scripts/install-krb5.sh, or set %s to the directory holding krb5kdc, kdb5_util and kadmin.local)", tool, dir, EnvBin)
			testproc.Unavailable(t, "krb5test", "a KDC", msg)
		}
	}
	return dir
}

// Start creates Realm with the given principals and starts krb5kdc (at most 30 s), registering a
// cleanup that stops it and logs its output when the test failed. Each principal is what follows
// kadmin's `addprinc -randkey`: a name ("alice", "HTTP/localhost", in Realm, with random keys),
// optionally preceded by its attributes. A service whose tickets Vault's kerberos auth method checks
// needs "+no_auth_data_required HTTP/localhost": since krb5 1.20 the KDC puts a PAC in every
// service ticket unless the service has that attribute, and gokrb5's service side (which Vault
// uses) refuses a PAC without Active Directory's logon information ("PAC Info Buffers does not
// contain a KerbValidationInfo").
func Start(t testing.TB, principals ...string) *KDC {
	t.Helper()
	k := &KDC{bin: Bin(t), dir: t.TempDir()}
	k.krb5Conf = filepath.Join(k.dir, "krb5.conf")
	k.kdcConf = filepath.Join(k.dir, "kdc.conf")
	var errs []string
	for attempt := 1; attempt <= 3; attempt++ {
		err := k.start(t, attempt, principals)
		if err == nil {
			t.Cleanup(func() { k.cleanup(t) })
			return k
		}
		errs = append(errs, err.Error())
	}
	t.Fatalf("krb5test: starting krb5kdc: %s", strings.Join(errs, "; "))
	return nil
}

// Addr is 127.0.0.1:PORT, where the KDC answers on TCP (and UDP).
func (k *KDC) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(k.port)) }

// Krb5Conf is the path of a krb5.conf whose default realm is Realm, with the KDC at Addr, reached
// over TCP (udp_preference_limit = 1) and never looked up in DNS.
func (k *KDC) Krb5Conf() string { return k.krb5Conf }

// Krb5ConfFor writes a krb5.conf like Krb5Conf's that names addr as Realm's KDC instead (a relay
// in front of the KDC that looks at what clients send it), and returns its path.
func (k *KDC) Krb5ConfFor(t testing.TB, addr string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "krb5.conf")
	if err := os.WriteFile(path, []byte(clientConfig(addr)), 0o600); err != nil {
		t.Fatalf("krb5test: %v", err)
	}
	return path
}

// Env is KRB5_CONFIG and KRB5_KDC_PROFILE for MIT's tools (kinit, klist, kvno) run against the KDC.
func (k *KDC) Env() []string {
	return []string{"KRB5_CONFIG=" + k.krb5Conf, "KRB5_KDC_PROFILE=" + k.kdcConf}
}

// Keytab exports principal's keys to a new keytab file and returns its path. Like kadmin's ktadd,
// it gives the principal new random keys first (the key version number goes up), so a keytab
// exported earlier for the same principal no longer matches the KDC's keys.
func (k *KDC) Keytab(t testing.TB, principal string) string {
	t.Helper()
	path := filepath.Join(k.dir, strings.NewReplacer("/", "_", "@", "_").Replace(principal)+"-"+testproc.RandomHex(4)+".keytab")
	if out, err := k.kadmin("ktadd -k "+path+" "+principal, "added to keytab"); err != nil {
		t.Fatalf("krb5test: exporting %s's keytab: %v\n%s", principal, err, out)
	}
	return path
}

// AddPrincipal adds principal (a name, optionally preceded by attributes, as in Start), with random
// keys, to the KDC's database.
func (k *KDC) AddPrincipal(t testing.TB, principal string) {
	t.Helper()
	if out, err := k.kadmin("addprinc -randkey "+principal, "created."); err != nil {
		t.Fatalf("krb5test: adding %s: %v\n%s", principal, err, out)
	}
}

// kadmin runs one kadmin.local query on the realm's database. kadmin.local exits 0 when a query
// fails (`Principal bob does not exist.`), so the output must also hold what the query says when it
// succeeds (addprinc: `Principal "alice@EXAMPLE.ORG" created.`; ktadd: `... added to keytab ...`).
func (k *KDC) kadmin(query, success string) (string, error) {
	cmd := exec.Command(filepath.Join(k.bin, "kadmin.local"), "-r", Realm, "-q", query)
	cmd.Env = k.env()
	out, err := cmd.CombinedOutput()
	if err == nil && !strings.Contains(string(out), success) {
		err = fmt.Errorf("kadmin.local -q %q did not say %q", query, success)
	}
	return string(out), err
}

// env is a clean environment for the tools: PATH, and the realm's own configuration files.
func (k *KDC) env() []string {
	return append([]string{"PATH=" + os.Getenv("PATH")}, k.Env()...)
}

// start makes one attempt on a free port: it writes the configuration for that port, creates the
// database when there is none yet, and starts krb5kdc. It fails when another process took the port
// first.
func (k *KDC) start(t testing.TB, attempt int, principals []string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	k.port = port
	k.logPath = filepath.Join(k.dir, fmt.Sprintf("kdc-%d.log", attempt))
	k.outPath = filepath.Join(k.dir, fmt.Sprintf("krb5kdc-%d.out", attempt))
	if err := os.WriteFile(k.krb5Conf, []byte(clientConfig(k.Addr())), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(k.kdcConf, []byte(k.serverConfig()), 0o600); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(k.dir, "principal")); os.IsNotExist(err) {
		// -s writes the stash file, from which krb5kdc and kadmin.local read the master key.
		cmd := exec.Command(filepath.Join(k.bin, "kdb5_util"), "-r", Realm, "create", "-s", "-P", testproc.RandomHex(16))
		cmd.Env = k.env()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("krb5test: kdb5_util create: %v\n%s", err, out)
		}
		for _, p := range principals {
			k.AddPrincipal(t, p)
		}
	}
	outf, err := os.Create(k.outPath)
	if err != nil {
		return err
	}
	defer outf.Close()
	// -n keeps krb5kdc in the foreground, as this process's child.
	cmd := exec.Command(filepath.Join(k.bin, "krb5kdc"), "-n", "-r", Realm, "-P", filepath.Join(k.dir, "krb5kdc.pid"))
	cmd.Env = k.env()
	cmd.Stdout, cmd.Stderr = outf, outf
	if k.proc, err = testproc.Start(cmd); err != nil {
		return err
	}
	switch err := k.proc.WaitDial(k.Addr(), startTimeout, 20*time.Millisecond); {
	case err == nil:
		return nil
	case errors.Is(err, testproc.ErrExited):
		return fmt.Errorf("krb5kdc exited at start:\n%s", k.log())
	}
	k.proc.Stop(syscall.SIGTERM, stopTimeout)
	return fmt.Errorf("krb5kdc not listening on %s after %s:\n%s", k.Addr(), startTimeout, k.log())
}

// clientConfig is krb5.conf for clients of the KDC at addr: MIT's tools and gokrb5
// (github.com/jcmturner/gokrb5/v8 config.Load) both read it.
func clientConfig(addr string) string {
	return fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	udp_preference_limit = 1

[realms]
	%[1]s = {
		kdc = %[2]s
	}
`, Realm, addr)
}

// serverConfig is kdc.conf: the database, its stash and the log in the temporary directory, the
// KDC on Addr only. SPAKE pre-authentication gets a group ([libdefaults], which the KDC reads from
// its profile too) so that krb5kdc does not log an error about having none; no client here uses it.
func (k *KDC) serverConfig() string {
	return fmt.Sprintf(`[libdefaults]
	spake_preauth_groups = edwards25519

[kdcdefaults]
	kdc_listen = %[2]s
	kdc_tcp_listen = %[2]s

[realms]
	%[1]s = {
		database_name = %[3]s
		key_stash_file = %[4]s
		acl_file = %[5]s
	}

[logging]
	kdc = FILE:%[6]s
`, Realm, k.Addr(), filepath.Join(k.dir, "principal"), filepath.Join(k.dir, "stash"),
		filepath.Join(k.dir, "kadm5.acl"), k.logPath)
}

// freePort is a port free on 127.0.0.1 for both TCP and UDP when asked, since krb5kdc binds both.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		l.Close()
		if err == nil {
			u.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no port free for both TCP and UDP on 127.0.0.1")
}

func (k *KDC) log() string {
	var b bytes.Buffer
	for _, p := range []string{k.outPath, k.logPath} {
		if c, err := os.ReadFile(p); err == nil {
			b.Write(bytes.TrimSpace(c))
			b.WriteByte('\n')
		}
	}
	return string(bytes.TrimSpace(b.Bytes()))
}

func (k *KDC) cleanup(t testing.TB) {
	k.proc.Stop(syscall.SIGTERM, stopTimeout)
	if t.Failed() {
		t.Logf("krb5test: krb5kdc log (%s):\n%s", k.logPath, k.log())
	}
}
