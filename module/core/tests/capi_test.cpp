// SPDX-License-Identifier: GPL-2.0
//
// LK's C API (lk/capi.h): embedded objects in caller storage, handles for
// ports, LK's status values, the longer aliases. Each family is checked to
// behave as the C++ primitive underneath.
#include <gtest/gtest.h>

#include <lk/capi.h>
#include <lk/err.h>

#include <atomic>
#include <cstring>
#include <memory>

#include "lkos_host.h"
#include "test_util.h"

using lk_test::Thread;

namespace {

lk_port_packet_t cpacket(unsigned char tag) {
    lk_port_packet_t p;
    std::memset(p.value, tag, sizeof(p.value));
    return p;
}

bool all_bytes(const lk_port_packet_t& p, unsigned char tag) {
    for (unsigned char b : p.value)
        if (b != tag) return false;
    return true;
}

}  // namespace

TEST(capi, status_values_are_lks) {
    // Ported LK code compares against these numbers; C callers spell them
    // LK_ERR_*.
    EXPECT_EQ(0, LK_NO_ERROR);
    EXPECT_EQ(-2, LK_ERR_NOT_FOUND);
    EXPECT_EQ(-11, LK_ERR_OBJECT_DESTROYED);
    EXPECT_EQ(-13, LK_ERR_TIMED_OUT);
    EXPECT_EQ(-26, LK_ERR_CANCELLED);
    EXPECT_EQ(-44, LK_ERR_PARTIAL_WRITE);
    EXPECT_EQ(int(lk::ERR_INTERRUPTED), LK_ERR_INTERRUPTED);
    EXPECT_EQ(int(lk::ERR_ACCESS_DENIED), LK_ERR_ACCESS_DENIED);
    EXPECT_STREQ("ERR_CANCELLED", lk_status_name(LK_ERR_CANCELLED));
    EXPECT_EQ(LK_INFINITE_TIME, lk::INFINITE_TIME);
}

TEST(capi, mutex) {
    lk_mutex_t m;
    lk_mutex_init(&m);
    EXPECT_EQ(0, lk_is_mutex_held(&m));
    EXPECT_EQ(lk::NO_ERROR, lk_mutex_acquire(&m));
    EXPECT_EQ(1, lk_is_mutex_held(&m));
    Thread([&] {
        EXPECT_EQ(0, lk_is_mutex_held(&m));
        EXPECT_EQ(lk::ERR_TIMED_OUT, lk_mutex_acquire_timeout(&m, 0));
        EXPECT_EQ(lk::ERR_TIMED_OUT, lk_mutex_acquire_timeout(&m, 5));
        EXPECT_EQ(lk::ERR_NOT_ALLOWED, lk_mutex_release(&m));  // not the holder: WARN
    }).join();
    lk_test::expected_warnings = 1;
    // Hand-off to a blocked waiter.
    std::atomic<bool> got{false};
    Thread waiter([&] {
        EXPECT_EQ(lk::NO_ERROR, lk_mutex_acquire_timeout(&m, LK_INFINITE_TIME));
        got = true;
        EXPECT_EQ(lk::NO_ERROR, lk_mutex_release(&m));
    });
    EXPECT_TRUE(waiter.asleep());
    EXPECT_EQ(lk::NO_ERROR, lk_mutex_release(&m));
    waiter.join();
    EXPECT_TRUE(got.load());
    EXPECT_EQ(0, lk_is_mutex_held(&m));
    EXPECT_EQ(lk::NO_ERROR, lk_mutex_acquire_timeout(&m, 0));  // free: a zero timeout succeeds
    EXPECT_EQ(lk::NO_ERROR, lk_mutex_release(&m));
    lk_mutex_destroy(&m);
    // The storage may be initialised again after destroy.
    lk_mutex_init(&m);
    EXPECT_EQ(lk::NO_ERROR, lk_mutex_acquire(&m));
    EXPECT_EQ(lk::NO_ERROR, lk_mutex_release(&m));
    lk_mutex_destroy(&m);
}

TEST(capi, mutex_destroy_wakes_waiters) {
    lk_mutex_t m;
    lk_mutex_init(&m);
    ASSERT_EQ(lk::NO_ERROR, lk_mutex_acquire(&m));
    int got = 0;
    Thread waiter([&] { got = lk_mutex_acquire(&m); });
    EXPECT_TRUE(waiter.asleep());
    lk_mutex_destroy(&m);  // held: WARN
    waiter.join();
    EXPECT_EQ(lk::ERR_OBJECT_DESTROYED, got);
    lk_test::expected_warnings = 1;
}

