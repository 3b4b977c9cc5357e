#!/usr/bin/env bash
# Builds the HashiCorp Vault binary that the project's tests run against
# (vault v1.21.0, the full build with every built-in plugin, from the tools/vault module), unless
# it is already cached, and prints its absolute path on stdout. Progress goes
# to stderr.
#
# Cache (outside the clone, shared by every clone of the project):
#   ${VAULTPROXY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vaultproxy}/vault-1.21.0-full/vault
# The full build, not -tags minimal: the cache tests need the database secrets engine (leased,
# renewable PostgreSQL credentials), which the minimal build leaves out.
# The binary is built into a temporary file in the same directory and moved in
# place atomically, so an interrupted build never leaves a broken binary.
# A symlink .bin/vault in the repo root points at the cached binary.
#
# Usage: scripts/build-vault.sh        (works from any working directory)
set -euo pipefail

VAULT_VERSION=1.21.0
# The build's name in the cache directory, and its Go build tags (none: every built-in plugin).
VAULT_FLAVOR=full
VAULT_TAGS=

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/.." && pwd -P)
tools_dir="$repo_root/tools/vault"

cache_root=${VAULTPROXY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vaultproxy}
cache_dir="$cache_root/vault-$VAULT_VERSION-$VAULT_FLAVOR"
bin="$cache_dir/vault"

log() { printf 'build-vault: %s\n' "$*" >&2; }

link_bin() {
	mkdir -p "$repo_root/.bin"
	ln -sfn "$bin" "$repo_root/.bin/vault"
}

if [[ -x "$bin" ]]; then
	log "using cached $bin"
	link_bin
	printf '%s\n' "$bin"
	exit 0
fi

command -v go >/dev/null 2>&1 || { log "go is not on PATH"; exit 1; }
mkdir -p "$cache_dir"
cache_dir=$(cd -- "$cache_dir" && pwd -P)
bin="$cache_dir/vault"

# Serialise concurrent builds into the same cache (a second caller waits and
# then finds the binary).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache_dir/.build.lock"
	flock 9
fi

if [[ ! -x "$bin" ]]; then
	grep -q "^tool github.com/hashicorp/vault\$" "$tools_dir/go.mod" ||
		{ log "$tools_dir/go.mod does not declare the vault tool"; exit 1; }

	tmp=$(mktemp "$cache_dir/vault.tmp.XXXXXX")
	trap 'rm -f "$tmp"' EXIT
	log "building vault $VAULT_VERSION ($VAULT_FLAVOR) into $cache_dir; this takes 10 to 20 minutes on a cold cache"
	start=$(date +%s)
	(
		cd "$tools_dir"
		# -mod=readonly: the build uses exactly the committed go.mod and go.sum. -s -w: no symbol
		# table or DWARF, which a 500 MB binary spends much of its link time and memory on (panics
		# still name their functions).
		CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly \
			go build -trimpath -tags "$VAULT_TAGS" -ldflags="-s -w" -o "$tmp" github.com/hashicorp/vault
	) >&2
	got=$("$tmp" version 2>&1) || { log "built binary does not run: $got"; exit 1; }
	case "$got" in
	"Vault v$VAULT_VERSION" | "Vault v$VAULT_VERSION,"* | "Vault v$VAULT_VERSION "*) ;;
	*) log "built binary reports '$got', want Vault v$VAULT_VERSION"; exit 1 ;;
	esac
	chmod 0755 "$tmp"
	mv -f "$tmp" "$bin"
	trap - EXIT
	log "built $got in $(($(date +%s) - start))s"
else
	log "using cached $bin (built by a concurrent run)"
fi

link_bin
printf '%s\n' "$bin"
