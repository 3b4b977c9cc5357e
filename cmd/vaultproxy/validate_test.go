package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"golang.org/x/sys/unix"
)

// validateRun is one run of the command line: its exit code and what it wrote.
type validateRun struct {
	code        int
	stdout      string
	stderr      string
	args, stdin string
}

// runValidate runs `vaultproxy <args>` with stdin and an environment made of env only.
func runValidate(t *testing.T, stdin string, env map[string]string, args ...string) validateRun {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &stdio{in: strings.NewReader(stdin), out: &out, err: &errb}, mapEnv(env))
	return validateRun{code: code, stdout: out.String(), stderr: errb.String(), args: strings.Join(args, " "), stdin: stdin}
}

func mapEnv(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func (r validateRun) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Errorf("vaultproxy %s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.args, r.code, code, r.stdout, r.stderr)
	}
}

// writeFiles writes name → content into dir (creating subdirectories) and returns dir.
func writeFiles(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	validConfig = `listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}
`
	warningConfig = `vault {
  address         = "https://vault.example.test:8200"
  tls_skip_verify = true
}

listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}
`
	errorConfig = `listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disabel = true
}
`
)

func TestValidateExitCodes(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"valid.hcl": validConfig, "warning.hcl": warningConfig, "error.hcl": errorConfig,
	})
	at := func(name string) string { return filepath.Join(dir, name) }

	r := runValidate(t, "", nil, "validate", at("valid.hcl"))
	r.wantCode(t, exitOK)
	if r.stdout != "Success! The configuration is valid.\n\n" || r.stderr != "" {
		t.Errorf("valid: stdout %q, stderr %q", r.stdout, r.stderr)
	}

	// Warnings go to stdout and leave the exit code 0.
	r = runValidate(t, "", nil, "validate", at("warning.hcl"))
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "Warning: Vault's certificate is not verified") ||
		!strings.HasSuffix(r.stdout, "Success! The configuration is valid, but there were some validation warnings\nas shown above.\n\n") ||
		r.stderr != "" {
		t.Errorf("warnings: stdout %q, stderr %q", r.stdout, r.stderr)
	}

	// Errors go to stderr, with the source line and the suggestion; no success line.
	r = runValidate(t, "", nil, "validate", at("error.hcl"))
	r.wantCode(t, exitError)
	for _, want := range []string{"Error: Unsupported argument", "on " + at("error.hcl") + " line 3", `tls_disabel = true`, "Did you mean\n\"tls_disable\"?"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("errors: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("errors: stdout %q, want nothing", r.stdout)
	}

	// A path that cannot be read is an error too.
	r = runValidate(t, "", nil, "validate", at("missing.hcl"))
	r.wantCode(t, exitError)
	if !strings.Contains(r.stderr, "Error: Cannot read configuration") {
		t.Errorf("missing file: stderr %q", r.stderr)
	}

	// Usage errors: no configuration, an unknown flag, a bad boolean flag, an unknown command.
	for _, args := range [][]string{
		{"validate"},
		{"validate", "-bogus", at("valid.hcl")},
		{"validate", "-tls-skip-verify=perhaps", at("valid.hcl")},
		{"valdate", at("valid.hcl")},
		{},
	} {
		r := runValidate(t, "", nil, args...)
		r.wantCode(t, exitUsage)
		if r.stdout != "" && len(args) > 0 {
			t.Errorf("vaultproxy %s: usage error on stdout: %q", r.args, r.stdout)
		}
	}
	r = runValidate(t, "", nil, "validate", "-h")
	if r.code != exitUsage && r.code != exitOK {
		t.Errorf("validate -h: exit code %d", r.code)
	}
	if !strings.Contains(r.stderr, "Usage: vaultproxy validate") {
		t.Errorf("validate -h: stderr %q", r.stderr)
	}
}

