# vaultproxy as a native sidecar of one application (sidecar.yaml embeds this file in its
# ConfigMap). It logs in with the pod's service account and adds its token to the application's
# requests, which reach it on 127.0.0.1:8100 and never leave the pod. The kubelet's probes and
# Prometheus use the metrics_only listener on port 8101, which serves /proxy/v1/ready and
# /proxy/v1/metrics and nothing else. The lease cache is kept in an emptyDir, so that a restart of
# the sidecar keeps the application's leases. Vault's CA certificate comes from the Secret vault-ca.

vault {
  address = "https://vault.vault.svc:8200"
  ca_cert = "/vault/tls/ca.crt"
}

auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = {
      role = "app"
    }
  }
}

api_proxy {
  use_auto_auth_token = true
}

cache {
  persist "kubernetes" {
    path = "/vault/proxy-cache"
  }
}

listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}

listener "tcp" {
  address     = "0.0.0.0:8101"
  role        = "metrics_only"
  tls_disable = true
}
