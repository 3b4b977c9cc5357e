package compile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	hcl1ast "github.com/hashicorp/hcl/hcl/ast"
	hcl1scanner "github.com/hashicorp/hcl/hcl/scanner"
	hcl1strconv "github.com/hashicorp/hcl/hcl/strconv"
	hcl1token "github.com/hashicorp/hcl/hcl/token"
)

// hcl/v2's parser stops at its first error in a block, so its diagnostics name the first HCL 1 form
// of each block only. findForms finds every one in HCL 1's syntax tree and tokens, so that readHCL1
// warns about each (those on a line that already has a warning are left out there).

// findForms records in r.forms each HCL 1 form of the file that hcl/v2 refuses: layout, commas and
// quoted names in block bodies, and strings whose "${" or "%{" hcl/v2 cannot read as a template.
// text is the text HCL 1 parsed.
func (r *hcl1Reader) findForms(list *hcl1ast.ObjectList, text []byte) {
	bodies := map[int]bool{} // the offsets of the opening braces of block bodies
	r.text = text
	r.bodyForms(list, 0, bodies)
	r.commaForms(text, bodies)
}

func (r *hcl1Reader) form(rng hcl.Range, summary, hint string) {
	r.forms = append(r.forms, formWarning(rng, summary, hint))
}

// exactForm records a form inside a value (a string's escape or "${"), at rng: hcl/v2's diagnostic
// on the same line may be about another form, so only one that overlaps the bytes from at to end
// covers it (newExactForms).
func (r *hcl1Reader) exactForm(rng hcl.Range, at, end int, summary, hint string) {
	r.exact = append(r.exact, hcl1ExactForm{formWarning(rng, summary, hint), at, end})
}

// hcl1ExactForm is a form's warning and the byte offsets in the file of what it is about.
type hcl1ExactForm struct {
	diag    *hcl.Diagnostic
	at, end int
}

func formWarning(rng hcl.Range, summary, hint string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   hcl1Prefix + hint + " " + hcl1FmtSentence,
		Subject:  rng.Ptr(),
		Extra:    codeHCL1Form,
	}
}

// bodyForms checks the items of a body (the file's, or a block's whose opening brace is on line
// open; 0 for the file).
func (r *hcl1Reader) bodyForms(list *hcl1ast.ObjectList, open int, bodies map[int]bool) {
	prevEnd := open
	for i, item := range list.Items {
		if len(item.Keys) == 0 {
			continue
		}
		start := item.Pos()
		switch {
		case open > 0 && i == 0 && start.Line == open:
			// hcl/v2's block written on one line holds one argument, and nothing after it.
			if len(list.Items) > 1 || !item.Assign.IsValid() {
				r.form(r.tokenRange(item.Keys[0].Token), "Block written on one line",
					"several arguments, or a nested block, on the line of a block's opening brace; vaultproxy reads HCL 2, where a block written on one line holds a single argument.")
			}
		case prevEnd > 0 && start.Line == prevEnd:
			r.form(r.tokenRange(item.Keys[0].Token), "Several items on one line",
				"another argument or block on the line where the previous one ends; vaultproxy reads HCL 2, where each starts on a line of its own.")
		}
		if t := item.Keys[0].Token; t.Type == hcl1token.STRING {
			r.form(r.tokenRange(t), "Quoted name",
				"a quoted argument name or block type; vaultproxy reads HCL 2, where they are not quoted.")
		}
		if item.Assign.IsValid() {
			r.valueForms(item.Val)
		}
		if obj, ok := item.Val.(*hcl1ast.ObjectType); ok && !item.Assign.IsValid() {
			bodies[obj.Lbrace.Offset] = true
			if last := item.Keys[len(item.Keys)-1].Token; obj.Lbrace.Line > last.Pos.Line {
				r.form(r.span(obj.Lbrace, 1), "Opening brace on the next line",
					"a block's opening brace on the line after its header; vaultproxy reads HCL 2, where it goes on the header's line.")
			}
			r.bodyForms(obj.List, obj.Lbrace.Line, bodies)
			// A block over several lines whose closing brace follows its last item on that item's
			// line (a one-line block written on one line has its brace there too, which hcl/v2 reads).
			if n := len(obj.List.Items); n > 0 && obj.Lbrace.Line != obj.Rbrace.Line &&
				HCL1EndLine(obj.List.Items[n-1].Val) == obj.Rbrace.Line {
				r.form(r.span(obj.Rbrace, 1), "Closing brace after an argument",
					"a block's closing brace on the line of its last item; vaultproxy reads HCL 2, where it goes on a line of its own.")
			}
		}
		prevEnd = HCL1EndLine(item.Val)
	}
}

