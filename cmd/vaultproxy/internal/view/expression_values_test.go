package view

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// A diagnostic that carries its expression and EvalContext lists the value of each reference in it,
// as Terraform's: the longest part that evaluates, once, sorted, summarised as compactValueStr does.
func TestExpressionValues(t *testing.T) {
	src := []byte(`condition = a.b[0] == "x" && length(c) == 2 && a.b[0] != d.missing && e`)
	f, diags := hclsyntax.ParseConfig(src, "t.vptest.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	attrs, _ := f.Body.JustAttributes()
	expr := attrs["condition"].Expr
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"a": cty.ObjectVal(map[string]cty.Value{"b": cty.ListVal([]cty.Value{cty.StringVal("y")})}),
		"c": cty.ListVal([]cty.Value{cty.True, cty.False, cty.True}),
		"d": cty.ObjectVal(map[string]cty.Value{"n": cty.NumberIntVal(10)}),
		"e": cty.NullVal(cty.Bool),
	}}
	d := NewDiagnostic(&hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Test assertion failed", Detail: "x",
		Subject: expr.Range().Ptr(), Expression: expr, EvalContext: ctx,
	}, map[string][]byte{"t.vptest.hcl": src})
	want := []DiagnosticExpressionValue{
		{"a.b[0]", `is "y"`},
		{"c", "is list of bool with 3 elements"},
		{"d", `is object with 1 attribute "n"`},
		{"e", "is null"},
	}
	if diff := cmp.Diff(want, d.Snippet.Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if got := NewDiagnostic(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: expr.Range().Ptr()},
		map[string][]byte{"t.vptest.hcl": src}).Snippet.Values; got == nil || len(got) != 0 {
		t.Errorf("without an EvalContext: values %#v, want []", got)
	}
}
