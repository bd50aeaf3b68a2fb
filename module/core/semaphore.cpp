// SPDX-License-Identifier: GPL-2.0
#include <lk/semaphore.h>

namespace lk {

Semaphore::Semaphore(int value) : count_(value), wait_(lock_, ObjectTag::make(ObjectKind::Semaphore)) {}

int Semaphore::post() {
    LK_ASSERT_MAGIC(this, kMagic);
    u64 start = lkos_trace_clock();
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return 0;
    WakeCause cause{tag().id, wait_.next_seq_locked(guard), start};
    int woken = 0;
    if (++count_ <= 0) woken = wait_.wake_one_locked(guard, NO_ERROR, cause);
    lkos_trace_signal(tag().id, u32(tag().kind), woken, cause.seq, cause.ts);
    return woken;
}

status_t Semaphore::trywait() {
    LK_ASSERT_MAGIC(this, kMagic);
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    if (count_ <= 0) return ERR_NOT_READY;
    count_--;
    return NO_ERROR;
}

status_t Semaphore::timedwait(Deadline deadline, Interruptible intr) {
    LK_ASSERT_MAGIC(this, kMagic);
    if (!deadline.passed()) lkos_might_sleep();
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    if (--count_ >= 0) return NO_ERROR;
    status_t status = wait_.block_locked(guard, deadline, intr);
    if (status == ERR_TIMED_OUT || status == ERR_INTERRUPTED) count_++;
    return status;
}

void Semaphore::destroy() {
    {
        AutoSpinLock guard(lock_);
        if (magic_ != kMagic) return;
        magic_ = 0;
        wait_.destroy_locked(guard);
    }
    wait_.wait_departed();
}

int Semaphore::count() const {
    AutoSpinLock guard(lock_);
    return count_;
}

}  // namespace lk
