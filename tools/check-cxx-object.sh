#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-cxx-object.sh NM OBJDUMP OBJECT...
#
# Fails when a module object (a C++ object or the final .ko) holds anything
# the kernel cannot run:
#   - sections for global constructors/destructors (.init_array, .ctors, ...):
#     modules run them only with CONFIG_CONSTRUCTORS, which Debian leaves off
#     (LKPORT_KO_CTORS=1: the kernel has it, as KASAN kernels do, and registers
#     KASAN's globals from the C objects' .init_array; .init_array and
#     .fini_array are then allowed in the .ko, never in a C++ object, which
#     is checked on its own);
#   - unwind/exception tables (.eh_frame, .gcc_except_table);
#   - thread-local storage (.tdata, .tbss);
#   - references to the C++ runtime: exceptions, RTTI, thread-safe statics,
#     the throwing operator new (__cxa_*, _Unwind_*, __gxx_personality_*,
#     __dynamic_cast, typeinfo, _Znwm/_Znam).
set -eu
nm=$1 objdump=$2
shift 2
status=0
ctors='init_array|fini_array|'
[ "${LKPORT_KO_CTORS:-0}" = 1 ] && ctors=
for obj in "$@"; do
	bad_sections=$("$objdump" -h "$obj" | awk -v ctors="$ctors" '
		$2 ~ "^\\.(" ctors "ctors|dtors|eh_frame|eh_frame_hdr|gcc_except_table|tdata|tbss)" { print $2 }')
	bad_symbols=$("$nm" -u "$obj" | awk '
		$2 ~ /^(__cxa_|_Unwind_|__gxx_personality|__dynamic_cast|_ZTI|_ZTS|_ZN10__cxxabiv|_Znwm$|_Znam$|_ZSt)/ { print $2 }')
	if [ -n "$bad_sections" ]; then
		echo "error: $obj has sections the kernel cannot run:" $bad_sections >&2
		status=1
	fi
	if [ -n "$bad_symbols" ]; then
		echo "error: $obj needs the C++ runtime:" $bad_symbols >&2
		status=1
	fi
done
exit $status
