// SPDX-License-Identifier: GPL-2.0
//
// Ports: names, the writer/reader lifecycle, ring semantics (never block,
// never overwrite, all or nothing), fan-out, cancellation, blocking reads,
// stress, scale and allocation failure. Each test uses its own registry
// and leaves it empty.
#include <gtest/gtest.h>

#include <lk/port.h>

#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
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

constexpr std::uint64_t kNone = ~std::uint64_t(0);

PortHandle* h(WritePort* p) { return p; }
PortHandle* h(ReadPort* p) { return p; }
WritePort* as_writer(PortHandle* p) { return static_cast<WritePort*>(p); }

class Port : public lk_test::PortFixture {
  protected:
    WritePort* create(const char* name, u32 mode = PORT_MODE_BROADCAST, u32 capacity = 0) {
        return make(name, mode, capacity);
    }
    // A read that must not block; kNone when nothing (or a broken packet)
    // came, and checks the ctx handed back.
    std::uint64_t take(ReadPort* rp, void* want_ctx = nullptr) {
        PortResult r{};
        status_t s = reg.read(rp, Deadline::none(), &r);
        if (s != NO_ERROR) return kNone;
        EXPECT_EQ(want_ctx, r.ctx);
        return value(r.packet);
    }
    std::vector<std::uint64_t> drain(ReadPort* rp, void* want_ctx = nullptr) {
        std::vector<std::uint64_t> out;
        for (std::uint64_t v; (v = take(rp, want_ctx)) != kNone;) out.push_back(v);
        return out;
    }
    // Threads blocked on a read port or group.
    u32 waiters(PortHandle* p) {
        PortRegistry::Info i{};
        EXPECT_EQ(NO_ERROR, reg.info(p, &i));
        return i.waiters;
    }
    bool wait_for_waiters(PortHandle* p, u32 n) {
        return lk_test::eventually([&] { return waiters(p) == n; });
    }
    PortRegistry::WritePortInfo info(const char* name) {
        PortRegistry::WritePortInfo found{};
        reg.for_each_write_port([&](const PortRegistry::WritePortInfo& i) {
            if (std::string(i.name) == name) found = i;
        });
        return found;
    }
};

using V = std::vector<std::uint64_t>;

}  // namespace

using port = Port;  // the test suite's name

TEST_F(port, create_open_write_read_close_destroy) {
    WritePort* wp = create("life");
    EXPECT_STREQ("life", wp->name());
    EXPECT_EQ(u32(PORT_MODE_BROADCAST), wp->mode());
    EXPECT_EQ(kPortDefaultCapacity, wp->capacity());
    EXPECT_EQ(1u, reg.write_port_count());
    ReadPort* rp = open("life", ctx(5));
    EXPECT_EQ(ctx(5), rp->ctx());
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
    EXPECT_EQ(V({1, 2}), drain(rp, ctx(5)));
    PortResult r;
    EXPECT_EQ(ERR_TIMED_OUT, reg.read(rp, Deadline::none(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    EXPECT_EQ(NO_ERROR, reg.close(wp));
    EXPECT_EQ(1u, reg.write_port_count());  // the name lives until destroy
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
    EXPECT_EQ(0u, reg.write_port_count());
}

TEST_F(port, names_up_to_63_bytes_are_accepted_and_64_rejected) {
    std::string n63(63, 'a'), n64(64, 'a');
    n63.back() = 'z';
    WritePort* wp = nullptr;
    ASSERT_EQ(NO_ERROR, reg.create(n63.c_str(), PORT_MODE_BROADCAST, 0, nullptr, &wp));
    EXPECT_STREQ(n63.c_str(), wp->name());
    EXPECT_EQ(ERR_INVALID_ARGS, reg.create(n64.c_str(), PORT_MODE_BROADCAST, 0, nullptr, &wp));
    ReadPort* rp = nullptr;
    EXPECT_EQ(ERR_INVALID_ARGS, reg.open(n64.c_str(), nullptr, &rp));
    // A 64-byte name must not be matched to its 63-byte prefix either.
    std::string prefix64 = n63 + "x";
    EXPECT_EQ(ERR_INVALID_ARGS, reg.open(prefix64.c_str(), nullptr, &rp));
    // Names longer than LK's 11 characters are found and told apart.
    std::string other63 = n63;
    other63.back() = 'y';
    EXPECT_EQ(ERR_NOT_FOUND, reg.open(other63.c_str(), nullptr, &rp));
    ASSERT_EQ(NO_ERROR, reg.open(n63.c_str(), nullptr, &rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, invalid_arguments_are_rejected) {
    WritePort* wp = nullptr;
    ReadPort* rp = nullptr;
    EXPECT_EQ(ERR_INVALID_ARGS, reg.create(nullptr, PORT_MODE_BROADCAST, 0, nullptr, &wp));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.create("x", PORT_MODE_BROADCAST, 0, nullptr, nullptr));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.create("x", 4, 0, nullptr, &wp));  // unknown mode bit
    EXPECT_EQ(ERR_INVALID_ARGS, reg.open(nullptr, nullptr, &rp));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.open("x", nullptr, nullptr));
    EXPECT_EQ(0u, reg.write_port_count());
    wp = create("x");
    EXPECT_EQ(ERR_INVALID_ARGS, reg.write(nullptr, nullptr, 0));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.write(wp, nullptr, 1));
    rp = open("x");
    PortResult r;
    usize got = 99;
    EXPECT_EQ(ERR_INVALID_ARGS, reg.read_many(rp, Deadline::none(), &r, 0, &got));
    EXPECT_EQ(0u, got);
    EXPECT_EQ(ERR_INVALID_ARGS, reg.read_many(rp, Deadline::none(), nullptr, 1, &got));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.close(nullptr));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.destroy(nullptr));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, create_on_an_open_name_returns_the_existing_port) {
    WritePort* wp = create("dup", PORT_MODE_UNICAST, 16);
    WritePort* again = nullptr;
    // LK hands back the existing port with ERR_ALREADY_EXISTS, whatever
    // the mode and capacity asked for.
    EXPECT_EQ(ERR_ALREADY_EXISTS, reg.create("dup", PORT_MODE_BROADCAST, 0, nullptr, &again));
    EXPECT_EQ(wp, again);
    EXPECT_EQ(16u, wp->capacity());
    EXPECT_EQ(1u, reg.write_port_count());
    close_and_destroy(wp);
}

TEST_F(port, create_on_a_closed_name_is_busy_until_destroyed) {
    WritePort* wp = create("busy");
    ASSERT_EQ(NO_ERROR, reg.close(wp));
    WritePort* again = nullptr;
    EXPECT_EQ(ERR_BUSY, reg.create("busy", PORT_MODE_BROADCAST, 0, nullptr, &again));
    EXPECT_EQ(nullptr, again);
    ASSERT_EQ(NO_ERROR, reg.destroy(wp));
    // The name is free again.
    WritePort* fresh = create("busy");
    ASSERT_NE(nullptr, fresh);
    close_and_destroy(fresh);
}

