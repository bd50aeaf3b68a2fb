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
//
// State: one atomic word, kSignaled while signalled, plus kSlow while the
// lock must be taken: threads are queued (or about to queue), an observer
// is set, or the event is shut down or destroyed. Without kSlow, a signal
// that finds the event unsignalled or signalled already, and a wait that
// finds it signalled, are a single atomic operation, inline in the caller,
// with no lock (the no-waiter cases of LK's semantics: the state is all
// there is to change). Everything else takes the lock and first sets kSlow
// ("freezes" the word: the fast paths then fail, so under the lock the word
// is only written by lock holders), and publishes the word again before it
// drops the lock, clearing kSlow if nothing needs it any more. A waiter
// sets kSlow before it queues, under the lock, so a signal either comes
// before (the waiter sees it and passes) or goes to the lock and wakes it:
// an auto-unsignal event still releases exactly one thread per signal.
// While a tracer listens (lkos_trace_clock() is not 0) every signal takes
// the lock, so each one is traced with its sequence number.
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
    status_t wait(Deadline deadline = Deadline::infinite(), Interruptible intr = Interruptible::No) {
        LK_ASSERT_MAGIC(this, kMagic);
        // The check that a wait could sleep here, in debug builds, also
        // when this one does not.
        if (LK_DEBUG && !deadline.passed()) lkos_might_sleep();
        u32 s = state_.load(MemoryOrder::Acquire);
        if (s == kSignaled) {
            // Persistent: it stays signalled. Auto-unsignal: whoever clears
            // it is the one thread this signal releases.
            if (!(flags_ & EVENT_FLAG_AUTOUNSIGNAL)) return NO_ERROR;
            if (state_.compare_exchange(s, 0, MemoryOrder::Acquire, MemoryOrder::Relaxed)) return NO_ERROR;
        }
        return wait_slow(deadline, intr);
    }
    status_t wait_timeout(lk_time_t ms) { return wait(Deadline::after_ms(ms)); }

    // Returns the number of threads woken. Signalling a signalled event
    // does nothing and returns 0; a shut-down one, ERR_OBJECT_DESTROYED.
    int signal() {
        LK_ASSERT_MAGIC(this, kMagic);
        u64 start = lkos_trace_clock();
        if (__builtin_expect(start == 0, 1)) {
            // Nobody waits: set it (or find it set: nothing to do).
            u32 s = state_.load(MemoryOrder::Relaxed);
            if (s == 0) state_.compare_exchange(s, kSignaled, MemoryOrder::Release, MemoryOrder::Relaxed);
            if (s == 0 || s == kSignaled) return 0;
        }
        return signal_slow(start);
    }
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

    bool is_signaled() const { return state_.load(MemoryOrder::Acquire) & kSignaled; }
    u32 flags() const { return flags_; }
    const ObjectTag& tag() const { return wait_.tag(); }

    // See lk::Observer.
    void set_observer(Observer o) {
        AutoSpinLock guard(lock_);
        u32 s = freeze_locked(guard);
        observer_ = o;
        publish_locked(guard, s & kSignaled);
    }
    // Threads blocked in wait(); for diagnostics.
    usize waiters() const;

  private:
    static constexpr u32 kMagic = magic('e', 'v', 'n', 't');
    static constexpr u32 kSignaled = 1;
    static constexpr u32 kSlow = 2;

    status_t wait_slow(Deadline deadline, Interruptible intr);
    int signal_slow(u64 start);
    void notify_locked(const AutoSpinLock&) LK_REQUIRES(lock_) {
        if (observer_.notify) observer_.notify(observer_.ctx);
    }
    // Sets kSlow, so that only lock holders change the word; returns it as
    // it was (kSignaled tells whether the event is signalled).
    u32 freeze_locked(const AutoSpinLock&) LK_REQUIRES(lock_) { return state_.fetch_or(kSlow, MemoryOrder::Acquire); }
    // The state with the lock about to be dropped; kSlow stays while
    // anything needs the lock. Frozen (freeze_locked) before.
    void publish_locked(const AutoSpinLock& guard, bool signaled) LK_REQUIRES(lock_) {
        bool slow = !wait_.empty_locked(guard) || observer_.notify || shut_down_ || magic_ != kMagic;
        state_.store((signaled ? kSignaled : 0) | (slow ? kSlow : 0), MemoryOrder::Release);
    }

    u32 magic_ = kMagic;
    mutable SpinLock lock_{LKOS_LOCK_OBJECT};
    // kSignaled | kSlow; see above. Without kSlow it changes by atomic
    // operations anywhere, with it only under lock_.
    Atomic<u32> state_;
    bool shut_down_ LK_GUARDED_BY(lock_) = false;
    const u32 flags_;
    Observer observer_ LK_GUARDED_BY(lock_) = {};
    WaitQueue wait_;  // guarded by lock_ (its own annotations)
};

}  // namespace lk
