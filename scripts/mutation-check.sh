#!/usr/bin/env bash
# mutation-check.sh: proves that compile/ cannot misspell or mix up an attribute name and still pass.
#
# compile/ names the attributes it reads by their Go identifiers in schema/ (schema.VaultTLSServerName),
# and its readers panic on an attribute that the body's schema does not declare. In a temporary copy
# of the repository, this script makes one mutant at a time and checks that the build or
# `go test ./compile/` fails (the mutant is "killed"):
#
#   ident    a use of schema.X in compile/ is misspelt (schema.Xx): the build must fail;
#   name     the Name of attribute X is misspelt in schema/ ("tls_server_name" -> "tls_server_namx"):
#            a compile test must notice (the setting is no longer read where configurations write it);
#   literal  a string literal in compile/ that equals an attribute name, used as a value (an argument,
#            a map key), is misspelt: the build or a test must fail;
#   swap     (with --swap) a use of schema.X in compile/build.go is replaced by an attribute of the
#            same kind from another block: the readers' panic must fail a test.
#
# It prints one line per surviving mutant and a summary, and exits 1 if any mutant survives. It is
# slow (a test run per mutant): run it by hand or in CI, not from `go test`.
#
# Usage: scripts/mutation-check.sh [--swap] [--only ident|name|literal|swap]
set -euo pipefail

swap=false
only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--swap) swap=true ;;
	--only) only="$2"; shift ;;
	*) echo "usage: $0 [--swap] [--only ident|name|literal|swap]" >&2; exit 2 ;;
	esac
	shift
done
[ "$only" = swap ] && swap=true

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C "$root" --exclude=.git -cf - . | tar -C "$tmp" -xf -
cd "$tmp"

killed=0
survived=0
survivors=()

# run KIND DESCRIPTION FILE CHECK: FILE has been mutated; CHECK is "build" or "test". The file is
# restored from FILE.orig afterwards.
run() {
	local kind=$1 what=$2 file=$3 check=$4 ok
	if [ "$check" = build ]; then
		if go build ./compile/ >/dev/null 2>&1; then ok=false; else ok=true; fi
	else
		if go test -count=1 ./compile/ >/dev/null 2>&1; then ok=false; else ok=true; fi
	fi
	mv "$file.orig" "$file"
	if $ok; then
		killed=$((killed + 1))
	else
		survived=$((survived + 1))
		survivors+=("$kind: $what")
		echo "SURVIVED $kind: $what" >&2
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

while read -r ident name kind decl; do
	# The first use of the identifier in compile/, if any.
	use=$({ grep -n -E "schema\.$ident\b" $files || true; } | sed -n 1p)
	[ -n "$use" ] || continue
	file=${use%%:*}
	rest=${use#*:}
	line=${rest%%:*}

	if want ident; then
		cp "$file" "$file.orig"
		sed -i -E "${line}s/schema\.$ident\b/schema.${ident}x/" "$file"
		run ident "schema.$ident at $file:$line" "$file" build
	fi

	if want name; then
		cp "$decl" "$decl.orig"
		sed -i -E "s/^(	$ident += &Attribute\{Name: \")$name\"/\1$(misspell "$name")\"/" "$decl"
		if cmp -s "$decl" "$decl.orig"; then
			echo "mutation-check: could not misspell $name in $decl" >&2
			exit 2
		fi
		run name "$name ($ident in $decl)" "$decl" test
	fi

	if $swap && want swap && [ "$file" = compile/build.go ]; then
		# Another attribute of the same kind, read from a different block.
		prefix=$(sed -E 's/^([A-Z][a-z]+).*/\1/' <<<"$ident")
		other=$(awk -v k="$kind" -v i="$ident" -v p="$prefix" \
			'$3 == k && $1 != i && index($1, p) != 1 && !found { print $1; found = 1 }' <<<"$attrs")
		if [ -n "$other" ]; then
			cp "$file" "$file.orig"
			sed -i -E "${line}s/schema\.$ident\b/schema.$other/" "$file"
			run swap "schema.$ident -> schema.$other at $file:$line" "$file" test
		fi
	fi
done <<<"$attrs"

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
		run literal "\"$name\" at $file:$line" "$file" test
	done <"$tmp/literals"
fi

echo "mutation check: $((killed + survived)) mutants, $killed killed, $survived survived"
for s in "${survivors[@]+"${survivors[@]}"}"; do
	echo "  survived: $s"
done
[ "$survived" -eq 0 ]
