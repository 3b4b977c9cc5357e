# vaultproxy as a small shared service (shared.yaml embeds this file in its ConfigMap): several
# applications in the cluster reach Vault through the Service vaultproxy:8100, each with its own
# token; the proxy has no token of its own and adds none. Its lease cache answers repeated requests
# (a token created or a lease read through the proxy) without going to Vault. Every request must carry
# X-Vault-Request: true (as Vault's clients send it), so that a browser or a server-side request
# forgery cannot use the proxy. Probes and Prometheus use the metrics_only listener on port 8101.
#
# The listener serves plain HTTP inside the cluster; to encrypt it, mount a certificate (from
# cert-manager, say) and set tls_cert_file and tls_key_file in place of tls_disable.

vault {
  address = "https://vault.vault.svc:8200"
  ca_cert = "/vault/tls/ca.crt"
}

cache {}

listener "tcp" {
  address                = "0.0.0.0:8100"
  tls_disable            = true
  require_request_header = true
}

listener "tcp" {
  address     = "0.0.0.0:8101"
  role        = "metrics_only"
  tls_disable = true
}
