// Package docs renders the configuration reference, docs/reference.md, from the language as data
// (package schema) and the cross-block rules (package validate), so that the reference cannot drift
// from what the compiler accepts.
//
// Entry points: Reference writes the reference for schema.Root and validate.Rules(); Render does the
// same for any root block and rule list. Diagnostics writes docs/diagnostics.md, the list of every
// diagnostic code (package diagcode) that compile and validate declare; RenderCodes does the same for
// any list of codes. The output is deterministic GitHub-flavoured Markdown.
// reference_test.go fails when the committed docs/reference.md is stale, and `go test ./docs -update`
// rewrites it. The package's tests also check the schema itself (names, docs, defaults) and that every
// deliberate difference from Vault Proxy declared in the schema is explained in docs/differences.md,
// that no .go or .md file of the repository cites a file outside it (citations_test.go), and that
// the packages keep the layout README.md describes (layout_test.go).
package docs

import (
	"io"

	"github.com/vaultproxy/vaultproxy/schema"
	"github.com/vaultproxy/vaultproxy/validate"
)

//go:generate go test . -run TestReference -update

// Reference writes the configuration reference for schema.Root, schema.EnvVars and validate.Rules() to w: the content
// of docs/reference.md.
func Reference(w io.Writer) error {
	return Render(w, schema.Root, schema.EnvVars, validate.Rules())
}
