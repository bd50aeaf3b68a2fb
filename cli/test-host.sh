#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lkportctl on the build machine, where the module is not loaded (it is
# never loaded there): what must work without it (--version, every
# command's --help) and the usage errors, which are found before the
# device is opened. The VM's selftests/lkport_cli_test.sh covers the rest.
#
#   cli/test-host.sh BUILD/user/lkportctl VERSION-FILE

ctl=$1
want_version=$(cat "$2") || exit 1
[ -x "$ctl" ] || { echo "cli-host-test: no $ctl (make user)" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# expect DESC STATUS PATTERN ARGS...: lkportctl ARGS exits with STATUS and
# prints a line matching PATTERN (ERE, stdout or stderr).
expect() {
	desc=$1 want=$2 pat=$3
	shift 3
	n=$((n + 1))
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ] && cat "$tmp/out" "$tmp/err" | grep -Eq -- "$pat"; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		echo "# lkportctl $*: exit $rc, expected $want and /$pat/"
		sed 's/^/#   /' "$tmp/out" "$tmp/err"
		failed=$((failed + 1))
	fi
}

if [ -e /dev/lkport ]; then
	echo "# /dev/lkport exists here: the without-the-module checks are left out"
else
	expect "--version without the module" 0 "^lkportctl $want_version \\(ABI 1\\.[0-9]+\\)\$" --version
	expect "--version --json" 0 "^\\{\"tool\":\"$want_version\",\"library_abi\":\"1\\.[0-9]+\"\\}\$" \
		--version --json
	expect "version without the module: the tool's, then the reason" 1 \
		"^tool +$want_version\$" version
	expect "version without the module says so" 1 'is the lkport module loaded' version
	expect "a command without the module says so" 1 'is the lkport module loaded' event signal x
fi

# Every command's --help: its own synopsis, exit 0, on stdout.
for c in version info list stats "event create" "event signal" "event unsignal" \
	"event wait" "event destroy" "port create" "port write" "port read" "port close" "port destroy" \
	"irq list" "irq bind" "irq unbind" "irq wait"; do
	# shellcheck disable=SC2086
	expect "$c --help" 0 "^usage: lkportctl $c( |\$)" $c --help
done
expect "--help: every command" 0 '^  irq wait DEVICE' --help
expect "a group's --help: its commands" 0 '^  port destroy NAME' port --help
expect "event --help lists event destroy" 0 '^  event destroy NAME$' event --help
expect "event destroy: NAME is needed" 2 '^lkportctl: event destroy: expected NAME$' event destroy
expect "event destroy: one NAME" 2 '^lkportctl: event destroy: expected NAME$' event destroy a b
expect "event destroy: a bad name" 2 "^lkportctl: event destroy: bad name 'a/b'" event destroy a/b
expect "event destroy takes no options" 2 "^lkportctl: event destroy: unknown option '--hold'" \
	event destroy e --hold

expect "timeout: a unit it does not know" 2 \
	"^lkportctl: event wait: --timeout: bad value '3h': expected a duration" event wait e --timeout 3h
expect "timeout: over a year" 2 "--timeout: bad value '400000000s'" event wait e --timeout 400000000s
expect "timeout: negative" 2 "--timeout: bad value '-5'" event wait e --timeout=-5
expect "count: not a number" 2 "^lkportctl: port read: --count: bad value 'x': expected a whole number from 0 to 4294967295\$" \
	port read p --count x
expect "perm: not octal" 2 "^lkportctl: port create: --perm: bad value '8': expected octal permission bits, 0 to 0777\$" \
	port create p --perm 8
expect "capacity: zero" 2 "^lkportctl: port create: --capacity: bad value '0': expected a power of two from 1 to 4096\$" \
	port create p --capacity 0
expect "the hint names the command" 2 "^Try 'lkportctl port create --help'.\$" port create p --capacity 0
expect "--json is an option of every command" 2 "expected NAME" event signal --json

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }
