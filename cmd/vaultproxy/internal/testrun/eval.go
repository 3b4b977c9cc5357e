package testrun

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/internal/view"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// evalContext is what a run's expressions see: plan, the object `plan -json` prints (null when
// nothing could be compiled), diagnostics, the list `validate -json` prints, and the functions, with
// request() deciding over this plan.
func evalContext(l Loaded) *hcl.EvalContext {
	planVal := cty.NullVal(compile.PlanType())
	if l.Plan != nil {
		planVal = l.Plan.CtyValue()
	}
	funcs := functions()
	funcs["request"] = requestFunc(l.Plan)
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"plan":        planVal,
			"diagnostics": diagnosticsValue(l.Diagnostics, l.Sources),
		},
		Functions: funcs,
	}
}

// diagnosticsValue is the diagnostics as `validate -json` prints them: its document's
// "diagnostics" list, as view.ValidateOutput.CtyValue reads it (a member the JSON leaves out is null).
func diagnosticsValue(diags hcl.Diagnostics, sources map[string][]byte) cty.Value {
	doc, err := view.NewValidateOutput(diags, sources).CtyValue()
	if err != nil {
		// The type is view.Diagnostic's: a mismatch is a bug, which view's tests catch.
		panic(fmt.Sprintf("testrun: %v", err))
	}
	return doc.GetAttr("diagnostics")
}

// evaluateAssert evaluates one assertion as Terraform does (internal/moduletest/eval_context.go):
// an error evaluating it, or a condition that is null or not a boolean, is an error; a false
// condition fails with the error_message, the condition's range and what it read.
func evaluateAssert(a Assert, ctx *hcl.EvalContext) (Status, hcl.Diagnostics) {
	cond, diags := a.Condition.Value(ctx)
	withExprCodes(diags)
	if diags.HasErrors() {
		return Error, diags
	}
	invalid := func(detail string) (Status, hcl.Diagnostics) {
		return Error, append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Invalid condition run",
			Detail:      detail,
			Subject:     a.Condition.Range().Ptr(),
			Expression:  a.Condition,
			EvalContext: ctx,
			Extra:       codeInvalidCondition,
		})
	}
	if cond.IsNull() {
		return invalid("Condition expression must return either true or false, not null.")
	}
	cond, err := convert.Convert(cond, cty.Bool)
	if err != nil {
		return invalid(fmt.Sprintf("Invalid condition run value: %s.", err))
	}
	if cond.True() {
		return Pass, diags
	}
	msg, mdiags := errorMessage(a.ErrorMessage, ctx)
	diags = append(diags, mdiags...)
	if mdiags.HasErrors() {
		return Error, diags
	}
	return Fail, append(diags, &hcl.Diagnostic{
		Severity:    hcl.DiagError,
		Summary:     "Test assertion failed",
		Detail:      msg,
		Subject:     a.Condition.Range().Ptr(),
		Expression:  a.Condition,
		EvalContext: ctx,
		Extra:       codeAssertionFailed,
	})
}

// errorMessage evaluates an assertion's error_message, which must be a string.
func errorMessage(expr hcl.Expression, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	withExprCodes(diags)
	if diags.HasErrors() {
		return "", diags
	}
	invalid := func(detail string) (string, hcl.Diagnostics) {
		return "", append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Invalid error message",
			Detail:      detail,
			Subject:     expr.Range().Ptr(),
			Expression:  expr,
			EvalContext: ctx,
			Extra:       codeInvalidErrorMessage,
		})
	}
	if v.IsNull() {
		return invalid("Unsuitable value for error message: must not be null.")
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return invalid(fmt.Sprintf("Unsuitable value for error message: %s.", err))
	}
	return s.AsString(), diags
}

// withExprCodes gives hcl's evaluation diagnostics (an unknown variable or attribute, a function's
// bad argument...) the code of an expression that cannot be evaluated.
func withExprCodes(diags hcl.Diagnostics) {
	for _, d := range diags {
		if diagcode.Of(d) == nil {
			codeExpressionError.Set(d)
		}
	}
}
