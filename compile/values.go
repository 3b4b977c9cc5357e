package compile

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/zclconf/go-cty/cty"
)

// decodedValue is one decoded attribute value, converted to its schema kind.
type decodedValue struct {
	attr *attribute
	sch  *schema.Attribute
	s    string
	b    bool
	i    int64
	d    time.Duration
	list []string
	mode fs.FileMode
	raw  cty.Value
}

func (v *decodedValue) origin() Origin { return ConfigOrigin(v.attr.rng) }

var (
	octalString = regexp.MustCompile(`^0?[0-7]{3}$`)
)

// convert reads an attribute's value as its schema kind, the way Vault Proxy reads it (HCL 1's decoder
// and parseutil's weak decoding), warning where a form is only tolerated and a canonical one exists.
// It returns a nil value, with no error, for a value that Vault Proxy reads as unset (an empty string
// where its field is a string).
func (d *decoder) convert(a *attribute, sch *schema.Attribute) (*decodedValue, hcl.Diagnostics) {
	out := &decodedValue{attr: a, sch: sch}
	if c := d.constantError(a); c != nil {
		return nil, hcl.Diagnostics{c}
	}
	val, diags := a.expr.Value(nil)
	diags = withCodes(diags, codeInvalidValue)
	if diags.HasErrors() {
		return nil, diags
	}
	out.raw = val
	if w := d.escapeWarning(a); w != nil {
		diags = append(diags, w)
	}
	if sch.Kind == schema.Any {
		return out, diags
	}
	isNull := false
	if val.IsNull() {
		if !d.inJSON(a) {
			return nil, append(diags, d.valueError(a, "Invalid value",
				fmt.Sprintf("Vault Proxy's HCL 1 has no null and fails to load it. Remove %s to leave it unset.", sch.Name)))
		}
		// HCL 1's JSON parser reads null as an empty string (json/token.HCLToken), and so does
		// vaultproxy: it is then read as "" is read for each kind.
		val = cty.StringVal("")
		isNull = true
	}
	if !val.IsWhollyKnown() {
		// Without an evaluation context, only an expression that failed to parse (already reported
		// as a syntax error) evaluates to an unknown value: say nothing more about it.
		return nil, diags
	}
	c := &conversion{a: a, sch: sch, val: val, typ: val.Type(), isNull: isNull, out: out}
	switch sch.Kind {
	case schema.String:
		return d.convertString(c, diags)
	case schema.Bool, schema.TokenMode:
		return d.convertBool(c, diags)
	case schema.Int:
		return d.convertInt(c, diags)
	case schema.Duration:
		return d.convertDuration(c, diags)
	case schema.StringList:
		return d.convertStringList(c, diags)
	case schema.OctalString:
		return d.convertOctalString(c, diags)
	case schema.CipherSuites:
		return d.cipherSuites(a, sch, val, out, diags)
	case schema.FileMode:
		return d.convertFileMode(c, diags)
	}
	return out, diags
}

// conversion is one attribute value being read as its schema kind by convert.
type conversion struct {
	a      *attribute
	sch    *schema.Attribute
	val    cty.Value // "" for a JSON null
	typ    cty.Type
	isNull bool // the value was a JSON null, which HCL 1 reads as ""
	out    *decodedValue
}

// written is how a string value is shown in a message: quoted, or null as it was written.
func (c *conversion) written(s string) string {
	if c.isNull {
		return "null"
	}
	return strconv.Quote(s)
}

// aString names a string value in a message: the string "x", or null.
func (c *conversion) aString(s string) string {
	if c.isNull {
		return "null"
	}
	return "the string " + strconv.Quote(s)
}

