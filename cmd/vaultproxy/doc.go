// Command vaultproxy compiles Vault Proxy configurations into a typed plan, lints them (validate),
// previews what they do (plan), shows what a change does (diff), and runs them as an API proxy in
// front of Vault (run).
//
// The CLI is thin: it reads files, flags and the environment, hands them to compile and validate,
// and prints with its own presentation packages, internal/view (diagnostics, as Terraform prints
// them, and validate -json) and internal/preview (the plan preview); internal/plandiff compares two
// plans for diff. run hands the plan to package runtime.
package main
