package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// requestFunction is provider::vaultproxy::request(plan, request): request.Decide's decision for
// one request, the object that `vaultproxy plan -request -json` prints.
type requestFunction struct{}

func newRequestFunction() function.Function { return requestFunction{} }

func (requestFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "request"
}

func (requestFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "What the proxy does with one request",
		MarkdownDescription: "Returns what the proxy of a plan does with one request: the decision object that " +
			"`vaultproxy plan -request='METHOD PATH' -json` prints, made by the function the proxy itself decides " +
			"with (`vaultproxy run`). `status` is the proxy's own answer (412 for a missing `X-Vault-Request`, 400 " +
			"for a namespace escape or a refused wrap, 404 or 405 for its own endpoints...) or 0 when the request " +
			"is forwarded to Vault; `token` is the token that reaches Vault (`client`, `auto_auth` or `none`); " +
			"`namespace` the `X-Vault-Namespace` that reaches Vault, canonical (`\"team/\"`, `\"\"` for none); " +
			"`headers` the headers the proxy sets (`set`) and removes (`remove`); `cache` whether the answer may " +
			"come from or be stored in the cache (`lease`, `static` or `none`); `retry` whether a failure is sent " +
			"again; `sanitize` whether the answer is cleaned of the auto-auth token; `reason` says why; " +
			"`endpoint`, `allow` and `errors` describe the proxy's own answers (`endpoint` and `allow` are null " +
			"otherwise, `errors` empty). The object is the one `request()` returns in `vaultproxy test`.",
		Parameters: []function.Parameter{
			function.DynamicParameter{
				Name: "plan",
				MarkdownDescription: "The plan, as `provider::vaultproxy::plan` returns it (or `jsondecode()` of a " +
					"file written by `vaultproxy plan -out`).",
			},
			function.DynamicParameter{
				Name: "request",
				MarkdownDescription: "The request: an object with `path` (the request target, `\"/v1/secret/data/app\"`), " +
					"and optionally `method` (`\"GET\"` when left out), `headers` (a map, `{ \"X-Vault-Namespace\" = \"team\" }`) " +
					"and `listener` (the address of the listener it comes to; the first listener when left out).",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: mustAttrType(request.DecisionType).(types.ObjectType).AttrTypes},
	}
}

func (requestFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var planArg, reqArg types.Dynamic
	if resp.Error = req.Arguments.Get(ctx, &planArg, &reqArg); resp.Error != nil {
		return
	}
	p, err := planOf(ctx, planArg)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	obj, err := ctyOf(ctx, reqArg)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(1, err.Error())
		return
	}
	d, err := request.DecideObject(p, obj)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(1, err.Error())
		return
	}
	v, err := attrOf(ctx, d)
	if err != nil {
		resp.Error = function.NewFuncError("vaultproxy: " + err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, v)
}

// planOf reads the plan object back into a Plan, as `vaultproxy run` reads a plan file: the object
// is the plan file's document.
func planOf(ctx context.Context, arg types.Dynamic) (*compile.Plan, error) {
	v, err := ctyOf(ctx, arg)
	if err != nil {
		return nil, err
	}
	if v.IsNull() || !v.Type().IsObjectType() {
		return nil, fmt.Errorf("plan must be the object that provider::vaultproxy::plan returns")
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, err
	}
	p, diags := compile.DecodePlanFile("plan", b)
	if diags.HasErrors() {
		var lines []string
		for _, d := range diags {
			lines = append(lines, d.Summary+": "+d.Detail)
		}
		return nil, fmt.Errorf("plan is not a vaultproxy plan: %s", strings.Join(lines, "; "))
	}
	return p, nil
}
