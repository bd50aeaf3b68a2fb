#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vm-run-test.sh EXAMPLES_DIR KREL
#
# make vm-run as a user runs it, on a directory of programs (one boot):
# README's quick-start programs (C and C++), the example module loaded,
# used and unloaded, and last a program that prints its arguments and
# exits 3. Passes only if every one printed what it should, in order, and
# vm-run reports that 3 (its summary line and the status file; make's own
# status is non-zero): a status lost, or a program that did not run, fails
# it.
set -u
ex=$1 krel=$2
run=$ex/run
rm -rf "$run" && mkdir -p "$run"
cp "$ex/quickstart-c" "$run/1-quickstart-c"
cp "$ex/quickstart-cxx" "$run/2-quickstart-cxx"
cp "$ex/kmod/lkport_example.ko" "$run/"
cat >"$run/3-example-module" <<'SH'
#!/bin/sh
insmod ./lkport_example.ko || exit 1
rmmod lkport_example || exit 1
dmesg | sed -n 's/^\[[^]]*\] \(lkport_example: .*\)/\1/p'
SH
chmod 755 "$run/3-example-module"
cat >"$ex/exit-status.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("arg %d: %s\n", i, argv[i]);
	return 3;
}
C
${CC:-cc} -static -o "$run/4-exit-status" "$ex/exit-status.c" || exit 1

out=$ex/vm-run.out
status=$(dirname "$ex")/vm/$krel/run/status
rm -f "$status"
${MAKE:-make} --no-print-directory vm-run KREL="$krel" PROG="$run" ARGS="one 'two words'" \
	>"$out" 2>"$out.stderr"
rc=$?
cat "$out"
cat "$out.stderr"
expected='== 1-quickstart-c
LK_NO_ERROR ctx=1 "21.5C"
LK_ERR_TIMED_OUT
== 2-quickstart-cxx
job done after [0-9]+ ticks
== 3-example-module
lkport_example: read "kernel hello" ctx=7
lkport_example: event wait: NO_ERROR
lkport_example: unloaded
== 4-exit-status
arg 1: one
arg 2: two words'
fail=
# Each expected line, in this order (other lines may come between).
echo "$expected" | awk -v out="$out" '
	{ want[n++] = "^" $0 "$" }
	END {
		i = 0
		while (i < n && (getline line < out) > 0)
			if (line ~ want[i]) i++
		if (i < n) { print "vm-run-test: missing or out of order: " want[i]; exit 1 }
	}' || fail=1
# make says the status (its own is 2 on any failure); the file keeps it.
[ $rc -ne 0 ] || { echo "vm-run-test: make vm-run passed, but the program exited 3"; fail=1; }
grep -qx '== exit status 3' "$out.stderr" || { echo "vm-run-test: no '== exit status 3' line"; fail=1; }
[ "$(cat "$status" 2>/dev/null)" = 3 ] || { echo "vm-run-test: $status is not 3"; fail=1; }
[ -z "$fail" ] || { echo "==== vm-run test FAILED"; exit 1; }
echo "==== vm-run test passed: output and exit status 3 came back"
