package testview

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testrun"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
)

// UIVersion is the version of the machine-readable messages, Terraform's at the time of writing
// (internal/command/views/json_view.go): a program reads them as it reads terraform test -json.
const UIVersion = "1.2"

// JSON writes one JSON object a line, as terraform test -json does: the log fields @level,
// @message, @module and @timestamp, the message's type and its payload under a key of the type's
// name, and @testfile and @testrun naming what the message is about. The keys are sorted, as
// hclog's JSON output sorts them.
type JSON struct {
	Out io.Writer
	// Now stamps each message; time.Now when nil.
	Now func() time.Time
	// Version is vaultproxy's version, for the first message.
	Version string
	// Verbose adds a test_plan message, the plan as plan -json prints it, after each run.
	Verbose bool
	// Sources are the files diagnostics point into (testrun.Suite.Sources).
	Sources map[string][]byte
}

// The payloads of the messages (Terraform's internal/command/views/json/test.go).
type (
	fileStatus struct {
		Path     string `json:"path"`
		Progress string `json:"progress"`
		Status   string `json:"status,omitempty"`
	}
	runStatus struct {
		Path     string `json:"path"`
		Run      string `json:"run"`
		Progress string `json:"progress"`
		Elapsed  *int64 `json:"elapsed,omitempty"`
		Status   string `json:"status,omitempty"`
	}
	suiteSummary struct {
		Status  string `json:"status"`
		Passed  int    `json:"passed"`
		Failed  int    `json:"failed"`
		Errored int    `json:"errored"`
		Skipped int    `json:"skipped"`
	}
)

// log writes one message; fields are pairs of key and value.
func (j *JSON) log(level, message string, fields ...any) {
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	m := map[string]any{
		"@level":     level,
		"@message":   message,
		"@module":    "vaultproxy.ui",
		"@timestamp": now().Format("2006-01-02T15:04:05.000000Z07:00"),
	}
	for i := 0; i+1 < len(fields); i += 2 {
		m[fields[i].(string)] = fields[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"@level": "error", "@message": "vaultproxy: " + err.Error(), "type": "log"})
	}
	_, _ = j.Out.Write(append(b, '\n'))
}

// Version writes the first message, as Terraform's JSON view starts with its version.
func (j *JSON) WriteVersion() {
	j.log("info", "vaultproxy "+j.Version, "type", "version", "vaultproxy", j.Version, "ui", UIVersion)
}

func (j *JSON) Abstract(s *testrun.Suite) {
	abstract := map[string][]string{}
	runs := 0
	for _, f := range s.Files {
		names := []string{}
		for _, r := range f.Runs {
			names = append(names, r.Name)
		}
		runs += len(f.Runs)
		abstract[f.Name] = names
	}
	files, blocks := "files", "run blocks"
	if len(s.Files) == 1 {
		files = "file"
	}
	if runs == 1 {
		blocks = "run block"
	}
	j.log("info", fmt.Sprintf("Found %d %s and %d %s", len(s.Files), files, runs, blocks),
		"type", "test_abstract", "test_abstract", abstract)
}

func (j *JSON) File(f *testrun.File, p testrun.Progress) {
	switch p {
	case testrun.Starting, testrun.Running:
		j.log("info", f.Name+"... in progress", "type", "test_file",
			"test_file", fileStatus{Path: f.Name, Progress: testrun.Starting.String()}, "@testfile", f.Name)
	case testrun.TearDown:
		j.log("info", f.Name+"... tearing down", "type", "test_file",
			"test_file", fileStatus{Path: f.Name, Progress: p.String()}, "@testfile", f.Name)
	case testrun.Complete:
		j.log("info", fmt.Sprintf("%s... %s", f.Name, f.Status), "type", "test_file",
			"test_file", fileStatus{Path: f.Name, Progress: p.String(), Status: f.Status.String()}, "@testfile", f.Name)
		j.Diagnostics(f, nil, f.Diagnostics)
	}
}

func (j *JSON) Run(r *testrun.Run, f *testrun.File, p testrun.Progress) {
	if p != testrun.Complete {
		var elapsed int64
		j.log("info", fmt.Sprintf("  %q... in progress", r.Name), "type", "test_run",
			"test_run", runStatus{Path: f.Name, Run: r.Name, Progress: p.String(), Elapsed: &elapsed},
			"@testfile", f.Name, "@testrun", r.Name)
		return
	}
	j.log("info", fmt.Sprintf("  %q... %s", r.Name, r.Status), "type", "test_run",
		"test_run", runStatus{Path: f.Name, Run: r.Name, Progress: p.String(), Status: r.Status.String()},
		"@testfile", f.Name, "@testrun", r.Name)
	if j.Verbose && r.Plan != nil && r.Status != testrun.Error {
		if b, err := r.Plan.MarshalJSON(); err == nil {
			j.log("info", "-verbose flag enabled, printing plan", "type", "test_plan",
				"test_plan", json.RawMessage(b), "@testfile", f.Name, "@testrun", r.Name)
		}
	}
	j.Diagnostics(f, r, r.Diagnostics)
}

// Diagnostics writes one diagnostic message each, as Terraform's JSON view: "Error: SUMMARY" or
// "Warning: SUMMARY", the diagnostic as validate -json prints it.
func (j *JSON) Diagnostics(f *testrun.File, r *testrun.Run, diags hcl.Diagnostics) {
	for _, d := range diags {
		level, word := "error", "Error"
		if d.Severity == hcl.DiagWarning {
			level, word = "warn", "Warning"
		}
		fields := []any{"type", "diagnostic", "diagnostic", view.NewDiagnostic(d, j.Sources)}
		if f != nil {
			fields = append(fields, "@testfile", f.Name)
		}
		if r != nil {
			fields = append(fields, "@testrun", r.Name)
		}
		j.log(level, word+": "+d.Summary, fields...)
	}
}

func (j *JSON) Conclusion(s *testrun.Suite) {
	c := count(s)
	j.log("info", summary(s), "type", "test_summary", "test_summary", suiteSummary{
		Status: s.Status.String(), Passed: c.passed, Failed: c.failed, Errored: c.errored, Skipped: c.skipped,
	})
}
