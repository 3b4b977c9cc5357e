#!/usr/bin/env bash
# Makes sure MIT Kerberos's KDC and its database tools, which the kerberos auto-auth tests run
# (internal/krb5test), are installed, and prints the directory that holds krb5kdc, kdb5_util and
# kadmin.local on stdout. Progress goes to stderr.
#
# Already installed ($VAULTPROXY_KRB5_BIN naming a directory with the three, or Debian's
# /usr/sbin): nothing is done. Otherwise the Debian packages krb5-kdc (krb5kdc, kdb5_util) and
# krb5-admin-server (kadmin.local) are installed with apt-get (as root, or through `sudo -n`),
# non-interactively, and the packages are not let start their own services (policy-rc.d): the
# tests create a realm of their own in a temporary directory and start krb5kdc on a free loopback
# port, so nothing listens on 88 or 749 afterwards.
#
# Usage: scripts/install-krb5.sh
set -euo pipefail
# shellcheck source=scripts/lib/apt-install.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/apt-install.sh"

want=${VAULTPROXY_KRB5_BIN:-/usr/sbin}
log() { printf 'install-krb5: %s\n' "$*" >&2; }
have() { [[ -x "$want/krb5kdc" && -x "$want/kdb5_util" && -x "$want/kadmin.local" ]]; }

if have; then
	log "using $want"
	printf '%s\n' "$want"
	exit 0
fi
if [[ -n ${VAULTPROXY_KRB5_BIN:-} ]]; then
	log "VAULTPROXY_KRB5_BIN=$VAULTPROXY_KRB5_BIN is not a directory holding krb5kdc, kdb5_util and kadmin.local"
	exit 1
fi

# krb5-config's debconf questions (default realm, KDC hosts) take their defaults; the tests never
# read /etc/krb5.conf (KRB5_CONFIG and KRB5_KDC_PROFILE name files of their own). apt_install's
# policy-rc.d refuses the packages' own start of krb5kdc and kadmind.
apt_install install-krb5 "the KDC" have "$want lacks krb5kdc, kdb5_util or kadmin.local" krb5-kdc krb5-admin-server
printf '%s\n' "$want"
