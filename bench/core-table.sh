#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# core-table.sh LOG...: the rows `make bench-core` follows, as a markdown
# table with one column per kernel, from VM console logs of lkport.bench=core
# boots (vm/lkport-bench.sh). Each "==== bench-core run K" section of a log
# is one run; a cell is the range over all runs of that kernel ("low-high").
#
# Every row is lkport's time over its peer's, measured in the same run:
# below 1 means lkport is faster.
#   in-kernel, uncontended   lk_mutex/mutex, lk_sem/semaphore,
#                            lk_event/completion (ktest_bench.c, medians)
#   in-kernel ping-pong      cross-CPU round trip, lk_event/completion,
#                            p50 and p99
#   user ping-pong           lkport event/futex, 2 CPUs and 1 CPU, p50, p99
#   one-way                  lkport port/POSIX mq across CPUs, pmqtest's
#                            method, mean and max
set -eu
[ $# -ge 1 ] || { echo "usage: core-table.sh LOG..." >&2; exit 2; }

for log in "$@"; do
	tr -d '\r' < "$log" | awk -v lf="$log" '
	/^==== bench-core run [0-9]+$/ { run = lf ":" $4; inrun = 1; mode = ""; next }
	/^==== bench-core run [0-9]+ end$/ { inrun = 0; next }
	!inrun { next }
	$1 == "lock+unlock" { print run "\t" "k.mutex" "\t" $NF }
	$1 == "post+wait" { print run "\t" "k.sem" "\t" $NF }
	$1 == "signal+wait" { print run "\t" "k.event" "\t" $NF }
	/ping-pong round trip/ { mode = "pp" }
	/signal to running/ { mode = "wake" }
	$1 == "lkport/Linux" && mode != "" { print run "\t" "k." mode ".p50" "\t" $2; print run "\t" "k." mode ".p99" "\t" $3; mode = "" }
	/^RESULT / { sub(/^RESULT /, ""); split($0, kv, "="); print run "\t" "r." kv[1] "\t" kv[2] }
	' | sed "s/^/$(tr -d '\r' < "$log" | sed -n 's/.*in-kernel benchmarks: kernel \([^,]*\),.*/\1/p' | head -1)\t/"
done | awk -F '\t' '
{
	k = $1; run = $2; key = $3; v = $4
	if (!(k in seen)) { seen[k] = 1; ks[nk++] = k }
	if (!((k, run) in runs)) { runs[k, run] = 1; nruns[k]++ }
	val[k, run, key] = v
	runlist[k] = runlist[k] " " run
}
function add(k, key, v) {
	if (!((k, key) in cnt) || v < lo[k, key]) lo[k, key] = v
	if (!((k, key) in cnt) || v > hi[k, key]) hi[k, key] = v
	cnt[k, key]++
}
# ratio rows from the RESULT values of one run: lkport / peer
function ratio(k, run, name, a, b) {
	if ((k, run, a) in val && (k, run, b) in val && val[k, run, b] > 0)
		add(k, name, val[k, run, a] / val[k, run, b])
}
END {
	for (i = 0; i < nk; i++) {
		k = ks[i]
		n = split(runlist[k], rl, " ")
		for (j = 1; j <= n; j++) {
			r = rl[j]
			if ((k, r, "done") in val) continue
			val[k, r, "done"] = 1
			split("k.mutex k.sem k.event k.pp.p50 k.pp.p99 k.wake.p50 k.wake.p99", kk, " ")
			for (m = 1; m <= 7; m++) if ((k, r, kk[m]) in val) add(k, kk[m], val[k, r, kk[m]])
			for (p = 1; p <= 2; p++) {
				t = p == 1 ? "core-cross" : "core-same"
				ratio(k, r, t ".p50", "r.pingpong." t ".lkport-event.median_us", "r.pingpong." t ".futex.median_us")
				ratio(k, r, t ".p99", "r.pingpong." t ".lkport-event.p99_us", "r.pingpong." t ".futex.p99_us")
			}
			ratio(k, r, "oneway.avg", "r.oneway.core.lkport-port.avg_us", "r.oneway.core.mq.avg_us")
			ratio(k, r, "oneway.max", "r.oneway.core.lkport-port.max_us", "r.oneway.core.mq.max_us")
		}
	}
	h = "| lkport / peer (below 1: lkport faster)"; sep = "|---"
	for (i = 0; i < nk; i++) { h = h " | " ks[i] ", runs: " nruns[ks[i]]; sep = sep "|---" }
	print h " |"; print sep "|"
	nrow = split("k.mutex|k.sem|k.event|k.pp.p50|k.pp.p99|k.wake.p50|k.wake.p99|core-cross.p50|core-cross.p99|core-same.p50|core-same.p99|oneway.avg|oneway.max", keys, "|")
	split("in-kernel, uncontended: lk_mutex / mutex|in-kernel, uncontended: lk_sem / semaphore|in-kernel, uncontended: lk_event / completion|in-kernel, cross-CPU ping-pong p50: lk_event / completion|in-kernel, cross-CPU ping-pong p99: lk_event / completion|in-kernel, signal to running p50: lk_event / completion|in-kernel, signal to running p99: lk_event / completion|user ping-pong, 2 CPUs, p50: lkport event / futex|user ping-pong, 2 CPUs, p99: lkport event / futex|user ping-pong, 1 CPU, p50: lkport event / futex|user ping-pong, 1 CPU, p99: lkport event / futex|one-way, pmqtest method, 2 CPUs, mean: lkport port / mq|one-way, pmqtest method, 2 CPUs, max: lkport port / mq", labels, "|")
	for (j = 1; j <= nrow; j++) {
		s = "| " labels[j]
		for (i = 0; i < nk; i++) {
			k = ks[i]
			if (!((k, keys[j]) in cnt)) { s = s " | -"; continue }
			a = sprintf("%.2f", lo[k, keys[j]]); b = sprintf("%.2f", hi[k, keys[j]])
			s = s " | " (a == b ? a : a "-" b)
		}
		print s " |"
	}
}'