TEST(capi, semaphore) {
    lk_semaphore_t s;
    lk_sem_init(&s, 1);
    EXPECT_EQ(lk::NO_ERROR, lk_sem_trywait(&s));
    EXPECT_EQ(lk::ERR_NOT_READY, lk_sem_trywait(&s));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_sem_timedwait(&s, 0));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_sem_timedwait(&s, 5));
    EXPECT_EQ(0, lk_sem_post(&s));  // nobody waiting
    EXPECT_EQ(lk::NO_ERROR, lk_sem_wait(&s));
    int got = -1;
    Thread waiter([&] { got = lk_sem_timedwait(&s, LK_INFINITE_TIME); });
    EXPECT_TRUE(waiter.asleep());
    EXPECT_EQ(1, lk_sem_post(&s));  // woke one
    waiter.join();
    EXPECT_EQ(lk::NO_ERROR, got);
    Thread blocked([&] { got = lk_sem_wait(&s); });
    EXPECT_TRUE(blocked.asleep());
    lk_sem_destroy(&s);
    blocked.join();
    EXPECT_EQ(lk::ERR_OBJECT_DESTROYED, got);
}

TEST(capi, event) {
    lk_event_t e;
    lk_event_init(&e, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
    EXPECT_EQ(0, lk_event_is_signaled(&e));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_event_wait_deadline(&e, LK_DEADLINE_NONE, 0));
    std::atomic<int> notes{0};
    lk_event_set_notify(
        &e, [](void* c) { static_cast<std::atomic<int>*>(c)->fetch_add(1); }, &notes);
    EXPECT_EQ(0, lk_event_signal(&e));  // nobody waiting: stays signalled
    EXPECT_EQ(1, notes.load());
    EXPECT_EQ(1, lk_event_is_signaled(&e));
    EXPECT_EQ(lk::NO_ERROR, lk_event_wait(&e));
    EXPECT_EQ(0, lk_event_is_signaled(&e));  // auto-unsignal: one pass
    int got = -1;
    Thread waiter([&] { got = lk_event_wait_deadline(&e, LK_DEADLINE_FOREVER, 0); });
    EXPECT_TRUE(lk_test::eventually([&] { return lk_event_waiters(&e) == 1; }));
    EXPECT_EQ(1, lk_event_signal(&e));
    waiter.join();
    EXPECT_EQ(lk::NO_ERROR, got);
    EXPECT_EQ(0u, lk_event_waiters(&e));
    // Interruptible deadline wait.
    Thread intr([&] { got = lk_event_wait_deadline(&e, lkos_now_ns() + 10000000000ull, 1); });
    EXPECT_TRUE(lk_test::eventually([&] { return lk_event_waiters(&e) == 1; }));
    lkos_host::send_signal(intr.os());
    intr.join();
    EXPECT_EQ(lk::ERR_INTERRUPTED, got);
    EXPECT_EQ(lk::NO_ERROR, lk_event_unsignal(&e));
    // Destroy with a waiter.
    Thread doomed([&] { got = lk_event_wait(&e); });
    EXPECT_TRUE(lk_test::eventually([&] { return lk_event_waiters(&e) == 1; }));
    lk_event_destroy(&e);
    doomed.join();
    EXPECT_EQ(lk::ERR_OBJECT_DESTROYED, got);
}

// LK's static initial values: file-scope objects, built by their first
// use.
lk_mutex_t g_static_mutex = LK_MUTEX_INITIAL_VALUE(g_static_mutex);
lk_semaphore_t g_static_sem = LK_SEMAPHORE_INITIAL_VALUE(g_static_sem, 2);
lk_event_t g_static_event = LK_EVENT_INITIAL_VALUE(g_static_event, 1, LK_EVENT_FLAG_AUTOUNSIGNAL);
lk_semaphore_t g_raced_sem = LK_SEMAPHORE_INITIAL_VALUE(g_raced_sem, 0);

TEST(capi, static_initial_values_build_on_first_use) {
    // Before any use: what the value says, and nothing built.
    EXPECT_EQ(LK_INIT_STATIC, g_static_sem.init);
    EXPECT_EQ(2, lk_sem_count(&g_static_sem));
    EXPECT_EQ(1, lk_event_is_signaled(&g_static_event));
    EXPECT_EQ(0u, lk_event_waiters(&g_static_event));
    EXPECT_EQ(0, lk_is_mutex_held(&g_static_mutex));
    EXPECT_EQ(LK_INIT_STATIC, g_static_mutex.init);

    EXPECT_EQ(lk::NO_ERROR, lk_mutex_acquire(&g_static_mutex));
    EXPECT_EQ(LK_INIT_READY, g_static_mutex.init);
    EXPECT_EQ(1, lk_is_mutex_held(&g_static_mutex));
    EXPECT_EQ(lk::NO_ERROR, lk_mutex_release(&g_static_mutex));

    EXPECT_EQ(lk::NO_ERROR, lk_sem_trywait(&g_static_sem));
    EXPECT_EQ(1, lk_sem_count(&g_static_sem));
    EXPECT_EQ(lk::NO_ERROR, lk_sem_trywait(&g_static_sem));
    EXPECT_EQ(lk::ERR_NOT_READY, lk_sem_trywait(&g_static_sem));
    EXPECT_EQ(0, lk_sem_count(&g_static_sem));

    // Created signalled, auto-unsignal: one pass.
    EXPECT_EQ(lk::NO_ERROR, lk_event_wait_timeout(&g_static_event, 0));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_event_wait_timeout(&g_static_event, 0));
    EXPECT_NE(0u, lk_event_id(&g_static_event));

    lk_mutex_destroy(&g_static_mutex);
    lk_sem_destroy(&g_static_sem);
    lk_event_destroy(&g_static_event);
    EXPECT_EQ(LK_INIT_DONE, g_static_event.init);
}

