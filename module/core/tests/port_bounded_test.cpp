// SPDX-License-Identifier: GPL-2.0
//
// Bounded writes (PortRegistry::write_bounded): the work under each hold of
// the lock stays within kPortWriteChunk packets (one reader's share at
// least), every reader still gets all or none of a write, in order, never
// twice, while readers come and go between the turns, other ports are
// written in parallel, interrupt-context writes (write()) race on the same
// port, and group members on different ports are read through one group.
#include <gtest/gtest.h>

#include <lk/port.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "lkos_host.h"
#include "port_fixture.h"
#include "test_util.h"

using namespace lk;
using lk_test::ctx;
using lk_test::packet;
using lk_test::value;

namespace {

class PortBounded : public lk_test::PortFixture {
  protected:
    void SetUp() override { reg.write_hold_stats(true); }

    WritePort* create(const char* name, u32 capacity) { return make(name, PORT_MODE_BROADCAST, capacity); }
    static std::vector<PortPacket> packets(std::uint64_t first, usize n) {
        std::vector<PortPacket> pk(n);
        for (usize i = 0; i < n; i++) pk[i] = packet(first + i);
        return pk;
    }
    // Everything queued on rp, without blocking.
    std::vector<std::uint64_t> drain(ReadPort* rp) {
        std::vector<std::uint64_t> out;
        PortResult res[64];
        usize got = 0;
        while (reg.read_many(rp, Deadline::none(), res, 64, &got) == NO_ERROR)
            for (usize i = 0; i < got; i++) out.push_back(value(res[i].packet));
        return out;
    }
};

}  // namespace

using port_bounded = PortBounded;  // the test suite's name

TEST_F(port_bounded, largest_fanout_copies_one_reader_per_hold_and_reaches_all) {
    // The attack write: 4096 packets to 127 readers. One hold used to copy
    // all 127 shares (8 MiB); now each copies one.
    constexpr int kReaders = 127;
    constexpr u32 kCount = kPortMaxCapacity;
    WritePort* wp = create("big", kCount);
    std::vector<ReadPort*> rps;
    for (int i = 0; i < kReaders; i++) rps.push_back(open("big", ctx(i)));
    auto pk = packets(1000, kCount);
    u32 delivered = 0, skipped = 0;
    ASSERT_EQ(NO_ERROR, reg.write_bounded(wp, pk.data(), kCount, &delivered, &skipped));
    EXPECT_EQ(u32(kReaders), delivered);
    EXPECT_EQ(0u, skipped);
    PortRegistry::WriteHoldStats s = reg.write_hold_stats(true);
    EXPECT_EQ(kCount, s.max_packets);
    EXPECT_EQ(u64(kReaders), s.holds);
    for (ReadPort* rp : rps) {
        auto got = drain(rp);
        ASSERT_EQ(kCount, got.size());
        for (u32 i = 0; i < kCount; i++) ASSERT_EQ(1000 + i, got[i]);
        EXPECT_EQ(NO_ERROR, reg.close(rp));
    }
    // The same write through write() is one hold of everything: what the
    // measurement is there to show.
    for (int i = 0; i < 4; i++) rps[i] = open("big");
    ASSERT_EQ(NO_ERROR, reg.write(wp, pk.data(), kCount));
    s = reg.write_hold_stats(true);
    EXPECT_EQ(4 * kCount, s.max_packets);
    EXPECT_EQ(1u, s.holds);
    for (int i = 0; i < 4; i++) EXPECT_EQ(NO_ERROR, reg.close(rps[i]));
    close_and_destroy(wp);
}

