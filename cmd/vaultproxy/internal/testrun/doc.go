// Package testrun is the core of `vaultproxy test`: it finds the test files of a directory
// (*.vptest.hcl in DIR and DIR/tests), parses them against the one declaration of their schema
// (schema.go), runs their run blocks against DIR's configuration and returns each run's status with
// its diagnostics. It mirrors `terraform test` (hashicorp/terraform internal/moduletest and
// internal/command/test.go): files in name order, run blocks in order, statuses pending, skip, pass,
// fail and error, a failed assertion as the diagnostic "Test assertion failed" with the condition's
// range and the values it read, expect_failures naming what must fail.
//
// The package does not print: it reports what happens through a Reporter, and the CLI's testview
// renders that as Terraform's human output, its -json messages and its JUnit XML file. It does not
// read the configuration itself either: Options.Load is the CLI's loader, so a run sees exactly
// what `vaultproxy validate` and `plan` see for the same files and environment.
//
// It lives under cmd/vaultproxy/internal because only the CLI runs test files (the Terraform
// provider runs Terraform's own), and because the `diagnostics` a test reads are the objects of
// `validate -json`, which the CLI's view package defines.
package testrun
