#!/usr/bin/env bash
# Install what building and testing lkport needs, idempotently.
#
# Host toolchain, QEMU, busybox, BPF tooling and the two supported Debian
# kernels: bookworm's 6.1 and bookworm-backports' 6.12 (image + headers);
# linux-source-6.1 and what building it needs (flex, bison, bc, libssl-dev,
# libelf-dev, dwarves' pahole for BTF) for the VM debug kernel
# (tools/debug-kernel.sh).
# Safe to re-run: it does nothing when everything is already present.
set -euo pipefail

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

BPO_LIST=/etc/apt/sources.list.d/lkport-bookworm-backports.sources

HOST_PKGS=(
  build-essential g++ make cpio xz-utils kmod
  qemu-system-x86 busybox-static
  clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev dwarves
  libgtest-dev libbenchmark-dev valgrind
  rt-tests linux-source-6.1 gcc-multilib
  flex bison bc libssl-dev
  sparse clang-format clang-tidy
)

missing() {
  local p out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || out+=("$p")
  done
  printf '%s\n' "${out[@]}"
}

updated=0
apt_update() {
  [ "$updated" -eq 1 ] && return
  $SUDO apt-get update -qq
  updated=1
}

if [ ! -e "$BPO_LIST" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  $SUDO tee "$BPO_LIST" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  updated=0
fi

# The versioned kernel packages behind the linux-image-amd64 metapackage of a
# suite, e.g. "linux-image-6.1.0-41-amd64 linux-headers-6.1.0-41-amd64".
kernel_pkgs() {   # $1 = suite
  local meta v dep
  for meta in linux-image-amd64 linux-headers-amd64; do
    v=$(apt-cache madison "$meta" | awk -v s="$1" '$0 ~ "[ /]"s"/main" {print $3; exit}')
    [ -n "$v" ] || { echo "deps: no $meta in $1" >&2; return 1; }
    dep=$(apt-cache depends "$meta=$v" | awk '/Depends: linux-(image|headers)-[0-9]/ {print $2; exit}')
    echo "$dep"
  done
}

# Fast path: everything present already, no network needed.
if [ -z "$(missing "${HOST_PKGS[@]}")" ] && \
   ls /usr/src/linux-headers-6.1.*-amd64/Makefile >/dev/null 2>&1 && \
   ls /usr/src/linux-headers-6.12.*-amd64/Makefile >/dev/null 2>&1 && \
   ls /boot/vmlinuz-6.1.* /boot/vmlinuz-6.12.* >/dev/null 2>&1; then
  exit 0
fi

apt_update
install() {   # [apt options...] -- packages...
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  [ $# -gt 0 ] || return 0
  echo "deps: installing $*"
  $SUDO apt-get install -y -q --no-install-recommends "${opts[@]}" "$@"
}

# shellcheck disable=SC2046
install -- $(missing "${HOST_PKGS[@]}")
# Kernels: the versioned packages, so that 6.1 and 6.12 coexist (the
# metapackage can only point at one of them).
# shellcheck disable=SC2046
install -- $(missing $(kernel_pkgs bookworm))
# shellcheck disable=SC2046
install -t bookworm-backports -- $(missing $(kernel_pkgs bookworm-backports))
