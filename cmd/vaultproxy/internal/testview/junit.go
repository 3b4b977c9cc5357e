package testview

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testrun"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// JUnitXML is the report terraform test -junit-xml writes (hashicorp/terraform
// internal/command/junit/junit.go): a testsuite per file, sorted by name, a testcase per run whose
// classname is the file; a failed run holds a failure whose message counts the failed assertions
// and quotes the first's error_message, and whose body is those assertions' diagnostics; an
// errored run an error with every error diagnostic; the run's other diagnostics go to system-err.
// Diagnostics are in the plain layout at 80 columns.
func JUnitXML(s *testrun.Suite) []byte {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	_ = enc.EncodeToken(xml.ProcInst{Target: "xml", Inst: []byte(`version="1.0" encoding="UTF-8"`)})
	enc.Indent("", "  ")
	name := func(s string) xml.Name { return xml.Name{Local: s} }
	_ = enc.EncodeToken(xml.StartElement{Name: name("testsuites")})
	// Discover sorts the files by name, as Terraform sorts them here.
	for _, f := range s.Files {
		c := map[testrun.Status]int{}
		for _, r := range f.Runs {
			c[r.Status]++
		}
		_ = enc.EncodeToken(xml.StartElement{Name: name("testsuite"), Attr: []xml.Attr{
			{Name: name("name"), Value: f.Name},
			{Name: name("tests"), Value: strconv.Itoa(len(f.Runs))},
			{Name: name("skipped"), Value: strconv.Itoa(c[testrun.Skip])},
			{Name: name("failures"), Value: strconv.Itoa(c[testrun.Fail])},
			{Name: name("errors"), Value: strconv.Itoa(c[testrun.Error])},
		}})
		for _, r := range f.Runs {
			tc := newTestCase(r, f, s.Sources)
			_ = enc.EncodeElement(&tc, xml.StartElement{Name: name("testcase")})
		}
		_ = enc.EncodeToken(xml.EndElement{Name: name("testsuite")})
	}
	_ = enc.EncodeToken(xml.EndElement{Name: name("testsuites")})
	_ = enc.Close()
	return buf.Bytes()
}

type withMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Body    string `xml:",cdata"`
}

type testCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Skipped   *withMessage `xml:"skipped,omitempty"`
	Failure   *withMessage `xml:"failure,omitempty"`
	Error     *withMessage `xml:"error,omitempty"`
	Stderr    *withMessage `xml:"system-err,omitempty"`
	// RunTime is in seconds; 0 means not known and is left out, as Terraform leaves it.
	RunTime   float64 `xml:"time,attr,omitempty"`
	Timestamp string  `xml:"timestamp,attr,omitempty"`
}

func newTestCase(r *testrun.Run, f *testrun.File, sources map[string][]byte) testCase {
	tc := testCase{Name: r.Name, Classname: f.Name}
	if r.Meta != nil {
		tc.RunTime = r.Meta.Duration.Seconds()
		tc.Timestamp = r.Meta.Start.UTC().Format(time.RFC3339)
	}
	var failed, errs, rest hcl.Diagnostics
	for _, d := range r.Diagnostics {
		switch {
		case r.Status == testrun.Fail && isFailure(d):
			failed = append(failed, d)
		case r.Status == testrun.Error && d.Severity == hcl.DiagError:
			errs = append(errs, d)
		default:
			rest = append(rest, d)
		}
	}
	switch r.Status {
	case testrun.Skip:
		tc.Skipped = &withMessage{}
	case testrun.Fail:
		tc.Failure = &withMessage{Message: failureMessage(failed, len(r.Asserts)), Body: plain(failed, sources)}
	case testrun.Error:
		tc.Error = &withMessage{Message: "Encountered an error", Body: plain(errs, sources)}
	}
	if len(rest) > 0 {
		tc.Stderr = &withMessage{Body: plain(rest, sources)}
	}
	return tc
}

// isFailure reports a diagnostic that makes a run fail: a failed assertion, or a missing expected
// failure. Terraform's report keeps the latter in system-err and leaves the failure empty; here it
// is the failure, so that a CI page says why the run failed.
func isFailure(d *hcl.Diagnostic) bool {
	name := diagcode.Name(d)
	return d.Severity == hcl.DiagError && (name == "test_assertion_failed" || name == "missing_expected_failure")
}

// failureMessage is Terraform's: "1 of 3 assertions failed: MESSAGE", or "2 of 3 assertions failed,
// including: MESSAGE" with the first failed assertion's error_message. When no assertion failed, it
// is the first failure's summary and detail ("Missing expected failure: ...").
func failureMessage(failed hcl.Diagnostics, asserts int) string {
	var assertions hcl.Diagnostics
	for _, d := range failed {
		if diagcode.Name(d) == "test_assertion_failed" {
			assertions = append(assertions, d)
		}
	}
	switch {
	case len(assertions) == 1:
		return fmt.Sprintf("%d of %d assertions failed: %s", len(assertions), asserts, assertions[0].Detail)
	case len(assertions) > 1:
		return fmt.Sprintf("%d of %d assertions failed, including: %s", len(assertions), asserts, assertions[0].Detail)
	case len(failed) > 0:
		return failed[0].Summary + ": " + failed[0].Detail
	}
	return ""
}

// plain is the diagnostics in the plain layout at 80 columns, as Terraform's format.DiagnosticPlain.
func plain(diags hcl.Diagnostics, sources map[string][]byte) string {
	var b strings.Builder
	p := view.Printer{Width: 80}
	for _, d := range diags {
		_ = p.PrintDiagnostic(&b, d, sources)
	}
	return b.String()
}
