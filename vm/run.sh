#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [options] VMLINUZ INITRAMFS
#
# Boots lkport's VM under QEMU/TCG with two vCPUs and three of QEMU's edu PCI
# devices (slots 4 and 8 share one INTx line; slot 9 has another, for UIO)
# and an e1000 NIC no driver takes, as a generic INTx device for lkport's
# DisINTx path (its network is QEMU's, restricted: nothing leaves),
# streams the serial console, and decides the outcome:
#   - the guest's own exit status (tests, demo or benchmarks), and that it
#     ran at least one test in test mode;
#   - no kernel oops, BUG, WARN, lockup, RCU stall, hung task, sanitizer
#     report or panic anywhere in the console or the guest's final dmesg (a
#     deadlock on a lock that sleeps, as spinlock_t does on PREEMPT_RT,
#     shows as a hung task rather than a lockup);
#   - no taint but out-of-tree (O) and unsigned (E) module.
# On failure it prints the failing tests' output and the dmesg tail.
#
# In run mode (make vm-run: a user's programs, vm/vm-run.sh) it prints
# only what the programs print, as they print it, its own lines go to
# stderr, and its exit status is the programs' (vm/init's
# LKPORT-RUN-STATUS), or 125 when the VM itself failed as above.
#
# Options: --mode test|demo|bench|run|shell (default test), --timeout SECONDS
# (default 900), --log FILE (console log; default a temp file), --quiet
# (print only the summary and failures), --append "KERNEL ARGS", --tests
# "NAME..." (only those selftests: lkport.tests= for vm/init), --tcg-single.
#
# run.sh --check-log FILE [--mode M] judges a console log saved before
# (FILE is not changed) without booting anything: what tools/check-vm-log.sh
# feeds it. The console is read as text whatever bytes a test printed (a
# NUL, invalid UTF-8): every grep below is grep -a, or one such byte would
# make grep see a "binary file" and match nothing.
set -uo pipefail
export LC_ALL=C	# bytes, not characters: a log need not be valid UTF-8

