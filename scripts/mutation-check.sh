#!/usr/bin/env bash
# mutation-check.sh: proves that compile/ cannot misspell or mix up an attribute name and still pass.
#
# compile/ names the attributes it reads by their Go identifiers in schema/ (schema.VaultTLSServerName),
# and its readers panic on an attribute that the body's schema does not declare. In a temporary copy
# of the repository, this script makes mutants and checks that each one is "killed": the build or a
# compile test fails.
#
#   ident    a use of schema.X in compile/ is misspelt (schema.Xx): the build must fail. Every ident
#            mutant is applied at once and compile/ is built once with -gcflags=-e (every error
#            reported); each mutant is killed when the build reports schema.Xx undefined at its line.
#   name     the Name of attribute X is misspelt ("tls_server_name" -> "tls_server_namx"): a compile
#            test must fail (the setting is no longer read where configurations write it). The compile
#            test binary is built once with a file added to schema/ whose init function, given
#            VAULTPROXY_MUTANT=X=name, sets X.Name; each mutant is one run of it (-test.failfast), two
#            at a time. That init function runs after schema/'s variables are set and before any
#            package that imports schema/ is initialised, so the mutant is the one a source edit
#            makes as long as schema/ itself copies no Name into another variable (the script checks).
#   literal  a string literal in compile/ that equals an attribute name, used as a value (an argument,
#            a map key), is misspelt: the build or a test must fail (a build per mutant; there are
#            none while compile/ names every attribute by identifier).
#   swap     (with --swap) a use of schema.X in compile/build.go is replaced by an attribute of the
#            same kind from another block: the readers' panic must fail a test (a build per mutant;
#            slow, run by hand).
#
# It prints one line per surviving mutant and a summary, and exits 1 if any mutant survives.
# scripts/test.sh runs it; it takes about a minute on two cores (README.md, "Tests").
#
# Usage: scripts/mutation-check.sh [--swap] [--only ident|name|literal|swap] [-j N]
set -euo pipefail

swap=false
only=""
jobs=2
while [ $# -gt 0 ]; do
	case "$1" in
	--swap) swap=true ;;
	--only) only="$2"; shift ;;
	-j) jobs="$2"; shift ;;
	*) echo "usage: $0 [--swap] [--only ident|name|literal|swap] [-j N]" >&2; exit 2 ;;
	esac
	shift
done
[ "$only" = swap ] && swap=true

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
tar -C "$root" --exclude=.git -cf - . | tar -C "$tmp/src" -xf -
cd "$tmp/src"
export GOWORK=off

killed=0
survived=0
survivors=()

# verdict KIND DESCRIPTION KILLED: counts the mutant.
verdict() {
	if [ "$3" = true ]; then
		killed=$((killed + 1))
	else
		survived=$((survived + 1))
		survivors+=("$1: $2")
		echo "SURVIVED $1: $2" >&2
	fi
}

want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# misspell NAME: NAME with its last letter changed (x, or q for a name that ends in x).
misspell() {
	if [ "${1: -1}" = x ]; then echo "${1%?}q"; else echo "${1%?}x"; fi
}

