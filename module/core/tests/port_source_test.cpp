// SPDX-License-Identifier: GPL-2.0
//
// Mapped write rings (PortRegistry::map_writer, kick_source, wait_source):
// a write port's ring in memory its writers' processes share, into which
// they put packets without a call, as liblkport does. The kernel takes
// them, as back-pressure writes, when a reader reads and at a kick; a
// reader about to sleep raises the kick flag first and looks again, so a
// writer that puts and then reads the flag never leaves it asleep; a tail
// the process moved out of range breaks only that ring.
#include <gtest/gtest.h>

#include <lk/port.h>

#include <atomic>
#include <vector>

#include "lkos_host.h"
#include "port_fixture.h"
#include "test_util.h"

using namespace lk;
using lk_test::ctx;
using lk_test::packet;
using lk_test::Thread;
using lk_test::value;

namespace {

using V = std::vector<std::uint64_t>;

// What the process does (liblkport's put): as many of vs as fit, then the
// tail, then the flag; returns how many fit and whether to kick.
unsigned put_mapped(PortSourceShared* s, std::initializer_list<std::uint64_t> vs, bool* kick = nullptr) {
    u32 t = __atomic_load_n(&s->tail, __ATOMIC_RELAXED);
    u32 h = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
    unsigned n = 0;
    for (auto v : vs) {
        if (t - h == s->mask + 1) break;
        PortPacket p = packet(v);
        u64 pair[2];
        std::memcpy(pair, p.value, sizeof(pair));
        u64* w = reinterpret_cast<u64*>(s->packets[t & s->mask].value);
        __atomic_store_n(&w[0], pair[0], __ATOMIC_RELAXED);
        __atomic_store_n(&w[1], pair[1], __ATOMIC_RELAXED);
        t++;
        n++;
    }
    __atomic_store_n(&s->tail, t, __ATOMIC_SEQ_CST);
    bool k = __atomic_load_n(&s->flags, __ATOMIC_SEQ_CST) & kSourceKick;
    if (kick) *kick = k;
    return n;
}

bool kick_flag(PortSourceShared* s) { return __atomic_load_n(&s->flags, __ATOMIC_SEQ_CST) & kSourceKick; }

class PortSourceTest : public lk_test::PortFixture {
  protected:
    PortSource* source = nullptr;

