#!/usr/bin/env bash
# Makes sure the PostgreSQL 15 server binaries that the database-engine tests run (internal/pgtest)
# are installed, and prints their directory on stdout. Progress goes to stderr.
#
# Already installed (Debian's postgresql-15 at /usr/lib/postgresql/15/bin, or $VAULTPROXY_PG_BIN
# naming a directory with initdb): nothing is done. Otherwise the Debian package postgresql-15 is
# installed with apt-get (as root, or through `sudo -n`), without its default cluster: the tests
# start their own servers on free loopback ports, so nothing listens on 5432 afterwards.
#
# Usage: scripts/install-postgres.sh
set -euo pipefail

want=${VAULTPROXY_PG_BIN:-/usr/lib/postgresql/15/bin}
log() { printf 'install-postgres: %s\n' "$*" >&2; }

if [[ -x "$want/initdb" && -x "$want/postgres" && -x "$want/psql" ]]; then
	log "using $want"
	printf '%s\n' "$want"
	exit 0
fi
if [[ -n ${VAULTPROXY_PG_BIN:-} ]]; then
	log "VAULTPROXY_PG_BIN=$VAULTPROXY_PG_BIN has no initdb, postgres and psql"
	exit 1
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null ||
		{ log "PostgreSQL 15 is not installed and installing it needs root: apt-get install postgresql-15"; exit 1; }
	as_root=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 || { log "PostgreSQL 15 is not installed and apt-get is not available"; exit 1; }

start=$(date +%s)
log "installing Debian's postgresql-15 (no default cluster)"
# postgresql-common's createcluster.conf includes createcluster.d/, read before the server package's
# post-install creates the "main" cluster (a file of our own there: createcluster.conf itself is a
# conffile of the package).
"${as_root[@]}" mkdir -p /etc/postgresql-common/createcluster.d
printf 'create_main_cluster = false\n' | "${as_root[@]}" tee /etc/postgresql-common/createcluster.d/vaultproxy-tests.conf >/dev/null
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold postgresql-15 >&2
[[ -x "$want/initdb" ]] || { log "postgresql-15 installed, but $want/initdb is missing"; exit 1; }
log "installed in $(($(date +%s) - start))s"
printf '%s\n' "$want"