// convertString reads a String: a string, or a whole number as its digits; an empty string leaves
// it unset; an enum value is matched as Vault Proxy matches it.
func (d *decoder) convertString(c *conversion, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	a, sch, val, typ, out := c.a, c.sch, c.val, c.typ, c.out
	switch {
	case typ == cty.String:
		out.s = val.AsString()
	case typ == cty.Number && sch.Strict:
		// An auth method's constructor takes the value from its map with a type assertion, and
		// HCL 1 decodes a number there into an int, not a string.
		text := d.sourceText(a)
		vaultErr := sch.NotAString
		if vaultErr == "" {
			vaultErr = "could not convert '" + sch.Name + "' config value to string"
		}
		return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
			fmt.Sprintf("%s must be a string, quoted: Vault Proxy refuses the number %s when it starts (%s). Write %s = %q.",
				sch.Name, text, vaultErr, sch.Name, text)))
	case typ == cty.Number:
		// HCL 1 reads a whole number as its digits, but fails on a fraction or an exponent.
		out.s = d.sourceText(a)
		if strings.ContainsAny(out.s, ".eE") {
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
				fmt.Sprintf("%s must be a string; Vault Proxy reads a whole number as its digits, but fails on %s. Quote it: %s = %q.",
					sch.Name, out.s, sch.Name, out.s)))
		}
		diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %q", sch.Name, out.s)))
	default:
		// Booleans too: HCL 1 fails to read one as a string ("unknown type for string").
		return nil, append(diags, d.typeError(a, sch, typ))
	}
	if out.s == "" && sch.NonEmpty != "" && !d.plan { // a plan file writes an unset one as ""
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty " + sch.Name,
			Detail:   fmt.Sprintf("%s is empty: %s. Give it a value.", sch.Name, sch.NonEmpty),
			Subject:  a.expr.Range().Ptr(),
			Context:  a.rng.Ptr(),
			Extra:    codeEmptyValue,
		})
	}
	if out.s == "" && !sch.Required && sch.EmptyMeans == "" {
		// Vault Proxy's field is a string, which is "" when the key is absent: "" (or a JSON
		// null) leaves the setting unset, and its default applies. An attribute with EmptyMeans
		// keeps "" as written: Vault Proxy reads it otherwise than unset.
		if sch.Default != "" {
			diags = append(diags, d.emptyMeansDefault(a, sch))
		}
		return nil, diags
	}
	if len(sch.Enum) > 0 {
		v, ok := matchEnum(sch, out.s)
		if !ok {
			return nil, append(diags, d.enumError(a, sch, out.s))
		}
		out.s = v
	}
	return c.out, diags
}

// convertBool reads a Bool or a TokenMode: true or false, the forms parseutil.ParseBool tolerates
// unless the attribute is Strict, and "force" for a TokenMode.
func (d *decoder) convertBool(c *conversion, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	a, sch, val, typ, out := c.a, c.sch, c.val, c.typ, c.out
	switch {
	case typ == cty.Bool:
		out.b = val.True()
		out.s = strconv.FormatBool(out.b)
	case typ == cty.String && sch.Kind == schema.TokenMode && strings.EqualFold(val.AsString(), "force"):
		out.s = "force"
		out.b = true
		if val.AsString() != "force" {
			diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %q", sch.Name, "force")))
		}
	case (typ == cty.String || typ == cty.Number) && sch.Strict:
		text := d.sourceText(a)
		if typ == cty.String {
			text = val.AsString()
		}
		detail := fmt.Sprintf("%s must be true or false, unquoted: Vault Proxy reads it as a Go bool and fails on %s.",
			sch.Name, d.sourceText(a))
		if b, err := strconv.ParseBool(text); err == nil {
			detail += fmt.Sprintf(" Write %s = %t.", sch.Name, b)
		}
		return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, detail))
	case typ == cty.Number:
		// parseutil.ParseBool decodes weakly (mapstructure): any number but zero is true.
		out.b = val.AsBigFloat().Sign() != 0
		out.s = strconv.FormatBool(out.b)
		diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %t", sch.Name, out.b)))
	case typ == cty.String:
		// parseutil.ParseBool: what strconv.ParseBool reads, and "" as false.
		text := val.AsString()
		b, err := strconv.ParseBool(text)
		if err != nil && text != "" {
			if sch.Kind == schema.TokenMode {
				return nil, append(diags, d.enumError(a, sch, text))
			}
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
				fmt.Sprintf("%s must be true or false; %s is neither.", sch.Name, c.written(text))))
		}
		out.b = b
		out.s = strconv.FormatBool(b)
		diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %t", sch.Name, b)))
	default:
		return nil, append(diags, d.typeError(a, sch, typ))
	}
	return c.out, diags
}

