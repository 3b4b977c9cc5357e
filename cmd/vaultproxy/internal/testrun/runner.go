package testrun

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// Execute runs every run block of s, file by file in order, telling rep what happens, and sets the
// statuses. It runs nothing when s.Diagnostics holds an error. Each run compiles its own
// configuration in its own environment, so a run depends on no other: a failed or errored run
// does not skip the next (Terraform skips them, since its runs share state; ours share none).
func Execute(s *Suite, opts Options, rep Reporter) {
	if s.Diagnostics.HasErrors() {
		return
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	rep.Abstract(s)
	for _, f := range s.Files {
		rep.File(f, Starting)
		for _, r := range f.Runs {
			rep.Run(r, f, Starting)
			start := now()
			executeRun(r, s, opts)
			r.Meta = &RunMeta{Start: start, Duration: now().Sub(start)}
			f.Status = f.Status.Merge(r.Status)
			rep.Run(r, f, Complete)
		}
		// Nothing was created, so nothing is torn down; the step is reported all the same, so that
		// the output reads as `terraform test`'s.
		rep.File(f, TearDown)
		rep.File(f, Complete) // a file without runs stays pending, as in Terraform

		s.Status = s.Status.Merge(f.Status)
	}
	rep.Conclusion(s)
}

// executeRun loads the run's configuration in its environment, matches the errors with
// expect_failures and evaluates the assertions.
func executeRun(r *Run, s *Suite, opts Options) {
	paths := []string{opts.Dir}
	if r.Config != nil {
		paths = nil
		for _, p := range r.Config {
			if !filepath.IsAbs(p) {
				p = filepath.Join(opts.Dir, p)
			}
			paths = append(paths, p)
		}
	}
	env := r.Env
	l := opts.Load(paths, func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
	for name, src := range l.Sources {
		s.Sources[name] = src
	}
	r.Plan = l.Plan
	if l.Refused != "" {
		r.Status = Error
		r.Diagnostics = append(r.Diagnostics, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Configuration cannot be read",
			Detail:   l.Refused,
			Subject:  r.DeclRange.Ptr(),
			Extra:    codeUnreadableRunConfiguration,
		})
		return
	}

	expected := map[string]bool{}
	for _, ef := range r.ExpectFailures {
		expected[ef.Code] = false
	}
	unexpected := false
	for _, d := range l.Diagnostics {
		if d.Severity == hcl.DiagError {
			if _, ok := expected[diagcode.Name(d)]; ok {
				// An expected failure is the run's to check, not to report.
				expected[diagcode.Name(d)] = true
				continue
			}
			unexpected = true
		}
		r.Diagnostics = append(r.Diagnostics, d)
	}
	if unexpected {
		// Terraform's run errors when its plan does: the assertions are not evaluated over a
		// configuration that did not compile as the test expected.
		r.Status = Error
		return
	}

	r.Status = Pass
	ctx := evalContext(l)
	for _, a := range r.Asserts {
		status, diags := evaluateAssert(a, ctx)
		r.Status = r.Status.Merge(status)
		r.Diagnostics = append(r.Diagnostics, diags...)
	}
	for _, ef := range r.ExpectFailures {
		if expected[ef.Code] {
			continue
		}
		r.Status = r.Status.Merge(Fail)
		r.Diagnostics = append(r.Diagnostics, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing expected failure",
			Detail:   fmt.Sprintf("The configuration was expected to report an error with the code %s but did not.", ef.Code),
			Subject:  ef.Range.Ptr(),
			Extra:    codeMissingExpectedFailure,
		})
	}
}
