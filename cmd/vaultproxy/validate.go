package main

import (
	"flag"
	"fmt"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
)

// cmdValidate is `vaultproxy validate [flags] PATH...`: compile and validate, print every diagnostic,
// exit 0 when valid (warnings allowed), 1 on errors, 2 on a usage error. -json prints exactly the
// document of `terraform validate -json`.
func cmdValidate(args []string, io *stdio, env func(string) (string, bool)) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(io.err)
	var cf configFlags
	cf.register(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON, in the format of 'terraform validate -json'")
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: vaultproxy validate [flags] PATH...\n\nChecks a Vault Proxy configuration (or a plan file written by 'vaultproxy plan -out') and reports every problem in it.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	paths, ok := configPaths("validate", &cf, pos, io.err)
	if !ok {
		return exitUsage
	}
	l := loadPaths(paths, io.in, cf.overrides, env)
	if l.usageError("validate", io.err) {
		return exitUsage
	}
	if *asJSON {
		if err := view.WriteValidateJSON(io.out, l.diags, l.sources); err != nil {
			fmt.Fprintln(io.err, "vaultproxy validate:", err)
			return exitError
		}
	} else {
		printDiagnostics(io, l, cf.noColor, env)
		if !l.diags.HasErrors() {
			noColorEnv, _ := env("NO_COLOR")
			p := view.Printer{Color: view.ColorEnabled(cf.noColor, noColorEnv, isTerminal(io.out))}
			_ = p.PrintValidateSuccess(io.out, len(l.diags) > 0)
		}
	}
	if l.diags.HasErrors() {
		return exitError
	}
	return exitOK
}
