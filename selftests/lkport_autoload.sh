#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lkport_autoload.sh: the first open of /dev/lkport loads the module, as
# on an installed system: lkport.ko under /lib/modules/$(uname -r) with
# depmod's files (the VM's initramfs has them), the device node made from
# modules.devname before the module is there (as systemd's
# kmod-static-nodes does), and the open reaching the misc device's major,
# which asks for "char-major-10-245" (request_module, /sbin/modprobe).
# POSIX sh (busybox ash).
#
# Unloads the module and leaves it loaded again (modprobe, or if that
# fails insmod of LKPORT_KO, default /lkport/lkport.ko), with /dev/lkport
# devtmpfs's own node as before.
# Needs root and no object held (rmmod must succeed). modprobe, unlike
# insmod, passes the kernel command line's lkport.* words to the module as
# parameters: the VM's own (lkport.mode=, lkport.tests=) show up in dmesg
# as "unknown parameter ... ignored", which is harmless.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lkport_tap.sh"

echo "TAP version 13"
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
moddir=/lib/modules/$(uname -r)
devname=$moddir/modules.devname
[ -r "$devname" ] || skip_all "no $devname (lkport.ko not installed with depmod)"
[ -d /sys/module/lkport ] || skip_all "lkport is not loaded"
ko=${LKPORT_KO:-/lkport/lkport.ko}
ctl=${LKPORTCTL:-}
for c in "$ctl" "$here/lkportctl" "$here/../bin/lkportctl" "$(command -v lkportctl)"; do
	[ -n "$c" ] && [ -x "$c" ] && { ctl=$c; break; }
done
[ -x "$ctl" ] || skip_all "lkportctl not found"
modprobe_path=$(cat /proc/sys/kernel/modprobe)
echo "# modprobe: $modprobe_path"

loaded() {
	[ -d /sys/module/lkport ]
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

# open_dev: the node opened read-write (and closed again) by the shell;
# its status, with the shell's message in $tmp_err.
tmp_err=$(mktemp)
open_dev() {
	( exec 3<>"$node" ) 2>"$tmp_err"
}

# The node, as modules.devname has it: "lkport lkport c10:245".
line=$(grep '^lkport ' "$devname")
check "modules.devname names /dev/lkport, char 10:245" [ "$line" = "lkport lkport c10:245" ] ||
	echo "# modules.devname: ${line:-no lkport line}"
if [ -z "$line" ]; then
	echo "1..$n"
	exit $KSFT_FAIL
fi
# shellcheck disable=SC2086
set -- $line
node=/dev/$2
type=$(echo "$3" | cut -c1)
major=$(echo "$3" | cut -c2- | cut -d: -f1)
minor=$(echo "$3" | cut -d: -f2)
check "modules.alias has char-major-10-245" grep -q '^alias char-major-10-245 lkport$' "$moddir/modules.alias"
check "modules.dep has the module" grep -q '^extra/lkport.ko:' "$moddir/modules.dep"

if ! rmmod lkport; then
	not_ok "rmmod lkport (an object still held?)"
	echo "1..$n"
	exit $KSFT_FAIL
fi
ok "rmmod lkport"
check "the device node went with the module" eventually eval '[ ! -e /dev/lkport ]'
mknod "$node" "$type" "$major" "$minor"
check "the static node is made: $node $type $major:$minor" [ -c "$node" ]

# Without a modprobe to run, the open fails and nothing is loaded: what
# loads it below is the open, nothing else.
echo /nonexistent/modprobe > /proc/sys/kernel/modprobe
open_dev
rc=$?
check "no modprobe: the open fails" [ $rc -ne 0 ]
sed 's/^/#   /' "$tmp_err"
check "no modprobe: the module is not loaded" eval '! loaded'
echo "$modprobe_path" > /proc/sys/kernel/modprobe

open_dev
rc=$?
check "the first open of $node succeeds" [ $rc -eq 0 ] || sed 's/^/#   /' "$tmp_err"
check "and loaded the module" loaded
check "and the module answers on it" eval '"$ctl" version >"$tmp_err" 2>&1' ||
	sed 's/^/#   /' "$tmp_err"

# Leave /dev/lkport to devtmpfs again, as the other tests expect (the
# static node outlives an rmmod): unload, drop the node, load by name.
rmmod lkport 2>/dev/null
rm -f "$node"
check "modprobe lkport loads it by name" modprobe lkport
check "and devtmpfs makes $node again" eventually eval '[ -c "$node" ]'
if ! loaded; then
	echo "# lkport is not loaded: insmod $ko"
	insmod "$ko"
fi
rm -f "$tmp_err"
echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n failed"; exit $KSFT_FAIL; }
exit $KSFT_PASS
