#!/usr/bin/env bash
# Install what building and testing lkport needs, idempotently.
#
# Host toolchain, QEMU, busybox, BPF tooling and the three Debian kernels
# the VM boots (image + headers each): bookworm's 6.1, bookworm-backports'
# 6.12 and bookworm-backports' 6.12 PREEMPT_RT (linux-image-rt-amd64; in
# bookworm itself that metapackage is a 6.1 RT kernel, so it is taken from
# the backports suite by name);
# linux-source-6.1 and what building it needs (flex, bison, bc, libssl-dev,
# libelf-dev, dwarves' pahole for BTF) for the VM debug kernel
# (tools/debug-kernel.sh).
# Safe to re-run: it does nothing when everything is already present.
#
# deps.sh --demo: only what `make demo` needs: the compilers, QEMU,
# busybox-static and one generic kernel (image + headers), bookworm's 6.1
# unless a 6.1 or 6.12 one is there already; no backports source, no
# linux-source, clang, BPF or test tooling.
set -euo pipefail

demo=0
[ "${1:-}" = --demo ] && demo=1

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
  dkms scdoc gnuplot-nox
  pkgconf man-db time
)

# make demo: the module (gcc, g++, kmod; dwarves for module BTF on 6.12),
# lkportctl and the demo's program (static: libc6-dev), the initramfs
# (cpio, busybox-static) and the VM.
DEMO_PKGS=(
  build-essential g++ make cpio kmod dwarves
  qemu-system-x86 busybox-static
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

install() {   # [apt options...] -- packages...
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  [ $# -gt 0 ] || return 0
  echo "deps: installing $*"
  $SUDO apt-get install -y -q --no-install-recommends "${opts[@]}" "$@"
}

# The versioned kernel packages behind the linux-image-FLAVOUR metapackage
# of a suite, e.g. "linux-image-6.1.0-41-amd64 linux-headers-6.1.0-41-amd64"
# for bookworm, or "linux-image-6.12.95+deb12-rt-amd64 ..." for
# bookworm-backports rt-amd64.
kernel_pkgs() {   # $1 = suite, $2 = flavour (default amd64)
  local meta v dep flavour=${2:-amd64}
  for meta in "linux-image-$flavour" "linux-headers-$flavour"; do
    v=$(apt-cache madison "$meta" | awk -v s="$1" '$0 ~ "[ /]"s"/main" {print $3; exit}')
    [ -n "$v" ] || { echo "deps: no $meta in $1" >&2; return 1; }
    dep=$(apt-cache depends "$meta=$v" | awk '/Depends: linux-(image|headers)-[0-9]/ {print $2; exit}')
    echo "$dep"
  done
}

# An image of version $1 and flavour $2 in /boot with its headers. The RT
# release (6.12.95+deb12-rt-amd64) also ends in -amd64: it does not count
# as a generic kernel.
have_kernel() {   # $1 = version (6.12), $2 = flavour (amd64, rt-amd64)
  local img krel
  for img in /boot/vmlinuz-"$1".*-"$2"; do
    krel=${img#/boot/vmlinuz-}
    [ "$2" = amd64 ] && [[ $krel == *-rt-amd64 ]] && continue
    [ -e "$img" ] && [ -e "/usr/src/linux-headers-$krel/Makefile" ] && return 0
  done
  return 1
}

# make demo: its packages and one generic kernel, bookworm's own (no
# backports source needed).
if [ $demo -eq 1 ]; then
  if [ -z "$(missing "${DEMO_PKGS[@]}")" ] && { have_kernel 6.1 amd64 || have_kernel 6.12 amd64; }; then
    exit 0
  fi
  apt_update
  # shellcheck disable=SC2046
  install -- $(missing "${DEMO_PKGS[@]}")
  if ! have_kernel 6.1 amd64 && ! have_kernel 6.12 amd64; then
    # shellcheck disable=SC2046
    install -- $(missing $(kernel_pkgs bookworm))
    have_kernel 6.1 amd64 || { echo "deps: no /boot/vmlinuz-6.1.*-amd64 with its headers after installing" >&2; exit 1; }
  fi
  exit 0
fi

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

# Fast path: everything present already, no network needed.
if [ -z "$(missing "${HOST_PKGS[@]}")" ] && have_kernel 6.1 amd64 && \
   have_kernel 6.12 amd64 && have_kernel 6.12 rt-amd64; then
  exit 0
fi

apt_update
# shellcheck disable=SC2046
install -- $(missing "${HOST_PKGS[@]}")
# Kernels: the versioned packages, so that 6.1 and 6.12 coexist (the
# metapackage can only point at one of them).
# shellcheck disable=SC2046
install -- $(missing $(kernel_pkgs bookworm))
# shellcheck disable=SC2046
install -t bookworm-backports -- $(missing $(kernel_pkgs bookworm-backports))
# shellcheck disable=SC2046
install -t bookworm-backports -- $(missing $(kernel_pkgs bookworm-backports rt-amd64))

# Each VM kernel is there now, image and headers, or the Makefile would
# silently leave it out of every VM target.
for k in "6.1 amd64" "6.12 amd64" "6.12 rt-amd64"; do
  # shellcheck disable=SC2086
  have_kernel $k || {
    echo "deps: no /boot/vmlinuz-${k% *}.*-${k#* } with its headers after installing" \
      "(is /boot/vmlinuz-* diverted or removed? dpkg -S /boot/vmlinuz-*; dpkg-divert --list)" >&2
    exit 1
  }
done