# The attributes declared as Go identifiers: "Ident Name Kind File" per line.
attrs=$(grep -H -E '^	[A-Z][A-Za-z0-9]* += &Attribute\{Name: "[a-z_]+", Kind: [A-Za-z]+' schema/*.go |
	sed -E 's/^([^:]+):	([A-Za-z0-9]+) += &Attribute\{Name: "([a-z_]+)", Kind: ([A-Za-z]+).*/\2 \3 \4 \1/')
[ -n "$attrs" ] || { echo "no attribute identifiers found in schema/" >&2; exit 2; }

# The non-test Go files of compile/.
files=$(ls compile/*.go | grep -v '_test\.go$')

# uses: "Ident Name Kind Decl File Line" for the first use of each identifier in compile/.
uses=$(while read -r ident name kind decl; do
	use=$({ grep -n -E "schema\.$ident\b" $files || true; } | sed -n 1p)
	[ -n "$use" ] || continue
	file=${use%%:*}
	rest=${use#*:}
	echo "$ident $name $kind $decl $file ${rest%%:*}"
done <<<"$attrs")

# The name mutants are made when schema/ is initialised, which equals a source edit only while no
# variable of schema/ copies a Name.
if want name && grep -n -E '\b[A-Z][A-Za-z0-9]*\.Name\b|^func init\(' schema/*.go; then
	echo "mutation-check: schema/ copies a Name or has an init function (above); the name mutants need a build each" >&2
	exit 2
fi

if want ident; then
	cp -r compile "$tmp/compile.orig"
	while read -r ident name kind decl file line; do
		sed -i -E "${line}s/schema\.$ident\b/schema.${ident}x/" "$file"
	done <<<"$uses"
	go build -gcflags=-e ./compile/ >"$tmp/build.out" 2>&1 || true
	while read -r ident name kind decl file line; do
		ok=false
		grep -q -E "^(\./)?$file:$line:[0-9]+: undefined: schema\.${ident}x\$" "$tmp/build.out" && ok=true
		verdict ident "schema.$ident at $file:$line" "$ok"
	done <<<"$uses"
	rm -rf compile && mv "$tmp/compile.orig" compile
fi

if want name; then
	{
		echo 'package schema'
		echo
		echo 'import ("os"; "strings")'
		echo
		echo 'var mutationTargets = map[string]*Attribute{'
		while read -r ident _; do echo "	\"$ident\": $ident,"; done <<<"$uses"
		echo '}'
		echo
		echo 'func init() {'
		echo '	ident, name, ok := strings.Cut(os.Getenv("VAULTPROXY_MUTANT"), "=")'
		echo '	if ok {'
		echo '		mutationTargets[ident].Name = name'
		echo '	}'
		echo '}'
	} >schema/zz_mutation.go
	go test -c -o "$tmp/compile.test" ./compile/
	rm schema/zz_mutation.go
	# The unmutated tests must pass, or every mutant would look killed; the control sets a Name to
	# itself, through the same init function.
	read -r ident name _ <<<"$uses"
	if ! (cd compile && VAULTPROXY_MUTANT="$ident=$name" "$tmp/compile.test" -test.count=1 >"$tmp/base.out" 2>&1); then
		cat "$tmp/base.out" >&2
		echo "mutation-check: the compile tests fail without a mutant" >&2
		exit 2
	fi
	# One run per mutant, $jobs at a time; each prints "Ident killed|survived".
	while read -r ident name kind decl file line; do
		echo "$ident $(misspell "$name")"
	done <<<"$uses" |
		(cd compile && xargs -P "$jobs" -L 1 sh -c '
			if VAULTPROXY_MUTANT="$1=$2" "$0" -test.count=1 -test.failfast >/dev/null 2>&1; then
				echo "$1 survived"
			else
				echo "$1 killed"
			fi' "$tmp/compile.test") >"$tmp/names.out"
	while read -r ident name kind decl file line; do
		ok=false
		grep -q -x "$ident killed" "$tmp/names.out" && ok=true
		verdict name "$name ($ident in $decl)" "$ok"
	done <<<"$uses"
fi

# run KIND DESCRIPTION FILE: FILE has been mutated; the build or a compile test must fail. The file
# is restored from FILE.orig afterwards.
run() {
	local kind=$1 what=$2 file=$3 ok=true
	if go test -c -o "$tmp/mutant.test" ./compile/ >/dev/null 2>&1 &&
		(cd compile && "$tmp/mutant.test" -test.count=1 -test.failfast >/dev/null 2>&1); then
		ok=false
	fi
	mv "$file.orig" "$file"
	verdict "$kind" "$what" "$ok"
}

if $swap && want swap; then
	while read -r ident name kind decl file line; do
		[ "$file" = compile/build.go ] || continue
		# Another attribute of the same kind, read from a different block.
		prefix=$(sed -E 's/^([A-Z][a-z]+).*/\1/' <<<"$ident")
		other=$(awk -v k="$kind" -v i="$ident" -v p="$prefix" \
			'$3 == k && $1 != i && index($1, p) != 1 && !found { print $1; found = 1 }' <<<"$attrs")
		if [ -n "$other" ]; then
			cp "$file" "$file.orig"
			sed -i -E "${line}s/schema\.$ident\b/schema.$other/" "$file"
			run swap "schema.$ident -> schema.$other at $file:$line" "$file"
		fi
	done <<<"$uses"
fi

if want literal; then
	names=$(echo "$attrs" | awk '{ print $2 }' | sort -u)
	for name in $names; do
		# A literal used as a value: after ( , { [ or a space, before ) , : } ].
		{ grep -n -E "[(,{[ ]\"$name\"[),:}\]]" $files 2>/dev/null || true; } | { grep -v -E '^[^:]+:[0-9]+:\s*//' || true; } |
			while IFS=: read -r file line _; do echo "$file $line"; done
	done | sort -u >"$tmp/literals"
	while read -r file line; do
		[ -n "$file" ] || continue
		cp "$file" "$file.orig"
		name=$(sed -n "${line}p" "$file" | grep -o -E '"[a-z_]+"' | sed -n '1s/"//gp')
		sed -i -E "${line}s/\"$name\"/\"$(misspell "$name")\"/" "$file"
		run literal "\"$name\" at $file:$line" "$file"
	done <"$tmp/literals"
fi

echo "mutation check: $((killed + survived)) mutants, $killed killed, $survived survived"
for s in "${survivors[@]+"${survivors[@]}"}"; do
	echo "  survived: $s"
done
[ "$survived" -eq 0 ]
