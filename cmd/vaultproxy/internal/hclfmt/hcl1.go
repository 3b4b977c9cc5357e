package hclfmt

import (
	"bytes"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/schema"

	hcl1ast "github.com/hashicorp/hcl/hcl/ast"
	hcl1parser "github.com/hashicorp/hcl/hcl/parser"
	hcl1strconv "github.com/hashicorp/hcl/hcl/strconv"
	hcl1token "github.com/hashicorp/hcl/hcl/token"
)

// fromHCL1 rewrites src, a file that hcl/v2 refuses, into canonical HCL 2 when Vault Proxy's HCL 1
// reads it (compile reads such a file with HCL 1 too, with an hcl1_form warning): every value as HCL 1
// reads it, written in a form that HCL 1 and HCL 2 both read the same, so that Vault Proxy reads the
// result as it read the file. Comments are kept, each before the item it preceded (or at the end of
// its block), and a comment on an item's line stays on it. ok is false when HCL 1 refuses src too, or
// when the file holds a name that HCL 2 cannot write (a quoted argument name that is not an
// identifier).
func fromHCL1(src []byte) (out []byte, ok bool) {
	defer func() {
		// HCL 1's parser is old code: a panic on some input is HCL 1 refusing it.
		if recover() != nil {
			out, ok = nil, false
		}
	}()
	f, err := hcl1parser.ParseDontErrorOnDuplicateKeys(src)
	if err != nil || f == nil {
		return nil, false
	}
	list, isList := f.Node.(*hcl1ast.ObjectList)
	if !isList {
		return nil, false
	}
	w := &hcl1Writer{comments: f.Comments, written: map[*hcl1ast.CommentGroup]bool{}}
	sort.SliceStable(w.comments, func(i, j int) bool {
		return w.comments[i].Pos().Offset < w.comments[j].Pos().Offset
	})
	w.body(list, 0, schema.Root, "")
	w.commentsBefore(len(src)+1, 0)
	if w.failed {
		return nil, false
	}
	raw := w.buf.Bytes()
	out, ok = keepStrings(raw, hclwrite.Format(raw))
	if !ok {
		return nil, false
	}
	if _, diags := hclsyntax.ParseConfig(out, "", hcl.InitialPos); diags.HasErrors() {
		return nil, false
	}
	return out, true
}

// hcl1Writer writes HCL 1 items as HCL 2. Layout is left to hclwrite.Format afterwards, except line
// breaks, which it keeps.
type hcl1Writer struct {
	buf      bytes.Buffer
	comments []*hcl1ast.CommentGroup // every comment of the file, in source order
	written  map[*hcl1ast.CommentGroup]bool
	failed   bool
	// lastLine is the source line where what was written last ends: an item or comment that starts
	// two lines or more after it is written after a blank line, as it was.
	lastLine int
}

// gap writes a blank line when what starts at source line line was separated by one.
func (w *hcl1Writer) gap(line int) {
	if w.lastLine > 0 && line > w.lastLine+1 {
		w.buf.WriteByte('\n')
	}
}

func (w *hcl1Writer) indent(depth int) { w.buf.WriteString(strings.Repeat("  ", depth)) }

// commentsBefore writes, each on lines of its own, the comments not yet written that start before
// offset (an offset of the text HCL 1 parsed).
func (w *hcl1Writer) commentsBefore(offset, depth int) {
	for _, g := range w.comments {
		if w.written[g] || g.Pos().Offset >= offset {
			continue
		}
		w.written[g] = true
		w.gap(g.Pos().Line)
		for _, c := range g.List {
			w.lastLine = c.Start.Line + strings.Count(c.Text, "\n")
			w.indent(depth)
			w.buf.WriteString(strings.TrimRight(c.Text, " \t\r\n"))
			w.buf.WriteByte('\n')
		}
	}
}

// commentBefore reports a comment not yet written that starts before offset.
func (w *hcl1Writer) commentBefore(offset int) bool {
	for _, g := range w.comments {
		if !w.written[g] && g.Pos().Offset < offset {
			return true
		}
	}
	return false
}

// lineComment writes g, a comment on the line of the item just written, after it.
func (w *hcl1Writer) lineComment(g *hcl1ast.CommentGroup) {
	if g == nil || w.written[g] {
		return
	}
	w.written[g] = true
	for _, c := range g.List {
		w.buf.WriteByte(' ')
		w.buf.WriteString(strings.TrimRight(c.Text, " \t\r\n"))
	}
}

