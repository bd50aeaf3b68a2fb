#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh build|dir|krel|key
#
# lkport's VM debug kernel (KASAN, lockdep, kmemleak, UBSAN, KFENCE, BTF):
# Debian's own linux-source-6.1 with vm/debug-kernel.config merged over
# defconfig + kvm_guest.config. Built once per machine into a cache outside
# the clone,
#   ${LKPORT_CACHE:-/var/cache/lkport}/debug-kernel/<source version>-<config hash>/
#     linux/                    the built tree (make -C .../linux M=... modules)
#     vmlinuz-<krel>            its bzImage
#     build-time                /usr/bin/time's account of the build
#     COMPLETE                  written last: the entry is usable
# so every clone on the machine shares it and a new source package or a
# changed config fragment gets a new entry.
#
#   build   build the entry unless it is complete (flock: concurrent callers
#           wait for the first one); a failed or interrupted build never
#           leaves COMPLETE, and the next build starts that entry afresh
#   dir     print the entry's directory (no build)
#   krel    print the kernel release it has or will have (no build)
#   key     print the cache key (no build)
#
# Environment: LKPORT_CACHE (cache root), LKPORT_DEBUG_KERNEL_JOBS (make -j,
# default 2), LKPORT_DEBUG_KERNEL_NICE (default 10).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
fragment=$root/vm/debug-kernel.config
pkg=linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${LKPORT_CACHE:-/var/cache/lkport}/debug-kernel
jobs=${LKPORT_DEBUG_KERNEL_JOBS:-2}
nice=${LKPORT_DEBUG_KERNEL_NICE:-10}

die() { echo "debug-kernel: $*" >&2; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) || true
[ -n "$srcver" ] && [ -r "$tarball" ] || die "$pkg is not installed (make deps)"
cfghash=$(sha256sum < "$fragment" | cut -c1-12)
key=$srcver-$cfghash
dir=$cache/$key
# Upstream version of the package (6.1.192-3 -> 6.1.192) plus the
# fragment's LOCALVERSION: what `make kernelrelease` says; checked after
# the build.
localver=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"$/\1/p' "$fragment")
krel=${srcver%%-*}$localver

build() {
	[ -e "$dir/COMPLETE" ] && { echo "$dir"; return 0; }
	mkdir -p "$cache"
	exec 9>"$cache/.$key.lock"
	if ! flock -n 9; then
		echo "debug-kernel: another build of $key is running; waiting" >&2
		flock 9
	fi
	[ -e "$dir/COMPLETE" ] && { echo "$dir"; return 0; }

	# Whatever is there without COMPLETE is a failed or interrupted build.
	rm -rf "$dir"
	mkdir -p "$dir"
	local log=$dir/build.log
	echo "debug-kernel: building $krel ($key) in $dir; log: $log" >&2
	# Not `( ... ) || handler`: bash ignores set -e inside a subshell
	# that is the left side of ||, and a failed step would go unseen.
	local rc=0
	set +e
	(
		set -euo pipefail
		tar -C "$dir" -xJf "$tarball"
		mv "$dir/linux-source-6.1" "$dir/linux"
		cd "$dir/linux"
		make defconfig
		make kvm_guest.config
		scripts/kconfig/merge_config.sh -m .config "$fragment"
		make olddefconfig
		# Every option the fragment sets must have survived olddefconfig
		# (a missing dependency drops one silently).
		bad=0
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*)
				grep -qxF "$line" .config || { echo "debug-kernel: not in .config: $line" >&2; bad=1; } ;;
			"# CONFIG_"*" is not set")
				opt=${line#\# }; opt=${opt%% *}
				! grep -q "^$opt=" .config || { echo "debug-kernel: still set: $opt" >&2; bad=1; } ;;
			esac
		done < "$fragment"
		[ $bad -eq 0 ]
		/usr/bin/time -v -o "$dir/build-time" \
			nice -n "$nice" make -j"$jobs" bzImage modules_prepare
		got=$(make -s --no-print-directory kernelrelease)
		[ "$got" = "$krel" ] || {
			echo "debug-kernel: kernelrelease $got, expected $krel" >&2
			exit 1
		}
		# An external module build reads Module.symvers; without `make
		# modules` only vmlinux's part of it exists.
		[ -s Module.symvers ] || cp vmlinux.symvers Module.symvers
	) > "$log" 2>&1
	rc=$?
	set -e
	[ $rc -eq 0 ] || {
		tail -30 "$log" >&2
		die "build failed (log: $log; the entry is incomplete and will be rebuilt)"
	}
	ln -sf linux/arch/x86/boot/bzImage "$dir/vmlinuz-$krel"
	echo "$krel" > "$dir/kernelrelease"
	sync -f "$dir/linux/vmlinux" 2>/dev/null || sync
	date -u +%FT%TZ > "$dir/COMPLETE"
	grep -E 'Elapsed|User time|System time|Maximum resident' "$dir/build-time" >&2 || true
	echo "$dir"
}

case ${1:-build} in
build) build ;;
dir) echo "$dir" ;;
krel) echo "$krel" ;;
key) echo "$key" ;;
*) die "usage: debug-kernel.sh build|dir|krel|key" ;;
esac
