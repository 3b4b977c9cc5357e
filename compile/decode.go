package compile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
)

// decoder reads bodies against the schema. It keeps every file's source for the diagnostics that quote
// what was written (an unquoted 0600, a decimal file mode).
type decoder struct {
	sources map[string][]byte
	opts    Options
	// plan says the values are read from a plan file, which writes some kinds in its own canonical
	// form: a file mode as a string of octal digits, cipher suites as a list.
	plan bool
	// hcl1 names the files read with HCL 1 (readHCL1), whose strings hold what HCL 1 reads.
	hcl1 map[string]bool
}

// replacedByEnv names the top-level attributes that an environment variable, when set, replaces
// unread: Vault Proxy then never looks at the file's value (command/proxy/config LoadConfigFile).
var replacedByEnv = []*schema.Attribute{schema.DisableIdleConnections, schema.DisableKeepAlives}

// decodedBody is a body read against its schema: typed attribute values and nested blocks by type.
type decodedBody struct {
	sch     *schema.Block
	label   string
	missing hcl.Range
	vals    map[string]*decodedValue
	blocks  map[string][]*decodedBlock
	open    []*attribute // attributes of an open body that the schema does not declare
}

// decodedBlock is a nested block read against its schema.
type decodedBlock struct {
	sch        *schema.Block
	label      string    // lower case; "" when the block has no label
	labelRange hcl.Range // the label, or the `type` attribute's value
	labelled   bool      // a label was written (not only a `type` attribute)
	typeRange  hcl.Range
	defRange   hcl.Range
	body       *decodedBody
}

// val returns the value of a, which the body's schema must declare, or nil when it was not written.
func (b *decodedBody) val(a *schema.Attribute) *decodedValue { return b.vals[b.declared(a).Name] }

// first returns the first nested block of the schema nb, or nil when none was written.
func (b *decodedBody) first(nb *schema.Block) *decodedBlock {
	if bs := b.blocks[nb.Type]; len(bs) > 0 {
		return bs[0]
	}
	return nil
}

// The codes of decodeBody's diagnostics.
var (
	codeDuplicateArgument = diagcode.New("duplicate_argument",
		"An argument is set twice in one block.",
		"listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  address = \"127.0.0.1:8200\"\n}")
	codeOverriddenByEnvironment = diagcode.New("overridden_by_environment",
		"An environment variable replaces this argument, and Vault Proxy does not read it.",
		"$ VAULT_PROXY_DISABLE_KEEP_ALIVES=proxying vaultproxy validate proxy.hcl  # proxy.hcl sets disable_keep_alives")
	codeIgnoredArgument = diagcode.New("ignored_argument",
		"An argument is accepted but does nothing in Vault Proxy.",
		"listener \"tcp\" {\n  address           = \"127.0.0.1:8100\"\n  http_idle_timeout = \"5m\"\n}")
	codeDeprecatedArgument = diagcode.New("deprecated_argument",
		"An argument is deprecated.",
		"listener \"tcp\" {\n  address                         = \"127.0.0.1:8100\"\n  tls_prefer_server_cipher_suites = true\n}")
	codeMissingRequiredArgument = diagcode.New("missing_required_argument",
		"An argument that the block requires is not set.",
		"auto_auth {\n  method \"approle\" {\n    config = {}\n  }\n  sink \"file\" {\n    config = {}\n  }\n}")
	codeRejectedBlock = diagcode.New("rejected_block",
		"A block that Vault Proxy reads but mishandles is refused.",
		"auto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n  sinks {\n    sink \"file\" {\n      config = { path = \"/tmp/token\" }\n    }\n  }\n}")
	codeIgnoredBlock = diagcode.New("ignored_block",
		"A block is accepted but does nothing in Vault Proxy.",
		"template {\n  destination = \"/tmp/out\"\n}")
	codeDuplicateBlock = diagcode.New("duplicate_block",
		"A block that may appear once appears again.",
		"vault {\n  address = \"https://vault-a:8200\"\n}\nvault {\n  address = \"https://vault-b:8200\"\n}")
	codeExtension = diagcode.New("vaultproxy_extension",
		"A setting that only vaultproxy reads: Vault Proxy refuses or ignores it, so the configuration runs with vaultproxy only.",
		"cache {\n  persist \"file\" {\n    path     = \"/var/lib/vaultproxy\"\n    key_file = \"/etc/vaultproxy/cache.key\"\n  }\n}")
	codeMissingRequiredBlock = diagcode.New("missing_required_block",
		"A block that the enclosing block requires is missing.",
		"auto_auth {\n  sink \"file\" {\n    config = { path = \"/tmp/token\" }\n  }\n}")
)

