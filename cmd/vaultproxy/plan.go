package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/preview"
)

// cmdPlan is `vaultproxy plan [-json] [-out=FILE] [flags] PATH...`: compile and validate as validate
// does (same diagnostics, same exit codes), then show what the proxy will do. The text preview goes to
// stdout; -json prints the JSON plan (docs/plan-format.md) instead, with every diagnostic on stderr so
// that stdout holds only the document; -out=FILE also writes the JSON plan to FILE. With errors no plan
// is printed or written. With -request='METHOD PATH' (and -header, -listener) it prints instead what
// the proxy does with that one request (request.Decide), as text or, with -json, as the decision
// object.
func cmdPlan(args []string, io *stdio, env func(string) (string, bool)) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(io.err)
	var cf configFlags
	cf.register(fs)
	asJSON := fs.Bool("json", false, "print the JSON plan (docs/plan-format.md) instead of the preview")
	out := fs.String("out", "", "also write the JSON plan to this `file`")
	var rf requestFlags
	rf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: vaultproxy plan [-json] [-out=FILE] [flags] PATH...\n       vaultproxy plan -request='METHOD PATH' [-header='Name: value']... [-listener=ADDRESS] [-json] [flags] PATH...\n\nShows what a Vault Proxy configuration (or a plan file written by 'vaultproxy plan -out') will do, each setting with where it came from; with -request, what the proxy does with that one request.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	paths, ok := configPaths("plan", &cf, pos, io.err)
	if !ok {
		return exitUsage
	}
	if !rf.check(*out, io.err) {
		return exitUsage
	}
	l := loadPaths(paths, io.in, cf.overrides, env)
	if l.usageError("plan", io.err) {
		return exitUsage
	}
	diagOut := *io
	if *asJSON {
		diagOut.out = io.err
	}
	printDiagnostics(&diagOut, l, cf.noColor, env)
	if l.diags.HasErrors() {
		return exitError
	}
	if rf.line != "" {
		if len(l.diags) > 0 && !*asJSON {
			fmt.Fprintln(io.out)
		}
		return rf.print(l.plan, *asJSON, io)
	}
	var doc []byte
	if *asJSON || *out != "" {
		b, err := l.plan.MarshalJSON()
		if err != nil {
			fmt.Fprintln(io.err, "vaultproxy plan:", err)
			return exitError
		}
		doc = append(b, '\n')
	}
	if *out != "" {
		if err := os.WriteFile(*out, doc, 0o644); err != nil {
			fmt.Fprintln(io.err, "vaultproxy plan:", err)
			return exitError
		}
	}
	if *asJSON {
		_, err = io.out.Write(doc)
	} else {
		if len(l.diags) > 0 {
			fmt.Fprintln(io.out)
		}
		err = preview.Write(io.out, l.plan)
	}
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy plan:", err)
		return exitError
	}
	return exitOK
}