// body writes the items of a block body (or the file): an item with "=" as an argument, one
// without as a block whose keys after the first are its labels. sch is the body's schema, when
// known, and label the label of its block, which chooses the schema of some nested blocks.
func (w *hcl1Writer) body(list *hcl1ast.ObjectList, depth int, sch *schema.Block, label string) {
	for _, item := range list.Items {
		if len(item.Keys) == 0 {
			continue
		}
		w.commentsBefore(item.Pos().Offset, depth)
		w.gap(item.Pos().Line)
		name := keyText(item.Keys[0])
		if !hclsyntax.ValidIdentifier(name) {
			w.failed = true
			return
		}
		w.indent(depth)
		w.buf.WriteString(name)
		if item.Assign.IsValid() {
			w.buf.WriteString(" = ")
			var kind schema.Kind
			var nested *schema.Block
			if sch != nil {
				if a := sch.Attribute(name); a != nil {
					kind = a.Kind
				}
				nested = sch.Block(name, label)
			}
			w.value(item.Val, depth, kind, nested, label)
		} else {
			var nested *schema.Block
			if sch != nil {
				nested = sch.Block(name, label)
			}
			inner := label
			for _, k := range item.Keys[1:] {
				w.buf.WriteString(" " + quoteHCL(keyText(k)))
				inner = keyText(k)
			}
			obj := item.Val.(*hcl1ast.ObjectType)
			if len(obj.List.Items) == 0 && !w.commentBefore(obj.Rbrace.Offset) {
				w.buf.WriteString(" {}")
			} else {
				w.buf.WriteString(" {\n")
				w.lastLine = obj.Lbrace.Line
				w.body(obj.List, depth+1, nested, inner)
				w.commentsBefore(obj.Rbrace.Offset, depth+1)
				w.indent(depth)
				w.buf.WriteString("}")
			}
		}
		w.lineComment(item.LineComment)
		w.trailingComment(compile.HCL1EndLine(item.Val), item.Pos().Offset)
		w.buf.WriteByte('\n')
		w.lastLine = max(w.lastLine, compile.HCL1EndLine(item.Val))
	}
}

// trailingComment writes, after the item just written, a one-line comment not yet written that
// starts after the item's start on line, where the item ends: HCL 1 does not take it as the item's
// line comment when a comma comes first (address = "x", // why).
func (w *hcl1Writer) trailingComment(line, after int) {
	for _, g := range w.comments {
		if w.written[g] || g.Pos().Line != line || g.Pos().Offset <= after || len(g.List) != 1 ||
			strings.Contains(strings.TrimRight(g.List[0].Text, "\r\n"), "\n") {
			continue
		}
		w.lineComment(g)
		return
	}
}

// value writes an argument's value. kind is the argument's schema kind (0 when unknown), sch the
// schema of an object written as a block (config = { ... }).
func (w *hcl1Writer) value(n hcl1ast.Node, depth int, kind schema.Kind, sch *schema.Block, label string) {
	switch n := n.(type) {
	case *hcl1ast.LiteralType:
		w.buf.WriteString(literalHCL2(n.Token, kind))
	case *hcl1ast.ListType:
		w.list(n, depth)
	case *hcl1ast.ObjectType:
		w.object(n.List, depth, sch, label)
		w.commentsBefore(n.Rbrace.Offset, depth+1)
		w.indent(depth)
		w.buf.WriteString("}")
	default:
		w.failed = true
	}
}

// list writes a list on one line when it holds only literals, else one element a line.
func (w *hcl1Writer) list(l *hcl1ast.ListType, depth int) {
	flat := true
	for _, e := range l.List {
		if _, ok := e.(*hcl1ast.LiteralType); !ok {
			flat = false
		}
	}
	if flat {
		w.buf.WriteString("[")
		for i, e := range l.List {
			if i > 0 {
				w.buf.WriteString(", ")
			}
			w.buf.WriteString(literalHCL2(e.(*hcl1ast.LiteralType).Token, 0))
		}
		w.buf.WriteString("]")
		return
	}
	w.buf.WriteString("[\n")
	for _, e := range l.List {
		w.commentsBefore(e.Pos().Offset, depth+1)
		w.indent(depth + 1)
		w.value(e, depth+1, 0, nil, "")
		w.buf.WriteString(",\n")
	}
	w.commentsBefore(l.Rbrack.Offset, depth+1)
	w.indent(depth)
	w.buf.WriteString("]")
}