TEST_F(port, open_of_a_missing_name_is_not_found) {
    ReadPort* rp = nullptr;
    EXPECT_EQ(ERR_NOT_FOUND, reg.open("nobody", nullptr, &rp));
    WritePort* wp = create("somebody");
    EXPECT_EQ(ERR_NOT_FOUND, reg.open("somebod", nullptr, &rp));
    EXPECT_EQ(ERR_NOT_FOUND, reg.open("somebody2", nullptr, &rp));
    close_and_destroy(wp);
    EXPECT_EQ(ERR_NOT_FOUND, reg.open("somebody", nullptr, &rp));
    EXPECT_EQ(nullptr, rp);
}

TEST_F(port, unicast_allows_a_single_reader) {
    WritePort* wp = create("uni", PORT_MODE_UNICAST);
    ReadPort* first = open("uni", ctx(1));
    ReadPort* second = nullptr;
    EXPECT_EQ(ERR_NOT_ALLOWED, reg.open("uni", ctx(2), &second));
    EXPECT_EQ(nullptr, second);
    EXPECT_EQ(NO_ERROR, put(wp, {7}));
    EXPECT_EQ(V({7}), drain(first, ctx(1)));
    // Once the reader is gone another may open.
    EXPECT_EQ(NO_ERROR, reg.close(first));
    second = open("uni", ctx(2));
    EXPECT_EQ(NO_ERROR, put(wp, {8}));
    EXPECT_EQ(V({8}), drain(second, ctx(2)));
    EXPECT_EQ(NO_ERROR, reg.close(second));
    close_and_destroy(wp);
}

TEST_F(port, first_reader_inherits_earlier_packets_later_readers_start_empty) {
    WritePort* wp = create("late");
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2, 3}));
    ReadPort* first = open("late", ctx(1));
    ReadPort* second = open("late", ctx(2));
    EXPECT_EQ(NO_ERROR, put(wp, {4}));
    EXPECT_EQ(V({1, 2, 3, 4}), drain(first, ctx(1)));
    EXPECT_EQ(V({4}), drain(second, ctx(2)));
    EXPECT_EQ(NO_ERROR, reg.close(first));
    EXPECT_EQ(NO_ERROR, reg.close(second));
    close_and_destroy(wp);
}

TEST_F(port, full_ring_without_reader_is_all_or_nothing) {
    WritePort* wp = create("full");  // 8 packets
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2, 3, 4, 5}));
    EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, put(wp, {6, 7, 8, 9}));  // 4 do not fit in 3
    EXPECT_EQ(NO_ERROR, put(wp, {10, 11, 12}));               // 3 do
    EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, put(wp, {13}));
    EXPECT_EQ(8u, info("full").queued);
    ReadPort* rp = open("full");
    // Nothing of the refused writes landed, nothing was overwritten.
    EXPECT_EQ(V({1, 2, 3, 4, 5, 10, 11, 12}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, write_larger_than_the_ring_is_refused) {
    WritePort* wp = create("big");
    std::vector<PortPacket> nine(9, packet(1));
    EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, reg.write(wp, nine.data(), nine.size()));
    ReadPort* rp = open("big");
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, nine.data(), nine.size()));
    EXPECT_EQ(V(), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.write(wp, nine.data(), 8));
    EXPECT_EQ(8u, drain(rp).size());
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, writes_fan_out_to_every_reader_with_its_ctx) {
    WritePort* wp = create("fan");
    constexpr int kReaders = 12;
    ReadPort* rps[kReaders];
    for (int i = 0; i < kReaders; i++) rps[i] = open("fan", ctx(100 + i));
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_EQ(NO_ERROR, put(wp, {2, 3}));
    for (int i = 0; i < kReaders; i++) {
        EXPECT_EQ(V({1, 2, 3}), drain(rps[i], ctx(100 + i))) << "reader " << i;
        EXPECT_EQ(NO_ERROR, reg.close(rps[i]));
    }
    close_and_destroy(wp);
}

TEST_F(port, a_full_reader_is_skipped_while_the_others_receive) {
    WritePort* wp = create("skip", PORT_MODE_BROADCAST, 4);
    ReadPort* slow = open("skip", ctx(1));
    ReadPort* fast = open("skip", ctx(2));
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2, 3}));
    EXPECT_EQ(V({1, 2, 3}), drain(fast, ctx(2)));
    // slow has one slot left: a write of two skips it, a write of one does not.
    EXPECT_EQ(ERR_PARTIAL_WRITE, put(wp, {4, 5}));
    EXPECT_EQ(NO_ERROR, put(wp, {6}));
    EXPECT_EQ(ERR_PARTIAL_WRITE, put(wp, {7}));
    EXPECT_EQ(V({4, 5, 6, 7}), drain(fast, ctx(2)));
    // The skipped reader got none of a skipped write: no half writes.
    EXPECT_EQ(V({1, 2, 3, 6}), drain(slow, ctx(1)));
    EXPECT_EQ(NO_ERROR, reg.close(slow));
    EXPECT_EQ(NO_ERROR, reg.close(fast));
    close_and_destroy(wp);
}

TEST_F(port, wrong_handle_kinds_are_bad_handles) {
    WritePort* wp = create("kinds");
    ReadPort* rp = open("kinds");
    PortResult r;
    usize got = 99;
    // Read on a writer.
    EXPECT_EQ(ERR_BAD_HANDLE, reg.read_handle(h(wp), Deadline::none(), &r, 1, &got));
    EXPECT_EQ(0u, got);
    EXPECT_FALSE(reg.readable(h(wp)));
    // Write on a reader.
    PortPacket p = packet(1);
    EXPECT_EQ(ERR_BAD_HANDLE, reg.write(as_writer(h(rp)), &p, 1));
    // Destroy on a reader and on an open writer.
    EXPECT_EQ(ERR_BAD_HANDLE, reg.destroy(as_writer(h(rp))));
    EXPECT_EQ(ERR_BAD_HANDLE, reg.destroy(wp));
    // read_handle dispatches a read port as a read port.
    EXPECT_EQ(NO_ERROR, put(wp, {9}));
    EXPECT_EQ(NO_ERROR, reg.read_handle(h(rp), Deadline::none(), &r, 1, &got));
    EXPECT_EQ(1u, got);
    EXPECT_EQ(9u, value(r.packet));
    // Double close of a writer.
    EXPECT_EQ(NO_ERROR, reg.close(wp));
    EXPECT_EQ(ERR_BAD_HANDLE, reg.close(wp));
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
}

