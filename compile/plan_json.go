package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/zclconf/go-cty/cty"
)

// PlanFormatVersion is the format_version of the JSON plan that MarshalJSON writes. The minor version
// rises when fields are added (readers ignore fields they do not know), the major version when a field
// changes meaning or goes away (readers refuse a major version they do not know). docs/plan-format.md
// describes the document.
//
// 1.1 added cache.persist.key_file and cache.serve_stale_for; 1.2 added listener max_request_size and
// max_request_duration; 1.3 added the config value kind "number", and the config keys of the aws,
// gcp, azure, ldap, kerberos, oci, alicloud and cf methods are written with their declared kinds
// (1.2 wrote them all as strings).
const PlanFormatVersion = planMajor + "." + planMinor

// planMajor and planMinor are the major version DecodePlanFile reads and the minor version it knows
// every field of.
const (
	planMajor = "1"
	planMinor = "3"
)

// planMinorNumber is planMinor as a number.
var planMinorNumber, _ = strconv.Atoi(planMinor)

// formatVersion is the form of a format_version: MAJOR.MINOR, each a non-negative whole number
// without a leading zero.
var formatVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

// checkFormatVersion reads format_version, refusing any form but "1.N": another major version is
// refused as unsupported, and any other text (1, 1.x, 1.0.0, 01.0) as not a version. It
// returns the minor version: a later one than PlanFormatVersion's may hold fields this reader does not know.
func checkFormatVersion(e hcl.Expression) (minor int, diag *hcl.Diagnostic) {
	fail := func(summary, detail string) (int, *hcl.Diagnostic) {
		return 0, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
			Subject: e.Range().Ptr(), Extra: CodeInvalidPlanFile}
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || v.IsNull() || v.Type() != cty.String {
		return fail("Invalid format_version", fmt.Sprintf("format_version must be a string such as %q.", PlanFormatVersion))
	}
	m := formatVersion.FindStringSubmatch(v.AsString())
	if m == nil {
		return fail("Invalid format_version", fmt.Sprintf(
			"format_version is MAJOR.MINOR, two whole numbers without a leading zero, such as %q; %q is not. This vaultproxy reads format %s.x.",
			PlanFormatVersion, v.AsString(), planMajor))
	}
	if m[1] != planMajor {
		return fail("Unsupported plan format", fmt.Sprintf(
			"plan file format_version %s is not supported: this vaultproxy reads format %s.x (it writes %s). Write the plan again with this vaultproxy's plan -out, or use the vaultproxy that wrote it.",
			v.AsString(), planMajor, PlanFormatVersion))
	}
	minor, err := strconv.Atoi(m[2])
	if err != nil {
		minor = math.MaxInt // too large for an int: later than any this reader knows
	}
	return minor, nil
}

// The JSON codec has no type per block: it walks the plan layout (plan_layout.go), which lists, in
// document order, the members of each block object. A setting member names its schema attribute, which
// gives its JSON key, how its value is written and how it is checked when read back; the decoder reads
// a value with the same code that reads it from a configuration (decoder.convert), so that a plan file
// is checked as HCL is, with diagnostics at the plan file's line and column.

// slot is a plan value that the codec reads and writes without knowing its Go type: a *Value[T].
type slot interface {
	load() (any, Origin)
	store(v any, o Origin, at hcl.Range)
	where() hcl.Range // the range of the value in a plan file
}

func (v *Value[T]) load() (any, Origin) { return v.v, v.origin }

func (v *Value[T]) where() hcl.Range { return v.at }

// store sets the value from x, of T's underlying type (a string for a ListenerRole), read at the range
// at of a plan file.
func (v *Value[T]) store(x any, o Origin, at hcl.Range) {
	rv := reflect.ValueOf(x)
	if t := reflect.TypeFor[T](); rv.Type() != t {
		rv = rv.Convert(t)
	}
	v.v, v.origin, v.at = rv.Interface().(T), o, at
}