// TestValidateJSON checks the -json document against a golden (fixtures/cli/validate-json.txtar) and
// its invariants on every case: valid is false exactly when there is an error, the counts match, and
// the exit code follows valid.
func TestValidateJSON(t *testing.T) {
	c := fixtures.Load(t, "cli")[0]
	t.Chdir(t.TempDir())
	var args []string
	for _, f := range c.Files {
		writeFiles(t, ".", map[string]string{f.Name: string(f.Data)})
		args = append(args, f.Name)
	}
	r := runValidate(t, "", c.Env, append([]string{"validate", "-json"}, args...)...)
	r.wantCode(t, exitError)
	if r.stderr != "" {
		t.Errorf("-json wrote to stderr: %q", r.stderr)
	}
	c.Check(t, "validate.json", []byte(r.stdout))

	// An empty document for a valid configuration, and -json may come after the paths.
	writeFiles(t, ".", map[string]string{"valid.hcl": validConfig})
	r = runValidate(t, "", nil, "validate", "valid.hcl", "-json")
	r.wantCode(t, exitOK)
	var doc view.ValidateOutput
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if !doc.Valid || doc.ErrorCount != 0 || doc.WarningCount != 0 || doc.Diagnostics == nil || len(doc.Diagnostics) != 0 ||
		!strings.Contains(r.stdout, `"diagnostics": []`) {
		t.Errorf("valid configuration: %s", r.stdout)
	}
}

// TestValidateDirectory checks that a directory contributes the files Vault Proxy's LoadConfigDir
// reads, in name order: *.hcl and *.json, case-sensitively, hidden ones too, but not editor backups,
// other extensions or subdirectories. The content decides the syntax, not the name.
func TestValidateDirectory(t *testing.T) {
	broken := "this is { not HCL\n"
	dir := writeFiles(t, t.TempDir(), map[string]string{
		// Each file sets log_level, so the merge warnings say in which order they were read.
		".hidden.hcl": "log_level = \"trace\"\n",
		"a.json":      `{"log_level": "debug"}`,
		"b.hcl":       "log_level = \"warn\"\n" + validConfig,
		"c.hcl":       "log_level = \"error\"\n",
		"d.json":      "log_level = \"info\"\n", // native syntax in a .json file: read as HCL, as Vault Proxy does
		"E.HCL":       broken,
		"f.Json":      broken,
		"x.hcl~":      broken,
		".#x.hcl":     broken,
		"#x.hcl#":     broken,
		"notes.txt":   broken,
		"x.hcl.bak":   broken,
		"sub/d.hcl":   broken,
	})
	r := runValidate(t, "", nil, "validate", "-json", dir)
	r.wantCode(t, exitOK)
	var doc view.ValidateOutput
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range doc.Diagnostics {
		got = append(got, d.Summary+" in "+filepath.Base(d.Range.Filename)+": "+d.Detail[:strings.Index(d.Detail, ";")])
	}
	want := []string{
		"Argument set in several files in a.json: log_level was already set at " + filepath.Join(dir, ".hidden.hcl") + ":1,1-10",
		"Argument set in several files in b.hcl: log_level was already set at " + filepath.Join(dir, "a.json") + ":1,2-13",
		"Argument set in several files in c.hcl: log_level was already set at " + filepath.Join(dir, "b.hcl") + ":1,1-10",
		"Argument set in several files in d.json: log_level was already set at " + filepath.Join(dir, "c.hcl") + ":1,1-10",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A directory without configuration files is an error.
	empty := writeFiles(t, t.TempDir(), map[string]string{"x.hcl~": broken})
	r = runValidate(t, "", nil, "validate", empty)
	r.wantCode(t, exitError)
	if !strings.Contains(r.stderr, "No configuration files") {
		t.Errorf("empty directory: %s", r.stderr)
	}
}

// TestValidatePaths checks "-" for standard input, repeated -config flags and positional paths, merged
// in the order given.
func TestValidatePaths(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"listener.hcl": validConfig,
		"cache.hcl":    "cache {}\n",
		"error.hcl":    errorConfig,
	})
	at := func(name string) string { return filepath.Join(dir, name) }

	r := runValidate(t, validConfig, nil, "validate", "-")
	r.wantCode(t, exitOK)
	// The content decides the syntax, as in Vault Proxy: JSON on standard input is read as JSON.
	r = runValidate(t, `{"listener": {"tcp": {"address": "127.0.0.1:8100", "tls_disable": true}}}`, nil, "validate", "-")
	r.wantCode(t, exitOK)
	r = runValidate(t, errorConfig, nil, "validate", "-")
	r.wantCode(t, exitError)
	if !strings.Contains(r.stderr, "on <stdin> line 3") {
		t.Errorf("stdin: diagnostics should name <stdin>:\n%s", r.stderr)
	}

	// cache alone needs a listener; with the listener file given by -config too, it is valid.
	r = runValidate(t, "", nil, "validate", "-config="+at("cache.hcl"))
	r.wantCode(t, exitError)
	r = runValidate(t, "", nil, "validate", "-config="+at("cache.hcl"), "-config", at("listener.hcl"))
	r.wantCode(t, exitOK)
	r = runValidate(t, "", nil, "validate", "-config="+at("cache.hcl"), at("listener.hcl"))
	r.wantCode(t, exitOK)
	r = runValidate(t, validConfig, nil, "validate", "-config="+at("cache.hcl"), "-")
	r.wantCode(t, exitOK)

	// Errors in several files are all reported, in the order the files were given.
	r = runValidate(t, errorConfig, nil, "validate", "-json", "-config="+at("error.hcl"), "-")
	r.wantCode(t, exitError)
	var doc view.ValidateOutput
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, d := range doc.Diagnostics {
		files = append(files, d.Range.Filename)
	}
	want := []string{at("error.hcl"), "<stdin>"} // sorted by file name: '/' < '<'
	if strings.Join(files, ",") != strings.Join(want, ",") {
		t.Errorf("diagnostics in %q, want %q", files, want)
	}
}

