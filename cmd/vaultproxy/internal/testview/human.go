package testview

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/preview"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/testrun"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
)

// Human is the output for people: a line per file as it starts, tears down and completes, a line
// per run with its status, each diagnostic after its run (errors on Err, warnings on Out, as every
// command prints them), and the summary line.
type Human struct {
	Out, Err io.Writer
	// Color turns on Terraform's colours and the boxed diagnostics (view.ColorEnabled decides).
	Color bool
	// Verbose prints each run's plan preview after its line, as terraform test -verbose prints the
	// plan.
	Verbose bool
	// Sources are the files diagnostics point into (testrun.Suite.Sources).
	Sources map[string][]byte
}

// The colours of Terraform's colorstring tags that the test view uses.
const (
	lightGray = "\x1b[37m"
	green     = "\x1b[32m"
	red       = "\x1b[31m"
	reset     = "\x1b[0m"
)

func (h *Human) color(c, s string) string {
	if !h.Color {
		return s
	}
	return c + s + reset
}

// status is a status word in Terraform's colours (colorizeTestStatus).
func (h *Human) status(s testrun.Status) string {
	switch s {
	case testrun.Pass:
		return h.color(green, s.String())
	case testrun.Fail, testrun.Error:
		return h.color(red, s.String())
	default:
		return h.color(lightGray, s.String())
	}
}

// Abstract prints nothing, as Terraform's human view.
func (h *Human) Abstract(*testrun.Suite) {}

func (h *Human) File(f *testrun.File, p testrun.Progress) {
	switch p {
	case testrun.Starting, testrun.Running:
		fmt.Fprintf(h.Out, "%s... %s\n", f.Name, h.color(lightGray, "in progress"))
	case testrun.TearDown:
		fmt.Fprintf(h.Out, "%s... %s\n", f.Name, h.color(lightGray, "tearing down"))
	case testrun.Complete:
		fmt.Fprintf(h.Out, "%s... %s\n", f.Name, h.status(f.Status))
		h.Diagnostics(f, nil, f.Diagnostics)
	}
}

func (h *Human) Run(r *testrun.Run, _ *testrun.File, p testrun.Progress) {
	if p != testrun.Complete {
		return // no progress lines for a run, as Terraform's human view
	}
	fmt.Fprintf(h.Out, "  run %q... %s\n", r.Name, h.status(r.Status))
	if h.Verbose && r.Plan != nil && r.Status != testrun.Error {
		fmt.Fprintln(h.Out)
		_ = preview.Write(h.Out, r.Plan)
		fmt.Fprintln(h.Out)
	}
	h.Diagnostics(nil, r, r.Diagnostics)
	for _, d := range r.Diagnostics {
		if d.Severity == hcl.DiagWarning {
			// The warnings went to Out: a blank line sets them apart from what follows.
			fmt.Fprintln(h.Out)
			break
		}
	}
}

// Diagnostics prints diags, errors on Err and warnings on Out.
func (h *Human) Diagnostics(_ *testrun.File, _ *testrun.Run, diags hcl.Diagnostics) {
	p := view.Printer{Color: h.Color, Width: view.DefaultWidth}
	for _, d := range diags {
		w := h.Out
		if d.Severity == hcl.DiagError {
			w = h.Err
		}
		_ = p.PrintDiagnostic(w, d, h.Sources)
	}
}

func (h *Human) Conclusion(s *testrun.Suite) {
	fmt.Fprintln(h.Out)
	c := count(s)
	if s.Status <= testrun.Skip {
		fmt.Fprintln(h.Out, "Executed 0 tests"+skipped(c))
		return
	}
	word := h.color(green, "Success!")
	if s.Status != testrun.Pass {
		word = h.color(red, "Failure!")
	}
	fmt.Fprintf(h.Out, "%s %d passed, %d failed%s\n", word, c.passed, c.failed+c.errored, skipped(c))
}

// counts are the runs of a suite by status.
type counts struct{ passed, failed, errored, skipped int }

func count(s *testrun.Suite) counts {
	var c counts
	for _, f := range s.Files {
		for _, r := range f.Runs {
			switch r.Status {
			case testrun.Pass:
				c.passed++
			case testrun.Fail:
				c.failed++
			case testrun.Error:
				c.errored++
			case testrun.Skip:
				c.skipped++
			}
		}
	}
	return c
}

// skipped ends the summary line: ", N skipped." or ".".
func skipped(c counts) string {
	if c.skipped > 0 {
		return fmt.Sprintf(", %d skipped.", c.skipped)
	}
	return "."
}

// summary is the summary line without colour, as the JSON's test_summary message says it.
func summary(s *testrun.Suite) string {
	c := count(s)
	switch {
	case s.Status <= testrun.Skip:
		return "Executed 0 tests" + skipped(c)
	case s.Status == testrun.Pass:
		return fmt.Sprintf("Success! %d passed, %d failed%s", c.passed, c.failed+c.errored, skipped(c))
	default:
		return fmt.Sprintf("Failure! %d passed, %d failed%s", c.passed, c.failed+c.errored, skipped(c))
	}
}
