// SPDX-License-Identifier: GPL-2.0
#include <lk/event.h>

namespace lk {

Event::Event(bool initial, u32 flags)
    : state_(initial ? kSignaled : 0), flags_(flags), wait_(lock_, ObjectTag::make(ObjectKind::Event)) {}

status_t Event::wait_slow(Deadline deadline, Interruptible intr) {
    if (!deadline.passed()) lkos_might_sleep();
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic || shut_down_) return ERR_OBJECT_DESTROYED;
    u32 s = freeze_locked(guard);
    if (s & kSignaled) {
        bool still = !(flags_ & EVENT_FLAG_AUTOUNSIGNAL);
        publish_locked(guard, still);
        if (!still) notify_locked(guard);
        return NO_ERROR;
    }
    // kSlow stays set while we are queued (publish_locked sees us): a
    // signal from now on comes to the lock.
    status_t status = wait_.block_locked(guard, deadline, intr);
    // Woken: the waker published with us dequeued. Timed out or
    // interrupted: we leave the queue here, maybe the last one.
    if (status == ERR_TIMED_OUT || status == ERR_INTERRUPTED) publish_locked(guard, freeze_locked(guard) & kSignaled);
    return status;
}

int Event::signal_slow(u64 start) {
    AutoSpinLock guard(lock_);
    if (shut_down_) return ERR_OBJECT_DESTROYED;
    if (magic_ != kMagic) return 0;
    u32 s = freeze_locked(guard);
    if (s & kSignaled) {
        publish_locked(guard, true);
        return 0;
    }
    WakeCause cause{tag().id, wait_.next_seq_locked(guard), start};
    int woken;
    bool signaled;
    if (flags_ & EVENT_FLAG_AUTOUNSIGNAL) {
        // Release one waiter and stay unsignalled; with nobody waiting,
        // stay signalled for the next thread that waits.
        woken = wait_.wake_one_locked(guard, NO_ERROR, cause);
        signaled = !woken;
    } else {
        signaled = true;
        woken = wait_.wake_all_locked(guard, NO_ERROR, cause);
    }
    publish_locked(guard, signaled);
    lkos_trace_signal(tag().id, u32(tag().kind), woken, cause.seq, cause.ts);
    notify_locked(guard);
    return woken;
}

status_t Event::unsignal() {
    LK_ASSERT_MAGIC(this, kMagic);
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic || shut_down_) return ERR_OBJECT_DESTROYED;
    u32 s = freeze_locked(guard);
    publish_locked(guard, false);
    if (s & kSignaled) notify_locked(guard);
    return NO_ERROR;
}

void Event::destroy() {
    {
        AutoSpinLock guard(lock_);
        if (magic_ != kMagic) return;
        freeze_locked(guard);
        magic_ = 0;
        wait_.destroy_locked(guard);
        publish_locked(guard, false);
        notify_locked(guard);
    }
    wait_.wait_departed();
}

status_t Event::shutdown() {
    LK_ASSERT_MAGIC(this, kMagic);
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic || shut_down_) return ERR_OBJECT_DESTROYED;
    freeze_locked(guard);
    shut_down_ = true;
    wait_.wake_all_locked(guard, ERR_OBJECT_DESTROYED);
    publish_locked(guard, false);
    notify_locked(guard);
    return NO_ERROR;
}

bool Event::is_shut_down() const {
    AutoSpinLock guard(lock_);
    return shut_down_;
}

usize Event::waiters() const {
    AutoSpinLock guard(lock_);
    return wait_.count_locked(guard);
}

}  // namespace lk
