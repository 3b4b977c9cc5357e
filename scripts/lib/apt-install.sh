# shellcheck shell=bash
# apt-install.sh: sourced by install-krb5.sh, install-slapd.sh and install-postgres.sh. apt_install
# installs Debian packages that a test suite runs (a server it starts itself on loopback), as root
# or through `sudo -n`, non-interactively, keeping the packages' own config files, and logs how long
# it took. All output goes to stderr.
#
#   apt_install [--no-policy-rc] [--prepare FN] [--note TEXT] PREFIX WHAT CHECK MISSING PKG...
#
# PREFIX  the log prefix (install-NAME); WHAT  what is missing, for the messages ("the KDC");
# CHECK   a command (a function of the caller, run without arguments) that succeeds once the packages are in place; MISSING  what to say when CHECK
#         still fails after the install (logged as "PKG and PKG installed, but MISSING").
# --no-policy-rc  let the packages start their own services (otherwise a policy-rc.d that refuses
#                 every start, exit 101 "action forbidden", is put in place for the install when
#                 none is there, and removed on exit).
# --prepare FN    run FN before apt-get, with the root prefix (`sudo -n`, or nothing) as its arguments.
# --note TEXT     appended to the "installing Debian's ..." line.
#
# Failing, it logs why and returns 1; callers run under `set -e` and call it as a plain command.

apt_install() {
	local policy_rc=1 prepare='' note=''
	while [[ $# -gt 0 ]]; do
		case $1 in
		--no-policy-rc) policy_rc=0; shift ;;
		--prepare) prepare=$2; shift 2 ;;
		--note) note=" $2"; shift 2 ;;
		*) break ;;
		esac
	done
	local prefix=$1 what=$2 check=$3 missing=$4
	shift 4
	local pkgs=("$@") start listed
	_ai_log() { printf '%s: %s\n' "$prefix" "$*" >&2; }
	# "a", "a and b", "a, b and c": the packages as the messages name them.
	listed=${pkgs[0]}
	if [[ ${#pkgs[@]} -gt 1 ]]; then
		listed=$(printf '%s, ' "${pkgs[@]:0:${#pkgs[@]}-1}")
		listed="${listed%, } and ${pkgs[-1]}"
	fi

	# A global, not a local: the EXIT trap that removes policy-rc.d runs after this function returns.
	_apt_install_root=()
	if [[ $(id -u) -ne 0 ]]; then
		if ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
			_ai_log "$what is not installed and installing it needs root: apt-get install ${pkgs[*]}"
			return 1
		fi
		_apt_install_root=(sudo -n)
	fi
	command -v apt-get >/dev/null 2>&1 || { _ai_log "$what is not installed and apt-get is not available"; return 1; }

	start=$(date +%s)
	_ai_log "installing Debian's $listed$note"
	[[ -z $prepare ]] || "$prepare" "${_apt_install_root[@]}"
	export DEBIAN_FRONTEND=noninteractive
	if [[ $policy_rc -eq 1 && ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' | "${_apt_install_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
		"${_apt_install_root[@]}" chmod 755 /usr/sbin/policy-rc.d
		trap '"${_apt_install_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	"${_apt_install_root[@]}" apt-get update -qq >&2
	"${_apt_install_root[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${pkgs[@]}" >&2
	"$check" || { _ai_log "$listed installed, but $missing"; return 1; }
	_ai_log "installed in $(($(date +%s) - start))s"
}
