package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/pmezard/go-difflib/difflib"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/hclfmt"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/compile"
)

// exitFmtCheck is fmt -check's exit code when a file is not in the canonical layout, as terraform
// fmt -check exits (hashicorp/terraform internal/command/fmt.go).
const exitFmtCheck = 3

// cmdFmt is `vaultproxy fmt [flags] [PATH...|-]`: rewrite configurations in HCL's native syntax in
// the canonical layout, as `terraform fmt` does, with its flags and output: the names of the files
// it changed (-list), the files rewritten in place (-write), unified diffs (-diff); with -check
// nothing is written and the exit code says whether something would be. Without a path it formats
// the current directory; a directory contributes the files validate reads from it (-recursive: and
// from its subdirectories, hidden ones left out); "-" formats standard input to standard output.
// Files in JSON syntax are left alone. A file in HCL 1's forms, which hcl/v2 does not parse but
// Vault Proxy's HCL 1 reader does, is rewritten into HCL 2 with the same meaning (hclfmt); a file
// neither parses is left untouched, its diagnostics printed. Unlike terraform fmt, -check -diff shows the diffs even with -list=false.
// Exit codes: 0 nothing to change or all written, 1 a file could not be read,
// parsed or written, 2 a usage error, 3 -check found a file to change.
func cmdFmt(args []string, io *stdio, env func(string) (string, bool)) int {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(io.err)
	f := formatter{out: io.out}
	fs.BoolVar(&f.list, "list", true, "list the files whose formatting differs (never for standard input)")
	fs.BoolVar(&f.write, "write", true, "write the result to the files (never for standard input or with -check)")
	fs.BoolVar(&f.diff, "diff", false, "print the changes as unified diffs")
	check := fs.Bool("check", false, "change nothing; exit 3 when a file is not formatted (listed unless -list=false, its diff shown with -diff)")
	fs.BoolVar(&f.recursive, "recursive", false, "also format the files in subdirectories")
	noColor := fs.Bool("no-color", false, "never colour the diagnostics (also NO_COLOR)")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: vaultproxy fmt [flags] [PATH...|-]\n\nRewrites Vault Proxy configurations in HCL's native syntax in the canonical layout (JSON files are left alone). Without a PATH it formats the current directory; - reads standard input and writes the result to standard output.\n\nFlags:")
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		if p == "-" && len(paths) > 1 {
			fmt.Fprintln(io.err, "vaultproxy fmt: - (standard input) cannot be given with other paths")
			return exitUsage
		}
	}
	if *check {
		f.write, f.check = false, true
	}

	if paths[0] == "-" {
		b, err := readAll(io.in)
		if err != nil {
			f.fail(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read standard input", Detail: err.Error(), Extra: compile.CodeUnreadableInput})
		} else {
			f.list, f.write = false, false
			f.file(compile.StdinName, b, 0)
		}
	} else {
		for _, p := range paths {
			f.path(p)
		}
	}

	noColorEnv, _ := env("NO_COLOR")
	pr := view.Printer{Color: view.ColorEnabled(*noColor, noColorEnv, isTerminal(io.err)), Width: 78}
	for _, d := range f.diags {
		_ = pr.PrintDiagnostic(io.err, d, f.sources)
	}
	for _, err := range f.problems {
		fmt.Fprintln(io.err, "vaultproxy fmt:", err)
	}
	switch {
	case f.diags.HasErrors() || len(f.problems) > 0:
		return exitError
	case *check && f.changed:
		return exitFmtCheck
	}
	return exitOK
}

func readAll(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("no standard input is available")
	}
	return io.ReadAll(r)
}

// formatter formats files and directories with the flags of one fmt command.
type formatter struct {
	list, write, diff, recursive, check bool

	out      io.Writer // the list, the diffs and, without those, the formatted source
	changed  bool      // some file is not in the canonical layout
	diags    hcl.Diagnostics
	sources  map[string][]byte // the sources of the files with diagnostics, for their snippets
	problems []error
}

func (f *formatter) fail(d *hcl.Diagnostic) { f.diags = append(f.diags, d) }

// problem records a failure of the command rather than of a configuration (a file that cannot be
// written): it is printed as a line of its own, as usage errors are.
func (f *formatter) problem(err error) { f.problems = append(f.problems, err) }

func (f *formatter) failRead(err error) {
	f.fail(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration", Detail: err.Error(), Extra: compile.CodeUnreadableInput})
}

// path formats a file of any name, or a directory's configuration files.
func (f *formatter) path(p string) {
	fi, err := os.Stat(p)
	if err != nil {
		f.failRead(err)
		return
	}
	if fi.IsDir() {
		f.dir(p)
		return
	}
	b, err := os.ReadFile(p)
	if err != nil {
		f.failRead(err)
		return
	}
	f.file(p, b, fi.Mode().Perm())
}

// dir formats the files of dir that validate reads (compile.IsConfigFileName), in name order, and
// with -recursive its subdirectories', except hidden ones (.git and the like), as terraform fmt
// leaves ignored names out.
func (f *formatter) dir(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.failRead(err)
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			if f.recursive && !strings.HasPrefix(e.Name(), ".") {
				f.dir(p)
			}
		case compile.IsConfigFileName(e.Name()):
			f.path(p)
		}
	}
}

// file formats one source. JSON is left alone; HCL 1 is rewritten into HCL 2 (hclfmt); a source
// that does not parse is left untouched and its diagnostics kept.
func (f *formatter) file(name string, src []byte, perm os.FileMode) {
	if compile.IsJSON(src) {
		if f.printsResult() {
			_, _ = f.out.Write(src)
		}
		return
	}
	out, diags, err := hclfmt.Source(src, name)
	if err != nil {
		f.problem(err)
		return
	}
	if diags.HasErrors() {
		if f.sources == nil {
			f.sources = map[string][]byte{}
		}
		f.sources[name] = src
		f.diags = append(f.diags, diags...)
		return
	}
	if !bytes.Equal(src, out) {
		f.changed = true
		if f.list {
			fmt.Fprintln(f.out, name)
		}
		if f.write {
			if err := os.WriteFile(name, out, perm); err != nil {
				f.problem(err) // the os error names the file
				return
			}
		}
		if f.diff {
			_, _ = io.WriteString(f.out, unifiedDiff(name, src, out))
		}
	}
	if f.printsResult() {
		_, _ = f.out.Write(out)
	}
}

// printsResult is true when nothing else is asked for: the formatted source is then printed, as
// for standard input.
func (f *formatter) printsResult() bool { return !f.check && !f.list && !f.write && !f.diff }

// unifiedDiff is the change from a to b as `diff -u` prints it, with the old/ and new/ labels
// terraform fmt -diff gives.
func unifiedDiff(name string, a, b []byte) string {
	s, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        diffLines(a),
		B:        diffLines(b),
		FromFile: "old/" + filepath.ToSlash(name),
		ToFile:   "new/" + filepath.ToSlash(name),
		Context:  3,
	})
	if err != nil {
		return ""
	}
	return s
}

// diffLines splits src into lines that keep their "\n"; a last line without one is given one, so
// that the diff stays one line per line (diff -u would note "\ No newline at end of file").
func diffLines(src []byte) []string {
	lines := strings.SplitAfter(string(src), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	return lines
}
