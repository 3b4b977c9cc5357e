package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/validate"
)

// configFlags are the flags every command that reads a configuration takes: the paths (as -config,
// repeatable, or positional) and the flags that mirror `vault proxy`'s, which override the file as
// Vault Proxy's do (reference section 7).
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
	for _, name := range []string{"address", "ca-cert", "ca-path", "client-cert", "client-key", "tls-server-name",
		"namespace", "log-level", "log-format", "log-file"} {
		fs.Var(overrideFlag{name: name, into: c.overrides}, name, "overrides the configuration, as vault proxy -"+name)
	}
	fs.Var(overrideFlag{name: "namespace", into: c.overrides}, "ns", "alias of -namespace")
	for _, name := range []string{"tls-skip-verify", "exit-after-auth"} {
		fs.Var(overrideFlag{name: name, into: c.overrides, bool: true}, name, "overrides the configuration, as vault proxy -"+name)
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

// loaded is a compiled and validated configuration with what is needed to report on it.
type loaded struct {
	plan    *compile.Plan
	diags   hcl.Diagnostics
	sources map[string][]byte
}

// load reads, compiles and validates the configuration at paths. The environment is read only here,
// through env, and handed to the compiler: nothing deeper reads it.
func load(paths []string, stdin *os.File, overrides map[string]string, env func(string) (string, bool)) loaded {
	return loadFrom(paths, stdin, overrides, env)
}

func loadFrom(paths []string, stdin interface{ Read([]byte) (int, error) }, overrides map[string]string, env func(string) (string, bool)) loaded {
	srcs, diags := compile.ReadSources(paths, stdin)
	sources := map[string][]byte{}
	for _, s := range srcs {
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
	view.SortDiagnostics(diags)
	return loaded{plan: plan, diags: diags, sources: sources}
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
