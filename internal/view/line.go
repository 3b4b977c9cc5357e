package view

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// DiagnosticLine renders d on one line, for golden files and logs:
//
//	error [unsupported_argument] main.hcl:3,3-8: Unsupported argument; An argument named "bogus" is not expected here.
//	warning [deprecated_argument] Deprecated setting; Use "x" instead.
//
// It is the severity word ("error", "warning" or "unknown"), a space, the
// diagnostic's code in brackets and a space (left out when it has none), and
// d.Error() (hcl's "FILE:LINE,COL-COL: Summary; Detail", with the Subject as
// given, not widened); a diagnostic without a Subject leaves out the
// location and its colon. A nil d gives "". Golden files hold these lines, so
// they pin each diagnostic's code as well as its text.
func DiagnosticLine(d *hcl.Diagnostic) string {
	if d == nil {
		return ""
	}
	sev := SeverityString(d.Severity)
	if code := diagcode.Name(d); code != "" {
		sev += " [" + code + "]"
	}
	if d.Subject == nil {
		return sev + " " + d.Summary + "; " + d.Detail
	}
	return sev + " " + d.Error()
}
