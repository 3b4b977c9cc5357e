package request

import (
	"encoding/json"
	"fmt"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// DecisionType is the decision object (Decision's JSON form, as `vaultproxy plan -request -json`
// prints it) as a cty type: the value of request() in `vaultproxy test` and of the provider's
// provider::vaultproxy::request. A member the JSON leaves out (endpoint, allow) is null.
var DecisionType = cty.Object(map[string]cty.Type{
	"listener":  cty.String,
	"status":    cty.Number,
	"endpoint":  cty.String,
	"allow":     cty.String,
	"errors":    cty.List(cty.String),
	"token":     cty.String,
	"namespace": cty.String,
	"headers":   cty.Object(map[string]cty.Type{"set": cty.Map(cty.String), "remove": cty.List(cty.String)}),
	"cache":     cty.String,
	"retry":     cty.Bool,
	"sanitize":  cty.Bool,
	"reason":    cty.String,
})

// CtyValue is d as a value of DecisionType, read from its JSON form; errors, which the JSON leaves
// out for a forwarded request, is an empty list then.
func (d Decision) CtyValue() (cty.Value, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return cty.NilVal, err
	}
	v, err := ctyjson.Unmarshal(b, DecisionType)
	if err != nil {
		return cty.NilVal, fmt.Errorf("the decision object does not fit DecisionType: %w", err)
	}
	if !v.GetAttr("errors").IsNull() {
		return v, nil
	}
	attrs := v.AsValueMap()
	attrs["errors"] = cty.ListValEmpty(cty.String)
	return cty.ObjectVal(attrs), nil
}
