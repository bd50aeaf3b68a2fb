#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lkport_cycles.sh: lifetimes under repetition. POSIX sh (busybox ash).
#
#  1. SIGKILL mid-wait: a process blocked in an event wait is killed with
#     SIGKILL, again and again, with the event held by another process;
#     every cycle must leave the live counters where they started.
#  2. insmod/rmmod with objects in between: the module is unloaded and
#     loaded again, each time after objects were created, waited on and
#     released; rmmod must be refused while an object is held and succeed
#     once it is not, and a fresh module starts with every counter at zero.
#  3. a PCI device bound to lkport (driver_override) across module cycles:
#     each rmmod lets it go, each insmod binds it again, and an interrupt
#     from it reaches a wait after the last (QEMU's edu device).
#
# Needs root, lkport.ko loaded, debugfs, lkportctl. LKPORT_KILL_CYCLES
# (default 200), LKPORT_MODULE_CYCLES (default 50) and LKPORT_DEVICE_CYCLES
# (default 5: each probes and removes the device, about 1 s under TCG) set
# the counts; the long variants are `LKPORT_KILL_CYCLES=1000
# LKPORT_MODULE_CYCLES=1000`.
# LKPORT_KO is the module to reload (default /lkport/lkport.ko, then
# ../build/kmod/$(uname -r)/lkport.ko beside this script).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lkport_tap.sh"

kill_cycles=${LKPORT_KILL_CYCLES:-200}
module_cycles=${LKPORT_MODULE_CYCLES:-50}
device_cycles=${LKPORT_DEVICE_CYCLES:-5}
stats=/sys/kernel/debug/lkport/stats
objects=/sys/kernel/debug/lkport/objects

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -r "$stats" ] || skip_all "no $stats (module not loaded or debugfs not mounted)"
ctl=${LKPORTCTL:-}
for c in "$ctl" "$here/lkportctl" "$here/../bin/lkportctl" "$(command -v lkportctl)"; do
	[ -n "$c" ] && [ -x "$c" ] && { ctl=$c; break; }
done
[ -x "$ctl" ] || skip_all "lkportctl not found"
ko=${LKPORT_KO:-}
for k in "$ko" /lkport/lkport.ko "$here/../build/kmod/$(uname -r)/lkport.ko"; do
	[ -n "$k" ] && [ -f "$k" ] && { ko=$k; break; }
done

tmp=$(mktemp -d)
holder=
edu=
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	[ -n "${porter:-}" ] && kill "$porter" 2>/dev/null
	wait
	rm -rf "$tmp"
	# Leave the module loaded and the device unbound, as we found them.
	[ -c /dev/lkport ] || { [ -f "$ko" ] && insmod "$ko"; }
	[ -n "$edu" ] && unbind_device "$edu"
}
trap cleanup EXIT

echo "1..5"

# all_zero: every live counter in debugfs stats is 0.
all_zero() {
	! grep -qv ' 0$' "$stats"
}

# start_holder KIND NAME: a background `lkportctl KIND create NAME --hold`,
# once the object exists; its pid in $started.
start_holder() {
	rm -f "$tmp/held"
	mkfifo "$tmp/held"
	"$ctl" "$1" create "$2" --hold >"$tmp/held" 2>"$tmp/hold.err" &
	started=$!
	read -r line <"$tmp/held"
	[ "$line" = ready ]
}

# hold NAME: an event held by $holder.
hold() {
	start_holder event "$1"
	rc=$?
	holder=$started
	return $rc
}

release() {
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	holder=
}

# driver_of DEV: the driver PCI device DEV is bound to ("" if none).
driver_of() {
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) && echo "${l##*/}"
}

# unbind_device DEV: DEV let go by lkport and its driver_override cleared.
unbind_device() {
	[ "$(driver_of "$1")" = lkport ] && echo "$1" >/sys/bus/pci/drivers/lkport/unbind
	echo >"/sys/bus/pci/devices/$1/driver_override"
}

# waiters_of NAME: the waiters debugfs lists for the event NAME.
waiters_of() {
	sed -n "s/.* $1 .*waiters=\([0-9]*\).*/\1/p" "$objects"
}

# until_waiting NAME: polls (up to 10 s) until one thread waits on NAME.
until_waiting() {
	i=0
	while [ $i -lt 1000 ]; do
		[ "$(waiters_of "$1")" = 1 ] && return 0
		usleep 10000 2>/dev/null || sleep 0.01
		i=$((i + 1))
	done
	return 1
}

# ---- 1. SIGKILL while blocked ------------------------------------------------
all_zero || echo "# live counters not zero at the start: $(tr '\n' ' ' <"$stats")"
name=cycles-kill-$$
fail=
if ! hold "$name"; then
	fail="holder did not start: $(cat "$tmp/hold.err")"
