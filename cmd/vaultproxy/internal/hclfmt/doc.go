// Package hclfmt rewrites a configuration in HCL's native syntax in the canonical layout, as
// `terraform fmt` does (hashicorp/terraform internal/command/fmt.go): hclwrite's formatter, which
// aligns the = of consecutive arguments, indents by two spaces a level and keeps comments and
// blank lines. It changes white space only, never a token, so a configuration means the same
// after it; the tests check that over every fixture and example, by comparing the plans compiled
// from a file and from its formatted form, and a fuzz target does the same on any input.
//
// A file that hcl/v2 refuses but Vault Proxy's HCL 1 reads (commas between arguments, several
// arguments on a line, a hexadecimal number, a literal "%{"...; compile reads it with HCL 1 and
// warns, hcl1_form) is rewritten from HCL 1's syntax tree into canonical HCL 2 that both parsers
// read as HCL 1 read the file (hcl1.go): there the tokens change, and the tests check that the
// result compiles to the same plan and errors.
//
// JSON configurations are not formatted: their layout is the writer's (Terraform leaves .tf.json
// alone too).
package hclfmt