TEST_F(port_bounded, small_writes_share_a_hold_up_to_the_chunk) {
    constexpr int kReaders = 127;
    WritePort* wp = create("small", 128);
    std::vector<ReadPort*> rps;
    for (int i = 0; i < kReaders; i++) rps.push_back(open("small"));
    // One packet each: all 127 readers in one turn.
    auto one = packets(1, 1);
    ASSERT_EQ(NO_ERROR, reg.write_bounded(wp, one.data(), 1));
    PortRegistry::WriteHoldStats s = reg.write_hold_stats(true);
    EXPECT_EQ(1u, s.holds);
    EXPECT_EQ(u32(kReaders), s.max_packets);
    // 64 each: kPortWriteChunk / 64 = 4 readers a turn.
    auto many = packets(2, 64);
    ASSERT_EQ(NO_ERROR, reg.write_bounded(wp, many.data(), 64));
    s = reg.write_hold_stats(true);
    EXPECT_EQ(u64((kReaders + 3) / 4), s.holds);
    EXPECT_EQ(kPortWriteChunk, s.max_packets);
    for (ReadPort* rp : rps) {
        auto got = drain(rp);
        ASSERT_EQ(65u, got.size());
        for (u32 i = 0; i < 65; i++) ASSERT_EQ(1 + i, got[i]);
        EXPECT_EQ(NO_ERROR, reg.close(rp));
    }
    close_and_destroy(wp);
}

