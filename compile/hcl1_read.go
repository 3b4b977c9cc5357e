package compile

import (
	"bytes"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/apparentlymart/go-textseg/v15/textseg"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	hcl1ast "github.com/hashicorp/hcl/hcl/ast"
	hcl1parser "github.com/hashicorp/hcl/hcl/parser"
	hcl1strconv "github.com/hashicorp/hcl/hcl/strconv"
	hcl1token "github.com/hashicorp/hcl/hcl/token"
)

// Vault Proxy reads its native syntax with HCL 1 (github.com/hashicorp/hcl v1.0.1-vault-7, the version
// in hashicorp/vault's go.mod; command/proxy/config/config.go parses with it). A file that hcl/v2
// refuses but HCL 1 reads is read here with HCL 1's own parser and turned into the hclsyntax tree
// that hcl/v2 would have given for the same items, with every range at the bytes it covers in the
// file: the rest of the compiler does not know which parser read the file.

// hcl1Reader turns an HCL 1 syntax tree into hclsyntax nodes for one file.
type hcl1Reader struct {
	name string
	src  []byte // the file as written
	// crs holds, for each "\r\n" of src, the offset of its "\n" in the text HCL 1 parsed: its parser
	// replaces every "\r\n" with "\n" first (hcl/parser/parser.go), so its offsets are in that text.
	crs        []int
	lineStarts []int // the offset in src of each line's first byte
	diags      hcl.Diagnostics
	hex        []hcl1Hex         // the hexadecimal numbers, in the order read
	forms      []*hcl.Diagnostic // a warning for each HCL 1 form (findForms)
	text       []byte            // the text HCL 1 parsed (findForms)
	exact      []hcl1ExactForm   // a warning for each form inside a string (exactForm)
}

// hcl1Hex is a hexadecimal number, which hcl/v2 has not: where it is, its text and its value.
type hcl1Hex struct {
	rng  hcl.Range
	text string
	val  cty.Value
}

// parseHCL1 parses src, a native-syntax file, with HCL 1's parser as Vault Proxy does, and returns
// its top-level body as hclsyntax nodes, with ranges in src, and the reader, whose diags hold what
// reading values found (a string HCL 1 cannot unquote, an argument set twice). ok is false when HCL 1
// refuses the file too.
func parseHCL1(src []byte, name string) (_ *hclsyntax.Body, _ *hcl1Reader, ok bool) {
	defer func() {
		// HCL 1's scanner and parser are old code: a panic on some input is HCL 1 refusing it.
		if recover() != nil {
			ok = false
		}
	}()
	f, err := hcl1parser.ParseDontErrorOnDuplicateKeys(src)
	if err != nil || f == nil {
		return nil, nil, false
	}
	list, isList := f.Node.(*hcl1ast.ObjectList)
	if !isList {
		return nil, nil, false
	}
	r := newHCL1Reader(src, name)
	end := r.pos(len(src) - len(r.crs))
	body := r.body(list, hcl.Range{Filename: name, Start: hcl.InitialPos, End: end}, hcl.Range{Filename: name, Start: end, End: end})
	r.findForms(list, normalizedText(src))
	return body, r, true
}

func newHCL1Reader(src []byte, name string) *hcl1Reader {
	r := &hcl1Reader{name: name, src: src, lineStarts: []int{0}}
	removed := 0
	for i, c := range src {
		if c != '\n' {
			continue
		}
		r.lineStarts = append(r.lineStarts, i+1)
		if i > 0 && src[i-1] == '\r' {
			removed++
			r.crs = append(r.crs, i-removed)
		}
	}
	return r
}

// pos is the position in src of offset n of the text HCL 1 parsed.
func (r *hcl1Reader) pos(n int) hcl.Pos {
	n += sort.SearchInts(r.crs, n) // each "\r" removed before n
	n = min(max(n, 0), len(r.src))
	line := sort.Search(len(r.lineStarts), func(i int) bool { return r.lineStarts[i] > n }) - 1
	start := r.lineStarts[line]
	col, _ := textseg.TokenCount(r.src[start:n], textseg.ScanGraphemeClusters)
	return hcl.Pos{Line: line + 1, Column: col + 1, Byte: n}
}

