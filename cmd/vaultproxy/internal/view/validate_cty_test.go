package view

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// Every member of the document has its place in ValidateOutputType: a member added to Diagnostic or
// ValidateOutput fails here until the type has it, and a member of the type they lack fails too.
func TestValidateOutputType(t *testing.T) {
	ctx := "listener \"tcp\""
	d := &Diagnostic{Severity: SeverityError, Summary: "s", Detail: "d", Code: "c", Address: "a",
		Range:   &DiagnosticRange{Filename: "f", Start: Pos{1, 1, 0}, End: Pos{1, 2, 1}},
		Snippet: &DiagnosticSnippet{Context: &ctx, Code: "x", StartLine: 1, Values: []DiagnosticExpressionValue{{"t", "s"}}}}
	v, err := (&ValidateOutput{FormatVersion: ValidateFormatVersion, Diagnostics: []*Diagnostic{d}}).CtyValue()
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v cty.Value)
	walk = func(path string, v cty.Value) {
		switch {
		case v.IsNull():
			t.Errorf("%s is null for a document that sets every member: its JSON has no such member", path)
		case v.Type().IsObjectType():
			for name := range v.Type().AttributeTypes() {
				walk(path+"."+name, v.GetAttr(name))
			}
		case v.Type().IsListType() && v.LengthInt() > 0:
			walk(path+"[0]", v.Index(cty.NumberIntVal(0)))
		}
	}
	walk("document", v)
}
