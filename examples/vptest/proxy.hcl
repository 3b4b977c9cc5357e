# The Vault Proxy configuration under test: an application on the same host reaches Vault through
# the loopback listener with no token of its own, and the proxy adds its AppRole token. A second
# listener serves only the metrics, to the network.

vault {
  address = "https://vault.example.test:8200"
}

auto_auth {
  method "approle" {
    config = {
      role_id_file_path                   = "/etc/vaultproxy/role-id"
      secret_id_file_path                 = "/etc/vaultproxy/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }
}

api_proxy {
  use_auto_auth_token = true
}

listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}

listener "tcp" {
  address     = "0.0.0.0:9102"
  tls_disable = true
  role        = "metrics_only"
}