TEST_F(port, closed_writer_refuses_writes_but_stays_openable) {
    WritePort* wp = create("closed", PORT_MODE_UNICAST);
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
    EXPECT_EQ(NO_ERROR, reg.close(wp));
    EXPECT_EQ(ERR_BAD_HANDLE, put(wp, {3}));
    EXPECT_TRUE(info("closed").closed);
    // LK: a closed write port can still be opened, so what it queued is
    // not lost; its readers are not cancelled before destroy.
    ReadPort* rp = open("closed", ctx(1));
    EXPECT_EQ(V({1, 2}), drain(rp, ctx(1)));
    PortResult r;
    EXPECT_EQ(ERR_TIMED_OUT, reg.read(rp, Deadline::none(), &r));
    EXPECT_FALSE(reg.readable(rp));
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
    EXPECT_EQ(ERR_CANCELLED, reg.read(rp, Deadline::none(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
}

TEST_F(port, destroy_lets_readers_drain_then_cancels) {
    WritePort* wp = create("drain");
    ReadPort* a = open("drain", ctx(1));
    ReadPort* b = open("drain", ctx(2));
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2, 3}));
    close_and_destroy(wp);
    // The name is gone at once.
    ReadPort* c = nullptr;
    EXPECT_EQ(ERR_NOT_FOUND, reg.open("drain", nullptr, &c));
    PortResult r;
    for (std::uint64_t want : {1, 2, 3}) {
        // Even with an infinite deadline: data first.
        ASSERT_EQ(NO_ERROR, reg.read(a, Deadline::infinite(), &r));
        EXPECT_EQ(want, value(r.packet));
    }
    // Nothing more will ever come: ERR_CANCELLED at once, not a block.
    EXPECT_EQ(ERR_CANCELLED, reg.read(a, Deadline::infinite(), &r));
    EXPECT_EQ(ERR_CANCELLED, reg.read(a, Deadline::none(), &r));
    EXPECT_TRUE(reg.readable(a));  // poll must report it
    usize got = 0;
    PortResult many[8];
    EXPECT_EQ(NO_ERROR, reg.read_many(b, Deadline::infinite(), many, 8, &got));
    EXPECT_EQ(3u, got);
    EXPECT_EQ(ERR_CANCELLED, reg.read_many(b, Deadline::infinite(), many, 8, &got));
    EXPECT_EQ(0u, got);
    EXPECT_EQ(NO_ERROR, reg.close(a));
    EXPECT_EQ(NO_ERROR, reg.close(b));
    // A new port may take the name while nothing of the old one is left.
    WritePort* again = create("drain");
    close_and_destroy(again);
}

TEST_F(port, destroy_wakes_blocked_readers_with_cancelled) {
    WritePort* wp = create("cancel");
    constexpr int kReaders = 3;
    ReadPort* rps[kReaders];
    status_t got[kReaders];
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < kReaders; i++) {
        rps[i] = open("cancel", ctx(i));
        threads.push_back(std::make_unique<Thread>([&, i] {
            PortResult r;
            got[i] = reg.read(rps[i], Deadline::infinite(), &r);
        }));
    }
    for (int i = 0; i < kReaders; i++) EXPECT_TRUE(wait_for_waiters(rps[i], 1));
    close_and_destroy(wp);
    for (auto& t : threads) t->join();
    for (int i = 0; i < kReaders; i++) {
        EXPECT_EQ(ERR_CANCELLED, got[i]) << "reader " << i;
        EXPECT_EQ(NO_ERROR, reg.close(rps[i]));
    }
}

TEST_F(port, close_of_a_reader_wakes_its_blocked_threads_with_object_destroyed) {
    // close() frees the read port once the threads it woke are out; they
    // must not touch it after. Repeated so that ASan sees many orders.
    WritePort* wp = create("closer");
    for (int round = 0; round < 30; round++) {
        ReadPort* rp = open("closer");
        status_t got_read = NO_ERROR, got_many = NO_ERROR;
        Thread reader([&] {
            PortResult r;
            got_read = reg.read(rp, Deadline::infinite(), &r);
        });
        Thread many_reader([&] {
            PortResult r[4];
            usize got;
            got_many = reg.read_many(rp, lk_test::in_ms(60000), r, 4, &got);
        });
        EXPECT_TRUE(wait_for_waiters(rp, 2));
        ASSERT_EQ(NO_ERROR, reg.close(rp));
        reader.join();
        many_reader.join();
        EXPECT_EQ(ERR_OBJECT_DESTROYED, got_read);
        EXPECT_EQ(ERR_OBJECT_DESTROYED, got_many);
    }
    // The writer is unaffected and keeps its name.
    ReadPort* rp = open("closer");
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_EQ(V({1}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, last_reader_gives_the_ring_back_to_the_writer) {
    {
        WritePort* wp = create("ring-u", PORT_MODE_UNICAST);
        ReadPort* rp = open("ring-u");
        EXPECT_EQ(NO_ERROR, put(wp, {1, 2, 3}));
        EXPECT_EQ(1u, take(rp));
        EXPECT_EQ(NO_ERROR, reg.close(rp));
        // Unread packets are back with the writer, and more may be queued.
        EXPECT_EQ(2u, info("ring-u").queued);
        EXPECT_EQ(NO_ERROR, put(wp, {4}));
        rp = open("ring-u");
        EXPECT_EQ(V({2, 3, 4}), drain(rp));
        EXPECT_EQ(NO_ERROR, reg.close(rp));
        close_and_destroy(wp);
    }
    {
        WritePort* wp = create("ring-b");
        ReadPort* a = open("ring-b", ctx(1));
        ReadPort* b = open("ring-b", ctx(2));
        EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
        // Not the last reader: its ring goes with it.
        EXPECT_EQ(NO_ERROR, reg.close(a));
        EXPECT_EQ(0u, info("ring-b").queued);
        EXPECT_EQ(1u, info("ring-b").readers);
        EXPECT_EQ(1u, take(b, ctx(2)));
        // The last one: the writer gets its ring with what is unread.
        EXPECT_EQ(NO_ERROR, reg.close(b));
        EXPECT_EQ(1u, info("ring-b").queued);
        EXPECT_EQ(0u, info("ring-b").readers);
        ReadPort* c = open("ring-b", ctx(3));
        EXPECT_EQ(V({2}), drain(c, ctx(3)));
        EXPECT_EQ(NO_ERROR, reg.close(c));
        close_and_destroy(wp);
    }
}

TEST_F(port, capacity_is_a_power_of_two_up_to_4096) {
    WritePort* wp = nullptr;
    for (u32 bad : {3u, 6u, 12u, 4095u, 4097u, 8192u, 0x80000000u})
        EXPECT_EQ(ERR_INVALID_ARGS, reg.create("cap", PORT_MODE_BROADCAST, bad, nullptr, &wp)) << bad;
    EXPECT_EQ(0u, reg.write_port_count());
    for (u32 good : {1u, 2u, 16u, 4096u}) {
        ASSERT_EQ(NO_ERROR, reg.create("cap", PORT_MODE_BROADCAST, good, nullptr, &wp)) << good;
        EXPECT_EQ(good, wp->capacity());
        EXPECT_EQ(good, info("cap").capacity);
        std::vector<PortPacket> pk(good + 1, packet(1));
        EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, reg.write(wp, pk.data(), good + 1));
        EXPECT_EQ(NO_ERROR, reg.write(wp, pk.data(), good));
        // A later broadcast reader gets a ring of the port's capacity too.
        ReadPort* first = open("cap");
        ReadPort* second = open("cap");
        EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, pk.data(), good));  // first is full
        EXPECT_EQ(usize(good), drain(first).size());
        EXPECT_EQ(usize(good), drain(second).size());
        EXPECT_EQ(NO_ERROR, reg.close(first));
        EXPECT_EQ(NO_ERROR, reg.close(second));
        close_and_destroy(wp);
    }
}

