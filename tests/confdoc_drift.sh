#!/bin/sh
# confdoc_drift.sh — make check: man/aurora.conf.5, etc/aurora.conf and
# docs/configuration.md must be exactly what tools/confdoc makes of their
# templates and of the settings table in src/core/conf.c, and the sample
# must parse. Run from the build directory (srcdir set by automake).
set -u
srcdir=${srcdir:-.}
confdoc=./tools/confdoc
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
rc=0
for pair in man/aurora.conf.5:man etc/aurora.conf:conf docs/configuration.md:md; do
	file=${pair%%:*}
	fmt=${pair##*:}
	if ! "$confdoc" "$fmt" "$srcdir/$file.in" > "$tmp/out"; then
		echo "FAIL: tools/confdoc $fmt $file.in failed"
		rc=1
		continue
	fi
	if ! diff -u "$srcdir/$file" "$tmp/out" > "$tmp/diff"; then
		head -n 40 "$tmp/diff"
		echo "FAIL: $file differs from src/core/conf.c and $file.in: run 'make confdoc' in the build directory and commit the result"
		rc=1
	fi
done
if ! "$confdoc" check "$srcdir/etc/aurora.conf"; then
	echo "FAIL: the sample etc/aurora.conf does not parse"
	rc=1
fi
exit $rc