// MarshalJSON writes the plan as the versioned JSON document that `vaultproxy plan -json` prints and
// `-out` saves (docs/plan-format.md): format_version first, then every effective setting with its
// origin, indented with two spaces, fields in a fixed order and map keys sorted, so that the same
// configuration and environment always give the same bytes. Secret values are never written: a
// sink's aad and the sensitive keys of a method's config read "(sensitive)" when they were set.
func (p *Plan) MarshalJSON() ([]byte, error) {
	var out bytes.Buffer
	if err := writeJSONNode(&out, encodeObject(p, planLayout), 0); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func encodeObject[B any](b *B, layout []member[B]) *jsonNode {
	n := &jsonNode{obj: true}
	for _, m := range layout {
		n.keys = append(n.keys, m.name)
		n.elems = append(n.elems, m.encode(b))
	}
	return n
}

// encodeSetting writes {"value": ..., "origin": ...}.
func encodeSetting(a *schema.Attribute, s slot) *jsonNode {
	v, o := s.load()
	return &jsonNode{obj: true, keys: []string{"value", "origin"},
		elems: []*jsonNode{encodeValue(a, v, o), jsonString(o.String())}}
}

// encodeValue writes a value as the plan format wants it: durations in Go's syntax without trailing
// zero units, file modes as four octal digits, lists as arrays, and a sensitive value that was set as
// Redacted, whatever it holds (even ""), so that a decoded plan, which holds no secret, writes the same
// bytes again.
func encodeValue(a *schema.Attribute, v any, o Origin) *jsonNode {
	if a.Sensitive && o.kind != OriginDefault {
		return jsonString(Redacted)
	}
	switch x := v.(type) {
	case time.Duration:
		return jsonString(FormatDuration(x))
	case fs.FileMode:
		return jsonString(fmt.Sprintf("%04o", uint32(x)))
	case TLSVersion:
		return jsonString(x.String())
	case CipherSuites:
		return encodeValue(a, x.Names(), o)
	case []string:
		n := &jsonNode{arr: true}
		for _, s := range x {
			n.elems = append(n.elems, jsonString(s))
		}
		return n
	case bool:
		return &jsonNode{scalar: []byte(strconv.FormatBool(x))}
	case int:
		return &jsonNode{scalar: []byte(strconv.Itoa(x))}
	}
	return jsonString(reflect.ValueOf(v).String()) // a string, or a named string type
}

func jsonString(s string) *jsonNode {
	b, _ := marshalNoEscape(s) // a string always marshals
	return &jsonNode{scalar: b}
}

var jsonNull = &jsonNode{scalar: []byte("null")}

// blockOrigin is the origin of a block header: its range, or "default" for a block not written.
func blockOrigin(declared bool, rng hcl.Range) string {
	if !declared {
		return OriginDefault.String()
	}
	return ConfigOrigin(rng).String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DecodePlanJSON reads a document written by MarshalJSON back into a Plan, as DecodePlanFile does, for
// a file named plan.json. The error, when there is one, is the hcl.Diagnostics.
func DecodePlanJSON(b []byte) (*Plan, error) {
	p, diags := DecodePlanFile("plan.json", b)
	if diags.HasErrors() {
		return nil, diags
	}
	return p, nil
}

// DecodePlanFile reads a document written by MarshalJSON back into a Plan, as `vaultproxy run` does with
// a plan file. It accepts format_version 1.x, ignoring fields it does not know (a later minor version
// only adds fields), and refuses any other major version. Every value is checked as the compiler checks
// a configuration's (allowed values, TLS versions, cipher suites, durations, file modes), and must be
// written in the form MarshalJSON writes, so that encoding the returned Plan gives the bytes it was read
// from. Each problem is a diagnostic at its range in the plan file, named name. What the document does
// not hold is not restored: secret values (a sink's aad and sensitive method config keys are empty;
// docs/plan-format.md says how run gets them) and the byte offsets of source ranges (lines and columns
// are kept).
func DecodePlanFile(name string, src []byte) (*Plan, hcl.Diagnostics) {
	p, diags := decodePlanFile(name, src)
	for _, d := range diags {
		if d.Extra == nil {
			d.Extra = CodeInvalidPlanFile // the JSON parser's syntax errors
		}
	}
	return p, diags
}

func decodePlanFile(name string, src []byte) (*Plan, hcl.Diagnostics) {
	root, diags := hcljson.ParseExpression(src, name)
	if diags.HasErrors() {
		return nil, diags
	}
	d := &planDecoder{values: &decoder{sources: map[string][]byte{name: src}, plan: true}, src: src}
	obj, ok := d.object("the plan file", root)
	if !ok {
		return nil, d.diags
	}
	fv, ok := obj.props["format_version"]
	if !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Not a plan file",
			Detail: "The plan file has no format_version: it is not a vaultproxy plan.", Subject: obj.rng.Ptr(), Extra: CodeInvalidPlanFile}}
	}
	minor, vdiag := checkFormatVersion(fv.val)
	if vdiag != nil {
		return nil, hcl.Diagnostics{vdiag}
	}
	d.minor, d.later = minor, minor > planMinorNumber
	// decodeObject reads the top-level object again and reports what the first read found
	// (a duplicate property), so that it is reported once.
	d.diags = nil
	p := &Plan{}
	decodeObject(d, "", root, planLayout, p)
	if !d.diags.HasErrors() {
		d.checkDerived(p) // on values that all read, so that each is what the file says
	}
	p.parseAddresses()
	if d.diags.HasErrors() {
		return nil, d.diags
	}
	return p, d.diags
}