mode=test timeout=900 log= quiet=0 append= tcg=multi check_log=
while [ $# -gt 0 ]; do
	case $1 in
	--mode) mode=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--append) append="$append $2"; shift 2 ;;
	--tests) append="$append lkport.tests=$(echo $2 | tr ' ' ,)"; shift 2 ;;
	--tcg-single) tcg=single; shift ;;
	--check-log) check_log=$2; shift 2 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ -n "$check_log" ]; then
	[ $# -eq 0 ] && [ -r "$check_log" ] || { echo "usage: run.sh --check-log FILE [--mode M]" >&2; exit 2; }
	kernel=/nonexistent/vmlinuz-saved-log initrd=
else
	[ $# -eq 2 ] || { echo "usage: run.sh [--mode M] [--timeout S] [--log F] VMLINUZ INITRAMFS" >&2; exit 2; }
	kernel=$1 initrd=$2
fi
[ -n "$log" ] || log=$(mktemp /tmp/lkport-vm.XXXXXX.log)
krel=$(basename "$kernel"); krel=${krel#vmlinuz-}

qemu=(qemu-system-x86_64 -accel tcg,thread=$tcg -cpu max -smp 2 -m 1G
	-display none -vga none -monitor none -serial stdio -no-reboot -nic none
	-device edu,addr=04.0 -device edu,addr=08.0 -device edu,addr=09.0
	-netdev user,id=n0,restrict=on -device e1000,addr=0a.0,netdev=n0,romfile=
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 loglevel=5 panic=-1 softlockup_panic=0 lkport.mode=$mode $append")

start=$(date +%s%N)
if [ "$mode" = shell ]; then
	exec "${qemu[@]}"
fi
boot() {
	if [ $quiet -eq 1 ]; then
		timeout -k 10 "$timeout" "${qemu[@]}" </dev/null >"$log" 2>&1
	elif [ "$mode" = demo ]; then
		# The demo from its first line; boot messages stay in the log.
		timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$log" |
			sed -un '/^LKPORT-DEMO-BEGIN/,/^LKPORT-DMESG-BEGIN/{/^LKPORT-/d;s/\r$//;p;}'
	elif [ "$mode" = run ]; then
		timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$log" |
			sed -un '/^LKPORT-RUN-BEGIN/,/^LKPORT-RUN-END/{/^LKPORT-RUN-/d;s/\r$//;p;}'
	else
		timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$log" |
			sed -u '/^LKPORT-DMESG-BEGIN/,/^LKPORT-DMESG-END/d'
	fi
	qemu_rc=${PIPESTATUS[0]}
	tr -d '\r' < "$log" > "$log.clean" && mv "$log.clean" "$log"
}
if [ -n "$check_log" ]; then
	boot() {
		qemu_rc=0
		tr -d '\r' < "$check_log" > "$log"
	}
fi
boot
# A kernel that dies before /init has run (no LKPORT-BOOTED line) died with
# no lkport code loaded: under multi-threaded TCG the kernel's own
# self-patching at boot (static keys: sched_clock, IPI shorthands) now and
# then runs stale code (seen as "Oops: int3" about once in ten 6.12 boots).
# Boot once more, keeping the first log; a second failure counts.
# The same for a kernel that reported a problem before /init ran: seen on
# the KASAN debug kernel under single-threaded TCG, once in about five
# boots, as "KASAN: wild-memory-access in do_raw_spin_lock" from an early
# interrupt during identify_cpu, 8 ms into boot. A report after
# LKPORT-BOOTED is never retried.
report_re='Oops|BUG:|WARNING:|Kernel panic|kernel BUG at|soft lockup|hard LOCKUP|rcu_(sched|preempt) detected stalls|detected stall|KASAN|UBSAN|KFENCE|general protection fault|list_(add|del) corruption|refcount_t: |Unable to handle|unable to handle|Call Trace:|blocked for more than'
reported_before_init() {
	awk '/^LKPORT-BOOTED/ { exit } { print }' "$log" | grep -aqE "$report_re"
}
if [ $qemu_rc -ne 124 ] && [ $qemu_rc -ne 137 ]; then
	why=
	if ! grep -aq '^LKPORT-BOOTED' "$log"; then
		why="the kernel died during boot"
	elif reported_before_init; then
		why="the kernel reported a problem during boot"
	fi
	if [ -n "$why" ]; then
		mv "$log" "$log.first-boot"
		echo "== lkport VM $krel: $why, before lkport ran (log: $log.first-boot); booting again"
		boot
	fi
fi
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
elapsed=$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))

problems=()
# Kernel trouble, wherever it was printed.
if grep -anE "$report_re" "$log" >/dev/null; then
	problems+=("kernel reported a problem:")
	while IFS= read -r line; do problems+=("    $line"); done < <(grep -anE 'Oops|BUG:|WARNING:|Kernel panic|kernel BUG at|soft lockup|hard LOCKUP|detected stall|KASAN|UBSAN|KFENCE|general protection fault|corruption|refcount_t: |nable to handle|blocked for more than' "$log" | head -20)
fi
taint=$(sed -n 's/^LKPORT-TAINT: //p' "$log" | tail -1)
if [ -n "$taint" ] && [ $((taint & ~(4096 | 8192))) -ne 0 ]; then
	problems+=("kernel tainted: $taint (allowed: out-of-tree 4096, unsigned 8192)")
fi
exit_line=$(sed -n 's/^LKPORT-EXIT: //p' "$log" | tail -1)
if [ $qemu_rc -eq 124 ] || [ $qemu_rc -eq 137 ]; then
	problems+=("VM timed out after ${timeout}s")
elif [ -z "$exit_line" ]; then
	problems+=("VM stopped without reporting an exit status (qemu exit $qemu_rc)")
elif [ "$exit_line" != 0 ]; then
	problems+=("guest exit status $exit_line")
fi
grep -aq '^LKPORT-ERROR' "$log" && problems+=("$(grep -a '^LKPORT-ERROR' "$log")")
if [ "$mode" = test ]; then
	totals=$(grep -aE '^# Totals: ' "$log" | tail -1)
	pass=$(echo "$totals" | sed -n 's/^# Totals: pass:\([0-9]*\).*/\1/p')
	[ -n "$pass" ] && [ "$pass" -gt 0 ] || problems+=("no test passed (${totals:-no TAP totals})")
fi

run_status=
if [ "$mode" = run ]; then
	run_status=$(sed -n 's/^LKPORT-RUN-STATUS: //p' "$log" | tail -1)
	[ -n "$run_status" ] || problems+=("the programs never finished (no LKPORT-RUN-STATUS)")
	# What follows is the harness's, not the programs' output.
	exec >&2
fi

booted=$(sed -n 's/^LKPORT-BOOTED: //p' "$log" | head -1)
echo "== lkport VM $krel ($mode, tcg $tcg): booted: ${booted:-never}; total ${elapsed}s; log: $log"
if [ ${#problems[@]} -eq 0 ] && [ "$mode" = run ]; then
	echo "== exit status $run_status"
	exit "$run_status"
fi
if [ ${#problems[@]} -eq 0 ]; then
	[ "$mode" = test ] && echo "== $totals"
	echo "== PASS"
	exit 0
fi

# Failure: what went wrong, the failing tests' output, the dmesg tail.
if grep -aq '^LKPORT-FAILED-BEGIN' "$log"; then
	echo "== output of failing tests:"
	sed -n '/^LKPORT-FAILED-BEGIN/,/^LKPORT-FAILED-END/p' "$log"
fi
echo "== dmesg tail:"
if grep -aq '^LKPORT-DMESG-BEGIN' "$log"; then
	sed -n '/^LKPORT-DMESG-BEGIN/,/^LKPORT-DMESG-END/p' "$log" | sed '1d;$d' | tail -40
else
	grep -av '^LKPORT-' "$log" | tail -40
fi
for p in "${problems[@]}"; do echo "== FAIL: $p"; done
[ "$mode" = run ] && exit 125
exit 1
