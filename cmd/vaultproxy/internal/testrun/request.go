package testrun

import (
	"fmt"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// requestFunc is request({listener, method, path, headers}): what the proxy of plan p does with that
// request, as the decision object (request.DecideObject, which the provider's request function
// calls too).
func requestFunc(p *compile.Plan) function.Function {
	return function.New(&function.Spec{
		Description: "The decision of the proxy for one request, as `vaultproxy plan -request -json` prints it.",
		Params:      []function.Parameter{{Name: "request", Type: cty.DynamicPseudoType}},
		Type:        function.StaticReturnType(request.DecisionType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if p == nil {
				return cty.NilVal, fmt.Errorf("the configuration could not be compiled")
			}
			v, err := request.DecideObject(p, args[0])
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return v, nil
		},
	})
}
