#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Instructions per dispatch of each handler table, counted by callgrind.
#
#   callgrind.sh DRIVER OUTDIR [DISPATCHES]
#
# DRIVER is lkport-callgrind-handler-table: it dumps one profile per table,
# described "<table> <dispatches>", holding only its dispatch loop. This
# runs it under callgrind with collection off at start (the driver switches
# it on around each loop), then reads each dump's total Ir.
set -eu

driver=$1
out=$2
k=${3:-100000}

mkdir -p "$out"
rm -f "$out"/callgrind.out*
valgrind -q --tool=callgrind --collect-atstart=no \
	--callgrind-out-file="$out/callgrind.out" "$driver" "$k"

# The driver dumps callgrind.out.1, .2, ... in order; one line per dump:
# table, dispatches, total Ir.
i=1
while [ -f "$out/callgrind.out.$i" ]; do
	f=$out/callgrind.out.$i
	desc=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
	ir=$(sed -n 's/^totals: *//p' "$f")
	echo "$desc $ir"
	i=$((i + 1))
done | awk '
	{ name[NR] = $1; n[NR] = $2; ir[NR] = $3 / $2; idx[$1] = NR }
	END {
		if (!("lock-free" in idx) || !("no-sync" in idx)) { print "missing profiles" > "/dev/stderr"; exit 1 }
		lf = ir[idx["lock-free"]]; floor = ir[idx["no-sync"]]
		printf "\n==== handler table dispatch: instructions per dispatch (callgrind Ir, 1 thread, %d dispatches each)\n", n[1]
		printf "%-10s %12s %12s %14s %14s\n", "table", "Ir/dispatch", "/lock-free", "sync Ir", "sync/lock-free"
		for (i = 1; i <= NR; i++) {
			sync = ir[i] - floor
			printf "%-10s %12.2f %11.2fx %14.2f", name[i], ir[i], ir[i] / lf, sync
			if (name[i] == "no-sync" || lf == floor) printf " %14s\n", "-"
			else printf " %13.2fx\n", sync / (lf - floor)
		}
		printf "no-sync: the same loop over an unsynchronised table (loop, slot load, handler call and\n"
		printf "its increment); sync Ir: what each table adds to that for synchronisation. The lock-free\n"
		printf "table'"'"'s are the host'"'"'s userspace RCU (lkos_dispatch_enter/exit, out of line in os_host.cpp);\n"
		printf "in the module they are rcu_read_lock/unlock, a preempt-count update or nothing.\n"
	}'
