// SPDX-License-Identifier: GPL-2.0
//
// WaitQueue: LK's wait queue on Linux's scheduler.
//
// Threads block in FIFO order and are woken one at a time or all at once,
// each handed a status by its waker. A queue has no lock of its own: the
// SpinLock of the object that owns it guards it, and every method below
// ending in _locked takes the AutoSpinLock that holds that lock (interrupts
// off) as its proof; debug builds check that it is the owner's lock. (The
// queue refers to that lock, so clang's analysis cannot tell that the
// owner's lock_ and the queue's lock_ are one lock: the guard is the proof
// the compiler checks, and its debug check stands in for the analysis.)
//
// A blocked thread's entry (Waiter) lives on its own stack: queueing never
// allocates. Whether a wait ends by wake, timeout or signal is decided under
// the lock, so a timeout and a wake never both take effect.
//
// Wakes are decided under the lock (the waiter is dequeued, its status
// set, and it counts as woken whatever happens next) and carried out once
// the guard drops the lock (AutoSpinLock::defer_wake), with a reference to
// the thread: the woken thread does not wake only to spin on the lock its
// waker still holds. A waiter whose timeout fires meanwhile finds itself
// woken when it takes the lock, and returns the waker's status; the wake
// that follows finds it running, or sleeping elsewhere (a spurious
// wake-up). Wakes in hard IRQ, and past the guard's room, happen under the
// lock.
//
// Lifetime rule for owners: a thread woken with ERR_OBJECT_DESTROYED still
// holds the owner's lock when block_locked() returns and must touch nothing
// of the object after releasing it. The owner's destroy path calls
// wait_departed() before it frees the object: that returns once every woken
// thread has let go of the lock. It sleeps on a completion on its own stack;
// the last woken thread to leave completes it from its guard, right after
// it has dropped the lock (AutoSpinLock::complete_after_release).
#pragma once

#include <lk/deadline.h>
#include <lk/err.h>
#include <lk/list.h>
#include <lk/object.h>
#include <lk/spinlock.h>

namespace lk {

// What a wake is for, in tracepoints: the signal that caused it (the
// signalled object's id and seq, from 1) and when that signal started
// (lkos_trace_clock()). {} for wakes no signal caused (destroy, cancel).
struct WakeCause {
    u64 obj = 0;
    u64 seq = 0;
    u64 ts = 0;
};

class WaitQueue : Pinned {
  public:
    // lock: the owner's lock that guards this queue; tag: the owner's
    // identity in tracepoints.
    WaitQueue(SpinLock& lock, ObjectTag tag) : lock_(lock), tag_(tag) {}
    ~WaitQueue();

    // Thread context, lock held via `guard`, which this drops while asleep
    // and holds again on return. Blocks until woken (returns the waker's
    // status), the deadline passes (ERR_TIMED_OUT; Deadline::none() never
    // blocks), or, when interruptible, a signal arrives (ERR_INTERRUPTED).
    status_t block_locked(AutoSpinLock& guard, Deadline deadline, Interruptible intr = Interruptible::No);

    // Any context, lock held via `guard`. Wake the first waiter / all
    // waiters with `status`; return how many were woken.
    // `cause` only goes to the tracepoints.
    int wake_one_locked(const AutoSpinLock& guard, status_t status, WakeCause cause = {}) {
        // Nobody waiting, the common case of a write: no call.
        if (empty_locked(guard)) return 0;
        return wake_first_locked(guard, status, cause) ? 1 : 0;
    }
    int wake_all_locked(const AutoSpinLock& guard, status_t status, WakeCause cause = {});
    // As wake_one_locked, returning the thread that was woken (or nullptr);
    // for hand-off (Mutex).
    lkos_thread* wake_first_locked(const AutoSpinLock& guard, status_t status, WakeCause cause = {});

    // Any context, lock held via `guard`. Unblock `thread` if it waits
    // here: NO_ERROR, else ERR_NOT_BLOCKED.
    status_t unblock_locked(const AutoSpinLock& guard, lkos_thread* thread, status_t status);

    // Any context, lock held via `guard`. Wake everyone with
    // ERR_OBJECT_DESTROYED and invalidate the queue; later blocks fail with
    // ERR_OBJECT_DESTROYED.
    void destroy_locked(const AutoSpinLock& guard);

    // Any context, lock held via `guard`. The caller is to be counted as a
    // woken thread still on its way out (wait_departed() waits for it)
    // while it lets the lock go and takes it again, until unhold_locked(),
    // after which it must touch nothing of the owner once the guard is
    // released. For an owner whose operation drops its lock midway.
    void hold_locked(const AutoSpinLock& guard) {
        held_by(guard);
        departing_++;
    }
    void unhold_locked(AutoSpinLock& guard);

    // Thread context, lock NOT held. Returns once no thread that this queue
    // woke is still on its way out (see the lifetime rule above). One
    // caller at a time: the owner's destroy path.
    void wait_departed() LK_EXCLUDES(lock_);

    bool empty_locked(const AutoSpinLock& guard) const {
        held_by(guard);
        return waiters_.empty();
    }
    usize count_locked(const AutoSpinLock& guard) const {
        held_by(guard);
        return count_;
    }
    const ObjectTag& tag() const { return tag_; }
    // Numbers the owner's signals for tracepoints (WakeCause::seq): 1, 2,
    // ...; wraps at 2^32. Lock held via `guard`.
    u64 next_seq_locked(const AutoSpinLock& guard) {
        held_by(guard);
        return ++seq_;
    }

  private:
    struct Waiter : ListNode<> {
        lkos_thread* thread;
        status_t status;
        bool woken;
        u64 seq;  // the waker's cause, for the wait-return tracepoint
    };
    void wake_locked(const AutoSpinLock& guard, Waiter& w, status_t status, WakeCause cause) LK_REQUIRES(lock_);
    // What the guard proves, told to the analysis; checked in debug builds.
    void held_by(const AutoSpinLock& guard) const LK_ASSERT_CAPABILITY(lock_) { LK_DEBUG_ASSERT(guard.guards(lock_)); }

    static constexpr u32 kMagic = magic('w', 'a', 'i', 't');

    u32 magic_ = kMagic;
    u32 seq_ LK_GUARDED_BY(lock_) = 0;  // in the padding: embedded objects have a fixed size
    SpinLock& lock_;
    const ObjectTag tag_;
    List<Waiter> waiters_ LK_GUARDED_BY(lock_);
    usize count_ LK_GUARDED_BY(lock_) = 0;      // waiters queued
    usize departing_ LK_GUARDED_BY(lock_) = 0;  // woken, not yet back under the lock
    // wait_departed()'s, while it waits for departing_ to reach 0.
    lkos_completion* departed_ LK_GUARDED_BY(lock_) = nullptr;
};

}  // namespace lk
