package compile

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/zclconf/go-cty/cty"
)

// The tree is one shape for the three ways a body is written: HCL native syntax, HCL's JSON syntax,
// and an object constructor written where Vault Proxy's HCL 1 accepts a block (`config = { ... }`).
// Native bodies and objects are walked as they are, so unknown names, duplicates and labels are seen
// exactly as written; JSON bodies are read through the schema, since JSON only knows what a property
// is once told.

// syntaxBody is a body not yet read: it is read against the schema of the block it belongs to.
type syntaxBody interface {
	content(sch *schema.Block, label string) (*body, hcl.Diagnostics)
}

type body struct {
	attrs   []*attribute
	blocks  []*block
	missing hcl.Range // where an item that is missing would go
}

type attribute struct {
	name      string
	expr      hcl.Expression
	nameRange hcl.Range
	rng       hcl.Range  // name through value
	obj       syntaxBody // non-nil when the value is an object constructor that can be read as a body
}

type block struct {
	typ         string
	labels      []string
	typeRange   hcl.Range
	labelRanges []hcl.Range
	defRange    hcl.Range // the header: type through the last label (or the `name =` of an object)
	body        syntaxBody
	fromAttr    bool
}

// nativeBody is a body in HCL native syntax.
type nativeBody struct{ b *hclsyntax.Body }

func (n nativeBody) content(*schema.Block, string) (*body, hcl.Diagnostics) {
	out := &body{missing: n.b.MissingItemRange()}
	for _, a := range n.b.Attributes {
		at := &attribute{name: a.Name, expr: a.Expr, nameRange: a.NameRange, rng: a.SrcRange}
		if obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr); ok {
			at.obj = objectBody{obj, a.NameRange}
		}
		out.attrs = append(out.attrs, at)
	}
	sort.Slice(out.attrs, func(i, j int) bool {
		return out.attrs[i].nameRange.Start.Byte < out.attrs[j].nameRange.Start.Byte
	})
	for _, b := range n.b.Blocks {
		out.blocks = append(out.blocks, &block{
			typ: b.Type, labels: b.Labels, typeRange: b.TypeRange, labelRanges: b.LabelRanges,
			defRange: b.DefRange(), body: nativeBody{b.Body},
		})
	}
	return out, nil
}

// objectBody is an object constructor read as a body: `config = { path = "/x" }`.
type objectBody struct {
	obj  *hclsyntax.ObjectConsExpr
	name hcl.Range
}

func (o objectBody) content(*schema.Block, string) (*body, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	end := o.obj.SrcRange
	end.Start = end.End
	if end.Start.Byte > 0 {
		end.Start.Byte--
		end.Start.Column--
	}
	out := &body{missing: end}
	for _, item := range o.obj.Items {
		name, ok := objectKey(item.KeyExpr)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid key",
				Detail:   "A key here must be a name or a quoted string.",
				Subject:  item.KeyExpr.Range().Ptr(),
			})
			continue
		}
		at := &attribute{name: name, expr: item.ValueExpr, nameRange: item.KeyExpr.Range(),
			rng: hcl.RangeBetween(item.KeyExpr.Range(), item.ValueExpr.Range())}
		if obj, ok := item.ValueExpr.(*hclsyntax.ObjectConsExpr); ok {
			at.obj = objectBody{obj, item.KeyExpr.Range()}
		}
		out.attrs = append(out.attrs, at)
	}
	return out, diags
}

func objectKey(expr hcl.Expression) (string, bool) {
	if kw := hcl.ExprAsKeyword(expr); kw != "" {
		return kw, true
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// jsonBody is a body in HCL's JSON syntax.
type jsonBody struct{ b hcl.Body }

func (j jsonBody) content(sch *schema.Block, label string) (*body, hcl.Diagnostics) {
	out := &body{missing: j.b.MissingItemRange()}
	all, diags := j.b.JustAttributes()
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a := all[name]
		nb := sch.Block(name, label)
		if nb == nil {
			out.attrs = append(out.attrs, &attribute{name: name, expr: a.Expr, nameRange: a.NameRange, rng: a.Range})
			continue
		}
		blocks, bdiags := jsonBlocks(j.b, nb)
		diags = append(diags, bdiags...)
		out.blocks = append(out.blocks, blocks...)
	}
	sort.SliceStable(out.attrs, func(i, k int) bool {
		return out.attrs[i].nameRange.Start.Byte < out.attrs[k].nameRange.Start.Byte
	})
	sort.SliceStable(out.blocks, func(i, k int) bool {
		return out.blocks[i].typeRange.Start.Byte < out.blocks[k].typeRange.Start.Byte
	})
	return out, diags
}

// jsonBlocks reads the blocks of one type from a JSON body. A labelled type is tried with its label
// first (`"listener": {"tcp": {...}}`) and then without (`"listener": {"type": "tcp", ...}`).
func jsonBlocks(b hcl.Body, nb *schema.Block) ([]*block, hcl.Diagnostics) {
	try := func(labels []string) ([]*block, hcl.Diagnostics) {
		c, _, diags := b.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: nb.Type, LabelNames: labels}}})
		var out []*block
		for _, hb := range c.Blocks {
			out = append(out, &block{typ: hb.Type, labels: hb.Labels, typeRange: hb.TypeRange,
				labelRanges: hb.LabelRanges, defRange: hb.DefRange, body: jsonBody{hb.Body}})
		}
		return out, diags
	}
	if nb.Label != "" {
		if out, diags := try([]string{nb.Label}); !diags.HasErrors() {
			return out, diags
		}
	}
	return try(nil)
}
