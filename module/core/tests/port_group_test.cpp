// SPDX-License-Identifier: GPL-2.0
//
// Port groups: waiting on many read ports at once. Membership rules,
// the 256-member limit, blocking group reads and what wakes them, close,
// cancellation, allocation failure.
#include <gtest/gtest.h>

#include <lk/port.h>

#include <memory>
#include <string>
#include <vector>

#include "lkos_host.h"
#include "test_util.h"

using namespace lk;
using lk_test::ctx;
using lk_test::packet;
using lk_test::Thread;
using lk_test::value;

namespace {

// A registry with `n` broadcast write ports "g<i>", each with one reader
// whose ctx is i + 1.
class PortGroups : public ::testing::Test {
  protected:
    PortRegistry reg;
    std::vector<WritePort*> wps;
    std::vector<ReadPort*> rps;

    void make(int n) {
        for (int i = 0; i < n; i++) {
            std::string name = "g" + std::to_string(i);
            WritePort* wp = nullptr;
            ReadPort* rp = nullptr;
            ASSERT_EQ(NO_ERROR, reg.create(name.c_str(), PORT_MODE_BROADCAST, 0, nullptr, &wp));
            ASSERT_EQ(NO_ERROR, reg.open(name.c_str(), ctx(i + 1), &rp));
            wps.push_back(wp);
            rps.push_back(rp);
        }
    }
    // Closes whatever read ports are left (nullptr: closed by the test)
    // and every write port.
    void TearDown() override {
        for (ReadPort* rp : rps) {
            if (!rp) continue;
            EXPECT_EQ(NO_ERROR, reg.close(rp));
        }
        for (WritePort* wp : wps) {
            if (!wp) continue;
            EXPECT_EQ(NO_ERROR, reg.close(wp));
            EXPECT_EQ(NO_ERROR, reg.destroy(wp));
        }
        EXPECT_EQ(0u, reg.write_port_count());
    }
    // Threads blocked on a read port or group.
    PortRegistry::Info info(PortHandle* p) {
        PortRegistry::Info i{};
        EXPECT_EQ(NO_ERROR, reg.info(p, &i));
        return i;
    }
    u32 waiters(PortHandle* p) { return info(p).waiters; }
    bool wait_for_waiters(PortHandle* p, u32 n) {
        return lk_test::eventually([&] { return waiters(p) == n; });
    }
    // g's members are {live, dead}, a thread is blocked reading g, and
    // cut() takes the live member away: nothing can arrive any more, so
    // the read must end now with ERR_CANCELLED (not at its deadline), g
    // must poll readable and its observer be told. Closes g.
    template <class Cut> void expect_cut_cancels_blocked_read(PortGroup* g, Cut cut) {
        std::atomic<int> notes{0};
        reg.set_observer(g, lk_test::counting_observer(&notes));
        status_t got = NO_ERROR;
        double start = lk_test::now_ms();
        Thread t([&] {
            PortResult r;
            got = reg.group_read(g, lk_test::in_ms(5000), &r);
        });
        EXPECT_TRUE(wait_for_waiters(g, 1));
        int before = notes.load();
        cut();
        t.join();
        EXPECT_EQ(ERR_CANCELLED, got);
        EXPECT_LT(lk_test::now_ms() - start, 4000.0);
        EXPECT_TRUE(reg.readable(g));
        EXPECT_GT(notes.load(), before);
        EXPECT_EQ(NO_ERROR, reg.close(g));
    }
    void destroy_writer(int i) {
        ASSERT_EQ(NO_ERROR, reg.close(wps[i]));
        ASSERT_EQ(NO_ERROR, reg.destroy(wps[i]));
        wps[i] = nullptr;
    }
    status_t put(int port, std::uint64_t v) {
        PortPacket p = packet(v);
        return reg.write(wps[port], &p, 1);
    }
    PortGroup* group(std::vector<ReadPort*> members) {
        std::vector<PortHandle*> hs(members.begin(), members.end());
        PortGroup* g = nullptr;
        EXPECT_EQ(NO_ERROR, reg.group(hs.data(), hs.size(), &g));
        return g;
    }
    status_t group_of(std::vector<PortHandle*> hs, PortGroup** g) { return reg.group(hs.data(), hs.size(), g); }
};

}  // namespace

