#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-install.sh ROOT BUILD [KDIR]: make install into a scratch DESTDIR,
# with PREFIX=/usr, for KDIR (default: the newest generic VM kernel's
# headers); checks the exact list of files put down, that a program
# builds against the staged library through its pkg-config file and runs,
# that the staged tools and man pages work, then make uninstall and that
# no file is left.

root=$1 build=$2
kdir=${3:-$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | grep -v -- -rt- | sort | tail -n 1)}
version=$(cat "$root/VERSION")
[ -f "$kdir/Makefile" ] || { echo "install-test: no kernel headers (make deps)" >&2; exit 1; }
krel=$(cat "$kdir/include/config/kernel.release")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
n=0 failed=0

check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n install.$desc"
	else
		echo "not ok $n install.$desc"
		failed=$((failed + 1))
		return 1
	fi
}

vars="DESTDIR=$dest PREFIX=/usr KDIR=$kdir B=$build"
# shellcheck disable=SC2086
make --no-print-directory -C "$root" $vars install >"$tmp/install.log" 2>&1
rc=$?
check make_install_succeeds [ $rc -eq 0 ] || tail -n 20 "$tmp/install.log" | sed 's/^/#   /'

# What must be there, no more and no less (lkport-wakelat only when built).
{
	echo "usr/bin/lkportctl"
	[ -x "$build/bpf/lkport-wakelat" ] && echo "usr/bin/lkport-wakelat"
	for h in "$root"/userlib/include/lkport/*; do echo "usr/include/lkport/${h##*/}"; done
	echo "usr/include/linux/lkport.h"
	echo "usr/include/linux/lkport_status.h"
	echo "usr/lib/liblkport.a"
	echo "usr/lib/liblkport.so"
	echo "usr/lib/liblkport.so.0"
	echo "usr/lib/liblkport.so.$version"
	echo "usr/lib/pkgconfig/lkport.pc"
	echo "usr/share/man/man1/lkportctl.1"
	echo "usr/share/man/man3/liblkport.3"
	echo "usr/share/man/man4/lkport.4"
	echo "usr/share/doc/lkport/CHANGELOG.md"
	echo "usr/share/doc/lkport/COPYING"
	echo "usr/share/doc/lkport/examples/60-lkport.rules"
	echo "lib/modules/$krel/extra/lkport.ko"
} | sort >"$tmp/want"
(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort) >"$tmp/got"
check exactly_the_files_listed cmp -s "$tmp/want" "$tmp/got" ||
	diff "$tmp/want" "$tmp/got" | sed 's/^/#   /'

check the_module_is_lkport_not_the_test_module \
	eval '/sbin/modinfo -F name "$dest/lib/modules/$krel/extra/lkport.ko" | grep -qx lkport &&
	! find "$dest" -name "lkport_ktest*" | grep -q .'
check the_module_is_for_kdir_and_has_the_version \
	eval '/sbin/modinfo -F vermagic "$dest/lib/modules/$krel/extra/lkport.ko" | grep -q "^$krel " &&
	/sbin/modinfo -F version "$dest/lib/modules/$krel/extra/lkport.ko" | grep -qx "$version"'
check the_module_autoloads_by_its_node \
	eval '/sbin/modinfo -F alias "$dest/lib/modules/$krel/extra/lkport.ko" | grep -qx devname:lkport &&
	/sbin/modinfo -F alias "$dest/lib/modules/$krel/extra/lkport.ko" | grep -qx char-major-10-245'

pc="env PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig pkg-config"
check pkg_config_has_the_version eval '[ "$($pc --modversion lkport)" = "$version" ]'
cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include <lkport/lk.h>
#include <lkport/device.h>

int main(void)
{
	printf("%s %d\n", lk_status_str(LK_ERR_TIMED_OUT), LKPORT_ABI_MAJOR);
	return 0;
}
EOF
# shellcheck disable=SC2046
cc -o "$tmp/prog" "$tmp/prog.c" $($pc --cflags --libs lkport) 2>"$tmp/cc.log"
check a_program_builds_with_pkg_config [ $? -eq 0 ] || sed 's/^/#   /' "$tmp/cc.log"
check and_runs_on_the_shared_library \
	eval 'LD_LIBRARY_PATH=$dest/usr/lib "$tmp/prog" | grep -qx "LK_ERR_TIMED_OUT 1" &&
	LD_LIBRARY_PATH=$dest/usr/lib ldd "$tmp/prog" | grep -q "liblkport.so.0 => $dest/usr/lib/"'
# shellcheck disable=SC2046
cc -o "$tmp/prog-static" "$tmp/prog.c" $($pc --cflags lkport) "$dest/usr/lib/liblkport.a" 2>>"$tmp/cc.log"
check and_links_the_static_library eval '"$tmp/prog-static" | grep -qx "LK_ERR_TIMED_OUT 1"'
check the_installed_lkportctl_has_the_version \
	eval '"$dest/usr/bin/lkportctl" --version | grep -q "^lkportctl $version "'
for m in man1/lkportctl.1 man3/liblkport.3 man4/lkport.4; do
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$dest/usr/share/man/$m" >"$tmp/man.out" 2>"$tmp/man.err"
	page=${m##*/}
	check "man_page_$(echo "$page" | tr . _)_renders_without_warnings" \
		eval '[ $? -eq 0 ] && [ ! -s "$tmp/man.err" ] && grep -q "^NAME" "$tmp/man.out"' ||
		sed 's/^/#   /' "$tmp/man.err"
done

# shellcheck disable=SC2086
make --no-print-directory -C "$root" $vars uninstall >"$tmp/uninstall.log" 2>&1
rc=$?
check make_uninstall_succeeds [ $rc -eq 0 ] || tail -n 20 "$tmp/uninstall.log" | sed 's/^/#   /'
(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\./||') >"$tmp/left"
check uninstall_leaves_no_file [ ! -s "$tmp/left" ] || sed 's/^/#   left: /' "$tmp/left"
check uninstall_removes_lkports_own_directories \
	eval '[ ! -e "$dest/usr/include/lkport" ] && [ ! -e "$dest/usr/share/doc/lkport" ]'

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }
