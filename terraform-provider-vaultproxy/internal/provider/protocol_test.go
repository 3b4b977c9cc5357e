package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// A plan crosses the plugin protocol as Terraform receives it: msgpack, with the dynamic result's
// type written beside its value. A configuration without auto_auth has a null auto_auth whose
// method config's type is dynamic, which only the wire shows to be representable.
func TestPlanOverTheProtocol(t *testing.T) {
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	arg := func(s string) *tfprotov6.DynamicValue {
		v, err := tfprotov6.NewDynamicValue(tftypes.String, tftypes.NewValue(tftypes.String, s))
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	resp, err := server.CallFunction(ctx, &tfprotov6.CallFunctionRequest{
		Name:      "plan",
		Arguments: []*tfprotov6.DynamicValue{arg("listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"), arg("proxy.hcl")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		t.Fatalf("plan: %s", resp.Error.Text)
	}
	v, err := resp.Result.Unmarshal(tftypes.DynamicPseudoType)
	if err != nil {
		t.Fatalf("the result does not decode: %v", err)
	}
	got, err := ctyValue(v)
	if err != nil {
		t.Fatal(err)
	}
	if !got.GetAttr("auto_auth").IsNull() {
		t.Errorf("auto_auth = %#v, want null", got.GetAttr("auto_auth"))
	}
	if addr := got.GetAttr("listeners").Index(cty.NumberIntVal(0)).GetAttr("address").GetAttr("value").AsString(); addr != "127.0.0.1:8100" {
		t.Errorf("listeners[0].address.value = %q", addr)
	}
}

// The schema Terraform reads first: every function and the data source, without a diagnostic (the
// framework checks the definitions here).
func TestProviderSchema(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("%s: %s: %s", d.Severity, d.Summary, d.Detail)
	}
	var functions []string
	for name := range resp.Functions {
		functions = append(functions, name)
	}
	slices.Sort(functions)
	want := []string{"plan", "plan_files", "request", "validate", "validate_files"}
	if !slices.Equal(functions, want) {
		t.Errorf("functions %v, want %v", functions, want)
	}
	if _, ok := resp.DataSourceSchemas["vaultproxy_config"]; !ok {
		t.Error("no data source vaultproxy_config")
	}
}
