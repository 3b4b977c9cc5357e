package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/zclconf/go-cty/cty"
)

// dynamic is v as the framework's dynamic argument.
func dynamic(t *testing.T, v cty.Value) attr.Value {
	t.Helper()
	d, err := dynamicOf(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func requestObject(method, path, listener string, headers map[string]string) cty.Value {
	attrs := map[string]cty.Value{"method": cty.StringVal(method), "path": cty.StringVal(path)}
	if listener != "" {
		attrs["listener"] = cty.StringVal(listener)
	}
	if headers != nil {
		hs := map[string]cty.Value{}
		for k, v := range headers {
			hs[k] = cty.StringVal(v)
		}
		attrs["headers"] = cty.ObjectVal(hs)
	}
	return cty.ObjectVal(attrs)
}

// request returns request.Decide's decision, as `vaultproxy plan -request -json` prints it, for the
// plan that plan returns: the plan crosses Terraform as an object and is read back as a plan file.
func TestRequestIsDecide(t *testing.T) {
	src := example(t, "proxy.hcl")
	planValue, ferr := call(t, newPlanFunction(), str(src), str("proxy.hcl"))
	plan := dynamic(t, planValue)
	if ferr != nil {
		t.Fatal(ferr)
	}
	p, diags := compile.Compile(singleFile(src, "proxy.hcl"), compile.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, tc := range []struct {
		name     string
		method   string
		path     string
		listener string
		headers  map[string]string
		token    string
		status   float64
	}{
		{"no token: the proxy adds its own", "GET", "/v1/secret/data/app", "", nil, "auto_auth", 0},
		{"the client's token goes as sent", "GET", "/v1/secret/data/app", "", map[string]string{"X-Vault-Token": "s.client"}, "client", 0},
		{"on the unix listener", "GET", "/v1/sys/health", "/run/vproxy/proxy.sock", nil, "auto_auth", 0},
		{"the proxy's own endpoint", "GET", "/proxy/v1/ready", "", nil, "none", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ferr := call(t, newRequestFunction(), plan, dynamic(t, requestObject(tc.method, tc.path, tc.listener, tc.headers)))
			if ferr != nil {
				t.Fatal(ferr)
			}
			l := p.Listeners()[0]
			if tc.listener != "" {
				l = p.Listeners()[1]
			}
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			r, err := request.Parse(tc.method+" "+tc.path, headerLines(h))
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(request.Decide(p, l, r))
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if _, ok := want["errors"]; !ok {
				want["errors"] = []any{} // the object's errors is a list, empty when the JSON leaves it out
			}
			gotJSON := dropNulls(jsonOf(t, got)).(map[string]any)
			if diff := cmp.Diff(want, gotJSON); diff != "" {
				t.Errorf("decision (-Decide +function):\n%s", diff)
			}
			if gotJSON["token"] != tc.token || gotJSON["status"] != tc.status {
				t.Errorf("token %v status %v, want %s %v", gotJSON["token"], gotJSON["status"], tc.token, tc.status)
			}
		})
	}
}

func headerLines(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k+": "+v)
		}
	}
	return out
}

// A request the function cannot read, or a listener the plan lacks, is refused on its argument.
func TestRequestArgumentErrors(t *testing.T) {
	planValue, ferr := call(t, newPlanFunction(), str(example(t, "proxy.hcl")), str("proxy.hcl"))
	plan := dynamic(t, planValue)
	if ferr != nil {
		t.Fatal(ferr)
	}
	for _, tc := range []struct {
		name string
		plan attr.Value
		req  cty.Value
		arg  int64
		want string
	}{
		{"no path", plan, cty.ObjectVal(map[string]cty.Value{"method": cty.StringVal("GET")}), 1, "a request needs a path"},
		{"unknown member", plan, cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal("/v1/x"), "header": cty.StringVal("")}), 1, `a request has no attribute "header" (did you mean "headers"?)`},
		{"no such listener", plan, requestObject("GET", "/v1/x", "127.0.0.1:9999", nil), 1, `no listener has the address "127.0.0.1:9999"; the configuration's are 127.0.0.1:8100, /run/vproxy/proxy.sock`},
		{"not a plan", types.DynamicValue(types.StringValue("x")), requestObject("GET", "/v1/x", "", nil), 0, "plan must be the object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ferr := call(t, newRequestFunction(), tc.plan, dynamic(t, tc.req))
			if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != tc.arg || !strings.HasPrefix(ferr.Text, tc.want) {
				t.Errorf("error %+v, want %q on argument %d", ferr, tc.want, tc.arg)
			}
		})
	}
}
