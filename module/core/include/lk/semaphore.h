// SPDX-License-Identifier: GPL-2.0
//
// Semaphore: LK's counting semaphore. A negative count is the number of
// waiters. Context: post never sleeps (any context, hard IRQ included);
// the waits sleep (thread context).
//
// The count is one atomic word. A post that finds it non-negative (nobody
// waits) and a wait that finds it positive are a single compare-exchange,
// with no lock and no call into the system, inline in the caller; anything
// else takes the lock. The count goes below zero only under the lock, by
// a waiter that queues before the lock is dropped, and comes back up only
// under it: a negative count seen by a post always means a queued waiter to
// wake. A destroyed semaphore's count is kDestroyed, on which both fast
// paths fail. While a tracer listens (lkos_trace_clock() is not 0) every
// post takes the lock, so each one is still traced with its sequence
// number.
#pragma once

#include <lk/wait_queue.h>

namespace lk {

class Semaphore : Pinned, public Allocated {
  public:
    explicit Semaphore(int value = 0);
    ~Semaphore() { destroy(); }

    // Adds one; wakes a waiter if one is queued. Returns threads woken (0/1).
    int post() {
        LK_ASSERT_MAGIC(this, kMagic);
        u64 start = lkos_trace_clock();
        if (__builtin_expect(start == 0, 1)) {
            int c = count_.load(MemoryOrder::Relaxed);
            while (c >= 0) {
                if (count_.compare_exchange(c, c + 1, MemoryOrder::Release, MemoryOrder::Relaxed)) return 0;
            }
        }
        return post_slow(start);
    }

    status_t wait(Interruptible intr = Interruptible::No) { return timedwait(Deadline::infinite(), intr); }
    // ERR_NOT_READY when the count is not positive; never blocks.
    status_t trywait() {
        LK_ASSERT_MAGIC(this, kMagic);
        return take_fast() ? NO_ERROR : trywait_slow();
    }
    // On timeout (ERR_TIMED_OUT) or signal (ERR_INTERRUPTED) the count is
    // given back. Deadline::none() with no count available: ERR_TIMED_OUT.
    status_t timedwait(Deadline deadline, Interruptible intr = Interruptible::No) {
        LK_ASSERT_MAGIC(this, kMagic);
        // The check that a wait could sleep here, in debug builds, also
        // when this one does not.
        if (LK_DEBUG && !deadline.passed()) lkos_might_sleep();
        return take_fast() ? NO_ERROR : timedwait_slow(deadline, intr);
    }
    status_t timedwait_ms(lk_time_t ms) { return timedwait(Deadline::after_ms(ms)); }

    // Wakes waiters with ERR_OBJECT_DESTROYED; thread context. Idempotent.
    void destroy();

    int count() const;
    const ObjectTag& tag() const { return wait_.tag(); }

  private:
    static constexpr u32 kMagic = magic('s', 'e', 'm', 'a');
    // Below any count waiters can make (one per thread).
    static constexpr int kDestroyed = -0x40000000;

    // One count taken without the lock, if one is there.
    bool take_fast() {
        int c = count_.load(MemoryOrder::Relaxed);
        while (c > 0) {
            if (count_.compare_exchange(c, c - 1, MemoryOrder::Acquire, MemoryOrder::Relaxed)) return true;
        }
        return false;
    }
    int post_slow(u64 start);
    status_t trywait_slow();
    status_t timedwait_slow(Deadline deadline, Interruptible intr);

    u32 magic_ = kMagic;
    mutable SpinLock lock_{LKOS_LOCK_OBJECT};
    // Changed by compare-exchange while >= 0, else only under lock_.
    Atomic<int> count_;
    WaitQueue wait_;  // guarded by lock_ (its own annotations)
};

}  // namespace lk
