#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-help.sh ROOT: every phony target of the top-level Makefile (and
# the files it includes) is named in `make help`, as "make TARGET" or
# first on a line of its own. Part of make style.
set -u
root=$1
help=$(make --no-print-directory -C "$root" help) || exit 1
targets=$(make --no-print-directory -C "$root" -pnq help 2>/dev/null |
	sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | grep . | sort -u)
missing=
for t in $targets; do
	echo "$help" | grep -qE "(^|[ \`(])make $t([ ,:;)\`]|\$)|^ *$t( |\$)|, $t([ ,:;)]|\$)" ||
		missing="$missing $t"
done
[ -z "$missing" ] || { echo "make help does not list:$missing (the Makefile's '#   make TARGET' lines)" >&2; exit 1; }
