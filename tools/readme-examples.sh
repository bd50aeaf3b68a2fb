#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# readme-examples.sh MARKDOWN OUT_DIR NAME...
#
# Writes the code blocks of MARKDOWN that are marked as examples to
# OUT_DIR/NAME, so that the build compiles (and the VM runs) README's own
# text. A marked block is an HTML comment line, invisible when rendered,
# right before a fenced block:
#
#     <!-- example: quickstart.c -->
#     ```c
#     ...
#     ```
#
# Fails if a marker is not followed by a fence, a block is not closed, a
# name is marked twice, or one of the NAMEs asked for is not marked.
set -eu
[ $# -ge 3 ] || { echo "usage: readme-examples.sh MARKDOWN OUT_DIR NAME..." >&2; exit 2; }
md=$1 out=$2
shift 2
mkdir -p "$out"
rm -f "$out"/.list
awk -v out="$out" '
	function fail(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
	state == "marked" {
		if ($0 !~ /^```[A-Za-z0-9+]*$/) fail("<!-- example: " name " --> is not followed by a ``` fence")
		state = "in"; next
	}
	state == "in" {
		if ($0 ~ /^```$/) { close(file); state = ""; next }
		print > file; next
	}
	/^<!-- example: [A-Za-z0-9._-]+ -->$/ {
		name = $3
		if (name in seen) fail("example " name " is marked twice")
		seen[name] = 1; file = out "/" name; state = "marked"
		printf "" > file
		print name >> (out "/.list")
		next
	}
	/^[ \t]*<!-- *example:/ { fail("malformed example marker (<!-- example: NAME -->, alone on its line)") }
	END { if (!bad && state != "") fail("example " name " is not closed by a ``` line") }
' "$md"
for name in "$@"; do
	grep -qx -- "$name" "$out/.list" 2>/dev/null ||
		{ echo "readme-examples: $md has no example '$name' (<!-- example: $name --> before its block)" >&2; exit 1; }
done
