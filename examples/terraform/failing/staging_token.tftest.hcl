# This test fails on purpose: it shows what `tofu test` prints when a configuration does not do what
# its test says. It claims that staging's proxy always uses its own token, which only prod's does.
# Run it with `tofu test -test-directory=failing`; the provider's tests check that it fails with
# this error message.

run "staging_forces_its_token" {
  command = plan

  variables {
    environment = "staging"
  }

  assert {
    condition     = provider::vaultproxy::plan(output.proxy_hcl, "proxy.hcl").api_proxy.use_auto_auth_token.value == "force"
    error_message = "staging's proxy must always use its own token"
  }
}
