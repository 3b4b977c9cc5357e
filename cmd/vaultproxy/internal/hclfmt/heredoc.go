package hclfmt

import (
	"bytes"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/compile"
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
	for _, h := range compile.HeredocsReadDifferently(f.Body.(*hclsyntax.Body), src) {
		rng := h.Expr.SrcRange
		edits = append(edits, edit{rng.Start.Byte, rng.End.Byte, quoteHCL(h.HCL1)})
	}
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
