# SPDX-License-Identifier: GPL-2.0
#
# The VM debug kernel (tools/debug-kernel.sh, vm/debug-kernel.config): a
# KASAN/lockdep/kmemleak build of Debian's linux-source-6.1, cached outside
# the clone, and where the Makefile finds each VM kernel's image and build
# tree. Included by the top-level Makefile after VM_KRELS is set.
#
#   make debug-kernel      build the cached debug kernel unless it is there
#   make vm-test-debug     the selftests (and in-kernel tests) on it (TESTS=,
#                          KTEST= narrow it as for vm-test)
#   LKPORT_DEBUG_KERNEL=0  leave the debug kernel out of everything
#   LKPORT_CACHE=DIR       the cache root (default /var/cache/lkport)

DEBUG_KERNEL_SH := $(ROOT)/tools/debug-kernel.sh
LKPORT_DEBUG_KERNEL ?= 1
export LKPORT_CACHE

ifneq ($(LKPORT_DEBUG_KERNEL),0)
# Names only: nothing is built at parse time. Empty if linux-source-6.1 is
# not installed yet (make deps installs it; check re-reads this afterwards).
DEBUG_KREL := $(shell $(DEBUG_KERNEL_SH) krel 2>/dev/null)
DEBUG_KDIR := $(shell $(DEBUG_KERNEL_SH) dir 2>/dev/null)
endif

# Per kernel release: the image the VM boots and the tree modules build
# against. Debian kernels: $(VM_BOOT) (/boot) and /usr/src as ever; the
# debug kernel: its cache entry.
is_debug_krel = $(and $(DEBUG_KREL),$(filter $(DEBUG_KREL),$(1)))
kernel_image = $(if $(call is_debug_krel,$(1)),$(DEBUG_KDIR)/vmlinuz-$(1),$(VM_BOOT)/vmlinuz-$(1))
kernel_tree = $(if $(call is_debug_krel,$(1)),$(DEBUG_KDIR)/linux,/usr/src/linux-headers-$(1))
# The same for a release in a shell variable of a recipe ($(call
# kernel_image_sh,$$k)).
ifneq ($(DEBUG_KREL),)
kernel_image_sh = "$$(if [ "$(1)" = $(DEBUG_KREL) ]; then echo $(DEBUG_KDIR)/vmlinuz-$(1); else echo $(VM_BOOT)/vmlinuz-$(1); fi)"
else
kernel_image_sh = $(VM_BOOT)/vmlinuz-$(1)
endif

.PHONY: debug-kernel vm-test-debug
debug-kernel:
	@test -n "$(DEBUG_KREL)" || { echo "debug kernel disabled or linux-source-6.1 missing (make deps)" >&2; exit 1; }
	$(DEBUG_KERNEL_SH) build

ifneq ($(DEBUG_KREL),)
# The module for the debug kernel needs its built tree; COMPLETE appears
# when the build is done (and only then).
$(DEBUG_KDIR)/COMPLETE:
	$(DEBUG_KERNEL_SH) build
$(B)/kmod/$(DEBUG_KREL)/lkport.ko: $(DEBUG_KDIR)/COMPLETE
endif

# KASAN, lockdep and kmemleak make the guest several times slower under TCG
# (measured on 2 shared cores: 43-80 s to /init; the SMP boot 468 s, the
# tracing boot 118 s in all): each boot gets VM_DEBUG_TIMEOUT, each test in
# it DEBUG_TEST_TIMEOUT. acpi=noirq: the firmware's PCI routing method (_PRT,
# run each time a driver enables a device) ran past ACPICA's loop timeout
# under KASAN on TCG; the PIRQ table routes the same lines.
VM_DEBUG_TIMEOUT ?= 2400
DEBUG_TEST_TIMEOUT ?= 1200
vm-test-debug: $(if $(DEBUG_KREL),$(B)/vm/$(DEBUG_KREL)/initramfs.cpio.gz)
	@test -n "$(DEBUG_KREL)" || { echo "debug kernel disabled or linux-source-6.1 missing (make deps)" >&2; exit 1; }
	@echo "==== VM selftests on $(DEBUG_KREL)"
	LKPORT_VMLINUZ=$(call kernel_image,$(DEBUG_KREL)) LKPORT_VM_APPEND="lkport.timeout=$(DEBUG_TEST_TIMEOUT) acpi=noirq" \
		$(ROOT)/vm/run-selftests.sh $(vm-test-args) $(DEBUG_KREL) $(B)/vm/$(DEBUG_KREL)/initramfs.cpio.gz \
		$(B)/vm/$(DEBUG_KREL) $(VM_DEBUG_TIMEOUT)

# lkport_fuzz on the debug kernel for DURATION seconds (SEED= as for make
# fuzz), with KCOV guidance; then the share of the module's instrumented
# call sites it reached, per directory and file (tools/fuzz-coverage.py on
# the lkport.ko built for this kernel).
.PHONY: fuzz-debug
fuzz-debug: $(if $(DEBUG_KREL),$(B)/vm/$(DEBUG_KREL)/initramfs.cpio.gz)
	@test -n "$(DEBUG_KREL)" || { echo "debug kernel disabled or linux-source-6.1 missing (make deps)" >&2; exit 1; }
	@echo "==== fuzz on $(DEBUG_KREL) for $(DURATION) s"
	@k=$(DEBUG_KREL); fail=; \
	$(call fuzz-boot,$(call kernel_image,$(DEBUG_KREL)),$(B)/vm/$(DEBUG_KREL)/initramfs.cpio.gz,$(B)/vm/$(DEBUG_KREL)/fuzz.log) || fail=1; \
	$(call fuzz-summary,$(B)/vm/$(DEBUG_KREL)/fuzz.log); \
	$(ROOT)/tools/fuzz-coverage.py $(B)/kmod/$(DEBUG_KREL) $(B)/vm/$(DEBUG_KREL)/fuzz.log; \
	test -z "$$fail" || { echo "==== fuzz FAILED on $(DEBUG_KREL) (log: $(B)/vm/$(DEBUG_KREL)/fuzz.log)"; exit 1; }
