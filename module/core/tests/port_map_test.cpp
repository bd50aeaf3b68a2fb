// SPDX-License-Identifier: GPL-2.0
//
// Mapped rings (PortRegistry::map_reader, map_sync): a read port's ring in
// memory its reader's process shares, from which it takes packets without
// a call, by compare-and-swap of the shared head, as liblkport does. The
// kernel's own reads take from the same ring; a group and a writer waiting
// for room learn of the process's takes through map_sync(); a head the
// process moved out of range breaks only that ring; a ring handed back at
// close keeps nothing the process could have forged.
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

// What the process does with its map (liblkport's take): up to max packets
// from head, claimed by one compare-and-swap; -1 for a broken ring.
long take_mapped(PortRingShared* s, std::uint64_t* out, unsigned max) {
    u32 h = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
    for (;;) {
        u32 t = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
        u32 q = t - h;
        if (q > s->mask + 1) {
            // Out of range, or h is stale (others took meanwhile): broken
            // only if head stood still around the read of tail.
            u32 again = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
            if (again == h) return -1;
            h = again;
            continue;
        }
        u32 n = q < max ? q : max;
        if (n == 0) return 0;
        for (u32 i = 0; i < n; i++) {
            const u64* w = reinterpret_cast<const u64*>(s->packets[(h + i) & s->mask].value);
            PortPacket p;
            u64 pair[2] = {__atomic_load_n(&w[0], __ATOMIC_RELAXED), __atomic_load_n(&w[1], __ATOMIC_RELAXED)};
            std::memcpy(p.value, pair, sizeof(pair));
            out[i] = value(p);
        }
        if (__atomic_compare_exchange_n(&s->head, &h, h + n, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE)) return n;
    }
}

bool must_sync(PortRingShared* s) { return __atomic_load_n(&s->flags, __ATOMIC_SEQ_CST) != 0; }

class PortMap : public lk_test::PortFixture {
  protected:
    PortRingShared* map(ReadPort* rp, usize* bytes = nullptr) {
        PortRingShared* s = nullptr;
        usize n = 0;
        EXPECT_EQ(NO_ERROR, reg.map_reader(rp, &s, &n));
        if (bytes) *bytes = n;
        return s;
    }
    // A port of `capacity` with one mapped read port on it; done() ends both.
    PortRingShared* mapped(u32 capacity, WritePort** wp, ReadPort** rp) {
        *wp = make("m", PORT_MODE_BROADCAST, capacity);
        *rp = open("m");
        return map(*rp);
    }
    void done(WritePort* wp, ReadPort* rp) {
        EXPECT_EQ(NO_ERROR, reg.close(rp));
        close_and_destroy(wp);
    }
    V take_all(PortRingShared* s) {
        std::uint64_t buf[64];
        V out;
        for (long n; (n = take_mapped(s, buf, 64)) > 0;) out.insert(out.end(), buf, buf + n);
        return out;
    }
    std::uint64_t read_one(ReadPort* rp, status_t* st = nullptr) {
        PortResult r{};
        status_t s = reg.read(rp, Deadline::none(), &r);
        if (st) *st = s;
        return s == NO_ERROR ? value(r.packet) : ~std::uint64_t(0);
    }
    u32 queued(PortHandle* h) {
        PortRegistry::Info i{};
        EXPECT_EQ(NO_ERROR, reg.info(h, &i));
        return i.queued;
    }
};

using port_map = PortMap;

TEST_F(port_map, mapping_moves_what_is_queued_in_order_and_shows_the_ctx) {
    WritePort* wp = make("m", PORT_MODE_BROADCAST, 8);
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2, 3}));  // into the writer's own ring
    ReadPort* rp = open("m", ctx(0x77));
    usize bytes = 0;
    PortRingShared* s = map(rp, &bytes);
    ASSERT_NE(nullptr, s);
    EXPECT_EQ(0u, reinterpret_cast<uptr>(s) % 4096) << "the glue maps it whole pages";
    EXPECT_EQ(PortRing::bytes_mapped(8), bytes);
    EXPECT_EQ(7u, s->mask);
    EXPECT_EQ(0x77u, s->ctx);
    EXPECT_EQ(3u, s->tail - s->head);
    // A second map is the same memory, nothing moved again.
    EXPECT_EQ(s, map(rp));
    EXPECT_EQ((V{1, 2, 3}), take_all(s));
    EXPECT_EQ(0u, queued(rp));
    EXPECT_FALSE(reg.readable(rp));
    ASSERT_EQ(NO_ERROR, put(wp, {4}));
    EXPECT_TRUE(reg.readable(rp));
    EXPECT_EQ((V{4}), take_all(s));
    done(wp, rp);
}

