// SPDX-License-Identifier: GPL-2.0
//
// SpinLock and its guards: LK's trylock convention, is_held, interrupt
// state of the two guards, mutual exclusion.
#include <gtest/gtest.h>

#include <lk/spinlock.h>

#include <vector>

#include "test_util.h"

using namespace lk;
using lk_test::Thread;

TEST(spinlock, trylock_returns_zero_when_taken_and_busy_when_held) {
    SpinLock lock;
    // LK's convention: 0 means the lock was taken.
    ASSERT_EQ(0, lock.trylock());
    EXPECT_TRUE(lock.is_held());
    int other = 0;
    Thread([&] { other = lock.trylock(); }).join();
    EXPECT_NE(0, other);
    EXPECT_EQ(ERR_BUSY, other);
    lock.unlock();
    EXPECT_FALSE(lock.is_held());
    Thread([&] {
        other = lock.trylock();
        if (other == 0) lock.unlock();
    }).join();
    EXPECT_EQ(0, other);
}

TEST(spinlock, trylock_irqsave_disables_interrupts_only_when_taken) {
    SpinLock lock;
    unsigned long flags;
    ASSERT_EQ(0, lock.trylock_irqsave(&flags));
    EXPECT_TRUE(lkos_irqs_disabled());
    int other = 0;
    bool irqs_off_after_failure = true;
    Thread([&] {
        unsigned long f;
        other = lock.trylock_irqsave(&f);
        irqs_off_after_failure = lkos_irqs_disabled();
    }).join();
    EXPECT_EQ(ERR_BUSY, other);
    EXPECT_FALSE(irqs_off_after_failure);
    lock.unlock_irqrestore(flags);
    EXPECT_FALSE(lkos_irqs_disabled());
}

TEST(spinlock, is_held_only_on_the_holder) {
    SpinLock lock;
    EXPECT_FALSE(lock.is_held());
    unsigned long flags = lock.lock_irqsave();
    EXPECT_TRUE(lock.is_held());
    // Several threads, so that some share a CPU with the holder: none of
    // them holds the lock, none may be told it does.
    std::atomic<int> wrong{0};
    std::vector<std::jthread> others;
    for (int i = 0; i < 4; i++)
        others.emplace_back([&] {
            for (int j = 0; j < 200; j++) {
                if (lock.is_held()) wrong++;
                std::this_thread::yield();
            }
        });
    for (int j = 0; j < 200; j++) {
        if (!lock.is_held()) wrong++;
        std::this_thread::yield();
    }
    for (auto& t : others) t.join();
    EXPECT_EQ(0, wrong.load());
    lock.unlock_irqrestore(flags);
    EXPECT_FALSE(lock.is_held());
}

TEST(spinlock, auto_spinlock_holds_for_its_scope_with_interrupts_off) {
    SpinLock lock;
    EXPECT_FALSE(lkos_irqs_disabled());
    {
        AutoSpinLock guard(lock);
        EXPECT_TRUE(lock.is_held());
        EXPECT_TRUE(guard.guards(lock));
        EXPECT_TRUE(lkos_irqs_disabled());
    }
    EXPECT_FALSE(lock.is_held());
    EXPECT_FALSE(lkos_irqs_disabled());
    // Released for real: another thread takes it.
    int other = -1;
    Thread([&] {
        other = lock.trylock();
        if (other == 0) lock.unlock();
    }).join();
    EXPECT_EQ(0, other);
}

TEST(spinlock, auto_spinlock_early_release_unlocks_once) {
    SpinLock lock;
    {
        AutoSpinLock guard(lock);
        guard.release();
        EXPECT_FALSE(lock.is_held());
        EXPECT_FALSE(lkos_irqs_disabled());
        EXPECT_FALSE(guard.guards(lock));
        // Someone else takes the lock before the guard's scope ends; the
        // guard's destructor must not unlock it from under them.
        ASSERT_EQ(0, lock.trylock());
    }
    EXPECT_TRUE(lock.is_held());
    int other = -1;
    Thread([&] { other = lock.trylock(); }).join();
    EXPECT_EQ(ERR_BUSY, other);
    lock.unlock();
}

TEST(spinlock, auto_spinlock_no_irqsave_leaves_interrupts_alone) {
    SpinLock lock;
    {
        AutoSpinLockNoIrqSave guard(lock);
        EXPECT_TRUE(lock.is_held());
        EXPECT_FALSE(lkos_irqs_disabled());
        int other = -1;
        Thread([&] { other = lock.trylock(); }).join();
        EXPECT_EQ(ERR_BUSY, other);
    }
    EXPECT_FALSE(lock.is_held());
    {
        AutoSpinLockNoIrqSave guard(lock);
        guard.release();
        EXPECT_FALSE(lock.is_held());
        ASSERT_EQ(0, lock.trylock());
    }
    EXPECT_TRUE(lock.is_held());
    lock.unlock();
}

TEST(spinlock, nested_guards_restore_interrupt_state_in_order) {
    SpinLock outer, inner;
    {
        AutoSpinLock a(outer);
        {
            AutoSpinLock b(inner);
            EXPECT_TRUE(inner.is_held() && outer.is_held());
        }
        // Leaving the inner section must not turn interrupts back on.
        EXPECT_TRUE(lkos_irqs_disabled());
        EXPECT_FALSE(inner.is_held());
        EXPECT_TRUE(outer.is_held());
    }
    EXPECT_FALSE(lkos_irqs_disabled());
}

TEST(spinlock, mutual_exclusion_under_contention) {
    SpinLock lock;
    long counter = 0;  // plain: a lapse in exclusion is a lost update and a TSan report
    constexpr int kThreads = 4, kIters = 20000;
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back([&, i] {
            for (int j = 0; j < kIters; j++) {
                if ((i + j) % 2) {
                    AutoSpinLock guard(lock);
                    counter++;
                } else {
                    AutoSpinLockNoIrqSave guard(lock);
                    counter++;
                }
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(long(kThreads) * kIters, counter);
}
