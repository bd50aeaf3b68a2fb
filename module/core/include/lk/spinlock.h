// SPDX-License-Identifier: GPL-2.0
//
// SpinLock: the system's spinlock (raw_spinlock_t in the module, which
// spins on PREEMPT_RT too) with LK's C++ interface, plus the RAII guards
// LK offers:
//   AutoSpinLock           disables local interrupts and restores them;
//                          usable in any context, including hard IRQ
//   AutoSpinLockNoIrqSave  leaves interrupts alone; only for locks never
//                          taken from interrupt context
// Nothing here sleeps or allocates.
//
// For clang's thread-safety analysis (lk/thread_annotations.h) a SpinLock
// is a capability and the guards are scoped capabilities: a field marked
// LK_GUARDED_BY(lock_) may only be touched, and a function marked
// LK_REQUIRES(lock_) only called, while a guard on lock_ is alive.
#pragma once

#include <lk/atomic.h>
#include <lk/debug.h>
#include <lk/err.h>
#include <lk/thread_annotations.h>
#include <lk/types.h>

namespace lk {

class LK_CAPABILITY("spinlock") SpinLock : Pinned {
  public:
    explicit SpinLock(lkos_lock_class cls = LKOS_LOCK_GENERIC) { lkos_spin_init(&raw_, cls); }

    // Any context. The non-irqsave forms must not be used on a lock that
    // an interrupt handler also takes.
    void lock() LK_ACQUIRE() {
        lkos_spin_lock(&raw_);
        mark_held();
    }
    // LK's convention: 0 when the lock was taken, ERR_BUSY when not.
    int trylock() LK_TRY_ACQUIRE(0) {
        if (!lkos_spin_trylock(&raw_)) return ERR_BUSY;
        mark_held();
        return 0;
    }
    void unlock() LK_RELEASE() {
        mark_released();
        lkos_spin_unlock(&raw_);
    }
    unsigned long lock_irqsave() LK_ACQUIRE() {
        unsigned long flags = lkos_spin_lock_irqsave(&raw_);
        mark_held();
        return flags;
    }
    int trylock_irqsave(unsigned long* flags) LK_TRY_ACQUIRE(0) {
        if (!lkos_spin_trylock_irqsave(&raw_, flags)) return ERR_BUSY;
        mark_held();
        return 0;
    }
    void unlock_irqrestore(unsigned long flags) LK_RELEASE() {
        mark_released();
        lkos_spin_unlock_irqrestore(&raw_, flags);
    }

#if LK_DEBUG
    // Held by the CPU this runs on (LK's spin_lock_held). Meaningful when
    // the answer cannot change under the caller: asserting that one holds
    // a lock, or that one does not. Debug builds only (and the host
    // tests): it costs every acquire a call for the CPU's number, and no
    // shipped code asks it (the C API does not offer it; the core checks
    // what a guard holds with AutoSpinLock::guards()).
    bool is_held() const { return holder_.load(MemoryOrder::Relaxed) == lkos_cpu_id() + 1; }
#endif

  private:
#if LK_DEBUG
    void mark_held() { holder_.store(lkos_cpu_id() + 1, MemoryOrder::Relaxed); }
    void mark_released() { holder_.store(0, MemoryOrder::Relaxed); }
#else
    void mark_held() {}
    void mark_released() {}
#endif

    lkos_spinlock raw_;
#if LK_DEBUG
    Atomic<unsigned int> holder_{0};  // CPU + 1 while held, 0 when free
#endif
};

// Threads woken under a lock, to be woken for real once it is dropped
// (WaitQueue): a thread woken with the lock held would first spin on it.
// Fixed room, on the guard's stack; a wake that finds no room, or comes
// in hard IRQ, happens at once, under the lock, as before. The lock is
// dropped with interrupts still off, and they stay off until the wakes
// are made: that keeps the noted threads' memory there (lk/os.h).
class DeferredWakes : Pinned {
  public:
    static constexpr int kMax = 4;
    DeferredWakes() = default;
    // Keeps the wake for flush_irqrestore(); false when it cannot (full,
    // or hard IRQ): then the caller wakes `t` now.
    bool add(lkos_thread* t, const lkos_wake_trace& trace) {
        if (n_ == kMax || !lkos_wake_can_defer()) return false;
        wakes_[n_].thread = t;
        wakes_[n_].trace = trace;
        n_++;
        return true;
    }
    bool empty() const { return n_ == 0; }
    // Lock dropped, interrupts still off: wake each, in the order they
    // were woken, then restore the interrupts as `flags` says.
    void flush_irqrestore(unsigned long flags) {
        lkos_wake_deferred_irqrestore(wakes_, n_, flags);
        n_ = 0;
    }