// valueForms checks the strings of a value.
func (r *hcl1Reader) valueForms(n hcl1ast.Node) {
	switch n := n.(type) {
	case *hcl1ast.LiteralType:
		t := n.Token
		if t.Type == hcl1token.STRING {
			r.escapeForms(t)
		}
		if (t.Type != hcl1token.STRING && t.Type != hcl1token.HEREDOC) ||
			(!strings.Contains(t.Text, "${") && !strings.Contains(t.Text, "%{")) {
			return
		}
		rng := r.tokenRange(t)
		text := r.src[rng.Start.Byte:rng.End.Byte]
		if t.Type == hcl1token.HEREDOC {
			text = append(append([]byte(nil), text...), '\n')
		}
		if _, diags := hclsyntax.ParseExpression(text, r.name, rng.Start); !diags.HasErrors() {
			return // a template hcl/v2 reads: the error "Templates are not allowed"
		}
		// What it is about: the first sequence, from its "${" or "%{" to the next "}", where
		// hcl/v2 reports it; the rest of the string may hold another form (an escape).
		at := bytes.Index(text, []byte("${"))
		if p := bytes.Index(text, []byte("%{")); p >= 0 && (at < 0 || p < at) {
			at = p
		}
		end := len(text)
		if c := bytes.IndexByte(text[at:], '}'); c >= 0 {
			end = at + c + 1
		}
		r.exactForm(rng, rng.Start.Byte+at, rng.Start.Byte+end, "Literal template sequence",
			`a literal "${" or "%{" in a string, read as written; vaultproxy reads HCL 2, where it starts a template. \u0024{ and \u0025{ are read as "${" and "%{" by both.`)
	case *hcl1ast.ListType:
		for _, e := range n.List {
			r.valueForms(e)
		}
	case *hcl1ast.ObjectType:
		for i, item := range n.List.Items {
			if i > 0 && len(item.Keys) > 0 && r.unseparated(n.List.Items[i-1].Val, item.Keys[0].Token) {
				r.form(r.tokenRange(item.Keys[0].Token), "Object items without a separator",
					"an object's items on one line with no comma between them; vaultproxy reads HCL 2, which separates them with a comma or a newline.")
			}
			r.valueForms(item.Val)
		}
	}
}

// unseparated reports an object item's key that follows the previous item's value, prev, on the
// line where it ends with no comma between: HCL 1's parser takes it (hcl/parser/parser.go
// objectList), hcl/v2 wants a comma or a newline.
func (r *hcl1Reader) unseparated(prev hcl1ast.Node, key hcl1token.Token) bool {
	if key.Pos.Line != HCL1EndLine(prev) {
		return false
	}
	end := -1
	switch p := prev.(type) {
	case *hcl1ast.LiteralType:
		end = p.Token.Pos.Offset + len(p.Token.Text)
	case *hcl1ast.ListType:
		end = p.Rbrack.Offset + 1
	case *hcl1ast.ObjectType:
		end = p.Rbrace.Offset + 1
	}
	if end < 0 || end > key.Pos.Offset || key.Pos.Offset > len(r.text) {
		return false
	}
	return !bytes.Contains(r.text[end:key.Pos.Offset], []byte(","))
}