// decodeBody reads sb against sch. label is the enclosing block's label value, which selects
// label-specific nested schemas (a method's config).
func (d *decoder) decodeBody(sb syntaxBody, sch *schema.Block, label string) (*decodedBody, hcl.Diagnostics) {
	c, diags := sb.content(sch, label)
	// Sized for the body as written: a thousand listeners make thousands of small bodies, and
	// growing each map costs more than reading the values.
	out := &decodedBody{sch: sch, label: label, missing: c.missing,
		vals: make(map[string]*decodedValue, len(c.attrs)), blocks: make(map[string][]*decodedBlock, len(c.blocks))}
	seen, nested, adiags := d.decodeAttributes(c, out)
	diags = append(diags, adiags...)
	diags = append(diags, requiredAttributes(c, sch, seen)...)
	diags = append(diags, d.decodeNestedBlocks(append(nested, c.blocks...), out)...)
	diags = append(diags, requiredBlocks(c, out)...)
	return out, diags
}

// decodeAttributes reads the attributes of c into out: each value by its schema kind, with a warning
// for what is ignored or deprecated. It returns the attributes by name, and the nested blocks that
// were written as attributes (`config = { ... }`).
func (d *decoder) decodeAttributes(c *body, out *decodedBody) (map[string]*attribute, []*block, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	sch, label := out.sch, out.label
	seen := make(map[string]*attribute, len(c.attrs))
	var nested []*block
	for _, a := range c.attrs {
		if prev, dup := seen[a.name]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate argument",
				Detail: fmt.Sprintf("The argument %q was already set at %s. Each argument may be set only once.",
					a.name, prev.nameRange),
				Subject: a.nameRange.Ptr(),
				Context: a.rng.Ptr(),
				Extra:   codeDuplicateArgument,
			})
			continue
		}
		seen[a.name] = a
		if sch.LabelAttr && a.name == sch.Label {
			continue // the enclosing block's label, written as an attribute: decodeBlock read it
		}
		if nb := sch.Block(a.name, label); nb != nil && a.obj != nil {
			nested = append(nested, &block{typ: a.name, typeRange: a.nameRange, defRange: a.nameRange,
				body: a.obj, fromAttr: true})
			continue
		}
		if i := slices.IndexFunc(replacedByEnv, func(r *schema.Attribute) bool { return r.Name == a.name }); i >= 0 && sch == schema.Root {
			env := replacedByEnv[i].Env
			if v, ok := d.opts.env(env); ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Argument has no effect",
					Detail:   fmt.Sprintf("%s=%s is set and replaces %s, as in Vault Proxy, which then does not read this value.", env, v, a.name),
					Subject:  a.nameRange.Ptr(),
					Context:  a.rng.Ptr(),
					Extra:    codeOverriddenByEnvironment,
				})
				continue
			}
		}
		as := sch.Attribute(a.name)
		if as == nil {
			if sch.Open {
				// Read as any value, so that its form is checked as every other value's is.
				v, vdiags := d.convert(a, &schema.Attribute{Name: a.name, Kind: schema.Any})
				diags = append(diags, vdiags...)
				if v != nil {
					out.open = append(out.open, a)
				}
				continue
			}
			diags = append(diags, d.unsupportedArgument(sch, label, a))
			continue
		}
		if as.Deprecated != "" {
			// Deprecation is said first, with what the argument still does: the schema's
			// Deprecated text is quoted, as it promises.
			detail := fmt.Sprintf("%s is deprecated: %s.", a.name, as.Deprecated)
			if as.Ignored != "" {
				detail += fmt.Sprintf(" It is accepted but does nothing: %s.", as.Ignored)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Deprecated argument",
				Detail:   detail,
				Subject:  a.nameRange.Ptr(),
				Context:  a.rng.Ptr(),
				Extra:    codeDeprecatedArgument,
			})
		} else if as.Ignored != "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Argument has no effect",
				Detail:   fmt.Sprintf("%s is accepted but does nothing: %s.", a.name, as.Ignored),
				Subject:  a.nameRange.Ptr(),
				Context:  a.rng.Ptr(),
				Extra:    codeIgnoredArgument,
			})
		}
		if as.Extension != "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "vaultproxy extension",
				Detail:   fmt.Sprintf("%s is vaultproxy's own, which Vault Proxy does not read: %s. This configuration runs with vaultproxy only.", a.name, as.Extension),
				Subject:  a.nameRange.Ptr(),
				Context:  a.rng.Ptr(),
				Extra:    codeExtension,
			})
		}
		if w := d.unread(c, sch, as, a); w != nil {
			diags = append(diags, w)
			continue
		}
		v, vdiags := d.convert(a, as)
		diags = append(diags, vdiags...)
		if v != nil {
			out.vals[a.name] = v
			// A value with no effect is not warned about for what it would do (jwt_exp below 0
			// or above 60 with type gce).
			if w := d.unusedUnless(c, sch, as, a); w != nil {
				diags = append(diags, w)
			} else if w := d.unusable(as, a, v); w != nil {
				diags = append(diags, w)
			}
		}
	}
	return seen, nested, diags
}

