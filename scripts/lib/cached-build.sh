# cached-build.sh: sourced by build-vault.sh and build-tofu.sh. cached_build builds a tool binary
# from its tools/ module into a cache directory outside the clone, unless it is cached already, and
# prints the binary's absolute path on stdout (progress on stderr).
#
#   cached_build NAME DIR_IN_CACHE TOOLS_DIR PACKAGE WANT_VERSION_PREFIX [GO_BUILD_ARGS...]
#
# Cache: ${VAULTPROXY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vaultproxy}/DIR_IN_CACHE/NAME.
# The binary is built into a temporary file in that directory and moved in place atomically, so an
# interrupted build never leaves a broken binary; concurrent callers wait on a lock and then find
# it. `NAME version` must print WANT_VERSION_PREFIX. A symlink .bin/NAME in the repo root points at
# the cached binary.

cached_build() {
	local name=$1 dir=$2 tools_dir=$3 pkg=$4 want=$5
	shift 5
	local repo_root cache_root cache_dir bin tmp start got
	repo_root=$(cd -- "$tools_dir/../.." && pwd -P)
	cache_root=${VAULTPROXY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vaultproxy}
	cache_dir="$cache_root/$dir"
	bin="$cache_dir/$name"
	_cb_log() { printf 'build-%s: %s\n' "$name" "$*" >&2; }

	if [[ ! -x "$bin" ]]; then
		command -v go >/dev/null 2>&1 || { _cb_log "go is not on PATH"; return 1; }
		mkdir -p "$cache_dir"
		cache_dir=$(cd -- "$cache_dir" && pwd -P)
		bin="$cache_dir/$name"
		if command -v flock >/dev/null 2>&1; then
			exec 9>"$cache_dir/.build.lock"
			flock 9
		fi
	fi
	if [[ ! -x "$bin" ]]; then
		grep -q "^tool $pkg\$" "$tools_dir/go.mod" ||
			{ _cb_log "$tools_dir/go.mod does not declare the tool $pkg"; return 1; }
		tmp=$(mktemp "$cache_dir/$name.tmp.XXXXXX")
		# Expanded now: tmp is local, and unset when the trap runs at exit.
		trap "rm -f -- '$tmp'" EXIT
		_cb_log "building $name into $cache_dir; this takes several minutes on a cold cache"
		start=$(date +%s)
		# -mod=readonly: exactly the committed go.mod and go.sum. -s -w: no symbol table or DWARF,
		# which large binaries spend much of their link time and memory on.
		(cd "$tools_dir" && CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly \
			go build -trimpath -ldflags="-s -w" "$@" -o "$tmp" "$pkg") >&2
		# stdout only: OpenTofu warns on stderr when the machine's CLI configuration file is missing.
		# The whole output, then its first line: `| head -1` would end a longer output with SIGPIPE,
		# which pipefail reports as a failure.
		got=$("$tmp" version 2>/dev/null) ||
			{ _cb_log "built binary does not run: $("$tmp" version 2>&1)"; return 1; }
		got=${got%%$'\n'*}
		case "$got" in
		"$want" | "$want,"* | "$want "*) ;;
		*) _cb_log "built binary reports '$got', want $want"; return 1 ;;
		esac
		chmod 0755 "$tmp"
		mv -f "$tmp" "$bin"
		trap - EXIT
		_cb_log "built $got in $(($(date +%s) - start))s"
	else
		_cb_log "using cached $bin"
	fi
	mkdir -p "$repo_root/.bin"
	ln -sfn "$bin" "$repo_root/.bin/$name"
	printf '%s\n' "$bin"
}
