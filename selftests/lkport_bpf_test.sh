#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lkport-wakelat against wakes of known number and shape (made by
# lkport_wakelat_load): exact sample counts per stage for an event and a
# port, an injected wake->run delay, its no-delay control, slow events,
# JSON that parses, pins bpftool reads, --keep-pins and --reset, usage
# errors, the raw_tp flavour, every object named in the breakdown, and
# the filters and breakdowns (-p, -t, --kind, --source, -C, -m), each in
# a tracer of its own over one set of wakes. POSIX sh (busybox ash is enough); TAP
# as kselftest prints it; exit 0 when every test passed, 1 on a failure,
# 4 when skipped.
#
# The loader is looked for in $LKPORT_WAKELAT, next to this script, then
# in $PATH. Needs root, a bpf filesystem at /sys/fs/bpf and the module.
#
# LKPORT_WAKELAT_MATRIX=full|short: full (the default) runs every tracer;
# short runs two, the main run's (tp_btf) and the raw_tp one over the
# interrupt sources, and reports the other options' tests and
# --keep-pins/--reset as skipped. The default on the KASAN/lockdep debug
# kernel (release *-lkport-debug) is short: there each tracer takes 20-30
# s to start (the BPF verifier under KASAN), and what that kernel adds is
# its checks of the module's tracepoint paths while BPF programs of both
# flavours are attached to them, which the two tracers and every wake
# still exercise; the options only change constants of the same programs
# and what user space prints, checked on every other kernel.

. "$(dirname "$0")/lkport_tap.sh"
NTESTS=30
N=20		# cycles for the exact counts
N2=12		# ... of the port, and
N3=8		# ... of the interrupt source, in the options' run
M=5		# cycles with (and without) the injected delay
SPIN_MS=60	# the injected delay (a quarter of it bounds what must not be delayed)

echo "TAP version 13"

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "$LKPORT_WAKELAT" ]; then
	wl=$LKPORT_WAKELAT
elif [ -x "$here/lkport-wakelat" ]; then
	wl=$here/lkport-wakelat
else
	wl=$(command -v lkport-wakelat)
fi
load=$here/lkport_wakelat_load
if [ -z "$wl" ] || [ ! -x "$wl" ]; then
	skip_all "lkport-wakelat not found"
fi
[ -x "$load" ] || skip_all "lkport_wakelat_load not found"
[ "$(id -u)" -eq 0 ] || skip_all "must be run as root"
[ -e /dev/lkport ] || skip_all "lkport module not loaded"
grep -q ' /sys/fs/bpf bpf ' /proc/mounts ||
	skip_all "no bpf filesystem mounted at /sys/fs/bpf"

matrix=${LKPORT_WAKELAT_MATRIX:-}
if [ -z "$matrix" ]; then
	case $(uname -r) in
	*-lkport-debug) matrix=short ;;
	*) matrix=full ;;
	esac
fi
case $matrix in
full | short) ;;
*) echo "# LKPORT_WAKELAT_MATRIX=$matrix: neither full nor short"; exit $KSFT_FAIL ;;
esac

echo "1..$NTESTS"
echo "# loader: $wl"
echo "# tracer matrix: $matrix"
t_start=$(cut -d' ' -f1 /proc/uptime)
# elapsed: seconds since the start, for the log (TCG times vary a lot)
elapsed() {
	awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }'
}

