// SPDX-License-Identifier: GPL-2.0
//
// WaitQueue used directly, as a primitive's owner does: a SpinLock guards
// it and every call is made with that lock held through an AutoSpinLock.
#include <gtest/gtest.h>

#include <lk/wait_queue.h>

#include <memory>
#include <vector>

#include "lkos_host.h"
#include "test_util.h"

using namespace lk;
using lk_test::Thread;

namespace {

// A queue and the lock that guards it, as a primitive embeds them.
struct Queue : Pinned {
    SpinLock lock{LKOS_LOCK_OBJECT};
    WaitQueue wq{lock, ObjectTag::make(ObjectKind::WaitQueue)};

    status_t block(Deadline d, Interruptible intr = Interruptible::No) {
        AutoSpinLock guard(lock);
        return wq.block_locked(guard, d, intr);
    }
    usize waiters() {
        AutoSpinLock guard(lock);
        return wq.count_locked(guard);
    }
    bool wait_for_waiters(usize n) {
        return lk_test::eventually([&] { return waiters() == n; });
    }
    int wake_one(status_t s = NO_ERROR) {
        AutoSpinLock guard(lock);
        return wq.wake_one_locked(guard, s);
    }
    int wake_all(status_t s = NO_ERROR) {
        AutoSpinLock guard(lock);
        return wq.wake_all_locked(guard, s);
    }
    lkos_thread* wake_first(status_t s = NO_ERROR) {
        AutoSpinLock guard(lock);
        return wq.wake_first_locked(guard, s);
    }
    status_t unblock(lkos_thread* t, status_t s) {
        AutoSpinLock guard(lock);
        return wq.unblock_locked(guard, t, s);
    }
    void destroy() {
        {
            AutoSpinLock guard(lock);
            wq.destroy_locked(guard);
        }
        wq.wait_departed();
    }
};

}  // namespace

TEST(wait_queue, wakes_on_an_empty_queue_wake_nobody) {
    Queue q;
    EXPECT_EQ(0, q.wake_one());
    EXPECT_EQ(0, q.wake_all());
    EXPECT_EQ(nullptr, q.wake_first());
    AutoSpinLock guard(q.lock);
    EXPECT_TRUE(q.wq.empty_locked(guard));
}

TEST(wait_queue, deadline_none_times_out_without_blocking) {
    Queue q;
    // LK: a zero timeout returns ERR_TIMED_OUT at once, never queued.
    EXPECT_EQ(ERR_TIMED_OUT, q.block(Deadline::none()));
    EXPECT_EQ(ERR_TIMED_OUT, q.block(Deadline::at_ns(1)));  // any passed deadline
    EXPECT_EQ(0u, q.waiters());
}

TEST(wait_queue, finite_timeout_expires_and_dequeues) {
    Queue q;
    double start = lk_test::now_ms();
    EXPECT_EQ(ERR_TIMED_OUT, q.block(lk_test::in_ms(30)));
    EXPECT_GE(lk_test::now_ms() - start, 30.0);
    EXPECT_EQ(0u, q.waiters());
    // A timed-out waiter is gone: a later wake finds nobody.
    EXPECT_EQ(0, q.wake_one());
}

TEST(wait_queue, deadlines_beyond_the_clock_range_sleep_until_woken) {
    // Past 2^63 ns (292 years of uptime) the system's timers cannot hold
    // the deadline. The waiter must still sleep, as with no deadline,
    // not spin on a timer that has already fired.
    for (Deadline d : {Deadline::at_ns(1ull << 63), Deadline::at_ns(~0ull - 1), Deadline::after_ns(1ull << 63),
                       Deadline::after_ns(~0ull - 1)}) {
        Queue q;
        status_t got = ERR_GENERIC;
        Thread t([&] { got = q.block(d); });
        EXPECT_TRUE(q.wait_for_waiters(1));
        EXPECT_TRUE(t.asleep()) << d.ns();
        EXPECT_EQ(1, q.wake_one(NO_ERROR));
        t.join();
        EXPECT_EQ(NO_ERROR, got);
    }
}

