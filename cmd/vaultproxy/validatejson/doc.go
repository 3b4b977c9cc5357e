// Package validatejson gives programs outside the CLI the document that `vaultproxy validate -json`
// prints, byte for byte (Marshal), and as a cty value (Value, of Type) for expressions: the
// Terraform/OpenTofu provider (terraform-provider-vaultproxy/) returns it from
// provider::vaultproxy::validate. The CLI's internal/view builds the document; this package only
// opens that one entry point to other modules, so that there is one builder and the CLI and the
// provider cannot drift apart.
package validatejson
