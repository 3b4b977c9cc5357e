package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// cmdValidate is `vaultproxy validate [flags] PATH...`: compile and validate, print every diagnostic,
// exit 0 when valid (warnings allowed), 1 on errors, 2 on a usage error. -json prints exactly the
// document of `terraform validate -json`; -format picks any of the formats of view.Formats, -json
// being short for -format=json. Every format but human is written whole to standard output.
func cmdValidate(args []string, io *stdio, env func(string) (string, bool)) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(io.err)
	var cf configFlags
	cf.register(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON, in the format of 'terraform validate -json' (short for -format=json)")
	formatName := fs.String("format", string(view.FormatHuman), "the output format: "+formatList())
	fs.Usage = func() {
		fmt.Fprintln(io.err, "Usage: vaultproxy validate [flags] PATH...\n\nChecks a Vault Proxy configuration (or a plan file written by 'vaultproxy plan -out') and reports every problem in it.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	format, err := view.ParseFormat(*formatName)
	if err != nil {
		fmt.Fprintln(io.err, "vaultproxy validate: -format:", err)
		return exitUsage
	}
	if *asJSON {
		if format != view.FormatHuman && format != view.FormatJSON {
			fmt.Fprintf(io.err, "vaultproxy validate: -json and -format=%s ask for two formats\n", format)
			return exitUsage
		}
		format = view.FormatJSON
	}
	paths, ok := configPaths("validate", &cf, pos, io.err)
	if !ok {
		return exitUsage
	}
	l := loadPaths(paths, io.in, cf.overrides, env)
	if l.usageError("validate", io.err) {
		return exitUsage
	}
	if format != view.FormatHuman {
		r := &view.Report{Diagnostics: l.diags, Sources: l.sources, Rules: diagcode.All(), ToolVersion: version}
		if err := view.WriteReport(io.out, format, r); err != nil {
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

// formatList is the formats for the usage text: "human, json, sarif, …".
func formatList() string {
	names := make([]string, len(view.Formats))
	for i, f := range view.Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
