#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-dkms.sh ROOT BUILD KREL...: `dkms add` and `dkms build` (never
# install or load) of the tree `make dkms-source` stages, against each
# KREL's installed headers, in scratch DKMS trees; checks each lkport.ko:
# its vermagic is that kernel's, its version VERSION, its aliases, no
# test module. It runs in a private mount namespace with a scratch
# /var/lib/dkms, so that DKMS's MOK flow (it makes a signing key there on
# first use and signs with it) touches nothing of the machine's; where
# the kernel signs modules the .ko must be signed by that key.

root=$1 build=$2
shift 2
version=$(cat "$root/VERSION")
command -v dkms >/dev/null || { echo "dkms-test: dkms is not installed (make deps)" >&2; exit 1; }
[ $# -gt 0 ] || { echo "dkms-test: no kernel given" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n dkms.$desc"
	else
		echo "not ok $n dkms.$desc"
		failed=$((failed + 1))
		return 1
	fi
}

make --no-print-directory -C "$root" B="$build" DESTDIR="$tmp/stage" DKMS_SRC=/src dkms-source \
	>"$tmp/stage.log" 2>&1
check dkms_source_is_staged [ -f "$tmp/stage/src/lkport-$version/dkms.conf" ] ||
	sed 's/^/#   /' "$tmp/stage.log"
check dkms_conf_has_the_version grep -qx "PACKAGE_VERSION=\"$version\"" "$tmp/stage/src/lkport-$version/dkms.conf"
check the_tree_has_no_test_module [ ! -e "$tmp/stage/src/lkport-$version/module/ktest" ]

mkdir -p "$tmp/var-lib-dkms" "$tmp/tree"
for krel in "$@"; do
	name=$(echo "$krel" | tr '.+-' '___')
	if [ ! -e "/lib/modules/$krel/build/Makefile" ]; then
		check "builds_for_$name" false
		echo "#   no headers at /lib/modules/$krel/build"
		continue
	fi
	start=$(date +%s)
	unshare --mount sh -c '
		mount --bind "$1" /var/lib/dkms || exit 1
		dkms add -m lkport -v "$2" --sourcetree "$3" --dkmstree "$4" >/dev/null 2>&1
		dkms build -m lkport -v "$2" -k "$5" --sourcetree "$3" --dkmstree "$4"' sh \
		"$tmp/var-lib-dkms" "$version" "$tmp/stage/src" "$tmp/tree" "$krel" >"$tmp/build-$name.log" 2>&1
	rc=$?
	echo "# dkms build for $krel: $(($(date +%s) - start)) s"
	ko=$(find "$tmp/tree/lkport/$version/$krel" -name 'lkport.ko*' 2>/dev/null | head -n 1)
	check "builds_for_$name" eval '[ $rc -eq 0 ] && [ -n "$ko" ]' ||
		{ tail -n 30 "$tmp/build-$name.log" | sed 's/^/#   /'; continue; }
	check "the_ko_has_the_vermagic_of_$name" eval '/sbin/modinfo -F vermagic "$ko" | grep -q "^$krel "'
	check "the_ko_for_${name}_has_the_version" eval '/sbin/modinfo -F version "$ko" | grep -qx "$version"'
	check "the_ko_for_${name}_autoloads_by_its_node" eval '/sbin/modinfo -F alias "$ko" | grep -qx devname:lkport'
	check "no_test_module_for_$name" eval '! find "$tmp/tree/lkport/$version/$krel" -name "lkport_ktest*" | grep -q .'
	if grep -qx 'CONFIG_MODULE_SIG=y' "/lib/modules/$krel/build/include/config/auto.conf" &&
	   [ -f "$tmp/var-lib-dkms/mok.pub" ]; then
		check "the_ko_for_${name}_is_signed_with_the_dkms_key" \
			eval '/sbin/modinfo -F signer "$ko" | grep -q "DKMS module signing key"'
	fi
done

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }
