package compile

import (
	"crypto/tls"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// The golden fixtures (TestFixtures, fixtures_test.go) pin the diagnostics of every case. The tests here pin
// what the plan holds for the forms that compile cleanly: that a tolerated or HCL 1 form is not only
// accepted but read as Vault Proxy reads it.

// fixture compiles one case of fixtures/ by name, with its environment.
func fixture(t *testing.T, name string) (*Plan, hcl.Diagnostics) {
	t.Helper()
	for _, c := range fixtures.Load(t, filepath.ToSlash(filepath.Dir(name))) {
		if c.Name == name {
			srcs := make([]Source, 0, len(c.Files))
			for _, f := range c.Files {
				srcs = append(srcs, Source{Name: f.Name, Bytes: f.Data})
			}
			return Compile(srcs, Options{Env: c.LookupEnv})
		}
	}
	t.Fatalf("no fixture %s", name)
	return nil, nil
}

// clean compiles a fixture that must compile without errors.
func clean(t *testing.T, name string) *Plan {
	t.Helper()
	p, diags := fixture(t, name)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", name, diags)
	}
	return p
}

func compileString(t *testing.T, name, src string, opts Options) (*Plan, hcl.Diagnostics) {
	t.Helper()
	return Compile([]Source{{Name: name, Bytes: []byte(src)}}, opts)
}

