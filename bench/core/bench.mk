# SPDX-License-Identifier: GPL-2.0
#
# Host benchmarks of the C++ core (included by host.mk): optimised builds,
# no sanitizers, LK_DEBUG=0.
#
#   make host-bench   build the benchmarks into build/host/bench and run them:
#                     Google Benchmark timings of the handler tables, then
#                     callgrind instruction counts of the same dispatch paths
#
# BENCH_ARGS are passed to the Google Benchmark binary (e.g.
# BENCH_ARGS=--benchmark_filter=churn_same); BENCH_DISPATCHES is the number
# of dispatches per table under callgrind.

BENCH_DIR := $(B)/host/bench
BENCH_SRC := $(ROOT)/bench/core
BENCH_CXXFLAGS := -std=gnu++20 -O2 -g -DNDEBUG -DLK_HOST -DLK_DEBUG=0 \
	-I$(CORE)/include -I$(ROOT)/uapi -I$(CORE)/tests/host \
	-Wall -Wextra -Wno-unused-parameter -pthread -MMD -MP
BENCH_ARGS ?= --benchmark_min_time=0.2 --benchmark_repetitions=5 \
	--benchmark_report_aggregates_only=true
BENCH_DISPATCHES ?= 100000

bench-obj = $(patsubst $(ROOT)/%.cpp,$(BENCH_DIR)/obj/%.o,$(1))
BENCH_LIB_OBJS := $(call bench-obj,$(HOST_CORE_SRCS) $(CORE)/tests/host/os_host.cpp)
BENCH_GBENCH_OBJ := $(call bench-obj,$(BENCH_SRC)/handler_table_bench.cpp)
BENCH_CALLGRIND_OBJ := $(call bench-obj,$(BENCH_SRC)/handler_table_callgrind.cpp)
BENCH_GBENCH := $(BENCH_DIR)/lkport-bench-handler-table
BENCH_CALLGRIND := $(BENCH_DIR)/lkport-callgrind-handler-table

$(BENCH_DIR)/obj/%.o: $(ROOT)/%.cpp
	@mkdir -p $(@D)
	$(HOST_CXX) $(BENCH_CXXFLAGS) -c -o $@ $<

# The benchmarks' own sources build warning-free; the core is held to that
# by the host tests (at -O1), not here.
$(BENCH_GBENCH_OBJ) $(BENCH_CALLGRIND_OBJ): BENCH_CXXFLAGS += -Werror

$(BENCH_GBENCH): $(BENCH_GBENCH_OBJ) $(BENCH_LIB_OBJS)
	$(HOST_CXX) $(BENCH_CXXFLAGS) -o $@ $^ -lbenchmark -lpthread

$(BENCH_CALLGRIND): $(BENCH_CALLGRIND_OBJ) $(BENCH_LIB_OBJS)
	$(HOST_CXX) $(BENCH_CXXFLAGS) -o $@ $^ -lpthread

-include $(patsubst %.o,%.d,$(BENCH_LIB_OBJS) $(BENCH_GBENCH_OBJ) $(BENCH_CALLGRIND_OBJ))

.PHONY: host-bench
host-bench: $(BENCH_GBENCH) $(BENCH_CALLGRIND)
	@echo "==== handler table dispatch: Google Benchmark (median of repetitions)"
	$(BENCH_GBENCH) $(BENCH_ARGS)
	@sh $(BENCH_SRC)/callgrind.sh $(BENCH_CALLGRIND) $(BENCH_DIR)/callgrind $(BENCH_DISPATCHES)
