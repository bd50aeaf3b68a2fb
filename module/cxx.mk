# SPDX-License-Identifier: GPL-2.0
#
# Compiling lkport's C++ objects inside Kbuild.
#
# Flags are derived from the kernel's own KBUILD_* flags, so code generation
# (retpolines, return thunks, SLS, IBT/CET, stack protector, mcount/fentry,
# patchable entries, no SSE, kernel code model) always matches the kernel
# being built for. Only C-only warnings and the C standard are filtered out;
# -Werror turns any flag g++ does not understand into a build failure, so the
# filter cannot silently fall behind a new kernel.
#
# Kbuild's c_flags are not used: they force-include kernel headers, and C++
# files never see a kernel header. uapi/ is on the path for the status list
# (linux/lkport_status.h), which includes nothing.
#
# Debug info is split (-gsplit-dwarf): types and locations of C++ code live in
# the .dwo files beside the objects, the .ko keeps line tables. pahole, which
# cannot read C++ DWARF, then sees only the C glue's types and module BTF is
# generated as usual on kernels that ship vmlinux.

lkport-cxx-compiler = $(if $(findstring clang,$(CC)),$(subst clang,clang++,$(CC)),$(subst gcc,g++,$(CC)))

lkport-cxx-c-only := \
	-std=% -Wstrict-prototypes -Wdeclaration-after-statement \
	-Werror=implicit-function-declaration -Werror=implicit-int \
	-Werror=strict-prototypes -Werror=incompatible-pointer-types \
	-Werror=designated-init -Wno-pointer-sign -Wmissing-prototypes \
	-Wold-style-definition -Wenum-conversion -Wno-override-init \
	-Wno-old-style-declaration -Wnested-externs \
	-g -gdwarf-% -g%

# KCOV: Kbuild adds CFLAGS_KCOV to the C objects of a kernel built with
# CONFIG_KCOV_INSTRUMENT_ALL (the debug kernel); the C++ objects get it too,
# so coverage-guided fuzzing sees the core and not only the glue.
lkport-cxx-kcov = $(if $(filter y,$(CONFIG_KCOV)),$(if $(patsubst n%,,$(KCOV_INSTRUMENT)$(CONFIG_KCOV_INSTRUMENT_ALL)),$(CFLAGS_KCOV)))

lkport-cxxflags = \
	$(filter-out $(lkport-cxx-c-only), \
		$(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) $(KBUILD_CFLAGS_MODULE)) \
	-std=gnu++20 -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-use-cxa-atexit -fno-unwind-tables -fno-asynchronous-unwind-tables \
	-nostdinc -nostdinc++ -Werror -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wnon-virtual-dtor -Wold-style-cast \
	-g -gsplit-dwarf \
	-I$(src)/module/core/include -I$(src)/uapi $(lkport-cxx-debug) $(lkport-cxx-kcov) \
	$(lkport-current-task) \
	$(LKPORT_CXXFLAGS)

# Every C++ object must stay free of what the kernel cannot run: global
# constructors (no CONFIG_CONSTRUCTORS), unwind tables and the C++ runtime's
# exception, RTTI and guard entry points.
lkport-cxx-check = $(CONFIG_SHELL) $(src)/tools/check-cxx-object.sh $(NM) $(OBJDUMP) $@

quiet_cmd_cxx_o_cpp = CXX [M]  $@
      cmd_cxx_o_cpp = $(lkport-cxx-compiler) -Wp,-MMD,$(depfile) \
		$(lkport-cxxflags) -c -o $@ $< $(cmd_objtool) ; \
		$(lkport-cxx-check)

$(addprefix $(obj)/,$(lkport-cxx)): $(obj)/%.o: $(src)/%.cpp FORCE
	$(call if_changed_dep,cxx_o_cpp)

targets += $(lkport-cxx)
clean-files += $(lkport-cxx:.o=.dwo)
