#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-vm-log.sh: checks, on the host and without a VM, that vm/run.sh
# judges console logs as it should when a test printed bytes that are not
# text (a NUL, invalid UTF-8): such a byte once made grep treat the whole
# log as a binary file, so that a passing run was reported as "no test
# passed" and a kernel report in it went unseen. Feeds run.sh --check-log
# synthetic logs and checks its verdicts. Exit status 0 when all hold.
set -u
here=$(cd "$(dirname "$0")" && pwd)
run=$here/../vm/run.sh
tmp=$(mktemp -d /tmp/lkport-check-vm-log.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

# A console log of a passing run; $1 is printed among a test's output.
log() {
	printf 'LKPORT-BOOTED: 6.12.0 1.00s cpus=2\r\n'
	printf 'TAP version 13\r\n1..1\r\n# selftests: lkport: lkport_x_test\r\n'
	printf '# ok 1 x.before\r\n'
	printf '# %b\r\n' "$1"
	printf '# ok 2 x.after\r\n'
	printf 'ok 1 selftests: lkport: lkport_x_test\r\n'
	printf '# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0\r\n'
	printf 'LKPORT-TAINT: 12288\r\nLKPORT-DMESG-BEGIN\r\n'
	printf '[    1.0] %b\r\n' "${2:-lkport: loaded}"
	printf 'LKPORT-DMESG-END\r\nLKPORT-EXIT: 0\r\n'
}

# expect NAME STATUS PATTERN: run.sh on $tmp/NAME.log exits STATUS and says
# PATTERN (grep -E).
expect() {
	local out=$tmp/$1.out rc
	"$run" --check-log "$tmp/$1.log" --log "$tmp/$1.judged" >"$out" 2>&1
	rc=$?
	if [ $rc -eq "$2" ] && grep -aEq -- "$3" "$out"; then
		echo "ok: $1: exit $rc, says '$3'"
	else
		echo "FAIL: $1: exit $rc (want $2), output:"
		sed 's/^/    /' "$out"
		fail=1
	fi
}

log 'plain text' >"$tmp/text.log"
expect text 0 '^== # Totals: pass:1 '
log 'a NUL: [\0] and invalid UTF-8: [\377\376]' >"$tmp/nul.log"
# The log really holds a NUL, and plain grep calls it binary.
tr -d -c '\000' <"$tmp/nul.log" | wc -c | grep -q '^1$' || { echo "FAIL: no NUL in the log"; fail=1; }
if grep -E '^# Totals: ' "$tmp/nul.log" 2>/dev/null | grep -q 'pass:1'; then
	echo "note: this grep reads the NUL log as text even without -a"
else
	echo "ok: without -a, grep does not find the totals in the NUL log (run.sh did that)"
fi
expect nul 0 '^== # Totals: pass:1 '
# A kernel report after the NUL is still seen.
log 'NUL [\0]' 'BUG: KFENCE: use-after-free read in lk_port_info' >"$tmp/nul-bug.log"
expect nul-bug 1 'FAIL: kernel reported a problem'
# And a run that passed nothing still fails.
log 'NUL [\0]' | sed 's/pass:1/pass:0/' >"$tmp/nul-none.log"
expect nul-none 1 'FAIL: no test passed'
# PREEMPT_RT's reports of a sleeping lock taken in atomic context (a
# spinlock_t, which is an rt_mutex there, from hard IRQ), and the RCU stall
# that follows, as the 6.12 RT kernel printed them.
log 'plain' '[   19.2] BUG: scheduling while atomic: lkt_irqpp/0/830/0x00010001' >"$tmp/rt-atomic.log"
expect rt-atomic 1 'FAIL: kernel reported a problem'
log 'plain' '[   40.2] rcu: INFO: rcu_preempt self-detected stall on CPU' >"$tmp/rt-stall.log"
expect rt-stall 1 'FAIL: kernel reported a problem'
# A thread stuck on a sleeping lock: the hung-task watchdog's report.
log 'plain' '[  243.1] INFO: task lkt_irqpp/0:830 blocked for more than 120 seconds.' >"$tmp/hung.log"
expect hung 1 'FAIL: kernel reported a problem'
# An RT kernel's banner is no report.
log 'plain' 'Linux version 6.12.95+deb12-rt-amd64 #1 SMP PREEMPT_RT Debian' >"$tmp/rt-banner.log"
expect rt-banner 0 '^== PASS'
# A report before /init ran makes the harness boot again (here: the same
# log again), and a second one still fails.
{ printf '[    0.008] BUG: KASAN: wild-memory-access in do_raw_spin_lock\r\n'; log 'plain'; } >"$tmp/early.log"
expect early 1 'problem during boot, before lkport ran'

exit $fail
