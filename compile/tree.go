package compile

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/diagcode"
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

var codeInvalidObjectKey = diagcode.New("invalid_object_key",
	"A key of an object written as a block (config = { ... }) that is neither a name nor a quoted string.",
	"auto_auth {\n  method \"approle\" {\n    config = {\n      (\"role\") = \"x\"\n    }\n  }\n}")

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
				Extra:    codeInvalidObjectKey,
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
	if bad, _ := nonConstant(expr); bad != nil {
		return "", false
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
	diags = withCodes(diags, codeInvalidJSONBlockValue)
	names := make([]string, 0, len(all))
	var blockTypes []hcl.BlockHeaderSchema
	for name := range all {
		names = append(names, name)
		if sch.Block(name, label) != nil {
			blockTypes = append(blockTypes, hcl.BlockHeaderSchema{Type: name})
		}
	}
	sort.Strings(names)
	if diags.HasErrors() && len(blockTypes) > 0 {
		// JustAttributes calls a repeated property a duplicate, but a block type may repeat, as in
		// HCL 1 ("listener" twice holds two listeners): only repeated attributes are errors.
		_, rest, _ := j.b.PartialContent(&hcl.BodySchema{Blocks: blockTypes})
		_, diags = rest.JustAttributes()
		diags = withCodes(diags, codeInvalidJSONBlockValue)
	}
	for _, name := range names {
		a := all[name]
		nb := sch.Block(name, label)
		if nb == nil {
			out.attrs = append(out.attrs, &attribute{name: name, expr: a.Expr, nameRange: a.NameRange, rng: a.Range})
			continue
		}
		if d := jsonEmptyBlock(a, nb); d != nil {
			diags = append(diags, d)
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

// jsonHeaderRange is a JSON block's header: from its type's property name to its last label's, as a
// native block's DefRange runs from its type to its last label (`listener "tcp"`). HCL's JSON parser
// gives the block's opening brace (or bracket) as its DefRange, one character that names nothing.
func jsonHeaderRange(hb *hcl.Block) hcl.Range {
	end := hb.TypeRange
	if n := len(hb.LabelRanges); n > 0 {
		end = hb.LabelRanges[n-1]
	}
	return hcl.RangeBetween(hb.TypeRange, end)
}

// jsonBlocks reads the blocks of one type from a JSON body. A labelled type may be written, object by
// object, with its label (`"listener": {"tcp": {...}}`) or without it, the label then being an
// attribute (`"listener": {"type": "tcp", ...}`); Vault Proxy's HCL 1 reads both, even mixed in one
// array (`"listener": [{"tcp": {...}}, {"type": "unix", ...}]`). Each object is read as labelled when
// all its properties are objects or arrays, as a label's body must be.
func jsonBlocks(b hcl.Body, nb *schema.Block) ([]*block, hcl.Diagnostics) {
	read := func(labels []string) ([]*block, hcl.Diagnostics) {
		c, _, diags := b.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: nb.Type, LabelNames: labels}}})
		diags = withCodes(diags, codeInvalidJSONBlockValue)
		out := make([]*block, 0, len(c.Blocks))
		for _, hb := range c.Blocks {
			out = append(out, &block{typ: hb.Type, labels: hb.Labels, typeRange: hb.TypeRange,
				labelRanges: hb.LabelRanges, defRange: jsonHeaderRange(hb), body: jsonBody{hb.Body}})
		}
		return out, diags
	}
	unlabelled, diags := read(nil)
	if nb.Label == "" {
		return unlabelled, diags
	}
	var labelled []*block
	out := make([]*block, 0, len(unlabelled))
	for _, ub := range unlabelled {
		obj := ub.body.(jsonBody).b
		props, _ := obj.JustAttributes()
		if !labelledShape(props) {
			if typ, ok := props[nb.Label]; ok {
				// Its type is an attribute, which stands for the label: the header runs to it, so
				// that the blocks of one array have headers of their own.
				ub.defRange = hcl.RangeBetween(ub.typeRange, typ.Range)
			}
			out = append(out, ub)
			continue
		}
		if labelled == nil {
			// The labelled reading fails on the objects that are not labelled; only the blocks of
			// labelled objects are taken from it, so its diagnostics do not apply.
			labelled, _ = read([]string{nb.Label})
		}
		end := obj.MissingItemRange().End.Byte
		start := end
		for _, p := range props {
			start = min(start, p.NameRange.Start.Byte)
			if isJSONArray(p.Expr) {
				diags = append(diags, jsonLabelArray(nb, p))
			}
		}
		for _, lb := range labelled {
			if at := lb.labelRanges[0].Start.Byte; start <= at && at < end {
				out = append(out, lb)
			}
		}
	}
	return out, diags
}