TEST_F(port_bounded, full_readers_are_skipped_and_a_closed_or_readerless_port_behaves_as_write) {
    WritePort* wp = create("skip", 8);
    auto pk = packets(0, 8);
    // No reader: the writer's own ring, all or nothing.
    u32 delivered = 0, skipped = 0;
    EXPECT_EQ(NO_ERROR, reg.write_bounded(wp, pk.data(), 8, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(ERR_NOT_ENOUGH_BUFFER, reg.write_bounded(wp, pk.data(), 1));
    ReadPort* full = open("skip");  // inherits the 8 queued
    ReadPort* empty = open("skip");
    EXPECT_EQ(ERR_PARTIAL_WRITE, reg.write_bounded(wp, pk.data(), 4, &delivered, &skipped));
    EXPECT_EQ(1u, delivered);
    EXPECT_EQ(1u, skipped);
    EXPECT_EQ(8u, drain(full).size());
    EXPECT_EQ(4u, drain(empty).size());
    EXPECT_EQ(ERR_INVALID_ARGS, reg.write_bounded(nullptr, pk.data(), 1));
    EXPECT_EQ(ERR_INVALID_ARGS, reg.write_bounded(wp, nullptr, 1));
    ASSERT_EQ(NO_ERROR, reg.close(wp));
    EXPECT_EQ(ERR_BAD_HANDLE, reg.write_bounded(wp, pk.data(), 1));
    EXPECT_EQ(NO_ERROR, reg.close(full));
    EXPECT_EQ(NO_ERROR, reg.close(empty));
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
}

// Checks one reader's stream: each write is `n` consecutive values whose
// first is a multiple of n; writes of one writer arrive in order, none
// twice, none torn.
struct StreamCheck {
    std::uint64_t next[4] = {};  // per writer: the next write's first value
    bool ok = true;
    usize packets = 0;
    void take(const std::vector<std::uint64_t>& got, u32 n) {
        for (usize i = 0; i < got.size() && ok; i += n) {
            std::uint64_t v = got[i];
            unsigned w = unsigned(v >> 40);
            if (w >= 4 || i + n > got.size() || (v & 0xffffffffff) < next[w]) {
                ok = false;
                break;
            }
            for (u32 k = 0; k < n; k++)
                if (got[i + k] != v + k) ok = false;
            next[w] = (v & 0xffffffffff) + n;
            packets += n;
        }
    }
};

TEST_F(port_bounded, readers_coming_and_going_mid_write_see_whole_writes_once_in_order) {
    // A bounded writer, an interrupt-like writer using write() on the same
    // port, and readers that open, read and close all the while.
    constexpr u32 kN = 512;  // two turns a reader pair
    constexpr int kWrites = 150, kChurners = 3;
    WritePort* wp = create("churn", kPortMaxCapacity);
    std::atomic<bool> stop{false}, bad{false};
    std::vector<std::jthread> threads;
    // Long-lived readers that see every write.
    std::vector<ReadPort*> stay;
    for (int i = 0; i < 6; i++) stay.push_back(open("churn"));
    for (int c = 0; c < kChurners; c++)
        threads.emplace_back([&] {
            while (!stop.load()) {
                ReadPort* rp = nullptr;
                if (reg.open("churn", nullptr, &rp) != NO_ERROR) continue;
                StreamCheck check;
                for (int k = 0; k < 3; k++) {
                    check.take(drain(rp), kN);
                    std::this_thread::yield();
                }
                if (!check.ok) bad.store(true);
                if (reg.close(rp) != NO_ERROR) bad.store(true);
            }
        });
    std::atomic<int> writing{2};
    std::jthread bounded([&] {
        for (int i = 0; i < kWrites; i++) {
            auto pk = packets((std::uint64_t(0) << 40) | std::uint64_t(i) * kN, kN);
            status_t s = reg.write_bounded(wp, pk.data(), kN);
            if (s != NO_ERROR && s != ERR_PARTIAL_WRITE) bad.store(true);
        }
        writing--;
    });
    std::jthread irq([&] {
        for (int i = 0; i < kWrites; i++) {
            auto pk = packets((std::uint64_t(1) << 40) | std::uint64_t(i) * kN, kN);
            status_t s = reg.write(wp, pk.data(), kN);
            if (s != NO_ERROR && s != ERR_PARTIAL_WRITE) bad.store(true);
        }
        writing--;
    });
    // Drain the long-lived readers while the writers run (a full one is
    // skipped: gaps are allowed, tears, repeats and reordering are not).
    std::vector<StreamCheck> checks(stay.size());
    while (writing.load() > 0)
        for (usize i = 0; i < stay.size(); i++) checks[i].take(drain(stay[i]), kN);
    bounded.join();
    irq.join();
    stop.store(true);
    for (auto& t : threads) t.join();
    for (usize i = 0; i < stay.size(); i++) {
        checks[i].take(drain(stay[i]), kN);
        EXPECT_TRUE(checks[i].ok) << "long-lived reader " << i;
        EXPECT_EQ(NO_ERROR, reg.close(stay[i]));
    }
    EXPECT_FALSE(bad.load()) << "a churning reader saw a torn, repeated or reordered write";
    // Every bounded write took turns (one reader a turn at 512 packets).
    EXPECT_GT(reg.write_hold_stats().holds, u64(2 * kWrites));
    close_and_destroy(wp);
}

TEST_F(port_bounded, writers_to_different_ports_run_in_parallel_exactly_once_in_order) {
    // One bounded writer per port (they need no lock between them), each
    // port with its own readers, and one group holding a member of every
    // port: every reader and the group get every write once, in order.
    constexpr int kPorts = 4, kReaders = 3, kWrites = 200;
    constexpr u32 kN = 16;
    const char* names[kPorts] = {"par0", "par1", "par2", "par3"};
    WritePort* wps[kPorts];
    ReadPort* rps[kPorts][kReaders];
    ReadPort* members[kPorts];
    for (int p = 0; p < kPorts; p++) {
        wps[p] = create(names[p], kPortMaxCapacity);
        for (int r = 0; r < kReaders; r++) rps[p][r] = open(names[p], ctx(r));
        members[p] = open(names[p], ctx(100 + p));
    }
    PortHandle* hs[kPorts];
    for (int p = 0; p < kPorts; p++) hs[p] = members[p];
    PortGroup* g = nullptr;
    ASSERT_EQ(NO_ERROR, reg.group(hs, kPorts, &g));
    std::atomic<bool> bad{false};
    std::vector<std::jthread> threads;
    for (int p = 0; p < kPorts; p++)
        threads.emplace_back([&, p] {
            for (int i = 0; i < kWrites;) {
                auto pk = packets(std::uint64_t(i) * kN, kN);
                status_t s = reg.write_bounded(wps[p], pk.data(), kN);
                if (s == ERR_PARTIAL_WRITE) {
                    bad.store(true);  // rings hold every write: nobody is full
                    return;
                }
                if (s != NO_ERROR) {
                    bad.store(true);
                    return;
                }
                i++;
            }
        });
    // The group's reader: per member port, values in order, whole writes.
    threads.emplace_back([&] {
        std::uint64_t next[kPorts] = {};
        usize total = 0;
        while (total < usize(kPorts) * kWrites * kN) {
            PortResult res[32];
            usize got = 0;
            if (reg.group_read_many(g, lk_test::in_ms(10000), res, 32, &got) != NO_ERROR) {
                bad.store(true);
                return;
            }
            for (usize k = 0; k < got; k++) {
                int p = int(reinterpret_cast<std::uintptr_t>(res[k].ctx) - 100);
                if (p < 0 || p >= kPorts || value(res[k].packet) != next[p]) {
                    bad.store(true);
                    return;
                }
                next[p]++;
                total++;
            }
        }
    });
    for (auto& t : threads) t.join();
    EXPECT_FALSE(bad.load());
    for (int p = 0; p < kPorts; p++)
        for (int r = 0; r < kReaders; r++) {
            auto got = drain(rps[p][r]);
            ASSERT_EQ(usize(kWrites) * kN, got.size()) << p << "/" << r;
            for (usize i = 0; i < got.size(); i++) ASSERT_EQ(i, got[i]) << p << "/" << r;
            EXPECT_EQ(NO_ERROR, reg.close(rps[p][r]));
        }
    EXPECT_EQ(NO_ERROR, reg.close(g));
    for (int p = 0; p < kPorts; p++) {
        EXPECT_EQ(NO_ERROR, reg.close(members[p]));
        close_and_destroy(wps[p]);
    }
    EXPECT_LE(reg.write_hold_stats().max_packets, kPortWriteChunk);
}

TEST_F(port_bounded, serialized_writers_of_one_port_from_many_threads) {
    // The module's pattern: a mutex per port around bounded writes, many
    // threads writing; readers get every write once, each thread's in order.
    constexpr int kThreads = 4, kWrites = 100;
    constexpr u32 kN = 8;
    WritePort* wp = create("serial", kPortMaxCapacity);
    std::vector<ReadPort*> rps;
    for (int i = 0; i < 40; i++) rps.push_back(open("serial"));
    std::mutex serial;
    std::atomic<bool> bad{false};
    std::vector<StreamCheck> checks(rps.size());
    std::atomic<int> writing{kThreads};
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; t++)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kWrites; i++) {
                auto pk = packets((std::uint64_t(t) << 40) | std::uint64_t(i) * kN, kN);
                std::lock_guard<std::mutex> hold(serial);
                if (reg.write_bounded(wp, pk.data(), kN) != NO_ERROR) bad.store(true);
            }
            writing--;
        });
    while (writing.load() > 0)
        for (usize i = 0; i < rps.size(); i++) checks[i].take(drain(rps[i]), kN);
    for (auto& t : threads) t.join();
    for (usize i = 0; i < rps.size(); i++) {
        checks[i].take(drain(rps[i]), kN);
        EXPECT_TRUE(checks[i].ok) << i;
        EXPECT_EQ(usize(kThreads) * kWrites * kN, checks[i].packets) << i;
        EXPECT_EQ(NO_ERROR, reg.close(rps[i]));
    }
    EXPECT_FALSE(bad.load());
    EXPECT_LE(reg.write_hold_stats().max_packets, kPortWriteChunk);
    close_and_destroy(wp);
}

