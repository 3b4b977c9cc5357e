// Package hclfmt rewrites a configuration in HCL's native syntax in the canonical layout, as
// `terraform fmt` does (hashicorp/terraform internal/command/fmt.go): hclwrite's formatter, which
// aligns the = of consecutive arguments, indents by two spaces a level and keeps comments and
// blank lines. It changes white space only, never a token, so a configuration means the same
// after it; the tests check that over every fixture and example, by comparing the plans compiled
// from a file and from its formatted form, and a fuzz target does the same on any input.
//
// JSON configurations are not formatted: their layout is the writer's (Terraform leaves .tf.json
// alone too).
package hclfmt