// planDecoder reads a plan file's tree, collecting a diagnostic for each problem.
type planDecoder struct {
	values *decoder // reads each value as a configuration's is read
	src    []byte
	diags  hcl.Diagnostics
	// minor is the file's format_version minor; later is set for a document of a later minor
	// version than PlanFormatVersion: fields this reader does not know are then ignored. In a
	// document of this or an earlier version they are refused, since writing the plan again would
	// drop them.
	minor int
	later bool
	files []string // the plan's files, once read: what source range origins may name
}

// minorBefore reports whether the file's format is older than version v ("1.1"), which then lacks
// the fields added in v.
func (d *planDecoder) minorBefore(v string) bool {
	_, m, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(m)
	return d.minor < n
}

func (d *planDecoder) fail(rng hcl.Range, summary, detail string) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr(),
		Extra: CodeInvalidPlanFile})
}

// object is a JSON object of the plan file: its properties by name, each with the range of its name.
type object struct {
	rng   hcl.Range
	props map[string]property
}

type property struct {
	name hcl.Range
	val  hcl.Expression
}

// object reads e, which must be a JSON object; what names it in messages.
func (d *planDecoder) object(what string, e hcl.Expression) (object, bool) {
	out := object{rng: e.Range(), props: map[string]property{}}
	if !isJSONObject(e) {
		d.fail(e.Range(), "Invalid plan file", fmt.Sprintf("%s must be a JSON object.", capitalize(what)))
		return out, false
	}
	pairs, _ := hcl.ExprMap(e)
	for _, kv := range pairs {
		k, _ := kv.Key.Value(nil)
		name := k.AsString()
		if prev, dup := out.props[name]; dup {
			d.fail(kv.Key.Range(), "Duplicate property", fmt.Sprintf("%q was already set at %s.", name, prev.name))
			continue
		}
		out.props[name] = property{name: kv.Key.Range(), val: kv.Value}
	}
	return out, true
}