using port_group = PortGroups;  // the test suite's name

TEST_F(port_group, read_returns_the_packet_with_its_members_ctx) {
    make(3);
    PortGroup* g = group({rps[0], rps[1], rps[2]});
    ASSERT_EQ(NO_ERROR, put(1, 11));
    PortResult r;
    ASSERT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(ctx(2), r.ctx);
    EXPECT_EQ(11u, value(r.packet));
    ASSERT_EQ(NO_ERROR, put(2, 22));
    ASSERT_EQ(NO_ERROR, put(0, 0));
    // Each packet comes with the ctx of the port it came through.
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
        std::uint64_t v = value(r.packet);
        EXPECT_TRUE(v == 0 || v == 22);
        EXPECT_EQ(ctx(v == 0 ? 1 : 3), r.ctx);
    }
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, group_read_many_gathers_from_several_members) {
    make(3);
    PortGroup* g = group({rps[0], rps[1], rps[2]});
    ASSERT_EQ(NO_ERROR, put(0, 1));
    ASSERT_EQ(NO_ERROR, put(2, 3));
    ASSERT_EQ(NO_ERROR, put(2, 4));
    PortResult r[8];
    usize got = 0;
    ASSERT_EQ(NO_ERROR, reg.group_read_many(g, Deadline::none(), r, 8, &got));
    ASSERT_EQ(3u, got);
    std::vector<std::pair<void*, std::uint64_t>> seen;
    for (usize i = 0; i < got; i++) seen.push_back({r[i].ctx, value(r[i].packet)});
    std::vector<std::pair<void*, std::uint64_t>> want = {{ctx(1), 1}, {ctx(3), 3}, {ctx(3), 4}};
    EXPECT_EQ(want, seen);
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read_many(g, Deadline::none(), r, 8, &got));
    EXPECT_EQ(0u, got);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, read_handle_and_readability_follow_the_handle_kind) {
    make(1);
    PortGroup* g = group({rps[0]});
    EXPECT_FALSE(reg.readable(g));
    EXPECT_FALSE(reg.readable(static_cast<PortHandle*>(g)));
    ASSERT_EQ(NO_ERROR, put(0, 5));
    EXPECT_TRUE(reg.readable(g));
    EXPECT_TRUE(reg.readable(static_cast<PortHandle*>(g)));
    PortResult r;
    usize got = 0;
    ASSERT_EQ(NO_ERROR, reg.read_handle(g, Deadline::none(), &r, 1, &got));
    EXPECT_EQ(1u, got);
    EXPECT_EQ(5u, value(r.packet));
    EXPECT_EQ(ctx(1), r.ctx);
    EXPECT_FALSE(reg.readable(g));
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, add_and_remove_members) {
    make(2);
    PortGroup* g = group({});
    PortResult r;
    ASSERT_EQ(NO_ERROR, put(0, 1));
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    ASSERT_EQ(NO_ERROR, reg.group_add(g, rps[0]));
    ASSERT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(1u, value(r.packet));
    // Removed: its packets no longer come through the group.
    ASSERT_EQ(NO_ERROR, reg.group_remove(g, rps[0]));
    ASSERT_EQ(NO_ERROR, put(0, 2));
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    // Removing a port that is not a member.
    EXPECT_EQ(ERR_BAD_HANDLE, reg.group_remove(g, rps[0]));
    EXPECT_EQ(ERR_BAD_HANDLE, reg.group_remove(g, rps[1]));
    // The removed port still works on its own.
    ASSERT_EQ(NO_ERROR, reg.read(rps[0], Deadline::none(), &r));
    EXPECT_EQ(2u, value(r.packet));
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, a_port_belongs_to_one_group_at_most) {
    make(3);
    PortGroup* a = group({rps[0]});
    PortGroup* b = group({rps[1]});
    EXPECT_EQ(ERR_BAD_HANDLE, reg.group_add(b, rps[0]));
    EXPECT_EQ(ERR_BAD_HANDLE, reg.group_add(a, rps[0]));  // already in this one
    EXPECT_EQ(ERR_BAD_HANDLE, reg.group_remove(b, rps[0]));
    // A new group naming a grouped port fails as a whole...
    PortGroup* c = nullptr;
    EXPECT_EQ(ERR_BAD_HANDLE, group_of({rps[2], rps[0]}, &c));
    EXPECT_EQ(nullptr, c);
    // ...and leaves the other ports it named ungrouped.
    EXPECT_EQ(NO_ERROR, reg.group_add(b, rps[2]));
    // The first group is intact.
    ASSERT_EQ(NO_ERROR, put(0, 7));
    PortResult r;
    ASSERT_EQ(NO_ERROR, reg.group_read(a, Deadline::none(), &r));
    EXPECT_EQ(7u, value(r.packet));
    EXPECT_EQ(NO_ERROR, reg.close(a));
    EXPECT_EQ(NO_ERROR, reg.close(b));
}

