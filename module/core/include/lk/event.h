// SPDX-License-Identifier: GPL-2.0
//
// Event: LK's event, auto-unsignalling or persistent.
//
//  - persistent: signal() sets it and wakes every waiter; it stays signalled
//    (waits pass at once) until unsignal().
//  - EVENT_FLAG_AUTOUNSIGNAL: signal() releases exactly one thread, a
//    waiter if there is one, else the next thread to wait.
//
// Context: signal, unsignal and is_signaled never sleep and are safe from
// hard-IRQ context; wait sleeps (thread context); destroy is thread context.
#pragma once

#include <lk/wait_queue.h>

namespace lk {

inline constexpr u32 EVENT_FLAG_AUTOUNSIGNAL = 1;

class Event : Pinned, public Allocated {
  public:
    explicit Event(bool initial = false, u32 flags = 0);
    ~Event() { destroy(); }

    // Passes at once if signalled (clearing it when auto-unsignal), else
    // blocks. Deadline::none() on an unsignalled event: ERR_TIMED_OUT.
    status_t wait(Deadline deadline = Deadline::infinite(), Interruptible intr = Interruptible::No);
    status_t wait_timeout(lk_time_t ms) { return wait(Deadline::after_ms(ms)); }

    // Returns the number of threads woken. Signalling a signalled event
    // does nothing and returns 0; a shut-down one, ERR_OBJECT_DESTROYED.
    int signal();
    status_t unsignal();

    // Wakes waiters with ERR_OBJECT_DESTROYED; thread context. Idempotent.
    void destroy();

    // LK's destroy for an event others can still reach (the glue's, shared
    // by file descriptors): waiters wake with ERR_OBJECT_DESTROYED, and
    // from now on wait, signal and unsignal return it, while the object
    // stays valid until destroy() or the destructor. ERR_OBJECT_DESTROYED
    // if it was shut down already. Any context.
    status_t shutdown();
    bool is_shut_down() const;

    bool is_signaled() const;
    u32 flags() const { return flags_; }
    const ObjectTag& tag() const { return wait_.tag(); }

    // See lk::Observer.
    void set_observer(Observer o) {
        AutoSpinLock guard(lock_);
        observer_ = o;
    }
    // Threads blocked in wait(); for diagnostics.
    usize waiters() const;

  private:
    static constexpr u32 kMagic = magic('e', 'v', 'n', 't');
    void notify_locked(const AutoSpinLock&) LK_REQUIRES(lock_) {
        if (observer_.notify) observer_.notify(observer_.ctx);
    }

    u32 magic_ = kMagic;
    mutable SpinLock lock_{LKOS_LOCK_OBJECT};
    bool signaled_ LK_GUARDED_BY(lock_);
    bool shut_down_ LK_GUARDED_BY(lock_) = false;
    const u32 flags_;
    Observer observer_ LK_GUARDED_BY(lock_) = {};
    WaitQueue wait_;  // guarded by lock_ (its own annotations)
};

}  // namespace lk
