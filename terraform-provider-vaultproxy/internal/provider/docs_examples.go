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
	"validate": `run "a_misspelt_setting_is_refused_at_its_line" {
  command = plan

  variables {
    extra_listener_settings = "tls_disabel = true"
  }

  assert {
    condition = anytrue([
      for d in provider::vaultproxy::validate(output.proxy_hcl, "proxy.hcl").diagnostics :
      d.code == "unsupported_argument" && d.range.start.line == 12
    ])
    error_message = "the misspelt tls_disable must be refused at line 12"
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
    env      = { VAULT_NAMESPACE = "team-a" }
  }

  assert {
    condition     = data.vaultproxy_config.proxy.plan.api_proxy.use_auto_auth_token.value == "true"
    error_message = "the proxy must add its auto-auth token"
  }
}

# tests/broken.tftest.hcl
run "a_broken_config_fails_the_check" {
  command = plan

  variables {
    listener_port = 0
  }

  expect_failures = [check.proxy_config]
}
`,
}
