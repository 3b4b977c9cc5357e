#!/usr/bin/env bash
# The project's one test command (README and CI call exactly this).
#
#   scripts/test.sh                      vet, the mutation check of compile/, test every package,
#                                        then the runtime under -race, then the Terraform/OpenTofu
#                                        provider's module
#   scripts/test.sh -run X ./compile/    extra args replace ./... for go test (root module only)
#
# It builds the Vault binary the tests run against when it is missing
# (scripts/build-vault.sh, cached outside the clone), exports its path as
# VAULTPROXY_VAULT_BIN, installs Debian's PostgreSQL 15 when it is missing
# (scripts/install-postgres.sh; exported as VAULTPROXY_PG_BIN), OpenLDAP's slapd
# when it is missing (scripts/install-slapd.sh; exported as VAULTPROXY_SLAPD_BIN) and MIT
# Kerberos's KDC when it is missing (scripts/install-krb5.sh; its directory exported as
# VAULTPROXY_KRB5_BIN), then runs
# go vet and go test from the repo root. The full run then builds OpenTofu
# when it is missing (scripts/build-tofu.sh, cached outside the clone),
# exports it as VAULTPROXY_TOFU_BIN, and vets and tests the provider's own
# module (terraform-provider-vaultproxy/), whose tests run `tofu test` over
# examples/terraform.
# The tools/ modules and the provider's module have their own go.mod, so ./...
# never descends into them.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/.." && pwd -P)

VAULTPROXY_VAULT_BIN=$(bash "$script_dir/build-vault.sh")
export VAULTPROXY_VAULT_BIN
echo "test.sh: VAULTPROXY_VAULT_BIN=$VAULTPROXY_VAULT_BIN" >&2
# PostgreSQL 15, for the database secrets engine's leases (internal/pgtest).
VAULTPROXY_PG_BIN=$(bash "$script_dir/install-postgres.sh")
export VAULTPROXY_PG_BIN
echo "test.sh: VAULTPROXY_PG_BIN=$VAULTPROXY_PG_BIN" >&2
# OpenLDAP's slapd, for the ldap auto-auth method's logins through Vault (internal/ldaptest).
VAULTPROXY_SLAPD_BIN=$(bash "$script_dir/install-slapd.sh")
export VAULTPROXY_SLAPD_BIN
echo "test.sh: VAULTPROXY_SLAPD_BIN=$VAULTPROXY_SLAPD_BIN" >&2
# MIT Kerberos's KDC, for the kerberos auto-auth method's logins through Vault (internal/krb5test).
VAULTPROXY_KRB5_BIN=$(bash "$script_dir/install-krb5.sh")
export VAULTPROXY_KRB5_BIN
echo "test.sh: VAULTPROXY_KRB5_BIN=$VAULTPROXY_KRB5_BIN" >&2

cd "$repo_root"
export GOWORK=off

echo "test.sh: go vet ./..." >&2
go vet ./...

if [[ $# -gt 0 ]]; then
	echo "test.sh: go test -count=1 -timeout 25m $*" >&2
	exec go test -count=1 -timeout 25m "$@"
fi
# compile/ names every attribute by its Go identifier in schema/: a misspelt identifier or name must
# fail the build or a compile test (scripts/mutation-check.sh; about a minute).
echo "test.sh: scripts/mutation-check.sh" >&2
if ! bash "$script_dir/mutation-check.sh"; then
	echo "test.sh: FAIL: the mutation check: a misspelt attribute identifier or name (SURVIVED above) passed the build and the compile tests; add the test that notices it" >&2
	exit 1
fi
echo "test.sh: go test -count=1 -timeout 25m ./..." >&2
go test -count=1 -timeout 25m ./...
# The request path and the lease cache run under concurrent load; the race detector checks them.
echo "test.sh: go test -race -count=1 -timeout 10m ./runtime/ ./runtime/cache/" >&2
go test -race -count=1 -timeout 10m ./runtime/ ./runtime/cache/

# The provider's module: its tests run `tofu test` with this OpenTofu.
VAULTPROXY_TOFU_BIN=$(bash "$script_dir/build-tofu.sh")
export VAULTPROXY_TOFU_BIN
echo "test.sh: VAULTPROXY_TOFU_BIN=$VAULTPROXY_TOFU_BIN" >&2
cd "$repo_root/terraform-provider-vaultproxy"
echo "test.sh: (terraform-provider-vaultproxy) go vet ./..." >&2
go vet ./...
echo "test.sh: (terraform-provider-vaultproxy) go test -count=1 -timeout 10m ./..." >&2
exec go test -count=1 -timeout 10m ./...
