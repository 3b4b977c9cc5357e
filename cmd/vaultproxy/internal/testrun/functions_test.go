package testrun

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// TestFunctions evaluates the functions this package writes itself, as Terraform's behave.
func TestFunctions(t *testing.T) {
	for _, c := range []struct {
		expr string
		want cty.Value
	}{
		{`alltrue([true, true])`, cty.True},
		{`alltrue([])`, cty.True},
		{`alltrue([true, false])`, cty.False},
		{`alltrue([true, null])`, cty.False},
		{`anytrue([false, true])`, cty.True},
		{`anytrue([])`, cty.False},
		{`anytrue([false, null])`, cty.False},
		{`startswith("127.0.0.1:8100", "127.0.0.1:")`, cty.True},
		{`startswith("0.0.0.0:8100", "127.0.0.1:")`, cty.False},
		{`endswith("auth/approle", "approle")`, cty.True},
		{`strcontains("Did you mean \"x\"?", "Did you mean")`, cty.True},
		{`one(["a"])`, cty.StringVal("a")},
		{`one([]) == null`, cty.True},
		{`tostring(8100)`, cty.StringVal("8100")},
		{`tonumber("8100")`, cty.NumberIntVal(8100)},
		{`tobool("true")`, cty.True},
		{`length(tolist(["a", "b"]))`, cty.NumberIntVal(2)},
		{`length(toset(["a", "a"]))`, cty.NumberIntVal(1)},
		{`tomap({a = "b"})["a"]`, cty.StringVal("b")},
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(c.expr), "t.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", c.expr, diags)
		}
		got, diags := expr.Value(&hcl.EvalContext{Functions: functions()})
		if diags.HasErrors() {
			t.Errorf("%s: %v", c.expr, diags)
			continue
		}
		if !got.RawEquals(c.want) {
			t.Errorf("%s = %#v, want %#v", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{`one(["a", "b"])`, `tonumber("x")`, `alltrue(["x"])`} {
		expr, _ := hclsyntax.ParseExpression([]byte(bad), "t.hcl", hcl.InitialPos)
		if _, diags := expr.Value(&hcl.EvalContext{Functions: functions()}); !diags.HasErrors() {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestFunctionsDocumented checks that docs/testing.md lists exactly the functions of the table.
func TestFunctionsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "docs", "testing.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, list, ok := strings.Cut(string(b), "- Functions:")
	list, _, ok2 := strings.Cut(list, "(`replace`")
	if !ok || !ok2 {
		t.Fatal("docs/testing.md has no \"- Functions:\" item")
	}
	var documented []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(list, -1) {
		documented = append(documented, m[1])
	}
	var table []string
	for name := range functions() {
		table = append(table, name)
	}
	sort.Strings(table)
	if !slices.Equal(documented, table) {
		t.Errorf("docs/testing.md lists the functions\n%q\nthe table has\n%q", documented, table)
	}
}