// span is the range of the n bytes from p in the text HCL 1 parsed.
func (r *hcl1Reader) span(p hcl1token.Pos, n int) hcl.Range {
	return hcl.Range{Filename: r.name, Start: r.pos(p.Offset), End: r.pos(p.Offset + n)}
}

// tokenRange is the range of a token. A heredoc's text ends with the newline after its closing
// marker, which hcl/v2's range leaves out.
func (r *hcl1Reader) tokenRange(t hcl1token.Token) hcl.Range {
	if t.Type == hcl1token.HEREDOC {
		return r.span(t.Pos, len(strings.TrimSuffix(t.Text, "\n")))
	}
	return r.span(t.Pos, len(t.Text))
}

// nodeRange is the range of an HCL 1 value.
func (r *hcl1Reader) nodeRange(n hcl1ast.Node) hcl.Range {
	switch n := n.(type) {
	case *hcl1ast.LiteralType:
		return r.tokenRange(n.Token)
	case *hcl1ast.ListType:
		return hcl.RangeBetween(r.span(n.Lbrack, 1), r.span(n.Rbrack, 1))
	case *hcl1ast.ObjectType:
		return hcl.RangeBetween(r.span(n.Lbrace, 1), r.span(n.Rbrace, 1))
	}
	return r.span(n.Pos(), 0)
}

// keyName is a key's name: an identifier as written, a quoted one unquoted.
func (r *hcl1Reader) keyName(k *hcl1ast.ObjectKey) string {
	if k.Token.Type != hcl1token.STRING {
		return k.Token.Text
	}
	s, err := hcl1strconv.Unquote(k.Token.Text)
	if err != nil {
		r.invalidString(r.tokenRange(k.Token), err)
	}
	return s
}

// body turns the items of an object into a body: an item with "=" is an attribute, one without a
// block whose keys after the first are its labels, as HCL 1's decoder reads them.
func (r *hcl1Reader) body(list *hcl1ast.ObjectList, rng, end hcl.Range) *hclsyntax.Body {
	out := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: end}
	for _, item := range list.Items {
		if len(item.Keys) == 0 {
			continue
		}
		typ := item.Keys[0]
		if item.Assign.IsValid() {
			a := &hclsyntax.Attribute{
				Name: r.keyName(typ), Expr: r.expr(item.Val),
				NameRange: r.tokenRange(typ.Token), EqualsRange: r.span(item.Assign, 1),
			}
			a.SrcRange = hcl.RangeBetween(a.NameRange, a.Expr.Range())
			if prev := out.Attributes[a.Name]; prev != nil {
				// Vault Proxy 1.21 refuses an argument set twice (docs/differences.md); hcl/v2 says so
				// in these words.
				r.diags = append(r.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Attribute redefined",
					Detail:   fmt.Sprintf("The argument %q was already set at %s. Each argument may be set only once.", a.Name, prev.NameRange),
					Subject:  a.NameRange.Ptr(),
					Context:  a.SrcRange.Ptr(),
					Extra:    codeDuplicateArgument,
				})
				continue
			}
			out.Attributes[a.Name] = a
			continue
		}
		obj, isObj := item.Val.(*hcl1ast.ObjectType)
		if !isObj {
			continue // HCL 1's parser gives an item without "=" an object only
		}
		b := &hclsyntax.Block{Type: r.keyName(typ), TypeRange: r.tokenRange(typ.Token)}
		for _, l := range item.Keys[1:] {
			b.Labels = append(b.Labels, r.keyName(l))
			b.LabelRanges = append(b.LabelRanges, r.tokenRange(l.Token))
		}
		b.OpenBraceRange, b.CloseBraceRange = r.span(obj.Lbrace, 1), r.span(obj.Rbrace, 1)
		end := b.CloseBraceRange
		end.Start = end.End
		b.Body = r.body(obj.List, hcl.RangeBetween(b.OpenBraceRange, b.CloseBraceRange), end)
		if items := obj.List.Items; len(items) == 1 && items[0].Assign.IsValid() && items[0].Pos().Line == obj.Lbrace.Line {
			// hcl/v2's block written on one line: its body is its one argument.
			for _, a := range b.Body.Attributes {
				b.Body.SrcRange = a.SrcRange
				b.Body.EndRange = hcl.Range{Filename: r.name, Start: a.SrcRange.End, End: a.SrcRange.End}
			}
		}
		out.Blocks = append(out.Blocks, b)
	}
	return out
}