// Threads racing to be the first to use a statically initialised object
// build it once: every post counts.
TEST(capi, static_initial_value_first_use_race) {
    constexpr int kThreads = 8, kPosts = 100;
    std::atomic<bool> go{false};
    std::unique_ptr<Thread> threads[kThreads];
    for (auto& t : threads)
        t = std::make_unique<Thread>([&] {
            while (!go.load()) {
            }
            for (int i = 0; i < kPosts; i++) lk_sem_post(&g_raced_sem);
        });
    go.store(true);
    for (auto& t : threads) t->join();
    EXPECT_EQ(kThreads * kPosts, lk_sem_count(&g_raced_sem));
    lk_sem_destroy(&g_raced_sem);
}

// Storage never initialised is refused with a WARN, not used.
TEST(capi, uninitialised_object_is_refused) {
    lk_semaphore_t s;
    lk_event_t e;
    std::memset(&s, 0, sizeof(s));
    std::memset(&e, 0, sizeof(e));
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_sem_post(&s));
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_event_signal(&e));
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_event_wait_timeout(&e, 0));
    lk_test::expected_warnings = 3;
}

// The count: posts available, or waiters as a negative number.
TEST(capi, semaphore_count) {
    lk_semaphore_t s;
    lk_sem_init(&s, 3);
    EXPECT_EQ(3, lk_sem_count(&s));
    EXPECT_EQ(lk::NO_ERROR, lk_sem_trywait(&s));
    EXPECT_EQ(2, lk_sem_count(&s));
    EXPECT_EQ(0, lk_sem_post_resched(&s, 1));
    EXPECT_EQ(3, lk_sem_count(&s));
    for (int i = 0; i < 3; i++) EXPECT_EQ(lk::NO_ERROR, lk_sem_trywait(&s));
    int got = -1;
    Thread waiter([&] { got = lk_sem_wait(&s); });
    EXPECT_TRUE(lk_test::eventually([&] { return lk_sem_count(&s) == -1; }));
    EXPECT_EQ(1, lk_sem_post_resched(&s, 1));  // woke it, offered the CPU
    waiter.join();
    EXPECT_EQ(lk::NO_ERROR, got);
    EXPECT_EQ(0, lk_sem_count(&s));
    lk_sem_destroy(&s);
}

// LK's resched argument changes what runs when, never what is woken.
TEST(capi, event_signal_resched_counts_woken) {
    lk_event_t e;
    lk_event_init(&e, 0, 0);
    int got[2] = {-1, -1};
    Thread a([&] { got[0] = lk_event_wait(&e); });
    Thread b([&] { got[1] = lk_event_wait(&e); });
    EXPECT_TRUE(lk_test::eventually([&] { return lk_event_waiters(&e) == 2; }));
    EXPECT_EQ(2, lk_event_signal_resched(&e, 1));
    a.join();
    b.join();
    EXPECT_EQ(lk::NO_ERROR, got[0]);
    EXPECT_EQ(lk::NO_ERROR, got[1]);
    EXPECT_EQ(0, lk_event_signal_resched(&e, 1));  // signalled already
    lk_event_destroy(&e);
}

TEST(capi, event_persistent_and_ids) {
    lk_event_t a, b;
    lk_event_init(&a, 1, 0);
    lk_event_init(&b, 0, 0);
    // Tracepoint ids: non-zero, distinct.
    EXPECT_NE(0u, lk_event_id(&a));
    EXPECT_NE(lk_event_id(&a), lk_event_id(&b));
    EXPECT_EQ(lk::NO_ERROR, lk_event_wait(&a));
    EXPECT_EQ(lk::NO_ERROR, lk_event_wait(&a));  // persistent
    EXPECT_EQ(0, lk_event_signal(&a));           // already signalled
    std::atomic<int> done{0};
    Thread w1([&] { done += lk_event_wait(&b) == lk::NO_ERROR; });
    Thread w2([&] { done += lk_event_wait(&b) == lk::NO_ERROR; });
    EXPECT_TRUE(lk_test::eventually([&] { return lk_event_waiters(&b) == 2; }));
    EXPECT_EQ(2, lk_event_signal(&b));  // wakes all, returns the count
    w1.join();
    w2.join();
    EXPECT_EQ(2, done.load());
    lk_event_destroy(&a);
    lk_event_destroy(&b);
}

