package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	fmtUgly = "listener \"tcp\" {\naddress = \"127.0.0.1:8100\"\n    tls_disable=true\n}\n"
	fmtNeat = "listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"
	// JSON syntax is left alone, however it is laid out.
	fmtJSON = "{\"pid_file\":   \"/run/p\"}"
	// Does not parse: left untouched, its diagnostic printed.
	fmtBroken = "listener \"tcp\" {\n  address = \"x\"\n"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFmtWrite: by default fmt rewrites the files to change in place and lists them; formatted,
// JSON and unparsable files keep their bytes, the last with its diagnostic and exit code 1.
func TestFmtWrite(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"a.hcl": fmtUgly, "b.hcl": fmtNeat, "c.json": fmtJSON, "d.hcl": fmtBroken, "notes.txt": fmtUgly,
		"sub/e.hcl": fmtUgly,
	})
	if err := os.Chmod(filepath.Join(dir, "a.hcl"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runValidate(t, "", nil, "fmt", dir)
	r.wantCode(t, exitError)
	if want := filepath.Join(dir, "a.hcl") + "\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	if !strings.Contains(r.stderr, "Error: Unclosed configuration block") || !strings.Contains(r.stderr, filepath.Join(dir, "d.hcl")) {
		t.Errorf("stderr lacks d.hcl's diagnostic:\n%s", r.stderr)
	}
	for name, want := range map[string]string{
		"a.hcl": fmtNeat, "b.hcl": fmtNeat, "c.json": fmtJSON, "d.hcl": fmtBroken, "notes.txt": fmtUgly, "sub/e.hcl": fmtUgly,
	} {
		if got := readFile(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s is now %q, want %q", name, got, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "a.hcl")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a.hcl's mode: %v %v, want 0600 kept", fi.Mode(), err)
	}

	// Once formatted, a second run changes nothing and lists nothing; -recursive takes sub/ too.
	os.Remove(filepath.Join(dir, "d.hcl"))
	r = runValidate(t, "", nil, "fmt", "-recursive", dir)
	r.wantCode(t, exitOK)
	if want := filepath.Join(dir, "sub", "e.hcl") + "\n"; r.stdout != want || r.stderr != "" {
		t.Errorf("-recursive: stdout %q, stderr %q; want %q", r.stdout, r.stderr, want)
	}
	r = runValidate(t, "", nil, "fmt", "-recursive", dir)
	r.wantCode(t, exitOK)
	if r.stdout != "" {
		t.Errorf("second run listed %q", r.stdout)
	}
}

// TestFmtCheck: -check writes nothing and exits 3 when a file would change, listing it unless
// -list=false; 0 when every file is formatted; 1 when one does not parse.
func TestFmtCheck(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"a.hcl": fmtUgly, "b.hcl": fmtNeat})
	a := filepath.Join(dir, "a.hcl")
	tests := []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"-check", dir}, exitFmtCheck, a + "\n"},
		{[]string{"-check", "-list=false", dir}, exitFmtCheck, ""},
		{[]string{"-check", filepath.Join(dir, "b.hcl")}, exitOK, ""},
		{[]string{"-check", "-diff", "-list=false", a}, exitFmtCheck, "--- old/" + filepath.ToSlash(a) + "\n"},
	}
	for _, tt := range tests {
		r := runValidate(t, "", nil, append([]string{"fmt"}, tt.args...)...)
		r.wantCode(t, tt.code)
		if !strings.HasPrefix(r.stdout, tt.stdout) || (tt.stdout == "" && r.stdout != "") {
			t.Errorf("%s: stdout %q, want it to start with %q", r.args, r.stdout, tt.stdout)
		}
		if got := readFile(t, a); got != fmtUgly {
			t.Fatalf("%s wrote a.hcl: %q", r.args, got)
		}
	}
	writeFiles(t, dir, map[string]string{"c.hcl": fmtBroken})
	r := runValidate(t, "", nil, "fmt", "-check", dir)
	r.wantCode(t, exitError)
}

// TestFmtDiff: -diff prints a unified diff with terraform fmt's old/ and new/ labels, after the
// file's name (-list); -write=false leaves the file as it was.
func TestFmtDiff(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"a.hcl": "pid_file=\"p\"\n" + fmtUgly})
	r := runValidate(t, "", nil, "fmt", "-diff", "-write=false", "a.hcl")
	r.wantCode(t, exitOK)
	want := `a.hcl
--- old/a.hcl
+++ new/a.hcl
@@ -1,5 +1,5 @@
-pid_file="p"
+pid_file = "p"
 listener "tcp" {
-address = "127.0.0.1:8100"
-    tls_disable=true
+  address     = "127.0.0.1:8100"
+  tls_disable = true
 }
`
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if got := readFile(t, "a.hcl"); got != "pid_file=\"p\"\n"+fmtUgly {
		t.Errorf("-write=false wrote a.hcl: %q", got)
	}

	// Without a path, fmt formats the current directory; -list=false -write=false prints the result.
	r = runValidate(t, "", nil, "fmt", "-list=false", "-write=false")
	r.wantCode(t, exitOK)
	if r.stdout != "pid_file = \"p\"\n"+fmtNeat {
		t.Errorf("-list=false -write=false: stdout %q", r.stdout)
	}
}

// TestFmtStdin: - formats standard input to standard output, never writing or listing; JSON comes
// back as it was; a parse error is exit 1 with the diagnostic; - with other paths is a usage error.
func TestFmtStdin(t *testing.T) {
	tests := []struct {
		stdin, stdout string
		code          int
		stderr        string
	}{
		{fmtUgly, fmtNeat, exitOK, ""},
		{fmtNeat, fmtNeat, exitOK, ""},
		{fmtJSON, fmtJSON, exitOK, ""},
		{fmtBroken, "", exitError, "on <stdin> line 1"},
	}
	for _, tt := range tests {
		r := runValidate(t, tt.stdin, nil, "fmt", "-")
		r.wantCode(t, tt.code)
		if r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("fmt - < %q: stdout %q, stderr %q", tt.stdin, r.stdout, r.stderr)
		}
	}
	r := runValidate(t, fmtUgly, nil, "fmt", "-check", "-")
	r.wantCode(t, exitFmtCheck)

	for _, args := range [][]string{{"fmt", "-", "a.hcl"}, {"fmt", "-bogus"}} {
		r := runValidate(t, "", nil, args...)
		r.wantCode(t, exitUsage)
	}
	r = runValidate(t, "", nil, "fmt", filepath.Join(t.TempDir(), "missing.hcl"))
	r.wantCode(t, exitError)
	if !strings.Contains(r.stderr, "Cannot read configuration") {
		t.Errorf("missing file: stderr %q", r.stderr)
	}
}
