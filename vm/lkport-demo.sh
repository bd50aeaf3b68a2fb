#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What `make demo` shows inside the VM: lkport answering from user space.
set -e
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step ls -l /dev/lkport
step lkportctl version
step grep lkport /proc/modules