// isNull reports whether e is the JSON null.
func isNull(e hcl.Expression) bool {
	if isJSONContainer(e) {
		return false
	}
	v, diags := e.Value(nil)
	return !diags.HasErrors() && v.IsNull()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// joinPath names a member of the object at path: listeners[0].tls_disable.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// objectName names the object at path in a message.
func objectName(path string) string {
	if path == "" {
		return "The plan file"
	}
	return "The object " + path
}

// decodeObject reads e into b by the layout: every member must be present; unknown ones are refused
// unless the document is of a later minor version.
func decodeObject[B any](d *planDecoder, path string, e hcl.Expression, layout []member[B], b *B) {
	obj, ok := d.object(strings.ToLower(objectName(path)), e)
	if !ok {
		return
	}
	known := make([]string, 0, len(layout))
	for _, m := range layout {
		p, ok := obj.props[m.name]
		if m.since != "" && d.minorBefore(m.since) {
			// Not in the file's format version: not written, so the compiler's default; refused as
			// unknown when written, since the plan written again would declare another version.
			if m.attr != nil {
				storeDefault(m.attr, m.ref(b))
			}
			continue
		}
		known = append(known, m.name)
		if !ok {
			d.fail(obj.rng, "Missing plan field", fmt.Sprintf("%s has no %q.", objectName(path), m.name))
			continue
		}
		m.decode(d, joinPath(path, m.name), p, b)
	}
	d.unknownFields(objectName(path), obj, known)
}

// storeDefault sets s to the default the compiler gives attribute a when it is not written (getStr,
// getBool, getInt, getDur), origin default: what a setting added in a later format version is in a
// plan file written before it.
func storeDefault(a *schema.Attribute, s slot) {
	zero, _ := s.load()
	var v any
	switch zero.(type) {
	case int:
		v, _ = strconv.Atoi(a.Default)
	case time.Duration:
		v, _ = time.ParseDuration(orZero(a.Default))
	case bool:
		v = a.Default == "true"
	case string:
		v = a.Default
	default:
		return // no default but the zero value
	}
	s.store(v, DefaultOrigin(), hcl.Range{})
}

// unknownFields refuses the members of obj (what names it in messages) that are not known, unless the document is of a later
// minor version, whose new fields this reader ignores.
func (d *planDecoder) unknownFields(what string, obj object, known []string) {
	if d.later {
		return
	}
	var unknown []string
	for name := range obj.props {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	slices.SortFunc(unknown, func(a, b string) int { return obj.props[a].name.Start.Byte - obj.props[b].name.Start.Byte })
	for _, name := range unknown {
		detail := fmt.Sprintf("%s has no field %q in plan format %s, which this file declares; writing the plan again would drop it.",
			what, name, planMajor+"."+strconv.Itoa(d.minor))
		if s := Suggest(name, known); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		d.fail(obj.props[name].name, "Unknown plan field", detail)
	}
}

// setting reads {"value": ..., "origin": ...} into s, checking the value as attribute a, and that it
// agrees with its origin (def, when not nil, gives the default where the schema does not).
func (d *planDecoder) setting(path string, a *schema.Attribute, p property, s slot, def func() any) {
	obj, ok := d.object("the setting "+path, p.val)
	if !ok {
		return
	}
	vp, hasValue := obj.props["value"]
	op, hasOrigin := obj.props["origin"]
	if !hasValue || !hasOrigin {
		d.fail(obj.rng, "Missing plan field", fmt.Sprintf("The setting %s must have a value and an origin.", path))
		return
	}
	d.unknownFields("The setting "+path, obj, []string{"value", "origin"})
	o, ok := d.origin(op)
	if !ok {
		return
	}
	zero, _ := s.load()
	v, ok := d.value(a, vp, zero, o)
	if !ok {
		return
	}
	var dv any
	if def != nil {
		dv = def()
	}
	if d.checkOrigin(path, a, vp, op, v, o, dv) {
		s.store(v, o, vp.val.Range())
	}
}

// value reads a plan value of the Go type of zero, checking it as the compiler checks the attribute a
// in a configuration, then checking that it is written as MarshalJSON writes it.
func (d *planDecoder) value(a *schema.Attribute, p property, zero any, o Origin) (any, bool) {
	at := &attribute{name: a.Name, expr: p.val, nameRange: p.name, rng: hcl.RangeBetween(p.name, p.val.Range())}
	v, diags := p.val.Value(nil)
	if diags.HasErrors() {
		d.diags = append(d.diags, diags...)
		return nil, false
	}
	want := jsonTypeOf(zero)
	if got := jsonTypeOfValue(v); got != want {
		d.fail(p.val.Range(), "Incorrect value type", fmt.Sprintf("The value of %s must be %s, not %s.", a.Name, withArticle(want), withArticle(got)))
		return nil, false
	}
	var out any
	if a.Sensitive {
		out = "" // a plan holds no secret; only the canonical check below applies
	} else {
		dv, cdiags := d.values.convert(at, a)
		if cdiags.HasErrors() {
			for _, diag := range cdiags {
				if diag.Severity == hcl.DiagError {
					d.diags = append(d.diags, diag)
				}
			}
			return nil, false
		}
		if dv == nil && len(a.Enum) > 0 && a.Default != "" {
			// "" leaves an enum setting unset in a configuration; in a plan the default is explicit.
			d.diags = append(d.diags, d.values.enumError(at, a, ""))
			return nil, false
		}
		out = typedValue(dv, zero)
		if form := planForms[a]; form != nil {
			out = form(out) // the canonical check below then refuses a value not in that form
		}
	}
	written := bytes.TrimSpace(d.text(p.val.Range()))
	var compact bytes.Buffer
	_ = json.Compact(&compact, written)
	var canonical bytes.Buffer
	_ = writeJSONNode(&canonical, encodeValue(a, out, o), 1)
	var canonicalCompact bytes.Buffer
	_ = json.Compact(&canonicalCompact, canonical.Bytes())
	if !bytes.Equal(compact.Bytes(), canonicalCompact.Bytes()) {
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Non-canonical plan value",
			Detail: fmt.Sprintf("Did you mean %s? vaultproxy writes this value of %s in that form only, and a plan file holds each value as vaultproxy writes it.",
				canonical.String(), a.Name),
			Subject: p.val.Range().Ptr(), Context: at.rng.Ptr(), Extra: CodeInvalidPlanFile})
		return nil, false
	}
	return out, true
}

