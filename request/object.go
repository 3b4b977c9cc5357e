package request

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/zclconf/go-cty/cty"
)

// ObjectAttributes are the attributes of a request written as an object.
var ObjectAttributes = []string{"headers", "listener", "method", "path"}

// DecideObject is the decision, as a value of DecisionType, for a request written as an object:
// `vaultproxy test`'s request({...}) and the provider's provider::vaultproxy::request(plan, {...}).
// listener is a listener's address (the first listener when left out, as `plan -request` takes it),
// method defaults to GET, path is the request target ("/v1/secret/data/app?version=2"), headers
// maps names to values. An error is about the object.
func DecideObject(p *compile.Plan, obj cty.Value) (cty.Value, error) {
	in, err := readObject(obj)
	if err != nil {
		return cty.NilVal, err
	}
	r, err := Parse(in.method+" "+in.path, in.headers)
	if err != nil {
		return cty.NilVal, err
	}
	ls := p.Listeners()
	if len(ls) == 0 {
		return cty.NilVal, fmt.Errorf("the configuration has no listener")
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
		return cty.NilVal, fmt.Errorf("no listener has the address %q; the configuration's are %s", in.listener, strings.Join(addrs, ", "))
	}
	return Decide(p, l, r).CtyValue()
}

// object is a request object, read.
type object struct {
	listener, method, path string
	headers                []string // "Name: value", in name order
}

func readObject(v cty.Value) (object, error) {
	in := object{method: "GET"}
	ty := v.Type()
	if v.IsNull() || !(ty.IsObjectType() || ty.IsMapType()) {
		return in, fmt.Errorf("a request is an object: { listener = ADDRESS, method = \"GET\", path = \"/v1/...\", headers = { Name = \"value\" } }")
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
			if s := compile.Suggest(name, ObjectAttributes); s != "" {
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
