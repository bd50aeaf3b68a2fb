#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lkportctl driven from the shell, as a script would use it: objects held
# by background `--hold` processes, events signalled and packets passed
# between processes, timeouts (exit 1), usage errors (exit 2), and the
# debugfs listing and stats, which return to where they started once the
# holders exit. POSIX sh (busybox ash is enough); prints TAP as kselftest
# does and exits 0 when every test passed, 1 on a failure, 4 when skipped.
#
# lkportctl is looked for in $LKPORTCTL, next to this script, in ../bin,
# then in $PATH. Needs root (the listing is in debugfs) and the module.

. "$(dirname "$0")/lkport_tap.sh"

echo "TAP version 13"

here=$(dirname "$0")
if [ -n "$LKPORTCTL" ]; then
	ctl=$LKPORTCTL
elif [ -x "$here/lkportctl" ]; then
	ctl=$here/lkportctl
elif [ -x "$here/../bin/lkportctl" ]; then
	ctl=$here/../bin/lkportctl
else
	ctl=$(command -v lkportctl)
fi
[ -n "$ctl" ] && [ -x "$ctl" ] || skip_all "lkportctl not found"
[ -c /dev/lkport ] || skip_all "/dev/lkport missing: module not loaded"
[ "$(id -u)" -eq 0 ] || skip_all "must be run as root (debugfs)"
[ -r /sys/kernel/debug/lkport/stats ] || skip_all "no /sys/kernel/debug/lkport (debugfs not mounted?)"
echo "# lkportctl: $ctl"

tmp=$(mktemp -d) || exit $KSFT_FAIL
holders=
cleanup() {
	for p in $holders; do kill "$p" 2>/dev/null; done
	wait
	rm -rf "$tmp"
}
trap cleanup EXIT

