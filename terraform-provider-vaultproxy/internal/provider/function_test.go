package provider

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/validatejson"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The repository's example configurations (fixtures/examples): one valid, one with three errors.
func example(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../../fixtures/examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// call runs f with args as Terraform would, returning the result converted back to cty, or the error.
func call(t *testing.T, f function.Function, args ...attr.Value) (cty.Value, *function.FuncError) {
	t.Helper()
	ctx := context.Background()
	var def function.DefinitionResponse
	f.Definition(ctx, function.DefinitionRequest{}, &def)
	if def.Diagnostics.HasError() {
		t.Fatalf("definition: %v", def.Diagnostics)
	}
	result, ferr := def.Definition.Return.NewResultData(ctx)
	if ferr != nil {
		t.Fatal(ferr)
	}
	resp := &function.RunResponse{Result: result}
	f.Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData(args)}, resp)
	if resp.Error != nil {
		return cty.NilVal, resp.Error
	}
	v, err := ctyOf(ctx, resp.Result.Value())
	if err != nil {
		t.Fatalf("result: %v", err)
	}
	return v, nil
}

func str(s string) attr.Value { return types.StringValue(s) }

func filesArg(t *testing.T, files map[string]string) attr.Value {
	t.Helper()
	elems := map[string]attr.Value{}
	for k, v := range files {
		elems[k] = types.StringValue(v)
	}
	m, diags := types.MapValue(types.StringType, elems)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return m
}

// jsonOf is v as JSON, read back as Go values, for comparisons that name the differences.
func jsonOf(t *testing.T, v cty.Value) any {
	t.Helper()
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// plan returns the object that `vaultproxy plan -json` prints for the configuration: the same JSON,
// member for member, as the CLI's.
func TestPlanIsPlanJSON(t *testing.T) {
	src := example(t, "proxy.hcl")
	got, ferr := call(t, newPlanFunction(), str(src), str("proxy.hcl"))
	if ferr != nil {
		t.Fatal(ferr)
	}
	p, diags := compile.Compile([]compile.Source{{Name: "proxy.hcl", Bytes: []byte(src)}}, compile.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, jsonOf(t, got)); diff != "" {
		t.Errorf("plan (-plan -json +function):\n%s", diff)
	}
	if addr := got.GetAttr("vault").GetAttr("address").GetAttr("value").AsString(); addr != "https://vault.example.test:8200" {
		t.Errorf("plan.vault.address.value = %q", addr)
	}
}

// plan fails with every error, one a line, as file:line,column: summary: detail, on its first argument.
func TestPlanErrors(t *testing.T) {
	_, ferr := call(t, newPlanFunction(), str(example(t, "broken.hcl")), str("broken.hcl"))
	if ferr == nil {
		t.Fatal("plan of broken.hcl did not fail")
	}
	want := []string{
		`broken.hcl:8,25: Unsupported value for use_auto_auth_token: "always" is not a valid value for use_auto_auth_token. Allowed values are true, false and "force" (case-insensitive).`,
		`broken.hcl:9,25: Unsupported value for enforce_consistency: "sometimes" is not a valid value for enforce_consistency. Allowed values are "always" and "never".`,
		`broken.hcl:14,3: Unsupported argument: An argument named "tls_disabel" is not expected here. Did you mean "tls_disable"?`,
	}
	if diff := cmp.Diff(want, strings.Split(ferr.Text, "\n")); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 {
		t.Errorf("error on argument %v, want 0 (content)", ferr.FunctionArgument)
	}
}

// plan_files merges its files in name order: the later vault block replaces the earlier one, and
// the origins name the file each value came from.
func TestPlanFilesMergeInNameOrder(t *testing.T) {
	files := map[string]string{
		"b.hcl": "vault {\n  address = \"https://b.example:8200\"\n}\n",
		"a.hcl": "vault {\n  address = \"https://a.example:8200\"\n}\nlistener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n",
	}
	got, ferr := call(t, newPlanFilesFunction(), filesArg(t, files))
	if ferr != nil {
		t.Fatal(ferr)
	}
	address := got.GetAttr("vault").GetAttr("address")
	gotFiles := jsonOf(t, got.GetAttr("files"))
	if diff := cmp.Diff([]any{"https://b.example:8200", "b.hcl:2,3-37", []any{"a.hcl", "b.hcl"}},
		[]any{address.GetAttr("value").AsString(), address.GetAttr("origin").AsString(), gotFiles}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// validate returns the `validate -json` document, errors included, and does not fail.
func TestValidateIsValidateJSON(t *testing.T) {
	src := example(t, "broken.hcl")
	got, ferr := call(t, newValidateFunction(), str(src), str("broken.hcl"))
	if ferr != nil {
		t.Fatal(ferr)
	}
	l := load(singleFile(src, "broken.hcl"), nil)
	b, err := validatejson.Marshal(l.diags, l.sources)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, dropNulls(jsonOf(t, got))); diff != "" {
		t.Errorf("validate (-validate -json +function):\n%s", diff)
	}
	first := got.GetAttr("diagnostics").Index(cty.NumberIntVal(0))
	if diff := cmp.Diff([]any{"broken.hcl", 8.0, 25.0}, []any{
		first.GetAttr("range").GetAttr("filename").AsString(),
		jsonOf(t, first.GetAttr("range").GetAttr("start").GetAttr("line")),
		jsonOf(t, first.GetAttr("range").GetAttr("start").GetAttr("column")),
	}); diff != "" {
		t.Errorf("diagnostics[0].range (-want +got):\n%s", diff)
	}
	if got.GetAttr("valid").True() {
		t.Error("valid is true for broken.hcl")
	}
}

// dropNulls removes the object members that are null: the members the JSON document leaves out.
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
			} else {
				v[k] = dropNulls(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = dropNulls(e)
		}
	}
	return v
}

// The argument checks: an empty filename or files map is refused on its argument.
func TestArgumentErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    function.Function
		args []attr.Value
		arg  int64
		want string
	}{
		{"plan filename", newPlanFunction(), []attr.Value{str("vault {}"), str("")}, 1, "filename is empty"},
		{"validate files", newValidateFilesFunction(), []attr.Value{filesArg(t, nil)}, 0, "files is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ferr := call(t, tc.f, tc.args...)
			if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != tc.arg || !strings.HasPrefix(ferr.Text, tc.want) {
				t.Errorf("error %+v, want %q on argument %d", ferr, tc.want, tc.arg)
			}
		})
	}
}