func (d *planDecoder) text(r hcl.Range) []byte {
	if r.Start.Byte < 0 || r.End.Byte > len(d.src) || r.Start.Byte > r.End.Byte {
		return nil
	}
	return d.src[r.Start.Byte:r.End.Byte]
}

// typedValue is the value of a decoded attribute as the Go type of zero; a nil one (an empty string,
// which leaves a setting unset) is the zero value.
func typedValue(dv *decodedValue, zero any) any {
	if dv == nil {
		switch zero.(type) {
		case []string:
			return []string{}
		case CipherSuites:
			return CipherSuites{}
		}
		return reflect.Zero(reflect.TypeOf(zero)).Interface()
	}
	switch zero.(type) {
	case TLSVersion:
		v, _ := ParseTLSVersion(dv.s)
		return v
	case CipherSuites:
		return cipherSuitesOf(dv.list)
	case bool:
		return dv.b
	case int:
		return int(dv.i)
	case time.Duration:
		return dv.d
	case fs.FileMode:
		return dv.mode
	case []string:
		return nonNil(dv.list)
	}
	return dv.s
}

// jsonTypeOf names the JSON type that a plan value of zero's Go type is written as.
func jsonTypeOf(zero any) string {
	switch zero.(type) {
	case bool:
		return "boolean"
	case int:
		return "number"
	case []string, CipherSuites:
		return "array"
	}
	return "string"
}

func jsonTypeOfValue(v cty.Value) string {
	switch t := v.Type(); {
	case v.IsNull():
		return "null"
	case t == cty.Bool:
		return "boolean"
	case t == cty.Number:
		return "number"
	case t == cty.String:
		return "string"
	case t.IsTupleType() || t.IsListType():
		return "array"
	}
	return "object"
}

// origin reads an origin string.
func (d *planDecoder) origin(p property) (Origin, bool) {
	v, diags := p.val.Value(nil)
	if diags.HasErrors() || v.IsNull() || v.Type() != cty.String {
		d.fail(p.val.Range(), "Invalid origin", "An origin is a string: "+originForms+".")
		return Origin{}, false
	}
	o, err := ParseOrigin(v.AsString())
	if err != nil {
		d.fail(p.val.Range(), "Invalid origin", capitalize(err.Error())+".")
		return Origin{}, false
	}
	return o, true
}