    void TearDown() override {
        PortSource::free(source);
        PortFixture::TearDown();
    }
    PortSourceShared* map(WritePort* wp) {
        EXPECT_EQ(NO_ERROR, reg.map_writer(wp, &source));
        return source ? source->shared() : nullptr;
    }
    V read_all(ReadPort* rp) {
        PortResult r[64];
        V out;
        usize got;
        while (reg.read_many(rp, Deadline::none(), r, 64, &got) == NO_ERROR)
            for (usize i = 0; i < got; i++) out.push_back(value(r[i].packet));
        return out;
    }
    u32 kick(WritePort* wp, status_t want = NO_ERROR) {
        u32 room = ~0u;
        EXPECT_EQ(want, reg.kick_source(wp, &room));
        return room;
    }
};

using port_source = PortSourceTest;

TEST_F(port_source, packets_put_reach_a_reader_at_its_read_in_order_without_a_kick) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s", ctx(5));
    PortSourceShared* s = map(wp);
    ASSERT_NE(nullptr, s);
    EXPECT_EQ(0u, reinterpret_cast<uptr>(s) % 4096) << "the glue maps it whole pages";
    EXPECT_EQ(7u, s->mask);
    EXPECT_FALSE(kick_flag(s)) << "nobody waits: writes need no call";
    PortSource* again = nullptr;
    EXPECT_EQ(NO_ERROR, reg.map_writer(wp, &again));
    EXPECT_EQ(source, again) << "one ring per port";
    bool k = true;
    EXPECT_EQ(3u, put_mapped(s, {1, 2, 3}, &k));
    EXPECT_FALSE(k);
    PortResult r[8];
    usize got = 0;
    ASSERT_EQ(NO_ERROR, reg.read_many(rp, Deadline::none(), r, 8, &got));
    ASSERT_EQ(3u, got);
    EXPECT_EQ(1u, value(r[0].packet));
    EXPECT_EQ(3u, value(r[2].packet));
    EXPECT_EQ(ctx(5), r[0].ctx);
    EXPECT_EQ(3u, s->head);
    EXPECT_EQ(8u, kick(wp)) << "all free again";
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_kick_before_any_reader_fills_the_ports_own_ring_for_the_first) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 4);
    PortSourceShared* s = map(wp);
    EXPECT_EQ(4u, put_mapped(s, {1, 2, 3, 4}));
    EXPECT_EQ(4u, kick(wp));
    EXPECT_EQ(2u, put_mapped(s, {5, 6}));
    EXPECT_EQ(2u, kick(wp)) << "the port's own ring is full: 5 and 6 wait";
    PortRegistry::Info info{};
    ASSERT_EQ(NO_ERROR, reg.writer_info(wp, &info));
    EXPECT_EQ(6u, info.queued) << "its own ring's 4 and the mapped ring's 2";
    ReadPort* rp = open("s");
    EXPECT_EQ((V{1, 2, 3, 4, 5, 6}), read_all(rp)) << "the first reader inherits, then reads the rest";
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_reader_about_to_sleep_raises_the_flag_and_a_kick_wakes_it) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    std::atomic<std::uint64_t> got{0};
    Thread reader([&] {
        PortResult r{};
        if (reg.read(rp, lk_test::in_ms(10000), &r) == NO_ERROR) got = value(r.packet);
    });
    ASSERT_TRUE(lk_test::eventually([&] { return reader.asleep(); }));
    EXPECT_TRUE(kick_flag(s));
    bool k = false;
    put_mapped(s, {42}, &k);
    EXPECT_TRUE(k);
    EXPECT_EQ(8u, kick(wp));
    reader.join();
    EXPECT_EQ(42u, got.load());
    EXPECT_FALSE(kick_flag(s)) << "nobody waits any more";
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_put_racing_a_reader_going_to_sleep_is_never_left_in_the_ring) {
    // The writer moves the tail and then reads the flag; the reader raises
    // the flag and then looks at the tail: one of them sees the other.
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    for (int i = 0; i < 300; i++) {
        std::atomic<int> st{1};
        std::atomic<std::uint64_t> v{0};
        Thread reader([&] {
            PortResult r{};
            st = reg.read(rp, lk_test::in_ms(10000), &r);
            v = value(r.packet);
        });
        bool k = false;
        ASSERT_EQ(1u, put_mapped(s, {std::uint64_t(i)}, &k));
        if (k) kick(wp);
        reader.join();
        ASSERT_EQ(NO_ERROR, st.load()) << i;
        ASSERT_EQ(std::uint64_t(i), v.load());
    }
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_full_ring_waits_for_a_reader_and_loses_nothing) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 2);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    EXPECT_EQ(2u, put_mapped(s, {1, 2}));
    EXPECT_EQ(2u, kick(wp)) << "into the reader's ring";
    EXPECT_EQ(2u, put_mapped(s, {3, 4, 5}));
    EXPECT_EQ(0u, kick(wp)) << "the reader is full: they wait here";
    u32 room = 9;
    EXPECT_EQ(ERR_TIMED_OUT, reg.wait_source(wp, Deadline::none(), Interruptible::No, &room));
    EXPECT_EQ(0u, room);
    EXPECT_EQ(ERR_TIMED_OUT, reg.wait_source(wp, lk_test::in_ms(20), Interruptible::No, &room));
    std::atomic<int> st{1};
    std::atomic<u32> free_slots{0};
    Thread writer([&] {
        u32 r = 0;
        st = reg.wait_source(wp, lk_test::in_ms(10000), Interruptible::No, &r);
        free_slots = r;
    });
    ASSERT_TRUE(lk_test::eventually([&] { return writer.asleep(); }));
    PortResult r{};
    ASSERT_EQ(NO_ERROR, reg.read(rp, Deadline::none(), &r));
    EXPECT_EQ(1u, value(r.packet));
    writer.join();
    EXPECT_EQ(NO_ERROR, st.load());
    EXPECT_GE(free_slots.load(), 1u);
    EXPECT_EQ((V{2, 3, 4}), read_all(rp));
    EXPECT_EQ(2u, kick(wp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, the_slowest_reader_paces_the_ring_and_a_broken_one_does_not) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 2);
    ReadPort* a = open("s");
    ReadPort* b = open("s");
    PortSourceShared* s = map(wp);
    put_mapped(s, {1, 2});
    EXPECT_EQ(2u, kick(wp));
    EXPECT_EQ((V{1, 2}), read_all(a));
    put_mapped(s, {3});
    EXPECT_EQ(1u, kick(wp)) << "b is full: 3 reaches nobody yet";
    EXPECT_EQ((V{}), read_all(a));
    EXPECT_EQ((V{1, 2, 3}), read_all(b)) << "b's read makes room and takes 3 for both";
    EXPECT_EQ((V{3}), read_all(a));
    // A reader whose mapped ring its process broke holds nobody back.
    PortRingShared* bs = nullptr;
    usize bytes = 0;
    ASSERT_EQ(NO_ERROR, reg.map_reader(b, &bs, &bytes));
    __atomic_store_n(&bs->head, bs->tail + 100, __ATOMIC_SEQ_CST);
    put_mapped(s, {4, 5});
    EXPECT_EQ(2u, kick(wp));
    EXPECT_EQ((V{4, 5}), read_all(a));
    EXPECT_EQ(NO_ERROR, reg.close(a));
    EXPECT_EQ(NO_ERROR, reg.close(b));
    close_and_destroy(wp);
}

