package view

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// expressionValues lists what the expression of a diagnostic read, as Terraform's JSON diagnostic
// does (hashicorp/terraform internal/command/views/json/diagnostic.go): for each reference in it,
// the longest part that evaluates without error, once, with a short statement of its value ("is
// 10", "is list of object with 2 elements"), sorted by reference. Terraform leaves out a reference
// of one name alone, since its roots (var, local) are never values; here a root (plan,
// diagnostics) is a value, and is shown.
func expressionValues(d *hcl.Diagnostic) []DiagnosticExpressionValue {
	values := []DiagnosticExpressionValue{}
	if d.Expression == nil || d.EvalContext == nil {
		return values
	}
	seen := map[string]bool{}
	for _, tr := range d.Expression.Variables() {
		for ; len(tr) > 0; tr = tr[:len(tr)-1] {
			v, diags := tr.TraverseAbs(d.EvalContext)
			if diags.HasErrors() {
				continue
			}
			name := traversalString(tr)
			if !seen[name] && v.IsWhollyKnown() {
				seen[name] = true
				values = append(values, DiagnosticExpressionValue{Traversal: name, Statement: "is " + compactValue(v)})
			}
			break
		}
	}
	sort.Slice(values, func(i, j int) bool { return values[i].Traversal < values[j].Traversal })
	return values
}

// compactValue is Terraform's compactValueStr: a primitive in full, a collection or an object by its
// type and size.
func compactValue(v cty.Value) string {
	ty := v.Type()
	switch {
	case v.IsNull():
		return "null"
	case ty == cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	case ty == cty.Number:
		return v.AsBigFloat().Text('g', 10)
	case ty == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case ty.IsCollectionType() || ty.IsTupleType():
		switch n := v.LengthInt(); n {
		case 0:
			return "empty " + ty.FriendlyName()
		case 1:
			return ty.FriendlyName() + " with 1 element"
		default:
			return fmt.Sprintf("%s with %d elements", ty.FriendlyName(), n)
		}
	case ty.IsObjectType():
		attrs := ty.AttributeTypes()
		switch len(attrs) {
		case 0:
			return "object with no attributes"
		case 1:
			for name := range attrs {
				return fmt.Sprintf("object with 1 attribute %q", name)
			}
		}
		return fmt.Sprintf("object with %d attributes", len(attrs))
	default:
		return ty.FriendlyName()
	}
}

// traversalString is Terraform's traversalStr: a reference as written, an index by its value when
// it is a primitive, "..." otherwise.
func traversalString(tr hcl.Traversal) string {
	var b strings.Builder
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type().IsPrimitiveType() {
				b.WriteString("[" + compactValue(s.Key) + "]")
			} else {
				b.WriteString("[...]")
			}
		}
	}
	return b.String()
}