TEST(wait_queue, wake_first_follows_arrival_order) {
    Queue q;
    constexpr int kWaiters = 5;
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kWaiters; i++) {
        threads.push_back(std::make_unique<Thread>([&] { EXPECT_EQ(NO_ERROR, q.block(Deadline::infinite())); }));
        // Queue them one at a time so the arrival order is known.
        EXPECT_TRUE(q.wait_for_waiters(i + 1));
    }
    for (int i = 0; i < kWaiters; i++) EXPECT_EQ(threads[i]->os(), q.wake_first()) << "waiter " << i;
    for (auto& t : threads) t->join();
    EXPECT_EQ(0u, q.waiters());
}

TEST(wait_queue, woken_threads_run_in_fifo_order) {
    Queue q;
    constexpr int kWaiters = 4;
    std::atomic<int> next{0};
    std::vector<int> order(kWaiters, -1);
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kWaiters; i++) {
        threads.push_back(std::make_unique<Thread>([&, i] {
            EXPECT_EQ(NO_ERROR, q.block(Deadline::infinite()));
            order[next++] = i;
        }));
        EXPECT_TRUE(q.wait_for_waiters(i + 1));
    }
    for (int i = 0; i < kWaiters; i++) {
        EXPECT_EQ(1, q.wake_one());
        ASSERT_TRUE(lk_test::eventually([&] { return next.load() == i + 1; }));
    }
    for (auto& t : threads) t->join();
    for (int i = 0; i < kWaiters; i++) EXPECT_EQ(i, order[i]);
}

TEST(wait_queue, wake_one_wakes_exactly_one_and_wake_all_returns_the_count) {
    Queue q;
    constexpr int kWaiters = 4;
    std::atomic<int> returned{0};
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kWaiters; i++)
        threads.push_back(std::make_unique<Thread>([&] {
            // The waker's status is what the waiter gets back.
            EXPECT_EQ(ERR_NO_MSG, q.block(Deadline::infinite()));
            returned++;
        }));
    EXPECT_TRUE(q.wait_for_waiters(kWaiters));
    EXPECT_EQ(1, q.wake_one(ERR_NO_MSG));
    ASSERT_TRUE(lk_test::eventually([&] { return returned.load() == 1; }));
    EXPECT_EQ(usize(kWaiters - 1), q.waiters());
    // Not LK's header comment ("zero or one"): wake_all returns the count.
    EXPECT_EQ(kWaiters - 1, q.wake_all(ERR_NO_MSG));
    for (auto& t : threads) t->join();
    EXPECT_EQ(kWaiters, returned.load());
    EXPECT_EQ(0u, q.waiters());
}

TEST(wait_queue, unblock_of_a_thread_not_blocked_here_is_not_blocked) {
    Queue q, other;
    EXPECT_EQ(ERR_NOT_BLOCKED, q.unblock(lkos_current(), NO_ERROR));
    // Blocked, but on another queue.
    Thread t([&] { EXPECT_EQ(NO_ERROR, other.block(Deadline::infinite())); });
    EXPECT_TRUE(other.wait_for_waiters(1));
    EXPECT_EQ(ERR_NOT_BLOCKED, q.unblock(t.os(), ERR_GENERIC));
    EXPECT_EQ(1u, other.waiters());
    EXPECT_EQ(1, other.wake_one());
}

TEST(wait_queue, unblock_wakes_that_thread_with_the_given_status) {
    Queue q;
    status_t got[3] = {NO_ERROR, NO_ERROR, NO_ERROR};
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < 3; i++) {
        threads.push_back(std::make_unique<Thread>([&, i] { got[i] = q.block(Deadline::infinite()); }));
        EXPECT_TRUE(q.wait_for_waiters(i + 1));
    }
    // The middle one, out of order.
    EXPECT_EQ(NO_ERROR, q.unblock(threads[1]->os(), ERR_GENERIC));
    threads[1]->join();
    EXPECT_EQ(ERR_GENERIC, got[1]);
    EXPECT_EQ(2u, q.waiters());
    EXPECT_FALSE(threads[0]->done());
    EXPECT_FALSE(threads[2]->done());
    // A second unblock of the same (now running) thread does nothing.
    EXPECT_EQ(ERR_NOT_BLOCKED, q.unblock(threads[1]->os(), ERR_GENERIC));
    // The others keep their FIFO positions.
    EXPECT_EQ(threads[0]->os(), q.wake_first(NO_ERROR));
    EXPECT_EQ(threads[2]->os(), q.wake_first(ERR_TIMED_OUT));
    threads[0]->join();
    threads[2]->join();
    EXPECT_EQ(NO_ERROR, got[0]);
    EXPECT_EQ(ERR_TIMED_OUT, got[2]);
}

