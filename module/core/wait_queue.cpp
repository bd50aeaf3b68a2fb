// SPDX-License-Identifier: GPL-2.0
#include <lk/wait_queue.h>

namespace lk {

WaitQueue::~WaitQueue() {
    // Destroying a queue with sleepers would leave them asleep forever.
    LK_WARN_ON(!waiters_.empty());
}

status_t WaitQueue::block_locked(AutoSpinLock& guard, Deadline deadline, Interruptible intr) {
    LK_ASSERT_MAGIC(this, kMagic);
    held_by(guard);
    if (magic_ != kMagic) return ERR_OBJECT_DESTROYED;
    if (deadline.passed()) return ERR_TIMED_OUT;
    if (intr == Interruptible::Yes && lkos_signal_pending()) return ERR_INTERRUPTED;

    Waiter w;
    w.thread = lkos_current_fast();
    w.status = NO_ERROR;
    w.woken = false;
    w.seq = 0;
    waiters_.push_back(w);
    count_++;

    status_t status;
    for (;;) {
        // The task state is set before the lock is dropped: a waker that
        // gets in between makes the thread runnable again, so the sleep
        // below returns at once instead of missing the wake.
        lkos_prepare_block(intr == Interruptible::Yes);
        guard.drop_for_block();
        lkos_block_until(deadline.ns());
        guard.retake_after_block();

        if (w.woken) {
            // The waker dequeued us and chose the status. The last of the
            // woken to come back tells a waiting destroyer, but only once
            // it has dropped the lock, the last of the object it touches.
            if (--departing_ == 0 && departed_) {
                guard.complete_after_release(departed_);
                departed_ = nullptr;
            }
            status = w.status;
            break;
        }
        if (deadline.passed()) {
            status = ERR_TIMED_OUT;
        } else if (intr == Interruptible::Yes && lkos_signal_pending()) {
            status = ERR_INTERRUPTED;
        } else {
            continue;  // spurious wake-up: sleep again
        }
        waiters_.remove(w);
        count_--;
        break;
    }
    lkos_finish_block();
    lkos_trace_wait_return(tag_.id, u32(tag_.kind), status, w.seq);
    return status;
}

void WaitQueue::unhold_locked(AutoSpinLock& guard) {
    held_by(guard);
    if (--departing_ == 0 && departed_) {
        guard.complete_after_release(departed_);
        departed_ = nullptr;
    }
}

void WaitQueue::wake_locked(const AutoSpinLock& guard, Waiter& w, status_t status, WakeCause cause) {
    waiters_.remove(w);
    count_--;
    departing_++;
    w.status = status;
    w.woken = true;
    w.seq = cause.seq;
    lkos_thread* t = w.thread;
    // From here on nothing of `w` is touched: once the lock is dropped the
    // waiter may return (its stack frame gone) before the wake below.
    lkos_wake_trace trace{tag_.id, cause.seq, cause.ts, cause.obj, u32(tag_.kind), status};
    if (guard.defer_wake(t, trace)) return;
    // Under the lock: the waiter cannot return before it has taken it again.
    lkos_trace_wake(trace.obj, trace.kind, lkos_thread_tid(t), status, trace.seq, trace.src_ts, trace.src_obj);
    lkos_wake(t);
}

lkos_thread* WaitQueue::wake_first_locked(const AutoSpinLock& guard, status_t status, WakeCause cause) {
    LK_ASSERT_MAGIC(this, kMagic);
    held_by(guard);
    Waiter* w = waiters_.front();
    if (!w) return nullptr;
    lkos_thread* t = w->thread;
    wake_locked(guard, *w, status, cause);
    return t;
}

int WaitQueue::wake_all_locked(const AutoSpinLock& guard, status_t status, WakeCause cause) {
    LK_ASSERT_MAGIC(this, kMagic);
    held_by(guard);
    int n = 0;
    while (Waiter* w = waiters_.front()) {
        wake_locked(guard, *w, status, cause);
        n++;
    }
    return n;
}

status_t WaitQueue::unblock_locked(const AutoSpinLock& guard, lkos_thread* thread, status_t status) {
    LK_ASSERT_MAGIC(this, kMagic);
    held_by(guard);
    Waiter* w = waiters_.find([thread](Waiter& x) { return x.thread == thread; });
    if (!w) return ERR_NOT_BLOCKED;
    wake_locked(guard, *w, status, {});
    return NO_ERROR;
}

void WaitQueue::destroy_locked(const AutoSpinLock& guard) {
    LK_ASSERT_MAGIC(this, kMagic);
    wake_all_locked(guard, ERR_OBJECT_DESTROYED);
    magic_ = 0;
}

void WaitQueue::wait_departed() {
    lkos_might_sleep();
    // On this stack: block_locked() completes it after its last use of the
    // lock, and nothing touches it once the wait below has returned.
    lkos_completion done;
    {
        AutoSpinLock guard(lock_);
        if (departing_ == 0) return;
        LK_DEBUG_ASSERT(departed_ == nullptr);
        lkos_completion_init(&done);
        departed_ = &done;
    }
    lkos_wait_for_completion(&done);
}

}  // namespace lk
