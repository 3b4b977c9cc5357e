package compile

import (
	"fmt"
	"io/fs"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/zclconf/go-cty/cty"
)

// dval is one decoded attribute value, converted to its schema kind.
type dval struct {
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

func (v *dval) origin() Origin { return ConfigOrigin(v.attr.rng) }

var (
	octalString = regexp.MustCompile(`^0?[0-7]{3}$`)
	octalDigits = regexp.MustCompile(`^0[0-7]+$`)
	daysForm    = regexp.MustCompile(`^([0-9]+)d$`)
)

// convert reads an attribute's value as its schema kind, the way Vault Proxy reads it (parseutil's weak
// decoding), warning where a form is only tolerated and a canonical one exists.
func (d *decoder) convert(a *attribute, sch *schema.Attribute) (*dval, hcl.Diagnostics) {
	out := &dval{attr: a, sch: sch}
	val, diags := a.expr.Value(nil)
	if diags.HasErrors() {
		return nil, diags
	}
	out.raw = val
	if sch.Kind == schema.Any {
		return out, diags
	}
	if val.IsNull() {
		return nil, append(diags, d.valueError(a, "Invalid value", fmt.Sprintf("%s must not be null.", sch.Name)))
	}
	if !val.IsWhollyKnown() {
		// Without an evaluation context, only an expression that failed to parse (already reported
		// as a syntax error) evaluates to an unknown value: say nothing more about it.
		return nil, diags
	}
	typ := val.Type()
	switch sch.Kind {
	case schema.String:
		switch {
		case typ == cty.String:
			out.s = val.AsString()
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
		if len(sch.Enum) > 0 {
			v, ok := matchEnum(sch, out.s)
			if !ok {
				return nil, append(diags, d.enumError(a, sch, out.s))
			}
			out.s = v
		}
	case schema.Bool, schema.TokenMode:
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
		case typ == cty.String || typ == cty.Number:
			text := d.sourceText(a)
			if typ == cty.String {
				text = val.AsString()
			}
			b, err := strconv.ParseBool(text)
			if sch.Strict {
				detail := fmt.Sprintf("%s must be true or false, unquoted: Vault Proxy reads it as a Go bool and fails on %s.",
					sch.Name, d.sourceText(a))
				if err == nil {
					detail += fmt.Sprintf(" Write %s = %t.", sch.Name, b)
				}
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, detail))
			}
			if err != nil {
				if sch.Kind == schema.TokenMode {
					return nil, append(diags, d.enumError(a, sch, text))
				}
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
					fmt.Sprintf("%s must be true or false; %q is neither.", sch.Name, text)))
			}
			out.b = b
			out.s = strconv.FormatBool(b)
			diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %t", sch.Name, b)))
		default:
			return nil, append(diags, d.typeError(a, sch, typ))
		}
	case schema.Int:
		switch typ {
		case cty.Number:
			i, acc := val.AsBigFloat().Int64()
			if acc != big.Exact {
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, sch.Name+" must be a whole number."))
			}
			out.i = i
		case cty.String:
			i, err := strconv.ParseInt(strings.TrimSpace(val.AsString()), 10, 64)
			if err != nil {
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
					fmt.Sprintf("%s must be a whole number; %q is not.", sch.Name, val.AsString())))
			}
			out.i = i
			diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %d", sch.Name, i)))
		default:
			return nil, append(diags, d.typeError(a, sch, typ))
		}
	case schema.Duration:
		dur, canonical, err := parseDuration(val, d.sourceText(a))
		if err != nil {
			return nil, append(diags, d.valueError(a, "Invalid duration for "+sch.Name,
				fmt.Sprintf("%s must be a duration such as \"30s\", \"5m\" or \"1h30m\": %s.", sch.Name, err)))
		}
		out.d = dur
		if canonical != "" {
			diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = %q", sch.Name, canonical)))
		}
	case schema.StringList:
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
			for _, part := range strings.Split(val.AsString(), ",") {
				out.list = append(out.list, strings.TrimSpace(part))
			}
			if sch.Strict {
				// HCL 1 fails to read a string as a list ("unknown slice type").
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
					fmt.Sprintf("%s must be a list of strings; Vault Proxy fails to read a single string as one. Write %s = [%s].",
						sch.Name, sch.Name, quoteList(out.list))))
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
	case schema.OctalString:
		if typ == cty.Number {
			text := d.sourceText(a)
			return nil, append(diags, d.valueError(a, "Unquoted "+sch.Name,
				fmt.Sprintf("HCL reads %s as the decimal number %s, not an octal mode. Quote it: %s = \"%s\".",
					text, val.AsBigFloat().Text('f', -1), sch.Name, text)))
		}
		if typ != cty.String {
			return nil, append(diags, d.typeError(a, sch, typ))
		}
		s := val.AsString()
		if !octalString.MatchString(s) {
			return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
				fmt.Sprintf("%s must be an octal string of permission bits such as \"0660\"; %q is not.", sch.Name, s)))
		}
		m, _ := strconv.ParseUint(s, 8, 32)
		out.mode = fs.FileMode(m)
		out.s = s
	case schema.FileMode:
		var m uint64
		switch typ {
		case cty.Number:
			text := d.sourceText(a)
			if octalDigits.MatchString(text) {
				m, _ = strconv.ParseUint(text, 8, 32)
			} else {
				i, acc := val.AsBigFloat().Int64()
				if acc != big.Exact || i < 0 {
					return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name, sch.Name+" must be a file mode such as 0640."))
				}
				m = uint64(i)
			}
		case cty.String:
			var err error
			m, err = strconv.ParseUint(val.AsString(), 8, 32)
			if err != nil {
				return nil, append(diags, d.valueError(a, "Invalid value for "+sch.Name,
					fmt.Sprintf("%s must be a file mode such as 0640; %q is not.", sch.Name, val.AsString())))
			}
			diags = append(diags, d.tolerated(a, fmt.Sprintf("%s = 0%o", sch.Name, m)))
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
	}
	return out, diags
}