TEST_F(port_group, only_read_ports_can_be_members) {
    make(2);
    PortGroup* g = nullptr;
    // A write port, a port listed twice, a null handle.
    EXPECT_EQ(ERR_BAD_HANDLE, group_of({rps[0], wps[1]}, &g));
    EXPECT_EQ(ERR_BAD_HANDLE, group_of({rps[0], rps[1], rps[0]}, &g));
    EXPECT_EQ(ERR_BAD_HANDLE, group_of({rps[0], nullptr}, &g));
    EXPECT_EQ(nullptr, g);
    PortGroup* other = group({});
    EXPECT_EQ(ERR_BAD_HANDLE, group_of({other}, &g));  // not a group of groups
    // None of the failed attempts left rps[0] or rps[1] grouped.
    g = group({rps[0], rps[1]});
    ASSERT_NE(nullptr, g);
    EXPECT_EQ(ERR_BAD_HANDLE, reg.group_add(other, static_cast<ReadPort*>(static_cast<PortHandle*>(wps[0]))));
    EXPECT_EQ(NO_ERROR, reg.close(g));
    EXPECT_EQ(NO_ERROR, reg.close(other));
}

TEST_F(port_group, at_most_256_members) {
    make(int(kPortGroupMax) + 1);
    std::vector<PortHandle*> all(rps.begin(), rps.end());
    PortGroup* g = nullptr;
    EXPECT_EQ(ERR_TOO_BIG, reg.group(all.data(), all.size(), &g));
    EXPECT_EQ(nullptr, g);
    ASSERT_EQ(NO_ERROR, reg.group(all.data(), kPortGroupMax, &g));
    EXPECT_EQ(ERR_TOO_BIG, reg.group_add(g, rps.back()));
    // Room again after a removal, and after a member closes.
    ASSERT_EQ(NO_ERROR, reg.group_remove(g, rps[0]));
    EXPECT_EQ(NO_ERROR, reg.group_add(g, rps.back()));
    EXPECT_EQ(ERR_TOO_BIG, reg.group_add(g, rps[0]));
    ASSERT_EQ(NO_ERROR, reg.close(rps[1]));
    rps[1] = nullptr;
    EXPECT_EQ(NO_ERROR, reg.group_add(g, rps[0]));
    // Every member delivers.
    ASSERT_EQ(NO_ERROR, put(int(kPortGroupMax), 1000));
    PortResult r;
    ASSERT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(1000u, value(r.packet));
    EXPECT_EQ(ctx(kPortGroupMax + 1), r.ctx);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, blocked_group_read_is_woken_by_a_write_to_any_member) {
    make(4);
    PortGroup* g = group({rps[0], rps[1], rps[2], rps[3]});
    for (int target : {2, 0, 3}) {
        PortResult r{};
        status_t got = ERR_GENERIC;
        Thread t([&] { got = reg.group_read(g, lk_test::in_ms(10000), &r); });
        EXPECT_TRUE(wait_for_waiters(g, 1));
        ASSERT_EQ(NO_ERROR, put(target, 100 + target));
        t.join();
        EXPECT_EQ(NO_ERROR, got);
        EXPECT_EQ(std::uint64_t(100 + target), value(r.packet));
        EXPECT_EQ(ctx(target + 1), r.ctx);
    }
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, group_read_times_out) {
    make(1);
    PortGroup* g = group({rps[0]});
    PortResult r;
    double start = lk_test::now_ms();
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, lk_test::in_ms(30), &r));
    EXPECT_GE(lk_test::now_ms() - start, 30.0);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, interruptible_group_read_ends_on_signal) {
    make(1);
    PortGroup* g = group({rps[0]});
    status_t got = NO_ERROR;
    Thread t([&] {
        PortResult r;
        got = reg.group_read(g, Deadline::infinite(), &r, Interruptible::Yes);
    });
    EXPECT_TRUE(wait_for_waiters(g, 1));
    lkos_host::send_signal(t.os());
    t.join();
    EXPECT_EQ(ERR_INTERRUPTED, got);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, adding_a_port_that_holds_data_wakes_a_blocked_group_reader) {
    make(2);
    PortGroup* g = group({rps[0]});
    ASSERT_EQ(NO_ERROR, put(1, 42));  // queued on rps[1], outside the group
    PortResult r{};
    status_t got = ERR_GENERIC;
    Thread t([&] { got = reg.group_read(g, lk_test::in_ms(10000), &r); });
    EXPECT_TRUE(wait_for_waiters(g, 1));
    // No write happens after this: only the add can wake the reader.
    ASSERT_EQ(NO_ERROR, reg.group_add(g, rps[1]));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(42u, value(r.packet));
    EXPECT_EQ(ctx(2), r.ctx);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, close_wakes_group_readers_and_detaches_members) {
    make(2);
    PortGroup* g = group({rps[0], rps[1]});
    status_t got[2] = {NO_ERROR, NO_ERROR};
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < 2; i++)
        threads.push_back(std::make_unique<Thread>([&, i] {
            PortResult r;
            got[i] = reg.group_read(g, Deadline::infinite(), &r);
        }));
    EXPECT_TRUE(wait_for_waiters(g, 2));
    // close() frees the group once the woken threads are out (ASan checks).
    ASSERT_EQ(NO_ERROR, reg.close(g));
    for (auto& t : threads) t->join();
    EXPECT_EQ(ERR_OBJECT_DESTROYED, got[0]);
    EXPECT_EQ(ERR_OBJECT_DESTROYED, got[1]);
    // The members are free to join another group, and still work.
    PortGroup* again = group({rps[0], rps[1]});
    ASSERT_NE(nullptr, again);
    ASSERT_EQ(NO_ERROR, put(1, 9));
    PortResult r;
    ASSERT_EQ(NO_ERROR, reg.group_read(again, Deadline::none(), &r));
    EXPECT_EQ(9u, value(r.packet));
    EXPECT_EQ(NO_ERROR, reg.close(again));
}

