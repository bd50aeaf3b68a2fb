# SPDX-License-Identifier: GPL-2.0
#
# lkport's top-level Makefile. (Kbuild reads ./Kbuild, not this file, so
# `make -C $KDIR M=$PWD` builds the module as for any out-of-tree module.)
#
#   make deps      install build/test packages (apt-get, idempotent)
#   make deps-demo only what make demo needs (tools/deps.sh --demo)
#   make           (make all) module for every VM kernel, user space, BPF,
#                  benchmarks, host tests
#   make check     deps + style + build + host unit tests + clang lock analysis +
#                  VM selftests, all kernels (and the debug kernel), README's
#                  examples in the VM (vm-run-test)
#   make vm-harness-test  the VM harness's verdicts on synthetic console logs
#   make bench-targets-test  bench/targets.sh's table on synthetic bench logs
#   make demo      deps-demo + build what it needs + boot the VM and show lkport in use
#   make vm-run PROG=path [ARGS="..."] [KREL=...]
#                  boot the VM with the module loaded, run your program (or
#                  every executable of a directory) there, print its output
#                  and exit status (vm/vm-run.sh)
#   make vm-shell [PROG=path]  the same VM with a shell on this terminal
#   make examples  README's quick-start programs and examples/kmod, built
#   make vm-run-test  the examples and an exit status through vm-run (in check)
#   make bench     benchmarks against Linux's own primitives and IPC peers,
#                  ending with where each performance target stands
#                  (bench/targets.sh, build/bench-targets.md)
#   make bench-core  only the in-kernel rows, the event ping-pong against futex
#                  and the one-way latency against mq, RUNS=2 times in one
#                  boot per kernel (KREL=), with a table (bench/core-table.sh)
#   make vm-stress the in-kernel tests in stress mode, every kernel
#   make fuzz      lkport_fuzz for DURATION=600 s per VM kernel (SEED= replays;
#                  make fuzz-debug: on the KCOV debug kernel, with coverage)
#   make stress    long variants on every kernel: 1000 SIGKILL-mid-wait and
#                  1000 insmod/rmmod cycles, a 600 s fuzz, the ktest stress
#   make debug-kernel  build the cached KASAN/lockdep VM kernel (vm/debug-kernel.mk)
#   make vm-test-debug the VM selftests on it; check runs them too unless
#                  LKPORT_DEBUG_KERNEL=0
#   make install   lkport.ko for KDIR, liblkport, lkportctl, lkport-wakelat,
#                  man pages (DESTDIR=, PREFIX=/usr/local); make install-user
#                  or make install-kmod: one half; make uninstall removes what
#                  they put down (make uninstall-user, make uninstall-kmod)
#   make kmod-install-build  lkport.ko as install-kmod installs it (no test module)
#   make dkms-install  the module's sources in /usr/src/lkport-VERSION (make
#                  dkms-source alone), dkms add + install; make dkms-remove undoes it
#   make install-test, dkms-test, preflight-test, cli-host-test
#                  host tests of those (part of check)
#   make module    lkport.ko for KDIR (default: the running kernel), in place,
#                  after a preflight (tools/preflight.sh: headers, module
#                  support, compiler)
#   make install-module  module + modules_install for KDIR
#   make modules-vm  lkport.ko for each VM kernel, in build/kmod/KREL/
#   make user      liblkport, lkportctl and the selftests, in build/user/
#   make lkportctl liblkport and lkportctl only
#   make bpf       the BPF program and lkport-wakelat, in build/bpf/
#   make bench-user  the user-space benchmarks, in build/bench/
#   make host      the host unit tests, built; make host-test runs them
#   make host-tsa  clang's thread-safety analysis of the core; part of check
#   make host-bench  the host benchmarks of the handler table
#   make payload   what the VM gets under /lkport (tools, tests, benchmarks)
#   make initramfs the VM's initramfs for each VM kernel
#   make clean     remove build/ and the in-place module build
#   make help      this list
#   make hooks     install the commit-msg hook (tools/check-commit-msg.sh)
#   make style     clang-format check of the C++ core (CXX_STYLE_FILES,
#                  module/core/.clang-format), checkpatch.pl of the C glue
#                  and ktest (C_STYLE_FILES), and test names (one pattern,
#                  suite.behaviour in snake_case: tools/test-names.py);
#                  and that this list names every target; part of check
#                  (make style-cxx, style-c, style-names, style-help: one
#                  of them). It changes no file: `make style-fix`
#                  formats CXX_STYLE_FILES, tools/test-names.py --apply
#                  renames tests
#   make sparse    sparse over the C glue and ktest, every VM kernel
#                  (KREL= for one); fails on any warning not in
#                  tools/sparse.allow; part of check
#   make compile_commands.json
#                  for clangd/clang-tidy: the module's C and C++ files as
#                  Kbuild built them for one kernel (KREL=, default the
#                  newest generic VM kernel) and the host tests, at the top
#
#   Narrowing a run (variables on the command line):
#   make host-test FILTER='event.*:mutex.*'   only those host tests (--gtest_filter)
#   make vm-test TESTS="lkport_event_test lkport_port_test"
#                  only those selftests (names as in selftests/Makefile;
#                  the 32-bit builds are NAME_32)
#   make vm-test KTEST="event port.basic"
#                  lkport_ktest.sh runs only those in-kernel suites/cases
#                  (lkport.ktest= on the kernel command line; also "stress",
#                  "scale=N"); alone, it implies TESTS=lkport_ktest.sh
#   make vm-test KREL=6.12     only some kernels, for every VM target. The VM
#                  kernels are 6.1, 6.12 and 6.12 PREEMPT_RT (make deps
#                  installs all three); KREL= takes words: rt (the RT
#                  kernel), 6.12-rt (the same, by version), a prefix of a
#                  generic release (6.1, 6.12: the generic kernel only, not
#                  RT) or a full release (6.12.95+deb12-rt-amd64), e.g.
#                  KREL="6.12 rt" for both 6.12 kernels
#   make vm-test VM_BOOT=DIR   boot the Debian kernel images in DIR, not /boot
#   make bench KREL=6.12 BENCH_ONLY=wakelat
#                  only those sections of the user-space benchmarks (ipc,
#                  irq, wakelat, scale, path: bench/run-user-bench.sh's LKPORT_UBENCH_ONLY),
#                  and neither the in-kernel nor the host benchmarks
#   make bench KREL=6.12 BENCH_ONLY=path BENCH_PATH_VERBOSE=1
#                  the path-length section lists each traced call's
#                  functions in the log (lkport-bench-pathlen -v); on 6.1
#                  the listing stalled the guest in soft lockups once
#                  (the counts alone run there), so list on 6.12
#
# Output goes to build/ (BUILD=...); the in-place module build writes
# lkport.ko at the top, as Kbuild does.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B ?= $(ROOT)/build
KDIR ?= /lib/modules/$(shell uname -r)/build
export CC ?= cc

