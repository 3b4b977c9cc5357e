package provider

import (
	"context"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/vaultproxy/vaultproxy/cmd/vaultproxy/validatejson"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// configDataSource is the data source vaultproxy_config.
type configDataSource struct{}

func newConfigDataSource() datasource.DataSource { return configDataSource{} }

// configModel is vaultproxy_config's arguments and attributes.
type configModel struct {
	Content     types.String  `tfsdk:"content"`
	Filename    types.String  `tfsdk:"filename"`
	Files       types.Map     `tfsdk:"files"`
	Env         types.Map     `tfsdk:"env"`
	Valid       types.Bool    `tfsdk:"valid"`
	Plan        types.Dynamic `tfsdk:"plan"`
	Diagnostics types.List    `tfsdk:"diagnostics"`
}

func (configDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_config"
}

func (configDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Compiles and validates a Vault Proxy configuration, as `vaultproxy validate` and " +
			"`vaultproxy plan` do. Each error is a Terraform error diagnostic on the argument that holds the file " +
			"(`content`, or the file's key of `files`), with the file, line and column at the start of its detail " +
			"and the diagnostic's code at its end; each warning is a Terraform warning. A configuration with errors " +
			"fails the read. Inside a `check` block, OpenTofu and Terraform report that failure as a warning, and " +
			"`expect_failures = [check.NAME]` in a test expects it.",
		Attributes: map[string]schema.Attribute{
			"content": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The configuration's text (one file). Set `content` and `filename`, or `files`.",
			},
			"filename": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The name that diagnostics and origins give `content`. Nothing is read from it.",
			},
			"files": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The configuration's files, name to text, merged in name order as " +
					"`vault proxy -config=A -config=B` merges them.",
			},
			"env": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The environment the configuration is compiled in (`VAULT_ADDR`, " +
					"`VAULT_NAMESPACE`, ...), and the whole of it: nothing of the real environment is read.",
			},
			"valid": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether the configuration has no error. Always true once read: errors fail the read.",
			},
			"plan": schema.DynamicAttribute{
				Computed: true,
				MarkdownDescription: "The object that `vaultproxy plan -json` prints, as " +
					"`provider::vaultproxy::plan` returns it.",
			},
			"diagnostics": schema.ListAttribute{
				Computed:    true,
				ElementType: mustAttrType(validatejson.DiagnosticType),
				MarkdownDescription: "The warnings, as the `diagnostics` of the document that " +
					"`provider::vaultproxy::validate` returns.",
			},
		},
	}
}

func (configDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m configModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	srcs, at, ok := m.sources(ctx, resp)
	if !ok {
		return
	}
	env := map[string]string{}
	if !m.Env.IsNull() {
		resp.Diagnostics.Append(m.Env.ElementsAs(ctx, &env, false)...)
	}
	l := load(srcs, env)
	for _, d := range l.diags {
		p, summary, detail := at(d.Subject), d.Summary, diagnosticDetail(d)
		if d.Severity == hcl.DiagError {
			resp.Diagnostics.AddAttributeError(p, summary, detail)
		} else {
			resp.Diagnostics.AddAttributeWarning(p, summary, detail)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	doc, err := l.validateDocument()
	if err != nil {
		resp.Diagnostics.AddError("vaultproxy", err.Error())
		return
	}
	diags, err := attrOf(ctx, doc.GetAttr("diagnostics"))
	if err != nil {
		resp.Diagnostics.AddError("vaultproxy", err.Error())
		return
	}
	plan, err := dynamicOf(ctx, l.plan.CtyValue())
	if err != nil {
		resp.Diagnostics.AddError("vaultproxy", err.Error())
		return
	}
	m.Valid, m.Plan, m.Diagnostics = types.BoolValue(true), plan, diags.(types.List)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// sources reads the configuration from content and filename or from files, with the function that
// gives the argument a diagnostic of a file belongs to. It reports a misuse of the arguments.
func (m configModel) sources(ctx context.Context, resp *datasource.ReadResponse) ([]compile.Source, func(*hcl.Range) path.Path, bool) {
	switch {
	case !m.Files.IsNull() && !m.Content.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("files"), "Conflicting arguments", "Set content and filename, or files, not both.")
	case !m.Files.IsNull():
		files := map[string]string{}
		resp.Diagnostics.Append(m.Files.ElementsAs(ctx, &files, false)...)
		if len(files) == 0 {
			resp.Diagnostics.AddAttributeError(path.Root("files"), "No configuration files", "files is empty: give at least one file (name => content).")
		}
		if resp.Diagnostics.HasError() {
			return nil, nil, false
		}
		return sortedFiles(files), func(r *hcl.Range) path.Path {
			if r != nil {
				if _, ok := files[r.Filename]; ok {
					return path.Root("files").AtMapKey(r.Filename)
				}
			}
			return path.Root("files")
		}, true
	case m.Content.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("content"), "Missing configuration", "Set content and filename, or files.")
	case m.Filename.IsNull() || m.Filename.ValueString() == "":
		resp.Diagnostics.AddAttributeError(path.Root("filename"), "Missing filename", "filename names content in diagnostics and origins (proxy.hcl); it is required with content.")
	default:
		return singleFile(m.Content.ValueString(), m.Filename.ValueString()), func(*hcl.Range) path.Path { return path.Root("content") }, true
	}
	return nil, nil, false
}

// diagnosticDetail is d's detail as a Terraform diagnostic of the data source shows it: the file
// position first ("proxy.hcl:3,3: "), since Terraform points at the argument, not into the file, and
// the diagnostic's code last.
func diagnosticDetail(d *hcl.Diagnostic) string {
	detail := d.Detail
	if d.Subject != nil {
		detail = position(d.Subject) + ": " + detail
	}
	if code := diagcode.Name(d); code != "" {
		detail += " (" + code + ")"
	}
	return detail
}