TEST(capi, port_lifecycle_on_the_default_registry) {
    lk_port_t wp = nullptr, rp = nullptr, again = nullptr;
    ASSERT_EQ(lk::NO_ERROR, lk_port_create("capi-port", LK_PORT_MODE_UNICAST, &wp));
    EXPECT_EQ(8u, lk_port_capacity(wp));
    // LK hands the existing port back with ERR_ALREADY_EXISTS.
    EXPECT_EQ(lk::ERR_ALREADY_EXISTS, lk_port_create("capi-port", LK_PORT_MODE_BROADCAST, &again));
    EXPECT_EQ(wp, again);
    lk_port_packet_t p = cpacket(0xab);
    EXPECT_EQ(lk::NO_ERROR, lk_port_write(wp, &p, 1));
    EXPECT_EQ(lk::ERR_NOT_FOUND, lk_port_open("capi-missing", nullptr, &rp));
    ASSERT_EQ(lk::NO_ERROR, lk_port_open("capi-port", lk_test::ctx(9), &rp));
    lk_port_t second = nullptr;
    EXPECT_EQ(lk::ERR_NOT_ALLOWED, lk_port_open("capi-port", nullptr, &second));
    EXPECT_EQ(1, lk_port_readable(rp));
    lk_port_result_t r;
    ASSERT_EQ(lk::NO_ERROR, lk_port_read(rp, 0, &r));
    EXPECT_TRUE(all_bytes(r.packet, 0xab));
    EXPECT_EQ(lk_test::ctx(9), r.ctx);
    EXPECT_EQ(0, lk_port_readable(rp));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_port_read(rp, 0, &r));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_port_read_timeout(rp, 5, &r));
    // Wrong kinds of handle.
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_read(wp, 0, &r));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_write(rp, &p, 1));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_destroy(wp));  // still open
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_destroy(rp));
    // A blocked read is woken by a write.
    Thread reader([&] {
        lk_port_result_t x;
        EXPECT_EQ(lk::NO_ERROR, lk_port_read_timeout(rp, LK_INFINITE_TIME, &x));
        EXPECT_TRUE(all_bytes(x.packet, 0x11));
    });
    EXPECT_TRUE(reader.asleep());
    p = cpacket(0x11);
    EXPECT_EQ(lk::NO_ERROR, lk_port_write(wp, &p, 1));
    reader.join();
    EXPECT_EQ(lk::NO_ERROR, lk_port_close(wp));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_close(wp));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_write(wp, &p, 1));
    EXPECT_EQ(lk::NO_ERROR, lk_port_destroy(wp));
    EXPECT_EQ(lk::ERR_CANCELLED, lk_port_read(rp, LK_INFINITE_TIME, &r));
    EXPECT_EQ(lk::NO_ERROR, lk_port_close(rp));
    EXPECT_EQ(0u, lk::default_port_registry()->write_port_count());
}

// LK's port_write from the kernel is bounded as /dev/lkport's writes are:
// 8 packets to 64 readers is 512 packets copied, in holds of at most 256.
TEST(capi, port_write_copies_at_most_a_chunk_per_lock_hold) {
    lk_port_t wp = nullptr, rp[64] = {};
    ASSERT_EQ(lk::NO_ERROR, lk_port_create("capi-bounded", LK_PORT_MODE_BROADCAST, &wp));
    for (lk_port_t& r : rp) ASSERT_EQ(lk::NO_ERROR, lk_port_open("capi-bounded", nullptr, &r));
    lk_port_packet_t pk[8];
    for (auto& p : pk) p = cpacket(0x5a);
    lk_port_hold_stats_t s;
    lk_port_write_hold_stats(&s, 1);
    unsigned int delivered = 0, skipped = 0;
    EXPECT_EQ(lk::NO_ERROR, lk_port_write_ex(wp, pk, 8, &delivered, &skipped));
    EXPECT_EQ(64u, delivered);
    EXPECT_EQ(0u, skipped);
    lk_port_write_hold_stats(&s, 0);
    EXPECT_EQ(lk::kPortWriteChunk, s.max_packets);
    EXPECT_EQ(2u, s.holds);
    for (lk_port_t r : rp) {
        lk_port_result_t res;
        lkos_size got = 0;
        EXPECT_EQ(lk::NO_ERROR, lk_port_read_many(r, 0, 0, &res, 1, &got));
        EXPECT_EQ(lk::NO_ERROR, lk_port_close(r));
    }
    EXPECT_EQ(lk::NO_ERROR, lk_port_close(wp));
    EXPECT_EQ(lk::NO_ERROR, lk_port_destroy(wp));
}