# The Debian kernels the VM boots, by flavour: the newest installed generic
# 6.1 and 6.12 (bookworm, bookworm-backports) and the newest PREEMPT_RT 6.12
# (bookworm-backports' linux-image-rt-amd64). An RT release,
# 6.12.95+deb12-rt-amd64, also fits the generic pattern 6.12.*-amd64, so
# the generic ones are picked with the RT ones filtered out.
VM_BOOT ?= /boot
newest = $(lastword $(sort $(1)))
generic_images = $(filter-out %-rt-amd64,$(wildcard $(VM_BOOT)/vmlinuz-$(1).*-amd64))
rt_images = $(wildcard $(VM_BOOT)/vmlinuz-$(1).*-rt-amd64)
VM_KRELS ?= $(patsubst $(VM_BOOT)/vmlinuz-%,%,$(call newest,$(call generic_images,6.1)) \
	$(call newest,$(call generic_images,6.12)) $(call newest,$(call rt_images,6.12)))
# KREL= narrows VM_KRELS to the kernels each of its words names:
#   rt               the PREEMPT_RT kernel(s)
#   6.12-rt          the RT kernel(s) of that version (a prefix, then -rt)
#   6.1, 6.12, ...   the generic kernels whose release starts so (a prefix
#                    up to a dot, dash or plus): not the RT one
#   a full release   that kernel, RT or not (6.12.95+deb12-rt-amd64)
is_rt_krel = $(filter %-rt-amd64,$(1))
krel_prefix = $(filter $(1) $(1).% $(1)-% $(1)+%,$(2))
krel_select = $(if $(filter rt,$(1)),$(call is_rt_krel,$(VM_KRELS)),\
	$(if $(filter %-rt,$(1)),$(call krel_prefix,$(patsubst %-rt,%,$(1)),$(call is_rt_krel,$(VM_KRELS))),\
	$(filter $(1),$(VM_KRELS)) $(call krel_prefix,$(1),$(filter-out %-rt-amd64,$(VM_KRELS)))))
ifneq ($(KREL),)
override VM_KRELS := $(or $(filter $(foreach w,$(KREL),$(call krel_select,$(w))),$(VM_KRELS)),\
	$(error KREL=$(KREL) is none of the VM kernels: $(VM_KRELS)))
endif
# The demo and the editor's compile database: the newest generic kernel
# (the RT one when it is alone).
DEMO_KREL ?= $(or $(lastword $(filter-out %-rt-amd64,$(VM_KRELS))),$(lastword $(VM_KRELS)))
VM_TIMEOUT ?= 1200
# The included makefiles define rules too: a bare `make` still means all.
.DEFAULT_GOAL := all
include $(ROOT)/vm/debug-kernel.mk

MODULE_SRCS := Kbuild VERSION $(shell cd $(ROOT) && find module uapi -name '*.[ch]' -o -name '*.cpp' -o -name '*.mk') \
	tools/check-cxx-object.sh

.PHONY: all deps check demo bench vm-run vm-shell lkportctl module install-module \
	modules-vm user bpf bench-user host host-test host-tsa cli-host-test install-test \
	dkms-test man install install-user install-kmod kmod-install-build uninstall \
	uninstall-user uninstall-kmod dkms-source dkms-install dkms-remove preflight-test \
	vm-harness-test bench-targets-test vm-test vm-stress fuzz stress payload initramfs clean help \
	compile_commands.json deps-demo vm-run-test examples bench-core \
	style style-cxx style-c style-names style-help style-fix sparse hooks
all: modules-vm user bpf bench-user host man

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

deps:
	@$(ROOT)/tools/deps.sh

# The commit-msg hook: "area: summary" subjects and Signed-off-by (HACKING.md).
hooks:
	cd $(ROOT) && hooks=$$(git rev-parse --git-path hooks) && mkdir -p $$hooks && \
		install -m 755 tools/git-hooks/commit-msg $$hooks/commit-msg

# ---- the module -------------------------------------------------------------
# tools/preflight.sh first: no headers, a kernel without modules or the
# wrong compiler is said as such, with what to do.
module:
	@$(ROOT)/tools/preflight.sh $(KDIR) $(CC)
	$(MAKE) -C $(KDIR) M=$(ROOT) modules
	$(ROOT)/tools/check-ko.sh $(ROOT) $(KDIR) || { rm -f $(ROOT)/lkport.ko; exit 1; }

install-module: module
	$(MAKE) -C $(KDIR) M=$(ROOT) modules_install

