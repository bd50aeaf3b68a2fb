#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-user-bench.sh: lkport's user-space benchmarks against the IPC users
# would pick instead, all in one boot, so that the ratios compare like with
# like (under QEMU/TCG absolute times mean little; ratios within a boot do).
# POSIX sh (busybox ash). Needs lkport.ko loaded; the lkport-bench-*
# programs next to this script (or in LKPORT_BENCH_BIN); rt-tests' pmqtest
# in PATH or next to this script, optional.
#
#   1. ping-pong round trip between two processes: lkport events and ports
#      (raw ioctls, read(2)/write(2) on ports, liblkport, and one
#      signal-wait or write-read call per step) against futex, eventfd,
#      pipe, POSIX mq;
#      each process on its own CPU, then both on one CPU, then unpinned;
#   2. throughput with batched writes: lkport port (ioctls, mapped read
#      and write rings, and read(2)/write(2)) against pipe and mq,
#      and one producer to 8 reader processes: a broadcast port against
#      8 pipes written in turn;
#   3. one-way latency the way rt-tests' pmqtest measures it, and pmqtest
#      itself, next to lkport's port ping-pong.
#
# Prints a table per benchmark, then every number again as "RESULT
# key=value" lines between "==== user-space benchmark summary" and
# "==== end of summary". Exits non-zero only if a benchmark failed
# functionally (an ioctl or system call error, a lost packet, a dead child);
# timings are never judged.
#
# Sizes (environment, or the kernel command line as lkport.ubench_X=N):
#   LKPORT_UBENCH_ROUNDS   ping-pong rounds, cross-CPU and same CPU (8000)
#   LKPORT_UBENCH_FROUNDS  ping-pong rounds, unpinned (4000)
#   LKPORT_UBENCH_MAXSEC   time cap per peer in the ping-pong and one-way
#                          tables (3 s): on a busy host fewer rounds run
#   LKPORT_UBENCH_SECONDS  seconds of writing per throughput case (2)
#   LKPORT_UBENCH_LOOPS    one-way and pmqtest loops (1000)
#   LKPORT_UBENCH_IRQS     interrupts per interrupt-latency case (10000)
#   LKPORT_UBENCH_SCALE_ROUNDS  timed rounds per size in the scale section (15)
#   LKPORT_UBENCH_PATH_VERBOSE  1: the path-length section lists every traced
#                          call's functions (lkport-bench-pathlen -v) (0)
#   LKPORT_UBENCH_ONLY     a comma list of sections to run: ipc (1-3), irq
#                          (4), wakelat (5), scale (6), path (7); default
#                          all five.
#                          throughput: section 2 alone.
#                          core: only the rows `make bench-core` follows (event
#                          ping-pong against futex on 2 CPUs and on 1, and
#                          the one-way latency across CPUs, pmqtest's
#                          method), tagged core-cross, core-same, core
#
#   4. interrupt to user space on QEMU's edu devices: lkport's interrupt
#      source (its fd, a bound port, a group) against UIO (uio_pci_generic,
#      from the kernel's own modules, next to this script's ../peer/).
#   5. what lkport-wakelat costs: the same-CPU ping-pong of events and
#      ports and the same-CPU port throughput without the tracer, with it
#      attached, and without again; then where its time goes (the
#      kernel's BPF run-time statistics over one more traced ping-pong).
#   6. scale: opening by name with 10 to 10,000 live objects (lkport events,
#      ports; POSIX mq), one call waking 1 to 1,000 threads (lkport event,
#      futex), one packet to 1 to 1,000 readers (broadcast port, pipes).
#   7. path length: the kernel functions one call enters (ftrace's
#      function_graph), lkport's writes, reads, signals and waits against
#      a pipe's, an mq's, an eventfd's and a futex's: a count, not a time,
#      the same whatever the host does.

