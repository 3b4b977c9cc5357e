#!/usr/bin/env bash
# Builds the OpenTofu binary that the provider's tests run `tofu test` with (OpenTofu v1.10.10, from
# the tools/opentofu module), unless it is already cached, and prints its absolute path on stdout.
# Cache (outside the clone): ${VAULTPROXY_CACHE_DIR:-$HOME/.cache/vaultproxy}/opentofu-1.10.10/tofu.
# A cold build takes 5 to 16 minutes on 2 cores.
#
# Usage: scripts/build-tofu.sh        (works from any working directory)
set -euo pipefail
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib/cached-build.sh
source "$script_dir/lib/cached-build.sh"
TOFU_VERSION=1.10.10
cached_build tofu "opentofu-$TOFU_VERSION" "$script_dir/../tools/opentofu" \
	github.com/opentofu/opentofu/cmd/tofu "OpenTofu v$TOFU_VERSION" \
	-ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no"