TEST_F(port_map, kernel_reads_and_map_takes_share_one_head) {
    WritePort* wp;
    ReadPort* rp;
    PortRingShared* s = mapped(8, &wp, &rp);
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2, 3, 4}));
    std::uint64_t one;
    ASSERT_EQ(1, take_mapped(s, &one, 1));
    EXPECT_EQ(1u, one);
    EXPECT_EQ(2u, read_one(rp));
    EXPECT_EQ(2u, s->head) << "a kernel read moves the shared head";
    EXPECT_EQ((V{3, 4}), take_all(s));
    status_t st;
    read_one(rp, &st);
    EXPECT_EQ(ERR_TIMED_OUT, st);
    // Room comes from the shared head: a full ring emptied by the process
    // takes a whole write again.
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2, 3, 4, 5, 6, 7, 8}));
    u32 delivered = 0, skipped = 0;
    PortPacket pk = packet(9);
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, &pk, 1, &delivered, &skipped));
    EXPECT_EQ(1u, skipped);
    EXPECT_EQ(8u, take_all(s).size());
    EXPECT_EQ(NO_ERROR, reg.write(wp, &pk, 1, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    done(wp, rp);
}

TEST_F(port_map, a_head_moved_out_of_range_breaks_that_ring_only) {
    WritePort* wp = make("m", PORT_MODE_BROADCAST, 8);
    ReadPort* bad = open("m");
    ReadPort* good = open("m");
    PortRingShared* s = map(bad);
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2}));
    for (u32 h : {s->tail + 1, s->tail - 9, 0x80000000u}) {
        __atomic_store_n(&s->head, h, __ATOMIC_RELEASE);
        status_t st;
        read_one(bad, &st);
        EXPECT_EQ(ERR_BAD_STATE, st) << h;
        EXPECT_TRUE(reg.readable(bad)) << "a poller learns of it by reading";
        EXPECT_EQ(0u, queued(bad));
        u32 delivered = 0, skipped = 0;
        PortPacket pk = packet(3);
        EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, &pk, 1, &delivered, &skipped)) << h;
        EXPECT_EQ(1u, delivered);
        EXPECT_EQ(1u, skipped);
    }
    EXPECT_EQ(5u, queued(good));
    EXPECT_EQ(1u, read_one(good));
    // Put back in range, it works again: the kernel's tail never moved.
    __atomic_store_n(&s->head, s->tail, __ATOMIC_RELEASE);
    ASSERT_EQ(NO_ERROR, put(wp, {4}));
    EXPECT_EQ((V{4}), take_all(s));
    EXPECT_EQ(NO_ERROR, reg.close(bad));
    EXPECT_EQ(NO_ERROR, reg.close(good));
    close_and_destroy(wp);
}

