// Package provider is the provider vaultproxy/vaultproxy, built on terraform-plugin-framework. It
// calls vaultproxy's compile, validate and request packages directly, so a configuration means in
// Terraform exactly what it means to `vaultproxy validate`, `vaultproxy plan` and `vaultproxy run`:
//
//   - provider::vaultproxy::plan(content, filename) and plan_files(files) return the object that
//     `vaultproxy plan -json` prints (compile.Plan.CtyValue), and fail with every error diagnostic,
//     one a line, as "file:line,column: summary: detail";
//   - provider::vaultproxy::validate(content, filename) and validate_files(files) return the
//     document that `vaultproxy validate -json` prints (package validatejson) and never fail;
//   - provider::vaultproxy::request(plan, request) returns request.Decide's decision for one
//     request, the object that `vaultproxy plan -request -json` prints; the plan is read back as
//     a plan file (compile.DecodePlanFile);
//   - the data source vaultproxy_config compiles content or files and reports errors as Terraform
//     diagnostics on the attribute that holds the file.
//
// Configurations are compiled in an empty environment: a function is a pure function of its
// arguments, and nothing of the machine that runs Terraform (VAULT_ADDR, ...) leaks in. The data
// source takes the environment as an argument.
//
// The docs under docs/ (the Terraform Registry's layout) are rendered from the definitions here
// (docs.go); a test keeps them in step.
package provider