TEST(capi, port_extensions) {
    lk_port_t wp = nullptr;
    int owner = 0;
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_port_create_ex("capi-ex", LK_PORT_MODE_BROADCAST, 3, nullptr, &wp));
    EXPECT_EQ(lk::ERR_INVALID_ARGS,
              lk_port_create_ex("capi-ex", lk_port_mode_t(LK_PORT_MODE_BROADCAST | LK_PORT_MODE_BIG_BUFFER), 0, nullptr,
                                &wp));
    ASSERT_EQ(lk::NO_ERROR, lk_port_create_ex("capi-ex", LK_PORT_MODE_BROADCAST, 32, &owner, &wp));
    EXPECT_EQ(32u, lk_port_capacity(wp));
    lk_port_packet_t pk[5];
    for (int i = 0; i < 5; i++) pk[i] = cpacket((unsigned char)(i + 1));
    EXPECT_EQ(lk::NO_ERROR, lk_port_write(wp, pk, 5));
    // open_ex: the check sees the creator's `user` and may refuse.
    struct Check {
        void* seen;
        int allow;
    } check{nullptr, 0};
    auto allow = [](void* user, void* arg) {
        auto* c = static_cast<Check*>(arg);
        c->seen = user;
        return c->allow;
    };
    lk_port_t rp = nullptr;
    EXPECT_EQ(lk::ERR_ACCESS_DENIED, lk_port_open_ex("capi-ex", nullptr, allow, &check, &rp));
    EXPECT_EQ(&owner, check.seen);
    check.allow = 1;
    ASSERT_EQ(lk::NO_ERROR, lk_port_open_ex("capi-ex", nullptr, allow, &check, &rp));
    // read_many with an absolute deadline.
    lk_port_result_t res[8];
    lkos_size got = 0;
    EXPECT_EQ(lk::NO_ERROR, lk_port_read_many(rp, LK_DEADLINE_NONE, 0, res, 3, &got));
    EXPECT_EQ(3u, got);
    EXPECT_TRUE(all_bytes(res[0].packet, 1));
    EXPECT_TRUE(all_bytes(res[2].packet, 3));
    EXPECT_EQ(lk::NO_ERROR, lk_port_read_many(rp, LK_DEADLINE_FOREVER, 0, res, 8, &got));
    EXPECT_EQ(2u, got);
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_port_read_many(rp, lkos_now_ns() + 5000000, 0, res, 8, &got));
    EXPECT_EQ(0u, got);
    // Interruptible read_many.
    int st = 0;
    Thread t([&] {
        lk_port_result_t x[2];
        lkos_size n;
        st = lk_port_read_many(rp, LK_DEADLINE_FOREVER, 1, x, 2, &n);
    });
    EXPECT_TRUE(t.asleep());
    lkos_host::send_signal(t.os());
    t.join();
    EXPECT_EQ(lk::ERR_INTERRUPTED, st);
    // Notification on data.
    std::atomic<int> notes{0};
    lk_port_set_notify(
        rp, [](void* c) { static_cast<std::atomic<int>*>(c)->fetch_add(1); }, &notes);
    EXPECT_EQ(lk::NO_ERROR, lk_port_write(wp, pk, 1));
    EXPECT_EQ(1, notes.load());
    EXPECT_EQ(lk::NO_ERROR, lk_port_close(rp));
    EXPECT_EQ(lk::NO_ERROR, lk_port_close(wp));
    EXPECT_EQ(lk::NO_ERROR, lk_port_destroy(wp));
}

