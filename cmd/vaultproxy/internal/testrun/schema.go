package testrun

import (
	"github.com/hashicorp/hcl/v2"
)

// The schema of a test file, declared once: gohcl decodes by these tags, and the "Did you mean"
// of an unknown name comes from the same declaration (hcl's own suggestion, as the compiler gives
// it for a configuration).

// fileSchema is a whole test file: run blocks, nothing else.
type fileSchema struct {
	Runs []*runSchema `hcl:"run,block"`
}

// runSchema is one `run "NAME" { ... }` block.
type runSchema struct {
	Name           string             `hcl:"name,label"`
	Config         *[]string          `hcl:"config,optional"`
	Env            *map[string]string `hcl:"env,optional"`
	ExpectFailures *hcl.Attribute     `hcl:"expect_failures,optional"`
	Asserts        []*assertSchema    `hcl:"assert,block"`
	DeclRange      hcl.Range          `hcl:",def_range"`
}

// assertSchema is one `assert { condition = ..., error_message = ... }` block.
type assertSchema struct {
	Condition    hcl.Expression `hcl:"condition"`
	ErrorMessage hcl.Expression `hcl:"error_message"`
	DeclRange    hcl.Range      `hcl:",def_range"`
}
