// SPDX-License-Identifier: GPL-2.0
//
// Semaphore: LK's counting semantics (a negative count is the number of
// waiters), the count given back by failed waits, destroy.
#include <gtest/gtest.h>

#include <lk/semaphore.h>

#include <memory>
#include <mutex>
#include <vector>

#include "lkos_host.h"
#include "test_util.h"

using namespace lk;
using lk_test::Thread;

namespace {
bool wait_for_count(Semaphore& s, int n) {
    return lk_test::eventually([&] { return s.count() == n; });
}
}  // namespace

TEST(semaphore, trywait_takes_the_initial_count_then_is_not_ready) {
    Semaphore s(2);
    EXPECT_EQ(2, s.count());
    EXPECT_EQ(NO_ERROR, s.trywait());
    EXPECT_EQ(NO_ERROR, s.trywait());
    EXPECT_EQ(ERR_NOT_READY, s.trywait());
    EXPECT_EQ(0, s.count());  // a failed trywait takes nothing
    EXPECT_EQ(0, s.post());
    EXPECT_EQ(NO_ERROR, s.trywait());
}

TEST(semaphore, wait_passes_while_count_is_positive) {
    Semaphore s(3);
    for (int i = 0; i < 3; i++) EXPECT_EQ(NO_ERROR, s.wait());
    EXPECT_EQ(0, s.count());
    EXPECT_EQ(ERR_TIMED_OUT, s.timedwait(Deadline::none()));
}

TEST(semaphore, post_without_waiters_wakes_nobody_and_counts) {
    Semaphore s;
    EXPECT_EQ(0, s.post());
    EXPECT_EQ(0, s.post());
    EXPECT_EQ(2, s.count());
}

TEST(semaphore, post_wakes_one_waiter_and_returns_one) {
    Semaphore s;
    status_t got = ERR_GENERIC;
    Thread waiter([&] { got = s.wait(); });
    EXPECT_TRUE(wait_for_count(s, -1));  // LK: a negative count is the waiters
    EXPECT_EQ(1, s.post());
    waiter.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(0, s.count());
}

TEST(semaphore, waiters_are_woken_in_fifo_order) {
    Semaphore s;
    constexpr int kWaiters = 4;
    std::mutex order_lock;
    std::vector<int> order;
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kWaiters; i++) {
        threads.push_back(std::make_unique<Thread>([&, i] {
            EXPECT_EQ(NO_ERROR, s.wait());
            std::lock_guard<std::mutex> g(order_lock);
            order.push_back(i);
        }));
        EXPECT_TRUE(wait_for_count(s, -(i + 1)));
    }
    for (int i = 0; i < kWaiters; i++) {
        EXPECT_EQ(1, s.post());
        // One post, one waiter: wait for it before the next post.
        EXPECT_TRUE(lk_test::eventually([&] {
            std::lock_guard<std::mutex> g(order_lock);
            return order.size() == size_t(i + 1);
        }));
    }
    for (auto& t : threads) t->join();
    for (int i = 0; i < kWaiters; i++) EXPECT_EQ(i, order[i]);
}

TEST(semaphore, zero_timeout_does_not_block_or_take_count) {
    Semaphore s;
    EXPECT_EQ(ERR_TIMED_OUT, s.timedwait(Deadline::none()));
    EXPECT_EQ(ERR_TIMED_OUT, s.timedwait_ms(0));
    EXPECT_EQ(0, s.count());
    EXPECT_EQ(0, s.post());  // nobody is waiting
    EXPECT_EQ(NO_ERROR, s.timedwait_ms(0));
}

TEST(semaphore, timeout_gives_the_count_back) {
    Semaphore s;
    double start = lk_test::now_ms();
    EXPECT_EQ(ERR_TIMED_OUT, s.timedwait_ms(30));
    EXPECT_GE(lk_test::now_ms() - start, 30.0);
    EXPECT_EQ(0, s.count());
    // Had the timed-out wait kept its -1, this post would be swallowed.
    EXPECT_EQ(0, s.post());
    EXPECT_EQ(NO_ERROR, s.trywait());
}

TEST(semaphore, interrupted_wait_gives_the_count_back) {
    Semaphore s;
    status_t got = NO_ERROR;
    Thread waiter([&] { got = s.wait(Interruptible::Yes); });
    EXPECT_TRUE(wait_for_count(s, -1));
    lkos_host::send_signal(waiter.os());
    waiter.join();
    EXPECT_EQ(ERR_INTERRUPTED, got);
    EXPECT_EQ(0, s.count());
    EXPECT_EQ(0, s.post());
    EXPECT_EQ(1, s.count());
}

TEST(semaphore, interruptible_timedwait_with_pending_signal) {
    Semaphore s(1);
    Thread([&] {
        lkos_host::send_signal(lkos_current());
        // A count is there: the wait succeeds without sleeping, signal or not.
        EXPECT_EQ(NO_ERROR, s.timedwait(Deadline::infinite(), Interruptible::Yes));
        // None left: the pending signal ends the wait at once.
        EXPECT_EQ(ERR_INTERRUPTED, s.timedwait(Deadline::infinite(), Interruptible::Yes));
        EXPECT_EQ(0, s.count());
        // An uninterruptible wait does not care.
        EXPECT_EQ(ERR_TIMED_OUT, s.timedwait(lk_test::in_ms(5)));
        lkos_host::clear_signal();
    }).join();
    EXPECT_EQ(0, s.count());
}

