// SPDX-License-Identifier: GPL-2.0
//
// Semaphore: LK's counting semaphore. A negative count is the number of
// waiters. Context: post never sleeps (any context, hard IRQ included);
// the waits sleep (thread context).
#pragma once

#include <lk/wait_queue.h>

namespace lk {

class Semaphore : Pinned, public Allocated {
  public:
    explicit Semaphore(int value = 0);
    ~Semaphore() { destroy(); }

    // Adds one; wakes a waiter if one is queued. Returns threads woken (0/1).
    int post();

    status_t wait(Interruptible intr = Interruptible::No) { return timedwait(Deadline::infinite(), intr); }
    // ERR_NOT_READY when the count is not positive; never blocks.
    status_t trywait();
    // On timeout (ERR_TIMED_OUT) or signal (ERR_INTERRUPTED) the count is
    // given back. Deadline::none() with no count available: ERR_TIMED_OUT.
    status_t timedwait(Deadline deadline, Interruptible intr = Interruptible::No);
    status_t timedwait_ms(lk_time_t ms) { return timedwait(Deadline::after_ms(ms)); }

    // Wakes waiters with ERR_OBJECT_DESTROYED; thread context. Idempotent.
    void destroy();

    int count() const;
    const ObjectTag& tag() const { return wait_.tag(); }

  private:
    static constexpr u32 kMagic = magic('s', 'e', 'm', 'a');

    u32 magic_ = kMagic;
    mutable SpinLock lock_{LKOS_LOCK_OBJECT};
    int count_ LK_GUARDED_BY(lock_);
    WaitQueue wait_;  // guarded by lock_ (its own annotations)
};

}  // namespace lk