// TestValidateNoColor checks the colour policy on a real terminal: colour by default, none with
// -no-color or NO_COLOR. Without a terminal there is never colour.
func TestValidateNoColor(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"error.hcl": errorConfig, "warning.hcl": warningConfig})
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		color bool
	}{
		{"default", nil, nil, true},
		{"-no-color", []string{"-no-color"}, nil, false},
		{"NO_COLOR", nil, map[string]string{"NO_COLOR": "1"}, false},
		{"empty NO_COLOR", nil, map[string]string{"NO_COLOR": ""}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, file := range []string{"error.hcl", "warning.hcl"} {
				args := append(append([]string{"validate"}, tc.args...), filepath.Join(dir, file))
				out := runOnTerminal(t, tc.env, args...)
				if got := strings.Contains(out, "\x1b["); got != tc.color {
					t.Errorf("%s: escape codes written: %v, want %v:\n%q", file, got, tc.color, out)
				}
				if !strings.Contains(out, "Error") && !strings.Contains(out, "Warning") {
					t.Errorf("%s: no diagnostic written: %q", file, out)
				}
			}
			// Without a terminal: never.
			r := runValidate(t, "", tc.env, append(append([]string{"validate"}, tc.args...), filepath.Join(dir, "error.hcl"))...)
			if strings.Contains(r.stdout+r.stderr, "\x1b[") {
				t.Errorf("escape codes written to a buffer: %q", r.stderr)
			}
		})
	}
}

// runOnTerminal runs the command line with stdout and stderr on a pseudo-terminal and returns what
// they wrote. It skips the test where no pseudo-terminal can be opened.
func runOnTerminal(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminals are opened the Linux way")
	}
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("naming the pseudo-terminal: %v", err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	read := make(chan string)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends with EIO once the terminal side is closed
		read <- string(b)
	}()
	run(args, &stdio{in: strings.NewReader(""), out: tty, err: tty}, mapEnv(env))
	tty.Close()
	return <-read
}

// TestFixturesThroughCLI runs every golden case of fixtures/ through the CLI's own loadPaths (the
// TestFixtures of packages compile and validate compile them directly) and checks it prints the same diagnostics,
// and that `validate` exits 1 exactly when a case has an error.
func TestFixturesThroughCLI(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, dir := range []string{"cases", "compile", "validate", "planfile"} {
		for _, c := range fixtures.Load(t, dir) {
			t.Run(c.Name, func(t *testing.T) {
				caseDir := filepath.FromSlash(c.Name)
				var paths []string
				for _, f := range c.Files {
					writeFiles(t, caseDir, map[string]string{f.Name: string(f.Data)})
					paths = append(paths, filepath.Join(caseDir, f.Name))
				}
				l := loadPaths(paths, strings.NewReader(""), nil, c.LookupEnv) // a plan file alone is read as one
				var lines []string
				for _, d := range l.diags {
					// The golden names files as the archive does: config.hcl, not <case dir>/config.hcl.
					lines = append(lines, strings.ReplaceAll(fixtures.DiagnosticLine(d), caseDir+string(filepath.Separator), ""))
				}
				want, _ := c.Want("diagnostics")
				if got := string(fixtures.Lines(lines)); got != string(want) {
					t.Errorf("loadFrom differs from the golden want/diagnostics:\ngot:\n%swant:\n%s", got, want)
				}
				r := runValidate(t, "", c.Env, append([]string{"validate"}, paths...)...)
				wantCode := exitOK
				if strings.HasPrefix(string(want), "error ") || strings.Contains(string(want), "\nerror ") {
					wantCode = exitError
				}
				r.wantCode(t, wantCode)
			})
		}
	}
}
