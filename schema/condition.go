package schema

import (
	"slices"
	"strings"
)

// Condition is a test of the other attributes of a block, on their values as Vault Proxy reads them
// (an attribute that is not written, or that Vault Proxy reads as unset, has its default): an
// Attribute's ReadOnlyWhen or UsedOnlyWhen. It is data, which the compiler evaluates and the
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
