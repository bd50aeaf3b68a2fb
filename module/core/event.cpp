// SPDX-License-Identifier: GPL-2.0
#include <lk/event.h>

namespace lk {

Event::Event(bool initial, u32 flags)
    : signaled_(initial), flags_(flags), wait_(lock_, ObjectTag::make(ObjectKind::Event)) {}

status_t Event::wait(Deadline deadline, Interruptible intr) {
    LK_ASSERT_MAGIC(this, kMagic);
    if (!deadline.passed()) lkos_might_sleep();
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic || shut_down_) return ERR_OBJECT_DESTROYED;
    if (signaled_) {
        if (flags_ & EVENT_FLAG_AUTOUNSIGNAL) {
            signaled_ = false;
            notify_locked(guard);
        }
        return NO_ERROR;
    }
    return wait_.block_locked(guard, deadline, intr);
}

int Event::signal() {
    LK_ASSERT_MAGIC(this, kMagic);
    u64 start = lkos_trace_clock();
    AutoSpinLock guard(lock_);
    if (shut_down_) return ERR_OBJECT_DESTROYED;
    if (magic_ != kMagic || signaled_) return 0;
    WakeCause cause{tag().id, wait_.next_seq_locked(guard), start};
    int woken;
    if (flags_ & EVENT_FLAG_AUTOUNSIGNAL) {
        // Release one waiter and stay unsignalled; with nobody waiting,
        // stay signalled for the next thread that waits.
        woken = wait_.wake_one_locked(guard, NO_ERROR, cause);
        if (!woken) signaled_ = true;
    } else {
        signaled_ = true;
        woken = wait_.wake_all_locked(guard, NO_ERROR, cause);
    }
    lkos_trace_signal(tag().id, u32(tag().kind), woken, cause.seq, cause.ts);
    notify_locked(guard);
    return woken;
}

status_t Event::unsignal() {
    LK_ASSERT_MAGIC(this, kMagic);
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic || shut_down_) return ERR_OBJECT_DESTROYED;
    if (signaled_) {
        signaled_ = false;
        notify_locked(guard);
    }
    return NO_ERROR;
}

void Event::destroy() {
    {
        AutoSpinLock guard(lock_);
        if (magic_ != kMagic) return;
        magic_ = 0;
        signaled_ = false;
        wait_.destroy_locked(guard);
        notify_locked(guard);
    }
    wait_.wait_departed();
}

status_t Event::shutdown() {
    LK_ASSERT_MAGIC(this, kMagic);
    AutoSpinLock guard(lock_);
    if (magic_ != kMagic || shut_down_) return ERR_OBJECT_DESTROYED;
    shut_down_ = true;
    signaled_ = false;
    wait_.wake_all_locked(guard, ERR_OBJECT_DESTROYED);
    notify_locked(guard);
    return NO_ERROR;
}

bool Event::is_shut_down() const {
    AutoSpinLock guard(lock_);
    return shut_down_;
}

bool Event::is_signaled() const {
    AutoSpinLock guard(lock_);
    return signaled_;
}

usize Event::waiters() const {
    AutoSpinLock guard(lock_);
    return wait_.count_locked(guard);
}

}  // namespace lk