TEST_F(port_bounded, a_write_of_one_hold_needs_no_serializing_and_a_longer_one_is_refused) {
    constexpr int kReaders = 127;
    WritePort* wp = create("one-hold", 128);
    std::vector<ReadPort*> rps;
    for (int i = 0; i < kReaders; i++) rps.push_back(open("one-hold"));
    // 2 packets to 127 readers fit kPortWriteChunk; 3 do not.
    auto two = packets(1, 2);
    ASSERT_EQ(NO_ERROR, reg.write_one_hold(wp, two.data(), 2, false));
    EXPECT_EQ(1u, reg.write_hold_stats(true).holds);
    auto three = packets(3, 3);
    u32 delivered = 9, skipped = 9;
    EXPECT_EQ(ERR_BUSY, reg.write_one_hold(wp, three.data(), 3, false, &delivered, &skipped));
    EXPECT_EQ(0u, delivered);
    EXPECT_EQ(0u, skipped);
    EXPECT_EQ(ERR_BUSY, reg.write_one_hold(wp, three.data(), 3, true));
    for (ReadPort* rp : rps) {
        EXPECT_EQ((std::vector<std::uint64_t>{1, 2}), drain(rp));
        EXPECT_EQ(NO_ERROR, reg.close(rp));
    }
    // One reader takes any write in one turn, past the chunk too; the
    // writer's own ring as well.
    close_and_destroy(wp);
    wp = create("one-hold", kPortMaxCapacity);
    auto big = packets(10, 300);
    ASSERT_EQ(NO_ERROR, reg.write_one_hold(wp, big.data(), 300, true));
    ReadPort* rp = open("one-hold");
    ASSERT_EQ(NO_ERROR, reg.write_one_hold(wp, big.data(), 300, false));
    EXPECT_EQ(600u, drain(rp).size());
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    close_and_destroy(wp);
}

