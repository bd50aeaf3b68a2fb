// SPDX-License-Identifier: GPL-2.0
//
// Mutex: LK's owned, non-recursive sleeping lock.
//
// Release hands the mutex straight to the first waiter (it becomes the
// holder before it even runs), so a thread arriving later cannot barge
// ahead of those already queued. No priority inheritance (LK has none
// either).
//
// LK counts holder + waiters under its thread lock; here the holder lives
// in one atomic word so that the uncontended acquire and release are a
// single compare-exchange each, with no lock and no call into the system:
// the holder's identity, the current thread, is read inline
// (lkos_current_fast(), one per-CPU load on x86-64 kernels; a call to
// lkos_current() elsewhere).
// The word is the holder's thread, with kWaiters set while threads are
// queued (or about to queue): a release that sees the bit takes the slow
// path, under the lock, and hands over. The word is 0 only when the mutex
// is free and nobody waits, so the fast acquire can never barge.
//
// Misuse (acquiring a mutex one holds, releasing one held by another
// thread, destroying a held mutex) is WARNed and refused with an error;
// state is never corrupted to carry on.
//
// Context: acquire may sleep (thread context, no spinlock held); release
// and is_held never sleep but must run in the holder's thread context.
#pragma once

#include <lk/wait_queue.h>

namespace lk {

class Mutex : Pinned, public Allocated {
  public:
    Mutex();
    ~Mutex() { destroy(); }

    // Blocks until acquired, the deadline passes (ERR_TIMED_OUT; with
    // Deadline::none() a free mutex is still acquired), a signal arrives
    // when interruptible (ERR_INTERRUPTED), or the mutex is destroyed
    // (ERR_OBJECT_DESTROYED). Re-acquiring one's own mutex: ERR_BUSY + WARN.
    status_t acquire(Deadline deadline = Deadline::infinite(), Interruptible intr = Interruptible::No) {
        LK_ASSERT_MAGIC(this, kMagic);
        uptr self = reinterpret_cast<uptr>(lkos_current_fast());
        uptr expected = 0;
        // Free and nobody waiting: take it.
        if (owner_.compare_exchange(expected, self, MemoryOrder::Acquire, MemoryOrder::Relaxed)) return NO_ERROR;
        return acquire_contended(self, expected, deadline, intr);
    }
    status_t acquire_timeout(lk_time_t ms) { return acquire(Deadline::after_ms(ms)); }

    // NO_ERROR, or ERR_NOT_ALLOWED + WARN when the caller is not the holder.
    status_t release() {
        LK_ASSERT_MAGIC(this, kMagic);
        uptr self = reinterpret_cast<uptr>(lkos_current_fast());
        uptr expected = self;
        // Nobody waiting: free it.
        if (owner_.compare_exchange(expected, 0, MemoryOrder::Release, MemoryOrder::Relaxed)) return NO_ERROR;
        return release_slow(self);
    }

    // The calling thread holds it.
    bool is_held() const;

    // Wakes waiters with ERR_OBJECT_DESTROYED; thread context. Idempotent.
    void destroy();

    const ObjectTag& tag() const { return wait_.tag(); }

  private:
    static constexpr u32 kMagic = magic('m', 'u', 't', 'x');
    static constexpr uptr kWaiters = 1;  // low bit of owner_
    // A destroyed mutex's owner word: never free, so the fast paths fail
    // and the slow ones report ERR_OBJECT_DESTROYED.
    static constexpr uptr kDestroyed = kWaiters;

    status_t acquire_contended(uptr self, uptr seen, Deadline deadline, Interruptible intr);
    status_t acquire_slow(uptr self, Deadline deadline, Interruptible intr);
    status_t release_slow(uptr self);
    void clear_waiters_bit_locked(const AutoSpinLock& guard) LK_REQUIRES(lock_);

    u32 magic_ = kMagic;
    mutable SpinLock lock_{LKOS_LOCK_OBJECT};
    Atomic<uptr> owner_;  // holder | kWaiters; changed by CAS, or under lock_ with waiters
    WaitQueue wait_;      // guarded by lock_ (its own annotations)
};

// Holds a Mutex for its scope (LK's AutoLock), with early release().
//
// The acquire waits forever, yet it can fail: the mutex was destroyed
// (ERR_OBJECT_DESTROYED) or the thread already holds it (ERR_BUSY, WARNed).
// LK's AutoLock ignores that and releases anyway, which would release the
// outer holder's lock (or a destroyed mutex) on scope exit. This one records
// the outcome: held() says whether it holds the mutex, status() what the
// acquire returned, and only a guard that holds it releases it. Code that
// cannot go on without the lock checks held().
class AutoLock : Pinned {
  public:
    explicit AutoLock(Mutex& m) : status_(m.acquire()), mutex_(status_ == NO_ERROR ? &m : nullptr) {}
    explicit AutoLock(Mutex* m) : AutoLock(*m) {}
    ~AutoLock() { release(); }

    bool held() const { return mutex_ != nullptr; }
    status_t status() const { return status_; }

    // Releases now if held; the destructor then does nothing. A guard that
    // holds the mutex is its holder, so the release cannot be refused except
    // when the mutex was destroyed while held, which destroy() WARNed:
    // there is nothing left to undo, and the status is dropped on purpose.
    void release() {
        if (mutex_) {
            static_cast<void>(mutex_->release());
            mutex_ = nullptr;
        }
    }

  private:
    status_t status_;
    Mutex* mutex_;
};

}  // namespace lk
