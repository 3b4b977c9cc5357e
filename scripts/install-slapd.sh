#!/usr/bin/env bash
# Makes sure the OpenLDAP server (slapd) and client tools that the ldap auto-auth tests run
# (internal/ldaptest) are installed, and prints slapd's path on stdout. Progress goes to stderr.
#
# Already installed (Debian's slapd at /usr/sbin/slapd, or $VAULTPROXY_SLAPD_BIN naming an
# executable slapd): nothing is done. Otherwise the Debian packages slapd and ldap-utils are
# installed with apt-get (as root, or through `sudo -n`), non-interactively, and the package is not
# let start its own service (policy-rc.d): the tests start their own slapd on free loopback ports
# with a temporary configuration, so nothing listens on 389 afterwards.
#
# Usage: scripts/install-slapd.sh
set -euo pipefail
# shellcheck source=scripts/lib/apt-install.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/apt-install.sh"

want=${VAULTPROXY_SLAPD_BIN:-/usr/sbin/slapd}
log() { printf 'install-slapd: %s\n' "$*" >&2; }
have() { [[ -x "$want" ]]; }

if have; then
	log "using $want"
	printf '%s\n' "$want"
	exit 0
fi
if [[ -n ${VAULTPROXY_SLAPD_BIN:-} ]]; then
	log "VAULTPROXY_SLAPD_BIN=$VAULTPROXY_SLAPD_BIN is not an executable slapd"
	exit 1
fi

# slapd's debconf questions (domain, admin password) take their defaults; the tests never use the
# database the package creates. apt_install's policy-rc.d refuses the package's own start of the
# service, so no slapd is left listening on 389.
apt_install install-slapd slapd have "$want is missing" slapd ldap-utils
printf '%s\n' "$want"
