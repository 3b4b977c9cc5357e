#!/usr/bin/env bash
# Builds the HashiCorp Vault binary that the project's tests run against (vault v1.21.0, the full
# build with every built-in plugin, from the tools/vault module), unless it is already cached, and
# prints its absolute path on stdout. Progress goes to stderr.
#
# Cache (outside the clone, shared by every clone of the project):
#   ${VAULTPROXY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vaultproxy}/vault-1.21.0-full/vault
# The full build, not -tags minimal: the cache tests need the database secrets engine (leased,
# renewable PostgreSQL credentials), which the minimal build leaves out. A cold build takes 10 to
# 20 minutes on 2 cores. scripts/lib/cached-build.sh holds the caching, locking and checks.
#
# Usage: scripts/build-vault.sh        (works from any working directory)
set -euo pipefail
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib/cached-build.sh
source "$script_dir/lib/cached-build.sh"
VAULT_VERSION=1.21.0
cached_build vault "vault-$VAULT_VERSION-full" "$script_dir/../tools/vault" \
	github.com/hashicorp/vault "Vault v$VAULT_VERSION"
