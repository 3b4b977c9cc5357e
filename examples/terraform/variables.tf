variable "environment" {
  description = "The environment to render the Vault Proxy configuration for."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "tls_cert_file" {
  description = "The certificate that the listener serves where the environment turns TLS on."
  type        = string
  default     = "/etc/vault-proxy/tls/proxy.crt"
}

variable "tls_key_file" {
  description = "The key of tls_cert_file."
  type        = string
  default     = "/etc/vault-proxy/tls/proxy.key"
}
