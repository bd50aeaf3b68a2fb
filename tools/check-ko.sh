#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-ko.sh MODULE_BUILD_DIR KDIR
#
# After Kbuild built lkport.ko in MODULE_BUILD_DIR, checks what the build
# promises about C++ in the module:
#   - the .ko has no constructor/unwind/TLS sections and needs no C++
#     runtime symbol (check-cxx-object.sh);
#   - objtool ran on every C++ object: on the object itself, or on the
#     linked lkport.o where the kernel delays objtool to link time (IBT/LTO);
#   - module BTF is present when the kernel headers ship vmlinux.
set -eu
dir=$1 kdir=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
ko=$dir/lkport.ko
status=0

# A kernel with CONFIG_CONSTRUCTORS (KASAN's) runs the module's .init_array.
ctors=0
[ -n "$kdir" ] && grep -qx 'CONFIG_CONSTRUCTORS=y' "$kdir/include/config/auto.conf" 2>/dev/null && ctors=1
LKPORT_KO_CTORS=$ctors "$here/check-cxx-object.sh" nm objdump "$ko" || status=1

cxx_objs=$(sed -n 's/^\t\(module\/core\/[^ ]*\.o\).*/\1/p' "$dir/Kbuild" | sort -u)
[ -n "$cxx_objs" ] || { echo "check-ko: no C++ objects listed in Kbuild" >&2; exit 1; }
linked=no
grep -q 'objtool.* --link .*lkport\.o' "$dir/.lkport.o.cmd" 2>/dev/null && linked=yes
n=0
for o in $cxx_objs; do
	cmd=$dir/$(dirname "$o")/.$(basename "$o").cmd
	n=$((n + 1))
	if grep -q 'objtool' "$cmd" 2>/dev/null; then
		continue
	elif [ $linked = yes ] && grep -qx "$dir/$o" "$dir/lkport.mod" 2>/dev/null; then
		continue
	fi
	echo "check-ko: objtool did not run on $o" >&2
	status=1
done

if readelf -S "$ko" | grep -q '\.BTF'; then
	btf=yes
else
	btf=no
	if [ -n "$kdir" ] && [ -f "$kdir/vmlinux" ]; then
		echo "check-ko: $ko has no module BTF although $kdir ships vmlinux" >&2
		status=1
	fi
fi
echo "check-ko: $ko: C++ objects $n, objtool $( [ $linked = yes ] && echo 'at link time (lkport.o)' || echo 'per object'), module BTF $btf"
exit $status