// blockOrigin reads a block header's origin: "default" (not written), or a source range.
func (d *planDecoder) blockOrigin(p property) (bool, hcl.Range) {
	o, ok := d.origin(p)
	if !ok {
		return false, hcl.Range{}
	}
	switch o.kind {
	case OriginDefault:
		return false, hcl.Range{}
	case OriginConfig:
		d.checkFile(p, o) // a diagnostic of its own; the block was written all the same
		return true, o.rng
	}
	d.fail(p.val.Range(), "Invalid origin", fmt.Sprintf("A block's origin is a source range or default, not %q.", o))
	return false, hcl.Range{}
}

// rangeOrigin matches hcl.Range.String as the encoder writes it: "file:line,col-col" on one line,
// "file:line,col-line,col" across lines; every number positive and without a leading zero.
var rangeOrigin = regexp.MustCompile(`^(.+):([1-9][0-9]*),([1-9][0-9]*)-([1-9][0-9]*)(?:,([1-9][0-9]*))?$`)

// flagName is a flag's name as FlagOrigin holds it: the flags that mirror Vault Proxy's are lower
// case words joined by dashes (schema.Attribute.Flag).
var flagName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// originForms names the forms of an origin in messages.
const originForms = "default, FILE:LINE,COL-COL, FILE:LINE,COL-LINE,COL, env NAME or flag -NAME"

// ParseOrigin reads an origin as Origin.String writes it, and only in that form: "default", a source
// range as hcl.Range.String writes it (one line: "proxy.hcl:4,3-30"; several: "proxy.hcl:3,1-7,2"),
// "env NAME" or "flag -NAME". A source range gets its file, lines and columns back; its byte offsets,
// which the string does not hold, are 0. Anything else is an error, so that a plan file cannot hold an
// origin that would be written back differently.
func ParseOrigin(s string) (Origin, error) {
	switch {
	case s == "default":
		return DefaultOrigin(), nil
	case strings.HasPrefix(s, "env "):
		name := strings.TrimPrefix(s, "env ")
		if name == "" {
			return Origin{}, fmt.Errorf("%q is not an origin: env is followed by one space and the variable's name", s)
		}
		return EnvOrigin(name), nil
	case strings.HasPrefix(s, "flag "):
		name, ok := strings.CutPrefix(s, "flag -")
		if !ok || !flagName.MatchString(name) {
			return Origin{}, fmt.Errorf("%q is not an origin: flag is followed by one space and the flag, such as -address", s)
		}
		return FlagOrigin(name), nil
	}
	m := rangeOrigin.FindStringSubmatch(s)
	if m == nil {
		return Origin{}, fmt.Errorf("%q is not an origin (%s)", s, originForms)
	}
	nums := make([]int, 0, 4)
	for _, t := range m[2:] {
		if t == "" {
			continue
		}
		n, err := strconv.Atoi(t)
		if err != nil {
			return Origin{}, fmt.Errorf("%q is not an origin: %s is out of range", s, t)
		}
		nums = append(nums, n)
	}
	r := hcl.Range{Filename: m[1], Start: hcl.Pos{Line: nums[0], Column: nums[1]}}
	if len(nums) == 3 {
		r.End = hcl.Pos{Line: r.Start.Line, Column: nums[2]}
		if r.End.Column < r.Start.Column {
			return Origin{}, fmt.Errorf("%q is not an origin: the range ends before it starts", s)
		}
	} else {
		r.End = hcl.Pos{Line: nums[2], Column: nums[3]}
		switch {
		case r.End.Line == r.Start.Line && r.End.Column >= r.Start.Column:
			return Origin{}, fmt.Errorf("%q is not an origin: a range on one line is written %s", s, r)
		case r.End.Line <= r.Start.Line:
			return Origin{}, fmt.Errorf("%q is not an origin: the range ends before it starts", s)
		}
	}
	return ConfigOrigin(r), nil
}
