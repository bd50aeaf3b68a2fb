// SPDX-License-Identifier: GPL-2.0
//
// Each write port has a lock of its own (its readers' rings and queues),
// each group too, and the registry's guards only the names: while one
// port's lock is held, for as long as it is, every operation on other
// ports goes on. A reader's observer runs with its write port's lock held,
// so an observer that does not return holds that lock for the test.
#include <gtest/gtest.h>

#include <lk/port.h>

#include <atomic>
#include <thread>

#include "lkos_host.h"
#include "port_fixture.h"
#include "test_util.h"

using namespace lk;
using lk_test::ctx;
using lk_test::packet;
using lk_test::value;

namespace {

// An observer that, once armed, holds the caller's lock until let go
// (or 20 s, so that a broken build fails rather than hangs).
struct Holder {
    std::atomic<bool> armed{false};
    std::atomic<bool> holding{false};
    std::atomic<bool> release{false};

    static void notify(void* c) {
        auto* h = static_cast<Holder*>(c);
        if (!h->armed.load()) return;
        h->holding.store(true);
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!h->release.load() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
        h->holding.store(false);
    }
    Observer observer() { return Observer{&Holder::notify, this}; }
};

class PortLock : public lk_test::PortFixture {
  protected:
    WritePort* create(const char* name) { return make(name, PORT_MODE_BROADCAST, 0); }
    // Starts a write to wp whose reader's observer (h) then holds wp's
    // lock; returns once it does.
    std::thread hold_lock_of(WritePort* wp, Holder* h) {
        h->armed.store(true);
        std::thread t([this, wp] {
            PortPacket p = packet(99);
            EXPECT_EQ(NO_ERROR, reg.write(wp, &p, 1));
        });
        EXPECT_TRUE(lk_test::eventually([&] { return h->holding.load(); }));
        return t;
    }
};

using port_lock = PortLock;  // the test suite's name

TEST_F(port_lock, other_ports_work_while_one_ports_lock_is_held) {
    WritePort* busy = create("busy");
    ReadPort* busy_reader = open("busy");
    Holder h;
    reg.set_observer(busy_reader, h.observer());
    WritePort* a = create("a");
    ReadPort* ra = open("a", ctx(1));
    WritePort* c = create("c");
    ReadPort* rc = open("c", ctx(3));
    PortGroup* g = nullptr;
    PortHandle* members[] = {rc};
    ASSERT_EQ(NO_ERROR, reg.group(members, 1, &g));

    std::thread holder = hold_lock_of(busy, &h);

    // Everything a user does on other ports, while `busy`'s lock is held.
    std::atomic<bool> done{false};
    std::thread other([&] {
        PortPacket p = packet(7);
        EXPECT_EQ(NO_ERROR, reg.write(a, &p, 1));
        EXPECT_EQ(NO_ERROR, reg.write_bounded(a, &p, 1));
        PortResult r;
        EXPECT_EQ(NO_ERROR, reg.read(ra, Deadline::none(), &r));
        EXPECT_EQ(7u, value(r.packet));
        EXPECT_EQ(ctx(1), r.ctx);
        EXPECT_TRUE(reg.readable(ra));
        EXPECT_EQ(NO_ERROR, reg.read(ra, Deadline::none(), &r));
        EXPECT_FALSE(reg.readable(ra));

        EXPECT_EQ(NO_ERROR, reg.write(c, &p, 1));
        EXPECT_EQ(NO_ERROR, reg.group_read(g, Deadline::none(), &r));
        EXPECT_EQ(ctx(3), r.ctx);

        // Names: create, find, open, close and destroy another port.
        WritePort* d = create("d");
        WritePort* found = nullptr;
        EXPECT_EQ(NO_ERROR, reg.find_writer("d", &found));
        EXPECT_EQ(d, found);
        ReadPort* rd = open("d");
        PortRegistry::Info info;
        EXPECT_EQ(NO_ERROR, reg.info(rd, &info));
        EXPECT_EQ(NO_ERROR, reg.close(rd));
        close_and_destroy(d);
        done.store(true);
    });

    EXPECT_TRUE(lk_test::eventually([&] { return done.load(); })) << "another port's lock stopped this port";
    EXPECT_TRUE(h.holding.load()) << "the lock was let go before the other ports were done";
    h.release.store(true);
    holder.join();
    other.join();

    // The held write completed as usual.
    PortResult r;
    EXPECT_EQ(NO_ERROR, reg.read(busy_reader, Deadline::none(), &r));
    EXPECT_EQ(99u, value(r.packet));

    EXPECT_EQ(NO_ERROR, reg.close(g));
    EXPECT_EQ(NO_ERROR, reg.close(busy_reader));
    EXPECT_EQ(NO_ERROR, reg.close(ra));
    EXPECT_EQ(NO_ERROR, reg.close(rc));
    close_and_destroy(busy);
    close_and_destroy(a);
    close_and_destroy(c);
}

TEST_F(port_lock, a_blocked_reader_of_another_port_is_woken_while_one_ports_lock_is_held) {
    WritePort* busy = create("busy");
    ReadPort* busy_reader = open("busy");
    Holder h;
    reg.set_observer(busy_reader, h.observer());
    WritePort* a = create("a");
    ReadPort* ra = open("a");

    std::thread holder = hold_lock_of(busy, &h);
    std::atomic<status_t> got{ERR_GENERIC};
    std::thread reader([&] {
        PortResult r;
        got.store(reg.read(ra, lk_test::in_ms(20000), &r));
    });
    PortPacket p = packet(5);
    EXPECT_EQ(NO_ERROR, reg.write(a, &p, 1));
    EXPECT_TRUE(lk_test::eventually([&] { return got.load() == NO_ERROR; }));
    EXPECT_TRUE(h.holding.load());
    h.release.store(true);
    holder.join();
    reader.join();

    EXPECT_EQ(NO_ERROR, reg.close(busy_reader));
    EXPECT_EQ(NO_ERROR, reg.close(ra));
    close_and_destroy(busy);
    close_and_destroy(a);
}

// A group read takes a member's packets under that member's write port's
// lock, after it let the group's go: a close of the group meanwhile waits
// for it, and the read ends with the packet or ERR_OBJECT_DESTROYED, never
// touching a freed group (ASan).
TEST_F(port_lock, closing_a_group_waits_for_a_group_read_between_its_locks) {
    WritePort* busy = create("busy");
    ReadPort* member = open("busy", ctx(2));
    Holder h;
    reg.set_observer(member, h.observer());
    PortGroup* g = nullptr;
    PortHandle* members[] = {member};
    ASSERT_EQ(NO_ERROR, reg.group(members, 1, &g));

    // The write marks the member ready, then holds its port's lock.
    std::thread holder = hold_lock_of(busy, &h);
    std::atomic<int> phase{0};
    std::atomic<status_t> got{ERR_GENERIC};
    std::thread reader([&] {
        PortResult r;
        phase.store(1);
        status_t st = reg.group_read(g, lk_test::in_ms(20000), &r);
        if (st == NO_ERROR) {
            EXPECT_EQ(ctx(2), r.ctx);
        }
        got.store(st);
    });
    std::thread closer([&] {
        EXPECT_TRUE(lk_test::eventually([&] { return phase.load() == 1; }));
        lk_test::sleep_ms(20);  // likely in the window; correct either way
        EXPECT_EQ(NO_ERROR, reg.close(g));
        phase.store(2);
    });
    lk_test::sleep_ms(50);
    // Neither can finish while the member's port is held.
    EXPECT_NE(2, phase.load());
    EXPECT_EQ(ERR_GENERIC, got.load());
    h.release.store(true);
    holder.join();
    reader.join();
    closer.join();
    EXPECT_TRUE(got.load() == NO_ERROR || got.load() == ERR_OBJECT_DESTROYED) << status_name(got.load());

    PortRegistry::Info info;
    EXPECT_EQ(NO_ERROR, reg.info(member, &info));
    EXPECT_FALSE(info.grouped);
    EXPECT_EQ(NO_ERROR, reg.close(member));
    close_and_destroy(busy);
}

// A read port outlives its destroyed writer: its lock is the writer's,
// kept until the last reader is closed.
TEST_F(port_lock, readers_of_a_destroyed_port_drain_and_close) {
    WritePort* wp = create("w");
    ReadPort* r1 = open("w");
    ReadPort* r2 = open("w");
    PortPacket p = packet(4);
    EXPECT_EQ(NO_ERROR, reg.write(wp, &p, 1));
    close_and_destroy(wp);
    PortResult r;
    EXPECT_EQ(NO_ERROR, reg.read(r1, Deadline::none(), &r));
    EXPECT_EQ(ERR_CANCELLED, reg.read(r1, Deadline::none(), &r));
    EXPECT_EQ(NO_ERROR, reg.close(r1));
    EXPECT_EQ(NO_ERROR, reg.read(r2, lk_test::in_ms(1000), &r));
    EXPECT_EQ(4u, value(r.packet));
    EXPECT_EQ(ERR_CANCELLED, reg.read(r2, lk_test::in_ms(1000), &r));
    EXPECT_EQ(NO_ERROR, reg.close(r2));
    // The name is free again.
    WritePort* again = create("w");
    close_and_destroy(again);
}

}  // namespace
