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
# shellcheck source=scripts/lib/apt-install.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/apt-install.sh"

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

# postgresql-common's createcluster.conf includes createcluster.d/, read before the server package's
# post-install creates the "main" cluster (a file of our own there: createcluster.conf itself is a
# conffile of the package). Its arguments are the root prefix: `sudo -n`, or nothing.
no_main_cluster() {
	"$@" mkdir -p /etc/postgresql-common/createcluster.d
	printf 'create_main_cluster = false\n' | "$@" tee /etc/postgresql-common/createcluster.d/vaultproxy-tests.conf >/dev/null
}
has_initdb() { [[ -x "$want/initdb" ]]; }
# No policy-rc.d (as before): with no cluster, the package's own service start has nothing to start.
apt_install --no-policy-rc --prepare no_main_cluster --note "(no default cluster)" \
	install-postgres "PostgreSQL 15" has_initdb "$want/initdb is missing" postgresql-15
printf '%s\n' "$want"
