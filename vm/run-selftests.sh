#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-selftests.sh [--tests "NAME..."] [--append "KERNEL ARGS"]
#                  KERNEL_RELEASE INITRAMFS LOGDIR [TIMEOUT]
#
# Runs every selftest of the initramfs (or only those named by --tests,
# which must be in its tests.list) in VMs booting /boot/vmlinuz-KREL, in
# up to two boots:
#   1. everything that does not switch tracepoints on and off, with QEMU's
#      multi-threaded TCG: the two vCPUs really run in parallel, which is
#      what the SMP tests need;
#   2. the tests that do (tracing, BPF), with single-threaded TCG. Turning
#      a tracepoint on or off makes the kernel patch its own text while the
#      other vCPU runs it, and QEMU 7.2's multi-threaded TCG then sometimes
#      executes stale code: seen as RCU stalls in text_poke_bp on 6.1 and
#      "Oops: int3" in __schedule on 6.12, with no lkport code involved.
# --append passes kernel arguments to both (e.g. lkport.ktest=event).
# Fails if either boot fails. Environment: LKPORT_VMLINUZ, the image to boot
# (default /boot/vmlinuz-KREL); LKPORT_VM_APPEND, more kernel arguments.
set -u
only= append=
while [ $# -gt 0 ]; do
	case $1 in
	--tests) only=$2; shift 2 ;;
	--append) append="$append $2"; shift 2 ;;
	-*) echo "run-selftests.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
krel=$1 initrd=$2 logdir=$3 timeout=${4:-1200}
vmlinuz=${LKPORT_VMLINUZ:-/boot/vmlinuz-$krel}
here=$(cd "$(dirname "$0")" && pwd)
tracing_tests="lkport_trace_test lkport_bpf_test.sh"

list=$(zcat "$initrd" | cpio -i --quiet --to-stdout lkport/selftests/tests.list)
if [ -n "$only" ]; then
	for t in $only; do
		case " $(echo $list) " in
		*" $t "*) ;;
		*) echo "run-selftests.sh: no selftest '$t'; there are: $(echo $list)" >&2; exit 2 ;;
		esac
	done
	list=$only
fi
smp= tracing=
for t in $list; do
	case " $tracing_tests " in
	*" $t "*) tracing="$tracing $t" ;;
	*) smp="$smp $t" ;;
	esac
done

mkdir -p "$logdir"
status=0
if [ -n "$smp" ]; then
	"$here/run.sh" --mode test --timeout "$timeout" --log "$logdir/test-smp.log" \
		${append:+--append "$append"} ${LKPORT_VM_APPEND:+--append "$LKPORT_VM_APPEND"} \
		--tests "$smp" "$vmlinuz" "$initrd" || status=1
fi
if [ -n "$tracing" ]; then
	"$here/run.sh" --mode test --timeout "$timeout" --log "$logdir/test-tracing.log" \
		${append:+--append "$append"} ${LKPORT_VM_APPEND:+--append "$LKPORT_VM_APPEND"} \
		--tcg-single --tests "$tracing" "$vmlinuz" "$initrd" || status=1
fi
exit $status
