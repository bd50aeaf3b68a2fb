// SPDX-License-Identifier: GPL-2.0
#include <lk/mutex.h>

namespace lk {

Mutex::Mutex() : wait_(lock_, ObjectTag::make(ObjectKind::Mutex)) {}

status_t Mutex::acquire(Deadline deadline, Interruptible intr) {
    LK_ASSERT_MAGIC(this, kMagic);
    if (!deadline.passed()) lkos_might_sleep();
    lkos_thread* self = lkos_current();
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    if (holder_.load(MemoryOrder::Relaxed) == self) {
        LK_WARN("mutex acquired by the thread that already holds it");
        return ERR_BUSY;
    }
    if (++count_ == 1) {
        holder_.store(self, MemoryOrder::Relaxed);
        return NO_ERROR;
    }
    status_t status = wait_.block_locked(guard, deadline, intr);
    if (status == NO_ERROR) {
        // release() handed the mutex over before waking us.
        LK_DEBUG_ASSERT(holder_.load(MemoryOrder::Relaxed) == self);
        return NO_ERROR;
    }
    // Timed out or interrupted: back out of the count. Destroyed: the
    // object is going away; touch nothing more.
    if (status != ERR_OBJECT_DESTROYED) count_--;
    return status;
}

status_t Mutex::release() {
    LK_ASSERT_MAGIC(this, kMagic);
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    if (holder_.load(MemoryOrder::Relaxed) != lkos_current()) {
        LK_WARN("mutex released by a thread that does not hold it");
        return ERR_NOT_ALLOWED;
    }
    lkos_thread* next = nullptr;
    if (--count_ > 0) {
        // Hand-off: the first waiter owns the mutex from this moment.
        next = wait_.wake_first_locked(NO_ERROR);
        LK_DEBUG_ASSERT(next != nullptr);
    }
    holder_.store(next, MemoryOrder::Relaxed);
    int woken = next ? 1 : 0;
    lkos_trace_signal(tag().id, u32(tag().kind), woken);
    return NO_ERROR;
}

bool Mutex::is_held() const {
    LK_ASSERT_MAGIC(this, kMagic);
    // Only the holder can make this true for itself, and only the holder
    // can make it false again: an unlocked read cannot give the caller a
    // wrong answer about itself.
    return holder_.load(MemoryOrder::Relaxed) == lkos_current();
}

void Mutex::destroy() {
    {
        AutoSpinLock guard(lock_);
        if (magic_ != kMagic) return;
        if (holder_.load(MemoryOrder::Relaxed)) LK_WARN("mutex destroyed while held");
        magic_ = 0;
        holder_.store(nullptr, MemoryOrder::Relaxed);
        count_ = 0;
        wait_.destroy_locked();
    }
    wait_.wait_departed();
}

}  // namespace lk
