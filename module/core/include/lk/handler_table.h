// SPDX-License-Identifier: GPL-2.0
//
// HandlerTable<N>: ArceOS's lock-free table of event handlers, for dispatch
// from any context, hard IRQ included.
//
//   register_handler(idx, h)  compare-exchange empty -> h: never replaces an
//                             installed handler; false if idx >= N or taken
//   handle(idx)               acquire-load and call; false if empty or idx >= N
//   unregister_handler(idx)   swap with empty, then wait until no CPU still
//                             runs the old handler; returns it (or nullptr)
//   take(idx)                 the swap alone, for any context
//
// ArceOS stores bare function pointers. Here a slot points to a Handler that
// carries a context, which makes two orderings matter that a bare function
// pointer does not need:
//   - publication: register_handler's compare-exchange has release
//     semantics and handle's load acquire semantics, so a dispatcher that
//     sees the pointer also sees the Handler and its context as they were
//     written before registration;
//   - retirement: handle() runs the handler inside a dispatch section
//     (lkos_dispatch_enter/exit: an RCU read-side section in the module), and
//     unregister_handler() waits for a grace period after the swap, so when
//     it returns no CPU can still be running the old handler and its
//     Handler and context may be freed. take() skips that wait; its caller
//     must call lkos_dispatch_sync() before freeing.
//
// The table is a plain array of atomic words, zero when empty: constexpr-
// constructible, so a static table is constant-initialised (no global
// constructor) and usable before any init code runs.
#pragma once

#include <lk/atomic.h>

namespace lk {

struct Handler {
    void (*fn)(void* ctx);
    void* ctx;
};

template <usize N> class HandlerTable {
  public:
    constexpr HandlerTable() = default;
    HandlerTable(const HandlerTable&) = delete;
    HandlerTable& operator=(const HandlerTable&) = delete;

    static constexpr usize size() { return N; }

    // Any context. `h` must stay valid until unregistered (see above).
    bool register_handler(usize idx, const Handler* h) {
        if (idx >= N || !h) return false;
        const Handler* expected = nullptr;
        return slots_[idx].compare_exchange(expected, h, MemoryOrder::Release, MemoryOrder::Relaxed);
    }

    // Any context, hard IRQ included. Calls the handler in idx, if any.
    bool handle(usize idx) const {
        if (idx >= N) return false;
        lkos_dispatch_enter();
        const Handler* h = slots_[idx].load(MemoryOrder::Acquire);
        if (h) h->fn(h->ctx);
        lkos_dispatch_exit();
        return h != nullptr;
    }

    // Thread context; sleeps for a grace period when a handler was removed.
    const Handler* unregister_handler(usize idx) {
        const Handler* old = take(idx);
        if (old) lkos_dispatch_sync();
        return old;
    }

    // Any context. Removes the handler without waiting for running
    // dispatches: call lkos_dispatch_sync() before freeing it.
    const Handler* take(usize idx) {
        if (idx >= N) return nullptr;
        return slots_[idx].exchange(nullptr, MemoryOrder::AcqRel);
    }

    // Any context; a snapshot.
    bool is_registered(usize idx) const { return idx < N && slots_[idx].load(MemoryOrder::Acquire) != nullptr; }

  private:
    Atomic<const Handler*> slots_[N] = {};
};

}  // namespace lk
