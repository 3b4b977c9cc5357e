package hclfmt

import (
	"bytes"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	hcl1scanner "github.com/hashicorp/hcl/hcl/scanner"
	hcl1token "github.com/hashicorp/hcl/hcl/token"
)

// quoteHeredocs returns src, a file that hcl/v2 reads, with each heredoc that Vault Proxy's HCL 1
// reads as another value than hcl/v2 (its indentation: hashicorp/hcl v1.0.1-vault-7,
// hcl/token/token.go unindentHeredoc) written as a quoted string of HCL 1's value, which both read
// the same; compile reads HCL 1's value and warns (heredoc_read_differently). Every other byte is kept.
func quoteHeredocs(src []byte) []byte {
	f, diags := hclsyntax.ParseConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() {
		return src
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		e, ok := n.(*hclsyntax.TemplateExpr)
		if !ok {
			return nil
		}
		rng := e.SrcRange
		if rng.Start.Byte < 0 || rng.End.Byte > len(src) || rng.Start.Byte >= rng.End.Byte ||
			!bytes.HasPrefix(src[rng.Start.Byte:], []byte("<<")) {
			return nil
		}
		for _, p := range e.Parts {
			if lit, ok := p.(*hclsyntax.LiteralValueExpr); !ok || lit.Val.Type() != cty.String {
				return nil // a template, which compile refuses: kept as written
			}
		}
		v2, vdiags := e.Value(nil)
		if vdiags.HasErrors() || v2.Type() != cty.String || v2.IsNull() {
			return nil
		}
		if v1, ok := hcl1Heredoc(src[rng.Start.Byte:rng.End.Byte]); ok && v1 != v2.AsString() {
			edits = append(edits, edit{rng.Start.Byte, rng.End.Byte, quoteHCL(v1)})
		}
		return nil
	})
	if len(edits) == 0 {
		return src
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out bytes.Buffer
	at := 0
	for _, e := range edits {
		if e.start < at {
			continue
		}
		out.Write(src[at:e.start])
		out.WriteString(e.text)
		at = e.end
	}
	out.Write(src[at:])
	return out.Bytes()
}

// hcl1Heredoc is the value HCL 1 reads from text, a heredoc's source from "<<" to its closing marker;
// ok is false when HCL 1 does not read it as one heredoc.
func hcl1Heredoc(text []byte) (_ string, ok bool) {
	defer func() {
		if recover() != nil { // token.Value panics on what HCL 1 cannot read
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
	return stringValue(t), true
}
