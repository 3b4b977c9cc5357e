package testrun

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// requestAttributes are the attributes of request()'s argument.
var requestAttributes = []string{"headers", "listener", "method", "path"}

// requestFunc is request({listener, method, path, headers}): what the proxy of plan p does with that
// request (request.Decide), as the decision object. listener is a listener's address (the first
// listener when left out, as `plan -request` takes it), method defaults to GET, path is the request
// target ("/v1/secret/data/app?version=2"), headers maps names to values.
func requestFunc(p *compile.Plan) function.Function {
	return function.New(&function.Spec{
		Description: "The decision of the proxy for one request, as `vaultproxy plan -request -json` prints it.",
		Params:      []function.Parameter{{Name: "request", Type: cty.DynamicPseudoType}},
		Type:        function.StaticReturnType(request.DecisionType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if p == nil {
				return cty.NilVal, fmt.Errorf("the configuration could not be compiled")
			}
			in, err := requestArgument(args[0])
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			r, err := request.Parse(in.method+" "+in.path, in.headers)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			ls := p.Listeners()
			if len(ls) == 0 {
				return cty.NilVal, function.NewArgErrorf(0, "the configuration has no listener")
			}
			l, found := ls[0], in.listener == ""
			var addrs []string
			for _, c := range ls {
				addrs = append(addrs, c.Address().Get())
				if !found && c.Address().Get() == in.listener {
					l, found = c, true
				}
			}
			if !found {
				return cty.NilVal, function.NewArgErrorf(0, "no listener has the address %q; the configuration's are %s", in.listener, strings.Join(addrs, ", "))
			}
			return request.Decide(p, l, r).CtyValue()
		},
	})
}

// requestArg is request()'s argument, read.
type requestArg struct {
	listener, method, path string
	headers                []string // "Name: value", in name order
}

func requestArgument(v cty.Value) (requestArg, error) {
	in := requestArg{method: "GET"}
	ty := v.Type()
	if v.IsNull() || !(ty.IsObjectType() || ty.IsMapType()) {
		return in, fmt.Errorf("request() takes an object: { listener = ADDRESS, method = \"GET\", path = \"/v1/...\", headers = { Name = \"value\" } }")
	}
	if !v.IsWhollyKnown() {
		return in, fmt.Errorf("the request is not known")
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		name := k.AsString()
		switch name {
		case "listener", "method", "path":
			s, err := stringOf(e, name)
			if err != nil {
				return in, err
			}
			switch name {
			case "listener":
				in.listener = s
			case "method":
				in.method = s
			default:
				in.path = s
			}
		case "headers":
			if e.IsNull() {
				continue
			}
			if !(e.Type().IsObjectType() || e.Type().IsMapType()) {
				return in, fmt.Errorf("headers is a map of header names to values")
			}
			for hit := e.ElementIterator(); hit.Next(); {
				hk, hv := hit.Element()
				s, err := stringOf(hv, "header "+hk.AsString())
				if err != nil {
					return in, err
				}
				in.headers = append(in.headers, hk.AsString()+": "+s)
			}
			sort.Strings(in.headers)
		default:
			// hcl ends the message with a period: it ends with neither "?" nor ".".
			hint := ""
			if s := nameSuggestion(name, requestAttributes); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			return in, fmt.Errorf("a request has no attribute %q%s; its attributes are listener, method, path and headers", name, hint)
		}
	}
	if in.path == "" {
		return in, fmt.Errorf("a request needs a path, such as \"/v1/sys/health\"")
	}
	return in, nil
}

// stringOf is a string attribute of the request, which must be set.
func stringOf(v cty.Value, what string) (string, error) {
	if v.IsNull() || v.Type() != cty.String {
		return "", fmt.Errorf("%s is a string", what)
	}
	return v.AsString(), nil
}
