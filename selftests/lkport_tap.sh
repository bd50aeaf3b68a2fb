# SPDX-License-Identifier: GPL-2.0
#
# lkport_tap.sh: TAP output for lkport's shell selftests, sourced by them
# (POSIX sh; busybox ash is enough). Counts tests in $n and failures in
# $failed; each script prints its own plan and exits with KSFT_PASS or
# KSFT_FAIL from those counts.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n $1"
	failed=$((failed + 1))
}

# check DESC COMMAND...: one test that passes when COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# skip_all REASON: the whole script is skipped.
skip_all() {
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}
