// SPDX-License-Identifier: GPL-2.0
//
// Back-pressure writes (PortRegistry::write_wait): a write that waits for
// room in every ring it goes to, and writes nothing to anyone until then.
// Woken by a read that makes the room, by the close of the reader that
// held it back, by the writer's close; ends at its deadline or on a signal
// with nothing written. The non-blocking writes stay as they were.
#include <gtest/gtest.h>

#include <lk/port.h>

#include <atomic>
#include <memory>
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
using V = std::vector<std::uint64_t>;

class PortWait : public lk_test::PortFixture {
  protected:
    WritePort* create(const char* name, u32 capacity, u32 mode = PORT_MODE_BROADCAST) {
        return make(name, mode, capacity);
    }
    status_t put_wait(WritePort* wp, std::initializer_list<std::uint64_t> vs, Deadline d, u32* delivered = nullptr,
                      Interruptible intr = Interruptible::No) {
        std::vector<PortPacket> pk = packets_of(vs);
        return reg.write_wait(wp, pk.data(), pk.size(), d, intr, delivered);
    }
    std::uint64_t take(ReadPort* rp) {
        PortResult r{};
        return reg.read(rp, Deadline::none(), &r) == NO_ERROR ? value(r.packet) : kNone;
    }
    V drain(ReadPort* rp) {
        V out;
        for (std::uint64_t v; (v = take(rp)) != kNone;) out.push_back(v);
        return out;
    }
    // Writers waiting for room on wp.
    u32 waiters(WritePort* wp) {
        PortRegistry::Info i{};
        EXPECT_EQ(NO_ERROR, reg.info(wp, &i));
        return i.waiters;
    }
    bool wait_for_writers(WritePort* wp, u32 n) {
        return lk_test::eventually([&] { return waiters(wp) == n; });
    }
};

}  // namespace

using port_wait = PortWait;

TEST_F(port_wait, a_write_with_room_goes_through_at_once) {
    WritePort* wp = create("pw-room", 4);
    ReadPort* a = open("pw-room");
    ReadPort* b = open("pw-room");
    u32 delivered = 0;
    EXPECT_EQ(NO_ERROR, put_wait(wp, {1, 2}, Deadline::none(), &delivered));
    EXPECT_EQ(2u, delivered);
    EXPECT_EQ(V({1, 2}), drain(a));
    EXPECT_EQ(V({1, 2}), drain(b));
    EXPECT_EQ(NO_ERROR, reg.close(a));
    EXPECT_EQ(NO_ERROR, reg.close(b));
    close_and_destroy(wp);
}

