# What each environment's proxy does with a request: provider::vaultproxy::request returns the
# decision that `vaultproxy run` makes for it (the decision object of `vaultproxy plan -request -json`).

run "dev_adds_its_token_only_when_the_client_sends_none" {
  command = plan

  variables {
    environment = "dev"
  }

  assert {
    condition = provider::vaultproxy::request(
      provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl"),
      { method = "GET", path = "/v1/secret/data/app" },
    ).token == "auto_auth"
    error_message = "dev's proxy must add its own token to a request without one"
  }

  assert {
    condition = provider::vaultproxy::request(
      provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl"),
      { method = "GET", path = "/v1/secret/data/app", headers = { "X-Vault-Token" = "s.client" } },
    ).token == "client"
    error_message = "dev's proxy must forward the client's own token"
  }
}

run "staging_requests_reach_vault_in_staging_and_are_cached" {
  command = plan

  variables {
    environment = "staging"
  }

  assert {
    condition = provider::vaultproxy::request(
      provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl"),
      { listener = "0.0.0.0:8100", method = "GET", path = "/v1/secret/data/app" },
    ).namespace == "staging/"
    error_message = "staging's requests must reach Vault in the staging namespace"
  }

  assert {
    condition = provider::vaultproxy::request(
      provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl"),
      { method = "GET", path = "/v1/secret/data/app" },
    ).cache == "lease"
    error_message = "staging's proxy must cache leased answers"
  }
}

run "prod_replaces_the_clients_token" {
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

  assert {
    condition = provider::vaultproxy::request(
      provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl"),
      { method = "GET", path = "/proxy/v1/ready" },
    ).status == 200
    error_message = "prod's proxy must answer its readiness probe itself"
  }
}