  private:
    int n_ = 0;
    lkos_deferred_wake wakes_[kMax];
};

// Holds a SpinLock with local interrupts disabled for its scope.
//
// Functions named *_locked take the guard (AutoSpinLock&) as their proof
// that the lock is held: they cannot be called without one, and debug
// builds check that it guards the right lock.
//
// Wakes made under the guard (WaitQueue's) are deferred to the moment it
// drops the lock: release(), the destructor, or drop_for_block().
class LK_SCOPED_CAPABILITY AutoSpinLock : Pinned {
  public:
    explicit AutoSpinLock(SpinLock& lock) LK_ACQUIRE(lock) : lock_(&lock), flags_(lock.lock_irqsave()) {}
    ~AutoSpinLock() LK_RELEASE() { release(); }

    // Early unlock; the destructor then does nothing. Then, if one was
    // asked for, completes the completion (see complete_after_release()),
    // then wakes the threads woken under the lock (defer_wake()). Neither
    // touches the object the lock belongs to, which may be gone by then.
    // The analysis sees one release, whichever of the two runs it.
    void release() LK_RELEASE() LK_NO_THREAD_SAFETY_ANALYSIS {
        if (!lock_) return;
        SpinLock* lock = lock_;
        lkos_completion* c = complete_;
        lock_ = nullptr;
        complete_ = nullptr;
        unlock_then_wake(lock, c);
    }

    // For WaitQueue::block_locked: drop the lock to sleep and take it back.
    // Always in pairs, so the lock is held again whenever the caller looks:
    // the analysis need not see them. Deferred wakes happen in between.
    void drop_for_block() LK_NO_THREAD_SAFETY_ANALYSIS { unlock_then_wake(lock_, nullptr); }
    void retake_after_block() LK_NO_THREAD_SAFETY_ANALYSIS { flags_ = lock_->lock_irqsave(); }

    // For WaitQueue: wake `t` once the lock is dropped (see DeferredWakes);
    // false if the caller must wake it now. Lock held.
    bool defer_wake(lkos_thread* t, const lkos_wake_trace& trace) const { return wakes_.add(t, trace); }

    // For WaitQueue: the last woken thread of a destroyed queue tells the
    // destroyer once it no longer touches the lock, which lives in the
    // object about to be freed: complete `c` right after the unlock. The
    // caller is in thread context with the lock held; lkos_complete() may
    // be called from any context.
    void complete_after_release(lkos_completion* c) { complete_ = c; }

    bool guards(const SpinLock& l) const { return lock_ == &l; }

  private:
    // Drops `lock`, then completes `c` (if any) and makes the deferred
    // wakes with interrupts still off, and only then restores them: that
    // section keeps the woken threads' memory there (lk/os.h).
    void unlock_then_wake(SpinLock* lock, lkos_completion* c) LK_NO_THREAD_SAFETY_ANALYSIS {
        if (!c && wakes_.empty()) {
            lock->unlock_irqrestore(flags_);
            return;
        }
        lock->unlock();
        if (c) lkos_complete(c);
        wakes_.flush_irqrestore(flags_);
    }

    SpinLock* lock_;
    unsigned long flags_;
    lkos_completion* complete_ = nullptr;
    mutable DeferredWakes wakes_;
};

// Holds a SpinLock for its scope without touching the interrupt state.
class LK_SCOPED_CAPABILITY AutoSpinLockNoIrqSave : Pinned {
  public:
    explicit AutoSpinLockNoIrqSave(SpinLock& lock) LK_ACQUIRE(lock) : lock_(&lock) { lock.lock(); }
    ~AutoSpinLockNoIrqSave() LK_RELEASE() { release(); }
    void release() LK_RELEASE() LK_NO_THREAD_SAFETY_ANALYSIS {
        if (lock_) {
            lock_->unlock();
            lock_ = nullptr;
        }
    }

  private:
    SpinLock* lock_;
};

}  // namespace lk
