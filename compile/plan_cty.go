package compile

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The plan as a cty value, for what evaluates HCL or Terraform expressions over it (the test runner's
// `plan`, the provider's functions). It is not a third codec: the value is the tree that MarshalJSON
// writes (encodeObject over the plan layout), read into the type that the same layout gives, so that
// it holds exactly what `plan -json` prints.

// CtyValue returns the plan as the object that `vaultproxy plan -json` prints, as it prints it: the same
// keys and nesting, each setting an object {value, origin}, a block not written null, listeners and
// sinks lists of objects. A value's type follows its kind: string, bool, number, list of string; a
// duration, a file mode, a TLS version are the strings the JSON holds, and a secret reads "(sensitive)".
// Its type is PlanType's, with a method's config an object of its keys.
func (p *Plan) CtyValue() cty.Value {
	v, err := ctyOf(encodeObject(p, planLayout), objectType(p, planLayout))
	if err != nil {
		// The layout gives both the tree and the type: a mismatch is a bug in it, which the golden
		// plans' tests catch.
		panic(fmt.Sprintf("compile: the plan layout's type does not fit its document: %v", err))
	}
	return v
}

// PlanType is the type of every Plan.CtyValue, without a plan: auto_auth.method.config, whose members
// are the method's config keys, is cty.DynamicPseudoType. Every CtyValue's type conforms to it
// (cty.Type.TestConformance).
func PlanType() cty.Type { return objectType[Plan](nil, planLayout) }

// objectType is the type of a block object of the layout; b is nil when there is no plan.
func objectType[B any](b *B, layout []member[B]) cty.Type {
	attrs := make(map[string]cty.Type, len(layout))
	for _, m := range layout {
		attrs[m.name] = m.valueType(b)
	}
	return cty.Object(attrs)
}

func (m member[B]) valueType(b *B) cty.Type {
	if m.attr == nil {
		return m.ctyType(b)
	}
	var zero B
	v, _ := m.ref(&zero).load()
	return settingType(v)
}

// settingType is the type of {"value": ..., "origin": ...} for a value of zero's Go type.
func settingType(zero any) cty.Type {
	return cty.Object(map[string]cty.Type{"value": ctyTypeOf(zero), "origin": cty.String})
}

// ctyTypeOf is the cty type of the JSON that encodeValue writes for a value of zero's Go type.
func ctyTypeOf(zero any) cty.Type {
	switch jsonTypeOf(zero) {
	case "boolean":
		return cty.Bool
	case "number":
		return cty.Number
	case "array":
		return cty.List(cty.String)
	}
	return cty.String
}

func stringType[B any](*B) cty.Type { return cty.String }

// part is the block object that get returns from b, or nil without a plan.
func part[B, C any](b *B, get func(*B) *C) *C {
	if b == nil {
		return nil
	}
	return get(b)
}

// methodConfigType is the type of a method's config: an object of its keys, each {kind, value, origin}
// with the value of the key's kind; without a plan, any.
func methodConfigType(m *Method) cty.Type {
	if m == nil {
		return cty.DynamicPseudoType
	}
	attrs := map[string]cty.Type{}
	for _, k := range m.config.Keys() {
		cv := m.config.values[k]
		v, _ := cv.slot().load()
		attrs[k] = cty.Object(map[string]cty.Type{"kind": cty.String, "value": ctyTypeOf(v), "origin": cty.String})
	}
	return cty.Object(attrs)
}

// ctyOf reads the tree n as a value of type t.
func ctyOf(n *jsonNode, t cty.Type) (cty.Value, error) {
	switch {
	case n.obj && t.IsObjectType():
		attrs := make(map[string]cty.Value, len(n.keys))
		for i, k := range n.keys {
			if !t.HasAttribute(k) {
				return cty.NilVal, fmt.Errorf("the type has no attribute %q", k)
			}
			v, err := ctyOf(n.elems[i], t.AttributeType(k))
			if err != nil {
				return cty.NilVal, fmt.Errorf("%s: %w", k, err)
			}
			attrs[k] = v
		}
		if len(attrs) != len(t.AttributeTypes()) {
			return cty.NilVal, fmt.Errorf("the object has %d members, its type %d", len(attrs), len(t.AttributeTypes()))
		}
		return cty.ObjectVal(attrs), nil
	case n.arr && t.IsListType():
		if len(n.elems) == 0 {
			return cty.ListValEmpty(t.ElementType()), nil
		}
		elems := make([]cty.Value, len(n.elems))
		for i, e := range n.elems {
			v, err := ctyOf(e, t.ElementType())
			if err != nil {
				return cty.NilVal, fmt.Errorf("[%d]: %w", i, err)
			}
			elems[i] = v
		}
		return cty.ListVal(elems), nil
	case !n.obj && !n.arr:
		return ctyjson.Unmarshal(n.scalar, t) // a JSON null is a null of type t
	}
	return cty.NilVal, fmt.Errorf("a JSON %s is not %s", map[bool]string{true: "object", false: "array"}[n.obj], withArticle(t.FriendlyName()))
}
