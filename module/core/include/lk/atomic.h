// SPDX-License-Identifier: GPL-2.0
//
// Atomic<T>: the compiler's __atomic builtins with explicit orderings.
// The same code runs in the module and under ThreadSanitizer on the host.
#pragma once

#include <lk/types.h>

namespace lk {

enum class MemoryOrder : int {
    Relaxed = __ATOMIC_RELAXED,
    Acquire = __ATOMIC_ACQUIRE,
    Release = __ATOMIC_RELEASE,
    AcqRel = __ATOMIC_ACQ_REL,
    SeqCst = __ATOMIC_SEQ_CST,
};

template <class T> class Atomic {
    static_assert(sizeof(T) <= 8 && __atomic_always_lock_free(sizeof(T), 0),
                  "Atomic<T> is for lock-free word-sized values");

  public:
    constexpr Atomic() : v_() {}
    constexpr explicit Atomic(T v) : v_(v) {}
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;

    T load(MemoryOrder o = MemoryOrder::SeqCst) const { return __atomic_load_n(&v_, int(o)); }
    void store(T v, MemoryOrder o = MemoryOrder::SeqCst) { __atomic_store_n(&v_, v, int(o)); }
    T exchange(T v, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_exchange_n(&v_, v, int(o)); }

    // Strong compare-exchange; on failure `expected` receives the current value.
    bool compare_exchange(T& expected, T desired, MemoryOrder success = MemoryOrder::SeqCst,
                          MemoryOrder failure = MemoryOrder::SeqCst) {
        return __atomic_compare_exchange_n(&v_, &expected, desired, false, int(success), int(failure));
    }

    T fetch_add(T d, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_fetch_add(&v_, d, int(o)); }
    T fetch_sub(T d, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_fetch_sub(&v_, d, int(o)); }
    T fetch_or(T d, MemoryOrder o = MemoryOrder::SeqCst) { return __atomic_fetch_or(&v_, d, int(o)); }

  private:
    T v_;
};

}  // namespace lk
