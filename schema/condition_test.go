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
	if n < 2 || used < 6 {
		t.Errorf("%d attributes with ReadOnlyWhen or UsedOnlyWhen found, %d UsedOnlyWhen; want aws's credential_poll_interval, cert's reload_period and alicloud's six role and key pair keys at least", n, used)
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