TEST_F(port, big_buffer_holds_64_on_unicast_and_is_rejected_with_broadcast) {
    WritePort* wp = nullptr;
    EXPECT_EQ(ERR_INVALID_ARGS, reg.create("bb", PORT_MODE_BROADCAST | PORT_MODE_BIG_BUFFER, 0, nullptr, &wp));
    EXPECT_EQ(0u, reg.write_port_count());
    wp = create("bb", PORT_MODE_UNICAST | PORT_MODE_BIG_BUFFER);
    EXPECT_EQ(kPortBigCapacity, wp->capacity());
    EXPECT_EQ(64u, wp->capacity());
    std::vector<PortPacket> pk;
    for (int i = 0; i < 65; i++) pk.push_back(packet(i));
    EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, reg.write(wp, pk.data(), 65));
    EXPECT_EQ(NO_ERROR, reg.write(wp, pk.data(), 64));
    ReadPort* rp = open("bb");
    V all = drain(rp);
    ASSERT_EQ(64u, all.size());
    for (int i = 0; i < 64; i++) EXPECT_EQ(std::uint64_t(i), all[i]);
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, read_many_takes_up_to_max_in_order) {
    WritePort* wp = create("many");
    ReadPort* rp = open("many", ctx(3));
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2, 3, 4, 5}));
    PortResult r[10];
    usize got = 0;
    EXPECT_EQ(NO_ERROR, reg.read_many(rp, Deadline::none(), r, 3, &got));
    ASSERT_EQ(3u, got);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(std::uint64_t(i + 1), value(r[i].packet));
        EXPECT_EQ(ctx(3), r[i].ctx);
    }
    EXPECT_EQ(NO_ERROR, reg.read_many(rp, Deadline::none(), r, 10, &got));
    ASSERT_EQ(2u, got);
    EXPECT_EQ(4u, value(r[0].packet));
    EXPECT_EQ(5u, value(r[1].packet));
    EXPECT_EQ(ERR_TIMED_OUT, reg.read_many(rp, Deadline::none(), r, 10, &got));
    EXPECT_EQ(0u, got);
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, read_many_blocks_for_the_first_packet) {
    WritePort* wp = create("many-block");
    ReadPort* rp = open("many-block");
    usize got = 0;
    std::uint64_t first = kNone;
    Thread t([&] {
        PortResult r[4];
        EXPECT_EQ(NO_ERROR, reg.read_many(rp, Deadline::infinite(), r, 4, &got));
        first = value(r[0].packet);
    });
    EXPECT_TRUE(wait_for_waiters(rp, 1));
    EXPECT_EQ(NO_ERROR, put(wp, {42, 43}));
    t.join();
    EXPECT_GE(got, 1u);
    EXPECT_EQ(42u, first);
    drain(rp);
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, read_with_a_deadline_times_out) {
    WritePort* wp = create("deadline");
    ReadPort* rp = open("deadline");
    PortResult r;
    double start = lk_test::now_ms();
    EXPECT_EQ(ERR_TIMED_OUT, reg.read(rp, lk_test::in_ms(30), &r));
    EXPECT_GE(lk_test::now_ms() - start, 30.0);
    // A packet that arrives in time ends the wait.
    Thread t([&] {
        PortResult x;
        EXPECT_EQ(NO_ERROR, reg.read(rp, lk_test::in_ms(10000), &x));
        EXPECT_EQ(5u, value(x.packet));
    });
    EXPECT_TRUE(wait_for_waiters(rp, 1));
    EXPECT_EQ(NO_ERROR, put(wp, {5}));
    t.join();
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, read_deadline_is_not_restarted_by_a_stolen_wake) {
    // lkport's deviation from LK: a reader woken for a packet that another
    // reader took sleeps again until its original deadline, not for a
    // fresh timeout.
    WritePort* wp = create("stolen");
    ReadPort* rp = open("stolen");
    bool tested = false;
    // The woken reader runs as soon as put() drops the lock (wakes come
    // after the unlock), so on two cores it often wins the race: the
    // stealer gets many tries; a try the reader wins costs 150 ms.
    for (int attempt = 0; attempt < 40 && !tested; attempt++) {
        constexpr double kTimeout = 300;
        status_t got = NO_ERROR;
        double start = lk_test::now_ms(), end = 0;
        Thread t([&] {
            PortResult r;
            got = reg.read(rp, lk_test::in_ms(long(kTimeout)), &r);
            end = lk_test::now_ms();
        });
        EXPECT_TRUE(wait_for_waiters(rp, 1));
        lk_test::sleep_ms(150);
        double wrote = lk_test::now_ms();
        EXPECT_EQ(NO_ERROR, put(wp, {1}));
        // Usually this thread, already running, takes the packet before the
        // woken reader gets to it.
        bool stole = take(rp) == 1;
        t.join();
        if (!stole) {
            EXPECT_EQ(NO_ERROR, got);  // the reader won the race; try again
            continue;
        }
        tested = true;
        EXPECT_EQ(ERR_TIMED_OUT, got);
        EXPECT_GE(end - start, kTimeout - 1);
        // A restarted timeout would end at wrote + kTimeout or later.
        EXPECT_LT(end, wrote + kTimeout);
    }
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
    // Said, not failed: whether the stealer wins is up to the scheduler.
    if (!tested) GTEST_SKIP() << "the woken reader took the packet in every try";
}