TEST(capi, port_find_writer_user_write_ex_and_info) {
    int owner = 0;
    lk_port_t wp = nullptr, found = nullptr, rp = nullptr;
    EXPECT_EQ(LK_ERR_NOT_FOUND, lk_port_find_writer("capi-info", &found));
    ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex("capi-info", LK_PORT_MODE_UNICAST, 4, &owner, &wp));
    EXPECT_EQ(&owner, lk_port_user(wp));
    ASSERT_EQ(LK_NO_ERROR, lk_port_find_writer("capi-info", &found));
    EXPECT_EQ(wp, found);
    EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_find_writer("capi-info", nullptr));

    lk_port_packet_t pk[3] = {cpacket(1), cpacket(2), cpacket(3)};
    unsigned delivered = 99, skipped = 99;
    EXPECT_EQ(LK_NO_ERROR, lk_port_write_ex(wp, pk, 3, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(0u, skipped);
    lk_port_info_t info;
    ASSERT_EQ(LK_NO_ERROR, lk_port_info(wp, &info));
    EXPECT_EQ(unsigned(LK_KIND_WRITE_PORT), info.kind);
    EXPECT_EQ(unsigned(LK_PORT_MODE_UNICAST), info.mode);
    EXPECT_EQ(4u, info.capacity);
    EXPECT_EQ(3u, info.queued);
    EXPECT_EQ(0, info.closed);

    ASSERT_EQ(LK_NO_ERROR, lk_port_open("capi-info", nullptr, &rp));
    EXPECT_EQ(LK_ERR_PARTIAL_WRITE, lk_port_write_ex(wp, pk, 2, &delivered, &skipped));  // 1 slot left
    EXPECT_EQ(0u, delivered);
    EXPECT_EQ(1u, skipped);
    EXPECT_EQ(LK_NO_ERROR, lk_port_write_ex(wp, pk, 1, nullptr, nullptr));
    ASSERT_EQ(LK_NO_ERROR, lk_port_info(rp, &info));
    EXPECT_EQ(unsigned(LK_KIND_READ_PORT), info.kind);
    EXPECT_EQ(4u, info.queued);
    EXPECT_EQ(0u, info.waiters);
    EXPECT_EQ(0, info.grouped);
    lk_port_t g = nullptr;
    ASSERT_EQ(LK_NO_ERROR, lk_port_group(&rp, 1, &g));
    ASSERT_EQ(LK_NO_ERROR, lk_port_info(g, &info));
    EXPECT_EQ(unsigned(LK_KIND_PORT_GROUP), info.kind);
    EXPECT_EQ(1u, info.members);
    ASSERT_EQ(LK_NO_ERROR, lk_port_info(rp, &info));
    EXPECT_EQ(1, info.grouped);
    EXPECT_NE(0u, info.id);

    EXPECT_EQ(LK_NO_ERROR, lk_port_close(wp));
    EXPECT_EQ(LK_ERR_BUSY, lk_port_find_writer("capi-info", &found));
    ASSERT_EQ(LK_NO_ERROR, lk_port_info(wp, &info));
    EXPECT_EQ(1, info.closed);
    EXPECT_EQ(LK_NO_ERROR, lk_port_destroy(wp));
    ASSERT_EQ(LK_NO_ERROR, lk_port_info(rp, &info));
    EXPECT_EQ(1, info.cancelled);
    EXPECT_EQ(LK_NO_ERROR, lk_port_close(g));
    EXPECT_EQ(LK_NO_ERROR, lk_port_close(rp));
    EXPECT_EQ(LK_ERR_NOT_FOUND, lk_port_find_writer("capi-info", &found));
}

TEST(capi, port_groups) {
    lk_port_t w[3], r[3];
    const char* names[3] = {"capi-g0", "capi-g1", "capi-g2"};
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(lk::NO_ERROR, lk_port_create(names[i], LK_PORT_MODE_BROADCAST, &w[i]));
        ASSERT_EQ(lk::NO_ERROR, lk_port_open(names[i], lk_test::ctx(i + 1), &r[i]));
    }
    lk_port_t g = nullptr, g2 = nullptr;
    ASSERT_EQ(lk::NO_ERROR, lk_port_group(r, 2, &g));
    // The longer name for the same call; a grouped port cannot join another.
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_group_create(r, 1, &g2));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_group(w, 1, &g2));  // not a read port
    lk_port_packet_t p = cpacket(7);
    ASSERT_EQ(lk::NO_ERROR, lk_port_write(w[1], &p, 1));
    lk_port_result_t res;
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_read_timeout(g, 0, &res));
    EXPECT_EQ(lk_test::ctx(2), res.ctx);
    EXPECT_TRUE(all_bytes(res.packet, 7));
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_port_group_read_timeout(g, 5, &res));
    // add/remove
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_group_remove(g, r[2]));
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_add(g, r[2]));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_group_add(g, r[2]));
    ASSERT_EQ(lk::NO_ERROR, lk_port_write(w[2], &p, 1));
    EXPECT_EQ(1, lk_port_readable(g));
    lkos_size got = 0;
    lk_port_result_t many[4];
    ASSERT_EQ(lk::NO_ERROR, lk_port_read_many(g, LK_DEADLINE_NONE, 0, many, 4, &got));
    EXPECT_EQ(1u, got);
    EXPECT_EQ(lk_test::ctx(3), many[0].ctx);
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_remove(g, r[2]));
    // A blocked group read is woken by a member's write.
    Thread t([&] {
        lk_port_result_t x;
        EXPECT_EQ(lk::NO_ERROR, lk_port_read(g, LK_INFINITE_TIME, &x));
        EXPECT_EQ(lk_test::ctx(1), x.ctx);
    });
    EXPECT_TRUE(t.asleep());
    ASSERT_EQ(lk::NO_ERROR, lk_port_write(w[0], &p, 1));
    t.join();
    // Empty group via the C API.
    ASSERT_EQ(lk::NO_ERROR, lk_port_group(nullptr, 0, &g2));
    EXPECT_EQ(lk::NO_ERROR, lk_port_group_add(g2, r[2]));
    EXPECT_EQ(lk::NO_ERROR, lk_port_close(g2));
    EXPECT_EQ(lk::NO_ERROR, lk_port_close(g));
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(lk::NO_ERROR, lk_port_close(r[i]));
        EXPECT_EQ(lk::NO_ERROR, lk_port_close(w[i]));
        EXPECT_EQ(lk::NO_ERROR, lk_port_destroy(w[i]));
    }
}