# One build tree per kernel (a module built for 6.1 does not load on 6.12):
# a tree of symlinks to the sources, so Kbuild's objects stay out of the
# source tree and the kernels do not overwrite each other's.
kmod = $(B)/kmod/$(1)/lkport.ko
modules-vm: $(foreach k,$(VM_KRELS),$(call kmod,$(k)))
	@test -n "$(VM_KRELS)" || { echo "no Debian 6.1/6.12/6.12-rt kernel in $(VM_BOOT): run 'make deps'" >&2; exit 1; }

# The VM's modules are test builds, with the core's debug checks on
# (LKPORT_TEST_DEBUG, default 1) whatever Kbuild's shipped default; the
# benchmarks measure the module as shipped (LKPORT_BENCH_DEBUG, default 0,
# Kbuild's), built apart in build/kmod-bench/KREL/.
LKPORT_TEST_DEBUG ?= 1
LKPORT_BENCH_DEBUG ?= 0
$(B)/kmod/%/lkport.ko: $(addprefix $(ROOT)/,$(MODULE_SRCS))
	@mkdir -p $(B)/kmod/$*
	cd $(ROOT) && cp -rsf $(addprefix $(ROOT)/,Kbuild VERSION module uapi tools) $(B)/kmod/$*/
	$(MAKE) -C $(call kernel_tree,$*) M=$(B)/kmod/$* LKPORT_DEBUG=$(LKPORT_TEST_DEBUG) modules
	$(ROOT)/tools/check-ko.sh $(B)/kmod/$* $(call kernel_tree,$*) || { rm -f $@; exit 1; }

$(B)/kmod-bench/%/lkport.ko: $(addprefix $(ROOT)/,$(MODULE_SRCS))
	@mkdir -p $(B)/kmod-bench/$*
	cd $(ROOT) && cp -rsf $(addprefix $(ROOT)/,Kbuild VERSION module uapi tools) $(B)/kmod-bench/$*/
	$(MAKE) -C $(call kernel_tree,$*) M=$(B)/kmod-bench/$* LKPORT_DEBUG=$(LKPORT_BENCH_DEBUG) modules
	$(ROOT)/tools/check-ko.sh $(B)/kmod-bench/$* $(call kernel_tree,$*) || { rm -f $@; exit 1; }

# ---- install, uninstall, DKMS -------------------------------------------------------
# make install [DESTDIR=/stage] [PREFIX=/usr/local] [KDIR=...]: install-user
# and install-kmod. install-user: liblkport (shared, static, headers,
# lkport.pc), lkportctl, lkport-wakelat (when built: `make bpf`), the man
# pages, and under DOCDIR the udev rule example, CHANGELOG and COPYING.
# install-kmod: lkport.ko for KDIR (not the test module) in
# /lib/modules/<release>/extra, then depmod (not with DESTDIR).
# make uninstall removes exactly those files (same variables).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/lkport
LKPORT_VERSION := $(shell cat $(ROOT)/VERSION)
INSTALL_KREL ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
MODDIR ?= /lib/modules/$(INSTALL_KREL)/extra
DEPMOD ?= /sbin/depmod
DKMS ?= dkms
DKMS_SRC ?= /usr/src

MAN_PAGES := lkportctl.1 liblkport.3 lkport.4
USER_FILES := $(BINDIR)/lkportctl $(BINDIR)/lkport-wakelat \
	$(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m)) \
	$(DOCDIR)/examples/60-lkport.rules $(DOCDIR)/CHANGELOG.md $(DOCDIR)/COPYING
userlib-vars = O=$(B)/user DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCDIR=$(INCDIR)

# Man pages from one source format (scdoc, man/*.scd).
man: $(addprefix $(B)/man/,$(MAN_PAGES))
$(B)/man/%: $(ROOT)/man/%.scd $(ROOT)/VERSION
	@mkdir -p $(@D)
	@command -v scdoc >/dev/null || { echo "man: scdoc is not installed (make deps)" >&2; exit 1; }
	scdoc <$< >$@.tmp && mv $@.tmp $@

install: install-user install-kmod

install-user: user man
	$(MAKE) -C $(ROOT)/userlib $(userlib-vars) install
	install -D -m 755 $(B)/user/lkportctl $(DESTDIR)$(BINDIR)/lkportctl
	if [ -x $(B)/bpf/lkport-wakelat ]; then \
		install -D -m 755 $(B)/bpf/lkport-wakelat $(DESTDIR)$(BINDIR)/lkport-wakelat; fi
	$(foreach m,$(MAN_PAGES),install -D -m 644 $(B)/man/$(m) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m) &&) true
	install -D -m 644 $(ROOT)/packaging/60-lkport.rules $(DESTDIR)$(DOCDIR)/examples/60-lkport.rules
	install -D -m 644 $(ROOT)/CHANGELOG.md $(DESTDIR)$(DOCDIR)/CHANGELOG.md
	install -D -m 644 $(ROOT)/COPYING $(DESTDIR)$(DOCDIR)/COPYING

uninstall-user:
	$(MAKE) -C $(ROOT)/userlib $(userlib-vars) uninstall
	rm -f $(addprefix $(DESTDIR),$(USER_FILES))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

# lkport.ko for KDIR alone, in its own tree of links (as modules-vm's),
# without the in-kernel tests.
KMOD_INSTALL_DIR = $(B)/kmod-install/$(INSTALL_KREL)
kmod-install-build:
	@$(ROOT)/tools/preflight.sh $(KDIR) $(CC)
	@test -n "$(INSTALL_KREL)" || { echo "install: no include/config/kernel.release in KDIR=$(KDIR)" >&2; exit 1; }
	@mkdir -p $(KMOD_INSTALL_DIR)
	cd $(ROOT) && cp -rsf $(addprefix $(ROOT)/,Kbuild VERSION module uapi tools) $(KMOD_INSTALL_DIR)/
	$(MAKE) -C $(KDIR) M=$(KMOD_INSTALL_DIR) LKPORT_KTEST=n modules
	$(ROOT)/tools/check-ko.sh $(KMOD_INSTALL_DIR) $(KDIR) || { rm -f $(KMOD_INSTALL_DIR)/lkport.ko; exit 1; }