TEST_F(port, interruptible_read_ends_on_signal) {
    WritePort* wp = create("intr");
    ReadPort* rp = open("intr");
    status_t got = NO_ERROR;
    Thread t([&] {
        PortResult r;
        got = reg.read(rp, Deadline::infinite(), &r, Interruptible::Yes);
    });
    EXPECT_TRUE(wait_for_waiters(rp, 1));
    lkos_host::send_signal(t.os());
    t.join();
    EXPECT_EQ(ERR_INTERRUPTED, got);
    // Nothing was lost: a packet written now is still there.
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_EQ(V({1}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, uninterruptible_read_ignores_signal) {
    WritePort* wp = create("nointr");
    ReadPort* rp = open("nointr");
    status_t got = ERR_GENERIC;
    Thread t([&] {
        PortResult r;
        got = reg.read(rp, Deadline::infinite(), &r);
    });
    EXPECT_TRUE(wait_for_waiters(rp, 1));
    lkos_host::send_signal(t.os());
    lk_test::sleep_ms(30);
    EXPECT_FALSE(t.done());
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, one_write_of_several_packets_reaches_every_sleeping_thread_of_a_port) {
    // Two threads read one port; a single write of two packets wakes one,
    // which takes a packet and passes the wake on: both must get one.
    WritePort* wp = create("pass-on");
    ReadPort* rp = open("pass-on");
    std::atomic<int> got{0};
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < 2; i++)
        threads.push_back(std::make_unique<Thread>([&] {
            PortResult r;
            if (reg.read(rp, lk_test::in_ms(10000), &r) == NO_ERROR) got++;
        }));
    EXPECT_TRUE(wait_for_waiters(rp, 2));
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
    for (auto& t : threads) t->join();
    EXPECT_EQ(2, got.load());
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, ping_pong_keeps_the_exact_sequence) {
    WritePort* ping = create("ping", PORT_MODE_UNICAST);
    WritePort* pong = create("pong", PORT_MODE_UNICAST);
    ReadPort* ping_r = open("ping", ctx(1));
    ReadPort* pong_r = open("pong", ctx(2));
    constexpr std::uint64_t kRounds = 1500;
    Thread echo([&] {
        for (std::uint64_t i = 0; i < kRounds; i++) {
            PortResult r;
            ASSERT_EQ(NO_ERROR, reg.read(ping_r, Deadline::infinite(), &r));
            ASSERT_EQ(ctx(1), r.ctx);
            ASSERT_EQ(i, value(r.packet));
            PortPacket p = packet(i * 2 + 1);
            ASSERT_EQ(NO_ERROR, reg.write(pong, &p, 1));
        }
    });
    for (std::uint64_t i = 0; i < kRounds; i++) {
        PortPacket p = packet(i);
        ASSERT_EQ(NO_ERROR, reg.write(ping, &p, 1));
        PortResult r;
        ASSERT_EQ(NO_ERROR, reg.read(pong_r, lk_test::in_ms(10000), &r));
        ASSERT_EQ(ctx(2), r.ctx);
        ASSERT_EQ(i * 2 + 1, value(r.packet));
    }
    echo.join();
    EXPECT_EQ(NO_ERROR, reg.close(ping_r));
    EXPECT_EQ(NO_ERROR, reg.close(pong_r));
    close_and_destroy(ping);
    close_and_destroy(pong);
}

TEST_F(port, many_writers_broadcast_to_many_readers_exactly_once_in_order) {
    // Every reader gets every packet of every writer once, each writer's
    // packets in the order written.
    constexpr int kWriters = 3, kReaders = 3, kPerWriter = 1000;
    WritePort* wp = create("bcast", PORT_MODE_BROADCAST, kPortMaxCapacity);  // room for all
    ReadPort* rps[kReaders];
    for (int i = 0; i < kReaders; i++) rps[i] = open("bcast", ctx(i));
    std::vector<std::jthread> threads;
    for (int r = 0; r < kReaders; r++)
        threads.emplace_back([&, r] {
            std::uint64_t next[kWriters] = {};
            int total = 0;
            while (total < kWriters * kPerWriter) {
                PortResult res[7];
                usize got = 0;
                status_t s = reg.read_many(rps[r], lk_test::in_ms(10000), res, 1 + r * 3, &got);
                ASSERT_EQ(NO_ERROR, s);
                for (usize k = 0; k < got; k++) {
                    ASSERT_EQ(ctx(r), res[k].ctx);
                    std::uint64_t v = value(res[k].packet);
                    int w = int(v >> 32);
                    ASSERT_TRUE(w >= 0 && w < kWriters) << v;
                    ASSERT_EQ(next[w], v & 0xffffffff) << "reader " << r << " writer " << w;
                    next[w]++;
                    total++;
                }
            }
        });
    for (int w = 0; w < kWriters; w++)
        threads.emplace_back([&, w] {
            for (int i = 0; i < kPerWriter;) {
                // Writes of one to three packets.
                int n = std::min(1 + i % 3, kPerWriter - i);
                PortPacket pk[3];
                for (int k = 0; k < n; k++) pk[k] = packet((std::uint64_t(w) << 32) | std::uint64_t(i + k));
                ASSERT_EQ(NO_ERROR, reg.write(wp, pk, n));
                i += n;
            }
        });
    for (auto& t : threads) t.join();
    for (int i = 0; i < kReaders; i++) {
        EXPECT_EQ(V(), drain(rps[i], ctx(i)));
        EXPECT_EQ(NO_ERROR, reg.close(rps[i]));
    }
    close_and_destroy(wp);
}

TEST_F(port, unicast_shared_by_reading_threads_loses_and_duplicates_nothing) {
    // A small ring, writers retrying while it is full, several threads
    // reading the one read port: every packet arrives exactly once.
    constexpr int kWriters = 2, kReaders = 3, kPerWriter = 1500, kTotal = kWriters * kPerWriter;
    WritePort* wp = create("shared", PORT_MODE_UNICAST, 8);
    ReadPort* rp = open("shared");
    std::vector<std::atomic<int>> seen(kTotal);
    std::atomic<int> received{0};
    std::atomic<long> full{0};
    std::vector<std::jthread> threads;
    for (int r = 0; r < kReaders; r++)
        threads.emplace_back([&] {
            while (received.load() < kTotal) {
                PortResult res[3];
                usize got = 0;
                status_t s = reg.read_many(rp, lk_test::in_ms(20), res, 3, &got);
                if (s == ERR_TIMED_OUT) continue;
                ASSERT_EQ(NO_ERROR, s);
                for (usize k = 0; k < got; k++) {
                    std::uint64_t v = value(res[k].packet);
                    ASSERT_LT(v, std::uint64_t(kTotal));
                    seen[v]++;
                    received++;
                }
            }
        });
    for (int w = 0; w < kWriters; w++)
        threads.emplace_back([&, w] {
            for (int i = 0; i < kPerWriter; i++) {
                PortPacket p = packet(std::uint64_t(w) * kPerWriter + i);
                status_t s;
                // The single reader's ring is full: nothing was written, try again.
                while ((s = reg.write(wp, &p, 1)) == ERR_PARTIAL_WRITE) {
                    full++;
                    lkos_yield();
                }
                ASSERT_EQ(NO_ERROR, s);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(kTotal, received.load());
    int wrong = 0;
    for (int i = 0; i < kTotal; i++) wrong += seen[i].load() != 1;
    EXPECT_EQ(0, wrong);
    EXPECT_GT(full.load(), 0);  // the ring did fill up: real contention
    EXPECT_EQ(V(), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, thousands_of_named_ports) {
    // Names are hashed: create, look up and tear down thousands of ports.
    constexpr int kPorts = 5000;
    auto name = [](int i) { return "svc/" + std::to_string(i * 7919 % 100003) + "/endpoint"; };
    std::vector<WritePort*> wps(kPorts);
    std::vector<ReadPort*> rps(kPorts);
    for (int i = 0; i < kPorts; i++) ASSERT_EQ(NO_ERROR, reg.create(name(i).c_str(), 0, 1, ctx(i), &wps[i]));
    EXPECT_EQ(usize(kPorts), reg.write_port_count());
    for (int i = 0; i < kPorts; i++) {
        // Found by name: the right port, not a neighbour in its bucket.
        WritePort* again = nullptr;
        ASSERT_EQ(ERR_ALREADY_EXISTS, reg.create(name(i).c_str(), 0, 1, nullptr, &again));
        ASSERT_EQ(wps[i], again);
        ASSERT_EQ(ctx(i), again->user());
        ReadPort* missing;
        ASSERT_EQ(ERR_NOT_FOUND, reg.open((name(i) + "x").c_str(), nullptr, &missing));
    }
    for (int i = 0; i < kPorts; i++) ASSERT_EQ(NO_ERROR, reg.open(name(i).c_str(), ctx(i), &rps[i]));
    for (int i = 0; i < kPorts; i++) {
        PortPacket p = packet(i);
        ASSERT_EQ(NO_ERROR, reg.write(wps[i], &p, 1));
    }
    for (int i = 0; i < kPorts; i++) ASSERT_EQ(std::uint64_t(i), take(rps[i], ctx(i))) << name(i);
    // Tear down half, check the other half is still found, then the rest.
    for (int i = 0; i < kPorts; i += 2) {
        ASSERT_EQ(NO_ERROR, reg.close(rps[i]));
        close_and_destroy(wps[i]);
    }
    EXPECT_EQ(usize(kPorts / 2), reg.write_port_count());
    for (int i = 0; i < kPorts; i++) {
        WritePort* again = nullptr;
        status_t s = reg.create(name(i).c_str(), 0, 1, nullptr, &again);
        if (i % 2) {
            ASSERT_EQ(ERR_ALREADY_EXISTS, s);
            ASSERT_EQ(wps[i], again);
        } else {
            ASSERT_EQ(NO_ERROR, s);  // the destroyed half's names are free
            close_and_destroy(again);
        }
    }
    for (int i = 1; i < kPorts; i += 2) {
        ASSERT_EQ(NO_ERROR, reg.close(rps[i]));
        close_and_destroy(wps[i]);
    }
    EXPECT_EQ(0u, reg.write_port_count());
}

TEST_F(port, allocation_failure_in_create_changes_nothing) {
    long live = lkos_host::live_allocations();
    int failures = 0;
    WritePort* wp = nullptr;
    for (long n = 0;; n++) {
        lkos_host::fail_allocations_after(n);
        status_t s = reg.create("nomem", PORT_MODE_UNICAST, 0, nullptr, &wp);
        lkos_host::fail_allocations_after(-1);
        if (s == NO_ERROR) break;
        ASSERT_EQ(ERR_NO_MEMORY, s) << "allocation " << n;
        failures++;
        EXPECT_EQ(live, lkos_host::live_allocations()) << "allocation " << n;
        EXPECT_EQ(0u, reg.write_port_count());
        ReadPort* rp;
        EXPECT_EQ(ERR_NOT_FOUND, reg.open("nomem", nullptr, &rp));
    }
    EXPECT_EQ(2, failures);  // the port and its ring
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    ReadPort* rp = open("nomem");
    EXPECT_EQ(V({1}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, allocation_failure_in_open_changes_nothing) {
    WritePort* wp = create("nomem-open");
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
    long live = lkos_host::live_allocations();
    // The first reader: only the read port is allocated.
    ReadPort* first = nullptr;
    int failures = 0;
    for (long n = 0;; n++) {
        lkos_host::fail_allocations_after(n);
        status_t s = reg.open("nomem-open", ctx(1), &first);
        lkos_host::fail_allocations_after(-1);
        if (s == NO_ERROR) break;
        ASSERT_EQ(ERR_NO_MEMORY, s);
        failures++;
        EXPECT_EQ(live, lkos_host::live_allocations());
        EXPECT_EQ(0u, info("nomem-open").readers);
        EXPECT_EQ(2u, info("nomem-open").queued);  // the writer kept its packets
    }
    EXPECT_EQ(1, failures);
    // A later broadcast reader: the read port and its own ring.
    live = lkos_host::live_allocations();
    ReadPort* second = nullptr;
    failures = 0;
    for (long n = 0;; n++) {
        lkos_host::fail_allocations_after(n);
        status_t s = reg.open("nomem-open", ctx(2), &second);
        lkos_host::fail_allocations_after(-1);
        if (s == NO_ERROR) break;
        ASSERT_EQ(ERR_NO_MEMORY, s);
        failures++;
        EXPECT_EQ(live, lkos_host::live_allocations());
        EXPECT_EQ(1u, info("nomem-open").readers);
    }
    EXPECT_EQ(2, failures);
    EXPECT_EQ(NO_ERROR, put(wp, {3}));
    EXPECT_EQ(V({1, 2, 3}), drain(first, ctx(1)));
    EXPECT_EQ(V({3}), drain(second, ctx(2)));
    EXPECT_EQ(NO_ERROR, reg.close(first));
    EXPECT_EQ(NO_ERROR, reg.close(second));
    close_and_destroy(wp);
}

TEST_F(port, open_check_can_deny_access) {
    int owner_tag = 0;
    WritePort* wp = nullptr;
    ASSERT_EQ(NO_ERROR, reg.create("guarded", PORT_MODE_UNICAST, 0, &owner_tag, &wp));
    EXPECT_EQ(&owner_tag, wp->user());
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    struct Seen {
        void* user;
        void* arg;
        bool allow;
    } seen{nullptr, nullptr, false};
    OpenCheck check{[](void* user, void* arg) {
                        auto* s = static_cast<Seen*>(arg);
                        s->user = user;
                        return s->allow;
                    },
                    &seen};
    ReadPort* rp = nullptr;
    long live = lkos_host::live_allocations();
    EXPECT_EQ(ERR_ACCESS_DENIED, reg.open("guarded", nullptr, &rp, &check));
    EXPECT_EQ(&owner_tag, seen.user);  // the check saw the creator's `user`
    EXPECT_EQ(live, lkos_host::live_allocations());
    EXPECT_EQ(0u, info("guarded").readers);
    // Not found comes before the check.
    seen.user = nullptr;
    EXPECT_EQ(ERR_NOT_FOUND, reg.open("unguarded", nullptr, &rp, &check));
    EXPECT_EQ(nullptr, seen.user);
    seen.allow = true;
    ASSERT_EQ(NO_ERROR, reg.open("guarded", nullptr, &rp, &check));
    EXPECT_EQ(V({1}), drain(rp));  // the denied open took nothing
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, readability_and_observer) {
    WritePort* wp = create("ready");
    ReadPort* rp = open("ready");
    std::atomic<int> notes{0};
    reg.set_observer(rp, lk_test::counting_observer(&notes));
    EXPECT_FALSE(reg.readable(rp));
    EXPECT_FALSE(reg.readable(h(rp)));
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_EQ(1, notes.load());
    EXPECT_TRUE(reg.readable(rp));
    EXPECT_TRUE(reg.readable(h(rp)));
    EXPECT_EQ(1u, take(rp));
    EXPECT_FALSE(reg.readable(rp));
    close_and_destroy(wp);
    EXPECT_EQ(2, notes.load());  // cancellation is a readiness change too
    EXPECT_TRUE(reg.readable(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
}

TEST_F(port, write_from_hardirq_context) {
    WritePort* wp = create("irq");
    ReadPort* rp = open("irq");
    status_t got = ERR_GENERIC;
    Thread reader([&] {
        PortResult r;
        got = reg.read(rp, lk_test::in_ms(10000), &r);
    });
    EXPECT_TRUE(wait_for_waiters(rp, 1));
    Thread([&] {
        lkos_host::set_hardirq(true);
        EXPECT_EQ(NO_ERROR, put(wp, {1}));  // any context: no sleep, no WARN
        lkos_host::set_hardirq(false);
    }).join();
    reader.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(0, lkos_host::warnings());
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, listing_describes_each_write_port) {
    int user = 0;
    WritePort* a = nullptr;
    ASSERT_EQ(NO_ERROR, reg.create("list-a", PORT_MODE_UNICAST, 32, &user, &a));
    WritePort* b = create("list-b");
    EXPECT_EQ(NO_ERROR, put(a, {1, 2, 3}));
    ReadPort* rb = open("list-b");
    ReadPort* rb2 = open("list-b");
    ASSERT_EQ(NO_ERROR, reg.close(b));
    int count = 0;
    reg.for_each_write_port([&](const PortRegistry::WritePortInfo&) { count++; });
    EXPECT_EQ(2, count);
    auto ia = info("list-a");
    EXPECT_STREQ("list-a", ia.name);
    EXPECT_EQ(u32(PORT_MODE_UNICAST), ia.mode);
    EXPECT_EQ(32u, ia.capacity);
    EXPECT_EQ(0u, ia.readers);
    EXPECT_EQ(3u, ia.queued);
    EXPECT_FALSE(ia.closed);
    EXPECT_EQ(&user, ia.user);
    auto ib = info("list-b");
    EXPECT_EQ(2u, ib.readers);
    EXPECT_TRUE(ib.closed);
    EXPECT_EQ(NO_ERROR, reg.close(rb));
    EXPECT_EQ(NO_ERROR, reg.close(rb2));
    EXPECT_EQ(NO_ERROR, reg.destroy(b));
    close_and_destroy(a);
}

TEST_F(port, find_writer_finds_only_an_open_writer) {
    WritePort* found = nullptr;
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_writer("finder", &found));
    WritePort* wp = create("finder");
    ASSERT_EQ(NO_ERROR, reg.find_writer("finder", &found));
    EXPECT_EQ(wp, found);
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_writer("finde", &found));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.find_writer(std::string(64, 'f').c_str(), &found));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.find_writer(nullptr, &found));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.find_writer("finder", nullptr));
    // Closed but still holding its name: busy, and never handed out.
    ASSERT_EQ(NO_ERROR, reg.close(wp));
    found = nullptr;
    EXPECT_EQ(ERR_BUSY, reg.find_writer("finder", &found));
    EXPECT_EQ(nullptr, found);
    ASSERT_EQ(NO_ERROR, reg.destroy(wp));
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_writer("finder", &found));
}

TEST_F(port, find_named_writer_finds_open_and_closed_until_destroyed) {
    WritePort* found = nullptr;
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_named_writer("named", &found));
    EXPECT_EQ(nullptr, found);
    WritePort* wp = create("named");
    ASSERT_EQ(NO_ERROR, reg.find_named_writer("named", &found));
    EXPECT_EQ(wp, found);
    EXPECT_EQ(ERR_INVALID_ARGS, reg.find_named_writer(std::string(64, 'n').c_str(), &found));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.find_named_writer(nullptr, &found));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.find_named_writer("named", nullptr));
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_named_writer("named", &found, 0x77ull));
    // Closed: find_writer says busy, this one still hands it out.
    ASSERT_EQ(NO_ERROR, reg.close(wp));
    found = nullptr;
    EXPECT_EQ(ERR_BUSY, reg.find_writer("named", &found));
    ASSERT_EQ(NO_ERROR, reg.find_named_writer("named", &found));
    EXPECT_EQ(wp, found);
    // Destroyed: the name is free, nothing is found.
    ASSERT_EQ(NO_ERROR, reg.destroy(wp));
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_named_writer("named", &found));
}