// unread is the warning for an attribute that Vault Proxy does not read, its ReadOnlyWhen not
// holding on the body's other values (aws reads credential_poll_interval only with type iam:
// command/agentproxyshared/auth/aws/aws.go; cert reads reload_period only with reload and a
// certificate of its own: auth/cert/cert.go), or nil. Vault Proxy never looks at such a value, so it
// is not checked either. When the condition cannot be told (a value it reads is one Vault Proxy
// cannot read, which is its own error), the attribute is checked as usual; so it is in a plan file,
// which writes what it read.
func (d *decoder) unread(c *body, sch *schema.Block, as *schema.Attribute, a *attribute) *hcl.Diagnostic {
	if as.ReadOnlyWhen == nil || d.plan {
		return nil
	}
	holds, known, here := d.evalCondition(c, sch, as.ReadOnlyWhen)
	if holds || !known {
		return nil
	}
	return noEffect(a, fmt.Sprintf("%s has no effect here (%s): Vault Proxy reads it only when %s, and ignores it otherwise, whatever its value.",
		a.name, here, as.ReadOnlyWhen))
}

// evalCondition evaluates cond on the attributes of c as Vault Proxy reads them (schema.Condition.Eval):
// whether it holds, whether that can be told (every value it needs is one Vault Proxy reads), and,
// when it does not hold, what here makes it fail ("reload is not set").
func (d *decoder) evalCondition(c *body, sch *schema.Block, cond *schema.Condition) (holds, known bool, here string) {
	return cond.Eval(func(name string) schema.Reading { return d.conditionValue(c, sch, name) })
}

// conditionValue is the value of the attribute name of c as Vault Proxy reads it, as text (a Bool's
// is "true" or "false"), its default when it is not written or read as unset, and whether it was
// written. It is not Known when Vault Proxy cannot read it (its own diagnostic says why).
func (d *decoder) conditionValue(c *body, sch *schema.Block, name string) schema.Reading {
	as := sch.Attribute(name)
	if as == nil {
		panic(fmt.Sprintf("compile: a condition reads %q, which block %q does not declare", name, sch.Type))
	}
	i := slices.IndexFunc(c.attrs, func(a *attribute) bool { return a.name == name })
	if i < 0 {
		return schema.Reading{Value: as.Default, Known: true}
	}
	dv, diags := d.convert(c.attrs[i], as)
	switch {
	case diags.HasErrors():
		return schema.Reading{Written: true}
	case dv == nil:
		return schema.Reading{Value: as.Default, Written: true, Known: true}
	}
	return schema.Reading{Value: dv.s, Written: true, Known: true}
}

