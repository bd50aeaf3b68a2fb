// SPDX-License-Identifier: GPL-2.0
//
// The C++ classes of <lkport/lkport.hpp> against the module: an event
// ping-pong between threads, a port round trip with its ctx, a partial
// broadcast, a group read, moves that keep the descriptor, destruction
// that frees the objects (debugfs stats back to where they were), the C
// API's deadline forms, anonymous events, event destroy and LK's shared
// port create, and a mapped write ring.
//
// kselftest_harness.h is C only, so this test prints its TAP through
// kselftest.h with a small runner of its own.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <lkport/lkport.hpp>

#include "kselftest.h"

using namespace std::chrono_literals;
using lkport::Deadline;
using lkport::Event;
using lkport::Packet;
using lkport::PortGroup;
using lkport::PortResult;
using lkport::ReadPort;
using lkport::Status;
using lkport::WritePort;

namespace {

// ---- a small runner ----------------------------------------------------------

bool test_ok;  // the current test has not failed a check yet

bool check(bool cond, const char* what, int line) {
    if (!cond) {
        ksft_print_msg("line %d: check failed: %s\n", line, what);
        test_ok = false;
    }
    return cond;
}

bool check_status(Status got, lk_status_t want, const char* what, int line) {
    if (got == want) return true;
    ksft_print_msg("line %d: %s: %s, expected %s\n", line, what, got.name(), lk_status_str(want));
    test_ok = false;
    return false;
}

#define CHECK(cond) check((cond), #cond, __LINE__)
#define REQUIRE(cond)                       \
    do {                                    \
        if (!check((cond), #cond, __LINE__)) \
            return;                         \
    } while (0)
#define CHECK_STATUS(expr, want) check_status((expr), (want), #expr, __LINE__)
// REQUIRE_OK(a Status or a Result): ok, or the test ends here.
template <class T> Status status_of(const lkport::Result<T>& r) { return r.status(); }
Status status_of(Status s) { return s; }
#define REQUIRE_OK(expr)                                                          \
    do {                                                                          \
        if (!check_status(status_of(expr), LK_NO_ERROR, #expr, __LINE__)) return; \
    } while (0)

// Names no other test, or another run of this one, uses.
std::string name(const char* tag) { return "cxx-" + std::to_string(getpid()) + "-" + tag; }

bool fd_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

// Live objects by kind from debugfs; empty when it cannot be read.
std::map<std::string, long> stats() {
    std::map<std::string, long> m;
    std::ifstream in("/sys/kernel/debug/lkport/stats");
    std::string kind;
    long n;
    while (in >> kind >> n) m[kind] = n;
    return m;
}

// Polls until `cond` holds (a few seconds at most: TCG is slow).
template <class F> bool eventually(F cond) {
    for (int i = 0; i < 1000; i++) {
        if (cond()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return cond();
}

// ---- tests ---------------------------------------------------------------------

// Values without the module: statuses, results, deadlines, packets.
void test_values() {
    CHECK(Status().ok());
    CHECK(std::strcmp(Status(LK_ERR_TIMED_OUT).name(), "LK_ERR_TIMED_OUT") == 0);
    CHECK(Status::from_errno(-ETIMEDOUT) == LK_ERR_TIMED_OUT);

    lkport::Result<int> good(7), bad((Status(LK_ERR_NOT_FOUND)));
    CHECK(good.ok() && *good == 7);
    CHECK(!bad && bad.status() == LK_ERR_NOT_FOUND);
    // A failure is never mistaken for success.
    CHECK(!lkport::Result<int>(Status()).ok());

    CHECK(Deadline::poll().ns() == 0);
    CHECK(Deadline::forever().ns() == LKPORT_FOREVER);
    CHECK(Deadline(0ms).ns() == 0);
    CHECK(Deadline(-5s).ns() == 0);
    CHECK(Deadline(std::chrono::hours::max()).ns() == LKPORT_FOREVER);
    auto now = std::chrono::steady_clock::now();
    Deadline in_1s(now + 1s);
    CHECK(in_1s.ns() == std::uint64_t(std::chrono::nanoseconds((now + 1s).time_since_epoch()).count()));
    Deadline d(100ms);
    auto after = std::uint64_t(std::chrono::nanoseconds(now.time_since_epoch()).count());
    CHECK(d.ns() >= after + 100000000u && d.ns() < after + 10000000000u);

    static_assert(sizeof(Packet) == LKPORT_PACKET_SIZE);
    Packet p = Packet::of(std::uint64_t(0x1122334455667788));
    p.put<8>(std::int32_t(-3));
    CHECK(p.get<std::uint64_t>() == 0x1122334455667788u);
    CHECK((p.get<std::int32_t, 8>() == -3));
    CHECK((p.get<std::int32_t, 12>() == 0));
    CHECK(Packet::text("hello").str() == "hello");
    CHECK(Packet::text("exactly16bytes!!").str() == "exactly16bytes!!");
    CHECK(Packet::text("longer than sixteen").str() == "longer than sixt");
    CHECK(Packet::text("a") == Packet::text("a") && Packet::text("a") != Packet::text("b"));
    CHECK(Packet().str().empty());
}

// Two threads bounce a count back and forth over two auto-unsignal events.
void test_event_ping_pong() {
    lkport::EventOptions opt;
    opt.auto_unsignal = true;
    auto ping = Event::create(name("ping").c_str(), opt);
    auto pong = Event::create(name("pong").c_str(), opt);
    REQUIRE_OK(ping);
    REQUIRE_OK(pong);
    constexpr int kRounds = 200;
    std::atomic<int> turns{0};
    std::atomic<bool> thread_ok{true};

    std::thread other([&] {
        // Its own handles, opened by name, as another process would.
        auto my_ping = Event::open(name("ping").c_str(), Event::kWait);
        auto my_pong = Event::open(name("pong").c_str(), Event::kSignal);
        if (!my_ping || !my_pong) {
            thread_ok = false;
            return;
        }
        for (int i = 0; i < kRounds; i++) {
            if (!my_ping->wait(10s).ok() || !my_pong->signal().ok()) {
                thread_ok = false;
                return;
            }
            turns++;
        }
    });
    int done = 0;
    for (; done < kRounds; done++) {
        if (!ping->signal().ok() || !pong->wait(10s).ok()) break;
    }
    other.join();
    CHECK(done == kRounds);
    CHECK(thread_ok.load());
    CHECK(turns.load() == kRounds);

    // Nothing left signalled: an auto-unsignal event lets one wait through.
    CHECK_STATUS(ping->try_wait(), LK_ERR_TIMED_OUT);
    CHECK_STATUS(pong->wait(20ms), LK_ERR_TIMED_OUT);
    auto woken = ping->signal();
    CHECK(woken.ok() && *woken == 0);  // nobody waiting: stays signalled
    CHECK_STATUS(ping->try_wait(), LK_NO_ERROR);
    CHECK_STATUS(ping->try_wait(), LK_ERR_TIMED_OUT);

    // The woken count, with a waiter known to be blocked.
    std::thread waiter([&] { (void)pong->wait(10s); });
    CHECK(eventually([&] { auto i = pong->info(); return i && i->waiters == 1; }));
    woken = pong->signal();
    waiter.join();
    CHECK(woken.ok() && *woken == 1);

    // A wait-only handle may not signal.
    auto wait_only = Event::open(name("ping").c_str(), Event::kWait);
    REQUIRE_OK(wait_only);
    CHECK(wait_only->signal().status() == LK_ERR_BAD_HANDLE);
    CHECK(Event::create(name("ping").c_str()).status() == LK_ERR_ALREADY_EXISTS);
    CHECK(Event::open(name("none").c_str()).status() == LK_ERR_NOT_FOUND);

    // A persistent event stays signalled for every waiter until unsignal.
    auto gate = Event::create(name("gate").c_str());
    REQUIRE_OK(gate);
    REQUIRE_OK(gate->signal());
    CHECK_STATUS(gate->try_wait(), LK_NO_ERROR);
    CHECK_STATUS(gate->wait(Deadline::Clock::now() + 1s), LK_NO_ERROR);
    REQUIRE_OK(gate->unsignal());
    CHECK_STATUS(gate->try_wait(), LK_ERR_TIMED_OUT);
}

// Packets out and back with the reader's ctx; the life of a write port.
void test_port_round_trip() {
    lkport::PortOptions opt;
    opt.capacity = 8;
    auto w = WritePort::create(name("rt").c_str(), opt);
    REQUIRE_OK(w);
    // Written before any reader: kept for the first one.
    auto early = w->write(Packet::text("early"));
    REQUIRE_OK(early);
    CHECK(early->delivered == 1 && early->skipped == 0);

    const std::uintptr_t ctx = 0xC0FFEE;
    auto r = ReadPort::open(name("rt").c_str(), ctx);
    REQUIRE_OK(r);
    auto got = r->read(1s);
    REQUIRE_OK(got);
    CHECK(got->ctx == ctx && got->packet.str() == "early");

    auto wrote = w->write(std::array{Packet::text("hello"), Packet::of(std::uint64_t(42))});
    REQUIRE_OK(wrote);
    CHECK(wrote->delivered == 1 && !wrote->partial());
    got = r->read(1s);
    REQUIRE_OK(got);
    CHECK(got->ctx == ctx && got->packet.str() == "hello");
    got = r->read(1s);
    REQUIRE_OK(got);
    CHECK(got->packet.get<std::uint64_t>() == 42);

    // Empty: a poll fails at once, a deadline after it has passed.
    CHECK(r->read(Deadline::poll()).status() == LK_ERR_TIMED_OUT);
    auto start = std::chrono::steady_clock::now();
    CHECK(r->read(30ms).status() == LK_ERR_TIMED_OUT);
    CHECK(std::chrono::steady_clock::now() - start >= 30ms);

    // Several at once, from a vector.
    std::vector<Packet> five;
    for (std::uint32_t i = 0; i < 5; i++) five.push_back(Packet::of(i));
    REQUIRE_OK(w->write(five));
    std::array<PortResult, 8> many;
    auto n = r->read_many(many, 1s);
    REQUIRE_OK(n);
    CHECK(*n == 5);
    for (std::size_t i = 0; i < *n; i++) CHECK(many[i].packet.get<std::uint32_t>() == i && many[i].ctx == ctx);

    // close: no more writes, the reader keeps what was queued.
    REQUIRE_OK(w->write(Packet::text("last")));
    REQUIRE_OK(w->close());
    CHECK(w->write(Packet::text("late")).status() == LK_ERR_BAD_HANDLE);
    CHECK(WritePort::create(name("rt").c_str()).status() == LK_ERR_BUSY);
    // destroy: frees the name and gives up the descriptor.
    int fd = w->fd();
    REQUIRE_OK(w->destroy());
    CHECK(w->fd() == -1 && !fd_open(fd));
    got = r->read(1s);
    REQUIRE_OK(got);
    CHECK(got->packet.str() == "last");
    CHECK(r->read(1s).status() == LK_ERR_CANCELLED);
    auto again = WritePort::create(name("rt").c_str());
    CHECK(again.ok());
}

// A broadcast port: every reader gets every packet, and one whose ring is
// full is skipped while the others still get theirs.
void test_broadcast_partial() {
    lkport::PortOptions opt;
    opt.capacity = 2;
    auto w = WritePort::create(name("bc").c_str(), opt);
    REQUIRE_OK(w);
    auto fast = ReadPort::open(name("bc").c_str(), 1);
    auto slow = ReadPort::open(name("bc").c_str(), 2);
    REQUIRE_OK(fast);
    REQUIRE_OK(slow);

    auto wrote = w->write(std::array{Packet::text("a"), Packet::text("b")});
    REQUIRE_OK(wrote);
    CHECK(wrote->delivered == 2 && wrote->skipped == 0);
    std::array<PortResult, 4> got;
    auto n = fast->read_many(got, 1s);
    CHECK(n.ok() && *n == 2);

    wrote = w->write(Packet::text("c"));
    REQUIRE_OK(wrote);
    CHECK(wrote->partial() && wrote->delivered == 1 && wrote->skipped == 1);
    auto c = fast->read(1s);
    CHECK(c.ok() && c->packet.str() == "c" && c->ctx == 1);
    n = slow->read_many(got, 1s);
    REQUIRE_OK(n);
    CHECK(*n == 2 && got[0].packet.str() == "a" && got[1].packet.str() == "b" && got[0].ctx == 2);
}

// Back-pressure: write_wait waits for room, or times out writing nothing.
void test_write_wait() {
    lkport::PortOptions opt;
    opt.capacity = 2;
    auto w = WritePort::create(name("ww").c_str(), opt);
    REQUIRE_OK(w);
    auto fast = ReadPort::open(name("ww").c_str(), 1);
    auto slow = ReadPort::open(name("ww").c_str(), 2);
    REQUIRE_OK(fast);
    REQUIRE_OK(slow);
    auto wrote = w->write_wait(std::array{Packet::text("a"), Packet::text("b")});
    REQUIRE_OK(wrote);
    CHECK(wrote->delivered == 2 && wrote->skipped == 0);
    std::array<PortResult, 4> got;
    auto n = fast->read_many(got, 1s);
    CHECK(n.ok() && *n == 2);
    // slow is full: nothing is written to fast either.
    CHECK(w->write_wait(Packet::text("c"), 10ms).status() == LK_ERR_TIMED_OUT);
    CHECK(w->write_wait(Packet::text("c"), lkport::Deadline::poll()).status() == LK_ERR_TIMED_OUT);
    CHECK(fast->read(lkport::Deadline::poll()).status() == LK_ERR_TIMED_OUT);
    n = slow->read_many(got, 1s);
    CHECK(n.ok() && *n == 2);
    wrote = w->write_wait(Packet::text("d"), 1s);
    REQUIRE_OK(wrote);
    CHECK(wrote->delivered == 2);
}

// A mapped ring: takes without a call, reads that wait, moves.
void test_port_map() {
    auto w = WritePort::create(name("map").c_str());
    REQUIRE_OK(w);
    auto r = ReadPort::open(name("map").c_str(), 6);
    REQUIRE_OK(r);
    auto m = lkport::PortMap::map(*r);
    REQUIRE_OK(m);
    CHECK(m->mapped());
    PortResult got[4];
    CHECK(m->take(got, 4).status() == LK_ERR_NOT_READY);
    REQUIRE_OK(w->write(std::array{Packet::text("a"), Packet::text("b")}));
    auto n = m->take(got, 4);
    CHECK(n.ok() && *n == 2 && got[0].packet.str() == "a" && got[1].packet.str() == "b" && got[1].ctx == 6);
    CHECK(m->read(Deadline::poll()).status() == LK_ERR_TIMED_OUT);
    lkport::PortMap moved = std::move(*m);
    CHECK(moved.mapped() && !m->mapped());
    REQUIRE_OK(w->write(Packet::text("c")));
    auto one = moved.read(1s);
    CHECK(one.ok() && one->packet.str() == "c");
    // Not a read port.
    auto g = PortGroup::create({*r});
    REQUIRE_OK(g);
    CHECK(lkport::PortMap::map(ReadPort(lkport::Fd(dup(g->fd())))).status() == LK_ERR_BAD_HANDLE);
}

// A mapped write ring: puts with no call, the kick, a full ring, a write
// held until a reader in another thread makes room, moves, and the
// refusals.
void test_write_port_map() {
    lkport::PortOptions opt;
    opt.capacity = 4;
    auto w = WritePort::create(name("wmap").c_str(), opt);
    REQUIRE_OK(w);
    auto r = ReadPort::open(name("wmap").c_str(), 9);
    REQUIRE_OK(r);
    auto m = lkport::WritePortMap::map(*w);
    if (m.status() == LK_ERR_NOT_SUPPORTED) {
        ksft_print_msg("the module maps no write port: nothing to test\n");
        return;
    }
    REQUIRE_OK(m);
    CHECK(m->mapped());
    std::vector<Packet> pk;
    for (int i = 0; i < 24; i++) pk.push_back(Packet::text(std::to_string(i)));
    // Put, and the reader's read takes them from the ring.
    auto put = m->put(lkport::Packets(pk.data(), 2));
    CHECK(put.ok() && *put == 2);
    std::array<PortResult, 8> got;
    auto n = r->read_many(got, 1s);
    CHECK(n.ok() && *n == 2 && got[0].packet.str() == "0" && got[1].packet.str() == "1" && got[1].ctx == 9);
    // The write ring holds 4: the first 4 of 6, the kick moves them to the
    // reader's ring, 4 more, then the write ring is full.
    put = m->put(lkport::Packets(pk.data() + 2, 6));
    CHECK(put.ok() && *put == 4);
    REQUIRE_OK(m->kick());
    put = m->put(lkport::Packets(pk.data() + 6, 4));
    CHECK(put.ok() && *put == 4);
    CHECK(m->put(pk[10]).status() == LK_ERR_NOT_READY);
    CHECK_STATUS(m->write(pk[10], Deadline::poll()), LK_ERR_TIMED_OUT);
    CHECK_STATUS(m->write(pk[10], 10ms), LK_ERR_TIMED_OUT);
    lkport::WritePortMap moved = std::move(*m);
    CHECK(moved.mapped() && !m->mapped());
    CHECK(m->put(pk[10]).status() == LK_ERR_INVALID_ARGS);
    // A write of 14 waits for room a reader in another thread makes: all
    // 22 reach it once, in order.
    std::vector<std::string> seen;
    Status read_st(LK_NO_ERROR);
    std::thread reader([&] {
        while (seen.size() < 22) {
            auto k = r->read_many(got, 5s);
            if (!k) {
                read_st = k.status();
                return;
            }
            for (std::size_t i = 0; i < *k; i++) seen.emplace_back(got[i].packet.str());
        }
    });
    CHECK_STATUS(moved.write(lkport::Packets(pk.data() + 10, 14), 5s), LK_NO_ERROR);
    reader.join();
    CHECK_STATUS(read_st, LK_NO_ERROR);
    bool in_order = seen.size() == 22;
    for (std::size_t i = 0; in_order && i < seen.size(); i++) in_order = seen[i] == std::to_string(i + 2);
    CHECK(in_order);
    // Closed: a write that must wait for room, and the kick, say so.
    REQUIRE_OK(w->close());
    CHECK_STATUS(moved.write(lkport::Packets(pk.data(), 5), 1s), LK_ERR_BAD_HANDLE);
    CHECK_STATUS(moved.kick(), LK_ERR_BAD_HANDLE);
    // Not a write port.
    CHECK(lkport::WritePortMap::map(WritePort(lkport::Fd(dup(r->fd())))).status() == LK_ERR_BAD_HANDLE);
}

// Round trips of one call a step: a thread answers each request on one
// port pair, and an event pair bounces as the ping-pong above.
void test_one_call_round_trips() {
    auto req_w = WritePort::create(name("rq").c_str());
    auto rep_w = WritePort::create(name("rp").c_str());
    REQUIRE_OK(req_w);
    REQUIRE_OK(rep_w);
    auto req_r = ReadPort::open(name("rq").c_str(), 1);
    auto rep_r = ReadPort::open(name("rp").c_str(), 2);
    REQUIRE_OK(req_r);
    REQUIRE_OK(rep_r);
    constexpr std::uint64_t kRounds = 100;
    std::atomic<bool> server_ok{true};
    std::thread server([&] {
        auto req = req_r->read(10s);
        for (std::uint64_t i = 0; i < kRounds && server_ok; i++) {
            PortResult next;
            if (!req || req->packet.get<std::uint64_t>() != i) server_ok = false;
            auto n = req_r->write_and_read(*rep_w, Packet::of(i * 2), &next, 1, 10s);
            if (!n || *n != 1) server_ok = false;
            req = next;
        }
    });
    PortResult reply;
    bool written = false;
    std::uint64_t i = 0;
    for (; i < kRounds; i++) {
        auto n = rep_r->write_and_read(*req_w, Packet::of(i), &reply, 1, 10s, &written);
        if (!n || *n != 1 || !written || reply.ctx != 2 || reply.packet.get<std::uint64_t>() != i * 2) break;
    }
    REQUIRE_OK(req_w->write(Packet::of(kRounds)));  // the server's last read
    server.join();
    CHECK(i == kRounds);
    CHECK(server_ok.load());
    // The reply times out; the request was made all the same.
    CHECK(rep_r->write_and_read(*req_w, Packet::of(7), &reply, 1, Deadline::poll(), &written).status() ==
          LK_ERR_TIMED_OUT);
    CHECK(written);
    auto left = req_r->read(Deadline::poll());
    CHECK(left.ok() && left->packet.get<std::uint64_t>() == 7);

    lkport::EventOptions opt;
    opt.auto_unsignal = true;
    auto a = Event::create(name("ca").c_str(), opt);
    auto b = Event::create(name("cb").c_str(), opt);
    REQUIRE_OK(a);
    REQUIRE_OK(b);
    std::thread other([&] {
        if (!a->wait(10s).ok()) return;
        for (std::uint64_t k = 0; k < kRounds; k++)
            if (!a->signal_and_wait(*b, 10s).ok()) return;
        (void)b->signal();
    });
    std::uint64_t k = 0;
    for (; k <= kRounds; k++)
        if (!b->signal_and_wait(*a, 10s).ok()) break;
    other.join();
    CHECK(k == kRounds + 1);
    CHECK_STATUS(a->try_wait(), LK_ERR_TIMED_OUT);
    CHECK_STATUS(b->try_wait(), LK_ERR_TIMED_OUT);
}

// One read over two ports; members come and go.
void test_group_read() {
    auto w1 = WritePort::create(name("g1").c_str());
    auto w2 = WritePort::create(name("g2").c_str());
    REQUIRE_OK(w1);
    REQUIRE_OK(w2);
    auto r1 = ReadPort::open(name("g1").c_str(), 1);
    auto r2 = ReadPort::open(name("g2").c_str(), 2);
    REQUIRE_OK(r1);
    REQUIRE_OK(r2);
    auto g = PortGroup::create({*r1, *r2});
    REQUIRE_OK(g);
    auto info = g->info();
    CHECK(info.ok() && info->kind == LKPORT_KIND_GROUP && info->members == 2);

    // A reader blocked on the group wakes for a write to either port.
    lkport::Result<PortResult> seen((Status(LK_ERR_GENERIC)));
    std::thread reader([&] { seen = g->read(10s); });
    CHECK(eventually([&] { auto i = g->info(); return i && i->waiters == 1; }));
    REQUIRE_OK(w2->write(Packet::text("two")));
    reader.join();
    REQUIRE_OK(seen);
    CHECK(seen->ctx == 2 && seen->packet.str() == "two");

    REQUIRE_OK(w1->write(Packet::text("one")));
    auto got = g->read(1s);
    REQUIRE_OK(got);
    CHECK(got->ctx == 1 && got->packet.str() == "one");

    // Removed: the group no longer sees it, the port itself still does.
    REQUIRE_OK(g->remove(*r1));
    CHECK(g->remove(*r1) == LK_ERR_BAD_HANDLE);
    REQUIRE_OK(w1->write(Packet::text("solo")));
    CHECK(g->read(Deadline::poll()).status() == LK_ERR_TIMED_OUT);
    got = r1->read(1s);
    CHECK(got.ok() && got->packet.str() == "solo");
    // Back in: data already queued wakes the group.
    REQUIRE_OK(w1->write(Packet::text("back")));
    REQUIRE_OK(g->add(*r1));
    CHECK(g->add(*r1) == LK_ERR_BAD_HANDLE);  // already in a group
    got = g->read(1s);
    CHECK(got.ok() && got->ctx == 1 && got->packet.str() == "back");

    // An empty group, filled later.
    auto g2 = PortGroup::create();
    REQUIRE_OK(g2);
    CHECK(g2->add(*r1) == LK_ERR_BAD_HANDLE);  // r1 is in g
    auto r3 = ReadPort::open(name("g2").c_str(), 3);
    REQUIRE_OK(r3);
    REQUIRE_OK(g2->add(*r3));
    REQUIRE_OK(w2->write(Packet::text("both")));
    got = g2->read(1s);
    CHECK(got.ok() && got->ctx == 3);
    got = g->read(1s);
    CHECK(got.ok() && got->ctx == 2);
}

// Moving hands the descriptor over; only its last owner closes it.
void test_move_semantics() {
    static_assert(!std::is_copy_constructible_v<Event> && !std::is_copy_assignable_v<Event>);
    static_assert(!std::is_copy_constructible_v<WritePort> && !std::is_copy_constructible_v<ReadPort>);
    static_assert(!std::is_copy_constructible_v<PortGroup>);
    static_assert(std::is_nothrow_move_constructible_v<Event> &&
                  std::is_nothrow_move_assignable_v<ReadPort>);

    auto created = Event::create(name("mv").c_str());
    REQUIRE_OK(created);
    Event b;
    int fd = created->fd();
    {
        Event a = std::move(created).value();
        CHECK(a.fd() == fd && created->fd() == -1);
        b = std::move(a);
        CHECK(a.fd() == -1 && !a.valid() && b.fd() == fd);
        // A moved-from object fails cleanly rather than using a stale fd.
        CHECK(a.signal().status() == LK_ERR_BAD_HANDLE);
    }  // a and created go: neither closes fd
    CHECK(fd_open(fd));
    REQUIRE_OK(b.signal());
    CHECK_STATUS(b.try_wait(), LK_NO_ERROR);

    // Assigning over an owner closes what it held.
    auto other = Event::create(name("mv2").c_str());
    REQUIRE_OK(other);
    int other_fd = other->fd();
    b = std::move(other).value();
    CHECK(!fd_open(fd) && b.fd() == other_fd);
    // The event named mv went with its last descriptor.
    CHECK(Event::open(name("mv").c_str()).status() == LK_ERR_NOT_FOUND);

    // release() hands the descriptor out for good.
    int raw = b.release();
    CHECK(b.fd() == -1 && fd_open(raw));
    Event adopted{lkport::Fd(raw)};
    CHECK_STATUS(adopted.try_wait(), LK_ERR_TIMED_OUT);

    // Ports the same way; a group keeps working after its ports move.
    auto w = WritePort::create(name("mvp").c_str());
    auto r = ReadPort::open(name("mvp").c_str(), 9);
    REQUIRE_OK(w);
    REQUIRE_OK(r);
    ReadPort moved_r = std::move(r).value();
    auto g = PortGroup::create({moved_r});
    REQUIRE_OK(g);
    PortGroup moved_g = std::move(g).value();
    WritePort moved_w = std::move(w).value();
    REQUIRE_OK(moved_w.write(Packet::text("moved")));
    auto got = moved_g.read(1s);
    CHECK(got.ok() && got->ctx == 9 && got->packet.str() == "moved");
}

// Objects go when their last owner does: debugfs stats return to where
// they were, and the names are free again.
void test_destruction_closes() {
    auto base = stats();
    bool have_stats = !base.empty();
    if (!have_stats) ksft_print_msg("debugfs stats unreadable: checking names only\n");
    {
        auto ev = Event::create(name("d-ev").c_str());
        auto w = WritePort::create(name("d-p").c_str());
        REQUIRE_OK(ev);
        REQUIRE_OK(w);
        auto r = ReadPort::open(name("d-p").c_str());
        REQUIRE_OK(r);
        auto g = PortGroup::create({*r});
        REQUIRE_OK(g);
        REQUIRE_OK(w->write(Packet::text("left unread")));
        if (have_stats) {
            auto now = stats();
            CHECK(now["event"] == base["event"] + 1);
            CHECK(now["wport"] == base["wport"] + 1);
            CHECK(now["rport"] == base["rport"] + 1);
            CHECK(now["group"] == base["group"] + 1);
        }
    }
    if (have_stats) CHECK(stats() == base);
    auto ev = Event::create(name("d-ev").c_str());
    auto w = WritePort::create(name("d-p").c_str());
    CHECK(ev.ok() && w.ok());
}

// The C API's two deadline forms, a deadline in ns and LK's ms timeout,
// as Deadlines, and a read until an absolute deadline.
void test_deadline_forms() {
    CHECK(Deadline::at_ns(0).ns() == 0);
    CHECK(Deadline::at_ns(LKPORT_FOREVER).ns() == LKPORT_FOREVER);
    CHECK(Deadline::at_ns(123456789).ns() == 123456789u);
    CHECK(Deadline::after_ms(0).ns() == 0);
    CHECK(Deadline::after_ms(LK_INFINITE_TIME).ns() == LKPORT_FOREVER);
    auto now = std::uint64_t(
        std::chrono::nanoseconds(std::chrono::steady_clock::now().time_since_epoch()).count());
    std::uint64_t in_100ms = Deadline::after_ms(100).ns();
    CHECK(in_100ms >= now + 100000000u && in_100ms < now + 10000000000u);

    auto w = WritePort::create(name("dl").c_str());
    REQUIRE_OK(w);
    auto r = ReadPort::open(name("dl").c_str(), 5);
    REQUIRE_OK(r);
    // A deadline already past: no wait, a packet there is still taken.
    CHECK(r->read(Deadline::at_ns(1)).status() == LK_ERR_TIMED_OUT);
    REQUIRE_OK(w->write(Packet::text("at")));
    auto got = r->read(Deadline::at_ns(1));
    CHECK(got.ok() && got->ctx == 5 && got->packet.str() == "at");
    // An absolute deadline ends the wait no sooner than it says.
    auto start = std::chrono::steady_clock::now();
    auto until = std::uint64_t(std::chrono::nanoseconds((start + 30ms).time_since_epoch()).count());
    CHECK(r->read(Deadline::at_ns(until)).status() == LK_ERR_TIMED_OUT);
    CHECK(std::chrono::steady_clock::now() >= start + 30ms);
    start = std::chrono::steady_clock::now();
    CHECK(r->read(Deadline::after_ms(30)).status() == LK_ERR_TIMED_OUT);
    CHECK(std::chrono::steady_clock::now() - start >= 30ms);
    auto ev = Event::anonymous();
    REQUIRE_OK(ev);
    CHECK_STATUS(ev->wait(Deadline::after_ms(20)), LK_ERR_TIMED_OUT);
    CHECK_STATUS(ev->wait(Deadline::at_ns(until)), LK_ERR_TIMED_OUT);
}

// An anonymous event: no name, shared through its descriptor only, gone
// with the last one.
void test_event_anonymous() {
    auto base = stats();
    {
        lkport::EventOptions opt;
        opt.auto_unsignal = true;
        opt.signaled = true;
        auto ev = Event::anonymous(opt);
        REQUIRE_OK(ev);
        auto info = ev->info();
        REQUIRE_OK(info);
        CHECK(info->kind == LKPORT_KIND_EVENT && info->name[0] == 0 && info->uid == geteuid());
        CHECK((info->state & LKPORT_STATE_SIGNALED) && (info->flags & LKPORT_EVENT_AUTOUNSIGNAL));
        // Created signalled; auto-unsignal lets one wait through.
        CHECK_STATUS(ev->try_wait(), LK_NO_ERROR);
        CHECK_STATUS(ev->try_wait(), LK_ERR_TIMED_OUT);

        // A second descriptor (as fork or SCM_RIGHTS would give) is the
        // same event: a signal through it releases a waiter on the first.
        Event other{lkport::Fd(dup(ev->fd()))};
        REQUIRE(other.valid());
        Status seen(LK_ERR_GENERIC);
        std::thread waiter([&] { seen = ev->wait(10s); });
        CHECK(eventually([&] { auto i = ev->info(); return i && i->waiters == 1; }));
        auto woken = other.signal();
        waiter.join();
        CHECK_STATUS(seen, LK_NO_ERROR);
        CHECK(woken.ok() && *woken == 1);

        // A persistent one stays signalled.
        auto gate = Event::anonymous();
        REQUIRE_OK(gate);
        CHECK_STATUS(gate->try_wait(), LK_ERR_TIMED_OUT);
        REQUIRE_OK(gate->signal());
        CHECK_STATUS(gate->try_wait(), LK_NO_ERROR);
        CHECK_STATUS(gate->try_wait(), LK_NO_ERROR);
        if (!base.empty()) CHECK(stats()["event"] == base["event"] + 2);
    }
    if (!base.empty()) CHECK(stats() == base);
}

// Event::destroy ends the event for every descriptor: waiters elsewhere
// wake, later calls fail, the name is free, and only the owner's
// signalling descriptor may do it.
void test_event_destroy() {
    auto ev = Event::create(name("ed").c_str());
    REQUIRE_OK(ev);
    auto waiting = Event::open(name("ed").c_str(), Event::kWait);
    auto signalling = Event::open(name("ed").c_str(), Event::kSignal);
    REQUIRE_OK(waiting);
    REQUIRE_OK(signalling);

    // A wait-only descriptor cannot: it is given up, nothing else changes.
    int wait_fd = waiting->fd();
    auto second_wait = Event::open(name("ed").c_str(), Event::kWait);
    REQUIRE_OK(second_wait);
    CHECK_STATUS(second_wait->destroy(), LK_ERR_BAD_HANDLE);
    CHECK(second_wait->fd() == -1);
    CHECK(Event::open(name("ed").c_str()).ok());
    REQUIRE_OK(ev->signal());
    CHECK_STATUS(waiting->try_wait(), LK_NO_ERROR);
    REQUIRE_OK(ev->unsignal());

    Status seen(LK_ERR_GENERIC);
    std::thread waiter([&] { seen = waiting->wait(10s); });
    CHECK(eventually([&] { auto i = ev->info(); return i && i->waiters == 1; }));
    int fd = ev->fd();
    CHECK_STATUS(ev->destroy(), LK_NO_ERROR);
    waiter.join();
    CHECK_STATUS(seen, LK_ERR_OBJECT_DESTROYED);
    CHECK(ev->fd() == -1 && !fd_open(fd));
    CHECK(fd_open(wait_fd));
    // Every descriptor left sees it gone; the name is free at once.
    CHECK_STATUS(waiting->try_wait(), LK_ERR_OBJECT_DESTROYED);
    CHECK(signalling->signal().status() == LK_ERR_OBJECT_DESTROYED);
    auto info = waiting->info();
    CHECK(info.ok() && (info->state & LKPORT_STATE_DESTROYED));
    CHECK(Event::open(name("ed").c_str()).status() == LK_ERR_NOT_FOUND);
    auto again = Event::create(name("ed").c_str());
    REQUIRE_OK(again);
    CHECK_STATUS(signalling->destroy(), LK_ERR_OBJECT_DESTROYED);
    CHECK(signalling->fd() == -1);
    // The new event of that name was not touched; a moved-from or empty
    // Event has nothing to destroy.
    REQUIRE_OK(again->signal());
    CHECK_STATUS(again->try_wait(), LK_NO_ERROR);
    CHECK_STATUS(ev->destroy(), LK_ERR_BAD_HANDLE);
    CHECK_STATUS(Event().destroy(), LK_ERR_BAD_HANDLE);
    // An anonymous event is destroyed the same way.
    auto anon = Event::anonymous();
    REQUIRE_OK(anon);
    Event anon2{lkport::Fd(dup(anon->fd()))};
    CHECK_STATUS(anon->destroy(), LK_NO_ERROR);
    CHECK_STATUS(anon2.try_wait(), LK_ERR_OBJECT_DESTROYED);
}

// LK's port_create: a free name creates, a name in use joins as another
// writer of the open port, with that port's mode.
void test_port_create_shared() {
    auto first = WritePort::create_shared(name("sh").c_str(), LK_PORT_MODE_UNICAST);
    REQUIRE_OK(first);
    CHECK(!first->existed && first->port.valid());
    auto r = ReadPort::open(name("sh").c_str(), 4);
    REQUIRE_OK(r);
    auto second = WritePort::create_shared(name("sh").c_str());
    REQUIRE_OK(second);
    CHECK(second->existed && second->port.valid() && second->port.fd() != first->port.fd());
    auto info = second->port.info();
    CHECK(info.ok() && info->kind == LKPORT_KIND_WRITE_PORT && (info->flags & LKPORT_PORT_UNICAST));
    // Both writers reach the one reader.
    REQUIRE_OK(first->port.write(Packet::text("from 1")));
    REQUIRE_OK(second->port.write(Packet::text("from 2")));
    std::array<PortResult, 4> got;
    auto n = r->read_many(got, 1s);
    REQUIRE_OK(n);
    CHECK(*n == 2 && got[0].packet.str() == "from 1" && got[1].packet.str() == "from 2" && got[0].ctx == 4);
    // The strict create still refuses the name.
    CHECK(WritePort::create(name("sh").c_str()).status() == LK_ERR_ALREADY_EXISTS);
    // Closed (for every writer): neither joins nor creates.
    REQUIRE_OK(first->port.close());
    CHECK(second->port.write(Packet::text("late")).status() == LK_ERR_BAD_HANDLE);
    CHECK(WritePort::create_shared(name("sh").c_str()).status() == LK_ERR_BUSY);
    REQUIRE_OK(first->port.destroy());
    auto fresh = WritePort::create_shared(name("sh").c_str());
    REQUIRE_OK(fresh);
    CHECK(!fresh->existed);
    CHECK(WritePort::create_shared("bad name!").status() == LK_ERR_INVALID_ARGS);
}

// A virtual interrupt source through the RAII class: records, their
// sequence, the ack, and delivery to a bound port.
void test_interrupt_virtual() {
    if (geteuid() != 0) {
        ksft_print_msg("interrupt sources need CAP_SYS_ADMIN: skipped\n");
        return;
    }
    auto irq = lkport::Interrupt::virtual_source();
    REQUIRE_OK(irq);
    CHECK_STATUS(irq->wait(lkport::Deadline::poll()).status(), LK_ERR_TIMED_OUT);
    auto before = std::chrono::steady_clock::now();
    REQUIRE_OK(irq->trigger());
    auto rec = irq->wait(10s);
    REQUIRE_OK(rec);
    CHECK(rec->seq == 1 && rec->count == 1);
    CHECK(rec->timestamp_ns >= std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   before.time_since_epoch()).count()));
    REQUIRE_OK(irq->ack());
    CHECK(!irq->ack().ok());

    auto w = WritePort::create(name("irq").c_str());
    REQUIRE_OK(w);
    auto r = ReadPort::open(name("irq").c_str(), 9);
    REQUIRE_OK(r);
    REQUIRE_OK(irq->bind(*w));
    REQUIRE_OK(irq->trigger());
    auto got = r->read(10s);
    REQUIRE_OK(got);
    lkport_irq_packet pk;
    std::memcpy(&pk, got->packet.data(), sizeof(pk));
    CHECK(got->ctx == 9 && pk.seq == 2 && pk.count == 1);
    auto info = irq->irq_info();
    REQUIRE_OK(info);
    CHECK(info->raised == 2 && info->delivered == 2 && info->target_kind == LKPORT_KIND_WRITE_PORT);
    REQUIRE_OK(irq->ack());
    REQUIRE_OK(irq->unbind());
}

struct Test {
    const char* name;
    void (*run)();
};

const Test tests[] = {
    {"packet.values", test_values},
    {"event.ping_pong", test_event_ping_pong},
    {"port.round_trip", test_port_round_trip},
    {"port.broadcast_partial", test_broadcast_partial},
    {"port.write_wait", test_write_wait},
    {"port.map", test_port_map},
    {"port.write_map", test_write_port_map},
    {"call.round_trips", test_one_call_round_trips},
    {"group.read", test_group_read},
    {"handle.move_semantics", test_move_semantics},
    {"handle.destruction_closes", test_destruction_closes},
    {"deadline.forms", test_deadline_forms},
    {"event.anonymous", test_event_anonymous},
    {"event.destroy", test_event_destroy},
    {"port.create_shared", test_port_create_shared},
    {"interrupt.virtual_source", test_interrupt_virtual},
};

}  // namespace

int main() {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    ksft_print_header();
    if (access(LKPORT_DEVICE, F_OK) != 0) ksft_exit_skip("%s missing: module not loaded\n", LKPORT_DEVICE);
    ksft_set_plan(sizeof(tests) / sizeof(tests[0]));
    for (const Test& t : tests) {
        test_ok = true;
        t.run();
        ksft_test_result(test_ok, "%s\n", t.name);
    }
    ksft_finished();
}