tmp=$(mktemp -d) || exit $KSFT_FAIL
# no dots: bpffs refuses them in names (EPERM)
pin=/sys/fs/bpf/lkport_selftest_$$/wakelat-v2
pids=

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
	# only left behind if the loader was killed hard
	[ -d "$pin" ] && rm -f "$pin"/* && rmdir "$pin"
	rmdir "${pin%/*}" 2>/dev/null
}
trap cleanup EXIT
trap 'exit $KSFT_FAIL' INT TERM

as_comments() {
	sed 's/^/# /' "$1"
}

# poll SECONDS COMMAND...: until COMMAND succeeds (then true) or SECONDS
# of /proc/uptime pass (false). The pause between tries grows from 20 ms
# to 0.2 s, and the tries are shell builtins: every sleep is a fork and an
# exec, and in the single-threaded TCG guest of the tracing tests the
# time they take is taken from the program waited for (a starting
# tracer on the debug kernel, where forks are slow).
poll() {
	read -r up _ </proc/uptime
	end=$((${up%.*} + $1))
	shift
	d=0.02
	until "$@"; do
		read -r up _ </proc/uptime
		[ "${up%.*}" -lt "$end" ] || return 1
		sleep $d
		case $d in 0.02) d=0.05 ;; 0.05) d=0.1 ;; *) d=0.2 ;; esac
	done
}
# has_line FILE PREFIX: a line of FILE starts with PREFIX (no fork)
has_line() {
	[ -r "$1" ] || return 1
	while IFS= read -r l; do
		case $l in "$2"*) return 0 ;; esac
	done <"$1"
	return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
# How long a start (tracer, load) may take: seconds on a Debian kernel,
# minutes on the debug kernel; only a hang reaches it.
start_s=240

# wait_for FILE: until it exists
wait_for() {
	poll $start_s [ -e "$1" ]
}

# start_load NAME ARGS...: a load program waiting for $tmp/go_NAME; its
# object id in $id_NAME once it is ready
start_load() {
	name=$1
	shift
	LKPORT_WL_CPU=${load_cpu:-0} "$load" "$tmp/go_$name" "$@" \
		>"$tmp/load_$name" 2>&1 &
	eval "pid_$name=$!"
	pids="$pids $!"
	poll $start_s has_line "$tmp/load_$name" ready
	eval "id_$name=$(sed -n 's/^ready id=\([0-9]*\).*/\1/p' "$tmp/load_$name")"
	eval "tid_$name=$(sed -n 's/^ready .*tid=\([0-9]*\).*/\1/p' "$tmp/load_$name")"
}

# wait_tracing ERRFILE: until lkport-wakelat says on stderr that it traces
wait_tracing() {
	poll $start_s has_line "$1" 'lkport-wakelat: tracing'
}

# run_load NAME: let it go and wait for its cycles to end (it ends itself
# 30 s after the go: lkport_wakelat_load's alarm)
run_load() {
	touch "$tmp/go_$1"
	eval "p=\$pid_$1"
	if ! poll 60 gone "$p"; then
		echo "# load $1 did not finish:"
		kill "$p"
	fi
	wait "$p"
	echo "# load $1: exit $?, $(tr '\n' ' ' < "$tmp/load_$1")"
}

# field JSON GROUP STAGE KEY: a number from one stage of one group of a
# report (first line of type report in the file JSON)
field() {
	grep '"type": "report"' "$1" | head -n 1 | field_in "$2" "$3" "$4"
}

# field_in GROUP STAGE KEY: the same from the report lines on stdin, one
# number per line
field_in() {
	sed 's/{"group": /\
/g' | grep "^$1," | sed -n "s/.*\"$2\": {\([^}]*\)}.*/\1/p" |
		sed -n "s/.*\"$3\": \[*\([0-9.]*\).*/\1/p"
}

stages="src_wake wake_waking waking_wakeup wakeup_run run_return wake_run total"

