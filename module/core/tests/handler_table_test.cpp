// SPDX-License-Identifier: GPL-2.0
//
// HandlerTable<N>: ArceOS's lock-free dispatch table with context-carrying
// handlers. Registration never replaces, dispatch reports whether a
// handler ran, and the two orderings the context needs: publication on
// register, retirement (no dispatch still running) on unregister.
#include <gtest/gtest.h>

#include <lk/handler_table.h>

#include <atomic>
#include <thread>
#include <vector>

#include "lkos_host.h"
#include "test_util.h"

using namespace lk;

// Constant-initialised: no constructor runs, usable before any init code.
constinit static lk::HandlerTable<8> g_table;

namespace {

static_assert(lk::HandlerTable<8>::size() == 8);
static_assert(lk::HandlerTable<1>::size() == 1);
// constexpr-constructible, not merely constant-initialised by luck.
constexpr bool table_is_constexpr() {
    lk::HandlerTable<4> t;
    (void)t;
    return true;
}
static_assert(table_is_constexpr());

struct Counter {
    int calls = 0;
};

void count_call(void* ctx) { static_cast<Counter*>(ctx)->calls++; }

}  // namespace

TEST(handler_table, static_table_starts_empty) {
    for (usize i = 0; i < g_table.size(); i++) {
        EXPECT_FALSE(g_table.is_registered(i));
        EXPECT_FALSE(g_table.handle(i));
    }
}

TEST(handler_table, register_out_of_range_or_null_is_refused) {
    Counter c;
    Handler h{count_call, &c};
    EXPECT_FALSE(g_table.register_handler(8, &h));
    EXPECT_FALSE(g_table.register_handler(~usize(0), &h));
    EXPECT_FALSE(g_table.register_handler(0, nullptr));
    EXPECT_FALSE(g_table.is_registered(0));
    EXPECT_FALSE(g_table.is_registered(8));
    EXPECT_FALSE(g_table.handle(8));
    EXPECT_EQ(nullptr, g_table.unregister_handler(8));
    EXPECT_EQ(nullptr, g_table.take(8));
    EXPECT_EQ(0, c.calls);
}

TEST(handler_table, register_never_replaces) {
    Counter a, b;
    Handler ha{count_call, &a}, hb{count_call, &b};
    ASSERT_TRUE(g_table.register_handler(3, &ha));
    EXPECT_FALSE(g_table.register_handler(3, &hb));
    EXPECT_FALSE(g_table.register_handler(3, &ha));  // not even itself
    EXPECT_TRUE(g_table.handle(3));
    EXPECT_EQ(1, a.calls);
    EXPECT_EQ(0, b.calls);
    EXPECT_EQ(&ha, g_table.unregister_handler(3));
    // Empty again: now the other one may go in.
    EXPECT_TRUE(g_table.register_handler(3, &hb));
    EXPECT_TRUE(g_table.handle(3));
    EXPECT_EQ(1, b.calls);
    EXPECT_EQ(&hb, g_table.unregister_handler(3));
}

TEST(handler_table, handle_runs_the_handler_with_its_ctx_and_says_so) {
    lk::HandlerTable<4> t;
    Counter c[4];
    Handler hs[4];
    for (int i = 0; i < 4; i++) hs[i] = Handler{count_call, &c[i]};
    EXPECT_FALSE(t.handle(1));  // empty: nothing ran
    ASSERT_TRUE(t.register_handler(1, &hs[1]));
    ASSERT_TRUE(t.register_handler(3, &hs[3]));
    EXPECT_TRUE(t.handle(1));
    EXPECT_TRUE(t.handle(1));
    EXPECT_TRUE(t.handle(3));
    EXPECT_FALSE(t.handle(0));
    EXPECT_FALSE(t.handle(2));
    EXPECT_FALSE(t.handle(4));
    // Each call got its own handler's ctx.
    EXPECT_EQ(0, c[0].calls);
    EXPECT_EQ(2, c[1].calls);
    EXPECT_EQ(0, c[2].calls);
    EXPECT_EQ(1, c[3].calls);
    EXPECT_EQ(&hs[1], t.unregister_handler(1));
    EXPECT_EQ(&hs[3], t.take(3));
    lkos_dispatch_sync();
}

TEST(handler_table, unregister_and_take_return_the_previous_handler) {
    lk::HandlerTable<2> t;
    Counter c;
    Handler h{count_call, &c};
    EXPECT_EQ(nullptr, t.unregister_handler(0));  // empty
    EXPECT_EQ(nullptr, t.take(0));
    ASSERT_TRUE(t.register_handler(0, &h));
    EXPECT_TRUE(t.is_registered(0));
    EXPECT_EQ(&h, t.unregister_handler(0));
    EXPECT_FALSE(t.is_registered(0));
    EXPECT_FALSE(t.handle(0));
    EXPECT_EQ(nullptr, t.unregister_handler(0));  // only once
    ASSERT_TRUE(t.register_handler(0, &h));
    EXPECT_EQ(&h, t.take(0));
    EXPECT_EQ(nullptr, t.take(0));
    lkos_dispatch_sync();
    EXPECT_FALSE(t.handle(0));
    EXPECT_EQ(0, c.calls);
}

