package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// vaultproxy's values are cty values (compile.Plan.CtyValue); the framework's are attr.Values built
// from terraform-plugin-go's tftypes. Both describe Terraform's type system, so the conversion is a
// walk that maps each type and value to its twin. A value crosses as tftypes.Value, which every
// framework type reads (ValueFromTerraform) and writes (ToTerraformValue).

// dynamicOf is v as the framework's dynamic value, whose type is v's.
func dynamicOf(ctx context.Context, v cty.Value) (types.Dynamic, error) {
	tv, err := tfValue(v)
	if err != nil {
		return types.Dynamic{}, err
	}
	av, err := types.DynamicType.ValueFromTerraform(ctx, tv)
	if err != nil {
		return types.Dynamic{}, err
	}
	return av.(types.Dynamic), nil
}

// attrOf is v as the framework's value of the attribute type that matches t, v's type.
func attrOf(ctx context.Context, v cty.Value) (attr.Value, error) {
	tv, err := tfValue(v)
	if err != nil {
		return nil, err
	}
	at, err := attrType(v.Type())
	if err != nil {
		return nil, err
	}
	return at.ValueFromTerraform(ctx, tv)
}

// attrType is the framework's type that matches t.
func attrType(t cty.Type) (attr.Type, error) {
	return basetypes.TerraformTypeToFrameworkType(tfType(t))
}

// ctyOf is the framework's value v as a cty value.
func ctyOf(ctx context.Context, v attr.Value) (cty.Value, error) {
	if d, ok := v.(types.Dynamic); ok && !d.IsNull() && !d.IsUnknown() {
		v = d.UnderlyingValue()
	}
	tv, err := v.ToTerraformValue(ctx)
	if err != nil {
		return cty.NilVal, err
	}
	return ctyValue(tv)
}

// tfType is t as a tftypes.Type.
func tfType(t cty.Type) tftypes.Type {
	switch {
	case t == cty.String:
		return tftypes.String
	case t == cty.Number:
		return tftypes.Number
	case t == cty.Bool:
		return tftypes.Bool
	case t.IsListType():
		return tftypes.List{ElementType: tfType(t.ElementType())}
	case t.IsSetType():
		return tftypes.Set{ElementType: tfType(t.ElementType())}
	case t.IsMapType():
		return tftypes.Map{ElementType: tfType(t.ElementType())}
	case t.IsObjectType():
		attrs := map[string]tftypes.Type{}
		for n, at := range t.AttributeTypes() {
			attrs[n] = tfType(at)
		}
		return tftypes.Object{AttributeTypes: attrs}
	case t.IsTupleType():
		var elems []tftypes.Type
		for _, et := range t.TupleElementTypes() {
			elems = append(elems, tfType(et))
		}
		return tftypes.Tuple{ElementTypes: elems}
	}
	return tftypes.DynamicPseudoType // cty.DynamicPseudoType, and capsule types, which vaultproxy has none of
}

// tfValue is v as a tftypes.Value of the type tfType(v.Type()).
func tfValue(v cty.Value) (tftypes.Value, error) {
	t := tfType(v.Type())
	switch {
	case v.IsMarked():
		return tftypes.Value{}, fmt.Errorf("a marked value (%s) cannot leave the provider", v.GoString())
	case v.IsNull():
		return tftypes.NewValue(t, nil), nil
	case !v.IsKnown():
		return tftypes.NewValue(t, tftypes.UnknownValue), nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return tftypes.NewValue(t, v.AsString()), nil
	case ty == cty.Number:
		return tftypes.NewValue(t, v.AsBigFloat()), nil
	case ty == cty.Bool:
		return tftypes.NewValue(t, v.True()), nil
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		var elems []tftypes.Value
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			e, err := tfValue(ev)
			if err != nil {
				return tftypes.Value{}, err
			}
			elems = append(elems, e)
		}
		return tftypes.NewValue(t, elems), nil
	case ty.IsMapType() || ty.IsObjectType():
		elems := map[string]tftypes.Value{}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			e, err := tfValue(ev)
			if err != nil {
				return tftypes.Value{}, err
			}
			elems[k.AsString()] = e
		}
		return tftypes.NewValue(t, elems), nil
	}
	return tftypes.Value{}, fmt.Errorf("a value of type %s cannot leave the provider", ty.FriendlyName())
}

// ctyType is t as a cty.Type.
func ctyType(t tftypes.Type) cty.Type {
	switch t := t.(type) {
	case tftypes.List:
		return cty.List(ctyType(t.ElementType))
	case tftypes.Set:
		return cty.Set(ctyType(t.ElementType))
	case tftypes.Map:
		return cty.Map(ctyType(t.ElementType))
	case tftypes.Object:
		attrs := map[string]cty.Type{}
		for n, at := range t.AttributeTypes {
			attrs[n] = ctyType(at)
		}
		return cty.Object(attrs)
	case tftypes.Tuple:
		elems := make([]cty.Type, len(t.ElementTypes))
		for i, et := range t.ElementTypes {
			elems[i] = ctyType(et)
		}
		return cty.Tuple(elems)
	}
	switch {
	case t.Is(tftypes.String):
		return cty.String
	case t.Is(tftypes.Number):
		return cty.Number
	case t.Is(tftypes.Bool):
		return cty.Bool
	}
	return cty.DynamicPseudoType
}

// ctyValue is v as a cty value of the type ctyType(v.Type()).
func ctyValue(v tftypes.Value) (cty.Value, error) {
	t := ctyType(v.Type())
	switch {
	case v.IsNull():
		return cty.NullVal(t), nil
	case !v.IsKnown():
		return cty.UnknownVal(t), nil
	}
	switch {
	case t == cty.String:
		var s string
		err := v.As(&s)
		return cty.StringVal(s), err
	case t == cty.Number:
		f := new(big.Float)
		err := v.As(&f)
		return cty.NumberVal(f), err
	case t == cty.Bool:
		var b bool
		err := v.As(&b)
		return cty.BoolVal(b), err
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		var tvs []tftypes.Value
		if err := v.As(&tvs); err != nil {
			return cty.NilVal, err
		}
		elems := make([]cty.Value, len(tvs))
		for i, tv := range tvs {
			e, err := ctyValue(tv)
			if err != nil {
				return cty.NilVal, err
			}
			elems[i] = e
		}
		switch {
		case t.IsTupleType():
			return cty.TupleVal(elems), nil
		case len(elems) == 0 && t.IsListType():
			return cty.ListValEmpty(t.ElementType()), nil
		case len(elems) == 0:
			return cty.SetValEmpty(t.ElementType()), nil
		case t.IsListType():
			return cty.ListVal(elems), nil
		}
		return cty.SetVal(elems), nil
	case t.IsMapType() || t.IsObjectType():
		var tvs map[string]tftypes.Value
		if err := v.As(&tvs); err != nil {
			return cty.NilVal, err
		}
		elems := make(map[string]cty.Value, len(tvs))
		for k, tv := range tvs {
			e, err := ctyValue(tv)
			if err != nil {
				return cty.NilVal, err
			}
			elems[k] = e
		}
		switch {
		case t.IsObjectType():
			return cty.ObjectVal(elems), nil
		case len(elems) == 0:
			return cty.MapValEmpty(t.ElementType()), nil
		}
		return cty.MapVal(elems), nil
	}
	return cty.NilVal, fmt.Errorf("a value of type %s cannot enter the provider", v.Type())
}

// mustAttrType is attrType for the provider's own declared types, which always convert.
func mustAttrType(t cty.Type) attr.Type {
	at, err := attrType(t)
	if err != nil {
		panic(err)
	}
	return at
}
