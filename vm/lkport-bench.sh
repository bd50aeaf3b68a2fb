#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lkport-bench.sh: lkport's benchmarks, as the VM's "bench" mode runs them
# (vm/init calls /lkport/bin/lkport-bench.sh with lkport.ko loaded). Each
# section is a function that prints its results and returns non-zero only
# when it could not run; timings are printed, never judged.
#
# Sections: in-kernel (lkport_ktest.ko against mutex/semaphore/completion),
# then user space (bench/run-user-bench.sh: ping-pong, throughput, one-way).
#
# Kernel command line: lkport.bench=kernel|user runs one section only;
# lkport.bench=core runs the in-kernel benchmarks and the user-space "core"
# rows (run-user-bench.sh) only, lkport.bench_runs=N times (default 1),
# each run between "==== bench-core run K" and "==== bench-core run K end"
# (make bench-core, bench/core-table.sh);
# lkport.kbench=ARGS passes ARGS (commas for spaces)
# to the in-kernel benchmarks, e.g. lkport.kbench=all,rounds=5000.
#
# Environment: LKPORT_KTEST_KO (default /lkport/lkport_ktest.ko),
# LKPORT_KBENCH (the in-kernel benchmarks' arguments, default "all").

ktest_ko=${LKPORT_KTEST_KO:-/lkport/lkport_ktest.ko}
kbench=${LKPORT_KBENCH:-all}
for arg in $(cat /proc/cmdline 2>/dev/null); do
	case $arg in
	lkport.kbench=*) kbench=$(echo "${arg#lkport.kbench=}" | tr , ' ') ;;
	esac
done

# ---- in-kernel: lkport's primitives against Linux's, lkport_ktest.ko ----------
bench_kernel() {
	dir=/sys/kernel/debug/lkport_ktest
	echo "==== in-kernel benchmarks (lkport_ktest.ko: $kbench)"
	if ! grep -q ' /sys/kernel/debug debugfs ' /proc/mounts; then
		mount -t debugfs debugfs /sys/kernel/debug || return 1
	fi
	loaded_here=0
	if [ ! -d /sys/module/lkport_ktest ]; then
		[ -f "$ktest_ko" ] || { echo "LKPORT-ERROR: $ktest_ko missing"; return 1; }
		insmod "$ktest_ko" || { echo "LKPORT-ERROR: insmod $ktest_ko failed"; return 1; }
		loaded_here=1
	fi
	r=0
	if ! echo "$kbench" > "$dir/bench"; then
		echo "LKPORT-ERROR: in-kernel benchmarks failed"
		r=1
	fi
	cat "$dir/bench"
	if [ $loaded_here = 1 ] && ! rmmod lkport_ktest; then
		echo "LKPORT-ERROR: rmmod lkport_ktest failed"
		r=1
	fi
	return $r
}

# ---- user space: lkport against futex, eventfd, pipe, POSIX mq, pmqtest -------
bench_user() {
	here=$(cd "$(dirname "$0")" && pwd)
	[ -x "$here/run-user-bench.sh" ] || { echo "LKPORT-ERROR: run-user-bench.sh missing"; return 1; }
	"$here/run-user-bench.sh"
}

# lkport.bench=kernel or =user runs only that section; =core the narrow set.
only=
runs=1
for arg in $(cat /proc/cmdline 2>/dev/null); do
	case $arg in
	lkport.bench=*) only=${arg#lkport.bench=} ;;
	lkport.bench_runs=*) runs=${arg#lkport.bench_runs=} ;;
	esac
done
rc=0
if [ "$only" = core ]; then
	i=1
	while [ "$i" -le "$runs" ]; do
		echo "==== bench-core run $i"
		bench_kernel || rc=1
		LKPORT_UBENCH_ONLY=core bench_user || rc=1
		echo "==== bench-core run $i end"
		i=$((i + 1))
	done
	exit $rc
fi
[ "$only" = user ] || bench_kernel || rc=1
[ "$only" = kernel ] || bench_user || rc=1
exit $rc