// convertInt reads an Int: a whole number as HCL 1 reads it (010 is octal), or a numeric string
// unless the attribute is Strict.
func (d *decoder) convertInt(c *conversion, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	a, sch, val, typ, out := c.a, c.sch, c.val, c.typ, c.out
	switch {
	case typ == cty.Number:
		n, ndiags := d.readNumber(a, val)
		diags = append(diags, ndiags...)
		if ndiags.HasErrors() {
			return nil, diags
		}
		if n.float {
			detail := fmt.Sprintf("%s must be a whole number written without a fraction or an exponent: Vault Proxy's HCL 1 reads %s as a float and fails to load it here.",
				sch.Name, n.text)
			if sch.ParseInt {
				// In a method's config map HCL 1 keeps the float64, which parseutil.ParseInt refuses.
				detail = fmt.Sprintf("%s must be a whole number written without a fraction or an exponent: Vault Proxy's HCL 1 reads %s as a float, which parseutil.ParseInt refuses when Vault Proxy starts.",
					sch.Name, n.text)
			}
			if f := new(big.Float).SetFloat64(n.f); f.IsInt() {
				detail += fmt.Sprintf(" Write %s = %s.", sch.Name, f.Text('f', -1))
			}
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, detail))
		}
		out.i = n.i
		if n.octal {
			diags = append(diags, d.octalWarning(a, n, fmt.Sprintf("%s = %d", sch.Name, n.i)))
		}
	case typ == cty.String && sch.ParseInt:
		// parseutil.ParseInt reads a string with strconv.ParseInt(s, 10, 64), and "" as 0.
		text := val.AsString()
		var i int64
		if text != "" {
			var err error
			i, err = strconv.ParseInt(text, 10, 64)
			if errors.Is(err, strconv.ErrRange) {
				return nil, append(diags, d.outOfRange(a, sch.Name, c.written(text)))
			}
			if err != nil {
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
					fmt.Sprintf("%s must be a whole number in base 10: Vault Proxy reads a string with parseutil.ParseInt and fails on %s when it starts.", sch.Name, c.written(text))))
			}
		}
		out.i = i
		diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %d", sch.Name, i)))
	case typ == cty.String && !sch.Strict:
		// HCL 1 reads a string into an integer field with strconv.ParseInt(s, 0, 0): "010" is
		// octal, "0x10" hexadecimal, and spaces are not allowed.
		text := val.AsString()
		i, err := strconv.ParseInt(text, 0, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, append(diags, d.outOfRange(a, sch.Name, c.written(text)))
		}
		if err != nil {
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
				fmt.Sprintf("%s must be a whole number; %s is not.", sch.Name, c.written(text))))
		}
		out.i = i
		diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %d", sch.Name, i)))
	case typ == cty.String:
		text := val.AsString()
		// A file sink's owner and group, and some auth method keys, are strict: they are taken
		// from a map as they are, and a string fails ("could not parse 'owner' as integer",
		// "could not convert 'credential_poll_interval' into positive int").
		detail := fmt.Sprintf("%s must be a number, unquoted: Vault Proxy fails to use %s when it starts.", sch.Name, c.aString(text))
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			detail += fmt.Sprintf(" Write %s = %d.", sch.Name, i)
		}
		return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, detail))
	default:
		return nil, append(diags, d.typeError(a, sch, typ))
	}
	if sch.Positive != "" && out.i <= 0 && !d.plan {
		return nil, append(diags, d.notPositive(a, sch, strconv.FormatInt(out.i, 10)))
	}
	return c.out, diags
}

// convertDuration reads a Duration as parseutil.ParseDurationSecond does (parseDuration).
func (d *decoder) convertDuration(c *conversion, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	a, sch, val, out := c.a, c.sch, c.val, c.out
	dur, tolerated, ddiags := d.parseDuration(a, sch, val)
	diags = append(diags, ddiags...)
	if ddiags.HasErrors() {
		return nil, diags
	}
	out.d = dur
	if tolerated != nil {
		diags = append(diags, tolerated)
	}
	if sch.Positive != "" && dur <= 0 && !d.plan { // a plan file writes an unset one as 0s
		return nil, append(diags, d.notPositive(a, sch, d.sourceText(a)))
	}
	return c.out, diags
}

var codeValueNotPositive = diagcode.New("value_not_positive",
	"A number or duration of 0 or less where Vault Proxy needs one above 0.",
	"auto_auth {\n  method \"aws\" {\n    config = {\n      type = \"iam\"\n      role = \"app\"\n      credential_poll_interval = 0\n    }\n  }\n}")

// notPositive is the error of a Positive attribute's value of 0 or less, quoting why.
func (d *decoder) notPositive(a *attribute, sch *schema.Attribute, written string) *hcl.Diagnostic {
	return codeValueNotPositive.Set(d.valueError(a, "Invalid value for "+sch.Name,
		fmt.Sprintf("%s = %s is not above 0: %s. Give it a positive value or remove it for the default.", sch.Name, written, sch.Positive)))
}

