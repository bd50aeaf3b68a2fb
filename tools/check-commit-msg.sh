#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-commit-msg.sh FILE   checks one commit message (the commit-msg hook)
# check-commit-msg.sh --range REV..REV   checks every commit in a range
#
# Rules (HACKING.md, "Commits"): the subject is "area: summary", area one
# of AREAS (several joined by "," allowed, e.g. "glue, uapi: ..."); the
# subject is at most 72 characters; the message has a Signed-off-by: line.
# One word each; "core-tests" is the host unit tests of the C++ core.
AREAS="core glue uapi userlib cli selftests ktest core-tests bench bpf vm tools build tree docs"

check() {	# $1 = message file, $2 = what to call it
	subject=$(sed -n '/^[^#]/{p;q}' "$1")
	area=${subject%%:*}
	ok=1
	if [ "$area" = "$subject" ]; then
		echo "$2: subject has no 'area: ' prefix: $subject" >&2; ok=0
	else
		for a in $(echo "$area" | tr ',' ' '); do
			case " $AREAS " in
			*" $a "*) ;;
			*) echo "$2: unknown area '$a' (known: $AREAS)" >&2; ok=0 ;;
			esac
		done
	fi
	[ ${#subject} -le 72 ] || { echo "$2: subject longer than 72 characters" >&2; ok=0; }
	grep -q '^Signed-off-by: ' "$1" || { echo "$2: no Signed-off-by: line (git commit -s)" >&2; ok=0; }
	[ $ok -eq 1 ]
}

if [ "${1:-}" = --range ]; then
	tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
	status=0
	for c in $(git rev-list --no-merges "$2"); do
		git log -1 --format=%B "$c" > "$tmp"
		check "$tmp" "$(git log -1 --format=%h "$c")" || status=1
	done
	exit $status
fi
[ $# -eq 1 ] || { echo "usage: check-commit-msg.sh FILE | --range REV..REV" >&2; exit 2; }
check "$1" "commit message"