TEST_F(port_source, a_tail_out_of_range_breaks_that_ring_only) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    put_mapped(s, {1});
    EXPECT_EQ((V{1}), read_all(rp));
    __atomic_store_n(&s->tail, s->head + 9, __ATOMIC_SEQ_CST);
    kick(wp, ERR_BAD_STATE);
    EXPECT_EQ((V{}), read_all(rp)) << "nothing taken from it, the read is unharmed";
    // Back in range changes nothing: broken for good.
    __atomic_store_n(&s->tail, s->head + 1, __ATOMIC_SEQ_CST);
    kick(wp, ERR_BAD_STATE);
    u32 room;
    EXPECT_EQ(ERR_BAD_STATE, reg.wait_source(wp, lk_test::in_ms(10), Interruptible::No, &room));
    ASSERT_EQ(NO_ERROR, put(wp, {2}));
    EXPECT_EQ((V{2}), read_all(rp)) << "the port's other writes go on";
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_polled_reader_keeps_the_flag_up_and_its_look_takes_the_ring) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    put_mapped(s, {1});  // before anyone polls: no kick asked
    std::atomic<int> calls{0};
    reg.set_observer(rp, lk_test::counting_observer(&calls));
    EXPECT_TRUE(kick_flag(s));
    EXPECT_TRUE(reg.readable(rp)) << "the poll's look takes what came before";
    EXPECT_EQ((V{1}), read_all(rp));
    EXPECT_TRUE(kick_flag(s)) << "still polled: every put needs a kick";
    bool k = false;
    put_mapped(s, {2}, &k);
    EXPECT_TRUE(k);
    int before = calls.load();
    kick(wp);
    EXPECT_GT(calls.load(), before) << "the kick's write notifies the poller";
    PortRegistry::Info info{};
    EXPECT_EQ(NO_ERROR, reg.info(rp, &info));
    EXPECT_EQ(1u, info.queued);
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_grouped_reader_gets_what_was_put_before_and_after_it_joined) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s", ctx(9));
    PortSourceShared* s = map(wp);
    put_mapped(s, {1});
    PortHandle* h = rp;
    PortGroup* g = nullptr;
    ASSERT_EQ(NO_ERROR, reg.group(&h, 1, &g));
    EXPECT_FALSE(kick_flag(s)) << "in a group nobody reads yet";
    PortResult r{};
    ASSERT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(1u, value(r.packet));
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    EXPECT_FALSE(kick_flag(s)) << "a group read that never sleeps";
    EXPECT_EQ(ctx(9), r.ctx);
    std::atomic<std::uint64_t> got{0};
    Thread reader([&] {
        PortResult x{};
        if (reg.group_read(g, lk_test::in_ms(10000), &x) == NO_ERROR) got = value(x.packet);
    });
    ASSERT_TRUE(lk_test::eventually([&] { return reader.asleep(); }));
    bool k = false;
    put_mapped(s, {2}, &k);
    EXPECT_TRUE(k);
    kick(wp);
    reader.join();
    EXPECT_EQ(2u, got.load());
    EXPECT_EQ(NO_ERROR, reg.close(g));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_group_asks_for_kicks_while_a_read_of_it_waits_and_once_polled) {
    WritePort* wa = make("a", PORT_MODE_BROADCAST, 8);
    WritePort* wb = make("b", PORT_MODE_BROADCAST, 8);
    WritePort* wc = make("c", PORT_MODE_BROADCAST, 8);
    ReadPort* ra = open("a", ctx(1));
    ReadPort* rb = open("b", ctx(2));
    ReadPort* rc = open("c", ctx(3));
    PortSourceShared* a = map(wa);
    PortSource* sa = source;
    PortSourceShared* b = map(wb);
    PortSource* sb = source;
    source = nullptr;
    PortHandle* h[] = {ra, rb};
    PortGroup* g = nullptr;
    ASSERT_EQ(NO_ERROR, reg.group(h, 2, &g));
    EXPECT_FALSE(kick_flag(a) || kick_flag(b));
    // A read that times out raised both flags while it waited; the next
    // drain of each port, with nobody waiting, lowers its flag again.
    PortResult r{};
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, lk_test::in_ms(5), &r));
    EXPECT_TRUE(kick_flag(a) && kick_flag(b));
    kick(wa);
    EXPECT_FALSE(kick_flag(a));
    EXPECT_TRUE(kick_flag(b)) << "until its own port's drain";
    kick(wb);
    EXPECT_FALSE(kick_flag(b));
    // A reader asleep on the group: a member joining, and a member's port
    // mapped meanwhile, ask for kicks too, and their kicks wake it.
    std::atomic<std::uint64_t> got{0};
    std::atomic<int> st{1};
    Thread reader([&] {
        PortResult x{};
        st = reg.group_read(g, lk_test::in_ms(10000), &x);
        got = value(x.packet);
    });
    ASSERT_TRUE(lk_test::eventually([&] { return reader.asleep(); }));
    EXPECT_TRUE(kick_flag(a) && kick_flag(b));
    ASSERT_EQ(NO_ERROR, reg.group_add(g, rc));
    PortSourceShared* c = map(wc);
    EXPECT_TRUE(kick_flag(c));
    bool k = false;
    put_mapped(c, {7}, &k);
    EXPECT_TRUE(k);
    kick(wc);
    reader.join();
    EXPECT_EQ(NO_ERROR, st.load());
    EXPECT_EQ(7u, got.load());
    // Polled: for good, and the poll's look finds what was put before.
    put_mapped(a, {8});
    std::atomic<int> calls{0};
    reg.set_observer(g, lk_test::counting_observer(&calls));
    EXPECT_TRUE(reg.readable(g)) << "taken when the poll set its observer";
    EXPECT_TRUE(kick_flag(a) && kick_flag(b) && kick_flag(c));
    ASSERT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(8u, value(r.packet));
    kick(wa);
    EXPECT_TRUE(kick_flag(a)) << "still polled";
    put_mapped(b, {9}, &k);
    EXPECT_TRUE(k);
    int before = calls.load();
    kick(wb);
    EXPECT_GT(calls.load(), before) << "the kick's write notifies the group's poller";
    // A member that leaves asks for no kick after its port's next drain.
    ASSERT_EQ(NO_ERROR, reg.group_remove(g, rb));
    EXPECT_EQ((V{9}), read_all(rb));
    EXPECT_FALSE(kick_flag(b));
    EXPECT_EQ(NO_ERROR, reg.close(g));
    EXPECT_EQ(NO_ERROR, reg.close(ra));
    EXPECT_EQ(NO_ERROR, reg.close(rb));
    EXPECT_EQ(NO_ERROR, reg.close(rc));
    close_and_destroy(wa);
    close_and_destroy(wb);
    close_and_destroy(wc);
    PortSource::free(sa);
    PortSource::free(sb);
}

