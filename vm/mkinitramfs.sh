#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT.cpio.gz KO_DIR PAYLOAD_DIR
#
# Builds the VM's initramfs: busybox-static, lkport's /init, the module at
# /lkport/ (every .ko in KO_DIR: lkport.ko, lkport_ktest.ko) and PAYLOAD_DIR's contents under /lkport (bin/,
# selftests/, ...). Everything in it is static: there is no libc in the VM.
set -eu
out=$1 kodir=$2 payload=$3
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}

[ -x "$busybox" ] && ! readelf -l "$busybox" | grep -q 'program interpreter' || {
	echo "mkinitramfs: $busybox is not busybox-static (apt-get install busybox-static)" >&2
	exit 1
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"	# mktemp's 0700 would lock non-root users out of /
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/etc" \
	"$root/lkport" "$root/sys/fs/bpf" "$root/root"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$here/init" "$root/init"
cp "$kodir"/*.ko "$root/lkport/"
krel=$(basename "$kodir")
# lkport.ko installed as `make install-kmod` does, and the host's depmod
# (kmod) run over it for the VM's kernel: modules.dep, modules.alias and
# modules.devname, which lkport_autoload.sh uses to load the module by
# opening /dev/lkport (the kernel runs /sbin/modprobe: busybox's, which
# reads the same files).
mkdir -p "$root/lib/modules/$krel/extra"
cp "$kodir/lkport.ko" "$root/lib/modules/$krel/extra/"
depmod=${DEPMOD:-/sbin/depmod}
[ -x "$depmod" ] || depmod=$(command -v depmod) || {
	echo "mkinitramfs: no depmod (apt-get install kmod)" >&2
	exit 1
}
echo extra/lkport.ko > "$root/lib/modules/$krel/modules.order"
for f in modules.builtin modules.builtin.modinfo; do
	if [ -f "/lib/modules/$krel/$f" ]; then
		cp "/lib/modules/$krel/$f" "$root/lib/modules/$krel/"
	else
		: > "$root/lib/modules/$krel/$f"
	fi
done
"$depmod" -b "$root" "$krel"
ln -s ../bin/busybox "$root/sbin/modprobe"
# UIO from the booted kernel's own package, for the interrupt benchmark's
# peer (uio_pci_generic on the third edu device), uncompressed for
# busybox's insmod.
mkdir -p "$root/lkport/peer"
for m in uio uio_pci_generic; do
	ko=$(ls /lib/modules/"$krel"/kernel/drivers/uio/$m.ko* 2>/dev/null | head -1)
	case $ko in
	*.xz) xz -dc "$ko" > "$root/lkport/peer/$m.ko" ;;
	*.zst) zstd -qdc "$ko" > "$root/lkport/peer/$m.ko" ;;
	?*) cp "$ko" "$root/lkport/peer/$m.ko" ;;
	esac
done
cp -a "$payload/." "$root/lkport/"
# Dynamically linked programs in the payload (peers measured in the same
# boot, such as rt-tests' pmqtest, or bpftool) bring their libraries.
find "$root/lkport" -type f -perm -u+x | while read -r prog; do
	readelf -l "$prog" 2>/dev/null | grep -q 'program interpreter' || continue
	ldd "$prog" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' |
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
echo 'nogroup:x:65534:' >> "$root/etc/group"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