TEST(capi, typed_handles) {
    lk_write_port_t w = nullptr, again = nullptr;
    ASSERT_EQ(lk::NO_ERROR, lk_write_port_create("capi-typed", LK_PORT_MODE_BROADCAST, 16, lk_test::ctx(5), &w));
    EXPECT_EQ(lk::ERR_ALREADY_EXISTS, lk_write_port_create("capi-typed", LK_PORT_MODE_BROADCAST, 0, nullptr, &again));
    EXPECT_EQ(w, again);
    again = nullptr;
    ASSERT_EQ(lk::NO_ERROR, lk_write_port_find("capi-typed", &again));
    EXPECT_EQ(w, again);
    EXPECT_EQ(16u, lk_write_port_capacity(w));
    EXPECT_EQ(lk_test::ctx(5), lk_write_port_user(w));
    // A typed handle is the generic one.
    lk_port_t generic = w;
    EXPECT_EQ(16u, lk_port_capacity(generic));

    lk_read_port_t r[2] = {};
    ASSERT_EQ(lk::NO_ERROR, lk_read_port_open("capi-typed", lk_test::ctx(1), nullptr, nullptr, &r[0]));
    ASSERT_EQ(lk::NO_ERROR, lk_read_port_open("capi-typed", lk_test::ctx(2), nullptr, nullptr, &r[1]));
    std::atomic<int> notes{0};
    auto note = [](void* c) { static_cast<std::atomic<int>*>(c)->fetch_add(1); };
    lk_read_port_set_notify(r[0], note, &notes);
    EXPECT_EQ(0, lk_read_port_readable(r[0]));

    lk_port_packet_t p[2] = {cpacket(1), cpacket(2)};
    unsigned int delivered = 0, skipped = 9;
    ASSERT_EQ(lk::NO_ERROR, lk_write_port_write(w, p, 2, &delivered, &skipped));
    EXPECT_EQ(2u, delivered);
    EXPECT_EQ(0u, skipped);
    EXPECT_EQ(1, notes.load());
    EXPECT_EQ(1, lk_read_port_readable(r[0]));
    lk_port_info_t info;
    ASSERT_EQ(lk::NO_ERROR, lk_read_port_info(r[0], &info));
    EXPECT_EQ(unsigned(LK_KIND_READ_PORT), info.kind);
    EXPECT_EQ(2u, info.queued);
    ASSERT_EQ(lk::NO_ERROR, lk_write_port_info(w, &info));
    EXPECT_EQ(unsigned(LK_KIND_WRITE_PORT), info.kind);
    EXPECT_EQ(16u, info.capacity);

    lk_port_result_t res[4];
    lkos_size got = 0;
    ASSERT_EQ(lk::NO_ERROR, lk_read_port_read_many(r[0], LK_DEADLINE_NONE, 0, res, 4, &got));
    ASSERT_EQ(2u, got);
    EXPECT_TRUE(all_bytes(res[0].packet, 1));
    EXPECT_TRUE(all_bytes(res[1].packet, 2));
    EXPECT_EQ(lk_test::ctx(1), res[0].ctx);
    EXPECT_EQ(lk::ERR_TIMED_OUT, lk_read_port_read_many(r[0], LK_DEADLINE_NONE, 0, res, 4, &got));

    // A group of typed read ports.
    lk_port_group_t g = nullptr, g2 = nullptr;
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_new(r, 1, &g));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_group_new(r, 1, &g2));  // already grouped
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_group_add_member(g, r[0]));
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_add_member(g, r[1]));
    std::atomic<int> gnotes{0};
    lk_port_group_set_notify(g, note, &gnotes);
    EXPECT_EQ(1, lk_port_group_readable(g));  // r[1] holds two packets
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_info(g, &info));
    EXPECT_EQ(unsigned(LK_KIND_PORT_GROUP), info.kind);
    EXPECT_EQ(2u, info.members);
    EXPECT_EQ(2u, info.queued);
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_read_many(g, LK_DEADLINE_NONE, 0, res, 4, &got));
    EXPECT_EQ(2u, got);
    EXPECT_EQ(lk_test::ctx(2), res[0].ctx);
    EXPECT_EQ(0, lk_port_group_readable(g));
    // A blocked typed group read is woken by a write.
    Thread t([&] {
        lk_port_result_t x;
        lkos_size n = 0;
        EXPECT_EQ(lk::NO_ERROR, lk_port_group_read_many(g, LK_DEADLINE_FOREVER, 0, &x, 1, &n));
        EXPECT_EQ(1u, n);
    });
    EXPECT_TRUE(t.asleep());
    ASSERT_EQ(lk::NO_ERROR, lk_write_port_write(w, p, 1, nullptr, nullptr));
    t.join();
    EXPECT_GE(gnotes.load(), 1);
    ASSERT_EQ(lk::NO_ERROR, lk_port_group_remove_member(g, r[1]));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_port_group_remove_member(g, r[1]));
    EXPECT_EQ(lk::NO_ERROR, lk_port_group_close(g));

    // Close and destroy, typed; closing twice is refused as LK refuses it.
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_write_port_destroy(w));  // still open
    EXPECT_EQ(lk::NO_ERROR, lk_write_port_close(w));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_write_port_close(w));
    EXPECT_EQ(lk::ERR_BAD_HANDLE, lk_write_port_write(w, p, 1, nullptr, nullptr));
    // Closed: not found as a writer, but found by name, to be destroyed.
    again = nullptr;
    EXPECT_EQ(lk::ERR_BUSY, lk_write_port_find("capi-typed", &again));
    EXPECT_EQ(nullptr, again);
    ASSERT_EQ(lk::NO_ERROR, lk_write_port_find_named_ns("capi-typed", LK_PORT_NS_INITIAL, &again));
    EXPECT_EQ(w, again);
    EXPECT_EQ(lk::ERR_NOT_FOUND, lk_write_port_find_named_ns("capi-typed", 0x55, &again));
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_write_port_find_named_ns("capi-typed", LK_PORT_NS_INITIAL, nullptr));
    EXPECT_EQ(lk::NO_ERROR, lk_write_port_destroy(w));
    EXPECT_EQ(lk::ERR_NOT_FOUND, lk_write_port_find_named_ns("capi-typed", LK_PORT_NS_INITIAL, &again));
    // r[1] drains the write the group read left it, then learns of the destroy.
    EXPECT_EQ(lk::NO_ERROR, lk_read_port_read_many(r[1], LK_DEADLINE_FOREVER, 0, res, 4, &got));
    EXPECT_EQ(1u, got);
    EXPECT_EQ(lk::ERR_CANCELLED, lk_read_port_read_many(r[1], LK_DEADLINE_FOREVER, 0, res, 4, &got));
    EXPECT_EQ(lk::NO_ERROR, lk_read_port_close(r[0]));
    EXPECT_EQ(lk::NO_ERROR, lk_read_port_close(r[1]));
    EXPECT_EQ(0u, lk::default_port_registry()->write_port_count());
}

