#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-bench-targets.sh: bench/targets.sh on synthetic console logs: a
# kernel with two `make bench` boots, one with a `make bench-core` boot of
# two runs (its tags "core-cross" and "core"), a log with no kernel line.
# Checks the medians and ranges, both kinds of goal, the verdicts, the
# rows a log lacks and the count of the rows no log has. No VM; well
# under a second. The --tsv form too.

here=$(cd "$(dirname "$0")/.." && pwd)
targets=$here/bench/targets.sh
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# full KERNEL MUTEX PP_P50 FUTEX_US EVENT_US WMAP_B1 MQ_B1: the lines of a
# `make bench` boot that the checks below read
full() {
	printf '%s\n' \
		"[    1.0] lkport in-kernel benchmarks: kernel $1, 2 CPUs online" \
		"  operation      lkport    ns   Linux   ns   lkport/Linux" \
		"  lock+unlock    lk_mutex_lock+unlock   40.00   mutex_lock+unlock   50.00   $2" \
		"  ping-pong round trip   lk_event   900 1200 800 950" \
		"                         completion 850 1100 700 900" \
		"                         lkport/Linux $3 1.09 1.14 1.05" \
		"RESULT kernel=$1" \
		"RESULT pingpong.cross.futex.median_us=$4" \
		"RESULT pingpong.cross.lkport-event.median_us=$5" \
		"RESULT throughput.cross.lkport-wmap-b1.packets_per_s=$6" \
		"RESULT throughput.cross.mq-b1.packets_per_s=$7" \
		"RESULT throughput.cross.mq-b1.vs_lkport=n/a"
}
{
	full 6.12.1 0.70 1.05 20.0 19.0 4000000 1000000
	echo "RESULT pingpong.cross.futex.p99_us=100"
	echo "RESULT pingpong.cross.lkport-event.p99_us=50"
} > "$tmp/a.log"
full 6.12.1 0.80 1.07 20.0 21.0 5000000 1000000 | sed 's/$/\r/' > "$tmp/b.log"
{
	echo "lkport in-kernel benchmarks: kernel 6.1.2, 2 CPUs online"
	echo "==== bench-core run 1"
	echo "  lock+unlock    a   1.00   b   1.00   0.90"
	echo "RESULT pingpong.core-cross.futex.median_us=10"
	echo "RESULT pingpong.core-cross.lkport-event.median_us=12"
	echo "RESULT oneway.core.lkport-port.avg_us=30"
	echo "RESULT oneway.core.mq.avg_us=40"
	echo "==== bench-core run 1 end"
	echo "==== bench-core run 2"
	echo "  lock+unlock    a   1.00   b   1.00   1.20"
	echo "RESULT pingpong.core-cross.futex.median_us=10"
	echo "RESULT pingpong.core-cross.lkport-event.median_us=11"
	echo "RESULT oneway.core.lkport-port.avg_us=50"
	echo "RESULT oneway.core.mq.avg_us=40"
	echo "==== bench-core run 2 end"
} > "$tmp/c.log"
echo "RESULT pingpong.cross.futex.median_us=1" > "$tmp/nokernel.log"

"$targets" "$tmp/a.log" "$tmp/b.log" "$tmp/c.log" "$tmp/nokernel.log" > "$tmp/out" 2>&1
rc=$?

# expect DESC PATTERN: the output has a line matching PATTERN (ERE)
expect() {
	n=$((n + 1))
	if grep -Eq -- "$2" "$tmp/out"; then
		echo "ok $n targets.$1"
	else
		echo "not ok $n targets.$1"
		echo "# no line matches /$2/ in:"
		sed 's/^/#   /' "$tmp/out"
		failed=$((failed + 1))
	fi
}
# refuse DESC PATTERN: no line matches PATTERN
refuse() {
	n=$((n + 1))
	if grep -Eq -- "$2" "$tmp/out"; then
		echo "not ok $n targets.$1"
		grep -E -- "$2" "$tmp/out" | sed 's/^/#   /'
		failed=$((failed + 1))
	else
		echo "ok $n targets.$1"
	fi
}