// unusedUnless is the warning for an attribute that Vault Proxy reads, and so checks, but uses
// only when its UsedOnlyWhen holds, when it does not (alicloud's role_arn without
// role_session_expiration: the Alibaba Cloud SDK then uses the access key as it is; aws's region
// with type ec2), or nil. When the condition cannot be told (a value it reads is one Vault Proxy
// cannot read, its own error), or in a plan file, which writes what it read, there is none. A bare
// type test (schema.TypeIs) is worded with the type, as the methods' documentation words it.
func (d *decoder) unusedUnless(c *body, sch *schema.Block, as *schema.Attribute, a *attribute) *hcl.Diagnostic {
	if as.UsedOnlyWhen == nil || d.plan {
		return nil
	}
	holds, known, here := d.evalCondition(c, sch, as.UsedOnlyWhen)
	if holds || !known {
		return nil
	}
	if typ, ok := as.UsedOnlyWhen.TypeTest(); ok {
		// Without a type there is none to name, and the missing type is the error to fix
		// (Vault Proxy refuses the method: "missing 'type' value").
		got := d.conditionValue(c, sch, "type")
		if !got.Written {
			return nil
		}
		return noEffect(a, fmt.Sprintf("%s has no effect with type %s: Vault Proxy uses it only with type %s.",
			a.name, got.Value, typ))
	}
	return noEffect(a, fmt.Sprintf("%s has no effect here (%s): Vault Proxy uses it only when %s, and ignores it otherwise.",
		a.name, here, as.UsedOnlyWhen))
}

var codeNegativeValue = diagcode.New("negative_value",
	"A number below 0 that Vault Proxy accepts but cannot use as meant: gcp's jwt_exp makes a JWT that has expired before it is sent.",
	"auto_auth {\n  method \"gcp\" {\n    config = {\n      type    = \"iam\"\n      role    = \"app\"\n      jwt_exp = -5\n    }\n  }\n}")

var codeValueAboveLimit = diagcode.New("value_above_limit",
	"A number above a bound that Vault Proxy accepts but that cannot work: gcp's jwt_exp above 60 makes a JWT that Vault's gcp method refuses, whatever the role.",
	"auto_auth {\n  method \"gcp\" {\n    config = {\n      type    = \"iam\"\n      role    = \"app\"\n      jwt_exp = 90\n    }\n  }\n}")

// unusable is the warning for a number that Vault Proxy accepts but cannot use as meant, or nil:
// below 0 for an attribute whose NegativeMeans says what it does, above the bound of one whose Above
// does. A plan file writes what it read.
func (d *decoder) unusable(as *schema.Attribute, a *attribute, v *decodedValue) *hcl.Diagnostic {
	var summary, detail string
	var code *diagcode.Code
	switch {
	case d.plan:
		return nil
	case as.NegativeMeans != "" && v.i < 0:
		summary, code = "Negative "+a.name, codeNegativeValue
		detail = fmt.Sprintf("%s = %d is below 0: %s. Give it a positive value, or 0 for the default (%s).",
			a.name, v.i, as.NegativeMeans, as.Default)
	case as.Above != nil && v.i > as.Above.Bound:
		summary, code = fmt.Sprintf("Value above %d for %s", as.Above.Bound, a.name), codeValueAboveLimit
		detail = fmt.Sprintf("%s = %d is above %d: %s. Give it %d or less (the default is %s).",
			a.name, v.i, as.Above.Bound, as.Above.Means, as.Above.Bound, as.Default)
	default:
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   detail,
		Subject:  a.expr.Range().Ptr(),
		Context:  a.rng.Ptr(),
		Extra:    code,
	}
}

func noEffect(a *attribute, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Argument has no effect",
		Detail:   detail,
		Subject:  a.nameRange.Ptr(),
		Context:  a.rng.Ptr(),
		Extra:    codeIgnoredArgument,
	}
}

// requiredAttributes reports each required attribute of sch that seen lacks.
func requiredAttributes(c *body, sch *schema.Block, seen map[string]*attribute) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, as := range sch.Attributes {
		if as.Required && seen[as.Name] == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   fmt.Sprintf("The argument %q is required, but no definition was found.", as.Name),
				Subject:  c.missing.Ptr(),
				Extra:    codeMissingRequiredArgument,
			})
		}
	}
	return diags
}