// commaForms finds the commas after the items of a block body or of the file: HCL 1's parser takes
// a comma after any item (hcl/parser/parser.go objectList); hcl/v2 one only in a list or an object
// value.
func (r *hcl1Reader) commaForms(text []byte, bodies map[int]bool) {
	s := hcl1scanner.New(text)
	var stack []bool // for each open bracket: is it a block body's brace
	for {
		t := s.Scan()
		switch t.Type {
		case hcl1token.EOF, hcl1token.ILLEGAL:
			return
		case hcl1token.LBRACE:
			stack = append(stack, bodies[t.Pos.Offset])
		case hcl1token.LBRACK:
			stack = append(stack, false)
		case hcl1token.RBRACE, hcl1token.RBRACK:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case hcl1token.COMMA:
			if len(stack) == 0 || stack[len(stack)-1] {
				r.form(r.tokenRange(t), "Comma after an argument",
					"commas between arguments; vaultproxy reads HCL 2, which separates them with newlines only.")
			}
		}
	}
}

// newForms returns the forms whose lines no diagnostic of have covers, in whole or in part.
func newForms(forms []*hcl.Diagnostic, have hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, f := range forms {
		covered := false
		for _, d := range have {
			if d.Subject == nil {
				continue
			}
			end := d.Subject.End.Line
			if d.Subject.End.Column == 1 && end > d.Subject.Start.Line && f.Subject.Start.Line == end &&
				f.Subject.Start.Column > 1 {
				// hcl/v2's range for a missing brace ends with the newline before the line: it
				// covers what starts the next line (a brace there), not what comes later on it.
				end--
			}
			if d.Subject.Start.Line <= f.Subject.End.Line && f.Subject.Start.Line <= end {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, f)
		}
	}
	return out
}

// normalizedText is src as HCL 1's parser reads it: each "\r\n" replaced by "\n".
func normalizedText(src []byte) []byte { return bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")) }

// HCL1EndLine is the line (of the text HCL 1 parsed, which has the file's lines) where a value ends.
func HCL1EndLine(n hcl1ast.Node) int {
	switch n := n.(type) {
	case *hcl1ast.LiteralType:
		return n.Token.Pos.Line + strings.Count(strings.TrimSuffix(n.Token.Text, "\n"), "\n")
	case *hcl1ast.ListType:
		return n.Rbrack.Line
	case *hcl1ast.ObjectType:
		return n.Rbrace.Line
	}
	return n.Pos().Line
}

// escapeForms records (exactForm) each escape sequence of a quoted string that HCL 1 reads and hcl/v2
// has not: \a, \b, \f, \v, \xHH and \NNN (octal), which HCL 1's hcl/strconv/quote.go unquoteChar
// reads as Go does; hcl/v2 reads only \n, \r, \t, \", \\, \uNNNN and \UNNNNNNNN.
func (r *hcl1Reader) escapeForms(t hcl1token.Token) {
	text := t.Text
	for i := 1; i < len(text)-1; i++ {
		if text[i] != '\\' {
			continue
		}
		n := 2
		switch c := text[i+1]; {
		case c == 'x':
			n = 4
		case c >= '0' && c <= '7':
			n = 4
		case c == 'a' || c == 'b' || c == 'f' || c == 'v':
		default:
			i++ // an escape both read, or one HCL 1 refuses: skip its character
			continue
		}
		if i+n > len(text)-1 {
			return
		}
		esc := text[i : i+n]
		v, err := hcl1strconv.Unquote(`"` + esc + `"`)
		if err != nil {
			i += n - 1
			continue
		}
		hint := fmt.Sprintf("the escape %s in a string, read as %q; vaultproxy reads HCL 2, which has no such escape.", esc, v)
		if len(v) == 1 && v[0] < 0x80 {
			hint += fmt.Sprintf(` Write \u%04X, which both read as %q.`, v[0], v)
		}
		rng := r.span(hcl1token.Pos{Offset: t.Pos.Offset + i}, n)
		r.exactForm(rng, rng.Start.Byte, rng.End.Byte, "Escape sequence", hint)
		i += n - 1
	}
}

// newExactForms returns the forms whose bytes no diagnostic of have covers: hcl/v2 reports an escape
// it lacks, or a "${" it cannot read, there, but only the first error of a block.
func newExactForms(forms []hcl1ExactForm, have hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, f := range forms {
		covered := false
		for _, d := range have {
			if d.Subject != nil && d.Subject.Start.Byte < f.end && f.at < d.Subject.End.Byte {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, f.diag)
		}
	}
	return out
}
