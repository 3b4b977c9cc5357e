#!/usr/bin/env bash
# A local demo: a Vault dev server, a secret in it, and vaultproxy in front of it with AppRole
# auto-auth (fixtures/examples/demo.hcl). A client without any token reads the secret through the
# proxy. Everything is stopped and removed on exit.
#
#   scripts/demo.sh            run the demo and stop
#   scripts/demo.sh -wait      keep both servers running until Ctrl-C
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(cd -- "$script_dir/.." && pwd -P)
vault_port=${DEMO_VAULT_PORT:-18200} # the proxy's port is fixtures/examples/demo.hcl's listener, 8100
proxy=http://127.0.0.1:8100
for port in "$vault_port" 8100; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "demo: port $port on 127.0.0.1 is in use; stop what listens there (or set DEMO_VAULT_PORT)" >&2
		exit 1
	fi
done

vault_bin=$(bash "$script_dir/build-vault.sh")
work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

wait_for() { # URL: wait until it answers (any HTTP status)
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "demo: $1 did not come up" >&2
	return 1
}

say "building vaultproxy"
(cd "$repo_root" && go build -o "$work/vaultproxy" ./cmd/vaultproxy)

say "starting a Vault dev server on 127.0.0.1:$vault_port"
HOME="$work" "$vault_bin" server -dev -dev-root-token-id=demo-root -dev-no-store-token \
	-dev-listen-address="127.0.0.1:$vault_port" >"$work/vault.log" 2>&1 &
pids+=($!)
export VAULT_ADDR="http://127.0.0.1:$vault_port"
wait_for "$VAULT_ADDR/v1/sys/health"

say "writing secret/demo and an AppRole that may read it"
export HOME="$work" VAULT_TOKEN=demo-root
"$vault_bin" kv put -mount=secret demo password=correct-horse >/dev/null
"$vault_bin" policy write demo-read - >/dev/null <<'POLICY'
path "secret/data/demo" { capabilities = ["read"] }
POLICY
"$vault_bin" auth enable approle >/dev/null
"$vault_bin" write auth/approle/role/demo token_policies=demo-read >/dev/null
"$vault_bin" read -field=role_id auth/approle/role/demo/role-id >"$work/role-id"
"$vault_bin" write -f -field=secret_id auth/approle/role/demo/secret-id >"$work/secret-id"
unset VAULT_TOKEN

say "starting vaultproxy run fixtures/examples/demo.hcl (VAULT_ADDR=$VAULT_ADDR)"
cp "$repo_root/fixtures/examples/demo.hcl" "$work/demo.hcl"
(cd "$work" && exec ./vaultproxy run demo.hcl >"$work/proxy.log" 2>&1) &
pids+=($!)
wait_for "$proxy/v1/sys/health"

say "reading secret/demo through the proxy, without a token"
echo "\$ curl $proxy/v1/secret/data/demo"
for _ in $(seq 1 50); do # the first login may still be under way
	body=$(curl -s "$proxy/v1/secret/data/demo")
	case "$body" in *correct-horse*) break ;; esac
	sleep 0.2
done
echo "$body"
case "$body" in
*'"password":"correct-horse"'*) say "the proxy added its own token: the secret was read without one" ;;
*) echo "demo: the secret was not read; proxy log:" >&2; cat "$work/proxy.log" >&2; exit 1 ;;
esac

if [[ "${1:-}" == "-wait" ]]; then
	say "Vault at $VAULT_ADDR (root token demo-root), vaultproxy at $proxy; Ctrl-C stops both"
	wait
fi