install-kmod: kmod-install-build
	install -D -m 644 $(KMOD_INSTALL_DIR)/lkport.ko $(DESTDIR)$(MODDIR)/lkport.ko
	$(if $(DESTDIR),,$(DEPMOD) -a $(INSTALL_KREL))

uninstall-kmod:
	@test -n "$(INSTALL_KREL)" || { echo "uninstall: which kernel? KDIR= or INSTALL_KREL=" >&2; exit 1; }
	rm -f $(DESTDIR)$(MODDIR)/lkport.ko
	$(if $(DESTDIR),,$(DEPMOD) -a $(INSTALL_KREL))

uninstall: uninstall-user uninstall-kmod

# What make install and uninstall do, in a scratch DESTDIR (part of check):
# the list of files installed, the library through pkg-config, then
# nothing left after uninstall.
install-test: user man
	$(ROOT)/tools/check-install.sh $(ROOT) $(B)

# DKMS: the module's sources and dkms.conf under DKMS_SRC/lkport-VERSION,
# then dkms add and install (for the running kernel, and every kernel
# installed later). DESTDIR only stages the sources.
dkms-source:
	rm -rf $(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)
	mkdir -p $(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)/tools
	cd $(ROOT) && cp -r Kbuild VERSION COPYING LICENSES module uapi $(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)/
	cp $(ROOT)/tools/check-cxx-object.sh $(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)/tools/
	rm -rf $(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)/module/ktest \
		$(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)/module/core/tests
	sed 's/@VERSION@/$(LKPORT_VERSION)/g' $(ROOT)/packaging/dkms.conf.in \
		>$(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)/dkms.conf

dkms-install: dkms-source
	$(if $(DESTDIR),,$(DKMS) add lkport/$(LKPORT_VERSION) && $(DKMS) install lkport/$(LKPORT_VERSION))

dkms-remove:
	$(if $(DESTDIR),,-$(DKMS) remove lkport/$(LKPORT_VERSION) --all)
	rm -rf $(DESTDIR)$(DKMS_SRC)/lkport-$(LKPORT_VERSION)

# dkms build (never load) against installed kernels' headers, in scratch
# DKMS trees; checks each .ko's vermagic (part of check: DKMS_TEST_KRELS,
# default the generic VM kernels, 6.1 and 6.12: 25-30 s each here).
DKMS_TEST_KRELS ?= $(filter-out %-rt-amd64,$(VM_KRELS))
dkms-test:
	$(ROOT)/tools/check-dkms.sh $(ROOT) $(B) $(DKMS_TEST_KRELS)

# ---- user space ----------------------------------------------------------------
user:
	$(MAKE) -C $(ROOT)/userlib O=$(B)/user
	$(MAKE) -C $(ROOT)/cli O=$(B)/user
	$(MAKE) -C $(ROOT)/selftests O=$(B)/user

bpf:
	$(MAKE) -C $(ROOT)/bpf O=$(B)/bpf

# User-space benchmarks against futex, eventfd, pipe, POSIX mq (bench/).
bench-user: user
	$(MAKE) -C $(ROOT)/bench O=$(B)/bench

# ---- host unit tests of the C++ core ---------------------------------------------
include $(ROOT)/module/core/tests/host.mk

# ---- editor and lint support -------------------------------------------------------
CDB_KREL = $(DEMO_KREL)
compile_commands.json: $(call kmod,$(CDB_KREL))
	$(ROOT)/tools/gen-compile-commands.py --root $(ROOT) -o $(ROOT)/compile_commands.json \
		--kbuild $(B)/kmod/$(CDB_KREL) --kdir /usr/src/linux-headers-$(CDB_KREL) \
		--host-compile "$(HOST_CXX) $(HOST_CXXFLAGS) $(host-san-flags-asan)" \
		--host-objdir $(B)/host/asan $(HOST_SRCS)

# ---- style ------------------------------------------------------------------------
# The C++ core in its own style (module/core/.clang-format), except the C
# headers it shares with the glue, which are kernel style like the glue.
CLANG_FORMAT ?= clang-format
CXX_STYLE_FILES ?= $(sort $(filter-out %/lk/capi.h %/lk/os.h %/lk/interrupts.h %/lk/lk_names.h, \
	$(shell cd $(ROOT) && find module/core -name '*.cpp' -o -name '*.h')))
C_STYLE_FILES ?= $(sort $(wildcard $(addprefix $(ROOT)/,module/linux/*.[ch] module/ktest/*.[ch])))

# checkpatch.pl and its data files come from Debian's linux-source package at
# build time, as the selftests' kselftest headers do; no kernel file is kept
# in this tree. Types not checked, and why:
#  - EXPORT_SYMBOL        module/linux/exports.c exports the core's C API,
#                         whose functions are defined in C++: no export can
#                         follow its definition.
#  - BLOCK_COMMENT_STYLE  the glue's multi-line comments end with " */" on
#                         their last line (38 of them today, written so
#                         throughout the glue and the CLI): a house style.
#  - CONST_STRUCT         a false positive on the file_operations member of
#                         struct lkport_fd_kind (ioctl.h); every kind is
#                         const.
#  - CONSIDER_COMPLETION  the benchmarks measure Linux's semaphore against
#                         LK's on purpose (ktest_bench.c).
# Files whose X-macros (the uapi status list expanded into case labels and
# if-returns) checkpatch takes for statement macros; checked without
# MULTISTATEMENT_MACRO_USE_DO_WHILE, TRAILING_SEMICOLON and SPACING (the
# "case X:" of a macro body), which cannot apply to them.
CHECKPATCH_XMACRO_FILES ?= module/linux/errmap.c
CHECKPATCH_XMACRO_IGNORE := MULTISTATEMENT_MACRO_USE_DO_WHILE,TRAILING_SEMICOLON,SPACING
KSRC_TARBALL ?= $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz)))
CHECKPATCH := $(B)/checkpatch/scripts/checkpatch.pl
CHECKPATCH_IGNORE := EXPORT_SYMBOL,BLOCK_COMMENT_STYLE,CONST_STRUCT,CONSIDER_COMPLETION
CHECKPATCH_FLAGS := --no-tree -f --terse --show-types --quiet --ignore $(CHECKPATCH_IGNORE)