# run ARGS...: lkportctl ARGS; stdout in $tmp/out, stderr in $tmp/err,
# exit status in $rc.
run() {
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# show: the last command's output as TAP comments.
show() {
	sed 's/^/#   out: /' "$tmp/out"
	sed 's/^/#   err: /' "$tmp/err"
}

# expect DESC STATUS PATTERN ARGS...: one test; lkportctl ARGS must exit
# with STATUS and, unless PATTERN is empty, print a line matching it (ERE,
# stdout or stderr).
expect() {
	desc=$1 want=$2 pat=$3
	shift 3
	run "$@"
	if [ "$rc" -eq "$want" ] &&
	   { [ -z "$pat" ] || cat "$tmp/out" "$tmp/err" | grep -Eq -- "$pat"; }; then
		ok "$desc"
	else
		echo "# lkportctl $*: exit $rc, expected $want${pat:+, and output matching /$pat/}"
		show
		not_ok "$desc"
	fi
}

# eventually COMMAND...: COMMAND succeeds within 10 s (polled).
eventually() {
	i=0
	while [ $i -lt 200 ]; do
		"$@" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	"$@"
}

has_line() {
	grep -Eq -- "$2" "$1"
}

# listed PATTERN: a line of the objects listing matches PATTERN.
listed() {
	"$ctl" list 2>/dev/null | grep -Eq -- "$1"
}

# hold FILE ARGS...: lkportctl ARGS --hold in the background, its output
# in FILE; returns once it said "ready", its pid in $pid.
hold() {
	out=$1
	shift
	"$ctl" "$@" --hold >"$out" 2>&1 &
	pid=$!
	holders="$holders $pid"
	if ! eventually has_line "$out" '^ready$'; then
		echo "# lkportctl $* --hold never said ready:"
		sed 's/^/#   /' "$out"
		return 1
	fi
}

# release PID: SIGTERM, then its exit status.
release() {
	kill "$1"
	wait "$1"
}

# ended PID: the process has exited (it may be a zombie not yet waited for).
ended() {
	[ ! -e "/proc/$1/stat" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# wait_exit PID: its exit status, or 124 if it has not ended within 10 s.
wait_exit() {
	if ! eventually ended "$1"; then
		kill "$1" 2>/dev/null
		wait "$1"
		return 124
	fi
	wait "$1"
}

# same_stats: the live object counts are back where they started.
same_stats() {
	"$ctl" stats >"$tmp/stats.now" && cmp -s "$tmp/stats.base" "$tmp/stats.now"
}

no_test_objects() {
	! "$ctl" list | grep -q ' cli-'
}

"$ctl" stats >"$tmp/stats.base" || { echo "1..0 # SKIP lkportctl stats failed"; exit $KSFT_SKIP; }
sed 's/^/# stats at start: /' "$tmp/stats.base"

# ---- the basics -------------------------------------------------------------

expect "version answers" 0 '^abi +1\.[0-9]+ .*compatible' version
expect "version lists the features" 0 '^features version events ports groups' version
expect "version lists mapped write rings" 0 '^features .* map-write( |$)' version
expect "version lists the one-call round trips" 0 '^features .* call( |$)' version
expect "-h prints the usage" 0 '^usage: lkportctl' -h
expect "help after a command" 0 '^usage: lkportctl' port read -h
expect "COMMAND --help: that command's usage" 0 '^usage: lkportctl port read NAME\.\.\.' port read --help
run event signal --help
check "COMMAND --help shows no other command" eval '[ $rc -eq 0 ] && ! grep -q "port read" "$tmp/out"' || show
expect "info --help" 0 '^usage: lkportctl info NAME' info --help
expect "--version: the tool's own" 0 '^lkportctl [0-9]+\.[0-9]+\.[0-9]+ \(ABI 1\.[0-9]+\)$' --version
expect "version names the tool too" 0 '^tool +[0-9]+\.[0-9]+\.[0-9]+$' version
expect "version --json" 0 '^\{"tool":"[0-9.]+","module":"[^"]+","abi":"1\.[0-9]+",.*"compatible":true,"features":\["version","events"' version --json

expect "usage: no command" 2 '^usage:'
expect "usage: unknown command" 2 "unknown command 'frob'" frob
expect "usage: event without a command" 2 'expected a command' event
expect "usage: unknown event command" 2 "unknown command 'frob'" event frob
expect "usage: event wait without NAME" 2 'expected NAME' event wait
expect "usage: two names" 2 'expected NAME' event signal a b
expect "usage: bad name" 2 "bad name 'a b'" event wait 'a b'
expect "usage: name too long" 2 'bad name' event create \
	abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl
expect "usage: unknown option" 2 "unknown option '--frob'" port read p --frob
expect "usage: option without its value" 2 '--timeout needs a value' event wait ev --timeout
expect "usage: bad timeout" 2 "--timeout: bad value 'soon': expected a duration" event wait ev --timeout soon
expect "usage: unknown timeout unit" 2 "--timeout: bad value '2h': expected a duration" event wait ev --timeout 2h
expect "usage: negative count" 2 "--count: bad value '-1': expected a whole number from 0" port read p --count=-1
expect "usage: bad permission bits" 2 "--perm: bad value '999': expected octal permission bits" event create ev --perm 999
expect "usage: capacity not a power of two" 2 "--capacity: bad value '3': expected a power of two from 1 to 4096" port create p --capacity 3
expect "usage: capacity too large" 2 "--capacity: bad value '8192': expected a power of two" port create p --capacity 8192
expect "usage: bad ctx" 2 "--ctx: bad value 'x': expected a whole number" port read p --ctx x
expect "usage: bad irq count" 2 "--count: bad value '1e3': expected a whole number" irq wait virtual --count 1e3
expect "usage: a usage error names the command's help" 2 "Try 'lkportctl port read --help'" port read p --count=-1
expect "usage: DATA longer than a packet" 2 'longer than a packet' port write p 12345678901234567
expect "usage: port write without DATA" 2 'expected NAME DATA' port write p
check "usage errors created nothing" same_stats

# ---- events ---------------------------------------------------------------------

check "event create --hold says ready" hold "$tmp/ev.hold" event create cli-ev --perm 0644
ev_holder=$pid
check "the held event is listed" listed '^event +cli-ev +uid=0 gid=0 perm=0644 flags=persistent state=clear'
expect "event create: a name in use fails" 1 'name in use .LK_ERR_ALREADY_EXISTS' event create cli-ev
expect "event wait: times out with exit 1" 1 'timed out after 100 ms' event wait cli-ev --timeout 100
expect "--timeout with a unit: 150ms" 1 'timed out after 150 ms' event wait cli-ev --timeout 150ms
expect "--timeout with a unit: 1s" 1 'timed out after 1 s' event wait cli-ev --timeout 1s
expect "--timeout with a unit: 20000us" 1 'timed out after 20 ms' event wait cli-ev --timeout 20000us
expect "info: an event" 0 '^event +cli-ev +uid=0 gid=0 perm=0644 flags=persistent state=clear waiters=0 id=[0-9]+$' info cli-ev
expect "info --json: an event" 0 '^\{"kind":"event","name":"cli-ev","uid":0,"gid":0,"perm":"0644","flags":"persistent","state":"clear","waiters":0,"id":[0-9]+\}$' info cli-ev --json
expect "info: no such object" 1 "info cli-none: no such object .LK_ERR_NOT_FOUND" info cli-none
expect "usage: info without NAME" 2 'expected NAME' info

"$ctl" event wait cli-ev --timeout 20000 >"$tmp/waiter" 2>&1 &
waiter=$!
check "a waiter in another process blocks" eventually listed '^event +cli-ev .*waiters=1'
expect "info counts the waiter" 0 '^event +cli-ev .* waiters=1 ' info cli-ev
expect "event signal wakes it: woken=1" 0 '^woken=1$' event signal cli-ev
wait_exit $waiter
check "the waiter exits 0 once signalled" [ $? -eq 0 ] || sed 's/^/#   waiter: /' "$tmp/waiter"

expect "a persistent event stays signalled" 0 '' event wait cli-ev --timeout 0
check "the listing says signaled" listed '^event +cli-ev .*state=signaled'
expect "event signal with no waiter: woken=0" 0 '^woken=0$' event signal cli-ev
expect "event signal --json" 0 '^\{"woken":0\}$' event signal cli-ev --json
expect "info: the event is signalled" 0 ' state=signaled ' info cli-ev
expect "event unsignal" 0 '' event unsignal cli-ev
expect "after unsignal, waits time out" 1 'timed out' event wait cli-ev --timeout 0

check "event create --auto --signaled --hold" hold "$tmp/auto.hold" event create cli-auto --auto --signaled
auto_holder=$pid
expect "--auto --signaled: the first wait passes" 0 '' event wait cli-auto --timeout 0
expect "--auto: and clears the event" 1 'timed out' event wait cli-auto --timeout 50
expect "event signal: no such event" 1 'no such object .LK_ERR_NOT_FOUND' event signal cli-none

check "event create cli-p600 --hold (perm 0600)" hold "$tmp/p600.hold" event create cli-p600
p600_holder=$pid

# as_nobody ARGS...: lkportctl ARGS as user nobody (arguments without
# spaces); output in $tmp/out and $tmp/err, exit status in $rc.
as_nobody() {
	su -s /bin/sh -c "$ctl $*" nobody >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
as_nobody version
if [ $rc -eq 0 ]; then
	as_nobody event wait cli-ev --timeout 0
	check "perm 0644: others may wait" eval '[ $rc -eq 1 ] && has_line "$tmp/err" "timed out"'
	as_nobody event signal cli-ev
	check "perm 0644: others may not signal" \
		eval '[ $rc -eq 1 ] && has_line "$tmp/err" "permission denied .LK_ERR_ACCESS_DENIED"'
	as_nobody list
	check "list: needs root, and says so" eval '[ $rc -eq 1 ] && has_line "$tmp/err" root'
	as_nobody info cli-ev
	check "info: anyone who may open the event (0644: nobody may wait)" \
		eval '[ $rc -eq 0 ] && has_line "$tmp/out" "^event +cli-ev +uid=0 gid=0 perm=0644 "' || show
	as_nobody info cli-p600
	check "info: refused to whom the object refuses" \
		eval '[ $rc -eq 1 ] && has_line "$tmp/err" "permission denied .LK_ERR_ACCESS_DENIED"' || show
else
	echo "# cannot run lkportctl as nobody:"
	show
	for t in "perm 0644: others may wait" "perm 0644: others may not signal" "list: needs root" \
		 "info: anyone who may open the event" "info: refused to whom the object refuses"; do
		n=$((n + 1))
		echo "ok $n $t # SKIP cannot run as nobody"
	done
fi

# event destroy: every holder's event ends, not only this process's.
saved_umask=$(umask)
umask 000	# 0666 as given: others may open it to signal
check "event create cli-ed --perm 0666 --hold" hold "$tmp/ed.hold" event create cli-ed --perm 0666
ed_holder=$pid
umask "$saved_umask"
"$ctl" event wait cli-ed --timeout 20000 >"$tmp/ed.waiter" 2>&1 &
ed_waiter=$!
check "a waiter on cli-ed blocks" eventually listed '^event +cli-ed .*waiters=1'
as_nobody version
if [ $rc -eq 0 ]; then
	as_nobody event destroy cli-ed
	check "event destroy: others may not, even with write permission" \
		eval '[ $rc -eq 1 ] && has_line "$tmp/err" "^lkportctl: event destroy cli-ed: not allowed: .*\(LK_ERR_NOT_ALLOWED\)\$"' || show
	check "and the event is untouched" listed '^event +cli-ed .*state=clear waiters=1'
else
	n=$((n + 1))
	echo "ok $n event destroy: others may not # SKIP cannot run as nobody"
	n=$((n + 1))
	echo "ok $n and the event is untouched # SKIP cannot run as nobody"
fi
expect "event destroy: its owner may" 0 '' event destroy cli-ed
wait_exit $ed_waiter
ed_rc=$?
check "the waiter in another process fails: destroyed" \
	eval '[ $ed_rc -eq 1 ] && has_line "$tmp/ed.waiter" "event wait cli-ed: .*\(LK_ERR_OBJECT_DESTROYED\)"' ||
	sed 's/^/#   waiter: /' "$tmp/ed.waiter"
check "the holder's event is listed as destroyed" listed '^event +cli-ed .*state=destroyed'
expect "the name is free at once" 1 'LK_ERR_NOT_FOUND' event signal cli-ed
expect "and can be taken again" 0 '' event create cli-ed
expect "event destroy: no such event" 1 'event destroy cli-none: no such object .LK_ERR_NOT_FOUND' \
	event destroy cli-none
expect "usage: event destroy without NAME" 2 'expected NAME' event destroy
expect "event destroy --help" 0 '^usage: lkportctl event destroy NAME$' event destroy --help
release $ed_holder
check "the destroyed event's holder exits 0" [ $? -eq 0 ]

printf '' | "$ctl" event create cli-pipe --hold >"$tmp/pipe" 2>&1
rc=$?
check "--hold with stdin a pipe: released when it closes" \
	eval '[ $rc -eq 0 ] && has_line "$tmp/pipe" "^ready\$"'
check "the piped holder's event is gone" eventually eval '! listed "^event +cli-pipe "'

# The usage's example: a FIFO tells when the held object exists.
usage_example() {
	mkfifo "$tmp/held" || return 1
	"$ctl" event create cli-fifo --hold >"$tmp/held" &
	fifo_holder=$!
	holders="$holders $fifo_holder"
	read -r line <"$tmp/held"
	[ "$line" = ready ] || return 1
	"$ctl" event wait cli-fifo --timeout 20000 >"$tmp/fifo.wait" 2>&1 &
	fifo_waiter=$!
	"$ctl" event signal cli-fifo | grep -Eq '^woken=[01]$' &&
		wait $fifo_waiter && kill $fifo_holder && wait $fifo_holder
}
check "the usage's --hold example works" usage_example

release $ev_holder
check "a holder exits 0 on SIGTERM" [ $? -eq 0 ]
check "its event is gone with it" eventually eval '! listed "^event +cli-ev "'
expect "so the name is free: signal fails" 1 'LK_ERR_NOT_FOUND' event signal cli-ev
release $auto_holder
release $p600_holder

# ---- ports --------------------------------------------------------------------------

check "port create --hold" hold "$tmp/p.hold" port create cli-p --capacity 4
p_holder=$pid
check "port create --hold is listed" listed '^wport +cli-p +uid=0 .*mode=broadcast capacity=4 queued=0 state=open writers=1'
expect "port create: a name in use fails" 1 'LK_ERR_ALREADY_EXISTS' port create cli-p
expect "port write with no reader: the port keeps them" 0 '^delivered=1 skipped=0$' \
	port write cli-p hello world
check "the listing shows them queued" listed '^wport +cli-p .*queued=2'
expect "info: a port, as its writer sees it" 0 '^wport +cli-p +uid=0 gid=0 perm=0600 mode=broadcast state=open capacity=4 queued=2 waiters=0 id=[0-9]+$' info cli-p
expect "info --json: a port" 0 '^\{"kind":"wport","name":"cli-p","uid":0,"gid":0,"perm":"0600","mode":"broadcast","state":"open","capacity":4,"queued":2,' info cli-p --json
check "info took nothing from the port" listed '^wport +cli-p .*queued=2'
# output FILE LINES...: FILE holds exactly LINES.
output() {
	file=$1
	shift
	[ "$(cat "$file")" = "$(printf '%s\n' "$@")" ]
}
run port read cli-p --count 2
check "port read --count 2 prints both, as text with the ctx" \
	eval '[ $rc -eq 0 ] && output "$tmp/out" "ctx=0 \"hello\"" "ctx=0 \"world\""' || show
expect "port read: times out with exit 1" 1 'timed out after 100 ms .0 of 1 packets' \
	port read cli-p --timeout 100
expect "port write: one more" 0 '' port write cli-p x
expect "port read --ctx 42" 0 '^ctx=42 "x"$' port read cli-p --ctx 42
expect "port write --json" 0 '^\{"delivered":1,"skipped":0\}$' port write cli-p --json y
expect "port read --json: ctx, data and text" 0 '^\{"ctx":7,"data":"79000000000000000000000000000000","text":"y"\}$' port read cli-p --ctx 7 --json
expect "port read --timeout 1s" 1 'timed out after 1 s .0 of 1 packets' port read cli-p --timeout 1s
expect "port write: a 16-byte string" 0 '' port write cli-p 0123456789abcdef
expect "a full packet prints as text" 0 '^ctx=0 "0123456789abcdef"$' port read cli-p
expect "port write: not text" 0 '' port write cli-p "$(printf 'a\tb')"
expect "which prints as hex" 0 '^ctx=0 0x61096200000000000000000000000000$' port read cli-p
expect "port write: not text, again" 0 '' port write cli-p "$(printf 'a\tb')"
expect "port read --json: not text has no \"text\"" 0 '^\{"ctx":0,"data":"61096200000000000000000000000000"\}$' port read cli-p --json
expect "fill the port's own ring" 0 '^delivered=1 skipped=0$' port write cli-p 1 2 3 4
expect "port write --timeout: times out with exit 1, nothing written" 1 \
	'timed out after 100 ms: .*nothing written' port write cli-p 5 --timeout 100
expect "port write --wait --timeout 0: a try" 1 'timed out after 0 ms' port write cli-p 5 --wait --timeout 0
expect "a write that does not fit fails" 1 'ring is full .LK_ERR_NOT_ENOUGH_BUFFER' \
	port write cli-p 5
run port read cli-p --count 5 --timeout 100
check "and nothing of it was kept" \
	eval '[ $rc -eq 1 ] && output "$tmp/out" "ctx=0 \"1\"" "ctx=0 \"2\"" "ctx=0 \"3\"" "ctx=0 \"4\""' || show
expect "port write: no such port" 1 'no such object .LK_ERR_NOT_FOUND' port write cli-none x
expect "port write --wait: no such port" 1 'no such object .LK_ERR_NOT_FOUND' port write cli-none x --wait
expect "usage: --wait takes no value" 2 'takes no value' port write cli-p x --wait=1
check "and it left no port behind" eventually eval '! listed " cli-none "'

"$ctl" port read cli-p --count 2 --timeout 20000 >"$tmp/reader" 2>&1 &
reader=$!
check "a reader in another process blocks" eventually listed '^rport +cli-p .*waiters=1'
expect "a write reaches it: delivered=1" 0 '^delivered=1 skipped=0$' port write cli-p one two
wait_exit $reader
rc=$?
check "the reader got both and exits 0" \
	eval '[ $rc -eq 0 ] && output "$tmp/reader" "ctx=0 \"one\"" "ctx=0 \"two\""' ||
	sed 's/^/#   reader: /' "$tmp/reader"

# port write --wait: a full ring holds the writer until a reader reads.
expect "fill the ring once more" 0 '^delivered=1 skipped=0$' port write cli-p 1 2 3 4
"$ctl" port write cli-p w --wait >"$tmp/waiter" 2>&1 &
waiter=$!
check "port write --wait waits, counted in the port's waiters" \
	eventually eval '"$ctl" info cli-p | grep -q " waiters=1 "'
run port read cli-p --count 5 --timeout 10000
check "a read makes room: the reader gets all five" \
	eval '[ $rc -eq 0 ] && output "$tmp/out" "ctx=0 \"1\"" "ctx=0 \"2\"" "ctx=0 \"3\"" "ctx=0 \"4\"" "ctx=0 \"w\""' || show
wait_exit $waiter
rc=$?
check "and the waiting writer exits 0, delivered=1" \
	eval '[ $rc -eq 0 ] && output "$tmp/waiter" "delivered=1 skipped=0"' ||
	sed 's/^/#   writer: /' "$tmp/waiter"

# A broadcast port with a reader that keeps up and one that holds its
# packets unread: the second write skips the full one.
check "broadcast port, held" hold "$tmp/bc.hold" port create cli-bc --capacity 2
bc_holder=$pid
check "port read --hold: a reader that holds its packets" hold "$tmp/slow" port read cli-bc --ctx 1
slow=$pid
"$ctl" port read cli-bc --ctx 2 --count 0 >"$tmp/fast" 2>&1 &
fast=$!
holders="$holders $fast"
check "the live reader blocks" eventually listed '^rport +cli-bc .*waiters=1'
expect "broadcast: both readers take a write" 0 '^delivered=2 skipped=0$' port write cli-bc a b
check "the live reader printed them" eventually has_line "$tmp/fast" '"b"'
expect "partial write: the full reader is skipped, exit 1" 1 'delivered=1 skipped=1' \
	port write cli-bc c
has_line "$tmp/err" 'LK_ERR_PARTIAL_WRITE' ||
	{ echo "# no LK_ERR_PARTIAL_WRITE in:"; show; }
release $slow
rc=$?
check "port read --hold prints what it held on release" \
	eval '[ $rc -eq 0 ] && output "$tmp/slow" ready "ctx=1 \"a\"" "ctx=1 \"b\""' ||
	sed 's/^/#   slow: /' "$tmp/slow"
expect "port destroy ends the stream" 0 '' port destroy cli-bc
wait_exit $fast
rc=$?
check "a --count 0 reader drains, then exits 0" \
	eval '[ $rc -eq 0 ] && output "$tmp/fast" "ctx=2 \"a\"" "ctx=2 \"b\"" "ctx=2 \"c\""' ||
	sed 's/^/#   fast: /' "$tmp/fast"
check "the destroyed port's holder is listed as such" listed '^wport +cli-bc .*state=destroyed'
expect "and the name is free" 0 '' port create cli-bc
release $bc_holder

# Two ports read through one group.
check "port create cli-g1 --hold" hold "$tmp/g1.hold" port create cli-g1
g1_holder=$pid
check "port create cli-g2 --hold" hold "$tmp/g2.hold" port create cli-g2
g2_holder=$pid
"$ctl" port read cli-g1 cli-g2 --ctx 10 --count 2 --timeout 20000 >"$tmp/group" 2>&1 &
group=$!
check "a group reader blocks" eventually listed '^group +- .*members=2 waiters=1'
expect "write to the second port" 0 '' port write cli-g2 to-two
check "the group reader gets it with the second port's ctx" \
	eventually has_line "$tmp/group" '^ctx=11 "to-two"$'
expect "write to the first port" 0 '' port write cli-g1 to-one
wait_exit $group
rc=$?
check "then the first's, and exits 0" \
	eval '[ $rc -eq 0 ] && output "$tmp/group" "ctx=11 \"to-two\"" "ctx=10 \"to-one\""' ||
	sed 's/^/#   group: /' "$tmp/group"

# close: no more writes, what is queued stays readable.
expect "write before close" 0 '' port write cli-p q
expect "port close" 0 '' port close cli-p
check "the listing says closed" listed '^wport +cli-p .*state=closed'
expect "a closed port takes no write" 1 'LK_ERR_BUSY' port write cli-p z
expect "its queue is still readable" 0 '^ctx=0 "q"$' port read cli-p --timeout 5000
expect "port close on a closed port says what ends it" 1 \
	"^lkportctl: port close cli-p: the port is closed already .*'lkportctl port destroy cli-p' destroys it" \
	port close cli-p
expect "info: a closed port, through a reader" 0 '^rport +cli-p +mode=broadcast state=open capacity=4 queued=0 ' info cli-p

run list --json
check "list --json: one object a line" \
	eval '[ $rc -eq 0 ] && grep -Eq "^\{\"kind\":\"wport\",\"name\":\"cli-p\",\"uid\":0,\"gid\":0,\"perm\":\"0600\",.*\"state\":\"closed\"" "$tmp/out"' || show
run stats --json
check "stats --json: one object" \
	eval '[ $rc -eq 0 ] && grep -Eq "^\{\"event\":[0-9]+,\"wport\":[0-9]+,.*\"core_allocs\":-?[0-9]+\}$" "$tmp/out"' || show
check "every holder's object is listed" eval 'listed "^wport +cli-p " && listed "^wport +cli-g1 " && listed "^wport +cli-g2 "'

# A closed port is reached by name again for its owner, to destroy it.
as_nobody version
if [ $rc -eq 0 ]; then
	as_nobody port destroy cli-p
	check "port destroy: a closed port is not another user's to destroy" \
		eval '[ $rc -eq 1 ] && has_line "$tmp/err" "^lkportctl: port destroy cli-p: not allowed: .*\(LK_ERR_NOT_ALLOWED\)\$"' || show
	check "and it is still there, closed" listed '^wport +cli-p .*state=closed'
else
	n=$((n + 1))
	echo "ok $n port destroy: a closed port is not another user's # SKIP cannot run as nobody"
	n=$((n + 1))
	echo "ok $n and it is still there, closed # SKIP cannot run as nobody"
fi
"$ctl" port read cli-p --count 0 --timeout 20000 >"$tmp/closed.reader" 2>&1 &
closed_reader=$!
check "a reader of the closed port blocks" eventually listed '^rport +cli-p .*waiters=1'
expect "port destroy after port close: its owner may" 0 '' port destroy cli-p
wait_exit $closed_reader
closed_rc=$?
check "the closed port's reader sees the end and exits 0" [ $closed_rc -eq 0 ] ||
	sed 's/^/#   reader: /' "$tmp/closed.reader"
check "the holder's port is listed as destroyed" listed '^wport +cli-p .*state=destroyed'
expect "the name is free while the holder still runs" 0 '' port create cli-p
expect "port destroy: no such port" 1 'port destroy cli-none: no such object .LK_ERR_NOT_FOUND' \
	port destroy cli-none
for p in $p_holder $g1_holder $g2_holder; do release $p; done
holders=

# ---- interrupt sources ------------------------------------------------------------------

expect "irq wait --raise on a virtual source prints each record" 0 '^seq=3 count=1 ts=[0-9]+$' \
	irq wait virtual --raise --count 3 --timeout 5000
expect "irq wait without a raise times out" 1 'timed out after 50 ms' irq wait virtual --timeout 50
expect "irq wait --json" 0 '^\{"seq":2,"count":1,"ts":[0-9]+\}$' irq wait virtual --raise --count 2 --timeout 5s --json
expect "irq wait: --mode is for PCI devices" 2 'for PCI devices' irq wait virtual --mode msi
expect "irq wait: a bad device" 2 'expected a PCI device' irq wait 00:04
expect "irq wait: no device bound to lkport" 1 'not bound to lkport' irq wait 0000:ff:1f.7
expect "irq bind: no such device" 1 'irq bind 0000:ff:1f.7' irq bind 0000:ff:1f.7
edu=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && { edu=${d##*/}; break; }
done
if [ -n "$edu" ]; then
	expect "irq bind an edu device" 0 '' irq bind "$edu"
	check "irq list shows it bound" eval "\"$ctl\" irq list | grep -q '^device $edu 1234:11e8 edu'"
	expect "irq wait --raise on it, MSI" 0 '^seq=2 count=1 ts=' irq wait "$edu" --mode msi --raise --count 2 --timeout 5000
	expect "irq wait --raise on it, INTx" 0 '^seq=1 count=1 ts=' irq wait "$edu" --mode intx --raise --timeout 5000
	expect "irq unbind gives it back" 0 '' irq unbind "$edu"
	check "irq list no longer shows it" eval "! \"$ctl\" irq list | grep -q '^device $edu '"
	expect "irq bind it again" 0 '' irq bind "$edu"
	# Left bound, later insmods and rmmods would probe and remove it.
	expect "irq unbind it, as it was" 0 '' irq unbind "$edu"
	check "the device has no driver again" eval "[ ! -e /sys/bus/pci/devices/$edu/driver ]"
else
	echo "# no edu device: the PCI part is left out"
fi

# ---- back to where it started -------------------------------------------------------

check "once the holders exit, no object is left" eventually no_test_objects
check "stats are back where they started" eventually same_stats
same_stats || { sed 's/^/#   now: /' "$tmp/stats.now"; }

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n failed"; exit $KSFT_FAIL; }
exit $KSFT_PASS
