package validate

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/fixtures"
)

// check compiles and validates a case as the CLI's loadFrom does: the rules run on the plan even when
// compiling found errors (Plan leaves out what those explain), and the diagnostics are sorted as every
// output prints them. cmd/vaultproxy's TestFixturesThroughCLI checks that loadFrom agrees.
func check(c *fixtures.Case) hcl.Diagnostics {
	plan, diags := compile.Compile(sources(c), compile.Options{Env: c.LookupEnv})
	diags = append(diags, Plan(plan)...)
	compile.SortDiagnostics(diags)
	return diags
}

func sources(c *fixtures.Case) []compile.Source {
	srcs := make([]compile.Source, 0, len(c.Files))
	for _, f := range c.Files {
		srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
	}
	return srcs
}

// TestFixtures runs the golden cases from user reports (fixtures/cases) and per validation rule
// (fixtures/validate/<rule>); compile's tests run fixtures/compile. Each case's want/diagnostics holds
// one fixtures.DiagnosticLine per diagnostic, code included (go test ./validate -update rewrites them;
// review every change). Every diagnostic must have a registered code (package diagcode), which
// Case.CheckDiagnostics checks.
func TestFixtures(t *testing.T) {
	for _, dir := range []string{"cases", "validate"} {
		for _, c := range fixtures.Load(t, dir) {
			t.Run(c.Name, func(t *testing.T) {
				c.CheckDiagnostics(t, check(c))
			})
		}
	}
}

// TestEveryRuleHasFixtures makes sure each rule has its directory of cases, fixtures/validate/<rule>/,
// and that at least one of them triggers the rule and at least one is clean of it.
func TestEveryRuleHasFixtures(t *testing.T) {
	for _, r := range Rules() {
		t.Run(r.Name, func(t *testing.T) {
			fired, clean := false, false
			for _, c := range fixtures.Load(t, "validate/"+r.Name) {
				plan, diags := compile.Compile(sources(c), compile.Options{Env: c.LookupEnv})
				if diags.HasErrors() {
					t.Errorf("%s: does not compile, so it cannot exercise the rule: %v", c.Name, diags)
					continue
				}
				if len(r.Check(plan)) > 0 {
					fired = true
				} else {
					clean = true
				}
			}
			if !fired {
				t.Errorf("no case under fixtures/validate/%s triggers the rule", r.Name)
			}
			if !clean {
				t.Errorf("no case under fixtures/validate/%s passes the rule", r.Name)
			}
		})
	}
}

// TestCodeExamples checks that each code's example produces it: the example, compiled and validated
// as config.hcl is (the content decides the syntax), reports a diagnostic with that code. Examples
// that are command lines ("$ ...": a path, a flag or the environment) are produced by
// cmd/vaultproxy's TestDiagnosticCodes instead.
func TestCodeExamples(t *testing.T) {
	for _, code := range diagcode.All() {
		if strings.HasPrefix(code.Example, "$ ") {
			continue
		}
		t.Run(code.Name, func(t *testing.T) {
			c := &fixtures.Case{Files: []fixtures.File{{Name: "config.hcl", Data: []byte(code.Example + "\n")}}}
			var got []string
			for _, d := range check(c) {
				if diagcode.Of(d) == code {
					return
				}
				got = append(got, fixtures.DiagnosticLine(d))
			}
			t.Errorf("the example does not produce %s; it produces:\n%s\nexample:\n%s", code.Name, strings.Join(got, "\n"), code.Example)
		})
	}
}

// aboutTheWholePlan are the codes of findings about no value in particular, which have no range in a
// configuration either.
var aboutTheWholePlan = map[string]bool{"nothing_to_run": true}

// TestRulesOnPlanFilePointAtPlanFile runs every rule case that compiles without error as a plan file
// would be: the plan written as `plan -out` writes it (even when the rules refuse it, as a hand-edited
// plan file may be), read back, and checked. The rules must find the same problems, each at a range in
// the plan file: the configuration's lines are not what the user was given.
func TestRulesOnPlanFilePointAtPlanFile(t *testing.T) {
	for _, dir := range []string{"cases", "validate"} {
		for _, c := range fixtures.Load(t, dir) {
			compiled, diags := compile.Compile(sources(c), compile.Options{Env: c.LookupEnv})
			if diags.HasErrors() {
				continue
			}
			want := Plan(compiled)
			if len(want) == 0 {
				continue
			}
			t.Run(c.Name, func(t *testing.T) {
				doc, err := compiled.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				decoded, ddiags := compile.DecodePlanFile("plan.json", doc)
				if ddiags.HasErrors() {
					t.Fatalf("the plan does not read back: %v", ddiags)
				}
				got := Plan(decoded)
				if len(got) != len(want) {
					t.Fatalf("%d diagnostics from the plan file, %d from the configuration:\n%v\n%v", len(got), len(want), got, want)
				}
				for i, d := range got {
					if diagcode.Of(d) != diagcode.Of(want[i]) || d.Summary != want[i].Summary {
						t.Errorf("diagnostic %d is %s, from the configuration %s", i, fixtures.DiagnosticLine(d), fixtures.DiagnosticLine(want[i]))
					}
					if d.Subject == nil && aboutTheWholePlan[diagcode.Of(d).Name] {
						continue
					}
					if d.Subject == nil || d.Subject.Filename != "plan.json" || d.Subject.Start.Line < 1 || d.Subject.End.Byte <= d.Subject.Start.Byte {
						t.Errorf("not at a range of the plan file: %s", fixtures.DiagnosticLine(d))
					}
				}
			})
		}
	}
}