TEST_F(port, names_are_per_namespace) {
    constexpr PortNamespace kOther = 0x1234'5678'9abc'def0ull;
    WritePort* here = create("shared-name");
    WritePort* there = nullptr;
    // The same name in another namespace is another port, not the existing one.
    ASSERT_EQ(NO_ERROR, reg.create("shared-name", PORT_MODE_BROADCAST, 0, nullptr, &there, kOther));
    EXPECT_NE(here, there);
    EXPECT_EQ(kOther, there->ns());
    EXPECT_EQ(kPortInitialNamespace, here->ns());
    WritePort* again = nullptr;
    EXPECT_EQ(ERR_ALREADY_EXISTS, reg.create("shared-name", PORT_MODE_BROADCAST, 0, nullptr, &again, kOther));
    EXPECT_EQ(there, again);
    // A name only another namespace has is not found.
    WritePort* only = nullptr;
    ASSERT_EQ(NO_ERROR, reg.create("only-there", PORT_MODE_BROADCAST, 0, nullptr, &only, kOther));
    WritePort* found = nullptr;
    ReadPort* rp = nullptr;
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_writer("only-there", &found));
    EXPECT_EQ(ERR_NOT_FOUND, reg.open("only-there", nullptr, &rp));
    EXPECT_EQ(ERR_NOT_FOUND, reg.find_writer("only-there", &found, kOther + 1));
    ASSERT_EQ(NO_ERROR, reg.find_writer("only-there", &found, kOther));
    EXPECT_EQ(only, found);
    // Readers of each get only that port's packets.
    ReadPort* r_here = open("shared-name", ctx(1));
    ReadPort* r_there = nullptr;
    ASSERT_EQ(NO_ERROR, reg.open("shared-name", ctx(2), &r_there, nullptr, kOther));
    EXPECT_EQ(NO_ERROR, put(here, {10}));
    EXPECT_EQ(NO_ERROR, put(there, {20}));
    EXPECT_EQ(V{10}, drain(r_here, ctx(1)));
    EXPECT_EQ(V{20}, drain(r_there, ctx(2)));
    // The listing says which namespace each is in.
    usize in_other = 0;
    reg.for_each_write_port([&](const PortRegistry::WritePortInfo& i) { in_other += i.ns == kOther; });
    EXPECT_EQ(2u, in_other);
    EXPECT_EQ(NO_ERROR, reg.close(r_here));
    EXPECT_EQ(NO_ERROR, reg.close(r_there));
    close_and_destroy(here);
    close_and_destroy(there);
    close_and_destroy(only);
}