// convertStringList reads a StringList: a list of strings, or one comma-separated string unless the
// attribute is Strict; each item is matched against the enum.
func (d *decoder) convertStringList(c *conversion, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	a, sch, val, typ, out := c.a, c.sch, c.val, c.typ, c.out
	switch {
	case typ.IsTupleType() || typ.IsListType() || typ.IsSetType():
		for it := val.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if ev.IsNull() || ev.Type() != cty.String {
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, sch.Name+" must be a list of strings."))
			}
			out.list = append(out.list, ev.AsString())
		}
	case typ == cty.String:
		if s := val.AsString(); s != "" {
			for _, part := range strings.Split(s, ",") {
				out.list = append(out.list, strings.TrimSpace(part))
			}
		}
		if sch.Strict {
			// HCL 1 fails to read a string as a list ("unknown slice type").
			what := "a single string"
			if c.isNull {
				what = "null"
			}
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
				fmt.Sprintf("%s must be a list of strings; Vault Proxy fails to read %s as one. Write %s = [%s].",
					sch.Name, what, sch.Name, quoteList(out.list))))
		}
		diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = [%s]", sch.Name, quoteList(out.list))))
	default:
		return nil, append(diags, d.typeError(a, sch, typ))
	}
	if len(sch.Enum) > 0 {
		for i, item := range out.list {
			v, ok := matchEnum(sch, item)
			if !ok {
				return nil, append(diags, d.enumError(a, sch, item))
			}
			out.list[i] = v
		}
	}
	return c.out, diags
}

// convertOctalString reads an OctalString: a quoted string of octal digits such as "0660".
func (d *decoder) convertOctalString(c *conversion, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	a, sch, val, typ, out := c.a, c.sch, c.val, c.typ, c.out
	if typ == cty.Number {
		text := d.sourceText(a)
		// HCL 1 keeps a number's text for a string field, so Vault Proxy reads the mode as written;
		// HCL 2 reads a number, which drops a leading 0 and any other form of the text.
		quoted := fmt.Sprintf("%s = %q", sch.Name, text)
		if d.inJSON(a) {
			quoted = fmt.Sprintf("%q: %q", sch.Name, text)
		}
		return nil, append(diags, codeUnquotedOctalString.Set(d.valueError(a, "Unquoted "+sch.Name,
			fmt.Sprintf("vaultproxy's HCL 2 reads %s as the number %s, while Vault Proxy's HCL 1 keeps the text %q for this string setting. Quote it so that both read the same: %s.",
				text, val.AsBigFloat().Text('f', -1), text, quoted))))
	}
	if typ != cty.String {
		return nil, append(diags, d.typeError(a, sch, typ))
	}
	s := val.AsString()
	if s == "" {
		// Vault Proxy's field is a string: "" (or a JSON null) leaves the mode unset.
		return nil, diags
	}
	if !octalString.MatchString(s) {
		return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
			fmt.Sprintf("%s must be an octal string of permission bits such as \"0660\"; %q is not.", sch.Name, s)))
	}
	m, _ := strconv.ParseUint(s, 8, 32)
	out.mode = fs.FileMode(m)
	out.s = s
	return c.out, diags
}

// convertFileMode reads a FileMode: an unquoted octal number such as 0640 (in a plan file, its
// string of digits).
func (d *decoder) convertFileMode(c *conversion, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	a, sch, val, typ, out := c.a, c.sch, c.val, c.typ, c.out
	if d.plan && typ == cty.String {
		// A plan file writes a file mode as its octal digits, "0640".
		m, err := strconv.ParseUint(val.AsString(), 8, 32)
		if err != nil || m > 0o777 {
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
				fmt.Sprintf("%s must be a string of octal permission bits such as \"0640\"; %q is not.", sch.Name, val.AsString())))
		}
		out.mode = fs.FileMode(m)
		return out, diags
	}
	var m uint64
	switch typ {
	case cty.Number:
		n, ndiags := d.readNumber(a, val)
		diags = append(diags, ndiags...)
		if ndiags.HasErrors() {
			return nil, diags
		}
		if n.float || n.i < 0 {
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, sch.Name+" must be a file mode such as 0640."))
		}
		m = uint64(n.i)
	case cty.String:
		// The file sink takes only a number: a string fails when the sink starts ("could not
		// parse 'mode' as integer").
		text := val.AsString()
		detail := fmt.Sprintf("%s must be an unquoted octal number such as 0640: Vault Proxy fails to use %s when the sink starts.", sch.Name, c.aString(text))
		if v, err := strconv.ParseUint(text, 8, 32); err == nil && v <= 0o777 {
			detail += fmt.Sprintf(" Write %s = 0%o.", sch.Name, v)
		}
		return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, detail))
	default:
		return nil, append(diags, d.typeError(a, sch, typ))
	}
	if m > 0o777 {
		hint := ""
		if text := d.sourceText(a); regexp.MustCompile(`^[0-7]{3}$`).MatchString(text) {
			hint = fmt.Sprintf(" %s is read as a decimal number; write 0%s for octal.", text, text)
		}
		return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
			fmt.Sprintf("%s must be permission bits between 0000 and 0777.%s", sch.Name, hint)))
	}
	out.mode = fs.FileMode(m)
	return c.out, diags
}

