package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/vaultproxy/vaultproxy/compile"
)

// planFunction is provider::vaultproxy::plan(content, filename) and, with files set,
// provider::vaultproxy::plan_files(files).
type planFunction struct{ files bool }

func newPlanFunction() function.Function      { return planFunction{} }
func newPlanFilesFunction() function.Function { return planFunction{files: true} }

const planDescription = "The value is the object that `vaultproxy plan -json` prints, as it prints it " +
	"(docs/plan-format.md in the vaultproxy repository): `format_version`, `files`, `vault`, `api_proxy`, `listeners`, " +
	"`cache`, `auto_auth`, `telemetry` and the top-level settings, each setting an object `{value, origin}` " +
	"(`plan.vault.address.value`), a block that is not written null. Secrets read `\"(sensitive)\"`. " +
	"The configuration is compiled in an empty environment: nothing of the machine that runs Terraform " +
	"(`VAULT_ADDR`, `VAULT_NAMESPACE`, ...) is read. " +
	"When the configuration has errors, the call fails with every error, one a line, as " +
	"`file:line,column: summary: detail`; warnings do not fail it (`validate` returns them)."

func (f planFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "plan"
	if f.files {
		resp.Name = "plan_files"
	}
}

func (f planFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	if f.files {
		resp.Definition = function.Definition{
			Summary: "Compiles a Vault Proxy configuration of several files into its plan",
			MarkdownDescription: "Compiles the files of a Vault Proxy configuration, merged in name order as " +
				"`vaultproxy validate DIR` merges a directory's files, and returns the plan. " + planDescription,
			Parameters: []function.Parameter{filesParameter},
			Return:     function.DynamicReturn{},
		}
		return
	}
	resp.Definition = function.Definition{
		Summary:             "Compiles a Vault Proxy configuration into its plan",
		MarkdownDescription: "Compiles a Vault Proxy configuration and returns its plan. " + planDescription,
		Parameters:          []function.Parameter{contentParameter, filenameParameter},
		Return:              function.DynamicReturn{},
	}
}

func (f planFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	srcs, ferr := sourcesArgument(ctx, req, f.files)
	if ferr != nil {
		resp.Error = ferr
		return
	}
	l := load(srcs, nil)
	if l.diags.HasErrors() {
		// The argument that holds the files is at fault: Terraform shows the call with it.
		resp.Error = function.NewArgumentFuncError(0, l.errors())
		return
	}
	resp.Error = setDynamic(ctx, resp, l.plan.CtyValue())
}

// sourcesArgument reads the configuration: content and filename, or the files map.
func sourcesArgument(ctx context.Context, req function.RunRequest, files bool) ([]compile.Source, *function.FuncError) {
	if files {
		var m map[string]string
		if err := req.Arguments.Get(ctx, &m); err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, function.NewArgumentFuncError(0, "files is empty: give at least one file (name => content)")
		}
		return sortedFiles(m), nil
	}
	var content, filename string
	if err := req.Arguments.Get(ctx, &content, &filename); err != nil {
		return nil, err
	}
	if filename == "" {
		return nil, function.NewArgumentFuncError(1, "filename is empty: diagnostics and origins name the file by it")
	}
	return singleFile(content, filename), nil
}
