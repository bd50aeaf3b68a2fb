// SPDX-License-Identifier: GPL-2.0
//
// Event: auto-unsignal releases exactly one thread per signal, persistent
// events release everyone until unsignalled; destroy, interrupt context,
// observers.
#include <gtest/gtest.h>

#include <lk/event.h>

#include <memory>
#include <vector>

#include "lkos_host.h"
#include "test_util.h"

using namespace lk;
using lk_test::Thread;

namespace {

// Threads blocked in e.wait(), each counting its return status.
struct Waiters {
    std::atomic<int> ok{0}, destroyed{0}, other{0};
    std::vector<std::unique_ptr<Thread>> threads;  // last: joined before the counters go

    Waiters(Event& e, int n) {
        for (int i = 0; i < n; i++) {
            threads.push_back(std::make_unique<Thread>([&] {
                status_t s = e.wait();
                if (s == NO_ERROR) ok++;
                else if (s == ERR_OBJECT_DESTROYED) destroyed++;
                else other++;
            }));
        }
        EXPECT_TRUE(lk_test::eventually([&] { return e.waiters() == usize(n); }));
    }
    int returned() const { return ok + destroyed + other; }
    void join() {
        for (auto& t : threads) t->join();
    }
};

}  // namespace

TEST(event, autounsignal_signal_releases_exactly_one_waiter) {
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    Waiters w(e, 4);
    EXPECT_EQ(1, e.signal());
    EXPECT_TRUE(lk_test::eventually([&] { return w.ok.load() == 1; }));
    // The woken waiter took the signal: the event is not left signalled,
    // and nobody else passes.
    EXPECT_FALSE(e.is_signaled());
    lk_test::sleep_ms(20);
    EXPECT_EQ(1, w.returned());
    EXPECT_EQ(3u, e.waiters());
    for (int i = 2; i <= 4; i++) {
        EXPECT_EQ(1, e.signal());
        EXPECT_TRUE(lk_test::eventually([&] { return w.ok.load() == i; }));
    }
    w.join();
    EXPECT_EQ(4, w.ok.load());
    EXPECT_FALSE(e.is_signaled());
}

TEST(event, autounsignal_without_waiters_stays_signalled_for_the_next_waiter_only) {
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    EXPECT_EQ(0, e.signal());
    EXPECT_TRUE(e.is_signaled());
    EXPECT_EQ(NO_ERROR, e.wait(Deadline::none()));
    EXPECT_FALSE(e.is_signaled());
    EXPECT_EQ(ERR_TIMED_OUT, e.wait(Deadline::none()));
}

TEST(event, autounsignal_signal_while_signalled_is_a_noop) {
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    EXPECT_EQ(0, e.signal());
    EXPECT_EQ(0, e.signal());  // not counted twice
    EXPECT_EQ(NO_ERROR, e.wait_timeout(0));
    EXPECT_EQ(ERR_TIMED_OUT, e.wait_timeout(0));
}

TEST(event, autounsignal_passes_one_thread_per_signal_under_contention) {
    // Several threads wait repeatedly; each signal is made with a waiter
    // queued, so it must release exactly one thread, never more.
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    constexpr int kThreads = 4, kWaitsEach = 40, kTotal = kThreads * kWaitsEach;
    std::atomic<int> passed{0};
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back([&] {
            for (int j = 0; j < kWaitsEach; j++) {
                if (e.wait() != NO_ERROR) return;
                passed++;
            }
        });
    for (int i = 0; i < kTotal; i++) {
        // A waiter is queued; no thread passes without a signal.
        if (!lk_test::eventually([&] { return e.waiters() >= 1; })) break;
        EXPECT_EQ(i, passed.load());
        int woken = e.signal();
        EXPECT_EQ(1, woken);
        if (woken != 1 || !lk_test::eventually([&] { return passed.load() >= i + 1; })) break;
    }
    EXPECT_EQ(kTotal, passed.load());
    EXPECT_FALSE(e.is_signaled());
    e.destroy();  // releases any thread left behind by a failure above
    for (auto& t : threads) t.join();
}

TEST(event, persistent_signal_wakes_all_and_returns_the_count) {
    Event e;
    Waiters w(e, 3);
    EXPECT_EQ(3, e.signal());
    w.join();
    EXPECT_EQ(3, w.ok.load());
    EXPECT_EQ(0u, e.waiters());
}

