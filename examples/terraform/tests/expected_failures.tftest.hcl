# Configurations that must be refused, and how.

run "a_tls_listener_without_a_certificate_fails_the_check" {
  command = plan

  variables {
    environment   = "prod"
    tls_cert_file = ""
  }

  # vaultproxy_config fails inside the check block: the failure the test expects.
  expect_failures = [check.proxy_config]
}

run "the_missing_certificate_is_reported_at_the_listener" {
  command = plan

  variables {
    environment   = "prod"
    tls_cert_file = ""
  }

  expect_failures = [check.proxy_config]

  assert {
    condition = anytrue([
      for d in provider::vaultproxy::validate(output.proxy_hcl, "proxy.hcl").diagnostics :
      d.severity == "error" && d.code == "tls_certificate_missing" && d.range.start.line == 34
    ])
    error_message = "the missing certificate must be an error at the listener block, line 34"
  }
}

run "an_unknown_environment_is_refused" {
  command = plan

  variables {
    environment = "qa"
  }

  expect_failures = [var.environment]
}
