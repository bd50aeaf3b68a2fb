#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What `make demo` shows inside the VM: lkport answering from user space,
# driven by lkportctl from this shell as anyone could: an event signalled
# across processes, a broadcast port, a port group, a partial write, a
# liblkport program in epoll_wait on a port and an event, another user
# refused, the live objects, and everything gone once the last holder
# exits. Each
# command is printed before it runs; a step that does not do what it says
# stops the demo with exit status 1.
set -u

B=$(printf '\033[1m') H=$(printf '\033[1;34m') D=$(printf '\033[2m') R=$(printf '\033[1;31m')
N=$(printf '\033[0m')

tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

heading() { printf '\n%s== %s%s\n' "$H" "$*" "$N"; }
note() { printf '%s%s%s\n' "$D" "$*" "$N"; }
die() {
	printf '%sdemo failed: %s%s\n' "$R" "$*" "$N"
	exit 1
}

# step CMD...: shows CMD and runs it; it must succeed.
step() {
	printf '%s$ %s%s\n' "$B" "$*" "$N"
	"$@" || die "'$*' exited with $?"
}

# step_fails CMD...: shows CMD and runs it; it must fail with exit 1.
step_fails() {
	printf '%s$ %s%s\n' "$B" "$*" "$N"
	"$@"
	rc=$?
	[ $rc -eq 1 ] || die "'$*' exited with $rc, expected 1"
	note "(exit 1, as expected)"
}

# bg TAG CMD...: shows CMD and starts it in the background, its output kept
# for later (so that it does not interleave with the commands that follow).
bg() {
	tag=$1
	shift
	printf '%s$ %s &%s\n' "$B" "$*" "$N"
	"$@" >"$tmp/$tag" 2>&1 &
	echo $! >"$tmp/$tag.pid"
	pids="$pids $!"
}