here=$(cd "$(dirname "$0")" && pwd)
bin=${LKPORT_BENCH_BIN:-$here}
rounds=${LKPORT_UBENCH_ROUNDS:-8000}
frounds=${LKPORT_UBENCH_FROUNDS:-4000}
maxsec=${LKPORT_UBENCH_MAXSEC:-3}
seconds=${LKPORT_UBENCH_SECONDS:-2}
loops=${LKPORT_UBENCH_LOOPS:-1000}
irqs=${LKPORT_UBENCH_IRQS:-10000}
scale_rounds=${LKPORT_UBENCH_SCALE_ROUNDS:-15}
only=${LKPORT_UBENCH_ONLY:-ipc,irq,wakelat,scale,path}
path_verbose=${LKPORT_UBENCH_PATH_VERBOSE:-0}
for arg in $(cat /proc/cmdline 2>/dev/null); do
	case $arg in
	lkport.ubench_rounds=*) rounds=${arg#*=} ;;
	lkport.ubench_frounds=*) frounds=${arg#*=} ;;
	lkport.ubench_maxsec=*) maxsec=${arg#*=} ;;
	lkport.ubench_seconds=*) seconds=${arg#*=} ;;
	lkport.ubench_loops=*) loops=${arg#*=} ;;
	lkport.ubench_irqs=*) irqs=${arg#*=} ;;
	lkport.ubench_only=*) only=${arg#*=} ;;
	lkport.ubench_scale_rounds=*) scale_rounds=${arg#*=} ;;
	lkport.ubench_path_verbose=*) path_verbose=${arg#*=} ;;
	esac
done

tmp=$(mktemp -d /tmp/lkport-ubench.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
results=$tmp/results
: > "$results"
rc=0

# Runs one benchmark program: its output streams to the console, its
# RESULT lines are kept for the summary.
run() {
	prog=$1
	shift
	if [ ! -x "$bin/$prog" ]; then
		echo "LKPORT-ERROR: $bin/$prog missing"
		rc=1
		return
	fi
	t0=$(cut -d' ' -f1 /proc/uptime)
	rm -f "$tmp/rc"
	{ "$bin/$prog" "$@" 2>&1; echo "__rc=$?"; } | while IFS= read -r line; do
		case $line in
		RESULT\ *) echo "${line#RESULT }" >> "$results" ;;
		__rc=*) echo "${line#__rc=}" > "$tmp/rc" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
	r=$(cat "$tmp/rc" 2>/dev/null || echo 127)
	if [ "$r" != 0 ]; then
		echo "LKPORT-ERROR: $prog $* failed (exit $r)"
		rc=1
	fi
	echo "   ($(awk "BEGIN { printf \"%.1f\", $(cut -d' ' -f1 /proc/uptime) - $t0 }") s)"
	echo
}

result() {
	echo "$1=$2" >> "$results"
}

# A value from the RESULT lines so far ("" if none).
value() {
	sed -n "s/^$1=//p" "$results" | tail -1
}

ncpus=$(grep -c ^processor /proc/cpuinfo)
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo '?')
lkver=$(cat /sys/module/lkport/version 2>/dev/null || echo '?')
start=$(cut -d' ' -f1 /proc/uptime)
echo "==== lkport user-space benchmarks"
echo "kernel $(uname -r), $ncpus CPUs, clocksource $cs, lkport $lkver"
echo "Absolute times here are those of this (possibly emulated) machine; compare the ratios"
echo "between peers measured in this same boot."
echo
result kernel "$(uname -r)"
result cpus "$ncpus"
result clocksource "$cs"

section() {
	case ",$only," in *",$1,"*) return 0 ;; esac
	return 1
}

if section core; then
# ---- the rows bench-core follows, and nothing else --------------------------------------
run lkport-bench-pingpong -m cross -n "$rounds" -T "$maxsec" -p lkport-event,lkport-event-rw,futex -t core-cross
run lkport-bench-pingpong -m same -n "$rounds" -T "$maxsec" -p lkport-event,futex -t core-same
run lkport-bench-oneway -m cross -l "$loops" -T "$maxsec" -p lkport-port,mq -t core
fi

if section ipc; then
# ---- 1. ping-pong round trip ------------------------------------------------------
main_peers=lkport-event,lkport-port,lkport-rw,lkport-event-rw,lkport-event-call,lkport-port-call,futex,eventfd,pipe,mq
run lkport-bench-pingpong -m cross -n "$rounds" -T "$maxsec"
run lkport-bench-pingpong -m same -n "$rounds" -T "$maxsec" -p "$main_peers"
run lkport-bench-pingpong -m free -n "$frounds" -T "$maxsec" -p "$main_peers"

fi	# section ipc

# ---- 2. throughput with batched writes (also alone: BENCH_ONLY=throughput) --------------
if section ipc || section throughput; then
run lkport-bench-throughput -m cross -d "$seconds" -b 1,8,64 -F 1,64
fi