// decodeNestedBlocks reads the nested blocks into out, refusing those the schema rejects, lacks or
// allows fewer of, and warning about those it ignores.
func (d *decoder) decodeNestedBlocks(nested []*block, out *decodedBody) hcl.Diagnostics {
	var diags hcl.Diagnostics
	sch, label := out.sch, out.label
	for _, b := range nested {
		nb := sch.Block(b.typ, label)
		if nb == nil {
			diags = append(diags, d.unsupportedBlock(sch, label, b))
			continue
		}
		if nb.Rejected != "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Unsupported %s block", b.typ),
				Detail:   fmt.Sprintf("The %s block is not accepted: %s.", b.typ, nb.Rejected),
				Subject:  b.defRange.Ptr(),
				Extra:    codeRejectedBlock,
			})
			continue
		}
		if nb.Ignored != "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Block has no effect",
				Detail:   fmt.Sprintf("The %s block is accepted but does nothing: %s.", b.typ, nb.Ignored),
				Subject:  b.defRange.Ptr(),
				Extra:    codeIgnoredBlock,
			})
			continue
		}
		if prev := out.blocks[b.typ]; nb.Max > 0 && len(prev) >= nb.Max {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Duplicate %s block", b.typ),
				Detail: fmt.Sprintf("Only one %s block is allowed here; another was declared at %s.",
					b.typ, prev[0].defRange),
				Subject: b.defRange.Ptr(),
				Extra:   codeDuplicateBlock,
			})
			continue
		}
		db, bdiags := d.decodeBlock(b, nb)
		diags = append(diags, bdiags...)
		if db != nil {
			out.blocks[b.typ] = append(out.blocks[b.typ], db)
		}
	}
	return diags
}

// requiredBlocks reports each required nested block type that out lacks.
func requiredBlocks(c *body, out *decodedBody) hcl.Diagnostics {
	var diags hcl.Diagnostics
	sch, label := out.sch, out.label
	// Each nested block type once, as the label selects it (a method's own config over the open one).
	checked := map[string]bool{}
	for _, listed := range append(append([]*schema.Block(nil), sch.ByLabel[label]...), sch.Blocks...) {
		if checked[listed.Type] {
			continue
		}
		checked[listed.Type] = true
		if nb := sch.Block(listed.Type, label); nb.Required && len(out.blocks[nb.Type]) == 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Missing %s block", nb.Type),
				Detail:   fmt.Sprintf("A %s block is required here.", nb.Type),
				Subject:  c.missing.Ptr(),
				Extra:    codeMissingRequiredBlock,
			})
		}
	}
	return diags
}

// The codes of decodeBlock's diagnostics.
var (
	codeExtraneousLabel = diagcode.New("extraneous_label",
		"A block has more labels than it takes.",
		"vault \"primary\" {\n  address = \"https://vault:8200\"\n}")
	codeConflictingLabel = diagcode.New("conflicting_label",
		"A block's label and its type attribute name different types.",
		"listener \"tcp\" {\n  type    = \"unix\"\n  address = \"127.0.0.1:8100\"\n}")
	codeMissingLabel = diagcode.New("missing_label",
		"A block that needs a type label has neither the label nor a type attribute.",
		"listener {\n  address = \"127.0.0.1:8100\"\n}")
	codeRejectedLabel = diagcode.New("rejected_label",
		"A block type label that Vault Proxy once accepted and now rejects.",
		"auto_auth {\n  method \"pcf\" {\n    config = {}\n  }\n}")
	codeUnsupportedLabel = diagcode.New("unsupported_label",
		"A block's type label is not one of the types it takes.",
		"listener \"tcpp\" {\n  address = \"127.0.0.1:8100\"\n}")
	codeJSONBlockMisread = diagcode.New("json_block_misread",
		"A JSON block whose properties are all objects, which Vault Proxy's HCL 1 reads as more labels.",
		"{\"auto_auth\": {\"method\": {\"type\": \"approle\", \"config\": {}}, \"sink\": {\"file\": {\"config\": {}}}}}")
)

