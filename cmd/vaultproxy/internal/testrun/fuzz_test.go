package testrun

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
	"golang.org/x/tools/txtar"
)

// fuzzConfig is the configuration every fuzzed run block runs against.
const fuzzConfig = `vault {
  address = "https://vault.example.test:8200"
}

api_proxy {
  use_auto_auth_token = false
}

listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}
`

// fuzzLoad compiles fuzzConfig, whatever the paths, in the run's environment, as the CLI's loader
// does (compile, then validate's rules, diagnostics sorted).
func fuzzLoad(_ []string, env func(string) (string, bool)) Loaded {
	srcs := []compile.Source{{Name: "proxy.hcl", Bytes: []byte(fuzzConfig)}}
	p, diags := compile.Compile(srcs, compile.Options{Env: env})
	diags = append(diags, validate.Plan(p)...)
	compile.SortDiagnostics(diags)
	return Loaded{Plan: p, Diagnostics: diags, Sources: map[string][]byte{"proxy.hcl": []byte(fuzzConfig)}}
}

// nopReporter is told everything and says nothing.
type nopReporter struct{}

func (nopReporter) Abstract(*Suite)           {}
func (nopReporter) File(*File, Progress)      {}
func (nopReporter) Run(*Run, *File, Progress) {}
func (nopReporter) Conclusion(*Suite)         {}

// seedTestFiles are the test files of fixtures/test and examples/vptest.
func seedTestFiles(f *testing.F) [][]byte {
	var seeds [][]byte
	err := fs.WalkDir(fixtures.FS(), "test", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.FS(), p)
		if err != nil {
			return err
		}
		for _, file := range txtar.Parse(b).Files {
			if compile.IsTestFileName(file.Name) {
				seeds = append(seeds, file.Data)
			}
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	examples, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "examples", "vptest", "tests", "*"+compile.TestFileSuffix))
	for _, p := range examples {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if len(seeds) < 8 {
		f.Fatalf("only %d seed test files", len(seeds))
	}
	return seeds
}

// FuzzParseFile feeds ParseFile any bytes: it never panics, every diagnostic carries a registered
// code and, when it has a range, a range inside the file; a file without errors has distinct run
// names and expects registered codes only, and its runs all end pass, fail or error, every
// diagnostic again with a code.
func FuzzParseFile(f *testing.F) {
	for _, s := range seedTestFiles(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		const name = "tests/fuzz.vptest.hcl"
		file, diags := ParseFile(name, src)
		checkDiagnostics(t, diags, map[string][]byte{name: src})
		if diags.HasErrors() {
			return
		}
		seen := map[string]bool{}
		for _, r := range file.Runs {
			if seen[r.Name] {
				t.Errorf("two runs named %q without an error", r.Name)
			}
			seen[r.Name] = true
			for _, ef := range r.ExpectFailures {
				if diagcode.Lookup(ef.Code) == nil {
					t.Errorf("expect_failures holds the unknown code %q without an error", ef.Code)
				}
			}
		}
		s := &Suite{Files: []*File{file}, Sources: map[string][]byte{name: src}}
		Execute(s, Options{Dir: ".", Load: fuzzLoad}, nopReporter{})
		for _, r := range file.Runs {
			if r.Status < Pass {
				t.Errorf("run %q ended %s", r.Name, r.Status)
			}
			checkDiagnostics(t, r.Diagnostics, s.Sources)
		}
	})
}

// checkDiagnostics fails on a diagnostic without a registered code, or whose range is outside its file.
func checkDiagnostics(t *testing.T, diags hcl.Diagnostics, sources map[string][]byte) {
	t.Helper()
	for _, d := range diags {
		if c := diagcode.Of(d); c == nil || diagcode.Lookup(c.Name) != c {
			t.Errorf("a diagnostic without a registered code: %s: %s", d.Summary, d.Detail)
		}
		if d.Subject == nil {
			continue
		}
		src, ok := sources[d.Subject.Filename]
		if !ok && !strings.HasPrefix(d.Subject.Filename, "proxy.hcl") {
			t.Errorf("%s: the range names %q, a file that was not read", d.Summary, d.Subject.Filename)
			continue
		}
		if d.Subject.Start.Byte < 0 || d.Subject.End.Byte > len(src) || d.Subject.Start.Byte > d.Subject.End.Byte {
			t.Errorf("%s: range %s is outside the file's %d bytes", d.Summary, d.Subject, len(src))
		}
	}
}