if section ipc; then

# ---- 3. one-way latency, pmqtest's way, and pmqtest --------------------------------------
run lkport-bench-oneway -m same -l "$loops" -T "$maxsec"
run lkport-bench-oneway -m cross -l "$loops" -T "$maxsec"

pmqtest=
for p in "$bin/pmqtest" "$here/pmqtest" $(command -v pmqtest 2>/dev/null); do
	[ -x "$p" ] && { pmqtest=$p; break; }
done

# pmqtest_run TAG ARGS...: runs pmqtest, prints and records its Min/Avg/Max
# per pair; says why when it cannot run.
pmqtest_run() {
	tag=$1
	shift
	echo "   \$ pmqtest $*"
	if [ -z "$pmqtest" ]; then
		echo "   not run: rt-tests' pmqtest is not in this system (PATH or $bin)"
		result "pmqtest.$tag.status" missing
		return
	fi
	timeout 120 "$pmqtest" "$@" > "$tmp/pmq" 2>&1
	r=$?
	sed 's/^/   | /' "$tmp/pmq"
	if [ $r -ne 0 ] || ! grep -q ' -> #' "$tmp/pmq"; then
		why=$(grep -v '^#' "$tmp/pmq" | head -1)
		echo "   not measured: pmqtest exited $r${why:+ ($why)}"
		result "pmqtest.$tag.status" "failed-$r"
		return
	fi
	result "pmqtest.$tag.status" ok
	# "#1 -> #0, Min    4, Cur    5, Avg   19, Max 1248"
	sed -n 's/^#\([0-9]*\) -> #\([0-9]*\), Min *\([0-9]*\), Cur *[0-9]*, Avg *\([0-9]*\), Max *\([0-9]*\).*/\1 \2 \3 \4 \5/p' \
		"$tmp/pmq" > "$tmp/pmq.pairs"
	pair=0
	while read -r s d min avg max; do
		cpu=$(sed -n "s/^#$d: ID[0-9]*, P[0-9]*, CPU\([0-9-]*\),.*/\1/p" "$tmp/pmq" | head -1)
		echo "   pmqtest $tag pair $pair (#$s -> #$d, receiver CPU${cpu:-?}): Min $min  Avg $avg  Max $max us (one way)"
		result "pmqtest.$tag.pair$pair.min_us" "$min"
		result "pmqtest.$tag.pair$pair.avg_us" "$avg"
		result "pmqtest.$tag.pair$pair.max_us" "$max"
		pair=$((pair + 1))
	done < "$tmp/pmq.pairs"
}

echo "== rt-tests pmqtest (POSIX mq, two threads of one process per pair), same boot"
t0=$(cut -d' ' -f1 /proc/uptime)
opts=
if [ -n "$pmqtest" ]; then
	help=$("$pmqtest" --help 2>&1)
	case $help in *--quiet*) opts="-q" ;; esac
	# A time cap as for the other tables, where this pmqtest has one.
	case $help in *--duration*) opts="$opts -D $((maxsec + 1))" ;; esac
fi
# -S: one sender/receiver pair per CPU, each pair on its own CPU (as
# lkport-bench-oneway -m same); then one unpinned pair.
pmqtest_run smp -S -l "$loops" $opts
pmqtest_run free -l "$loops" $opts
echo "   ($(awk "BEGIN { printf \"%.1f\", $(cut -d' ' -f1 /proc/uptime) - $t0 }") s)"
echo

echo "== lkport next to pmqtest (us)"
echo "   pmqtest measures ONE WAY: sender's timestamp before mq_send to the receiver's after mq_receive"
echo "   returns, the receiver having slept 1000 us before each message (a wake-up from idle)."
echo "   The ping-pong measures a ROUND TRIP (two sends, two wake-ups) back to back, no sleep."
echo "   lkport-bench-oneway repeats pmqtest's method with lkport ports and with mq, in processes."
printf '   %-44s %8s %8s %8s\n' "" "min" "avg" "max"
line() {
	[ -n "$3" ] && printf '   %-44s %8s %8s %8s\n' "$1" "$2" "$3" "$4"
}
line "pmqtest -S, pair 0 (same CPU)" "$(value pmqtest.smp.pair0.min_us)" \
	"$(value pmqtest.smp.pair0.avg_us)" "$(value pmqtest.smp.pair0.max_us)"