# groups JSON: the group ids of the first report, sorted, on one line
groups() {
	grep '"type": "report"' "$1" | head -n 1 | grep -o '{"group": [0-9]*' |
		sed 's/.* //' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# only_groups JSON "IDS": the first report has exactly these groups
only_groups() {
	g=$(groups "$1")
	[ "$g" = "$2" ] || { echo "# $1: groups '$g', expected '$2'"; return 1; }
}

# counts_summed_are JSON GROUP N: in every stage, the counts of GROUP over
# all reports (an interval's each) add up to N
counts_summed_are() {
	for s in $stages; do
		c=$(grep '"type": "report"' "$1" | field_in "$2" $s count |
			awk '{ t += $1 } END { print t + 0 }')
		if [ "$c" != "$3" ]; then
			echo "# group $2 stage $s: $c samples over the reports, expected $3"
			return 1
		fi
	done
}

# groups_sum_to JSON N: in every stage, the counts of all groups of the
# first report add up to N
groups_sum_to() {
	for s in $stages; do
		c=$(for g in $(groups "$1"); do field "$1" "$g" $s count; done |
			awk '{ t += $1 } END { print t + 0 }')
		if [ "$c" != "$2" ]; then
			echo "# $1 stage $s: $c samples in all groups, expected $2"
			return 1
		fi
	done
}

# counts_are JSON GROUP N: every stage of GROUP has exactly N samples
counts_are() {
	for s in $stages; do
		c=$(field "$1" "$2" $s count)
		if [ "$c" != "$3" ]; then
			echo "# group $2 stage $s: count '$c', expected $3"
			return 1
		fi
	done
}

# less VALUE LIMIT / atleast VALUE LIMIT: numeric, VALUE may be a decimal
less() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
atleast() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# ---- usage errors ------------------------------------------------------------------
usage_ok=true
for args in "--bogus" "0" "1 0" "1 2 3" "--kind nosuch" "-p x" "--by none"; do
	# shellcheck disable=SC2086
	"$wl" $args >/dev/null 2>"$tmp/usage"
	rc=$?
	[ $rc -eq 2 ] && grep -q '^usage:' "$tmp/usage" || {
		echo "# '$args': exit $rc"
		usage_ok=false
	}
done
check "wakelat.bad_arguments_exit_2_with_usage" $usage_ok

# ---- the main run: tp_btf where it loads -----------------------------------
start_load ev event wlev$$ $N
start_load port port wlport$$ $N
start_load spin event wlspin$$ $M $SPIN_MS
start_load calm event wlcalm$$ $M
echo "# objects: event $id_ev port $id_port spin $id_spin calm $id_calm"

slow_us=$((SPIN_MS * 1000 / 2))
"$wl" --by object --json --slow $slow_us --pin "$pin" \
	>"$tmp/main" 2>"$tmp/main_err" &
wl_pid=$!
pids="$pids $wl_pid"
wait_for "$pin/counters"
echo "# $(elapsed) s: main run tracing"
pinned=false
[ -e "$pin/hists" ] && [ -e "$pin/sums" ] && [ -e "$pin/link_sched_switch" ] &&
	[ -e "$pin/link_lkport_wake" ] && pinned=true
check "wakelat.maps_and_links_pinned_while_running" $pinned

# An independent count and median of the same wakes: ftrace hist
# triggers over the same tracepoints, a wakeup_latency-style synthetic
# event from lkport_wake to the sched_switch that runs the woken thread
# (lkport-wakelat's wake->run).
T=/sys/kernel/tracing
synth=wl_lat$$
ftrace=false
if [ -w $T/synthetic_events ]; then
	clock=$(sed -n 's/.*\[\(.*\)\].*/\1/p' $T/trace_clock)
	echo mono > $T/trace_clock &&
	echo "$synth u64 lat" >> $T/synthetic_events &&
	echo "hist:keys=tid:ts0=common_timestamp if src_obj == $id_ev" \
		>> $T/events/lkport/lkport_wake/trigger &&
	echo "hist:keys=next_pid:lat=common_timestamp-\$ts0:onmatch(lkport.lkport_wake).$synth(\$lat)" \
		>> $T/events/sched/sched_switch/trigger &&
	echo "hist:keys=lat.log2:sort=lat" >> $T/events/synthetic/$synth/trigger &&
	ftrace=true
fi
echo "# ftrace hist triggers set: $ftrace"
run_load ev
if $ftrace; then
	cp $T/events/synthetic/$synth/hist "$tmp/ftrace"
	echo "!hist:keys=lat.log2:sort=lat" >> $T/events/synthetic/$synth/trigger
	echo "!hist:keys=next_pid:lat=common_timestamp-\$ts0:onmatch(lkport.lkport_wake).$synth(\$lat)" \
		>> $T/events/sched/sched_switch/trigger
	echo "!hist:keys=tid:ts0=common_timestamp if src_obj == $id_ev" \
		>> $T/events/lkport/lkport_wake/trigger
	echo "!$synth u64 lat" >> $T/synthetic_events
	echo "$clock" > $T/trace_clock
fi
run_load port
run_load spin
run_load calm

# bpftool reads the pins, typed through their BTF
bpftool_ok=false
if command -v bpftool >/dev/null; then
	bpftool map dump pinned "$pin/hists" >"$tmp/dump" 2>&1 &&
		grep -q '"bucket"' "$tmp/dump" && grep -q '"stage"' "$tmp/dump" &&
		bpftool map dump pinned "$pin/counters" >/dev/null 2>&1 &&
		bpftool_ok=true
	head -n 20 "$tmp/dump" | sed 's/^/# bpftool: /'
	check "wakelat.bpftool_dumps_pinned_maps_with_btf" $bpftool_ok
else
	n=$((n + 1))
	echo "ok $n wakelat.bpftool_dumps_pinned_maps_with_btf # SKIP no bpftool"
fi

kill -INT $wl_pid
poll 60 gone $wl_pid || { echo "# lkport-wakelat did not end on SIGINT"; kill -9 $wl_pid; }
wait $wl_pid
rc=$?
as_comments "$tmp/main_err"
cut -c 1-400 "$tmp/main" | sed 's/^/# /'
grep -o '"counters": {[^}]*}' "$tmp/main" | sed 's/^/# main: /'
echo "# exit status $rc"
check "wakelat.exit_status_on_sigint" [ "$rc" -eq 0 ]
check "wakelat.pins_removed_on_exit" [ ! -e "$pin" ]
check "wakelat.json_parses" "$load" json "$tmp/main"
check "wakelat.json_has_schema_and_attach" \
	grep -q '"schema": 1, "tool": "lkport-wakelat", "type": "report", "attach": "tp_btf"' "$tmp/main"
check "wakelat.event_cycles_counted_exactly" counts_are "$tmp/main" "$id_ev" $N
check "wakelat.port_cycles_counted_exactly" counts_are "$tmp/main" "$id_port" $N

# --by object names every object, not only one given with --object
names_ok=true
for o in ev:wlev port:wlport spin:wlspin calm:wlcalm; do
	eval "oid=\$id_${o%%:*}"
	want="\"name\": \"object ${o#*:}$$ (id $oid)\", \"object\": \"${o#*:}$$\""
	grep '"type": "report"' "$tmp/main" | grep -qF "{\"group\": $oid, $want" || {
		echo "# object $oid: no group named ${o#*:}$$"
		names_ok=false
	}
done
check "wakelat.by_object_names_every_object" $names_ok

# the ftrace cross-check: as many wakes, the median wake->run in the same
# power of two (ftrace's log2 bucket 2^k holds (2^(k-1), 2^k]). The two
# take their stamps at slightly different points of the same events, so a
# median within 5% of a power of two may fall on either side of it: the
# check takes ftrace's bucket widened by 5% at both ends.
if $ftrace; then
	grep -E 'lat:|Hits' "$tmp/ftrace" | sed 's/^/# /'
	set -- $(awk '/lat: ~ 2\^/ { sub(/.*2\^/, ""); k = $1 + 0; sub(/.*hitcount: */, ""); n[k] = $1; t += $1 }
		END { h = int((t + 1) / 2); for (k = 0; k < 64; k++) { a += n[k]; if (a >= h && t) { print t, k; exit } } print t, -1 }' "$tmp/ftrace")
	fcount=$1 fexp=$2
	p50=$(field "$tmp/main" "$id_ev" wake_run p50)
	wexp=$(awk -v v="$p50" 'BEGIN { k = 0; p = 1; while (p < v) { p *= 2; k++ } print k }')
	echo "# ftrace: $fcount wakes, median in 2^$fexp; lkport-wakelat: p50 $p50 ns, 2^$wexp"
	check "wakelat.ftrace_hist_same_count" [ "$fcount" = "$N" ]
	# On the KASAN/lockdep kernel the hist trigger's own work, run at
	# each of its events, moves ftrace's stamps by as much as the
	# spread of the samples: there the next power of two either side
	# also counts (a factor of 2, not of 1.05).
	slack=1.05
	case $(uname -r) in *-lkport-debug) slack=2.1 ;; esac
	check "wakelat.ftrace_hist_same_median_bucket" awk -v v="$p50" -v k="$fexp" -v s="$slack" \
		'BEGIN { if (k < 0) exit 1; for (hi = 1; k > 0; k--) hi *= 2; exit !(v > hi / 2 / s && v <= hi * s) }'
else
	n=$((n + 2))
	echo "ok $((n - 1)) wakelat.ftrace_hist_same_count # SKIP no synthetic events"
	echo "ok $n wakelat.ftrace_hist_same_median_bucket # SKIP no synthetic events"
fi

# injected delay: every wake->run at least SPIN_MS (the lowest bucket's
# lower bound is within 1/32 below its samples); what comes before the
# waking is not delayed
spin_ns=$((SPIN_MS * 1000000))
lo=$(field "$tmp/main" "$id_spin" wake_run buckets)
echo "# spin: wake_run lowest bucket from $lo ns, p50 $(field "$tmp/main" "$id_spin" wake_run p50)"
check "wakelat.injected_delay_in_wake_to_run" atleast "$lo" $((spin_ns - spin_ns / 32))
pre=$(field "$tmp/main" "$id_spin" src_wake max)
pre2=$(field "$tmp/main" "$id_spin" wake_waking max)
echo "# spin: src_wake max $pre ns, wake_waking max $pre2 ns"
check "wakelat.injected_delay_not_before_waking" \
	less "$(awk -v a="$pre" -v b="$pre2" 'BEGIN { print a + b }')" $((spin_ns / 4))
calm=$(field "$tmp/main" "$id_calm" wake_run p50)
echo "# calm: wake_run p50 $calm ns"
check "wakelat.no_delay_control_far_below" less "$calm" $((spin_ns / 4))
check "wakelat.delay_samples_counted_exactly" counts_are "$tmp/main" "$id_spin" $M

# slow events: the delayed wakes, each blaming wakeup->run (the waker
# spins while the woken thread is queued)
nslow=$(grep '"type": "slow"' "$tmp/main" | grep "\"src_obj\": $id_spin," |
	grep -c '"longest": "wakeup_run"')
echo "# slow events of the delayed object blaming wakeup_run: $nslow"
check "wakelat.slow_events_name_longest_stage" [ "$nslow" -eq $M ]

# ---- options: one set of wakes, a tracer for each set of options ---------
# An event (CPU 0), a port (CPU 1 when there is one), an event bound to a
# virtual interrupt source (CPU 0: its wakes come from the source's
# hard-IRQ dispatch, their first stage from the IRQ's stamp) and, when
# there is one, the last edu device's real interrupts (its bound event's
# waiter on CPU 0); every tracer is attached before the first wake and
# sees them all, and each must count exactly what its options select.
ncpu=$(grep -c ^processor /proc/cpuinfo)
cpu_b=0
[ "$ncpu" -gt 1 ] && cpu_b=1
start_load oa event wloa$$ $N
load_cpu=$cpu_b
start_load ob port wlob$$ $N2
load_cpu=0
start_load raw irq wlraw$$ $N3
# The last edu device there is (the interrupt tests use the first two) is
# bound to lkport for the run; its interrupts signal the event from the
# hard-IRQ handler.
edu=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1234 ] &&
		[ "$(cat "$d/device" 2>/dev/null)" = 0x11e8 ] && edu=${d##*/}
done
n_edu=0
if [ -n "$edu" ]; then
	start_load edu edu wledu$$ $N "$edu"
	n_edu=$N
fi
all=$((N + N2 + N3 + n_edu))
echo "# objects: event $id_oa (tid $tid_oa) port $id_ob (tid $tid_ob, cpu $cpu_b) irq $id_raw edu ${id_edu:--}; $all wakes"

tracers=
# tracer NAME ARGS...: lkport-wakelat ARGS --no-pin, output in $tmp/t_NAME
tracer() {
	tn=$1
	shift
	"$wl" --no-pin "$@" >"$tmp/t_$tn" 2>"$tmp/t_$tn.err" &
	eval "tpid_$tn=$!"
	pids="$pids $!"
	tracers="$tracers $tn"
}
# Each tracer start costs seconds of TCG time (half a minute on the
# debug kernel), so each carries several options. The interval one
# first: the others' start is its first interval. The short matrix: that
# one alone.
tracer src --raw-tp --source irq --by object --json 0.3
if [ "$matrix" = full ]; then
	tracer cpu -C --json
	tracer pid -p "$pid_oa" --by object
	tracer tid -t "$tid_ob" --by object --json
	tracer kind --kind port --by kind -m
fi
echo "# $(elapsed) s: $(echo $tracers | wc -w) tracers starting"
for t in $tracers; do wait_tracing "$tmp/t_$t.err"; done
echo "# $(elapsed) s: tracing"
run_load oa
run_load ob
run_load raw
[ -n "$edu" ] && run_load edu
for t in $tracers; do
	eval "kill -INT \$tpid_$t"
done
for t in $tracers; do
	eval "wait \$tpid_$t"
	echo "# tracer $t: exit $?"
	as_comments "$tmp/t_$t.err"
	grep -o '"name": "[^"]*"\|"counters": {[^}]*}' "$tmp/t_$t" | sort -u | sed "s/^/# $t: /"
done

# text_groups FILE: the title of every group of a text report, one a line
text_groups() {
	awk '/^stage / { print prev } { prev = $0 }' "$1"
}
# text_total FILE: the total stage's count (the first group's)
text_total() {
	awk '$1 == "total" { print $2; exit }' "$1"
}

# skip_short NAME...: tests of tracers the short matrix does not start,
# reported as skipped; opt_check NAME COMMAND...: check in the full
# matrix, skip_short in the short one
skip_short() {
	for t in "$@"; do ok "$t # SKIP short tracer matrix (LKPORT_WAKELAT_MATRIX=full runs it)"; done
}
opt_check() {
	if [ "$matrix" = full ]; then check "$@"; else skip_short "$1"; fi
}

# -C: a group per CPU the waiters ran on (the port's on its own CPU),
# adding up to every wake in every stage
if [ $cpu_b -eq 1 ]; then
	opt_check "wakelat.per_cpu_groups_sum_to_the_total" \
		eval 'only_groups "$tmp/t_cpu" "0 1" && groups_sum_to "$tmp/t_cpu" $all &&
		      counts_are "$tmp/t_cpu" 1 $N2 &&
		      grep -q "\"group_by\": \"cpu\"" "$tmp/t_cpu"'
else
	opt_check "wakelat.per_cpu_groups_sum_to_the_total" \
		eval 'only_groups "$tmp/t_cpu" 0 && groups_sum_to "$tmp/t_cpu" $all'
fi
# -p: the waiter's process, whatever it waits on; none of the others'
# (a text report: percentile lines and bars, in usecs)
[ -e "$tmp/t_pid" ] && sed 's/^/# pid: /' "$tmp/t_pid" | head -n 14
opt_check "wakelat.pid_filter_counts_only_that_process" \
	eval '[ "$(text_groups "$tmp/t_pid")" = "object wloa$$ (id $id_oa)" ] &&
	      [ "$(text_total "$tmp/t_pid")" = "$N" ]'
opt_check "wakelat.text_report_counts_total" \
	eval 'head -n 1 "$tmp/t_pid" | grep -q "^lkport-wakelat .*(tp_btf; usecs)\$" &&
	      grep -q "^ *usecs  *: count" "$tmp/t_pid" &&
	      [ "$(text_total "$tmp/t_pid")" = "$N" ]'
# -t: the waiting thread
opt_check "wakelat.tid_filter_counts_only_that_thread" \
	eval 'only_groups "$tmp/t_tid" "$id_ob" && counts_are "$tmp/t_tid" "$id_ob" $N2'
# --kind port: waits on a read port (kind 5, rport) only; -m: the same
# count, title and bars in milliseconds
[ -e "$tmp/t_kind" ] && sed 's/^/# kind: /' "$tmp/t_kind" | head -n 14
opt_check "wakelat.kind_port_counts_only_port_wakes" \
	eval '[ "$(text_groups "$tmp/t_kind")" = "kind rport" ] &&
	      [ "$(text_total "$tmp/t_kind")" = "$N2" ]'
opt_check "wakelat.msecs_text_reports_in_msecs" \
	eval 'head -n 1 "$tmp/t_kind" | grep -q "^lkport-wakelat .*(tp_btf; msecs)\$" &&
	      grep -q "^ *msecs  *: count" "$tmp/t_kind" &&
	      ! grep -q usecs "$tmp/t_kind"'
# --source irq, through the raw_tp fallback, in interval reports that
# together count each wake: the interrupt sources' wakes, none from a task
want=$id_raw
[ -n "$edu" ] && want=$(printf '%s\n' "$id_raw" "$id_edu" | sort -n | tr '\n' ' ' | sed 's/ $//')
check "wakelat.raw_tp_interval_report" \
	eval 'grep -q "\"attach\": \"raw_tp\"" "$tmp/t_src" &&
	      [ "$(grep -c "\"type\": \"report\"" "$tmp/t_src")" -ge 2 ]'
check "wakelat.source_irq_counts_only_interrupt_wakes" \
	eval 'g=$(grep "\"type\": \"report\"" "$tmp/t_src" | tail -n 1 | grep -o "{\"group\": [0-9]*" |
		  sed "s/.* //" | sort -n | tr "\n" " " | sed "s/ \$//") && [ "$g" = "$want" ]'
