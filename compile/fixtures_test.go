package compile_test

import (
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
)

// TestFixtures runs compile's golden cases, fixtures/compile/<block or check>/. Each is compiled and
// then checked by validate's rules, as `vaultproxy validate` does, so that its want/diagnostics holds
// what the user sees (go test ./compile -run TestFixtures -update rewrites them; review every
// change); a case with a want/plan.json section also holds the plan's JSON document. validate's TestFixtures runs the user-report and rule cases the same way.
func TestFixtures(t *testing.T) {
	for _, c := range fixtures.Load(t, "compile") {
		t.Run(c.Name, func(t *testing.T) {
			srcs := make([]compile.Source, 0, len(c.Files))
			for _, f := range c.Files {
				srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
			}
			plan, diags := compile.Compile(srcs, compile.Options{Env: c.LookupEnv})
			diags = append(diags, validate.Plan(plan)...)
			compile.SortDiagnostics(diags)
			c.CheckDiagnostics(t, diags)
			if _, ok := c.Want("plan.json"); ok {
				// A case that shows what a configuration is read as holds its plan too.
				doc, err := plan.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				c.Check(t, "plan.json", append(doc, '\n'))
			}
		})
	}
}

// TestPlanFileFixtures runs the golden cases of plan files, fixtures/planfile/<check>/: each holds one
// plan file, read as `vaultproxy validate plan.json` reads it (DecodePlanFile, then, when it decodes,
// validate's rules), so that its want/diagnostics holds what the user sees, at the plan file's lines
// and columns (go test ./compile -run TestPlanFileFixtures -update rewrites them; review every change).
func TestPlanFileFixtures(t *testing.T) {
	for _, c := range fixtures.Load(t, "planfile") {
		t.Run(c.Name, func(t *testing.T) {
			if len(c.Files) != 1 {
				t.Fatalf("a plan-file case holds one file, the plan file; %s holds %d", c.Name, len(c.Files))
			}
			plan, diags := compile.DecodePlanFile(c.Files[0].Name, c.Files[0].Data)
			if !diags.HasErrors() {
				diags = append(diags, validate.Plan(plan)...)
				diags = append(diags, compile.PlanFileEnvWarnings(c.LookupEnv)...)
			}
			compile.SortDiagnostics(diags)
			c.CheckDiagnostics(t, diags)
		})
	}
}
