package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testrun"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testview"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
)

// testClock is the clock of `vaultproxy test`'s timestamps and durations; the golden tests fix it.
var testClock = time.Now

// cmdTest is `vaultproxy test [-filter=FILE]... [-verbose] [-json] [-junit-xml=PATH] [-no-color]
// [DIR]`: run the *.vptest.hcl files of DIR and DIR/tests against DIR's configuration, as terraform
// test runs *.tftest.hcl files. Exit 0 when every run passes, 1 otherwise (or when a test file is
// invalid), 2 on a usage error.
func cmdTest(args []string, io *stdio, env func(string) (string, bool)) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.err)
	var filters multiFlag
	fs.Var(&filters, "filter", "run only this test file (a path under DIR, as the output names it); repeatable")
	verbose := fs.Bool("verbose", false, "print each run's plan after its result")
	asJSON := fs.Bool("json", false, "print one JSON message a line, as 'terraform test -json'")
	junit := fs.String("junit-xml", "", "also write a JUnit XML report to this file, as 'terraform test -junit-xml'")
	noColor := fs.Bool("no-color", false, "never colour the output (also NO_COLOR)")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: vaultproxy test [flags] [DIR]\n\nRuns the *.vptest.hcl files in DIR (default .) and DIR/tests against the Vault Proxy configuration in DIR.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) > 1 {
		fmt.Fprintf(io.err, "vaultproxy test: one directory at most, not %d (%s)\n", len(pos), strings.Join(pos, " "))
		return exitUsage
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		fmt.Fprintf(io.err, "vaultproxy test: %s is not a directory\n", dir)
		return exitUsage
	}

	opts := testrun.Options{
		Dir:     dir,
		Filters: filters,
		Now:     testClock,
		// The paths are read as validate reads them: a plan file alone, or configuration.
		Load: func(paths []string, env func(string) (string, bool)) testrun.Loaded {
			l := loadPaths(paths, strings.NewReader(""), nil, env)
			return testrun.Loaded{Plan: l.plan, Diagnostics: l.diags, Sources: l.sources, Refused: l.usage}
		},
	}
	suite := testrun.Load(opts)
	if missing := unmatchedFilters(opts, suite); len(missing) > 0 {
		// A misspelt filter would otherwise run nothing and pass.
		fmt.Fprintf(io.err, "vaultproxy test: -filter=%s names no test file of %s\n", strings.Join(missing, ", -filter="), dir)
		return exitUsage
	}
	rep := testReporter(io, env, suite, *asJSON, *verbose, *noColor)
	if suite.Diagnostics.HasErrors() {
		// An invalid test file: nothing runs, as in Terraform.
		rep.Diagnostics(nil, nil, suite.Diagnostics)
		return exitError
	}
	testrun.Execute(suite, opts, rep)
	if *junit != "" {
		if err := os.WriteFile(*junit, testview.JUnitXML(suite), 0o644); err != nil {
			fmt.Fprintf(io.err, "vaultproxy test: saving the JUnit XML report: %v\n", err)
			return exitError
		}
	}
	if suite.Status > testrun.Pass {
		return exitError
	}
	return exitOK
}

// testReporter is the view of -json, or the human one; -json's starts with its version message.
func testReporter(io *stdio, env func(string) (string, bool), suite *testrun.Suite, asJSON, verbose, noColor bool) testview.Reporter {
	if asJSON {
		j := &testview.JSON{Out: io.out, Now: testClock, Version: version, Verbose: verbose, Sources: suite.Sources}
		j.WriteVersion()
		return j
	}
	noColorEnv, _ := env("NO_COLOR")
	return &testview.Human{Out: io.out, Err: io.err, Verbose: verbose, Sources: suite.Sources,
		Color: view.ColorEnabled(noColor, noColorEnv, isTerminal(io.err))}
}

// unmatchedFilters returns the -filter values that name none of the suite's files.
func unmatchedFilters(opts testrun.Options, s *testrun.Suite) []string {
	var missing []string
	for _, f := range opts.Filters {
		found := false
		for _, file := range s.Files {
			found = found || testrun.Matches(opts.Dir, f, file.Name)
		}
		if !found {
			missing = append(missing, f)
		}
	}
	return missing
}
