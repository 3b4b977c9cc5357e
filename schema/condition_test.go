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

// Every ReadOnlyWhen reads attributes its block declares, Strings or Bools, and compares an enum or
// a Bool only with a value it can have: a condition that can never hold would silently turn the
// attribute into one that is never checked.
func TestReadOnlyWhenDeclared(t *testing.T) {
	n := 0
	var walk func(b *Block)
	walk = func(b *Block) {
		for _, a := range b.Attributes {
			if a.ReadOnlyWhen == nil {
				continue
			}
			n++
			var check func(c *Condition)
			check = func(c *Condition) {
				for _, p := range append(slices.Clone(c.All), c.Any...) {
					check(p)
				}
				if c.Attr == "" {
					if len(c.All)+len(c.Any) == 0 {
						t.Errorf("%s.%s: a condition with no attribute and no parts", b.Type, a.Name)
					}
					return
				}
				ca := b.Attribute(c.Attr)
				switch {
				case ca == nil:
					t.Errorf("%s.%s: the condition reads %q, which the block does not declare", b.Type, a.Name, c.Attr)
				case ca.Kind != String && ca.Kind != Bool:
					t.Errorf("%s.%s: the condition reads %q, a %s", b.Type, a.Name, c.Attr, ca.Kind)
				case c.Set:
				case ca.Kind == Bool && c.Equals != "true" && c.Equals != "false":
					t.Errorf("%s.%s: %q compared with %q", b.Type, a.Name, c.Attr, c.Equals)
				case len(ca.Enum) > 0 && !slices.Contains(ca.Enum, c.Equals):
					t.Errorf("%s.%s: %q compared with %q, not one of %v", b.Type, a.Name, c.Attr, c.Equals, ca.Enum)
				}
			}
			check(a.ReadOnlyWhen)
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
	if n < 2 {
		t.Errorf("%d attributes with ReadOnlyWhen found, want aws's credential_poll_interval and cert's reload_period at least", n)
	}
}
