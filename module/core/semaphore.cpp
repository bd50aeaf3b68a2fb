// SPDX-License-Identifier: GPL-2.0
#include <lk/semaphore.h>

namespace lk {

Semaphore::Semaphore(int value) : count_(value), wait_(lock_, ObjectTag::make(ObjectKind::Semaphore)) {}

int Semaphore::post_slow(u64 start) {
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return 0;
    WakeCause cause{tag().id, wait_.next_seq_locked(guard), start};
    int woken = 0;
    if (count_.fetch_add(1, MemoryOrder::AcqRel) < 0) woken = wait_.wake_one_locked(guard, NO_ERROR, cause);
    lkos_trace_signal(tag().id, u32(tag().kind), woken, cause.seq, cause.ts);
    return woken;
}

status_t Semaphore::trywait_slow() {
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    // A post may have come since the fast path looked.
    return take_fast() ? NO_ERROR : ERR_NOT_READY;
}

status_t Semaphore::timedwait_slow(Deadline deadline, Interruptible intr) {
    if (!deadline.passed()) lkos_might_sleep();
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    if (count_.fetch_sub(1, MemoryOrder::AcqRel) > 0) return NO_ERROR;
    // Below zero now, under the lock, and queued before it is dropped: a
    // post that sees the negative count comes to the lock and wakes us.
    status_t status = wait_.block_locked(guard, deadline, intr);
    if (status == ERR_TIMED_OUT || status == ERR_INTERRUPTED) count_.fetch_add(1, MemoryOrder::Relaxed);
    return status;
}

void Semaphore::destroy() {
    {
        AutoSpinLock guard(lock_);
        if (magic_ != kMagic) return;
        magic_ = 0;
        count_.store(kDestroyed, MemoryOrder::Relaxed);
        wait_.destroy_locked(guard);
    }
    wait_.wait_departed();
}

int Semaphore::count() const {
    AutoSpinLock guard(lock_);
    // A destroyed semaphore counts nothing.
    return magic_ == kMagic ? count_.load(MemoryOrder::Relaxed) : 0;
}

}  // namespace lk
