package view

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// DocsURL is where docs/diagnostics.md is published; a code's section is DocsURL + "#" + its name
// (the generated headings are the code names, so GitHub's anchors are the names themselves).
const DocsURL = "https://github.com/vaultproxy/vaultproxy/blob/main/docs/diagnostics.md"

// Report is what the machine formats of `validate` (SARIF, GitHub, JUnit, checkstyle, compact)
// are written from: the diagnostics in the order to print them (compile.SortDiagnostics), the
// source of every file read, and the rules that were checked.
type Report struct {
	Diagnostics hcl.Diagnostics
	// Sources maps each file read, by the name its diagnostics' ranges carry, to its bytes.
	Sources map[string][]byte
	// Rules are the codes checked (diagcode.All()): JUnit has a testcase for each and SARIF a rule.
	Rules []*diagcode.Code
	// ToolVersion is the version of vaultproxy, as `vaultproxy version` prints it.
	ToolVersion string
}

// files returns every file of the report, sorted: the sources read and any file a diagnostic names.
func (r *Report) files() []string {
	seen := map[string]bool{}
	for name := range r.Sources {
		seen[name] = true
	}
	for _, d := range r.Diagnostics {
		if d != nil && d.Subject != nil {
			seen[d.Subject.Filename] = true
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// diagnostics returns the report's diagnostics in their machine form (ranges widened as the JSON
// output widens them), leaving out nil ones.
func (r *Report) diagnostics() []*Diagnostic {
	ss := newSourceSet(r.Sources)
	out := make([]*Diagnostic, 0, len(r.Diagnostics))
	for _, d := range r.Diagnostics {
		if d != nil {
			out = append(out, ss.diagnostic(d))
		}
	}
	return out
}

// message is a diagnostic's text for formats with one message field: the summary, and the detail
// after a colon when there is one.
func message(d *Diagnostic) string {
	if strings.TrimSpace(d.Detail) == "" {
		return d.Summary
	}
	return d.Summary + ": " + d.Detail
}

// oneLine collapses every run of white space (line breaks included) to one space, for the formats
// that give a diagnostic one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// CompactLine is a diagnostic as `validate -format=compact` prints it, the line compilers and
// linters print, which editors and CI log scanners (GitHub's problem matchers, Emacs's
// compilation-mode, Vim's errorformat) read:
//
//	a.hcl:6:3: error: Unsupported argument: An argument named "bogus" is not expected here. [unsupported_argument]
//
// A diagnostic without a range leaves out the position and its colon; one without a code, the brackets.
func CompactLine(d *Diagnostic) string {
	var b strings.Builder
	if d.Range != nil {
		b.WriteString(d.Range.Filename + ":" + strconv.Itoa(d.Range.Start.Line) + ":" + strconv.Itoa(d.Range.Start.Column) + ": ")
	}
	b.WriteString(d.Severity + ": " + oneLine(message(d)))
	if d.Code != "" {
		b.WriteString(" [" + d.Code + "]")
	}
	return b.String()
}
