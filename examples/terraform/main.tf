# Renders the Vault Proxy configuration of one environment. Each environment differs in the Vault it
# reaches, its namespace, whether the proxy forces its own token, whether it caches, and whether its
# listener serves TLS.
locals {
  environments = {
    dev = {
      vault_addr          = "http://127.0.0.1:8200"
      namespace           = ""
      use_auto_auth_token = "true"
      cache               = false
      listen_address      = "127.0.0.1:8100"
      tls                 = false
    }
    staging = {
      vault_addr          = "https://vault.staging.example.com:8200"
      namespace           = "staging"
      use_auto_auth_token = "true"
      cache               = true
      listen_address      = "0.0.0.0:8100"
      tls                 = true
    }
    prod = {
      vault_addr          = "https://vault.prod.example.com:8200"
      namespace           = "prod"
      use_auto_auth_token = "\"force\""
      cache               = true
      listen_address      = "0.0.0.0:8100"
      tls                 = true
    }
  }

  proxy_hcl = templatefile("${path.module}/proxy.hcl.tftpl", merge(local.environments[var.environment], {
    environment   = var.environment
    tls_cert_file = var.tls_cert_file
    tls_key_file  = var.tls_key_file
  }))
}

# The configuration is checked where it is rendered: vaultproxy's errors fail the data source, which
# a check block reports as a warning (plan and apply go on); `tofu test` counts it as the check's
# failure.
check "proxy_config" {
  data "vaultproxy_config" "proxy" {
    content  = local.proxy_hcl
    filename = "proxy.hcl"
  }

  assert {
    condition     = length(data.vaultproxy_config.proxy.diagnostics) == 0
    error_message = "vaultproxy warns about the ${var.environment} proxy configuration: ${join("; ", [for d in data.vaultproxy_config.proxy.diagnostics : d.summary])}"
  }
}

output "proxy_hcl" {
  description = "The rendered Vault Proxy configuration, for a file, a ConfigMap or a secret."
  value       = local.proxy_hcl
}