func listenerTypes(p *Plan) []string {
	var out []string
	for _, l := range p.Listeners() {
		out = append(out, string(l.Type().Get())+" "+l.Address().Get())
	}
	return out
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestHCL1Forms(t *testing.T) {
	p := clean(t, "compile/forms/hcl1-forms")
	eq(t, "num_retries", p.Vault().NumRetries().Get(), 2)
	eq(t, "listeners", strings.Join(listenerTypes(p), ","), "tcp 127.0.0.1:8100")
	eq(t, "enable_quit", p.Listeners()[0].EnableQuit().Get(), true)
	aa, ok := p.AutoAuth()
	eq(t, "auto_auth declared", ok, true)
	m := aa.Method()
	eq(t, "method type", m.Type().Get(), "approle")
	eq(t, "method type origin", m.Type().Origin().String(), "config.hcl:10,12-21")
	eq(t, "role_id_file_path", m.Config().String("role_id_file_path").Get(), "/etc/vproxy/role-id")
	eq(t, "remove_secret_id_file_after_reading default", m.Config().Bool("remove_secret_id_file_after_reading").Get(), true)
	eq(t, "sinks", len(aa.Sinks()), 1)
	eq(t, "sink type", aa.Sinks()[0].Type().Get(), "file")
	eq(t, "sink path", aa.Sinks()[0].Path().Get(), "/run/vproxy/token")
	eq(t, "sink mode default", aa.Sinks()[0].Mode().Get(), fs.FileMode(0o640))
	c, ok := p.Cache()
	eq(t, "cache declared", ok, true)
	ps, ok := c.Persist()
	eq(t, "persist declared", ok, true)
	eq(t, "persist type", ps.Type().Get(), "kubernetes")
	eq(t, "persist path", ps.Path().Get(), "/vault/agent-cache/")
	eq(t, "persist exit_on_err default (the code's, not the docs')", ps.ExitOnErr().Get(), false)
}

func TestListenerForms(t *testing.T) {
	for name, want := range map[string]string{
		"compile/listener/type-attribute":           "tcp 127.0.0.1:8100",
		"compile/listener/type-upper-case":          "tcp 127.0.0.1:8100,unix /run/vproxy/proxy.sock",
		"compile/listener/type-label-and-attribute": "tcp 127.0.0.1:8100",
		"compile/json/listener-labelled":            "tcp 127.0.0.1:8100",
		"compile/json/listener-array-type":          "tcp 127.0.0.1:8100,unix /run/vproxy/proxy.sock",
		"compile/json/listener-object-type":         "tcp 127.0.0.1:8100",
		"compile/json/listener-array-labelled":      "tcp 127.0.0.1:8100,unix /run/vproxy/proxy.sock",
		"compile/json/listener-array-mixed":         "tcp 127.0.0.1:8100,unix /run/vproxy/proxy.sock",
		"compile/json/listener-duplicate-key":       "tcp 127.0.0.1:8100,unix /run/vproxy/proxy.sock",
		"compile/merge/listeners-add-up":            "tcp 127.0.0.1:8100,unix /run/vproxy/proxy.sock,tcp 127.0.0.1:8101",
	} {
		t.Run(name, func(t *testing.T) {
			p := clean(t, name)
			eq(t, "listeners", strings.Join(listenerTypes(p), ","), want)
			for i, l := range p.Listeners() {
				eq(t, "index", l.Index(), i)
				eq(t, "tls_disable", l.TLSDisable().Get(), true)
			}
		})
	}
}

func TestJSONConfig(t *testing.T) {
	p := clean(t, "compile/json/full-valid")
	eq(t, "pid_file", p.PidFile().Get(), "/run/vproxy/pid")
	eq(t, "address", p.Vault().Address().Get(), "https://vault.example.test:8200")
	eq(t, "num_retries", p.Vault().NumRetries().Get(), 3)
	aa, _ := p.AutoAuth()
	eq(t, "method", aa.Method().Type().Get(), "approle")
	eq(t, "secret_id_file_path", aa.Method().Config().String("secret_id_file_path").Get(), "/etc/vproxy/secret-id")
	eq(t, "sink mode (JSON 416 is 0640)", aa.Sinks()[0].Mode().Get(), fs.FileMode(0o640))
	eq(t, "use_auto_auth_token", p.APIProxy().UseAutoAuthToken().Get(), TokenModeClient)
	aa2, _ := p.AutoAuth()
	eq(t, "sink wrap_ttl", aa2.Sinks()[0].WrapTTL().Get(), 5*time.Minute)
	c, _ := p.Cache()
	ps, _ := c.Persist()
	eq(t, "persist", ps.Type().Get(), "kubernetes")

	p = clean(t, "compile/json/method-type-property")
	aa, _ = p.AutoAuth()
	eq(t, "method", aa.Method().Type().Get(), "kubernetes")
	eq(t, "token_path default", aa.Method().Config().String("token_path").Get(), "/var/run/secrets/kubernetes.io/serviceaccount/token")
	eq(t, "sink", aa.Sinks()[0].Type().Get(), "file")
	c, _ = p.Cache()
	ps, _ = c.Persist()
	eq(t, "persist", ps.Path().Get(), "/vault/agent-cache/")
}

// TestToleratedForms checks that a value written in a tolerated form is read as its canonical form.
func TestToleratedForms(t *testing.T) {
	p := clean(t, "compile/vault/tls-skip-verify-string")
	eq(t, `tls_skip_verify = "true"`, p.Vault().TLSSkipVerify().Get(), true)

	p = clean(t, "compile/retry/string-number")
	eq(t, `num_retries = "5"`, p.Vault().NumRetries().Get(), 5)

	p = clean(t, "compile/api_proxy/use-auto-auth-token-one")
	eq(t, "use_auto_auth_token = 1", p.APIProxy().UseAutoAuthToken().Get(), TokenModeAutoAuth)
	p = clean(t, "compile/api_proxy/use-auto-auth-token-string-true")
	eq(t, `use_auto_auth_token = "true"`, p.APIProxy().UseAutoAuthToken().Get(), TokenModeAutoAuth)
	p = clean(t, "cases/11-use-auto-auth-token-force-any-case")
	eq(t, `use_auto_auth_token = "Force"`, p.APIProxy().UseAutoAuthToken().Get(), TokenModeForce)

	p = clean(t, "compile/listener/tls-disable-string")
	for _, l := range p.Listeners() {
		eq(t, "tls_disable", l.TLSDisable().Get(), true)
	}

	p = clean(t, "compile/cache/refresh-interval-tolerated")
	c, _ := p.Cache()
	eq(t, `refresh_interval = "1d"`, c.StaticSecretTokenCapabilityRefreshInterval().Get(), 24*time.Hour)
	tel, _ := p.Telemetry()
	eq(t, "prometheus_retention_time = 300", tel.PrometheusRetentionTime().Get(), 5*time.Minute)

	p = clean(t, "compile/method/wrap-ttl-days")
	aa, _ := p.AutoAuth()
	eq(t, `wrap_ttl = "1d"`, aa.Method().WrapTTL().Get(), 24*time.Hour)

	p = clean(t, "compile/method/cert-reload-tolerated")
	aa, _ = p.AutoAuth()
	eq(t, `reload = "true"`, aa.Method().Config().Bool("reload").Get(), true)
	eq(t, "reload_period = 60", aa.Method().Config().Duration("reload_period").Get(), time.Minute)

	for name, want := range map[string]fs.FileMode{
		"compile/sink/mode-octal": 0o640,
		"compile/sink/valid":      0o600,
	} {
		p = clean(t, name)
		aa, _ = p.AutoAuth()
		eq(t, name+" mode", aa.Sinks()[0].Mode().Get(), want)
	}

	p = clean(t, "cases/22-unix-socket-mode-only")
	eq(t, `socket_mode = "0660"`, p.Listeners()[0].SocketMode().Get(), fs.FileMode(0o660))
	eq(t, "socket_mode set", p.Listeners()[0].SocketMode().IsSet(), true)

	p = clean(t, "compile/top/log-level-upper")
	eq(t, `log_level = "DEBUG"`, p.LogLevel().Get(), "debug")
	p = clean(t, "compile/top/pid-file-number")
	eq(t, "pid_file = 1234", p.PidFile().Get(), "1234")
}

func TestMethodConfigs(t *testing.T) {
	p := clean(t, "compile/method/token-file-mount-path")
	aa, _ := p.AutoAuth()
	eq(t, "token_file mount_path", aa.Method().MountPath().Get(), "auth/token")

	p = clean(t, "compile/method/approle-valid")
	aa, _ = p.AutoAuth()
	m := aa.Method()
	eq(t, "mount_path (trailing slash trimmed)", m.MountPath().Get(), "auth/approle-prod")
	eq(t, "namespace", m.Namespace().Get(), "org-a/")
	eq(t, "min_backoff", m.MinBackoff().Get(), 2*time.Second)
	eq(t, "remove_secret_id_file_after_reading", m.Config().Bool("remove_secret_id_file_after_reading").Get(), false)

	p = clean(t, "compile/method/jwt-valid")
	aa, _ = p.AutoAuth()
	eq(t, "jwt_read_period", aa.Method().Config().Duration("jwt_read_period").Get(), 30*time.Second)
	eq(t, "jwt mount default", aa.Method().MountPath().Get(), "auth/jwt")

	p = clean(t, "compile/method/aws-valid")
	aa, _ = p.AutoAuth()
	cfg := aa.Method().Config()
	eq(t, "aws credential_poll_interval kind", cfg.Kind("credential_poll_interval"), "number")
	eq(t, "aws credential_poll_interval", cfg.Int("credential_poll_interval").Get(), 30)
	eq(t, "aws region", cfg.String("region").Get(), "eu-west-1")
	eq(t, "aws secret_key sensitive", aa.Method().ConfigSensitive("secret_key"), true)
	eq(t, "aws access_key not sensitive", aa.Method().ConfigSensitive("access_key"), false)

	p = clean(t, "compile/method/oci-valid")
	aa, _ = p.AutoAuth()
	eq(t, "oci credential_poll_interval", aa.Method().Config().Duration("credential_poll_interval").Get(), 5*time.Minute)
	eq(t, "oci login path ends with the role", aa.Method().LoginPath(), "auth/oci/login/app")

	p = clean(t, "compile/method/ldap-valid")
	aa, _ = p.AutoAuth()
	eq(t, "ldap login path ends with the username", aa.Method().LoginPath(), "auth/ldap/login/app")

	p = clean(t, "compile/method/alicloud-valid")
	aa, _ = p.AutoAuth()
	eq(t, "alicloud default poll interval not applied when set", aa.Method().Config().Int("credential_poll_interval").Get(), 120)
	eq(t, "alicloud empty role kept", aa.Method().Config().String("role").Get(), "")

	p = clean(t, "compile/method/label-case")
	aa, _ = p.AutoAuth()
	eq(t, `method "AppRole"`, aa.Method().Type().Get(), "approle")
	eq(t, `mount_path of method "AppRole"`, aa.Method().MountPath().Get(), "auth/approle")
	eq(t, `sink "File"`, aa.Sinks()[0].Type().Get(), "file")

	p = clean(t, "compile/method/config-block")
	aa, _ = p.AutoAuth()
	eq(t, "config { } block", aa.Method().Config().String("role_id_file_path").Get(), "/etc/vproxy/role-id")
}

func TestMerge(t *testing.T) {
	p := clean(t, "compile/merge/block-replaced")
	eq(t, "vault address from the later file", p.Vault().Address().Get(), "https://vault2.example.test:8200")
	eq(t, "namespace of the replaced block is not kept", p.Vault().Namespace().Get(), "")
	eq(t, "address origin", p.Vault().Address().Origin().Range().Filename, "b.hcl")

	p = clean(t, "compile/merge/every-block-replaced")
	eq(t, "api_proxy replaced", p.APIProxy().UseAutoAuthToken().Get(), TokenModeClient)
	aa, _ := p.AutoAuth()
	eq(t, "auto_auth replaced", aa.Method().Type().Get(), "kubernetes")
	tel, _ := p.Telemetry()
	eq(t, "telemetry replaced", tel.DisableHostname().Get(), false)

	p = clean(t, "compile/merge/attribute-replaced")
	eq(t, "log_level from the later file", p.LogLevel().Get(), "warn")

	p = clean(t, "compile/merge/exit-after-auth-ored")
	eq(t, "exit_after_auth ORed", p.ExitAfterAuth().Get(), true)
	eq(t, "files in merge order", strings.Join(p.Files(), ","), "a.hcl,b.hcl")
}

func TestEnvOverrides(t *testing.T) {
	p := clean(t, "compile/env/vault-addr-overrides")
	eq(t, "address", p.Vault().Address().Get(), "http://vault.example.test:8200")
	eq(t, "address origin", p.Vault().Address().Origin().String(), "env VAULT_ADDR")

	p = clean(t, "compile/env/log-level-upper")
	eq(t, "log level", p.LogLevel().Get(), "debug")
	eq(t, "log level origin", p.LogLevel().Origin().String(), "env VAULT_LOG_LEVEL")

	// A value that Vault Proxy fails on is an error; the plan keeps the configuration's value.
	p, diags := fixture(t, "compile/env/skip-verify-bad")
	eq(t, "a bad VAULT_SKIP_VERIFY is an error", diags.HasErrors(), true)
	eq(t, "a bad VAULT_SKIP_VERIFY is not applied", p.Vault().TLSSkipVerify().Get(), false)
	eq(t, "origin", p.Vault().TLSSkipVerify().IsSet(), false)

	p, diags = fixture(t, "compile/env/max-retries-bad")
	eq(t, "a bad VAULT_MAX_RETRIES is an error", diags.HasErrors(), true)
	eq(t, "a bad VAULT_MAX_RETRIES is not applied", p.Vault().NumRetries().Get(), 12)

	p = clean(t, "compile/env/disable-idle-valid")
	eq(t, "disable_idle_connections from the environment", strings.Join(p.DisableIdleConnections().Get(), ","), "auto-auth,proxying")
	eq(t, "origin", p.DisableIdleConnections().Origin().String(), "env VAULT_PROXY_DISABLE_IDLE_CONNECTIONS")

	p = clean(t, "compile/env/aad-env-var-set")
	aa, _ := p.AutoAuth()
	eq(t, "aad from aad_env_var", aa.Sinks()[0].AAD().Get(), "app-1")
	eq(t, "aad origin", aa.Sinks()[0].AAD().Origin().String(), "env VPROXY_AAD")

	// An empty variable counts as unset, as in Vault Proxy.
	p, diags = compileString(t, "c.hcl", `vault { address = "https://vault.example.test:8200" }`,
		Options{Env: func(string) (string, bool) { return "", true }})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	eq(t, "empty VAULT_ADDR", p.Vault().Address().Get(), "https://vault.example.test:8200")

	// Flags win over the environment, which wins over the file.
	p, _ = compileString(t, "c.hcl", `vault { address = "https://file.example.test:8200" }`, Options{
		Env: func(n string) (string, bool) {
			return map[string]string{"VAULT_ADDR": "https://env.example.test:8200"}[n], n == "VAULT_ADDR"
		},
		Flags: map[string]string{"address": "https://flag.example.test:8200"},
	})
	eq(t, "flag over env", p.Vault().Address().Get(), "https://flag.example.test:8200")
	eq(t, "flag origin", p.Vault().Address().Origin().String(), "flag -address")
}

func TestDefaults(t *testing.T) {
	p, diags := compileString(t, "c.hcl", `listener "tcp" {}`, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	eq(t, "vault declared", p.Vault().Declared(), false)
	eq(t, "address", p.Vault().Address().Get(), "https://127.0.0.1:8200")
	eq(t, "num_retries", p.Vault().NumRetries().Get(), 12)
	eq(t, "api_proxy declared", p.APIProxy().Declared(), false)
	eq(t, "use_auto_auth_token", p.APIProxy().UseAutoAuthToken().Get(), TokenModeClient)
	eq(t, "enforce_consistency", p.APIProxy().EnforceConsistency().Get(), ConsistencyNever)
	eq(t, "when_inconsistent", p.APIProxy().WhenInconsistent().Get(), WhenInconsistentFail)
	l := p.Listeners()[0]
	eq(t, "listener address", l.Address().Get(), "127.0.0.1:8200")
	eq(t, "tls_disable (TLS is on by default)", l.TLSDisable().Get(), false)
	eq(t, "tls_min_version", l.TLSMinVersion().Get(), TLSVersion(tls.VersionTLS12))
	eq(t, "tls_min_version name", l.TLSMinVersion().Get().String(), "tls12")
	eq(t, "role", l.Role().Get(), RoleDefault)
	eq(t, "log_level", p.LogLevel().Get(), "info")
	eq(t, "log_rotate_duration", p.LogRotateDuration().Get(), 24*time.Hour)
	if _, ok := p.Cache(); ok {
		t.Error("no cache was written, but the plan has one")
	}
	if _, ok := p.AutoAuth(); ok {
		t.Error("no auto_auth was written, but the plan has one")
	}

	for n, want := range map[string]int{"0": 12, "-1": 0, "3": 3} {
		p, diags = compileString(t, "c.hcl", "vault {\n  retry {\n    num_retries = "+n+"\n  }\n}\n", Options{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		eq(t, "num_retries = "+n, p.Vault().NumRetries().Get(), want)
	}
}

// TestPlanImmutable checks that what the accessors return cannot change the plan.
func TestPlanImmutable(t *testing.T) {
	p := clean(t, "compile/merge/listeners-add-up")
	ls := p.Listeners()
	ls[0] = ls[1]
	eq(t, "first listener", string(p.Listeners()[0].Type().Get()), "tcp")
	files := p.Files()
	files[0] = "x"
	eq(t, "first file", p.Files()[0], "a.hcl")
	p = clean(t, "compile/listener/tcp-valid")
	suites := p.Listeners()[0].TLSCipherSuites().Get()
	suites[0] = 0
	eq(t, "cipher suite", p.Listeners()[0].TLSCipherSuites().Get()[0], tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	p = clean(t, "compile/top/valid")
	list := p.DisableIdleConnections().Get()
	list[0] = "x"
	eq(t, "disable_idle_connections", p.DisableIdleConnections().Get()[0], "auto-auth")
}

// TestReadSources checks how -config paths are read: a directory gives its *.hcl and *.json files,
// sorted, as Vault Proxy picks them: the extension is case-sensitive (c.HCL is skipped), editor
// backups and subdirectories are skipped, other hidden files are read; "-" reads standard input. A
// test file of `vaultproxy test` (e.vptest.hcl) is not configuration in a directory, but is read
// when named on its own.
func TestReadSources(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.hcl", "a.json", "c.HCL", "x.hcl~", ".#x.hcl", "#x.hcl#", ".hidden.hcl", "notes.txt", "sub/d.hcl", "e.vptest.hcl"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("# "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srcs, diags := ReadSources([]string{dir, "-", filepath.Join(dir, "e.vptest.hcl")}, strings.NewReader(`listener "tcp" {}`))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if last := srcs[len(srcs)-1]; last.Name != filepath.Join(dir, "e.vptest.hcl") {
		t.Errorf("a test file named on its own is not read: the last source is %s", last.Name)
	}
	srcs = srcs[:len(srcs)-1]
	var names []string
	for _, s := range srcs {
		names = append(names, strings.TrimPrefix(filepath.ToSlash(s.Name), filepath.ToSlash(dir)+"/"))
	}
	want := []string{".hidden.hcl", "a.json", "b.hcl", StdinName}
	if !slices.Equal(names, want) {
		t.Errorf("read %q, want %q", names, want)
	}
	if got := string(srcs[len(srcs)-1].Bytes); got != `listener "tcp" {}` {
		t.Errorf("stdin = %q", got)
	}

	_, diags = ReadSources([]string{filepath.Join(dir, "missing.hcl"), filepath.Join(dir, "sub")}, nil)
	if len(diags) != 1 || diags[0].Summary != "Cannot read configuration" || diags[0].Subject != nil {
		t.Errorf("a missing file: %v", diags)
	}
	empty := t.TempDir()
	_, diags = ReadSources([]string{empty, "-"}, nil)
	if len(diags) != 2 || diags[0].Summary != "No configuration files" || diags[1].Summary != "Cannot read standard input" {
		t.Errorf("an empty directory and no stdin: %v", diags)
	}
}

// TestMergeSameDirectory checks the merge warnings for files of one directory: Vault Proxy reads a
// directory in file-system order, so which of two files that both declare a single block (or set the
// same top-level argument) wins is not defined there; vaultproxy sorts, and says so. Files named on
// their own keep the plain warning.
func TestMergeSameDirectory(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.hcl": "vault {\n  address = \"https://a.example.test:8200\"\n}\nlog_level = \"warn\"\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n",
		"b.hcl": "vault {\n  address = \"https://b.example.test:8200\"\n}\nlog_level = \"error\"\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srcs, diags := ReadSources([]string{dir}, nil)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	for _, s := range srcs {
		if s.Dir != dir {
			t.Errorf("%s: Dir = %q, want %q", s.Name, s.Dir, dir)
		}
	}
	p, diags := Compile(srcs, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	eq(t, "the later file by name wins", p.Vault().Address().Get(), "https://b.example.test:8200")
	note := "Both files are in the directory " + dir + ", which Vault Proxy reads in file-system order"
	for _, summary := range []string{"vault block replaced", "Argument set in several files"} {
		found := false
		for _, d := range diags {
			if d.Summary == summary {
				found = true
				if !strings.Contains(d.Detail, note) || !strings.Contains(d.Detail, "not defined") {
					t.Errorf("%s: the detail does not say that the winner is not defined in Vault Proxy: %s", summary, d.Detail)
				}
			}
		}
		if !found {
			t.Errorf("no %q warning: %v", summary, diags)
		}
	}

	// The same files named one by one: Vault Proxy merges them in the order given.
	srcs, diags = ReadSources([]string{filepath.Join(dir, "a.hcl"), filepath.Join(dir, "b.hcl")}, nil)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	_, diags = Compile(srcs, Options{})
	for _, d := range diags {
		if strings.Contains(d.Detail, "file-system order") {
			t.Errorf("files named on their own: %s: %s", d.Summary, d.Detail)
		}
	}
}

// TestValuesAsVaultReadsThem checks the values of the cases whose values Vault Proxy reads in a way
// HCL 2 alone would not (each checked against Vault Proxy 1.21's dumped configuration): HCL 1's octal
// and base-prefixed numbers, parseutil's truncated seconds and weakly decoded booleans, a negative
// retry count, and "" or a JSON null, read as unset.
func TestValuesAsVaultReadsThem(t *testing.T) {
	method := func(p *Plan) Method {
		t.Helper()
		aa, ok := p.AutoAuth()
		if !ok {
			t.Fatal("no auto_auth")
		}
		return aa.Method()
	}

	eq(t, "num_retries = 010", clean(t, "compile/retry/octal").Vault().NumRetries().Get(), 8)
	eq(t, `num_retries = "0x10"`, clean(t, "compile/retry/string-base-prefix").Vault().NumRetries().Get(), 16)
	eq(t, "num_retries = -2", clean(t, "compile/retry/below-minus-one").Vault().NumRetries().Get(), 0)

	m := method(clean(t, "compile/method/min-backoff-fraction"))
	eq(t, "min_backoff = 1.5", m.MinBackoff().Get(), time.Second)
	m = method(clean(t, "compile/method/min-backoff-empty"))
	eq(t, `min_backoff = ""`, m.MinBackoff().Get(), time.Second)
	eq(t, `min_backoff = "" origin`, m.MinBackoff().Origin().String(), "config.hcl:3,5-21")
	eq(t, "max_backoff default", m.MaxBackoff().Get(), 5*time.Minute)

	ls := clean(t, "compile/listener/tls-disable-number").Listeners()
	for i, want := range []bool{true, true, true, false} {
		eq(t, fmt.Sprintf("listener %d tls_disable", i), ls[i].TLSDisable().Get(), want)
	}

	p := clean(t, "compile/json/null-values")
	eq(t, "log_level null", p.LogLevel().Get(), "info")
	eq(t, "log_level null origin", p.LogLevel().Origin().String(), "default")
	eq(t, "pid_file null", p.PidFile().Get(), "")
	eq(t, "vault address null", p.Vault().Address().Get(), "https://127.0.0.1:8200")
	eq(t, "tls_skip_verify null", p.Vault().TLSSkipVerify().Get(), false)
	eq(t, "use_auto_auth_token null", p.APIProxy().UseAutoAuthToken().Get(), TokenModeClient)
	eq(t, "role null", p.Listeners()[0].Role().Get(), RoleDefault)
	eq(t, "min_backoff null", method(p).MinBackoff().Get(), time.Second)

	p = clean(t, "compile/json/template-literal")
	eq(t, "JSON string with template markers", p.PidFile().Get(), "/run/vproxy${a}$${b}%{c}%%{d}.pid")

	p = clean(t, "compile/top/empty-strings")
	eq(t, `log_level = ""`, p.LogLevel().Get(), "info")
	eq(t, `log_format = ""`, p.LogFormat().Get(), "standard")
	eq(t, `address = ""`, p.Vault().Address().Get(), "https://127.0.0.1:8200")
	eq(t, `role = ""`, p.Listeners()[0].Role().Get(), RoleDefault)
	eq(t, `tls_min_version = ""`, p.Listeners()[0].TLSMinVersion().Get().String(), "tls12")
	eq(t, `socket_mode = "" origin`, p.Listeners()[1].SocketMode().Origin().String(), "default")
}

// TestClientEnvironment checks that the environment variables of Vault Proxy's Vault client are parsed
// as vault/api parses them: a value it fails on is an error naming the variable, without a range.
func TestClientEnvironment(t *testing.T) {
	for env, bad := range map[string]bool{
		"VAULT_MAX_RETRIES=0":            false,
		"VAULT_MAX_RETRIES=4294967295":   false,
		"VAULT_MAX_RETRIES=4294967296":   true,
		"VAULT_MAX_RETRIES=garbage":      true,
		"VAULT_SKIP_VERIFY=T":            false,
		"VAULT_SKIP_VERIFY=garbage":      true,
		"VAULT_CLIENT_TIMEOUT=60":        false,
		"VAULT_CLIENT_TIMEOUT=-5":        false,
		"VAULT_CLIENT_TIMEOUT=1h30m":     false,
		"VAULT_CLIENT_TIMEOUT=2d":        false,
		"VAULT_CLIENT_TIMEOUT=1.5":       true,
		"VAULT_CLIENT_TIMEOUT=garbage":   true,
		"VAULT_RATE_LIMIT=10":            false,
		"VAULT_RATE_LIMIT=2.5:10":        false,
		"VAULT_RATE_LIMIT=garbage":       true,
		"VAULT_SRV_LOOKUP=true":          false,
		"VAULT_SRV_LOOKUP=garbage":       true,
		"VAULT_DISABLE_REDIRECTS=0":      false,
		"VAULT_DISABLE_REDIRECTS=never":  true,
		"VAULT_HTTP_PROXY=:bad":          true,
		"VAULT_AGENT_ADDR=http://%zz":    true,
		`VAULT_HEADERS={"X-Team": "a"}`:  false,
		`VAULT_HEADERS={"X-Team": 1}`:    true,
		`VAULT_HEADERS=[]`:               true,
		"VAULT_CLIENT_KEY=/etc/key.pem":  true,
		"VAULT_CACERT_BYTES=-----BEGIN-": true,
	} {
		name, value, _ := strings.Cut(env, "=")
		_, diags := compileString(t, "config.hcl", "listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n",
			Options{Env: func(k string) (string, bool) {
				if k == name {
					return value, true
				}
				return "", false
			}})
		var errs []string
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				errs = append(errs, d.Detail)
				if d.Subject != nil || !strings.HasPrefix(d.Detail, name) {
					t.Errorf("%s: the error should name the variable first and have no range: %v", env, d)
				}
			}
		}
		if got := len(errs) > 0; got != bad {
			t.Errorf("%s: error %v, want %v: %q", env, got, bad, errs)
		}
	}
}
