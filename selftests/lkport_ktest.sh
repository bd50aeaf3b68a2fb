#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lkport_ktest.sh: runs lkport's in-kernel tests (lkport_ktest.ko) and
# prints their KTAP output. POSIX sh; works with busybox ash.
#
# Needs root, lkport.ko loaded and debugfs. Loads lkport_ktest.ko (unless it
# is loaded already), writes the mode to /sys/kernel/debug/lkport_ktest/run,
# prints the results and unloads the module again.
#
# Environment:
#   LKPORT_KTEST_KO    the module (default: /lkport/lkport_ktest.ko, then
#                      next to this script, then ../build/kmod/$(uname -r)/)
#   LKPORT_KTEST_MODE  what to run: "all" (default), "stress", suites
#                      ("event") or cases ("event.basic", as the results
#                      name them), "scale=N" (see module/ktest/ktest_main.c);
#                      if unset, lkport.ktest=WORD[,WORD...] on the kernel
#                      command line
#
# Exit status: 0 every test passed, 1 a test failed or the module did not
# load or unload, 4 skipped (no module, no lkport, no debugfs, not root).

ksft_skip=4
here=$(cd "$(dirname "$0")" && pwd)
mode=${LKPORT_KTEST_MODE:-}
# In lkport's VM the mode may come from the kernel command line:
# lkport.ktest=stress, or lkport.ktest=mutex,port (commas for spaces).
if [ -z "$mode" ]; then
	for arg in $(cat /proc/cmdline 2>/dev/null); do
		case $arg in
		lkport.ktest=*) mode=$(echo "${arg#lkport.ktest=}" | tr , ' ') ;;
		esac
	done
fi
mode=${mode:-all}
dbg=/sys/kernel/debug
dir=$dbg/lkport_ktest

skip() {
	echo "# SKIP: $*"
	echo "1..0 # SKIP $*"
	exit $ksft_skip
}

fail() {
	echo "# FAIL: $*"
	exit 1
}

find_ko() {
	if [ -n "${LKPORT_KTEST_KO:-}" ]; then
		echo "$LKPORT_KTEST_KO"
		return
	fi
	for ko in /lkport/lkport_ktest.ko \
		"$here/lkport_ktest.ko" \
		"$here/../lkport_ktest.ko" \
		"$here/../build/kmod/$(uname -r)/lkport_ktest.ko" \
		"$here/../../build/kmod/$(uname -r)/lkport_ktest.ko" \
		"$here/../kmod/$(uname -r)/lkport_ktest.ko"; do
		if [ -f "$ko" ]; then
			echo "$ko"
			return
		fi
	done
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ -d /sys/module/lkport ] || skip "lkport.ko is not loaded"

if ! grep -q " $dbg debugfs " /proc/mounts; then
	mount -t debugfs debugfs "$dbg" 2>/dev/null ||
		skip "debugfs is not mounted on $dbg and cannot be"
fi

loaded_here=0
if [ ! -d /sys/module/lkport_ktest ]; then
	ko=$(find_ko)
	if [ -z "$ko" ]; then
		if modinfo lkport_ktest >/dev/null 2>&1; then
			modprobe lkport_ktest || fail "modprobe lkport_ktest failed"
		else
			skip "lkport_ktest.ko not found (set LKPORT_KTEST_KO)"
		fi
	else
		[ -f "$ko" ] || skip "$ko does not exist"
		insmod "$ko" || fail "insmod $ko failed"
	fi
	loaded_here=1
fi
if [ ! -w "$dir/run" ]; then
	[ $loaded_here = 1 ] && rmmod lkport_ktest
	skip "$dir/run is missing (is debugfs available?)"
fi

echo "# lkport_ktest: running \"$mode\" (output appears when the run ends;" \
	"progress is in dmesg)"
rc=0
if ! echo "$mode" > "$dir/run"; then
	rc=1
fi
cat "$dir/results"

# The write fails (-EIO) when a test failed; check the output as well.
grep -q '^not ok' "$dir/results" && rc=1
grep -q '^# Totals: ' "$dir/results" || rc=1

if [ $loaded_here = 1 ] && ! rmmod lkport_ktest; then
	echo "# FAIL: rmmod lkport_ktest failed"
	rc=1
fi
exit $rc
