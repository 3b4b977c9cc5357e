package schema

import (
	"slices"
	"testing"
)

// A condition names itself from its parts unless it says otherwise, and lists the attributes it
// reads once each.
func TestConditionString(t *testing.T) {
	tests := []struct {
		c         *Condition
		want      string
		wantAttrs []string
	}{
		{TypeIs("iam"), "type is iam", []string{"type"}},
		{&Condition{Attr: "ca_cert", Set: true}, "ca_cert is set", []string{"ca_cert"}},
		{&Condition{All: []*Condition{{Attr: "reload", Equals: "true"}, {Any: []*Condition{{Attr: "a", Set: true}, {Attr: "reload", Equals: "false"}}}}},
			"reload is true and a is set or reload is false", []string{"reload", "a"}},
		{&Condition{Attr: "x", Equals: "y", Says: "x is y, as it says"}, "x is y, as it says", []string{"x"}},
		{&Condition{Attr: "n", Written: true}, "n is written", []string{"n"}},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if got := tt.c.Attrs(); !slices.Equal(got, tt.wantAttrs) {
			t.Errorf("Attrs() of %q = %v, want %v", tt.want, got, tt.wantAttrs)
		}
	}
}

// Every ReadOnlyWhen and UsedOnlyWhen reads attributes its block declares, Strings or Bools (any
// kind when it tests only that one is written), and compares an enum or a Bool only with a value it
// can have: a condition that can never hold would silently turn the attribute into one that is
// never checked, or always warned about.
func TestReadOnlyWhenDeclared(t *testing.T) {
	n, used := 0, 0
	var walk func(b *Block)
	walk = func(b *Block) {
		for _, a := range b.Attributes {
			if a.UsedOnlyWhen != nil {
				used++
			}
			for _, cond := range []*Condition{a.ReadOnlyWhen, a.UsedOnlyWhen} {
				if cond == nil {
					continue
				}
				n++
				checkCondition(t, b, a, cond)
			}
		}
		for _, nb := range b.Blocks {
			walk(nb)
		}
		for _, bs := range b.ByLabel {
			for _, nb := range bs {
				walk(nb)
			}
		}
	}
	walk(Root)
	if n < 2 || used < 14 {
		t.Errorf("%d attributes with ReadOnlyWhen or UsedOnlyWhen found, %d UsedOnlyWhen; want aws's credential_poll_interval, cert's reload_period, alicloud's six role and key pair keys and the eight aws and gcp keys of one type at least", n, used)
	}
}

// checkCondition reports a condition of a's that reads what b does not declare, or compares a value
// it cannot have.
func checkCondition(t *testing.T, b *Block, a *Attribute, cond *Condition) {
	t.Helper()
	for _, p := range append(slices.Clone(cond.All), cond.Any...) {
		checkCondition(t, b, a, p)
	}
	if cond.Attr == "" {
		if len(cond.All)+len(cond.Any) == 0 {
			t.Errorf("%s.%s: a condition with no attribute and no parts", b.Type, a.Name)
		}
		return
	}
	ca := b.Attribute(cond.Attr)
	switch {
	case ca == nil:
		t.Errorf("%s.%s: the condition reads %q, which the block does not declare", b.Type, a.Name, cond.Attr)
	case cond.Written:
	case ca.Kind != String && ca.Kind != Bool:
		t.Errorf("%s.%s: the condition reads %q, a %s", b.Type, a.Name, cond.Attr, ca.Kind)
	case cond.Set:
	case ca.Kind == Bool && cond.Equals != "true" && cond.Equals != "false":
		t.Errorf("%s.%s: %q compared with %q", b.Type, a.Name, cond.Attr, cond.Equals)
	case len(ca.Enum) > 0 && !slices.Contains(ca.Enum, cond.Equals):
		t.Errorf("%s.%s: %q compared with %q, not one of %v", b.Type, a.Name, cond.Attr, cond.Equals, ca.Enum)
	}
}

