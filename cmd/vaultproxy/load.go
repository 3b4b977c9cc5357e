package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/vaultproxy/vaultproxy/validate"
)

// configFlags are the flags every command that reads a configuration takes: the paths (as -config,
// repeatable, or positional) and the flags that mirror `vault proxy`'s, which override the file as
// Vault Proxy's do (hashicorp/vault command/proxy.go, applyConfigOverrides; docs/vault-proxy-behaviour.md).
type configFlags struct {
	paths     multiFlag
	overrides map[string]string
	noColor   bool
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// overrideFlag records a flag in overrides only when it is set, so that "unset" and "empty" differ.
type overrideFlag struct {
	name string
	into map[string]string
	bool bool
}

func (o overrideFlag) String() string { return "" }
func (o overrideFlag) Set(s string) error {
	if o.bool {
		if _, err := strconv.ParseBool(s); err != nil {
			return fmt.Errorf("not a boolean: %q", s)
		}
	}
	o.into[o.name] = s
	return nil
}
func (o overrideFlag) IsBoolFlag() bool { return o.bool }

func (c *configFlags) register(fs *flag.FlagSet) {
	c.overrides = map[string]string{}
	fs.Var(&c.paths, "config", "a configuration file or directory; repeatable (as vault proxy -config)")
	fs.BoolVar(&c.noColor, "no-color", false, "never colour the output (also NO_COLOR)")
	for _, a := range schema.FlagAttributes() {
		o := overrideFlag{name: a.Flag, into: c.overrides, bool: a.Kind == schema.Bool}
		fs.Var(o, a.Flag, "overrides the configuration, as vault proxy -"+a.Flag)
		if a.FlagAlias != "" {
			fs.Var(o, a.FlagAlias, "alias of -"+a.Flag)
		}
	}
}

// parseInterspersed parses flags that may come before, between or after the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// configPaths returns the paths a command reads: the -config flags, then the positional paths. It
// prints a usage error to w and returns false when there is none, or when "-" is named more than once:
// standard input can be read only once, and the second read would find it empty.
func configPaths(cmd string, cf *configFlags, pos []string, w io.Writer) ([]string, bool) {
	paths := append(append([]string(nil), cf.paths...), pos...)
	if len(paths) == 0 {
		fmt.Fprintf(w, "vaultproxy %s: no configuration given (a PATH, -config=PATH, or - for stdin)\n", cmd)
		return nil, false
	}
	stdin := 0
	for _, p := range paths {
		if p == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		fmt.Fprintf(w, "vaultproxy %s: - (standard input) is named %d times; it can be read only once\n", cmd, stdin)
		return nil, false
	}
	return paths, true
}

// loaded is a compiled and validated configuration with what is needed to report on it.
type loaded struct {
	plan    *compile.Plan
	diags   hcl.Diagnostics
	sources map[string][]byte
	// usage, when set, is a usage error that stops the command before anything is checked: a plan
	// file given with configuration files or with flags that would override it.
	usage string
}

// usageError prints l's usage error for cmd and reports whether there was one.
func (l loaded) usageError(cmd string, w io.Writer) bool {
	if l.usage == "" {
		return false
	}
	fmt.Fprintf(w, "vaultproxy %s: %s\n", cmd, l.usage)
	return true
}

// planFileWithOthers is the usage error for a plan file among other configuration paths, or found in
// a configuration directory: its JSON would be read as a configuration in HCL's JSON syntax, and
// every plan field reported as an unknown block.
func planFileWithOthers(name string) string {
	return fmt.Sprintf("%s is a plan file (written by 'vaultproxy plan -out'), which must be given alone: it holds a whole compiled configuration and cannot be merged with configuration files. Give the plan file as the only PATH, or the configuration files without it.", name)
}

// loadFrom reads, compiles and validates the configuration at paths. The environment is read only
// here, through env, and handed to the compiler: nothing deeper reads it.
func loadFrom(paths []string, stdin interface{ Read([]byte) (int, error) }, overrides map[string]string, env func(string) (string, bool)) loaded {
	srcs, diags := compile.ReadSources(paths, stdin)
	sources := map[string][]byte{}
	for _, s := range srcs {
		if isPlanFile(s.Bytes) {
			return loaded{usage: planFileWithOthers(s.Name)}
		}
		sources[s.Name] = s.Bytes
	}
	readFailed := diags.HasErrors()
	plan, cdiags := compile.Compile(srcs, compile.Options{Env: env, Flags: overrides})
	diags = append(diags, cdiags...)
	// Cross-block rules run even when compiling found errors, so that one run reports every problem
	// (validate.Plan leaves out what could follow from those errors alone). A file that could not be
	// read leaves the configuration incomplete, so then no rule runs.
	if !readFailed {
		diags = append(diags, validate.Plan(plan)...)
	}
	compile.SortDiagnostics(diags)
	return loaded{plan: plan, diags: diags, sources: sources}
}

// loadPaths loads what validate, plan and run were given: a plan file written by `vaultproxy plan
// -out` when it is the only path (a file of any name, or standard input) and its content is one
// (isPlanFile), otherwise the configuration (loadFrom).
func loadPaths(paths []string, stdin io.Reader, overrides map[string]string, env func(string) (string, bool)) loaded {
	if len(paths) != 1 {
		return loadFrom(paths, stdin, overrides, env)
	}
	if paths[0] == "-" {
		// Standard input is read once: what was read is handed on, whichever way it goes.
		b, err := io.ReadAll(stdin)
		if err == nil && isPlanFile(b) {
			return decodePlanFile(compile.StdinName, b, overrides, env)
		}
		stdin = io.MultiReader(bytes.NewReader(b), errReader{err})
	} else if fi, err := os.Stat(paths[0]); err == nil && fi.Mode().IsRegular() {
		if b, err := os.ReadFile(paths[0]); err == nil && isPlanFile(b) {
			return decodePlanFile(paths[0], b, overrides, env)
		}
	}
	return loadFrom(paths, stdin, overrides, env)
}

// errReader returns err (io.EOF when nil) to every read: what stdin said after its bytes.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}

// loadPlanFile decodes a plan file and checks it with the cross-block rules, as a compiled
// configuration is checked, keeping every diagnostic. A file that cannot be decoded is an error without a
// range. The plan's ranges name the configuration files it was made from, whose source is not
// shown: the plan keeps lines and columns, not the bytes.
//
// A flag that overrides a setting is a usage error: the plan holds the overrides of the command that
// wrote it, and applying one now would silently change a plan that is meant to run as it was checked.
func decodePlanFile(path string, b []byte, overrides map[string]string, env func(string) (string, bool)) loaded {
	if len(overrides) > 0 {
		names := make([]string, 0, len(overrides))
		for n := range overrides {
			names = append(names, "-"+n)
		}
		sort.Strings(names)
		return loaded{usage: fmt.Sprintf("%s does not apply to a plan file: %s holds the settings as 'vaultproxy plan -out' compiled them, flags included. Give the flag to 'vaultproxy plan -out' and write the plan again.",
			strings.Join(names, ", "), path)}
	}
	// A value is checked as in a configuration, with its diagnostic at its line in the plan file.
	p, diags := compile.DecodePlanFile(path, b)
	sources := map[string][]byte{path: b}
	if diags.HasErrors() {
		return loaded{plan: nil, diags: diags, sources: sources}
	}
	diags = append(diags, validate.Plan(p)...)
	diags = append(diags, compile.PlanFileEnvWarnings(env)...)
	compile.SortDiagnostics(diags)
	return loaded{plan: p, diags: diags, sources: sources}
}

// printDiagnostics writes errors to stderr and warnings to stdout, as Terraform does.
func printDiagnostics(io *stdio, l loaded, noColor bool, env func(string) (string, bool)) {
	noColorEnv, _ := env("NO_COLOR")
	p := view.Printer{Color: view.ColorEnabled(noColor, noColorEnv, isTerminal(io.err)), Width: 78}
	for _, d := range l.diags {
		w := io.out
		if d.Severity == hcl.DiagError {
			w = io.err
		}
		_ = p.PrintDiagnostic(w, d, l.sources)
	}
}

// isPlanFile reports content whose top-level JSON object has a "format_version" member: a plan
// written by `vaultproxy plan -json` or `plan -out`, whatever the file is called, not a configuration
// in HCL's JSON syntax (which has no such argument). Only the top level is read, up to that member,
// so a plan file damaged further on is still recognised, and its damage reported by DecodePlanFile
// at its line and column rather than as a configuration's errors.
func isPlanFile(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		if key == "format_version" {
			return true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}