TEST_F(port_group, closing_a_group_leaves_queued_packets_with_the_members) {
    make(1);
    PortGroup* g = group({rps[0]});
    ASSERT_EQ(NO_ERROR, put(0, 3));
    EXPECT_EQ(NO_ERROR, reg.close(g));
    PortResult r;
    ASSERT_EQ(NO_ERROR, reg.read(rps[0], Deadline::none(), &r));
    EXPECT_EQ(3u, value(r.packet));
}

TEST_F(port_group, a_write_wakes_the_group_reader_before_the_ports_own_reader) {
    make(1);
    PortGroup* g = group({rps[0]});
    PortResult gr{}, pr{};
    status_t gs = ERR_GENERIC, ps = ERR_GENERIC;
    // The port's own reader blocks first: the group still goes first.
    Thread port_reader([&] { ps = reg.read(rps[0], lk_test::in_ms(10000), &pr); });
    EXPECT_TRUE(wait_for_waiters(rps[0], 1));
    Thread group_reader([&] { gs = reg.group_read(g, lk_test::in_ms(10000), &gr); });
    EXPECT_TRUE(wait_for_waiters(g, 1));
    ASSERT_EQ(NO_ERROR, put(0, 1));
    group_reader.join();
    EXPECT_EQ(NO_ERROR, gs);
    EXPECT_EQ(1u, value(gr.packet));
    // The port's reader was not woken for the packet the group took.
    EXPECT_FALSE(port_reader.done());
    EXPECT_EQ(1u, waiters(rps[0]));
    // With no group reader waiting, the next packet goes to it.
    ASSERT_EQ(NO_ERROR, put(0, 2));
    port_reader.join();
    EXPECT_EQ(NO_ERROR, ps);
    EXPECT_EQ(2u, value(pr.packet));
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

// lkport's deviation from LK: a group read is cancelled only once every
// member's writer is gone (LK: as soon as one member is cancelled and
// empty, so such a group could never wait again).
TEST_F(port_group, cancelled_only_once_every_members_writer_is_destroyed) {
    make(2);
    PortGroup* g = group({rps[0], rps[1]});
    ASSERT_EQ(NO_ERROR, put(0, 5));
    destroy_writer(0);
    PortResult r;
    // The dead member's queued data first...
    ASSERT_EQ(NO_ERROR, reg.group_read(g, Deadline::infinite(), &r));
    EXPECT_EQ(5u, value(r.packet));
    // ...then, with a live member left, the group still waits.
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    EXPECT_FALSE(reg.readable(g));
    EXPECT_FALSE(info(g).cancelled);
    ASSERT_EQ(NO_ERROR, put(1, 6));
    ASSERT_EQ(NO_ERROR, reg.group_read(g, lk_test::in_ms(10000), &r));
    EXPECT_EQ(6u, value(r.packet));
    destroy_writer(1);
    // Every member is cancelled and empty: at once, not a block.
    EXPECT_EQ(ERR_CANCELLED, reg.group_read(g, Deadline::infinite(), &r));
    EXPECT_TRUE(reg.readable(g));
    EXPECT_TRUE(info(g).cancelled);
    // The member itself reports its own cancellation too.
    EXPECT_EQ(ERR_CANCELLED, reg.read(rps[0], Deadline::infinite(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, an_empty_group_is_never_cancelled) {
    PortGroup* g = group({});
    PortResult r;
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    EXPECT_FALSE(reg.readable(g));
    EXPECT_FALSE(info(g).cancelled);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, destroy_of_the_last_live_members_writer_wakes_a_blocked_group_reader) {
    make(2);
    PortGroup* g = group({rps[0], rps[1]});
    status_t got = NO_ERROR;
    Thread t([&] {
        PortResult r;
        got = reg.group_read(g, lk_test::in_ms(10000), &r);
    });
    EXPECT_TRUE(wait_for_waiters(g, 1));
    destroy_writer(1);
    // One member left alive: the reader looks, and waits again.
    EXPECT_TRUE(wait_for_waiters(g, 1));
    EXPECT_FALSE(t.done());
    destroy_writer(0);
    t.join();
    EXPECT_EQ(ERR_CANCELLED, got);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, adding_a_cancelled_port_to_an_empty_group_wakes_a_blocked_group_reader) {
    make(2);
    PortGroup* g = group({});
    destroy_writer(1);
    status_t got = NO_ERROR;
    Thread t([&] {
        PortResult r;
        got = reg.group_read(g, lk_test::in_ms(10000), &r);
    });
    EXPECT_TRUE(wait_for_waiters(g, 1));
    ASSERT_EQ(NO_ERROR, reg.group_add(g, rps[1]));
    t.join();
    EXPECT_EQ(ERR_CANCELLED, got);
    // A live member makes the group wait again.
    ASSERT_EQ(NO_ERROR, reg.group_add(g, rps[0]));
    PortResult r;
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, removing_the_last_live_member_cancels_a_blocked_group_read) {
    // {live, dead}: the group waits. Once the live member is removed,
    // every member left is dead: nothing can ever arrive, and a thread
    // blocked on the group (or a poller) must learn of it now, not at its
    // deadline.
    make(2);
    PortGroup* g = group({rps[0], rps[1]});
    destroy_writer(1);
    expect_cut_cancels_blocked_read(g, [&] { ASSERT_EQ(NO_ERROR, reg.group_remove(g, rps[0])); });
}

TEST_F(port_group, closing_the_last_live_member_cancels_a_blocked_group_read) {
    make(2);
    PortGroup* g = group({rps[0], rps[1]});
    destroy_writer(0);
    expect_cut_cancels_blocked_read(g, [&] {
        ASSERT_EQ(NO_ERROR, reg.close(rps[1]));
        rps[1] = nullptr;
    });
}

TEST_F(port_group, observer_is_told_of_member_data) {
    make(2);
    PortGroup* g = group({rps[0]});
    std::atomic<int> notes{0};
    reg.set_observer(g, lk_test::counting_observer(&notes));
    ASSERT_EQ(NO_ERROR, put(0, 1));
    EXPECT_EQ(1, notes.load());
    ASSERT_EQ(NO_ERROR, put(1, 2));  // not a member
    EXPECT_EQ(1, notes.load());
    ASSERT_EQ(NO_ERROR, reg.group_add(g, rps[1]));  // brings data with it
    EXPECT_EQ(2, notes.load());
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, many_writers_one_group_reader_gets_every_packet_once) {
    constexpr int kPorts = 4, kPerPort = 400;
    make(kPorts);
    PortGroup* g = group({rps[0], rps[1], rps[2], rps[3]});
    std::vector<std::jthread> writers;
    for (int p = 0; p < kPorts; p++)
        writers.emplace_back([&, p] {
            for (int i = 0; i < kPerPort; i++) {
                status_t s;
                while ((s = put(p, std::uint64_t(i))) == ERR_PARTIAL_WRITE) lkos_yield();
                ASSERT_EQ(NO_ERROR, s);
            }
        });
    std::vector<int> next(kPorts, 0);
    int total = 0;
    while (total < kPorts * kPerPort) {
        PortResult r[5];
        usize got = 0;
        ASSERT_EQ(NO_ERROR, reg.group_read_many(g, lk_test::in_ms(10000), r, 5, &got));
        for (usize k = 0; k < got; k++) {
            int p = int(reinterpret_cast<std::uintptr_t>(r[k].ctx)) - 1;
            ASSERT_TRUE(p >= 0 && p < kPorts);
            // In order per member, none lost, none twice.
            ASSERT_EQ(std::uint64_t(next[p]), value(r[k].packet));
            next[p]++;
            total++;
        }
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(kPorts * kPerPort, total);
    EXPECT_EQ(NO_ERROR, reg.close(g));
}

TEST_F(port_group, allocation_failure_changes_nothing) {
    make(2);
    long live = lkos_host::live_allocations();
    PortGroup* g = nullptr;
    std::vector<PortHandle*> hs = {rps[0], rps[1]};
    lkos_host::fail_allocations_after(0);
    EXPECT_EQ(ERR_NO_MEMORY, reg.group(hs.data(), hs.size(), &g));
    lkos_host::fail_allocations_after(-1);
    EXPECT_EQ(nullptr, g);
    EXPECT_EQ(live, lkos_host::live_allocations());
    // The ports were not left marked as grouped.
    ASSERT_EQ(NO_ERROR, reg.group(hs.data(), hs.size(), &g));
    EXPECT_EQ(NO_ERROR, reg.close(g));
}
