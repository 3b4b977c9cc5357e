package compile

import (
	"bytes"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/zclconf/go-cty/cty"

	hcl1scanner "github.com/hashicorp/hcl/hcl/scanner"
	hcl1token "github.com/hashicorp/hcl/hcl/token"
)

// hcl/v2 and Vault Proxy's HCL 1 read some heredocs differently: for "<<-EOT", HCL 1 removes the
// closing marker's indentation from each line, and nothing at all when a line (an empty one too) lacks
// it, where hcl/v2 removes the least indentation of the lines; for "<<EOT" with an indented closing
// marker, HCL 1 keeps that indentation as the value's last characters (hashicorp/hcl v1.0.1-vault-7,
// hcl/scanner/scanner.go scanHeredoc and hcl/token/token.go unindentHeredoc). So that a heredoc means
// what Vault Proxy reads in every file, and not only in one that hcl/v2 refuses, each heredoc of a file
// that hcl/v2 reads takes HCL 1's value.

var codeHeredocReadDifferently = diagcode.New("heredoc_read_differently",
	"A heredoc that HCL 2 reads as another value than Vault Proxy's HCL 1 (its indentation); vaultproxy reads HCL 1's value.",
	"vault {\n  namespace = <<-EOT\n      team\n    EOT\n}")

// HeredocReading is a constant heredoc that hcl/v2 and Vault Proxy's HCL 1 read as different values.
type HeredocReading struct {
	Expr       *hclsyntax.TemplateExpr
	HCL1, HCL2 string // the two values
}

// HeredocsReadDifferently returns each constant heredoc in body, parsed by hcl/v2 from src, whose
// value HCL 1 reads differently from its source. A heredoc with a template is left out: it is an
// error (constantError). The compiler takes HCL 1's value; `vaultproxy fmt` writes it as a quoted
// string.
func HeredocsReadDifferently(body *hclsyntax.Body, src []byte) []HeredocReading {
	var out []HeredocReading
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		e, ok := n.(*hclsyntax.TemplateExpr)
		if !ok {
			return nil
		}
		rng := e.SrcRange
		if rng.Start.Byte < 0 || rng.End.Byte > len(src) || rng.Start.Byte >= rng.End.Byte ||
			!bytes.HasPrefix(src[rng.Start.Byte:], []byte("<<")) {
			return nil
		}
		if bad, _ := nonConstant(e); bad != nil {
			return nil
		}
		v2, vdiags := e.Value(nil)
		if vdiags.HasErrors() || v2.Type() != cty.String || v2.IsNull() {
			return nil
		}
		if v1, ok := HCL1HeredocValue(src[rng.Start.Byte:rng.End.Byte]); ok && v1 != v2.AsString() {
			out = append(out, HeredocReading{Expr: e, HCL1: v1, HCL2: v2.AsString()})
		}
		return nil
	})
	return out
}

// hcl1Heredocs gives each heredoc in body that HCL 1 reads differently HCL 1's value, and returns a
// warning for each.
func hcl1Heredocs(body *hclsyntax.Body, src []byte) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, h := range HeredocsReadDifferently(body, src) {
		rng := h.Expr.SrcRange
		h.Expr.Parts = []hclsyntax.Expression{&hclsyntax.LiteralValueExpr{Val: cty.StringVal(h.HCL1), SrcRange: rng}}
		diags = append(diags, heredocWarning(rng, src[rng.Start.Byte:rng.End.Byte], h.HCL1, h.HCL2))
	}
	return diags
}

// HCL1HeredocValue is the value HCL 1 reads from text, a heredoc's source from "<<" to its closing
// marker; ok is false when HCL 1 does not read it as a heredoc. `vaultproxy fmt` writes the value
// it returns in place of a heredoc that HCL 2 reads differently.
func HCL1HeredocValue(text []byte) (_ string, ok bool) {
	defer func() {
		if recover() != nil { // HCL 1's scanner is old code: a panic is HCL 1 refusing it
			ok = false
		}
	}()
	// HCL 1's parser replaces every "\r\n" first (hcl/parser/parser.go), and its scanner ends a heredoc
	// only at a newline after the closing marker.
	text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	text = append(bytes.TrimRight(text, "\n"), '\n')
	s := hcl1scanner.New(text)
	failed := false
	s.Error = func(hcl1token.Pos, string) { failed = true }
	t := s.Scan()
	if failed || t.Type != hcl1token.HEREDOC {
		return "", false
	}
	v, err := hcl1StringValue(t)
	return v, err == nil
}

func heredocWarning(rng hcl.Range, src []byte, v1, v2 string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Heredoc read differently by Vault Proxy",
		Detail: fmt.Sprintf("Vault Proxy's HCL 1 reads this heredoc as %q, and so does vaultproxy; HCL 2 reads %q: %s "+
			"`vaultproxy fmt` writes it as a quoted string of Vault Proxy's value, which both read the same.",
			v1, v2, heredocRule(src)),
		Subject: rng.Ptr(),
		Extra:   codeHeredocReadDifferently,
	}
}

// heredocRule is the sentence that says why HCL 1 reads text, a heredoc's source, another way.
func heredocRule(text []byte) string {
	switch {
	case bytes.Contains(text, []byte("\r\n")):
		return "HCL 1 reads each \"\\r\\n\" line end as \"\\n\" (its parser replaces them first)."
	case bytes.HasPrefix(text, []byte("<<-")):
		return "for a \"<<-\" heredoc, HCL 1 removes from each line the closing marker's indentation, and nothing at all when a line (an empty one too) lacks it."
	}
	return "for a \"<<\" heredoc, HCL 1 keeps an indented closing marker's indentation as the value's last characters."
}
