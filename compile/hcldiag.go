package compile

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// hcl/v2 reports some diagnostics itself: syntax errors when parsing, and a few when a JSON body is
// read (a repeated property, say). They enter the compiler at a handful of places, each of which
// gives them codes with withCodes, so that every diagnostic Compile returns has one.

var codeSyntaxError = diagcode.New("syntax_error",
	"The file is not valid HCL native syntax or JSON (hcl/v2's parser says where and why).",
	"listener \"tcp\" {\n  address = \"127.0.0.1:8100\"\n")

// librarySummaries maps the summaries of hcl/v2's own diagnostics that mean what one of the
// compiler's codes means to that code.
var librarySummaries = map[string]*diagcode.Code{
	"Attribute redefined":            codeDuplicateArgument, // hclsyntax's parser: an argument set twice
	"Duplicate attribute definition": codeDuplicateArgument, // hcl's JSON body: a property written twice
}

// withCodes gives each diagnostic of diags that has no code the code its summary maps to
// (librarySummaries), or fallback, and returns diags. A diagnostic that has a code keeps it. hcl/v2
// makes a fresh diagnostic each time, so setting its Extra changes nothing shared.
func withCodes(diags hcl.Diagnostics, fallback *diagcode.Code) hcl.Diagnostics {
	for _, d := range diags {
		if diagcode.Of(d) != nil {
			continue
		}
		if c := librarySummaries[d.Summary]; c != nil {
			c.Set(d)
		} else {
			fallback.Set(d)
		}
	}
	return diags
}