TEST_F(port_source, a_put_racing_a_group_reader_going_to_sleep_is_never_left_in_the_ring) {
    // As for a port's reader: the group's read raises the members' flags
    // and then looks at their tails, each under its port's lock, while a
    // drain of that port may be deciding that nobody waits.
    WritePort* wa = make("a", PORT_MODE_BROADCAST, 8);
    WritePort* wb = make("b", PORT_MODE_BROADCAST, 8);
    ReadPort* ra = open("a");
    ReadPort* rb = open("b");
    PortSourceShared* a = map(wa);
    PortSource* sa = source;
    PortSourceShared* b = map(wb);
    PortHandle* h[] = {ra, rb};
    PortGroup* g = nullptr;
    ASSERT_EQ(NO_ERROR, reg.group(h, 2, &g));
    for (int i = 0; i < 300; i++) {
        std::atomic<int> st{1};
        std::atomic<std::uint64_t> v{0};
        Thread reader([&] {
            PortResult r{};
            st = reg.group_read(g, lk_test::in_ms(10000), &r);
            v = value(r.packet);
        });
        bool k = false;
        PortSourceShared* s = i % 2 ? a : b;
        WritePort* w = i % 2 ? wa : wb;
        kick(w);  // a drain that may find nobody waiting, racing the read's arming
        ASSERT_EQ(1u, put_mapped(s, {std::uint64_t(i)}, &k));
        if (k) kick(w);
        reader.join();
        ASSERT_EQ(NO_ERROR, st.load()) << i;
        ASSERT_EQ(std::uint64_t(i), v.load());
    }
    EXPECT_EQ(NO_ERROR, reg.close(g));
    EXPECT_EQ(NO_ERROR, reg.close(ra));
    EXPECT_EQ(NO_ERROR, reg.close(rb));
    close_and_destroy(wa);
    close_and_destroy(wb);
    PortSource::free(sa);
}