TEST_F(port_bounded, one_hold_writes_beside_serialized_ones_keep_one_order_for_all_readers) {
    // The module's pattern: a write that fits one hold goes without the
    // port's mutex; a longer one takes it. Every reader gets every write
    // once, each thread's in order, and all readers in the same order.
    constexpr int kThreads = 4, kWrites = 100, kReaders = 40;
    WritePort* wp = create("mixed", kPortMaxCapacity);
    std::vector<ReadPort*> rps;
    for (int i = 0; i < kReaders; i++) rps.push_back(open("mixed"));
    std::mutex serial;
    std::atomic<bool> bad{false};
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; t++)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kWrites; i++) {
                // 1 packet (40 in a hold) or 8 (320: turns).
                usize n = (i + t) % 2 ? 1 : 8;
                auto pk = packets((std::uint64_t(t) << 40) | (std::uint64_t(i) << 8), n);
                status_t st = reg.write_one_hold(wp, pk.data(), n, false);
                if (st == ERR_BUSY) {
                    std::lock_guard<std::mutex> hold(serial);
                    st = reg.write_bounded(wp, pk.data(), n);
                }
                if (st != NO_ERROR) bad.store(true);
            }
        });
    for (auto& t : threads) t.join();
    std::vector<std::uint64_t> first = drain(rps[0]);
    EXPECT_EQ(usize(kThreads) * (kWrites / 2) * 9, first.size());
    // Each thread's packets in the order it wrote them.
    std::vector<std::uint64_t> last(kThreads, 0);
    for (std::uint64_t v : first) {
        std::uint64_t t = v >> 40, seq = v & ((std::uint64_t(1) << 40) - 1);
        ASSERT_LT(t, std::uint64_t(kThreads));
        EXPECT_LE(last[t], seq) << std::hex << v;
        last[t] = seq + 1;
    }
    for (ReadPort* rp : rps) {
        if (rp != rps[0]) {
            EXPECT_EQ(first, drain(rp)) << "another order";
        }
        EXPECT_EQ(NO_ERROR, reg.close(rp));
    }
    EXPECT_FALSE(bad.load());
    EXPECT_LE(reg.write_hold_stats().max_packets, kPortWriteChunk);
    close_and_destroy(wp);
}
