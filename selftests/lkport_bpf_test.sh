#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs lkport-wakelat and checks that its BPF programs load, attach, pin
# and count. POSIX sh (busybox ash is enough); prints TAP as kselftest does
# and exits 0 when every test passed, 1 on a failure, 4 when skipped.
#
# The loader is looked for in $LKPORT_WAKELAT, next to this script, then
# in $PATH. Needs root and a bpf filesystem at /sys/fs/bpf.

. "$(dirname "$0")/lkport_tap.sh"
NTESTS=8

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

# as_comments FILE: show a file's lines as TAP comments
as_comments() {
	sed 's/^/# /' "$1"
}

# positive VALUE: VALUE is a decimal number greater than zero
positive() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$1" -gt 0 ]
}

echo "TAP version 13"

here=$(dirname "$0")
if [ -n "$LKPORT_WAKELAT" ]; then
	wl=$LKPORT_WAKELAT
elif [ -x "$here/lkport-wakelat" ]; then
	wl=$here/lkport-wakelat
else
	wl=$(command -v lkport-wakelat)
fi
if [ -z "$wl" ] || [ ! -x "$wl" ]; then
	skip_all "lkport-wakelat not found"
fi
[ "$(id -u)" -eq 0 ] || skip_all "must be run as root"
grep -q ' /sys/fs/bpf bpf ' /proc/mounts ||
	skip_all "no bpf filesystem mounted at /sys/fs/bpf"

echo "1..$NTESTS"
echo "# loader: $wl"

tmp=$(mktemp -d) || exit $KSFT_FAIL
# no dots: bpffs refuses them in names (EPERM)
pin=/sys/fs/bpf/lkport_selftest_$$
churn_pid=

cleanup() {
	[ -n "$churn_pid" ] && kill "$churn_pid" 2>/dev/null
	rm -rf "$tmp"
	# only left behind if the loader was killed hard
	[ -d "$pin" ] && rm -f "$pin"/* && rmdir "$pin"
}
trap cleanup EXIT
trap 'exit $KSFT_FAIL' INT TERM

# Short sleeps in the background make sure there are context switches
# even on an otherwise idle machine.
(while :; do sleep 0.01; done) &
churn_pid=$!

# Run 1: defaults (tp_btf where it loads), pinning into $pin. The pins
# are looked at while the loader is still running; it pins the counter map
# last, once all links are pinned.
"$wl" -d 3 --pin "$pin" >"$tmp/out" 2>"$tmp/err" &
wl_pid=$!
map_pinned=false
link_pinned=false
while kill -0 "$wl_pid" 2>/dev/null; do
	if [ -e "$pin/counts" ]; then
		map_pinned=true
		[ -e "$pin/link_sched_switch" ] && link_pinned=true
		break
	fi
	sleep 0.05
done

# lkport activity while the programs are attached: a thread blocked on an
# event, then a signal, so lkport_signal, lkport_wake and
# lkport_wait_return each fire at least once.
waited() { grep " $1 " /sys/kernel/debug/lkport/objects 2>/dev/null | grep -q 'waiters=1'; }
activity=false
if $map_pinned && [ -e /dev/lkport ] && command -v lkportctl >/dev/null; then
	ev=bpfsel$$
	lkportctl event create "$ev" --hold >"$tmp/hold" 2>&1 &
	hold_pid=$!
	i=0
	while ! grep -q ready "$tmp/hold" && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
	lkportctl event wait "$ev" --timeout 5000 >/dev/null 2>&1 &
	waiter=$!
	i=0
	while ! waited "$ev" && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
	lkportctl event signal "$ev" >/dev/null 2>&1
	wait "$waiter" && activity=true
	kill "$hold_pid" 2>/dev/null
	wait "$hold_pid"
fi
wait "$wl_pid"
rc=$?
as_comments "$tmp/out"
as_comments "$tmp/err"

count() {
	awk -v k="$1" '$1 == k { print $2 }' "$tmp/out"
}

echo "# exit status $rc"
check "wakelat_exit_status" [ "$rc" -eq 0 ]
check "counter_map_pinned_while_running" $map_pinned
check "sched_switch_link_pinned_while_running" $link_pinned
check "sched_switch_counted" positive "$(count sched_switch)"
check "sched_switch_idle_counted" positive "$(count sched_switch_idle)"
check "pins_removed_on_exit" [ ! -e "$pin" ]

# lkport's counters are attached only while the module is loaded; with
# lkportctl at hand the activity above makes each of them count.
events=
for d in /sys/kernel/tracing/events/lkport \
	 /sys/kernel/debug/tracing/events/lkport; do
	[ -d "$d" ] && events=$d
done
if [ ! -e /dev/lkport ]; then
	skip "lkport_counters_present" "lkport module not loaded"
elif [ -z "$events" ]; then
	skip "lkport_counters_present" "tracefs not mounted"
else
	present=true
	for c in lkport_signal lkport_wake lkport_wait_return; do
		if $activity; then
			positive "$(count $c)" || present=false
		else
			[ -n "$(count $c)" ] || present=false
		fi
	done
	$activity || echo "# no lkport activity generated (lkportctl missing?): counters checked for presence only"
	check "lkport_counters_present" $present
fi

# Run 2: the raw_tp flavour of sched_switch, JSON output, no pins.
"$wl" -d 0.5 --raw-tp --no-pin --json >"$tmp/json" 2>"$tmp/err"
rc=$?
as_comments "$tmp/json"
as_comments "$tmp/err"
json_switches=$(sed -n 's/.*"sched_switch": \([0-9]*\).*/\1/p' "$tmp/json")
raw_ok=false
[ "$rc" -eq 0 ] && grep -q '"sched_switch_attach": "raw_tp"' "$tmp/json" &&
	positive "$json_switches" && raw_ok=true
echo "# exit status $rc"
check "raw_tp_json_run" $raw_ok

if [ "$failed" -eq 0 ]; then
	echo "# PASSED: $n tests"
	exit $KSFT_PASS
fi
echo "# FAILED: $failed of $n tests"
exit $KSFT_FAIL