$(CHECKPATCH):
	@test -n "$(KSRC_TARBALL)" || { echo "style: no /usr/src/linux-source-*.tar.xz (make deps)" >&2; exit 1; }
	@mkdir -p $(B)/checkpatch
	tar -xJf $(KSRC_TARBALL) -C $(B)/checkpatch --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	@touch $@

style-cxx:
	@echo "==== clang-format --dry-run: $(words $(CXX_STYLE_FILES)) files"
	@cd $(ROOT) && $(CLANG_FORMAT) --dry-run --Werror $(CXX_STYLE_FILES)

style-c: $(CHECKPATCH)
	@echo "==== checkpatch.pl: $(words $(C_STYLE_FILES)) files"
	@cd $(ROOT) && rc=0; \
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) \
		$(filter-out $(CHECKPATCH_XMACRO_FILES),$(patsubst $(ROOT)/%,%,$(C_STYLE_FILES))) \
		>$(B)/checkpatch/report 2>&1 || rc=$$?; \
	$(if $(CHECKPATCH_XMACRO_FILES),$(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore $(CHECKPATCH_XMACRO_IGNORE) \
		$(CHECKPATCH_XMACRO_FILES) >>$(B)/checkpatch/report 2>&1 || rc=$$?;) \
	grep -v '^total: 0 errors, 0 warnings,' $(B)/checkpatch/report; exit $$rc

# Every test named <object>.<behaviour> in snake_case, in the host tests,
# ktest and the selftests.
style-names:
	@echo "==== test names"
	@$(ROOT)/tools/test-names.py --check $(ROOT)

# Every target is in make help (tools/check-help.sh).
style-help:
	@echo "==== make help lists every target"
	@$(ROOT)/tools/check-help.sh $(ROOT)

style: style-cxx style-c style-names style-help

style-fix:
	cd $(ROOT) && $(CLANG_FORMAT) -i $(CXX_STYLE_FILES)

# sparse on the C files, through Kbuild (C=2: every file, built or not). The
# C++ core is not C, so sparse never sees it.
sparse: modules-vm
	@command -v sparse >/dev/null || { echo "sparse: not installed (make deps)" >&2; exit 1; }
	@grep -v '^#' $(ROOT)/tools/sparse.allow | grep . > $(B)/sparse.allow.re
	@fail=; for k in $(VM_KRELS); do \
		echo "==== sparse on $$k"; \
		$(MAKE) --no-print-directory -C /usr/src/linux-headers-$$k M=$(B)/kmod/$$k C=2 modules \
			>$(B)/kmod/$$k/sparse.log 2>&1 || fail="$$fail $$k"; \
		grep -E 'warning:|error:' $(B)/kmod/$$k/sparse.log | sed 's|$(B)/kmod/'"$$k"'/||' | \
			sort | uniq | grep -vEf $(B)/sparse.allow.re | \
			tee $(B)/kmod/$$k/sparse.warnings; \
		[ -s $(B)/kmod/$$k/sparse.warnings ] && fail="$$fail $$k"; \
	done; \
	test -z "$$fail" || { echo "==== sparse: warnings on:$$fail"; exit 1; }

# ---- the VM ----------------------------------------------------------------------
# Everything the guest gets besides the modules, under /lkport: tools,
# selftests, benchmarks, and the peers measured in the same boot.
PEER_TOOLS := /usr/bin/pmqtest /usr/sbin/bpftool
payload: user bpf bench-user
	rm -rf $(B)/payload && mkdir -p $(B)/payload/bin
	$(MAKE) -C $(ROOT)/selftests O=$(B)/user install INSTALL_PATH=$(B)/payload/selftests >/dev/null
	cp $(B)/user/lkportctl $(B)/bpf/lkport-wakelat $(B)/payload/bin/
	cp $(ROOT)/vm/lkport-demo.sh $(ROOT)/vm/lkport-bench.sh $(ROOT)/bench/run-user-bench.sh \
		$(B)/bench/lkport-bench-* $(B)/payload/bin/
	cp $(PEER_TOOLS) $(B)/payload/bin/

initramfs = $(B)/vm/$(1)/initramfs.cpio.gz
initramfs: $(foreach k,$(VM_KRELS),$(call initramfs,$(k)))
$(B)/vm/%/initramfs.cpio.gz: $(B)/kmod/%/lkport.ko payload $(ROOT)/vm/init $(ROOT)/vm/mkinitramfs.sh
	@mkdir -p $(@D)
	$(ROOT)/vm/mkinitramfs.sh $@ $(B)/kmod/$* $(B)/payload

# The benchmarks' initramfs: the module as shipped (build/kmod-bench).
initramfs_bench = $(B)/vm/$(1)/initramfs-bench.cpio.gz
$(B)/vm/%/initramfs-bench.cpio.gz: $(B)/kmod-bench/%/lkport.ko payload $(ROOT)/vm/init $(ROOT)/vm/mkinitramfs.sh
	@mkdir -p $(@D)
	$(ROOT)/vm/mkinitramfs.sh $@ $(B)/kmod-bench/$* $(B)/payload

# The preflight's messages, each case (no build; under a second).
preflight-test:
	$(ROOT)/tools/check-preflight.sh

# lkportctl without the module (--version, every --help, usage errors):
# host only, under a second.
cli-host-test: user
	$(ROOT)/cli/test-host.sh $(B)/user/lkportctl $(ROOT)/VERSION

# How vm/run.sh judges console logs (binary bytes in them included), on
# synthetic logs: no VM, so it runs first in check.
vm-harness-test:
	$(ROOT)/tools/check-vm-log.sh

# bench/targets.sh (the table of where each performance target stands)
# on synthetic bench logs: no VM, under a second.
bench-targets-test:
	$(ROOT)/tools/check-bench-targets.sh

# Runs the selftests in a VM on every kernel; fails if any kernel fails.
# TESTS= and KTEST= narrow the run (see the top of this file).
TESTS ?= $(if $(KTEST),lkport_ktest.sh)
vm-test-args = $(if $(strip $(TESTS)),--tests "$(strip $(TESTS))") \
	$(if $(strip $(KTEST)),--append "lkport.ktest=$(subst $(space),$(comma),$(strip $(KTEST)))")
space := $(subst ,, )
comma := ,
vm-test: initramfs
	@fail=; for k in $(VM_KRELS); do \
		echo "==== VM selftests on $$k"; \
		LKPORT_VMLINUZ=$(call kernel_image_sh,$$k) \
			$(ROOT)/vm/run-selftests.sh $(vm-test-args) $$k $(call initramfs,$$k) $(B)/vm/$$k $(VM_TIMEOUT) || fail="$$fail $$k"; \
	done; \
	if [ -n "$$fail" ]; then echo "==== VM selftests FAILED on:$$fail"; exit 1; fi; \
	echo "==== VM selftests passed on: $(VM_KRELS)"

# The in-kernel tests with many more iterations, on every kernel (on demand;
# not part of check).
vm-stress: initramfs
	@fail=; for k in $(VM_KRELS); do \
		echo "==== in-kernel stress tests on $$k"; \
		$(ROOT)/vm/run.sh --mode test --timeout 3600 --log $(B)/vm/$$k/stress.log \
			--append "lkport.ktest=stress lkport.timeout=3000" --tests lkport_ktest.sh \
			$(call kernel_image_sh,$$k) $(call initramfs,$$k) || fail="$$fail $$k"; \
	done; \
	test -z "$$fail" || { echo "==== stress tests FAILED on:$$fail"; exit 1; }

# ---- your own programs in the VM ------------------------------------------------
# make vm-run PROG=path [ARGS="..."] [KREL=...]: boots the VM with lkport
# loaded and PROG (a program, or a directory of them: vm/vm-run.sh), prints
# what it prints and exits with its status (125: the VM itself failed). On
# the demo's kernel unless KREL= names others; one boot per kernel, the
# first non-zero status is the result. make vm-shell [PROG=...]: the same
# VM with a shell on this terminal. Only the module and lkportctl are
# built, not the tests.
RUN_KRELS = $(if $(KREL),$(VM_KRELS),$(DEMO_KREL))
VM_RUN_TIMEOUT ?= 600
lkportctl:
	$(MAKE) -C $(ROOT)/cli O=$(B)/user
# PROG and ARGS reach the recipe through the environment, as written
# (quotes in ARGS are for the guest's shell). $(1): the kernels, $(2):
# vm-run.sh's options.
vm-run-cmd = rc=0; for k in $(1); do \
		$(ROOT)/vm/vm-run.sh $(2) --timeout $(VM_RUN_TIMEOUT) --args "$$ARGS" --log $(B)/vm/$$k/run.log \
			$(call kernel_image_sh,$$k) $(B)/kmod/$$k $(B)/user/lkportctl $(B)/vm/$$k/run "$$PROG" || \
			{ r=$$?; [ $$rc -ne 0 ] || rc=$$r; }; \
	done; exit $$rc
vm-run: $(foreach k,$(RUN_KRELS),$(call kmod,$(k))) lkportctl
	@$(call vm-run-cmd,$(RUN_KRELS))
vm-shell: $(call kmod,$(firstword $(RUN_KRELS))) lkportctl
	@$(call vm-run-cmd,$(firstword $(RUN_KRELS)),--shell)

# ---- examples: README's own code, and a module on the kernel API ------------------
# README's marked blocks (tools/readme-examples.sh) built as README says,
# with pkg-config against liblkport installed under build/examples/prefix,
# statically, warnings as errors; examples/kmod against the demo kernel's
# headers and lkport's Module.symvers. make vm-run-test runs them all in
# one boot through make vm-run (tools/vm-run-test.sh); part of check.
README_EXAMPLES := quickstart.c quickstart.cpp
EX := $(B)/examples
EXAMPLE_KREL = $(DEMO_KREL)
EX_PKG = PKG_CONFIG_PATH=$(EX)/prefix/lib/pkgconfig pkg-config
examples: $(call kmod,$(EXAMPLE_KREL))
	$(MAKE) -C $(ROOT)/userlib O=$(B)/user install PREFIX=$(EX)/prefix >/dev/null
	$(ROOT)/tools/readme-examples.sh $(ROOT)/README.md $(EX)/src $(README_EXAMPLES)
	$(CC) -Wall -Wextra -Werror -static -o $(EX)/quickstart-c $(EX)/src/quickstart.c \
		$$($(EX_PKG) --cflags --libs lkport)
	$(CXX) -std=c++20 -Wall -Wextra -Werror -static -pthread -o $(EX)/quickstart-cxx \
		$(EX)/src/quickstart.cpp $$($(EX_PKG) --cflags --libs lkport)
	@mkdir -p $(EX)/kmod
	cp -rsf $(ROOT)/examples/kmod/. $(EX)/kmod/
	$(MAKE) -C $(call kernel_tree,$(EXAMPLE_KREL)) M=$(EX)/kmod LKPORT=$(ROOT) \
		KBUILD_EXTRA_SYMBOLS=$(B)/kmod/$(EXAMPLE_KREL)/Module.symvers modules
vm-run-test: examples lkportctl
	$(ROOT)/tools/vm-run-test.sh $(EX) $(EXAMPLE_KREL)

# ---- reliability: long fuzz and stress runs (on demand; not part of check) ----
# make fuzz [DURATION=600] [SEED=S] [KREL=...]: lkport_fuzz alone for
# DURATION seconds in one boot per VM kernel; prints the seed, the
# operations done and the verdicts. SEED replays a run (the fuzzer prints
# the line to use on a failure). make fuzz-debug (vm/debug-kernel.mk) does
# the same on the KCOV debug kernel and reports the coverage of module/.
DURATION ?= 600
SEED ?=
fuzz-env = lkport.env=LKPORT_FUZZ_DURATION=$(DURATION)$(if $(SEED),$(comma)LKPORT_FUZZ_SEED=$(SEED))
# One fuzz boot of kernel $$k: image $(1), initramfs $(2), log $(3).
fuzz-boot = $(ROOT)/vm/run.sh --mode test --quiet --timeout $$(($(DURATION) + 1800)) --log $(3) \
	--append "$(fuzz-env) lkport.timeout=$$(($(DURATION) + 1200))" --tests lkport_fuzz $(1) $(2)
# What a fuzz log says: seed, operations, coverage, verdicts.
fuzz-summary = grep -aE '^\# \# (seed|ops:|permissions:|coverage:|FAIL|replay:|worker)|^\# (not )?ok [0-9]+ fuzz' $(1) | \
	sed 's/^\# //' | awk '!seen[$$0]++'
fuzz: initramfs
	@fail=; for k in $(VM_KRELS); do \
		echo "==== fuzz on $$k for $(DURATION) s"; \
		$(call fuzz-boot,$(call kernel_image_sh,$$k),$(call initramfs,$$k),$(B)/vm/$$k/fuzz.log) || fail="$$fail $$k"; \
		$(call fuzz-summary,$(B)/vm/$$k/fuzz.log); \
	done; \
	test -z "$$fail" || { echo "==== fuzz FAILED on:$$fail (logs: $(B)/vm/KREL/fuzz.log)"; exit 1; }; \
	echo "==== fuzz passed on: $(VM_KRELS)"

# make stress: the long variants, on every VM kernel and the debug kernel
# (unless LKPORT_DEBUG_KERNEL=0 or KREL= names one kernel): per kernel one boot with
# STRESS_KILL_CYCLES SIGKILL-mid-wait cycles, STRESS_MODULE_CYCLES
# insmod/rmmod cycles with objects in between (lkport_cycles.sh) and
# STRESS_FUZZ_DURATION seconds of lkport_fuzz, then one boot of the
# in-kernel tests in stress mode (as vm-stress).
STRESS_KILL_CYCLES ?= 1000
STRESS_MODULE_CYCLES ?= 1000
STRESS_FUZZ_DURATION ?= 600
STRESS_TIMEOUT ?= 14400
# KREL= narrows it to that kernel; the debug kernel comes only without it.
STRESS_DEBUG_KREL = $(if $(KREL),,$(if $(filter-out 0,$(LKPORT_DEBUG_KERNEL)),$(DEBUG_KREL)))
STRESS_KRELS = $(VM_KRELS) $(STRESS_DEBUG_KREL)
stress-env = lkport.env=LKPORT_KILL_CYCLES=$(STRESS_KILL_CYCLES),LKPORT_MODULE_CYCLES=$(STRESS_MODULE_CYCLES),LKPORT_FUZZ_DURATION=$(STRESS_FUZZ_DURATION)$(if $(SEED),$(comma)LKPORT_FUZZ_SEED=$(SEED))
stress: initramfs $(if $(STRESS_DEBUG_KREL),$(call initramfs,$(STRESS_DEBUG_KREL)))
	@fail=; for k in $(STRESS_KRELS); do \
		echo "==== stress on $$k: $(STRESS_KILL_CYCLES) kill cycles, $(STRESS_MODULE_CYCLES) module cycles, $(STRESS_FUZZ_DURATION) s fuzz"; \
		$(ROOT)/vm/run.sh --mode test --quiet --timeout $(STRESS_TIMEOUT) --log $(B)/vm/$$k/stress-cycles.log \
			--append "$(stress-env) lkport.timeout=$(STRESS_TIMEOUT)" --tests "lkport_cycles.sh lkport_fuzz" \
			$(call kernel_image_sh,$$k) $(call initramfs,$$k) || fail="$$fail $$k"; \
		grep -aE '^\# (not )?ok [0-9]+ cycles' $(B)/vm/$$k/stress-cycles.log | sed 's/^\# //' | awk '!seen[$$0]++'; \
		$(call fuzz-summary,$(B)/vm/$$k/stress-cycles.log); \
		echo "==== in-kernel stress tests on $$k"; \
		$(ROOT)/vm/run.sh --mode test --quiet --timeout $(STRESS_TIMEOUT) --log $(B)/vm/$$k/stress.log \
			--append "lkport.ktest=stress lkport.timeout=$(STRESS_TIMEOUT)" --tests lkport_ktest.sh \
			$(call kernel_image_sh,$$k) $(call initramfs,$$k) || fail="$$fail $$k"; \
	done; \
	test -z "$$fail" || { echo "==== stress FAILED on:$$fail"; exit 1; }; \
	echo "==== stress passed on: $(STRESS_KRELS)"

# check builds (all, sparse, host-tsa) with CHECK_JOBS jobs at a time, one
# per CPU by default, unless make was given -j itself: built one at a
# time, all took 380 s of a warm check on the 2-core machine here.
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check-j = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(CHECK_JOBS))
check: deps
	$(MAKE) style
	$(MAKE) $(check-j) all
	$(MAKE) $(check-j) sparse
	$(MAKE) host-test
	$(MAKE) $(check-j) host-tsa
	$(MAKE) cli-host-test
	$(MAKE) preflight-test
	$(MAKE) install-test
	$(MAKE) dkms-test
	$(MAKE) vm-harness-test
	$(MAKE) bench-targets-test
	$(MAKE) vm-test
	$(MAKE) vm-run-test
	$(if $(filter-out 0,$(LKPORT_DEBUG_KERNEL)),$(MAKE) vm-test-debug)