var codeUnsupportedCipherSuite = diagcode.New("unsupported_cipher_suite",
	"A name in tls_cipher_suites that is not a TLS cipher suite Go knows.",
	"listener \"tcp\" {\n  address           = \"127.0.0.1:8100\"\n  tls_disable       = true\n  tls_cipher_suites = \"TLS_NOPE\"\n}")

// cipherSuites reads a list of TLS cipher suite names: one comma-separated string, as Vault Proxy reads
// it, or, in a plan file, a list of strings. Every name must be one that Go's crypto/tls knows.
func (d *decoder) cipherSuites(a *attribute, sch *schema.Attribute, val cty.Value, out *decodedValue, diags hcl.Diagnostics) (*decodedValue, hcl.Diagnostics) {
	var names []string
	var ranges []hcl.Range // of each name, when the plan file's list gives them
	switch typ := val.Type(); {
	case typ == cty.String:
		if s := val.AsString(); strings.TrimSpace(s) != "" {
			for _, n := range strings.Split(s, ",") {
				names = append(names, strings.TrimSpace(n))
			}
		}
	case d.plan && (typ.IsTupleType() || typ.IsListType()):
		elems, _ := hcl.ExprList(a.expr)
		for i := 0; val.ElementIterator().Next() && i < val.LengthInt(); i++ {
			ev := val.Index(cty.NumberIntVal(int64(i)))
			if ev.IsNull() || ev.Type() != cty.String {
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, sch.Name+" must be a list of strings."))
			}
			names = append(names, ev.AsString())
			if i < len(elems) {
				ranges = append(ranges, elems[i].Range())
			}
		}
	default:
		return nil, append(diags, d.typeError(a, sch, typ))
	}
	out.list = []string{}
	failed := false
	for i, n := range names {
		if _, ok := CipherSuiteID(n); !ok {
			subject := a.expr.Range()
			if i < len(ranges) {
				subject = ranges[i]
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported cipher suite",
				Detail: fmt.Sprintf("%q is not a TLS cipher suite that Go knows (see crypto/tls).", n), Subject: subject.Ptr(),
				Extra: codeUnsupportedCipherSuite})
			failed = true
			continue
		}
		out.list = append(out.list, n)
	}
	if failed {
		return nil, diags
	}
	return out, diags
}

// cipherSuiteIDs are the cipher suites Go's crypto/tls knows, secure and insecure, by name.
var cipherSuiteIDs = func() map[string]uint16 {
	ids := map[string]uint16{}
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		ids[cs.Name] = cs.ID
	}
	return ids
}()

// CipherSuiteID returns the crypto/tls ID of a cipher suite name, and whether Go knows the name.
func CipherSuiteID(name string) (uint16, bool) {
	id, ok := cipherSuiteIDs[name]
	return id, ok
}

// number is a number literal as HCL 1 reads it: an integer (a NUMBER token, which HCL 1 reads with
// strconv.ParseInt(text, 0, 64), so 010 is octal) or a float (a FLOAT token: a fraction or an
// exponent).
type number struct {
	text  string
	float bool
	i     int64
	f     float64
	octal bool // an integer written with a leading 0, which HCL 1 reads as octal
}

var leadingZero = regexp.MustCompile(`^-?0[0-9]+$`)

// readNumber reads a's number value as HCL 1 reads the number written in the source.
func (d *decoder) readNumber(a *attribute, val cty.Value) (number, hcl.Diagnostics) {
	text := d.sourceText(a)
	n := number{text: text}
	if strings.ContainsAny(text, ".eE") {
		n.float = true
		n.f, _ = val.AsBigFloat().Float64()
		return n, nil
	}
	i, err := strconv.ParseInt(text, 0, 64)
	switch {
	case err == nil:
		n.i = i
		n.octal = leadingZero.MatchString(text)
		return n, nil
	case errors.Is(err, strconv.ErrRange):
		return n, hcl.Diagnostics{d.outOfRange(a, a.name, text)}
	case leadingZero.MatchString(text):
		return n, hcl.Diagnostics{codeInvalidOctalNumber.Set(d.valueError(a, "Invalid number",
			fmt.Sprintf("Vault Proxy's HCL 1 reads a number with a leading 0 as octal, and fails to load %s, which is not octal. Write it without the leading 0.", text)))}
	}
	// Not a plain literal (a JSON number, or an expression): read the value itself.
	bf := val.AsBigFloat()
	if !bf.IsInt() {
		n.float = true
		n.f, _ = bf.Float64()
		return n, nil
	}
	i, acc := bf.Int64()
	if acc != big.Exact {
		return n, hcl.Diagnostics{d.outOfRange(a, a.name, text)}
	}
	n.i = i
	return n, nil
}

