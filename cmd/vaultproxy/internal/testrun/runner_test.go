package testrun

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vaultproxy/vaultproxy/compile"
)

// recorder writes down what a Reporter is told.
type recorder struct{ events []string }

func (r *recorder) Abstract(s *Suite) {
	r.events = append(r.events, fmt.Sprintf("abstract %d", len(s.Files)))
}
func (r *recorder) File(f *File, p Progress) {
	r.events = append(r.events, fmt.Sprintf("file %s %s %s", f.Name, p, f.Status))
}
func (r *recorder) Run(run *Run, f *File, p Progress) {
	r.events = append(r.events, fmt.Sprintf("run %s %s %s", run.Name, p, run.Status))
}
func (r *recorder) Conclusion(s *Suite) { r.events = append(r.events, "conclusion "+s.Status.String()) }

// Execute tells the reporter what happens in Terraform's order, gives each run its own paths and
// environment (nothing else), and merges the statuses upwards.
func TestExecute(t *testing.T) {
	src := `run "a" {
  assert {
    condition     = true
    error_message = "x"
  }
}

run "b" {
  config = ["other.hcl", "/abs/x.hcl"]
  env    = { VAULT_ADDR = "https://v.example.test:8200" }
  assert {
    condition     = false
    error_message = "fails"
  }
}
`
	dir := filepath.Join("some", "dir")
	f, diags := ParseFile(filepath.Join(dir, "t.vptest.hcl"), []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var loads []string
	load := func(paths []string, env func(string) (string, bool)) Loaded {
		addr, _ := env("VAULT_ADDR")
		_, home := env("HOME")
		loads = append(loads, fmt.Sprintf("%s addr=%q home=%t", strings.Join(paths, ","), addr, home))
		return fuzzLoad(paths, env)
	}
	s := &Suite{Files: []*File{f}, Sources: map[string][]byte{}}
	rec := &recorder{}
	Execute(s, Options{Dir: dir, Load: load}, rec)
	name := filepath.Join(dir, "t.vptest.hcl")
	want := []string{
		"abstract 1",
		"file " + name + " starting pending",
		"run a starting pending",
		"run a complete pass",
		"run b starting pending",
		"run b complete fail",
		"file " + name + " teardown fail",
		"file " + name + " complete fail",
		"conclusion fail",
	}
	if diff := cmp.Diff(want, rec.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantLoads := []string{
		dir + ` addr="" home=false`,
		filepath.Join(dir, "other.hcl") + `,/abs/x.hcl addr="https://v.example.test:8200" home=false`,
	}
	if diff := cmp.Diff(wantLoads, loads); diff != "" {
		t.Errorf("loads (-want +got):\n%s", diff)
	}
	if _, ok := s.Sources["proxy.hcl"]; !ok {
		t.Error("the configuration's sources are not in the suite's, for the diagnostics")
	}
	if f.Runs[1].Meta == nil || f.Runs[1].Plan == nil || f.Runs[1].Plan.Vault().Address().Get() != "https://v.example.test:8200" {
		t.Errorf("run b: meta %v, plan %v: want both, the plan compiled in the run's environment", f.Runs[1].Meta, f.Runs[1].Plan)
	}
}

// A suite whose test files have errors runs nothing and tells the reporter nothing.
func TestExecuteInvalidSuite(t *testing.T) {
	f, diags := ParseFile("t.vptest.hcl", []byte(`run "a" { bogus = 1 }`))
	s := &Suite{Files: []*File{f}, Diagnostics: diags}
	rec := &recorder{}
	Execute(s, Options{Load: func([]string, func(string) (string, bool)) Loaded {
		t.Error("loaded a configuration for an invalid test file")
		return Loaded{Plan: &compile.Plan{}}
	}}, rec)
	if !diags.HasErrors() || len(rec.events) != 0 {
		t.Errorf("diagnostics %v, events %q: want an error and nothing run", diags, rec.events)
	}
}
