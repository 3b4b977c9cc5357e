package testrun

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// File is one test file: its run blocks, in order, and, once run, its status.
type File struct {
	// Name is the file's path as the output shows it: DIR joined with its path under DIR.
	Name string
	Runs []*Run

	Status      Status
	Diagnostics hcl.Diagnostics // the file's own, beside its runs'
}

// Run is one run block: what it declares and, once run, its status and diagnostics.
type Run struct {
	Name      string
	Index     int       // its place in the file, from 0
	DeclRange hcl.Range // `run "NAME"`

	Config         []string          // nil: DIR's configuration; a relative path is under DIR
	Env            map[string]string // the whole environment the compiler sees
	Asserts        []Assert
	ExpectFailures []ExpectedFailure

	Status      Status
	Diagnostics hcl.Diagnostics
	// Meta is when the run started and how long it took; nil until it has run.
	Meta *RunMeta
	// Plan is the configuration's plan once the run has run (nil when the configuration could not
	// be compiled or the run did not run), for -verbose.
	Plan *compile.Plan
}

// Assert is one assert block.
type Assert struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
}

// ExpectedFailure is one element of expect_failures: the code it names and where.
type ExpectedFailure struct {
	Code  string
	Range hcl.Range
}

// ParseFile parses and decodes one test file. name is how diagnostics name it. The file's errors
// come with their codes; a file with errors still returns what could be read of it.
func ParseFile(name string, src []byte) (*File, hcl.Diagnostics) {
	f := &File{Name: name}
	hf, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if syntax := diagcode.Lookup("syntax_error"); syntax != nil {
		withSchemaCodes(diags, syntax)
	}
	if diags.HasErrors() {
		return f, diags
	}
	var fs fileSchema
	diags = append(diags, withSchemaCodes(withoutConsequences(gohcl.DecodeBody(hf.Body, nil, &fs)), codeInvalidTestFile)...)
	seen := map[string]hcl.Range{}
	for i, rs := range fs.Runs {
		if prev, dup := seen[rs.Name]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate run block",
				Detail:   fmt.Sprintf("This test file already has a run block named %q at %s; each run needs its own name.", rs.Name, prev),
				Subject:  rs.DeclRange.Ptr(),
				Extra:    diagcode.Lookup("duplicate_block"), // a block declared twice, as in a configuration
			})
		}
		seen[rs.Name] = rs.DeclRange
		r, rdiags := decodeRun(rs, i)
		diags = append(diags, rdiags...)
		f.Runs = append(f.Runs, r)
	}
	return f, diags
}

// decodeRun is the Run that run block rs, the i-th of its file, declares.
func decodeRun(rs *runSchema, i int) (*Run, hcl.Diagnostics) {
	r := &Run{Name: rs.Name, Index: i, DeclRange: rs.DeclRange, Env: map[string]string{}}
	if rs.Config != nil {
		r.Config = *rs.Config
	}
	if rs.Env != nil {
		r.Env = *rs.Env
	}
	for _, a := range rs.Asserts {
		r.Asserts = append(r.Asserts, Assert{Condition: a.Condition, ErrorMessage: a.ErrorMessage})
	}
	var diags hcl.Diagnostics
	if rs.ExpectFailures != nil {
		r.ExpectFailures, diags = expectedFailures(rs.ExpectFailures.Expr)
	}
	return r, diags
}

// withoutConsequences leaves out the errors that only follow from another: gohcl follows "Function
// calls not allowed" with "Unsuitable value type; value must be known" for the expression around it,
// which says nothing more.
func withoutConsequences(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Subject != nil && strings.HasSuffix(d.Detail, "value must be known") && slices.ContainsFunc(diags, func(o *hcl.Diagnostic) bool {
			return o != d && o.Severity == hcl.DiagError && o.Subject != nil && o.Subject.Overlaps(*d.Subject)
		}) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// expectedFailures reads expect_failures: a list of references diagnostic.CODE, each CODE a
// registered code. It is read without evaluating, as Terraform reads its own expect_failures.
func expectedFailures(expr hcl.Expression) ([]ExpectedFailure, hcl.Diagnostics) {
	elems, diags := hcl.ExprList(expr)
	withSchemaCodes(diags, codeInvalidExpectedFailure)
	var out []ExpectedFailure
	for _, e := range elems {
		tr, tdiags := hcl.AbsTraversalForExpr(e)
		var attr hcl.TraverseAttr
		ok := !tdiags.HasErrors() && len(tr) == 2 && tr.RootName() == "diagnostic"
		if ok {
			attr, ok = tr[1].(hcl.TraverseAttr)
		}
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid expected failure",
				Detail:   "Each element of expect_failures is a diagnostic's code, written diagnostic.CODE (diagnostic.unsupported_argument).",
				Subject:  e.Range().Ptr(),
				Extra:    codeInvalidExpectedFailure,
			})
			continue
		}
		if diagcode.Lookup(attr.Name) == nil {
			detail := fmt.Sprintf("No diagnostic has the code %q (docs/diagnostics.md lists them).", attr.Name)
			if s := suggestCode(attr.Name); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown diagnostic code",
				Detail:   detail,
				Subject:  attr.SrcRange.Ptr(),
				Extra:    codeUnknownDiagnosticCode,
			})
			continue
		}
		out = append(out, ExpectedFailure{Code: attr.Name, Range: e.Range()})
	}
	return out, diags
}

// suggestCode is the registered code closest to name, within hcl's "Did you mean" distance.
func suggestCode(name string) string {
	var names []string
	for _, c := range diagcode.All() {
		names = append(names, c.Name)
	}
	return compile.Suggest(name, names)
}
