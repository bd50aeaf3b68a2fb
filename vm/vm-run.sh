#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh [--shell] [--args "ARGS"] [--timeout S] [--log FILE]
#           VMLINUZ KO_DIR LKPORTCTL OUT_DIR [PROG]
#
# What `make vm-run` and `make vm-shell` do: boots the VM with the lkport
# module of KO_DIR loaded, lkportctl and the user's PROG, and runs PROG
# there as root (vm/init's run mode), or gives an interactive shell
# (--shell, on this terminal).
#
# PROG is a program or a directory. A program is copied to /lkport/run/
# and run with ARGS, which the guest's shell splits as it would a command
# line typed after the program's name (quotes work). A directory's
# contents are copied to /lkport/run/ (its working directory, on PATH), and
# each executable file at its top runs in name order with ARGS, each
# announced by a "== NAME" line; the first that fails ends the run.
#
# The VM has no libc: a static program is what runs for sure. A dynamic
# one gets the libraries ldd names copied from this machine
# (vm/mkinitramfs.sh), which suffices for plain libc programs.
#
# Exit status: the program's (the failing one's for a directory); 125 if
# the VM itself failed (the module did not load or unload, a kernel
# report, a timeout): vm/run.sh prints why. It is also written to
# OUT_DIR/status (make's own status is 2 whenever a recipe fails).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=run args= timeout=600 log=
while [ $# -gt 0 ]; do
	case $1 in
	--shell) mode=shell; shift ;;
	--args) args=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	-*) echo "vm-run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 4 ] || [ $# -eq 5 ] || {
	echo "usage: vm-run.sh [--shell] [--args ARGS] VMLINUZ KO_DIR LKPORTCTL OUT_DIR [PROG]" >&2
	exit 2
}
vmlinuz=$1 kodir=$2 lkportctl=$3 out=$4 prog=${5:-}
if [ $mode = run ] && [ -z "$prog" ]; then
	echo "vm-run: PROG=path, a program or a directory of them (make vm-run PROG=./a.out ARGS='-v')" >&2
	exit 2
fi
if [ $mode = shell ] && [ ! -t 0 ]; then
	echo "vm-shell: needs a terminal on stdin (its console is this one)" >&2
	exit 2
fi
if [ -n "$prog" ] && [ ! -e "$prog" ]; then
	echo "vm-run: $prog: no such file or directory" >&2
	exit 2
fi
if [ -f "$prog" ] && [ ! -x "$prog" ]; then
	echo "vm-run: $prog is not executable" >&2
	exit 2
fi

payload=$out/payload
rm -rf "$payload"
mkdir -p "$payload/bin" "$payload/run"
cp "$lkportctl" "$payload/bin/"
# The command line: ARGS goes in as written, for the guest's shell to
# split. The first non-zero status ends a directory's run and is its
# status.
cmd=$payload/run/cmd
if [ -d "$prog" ]; then
	cp -a "$prog/." "$payload/run/"
	: >"$cmd"
	for f in $(cd "$prog" && LC_ALL=C ls); do
		[ -f "$prog/$f" ] && [ -x "$prog/$f" ] || continue
		printf 'echo "== %s"\n./%s %s || exit $?\n' "$f" "$f" "$args" >>"$cmd"
	done
	[ -s "$cmd" ] || [ $mode = shell ] || { echo "vm-run: no executable file in $prog" >&2; exit 2; }
elif [ -n "$prog" ]; then
	name=$(basename "$prog")
	cp "$prog" "$payload/run/$name"
	printf './%s %s\n' "$name" "$args" >"$cmd"
	readelf -l "$prog" 2>/dev/null | grep -q 'program interpreter' &&
		echo "vm-run: $prog is dynamically linked; its libraries are copied from this machine (static is safer: -static)" >&2
fi
[ -e "$cmd" ] || : >"$cmd"
"$here/mkinitramfs.sh" "$out/run.cpio.gz" "$kodir" "$payload"

if [ $mode = shell ]; then
	echo "vm-shell: the VM's console follows; 'exit' powers it off (Ctrl-C kills QEMU)" >&2
	exec "$here/run.sh" --mode shell "$vmlinuz" "$out/run.cpio.gz"
fi
rm -f "$out/status"
rc=0
"$here/run.sh" --mode run --timeout "$timeout" ${log:+--log "$log"} "$vmlinuz" "$out/run.cpio.gz" || rc=$?
echo $rc >"$out/status"
exit $rc