TEST_F(port, write_reports_delivered_and_skipped) {
    WritePort* wp = create("counts", PORT_MODE_BROADCAST, 2);
    u32 delivered = 99, skipped = 99;
    PortPacket two[2] = {packet(1), packet(2)};
    // No reader: the writer's own ring took them.
    EXPECT_EQ(NO_ERROR, reg.write(wp, two, 2, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(0u, skipped);
    EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, reg.write(wp, two, 1, &delivered, &skipped));
    EXPECT_EQ(0u, delivered);
    EXPECT_EQ(0u, skipped);
    ReadPort* full = open("counts", ctx(1));  // inherits the two packets
    ReadPort* a = open("counts", ctx(2));
    ReadPort* b = open("counts", ctx(3));
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, two, 1, &delivered, &skipped));
    EXPECT_EQ(2u, delivered);
    EXPECT_EQ(1u, skipped);
    EXPECT_EQ(V({1, 2}), drain(full, ctx(1)));
    EXPECT_EQ(NO_ERROR, reg.write(wp, two, 1, &delivered, &skipped));
    EXPECT_EQ(3u, delivered);
    EXPECT_EQ(0u, skipped);
    // Either count may be left out. Now every ring is too full for two.
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, two, 2, nullptr, &skipped));
    EXPECT_EQ(3u, skipped);
    EXPECT_EQ(V({1}), drain(full, ctx(1)));
    EXPECT_EQ(V({1, 1}), drain(a, ctx(2)));
    EXPECT_EQ(V({1, 1}), drain(b, ctx(3)));
    for (ReadPort* rp : {full, a, b}) EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port, info_describes_each_kind_of_handle) {
    WritePort* wp = create("info", PORT_MODE_UNICAST, 16);
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2, 3}));
    PortRegistry::Info wi{};
    ASSERT_EQ(NO_ERROR, reg.info(wp, &wi));
    EXPECT_EQ(ObjectKind::WritePort, wi.kind);
    EXPECT_NE(0u, wi.id);
    EXPECT_EQ(u32(PORT_MODE_UNICAST), wi.mode);
    EXPECT_EQ(16u, wi.capacity);
    EXPECT_EQ(3u, wi.queued);
    EXPECT_FALSE(wi.closed);

    ReadPort* rp = open("info");
    PortRegistry::Info ri{};
    ASSERT_EQ(NO_ERROR, reg.info(rp, &ri));
    EXPECT_EQ(ObjectKind::ReadPort, ri.kind);
    EXPECT_NE(wi.id, ri.id);
    EXPECT_EQ(u32(PORT_MODE_UNICAST), ri.mode);
    EXPECT_EQ(16u, ri.capacity);
    EXPECT_EQ(3u, ri.queued);  // inherited
    EXPECT_EQ(0u, ri.waiters);
    EXPECT_FALSE(ri.cancelled);
    EXPECT_FALSE(ri.grouped);
    ASSERT_EQ(NO_ERROR, reg.info(wp, &wi));
    EXPECT_EQ(0u, wi.queued);  // the ring went to the reader

    PortHandle* members[] = {rp};
    PortGroup* g = nullptr;
    ASSERT_EQ(NO_ERROR, reg.group(members, 1, &g));
    PortRegistry::Info gi{};
    ASSERT_EQ(NO_ERROR, reg.info(g, &gi));
    EXPECT_EQ(ObjectKind::PortGroup, gi.kind);
    EXPECT_EQ(1u, gi.members);
    EXPECT_EQ(0u, gi.waiters);
    EXPECT_EQ(3u, gi.queued);  // its members'
    EXPECT_FALSE(gi.cancelled);
    ASSERT_EQ(NO_ERROR, reg.info(rp, &ri));
    EXPECT_TRUE(ri.grouped);
    drain(rp);
    Thread t([&] {
        PortResult r;
        EXPECT_EQ(ERR_CANCELLED, reg.group_read(g, lk_test::in_ms(10000), &r));
    });
    EXPECT_TRUE(wait_for_waiters(g, 1));
    ASSERT_EQ(NO_ERROR, reg.close(wp));
    ASSERT_EQ(NO_ERROR, reg.info(wp, &wi));
    EXPECT_TRUE(wi.closed);
    ASSERT_EQ(NO_ERROR, reg.destroy(wp));
    t.join();
    ASSERT_EQ(NO_ERROR, reg.info(rp, &ri));
    EXPECT_TRUE(ri.cancelled);
    ASSERT_EQ(NO_ERROR, reg.info(g, &gi));
    EXPECT_TRUE(gi.cancelled);  // its only member is
    EXPECT_EQ(NO_ERROR, reg.close(g));
    ASSERT_EQ(NO_ERROR, reg.info(rp, &ri));
    EXPECT_FALSE(ri.grouped);

    // Not a port object at all.
    PortHandle bogus{0};
    EXPECT_EQ(ERR_BAD_HANDLE, reg.info(&bogus, &ri));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.info(nullptr, &ri));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.info(rp, nullptr));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
}

TEST(port_default_registry, exists_after_core_init) {
    PortRegistry* reg = default_port_registry();
    ASSERT_NE(nullptr, reg);
    WritePort* wp = nullptr;
    ASSERT_EQ(NO_ERROR, reg->create("default-registry", PORT_MODE_UNICAST, 0, nullptr, &wp));
    ReadPort* rp = nullptr;
    ASSERT_EQ(NO_ERROR, reg->open("default-registry", nullptr, &rp));
    PortPacket p = packet(77);
    EXPECT_EQ(NO_ERROR, reg->write(wp, &p, 1));
    PortResult r;
    EXPECT_EQ(NO_ERROR, reg->read(rp, Deadline::none(), &r));
    EXPECT_EQ(77u, value(r.packet));
    EXPECT_EQ(NO_ERROR, reg->close(rp));
    EXPECT_EQ(NO_ERROR, reg->close(wp));
    EXPECT_EQ(NO_ERROR, reg->destroy(wp));
}
