terraform {
  required_version = ">= 1.8"

  required_providers {
    # Used by the check block below and by the tests' assertions; the rendered file needs nothing.
    vaultproxy = {
      source = "vaultproxy/vaultproxy"
    }
  }
}
