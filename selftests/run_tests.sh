#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh [DIR]: runs the selftests listed in DIR/tests.list (default:
# this script's directory) and prints one TAP stream, as the kernel's
# kselftest runner does: each test's own TAP indented under "# ", then
# "ok N selftests: lkport: NAME". Exit status 0 when every test passed or
# skipped. Works with busybox sh.
#
# Environment: LKPORT_TEST_TIMEOUT (seconds per test, default 300),
# LKPORT_TEST_LOGDIR (keep each test's output there, default a temp dir),
# LKPORT_TESTS (space-separated subset of names to run). After each test a
# "# time: NAME S s" line says how long it took (what make check's time is
# made of).

dir=${1:-$(dirname "$0")}
timeout=${LKPORT_TEST_TIMEOUT:-300}
logdir=${LKPORT_TEST_LOGDIR:-$(mktemp -d)}
mkdir -p "$logdir"

tests=${LKPORT_TESTS:-$(cat "$dir/tests.list")}
total=0
for t in $tests; do total=$((total + 1)); done

echo "TAP version 13"
echo "1..$total"
n=0 pass=0 fail=0 skip=0 failed=
uptime_s() { cut -d' ' -f1 /proc/uptime 2>/dev/null || echo 0; }
for t in $tests; do
	n=$((n + 1))
	echo "# selftests: lkport: $t"
	t0=$(uptime_s)
	# The test's exit status travels through a file: busybox ash has no
	# PIPESTATUS, and the output must stream as it is produced.
	( cd "$dir" && timeout "$timeout" "./$t" 2>&1; echo $? > "$logdir/$t.rc" ) |
		tee "$logdir/$t.log" | sed 's/^/# /' 2>/dev/null || true
	rc=$(cat "$logdir/$t.rc" 2>/dev/null || echo 1)
	case $rc in
	0)  pass=$((pass + 1)); echo "ok $n selftests: lkport: $t" ;;
	4)  skip=$((skip + 1)); echo "ok $n selftests: lkport: $t # SKIP" ;;
	124|143) fail=$((fail + 1)); failed="$failed $t"
	    echo "not ok $n selftests: lkport: $t # TIMEOUT $timeout seconds" ;;
	*)  fail=$((fail + 1)); failed="$failed $t"
	    echo "not ok $n selftests: lkport: $t # exit=$rc" ;;
	esac
	awk -v t="$t" -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "# time: %s %.1f s\n", t, b - a }'
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ -z "$failed" ] || echo "# Failed:$failed (logs in $logdir)"
[ "$fail" -eq 0 ]
