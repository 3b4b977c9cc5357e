package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// The provider's docs, in the Terraform Registry's layout (docs/index.md, docs/functions/NAME.md,
// docs/data-sources/NAME.md, with the front matter the Registry reads), rendered from the
// functions' definitions and the data source's schema, so that what the docs say of a signature or
// an attribute is what the provider declares. The examples are the docs' own (docsExamples).
// TestDocs compares the files with this rendering; `go test ./internal/provider/ -run TestDocs
// -update` writes them.

// RenderDocs returns every file of docs/, by its path under docs/.
func RenderDocs(ctx context.Context) (map[string]string, error) {
	p := New("docs")()
	out := map[string]string{}
	var fnames, dsnames []string
	for _, newf := range p.(*vaultproxyProvider).Functions(ctx) {
		f := newf()
		var md function.MetadataResponse
		f.Metadata(ctx, function.MetadataRequest{}, &md)
		var def function.DefinitionResponse
		f.Definition(ctx, function.DefinitionRequest{}, &def)
		if def.Diagnostics.HasError() {
			return nil, fmt.Errorf("function %s: %v", md.Name, def.Diagnostics)
		}
		out["functions/"+md.Name+".md"] = functionDoc(md.Name, def.Definition)
		fnames = append(fnames, md.Name)
	}
	for _, newds := range p.DataSources(ctx) {
		ds := newds()
		var md datasource.MetadataResponse
		ds.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: TypeName}, &md)
		var sr datasource.SchemaResponse
		ds.Schema(ctx, datasource.SchemaRequest{}, &sr)
		if sr.Diagnostics.HasError() {
			return nil, fmt.Errorf("data source %s: %v", md.TypeName, sr.Diagnostics)
		}
		out["data-sources/"+strings.TrimPrefix(md.TypeName, TypeName+"_")+".md"] = dataSourceDoc(md.TypeName, sr)
		dsnames = append(dsnames, md.TypeName)
	}
	for path := range out {
		name := strings.TrimSuffix(path[strings.LastIndex(path, "/")+1:], ".md")
		if strings.HasPrefix(path, "data-sources/") {
			name = TypeName + "_" + name
		}
		if docsExamples[name] == "" {
			return nil, fmt.Errorf("%s has no example in docsExamples", name)
		}
	}
	out["index.md"] = indexDoc(fnames, dsnames)
	return out, nil
}

func frontMatter(title, description string) string {
	return fmt.Sprintf("---\npage_title: %q\nsubcategory: \"\"\ndescription: |-\n  %s\n---\n\n", title, description)
}

func functionDoc(name string, d function.Definition) string {
	var b strings.Builder
	b.WriteString(frontMatter(name+" function - "+TypeName, d.Summary))
	fmt.Fprintf(&b, "# function: %s\n\n%s\n\n%s\n\n", name, d.Summary, d.MarkdownDescription)
	fmt.Fprintf(&b, "## Example Usage\n\n```terraform\n%s```\n\n", docsExamples[name])
	var params []string
	for _, p := range d.Parameters {
		params = append(params, p.GetName()+" "+typeName(p.GetType(), false))
	}
	fmt.Fprintf(&b, "## Signature\n\n```text\n%s(%s) %s\n```\n\n", name, strings.Join(params, ", "), typeName(d.Return.GetType(), false))
	b.WriteString("## Arguments\n\n")
	for _, p := range d.Parameters {
		fmt.Fprintf(&b, "1. `%s` (%s) %s\n", p.GetName(), typeName(p.GetType(), true), p.GetMarkdownDescription())
	}
	return b.String()
}

func dataSourceDoc(name string, sr datasource.SchemaResponse) string {
	var b strings.Builder
	s := sr.Schema
	b.WriteString(frontMatter(name+" Data Source - "+TypeName, firstSentence(s.MarkdownDescription)))
	fmt.Fprintf(&b, "# %s (Data Source)\n\n%s\n\n", name, s.MarkdownDescription)
	fmt.Fprintf(&b, "## Example Usage\n\n```terraform\n%s```\n\n", docsExamples[name])
	b.WriteString("## Schema\n")
	// The Registry's groups: arguments a configuration must set, may set, and attributes it reads.
	groups := []struct {
		title string
		in    func(a schema.Attribute) bool
	}{
		{"Required", schema.Attribute.IsRequired},
		{"Optional", schema.Attribute.IsOptional},
		{"Read-Only", func(a schema.Attribute) bool { return a.IsComputed() && !a.IsOptional() }},
	}
	names := make([]string, 0, len(s.Attributes))
	for n := range s.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, g := range groups {
		var lines []string
		for _, n := range names {
			a := s.Attributes[n]
			if g.in(a) {
				lines = append(lines, fmt.Sprintf("- `%s` (%s) %s\n", n, typeName(a.GetType(), true), a.GetMarkdownDescription()))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n### %s\n\n%s", g.title, strings.Join(lines, ""))
		}
	}
	return b.String()
}

func indexDoc(functions, dataSources []string) string {
	var b strings.Builder
	b.WriteString(frontMatter(TypeName+" Provider", "Compiles and validates Vault Proxy configurations, for tests of the modules that render them."))
	b.WriteString(indexIntro)
	b.WriteString("\n## Functions\n\n")
	for _, n := range functions {
		fmt.Fprintf(&b, "- [`provider::%s::%s`](functions/%s.md)\n", TypeName, n, n)
	}
	b.WriteString("\n## Data Sources\n\n")
	for _, n := range dataSources {
		fmt.Fprintf(&b, "- [`%s`](data-sources/%s.md)\n", n, strings.TrimPrefix(n, TypeName+"_"))
	}
	fmt.Fprintf(&b, "\n## Example Usage\n\n```terraform\n%s```\n", docsExamples[""])
	return b.String()
}

// typeName is t as the Registry's docs name it: "string", "map of string" in a signature; "String",
// "Map of String" in an argument list (title).
func typeName(t attr.Type, title bool) string {
	var s string
	switch t := t.(type) {
	case basetypes.StringType:
		s = "string"
	case basetypes.BoolType:
		s = "bool"
	case basetypes.NumberType:
		s = "number"
	case basetypes.DynamicType:
		s = "dynamic"
	case basetypes.ObjectType:
		s = "object"
	case basetypes.MapType:
		s = "map of " + typeName(t.ElemType, false)
	case basetypes.ListType:
		s = "list of " + typeName(t.ElemType, false)
	default:
		s = fmt.Sprint(t)
	}
	if title {
		words := strings.Split(s, " ")
		for i, w := range words {
			if w != "of" {
				words[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		s = strings.Join(words, " ")
	}
	return s
}

// firstSentence is s up to its first ". ", for the front matter's one-line description.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
