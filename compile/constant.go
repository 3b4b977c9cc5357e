package compile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/zclconf/go-cty/cty"
)

// Vault Proxy's HCL 1 has no expressions: a value is a literal (a string, a number, true or false, a
// heredoc) or a list or object of literals. It reads "${...}" and "%{...}" in a string as text, and
// fails to load anything else (an operator, a function call, a conditional, a name). HCL 2 evaluates
// all of these, so vaultproxy reads a native-syntax value only when it is a constant literal, and
// reports any other expression at its range before converting the value (convert). JSON strings are
// read as written already (no evaluation context), so only native syntax is checked.

// nonConstant returns the first part of expr that is not a constant literal, and whether that part is
// a template sequence (an interpolation or a directive in a string), or nil when expr is constant.
func nonConstant(expr hcl.Expression) (hcl.Expression, bool) {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return nil, false
	case *hclsyntax.TemplateExpr:
		// The text of a string is a literal string part; an interpolation of a literal is a part
		// too, but never a string (a quoted string is itself a template).
		for _, p := range e.Parts {
			if lit, ok := p.(*hclsyntax.LiteralValueExpr); !ok || lit.Val.Type() != cty.String {
				return p, true
			}
		}
		return nil, false
	case *hclsyntax.TemplateWrapExpr:
		return e.Wrapped, true
	case *hclsyntax.UnaryOpExpr:
		// A negative number is written as a minus and a number literal.
		if lit, ok := e.Val.(*hclsyntax.LiteralValueExpr); ok && e.Op == hclsyntax.OpNegate && lit.Val.Type() == cty.Number {
			return nil, false
		}
	case *hclsyntax.TupleConsExpr:
		for _, item := range e.Exprs {
			if bad, tmpl := nonConstant(item); bad != nil {
				return bad, tmpl
			}
		}
		return nil, false
	case *hclsyntax.ObjectConsExpr:
		for _, item := range e.Items {
			if bad, tmpl := nonConstant(item.KeyExpr); bad != nil {
				return bad, tmpl
			}
			if bad, tmpl := nonConstant(item.ValueExpr); bad != nil {
				return bad, tmpl
			}
		}
		return nil, false
	case *hclsyntax.ObjectConsKeyExpr:
		// A bare name is the key itself; a parenthesized key is an expression.
		if !e.ForceNonLiteral && hcl.ExprAsKeyword(e.Wrapped) != "" {
			return nil, false
		}
		if e.ForceNonLiteral {
			return e, false
		}
		return nonConstant(e.Wrapped)
	case hclsyntax.Expression:
		return e, false
	default:
		return nil, false // HCL's JSON syntax
	}
	return expr, false
}

// The codes of constantError's errors.
var (
	codeTemplateNotAllowed = diagcode.New("template_not_allowed",
		"A ${ } or %{ } template in a string, which Vault Proxy's HCL 1 reads as text and HCL 2 evaluates.",
		"vault {\n  namespace = \"${var.ns}\"\n}")
	codeExpressionNotAllowed = diagcode.New("expression_not_allowed",
		"An expression (an operator, a function call, a name) where Vault Proxy's HCL 1 takes only a literal.",
		"vault {\n  retry {\n    num_retries = 2 + 3\n  }\n}")
)

// constantError is the error for an attribute whose native-syntax value is not a constant literal, or
// nil when it is one.
func (d *decoder) constantError(a *attribute) *hcl.Diagnostic {
	bad, inTemplate := nonConstant(a.expr)
	if bad == nil {
		return nil
	}
	if inTemplate {
		text := d.sourceText(a)
		shown := text
		if strings.Contains(text, "\n") {
			shown = "this value"
		}
		detail := fmt.Sprintf("Vault Proxy's HCL 1 has no templates and reads %s as written, where HCL 2 evaluates it; vaultproxy reads configurations as constants.", shown)
		if inner, ok := strings.CutPrefix(text, `"`); ok && strings.HasSuffix(inner, `"`) && !strings.ContainsAny(inner[:len(inner)-1], "\"\\\n") {
			literal := strings.NewReplacer("${", `\u0024{`, "%{", `\u0025{`).Replace(text)
			detail += fmt.Sprintf(" Write the value that was meant, or %s = %s for the text as written, which both read the same.", a.name, literal)
		} else {
			detail += ` Write the value that was meant, or write \u0024{ and \u0025{ in a quoted string for a literal "${" and "%{", which both read the same.`
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Templates are not allowed",
			Detail:   detail,
			Subject:  bad.Range().Ptr(),
			Context:  a.rng.Ptr(),
			Extra:    codeTemplateNotAllowed,
		}
	}
	detail := "vaultproxy reads configurations as constants, and Vault Proxy's HCL 1 has no expressions: it fails to load this one."
	if v, diags := bad.Value(nil); !diags.HasErrors() {
		if lit := literalText(v); lit != "" {
			detail += fmt.Sprintf(" Write the value itself: %s.", lit)
		} else {
			detail += " Write the value itself as a literal."
		}
	} else {
		detail += " Write the value itself as a literal: a quoted string, a number, true or false, or a list or object of them."
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Expressions are not allowed",
		Detail:   detail,
		Subject:  bad.Range().Ptr(),
		Context:  a.rng.Ptr(),
		Extra:    codeExpressionNotAllowed,
	}
}

// literalText writes a primitive value as the literal that HCL 1 and HCL 2 both read as it, or "".
func literalText(v cty.Value) string {
	if v.IsNull() || !v.IsWhollyKnown() {
		return ""
	}
	switch v.Type() {
	case cty.String:
		s := strconv.Quote(v.AsString())
		return strings.NewReplacer("${", `\u0024{`, "%{", `\u0025{`).Replace(s)
	case cty.Bool:
		return strconv.FormatBool(v.True())
	case cty.Number:
		if bf := v.AsBigFloat(); bf.IsInt() {
			return bf.Text('f', -1)
		}
	}
	return ""
}