// decodeBlock reads one nested block: its label (or `type` attribute) and then its body.
func (d *decoder) decodeBlock(b *block, nb *schema.Block) (*decodedBlock, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := &decodedBlock{sch: nb, typeRange: b.typeRange, defRange: b.defRange}
	diags = append(diags, blockLabels(b, nb, out)...)
	typeUnread, tdiags := d.typeAttributeLabel(b, nb, out)
	diags = append(diags, tdiags...)
	diags = append(diags, checkLabel(b, nb, out, typeUnread)...)
	diags = append(diags, jsonMisread(b, nb, out)...)
	// A block with a bad label is still read, so that the problems in its body are reported in the same
	// run, and kept, so that cross-block rules do not report it missing.
	body, bdiags := d.decodeBody(b.body, nb, out.label)
	diags = append(diags, bdiags...)
	out.body = body
	return out, diags
}

// blockLabels reads b's labels into out: the one label of a labelled block type, none otherwise.
func blockLabels(b *block, nb *schema.Block, out *decodedBlock) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if !nb.AnyLabels {
		out.labelled = nb.Label != "" && len(b.labels) > 0
		switch {
		case nb.Label == "" && len(b.labels) > 0:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Extraneous label for " + b.typ,
				Detail:   fmt.Sprintf("No labels are expected for %s blocks.", b.typ),
				Subject:  b.labelRanges[0].Ptr(),
				Context:  b.defRange.Ptr(),
				Extra:    codeExtraneousLabel,
			})
		case len(b.labels) > 1:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Extraneous label for " + b.typ,
				Detail:   fmt.Sprintf("Only one label, the %s, is expected for %s blocks.", nb.Label, b.typ),
				Subject:  b.labelRanges[1].Ptr(),
				Context:  b.defRange.Ptr(),
				Extra:    codeExtraneousLabel,
			})
			out.label = strings.ToLower(b.labels[0])
			out.labelRange = b.labelRanges[0]
		case len(b.labels) == 1:
			out.label = strings.ToLower(b.labels[0])
			out.labelRange = b.labelRanges[0]
		}
	}
	return diags
}

// typeAttributeLabel reads the label written as an attribute (listener { type = "tcp" }) into out,
// unless a label was written too. typeUnread reports a type attribute whose value was unreadable
// (and reported).
func (d *decoder) typeAttributeLabel(b *block, nb *schema.Block, out *decodedBlock) (typeUnread bool, diags hcl.Diagnostics) {
	typeAttr := d.peekTypeAttribute(b, nb)
	if nb.Label != "" && nb.LabelAttr && typeAttr != nil {
		// The label written as an attribute is read here, once: decodeBody skips it. Its allowed
		// values are checked by checkLabel, as a label's are.
		v, vdiags := d.convert(typeAttr, &schema.Attribute{Name: nb.Label, Kind: schema.String, Required: true})
		diags = append(diags, vdiags...)
		if v == nil {
			typeUnread = true
		} else {
			typ := v.s
			if nb == schema.Listener {
				// Vault Proxy lower-cases a listener's type attribute, but compares a method's, a
				// sink's or a persist's exactly (their labels are lower-cased).
				typ = strings.ToLower(typ)
			}
			if out.label != "" && typ != out.label {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Conflicting " + nb.Label,
					Detail: fmt.Sprintf("The block label says %q and the %s attribute says %q; write one of them.",
						out.label, nb.Label, typ),
					Subject: typeAttr.expr.Range().Ptr(),
					Context: typeAttr.rng.Ptr(),
					Extra:   codeConflictingLabel,
				})
			}
			if out.label == "" {
				out.label = typ
				out.labelRange = typeAttr.expr.Range()
			}
		}
	}
	return typeUnread, diags
}

