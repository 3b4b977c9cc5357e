// Package vaulttest runs a real HashiCorp Vault binary for the project's
// tests, so that what vaultproxy compiles can be checked against Vault
// itself rather than against our reading of its documentation.
//
// The binary is Vault v1.21.0, the full build (database engine included), built by
// scripts/build-vault.sh (scripts/test.sh builds it when missing and exports
// VAULTPROXY_VAULT_BIN). Entry points:
//
//   - [Binary] returns the path of the vault binary. When none is built, a
//     test that needs it is skipped locally and fails in CI (env CI set), so
//     a CI run can never pass by silently skipping the Vault checks.
//   - [StartDev] starts `vault server -dev` on a free loopback port with a
//     random root token and stops it when the test ends; [Dev.Addr],
//     [Dev.RootToken] and [Dev.Client] give access to it.
//   - [VerifyProxyConfig] runs `vault proxy -test-verify-only` on proxy
//     config files and reports whether Vault accepts them, with its output.
//
// Every vault process runs with a clean environment (PATH and a private
// HOME only), so the caller's VAULT_* variables and ~/.vault-token never
// leak in or get touched.
//
// This package is for tests only: it takes a testing.TB everywhere and
// reports problems through it.
// Only _test.go files import it (docs' TestLayout checks).
package vaulttest