# Benchmarks: host (handler table) and, per kernel, a VM boot that runs the
# in-kernel and user-space benchmarks side by side with their peers.
bench-append-words = $(if $(BENCH_ONLY),lkport.bench=user lkport.ubench_only=$(subst $(space),$(comma),$(strip $(BENCH_ONLY)))) \
	$(if $(filter 1,$(BENCH_PATH_VERBOSE)),lkport.ubench_path_verbose=1)
bench-append = $(if $(strip $(bench-append-words)),--append "$(strip $(bench-append-words))")
bench: deps
	$(MAKE) all
	$(if $(BENCH_ONLY),,-$(MAKE) host-bench)
	@fail=; logs=; for k in $(VM_KRELS); do \
		echo "==== VM benchmarks on $$k"; \
		$(MAKE) --no-print-directory $(call initramfs_bench,$$k) >/dev/null && \
		$(ROOT)/vm/run.sh --mode bench --timeout 1800 $(bench-append) --log $(B)/vm/$$k/bench.log \
			$(call kernel_image_sh,$$k) $(call initramfs_bench,$$k) || fail="$$fail $$k"; \
		logs="$$logs $(B)/vm/$$k/bench.log"; \
	done; \
	echo "==== user-space ratios, every kernel (markdown; latency rows: peer time / lkport time)"; \
	$(ROOT)/bench/results-table.sh $$logs | tee $(B)/bench-table.md; \
	echo "==== where each performance target stands (bench/targets.sh)"; \
	$(ROOT)/bench/targets.sh $$logs | tee $(B)/bench-targets.md; \
	$(ROOT)/bench/plot.sh $(B)/bench $$logs || fail="$$fail plot"; \
	test -z "$$fail" || { echo "==== benchmarks FAILED on:$$fail"; exit 1; }