// checkLabel reports a missing label, and one that is rejected or not allowed.
func checkLabel(b *block, nb *schema.Block, out *decodedBlock, typeUnread bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if nb.Label != "" && out.label == "" && !typeUnread {
		detail := fmt.Sprintf("A %s block needs its %s, as a label (%s %q { ... })", b.typ, nb.Label, b.typ, firstOr(nb.LabelValues))
		if nb.LabelAttr {
			detail += fmt.Sprintf(" or as an attribute (%s = %q)", nb.Label, firstOr(nb.LabelValues))
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing " + nb.Label + " for " + b.typ,
			Detail:   detail + ".",
			Subject:  b.defRange.Ptr(),
			Extra:    codeMissingLabel,
		})
	}
	if why, rejected := nb.RejectedLabels[out.label]; rejected {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Unsupported %s %s", b.typ, nb.Label),
			Detail:   fmt.Sprintf("%q is not accepted: %s.", out.label, why),
			Subject:  out.labelRange.Ptr(),
			Context:  b.defRange.Ptr(),
			Extra:    codeRejectedLabel,
		})
	} else if nb.Label != "" && out.label != "" && len(nb.LabelValues) > 0 && !contains(nb.LabelValues, out.label) {
		detail := fmt.Sprintf("%q is not %s %s. Allowed values are %s.", out.label, withArticle(b.typ), nb.Label, joinAnd(quoteAll(nb.LabelValues)))
		if s := Suggest(out.label, nb.LabelValues); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Unsupported %s %s", b.typ, nb.Label),
			Detail:   detail,
			Subject:  out.labelRange.Ptr(),
			Context:  b.defRange.Ptr(),
			Extra:    codeUnsupportedLabel,
		})
	} else if why, ext := nb.ExtensionLabels[out.label]; ext {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "vaultproxy extension",
			Detail:   fmt.Sprintf("%s %q is vaultproxy's own: %s. This configuration runs with vaultproxy only.", b.typ, out.label, why),
			Subject:  out.labelRange.Ptr(),
			Context:  b.defRange.Ptr(),
			Extra:    codeExtension,
		})
	}
	return diags
}

// jsonMisread reports a JSON block body that Vault Proxy's HCL 1 reads as more labels (hcl1Flattened).
func jsonMisread(b *block, nb *schema.Block, out *decodedBlock) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if nb == schema.SinksWrapper {
		// Vault Proxy decodes the wrapper field by field (AutoAuth.Sinks), which reads
		// "sinks": [{"sink": {...}}] as one sink: the flattening does not lose it there.
		return nil
	}
	if jb, ok := b.body.(jsonBody); ok {
		if name := hcl1Flattened(jb); name != "" {
			fix := fmt.Sprintf("Give the %s an attribute of its own, or write %q as an array: \"%s\": [{ ... }].", b.typ, name, name)
			if nb.LabelAttr && out.label != "" {
				fix = fmt.Sprintf("Write its %s as a property instead of a label: \"%s\": {\"%s\": %q, \"%s\": ...}.",
					nb.Label, b.typ, nb.Label, out.label, name)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "JSON block that Vault Proxy misreads",
				Detail: fmt.Sprintf("Every property of this %s object is an object, which Vault Proxy's HCL 1 reads as more labels of the block: it would fail to load, or drop %q. %s",
					b.typ, name, fix),
				Subject: b.defRange.Ptr(),
				Extra:   codeJSONBlockMisread,
			})
		}
	}
	return diags
}

// peekTypeAttribute finds the `type` attribute of a block whose label may be written as one, before
// the body is read (the label selects the body's schema).
func (d *decoder) peekTypeAttribute(b *block, nb *schema.Block) *attribute {
	if !nb.LabelAttr {
		return nil
	}
	if native, ok := b.body.(nativeBody); ok {
		// A native body indexes its attributes by name: no need to read the whole body twice.
		a := native.b.Attributes[nb.Label]
		if a == nil {
			return nil
		}
		return &attribute{name: a.Name, expr: a.Expr, nameRange: a.NameRange, rng: a.SrcRange}
	}
	c, _ := b.body.content(&schema.Block{Attributes: []*schema.Attribute{{Name: nb.Label}}}, "")
	for _, a := range c.attrs {
		if a.name == nb.Label {
			return a
		}
	}
	return nil
}

var codeUnsupportedArgument = diagcode.New("unsupported_argument",
	"An argument that the block does not take, often misspelt (\"Did you mean\" names the closest).",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disabel = true\n}")

