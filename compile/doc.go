// Package compile turns Vault Proxy configuration sources (HCL native syntax or HCL's JSON syntax) into
// a typed, immutable Plan plus hcl.Diagnostics that point at exact source ranges.
//
// Entry points: ReadSources reads paths as Vault Proxy's -config does (files, directories, "-" for
// standard input); Compile parses, decodes against package schema, merges files as Vault Proxy merges
// them, applies defaults, and resolves environment variables and flags given in Options. Compile never
// reads the process environment itself and does no network I/O. It always returns a Plan, possibly
// partial, so that callers can report every problem in one run; check the diagnostics for errors before
// using it. Cross-block rules live in package validate, which reads a Plan.
//
// Native syntax is read with hcl/v2; a file that hcl/v2 refuses but Vault Proxy's HCL 1 reads is read
// with HCL 1's parser into the same syntax tree, with exact ranges, and a warning for each HCL 1 form
// (hcl1.go, hcl1_read.go).
//
// Every diagnostic Compile and ReadSources return has a code (package diagcode), declared in a
// variable beside the check that emits it; hcl/v2's own diagnostics get theirs where they enter
// (withCodes, hcldiag.go).
package compile