TEST(wait_queue, destroy_wakes_all_with_object_destroyed) {
    Queue q;
    constexpr int kWaiters = 3;
    std::atomic<int> destroyed{0};
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kWaiters; i++)
        threads.push_back(std::make_unique<Thread>([&] {
            if (q.block(Deadline::infinite()) == ERR_OBJECT_DESTROYED) destroyed++;
        }));
    EXPECT_TRUE(q.wait_for_waiters(kWaiters));
    q.destroy();
    for (auto& t : threads) t->join();
    EXPECT_EQ(kWaiters, destroyed.load());
    EXPECT_EQ(0u, q.waiters());
}

TEST(wait_queue, block_on_a_destroyed_queue_fails) {
    Queue q;
    q.destroy();
    // Misuse, WARNed in debug builds, refused in all of them.
    lk_test::expected_warnings = 1;
    EXPECT_EQ(ERR_OBJECT_DESTROYED, q.block(Deadline::infinite()));
}

TEST(wait_queue, wait_departed_returns_only_after_woken_threads_let_go) {
    // A woken thread sets its flag while it still holds the lock on its
    // way out of block_locked(); wait_departed() must not return before.
    for (int round = 0; round < 20; round++) {
        Queue q;
        constexpr int kWaiters = 3;
        std::atomic<int> out{0};
        std::vector<std::unique_ptr<Thread>> threads;
        for (int i = 0; i < kWaiters; i++)
            threads.push_back(std::make_unique<Thread>([&] {
                AutoSpinLock guard(q.lock);
                EXPECT_EQ(ERR_OBJECT_DESTROYED, q.wq.block_locked(guard, Deadline::infinite()));
                std::this_thread::yield();  // linger under the lock
                out++;
            }));
        EXPECT_TRUE(q.wait_for_waiters(kWaiters));
        q.destroy();
        EXPECT_EQ(kWaiters, out.load()) << "round " << round;
        for (auto& t : threads) t->join();
    }
}

TEST(wait_queue, owner_may_be_freed_once_wait_departed_returns) {
    // The lifetime rule primitives rely on: destroy + wait_departed, then
    // free. Woken threads still touch the lock on their way out; ASan
    // reports it if they can do so after the free.
    for (int round = 0; round < 50; round++) {
        auto* q = new Queue;
        std::vector<std::unique_ptr<Thread>> threads;
        for (int i = 0; i < 2; i++)
            threads.push_back(
                std::make_unique<Thread>([q] { EXPECT_EQ(ERR_OBJECT_DESTROYED, q->block(Deadline::infinite())); }));
        EXPECT_TRUE(q->wait_for_waiters(2));
        q->destroy();
        delete q;
        for (auto& t : threads) t->join();
    }
}

