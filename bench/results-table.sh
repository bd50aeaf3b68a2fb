#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# results-table.sh LOG...: the user-space benchmarks' ratios as a markdown
# table, one column per kernel, from the "RESULT key=value" lines that
# run-user-bench.sh prints (a VM console log will do). Several logs of one
# kernel (runs in different boots) show as "low-high" when they differ.
#
# Latency rows are peer time / lkport time (above 1: lkport is faster);
# ping-pong ratios are of trimmed mean round trips (5th-95th percentile,
# see pingpong.c). Throughput rows say which way they read. Ratios compare
# peers measured in the same boot; absolute times under QEMU/TCG are those
# of an emulated machine and say little about hardware.
set -eu
[ $# -ge 1 ] || { echo "usage: results-table.sh LOG..." >&2; exit 2; }

for log in "$@"; do
	tr -d '\r' < "$log" | sed -n 's/^RESULT //p' | awk -v run="$log" '
		/^kernel=/ { k = substr($0, 8) }
		{ line[n++] = $0 }
		END { for (i = 0; i < n; i++) print k "\t" run "\t" line[i] }'
done | awk -F '\t' '
function fmt(v, dec) { return sprintf("%." dec "f", v) }
# cell(kernel, key, decimals): the value, or "low-high" over runs
function cell(k, key, dec,    lo, hi, a, b) {
	if (!((k, key) in cnt)) return "-"
	lo = min[k, key]; hi = max[k, key]
	a = fmt(lo, dec); b = fmt(hi, dec)
	return a == b ? a : a "-" b
}
function row(label, key, dec,    i, s) {
	s = "| " label
	for (i = 0; i < nk; i++) s = s " | " cell(ks[i], key, dec)
	print s " |"
}
{
	k = $1; split($3, kv, "="); key = kv[1]; v = kv[2]
	if (!(k in seen)) { seen[k] = 1; ks[nk++] = k }
	if (!((k, $2) in runs)) { runs[k, $2] = 1; nruns[k]++ }
	if (v !~ /^-?[0-9.]+$/) next
	if (!((k, key) in cnt) || v < min[k, key]) min[k, key] = v
	if (!((k, key) in cnt) || v > max[k, key]) max[k, key] = v
	cnt[k, key]++
}
END {
	h = "| measure"; sep = "|---"
	for (i = 0; i < nk; i++) { h = h " | " ks[i] ", runs: " nruns[ks[i]]; sep = sep "|---" }
	print h " |"; print sep "|"
	split("futex eventfd pipe mq", peers, " ")
	for (pl = 1; pl <= 3; pl++) {
		p = pl == 1 ? "cross" : pl == 2 ? "same" : "free"
		d = pl == 1 ? "2 CPUs" : pl == 2 ? "1 CPU" : "unpinned"
		row("ping-pong RTT tmean, lkport event (us), " d, "pingpong." p ".lkport-event.tmean_us", 1)
		row("ping-pong RTT tmean, lkport port (us), " d, "pingpong." p ".lkport-port.tmean_us", 1)
		row("ping-pong RTT tmean, lkport port read/write (us), " d, "pingpong." p ".lkport-rw.tmean_us", 1)
		for (j = 1; j <= 4; j++)
			row(peers[j] " / lkport event, " d, "pingpong." p "." peers[j] ".vs_event", 2)
		for (j = 1; j <= 4; j++)
			row(peers[j] " / lkport port, " d, "pingpong." p "." peers[j] ".vs_port", 2)
		row("lkport port read/write / lkport port, " d, "pingpong." p ".lkport-rw.vs_port", 2)
		for (j = 3; j <= 4; j++)
			row(peers[j] " / lkport port read/write, " d, "pingpong." p "." peers[j] ".vs_rw", 2)
		row("ping-pong RTT tmean, lkport event read/write (us), " d, "pingpong." p ".lkport-event-rw.tmean_us", 1)
		for (j = 1; j <= 2; j++)
			row(peers[j] " / lkport event read/write, " d, "pingpong." p "." peers[j] ".vs_event_rw", 2)
		# One call per half round trip (LKPORT_IOC_SIGNAL_WAIT, LKPORT_IOC_WRITE_READ)
		# where the rows above make two, at p50 and p99 next to the two-call rows.
		row("ping-pong RTT tmean, lkport event, 1 call per step (us), " d, "pingpong." p ".lkport-event-call.tmean_us", 1)
		row("ping-pong RTT tmean, lkport port, 1 call per step (us), " d, "pingpong." p ".lkport-port-call.tmean_us", 1)
		for (q = 1; q <= 2; q++) {
			pq = q == 1 ? "p50" : "p99"; sq = q == 1 ? "median" : "p99"
			row("futex / lkport event, " pq ", " d, "pingpong." p ".futex.vs_event_" sq, 2)
			row("futex / lkport event, 1 call per step, " pq ", " d, "pingpong." p ".futex.vs_event_call_" sq, 2)
			for (j = 3; j <= 4; j++) {
				row(peers[j] " / lkport port, " pq ", " d, "pingpong." p "." peers[j] ".vs_port_" sq, 2)
				row(peers[j] " / lkport port, 1 call per step, " pq ", " d, "pingpong." p "." peers[j] ".vs_port_call_" sq, 2)
			}
		}
		row("futex / lkport event, 1 call per step, tmean, " d, "pingpong." p ".futex.vs_event_call", 2)
		for (j = 3; j <= 4; j++)
			row(peers[j] " / lkport port, 1 call per step, tmean, " d, "pingpong." p "." peers[j] ".vs_port_call", 2)
	}
	row("liblkport event / raw ioctl event, 2 CPUs", "pingpong.cross.lkport-event-lib.vs_event", 2)
	row("liblkport port / raw ioctl port, 2 CPUs", "pingpong.cross.lkport-port-lib.vs_port", 2)
	for (b = 1; b <= 64; b *= 8) {
		row("throughput lkport, batch " b " (packets/s)", "throughput.cross.lkport-b" b ".packets_per_s", 0)
		row("rate pipe / lkport, batch " b " (above 1: pipe faster)", "throughput.cross.pipe-b" b ".vs_lkport", 2)
	}
	row("rate mq / lkport, 1 per call (above 1: mq faster)", "throughput.cross.mq-b1.vs_lkport", 2)
	for (b = 1; b <= 64; b *= 8)
		row("rate pipe / lkport with LKPORT_WRITE_WAIT, batch " b, "throughput.cross.pipe-b" b ".vs_lkport_wait", 2)
	row("rate mq / lkport with LKPORT_WRITE_WAIT, 1 per call", "throughput.cross.mq-b1.vs_lkport_wait", 2)
	for (b = 1; b <= 64; b *= 8)
		row("rate pipe / lkport mapped reader, batch " b, "throughput.cross.pipe-b" b ".vs_lkport_map", 2)
	row("rate mq / lkport mapped reader, 1 per call", "throughput.cross.mq-b1.vs_lkport_map", 2)
	for (b = 1; b <= 64; b *= 8) {
		row("throughput lkport mapped writer, batch " b " (packets/s)", "throughput.cross.lkport-wmap-b" b ".packets_per_s", 0)
		row("rate lkport mapped writer / mapped reader alone, batch " b " (above 1: mapped writer faster)", "throughput.cross.lkport-wmap-b" b ".vs_lkport_map", 2)
		row("rate pipe / lkport mapped writer, batch " b, "throughput.cross.pipe-b" b ".vs_lkport_wmap", 2)
	}
	row("rate mq / lkport mapped writer, 1 per call", "throughput.cross.mq-b1.vs_lkport_wmap", 2)
	for (b = 1; b <= 64; b *= 8) {
		row("throughput lkport read/write, batch " b " (packets/s)", "throughput.cross.lkport-rw-b" b ".packets_per_s", 0)
		row("rate lkport read/write / lkport, batch " b " (above 1: read/write faster)", "throughput.cross.lkport-rw-b" b ".vs_lkport", 2)
		row("rate lkport read/write / lkport with LKPORT_WRITE_WAIT, batch " b, "throughput.cross.lkport-rw-b" b ".vs_lkport_wait", 2)
		row("rate pipe / lkport read/write, batch " b, "throughput.cross.pipe-b" b ".vs_lkport_rw", 2)
	}
	row("rate mq / lkport read/write, 1 per call", "throughput.cross.mq-b1.vs_lkport_rw", 2)
	for (b = 1; b <= 64; b *= 64) {
		row("fan-out to 8 readers, lkport broadcast, batch " b " (packets/s per reader)", "throughput.cross.lkport-bc8-b" b ".packets_per_s", 0)
		row("fan-out rate 8 pipes / lkport broadcast, batch " b " (above 1: pipes faster)", "throughput.cross.pipe8-b" b ".vs_lkport_bc8", 2)
		row("fan-out rate 8 pipes / lkport broadcast, mapped readers, batch " b, "throughput.cross.pipe8-b" b ".vs_lkport_map_bc8", 2)
	}
	for (pl = 1; pl <= 2; pl++) {
		p = pl == 1 ? "same" : "cross"
		d = pl == 1 ? "1 CPU" : "2 CPUs"
		row("one-way avg, lkport port (us), " d, "oneway." p ".lkport-port.avg_us", 1)
		row("one-way avg, mq / lkport port, " d, "oneway." p ".mq.avg_vs_port", 2)
		row("one-way tmean, mq / lkport port, " d, "oneway." p ".mq.tmean_vs_port", 2)
		row("one-way avg, lkport port read/write (us), " d, "oneway." p ".lkport-rw.avg_us", 1)
		row("one-way avg, lkport port read/write / lkport port, " d, "oneway." p ".lkport-rw.avg_vs_port", 2)
	}
	row("pmqtest -S avg, pair 0 (us)", "pmqtest.smp.pair0.avg_us", 0)
	row("pmqtest unpinned avg (us)", "pmqtest.free.pair0.avg_us", 0)
	row("irq->user p50, UIO INTx (us)", "irqlat.uio.intx.p50_us", 1)
	row("irq->user p50, lkport fd INTx (us)", "irqlat.fd.intx.p50_us", 1)
	split("fd.intx fd.msi port.intx group.intx", irqc, " ")
	for (j = 1; j <= 4; j++) {
		row("UIO / lkport " irqc[j] ", p50", "irqlat." irqc[j] ".uio_ratio_p50", 2)
		row("UIO / lkport " irqc[j] ", p99", "irqlat." irqc[j] ".uio_ratio_p99", 2)
	}
	row("lkport-wakelat cost: event ping-pong 1 CPU, with / without", "wakelat.lkport-event.overhead_ratio", 2)
	row("lkport-wakelat cost: port ping-pong 1 CPU, with / without", "wakelat.lkport-port.overhead_ratio", 2)
	row("lkport-wakelat cost: port throughput b1, without / with", "wakelat.port-throughput-b1.overhead_ratio", 2)
	row("lkport-wakelat cost: port throughput b16, without / with", "wakelat.port-throughput-b16.overhead_ratio", 2)
	row("lkport-wakelat: ns in its BPF programs per event round trip", "wakelat.bpf_ns_per_event_round_trip", 0)
	split("lkport-event lkport-port mq", op, " ")
	for (j = 1; j <= 3; j++)
		row("open by name, " op[j] ", 10,000 live / 10 live", "scale.open." op[j] ".n10000.vs_first", 2)
	row("wake 1,000 waiters, ns per waiter: lkport event", "scale.wake.lkport-event.n1000.per_unit_ns", 0)
	row("wake 1,000 waiters, ns per waiter: futex", "scale.wake.futex.n1000.per_unit_ns", 0)
	row("1 packet to 1,000 readers, ns per reader: lkport port", "scale.fanout.lkport-port.n1000.per_unit_ns", 0)
	row("1 packet to 1,000 readers, ns per reader: pipes", "scale.fanout.pipe.n1000.per_unit_ns", 0)
	row("ping-pong rows with over 5% of rounds above 1 ms", "noisy_peers", 0)
}'
