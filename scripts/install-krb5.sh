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

want=${VAULTPROXY_KRB5_BIN:-/usr/sbin}
log() { printf 'install-krb5: %s\n' "$*" >&2; }
have() { [[ -x "$1/krb5kdc" && -x "$1/kdb5_util" && -x "$1/kadmin.local" ]]; }

if have "$want"; then
	log "using $want"
	printf '%s\n' "$want"
	exit 0
fi
if [[ -n ${VAULTPROXY_KRB5_BIN:-} ]]; then
	log "VAULTPROXY_KRB5_BIN=$VAULTPROXY_KRB5_BIN is not a directory holding krb5kdc, kdb5_util and kadmin.local"
	exit 1
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null ||
		{ log "the KDC is not installed and installing it needs root: apt-get install krb5-kdc krb5-admin-server"; exit 1; }
	as_root=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 || { log "the KDC is not installed and apt-get is not available"; exit 1; }

start=$(date +%s)
log "installing Debian's krb5-kdc and krb5-admin-server"
export DEBIAN_FRONTEND=noninteractive
# krb5-config's debconf questions (default realm, KDC hosts) take their defaults; the tests never
# read /etc/krb5.conf (KRB5_CONFIG and KRB5_KDC_PROFILE name files of their own). policy-rc.d
# refuses the packages' own start of krb5kdc and kadmind (exit 101: "action forbidden").
policy=/usr/sbin/policy-rc.d
had_policy=0
[[ -e $policy ]] && had_policy=1
if [[ $had_policy -eq 0 ]]; then
	printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
	"${as_root[@]}" chmod 755 "$policy"
	trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold krb5-kdc krb5-admin-server >&2
have "$want" || { log "krb5-kdc and krb5-admin-server installed, but $want lacks krb5kdc, kdb5_util or kadmin.local"; exit 1; }
log "installed in $(($(date +%s) - start))s"
printf '%s\n' "$want"