// object writes the opening brace and the items of an object value, one a line; the caller writes
// the closing brace. An item without "=" (`a "b" { c = 1 }`) is an object under each of its keys,
// as HCL 1 decodes it.
func (w *hcl1Writer) object(list *hcl1ast.ObjectList, depth int, sch *schema.Block, label string) {
	w.buf.WriteString("{\n")
	for _, item := range list.Items {
		if len(item.Keys) == 0 {
			continue
		}
		w.commentsBefore(item.Pos().Offset, depth+1)
		w.indent(depth + 1)
		name := keyText(item.Keys[0])
		w.buf.WriteString(objectKeyHCL2(name) + " = ")
		var kind schema.Kind
		if sch != nil && len(item.Keys) == 1 {
			if a := sch.Attribute(name); a != nil {
				kind = a.Kind
			}
		}
		for i, k := range item.Keys[1:] {
			w.buf.WriteString("{\n")
			w.indent(depth + 2 + i)
			w.buf.WriteString(objectKeyHCL2(keyText(k)) + " = ")
		}
		w.value(item.Val, depth+len(item.Keys), kind, nil, "")
		for i := len(item.Keys) - 2; i >= 0; i-- {
			w.buf.WriteString("\n")
			w.indent(depth + 1 + i)
			w.buf.WriteString("}")
		}
		w.lineComment(item.LineComment)
		w.buf.WriteByte('\n')
	}
}

// keyText is a key's name: an identifier as written, a quoted one unquoted.
func keyText(k *hcl1ast.ObjectKey) string {
	if k.Token.Type != hcl1token.STRING {
		return k.Token.Text
	}
	s, err := hcl1strconv.Unquote(k.Token.Text)
	if err != nil {
		return k.Token.Text
	}
	return s
}

// objectKeyHCL2 is a key of an object constructor: the name, or a quoted string when it is not an
// identifier.
func objectKeyHCL2(name string) string {
	if hclsyntax.ValidIdentifier(name) {
		return name
	}
	return quoteHCL(name)
}

// literalHCL2 writes a literal as HCL 2 that both parsers read as HCL 1 reads the token. A number
// keeps its text, which compile reads as HCL 1 does (0755 too), but a hexadecimal one, which HCL 2
// has not, becomes its decimal value, or its text quoted for a string setting, which keeps it (HCL
// 1's decoder.go, decodeString). A string or heredoc becomes a quoted string of its value, unless it
// holds a template that hcl/v2 reads ("${host}"): that stays as written, as vaultproxy refuses it.
func literalHCL2(t hcl1token.Token, kind schema.Kind) string {
	switch t.Type {
	case hcl1token.NUMBER:
		if !strings.ContainsAny(t.Text, "xX") {
			return t.Text
		}
		if kind == schema.String || kind == schema.OctalString {
			return strconv.Quote(t.Text)
		}
		if i, ok := new(big.Int).SetString(t.Text, 0); ok {
			return i.String()
		}
		return t.Text
	case hcl1token.STRING, hcl1token.HEREDOC:
		if hcl2Template(t) {
			return strings.TrimSuffix(t.Text, "\n") // the caller ends the line
		}
		return quoteHCL(stringValue(t))
	}
	return t.Text
}

// hcl2Template reports a string or heredoc that hcl/v2 reads as a template with an interpolation
// or a directive, which compile refuses in a file read with HCL 1 too.
func hcl2Template(t hcl1token.Token) bool {
	if !strings.Contains(t.Text, "${") && !strings.Contains(t.Text, "%{") {
		return false
	}
	text := t.Text
	if t.Type == hcl1token.HEREDOC && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	e, diags := hclsyntax.ParseExpression([]byte(text), "", hcl.InitialPos)
	if diags.HasErrors() {
		return false
	}
	tmpl, ok := e.(*hclsyntax.TemplateExpr)
	if !ok {
		return true
	}
	for _, p := range tmpl.Parts {
		if _, lit := p.(*hclsyntax.LiteralValueExpr); !lit {
			return true
		}
	}
	return false
}

// stringValue is the text HCL 1 reads from a string or heredoc (token.Value, which panics on what
// HCL 1's parser accepted but cannot unquote; fromHCL1 recovers).
func stringValue(t hcl1token.Token) string {
	v, _ := t.Value().(string)
	return v
}

// quoteHCL writes s as a quoted string that HCL 1 and HCL 2 both read as s: "${" and "%{" are
// written \u0024{ and \u0025{ (HCL 2's $${ is two characters in HCL 1), and control characters
// as escapes.
func quoteHCL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			b.WriteString(`\u0024{`)
			i += 2
			continue
		case strings.HasPrefix(s[i:], "%{"):
			b.WriteString(`\u0025{`)
			i += 2
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