// Eval answers whether a condition holds on the values it is given, whether that can be told, and
// what makes it fail; an All is false as soon as one part is known false, an Any true as soon as one
// is known true, whatever the unknown parts.
func TestConditionEval(t *testing.T) {
	// The values of one block: a name not listed is not written, and reads as "" (no default).
	vals := map[string]Reading{
		"type":    {Value: "ec2", Written: true, Known: true},
		"region":  {Value: "us-east-1", Known: true}, // not written: its default
		"empty":   {Value: "", Written: true, Known: true},
		"zero":    {Value: "0", Written: true, Known: true},
		"reload":  {Value: "true", Written: true, Known: true},
		"secret":  {Written: true}, // a plan file's redacted secret: written, its value not at hand
		"garbled": {Written: true}, // a value Vault Proxy cannot read
	}
	value := func(name string) Reading {
		if r, ok := vals[name]; ok {
			return r
		}
		return Reading{Known: true}
	}
	attr := func(name string) *Condition { return &Condition{Attr: name, Set: true} }
	tests := []struct {
		name         string
		c            *Condition
		holds, known bool
		here         string
	}{
		{"type is", TypeIs("ec2"), true, true, ""},
		{"type is not", TypeIs("iam"), false, true, "type is ec2"},
		{"default equals", &Condition{Attr: "region", Equals: "us-east-1"}, true, true, ""},
		{"not written equals", &Condition{Attr: "absent", Equals: "x"}, false, true, "absent is not set"},
		{"set", attr("type"), true, true, ""},
		{"set: written empty", attr("empty"), false, true, "empty is empty"},
		{"set: not written", attr("absent"), false, true, "absent is not set"},
		{"set: default only", attr("region"), true, true, ""},
		{"written: zero", &Condition{Attr: "zero", Written: true}, true, true, ""},
		{"written: not", &Condition{Attr: "region", Written: true}, false, true, "region is not written"},
		{"unknown", attr("secret"), false, false, ""},
		{"unknown written", &Condition{Attr: "garbled", Written: true}, false, false, ""},
		{"all hold", &Condition{All: []*Condition{TypeIs("ec2"), attr("reload")}}, true, true, ""},
		{"all: first false", &Condition{All: []*Condition{attr("absent"), attr("empty")}}, false, true, "absent is not set"},
		{"all: unknown and false", &Condition{All: []*Condition{attr("secret"), {Attr: "session", Written: true}}}, false, true, "session is not written"},
		{"all: unknown and true", &Condition{All: []*Condition{attr("secret"), attr("type")}}, false, false, ""},
		{"any: one holds", &Condition{Any: []*Condition{attr("absent"), attr("reload")}}, true, true, ""},
		{"any: none", &Condition{Any: []*Condition{attr("absent"), attr("empty")}}, false, true, "absent is not set and empty is empty"},
		{"any: unknown and true", &Condition{Any: []*Condition{attr("secret"), attr("type")}}, true, true, ""},
		{"any: unknown and false", &Condition{Any: []*Condition{attr("secret"), attr("absent")}}, false, false, ""},
		{"nested", &Condition{All: []*Condition{{Attr: "reload", Equals: "true"}, {Any: []*Condition{attr("ca"), {All: []*Condition{attr("cert"), attr("key")}}}}}},
			false, true, "ca is not set and cert is not set"},
	}
	for _, tt := range tests {
		holds, known, here := tt.c.Eval(value)
		if holds != tt.holds || known != tt.known || here != tt.here {
			t.Errorf("%s: Eval = %v, %v, %q; want %v, %v, %q", tt.name, holds, known, here, tt.holds, tt.known, tt.here)
		}
	}
}

// TypeTest recognises a bare TypeIs only, which messages word as "with type iam".
func TestConditionTypeTest(t *testing.T) {
	for _, tt := range []struct {
		c    *Condition
		want string
		ok   bool
	}{
		{TypeIs("iam"), "iam", true},
		{&Condition{Attr: "type", Equals: "iam", Says: "the type is iam"}, "", false},
		{&Condition{Attr: "type", Set: true}, "", false},
		{&Condition{Attr: "role", Equals: "iam"}, "", false},
		{&Condition{All: []*Condition{TypeIs("iam")}}, "", false},
	} {
		if got, ok := tt.c.TypeTest(); got != tt.want || ok != tt.ok {
			t.Errorf("TypeTest of %q = %q, %v; want %q, %v", tt.c, got, ok, tt.want, tt.ok)
		}
	}
}
