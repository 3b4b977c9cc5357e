# What each environment's proxy does, read from the plan that vaultproxy compiles the rendered file
# into (provider::vaultproxy::plan returns what `vaultproxy plan -json` prints).

run "dev_reaches_the_local_vault_without_tls" {
  command = plan

  variables {
    environment = "dev"
  }

  assert {
    condition     = provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").vault.address.value == "http://127.0.0.1:8200"
    error_message = "dev's proxy must reach the local dev server"
  }

  assert {
    condition     = provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").listeners[0].tls_disable.value
    error_message = "dev's listener must serve plain HTTP"
  }

  assert {
    condition     = provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").cache == null
    error_message = "dev's proxy must not cache"
  }
}

run "prod_forces_its_token_in_its_namespace" {
  command = plan

  variables {
    environment = "prod"
  }

  assert {
    condition     = provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").api_proxy.use_auto_auth_token.value == "force"
    error_message = "prod's proxy must always use its own token"
  }

  assert {
    # The namespace is canonical: "prod/", as Vault writes it.
    condition     = provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").proxy_namespace.value == "prod/"
    error_message = "prod's requests must reach Vault in the prod namespace"
  }

  assert {
    condition = alltrue([
      for l in provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").listeners :
      !l.tls_disable.value && l.tls_cert_file.value == "/etc/vault-proxy/tls/proxy.crt"
    ])
    error_message = "every prod listener must serve TLS with the proxy's certificate"
  }

  assert {
    # Where a value comes from: the rendered file's line 5, not a default or the environment.
    condition     = startswith(provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").vault.address.origin, "proxy.hcl:5,")
    error_message = "the Vault address must come from the rendered file"
  }
}

run "every_environment_is_valid_without_a_warning" {
  command = plan

  variables {
    environment = "staging"
  }

  assert {
    condition     = provider::vaultproxy::validate(output.proxy_hcl, "proxy.hcl").valid
    error_message = "staging's configuration must be valid"
  }

  assert {
    condition     = provider::vaultproxy::validate(output.proxy_hcl, "proxy.hcl").warning_count == 0
    error_message = "staging's configuration must have no warning"
  }
}
