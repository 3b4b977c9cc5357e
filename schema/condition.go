package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Condition is a test of the other attributes of a block, on their values as Vault Proxy reads them
// (an attribute that is not written, or that Vault Proxy reads as unset, has its default): an
// Attribute's ReadOnlyWhen or UsedOnlyWhen. It is data, which Eval evaluates on the values that the
// compiler (its warnings) and the run support (which secrets a plan file may lack) read, and which the
// reference describes. Exactly one of Attr, All and Any is set.
type Condition struct {
	// Attr names another attribute of the block (a UsedOnlyWhen may name its own: alicloud's
	// role_arn is used only when it is not empty), a String or a Bool: the condition holds when its
	// value is Equals ("iam"; a Bool's is "true" or "false"), or, with Set, when it is not empty.
	// With Written, Attr may be of any kind, and the condition holds when it is written at all,
	// whatever its value (alicloud's role_session_expiration, which the Alibaba Cloud SDK tests
	// for nil, not for 0).
	Attr    string
	Equals  string
	Set     bool
	Written bool
	// All holds when each of its conditions holds, Any when one of them does.
	All, Any []*Condition
	// Says, when set, is how messages and the reference name the condition; otherwise it is made
	// from its parts ("type is iam").
	Says string
}

// TypeIs holds when the block's type attribute is typ: a method config's type.
func TypeIs(typ string) *Condition { return &Condition{Attr: "type", Equals: typ} }

// TypeTest returns typ when the condition is TypeIs(typ) and says nothing of its own, so that a
// message may word the common case as "with type typ".
func (c *Condition) TypeTest() (typ string, ok bool) {
	if c.Attr != "type" || c.Set || c.Written || c.Says != "" || len(c.All)+len(c.Any) > 0 {
		return "", false
	}
	return c.Equals, true
}

// Reading is an attribute's value as Vault Proxy reads it, which a Condition tests.
type Reading struct {
	// Value is the value as text (a Bool's is "true" or "false"): the attribute's default when it
	// is not written, or written and read as unset.
	Value string
	// Written says the attribute was written, whatever its value.
	Written bool
	// Known says the value can be told: not when Vault Proxy cannot read what was written (which is
	// its own error), nor when it is not at hand (a secret that a plan file never holds).
	Known bool
}

// Eval evaluates c on a block's values, each answered by value (which the condition's attributes
// must name: the schema's tests check it): whether c holds; whether that can be told, every value it
// needs being Known; and, when it does not hold, what makes it fail ("reload is not set"). An All is
// false when one part is known to be false, though another cannot be told; an Any true when one part
// is known to be true.
func (c *Condition) Eval(value func(name string) Reading) (holds, known bool, here string) {
	switch {
	case len(c.All) > 0:
		known = true
		for _, p := range c.All {
			h, k, why := p.Eval(value)
			if k && !h {
				return false, true, why
			}
			known = known && k
		}
		return known, known, ""
	case len(c.Any) > 0:
		var whys []string
		known = true
		for _, p := range c.Any {
			h, k, why := p.Eval(value)
			if k && h {
				return true, true, ""
			}
			known = known && k
			whys = append(whys, why)
		}
		if !known {
			return false, false, ""
		}
		return false, true, strings.Join(whys, " and ")
	}
	r := value(c.Attr)
	switch {
	case !r.Known:
		return false, false, ""
	case c.Written && r.Written:
		return true, true, ""
	case c.Written:
		return false, true, c.Attr + " is not written"
	case c.Set && r.Value != "":
		return true, true, ""
	case c.Set && r.Written:
		return false, true, c.Attr + " is empty"
	case !c.Set && r.Value == c.Equals:
		return true, true, ""
	case !r.Written:
		return false, true, c.Attr + " is not set"
	}
	return false, true, fmt.Sprintf("%s is %s", c.Attr, r.Value)
}

// String names the condition: Says, or its parts joined.
func (c *Condition) String() string {
	if c.Says != "" {
		return c.Says
	}
	join := func(cs []*Condition, sep string) string {
		parts := make([]string, len(cs))
		for i, p := range cs {
			parts[i] = p.String()
		}
		return strings.Join(parts, sep)
	}
	switch {
	case len(c.All) > 0:
		return join(c.All, " and ")
	case len(c.Any) > 0:
		return join(c.Any, " or ")
	case c.Set:
		return c.Attr + " is set"
	case c.Written:
		return c.Attr + " is written"
	}
	return c.Attr + " is " + c.Equals
}

// Attrs returns the names of the attributes the condition reads, in order, each once.
func (c *Condition) Attrs() []string {
	var out []string
	var walk func(*Condition)
	walk = func(c *Condition) {
		if c.Attr != "" && !slices.Contains(out, c.Attr) {
			out = append(out, c.Attr)
		}
		for _, p := range append(append([]*Condition{}, c.All...), c.Any...) {
			walk(p)
		}
	}
	walk(c)
	return out
}