check "wakelat.raw_tp_irq_wakes_counted_exactly_with_irq_source" \
	counts_summed_are "$tmp/t_src" "$id_raw" $N3
# QEMU's edu device: every stage from the hard-IRQ stamp on has one
# sample per interrupt, each from source irq
if [ -z "$edu" ]; then
	ok "wakelat.edu_interrupt_wakes_counted_exactly_from_hardirq # SKIP no edu device"
else
	check "wakelat.edu_interrupt_wakes_counted_exactly_from_hardirq" \
		counts_summed_are "$tmp/t_src" "$id_edu" $N
fi

# ---- --keep-pins, then --reset ---------------------------------------------
# (a tracer start of its own: left to the full matrix)
if [ "$matrix" = full ]; then
	"$wl" --keep-pins --pin "$pin" -d 0.2 >/dev/null 2>"$tmp/keep_err"
	rc=$?
	kept=false
	[ $rc -eq 0 ] && [ -e "$pin/counters" ] && [ -e "$pin/link_lkport_wake" ] &&
		[ -e "$pin/hists_all" ] && [ -e "$pin/sums_all" ] && kept=true
	if $kept && command -v bpftool >/dev/null; then
		bpftool map dump pinned "$pin/sums_all" >"$tmp/sums" 2>&1 &&
			grep -q '"max_ns"' "$tmp/sums" || kept=false
	fi
	check "wakelat.keep_pins_leaves_them" $kept
	"$wl" --reset --pin "$pin"
	rc=$?
	reset_ok=false
	[ $rc -eq 0 ] && [ ! -e "$pin" ] && reset_ok=true
	check "wakelat.reset_removes_them" $reset_ok

	# The kept links held the module (raw_tp on its tracepoints: one reference
	# each). Once unpinned they are freed after a grace period, and with them
	# the references: the module must become unloadable again, as it was.
	refs() { cat /sys/module/lkport/refcnt 2>/dev/null || echo 0; }
	i=0
	while [ "$(refs)" -gt 0 ] && [ $i -lt 500 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	echo "# module references after --reset: $(refs), after $((i * 20)) ms"
	check "wakelat.reset_releases_the_module" [ "$(refs)" -eq 0 ]
else
	skip_short wakelat.keep_pins_leaves_them wakelat.reset_removes_them \
		wakelat.reset_releases_the_module
fi

echo "# took $(elapsed) s"
if [ "$failed" -eq 0 ]; then
	echo "# PASSED: $n tests"
	exit $KSFT_PASS
fi
echo "# FAILED: $failed of $n tests"
exit $KSFT_FAIL