TEST_F(port_source, close_writes_what_fits_and_destroy_lets_go_of_the_ring) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 2);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    put_mapped(s, {1, 2});
    ASSERT_EQ(NO_ERROR, reg.close(wp));
    kick(wp, ERR_BAD_HANDLE);
    PortSource* none = nullptr;
    EXPECT_EQ(ERR_BAD_HANDLE, reg.map_writer(wp, &none)) << "no ring for a closed port";
    EXPECT_EQ(nullptr, none);
    EXPECT_EQ((V{1, 2}), read_all(rp)) << "taken at the close";
    put_mapped(s, {3});
    EXPECT_EQ((V{}), read_all(rp)) << "nothing after it";
    ASSERT_EQ(NO_ERROR, reg.destroy(wp));
    EXPECT_FALSE(kick_flag(s));
    PortResult r{};
    EXPECT_EQ(ERR_CANCELLED, reg.read(rp, Deadline::none(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    // The ring outlives the port: the fixture frees it, as the glue does
    // once the last mapping is gone.
    EXPECT_EQ(3u, s->tail);
}

TEST_F(port_source, a_kick_to_many_readers_takes_all_in_turns) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 256);
    std::vector<ReadPort*> rps;
    for (int i = 0; i < 8; i++) rps.push_back(open("s"));
    PortSourceShared* s = map(wp);
    for (std::uint64_t i = 0; i < 256; i++) ASSERT_EQ(1u, put_mapped(s, {i}));
    EXPECT_EQ(256u, kick(wp)) << "each hold a turn, every packet taken";
    for (ReadPort* rp : rps) {
        V got = read_all(rp);
        ASSERT_EQ(256u, got.size());
        for (std::uint64_t i = 0; i < 256; i++) ASSERT_EQ(i, got[i]);
        EXPECT_EQ(NO_ERROR, reg.close(rp));
    }
    close_and_destroy(wp);
}

TEST_F(port_source, a_read_that_does_not_wait_or_gave_up_asks_for_no_kick) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    PortResult r{};
    EXPECT_EQ(ERR_TIMED_OUT, reg.read(rp, Deadline::none(), &r));
    EXPECT_FALSE(kick_flag(s)) << "a read that never sleeps";
    EXPECT_EQ(ERR_TIMED_OUT, reg.read(rp, lk_test::in_ms(5), &r));
    EXPECT_FALSE(kick_flag(s)) << "a reader that timed out waits no more";
    bool k = true;
    put_mapped(s, {1}, &k);
    EXPECT_FALSE(k);
    EXPECT_EQ((V{1}), read_all(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_poller_asks_for_kicks_only_while_it_is_queued) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("s");
    PortSourceShared* s = map(wp);
    static std::atomic<int> queued{0};
    std::atomic<int> calls{0};
    reg.set_observer(rp, lk_test::counting_observer(&calls), [](void*) { return queued.load(); });
    EXPECT_FALSE(kick_flag(s)) << "set, but nobody polls yet";
    reg.poll_arm(rp);
    EXPECT_FALSE(kick_flag(s)) << "a poll that will not sleep";
    queued = 1;
    put_mapped(s, {1});  // before the poll: found by its look
    reg.poll_arm(rp);
    EXPECT_TRUE(kick_flag(s));
    EXPECT_TRUE(reg.readable(rp));
    EXPECT_TRUE(kick_flag(s)) << "still queued (an epoll set)";
    bool k = false;
    put_mapped(s, {2}, &k);
    EXPECT_TRUE(k);
    int before = calls.load();
    kick(wp);
    EXPECT_GT(calls.load(), before);
    queued = 0;  // the poll returned
    EXPECT_EQ((V{1, 2}), read_all(rp));
    EXPECT_FALSE(kick_flag(s)) << "nobody polls: puts need no call";
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_source, a_port_never_mapped_has_no_ring_to_kick) {
    WritePort* wp = make("s", PORT_MODE_BROADCAST, 4);
    kick(wp, ERR_NOT_FOUND);
    u32 room;
    EXPECT_EQ(ERR_NOT_FOUND, reg.wait_source(wp, Deadline::none(), Interruptible::No, &room));
    close_and_destroy(wp);
}

}  // namespace
