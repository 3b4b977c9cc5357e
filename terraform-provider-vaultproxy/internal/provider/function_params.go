package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/zclconf/go-cty/cty"
)

// The parameters that the functions share.
var (
	contentParameter = function.StringParameter{
		Name: "content",
		MarkdownDescription: "The configuration's text, in HCL native syntax or HCL's JSON syntax: as in Vault " +
			"Proxy, the content decides (JSON when its first character other than white space is `{`), not the name. " +
			"Typically `templatefile(...)` or `file(...)`.",
	}
	filenameParameter = function.StringParameter{
		Name: "filename",
		MarkdownDescription: "The name that diagnostics and origins give the file (`proxy.hcl`): " +
			"`proxy.hcl:3,3` in an error, `[proxy.hcl:3,3-40]` in an origin. Nothing is read from it.",
	}
	filesParameter = function.MapParameter{
		Name:        "files",
		ElementType: types.StringType,
		MarkdownDescription: "The configuration's files, each name (as diagnostics and origins give it) to its text. " +
			"They are merged in name order, as `vault proxy -config=A -config=B` merges its files " +
			"(a later `vault`, `cache`, `auto_auth`... block replaces an earlier one, listeners add up).",
	}
)

// setDynamic sets the function's result to v, of v's own type.
func setDynamic(ctx context.Context, resp *function.RunResponse, v cty.Value) *function.FuncError {
	d, err := dynamicOf(ctx, v)
	if err != nil {
		return function.NewFuncError("vaultproxy: " + err.Error())
	}
	return resp.Result.Set(ctx, d)
}