n=$((n + 1))
if [ $rc -eq 0 ]; then echo "ok $n targets.exit_status"; else
	echo "not ok $n targets.exit_status"; echo "# exit $rc"; failed=$((failed + 1)); fi
expect header '^\| target \| goal \| 6\.12\.1, runs: 2 \| 6\.1\.2, runs: 2 \| verdict \|$'
# median of 0.70 and 0.80 on one kernel, of 0.90 and 1.20 (two runs of
# one log) on the other: 1.05 is 5% over 1.00
# shellcheck disable=SC2016 # the backquotes are the label's markdown
expect median_range_and_over '^\| time: in-kernel uncontended, `lk_mutex` / `mutex` \| <= 1\.00 \| 0\.75 \(0\.70-0\.80\) \| 1\.05 \(0\.90-1\.20\) \| not met: 5% over \|$'
expect row_one_kernel_lacks '^\| time: in-kernel cross-CPU wake ping-pong p50, .* \| <= 1\.00 \| 1\.06 \(1\.05-1\.07\) \| - \| not met: 6% over \|$'
# 19/20 and 21/20 on 6.12.1; 12/10 and 11/10 through the core-cross tag
expect core_tags '^\| time: event ping-pong p50, 2 CPUs, two calls / futex \| <= 1\.00 \| 1\.00 \(0\.95-1\.05\) \| 1\.15 \(1\.10-1\.20\) \| not met: 15% over \|$'
expect oneway_core_tag '^\| time: one-way mean, .* \| <= 1\.00 \| - \| 1\.00 \(0\.75-1\.25\) \| met \|$'
# a row only one of the two 6.12.1 runs has
expect runs_of_row '^\| time: event ping-pong p99, 2 CPUs, two calls / futex \| <= 1\.00 \| 0\.50 \(1 of 2\) \| - \| met \|$'
expect rate_met '^\| rate: 16-byte packets, 1 per put, mapped / POSIX mq \| >= 3\.00 \| 4\.50 \(4\.00-5\.00\) \| - \| met \|$'
refuse unmeasured_rows_left_out 'rate: 16-byte packets, 64 per put'
refuse no_kernel_no_column 'runs: 1'
expect unmeasured_count '^28 of 35 targets not in these logs\.$'

# a rate under its goal
full 6.12.1 0.70 1.05 20.0 19.0 2400000 1000000 > "$tmp/a.log"
"$targets" "$tmp/a.log" > "$tmp/out" 2>&1
expect rate_short '^\| rate: 16-byte packets, 1 per put, mapped / POSIX mq \| >= 3\.00 \| 2\.40 \| not met: 20% short \|$'
# --tsv: label, kernel, median, goal, margin (goal / median for a time)
"$targets" --tsv "$tmp/a.log" > "$tmp/out" 2>&1
# shellcheck disable=SC2016 # the backquotes are the label's markdown
expect tsv_time "$(printf '^time: in-kernel uncontended, `lk_mutex` / `mutex`\t6\\.12\\.1\t0\\.7000\t1\\.00\t1\\.4286$')"
expect tsv_rate "$(printf '^rate: 16-byte packets, 1 per put, mapped / POSIX mq\t6\\.12\\.1\t2\\.4000\t3\\.00\t0\\.8000$')"
refuse tsv_no_table '^\|'
"$targets" > "$tmp/out" 2>&1
rc=$?
n=$((n + 1))
if [ $rc -eq 2 ] && grep -q usage "$tmp/out"; then echo "ok $n targets.usage"; else
	echo "not ok $n targets.usage"; echo "# exit $rc"; failed=$((failed + 1)); fi

echo "# targets.sh: $((n - failed)) of $n passed"
[ $failed -eq 0 ]