TEST(event, persistent_stays_signalled_until_unsignal) {
    Event e;
    EXPECT_EQ(0, e.signal());
    EXPECT_TRUE(e.is_signaled());
    for (int i = 0; i < 3; i++) EXPECT_EQ(NO_ERROR, e.wait(Deadline::none()));
    EXPECT_TRUE(e.is_signaled());
    // Signalling a signalled event does nothing.
    EXPECT_EQ(0, e.signal());
    EXPECT_EQ(NO_ERROR, e.unsignal());
    EXPECT_FALSE(e.is_signaled());
    EXPECT_EQ(ERR_TIMED_OUT, e.wait(Deadline::none()));
    EXPECT_EQ(NO_ERROR, e.unsignal());  // unsignalling an unsignalled event is fine
    // After an unsignal, signal wakes again.
    Waiters w(e, 2);
    EXPECT_EQ(2, e.signal());
    w.join();
}

TEST(event, signal_on_a_persistent_signalled_event_wakes_nobody) {
    Event e(true);
    // Nobody can be blocked on a signalled persistent event; signal is a
    // no-op and says so.
    EXPECT_EQ(0, e.signal());
    EXPECT_EQ(NO_ERROR, e.wait());
}

TEST(event, initially_signalled) {
    Event persistent(true), autou(true, EVENT_FLAG_AUTOUNSIGNAL);
    EXPECT_TRUE(persistent.is_signaled());
    EXPECT_EQ(NO_ERROR, persistent.wait(Deadline::none()));
    EXPECT_EQ(NO_ERROR, persistent.wait(Deadline::none()));
    EXPECT_EQ(NO_ERROR, autou.wait(Deadline::none()));
    EXPECT_EQ(ERR_TIMED_OUT, autou.wait(Deadline::none()));
    EXPECT_EQ(EVENT_FLAG_AUTOUNSIGNAL, autou.flags());
    EXPECT_EQ(0u, persistent.flags());
}

TEST(event, finite_timeout) {
    Event e;
    double start = lk_test::now_ms();
    EXPECT_EQ(ERR_TIMED_OUT, e.wait_timeout(30));
    EXPECT_GE(lk_test::now_ms() - start, 30.0);
    EXPECT_EQ(0u, e.waiters());
    // A signal before the deadline ends the wait with NO_ERROR.
    status_t got = ERR_GENERIC;
    Thread t([&] { got = e.wait(lk_test::in_ms(10000)); });
    EXPECT_TRUE(lk_test::eventually([&] { return e.waiters() == 1; }));
    EXPECT_EQ(1, e.signal());
    t.join();
    EXPECT_EQ(NO_ERROR, got);
}

TEST(event, destroy_wakes_waiters_with_object_destroyed) {
    auto* e = new (nothrow) Event();
    ASSERT_NE(nullptr, e);
    Waiters w(*e, 3);
    e->destroy();
    w.join();
    EXPECT_EQ(3, w.destroyed.load());
    EXPECT_EQ(0, w.ok + w.other);
    delete e;  // destroy() waited for the woken threads to leave
}

// shutdown: LK's destroy while the object stays valid for later calls,
// which all say ERR_OBJECT_DESTROYED without a warning.
TEST(event, shutdown_wakes_waiters_and_refuses_later_calls) {
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    int observed = 0;
    e.set_observer(Observer{[](void* c) { ++*static_cast<int*>(c); }, &observed});
    {
        Waiters w(e, 2);
        EXPECT_EQ(NO_ERROR, e.shutdown());
        w.join();
        EXPECT_EQ(2, w.destroyed.load());
        EXPECT_EQ(0, w.ok + w.other);
    }
    EXPECT_LE(1, observed);  // pollers hear of it
    EXPECT_TRUE(e.is_shut_down());
    EXPECT_FALSE(e.is_signaled());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, e.wait(Deadline::none()));
    EXPECT_EQ(ERR_OBJECT_DESTROYED, e.wait());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, e.signal());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, e.unsignal());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, e.shutdown());
    EXPECT_EQ(0u, e.waiters());
    e.destroy();
}

TEST(event, use_after_destroy_is_refused) {
    Event e(true);
    e.destroy();
    e.destroy();  // idempotent, silent
    EXPECT_EQ(0, lkos_host::warnings());
    EXPECT_FALSE(e.is_signaled());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, e.wait());
    EXPECT_EQ(0, e.signal());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, e.unsignal());
    lk_test::expected_warnings = 3;  // each is misuse, WARNed in debug builds
}