line "pmqtest -S, pair 1 (same CPU)" "$(value pmqtest.smp.pair1.min_us)" \
	"$(value pmqtest.smp.pair1.avg_us)" "$(value pmqtest.smp.pair1.max_us)"
line "pmqtest, unpinned" "$(value pmqtest.free.pair0.min_us)" \
	"$(value pmqtest.free.pair0.avg_us)" "$(value pmqtest.free.pair0.max_us)"
line "one-way mq, same CPU (pmqtest's method)" "$(value oneway.same.mq.min_us)" \
	"$(value oneway.same.mq.avg_us)" "$(value oneway.same.mq.max_us)"
line "one-way lkport port, same CPU" "$(value oneway.same.lkport-port.min_us)" \
	"$(value oneway.same.lkport-port.avg_us)" "$(value oneway.same.lkport-port.max_us)"
line "one-way mq, cross-CPU" "$(value oneway.cross.mq.min_us)" \
	"$(value oneway.cross.mq.avg_us)" "$(value oneway.cross.mq.max_us)"
line "one-way lkport port, cross-CPU" "$(value oneway.cross.lkport-port.min_us)" \
	"$(value oneway.cross.lkport-port.avg_us)" "$(value oneway.cross.lkport-port.max_us)"
line "one-way lkport port by read/write, cross-CPU" "$(value oneway.cross.lkport-rw.min_us)" \
	"$(value oneway.cross.lkport-rw.avg_us)" "$(value oneway.cross.lkport-rw.max_us)"
pp=$(value pingpong.cross.lkport-port.median_us)
[ -n "$pp" ] && printf '   %-44s %8s %8s %8s   (median %s, p99 %s)\n' \
	"lkport port ping-pong ROUND TRIP, cross-CPU" "-" "$(value pingpong.cross.lkport-port.mean_us)" "-" \
	"$pp" "$(value pingpong.cross.lkport-port.p99_us)"
pp=$(value pingpong.same.lkport-port.median_us)
[ -n "$pp" ] && printf '   %-44s %8s %8s %8s   (median %s, p99 %s)\n' \
	"lkport port ping-pong ROUND TRIP, same CPU" "-" "$(value pingpong.same.lkport-port.mean_us)" "-" \
	"$pp" "$(value pingpong.same.lkport-port.p99_us)"
echo

fi	# section ipc