TEST_F(port_map, a_broken_ring_does_not_hold_back_a_back_pressure_write) {
    WritePort* wp = make("m", PORT_MODE_BROADCAST, 8);
    ReadPort* bad = open("m");
    ReadPort* good = open("m");
    PortRingShared* s = map(bad);
    __atomic_store_n(&s->head, s->tail + 1, __ATOMIC_RELEASE);
    // Skipped as by every write, not waited for: the good reader gets it
    // at once, and a wait for room returns at once.
    EXPECT_EQ(NO_ERROR, reg.wait_room(wp, 8, Deadline::none()));
    u32 delivered = 0, skipped = 0;
    PortPacket pk = packet(5);
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write_wait(wp, &pk, 1, Deadline::none(), Interruptible::No, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(1u, skipped);
    EXPECT_EQ(5u, read_one(good));
    // The good ring full, the write waits for it, not for the broken one.
    PortPacket eight[8];
    for (u32 i = 0; i < 8; i++) eight[i] = packet(10 + i);
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, eight, 8, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(ERR_TIMED_OUT, reg.write_wait(wp, &pk, 1, Deadline::none()));
    EXPECT_EQ(NO_ERROR, reg.close(bad));
    EXPECT_EQ(NO_ERROR, reg.close(good));
    close_and_destroy(wp);
}

TEST_F(port_map, a_mapped_ring_handed_back_at_close_keeps_nothing_the_process_wrote) {
    WritePort* wp;
    ReadPort* rp;
    PortRingShared* s = mapped(8, &wp, &rp);
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2}));
    // The process forges a packet and moves head back over it.
    PortPacket forged = packet(666);
    std::memcpy(s->packets[7].value, forged.value, sizeof(forged.value));
    s->head = s->tail - 3;
    EXPECT_EQ(NO_ERROR, reg.close(rp));  // the last reader: ring to the writer
    ReadPort* next = open("m");
    EXPECT_EQ(0u, queued(next)) << "what was queued in the map is dropped";
    ASSERT_EQ(NO_ERROR, put(wp, {5}));
    EXPECT_EQ(5u, read_one(next));
    // Mapped again, by a reader with another ctx: the same memory, its ctx.
    EXPECT_EQ(NO_ERROR, reg.close(next));
    ReadPort* third = open("m", ctx(3));
    PortRingShared* s3 = map(third);
    EXPECT_EQ(3u, s3->ctx);
    EXPECT_EQ(0u, s3->flags);
    EXPECT_EQ(NO_ERROR, reg.close(third));
    close_and_destroy(wp);
}

TEST_F(port_map, a_grouped_member_tells_the_group_what_it_took) {
    WritePort* wp;
    ReadPort* rp;
    PortRingShared* s = mapped(8, &wp, &rp);
    EXPECT_FALSE(must_sync(s));
    PortHandle* h = rp;
    PortGroup* g = nullptr;
    ASSERT_EQ(NO_ERROR, reg.group(&h, 1, &g));
    EXPECT_TRUE(must_sync(s)) << "a member's takes change the group's state";
    ASSERT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_TRUE(reg.readable(g));
    EXPECT_EQ((V{1}), take_all(s));
    EXPECT_TRUE(reg.readable(g)) << "the group cannot know before the sync";
    EXPECT_EQ(NO_ERROR, reg.map_sync(rp));
    EXPECT_FALSE(reg.readable(g));
    PortResult r{};
    EXPECT_EQ(ERR_TIMED_OUT, reg.group_read(g, Deadline::none(), &r));
    ASSERT_EQ(NO_ERROR, put(wp, {2}));
    EXPECT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(2u, value(r.packet));
    EXPECT_EQ(s->tail, s->head) << "a group read takes from the map";
    EXPECT_EQ(NO_ERROR, reg.group_remove(g, rp));
    EXPECT_FALSE(must_sync(s));
    EXPECT_EQ(NO_ERROR, reg.close(g));
    done(wp, rp);
}

TEST_F(port_map, a_take_then_sync_wakes_a_writer_waiting_for_room) {
    WritePort* wp;
    ReadPort* rp;
    PortRingShared* s = mapped(2, &wp, &rp);
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2}));
    std::atomic<int> st{1};
    Thread writer([&] {
        PortPacket pk[2] = {packet(3), packet(4)};
        st = reg.write_wait(wp, pk, 2, lk_test::in_ms(10000));
    });
    ASSERT_TRUE(lk_test::eventually([&] { return must_sync(s); }));
    ASSERT_TRUE(lk_test::eventually([&] { return writer.asleep(); }));
    EXPECT_EQ((V{1, 2}), take_all(s));
    EXPECT_TRUE(must_sync(s));
    EXPECT_EQ(NO_ERROR, reg.map_sync(rp));
    writer.join();
    EXPECT_EQ(NO_ERROR, st.load());
    EXPECT_EQ((V{3, 4}), take_all(s));
    // Nobody waits now: the next sync lowers the flag.
    EXPECT_EQ(NO_ERROR, reg.map_sync(rp));
    EXPECT_FALSE(must_sync(s));
    done(wp, rp);
}