var codeValueOutOfRange = diagcode.New("value_out_of_range",
	"A number or duration beyond what Vault Proxy can load.",
	"vault {\n  retry {\n    num_retries = 99999999999999999999\n  }\n}")

func (d *decoder) outOfRange(a *attribute, name, written string) *hcl.Diagnostic {
	return codeValueOutOfRange.Set(d.valueError(a, "Invalid value for "+name,
		fmt.Sprintf("%s = %s is out of range: Vault Proxy fails to load a whole number beyond ±%d.", name, written, int64(math.MaxInt64))))
}

var (
	codeInvalidOctalNumber = diagcode.New("invalid_octal_number",
		"A number with a leading 0, which Vault Proxy's HCL 1 reads as octal, holds an 8 or a 9.",
		"vault {\n  retry {\n    num_retries = 09\n  }\n}")
	codeNumberReadAsOctal = diagcode.New("number_read_as_octal",
		"A number with a leading 0 is read as octal, as Vault Proxy's HCL 1 reads it.",
		"vault {\n  retry {\n    num_retries = 010\n  }\n}")
)

func (d *decoder) octalWarning(a *attribute, n number, canonical string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Number read as octal",
		Detail: fmt.Sprintf("Vault Proxy's HCL 1 reads %s, with its leading 0, as an octal number, and so does vaultproxy: it is %d. Write %s, or drop the leading 0 if a decimal number was meant.",
			n.text, n.i, canonical),
		Subject: a.expr.Range().Ptr(),
		Context: a.rng.Ptr(),
		Extra:   codeNumberReadAsOctal,
	}
}

var codeFractionOfSecondDropped = diagcode.New("fraction_of_second_dropped",
	"A number of seconds with a fraction, which Vault Proxy reads as the whole seconds.",
	"auto_auth {\n  method \"token_file\" {\n    min_backoff = 1.5\n    config = { token_file_path = \"/tmp/token\" }\n  }\n}")

// parseDuration reads a duration as parseutil.ParseDurationSecond reads what HCL 1 gives it: a whole
// number of seconds (a float is truncated to one), or a string that is a number of seconds, a number
// of days ("<n>d") or a Go duration, and "" for 0. It returns the warning for a tolerated form.
func (d *decoder) parseDuration(a *attribute, sch *schema.Attribute, val cty.Value) (time.Duration, *hcl.Diagnostic, hcl.Diagnostics) {
	invalid := func(why string) hcl.Diagnostics {
		return hcl.Diagnostics{d.valueError(a, "Invalid duration for "+sch.Name,
			fmt.Sprintf("%s must be a duration such as \"30s\", \"5m\" or \"1h30m\": %s.", sch.Name, why))}
	}
	seconds := func(n int64, written string) (time.Duration, hcl.Diagnostics) {
		if n < 0 {
			return 0, invalid("it is negative")
		}
		if n > math.MaxInt64/int64(time.Second) {
			return 0, hcl.Diagnostics{codeValueOutOfRange.Set(d.valueError(a, "Invalid duration for "+sch.Name,
				fmt.Sprintf("%s = %s is out of range: Vault Proxy fails to load a duration beyond %s.", sch.Name, written, time.Duration(math.MaxInt64))))}
		}
		return time.Duration(n) * time.Second, nil
	}
	switch val.Type() {
	case cty.Number:
		n, diags := d.readNumber(a, val)
		if diags.HasErrors() {
			return 0, nil, diags
		}
		whole := n.i
		if n.float {
			if math.Abs(n.f) >= math.MaxInt64 {
				whole = math.MaxInt64
			} else {
				whole = int64(n.f) // parseutil: time.Duration(float64), which drops the fraction
			}
		}
		dur, diags := seconds(whole, n.text)
		if diags.HasErrors() {
			return 0, nil, diags
		}
		canonical := fmt.Sprintf("%s = %q", sch.Name, dur.String())
		switch {
		case n.float && float64(whole) != n.f:
			return dur, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Fraction of a second dropped",
				Detail: fmt.Sprintf("Vault Proxy reads a number of seconds as a whole number, dropping the fraction: %s is %s, and so does vaultproxy. Write %s, or a duration string such as \"%ss\" if the fraction was meant.",
					n.text, dur, canonical, n.text),
				Subject: a.expr.Range().Ptr(),
				Context: a.rng.Ptr(),
				Extra:   codeFractionOfSecondDropped,
			}, nil
		case n.octal:
			return dur, d.octalWarning(a, n, canonical), nil
		}
		return dur, d.tolerated(a, canonical), nil
	case cty.String:
		// parseutil does not trim spaces: " 5m" fails to load in Vault Proxy, so it is an error here.
		s := val.AsString()
		if s == "" {
			return 0, d.tolerated(a, fmt.Sprintf("%s = %q", sch.Name, "0s")), nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			dur, diags := seconds(n, strconv.Quote(s))
			if diags.HasErrors() {
				return 0, nil, diags
			}
			return dur, d.tolerated(a, fmt.Sprintf("%s = %q", sch.Name, dur.String())), nil
		}
		if strings.HasSuffix(s, "d") {
			n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
			if err != nil {
				return 0, nil, invalid(fmt.Sprintf("%q is not a duration", s))
			}
			if n < 0 {
				return 0, nil, invalid("it is negative")
			}
			if n > math.MaxInt64/int64(24*time.Hour) {
				return 0, nil, hcl.Diagnostics{codeValueOutOfRange.Set(d.valueError(a, "Invalid duration for "+sch.Name,
					fmt.Sprintf("%s = %q is out of range: Vault Proxy fails to load a duration beyond %s.", sch.Name, s, time.Duration(math.MaxInt64))))}
			}
			dur := time.Duration(n) * 24 * time.Hour
			return dur, d.tolerated(a, fmt.Sprintf("%s = %q", sch.Name, dur.String())), nil
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			return 0, nil, invalid(fmt.Sprintf("%q is not a duration", s))
		}
		if dur < 0 {
			return 0, nil, invalid("it is negative")
		}
		return dur, nil, nil
	}
	return 0, nil, invalid(fmt.Sprintf("%s is not a duration", withArticle(val.Type().FriendlyName())))
}