// expr turns an HCL 1 value into the hclsyntax expression of the same value.
func (r *hcl1Reader) expr(n hcl1ast.Node) hclsyntax.Expression {
	rng := r.nodeRange(n)
	switch n := n.(type) {
	case *hcl1ast.LiteralType:
		return r.literal(n.Token, rng)
	case *hcl1ast.ListType:
		t := &hclsyntax.TupleConsExpr{SrcRange: rng, OpenRange: r.span(n.Lbrack, 1)}
		for _, e := range n.List {
			t.Exprs = append(t.Exprs, r.expr(e))
		}
		return t
	case *hcl1ast.ObjectType:
		return r.object(n.List, rng, r.span(n.Lbrace, 1))
	}
	return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
}

// object turns the items of an HCL 1 object value into an object constructor. An item without "="
// (`config = { a "b" { c = 1 } }`) is an object under each of its keys, as HCL 1 decodes it.
func (r *hcl1Reader) object(list *hcl1ast.ObjectList, rng, open hcl.Range) *hclsyntax.ObjectConsExpr {
	out := &hclsyntax.ObjectConsExpr{SrcRange: rng, OpenRange: open}
	for _, item := range list.Items {
		if len(item.Keys) == 0 {
			continue
		}
		val := r.expr(item.Val)
		for i := len(item.Keys) - 1; i >= 1; i-- {
			k := item.Keys[i]
			inner := hclsyntax.ObjectConsItem{KeyExpr: r.objectKey(k), ValueExpr: val}
			val = &hclsyntax.ObjectConsExpr{Items: []hclsyntax.ObjectConsItem{inner},
				SrcRange: hcl.RangeBetween(r.tokenRange(k.Token), val.Range()), OpenRange: r.tokenRange(k.Token)}
		}
		out.Items = append(out.Items, hclsyntax.ObjectConsItem{KeyExpr: r.objectKey(item.Keys[0]), ValueExpr: val})
	}
	return out
}

// objectKey is a key of an object constructor as hclsyntax writes one: a name, or a quoted string.
func (r *hcl1Reader) objectKey(k *hcl1ast.ObjectKey) *hclsyntax.ObjectConsKeyExpr {
	rng := r.tokenRange(k.Token)
	if k.Token.Type == hcl1token.STRING {
		return &hclsyntax.ObjectConsKeyExpr{Wrapped: r.literal(k.Token, rng)}
	}
	return &hclsyntax.ObjectConsKeyExpr{Wrapped: &hclsyntax.ScopeTraversalExpr{
		Traversal: hcl.Traversal{hcl.TraverseRoot{Name: k.Token.Text, SrcRange: rng}}, SrcRange: rng}}
}

