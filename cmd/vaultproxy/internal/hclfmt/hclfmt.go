package hclfmt

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Source returns src, a file in native syntax named filename, in the canonical layout. A file that
// hcl/v2 refuses but Vault Proxy's HCL 1 reads (commas between arguments, several on a line, a
// hexadecimal number...) is rewritten into canonical HCL 2 that both read the same (fromHCL1). A file
// that neither parses is returned unchanged with hcl/v2's diagnostics: the formatter would rewrite
// broken source into something harder to repair (Terraform refuses it for the same reason).
//
// hclwrite also respaces the inside of ${…} and %{…} sequences in strings. vaultproxy refuses
// templates, but Vault Proxy's HCL 1 reads them as written (compile/hcl1.go), so there the spaces
// are part of the value: every byte between a string's quotes, or a heredoc's markers, is kept.
// ErrNotLayout, which the tests show never happens, says the formatter changed more than that.
func Source(src []byte, filename string) ([]byte, hcl.Diagnostics, error) {
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		// A file that Vault Proxy's HCL 1 reads is rewritten into canonical HCL 2 (fromHCL1).
		if out, ok := fromHCL1(src); ok {
			return out, nil, nil
		}
		return src, diags, nil
	}
	// The formatter turns a byte order mark into spaces, and then more spaces each time: the file
	// is formatted without it. Vault Proxy fails on one (the byte_order_mark diagnostic says so);
	// fmt keeps it all the same, since it changes nothing but layout.
	body, hasBOM := bytes.CutPrefix(src, utf8BOM)
	body = quoteHeredocs(body)
	out, ok := keepStrings(body, hclwrite.Format(body))
	if !ok {
		return src, nil, fmt.Errorf("%s: %w", filename, ErrNotLayout)
	}
	if hasBOM {
		out = append(append([]byte(nil), utf8BOM...), out...)
	}
	return out, nil, nil
}

var utf8BOM = []byte("\xef\xbb\xbf")

// ErrNotLayout is a formatting that would change more than white space; the file is left as it was.
var ErrNotLayout = errors.New("the formatter changed more than white space, so the file is left as it was")

// keepStrings returns the formatted source out with the white space inside every quoted string and
// heredoc of src put back. The formatter changes white space only, so both lex to the same tokens;
// ok is false when they do not.
func keepStrings(src, out []byte) (_ []byte, ok bool) {
	a, _ := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	b, _ := hclsyntax.LexConfig(out, "", hcl.InitialPos)
	if len(a) != len(b) {
		return nil, false
	}
	var buf bytes.Buffer
	buf.Grow(len(out))
	endA, endB := 0, 0 // where the previous token ends in src and in out
	depth := 0         // how many strings or heredocs the gap before the token is in
	for i := range a {
		if a[i].Type != b[i].Type || !bytes.Equal(a[i].Bytes, b[i].Bytes) {
			return nil, false
		}
		if depth > 0 {
			buf.Write(src[endA:a[i].Range.Start.Byte])
		} else {
			buf.Write(out[endB:b[i].Range.Start.Byte])
		}
		buf.Write(b[i].Bytes)
		endA, endB = a[i].Range.End.Byte, b[i].Range.End.Byte
		switch a[i].Type {
		case hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			depth++
		case hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			depth--
		}
	}
	buf.Write(out[endB:])
	return buf.Bytes(), true
}