TEST(capi, null_out_pointers_are_invalid) {
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_port_create("capi-null", LK_PORT_MODE_BROADCAST, nullptr));
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_port_open("capi-null", nullptr, nullptr));
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_port_group(nullptr, 0, nullptr));
    EXPECT_EQ(lk::ERR_INVALID_ARGS, lk_port_create(nullptr, LK_PORT_MODE_BROADCAST, nullptr));
    EXPECT_EQ(0u, lk::default_port_registry()->write_port_count());
}

TEST(capi, handler_table) {
    static std::atomic<int> calls;
    static void* seen;
    calls = 0;
    seen = nullptr;
    lk_handler_t h{[](void* ctx) {
                       calls++;
                       seen = ctx;
                   },
                   &calls};
    EXPECT_EQ(0, lk_handler_handle(5));
    EXPECT_EQ(nullptr, lk_handler_unregister(5));
    EXPECT_EQ(1, lk_handler_register(5, &h));
    lk_handler_t other{h.fn, nullptr};
    EXPECT_EQ(0, lk_handler_register(5, &other));  // never replaces
    EXPECT_EQ(0, lk_handler_register(LK_HANDLER_SLOTS, &h));
    EXPECT_EQ(1, lk_handler_handle(5));
    EXPECT_EQ(1, calls.load());
    EXPECT_EQ(static_cast<void*>(&calls), seen);
    EXPECT_EQ(0, lk_handler_handle(LK_HANDLER_SLOTS));
    EXPECT_EQ(0, lk_handler_handle(6));
    EXPECT_EQ(&h, lk_handler_unregister(5));
    EXPECT_EQ(0, lk_handler_handle(5));
    EXPECT_EQ(nullptr, lk_handler_unregister(5));
    EXPECT_EQ(1, calls.load());
}
