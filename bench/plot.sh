#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# plot.sh OUTDIR LOG...: PNG plots of the user-space benchmarks from the
# "RESULT key=value" lines run-user-bench.sh prints (VM console logs will
# do), with gnuplot:
#
#   OUTDIR/ratios.png  the headline ratios per kernel, all read the same
#                      way: above 1, lkport is faster (peer time / lkport
#                      time, or lkport rate / peer rate); a line at 1.
#   OUTDIR/targets.png each performance target's margin per kernel
#                      (bench/targets.sh --tsv: at or above 1 the target
#                      is met), on a log scale.
#   OUTDIR/scale.png   the scale section: open by name against the number
#                      of live objects, one wake against the number of
#                      waiters, one packet against the number of readers;
#                      log scales, one line per peer and kernel.
#
# Several logs of one kernel: bars and curve points take their median. A kernel without a value leaves its bar out.
# Needs gnuplot (Debian's gnuplot-nox); without it says so and exits 0,
# since a plot is an extra over the tables.
set -eu
[ $# -ge 2 ] || { echo "usage: plot.sh OUTDIR LOG..." >&2; exit 2; }
out=$1
shift
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox); no plots" >&2
	exit 0
fi
mkdir -p "$out"
tmp=$(mktemp -d /tmp/lkport-plot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# kernel <TAB> log <TAB> key <TAB> value, for every numeric RESULT line
for log in "$@"; do
	tr -d '\r' < "$log" | sed -n 's/^RESULT //p' | awk -v run="$log" -F = '
		$1 == "kernel" { k = $2 }
		{ key[n] = $1; val[n++] = $2 }
		END { for (i = 0; i < n; i++) if (val[i] ~ /^-?[0-9.]+$/) print k "\t" run "\t" key[i] "\t" val[i] }'
done > "$tmp/all"
[ -s "$tmp/all" ] || { echo "plot.sh: no RESULT lines in $*" >&2; exit 1; }
cut -f1 "$tmp/all" | awk '!seen[$0]++' > "$tmp/kernels"

# median(" v1 v2 ..."): both awk programs below take it
awk_median='
function median(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
'

# ---- ratios --------------------------------------------------------------------------
# label <TAB> key <TAB> invert (1: the key is peer rate / lkport rate)
cat > "$tmp/rows" <<'EOF'
futex/event, 2 CPUs	pingpong.cross.futex.vs_event	0
futex/event, 1 CPU	pingpong.same.futex.vs_event	0
eventfd/event, 2 CPUs	pingpong.cross.eventfd.vs_event	0
pipe/port, 2 CPUs	pingpong.cross.pipe.vs_port	0
pipe/port, 1 CPU	pingpong.same.pipe.vs_port	0
mq/port, 2 CPUs	pingpong.cross.mq.vs_port	0
mq/port, 1 CPU	pingpong.same.mq.vs_port	0
pipe/port read-write, 2 CPUs	pingpong.cross.pipe.vs_rw	0
pipe/port read-write, 1 CPU	pingpong.same.pipe.vs_rw	0
futex/event 1-call, 2 CPUs	pingpong.cross.futex.vs_event_call	0
futex/event 1-call, 1 CPU	pingpong.same.futex.vs_event_call	0
pipe/port 1-call, 2 CPUs	pingpong.cross.pipe.vs_port_call	0
mq/port 1-call, 2 CPUs	pingpong.cross.mq.vs_port_call	0
mq/port 1-call, 1 CPU	pingpong.same.mq.vs_port_call	0
rate vs pipe, batch 1	throughput.cross.pipe-b1.vs_lkport	1
rate vs pipe, batch 64	throughput.cross.pipe-b64.vs_lkport	1
rate vs mq, 1 per call	throughput.cross.mq-b1.vs_lkport	1
rate vs pipe, batch 1, write-wait	throughput.cross.pipe-b1.vs_lkport_wait	1
rate vs mq, 1 per call, write-wait	throughput.cross.mq-b1.vs_lkport_wait	1
rate vs pipe, batch 1, read-write	throughput.cross.pipe-b1.vs_lkport_rw	1
rate vs pipe, batch 64, read-write	throughput.cross.pipe-b64.vs_lkport_rw	1
one-way mq/port, 1 CPU	oneway.same.mq.avg_vs_port	0
one-way mq/port, 2 CPUs	oneway.cross.mq.avg_vs_port	0
irq UIO/fd p50	irqlat.fd.intx.uio_ratio_p50	0
irq UIO/fd p99	irqlat.fd.intx.uio_ratio_p99	0
EOF
awk -F '\t' -v kf="$tmp/kernels" "$awk_median"'
BEGIN { nk = 0; nr = 0 }
FILENAME == kf { ks[nk++] = $1; next }
FILENAME ~ /rows$/ { label[nr] = $1; key[nr] = $2; inv[nr++] = $3; next }
{ v[$1, $3] = v[$1, $3] " " $4 }
END {
	for (r = 0; r < nr; r++) {
		s = "\"" label[r] "\""; any = 0
		for (i = 0; i < nk; i++) {
			x = v[ks[i], key[r]]
			if (x == "") { s = s "\tNaN"; continue }
			m = median(x); if (inv[r] == 1 && m > 0) m = 1 / m
			s = s "\t" m; any = 1
		}
		if (any) print s
	}
}' "$tmp/kernels" "$tmp/rows" "$tmp/all" > "$tmp/ratios.dat"

# bars DAT LINE: gnuplot's clustered bars of DAT (a label column, then one
# per kernel in $tmp/kernels' order), with a dashed line at 1 titled LINE
bars() {
	echo "set style data histogram; set style histogram clustered gap 1"
	echo "set style fill solid 0.8 border -1; set boxwidth 0.9"
	printf "plot 1 with lines lw 2 dt 2 lc rgb 'black' title '%s'" "$2"
	i=2
	while IFS= read -r k; do
		printf ", '%s' using %d:xtic(1) title '%s'" "$1" "$i" "$k"
		i=$((i + 1))
	done < "$tmp/kernels"
	echo
}

nk=$(wc -l < "$tmp/kernels")
{
	echo "set terminal png size 1100,560 font ',10'"
	echo "set output '$out/ratios.png'"
	echo "set title 'lkport against its peers, same VM boot (above 1: lkport faster)'"
	echo "set xtics rotate by -35 left nomirror; set grid ytics; set key top left"
	echo "set yrange [0:*]; set ylabel 'ratio'; set bmargin 9"
	bars "$tmp/ratios.dat" parity
} > "$tmp/ratios.gp"
[ "$nk" -ge 1 ] && [ -s "$tmp/ratios.dat" ] && gnuplot "$tmp/ratios.gp"

# ---- scale curves -----------------------------------------------------------------------
# one data file per (panel, peer, kernel): "N value" lines, the median
# over the kernel's logs
awk -F '\t' -v dir="$tmp" "$awk_median"'
$3 ~ /^scale\.(open\.[^.]*\.n[0-9]*\.ns|wake\.[^.]*\.n[0-9]*\.call_ns|fanout\.[^.]*\.n[0-9]*\.ns)$/ {
	split($3, p, "."); n = substr(p[4], 2)
	f = dir "/s-" p[2] "-" p[3] "-" $1 ".dat"
	v[f, n] = v[f, n] " " $4
	if (!((f, n) in seen)) { seen[f, n] = 1; order[no++] = f SUBSEP n }
}
END { for (i = 0; i < no; i++) { split(order[i], k, SUBSEP); print k[2], median(v[k[1], k[2]]) > k[1] } }' "$tmp/all"
curves() {
	first=1
	for f in "$tmp"/s-"$1"-*.dat; do
		[ -e "$f" ] || continue
		t=${f#"$tmp"/s-"$1"-}
		t=${t%.dat}
		sort -n "$f" -o "$f"
		[ $first = 1 ] || printf ', '
		printf "'%s' using 1:2 with linespoints title '%s'" "$f" "$t"
		first=0
	done
	[ $first = 0 ] || printf "NaN notitle"
}
{
	echo "set terminal png size 1400,480 font ',10'"
	echo "set output '$out/scale.png'"
	echo "set multiplot layout 1,3 title 'lkport at scale, against peers (same VM boot per kernel)'"
	echo "set logscale x; set grid; set key top left font ',8'; set xlabel 'N'"
	echo "set title 'open by name + close, N live objects'; set ylabel 'ns per open+close'; set yrange [0:*]; set offsets 0, 0, graph 0.15, 0"
	echo "plot $(curves open)"
	echo "set logscale y; set yrange [*:*]; set offsets 0, 0, 0, 0"
	echo "set title 'one call waking N waiters'; set ylabel 'ns for the call'"
	echo "plot $(curves wake)"
	echo "set title 'one packet to N readers'; set ylabel 'ns for the write(s)'"
	echo "plot $(curves fanout)"
	echo "unset multiplot"
} > "$tmp/scale.gp"
# ---- targets ---------------------------------------------------------------------------
# one line per target: its label (without the backquotes), then the
# margin on each kernel, in the kernels' order
"$(dirname "$0")/targets.sh" --tsv "$@" | awk -F '\t' -v kf="$tmp/kernels" '
FILENAME == kf { ks[nk++] = $1; next }
{
	if (!($1 in seen)) { seen[$1] = 1; order[no++] = $1 }
	m[$1, $2] = $5
}
END {
	for (i = 0; i < no; i++) {
		l = order[i]; t = l; gsub(/`/, "", t); gsub(/"/, "", t); sub(/^(time|rate|scale): /, "", t); sub(/ signal\+wait/, "", t); sub(/, pmqtest method/, "", t)
		s = "\"" t "\""
		for (j = 0; j < nk; j++) s = s "\t" ((l, ks[j]) in m && m[l, ks[j]] > 0 ? m[l, ks[j]] : "NaN")
		print s
	}
}' "$tmp/kernels" - > "$tmp/targets.dat"
{
	echo "set terminal png size 1400,900 font ',9' noenhanced"
	echo "set output '$out/targets.png'"
	echo "set title 'lkport against its performance targets, per kernel (at or above 1: met; goal / lkport for times, lkport / goal for rates)'"
	echo "set xtics rotate by -50 left nomirror font ',8'; set grid ytics; set key top left"
	echo "set logscale y; set ylabel 'margin (log scale)'; set bmargin 25; set rmargin 22"
	bars "$tmp/targets.dat" goal
} > "$tmp/targets.gp"
[ -s "$tmp/targets.dat" ] && gnuplot "$tmp/targets.gp"

if ls "$tmp"/s-*.dat >/dev/null 2>&1; then
	gnuplot "$tmp/scale.gp"
	echo "plot.sh: $out/ratios.png $out/targets.png $out/scale.png"
else
	echo "plot.sh: $out/ratios.png $out/targets.png (no scale results in the logs)"
fi
