package request

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// DecideObject reads the request object and decides on the listener it names (the first when left
// out); what it cannot read is an error that says what a request is.
func TestDecideObject(t *testing.T) {
	p := planOf(t, vaultBlock+listeners)
	obj := func(attrs map[string]cty.Value) cty.Value { return cty.ObjectVal(attrs) }
	for _, tc := range []struct {
		name     string
		in       cty.Value
		listener string // of the decision
		err      string
	}{
		{"the first listener, GET by default", obj(map[string]cty.Value{"path": cty.StringVal("/v1/sys/health")}), "127.0.0.1:8100", ""},
		{"a listener by address", obj(map[string]cty.Value{"path": cty.StringVal("/v1/sys/health"), "listener": cty.StringVal("127.0.0.1:8102")}), "127.0.0.1:8102", ""},
		{"no such listener", obj(map[string]cty.Value{"path": cty.StringVal("/v1/x"), "listener": cty.StringVal("127.0.0.1:9")}), "", `no listener has the address "127.0.0.1:9"`},
		{"no path", obj(map[string]cty.Value{"method": cty.StringVal("GET")}), "", "a request needs a path"},
		{"a misspelt attribute", obj(map[string]cty.Value{"path": cty.StringVal("/v1/x"), "header": cty.StringVal("")}), "", `a request has no attribute "header" (did you mean "headers"?)`},
		{"not an object", cty.StringVal("GET /v1/x"), "", "a request is an object"},
		{"a header that is not a string", obj(map[string]cty.Value{"path": cty.StringVal("/v1/x"), "headers": obj(map[string]cty.Value{"X-Vault-Token": cty.True})}), "", "header X-Vault-Token is a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecideObject(p, tc.in)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := v.GetAttr("listener").AsString(); got != tc.listener {
				t.Errorf("listener %q, want %q", got, tc.listener)
			}
		})
	}
}
