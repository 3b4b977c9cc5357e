package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// read runs vaultproxy_config's Read over the arguments given (the others null), as Terraform does.
func read(t *testing.T, args map[string]tftypes.Value) (configModel, diag.Diagnostics) {
	t.Helper()
	ctx := context.Background()
	ds := newConfigDataSource()
	var sr datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
		if v, ok := args[name]; ok {
			vals[name] = v
		}
	}
	raw := tftypes.NewValue(typ, vals)
	resp := &datasource.ReadResponse{State: tfsdk.State{Schema: sr.Schema, Raw: raw}}
	ds.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: raw}}, resp)
	var m configModel
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Get(ctx, &m)...)
	}
	return m, resp.Diagnostics
}

func tfString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func tfMap(m map[string]string) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for k, v := range m {
		vals[k] = tfString(v)
	}
	return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vals)
}

// A diagnostic as the test compares it.
type gotDiag struct {
	Severity        diag.Severity
	Path            string
	Summary, Detail string
}

func diagsOf(ds diag.Diagnostics) []gotDiag {
	var out []gotDiag
	for _, d := range ds {
		g := gotDiag{Severity: d.Severity(), Summary: d.Summary(), Detail: d.Detail()}
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			g.Path = wp.Path().String()
		}
		out = append(out, g)
	}
	return out
}

// Errors are Terraform errors on the argument that holds the file, the position first in the detail.
func TestConfigErrorsOnTheAttribute(t *testing.T) {
	_, diags := read(t, map[string]tftypes.Value{
		"files": tfMap(map[string]string{
			"vault.hcl":    "vault {\n  address = \"https://vault.example.test:8200\"\n}\n",
			"listener.hcl": "listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disabel = true\n}\n",
		}),
	})
	want := []gotDiag{{
		Severity: diag.SeverityError,
		Path:     `files["listener.hcl"]`,
		Summary:  "Unsupported argument",
		Detail:   `listener.hcl:3,3: An argument named "tls_disabel" is not expected here. Did you mean "tls_disable"? (unsupported_argument)`,
	}}
	got := diagsOf(diags)
	// validate's rules may add their own findings after the compiler's; the first is the one to pin.
	if len(got) == 0 {
		t.Fatal("no diagnostics")
	}
	if diff := cmp.Diff(want, got[:1]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A valid configuration gives its plan, valid, and its warnings as diagnostics; env is the whole
// environment the compiler sees.
func TestConfigPlan(t *testing.T) {
	m, diags := read(t, map[string]tftypes.Value{
		"content":  tfString("listener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n"),
		"filename": tfString("proxy.hcl"),
		"env":      tfMap(map[string]string{"VAULT_ADDR": "https://vault.env.example:8200"}),
	})
	if diags.HasError() {
		t.Fatal(diags)
	}
	plan, err := ctyOf(context.Background(), m.Plan)
	if err != nil {
		t.Fatal(err)
	}
	address := plan.GetAttr("vault").GetAttr("address")
	if diff := cmp.Diff([]string{"https://vault.env.example:8200", "env VAULT_ADDR"},
		[]string{address.GetAttr("value").AsString(), address.GetAttr("origin").AsString()}); diff != "" {
		t.Errorf("vault.address (-want +got):\n%s", diff)
	}
	if !m.Valid.ValueBool() || m.Diagnostics.IsNull() {
		t.Errorf("valid %v, diagnostics %v", m.Valid, m.Diagnostics)
	}
	if len(m.Diagnostics.Elements()) != len(diags) {
		t.Errorf("%d diagnostics in the attribute, %d Terraform warnings", len(m.Diagnostics.Elements()), len(diags))
	}
}

// The arguments are checked: content needs filename, and content and files exclude each other.
func TestConfigArguments(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]tftypes.Value
		want gotDiag
	}{
		{"nothing", nil, gotDiag{diag.SeverityError, "content", "Missing configuration", "Set content and filename, or files."}},
		{"no filename", map[string]tftypes.Value{"content": tfString("vault {}")},
			gotDiag{diag.SeverityError, "filename", "Missing filename", "filename names content in diagnostics and origins (proxy.hcl); it is required with content."}},
		{"both", map[string]tftypes.Value{"content": tfString("vault {}"), "filename": tfString("p.hcl"), "files": tfMap(map[string]string{"a.hcl": ""})},
			gotDiag{diag.SeverityError, "files", "Conflicting arguments", "Set content and filename, or files, not both."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := read(t, tc.args)
			if diff := cmp.Diff([]gotDiag{tc.want}, diagsOf(diags)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
