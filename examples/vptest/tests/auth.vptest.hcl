# Where the proxy's token comes from, and which Vault it talks to in each environment.

run "token_added_by_the_proxy" {
  assert {
    condition     = plan.api_proxy.use_auto_auth_token.value == "true"
    error_message = "Requests without a token get the proxy's auto-auth token."
  }
  assert {
    condition     = request({ path = "/v1/secret/data/app" }).token == "auto_auth"
    error_message = "The application's read reaches Vault with the proxy's token."
  }
  assert {
    condition     = request({ path = "/v1/secret/data/app", headers = { "X-Vault-Token" = "s.own" } }).token == "client"
    error_message = "A client that sends its own token keeps it."
  }
  assert {
    condition     = plan.auto_auth.method.type.value == "approle" && plan.auto_auth.method.mount_path.value == "auth/approle"
    error_message = "The proxy logs in with AppRole at auth/approle."
  }
}

run "production_vault" {
  env = { VAULT_ADDR = "https://vault.prod.example.test:8200" }

  assert {
    condition     = plan.vault.address.value == "https://vault.prod.example.test:8200" && plan.vault.address.origin == "env VAULT_ADDR"
    error_message = "VAULT_ADDR, as the deployment sets it, overrides the vault block."
  }
}

run "bad_environment_refused" {
  env             = { VAULT_MAX_RETRIES = "many" }
  expect_failures = [diagnostic.invalid_value]

  assert {
    condition     = strcontains(diagnostics[0].detail, "VAULT_MAX_RETRIES")
    error_message = "The error names the variable."
  }
}