TEST_F(port_wait, a_read_that_makes_room_wakes_the_writer) {
    WritePort* wp = create("pw-wake", 2);
    ReadPort* rp = open("pw-wake");
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
    status_t got = ERR_GENERIC;
    u32 delivered = 0;
    Thread t([&] { got = put_wait(wp, {3}, Deadline::infinite(), &delivered); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    EXPECT_FALSE(t.done());
    EXPECT_EQ(1u, take(rp));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(0u, waiters(wp));
    EXPECT_EQ(V({2, 3}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_wait, a_read_of_too_little_room_leaves_the_writer_waiting) {
    // Room for one of two packets is no room: the write stays all or
    // nothing for each reader, and the writer waits on.
    WritePort* wp = create("pw-two", 2);
    ReadPort* rp = open("pw-two");
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
    status_t got = ERR_GENERIC;
    Thread t([&] { got = put_wait(wp, {3, 4}, Deadline::infinite()); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    EXPECT_EQ(1u, take(rp));
    // Still queued: it cannot have written, one slot is free.
    EXPECT_TRUE(wait_for_writers(wp, 1));
    EXPECT_FALSE(t.done());
    EXPECT_EQ(2u, take(rp));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(V({3, 4}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_wait, the_deadline_ends_the_wait_with_nothing_written) {
    WritePort* wp = create("pw-deadline", 2);
    ReadPort* slow = open("pw-deadline", ctx(1));
    ReadPort* fast = open("pw-deadline", ctx(2));
    EXPECT_EQ(NO_ERROR, put(wp, {1, 2}));
    EXPECT_EQ(V({1, 2}), drain(fast));
    u32 delivered = 7;
    EXPECT_EQ(ERR_TIMED_OUT, put_wait(wp, {3}, lk_test::in_ms(20), &delivered));
    EXPECT_EQ(0u, delivered);
    // Deadline::none(): a try, all readers or none.
    EXPECT_EQ(ERR_TIMED_OUT, put_wait(wp, {4}, Deadline::none(), &delivered));
    EXPECT_EQ(0u, delivered);
    // The reader with room got nothing of either.
    EXPECT_EQ(V{}, drain(fast));
    EXPECT_EQ(V({1, 2}), drain(slow));
    EXPECT_EQ(0u, waiters(wp));
    EXPECT_EQ(NO_ERROR, reg.close(slow));
    EXPECT_EQ(NO_ERROR, reg.close(fast));
    close_and_destroy(wp);
}

TEST_F(port_wait, the_slowest_reader_paces_the_writer_and_nobody_is_skipped) {
    constexpr int kReaders = 3;
    constexpr std::uint64_t kWrites = 300;
    WritePort* wp = create("pw-pace", 2);
    ReadPort* rp[kReaders];
    for (auto& r : rp) r = open("pw-pace");
    std::atomic<u32> skipped_total{0};
    status_t last = NO_ERROR;
    Thread writer([&] {
        for (std::uint64_t v = 1; v <= kWrites; v++) {
            PortPacket pk = packet(v);
            u32 delivered = 0, skipped = 0;
            status_t st = reg.write_wait(wp, &pk, 1, Deadline::infinite(), Interruptible::No, &delivered, &skipped);
            if (st != NO_ERROR || delivered != u32(kReaders)) last = st != NO_ERROR ? st : ERR_PARTIAL_WRITE;
            skipped_total += skipped;
        }
    });
    std::vector<V> seen(kReaders);
    std::vector<std::unique_ptr<Thread>> readers;
    for (int i = 0; i < kReaders; i++)
        readers.push_back(std::make_unique<Thread>([&, i] {
            for (std::uint64_t n = 0; n < kWrites; n++) {
                PortResult r{};
                if (reg.read(rp[i], lk_test::in_ms(10000), &r) != NO_ERROR) return;
                seen[i].push_back(value(r.packet));
                // The last reader is slow: it yields now and then.
                if (i == kReaders - 1 && n % 16 == 0) lk_test::sleep_ms(1);
            }
        }));
    for (auto& t : readers) t->join();
    writer.join();
    EXPECT_EQ(NO_ERROR, last);
    EXPECT_EQ(0u, skipped_total.load());
    V want;
    for (std::uint64_t v = 1; v <= kWrites; v++) want.push_back(v);
    for (int i = 0; i < kReaders; i++) EXPECT_EQ(want, seen[i]) << "reader " << i;
    for (auto& r : rp) EXPECT_EQ(NO_ERROR, reg.close(r));
    close_and_destroy(wp);
}

TEST_F(port_wait, a_full_reader_that_closes_holds_the_writer_back_no_more) {
    WritePort* wp = create("pw-leave", 1);
    ReadPort* slow = open("pw-leave");
    ReadPort* fast = open("pw-leave");
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_EQ(V({1}), drain(fast));
    status_t got = ERR_GENERIC;
    u32 delivered = 0;
    Thread t([&] { got = put_wait(wp, {2}, Deadline::infinite(), &delivered); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    EXPECT_EQ(NO_ERROR, reg.close(slow));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(V({2}), drain(fast));
    EXPECT_EQ(NO_ERROR, reg.close(fast));
    close_and_destroy(wp);
}

TEST_F(port_wait, close_and_destroy_of_the_port_end_the_wait_as_a_write_fails) {
    WritePort* wp = create("pw-close", 1);
    ReadPort* rp = open("pw-close");
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    status_t got = ERR_GENERIC;
    Thread t([&] { got = put_wait(wp, {2}, Deadline::infinite()); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    EXPECT_EQ(NO_ERROR, reg.close(wp));
    t.join();
    // What a write to a closed port gets.
    EXPECT_EQ(ERR_BAD_HANDLE, got);
    EXPECT_EQ(ERR_BAD_HANDLE, put(wp, {3}));
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
    // The reader drains what was there, nothing of the failed write.
    EXPECT_EQ(V({1}), drain(rp));
    PortResult r;
    EXPECT_EQ(ERR_CANCELLED, reg.read(rp, Deadline::none(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
}

TEST_F(port_wait, a_signal_ends_an_interruptible_wait_with_nothing_written) {
    WritePort* wp = create("pw-intr", 1);
    ReadPort* rp = open("pw-intr");
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    status_t got = ERR_GENERIC;
    Thread t([&] { got = put_wait(wp, {2}, Deadline::infinite(), nullptr, Interruptible::Yes); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    lkos_host::send_signal(t.os());
    t.join();
    EXPECT_EQ(ERR_INTERRUPTED, got);
    EXPECT_EQ(V({1}), drain(rp));
    EXPECT_EQ(0u, waiters(wp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_wait, without_a_reader_it_waits_for_the_ring_the_first_reader_takes) {
    WritePort* wp = create("pw-own", 1);
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    status_t got = ERR_GENERIC;
    Thread t([&] { got = put_wait(wp, {2}, Deadline::infinite()); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    ReadPort* rp = open("pw-own");  // inherits the full ring
    EXPECT_EQ(1u, take(rp));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(V({2}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_wait, a_group_read_makes_room_too) {
    WritePort* wp = create("pw-group", 1);
    ReadPort* rp = open("pw-group");
    PortHandle* members[] = {rp};
    PortGroup* g = nullptr;
    ASSERT_EQ(NO_ERROR, reg.group(members, 1, &g));
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    status_t got = ERR_GENERIC;
    Thread t([&] { got = put_wait(wp, {2}, Deadline::infinite()); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    PortResult r{};
    EXPECT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(1u, value(r.packet));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
    EXPECT_EQ(2u, value(r.packet));
    EXPECT_EQ(NO_ERROR, reg.close(g));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_wait, more_packets_than_a_ring_holds_are_refused) {
    WritePort* wp = create("pw-big", 4);
    ReadPort* rp = open("pw-big");
    std::vector<PortPacket> pk(5, packet(1));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.write_wait(wp, pk.data(), pk.size(), Deadline::infinite()));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.wait_room(wp, 5, Deadline::infinite()));
    EXPECT_EQ(V{}, drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_wait, non_blocking_writes_still_skip_while_a_writer_waits) {
    WritePort* wp = create("pw-mixed", 1);
    ReadPort* slow = open("pw-mixed");
    ReadPort* fast = open("pw-mixed");
    EXPECT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_EQ(V({1}), drain(fast));
    status_t got = ERR_GENERIC;
    Thread t([&] { got = put_wait(wp, {3}, Deadline::infinite()); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    // The default writes neither wait nor change: the full reader is
    // skipped, the others get it.
    PortPacket pk = packet(2);
    u32 delivered = 0, skipped = 0;
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write_bounded(wp, &pk, 1, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(1u, skipped);
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write(wp, &pk, 1, &delivered, &skipped));
    EXPECT_EQ(0u, delivered);  // fast is full now too
    EXPECT_EQ(2u, skipped);
    EXPECT_EQ(2u, take(fast));
    EXPECT_TRUE(wait_for_writers(wp, 1));  // slow is still full
    EXPECT_EQ(1u, take(slow));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(V({3}), drain(fast));
    EXPECT_EQ(V({3}), drain(slow));
    EXPECT_EQ(NO_ERROR, reg.close(slow));
    EXPECT_EQ(NO_ERROR, reg.close(fast));
    close_and_destroy(wp);
}

TEST_F(port_wait, a_try_from_hardirq_context_never_sleeps) {
    WritePort* wp = create("pw-irq", 1);
    ReadPort* rp = open("pw-irq");
    Thread([&] {
        lkos_host::set_hardirq(true);
        EXPECT_EQ(NO_ERROR, put_wait(wp, {1}, Deadline::none()));
        EXPECT_EQ(ERR_TIMED_OUT, put_wait(wp, {2}, Deadline::none()));
        lkos_host::set_hardirq(false);
    }).join();
    EXPECT_EQ(0, lkos_host::warnings());
    EXPECT_EQ(V({1}), drain(rp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

// Readiness for poll (writable()): a poller that finds no room is woken,
// through the write port's observer, by what would wake a waiting writer.

TEST_F(port_wait, a_poller_without_room_is_told_once_a_read_makes_some) {
    WritePort* wp = create("pw-poll", 2);
    std::atomic<int> calls{0};
    reg.set_observer(wp, lk_test::counting_observer(&calls));
    ReadPort* a = open("pw-poll");
    ReadPort* b = open("pw-poll");
    EXPECT_TRUE(reg.writable(wp));
    ASSERT_EQ(NO_ERROR, put(wp, {1, 2}));
    EXPECT_EQ(1u, take(a));
    EXPECT_EQ(0, calls) << "nobody polled: no call";
    EXPECT_FALSE(reg.writable(wp)) << "b is full";
    EXPECT_EQ(2u, take(a));
    EXPECT_EQ(0, calls) << "a had room: not what held the poller back";
    EXPECT_EQ(1u, take(b));
    EXPECT_EQ(1, calls);
    EXPECT_TRUE(reg.writable(wp));
    EXPECT_EQ(2u, take(b));
    EXPECT_EQ(1, calls) << "once per poll that found no room";
    // A writer waiting for more room and a poller wait side by side.
    ASSERT_EQ(NO_ERROR, put(wp, {3, 4}));
    status_t got = ERR_GENERIC;
    Thread t([&] { got = put_wait(wp, {5, 6}, Deadline::infinite()); });
    EXPECT_TRUE(wait_for_writers(wp, 1));
    EXPECT_FALSE(reg.writable(wp));
    // A wake may come early (a's room wakes the writer, and the poller
    // with it): the poller looks again, as poll does, and waits on.
    EXPECT_EQ(V({3, 4}), drain(a));
    EXPECT_FALSE(reg.writable(wp)) << "b is still full";
    int before = calls;
    EXPECT_EQ(3u, take(b));
    EXPECT_EQ(before + 1, calls) << "room for one: the poller is told";
    EXPECT_EQ(4u, take(b));
    t.join();
    EXPECT_EQ(NO_ERROR, got);
    EXPECT_EQ(NO_ERROR, reg.close(a));
    EXPECT_EQ(NO_ERROR, reg.close(b));
    close_and_destroy(wp);
}

TEST_F(port_wait, a_poller_is_told_of_a_full_reader_closing_and_of_the_port_closing) {
    WritePort* wp = create("pw-poll-close", 1);
    std::atomic<int> calls{0};
    reg.set_observer(wp, lk_test::counting_observer(&calls));
    ReadPort* a = open("pw-poll-close");
    ReadPort* b = open("pw-poll-close");
    ASSERT_EQ(NO_ERROR, put(wp, {1}));
    EXPECT_FALSE(reg.writable(wp));
    EXPECT_EQ(NO_ERROR, reg.close(b));
    EXPECT_EQ(1, calls);
    EXPECT_FALSE(reg.writable(wp)) << "a is still full";
    EXPECT_EQ(NO_ERROR, reg.close(wp));
    EXPECT_EQ(2, calls);
    EXPECT_TRUE(reg.writable(wp)) << "closed: a write fails at once";
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
    EXPECT_EQ(1u, take(a));
    EXPECT_EQ(NO_ERROR, reg.close(a));
    EXPECT_EQ(2, calls) << "nothing after destroy";
}

TEST_F(port_wait, a_poller_is_told_when_the_first_reader_empties_the_writers_ring) {
    WritePort* wp = create("pw-poll-own", 1);
    std::atomic<int> calls{0};
    reg.set_observer(wp, lk_test::counting_observer(&calls));
    ASSERT_EQ(NO_ERROR, put(wp, {1}));  // the writer's own ring, now full
    EXPECT_FALSE(reg.writable(wp));
    ReadPort* rp = open("pw-poll-own");
    EXPECT_EQ(0, calls) << "the reader took a full ring";
    EXPECT_EQ(1u, take(rp));
    EXPECT_EQ(1, calls);
    EXPECT_TRUE(reg.writable(wp));
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}
