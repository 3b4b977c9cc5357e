package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"golang.org/x/term"
)

// Exit codes: 0 and 1 as Terraform's validate uses them (hashicorp/terraform
// internal/command/views/validate.go); 2 for a usage error, as Go's flag package exits.
const (
	exitOK    = 0 // valid (warnings allowed), or the command succeeded
	exitError = 1 // configuration errors or a runtime failure
	exitUsage = 2 // the command line itself is wrong
)

// stdio is the command's standard streams.
type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// isTerminal reports whether w is a terminal, which is the only place colour is written.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// command is one subcommand. Run returns the process exit code; commands never call os.Exit.
type command struct {
	name     string
	synopsis string
	run      func(args []string, io *stdio, env func(string) (string, bool)) int
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func init() {
	register(command{name: "validate", synopsis: "Check a configuration and report every problem in it", run: cmdValidate})
	register(command{name: "run", synopsis: "Serve a configuration as an API proxy in front of Vault", run: cmdRun})
	register(command{name: "test", synopsis: "Run the *.vptest.hcl tests of a configuration directory", run: cmdTest})
	register(command{name: "plan", synopsis: "Show what a configuration will do, every setting with its origin", run: cmdPlan})
	register(command{name: "diff", synopsis: "Show what changes in effect between two configurations", run: cmdDiff})
	register(command{name: "fmt", synopsis: "Rewrite configurations in the canonical layout", run: cmdFmt})
}

func run(args []string, io *stdio, env func(string) (string, bool)) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(io.out)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "version" || args[0] == "-version" || args[0] == "--version" {
		fmt.Fprintln(io.out, "vaultproxy "+version)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(io.err, "vaultproxy: unknown command %q\n\n", args[0])
		usage(io.err)
		return exitUsage
	}
	return c.run(args[1:], io, env)
}

// version is set at build time with -ldflags "-X main.version=..."; "dev" otherwise.
var version = "dev"

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: vaultproxy <command> [flags] PATH...")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].synopsis)
	}
	fmt.Fprintln(w, "\nPATH is a file, a directory (its *.hcl and *.json files), or - for standard input.")
	fmt.Fprintln(w, "Run 'vaultproxy <command> -h' for a command's flags.")
}
