package provider

// indexIntro opens docs/index.md.
const indexIntro = `# vaultproxy Provider

The vaultproxy provider brings [vaultproxy](https://github.com/vaultproxy/vaultproxy)'s compiler and
validator for [Vault Proxy](https://developer.hashicorp.com/vault/docs/agent-and-proxy/proxy)
configurations into Terraform and OpenTofu. A module that renders a Vault Proxy configuration (with
` + "`templatefile()`" + `, say) can then test what the configuration does, in ` + "`*.tftest.hcl`" + ` files run
by ` + "`terraform test`" + ` or ` + "`tofu test`" + `, before anything is deployed: which Vault each listener
reaches, with which token and namespace, and that a broken configuration is refused with the error
expected at the line expected.

The provider has no configuration and creates nothing. Its functions are the main interface: they
need no ` + "`provider`" + ` block and work in ` + "`assert`" + ` conditions. A configuration means to them exactly
what it means to ` + "`vaultproxy validate`" + ` and ` + "`vaultproxy plan`" + ` (the same packages compile it), and is
compiled in an empty environment, so a test does not depend on the machine that runs it.
`

// docsExamples holds each function's and data source's example, by name ("" for the index).
var docsExamples = map[string]string{
	"": `terraform {
  required_providers {
    vaultproxy = {
      source = "vaultproxy/vaultproxy"
    }
  }
}

locals {
  proxy_hcl = templatefile("${path.module}/proxy.hcl.tftpl", { vault_addr = var.vault_addr })
}

output "vault_address" {
  value = provider::vaultproxy::plan(local.proxy_hcl, "proxy.hcl").vault.address.value
}
`,
	"plan": `# In a test file (tests/proxy.tftest.hcl) of a module whose output "proxy_hcl" is the rendered file:
run "prod_reaches_the_prod_vault" {
  command = plan

  variables {
    environment = "prod"
  }

  assert {
    condition     = provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").vault.address.value == "https://vault.prod.example.com:8200"
    error_message = "prod's proxy must reach prod's Vault"
  }
}
`,
	"plan_files": `locals {
  plan = provider::vaultproxy::plan_files({
    "10-vault.hcl"    = file("${path.module}/10-vault.hcl")
    "20-listener.hcl" = templatefile("${path.module}/20-listener.hcl.tftpl", { port = 8100 })
  })
}

output "listener_addresses" {
  value = [for l in local.plan.listeners : l.address.value]
}
`,
	"request": `run "prod_reads_with_its_own_token_in_its_namespace" {
  command = plan

  variables {
    environment = "prod"
  }

  assert {
    condition = provider::vaultproxy::request(
      provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl"),
      { method = "GET", path = "/v1/secret/data/app", headers = { "X-Vault-Token" = "s.client" } },
    ).token == "auto_auth"
    error_message = "prod's proxy must replace the client's token with its own"
  }
}
`,
	"validate": `# A prod listener without its certificate must be refused, at the listener block (line 34).
run "the_missing_certificate_is_reported_at_the_listener" {
  command = plan

  variables {
    environment   = "prod"
    tls_cert_file = ""
  }

  expect_failures = [check.proxy_config] # the module's check block, see vaultproxy_config

  assert {
    condition = anytrue([
      for d in provider::vaultproxy::validate(output.proxy_hcl, "proxy.hcl").diagnostics :
      d.severity == "error" && d.code == "tls_certificate_missing" && d.range.start.line == 34
    ])
    error_message = "the missing certificate must be an error at the listener block, line 34"
  }
}
`,
	"validate_files": `output "error_count" {
  value = provider::vaultproxy::validate_files({
    "vault.hcl"    = file("${path.module}/vault.hcl")
    "listener.hcl" = file("${path.module}/listener.hcl")
  }).error_count
}
`,
	"vaultproxy_config": `# The check block pattern: a configuration with errors fails the data source; inside a check block
# OpenTofu and Terraform report it as a warning (plan and apply go on), and a test expects it.
check "proxy_config" {
  data "vaultproxy_config" "proxy" {
    content  = local.proxy_hcl
    filename = "proxy.hcl"
  }

  assert {
    condition     = length(data.vaultproxy_config.proxy.diagnostics) == 0
    error_message = "vaultproxy warns about the proxy configuration"
  }
}

# tests/expected_failures.tftest.hcl
run "a_tls_listener_without_a_certificate_fails_the_check" {
  command = plan

  variables {
    environment   = "prod"
    tls_cert_file = ""
  }

  expect_failures = [check.proxy_config]
}
`,
}