TEST(wait_queue, timeout_and_wake_never_both_take_effect) {
    // Waiters block with very short deadlines while a waker wakes as fast
    // as it can. Each wake the waker counts must be the status exactly one
    // wait returned, and every other wait must have timed out: a wait that
    // was woken and also timed out would break the totals.
    Queue q;
    constexpr int kWaiters = 3, kWaits = 800;
    std::atomic<long> woken_waits{0}, timeouts{0}, other{0};
    std::atomic<bool> stop{false};
    long wakes = 0;
    std::vector<std::jthread> waiters;
    for (int i = 0; i < kWaiters; i++)
        waiters.emplace_back([&, i] {
            for (int j = 0; j < kWaits; j++) {
                status_t s = q.block(Deadline::after_ns(20000 + 40000 * ((i + j) % 4)));
                if (s == ERR_NO_MSG) woken_waits++;
                else if (s == ERR_TIMED_OUT) timeouts++;
                else other++;
            }
        });
    std::jthread waker([&] {
        int n = 0;
        while (!stop.load()) {
            // Mostly single wakes, some wake-alls, some targeted unblocks.
            if (n % 7 == 0) {
                wakes += q.wake_all(ERR_NO_MSG);
            } else {
                wakes += q.wake_one(ERR_NO_MSG);
            }
            n++;
            if (n % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(30));
            else lkos_yield();
        }
    });
    for (auto& t : waiters) t.join();
    stop = true;
    waker.join();
    EXPECT_EQ(0, other.load());
    EXPECT_EQ(long(kWaiters) * kWaits, woken_waits.load() + timeouts.load());
    EXPECT_EQ(wakes, woken_waits.load());
    // Both outcomes must have happened for the race to have been run.
    EXPECT_GT(woken_waits.load(), 0);
    EXPECT_GT(timeouts.load(), 0);
    EXPECT_EQ(0u, q.waiters());
}

TEST(wait_queue, timeout_and_unblock_never_both_take_effect) {
    // As above, with unblock_locked() aimed at one thread: NO_ERROR from
    // unblock means that thread's wait returned the given status.
    Queue q;
    constexpr int kWaits = 800;
    std::atomic<long> unblocked_waits{0};
    std::atomic<bool> stop{false};
    long unblocks = 0;
    Thread waiter([&] {
        for (int j = 0; j < kWaits; j++) {
            status_t s = q.block(Deadline::after_ns(10000 + 30000 * (j % 3)));
            if (s == ERR_CANCELLED) unblocked_waits++;
            else EXPECT_EQ(ERR_TIMED_OUT, s);
        }
        stop = true;
    });
    lkos_thread* target = waiter.os();
    while (!stop.load()) {
        // The target's lkos_thread lives as long as it runs; it only stops
        // after setting `stop`, and unblock never touches a thread that is
        // not queued here.
        if (q.unblock(target, ERR_CANCELLED) == NO_ERROR) unblocks++;
        std::this_thread::sleep_for(std::chrono::microseconds(15));
    }
    waiter.join();
    EXPECT_EQ(unblocks, unblocked_waits.load());
    EXPECT_GT(unblocks, 0);
    EXPECT_LT(unblocks, kWaits);
}

TEST(wait_queue, interruptible_wait_ends_on_signal) {
    Queue q;
    status_t got = NO_ERROR;
    Thread t([&] { got = q.block(Deadline::infinite(), Interruptible::Yes); });
    EXPECT_TRUE(q.wait_for_waiters(1));
    lkos_host::send_signal(t.os());
    t.join();
    EXPECT_EQ(ERR_INTERRUPTED, got);
    EXPECT_EQ(0u, q.waiters());
    EXPECT_EQ(0, q.wake_one());
}

TEST(wait_queue, uninterruptible_wait_ignores_signal) {
    Queue q;
    status_t got = ERR_GENERIC;
    Thread t([&] { got = q.block(Deadline::infinite(), Interruptible::No); });
    EXPECT_TRUE(q.wait_for_waiters(1));
    lkos_host::send_signal(t.os());
    lk_test::sleep_ms(30);  // give a wrongly delivered signal time to act
    EXPECT_FALSE(t.done());
    EXPECT_EQ(1u, q.waiters());
    EXPECT_EQ(1, q.wake_one(NO_ERROR));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
}

TEST(wait_queue, signal_pending_before_the_wait_interrupts_at_once) {
    Queue q;
    Thread t([&] {
        lkos_host::send_signal(lkos_current());
        // Interruptible: never sleeps while the signal is pending.
        EXPECT_EQ(ERR_INTERRUPTED, q.block(Deadline::infinite(), Interruptible::Yes));
        EXPECT_EQ(ERR_INTERRUPTED, q.block(lk_test::in_ms(5000), Interruptible::Yes));
        // Uninterruptible: the pending signal does not matter.
        EXPECT_EQ(ERR_TIMED_OUT, q.block(lk_test::in_ms(5), Interruptible::No));
        // A zero timeout is checked first: no block, no interruption.
        EXPECT_EQ(ERR_TIMED_OUT, q.block(Deadline::none(), Interruptible::Yes));
        lkos_host::clear_signal();
        EXPECT_EQ(ERR_TIMED_OUT, q.block(lk_test::in_ms(5), Interruptible::Yes));
    });
    t.join();
    EXPECT_EQ(0u, q.waiters());
}

