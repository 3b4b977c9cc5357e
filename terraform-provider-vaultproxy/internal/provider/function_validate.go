package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/validatejson"
)

// validateFunction is provider::vaultproxy::validate(content, filename) and, with files set,
// provider::vaultproxy::validate_files(files).
type validateFunction struct{ files bool }

func newValidateFunction() function.Function      { return validateFunction{} }
func newValidateFilesFunction() function.Function { return validateFunction{files: true} }

const validateDescription = "The value is the document that `vaultproxy validate -json` prints, the shape of " +
	"`terraform validate -json`: `valid`, `error_count`, `warning_count` and `diagnostics`, a list of objects with " +
	"`severity`, `summary`, `detail`, `code` (the diagnostic's stable name, such as `unsupported_argument`), " +
	"`range` (`filename`, `start` and `end`, each with `line`, `column` and `byte`) and `snippet`. A member that " +
	"the JSON leaves out is null here. The call never fails on the configuration's errors: it returns them, so an " +
	"`assert` can expect an error at an exact line. The configuration is compiled in an empty environment."

func (f validateFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "validate"
	if f.files {
		resp.Name = "validate_files"
	}
}

func (f validateFunction) Definition(ctx context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	ret := function.ObjectReturn{AttributeTypes: mustAttrType(validatejson.Type).(types.ObjectType).AttrTypes}
	if f.files {
		resp.Definition = function.Definition{
			Summary: "Validates a Vault Proxy configuration of several files",
			MarkdownDescription: "Compiles and validates the files of a Vault Proxy configuration, merged in name " +
				"order, and returns every diagnostic. " + validateDescription,
			Parameters: []function.Parameter{filesParameter},
			Return:     ret,
		}
		return
	}
	resp.Definition = function.Definition{
		Summary:             "Validates a Vault Proxy configuration",
		MarkdownDescription: "Compiles and validates a Vault Proxy configuration and returns every diagnostic. " + validateDescription,
		Parameters:          []function.Parameter{contentParameter, filenameParameter},
		Return:              ret,
	}
}

func (f validateFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	srcs, ferr := sourcesArgument(ctx, req, f.files)
	if ferr != nil {
		resp.Error = ferr
		return
	}
	doc, err := load(srcs, nil).validateDocument()
	if err != nil {
		resp.Error = function.NewFuncError("vaultproxy: " + err.Error())
		return
	}
	v, err := attrOf(ctx, doc)
	if err != nil {
		resp.Error = function.NewFuncError("vaultproxy: " + err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, v)
}
