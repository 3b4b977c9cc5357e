package view

import (
	"encoding/xml"
	"io"
	"sort"
	"strings"

	"github.com/vaultproxy/vaultproxy/diagcode"
)

// NoFileSuite names the JUnit testsuite of the diagnostics that have no range (from the
// environment or the command line rather than a file).
const NoFileSuite = "(configuration)"

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as a JUnit XML report, the form CI servers (Jenkins, GitLab, Azure Pipelines)
// show as tests: a testsuite for every file read, in name order, and one for the diagnostics
// without a file (NoFileSuite) when there are any; in each, a testcase for every rule checked (its
// code), in name order, with the file as its classname. A testcase fails when the file has a
// diagnostic of that code: the failure's message is the first such diagnostic's, its type the
// severity ("error", or "warning" when every one is a warning), and its text one CompactLine per
// diagnostic, which gives each one's position. Warnings fail their testcase as errors do, as
// ESLint's JUnit formatter has them; the exit code, not the report, says whether validation passed.
func WriteJUnit(w io.Writer, r *Report) error {
	byFile := map[string][]*Diagnostic{}
	for _, d := range r.diagnostics() {
		name := NoFileSuite
		if d.Range != nil {
			name = d.Range.Filename
		}
		byFile[name] = append(byFile[name], d)
	}
	files := r.files()
	if len(byFile[NoFileSuite]) > 0 {
		files = append(files, NoFileSuite)
	}
	doc := junitSuites{Name: "vaultproxy validate"}
	for _, file := range files {
		s := junitSuiteFor(file, r.Rules, byFile[file])
		doc.Suites = append(doc.Suites, s)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
	}
	return writeXML(w, doc)
}

// junitSuiteFor is the testsuite of one file: a testcase for each rule and for each other code
// (or none) that the file's diagnostics carry.
func junitSuiteFor(file string, rules []*diagcode.Code, diags []*Diagnostic) junitSuite {
	byCode := map[string][]*Diagnostic{}
	for _, d := range diags {
		byCode[d.Code] = append(byCode[d.Code], d)
	}
	names := make([]string, 0, len(rules)+len(byCode))
	seen := map[string]bool{}
	for _, c := range rules {
		if !seen[c.Name] {
			seen[c.Name] = true
			names = append(names, c.Name)
		}
	}
	for code := range byCode {
		if !seen[code] {
			seen[code] = true
			names = append(names, code)
		}
	}
	sort.Strings(names)

	s := junitSuite{Name: file}
	for _, name := range names {
		tc := junitCase{Name: name, Classname: file}
		if tc.Name == "" {
			tc.Name = "(no code)"
		}
		if ds := byCode[name]; len(ds) > 0 {
			tc.Failure = junitFailureFor(ds)
			s.Failures++
		}
		s.Cases = append(s.Cases, tc)
	}
	s.Tests = len(s.Cases)
	return s
}

func junitFailureFor(ds []*Diagnostic) *junitFailure {
	f := &junitFailure{Message: oneLine(message(ds[0])), Type: SeverityWarning}
	lines := make([]string, 0, len(ds))
	for _, d := range ds {
		if d.Severity != SeverityWarning {
			f.Type = SeverityError
		}
		lines = append(lines, CompactLine(d))
	}
	f.Text = strings.Join(lines, "\n")
	return f
}
