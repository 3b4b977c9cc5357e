package testrun

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// TestsDir is the directory under DIR whose test files run too, as Terraform's tests/.
const TestsDir = "tests"

// Options are what a suite runs with.
type Options struct {
	// Dir is the directory of the configuration under test; its test files are in it and in
	// Dir/tests.
	Dir string
	// Filters, when not empty, keep the test files named: a path under Dir (tests/a.vptest.hcl)
	// or as the output names it (Dir joined with that path).
	Filters []string
	// Load reads, compiles and validates the configuration at paths in the environment env, as
	// `vaultproxy validate` does, diagnostics sorted.
	Load func(paths []string, env func(string) (string, bool)) Loaded
	// Now is the clock of the runs' start times and durations; time.Now when nil.
	Now func() time.Time
}

// Loaded is a configuration as Options.Load returns it.
type Loaded struct {
	Plan        *compile.Plan // nil when nothing could be compiled
	Diagnostics hcl.Diagnostics
	Sources     map[string][]byte
	// Refused, when set, says why the paths cannot be read as one configuration (a plan file among
	// configuration files): the command line's usage error, which a run reports as its error.
	Refused string
}

// Suite is every test file of a directory.
type Suite struct {
	Files  []*File
	Status Status
	// Sources holds the bytes of every test file and every configuration file read, by the
	// names diagnostics give them.
	Sources map[string][]byte
	// Diagnostics are the test files' own errors (syntax, schema): when they hold an error, no run
	// runs, as `terraform test` runs nothing when a test file is invalid.
	Diagnostics hcl.Diagnostics
}

// codeUnreadable is the code of a test file or directory that cannot be read: the same problem as
// a configuration that cannot be read.
func codeUnreadable() *diagcode.Code { return compile.CodeUnreadableInput }

// Discover returns the names of the test files of dir, as the output shows them (dir joined with
// their path under dir): the *.vptest.hcl files in dir and in dir/tests, sorted by that name. A
// dir/tests that does not exist holds none.
func Discover(dir string) ([]string, hcl.Diagnostics) {
	var names []string
	var diags hcl.Diagnostics
	for i, d := range []string{dir, filepath.Join(dir, TestsDir)} {
		entries, err := os.ReadDir(d)
		if err != nil {
			if i == 1 && os.IsNotExist(err) {
				continue
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read test directory",
				Detail: err.Error() + ".", Extra: codeUnreadable()})
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0 {
				if compile.IsTestFileName(e.Name()) {
					names = append(names, filepath.Join(d, e.Name()))
				}
			}
		}
	}
	sort.Strings(names)
	return names, diags
}

// Load discovers, filters and parses the test files of opts.Dir.
func Load(opts Options) *Suite {
	s := &Suite{Sources: map[string][]byte{}}
	names, diags := Discover(opts.Dir)
	s.Diagnostics = diags
	for _, name := range names {
		if !keep(opts, name) {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			s.Diagnostics = append(s.Diagnostics, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read test file",
				Detail: err.Error() + ".", Extra: codeUnreadable()})
			continue
		}
		s.Sources[name] = src
		f, fdiags := ParseFile(name, src)
		s.Diagnostics = append(s.Diagnostics, fdiags...)
		s.Files = append(s.Files, f)
	}
	compile.SortDiagnostics(s.Diagnostics)
	return s
}

// keep reports whether the filters keep the test file name.
func keep(opts Options, name string) bool {
	return len(opts.Filters) == 0 || slices.ContainsFunc(opts.Filters, func(f string) bool { return Matches(opts.Dir, f, name) })
}

// Matches reports whether the filter f names the test file name of dir: as a path under dir
// (tests/a.vptest.hcl) or as the output names it (name).
func Matches(dir, f, name string) bool {
	f = filepath.Clean(f)
	rel, err := filepath.Rel(dir, name)
	return f == name || (err == nil && f == rel)
}
