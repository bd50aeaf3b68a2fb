#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# targets.sh [--tsv] LOG...: where lkport stands against each of its performance
# targets, as a markdown table with one column per kernel, from the VM
# console logs of `make bench` (a boot is a run) or `make bench-core`
# (each "==== bench-core run K" section is a run). A cell is the median
# over that kernel's runs, with the range over them in brackets (and "N of
# M" when only N of the kernel's M runs had the row); the last
# column says whether every kernel's median meets the goal and, if not,
# how far the worst one is from it.
#
# Two kinds of row:
#   time  lkport's time over the peer's, measured in the same run; the
#         goal is an upper bound ("<= 0.90": lkport 10% faster or more)
#   rate  lkport's rate over the peer's (packets/s); the goal is a lower
#         bound (">= 3.00": three times the peer's rate or more)
# A row lkport's own ("scale") compares lkport at two sizes of one run.
#
# Which lkport each row measures is in its label: "two calls" rows make
# the same calls a peer does (a signal, then a wait), "one call" rows use
# LKPORT_IOC_SIGNAL_WAIT or LKPORT_IOC_WRITE_READ, "mapped" rows the
# mapped write ring (ABI 1.10) and mapped read ring. A row a log does not
# have (a section left out with BENCH_ONLY) shows "-"; a row no kernel
# has is left out, and a line under the table counts those.
#
# --tsv prints, instead of the table, a line per row and kernel: label,
# kernel, median, goal, and how far it is from the goal as one number
# ("margin": goal / median for time rows, median / goal for rate rows,
# so at or above 1 is met), tab-separated (bench/plot.sh draws them).
set -eu
tsv=0
[ "${1-}" = --tsv ] && { tsv=1; shift; }
[ $# -ge 1 ] || { echo "usage: targets.sh [--tsv] LOG..." >&2; exit 2; }

for log in "$@"; do
	tr -d '\r' < "$log" | awk -v lf="$log" '
	BEGIN { run = lf; mode = "" }
	/^==== bench-core run [0-9]+$/ { run = lf ":" $4; mode = ""; next }
	/in-kernel benchmarks: kernel / {
		k = $0; sub(/.*in-kernel benchmarks: kernel /, "", k); sub(/,.*/, "", k)
		print run "\tkernel\t" k; print lf "\tlogkernel\t" k
	}
	/^RESULT kernel=/ { print lf "\tlogkernel\t" substr($0, 15) }
	$1 == "lock+unlock" { print run "\tk.mutex\t" $NF }
	$1 == "post+wait" { print run "\tk.sem\t" $NF }
	$1 == "signal+wait" { print run "\tk.event\t" $NF }
	/ping-pong round trip/ { mode = "pp" }
	/signal to running/ { mode = "wake" }
	$1 == "lkport/Linux" && mode != "" {
		print run "\tk." mode ".p50\t" $2; print run "\tk." mode ".p99\t" $3; mode = ""
	}
	/^RESULT [^=]+=/ {
		kv = substr($0, 8); i = index(kv, "=")
		print run "\t" substr(kv, 1, i - 1) "\t" substr(kv, i + 1)
	}'
done | awk -F '\t' -v tsv="$tsv" '
{
	r = $1; key = $2; x = $3
	log_of[r] = r; sub(/:[0-9]+$/, "", log_of[r])
	if (key == "logkernel") { if (!(r in logkern)) logkern[r] = x; next }
	if (key == "kernel") { kern[r] = x; next }
	if (x !~ /^-?[0-9.]+$/) next
	# a run is one with a number in it (not what a log has before its
	# first "==== bench-core run")
	if (!(r in seen)) { seen[r] = 1; runs[nr++] = r }
	val[r, key] = x + 0
}
# get(r, key): the value, or -1 without one. The pingpong and oneway keys of
# a bench-core run carry the tag "core-cross"/"core-same"/"core", those of
# a full run "cross"/"same".
function get(r, key,    alt) {
	if ((r, key) in val) return val[r, key]
	alt = key
	if (sub(/^pingpong\.cross\./, "pingpong.core-cross.", alt) ||
	    sub(/^pingpong\.same\./, "pingpong.core-same.", alt) ||
	    sub(/^oneway\.cross\./, "oneway.core.", alt))
		if ((r, alt) in val) return val[r, alt]
	return -1
}
function q(r, a, b,    p, w) {
	p = get(r, a); w = get(r, b)
	return p < 0 || w <= 0 ? -1 : p / w
}
function median(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	lo = a[1]; hi = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# One row: label, "le" or "ge", the goal, then the value of each run
# (computed by value(), below, from the row number).
function row(n, label, dir, goal,    i, j, k, s, list, m, worst, have, verdict, c, cell, tmp, rng) {
	s = "| " label " | " (dir == "le" ? "<= " : ">= ") sprintf("%.2f", goal)
	have = 0; worst = ""
	for (i = 0; i < nk; i++) {
		k = ks[i]; list = ""
		for (j = 0; j < nr; j++) {
			if (kern[runs[j]] != k) continue
			c = value(n, runs[j])
			if (c >= 0) list = list " " c
		}
		if (list == "") { s = s " | -"; continue }
		m = median(list)
		cell = sprintf("%.2f", m)
		# the range; and how many runs the row had, if not every run
		# of the kernel (a section left out of some boots)
		c = split(list, tmp, " ")
		rng = sprintf("%.2f", lo) != sprintf("%.2f", hi) ? sprintf("%.2f", lo) "-" sprintf("%.2f", hi) : ""
		if (c < nruns[k]) rng = rng (rng == "" ? "" : "; ") c " of " nruns[k]
		if (rng != "") cell = cell " (" rng ")"
		s = s " | " cell
		if (tsv) printf "%s\t%s\t%.4f\t%.2f\t%.4f\n", label, k, m, goal, dir == "le" ? (m > 0 ? goal / m : 0) : m / goal
		have++
		if (worst == "" || (dir == "le" ? m > worst : m < worst)) worst = m
	}
	nrows++
	if (!have) { unmeasured++; return }
	if (tsv) return
	if (dir == "le" ? worst <= goal : worst >= goal) verdict = "met"
	else if (dir == "le") verdict = sprintf("not met: %.0f%% over", (worst / goal - 1) * 100)
	else verdict = sprintf("not met: %.0f%% short", (1 - worst / goal) * 100)
	print s " | " verdict " |"
}
function pp(r, place, lk, peer, stat) {
	return q(r, "pingpong." place "." lk "." stat "_us", "pingpong." place "." peer "." stat "_us")
}
function tp(r, a, b) {
	return q(r, "throughput.cross." a ".packets_per_s", "throughput.cross." b ".packets_per_s")
}
function value(n, r) {
	if (n == 1) return get(r, "k.mutex")
	if (n == 2) return get(r, "k.sem")
	if (n == 3) return get(r, "k.event")
	if (n == 4) return get(r, "k.pp.p50")
	if (n == 5) return get(r, "k.pp.p99")
	if (n == 6) return pp(r, "cross", "lkport-event", "futex", "median")
	if (n == 7) return pp(r, "cross", "lkport-event", "futex", "p99")
	if (n == 8) return pp(r, "cross", "lkport-event-call", "futex", "median")
	if (n == 9) return pp(r, "cross", "lkport-event-call", "futex", "p99")
	if (n == 10) return pp(r, "same", "lkport-event", "futex", "median")
	if (n == 11) return pp(r, "same", "lkport-event", "futex", "p99")
	if (n == 12) return pp(r, "same", "lkport-event-call", "futex", "median")
	if (n == 13) return pp(r, "same", "lkport-event-call", "futex", "p99")
	if (n == 14) return pp(r, "cross", "lkport-port", "mq", "median")
	if (n == 15) return pp(r, "cross", "lkport-port-call", "mq", "median")
	if (n == 16) return pp(r, "same", "lkport-port", "mq", "median")
	if (n == 17) return pp(r, "same", "lkport-port-call", "mq", "median")
	if (n == 18) return pp(r, "cross", "lkport-rw", "pipe", "median")
	if (n == 19) return pp(r, "cross", "lkport-port-call", "pipe", "median")
	if (n == 20) return pp(r, "same", "lkport-rw", "pipe", "median")
	if (n == 21) return pp(r, "same", "lkport-port-call", "pipe", "median")
	if (n == 22) return q(r, "oneway.cross.lkport-port.avg_us", "oneway.cross.mq.avg_us")
	if (n == 23) return q(r, "oneway.cross.lkport-port.max_us", "oneway.cross.mq.max_us")
	if (n == 36) return q(r, "oneway.cross.lkport-rw.avg_us", "oneway.cross.mq.avg_us")
	if (n == 37) return q(r, "oneway.cross.lkport-rw.max_us", "oneway.cross.mq.max_us")
	if (n == 24) return tp(r, "lkport-wmap-b1", "mq-b1")
	if (n == 25) return tp(r, "lkport-wmap-b64", "mq-b1")
	if (n == 26) return tp(r, "lkport-wmap-b1", "pipe-b1")
	if (n == 27) return tp(r, "lkport-wmap-b64", "pipe-b64")
	if (n == 30) return tp(r, "lkport-bc8-b1", "pipe8-b1")
	if (n == 31) return tp(r, "lkport-map-bc8-b64", "pipe8-b64")
	if (n == 32) return get(r, "scale.open.lkport-event.n10000.vs_first")
	if (n == 33) return get(r, "scale.open.lkport-port.n10000.vs_first")
	if (n == 34) return q(r, "scale.wake.lkport-event.n1000.per_unit_ns", "scale.wake.lkport-event.n100.per_unit_ns")
	if (n == 35) return q(r, "scale.fanout.lkport-port.n1000.per_unit_ns", "scale.fanout.lkport-port.n64.per_unit_ns")
	return -1
}
END {
	for (j = 0; j < nr; j++) {
		r = runs[j]
		if (!(r in kern) && (log_of[r] in logkern)) kern[r] = logkern[log_of[r]]
		k = kern[r]
		if (k == "") continue
		if (!(k in kseen)) { kseen[k] = 1; ks[nk++] = k }
		nruns[k]++
	}
	h = "| target | goal"; sep = "|---|---"
	for (i = 0; i < nk; i++) { h = h " | " ks[i] ", runs: " nruns[ks[i]]; sep = sep "|---" }
	if (!tsv) { print h " | verdict |"; print sep "|---|" }
	row(1, "time: in-kernel uncontended, `lk_mutex` / `mutex`", "le", 1.0)
	row(2, "time: in-kernel uncontended, `lk_sem` / `semaphore`", "le", 1.0)
	row(3, "time: in-kernel uncontended, `lk_event` signal+wait / `completion`", "le", 1.0)
	row(4, "time: in-kernel cross-CPU wake ping-pong p50, `lk_event` / `completion`", "le", 1.0)
	row(5, "time: in-kernel cross-CPU wake ping-pong p99, `lk_event` / `completion`", "le", 1.0)
	row(6, "time: event ping-pong p50, 2 CPUs, two calls / futex", "le", 1.0)
	row(7, "time: event ping-pong p99, 2 CPUs, two calls / futex", "le", 1.0)
	row(8, "time: event ping-pong p50, 2 CPUs, one call / futex", "le", 1.0)
	row(9, "time: event ping-pong p99, 2 CPUs, one call / futex", "le", 1.0)
	row(10, "time: event ping-pong p50, 1 CPU, two calls / futex", "le", 1.0)
	row(11, "time: event ping-pong p99, 1 CPU, two calls / futex", "le", 1.0)
	row(12, "time: event ping-pong p50, 1 CPU, one call / futex", "le", 1.0)
	row(13, "time: event ping-pong p99, 1 CPU, one call / futex", "le", 1.0)
	row(14, "time: port ping-pong p50, 2 CPUs, two ioctls / POSIX mq", "le", 0.9)
	row(15, "time: port ping-pong p50, 2 CPUs, one call / POSIX mq", "le", 0.9)
	row(16, "time: port ping-pong p50, 1 CPU, two ioctls / POSIX mq", "le", 0.9)
	row(17, "time: port ping-pong p50, 1 CPU, one call / POSIX mq", "le", 0.9)
	row(18, "time: port ping-pong p50, 2 CPUs, `write(2)`+`read(2)` / pipe", "le", 0.9)
	row(19, "time: port ping-pong p50, 2 CPUs, one call / pipe", "le", 0.9)
	row(20, "time: port ping-pong p50, 1 CPU, `write(2)`+`read(2)` / pipe", "le", 0.9)
	row(21, "time: port ping-pong p50, 1 CPU, one call / pipe", "le", 0.9)
	row(22, "time: one-way mean, pmqtest method, 2 CPUs, port by ioctls / POSIX mq", "le", 1.0)
	row(23, "time: one-way max, pmqtest method, 2 CPUs, port by ioctls / POSIX mq", "le", 1.0)
	row(36, "time: one-way mean, pmqtest method, 2 CPUs, port by `write(2)`/`read(2)` / POSIX mq", "le", 1.0)
	row(37, "time: one-way max, pmqtest method, 2 CPUs, port by `write(2)`/`read(2)` / POSIX mq", "le", 1.0)
	row(24, "rate: 16-byte packets, 1 per put, mapped / POSIX mq", "ge", 3.0)
	row(25, "rate: 16-byte packets, 64 per put, mapped / POSIX mq (1 per call)", "ge", 3.0)
	row(26, "rate: 16-byte packets, 1 per put, mapped / pipe", "ge", 1.0)
	row(27, "rate: 16-byte packets, 64 per put, mapped / pipe", "ge", 1.0)
	row(30, "rate: broadcast to 8 readers, 1 per call / 8 pipes in turn", "ge", 1.0)
	row(31, "rate: broadcast to 8 readers, 64 per call, mapped readers / 8 pipes", "ge", 1.0)
	row(32, "scale: open an event by name, 10,000 live / 10 live", "le", 1.1)
	row(33, "scale: open a port by name, 10,000 live / 10 live", "le", 1.1)
	row(34, "scale: one signal, per waiter, 1,000 waiters / 100", "le", 1.1)
	row(35, "scale: one write, per reader, 1,000 readers / 64", "le", 1.1)
	if (unmeasured && !tsv) printf "\n%d of %d targets not in these logs.\n", unmeasured, nrows
}'
