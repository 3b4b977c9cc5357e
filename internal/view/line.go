package view

import "github.com/hashicorp/hcl/v2"

// DiagnosticLine renders d on one line, for golden files and logs:
//
//	error main.hcl:3,3-8: Unsupported argument; An argument named "bogus" is not expected here.
//	warning Deprecated setting; Use "x" instead.
//
// It is the severity word ("error", "warning" or "unknown"), a space, and
// d.Error() (hcl's "FILE:LINE,COL-COL: Summary; Detail", with the Subject as
// given, not widened); a diagnostic without a Subject leaves out the
// location and its colon. A nil d gives "".
func DiagnosticLine(d *hcl.Diagnostic) string {
	if d == nil {
		return ""
	}
	sev := SeverityString(d.Severity)
	if d.Subject == nil {
		return sev + " " + d.Summary + "; " + d.Detail
	}
	return sev + " " + d.Error()
}
