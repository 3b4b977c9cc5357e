# vaultproxy for the applications of one host, run by systemd (vaultproxy.service, next to this
# file, expects it at /etc/vaultproxy/proxy.hcl). It logs in with AppRole and adds its token to
# requests that carry none; applications reach it on 127.0.0.1:8100 or, as members of the group
# vaultproxy, on the unix socket /run/vaultproxy/proxy.sock (RuntimeDirectory= in the unit creates
# /run/vaultproxy). The secret ID file stays: the unit makes /etc read-only.
# `systemctl reload vaultproxy` re-reads this file; an invalid one is reported in the journal and
# the running configuration keeps serving.

vault {
  address = "https://vault.example.com:8200"
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

cache {}

listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}

listener "unix" {
  address     = "/run/vaultproxy/proxy.sock"
  socket_mode = "0660"
  tls_disable = true
}