# eventually CMD...: CMD succeeds within 10 s (polled).
eventually() {
	i=0
	while [ $i -lt 200 ]; do
		"$@" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# as_nobody CMD...: CMD as user nobody (65534).
as_nobody() { su -s /bin/sh nobody -c "$*"; }

listed() { lkportctl list | grep -Eq -- "$1"; }
said_ready() { grep -q '^ready$' "$tmp/$1"; }
ended() {
	pid=$(cat "$tmp/$1.pid")
	[ ! -e "/proc/$pid/stat" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat"
}

# ready TAG: the background holder TAG has made its object.
ready() {
	eventually said_ready "$1" || die "$1 never said ready: $(cat "$tmp/$1")"
	printf '  [%s] ready\n' "$1"
}

# finish TAG [STATUS]: waits for TAG, shows its output, checks its exit
# status (default 0).
finish() {
	eventually ended "$1" || die "$1 did not finish"
	wait "$(cat "$tmp/$1.pid")"
	rc=$?
	grep -v '^ready$' "$tmp/$1" | sed "s/^/  [$1] /"
	printf '  [%s] %sexit %d%s\n' "$1" "$D" "$rc" "$N"
	[ "$rc" -eq "${2:-0}" ] || die "$1 exited with $rc, expected ${2:-0}"
}

# release TAG: SIGTERM to a --hold process, which lets its objects go.
release() {
	printf '%s$ kill %s%s %s# %s%s\n' "$B" "$(cat "$tmp/$1.pid")" "$N" "$D" "$1" "$N"
	kill "$(cat "$tmp/$1.pid")"
	finish "$1"
}

echo "LKPORT-DEMO-BEGIN"
heading "lkport: Little Kernel's events and ports, from Linux user space"
note "The lkport module is loaded; /dev/lkport makes named objects, each handed"
note "back as a file descriptor that lives as long as some process holds it."
step ls -l /dev/lkport
step lkportctl version

heading "1. An event, signalled across processes"
note "--hold keeps the object alive in a background process and says ready."
bg holder lkportctl event create door --hold
ready holder
bg waiter lkportctl event wait door --timeout 10000
eventually listed '^event +door .*waiters=1' || die "the waiter never blocked"
note "Another process waits on it, as the object listing shows:"
printf '%s$ lkportctl list | grep door%s\n' "$B" "$N"
lkportctl list | grep door
note "A third signals it, and learns how many waiters it woke:"
step lkportctl event signal door
finish waiter
note "The event stays signalled (LK's default) until unsignalled:"
step lkportctl event wait door --timeout 0
step lkportctl event unsignal door
step_fails lkportctl event wait door --timeout 200

heading "2. A broadcast port: every reader gets every packet"
note "Each reader opens the port with its own ctx, which comes back with each packet."
bg news lkportctl port create news --hold
ready news
bg reader1 lkportctl port read news --ctx 1 --count 2 --timeout 10000
bg reader2 lkportctl port read news --ctx 2 --count 2 --timeout 10000
eventually eval '[ "$(lkportctl list | grep -Ec "^rport +news .*waiters=1")" -eq 2 ]' ||
	die "the readers never blocked"
note "One write of two 16-byte packets, all or nothing per reader:"
step lkportctl port write news hello world
finish reader1
finish reader2

heading "3. A port group: one read over several ports"
bg sensor_a lkportctl port create sensor-a --hold
ready sensor_a
bg sensor_b lkportctl port create sensor-b --hold
ready sensor_b
note "One reader, one wait, two ports: port i has ctx 10+i, so each packet says where it came from."
bg group lkportctl port read sensor-a sensor-b --ctx 10 --count 2 --timeout 10000
eventually listed '^group .*members=2 waiters=1' || die "the group reader never blocked"
step lkportctl port write sensor-b 21.5C
eventually grep -q 21.5C "$tmp/group" || die "the group reader did not get sensor-b's packet"
step lkportctl port write sensor-a 19.0C
finish group

heading "4. A partial write: a full reader is skipped, the others still get it"
bg alerts lkportctl port create alerts --capacity 2 --hold
ready alerts
note "A slow reader holds its packets unread (port read --hold); a fast one keeps up."
bg slow lkportctl port read alerts --ctx 1 --hold
ready slow
bg fast lkportctl port read alerts --ctx 2 --count 3 --timeout 10000
eventually listed '^rport +alerts .*waiters=1' || die "the fast reader never blocked"
step lkportctl port write alerts a1 a2
eventually grep -q a2 "$tmp/fast" || die "the fast reader did not get a2"
note "The slow reader's ring (capacity 2) is full now:"
step_fails lkportctl port write alerts a3
finish fast

heading "5. One epoll_wait over a port and an event, from a C program"
note "lkport-epoll (examples/lkport-epoll.c, liblkport) opens a reader of a port and"
note "an event by name, puts both in one epoll set and prints what wakes it."
bg inbox lkportctl port create inbox --hold
ready inbox
bg stop lkportctl event create stop --hold
ready stop
bg epoll lkport-epoll inbox stop
ready epoll
step lkportctl port write inbox job-1 job-2
eventually grep -q 'job-2' "$tmp/epoll" || die "lkport-epoll did not get the packets"
note "woken=0 below: an epoll waiter is woken too, but only threads blocked in a wait count."
step lkportctl event signal stop
finish epoll

heading "6. Permissions: another user is refused"
note "Objects are made 0600 (less the umask) unless --perm says otherwise: only"
note "their owner may open them. Root made this one; user nobody (65534) tries"
note "('as_nobody CMD' is su -s /bin/sh nobody -c CMD):"
bg private lkportctl event create private --hold
ready private
step_fails as_nobody lkportctl event signal private
note "With --perm 0644 others may wait (read permission), not signal (write):"
bg shared lkportctl event create shared --perm 0644 --signaled --hold
ready shared
step as_nobody lkportctl event wait shared --timeout 0
note "(exit 0: it may wait, and the event is signalled)"
step_fails as_nobody lkportctl event signal shared

heading "7. What is alive now"
note "/sys/kernel/debug/lkport/objects: kind, name, owner, permission bits, state;"
note "the slow reader (rport alerts) still holds its two packets."
step lkportctl list
step lkportctl stats

heading "8. Objects go with their last descriptor"
note "Released, the slow reader prints what it held; the holders let their objects go."
release slow
for h in holder news sensor_a sensor_b alerts inbox stop private shared; do release $h; done
step lkportctl stats
lkportctl stats | awk '$2 != 0 { bad = 1 } END { exit bad }' || die "objects left behind"
pids=
printf '\n%sAll objects gone: the demo ran as it should.%s\n' "$B" "$N"