TEST(event, interruptible_wait_ends_on_signal) {
    Event e;
    status_t got = NO_ERROR;
    Thread t([&] { got = e.wait(Deadline::infinite(), Interruptible::Yes); });
    EXPECT_TRUE(lk_test::eventually([&] { return e.waiters() == 1; }));
    lkos_host::send_signal(t.os());
    t.join();
    EXPECT_EQ(ERR_INTERRUPTED, got);
    EXPECT_EQ(0u, e.waiters());
    // Nobody took anything: a later signal with no waiter stays pending.
    EXPECT_EQ(0, e.signal());
    EXPECT_TRUE(e.is_signaled());
}

TEST(event, autounsignal_interrupted_waiter_does_not_consume_a_later_signal) {
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    status_t got = NO_ERROR;
    Thread t([&] { got = e.wait(Deadline::infinite(), Interruptible::Yes); });
    EXPECT_TRUE(lk_test::eventually([&] { return e.waiters() == 1; }));
    lkos_host::send_signal(t.os());
    t.join();
    EXPECT_EQ(ERR_INTERRUPTED, got);
    EXPECT_EQ(0, e.signal());  // nobody left to wake: stays signalled
    EXPECT_EQ(NO_ERROR, e.wait(Deadline::none()));
}

TEST(event, signal_from_hardirq_context) {
    for (u32 flags : {0u, EVENT_FLAG_AUTOUNSIGNAL}) {
        Event e(false, flags);
        Waiters w(e, 2);
        int woken = 0;
        Thread([&] {
            lkos_host::set_hardirq(true);
            // Any context: no sleep, no WARN. Twice for auto-unsignal.
            woken = e.signal();
            if (flags) woken += e.signal();
            EXPECT_EQ(NO_ERROR, e.unsignal());
            lkos_host::set_hardirq(false);
        }).join();
        w.join();
        EXPECT_EQ(2, woken);
        EXPECT_EQ(2, w.ok.load());
    }
    EXPECT_EQ(0, lkos_host::warnings());
}

TEST(event, waiting_in_hardirq_context_is_reported) {
    // The counterpart of the test above: the host does flag a sleep in
    // IRQ context, so the silence there means something.
    Event e;
    Thread([&] {
        lkos_host::set_hardirq(true);
        EXPECT_EQ(ERR_TIMED_OUT, e.wait(lk_test::in_ms(1)));
        lkos_host::set_hardirq(false);
    }).join();
    EXPECT_GE(lkos_host::warnings(), 1);
    lk_test::expected_warnings = lkos_host::warnings();
}

TEST(event, observer_is_told_of_signal_unsignal_and_destroy) {
    std::atomic<int> notes{0};
    auto note = [](void* ctx) { static_cast<std::atomic<int>*>(ctx)->fetch_add(1); };
    {
        Event e;
        e.set_observer(Observer{note, &notes});
        EXPECT_EQ(0, e.signal());
        EXPECT_EQ(1, notes.load());
        EXPECT_EQ(0, e.signal());  // no change: no notification needed
        EXPECT_EQ(NO_ERROR, e.unsignal());
        EXPECT_EQ(2, notes.load());
        e.destroy();
        EXPECT_EQ(3, notes.load());
    }
    notes = 0;
    {
        Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
        e.set_observer(Observer{note, &notes});
        EXPECT_EQ(0, e.signal());
        EXPECT_EQ(1, notes.load());
        // A wait that consumes the signal changes readiness too.
        EXPECT_EQ(NO_ERROR, e.wait(Deadline::none()));
        EXPECT_EQ(2, notes.load());
        // A signal that goes straight to a waiter is still reported.
        Waiters w(e, 1);
        EXPECT_EQ(1, e.signal());
        w.join();
        EXPECT_GE(notes.load(), 3);
    }
}

// ---- the lock-free paths: no waiter queued, no observer --------------------------

TEST(event, autounsignal_ping_pong_loses_and_duplicates_no_signal) {
    // Two threads hand a turn back and forth through two auto-unsignal
    // events: most signals find the other thread not yet waiting (the
    // lock-free set and take), some find it queued (the wake). A lost
    // signal stalls the game, a duplicated one lets a thread take two
    // turns in a row.
    Event ping(false, EVENT_FLAG_AUTOUNSIGNAL), pong(false, EVENT_FLAG_AUTOUNSIGNAL);
    constexpr int kRounds = 20000;
    std::atomic<int> turn{0};
    std::jthread other([&] {
        for (int i = 0; i < kRounds; i++) {
            ASSERT_EQ(NO_ERROR, ping.wait(lk_test::in_ms(10000)));
            ASSERT_EQ(2 * i + 1, turn.load());
            turn.store(2 * i + 2);
            pong.signal();
        }
    });
    for (int i = 0; i < kRounds; i++) {
        ASSERT_EQ(2 * i, turn.load());
        turn.store(2 * i + 1);
        ping.signal();
        ASSERT_EQ(NO_ERROR, pong.wait(lk_test::in_ms(10000)));
    }
    other.join();
    EXPECT_EQ(2 * kRounds, turn.load());
    EXPECT_FALSE(ping.is_signaled());
    EXPECT_FALSE(pong.is_signaled());
}

