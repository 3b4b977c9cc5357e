#!/usr/bin/env bash
# Fault-and-load soak: a Vault dev server, `vaultproxy run` in front of it (token_file auto-auth,
# use_auto_auth_token, a cache, one plain tcp listener with max_request_duration = "10s"), and
# scripts/soak (C workers) loading the proxy for D seconds while Vault is killed and restarted twice
# (5 s down each) and the proxy gets SIGHUP three times.
#
# The load uses paths that work again after a dev server restart, which loses all state: sys/health,
# the auto-auth token's lookup-self (the token file holds the dev server's fixed root token), and a
# child token created through the cache (POST auth/token/create: a cache hit after the first).
# It prints the load generator's figures (requests; failures by kind, expected = 502/503/504 while
# Vault is down on purpose or within 3 s of its return; p50, p99 and max latency; whether any request
# outlived max_request_duration), then the proxy's RSS (/proc/PID/status) and goroutines
# (go_goroutines of /proxy/v1/metrics) at the start and the end, with the proxy's idle connections to
# Vault at the end.
#
# Usage: scripts/soak.sh [-d SECONDS] [-c WORKERS]   (defaults: 60, 8). Loopback only; every process
# started here is stopped on exit. Not part of the test command.
set -euo pipefail

dur=60
conns=8
while getopts "d:c:" opt; do
	case $opt in
	d) dur=$OPTARG ;;
	c) conns=$OPTARG ;;
	*) echo "usage: $0 [-d SECONDS] [-c WORKERS]" >&2; exit 2 ;;
	esac
done

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/.." && pwd -P)
vault_bin=${VAULTPROXY_VAULT_BIN:-$(bash "$script_dir/build-vault.sh")}
work=$(mktemp -d)
vault_pid= proxy_pid=
cleanup() {
	for pid in $proxy_pid $vault_pid; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
vault_port=$(free_port)
proxy_port=$(free_port)
vault=http://127.0.0.1:$vault_port
proxy=http://127.0.0.1:$proxy_port

wait_for() { # URL [tries]: until it answers 200
	for _ in $(seq 1 "${2:-100}"); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
		sleep 0.1
	done
	echo "soak: $1 did not come up" >&2
	return 1
}

start_vault() {
	HOME="$work" "$vault_bin" server -dev -dev-root-token-id=soak-root -dev-no-store-token \
		-dev-listen-address="127.0.0.1:$vault_port" >>"$work/vault.log" 2>&1 &
	vault_pid=$!
	wait_for "$vault/v1/sys/health"
}

stop_vault() {
	kill -KILL "$vault_pid" 2>/dev/null || true
	wait "$vault_pid" 2>/dev/null || true
	vault_pid=
}

rss() { awk '/^VmRSS/ {print $2 " " $3}' "/proc/$proxy_pid/status"; }
goroutines() { curl -s "$proxy/proxy/v1/metrics" | awk '/^go_goroutines / {print $2}'; }

echo "soak: building vaultproxy and the load generator"
(cd "$repo_root" && go build -o "$work/vaultproxy" ./cmd/vaultproxy && go build -o "$work/soak" ./scripts/soak)

start_vault
echo soak-root >"$work/token"
cat >"$work/proxy.hcl" <<HCL
vault { address = "$vault" }
auto_auth {
  method "token_file" {
    config = { token_file_path = "$work/token" }
  }
}
api_proxy { use_auto_auth_token = true }
cache {}
listener "tcp" {
  address              = "127.0.0.1:$proxy_port"
  tls_disable          = true
  max_request_duration = "10s"
}
HCL
"$work/vaultproxy" run -config "$work/proxy.hcl" >"$work/proxy.log" 2>&1 &
proxy_pid=$!
wait_for "$proxy/proxy/v1/ready"
rss_start=$(rss) gor_start=$(goroutines)

echo "soak: ${dur}s of load with $conns workers; Vault killed at $((dur / 4))s and $((dur * 3 / 5))s (5 s down each), SIGHUP at $((dur / 6))s, $((dur / 2))s and $((dur * 5 / 6))s"
"$work/soak" -addr "$proxy" -c "$conns" -d "${dur}s" -down "$work/vault-down" \
	-paths "/v1/sys/health,/v1/auth/token/lookup-self,POST:/v1/auth/token/create" >"$work/result.json" &
load_pid=$!

t0=$SECONDS
at() { while [ $((SECONDS - t0)) -lt "$1" ]; do sleep 0.2; done; }
events=$(printf '%s\n' "$((dur / 6)) hup" "$((dur / 4)) kill" "$((dur / 2)) hup" "$((dur * 3 / 5)) kill" "$((dur * 5 / 6)) hup" | sort -n)
while read -r when what; do
	at "$when"
	case $what in
	hup)
		kill -HUP "$proxy_pid"
		echo "soak: t=$((SECONDS - t0))s SIGHUP" ;;
	kill)
		touch "$work/vault-down"
		stop_vault
		echo "soak: t=$((SECONDS - t0))s Vault killed"
		sleep 5
		start_vault
		rm -f "$work/vault-down"
		echo "soak: t=$((SECONDS - t0))s Vault back" ;;
	esac
done <<<"$events"
wait "$load_pid"
sleep 2 # let connections from the load close
rss_end=$(rss) gor_end=$(goroutines)
# Idle keep-alive connections from the proxy to Vault: net/http holds two goroutines for each.
vault_conns=$(ss -Htn state established "( dport = :$vault_port )" 2>/dev/null | wc -l)

python3 - "$work/result.json" <<PY
import json, sys
r = json.load(open(sys.argv[1]))
print(f"requests        {r['requests']}")
for k, v in sorted(r['kinds'].items()):
    print(f"  {k:34} {v}")
print(f"unexpected      {r['unexpected']}")
print(f"latency         p50 {r['p50']}  p99 {r['p99']}  max {r['max']}")
print(f"over 10s        {'yes' if r['max_ns'] > 10e9 else 'none'} (max_request_duration)")
PY
echo "proxy RSS       start $rss_start, end $rss_end"
echo "goroutines      start $gor_start, end $gor_end ($vault_conns idle connections to Vault, 2 goroutines each)"
if ! kill -0 "$proxy_pid" 2>/dev/null; then
	echo "soak: the proxy exited" >&2
	exit 1
fi