# ---- 4. interrupt to user space: lkport against UIO ------------------------------------
bench_irq() {
	# bind DEV DRIVER: DEV to DRIVER through driver_override, as a user would.
	bind() {
		[ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"
		echo "$2" > "/sys/bus/pci/devices/$1/driver_override" &&
			echo "$1" > /sys/bus/pci/drivers_probe &&
			[ "$(basename "$(readlink "/sys/bus/pci/devices/$1/driver")")" = "$2" ]
	}
	edus=
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && edus="$edus ${d##*/}"
	done
	set -- $edus
	echo "== interrupt to user space, $irqs interrupts a case (us): QEMU edu devices, raiser CPU0, reader CPU1"
	if [ $# -lt 3 ]; then
		echo "   not run: needs three edu devices (lkport's VM has them), found $#"
	else
		lkdev=$1 uiodev=$3
		if bind "$lkdev" lkport; then
			run lkport-bench-irqlat -m fd -M intx -d "$lkdev" -n "$irqs"
			run lkport-bench-irqlat -m fd -M msi -d "$lkdev" -n "$irqs"
			run lkport-bench-irqlat -m port -M intx -d "$lkdev" -n "$irqs"
			run lkport-bench-irqlat -m group -M intx -d "$lkdev" -n "$irqs"
		else
			echo "LKPORT-ERROR: could not bind $lkdev to lkport"
			rc=1
		fi
		peer=$here/../peer
		uio=
		if { [ -d /sys/module/uio ] || insmod "$peer/uio.ko"; } &&
		   { [ -d /sys/module/uio_pci_generic ] || insmod "$peer/uio_pci_generic.ko"; } &&
		   bind "$uiodev" uio_pci_generic; then
			uio=$(ls "/sys/bus/pci/devices/$uiodev/uio" 2>/dev/null | head -1)
		fi
		if [ -n "$uio" ]; then
			[ -c "/dev/$uio" ] || mknod "/dev/$uio" c $(tr : ' ' < "/sys/class/uio/$uio/dev")
			run lkport-bench-irqlat -m uio -d "$uiodev" -u "/dev/$uio" -n "$irqs"
			result irqlat.uio.status ok
		else
			echo "   UIO not measured: uio_pci_generic could not be loaded or bound ($peer)"
			result irqlat.uio.status missing
		fi
		u50=$(value irqlat.uio.intx.p50_us) u99=$(value irqlat.uio.intx.p99_us)
		printf '   %-34s %10s %10s\n' "UIO time / lkport time" "p50" "p99"
		for c in fd.intx fd.msi port.intx group.intx; do
			l50=$(value irqlat.$c.p50_us) l99=$(value irqlat.$c.p99_us)
			[ -n "$l50" ] && [ -n "$u50" ] || continue
			r50=$(awk "BEGIN { printf \"%.2f\", $u50 / $l50 }")
			r99=$(awk "BEGIN { printf \"%.2f\", $u99 / $l99 }")
			result "irqlat.$c.uio_ratio_p50" "$r50"
			result "irqlat.$c.uio_ratio_p99" "$r99"
			printf '   %-34s %10s %10s\n' "uio / lkport $c" "$r50" "$r99"
		done
		echo "   (above 1: lkport is faster; lkport's records also carry the hard-IRQ timestamp,"
		echo "    sequence number and coalesced count; UIO's read returns a bare count)"
	fi
	echo
}
section irq && bench_irq

# ---- 5. what lkport-wakelat costs: without, with, without ---------------------------
# wl_start / wl_stop: lkport-wakelat attached (default options, no pins)
wl_start() {
	"$wl" --no-pin >"$tmp/wl.out" 2>"$tmp/wl.err" &
	wlpid=$!
	i=0
	while ! grep -q '^lkport-wakelat: tracing' "$tmp/wl.err" && [ $i -lt 250 ]; do
		sleep 0.02
		i=$((i + 1))
	done
}
wl_stop() {
	kill -INT $wlpid
	wait $wlpid || { echo "LKPORT-ERROR: lkport-wakelat failed"; cat "$tmp/wl.err"; rc=1; }
	grep '^counters' "$tmp/wl.out" | sed 's/^/   tracer /'
}

# wl_ratio KEY TAG...: with / mean of the two withouts, as RESULT KEY
wl_ratio() {
	key=$1 what=$2 a=$3 on=$4 b=$5 unit=$6
	[ -n "$a" ] && [ -n "$b" ] && [ -n "$on" ] || return 0
	r=$(awk "BEGIN { printf \"%.3f\", 2 * $on / ($a + $b) }")
	result "$key" "$r"
	printf '   %-34s %s (with / without: %s / %s, %s %s)\n' "$what" "$r" "$on" "$a" "$b" "$unit"
}

bench_wakelat() {
	wl=$(command -v lkport-wakelat || echo "$here/lkport-wakelat")
	pp="-m same -n $rounds -T $maxsec -p lkport-event,lkport-port"
	tp="-m same -d 1 -r 2 -b 1,16 -p lkport"
	echo "== lkport-wakelat overhead: same-CPU ping-pong and port throughput without the tracer, with it, without"
	# shellcheck disable=SC2086
	run lkport-bench-pingpong $pp -t wloff1
	# shellcheck disable=SC2086
	run lkport-bench-throughput $tp -t wloff1
	wl_start
	# shellcheck disable=SC2086
	run lkport-bench-pingpong $pp -t wlon
	# shellcheck disable=SC2086
	run lkport-bench-throughput $tp -t wlon
	wl_stop
	# shellcheck disable=SC2086
	run lkport-bench-pingpong $pp -t wloff2
	# shellcheck disable=SC2086
	run lkport-bench-throughput $tp -t wloff2
	for p in lkport-event lkport-port; do
		wl_ratio "wakelat.$p.overhead_ratio" "$p with tracer / without" \
			"$(value pingpong.wloff1.$p.median_us)" "$(value pingpong.wlon.$p.median_us)" \
			"$(value pingpong.wloff2.$p.median_us)" "us median round trip"
	done
	# throughput: packets per second without over with, so that above 1
	# is a cost here too
	for b in 1 16; do
		a=$(value throughput.wloff1.lkport-b$b.packets_per_s)
		on=$(value throughput.wlon.lkport-b$b.packets_per_s)
		c=$(value throughput.wloff2.lkport-b$b.packets_per_s)
		[ -n "$a" ] && [ -n "$on" ] && [ -n "$c" ] || continue
		r=$(awk "BEGIN { printf \"%.3f\", ($a + $c) / 2 / $on }")
		result "wakelat.port-throughput-b$b.overhead_ratio" "$r"
		printf '   %-34s %s (packets/s without / with: %s, %s / %s)\n' \
			"port throughput b$b, cost" "$r" "$a" "$c" "$on"
	done
	# Where the time goes: the kernel's BPF run-time statistics over one
	# more traced ping-pong (they cost two clock reads per program run,
	# so this run is not one of the ratios'). Per round trip: each
	# program's runs and ns inside it.
	bpftool=$(command -v bpftool || echo "$here/bpftool")
	if [ -w /proc/sys/kernel/bpf_stats_enabled ] && [ -x "$bpftool" ]; then
		echo 1 > /proc/sys/kernel/bpf_stats_enabled
		wl_start
		"$bpftool" prog show -j > "$tmp/progs0" 2>/dev/null
		# shellcheck disable=SC2086
		run lkport-bench-pingpong -m same -n "$rounds" -T "$maxsec" -p lkport-event -t wlstats
		"$bpftool" prog show -j > "$tmp/progs1" 2>/dev/null
		wl_stop
		echo 0 > /proc/sys/kernel/bpf_stats_enabled
		n=$(value pingpong.wlstats.lkport-event.rounds)
		echo "   BPF programs over $n event round trips (bpf_stats): per round trip"
		for f in progs0 progs1; do
			tr '{' '\n' < "$tmp/$f" | sed -n 's/.*"name":"\([a-z_]*\)".*"run_time_ns":\([0-9]*\),"run_cnt":\([0-9]*\).*/\1 \2 \3/p' > "$tmp/$f.t"
		done
		awk -v n="${n:-0}" 'NR == FNR { t0[$1] = $2; c0[$1] = $3; next }
			n > 0 && $3 > c0[$1] { dt = $2 - t0[$1]; dc = $3 - c0[$1]; tot += dt
			  printf "   %-24s %6.2f runs %8.0f ns\n", $1, dc / n, dt / n }
			END { if (n > 0) printf "   %-24s %15.0f ns\n", "all programs", tot / n }' \
			"$tmp/progs0.t" "$tmp/progs1.t" | tee "$tmp/stats"
		t=$(awk '$1 == "all" { print $3 }' "$tmp/stats")
		[ -n "$t" ] && result "wakelat.bpf_ns_per_event_round_trip" "$t"
	fi
	echo
}
section wakelat && bench_wakelat

# ---- 6. scale: open by name with N live objects, N waiters, N readers ----------------
section scale && run lkport-bench-scale -r "$scale_rounds"

# ---- 7. path length: kernel functions per call ----------------------------------------
if [ "$path_verbose" = 1 ]; then
	section path && run lkport-bench-pathlen -t path -v
else
	section path && run lkport-bench-pathlen -t path
fi

# Rounds over 1 ms are rare on an idle machine; many of them mean the
# machine (or the host under this VM) was busy and that the ratios below
# mix in its scheduling. Said once, at the end, where the summary is read.
noisy=$(sed -n 's/^pingpong\.\([a-z]*\)\.\([a-z-]*\)\.slow_pct=//p' "$results" |
	awk '$1 > 5 { n++ } END { print n + 0 }')
result noisy_peers "$noisy"
if [ "$noisy" -gt 0 ]; then
	echo "NOTE: $noisy ping-pong rows have over 5% of rounds above 1 ms (column slow%): the machine"
	echo "      was busy (on a VM: its vCPUs descheduled by the host). Those rows measure mostly how a"
	echo "      mechanism copes with that (a waker descheduled while holding a lock its wakee takes"
	echo "      next stalls the wakee), not the cost of the IPC itself."
	echo
fi

end=$(cut -d' ' -f1 /proc/uptime)
result seconds "$(awk "BEGIN { printf \"%.1f\", $end - $start }")"
result status "$([ $rc -eq 0 ] && echo ok || echo failed)"
echo "==== user-space benchmark summary ($(uname -r))"
sed 's/^/RESULT /' "$results"
echo "==== end of summary"
exit $rc
