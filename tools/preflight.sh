#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# preflight.sh KDIR [CC]
#
# Before `make module` (and `make install-kmod`) hands over to Kbuild:
# says, in one message with what to do, why lkport.ko cannot be built or
# loaded here, rather than leaving it to a compiler error three screens
# down. Exit 0 when the build may go ahead (warnings on stderr), 1
# otherwise. What it checks, in order:
#   - building for the running kernel (KDIR not given), whether that
#     kernel loads modules at all (/proc/modules);
#   - KDIR is a kernel build tree (its Makefile and generated config);
#   - that kernel was configured with module support (CONFIG_MODULES);
#   - CC is the compiler family and major version the kernel was built
#     with (CONFIG_CC_VERSION_TEXT): a different one is an error, the same
#     major version with another minor a warning. LKPORT_CC_MISMATCH_OK=1
#     turns the error into a warning.
# LKPORT_PREFLIGHT_RUNNING (a release) and LKPORT_PREFLIGHT_PROC stand for
# `uname -r` and /proc, so that the messages can be tested.

kdir=$1
cc=${2:-cc}
running=${LKPORT_PREFLIGHT_RUNNING:-$(uname -r)}
proc=${LKPORT_PREFLIGHT_PROC:-/proc}
default_kdir=/lib/modules/$running/build

# say WORDS...: one message, folded to the terminal's usual width.
say() {
	printf 'lkport preflight: %s\n' "$*" | fold -s -w 78 >&2
}

if [ "$kdir" = "$default_kdir" ] && [ ! -e "$proc/modules" ]; then
	say "the running kernel ($running) has no loadable module support" \
	    "(no $proc/modules: built without CONFIG_MODULES), so lkport.ko cannot be" \
	    "loaded here. Boot a kernel with module support (Debian's linux-image-amd64" \
	    "has it), or build for another kernel with KDIR=/path/to/its/build" \
	    "(e.g. KDIR=/usr/src/linux-headers-<release>)."
	exit 1
fi

if [ ! -f "$kdir/Makefile" ]; then
	if [ "$kdir" = "$default_kdir" ]; then
		say "no kernel headers for the running kernel ($running): $kdir is missing." \
		    "On Debian: apt-get install linux-headers-$running" \
		    "(linux-headers-amd64 follows the current kernel), or build for another" \
		    "kernel with KDIR=/path/to/its/build."
	else
		say "KDIR=$kdir is not a kernel build tree (no Makefile there)." \
		    "Give the build directory of the kernel's headers, e.g." \
		    "KDIR=/usr/src/linux-headers-<release> or /lib/modules/<release>/build."
	fi
	exit 1
fi

conf=$kdir/include/config/auto.conf
if [ ! -f "$conf" ] || [ ! -f "$kdir/include/generated/autoconf.h" ]; then
	say "$kdir has no generated configuration (include/config/auto.conf):" \
	    "a kernel source tree needs 'make modules_prepare' first; Debian's" \
	    "linux-headers-<release> packages come prepared."
	exit 1
fi

if ! grep -qx 'CONFIG_MODULES=y' "$conf"; then
	say "the kernel of $kdir is configured without module support" \
	    "(CONFIG_MODULES is not set in include/config/auto.conf): no module can be" \
	    "built for it or loaded into it. Rebuild it with CONFIG_MODULES=y, or" \
	    "pick another kernel with KDIR=."
	exit 1
fi

# The compiler: "gcc-12 (Debian 12.2.0-14) 12.2.0" or "Debian clang
# version 16.0.6 (...)" -> family and version.
kernel_cc=$(sed -n 's/^#define CONFIG_CC_VERSION_TEXT "\(.*\)"$/\1/p' "$kdir/include/generated/autoconf.h")
our_cc=$("$cc" --version 2>/dev/null | head -n 1)
if [ -z "$our_cc" ]; then
	say "the compiler CC=$cc does not run. The kernel was built with:" \
	    "${kernel_cc:-(unknown)}. Install it (Debian: build-essential, or the" \
	    "gcc-<major> package named there) or pass CC=."
	exit 1
fi
family() {
	case $1 in
	*clang*) echo clang ;;
	*gcc* | *GCC* | "cc "*) echo gcc ;;
	*) echo unknown ;;
	esac
}
version() {
	echo "$1" | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | tail -n 1
}
if [ -n "$kernel_cc" ]; then
	kf=$(family "$kernel_cc") kv=$(version "$kernel_cc")
	of=$(family "$our_cc") ov=$(version "$our_cc")
	if [ "$kf" != "$of" ] || [ "${kv%%.*}" != "${ov%%.*}" ]; then
		want=$( [ "$kf" = clang ] && echo "clang-${kv%%.*}" || echo "gcc-${kv%%.*}")
		msg="compiler mismatch: the kernel of $kdir was built with '$kernel_cc' ($kf $kv), CC=$cc is '$our_cc' ($of $ov). A module must be built with the kernel's compiler (its flags and plugins are the kernel's): install it and pass it, e.g. CC=$want (the Debian package of that name)."
		if [ "${LKPORT_CC_MISMATCH_OK:-0}" = 1 ]; then
			say "warning: $msg" "(going ahead: LKPORT_CC_MISMATCH_OK=1)"
		else
			say "$msg" "LKPORT_CC_MISMATCH_OK=1 builds anyway."
			exit 1
		fi
	elif [ "$kv" != "$ov" ]; then
		say "warning: the kernel was built with $kf $kv, CC=$cc is $of $ov: the same" \
		    "major version, so it should do."
	fi
fi
exit 0
