#!/usr/bin/env bash
# Benchmark: Vault Proxy vs a bare httputil reverse proxy vs vaultproxy, in one run, on one config.
#
# Starts a Vault dev server (the binary of scripts/build-vault.sh), writes a kv secret, then starts
# in turn `vault proxy`, the bare proxy (scripts/bench/bareproxy: forwards and sets the token,
# nothing else) and `vaultproxy run`, each on the same configuration (token_file auto-auth,
# use_auto_auth_token = true, one plain tcp listener on loopback), and loads each with the same
# requests (scripts/bench/loadgen: C connections, a kv-v2 read and sys/health in turn). It prints
# requests per second, p50 and p99 latency, the proxy process's CPU time per request and its RSS
# after the load, and the ratios vaultproxy / Vault Proxy and vaultproxy / bare proxy. A first row
# loads Vault directly (no proxy), with Vault's own CPU per request and RSS.
#
# Cache-hit rows: `vault proxy` and `vaultproxy run` again, each with a `cache {}` block added, loaded
# with one repeated POST /v1/auth/token/create (a child of the auto-auth token, so both cache it):
# after the first answer every request is a lease-cache hit, and Vault is not involved. The "hits %"
# column counts answers carrying X-Cache: HIT. After vaultproxy's hit row, the "net/http ceiling" row
# loads scripts/bench/ceiling, a bare net/http server writing vaultproxy's cached answer byte for byte
# without looking at the request: what a hit could cost at best on this machine. The last lines
# print each aim of the performance work as measured ratios (hits against the ceiling, forwarding
# against Vault Proxy and the bare proxy), each with its aim and whether this run met it.
# When wrk is installed (Debian's package wrk) it generates these rows' load: a hit costs a proxy so
# little that loadgen's own client would take about half of the two cores and flatten the ratio;
# hits are then sampled after the load (scripts/bench/loadgen/wrk.go). Without wrk, loadgen loads
# them as it does the other rows.
#
# Usage: scripts/bench/run.sh [-c CONNS] [-d DURATION] [-r ROUNDS]   (defaults: 32 connections, 10s, 3)
# Each round loads every proxy once, in a rotated order; the figures are the mean over the rounds.
# Everything listens on 127.0.0.1; every process started here is stopped on exit.
set -euo pipefail

conns=32
dur=10s
rounds=3
while getopts "c:d:r:" opt; do
	case $opt in
	c) conns=$OPTARG ;;
	d) dur=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) echo "usage: $0 [-c CONNS] [-d DURATION] [-r ROUNDS]" >&2; exit 2 ;;
	esac
done

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/../.." && pwd -P)
vault_bin=${VAULTPROXY_VAULT_BIN:-$(bash "$repo_root/scripts/build-vault.sh")}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

log() { printf 'bench: %s\n' "$*" >&2; }

free_port() { "$work/loadgen" -free-port; }

wait_port() {
	for _ in $(seq 1 300); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	log "nothing listening on port $1"; return 1
}

log "building vaultproxy, loadgen and bareproxy"
(cd "$repo_root" && GOWORK=off go build -o "$work/vaultproxy" ./cmd/vaultproxy &&
	GOWORK=off go build -o "$work/loadgen" ./scripts/bench/loadgen &&
	GOWORK=off go build -o "$work/bareproxy" ./scripts/bench/bareproxy &&
	GOWORK=off go build -o "$work/ceiling" ./scripts/bench/ceiling)

vault_port=$(free_port)
root_token="bench-root-$RANDOM$RANDOM"
log "starting vault dev server on 127.0.0.1:$vault_port"
(cd "$work" && HOME=$work exec "$vault_bin" server -dev -dev-listen-address="127.0.0.1:$vault_port" \
	-dev-root-token-id="$root_token" -dev-no-store-token >"$work/vault.log" 2>&1) &
vault_pid=$!
pids+=($vault_pid)
wait_port "$vault_port"
export VAULT_ADDR="http://127.0.0.1:$vault_port" VAULT_TOKEN=$root_token
until "$vault_bin" status >/dev/null 2>&1; do sleep 0.1; done
"$vault_bin" kv put -mount=secret bench user=app password=s3cr3t >/dev/null
printf 'path "secret/data/bench" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }\n' |
	"$vault_bin" policy write bench - >/dev/null
"$vault_bin" token create -policy=bench -ttl=24h -field=token >"$work/token"
chmod 600 "$work/token"
unset VAULT_TOKEN

config() { # $1 = listener port, $2 = "cache" to add a cache block
	[[ ${2:-} == cache ]] && printf 'cache {}\n'
	cat <<EOC
vault {
  address = "http://127.0.0.1:$vault_port"
}
auto_auth {
  method "token_file" {
    config = { token_file_path = "$work/token" }
  }
}
api_proxy {
  use_auto_auth_token = true
}
listener "tcp" {
  address     = "127.0.0.1:$1"
  tls_disable = true
}
EOC
}

results=()
bench() { # $1 = name, $2 = port, $3 = pid, then extra loadgen flags
	log "loading $1 ($conns connections, $dur)"
	results+=("$("$work/loadgen" -name "$1" -addr "http://127.0.0.1:$2" -c "$conns" -d "$dur" -pid "$3" "${@:4}")")
}

# The cache-hit load: one token creation, repeated byte for byte; by wrk when it is installed.
cache_hit_load=(-method POST -paths /v1/auth/token/create -body '{"ttl":"1h"}')
if command -v wrk >/dev/null 2>&1; then
	cache_hit_load+=(-wrk)
else
	log "wrk is not installed (apt-get install wrk): loadgen loads the cache-hit rows too"
fi

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

run_vault_proxy() { # $1 = "cache" for the cache-hit row
	local port p
	port=$(free_port)
	config "$port" "${1:-}" >"$work/vault-proxy.hcl"
	(cd "$work" && exec env -i PATH="$PATH" HOME="$work" "$vault_bin" proxy -config="$work/vault-proxy.hcl" >>"$work/vault-proxy.log" 2>&1) &
	p=$!
	pids+=($p)
	wait_port "$port"
	sleep 1 # let auto-auth finish
	if [[ ${1:-} == cache ]]; then
		bench "vault proxy (cache hit)" "$port" "$p" "${cache_hit_load[@]}"
	else
		bench "vault proxy" "$port" "$p"
	fi
	stop "$p"
}

run_bare_proxy() {
	local port p
	port=$(free_port)
	"$work/bareproxy" -listen "127.0.0.1:$port" -vault "http://127.0.0.1:$vault_port" -token-file "$work/token" 2>>"$work/bare.log" &
	p=$!
	pids+=($p)
	wait_port "$port"
	bench "bare proxy" "$port" "$p"
	stop "$p"
}

run_vaultproxy() { # $1 = "cache" for the cache-hit row
	local port p
	port=$(free_port)
	config "$port" "${1:-}" >"$work/vaultproxy.hcl"
	env -i PATH="$PATH" HOME="$work" "$work/vaultproxy" run "$work/vaultproxy.hcl" >>"$work/vaultproxy.log" 2>&1 &
	p=$!
	pids+=($p)
	wait_port "$port"
	sleep 1
	if [[ ${1:-} == cache ]]; then
		bench "vaultproxy (cache hit)" "$port" "$p" "${cache_hit_load[@]}"
		run_ceiling "$port"
	else
		bench "vaultproxy" "$port" "$p"
	fi
	stop "$p"
}

# The ceiling row: a bare net/http server (scripts/bench/ceiling) that took vaultproxy's cached
# answer once and writes those bytes for every request, loaded the same way as the hit rows.
run_ceiling() { # $1 = the port of the vaultproxy that has the answer cached
	local port p
	port=$(free_port)
	"$work/ceiling" -listen "127.0.0.1:$port" -url "http://127.0.0.1:$1/v1/auth/token/create" \
		-method POST -body '{"ttl":"1h"}' 2>>"$work/ceiling.log" &
	p=$!
	pids+=($p)
	wait_port "$port"
	bench "net/http ceiling" "$port" "$p" "${cache_hit_load[@]}"
	stop "$p"
	# The same server reading each body first (ceiling -read-body): what reading the body costs any
	# net/http handler; shown beside the aims, which are against the bare ceiling above.
	port=$(free_port)
	"$work/ceiling" -read-body -listen "127.0.0.1:$port" -url "http://127.0.0.1:$1/v1/auth/token/create" \
		-method POST -body '{"ttl":"1h"}' 2>>"$work/ceiling.log" &
	p=$!
	pids+=($p)
	wait_port "$port"
	bench "ceiling, body read" "$port" "$p" "${cache_hit_load[@]}"
	stop "$p"
}

run_direct() {
	log "loading Vault directly ($conns connections, $dur)"
	results+=("$("$work/loadgen" -name "vault direct" -addr "http://127.0.0.1:$vault_port" -c "$conns" -d "$dur" -pid "$vault_pid" -token-file "$work/token")")
}

# Rounds rotate the order, so that no proxy always runs first (on a fresh Vault) or last.
for ((round = 0; round < rounds; round++)); do
	case $((round % 3)) in
	0) run_direct; run_vault_proxy; run_bare_proxy; run_vaultproxy; run_vault_proxy cache; run_vaultproxy cache ;;
	1) run_bare_proxy; run_vaultproxy; run_vault_proxy; run_vaultproxy cache; run_vault_proxy cache ;;
	2) run_vaultproxy cache; run_vault_proxy cache; run_vaultproxy; run_vault_proxy; run_bare_proxy ;;
	esac
done

printf '%s\n' "${results[@]}" | "$work/loadgen" -summary