// inJSON reports whether a is written in HCL's JSON syntax.
func (d *decoder) inJSON(a *attribute) bool {
	return isJSONSource(d.sources[a.expr.Range().Filename])
}

var codeEscapeReadDifferently = diagcode.New("escape_read_differently",
	"A $${ or %%{ escape, which HCL 2 reads as ${ or %{ and Vault Proxy's HCL 1 as written.",
	"vault {\n  namespace = \"team-$${x}\"\n}")

// escapeWarning warns about "$${" and "%%{" in a's native-syntax source: HCL 2 reads them as the
// escapes of "${" and "%{", but HCL 1 has no templates and reads every character as written, so the
// value differs.
func (d *decoder) escapeWarning(a *attribute) *hcl.Diagnostic {
	if d.inJSON(a) || d.hcl1[a.expr.Range().Filename] {
		// HCL's JSON syntax, read without an evaluation context, takes strings as written too, and
		// so does a file read with HCL 1.
		return nil
	}
	text := d.rawSource(a)
	var esc, lit, unicode string
	switch {
	case bytes.Contains(text, []byte("$${")):
		esc, lit, unicode = "$${", "${", `\u0024{`
	case bytes.Contains(text, []byte("%%{")):
		esc, lit, unicode = "%%{", "%{", `\u0025{`
	default:
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Escape read differently by Vault Proxy",
		Detail: fmt.Sprintf("vaultproxy reads HCL 2, where %q stands for %q; Vault Proxy's HCL 1 has no templates and reads %q as written, so the two read different values. Write %s, which both read as %q.",
			esc, lit, esc, unicode, lit),
		Subject: a.expr.Range().Ptr(),
		Context: a.rng.Ptr(),
		Extra:   codeEscapeReadDifferently,
	}
}

// rawSource is the source bytes of a's value, not copied, or nil when its range is not in the source.
func (d *decoder) rawSource(a *attribute) []byte {
	r := a.expr.Range()
	src := d.sources[r.Filename]
	if r.Start.Byte >= 0 && r.End.Byte <= len(src) && r.Start.Byte <= r.End.Byte {
		return src[r.Start.Byte:r.End.Byte]
	}
	return nil
}

func (d *decoder) sourceText(a *attribute) string {
	if raw := d.rawSource(a); raw != nil {
		return strings.TrimSpace(string(raw))
	}
	v, _ := a.expr.Value(nil)
	if v.Type() == cty.Number {
		return v.AsBigFloat().Text('f', -1)
	}
	if v.Type() == cty.Bool {
		return strconv.FormatBool(v.True())
	}
	return ""
}

var codeToleratedValueForm = diagcode.New("tolerated_value_form",
	"A value written in a form that Vault Proxy reads loosely; the warning gives the canonical form.",
	"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = \"true\"\n}")

func (d *decoder) tolerated(a *attribute, canonical string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Tolerated value form",
		Detail: fmt.Sprintf("Vault Proxy reads this value loosely, and so does vaultproxy; the canonical form is %s.",
			canonical),
		Subject: a.expr.Range().Ptr(),
		Context: a.rng.Ptr(),
		Extra:   codeToleratedValueForm,
	}
}