# The narrow set (bench/README.md): one boot per kernel, RUNS runs in it.
# BENCH_TAG names the logs (build/vm/KREL/bench-core-TAG.log), so that runs
# of two builds can be kept side by side.
RUNS ?= 2
BENCH_TAG ?= now
bench-core:
	$(MAKE) payload
	@fail=; logs=; for k in $(VM_KRELS); do \
		echo "==== VM bench-core on $$k ($(RUNS) runs)"; \
		$(MAKE) --no-print-directory $(call initramfs_bench,$$k) >/dev/null && \
		$(ROOT)/vm/run.sh --mode bench --quiet --timeout 1200 --log $(B)/vm/$$k/bench-core-$(BENCH_TAG).log \
			--append "lkport.bench=core lkport.bench_runs=$(RUNS)" \
			$(call kernel_image_sh,$$k) $(call initramfs_bench,$$k) || fail="$$fail $$k"; \
		logs="$$logs $(B)/vm/$$k/bench-core-$(BENCH_TAG).log"; \
	done; \
	$(ROOT)/bench/core-table.sh $$logs | tee $(B)/bench-core-$(BENCH_TAG).md; \
	$(ROOT)/bench/targets.sh $$logs | tee $(B)/bench-core-targets-$(BENCH_TAG).md; \
	test -z "$$fail" || { echo "==== bench-core FAILED on:$$fail"; exit 1; }

