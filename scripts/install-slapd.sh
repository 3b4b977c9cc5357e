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

want=${VAULTPROXY_SLAPD_BIN:-/usr/sbin/slapd}
log() { printf 'install-slapd: %s\n' "$*" >&2; }

if [[ -x "$want" ]]; then
	log "using $want"
	printf '%s\n' "$want"
	exit 0
fi
if [[ -n ${VAULTPROXY_SLAPD_BIN:-} ]]; then
	log "VAULTPROXY_SLAPD_BIN=$VAULTPROXY_SLAPD_BIN is not an executable slapd"
	exit 1
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null ||
		{ log "slapd is not installed and installing it needs root: apt-get install slapd ldap-utils"; exit 1; }
	as_root=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 || { log "slapd is not installed and apt-get is not available"; exit 1; }

start=$(date +%s)
log "installing Debian's slapd and ldap-utils"
export DEBIAN_FRONTEND=noninteractive
# slapd's debconf questions (domain, admin password) take their defaults; the tests never use the
# database the package creates. policy-rc.d refuses the package's own start of the service (exit
# 101: "action forbidden"), so no slapd is left listening on 389.
policy=/usr/sbin/policy-rc.d
had_policy=0
[[ -e $policy ]] && had_policy=1
if [[ $had_policy -eq 0 ]]; then
	printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
	"${as_root[@]}" chmod 755 "$policy"
	trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold slapd ldap-utils >&2
[[ -x "$want" ]] || { log "slapd installed, but $want is missing"; exit 1; }
log "installed in $(($(date +%s) - start))s"
printf '%s\n' "$want"
