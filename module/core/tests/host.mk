# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests and benchmarks of the C++ core (included by the top-level
# Makefile). The core's own sources, unchanged, are compiled for user space
# against tests/host/os_host.cpp (lk/os.h on std::thread) and tested with
# GoogleTest, once under ThreadSanitizer and once under AddressSanitizer +
# UndefinedBehaviorSanitizer.
#
#   make host        build the test binaries
#   make host-test   run them (fails if any test fails or none ran);
#                    FILTER=PATTERN runs only the tests it matches
#                    (--gtest_filter: suite.name, '*' wildcards, ':' lists,
#                    '-' excludes), e.g. FILTER='event.*'
#   make host-tsa    clang's thread-safety analysis of the same sources

HOST_CXX ?= g++
CORE := $(ROOT)/module/core
HOST_CORE_SRCS := $(filter-out $(CORE)/new.cpp,$(wildcard $(CORE)/*.cpp))
HOST_TEST_SRCS := $(wildcard $(CORE)/tests/*.cpp)
HOST_SRCS := $(HOST_CORE_SRCS) $(CORE)/tests/host/os_host.cpp $(HOST_TEST_SRCS)
HOST_CXXFLAGS := -std=gnu++20 -O1 -g -DLK_HOST -DLK_DEBUG=1 \
	-I$(CORE)/include -I$(ROOT)/uapi -I$(CORE)/tests/host -I$(CORE)/tests \
	-Wall -Wextra -Werror -Wno-unused-parameter -pthread -MMD -MP
HOST_SANITIZERS := tsan asan
host-san-flags-tsan := -fsanitize=thread
host-san-flags-asan := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

host-obj = $(patsubst $(ROOT)/%.cpp,$(B)/host/$(1)/%.o,$(HOST_SRCS))
host-bin = $(B)/host/$(1)/lkport-core-tests

define host-rules
$(B)/host/$(1)/%.o: $(ROOT)/%.cpp
	@mkdir -p $$(@D)
	$$(HOST_CXX) $$(HOST_CXXFLAGS) $$(host-san-flags-$(1)) -c -o $$@ $$<

$(call host-bin,$(1)): $(call host-obj,$(1))
	$$(HOST_CXX) $$(HOST_CXXFLAGS) $$(host-san-flags-$(1)) -o $$@ $$^ -lgtest

-include $(patsubst %.o,%.d,$(call host-obj,$(1)))
endef
$(foreach s,$(HOST_SANITIZERS),$(eval $(call host-rules,$(s))))

host: $(foreach s,$(HOST_SANITIZERS),$(call host-bin,$(s)))

host-test-filter = $(if $(FILTER),--gtest_filter='$(FILTER)')

# TSan on gcc 12 cannot map its shadow with the high mmap randomisation of
# recent kernels: run without address-space randomisation.
host-test: host
	@set -e; for s in $(HOST_SANITIZERS); do \
		echo "==== host unit tests ($$s)"; \
		rc=0; setarch -R $(call host-bin,$$s) --gtest_brief=1 $(host-test-filter) >$(B)/host/$$s/test.log 2>&1 || rc=$$?; \
		cat $(B)/host/$$s/test.log; \
		if [ $$rc -ne 0 ] || ! grep -Eq '^\[  PASSED  \] [1-9][0-9]* test' $(B)/host/$$s/test.log; then \
			echo "host unit tests ($$s) failed or ran no test"; exit 1; fi; \
	done

# The lock annotations (lk/thread_annotations.h) are empty under gcc; clang
# checks them. Every host source, core, shim and tests, is compiled with
# clang++ -Wthread-safety -Werror, syntax only (nothing is linked or run):
# touching a field marked LK_GUARDED_BY(lock_), or calling a function
# marked LK_REQUIRES(lock_), without a guard on that lock fails the build.
# spinlock_test takes and drops locks by hand through gtest's macros,
# which the analysis cannot follow: it is compiled without the analysis.
HOST_TSA_CXX ?= clang++
HOST_TSA_FLAGS := $(filter-out -MMD -MP -pthread,$(HOST_CXXFLAGS)) -fsyntax-only -Wthread-safety
host-tsa-flags-spinlock_test := -Wno-thread-safety-analysis

$(B)/host/tsa/%.ok: $(ROOT)/%.cpp
	@mkdir -p $(@D)
	$(HOST_TSA_CXX) $(HOST_TSA_FLAGS) $(host-tsa-flags-$(basename $(notdir $<))) -MMD -MP -MF $(@:.ok=.d) -MT $@ $<
	@touch $@

HOST_TSA_STAMPS := $(patsubst $(ROOT)/%.cpp,$(B)/host/tsa/%.ok,$(HOST_SRCS))
host-tsa: $(HOST_TSA_STAMPS)
-include $(HOST_TSA_STAMPS:.ok=.d)

# Host benchmarks (Google Benchmark, callgrind): make host-bench
-include $(ROOT)/bench/core/bench.mk