# make demo: only what it shows, in an initramfs of its own: the module for
# one kernel, lkportctl and lkport-epoll (examples/). The build's output
# goes to build/demo-build.log (shown if it fails), the console from the
# demo's first line on (vm/run.sh).
DEMO_PAYLOAD = $(B)/demo/payload
deps-demo:
	@$(ROOT)/tools/deps.sh --demo
$(B)/demo/lkport-epoll: $(ROOT)/examples/lkport-epoll.c lkportctl
	@mkdir -p $(@D)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -static -I$(ROOT)/userlib/include -I$(ROOT)/uapi \
		-o $@ $< $(B)/user/liblkport.a
demo: deps-demo
	@mkdir -p $(B)/vm/$(DEMO_KREL)
	@echo "== building the module for $(DEMO_KREL), lkportctl and lkport-epoll (log: $(B)/demo-build.log)"
	@$(MAKE) --no-print-directory $(call kmod,$(DEMO_KREL)) $(B)/demo/lkport-epoll >$(B)/demo-build.log 2>&1 || \
		{ tail -40 $(B)/demo-build.log; echo "== demo: the build failed (log: $(B)/demo-build.log)"; exit 1; }
	@rm -rf $(DEMO_PAYLOAD) && mkdir -p $(DEMO_PAYLOAD)/bin
	@cp $(B)/user/lkportctl $(B)/demo/lkport-epoll $(ROOT)/vm/lkport-demo.sh $(DEMO_PAYLOAD)/bin/
	@$(ROOT)/vm/mkinitramfs.sh $(B)/vm/$(DEMO_KREL)/demo.cpio.gz $(B)/kmod/$(DEMO_KREL) $(DEMO_PAYLOAD)
	@echo "== booting the VM ($(DEMO_KREL), QEMU/TCG: about 10 s)"
	@$(ROOT)/vm/run.sh --mode demo --timeout 600 --log $(B)/vm/$(DEMO_KREL)/demo.log \
		$(call kernel_image,$(DEMO_KREL)) $(B)/vm/$(DEMO_KREL)/demo.cpio.gz

clean:
	rm -rf $(B)
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean 2>/dev/null