var codeEmptyValue = diagcode.New("empty_value",
	"An empty string for a setting that Vault Proxy cannot use empty: an auth method refuses it when it starts, a file sink fails to write.",
	"auto_auth {\n  method \"kubernetes\" {\n    config = { role = \"\" }\n  }\n}")

var codeEmptyMeansDefault = diagcode.New("empty_means_default",
	"An empty string where Vault Proxy reads \"\" as unset, so the setting's default applies; the warning names it.",
	"vault {\n  address = \"\"\n}\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}")

// emptyMeansDefault warns that an empty string means the default, which a reader of the file may
// not expect (vault { address = "" } reaches https://127.0.0.1:8200), naming the value it becomes.
func (d *decoder) emptyMeansDefault(a *attribute, sch *schema.Attribute) *hcl.Diagnostic {
	detail := fmt.Sprintf("Vault Proxy reads %s = \"\" as unset, and so does vaultproxy: the default, %q, applies", sch.Name, sch.Default)
	var over []string
	if sch.Env != "" {
		over = append(over, sch.Env)
	}
	if sch.Flag != "" {
		over = append(over, "-"+sch.Flag)
	}
	if len(over) > 0 {
		detail += " unless " + strings.Join(over, " or ") + " sets it"
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Empty value means the default",
		Detail:   detail + fmt.Sprintf(". Remove the argument, or write the value meant (%s = %q).", sch.Name, sch.Default),
		Subject:  a.expr.Range().Ptr(),
		Context:  a.rng.Ptr(),
		Extra:    codeEmptyMeansDefault,
	}
}

// The codes of convert's errors: codeInvalidValue unless a more precise one is set.
var (
	codeInvalidValue = diagcode.New("invalid_value",
		"A value that Vault Proxy cannot read as its setting's kind (a bool, number, duration, list, file mode...).",
		"listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = \"maybe\"\n}")
	codeUnquotedOctalString = diagcode.New("unquoted_octal_string",
		"A file mode written as a number where Vault Proxy's HCL 1 keeps the text: quote it.",
		"listener \"unix\" {\n  address     = \"/run/proxy.sock\"\n  socket_mode = 0660\n}")
	codeIncorrectValueType = diagcode.New("incorrect_value_type",
		"A value of the wrong type: a list or object where a string or number goes, say.",
		"listener \"tcp\" {\n  address = [\"127.0.0.1:8100\"]\n}")
	codeUnsupportedValue = diagcode.New("unsupported_value",
		"A value that is not one of the setting's allowed values.",
		"api_proxy {\n  enforce_consistency = \"sometimes\"\n}")
)

func (d *decoder) valueError(a *attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: a.expr.Range().Ptr(), Context: a.rng.Ptr(), Extra: codeInvalidValue}
}

func (d *decoder) typeError(a *attribute, sch *schema.Attribute, got cty.Type) *hcl.Diagnostic {
	return codeIncorrectValueType.Set(d.valueError(a, "Incorrect attribute value type",
		fmt.Sprintf("%s must be %s, not %s.", sch.Name, withArticle(sch.Kind.String()), withArticle(got.FriendlyName()))))
}

func (d *decoder) enumError(a *attribute, sch *schema.Attribute, got string) *hcl.Diagnostic {
	var allowed []string
	switch sch.Kind {
	case schema.TokenMode:
		allowed = []string{"true", "false", `"force"`}
	default:
		for _, e := range sch.Enum {
			if e != "" {
				allowed = append(allowed, fmt.Sprintf("%q", e))
			}
		}
	}
	detail := fmt.Sprintf("%q is not a valid value for %s. Allowed values are %s.", got, sch.Name, joinAnd(allowed))
	if sch.Kind == schema.TokenMode {
		detail = fmt.Sprintf("%q is not a valid value for %s. Allowed values are %s (case-insensitive).", got, sch.Name, joinAnd(allowed))
	}
	if s := Suggest(got, sch.Enum); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
		if strings.EqualFold(s, got) {
			detail += " Vault Proxy matches this value case-sensitively."
		}
	}
	return codeUnsupportedValue.Set(d.valueError(a, "Unsupported value for "+sch.Name, detail))
}

// matchEnum finds value among the allowed values of an enum attribute: ignoring case where Vault Proxy
// does (schema.Attribute.FoldCase), exactly elsewhere. It returns the allowed value it matched.
func matchEnum(sch *schema.Attribute, value string) (string, bool) {
	if sch.FoldCase {
		value = strings.ToLower(value)
	}
	return value, contains(sch.Enum, value)
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
