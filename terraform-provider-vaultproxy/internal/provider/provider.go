package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Address is the provider's source address. The namespace and type are what configurations
// write (source = "vaultproxy/vaultproxy"); the framework uses the host only in debug mode.
const Address = "registry.terraform.io/vaultproxy/vaultproxy"

// TypeName is the provider's local name: the prefix of its data sources and the middle of its
// functions' names (provider::vaultproxy::plan).
const TypeName = "vaultproxy"

// vaultproxyProvider has no configuration: its functions and data source depend only on their
// arguments.
type vaultproxyProvider struct{ version string }

var _ provider.ProviderWithFunctions = (*vaultproxyProvider)(nil)

// New returns the constructor that providerserver.Serve calls.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &vaultproxyProvider{version: version} }
}

func (p *vaultproxyProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

func (p *vaultproxyProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Compiles and validates Vault Proxy configurations with vaultproxy. The provider takes no configuration.",
	}
}

func (p *vaultproxyProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *vaultproxyProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (p *vaultproxyProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newConfigDataSource}
}

func (p *vaultproxyProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		newPlanFunction, newPlanFilesFunction,
		newValidateFunction, newValidateFilesFunction,
		newRequestFunction,
	}
}