TEST(handler_table, handler_may_dispatch_another_slot) {
    // Dispatch sections nest: a handler that dispatches works.
    static lk::HandlerTable<2> t;
    Counter inner;
    Handler hi{count_call, &inner};
    Handler ho{[](void*) { t.handle(1); }, nullptr};
    ASSERT_TRUE(t.register_handler(0, &ho));
    ASSERT_TRUE(t.register_handler(1, &hi));
    EXPECT_TRUE(t.handle(0));
    EXPECT_EQ(1, inner.calls);
    EXPECT_EQ(&ho, t.unregister_handler(0));
    EXPECT_EQ(&hi, t.unregister_handler(1));
}

namespace {

// A heap context that knows whether it is still alive: a handler that
// runs on a retired context sees `alive` false (and ASan sees the read
// of freed memory once it is freed).
struct Ctx {
    static constexpr std::uint64_t kAlive = 0x0123456789abcdefull;
    std::uint64_t alive;
    std::uint64_t payload[6];
    std::atomic<long>* calls;
};

std::atomic<long> g_bad{0};

void check_ctx(void* p) {
    auto* c = static_cast<Ctx*>(p);
    // Fields written with plain stores before registration: publication
    // must make them visible, fully, to the dispatcher.
    if (c->alive != Ctx::kAlive) g_bad++;
    for (int i = 0; i < 6; i++)
        if (c->payload[i] != c->alive + i) g_bad++;
    std::this_thread::yield();  // widen the window in which we run
    if (c->alive != Ctx::kAlive) g_bad++;
    c->calls->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

TEST(handler_table, unregister_waits_for_running_dispatches_before_the_ctx_is_freed) {
    // One thread dispatches the slot in a tight loop while another
    // installs a fresh heap Handler and ctx, unregisters them and frees
    // them at once, thousands of times. If unregister_handler() returned
    // while a dispatch still ran the old handler, that dispatch would read
    // freed memory: ASan reports it, TSan reports the race with the free,
    // and the handler counts a dead ctx.
    static lk::HandlerTable<4> t;
    std::atomic<long> dispatched{0}, ran{0};
    g_bad = 0;
    std::jthread dispatcher([&](std::stop_token stop) {
        while (!stop.stop_requested()) {
            if (t.handle(2)) dispatched.fetch_add(1, std::memory_order_relaxed);
            t.handle(3);  // the empty neighbour
        }
    });
    constexpr int kRounds = 5000;
    for (int round = 0; round < kRounds; round++) {
        auto* c = new Ctx;
        c->alive = Ctx::kAlive;
        for (int i = 0; i < 6; i++) c->payload[i] = Ctx::kAlive + i;
        c->calls = &ran;
        auto* h = new Handler{check_ctx, c};
        ASSERT_TRUE(t.register_handler(2, h));
        // Now and then let the dispatchers get going on this handler.
        if (round % 8 == 0) {
            long before = ran.load();
            while (ran.load() == before) std::this_thread::yield();
        }
        const Handler* old = (round % 2) ? t.unregister_handler(2) : t.take(2);
        ASSERT_EQ(h, old);
        if (round % 2 == 0) lkos_dispatch_sync();  // take() leaves the wait to its caller
        c->alive = 0;
        delete c;
        delete h;
    }
    dispatcher.request_stop();
    dispatcher.join();
    EXPECT_EQ(0, g_bad.load());
    EXPECT_GT(dispatched.load(), kRounds / 8);
    EXPECT_EQ(dispatched.load(), ran.load());
}

TEST(handler_table, registration_publishes_the_ctx) {
    // The dispatcher polls a slot; the registrar fills a fresh ctx with
    // plain stores and registers it. Every dispatch that finds the handler
    // must see the whole ctx as written (TSan flags an unordered read).
    static lk::HandlerTable<1> t;
    std::atomic<long> ran{0};
    g_bad = 0;
    std::jthread dispatcher([&](std::stop_token stop) {
        while (!stop.stop_requested()) t.handle(0);
    });
    constexpr int kRounds = 2000;
    std::vector<Ctx*> ctxs;
    std::vector<Handler*> hs;
    for (int round = 0; round < kRounds; round++) {
        auto* c = new Ctx;
        c->alive = Ctx::kAlive;
        for (int i = 0; i < 6; i++) c->payload[i] = Ctx::kAlive + i;
        c->calls = &ran;
        auto* h = new Handler{check_ctx, c};
        ASSERT_TRUE(t.register_handler(0, h));
        long before = ran.load();
        while (ran.load() == before) std::this_thread::yield();
        // Retire without waiting and keep the memory: this test is about
        // publication only.
        ASSERT_EQ(h, t.take(0));
        ctxs.push_back(c);
        hs.push_back(h);
    }
    dispatcher.request_stop();
    dispatcher.join();
    lkos_dispatch_sync();
    EXPECT_EQ(0, g_bad.load());
    EXPECT_GE(ran.load(), kRounds);
    for (auto* c : ctxs) delete c;
    for (auto* h : hs) delete h;
}

TEST(handler_table, handle_from_hardirq_context) {
    lk::HandlerTable<1> t;
    Counter c;
    Handler h{count_call, &c};
    ASSERT_TRUE(t.register_handler(0, &h));
    std::thread([&] {
        lkos_host::set_hardirq(true);
        EXPECT_TRUE(t.handle(0));  // any context: no sleep, no WARN
        EXPECT_EQ(&h, t.take(0));  // take() too
        lkos_host::set_hardirq(false);
    }).join();
    lkos_dispatch_sync();
    EXPECT_EQ(1, c.calls);
}
