package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/zclconf/go-cty/cty"
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
				MarkdownDescription: "The request: an object with `method` (`\"GET\"`), `path` (the request target, " +
					"`\"/v1/secret/data/app\"`), and optionally `headers` (a map, `{ \"X-Vault-Namespace\" = \"team\" }`) " +
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
	r, listener, err := requestOf(ctx, reqArg)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(1, err.Error())
		return
	}
	l, err := listenerOf(p, listener)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(1, err.Error())
		return
	}
	d, err := request.Decide(p, l, r).CtyValue()
	if err != nil {
		resp.Error = function.NewFuncError("vaultproxy: " + err.Error())
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

// requestOf reads the request object: method and path, headers and listener optional.
func requestOf(ctx context.Context, arg types.Dynamic) (request.Request, string, error) {
	v, err := ctyOf(ctx, arg)
	if err != nil {
		return request.Request{}, "", err
	}
	if v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return request.Request{}, "", fmt.Errorf(`request must be an object such as { method = "GET", path = "/v1/sys/health" }`)
	}
	attrs := v.AsValueMap()
	str := func(name string, required bool) (string, error) {
		a, ok := attrs[name]
		if !ok || a.IsNull() {
			if required {
				return "", fmt.Errorf("request has no %s", name)
			}
			return "", nil
		}
		if a.Type() != cty.String {
			return "", fmt.Errorf("request.%s must be a string", name)
		}
		return a.AsString(), nil
	}
	for name := range attrs {
		switch name {
		case "method", "path", "headers", "listener":
		default:
			return request.Request{}, "", fmt.Errorf("request has an unknown attribute %q: it takes method, path, headers and listener", name)
		}
	}
	method, err := str("method", true)
	if err != nil {
		return request.Request{}, "", err
	}
	path, err := str("path", true)
	if err != nil {
		return request.Request{}, "", err
	}
	listener, err := str("listener", false)
	if err != nil {
		return request.Request{}, "", err
	}
	var headers []string
	if h, ok := attrs["headers"]; ok && !h.IsNull() {
		if !(h.Type().IsObjectType() || h.Type().IsMapType()) {
			return request.Request{}, "", fmt.Errorf("request.headers must be a map of header names to values")
		}
		for name, hv := range h.AsValueMap() {
			if hv.IsNull() || hv.Type() != cty.String {
				return request.Request{}, "", fmt.Errorf("request.headers[%q] must be a string", name)
			}
			headers = append(headers, name+": "+hv.AsString())
		}
		sort.Strings(headers)
	}
	r, err := request.Parse(method+" "+path, headers)
	return r, listener, err
}

// listenerOf is the plan's listener at address, or its first listener for "", as `vaultproxy plan
// -request -listener` chooses it.
func listenerOf(p *compile.Plan, address string) (compile.Listener, error) {
	ls := p.Listeners()
	if len(ls) == 0 {
		return compile.Listener{}, fmt.Errorf("the plan has no listener")
	}
	if address == "" {
		return ls[0], nil
	}
	var addrs []string
	for _, l := range ls {
		if l.Address().Get() == address {
			return l, nil
		}
		addrs = append(addrs, l.Address().Get())
	}
	return compile.Listener{}, fmt.Errorf("request.listener %q: no such listener; the plan's are %s", address, strings.Join(addrs, ", "))
}
