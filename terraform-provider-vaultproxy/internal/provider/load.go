package provider

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/validatejson"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/validate"
	"github.com/zclconf/go-cty/cty"
)

// loaded is a compiled and validated configuration.
type loaded struct {
	plan    *compile.Plan
	diags   hcl.Diagnostics
	sources map[string][]byte
}

// singleFile is the configuration of one file, content, named filename in diagnostics and origins.
func singleFile(content, filename string) []compile.Source {
	return []compile.Source{{Name: filename, Bytes: []byte(content)}}
}

// sortedFiles is the configuration of files (name => content), merged in name order, as `vaultproxy
// validate` merges a directory's files (and as Terraform orders a map's keys).
func sortedFiles(files map[string]string) []compile.Source {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	srcs := make([]compile.Source, len(names))
	for i, n := range names {
		srcs[i] = compile.Source{Name: n, Bytes: []byte(files[n])}
	}
	return srcs
}

// load compiles srcs and checks the cross-block rules, as `vaultproxy validate` does, with env as
// the whole environment (nil: an empty one). The diagnostics are in the CLI's order.
func load(srcs []compile.Source, env map[string]string) loaded {
	opts := compile.Options{Env: func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}}
	p, diags := compile.Compile(srcs, opts)
	diags = append(diags, validate.Plan(p)...)
	compile.SortDiagnostics(diags)
	sources := make(map[string][]byte, len(srcs))
	for _, s := range srcs {
		sources[s.Name] = s.Bytes
	}
	return loaded{plan: p, diags: diags, sources: sources}
}

// errors returns the error diagnostics, one a line, as the plan functions fail with them.
func (l loaded) errors() string {
	var lines []string
	for _, d := range l.diags {
		if d.Severity == hcl.DiagError {
			lines = append(lines, diagnosticLine(d))
		}
	}
	return strings.Join(lines, "\n")
}

// diagnosticLine is d as "file:line,column: summary: detail", or "summary: detail" when it has no
// range (a file that names no position).
func diagnosticLine(d *hcl.Diagnostic) string {
	if d.Subject == nil {
		return d.Summary + ": " + d.Detail
	}
	return fmt.Sprintf("%s: %s: %s", position(d.Subject), d.Summary, d.Detail)
}

// position is r's start as "file:line,column".
func position(r *hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}

// validateDocument is the `validate -json` document of l as a value of validatejson.Type.
func (l loaded) validateDocument() (cty.Value, error) {
	return validatejson.Value(l.diags, l.sources)
}