// parseDuration follows parseutil.ParseDurationSecond: a Go duration, a number of seconds, or "<n>d".
// canonical is the form to suggest when the value was written in a tolerated one.
func parseDuration(val cty.Value, text string) (time.Duration, string, error) {
	var dur time.Duration
	switch val.Type() {
	case cty.Number:
		f, _ := val.AsBigFloat().Float64()
		if f < 0 {
			return 0, "", fmt.Errorf("it is negative")
		}
		dur = time.Duration(f * float64(time.Second))
		return dur, dur.String(), nil
	case cty.String:
		s := strings.TrimSpace(val.AsString())
		if s == "" {
			return 0, "", fmt.Errorf("it is empty")
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n < 0 {
				return 0, "", fmt.Errorf("it is negative")
			}
			dur = time.Duration(n) * time.Second
			return dur, dur.String(), nil
		}
		if m := daysForm.FindStringSubmatch(s); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			dur = time.Duration(n) * 24 * time.Hour
			return dur, dur.String(), nil
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			return 0, "", fmt.Errorf("%q is not a duration", s)
		}
		if dur < 0 {
			return 0, "", fmt.Errorf("it is negative")
		}
		return dur, "", nil
	}
	return 0, "", fmt.Errorf("a %s is not a duration", val.Type().FriendlyName())
}

func (d *decoder) sourceText(a *attribute) string {
	r := a.expr.Range()
	src := d.sources[r.Filename]
	if r.Start.Byte >= 0 && r.End.Byte <= len(src) && r.Start.Byte <= r.End.Byte {
		return strings.TrimSpace(string(src[r.Start.Byte:r.End.Byte]))
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

func (d *decoder) tolerated(a *attribute, canonical string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Tolerated value form",
		Detail: fmt.Sprintf("Vault Proxy reads this value loosely, and so does vaultproxy; the canonical form is %s.",
			canonical),
		Subject: a.expr.Range().Ptr(),
		Context: a.rng.Ptr(),
	}
}

func (d *decoder) valueError(a *attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: a.expr.Range().Ptr(), Context: a.rng.Ptr()}
}

func (d *decoder) typeError(a *attribute, sch *schema.Attribute, got cty.Type) *hcl.Diagnostic {
	return d.valueError(a, "Incorrect attribute value type",
		fmt.Sprintf("%s must be a %s, not a %s.", sch.Name, sch.Kind, got.FriendlyName()))
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
	detail := fmt.Sprintf("%q is not a valid value for %s. Allowed values are %s.", got, sch.Name, joinOr(allowed))
	if sch.Kind == schema.TokenMode {
		detail = fmt.Sprintf("%q is not a valid value for %s. Allowed values are %s (case-insensitive).", got, sch.Name, joinOr(allowed))
	}
	if s := suggest(got, sch.Enum); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
		if strings.EqualFold(s, got) {
			detail += " Vault Proxy matches this value case-sensitively."
		}
	}
	return d.valueError(a, "Unsupported value for "+sch.Name, detail)
}

// matchEnum finds value among the allowed values of an enum attribute: ignoring case where Vault Proxy
// does (schema.Attribute.FoldCase), exactly elsewhere. It returns the allowed value it matched.
func matchEnum(sch *schema.Attribute, value string) (string, bool) {
	if sch.FoldCase {
		value = strings.ToLower(value)
	}
	return value, contains(sch.Enum, value)
}

func joinOr(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
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