TEST(event, autounsignal_one_waiter_two_concurrent_signals_wake_it_and_stay_signalled) {
    // One thread waits; two signals race. One of them releases the waiter
    // (returns 1), the other finds nobody queued and leaves the event
    // signalled (returns 0) for exactly one later wait.
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    for (int round = 0; round < 200; round++) {
        Thread waiter([&] { EXPECT_EQ(NO_ERROR, e.wait()); });
        ASSERT_TRUE(lk_test::eventually([&] { return e.waiters() == 1; }));
        std::atomic<int> go{0}, woken{0};
        std::vector<std::jthread> signallers;
        for (int i = 0; i < 2; i++)
            signallers.emplace_back([&] {
                go++;
                while (go.load() < 2) {
                }
                woken += e.signal();
            });
        for (auto& t : signallers) t.join();
        waiter.join();
        ASSERT_EQ(1, woken.load()) << "round " << round;
        ASSERT_TRUE(e.is_signaled()) << "round " << round;
        ASSERT_EQ(NO_ERROR, e.wait(Deadline::none()));
        ASSERT_EQ(ERR_TIMED_OUT, e.wait(Deadline::none()));
    }
}

TEST(event, autounsignal_signal_racing_arriving_waiters_releases_exactly_one) {
    // Waiters arrive while the signal is made: each signal must release
    // exactly one of them, whether it finds one queued or leaves the
    // event signalled for the first to arrive; never two, never none.
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    constexpr int kThreads = 3, kSignals = 3000;
    std::atomic<int> passed{0};
    std::atomic<bool> stop{false};
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back([&] {
            while (!stop.load()) {
                status_t st = e.wait(Deadline::after_ns(200000));
                if (st == NO_ERROR) passed++;
                else ASSERT_EQ(ERR_TIMED_OUT, st);
            }
        });
    for (int i = 0; i < kSignals; i++) {
        e.signal();
        ASSERT_TRUE(lk_test::eventually([&] { return passed.load() >= i + 1; })) << "signal " << i;
        // Taken by one thread: unsignalled again, and nobody else passed.
        ASSERT_EQ(i + 1, passed.load());
        ASSERT_FALSE(e.is_signaled());
    }
    stop = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(kSignals, passed.load());
}

TEST(event, persistent_waits_pass_lock_free_until_unsignal) {
    Event e(false, 0);
    EXPECT_EQ(0, e.signal());
    EXPECT_EQ(0, e.signal());  // signalled already: nothing to do
    std::vector<std::jthread> threads;
    std::atomic<int> passed{0};
    for (int i = 0; i < 4; i++)
        threads.emplace_back([&] {
            for (int j = 0; j < 1000; j++)
                if (e.wait(Deadline::none()) == NO_ERROR) passed++;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(4000, passed.load());
    EXPECT_EQ(NO_ERROR, e.unsignal());
    EXPECT_EQ(ERR_TIMED_OUT, e.wait(Deadline::none()));
}

TEST(event, destroy_with_wakes_pending_frees_safely) {
    // A signal wakes more threads than its guard has room for; its last
    // wakes are still to come, after its unlock, when another thread
    // destroys and frees the event. destroy() must wait for the woken
    // threads, and the late wakes must touch nothing of the event (ASan).
    lkos_host::set_deferred_wake_delay_us(3000);
    for (int round = 0; round < 10; round++) {
        auto* e = new (nothrow) Event(false, 0);
        ASSERT_NE(nullptr, e);
        constexpr int kWaiters = 6;
        std::atomic<int> ok{0};
        std::vector<std::unique_ptr<Thread>> threads;
        for (int i = 0; i < kWaiters; i++)
            threads.push_back(std::make_unique<Thread>([&] {
                if (e->wait() == NO_ERROR) ok++;
            }));
        ASSERT_TRUE(lk_test::eventually([&] { return e->waiters() == kWaiters; }));
        std::jthread signaller([&] { EXPECT_EQ(kWaiters, e->signal()); });
        ASSERT_TRUE(lk_test::eventually([&] { return e->waiters() == 0; }));
        e->destroy();
        delete e;
        signaller.join();
        for (auto& t : threads) t->join();
        EXPECT_EQ(kWaiters, ok.load());
    }
    lkos_host::set_deferred_wake_delay_us(0);
}