TEST_F(port_map, a_poller_without_room_learns_of_map_takes_through_sync) {
    WritePort* wp;
    ReadPort* rp;
    PortRingShared* s = mapped(2, &wp, &rp);
    std::atomic<int> calls{0};
    reg.set_observer(wp, lk_test::counting_observer(&calls));
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2}));
    EXPECT_EQ(0u, s->flags);
    EXPECT_FALSE(reg.writable(wp));
    EXPECT_EQ(kRingSyncRoom, s->flags) << "the reader is asked to tell";
    std::uint64_t one;
    ASSERT_EQ(1, take_mapped(s, &one, 1));
    EXPECT_EQ(0, calls.load()) << "a take alone is not seen";
    EXPECT_EQ(NO_ERROR, reg.map_sync(rp));
    EXPECT_EQ(1, calls.load());
    EXPECT_EQ(0u, s->flags);
    EXPECT_TRUE(reg.writable(wp));
    // A take made before the poll looks is seen by the poll itself.
    ASSERT_EQ(NO_ERROR, put(wp, {3}));
    ASSERT_EQ(1, take_mapped(s, &one, 1));
    EXPECT_TRUE(reg.writable(wp));
    done(wp, rp);
}

TEST_F(port_map, a_writer_that_starts_waiting_after_the_take_is_not_left_asleep) {
    // The writer flags the ring, then looks at the head again: room the
    // process made just before it saw the flag is found then.
    WritePort* wp;
    ReadPort* rp;
    PortRingShared* s = mapped(1, &wp, &rp);
    for (int i = 0; i < 200; i++) {
        ASSERT_EQ(NO_ERROR, put(wp, {std::uint64_t(i)}));
        std::atomic<int> st{1};
        Thread writer([&] {
            PortPacket pk = packet(1000 + i);
            st = reg.write_wait(wp, &pk, 1, lk_test::in_ms(10000));
        });
        std::uint64_t v;
        while (take_mapped(s, &v, 1) != 1) {
        }
        if (must_sync(s)) {
            EXPECT_EQ(NO_ERROR, reg.map_sync(rp));
        }
        writer.join();
        ASSERT_EQ(NO_ERROR, st.load()) << i;
        ASSERT_EQ((V{std::uint64_t(1000 + i)}), take_all(s));
        EXPECT_EQ(NO_ERROR, reg.map_sync(rp));
    }
    done(wp, rp);
}

TEST_F(port_map, concurrent_takes_and_reads_get_every_packet_once) {
    constexpr int kPackets = 20000;
    WritePort* wp;
    ReadPort* rp;
    PortRingShared* s = mapped(64, &wp, &rp);
    std::atomic<int> taken{0};
    std::vector<std::atomic<int>> seen(kPackets);
    auto note = [&](std::uint64_t v) {
        ASSERT_LT(v, std::uint64_t(kPackets));
        seen[v]++;
        taken++;
    };
    Thread mapped([&] {
        std::uint64_t buf[8];
        while (taken < kPackets) {
            long n = take_mapped(s, buf, 8);
            ASSERT_GE(n, 0);
            for (long i = 0; i < n; i++) note(buf[i]);
        }
    });
    Thread kernel([&] {
        PortResult r[4];
        usize got;
        while (taken < kPackets)
            if (reg.read_many(rp, lk_test::in_ms(2), r, 4, &got) == NO_ERROR)
                for (usize i = 0; i < got; i++) note(value(r[i].packet));
    });
    for (int i = 0; i < kPackets;) {
        PortPacket pk = packet(i);
        if (reg.write(wp, &pk, 1) == NO_ERROR) i++;
    }
    mapped.join();
    kernel.join();
    EXPECT_EQ(kPackets, taken.load());
    for (int i = 0; i < kPackets; i++) ASSERT_EQ(1, seen[i].load()) << i;
    done(wp, rp);
}

TEST_F(port_map, a_failed_map_changes_nothing) {
    WritePort* wp = make("m", PORT_MODE_BROADCAST, 8);
    ReadPort* rp = open("m");
    ASSERT_EQ(NO_ERROR, put(wp, {1}));
    for (int fail = 0; fail < 2; fail++) {  // the ring, then its shared part
        lkos_host::fail_allocations_after(fail);
        PortRingShared* s = reinterpret_cast<PortRingShared*>(1);
        usize bytes = 1;
        EXPECT_EQ(ERR_NO_MEMORY, reg.map_reader(rp, &s, &bytes));
        lkos_host::fail_allocations_after(-1);
        EXPECT_EQ(nullptr, s);
        EXPECT_EQ(0u, bytes);
    }
    EXPECT_EQ(1u, read_one(rp));
    done(wp, rp);
}

}  // namespace
