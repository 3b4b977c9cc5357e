package testrun

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/request"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

const requestConfig = `vault {
  address = "https://vault.example.test:8200"
}

auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = "/etc/vault/role-id"
      secret_id_file_path = "/etc/vault/secret-id"
    }
  }
}

api_proxy {
  use_auto_auth_token = true
}

listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}

listener "tcp" {
  address                = "127.0.0.1:8101"
  tls_disable            = true
  require_request_header = true
}
`

// request() gives exactly the object of plan -request -json: request.Decide's decision for the
// request, on the listener named, with errors an empty list when the decision has none.
func TestRequestFunc(t *testing.T) {
	p, diags := compile.Compile([]compile.Source{{Name: "proxy.hcl", Bytes: []byte(requestConfig)}}, compile.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx := evalContext(Loaded{Plan: p})
	for _, c := range []struct {
		expr     string
		listener int
		method   string
		target   string
		headers  http.Header
	}{
		{`request({ path = "/v1/secret/data/app" })`, 0, "GET", "/v1/secret/data/app", nil},
		{`request({ method = "POST", path = "/v1/auth/token/create", headers = { "X-Vault-Token" = "s.x" } })`, 0, "POST", "/v1/auth/token/create", http.Header{"X-Vault-Token": {"s.x"}}},
		{`request({ listener = "127.0.0.1:8101", path = "/v1/sys/health?standbyok=true" })`, 1, "GET", "/v1/sys/health?standbyok=true", nil},
		{`request({ listener = "127.0.0.1:8101", path = "/proxy/v1/quit", method = "POST", headers = { "X-Vault-Request" = "true" } })`, 1, "POST", "/proxy/v1/quit", http.Header{"X-Vault-Request": {"true"}}},
	} {
		got := eval(t, c.expr, ctx)
		u, _ := url.ParseRequestURI(c.target)
		h := c.headers
		if h == nil {
			h = http.Header{}
		}
		d := request.Decide(p, p.Listeners()[c.listener], request.Request{Method: c.method, URL: u, ProtoMajor: 1, Header: h})
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		gotJSON, err := ctyjson.Marshal(got, request.DecisionType)
		if err != nil {
			t.Fatal(err)
		}
		var wantDoc, gotDoc map[string]any
		_ = json.Unmarshal(want, &wantDoc)
		_ = json.Unmarshal(gotJSON, &gotDoc)
		if _, ok := wantDoc["errors"]; !ok {
			wantDoc["errors"] = []any{} // the JSON leaves out no errors; the object has an empty list
		}
		for k, v := range gotDoc {
			if v == nil {
				delete(gotDoc, k) // a member the JSON leaves out is null in the object
			}
		}
		if diff := cmp.Diff(wantDoc, gotDoc); diff != "" {
			t.Errorf("%s (-Decide +request()):\n%s", c.expr, diff)
		}
	}

	for _, c := range []struct{ expr, err string }{
		{`request({ listener = "127.0.0.1:9999", path = "/" })`, `no listener has the address "127.0.0.1:9999"; the configuration's are 127.0.0.1:8100, 127.0.0.1:8101`},
		{`request({ pth = "/" })`, `a request has no attribute "pth" (did you mean "path"?)`},
		{`request({ method = "GET" })`, `a request needs a path`},
		{`request({ path = "no slash" })`, `want METHOD PATH`},
		{`request({ path = "/", headers = { "X-A" = 1 } })`, `header X-A is a string`},
		{`request("GET /")`, `a request is an object`},
	} {
		expr, _ := hclsyntax.ParseExpression([]byte(c.expr), "t.hcl", hcl.InitialPos)
		_, diags := expr.Value(ctx)
		if !diags.HasErrors() || !strings.Contains(diags.Error(), c.err) {
			t.Errorf("%s: %v, want an error saying %q", c.expr, diags, c.err)
		}
	}
}

// eval evaluates expr in ctx, failing the test on an error.
func eval(t *testing.T, src string, ctx *hcl.EvalContext) cty.Value {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", src, diags)
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", src, diags)
	}
	return v
}