// literal is the expression of a literal token, with the value HCL 1 gives it. A number keeps its
// text in the source, from which the compiler reads it as HCL 1 does for the setting's kind
// (readNumber; a string setting keeps the text).
func (r *hcl1Reader) literal(t hcl1token.Token, rng hcl.Range) hclsyntax.Expression {
	switch t.Type {
	case hcl1token.BOOL:
		return &hclsyntax.LiteralValueExpr{Val: cty.BoolVal(t.Text == "true"), SrcRange: rng}
	case hcl1token.NUMBER, hcl1token.FLOAT:
		v := hcl1Number(t.Text)
		if strings.ContainsAny(t.Text, "xX") {
			r.hex = append(r.hex, hcl1Hex{rng, t.Text, v})
		}
		return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng}
	case hcl1token.STRING, hcl1token.HEREDOC:
		return r.stringExpr(t, rng)
	}
	return &hclsyntax.LiteralValueExpr{Val: cty.DynamicVal, SrcRange: rng}
}

// hcl1Number is the value of an HCL 1 number: strconv.ParseInt(text, 0, 64) for an integer, as
// HCL 1's token.Value and decoder read one (0x1F is 31, 0755 is 493), else the number written.
func hcl1Number(text string) cty.Value {
	if i, err := strconv.ParseInt(text, 0, 64); err == nil {
		return cty.NumberIntVal(i)
	}
	if v, err := cty.ParseNumberVal(text); err == nil {
		return v
	}
	if i, ok := new(big.Int).SetString(text, 0); ok {
		return cty.NumberVal(new(big.Float).SetInt(i))
	}
	digits := strings.TrimLeft(strings.TrimPrefix(text, "-"), "0")
	if v, err := cty.ParseNumberVal("0" + digits); err == nil { // 08: an invalid octal number
		if strings.HasPrefix(text, "-") {
			return v.Negate()
		}
		return v
	}
	return cty.Zero
}

// stringExpr is a quoted string or a heredoc. HCL 1 has no templates and reads "${" and "%{" as
// written; but a template that hcl/v2 reads, such as "${host}", stays the error that hcl/v2's reading
// gives ("Templates are not allowed", docs/differences.md), as in a file that hcl/v2 reads.
func (r *hcl1Reader) stringExpr(t hcl1token.Token, rng hcl.Range) hclsyntax.Expression {
	s, err := hcl1StringValue(t)
	if err != nil {
		r.invalidString(rng, err)
		return &hclsyntax.LiteralValueExpr{Val: cty.StringVal(""), SrcRange: rng}
	}
	text := r.src[rng.Start.Byte:rng.End.Byte]
	if t.Type == hcl1token.HEREDOC && !bytes.HasSuffix(text, []byte("\n")) {
		text = append(append([]byte(nil), text...), '\n') // hcl/v2 ends a heredoc with a newline
	}
	if bytes.Contains(text, []byte("${")) || bytes.Contains(text, []byte("%{")) {
		if e, diags := hclsyntax.ParseExpression(text, r.name, rng.Start); !diags.HasErrors() {
			if bad, _ := nonConstant(e); bad != nil {
				return e
			}
		}
	}
	inner := rng
	if t.Type == hcl1token.STRING && rng.End.Byte-rng.Start.Byte >= 2 {
		inner.Start.Byte++
		inner.Start.Column++
		inner.End.Byte--
		inner.End.Column--
	}
	return &hclsyntax.TemplateExpr{
		Parts:    []hclsyntax.Expression{&hclsyntax.LiteralValueExpr{Val: cty.StringVal(s), SrcRange: inner}},
		SrcRange: rng,
	}
}

// hcl1StringValue is the text HCL 1 reads from a string or heredoc token (token.Value, which
// panics where this returns an error).
func hcl1StringValue(t hcl1token.Token) (s string, err error) {
	if t.Type == hcl1token.STRING {
		return hcl1strconv.Unquote(t.Text)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	v, _ := t.Value().(string)
	return v, nil
}

func (r *hcl1Reader) invalidString(rng hcl.Range, err error) {
	r.diags = append(r.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid string",
		Detail:   fmt.Sprintf("Vault Proxy's HCL 1 fails to read this string: %s.", strings.TrimSuffix(err.Error(), ".")),
		Subject:  rng.Ptr(),
		Extra:    codeSyntaxError,
	})
}
