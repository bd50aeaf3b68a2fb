// SPDX-License-Identifier: GPL-2.0
#include <lk/mutex.h>

namespace lk {

Mutex::Mutex() : wait_(lock_, ObjectTag::make(ObjectKind::Mutex)) {}

status_t Mutex::acquire_contended(uptr self, uptr seen, Deadline deadline, Interruptible intr) {
    if ((seen & ~kWaiters) == self) {
        LK_WARN("mutex acquired by the thread that already holds it");
        return ERR_BUSY;
    }
    if (!deadline.passed()) lkos_might_sleep();
    return acquire_slow(self, deadline, intr);
}

status_t Mutex::acquire_slow(uptr self, Deadline deadline, Interruptible intr) {
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    for (uptr o = owner_.load(MemoryOrder::Relaxed);;) {
        if (o == 0) {
            // Released meanwhile, and nobody queued (a release with
            // waiters hands over, never frees).
            if (owner_.compare_exchange(o, self, MemoryOrder::Acquire, MemoryOrder::Relaxed)) return NO_ERROR;
            continue;
        }
        // Held: make the holder's release come to the lock and hand over.
        if ((o & kWaiters) || owner_.compare_exchange(o, o | kWaiters, MemoryOrder::Relaxed, MemoryOrder::Relaxed))
            break;
    }
    status_t status = wait_.block_locked(guard, deadline, intr);
    if (status == NO_ERROR) {
        // release() made us the holder before waking us.
        LK_DEBUG_ASSERT((owner_.load(MemoryOrder::Relaxed) & ~kWaiters) == self);
        return NO_ERROR;
    }
    // Timed out (Deadline::none() on a held mutex: at once) or interrupted:
    // if nobody else waits, the holder may release the fast way again.
    // Destroyed: touch nothing more.
    if (status != ERR_OBJECT_DESTROYED) clear_waiters_bit_locked(guard);
    return status;
}

void Mutex::clear_waiters_bit_locked(const AutoSpinLock& guard) {
    if (!wait_.empty_locked(guard)) return;
    uptr o = owner_.load(MemoryOrder::Relaxed);
    while ((o & kWaiters) && !owner_.compare_exchange(o, o & ~kWaiters, MemoryOrder::Relaxed, MemoryOrder::Relaxed)) {
    }
}

status_t Mutex::release_slow(uptr self) {
    u64 start = lkos_trace_clock();
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    if ((owner_.load(MemoryOrder::Relaxed) & ~kWaiters) != self) {
        LK_WARN("mutex released by a thread that does not hold it");
        return ERR_NOT_ALLOWED;
    }
    // Hand-off: the first waiter owns the mutex from this moment. It cannot
    // look before we drop the lock, by which time the word names it.
    WakeCause cause{tag().id, wait_.next_seq_locked(guard), start};
    lkos_thread* next = wait_.wake_first_locked(guard, NO_ERROR, cause);
    uptr word = 0;
    if (next) word = reinterpret_cast<uptr>(next) | (wait_.empty_locked(guard) ? 0 : kWaiters);
    owner_.store(word, MemoryOrder::Release);
    lkos_trace_signal(tag().id, u32(tag().kind), next ? 1 : 0, cause.seq, cause.ts);
    return NO_ERROR;
}

bool Mutex::is_held() const {
    LK_ASSERT_MAGIC(this, kMagic);
    // Only the holder can make this true for itself, and only the holder
    // can make it false again: an unlocked read cannot give the caller a
    // wrong answer about itself.
    return (owner_.load(MemoryOrder::Relaxed) & ~kWaiters) == reinterpret_cast<uptr>(lkos_current_fast());
}

void Mutex::destroy() {
    {
        AutoSpinLock guard(lock_);
        if (magic_ != kMagic) return;
        if (owner_.load(MemoryOrder::Relaxed) & ~kWaiters) LK_WARN("mutex destroyed while held");
        magic_ = 0;
        owner_.store(kDestroyed, MemoryOrder::Relaxed);
        wait_.destroy_locked(guard);
    }
    wait_.wait_departed();
}

}  // namespace lk