// ---- wakes after the unlock ---------------------------------------------------------

TEST(wait_queue, woken_thread_is_woken_only_once_the_lock_is_dropped) {
    // Woken under the lock, the thread stays asleep until its waker lets
    // the lock go: it does not wake up just to spin on it.
    Queue q;
    status_t got = ERR_GENERIC;
    Thread waiter([&] { got = q.block(Deadline::infinite()); });
    ASSERT_TRUE(q.wait_for_waiters(1));
    ASSERT_TRUE(lk_test::eventually([&] { return waiter.asleep(); }));
    {
        AutoSpinLock guard(q.lock);
        EXPECT_EQ(1, q.wq.wake_one_locked(guard, NO_ERROR));
        lk_test::sleep_ms(20);
        EXPECT_TRUE(waiter.asleep());
        EXPECT_FALSE(waiter.done());
    }
    waiter.join();
    EXPECT_EQ(NO_ERROR, got);
}

TEST(wait_queue, wakes_beyond_the_guards_room_and_in_hardirq_happen_at_once) {
    // The guard keeps a few wakes for after the unlock; the rest, and a
    // wake from hard IRQ, are made under the lock. Every thread is woken
    // with its status either way.
    Queue q;
    constexpr int kWaiters = DeferredWakes::kMax + 3;
    std::atomic<int> ok{0};
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kWaiters; i++)
        threads.push_back(std::make_unique<Thread>([&] {
            if (q.block(Deadline::infinite()) == ERR_NO_MSG) ok++;
        }));
    ASSERT_TRUE(q.wait_for_waiters(kWaiters));
    EXPECT_EQ(kWaiters, q.wake_all(ERR_NO_MSG));
    for (auto& t : threads) t->join();
    EXPECT_EQ(kWaiters, ok.load());

    Thread waiter([&] { EXPECT_EQ(NO_ERROR, q.block(Deadline::infinite())); });
    ASSERT_TRUE(q.wait_for_waiters(1));
    Thread([&] {
        lkos_host::set_hardirq(true);
        EXPECT_EQ(1, q.wake_one(NO_ERROR));
        lkos_host::set_hardirq(false);
    }).join();
    waiter.join();
}

TEST(wait_queue, waiter_that_times_out_before_its_late_wake_returns_the_wakers_status) {
    // The wake is decided under the lock and made after it: a waiter whose
    // deadline passes in between is woken all the same (its status is the
    // waker's, the waker counts it), may return and even exit before the
    // wake reaches it; the late wake then finds a thread that is gone
    // (ASan: its storage must still be there).
    lkos_host::set_deferred_wake_delay_us(150000);
    int late = 0;
    for (int round = 0; round < 3; round++) {
        Queue q;
        status_t got = ERR_GENERIC;
        auto* waiter = new Thread([&] { got = q.block(lk_test::in_ms(50)); });
        ASSERT_TRUE(q.wait_for_waiters(1));
        int woken = 0;
        std::jthread waker([&] { woken = q.wake_one(ERR_NO_MSG); });
        waiter->join();  // returned, during the waker's delay, and exited
        delete waiter;
        waker.join();
        // Unless the waker came after the deadline (a slow machine), the
        // waiter was woken, not timed out.
        if (woken == 1) {
            EXPECT_EQ(ERR_NO_MSG, got);
            late++;
        } else {
            EXPECT_EQ(ERR_TIMED_OUT, got);
        }
        EXPECT_EQ(0u, q.waiters());
    }
    lkos_host::set_deferred_wake_delay_us(0);
    EXPECT_GT(late, 0);
}
