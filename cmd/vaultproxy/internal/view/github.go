package view

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// WriteGitHub writes one GitHub Actions workflow command for each diagnostic of r, which the runner
// turns into an annotation on the file and lines, in the run's summary and the pull request's diff
// (docs.github.com, "Workflow commands for GitHub Actions"):
//
//	::error file=a.hcl,line=6,col=3,endLine=6,endColumn=7,title=unsupported_argument::Unsupported argument: …
//
// An error is ::error, anything else ::warning. The columns are given only when the range is on one
// line, because an annotation takes columns only then (the Checks API's annotation object); endColumn
// is the last column of the range, which is inclusive there, where hcl's End is exclusive.
func WriteGitHub(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, d := range r.diagnostics() {
		bw.WriteString(GitHubCommand(d))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// GitHubCommand is the workflow command of one diagnostic.
func GitHubCommand(d *Diagnostic) string {
	cmd := "warning"
	if d.Severity == SeverityError {
		cmd = "error"
	}
	var props []string
	add := func(k, v string) { props = append(props, k+"="+escapeGitHubProperty(v)) }
	if r := d.Range; r != nil {
		add("file", r.Filename)
		add("line", strconv.Itoa(r.Start.Line))
		if r.Start.Line == r.End.Line {
			add("col", strconv.Itoa(r.Start.Column))
		}
		add("endLine", strconv.Itoa(r.End.Line))
		if r.Start.Line == r.End.Line {
			add("endColumn", strconv.Itoa(max(r.End.Column-1, r.Start.Column)))
		}
	}
	if d.Code != "" {
		add("title", d.Code)
	}
	s := "::" + cmd
	if len(props) > 0 {
		s += " " + strings.Join(props, ",")
	}
	return s + "::" + escapeGitHubData(message(d))
}

// The escapes of the runner's command parser, as actions/toolkit packages/core/src/command.ts
// writes them (escapeData, escapeProperty). A Replacer makes one pass, so an escape's own % is never
// escaped again.
var (
	gitHubData     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	gitHubProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeGitHubData(s string) string     { return gitHubData.Replace(s) }
func escapeGitHubProperty(s string) string { return gitHubProperty.Replace(s) }