func (d *decoder) unsupportedArgument(sch *schema.Block, label string, a *attribute) *hcl.Diagnostic {
	detail := fmt.Sprintf("An argument named %q is not expected here.", a.name)
	if cfg := sch.Block("config", label); cfg != nil && !cfg.Open && cfg.Attribute(a.name) != nil {
		// A method's (or sink's) key written in the block itself, where Vault Proxy does not look for it.
		detail += fmt.Sprintf(" %s is a config key of %s %q: did you mean to write it in config = { ... }?", a.name, sch.Type, label)
	} else if s := Suggest(a.name, attrNames(sch)); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if nb := sch.Block(a.name, label); nb != nil {
		detail += fmt.Sprintf(" %s is a block: write %s { ... }.", a.name, a.name)
	} else if s := Suggest(a.name, sch.Names(label)); s != "" {
		detail += fmt.Sprintf(" Did you mean to define a block of type %q?", s)
	} else if typ := schema.MethodOfConfig(sch); typ != "" {
		detail += siblingMethodKey(typ, a.name)
	} else if where := schema.BlocksWithAttribute(a.name, sch); len(where) > 0 {
		detail += siblingBlockArgument(a.name, sch, where)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported argument",
		Detail:   detail,
		Subject:  a.nameRange.Ptr(),
		Context:  a.rng.Ptr(),
		Extra:    codeUnsupportedArgument,
	}
}

// siblingMethodKey is the "Did you mean" of an unknown config key of method typ that is, or is close
// to, a config key of other method types: it names the key and the methods it belongs to, since the
// key is then more likely written under the wrong method than misspelt. "" when it is neither.
func siblingMethodKey(typ, name string) string {
	key := name
	owners := schema.MethodsWithConfigKey(name)
	if len(owners) == 0 {
		if key = Suggest(name, schema.MethodConfigKeys(typ)); key == "" {
			return ""
		}
		owners = schema.MethodsWithConfigKey(key)
	}
	where := "method " + joinAnd(quoteAll(owners))
	if len(owners) > 1 {
		where = "methods " + joinAnd(quoteAll(owners))
	}
	belongs := fmt.Sprintf("%q is a config key of %s, not of %q.", key, where, typ)
	switch {
	case key != name:
		return fmt.Sprintf(" Did you mean %q? %s", key, belongs)
	case len(owners) == 1:
		return fmt.Sprintf(" Did you mean method %q? %s", owners[0], belongs)
	}
	return " Did you mean another method? " + belongs
}

// siblingBlockArgument is the "Did you mean" of an argument that sch does not take but other blocks
// do (where, their paths): it was more likely written in the wrong block than misspelt, so it names
// the blocks it belongs in.
func siblingBlockArgument(name string, sch *schema.Block, where []string) string {
	place := func(path string) string {
		if path == "" {
			return "at the top level"
		}
		return "in the " + path + " block"
	}
	places := make([]string, len(where))
	for i, w := range where {
		places[i] = place(w)
	}
	return fmt.Sprintf(" Did you mean to write it %s? %q belongs %s, not %s.",
		joinEither(places), name, joinEither(places), place(sch.Type))
}

// joinEither joins alternatives as English does: "a", "a or b", "a, b or c".
func joinEither(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// joinAnd joins items as English does: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

var codeUnsupportedBlock = diagcode.New("unsupported_block",
	"A block type that is not expected here, often misspelt (\"Did you mean\" names the closest).",
	"listner \"tcp\" {\n  address = \"127.0.0.1:8100\"\n}")

func (d *decoder) unsupportedBlock(sch *schema.Block, label string, b *block) *hcl.Diagnostic {
	detail := fmt.Sprintf("Blocks of type %q are not expected here.", b.typ)
	var blockNames []string
	for _, n := range sch.Names(label) {
		if sch.Attribute(n) == nil {
			blockNames = append(blockNames, n)
		}
	}
	if s := Suggest(b.typ, blockNames); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if sch.Attribute(b.typ) != nil {
		detail += fmt.Sprintf(" Did you mean to define argument %q? If so, use the equals sign to assign it a value.", b.typ)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported block type",
		Detail:   detail,
		Subject:  b.typeRange.Ptr(),
		Extra:    codeUnsupportedBlock,
	}
}

func attrNames(sch *schema.Block) []string {
	names := make([]string, 0, len(sch.Attributes))
	for _, a := range sch.Attributes {
		names = append(names, a.Name)
	}
	return names
}

func quoteAll(items []string) []string {
	out := make([]string, 0, len(items))
	for _, s := range items {
		if s != "" {
			out = append(out, fmt.Sprintf("%q", s))
		}
	}
	return out
}

func firstOr(items []string) string {
	if len(items) > 0 {
		return items[0]
	}
	return "..."
}
