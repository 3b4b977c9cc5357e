// Package validate checks the rules that span blocks of a compiled plan: every rule of Vault Proxy's
// ValidateConfig (hashicorp/vault command/proxy/config/config.go), the ones Vault Proxy checks only when it
// starts, and rules Vault Proxy lacks (duplicate listener addresses, unsafe combinations).
//
// Entry point: Plan runs every rule and returns all diagnostics, in rule order; Rules lists the rules
// with their docs for the generated reference. Validation reads the plan only: no I/O, no mutation.
//
// Each diagnostic has a code (package diagcode), declared beside the rule that emits it; a rule may
// emit several (hazards has four), and errorAt and warnAt take the code first.
package validate
