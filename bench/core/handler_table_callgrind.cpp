// SPDX-License-Identifier: GPL-2.0
//
// Instructions per dispatch of each handler table (bench/tables.h), for
// callgrind: run under
//     valgrind --tool=callgrind --collect-atstart=no lkport-callgrind-handler-table [K]
// it performs K dispatches per table on a single thread and dumps one
// profile per table, described "<table> <K>", holding exactly those K
// dispatches (collection is switched on around the loop alone, after a
// warm-up that registers the thread with the userspace RCU and resolves
// lazy bindings). bench/callgrind.sh runs it and reads the totals.
//
// Instruction counts are deterministic, unlike times on a shared machine,
// but they see only the uncontended path: a cache line that moves between
// CPUs costs time, not instructions.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>

#include "tables.h"

namespace {

using namespace lkbench;

constexpr usize kSlot = 0;

template <class Table> __attribute__((noinline)) std::uint64_t dispatch_loop(const Table& table, long n) {
    std::uint64_t hits = 0;
    for (long i = 0; i < n; ++i) hits += table.handle(kSlot);
    return hits;
}

template <class Table> bool measure(const char* name, long k) {
    static Table table;
    static Dispatcher d;
    init_dispatcher(d);
    if (!table.register_handler(kSlot, &d.handler)) return false;
    dispatch_loop(table, 1000);

    CALLGRIND_ZERO_STATS;
    CALLGRIND_TOGGLE_COLLECT;
    std::uint64_t hits = dispatch_loop(table, k);
    CALLGRIND_TOGGLE_COLLECT;
    char desc[64];
    std::snprintf(desc, sizeof desc, "%s %ld", name, k);
    CALLGRIND_DUMP_STATS_AT(desc);

    table.unregister_handler(kSlot);
    if (hits != std::uint64_t(k) || d.count != std::uint64_t(k) + 1000) {
        std::fprintf(stderr, "%s: %llu of %ld dispatches ran the handler\n", name, (unsigned long long)hits, k);
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    long k = argc > 1 ? std::atol(argv[1]) : 100000;
    if (k <= 0) {
        std::fprintf(stderr, "usage: %s [dispatches]\n", argv[0]);
        return 2;
    }
    if (!RUNNING_ON_VALGRIND) std::fprintf(stderr, "note: not running under callgrind, nothing is measured\n");
    bool ok = measure<PlainTable>("no-sync", k) && measure<LockFreeTable>("lock-free", k) &&
              measure<SpinTable>("spinlock", k) && measure<RwLockTable>("rwlock", k);
    return ok ? 0 : 1;
}