else
	c=0
	while [ $c -lt "$kill_cycles" ]; do
		"$ctl" event wait "$name" >/dev/null 2>&1 &
		w=$!
		if ! until_waiting "$name"; then
			fail="cycle $c: the waiter never blocked"
			kill -9 "$w" 2>/dev/null
			break
		fi
		kill -9 "$w"
		wait "$w" 2>/dev/null
		c=$((c + 1))
	done
	# The killed waiters left nothing behind: no waiter, one event.
	[ -z "$fail" ] && [ "$(waiters_of "$name")" != 0 ] &&
		fail="$(waiters_of "$name") waiters left after the kills"
	release
fi
if [ -z "$fail" ] && all_zero; then
	ok "cycles.sigkill_mid_wait_leaves_nothing ($kill_cycles cycles)"
else
	echo "# ${fail:-counters not zero: $(tr '\n' ' ' <"$stats")}"
	not_ok "cycles.sigkill_mid_wait_leaves_nothing"
fi

# ---- 2. insmod/rmmod with objects in between ---------------------------------
if [ ! -f "$ko" ]; then
	echo "ok 2 cycles.rmmod_refused_while_held # SKIP no lkport.ko to reload"
	echo "ok 3 cycles.insmod_rmmod_with_objects # SKIP no lkport.ko to reload"
	echo "ok 4 cycles.fresh_module_counts_zero # SKIP no lkport.ko to reload"
	echo "ok 5 cycles.a_bound_device_follows_the_module # SKIP no lkport.ko to reload"
	n=5
else
	hold cycles-held
	if rmmod lkport 2>/dev/null; then
		insmod "$ko"
		not_ok "cycles.rmmod_refused_while_held"
	else
		ok "cycles.rmmod_refused_while_held"
	fi
	release

	fail= fresh=
	c=0
	while [ $c -lt "$module_cycles" ]; do
		if ! rmmod lkport; then
			fail="cycle $c: rmmod refused with nothing held ($(tr '\n' ' ' <"$stats"))"
			break
		fi
		if ! insmod "$ko"; then
			fail="cycle $c: insmod failed"
			break
		fi
		all_zero || fresh="cycle $c: $(tr '\n' ' ' <"$stats")"
		# An event and a port, held; a wait that times out.
		if ! hold "cycles-$c" || ! start_holder port "cycles-p$c"; then
			fail="cycle $c: could not create objects: $(cat "$tmp/hold.err")"
			break
		fi
		porter=$started
		"$ctl" event wait "cycles-$c" --timeout 1 >/dev/null 2>&1
		kill "$porter" 2>/dev/null
		wait "$porter" 2>/dev/null
		release
		c=$((c + 1))
	done
	if [ -z "$fail" ] && all_zero; then
		ok "cycles.insmod_rmmod_with_objects ($module_cycles cycles)"
	else
		echo "# ${fail:-counters not zero: $(tr '\n' ' ' <"$stats")}"
		not_ok "cycles.insmod_rmmod_with_objects"
	fi
	if [ -z "$fresh" ]; then
		ok "cycles.fresh_module_counts_zero"
	else
		echo "# $fresh"
		not_ok "cycles.fresh_module_counts_zero"
	fi

	# ---- 3. a bound device across module cycles --------------------------
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor" 2>/dev/null)" = 0x1234 ] &&
			[ "$(cat "$d/device" 2>/dev/null)" = 0x11e8 ] && [ -z "$(driver_of "${d##*/}")" ]; then
			edu=${d##*/}
			break
		fi
	done
	if [ -z "$edu" ]; then
		ok "cycles.a_bound_device_follows_the_module # SKIP no unbound QEMU edu device"
	else
		fail=
		echo lkport >"/sys/bus/pci/devices/$edu/driver_override"
		echo "$edu" >/sys/bus/pci/drivers_probe
		[ "$(driver_of "$edu")" = lkport ] || fail="$edu not bound to lkport at the start"
		c=0
		while [ -z "$fail" ] && [ $c -lt "$device_cycles" ]; do
			if ! rmmod lkport; then
				fail="cycle $c: rmmod refused with $edu bound"
			elif [ -n "$(driver_of "$edu")" ]; then
				fail="cycle $c: $edu still bound to $(driver_of "$edu") after rmmod"
			elif ! insmod "$ko"; then
				fail="cycle $c: insmod failed"
			elif [ "$(driver_of "$edu")" != lkport ]; then
				fail="cycle $c: insmod did not bind $edu again"
			fi
			c=$((c + 1))
		done
		if [ -z "$fail" ] &&
			! "$ctl" irq wait "$edu" --count 1 --raise --timeout 60s >"$tmp/irq.out" 2>&1; then
			fail="no interrupt from $edu after the cycles: $(cat "$tmp/irq.out")"
		fi
		unbind_device "$edu"
		[ -z "$fail" ] && [ -n "$(driver_of "$edu")" ] && fail="$edu still bound at the end"
		edu=
		if [ -z "$fail" ] && all_zero; then
			ok "cycles.a_bound_device_follows_the_module ($device_cycles cycles)"
		else
			echo "# ${fail:-counters not zero: $(tr '\n' ' ' <"$stats")}"
			not_ok "cycles.a_bound_device_follows_the_module"
		fi
	fi
fi

[ "$failed" -eq 0 ] && exit $KSFT_PASS
exit $KSFT_FAIL
