#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-preflight.sh [KDIR]: the messages of tools/preflight.sh, which
# `make module` runs first, for each thing it checks: a running kernel
# without module support (this machine's own case when /proc/modules is
# missing), no headers for the running kernel, a KDIR that is no build
# tree, a kernel configured without modules, a compiler mismatch. KDIR is
# a real prepared tree that must pass (default: the newest VM kernel's).
# Nothing is built; it takes well under a second.

here=$(cd "$(dirname "$0")" && pwd)
pre=$here/preflight.sh
kdir=${1:-$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | grep -v -- -rt- | sort | tail -n 1)}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# expect DESC STATUS PATTERN [VAR=VALUE...] -- ARGS...: preflight.sh ARGS
# (in the environment given) exits with STATUS and says PATTERN (ERE,
# matched against its whole output joined into one line; empty: it says
# nothing).
expect() {
	desc=$1 want=$2 pat=$3
	shift 3
	envs=
	while [ "$1" != -- ]; do envs="$envs $1"; shift; done
	shift
	n=$((n + 1))
	# shellcheck disable=SC2086
	env $envs "$pre" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq "$want" ] && if [ -z "$pat" ]; then [ ! -s "$tmp/out" ]; else
		tr '\n' ' ' <"$tmp/out" | sed 's/  */ /g' | grep -Eq -- "$pat"; fi; then
		echo "ok $n preflight.$desc"
	else
		echo "not ok $n preflight.$desc"
		echo "# exit $rc, expected $want and /$pat/:"
		sed 's/^/#   /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

# A fake kernel tree: Makefile, auto.conf with CONFIG_MODULES=$2, the
# compiler text $3.
fake_kdir() {
	mkdir -p "$1/include/config" "$1/include/generated"
	: >"$1/Makefile"
	{ echo "CONFIG_64BIT=y"; [ "$2" = y ] && echo "CONFIG_MODULES=y"; } >"$1/include/config/auto.conf"
	echo "#define CONFIG_CC_VERSION_TEXT \"$3\"" >"$1/include/generated/autoconf.h"
}
mkdir -p "$tmp/proc-nomod" "$tmp/proc-mod" && : >"$tmp/proc-mod/modules"
cc_text=$(cc --version | head -n 1)
fake_kdir "$tmp/nomod" n "$cc_text"
fake_kdir "$tmp/othercc" y "gcc-99 (Fake 99.1.0-1) 99.1.0"
fake_kdir "$tmp/minorcc" y "gcc ($(cc -dumpfullversion | cut -d. -f1).99.0) $(cc -dumpfullversion | cut -d. -f1).99.0"

expect running_kernel_without_modules 1 \
	'running kernel \(9\.9\.9-test\) has no loadable module support.*KDIR=' \
	LKPORT_PREFLIGHT_RUNNING=9.9.9-test LKPORT_PREFLIGHT_PROC="$tmp/proc-nomod" -- \
	/lib/modules/9.9.9-test/build
if [ ! -e /proc/modules ]; then
	expect this_machines_kernel_has_no_modules 1 \
		"running kernel \\($(uname -r | sed 's/[.+]/\\&/g')\\) has no loadable module support" -- \
		"/lib/modules/$(uname -r)/build"
else
	echo "# this machine's kernel loads modules: its own case is the fake one above"
fi
expect no_headers_for_the_running_kernel 1 \
	'no kernel headers for the running kernel \(9\.9\.9-test\).*apt-get install linux-headers-9\.9\.9-test.*KDIR=' \
	LKPORT_PREFLIGHT_RUNNING=9.9.9-test LKPORT_PREFLIGHT_PROC="$tmp/proc-mod" -- \
	/lib/modules/9.9.9-test/build
expect kdir_not_a_build_tree 1 'KDIR=/nonexistent/kdir is not a kernel build tree' -- /nonexistent/kdir
expect kernel_configured_without_modules 1 'configured without module support \(CONFIG_MODULES is not set' -- \
	"$tmp/nomod"
expect compiler_mismatch 1 "compiler mismatch: .*built with 'gcc-99 \\(Fake 99\\.1\\.0-1\\) 99\\.1\\.0'.*CC=gcc-99" -- \
	"$tmp/othercc" cc
expect compiler_mismatch_allowed 0 'warning: compiler mismatch.*going ahead' LKPORT_CC_MISMATCH_OK=1 -- \
	"$tmp/othercc" cc
expect compiler_minor_version_warns 0 'warning: the kernel was built with gcc [0-9]+\.99\.0' -- "$tmp/minorcc" cc
expect compiler_missing 1 'CC=no-such-cc does not run' -- "$tmp/minorcc" no-such-cc
if [ -n "$kdir" ] && [ -f "$kdir/Makefile" ]; then
	# Debian's headers name their compiler gcc-12, as make's cc is.
	expect a_prepared_tree_passes_silently 0 '' LKPORT_PREFLIGHT_PROC="$tmp/proc-mod" -- "$kdir" cc
else
	echo "# no kernel headers installed: the passing case is left out"
fi

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }
