package testrun

import (
	"testing"

	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/zclconf/go-cty/cty"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/fixtures"
	"github.com/vaultproxy/vaultproxy/validate"
)

// TestEvalContextOverFixtures builds what a run's expressions see for every golden configuration,
// those with errors included (an expect_failures run reads their partial plan): plan has PlanType's
// type and diagnostics holds every diagnostic, with its code and range.
func TestEvalContextOverFixtures(t *testing.T) {
	for _, dir := range []string{"cases", "compile", "validate"} {
		for _, c := range fixtures.Load(t, dir) {
			var srcs []compile.Source
			sources := map[string][]byte{}
			for _, f := range c.Files {
				srcs = append(srcs, compile.Source{Name: f.Name, Bytes: f.Data})
				sources[f.Name] = f.Data
			}
			p, diags := compile.Compile(srcs, compile.Options{Env: c.LookupEnv})
			diags = append(diags, validate.Plan(p)...)
			compile.SortDiagnostics(diags)
			ctx := evalContext(Loaded{Plan: p, Diagnostics: diags, Sources: sources})
			if errs := ctx.Variables["plan"].Type().TestConformance(compile.PlanType()); errs != nil {
				t.Errorf("%s: plan does not conform to PlanType: %v", c.Name, errs)
			}
			ds := ctx.Variables["diagnostics"]
			if ds.LengthInt() != len(diags) {
				t.Errorf("%s: diagnostics holds %d, want %d", c.Name, ds.LengthInt(), len(diags))
				continue
			}
			for i, d := range diags {
				v := ds.Index(cty.NumberIntVal(int64(i)))
				if got := v.GetAttr("code").AsString(); got == "" || got != diagcode.Name(d) {
					t.Errorf("%s: diagnostics[%d].code = %q, want %q", c.Name, i, got, diagcode.Name(d))
				}
				if (d.Subject == nil) != v.GetAttr("range").IsNull() {
					t.Errorf("%s: diagnostics[%d].range is null: %t, the diagnostic has a range: %t", c.Name, i, v.GetAttr("range").IsNull(), d.Subject != nil)
				}
			}
		}
	}
}
