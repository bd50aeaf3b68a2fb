// SPDX-License-Identifier: GPL-2.0
//
// The handler tables the host benchmarks compare. All have the interface of
// lk::HandlerTable<N> (register_handler / handle / unregister_handler /
// take) and hold the same `const lk::Handler*` slots; they differ only in
// how a dispatcher synchronises with a writer:
//
//   LockFreeTable  lk::HandlerTable itself: an acquire load of the slot inside
//                  a dispatch section (on the host, os_host.cpp's userspace
//                  RCU; in the module, rcu_read_lock).
//   SpinTable      the slots under a spinlock, the handler called with it held.
//   RwLockTable    the slots under a pthread reader-writer lock, the handler
//                  called with the read side held.
//   PlainTable     no synchronisation at all: not thread-safe, only the floor
//                  the instruction counts are measured against.
//
// Holding the lock across the call is what makes unregister_handler()
// synchronous in the locked tables: once the writer has the lock, no
// dispatcher can still be running the old handler. The lock-free table
// gets the same guarantee from a grace period instead.
//
// Layout: each table is cache-line aligned, its lock (if any) has a line of
// its own and the slots start on the next line, so every table reads the
// slot from a line that only slot writers touch.
#pragma once

#include <lk/handler_table.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>

namespace lkbench {

using lk::Handler;
using lk::usize;

constexpr usize kSlots = 64;
constexpr usize kLine = 64;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// The cheapest correct spinlock, so that the comparison does not flatter
// the lock-free table: uncontended it costs one locked exchange to take and
// a plain store to release, as the kernel's spinlock_t does. (lk::SpinLock on
// the host also records its holder's CPU through a thread-local id and
// keeps per-thread depth counts, costs the kernel's spinlock does not have.)
// Waiters spin on a plain load (test-and-test-and-set) so that they do not
// take the line away from the holder, and yield after a while: unlike a
// kernel spinlock, which disables preemption, the holder of a user-space
// lock can be preempted, and spinning would waste the rest of the slice.
class TtasSpinLock {
  public:
    void lock() {
        while (locked_.exchange(true, std::memory_order_acquire)) {
            for (int spins = 0; locked_.load(std::memory_order_relaxed);) {
                if (++spins < 256) {
                    cpu_relax();
                } else {
                    sched_yield();
                    spins = 0;
                }
            }
        }
    }
    void unlock() { locked_.store(false, std::memory_order_release); }

  private:
    std::atomic<bool> locked_{false};
};

class alignas(kLine) LockFreeTable : public lk::HandlerTable<kSlots> {
  public:
    // A removed handler may still be running until a grace period has
    // passed (see lk/handler_table.h).
    static constexpr bool kNeedsGracePeriod = true;
};
static_assert(sizeof(LockFreeTable) == kSlots * sizeof(void*));

class alignas(kLine) SpinTable {
  public:
    static constexpr bool kNeedsGracePeriod = false;

    bool register_handler(usize idx, const Handler* h) {
        if (idx >= kSlots || !h) return false;
        lock_.lock();
        bool ok = slots_[idx] == nullptr;
        if (ok) slots_[idx] = h;
        lock_.unlock();
        return ok;
    }

    bool handle(usize idx) const {
        if (idx >= kSlots) return false;
        lock_.lock();
        const Handler* h = slots_[idx];
        if (h) h->fn(h->ctx);
        lock_.unlock();
        return h != nullptr;
    }

    // Once the lock is taken no dispatcher runs the old handler: no wait.
    const Handler* unregister_handler(usize idx) { return take(idx); }

    const Handler* take(usize idx) {
        if (idx >= kSlots) return nullptr;
        lock_.lock();
        const Handler* old = slots_[idx];
        slots_[idx] = nullptr;
        lock_.unlock();
        return old;
    }

  private:
    alignas(kLine) mutable TtasSpinLock lock_;
    alignas(kLine) const Handler* slots_[kSlots] = {};
};

// glibc's reader side is not free even without writers: rdlock adds a
// reader to the lock word with an atomic RMW and unlock removes it with
// another (a compare-exchange loop), both on the one line every reader
// shares. Readers thus exclude one another at the cache-line level, and
// with two dispatching CPUs that line moves between them on every call:
// the cost a spinlock has, twice over. The default rwlock prefers readers,
// so continuous dispatch can also starve the writer.
class alignas(kLine) RwLockTable {
  public:
    static constexpr bool kNeedsGracePeriod = false;

    RwLockTable() = default;
    RwLockTable(const RwLockTable&) = delete;
    RwLockTable& operator=(const RwLockTable&) = delete;
    ~RwLockTable() { pthread_rwlock_destroy(&lock_); }

    bool register_handler(usize idx, const Handler* h) {
        if (idx >= kSlots || !h) return false;
        pthread_rwlock_wrlock(&lock_);
        bool ok = slots_[idx] == nullptr;
        if (ok) slots_[idx] = h;
        pthread_rwlock_unlock(&lock_);
        return ok;
    }

    bool handle(usize idx) const {
        if (idx >= kSlots) return false;
        pthread_rwlock_rdlock(&lock_);
        const Handler* h = slots_[idx];
        if (h) h->fn(h->ctx);
        pthread_rwlock_unlock(&lock_);
        return h != nullptr;
    }

    const Handler* unregister_handler(usize idx) { return take(idx); }

    const Handler* take(usize idx) {
        if (idx >= kSlots) return nullptr;
        pthread_rwlock_wrlock(&lock_);
        const Handler* old = slots_[idx];
        slots_[idx] = nullptr;
        pthread_rwlock_unlock(&lock_);
        return old;
    }

  private:
    alignas(kLine) mutable pthread_rwlock_t lock_ = PTHREAD_RWLOCK_INITIALIZER;
    alignas(kLine) const Handler* slots_[kSlots] = {};
};

// Dispatch with no synchronisation: single-threaded use only.
class alignas(kLine) PlainTable {
  public:
    static constexpr bool kNeedsGracePeriod = false;

    bool register_handler(usize idx, const Handler* h) {
        if (idx >= kSlots || !h || slots_[idx]) return false;
        slots_[idx] = h;
        return true;
    }
    bool handle(usize idx) const {
        if (idx >= kSlots) return false;
        const Handler* h = slots_[idx];
        if (h) h->fn(h->ctx);
        return h != nullptr;
    }
    const Handler* unregister_handler(usize idx) { return take(idx); }
    const Handler* take(usize idx) {
        if (idx >= kSlots) return nullptr;
        const Handler* old = slots_[idx];
        slots_[idx] = nullptr;
        return old;
    }

  private:
    const Handler* slots_[kSlots] = {};
};

// One per dispatching thread: its Handler and the counter the handler bumps
// share a line that no other thread writes, so the handler's work is the
// same trivial, miss-free increment whatever the table.
struct alignas(kLine) Dispatcher {
    Handler handler;
    std::uint64_t count;
};

inline void count_dispatch(void* ctx) { ++*static_cast<std::uint64_t*>(ctx); }

inline void init_dispatcher(Dispatcher& d) {
    d.count = 0;
    d.handler = Handler{count_dispatch, &d.count};
}

}  // namespace lkbench