// labelledShape reports whether the properties of a JSON object are those of labelled blocks: at
// least one, and every value an object or an array.
func labelledShape(props hcl.Attributes) bool {
	if len(props) == 0 {
		return false
	}
	for _, p := range props {
		if !isJSONContainer(p.Expr) {
			return false
		}
	}
	return true
}

var codeInvalidJSONBlockValue = diagcode.New("invalid_json_block_value",
	"A JSON property that holds a block but is not an object or an array of objects.",
	"{\"listener\": null}")

// jsonEmptyBlock is the error for a block property that holds null or an empty array, which Vault
// Proxy's HCL 1 fails to decode into its block ("not an object type for struct"); nil otherwise.
func jsonEmptyBlock(a *hcl.Attribute, nb *schema.Block) *hcl.Diagnostic {
	what := ""
	if l, ok := a.Expr.(interface{ ExprList() []hcl.Expression }); ok && l.ExprList() != nil && len(l.ExprList()) == 0 {
		what = "an empty array"
	} else if !isJSONContainer(a.Expr) {
		if v, _ := a.Expr.Value(nil); v.IsNull() {
			what = "null"
		}
	}
	if what == "" {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid JSON value for " + nb.Type,
		Detail: fmt.Sprintf("A %s block is written as a JSON object, or an array of objects; Vault Proxy fails to load %s here (\"not an object type for struct\"). Remove the property, or write an object: \"%s\": {}.",
			nb.Type, what, nb.Type),
		Subject: a.Expr.Range().Ptr(),
		Context: a.Range.Ptr(),
		Extra:   codeInvalidJSONBlockValue,
	}
}

var codeJSONLabelLost = diagcode.New("json_label_lost",
	"A JSON block label that holds an array of bodies, whose label Vault Proxy's HCL 1 drops.",
	"{\"listener\": {\"tcp\": [{\"address\": \"127.0.0.1:8100\"}]}}")

// jsonLabelArray is the error for a labelled block whose label holds an array of bodies
// (`"listener": {"tcp": [{...}]}`): Vault Proxy's HCL 1 loses the label of each body, and fails to
// load the block ("listener type must be specified").
func jsonLabelArray(nb *schema.Block, p *hcl.Attribute) *hcl.Diagnostic {
	// The property form works whatever the body holds; a labelled object does not when every property
	// of the body is an object (hcl1Flattened).
	fix := fmt.Sprintf("write one object per %s: \"%s\": [{\"%s\": {...}}, {\"%s\": {...}}]", nb.Type, nb.Type, p.Name, p.Name)
	if nb.LabelAttr {
		fix = fmt.Sprintf("give each %s its %s as a property: \"%s\": [{\"%s\": %q, ...}, ...]", nb.Type, nb.Label, nb.Type, nb.Label, p.Name)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("JSON %s that Vault Proxy loses", nb.Label),
		Detail: fmt.Sprintf("Vault Proxy's HCL 1 drops the %s %q when its value is an array, and then fails to load the %s (\"%s type must be specified\"). Instead, %s.",
			nb.Label, p.Name, nb.Type, nb.Type, fix),
		Subject: p.NameRange.Ptr(),
		Context: hcl.RangeBetween(p.NameRange, p.Expr.Range()).Ptr(),
		Extra:   codeJSONLabelLost,
	}
}

// isJSONArray reports whether a JSON expression is an array.
func isJSONArray(e hcl.Expression) bool {
	l, ok := e.(interface{ ExprList() []hcl.Expression })
	return ok && l.ExprList() != nil
}

// isJSONContainer reports whether a JSON expression is an object or an array.
func isJSONContainer(e hcl.Expression) bool {
	if l, ok := e.(interface{ ExprList() []hcl.Expression }); ok && l.ExprList() != nil {
		return true
	}
	return isJSONObject(e)
}

// hcl1Flattened returns the first property of a JSON block body when every property is an object, and
// "" otherwise. Vault Proxy's HCL 1 JSON parser flattens such an object into labels of the enclosing
// item (json/parser/flatten.go): `"auto_auth": {"method": {...}, "sink": {...}}` becomes two auto_auth
// blocks, `"method": {"approle": {"config": {...}}}` a method with two labels and no type. An array is
// never flattened this way, nor is an object with any other property.
func hcl1Flattened(jb jsonBody) string {
	props, _ := jb.b.JustAttributes()
	first, firstAt := "", -1
	for name, p := range props {
		if !isJSONObject(p.Expr) {
			return ""
		}
		if at := p.NameRange.Start.Byte; firstAt < 0 || at < firstAt {
			first, firstAt = name, at
		}
	}
	return first
}

// isJSONObject reports whether a JSON expression is an object.
func isJSONObject(e hcl.Expression) bool {
	m, ok := e.(interface{ ExprMap() []hcl.KeyValuePair })
	return ok && m.ExprMap() != nil
}