TEST(semaphore, producers_and_consumers_move_an_exact_count) {
    Semaphore s;
    constexpr int kProducers = 3, kConsumers = 5, kPerProducer = 1000;
    constexpr int kTotal = kProducers * kPerProducer;
    static_assert(kTotal % kConsumers == 0);
    std::atomic<long> consumed{0}, woken_by_post{0};
    std::vector<std::jthread> threads;
    for (int i = 0; i < kConsumers; i++)
        threads.emplace_back([&, i] {
            for (int j = 0; j < kTotal / kConsumers; j++) {
                // Mix the waits: plain, polling, timed.
                status_t st;
                if (j % 3 == 0) {
                    st = s.wait();
                } else if (j % 3 == 1) {
                    while ((st = s.trywait()) == ERR_NOT_READY) lkos_yield();
                } else {
                    while ((st = s.timedwait(Deadline::after_ns(50000))) == ERR_TIMED_OUT) {
                    }
                }
                ASSERT_EQ(NO_ERROR, st) << "consumer " << i;
                consumed++;
            }
        });
    for (int i = 0; i < kProducers; i++)
        threads.emplace_back([&] {
            for (int j = 0; j < kPerProducer; j++) woken_by_post += s.post();
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(kTotal, consumed.load());
    EXPECT_EQ(0, s.count());
    EXPECT_GT(woken_by_post.load(), 0);  // some consumers really slept
    EXPECT_LE(woken_by_post.load(), kTotal);
}

TEST(semaphore, timeouts_racing_posts_never_lose_or_duplicate_a_count) {
    // Every post is either taken by exactly one successful wait or is
    // still in the count at the end; a wait that timed out after being
    // woken (or kept its -1) would break the sum.
    Semaphore s;
    constexpr int kWaiters = 3, kWaits = 600, kPosts = 1000;
    std::atomic<long> taken{0};
    std::vector<std::jthread> threads;
    for (int i = 0; i < kWaiters; i++)
        threads.emplace_back([&, i] {
            for (int j = 0; j < kWaits; j++) {
                status_t st = s.timedwait(Deadline::after_ns(10000 + 30000 * ((i + j) % 3)));
                if (st == NO_ERROR) taken++;
                else ASSERT_EQ(ERR_TIMED_OUT, st);
            }
        });
    long woken = 0;
    for (int j = 0; j < kPosts; j++) {
        woken += s.post();
        if (j % 2) std::this_thread::sleep_for(std::chrono::microseconds(40));
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(kPosts, taken.load() + s.count());
    EXPECT_LE(woken, taken.load());
    EXPECT_GT(woken, 0);
}

TEST(semaphore, destroy_wakes_waiters_with_object_destroyed) {
    auto* s = new (nothrow) Semaphore(0);
    ASSERT_NE(nullptr, s);
    constexpr int kWaiters = 3;
    std::atomic<int> destroyed{0};
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kWaiters; i++)
        threads.push_back(std::make_unique<Thread>([&] {
            if (s->wait() == ERR_OBJECT_DESTROYED) destroyed++;
        }));
    EXPECT_TRUE(wait_for_count(*s, -kWaiters));
    s->destroy();
    for (auto& t : threads) t->join();
    EXPECT_EQ(kWaiters, destroyed.load());
    delete s;  // destroy() waited for the woken threads to leave
}

TEST(semaphore, use_after_destroy_is_refused) {
    Semaphore s(1);
    s.destroy();
    s.destroy();  // idempotent, silent
    EXPECT_EQ(0, lkos_host::warnings());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, s.trywait());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, s.wait());
    EXPECT_EQ(0, s.post());
    lk_test::expected_warnings = 3;  // each is misuse, WARNed in debug builds
}

TEST(semaphore, post_from_hardirq_context) {
    Semaphore s;
    status_t got = ERR_GENERIC;
    Thread waiter([&] { got = s.wait(); });
    EXPECT_TRUE(wait_for_count(s, -1));
    int woken = 0;
    Thread([&] {
        lkos_host::set_hardirq(true);
        woken = s.post();  // any context: no sleep, no WARN
        lkos_host::set_hardirq(false);
    }).join();
    waiter.join();
    EXPECT_EQ(1, woken);
    EXPECT_EQ(NO_ERROR, got);
}

TEST(semaphore, post_and_wait_pairs_across_threads_keep_the_count_exact) {
    // Threads take and give back counts as fast as they can, mostly on the
    // lock-free paths (count above zero), now and then below zero (a
    // waiter queues). At the end the count is what it was.
    Semaphore s(2);
    constexpr int kThreads = 4, kRounds = 20000;
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back([&, i] {
            for (int j = 0; j < kRounds; j++) {
                if ((i + j) % 5 == 0) {
                    status_t st;
                    while ((st = s.trywait()) == ERR_NOT_READY) lkos_yield();
                    ASSERT_EQ(NO_ERROR, st);
                } else {
                    ASSERT_EQ(NO_ERROR, s.timedwait(lk_test::in_ms(10000)));
                }
                s.post();
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(2, s.count());
}

TEST(semaphore, destroyed_semaphore_fails_the_lock_free_paths_too) {
    Semaphore s(5);
    s.destroy();
    EXPECT_EQ(0, s.count());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, s.trywait());
    EXPECT_EQ(ERR_OBJECT_DESTROYED, s.timedwait(Deadline::none()));
    EXPECT_EQ(0, s.post());
    EXPECT_EQ(0, s.count());
    lk_test::expected_warnings = 3;  // misuse, WARNed in debug builds
}
