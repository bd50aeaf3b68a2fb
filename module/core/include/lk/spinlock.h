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

    // Held by the CPU this runs on (LK's spin_lock_held). Meaningful when
    // the answer cannot change under the caller: asserting that one holds
    // a lock, or that one does not.
    bool is_held() const { return holder_.load(MemoryOrder::Relaxed) == lkos_cpu_id() + 1; }

  private:
    void mark_held() { holder_.store(lkos_cpu_id() + 1, MemoryOrder::Relaxed); }
    void mark_released() { holder_.store(0, MemoryOrder::Relaxed); }

    lkos_spinlock raw_;
    Atomic<unsigned int> holder_{0};  // CPU + 1 while held, 0 when free
};

// Holds a SpinLock with local interrupts disabled for its scope.
//
// Functions named *_locked take the guard (AutoSpinLock&) as their proof
// that the lock is held: they cannot be called without one, and debug
// builds check that it guards the right lock.
class LK_SCOPED_CAPABILITY AutoSpinLock : Pinned {
  public:
    explicit AutoSpinLock(SpinLock& lock) LK_ACQUIRE(lock) : lock_(&lock), flags_(lock.lock_irqsave()) {}
    ~AutoSpinLock() LK_RELEASE() { release(); }

    // Early unlock; the destructor then does nothing. Then, if one was
    // asked for, completes the completion (see complete_after_release()).
    // The analysis sees one release, whichever of the two runs it.
    void release() LK_RELEASE() LK_NO_THREAD_SAFETY_ANALYSIS {
        if (lock_) {
            lock_->unlock_irqrestore(flags_);
            lock_ = nullptr;
            if (lkos_completion* c = complete_) {
                complete_ = nullptr;
                lkos_complete(c);
            }
        }
    }

    // For WaitQueue::block_locked: drop the lock to sleep and take it back.
    // Always in pairs, so the lock is held again whenever the caller looks:
    // the analysis need not see them.
    void drop_for_block() LK_NO_THREAD_SAFETY_ANALYSIS { lock_->unlock_irqrestore(flags_); }
    void retake_after_block() LK_NO_THREAD_SAFETY_ANALYSIS { flags_ = lock_->lock_irqsave(); }

    // For WaitQueue: the last woken thread of a destroyed queue tells the
    // destroyer once it no longer touches the lock, which lives in the
    // object about to be freed: complete `c` right after the unlock. The
    // caller is in thread context with the lock held; lkos_complete() may
    // be called from any context.
    void complete_after_release(lkos_completion* c) { complete_ = c; }

    bool guards(const SpinLock& l) const { return lock_ == &l; }

  private:
    SpinLock* lock_;
    unsigned long flags_;
    lkos_completion* complete_ = nullptr;
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
