// SPDX-License-Identifier: GPL-2.0
//
// Tracepoints (lk/os.h, module/linux/trace.h): lkport_signal when an
// object is signalled (event signal, semaphore post, port write, mutex
// release), lkport_wake once per thread handed a status, lkport_wait_return
// once per wait that blocked and returned, whatever its status.
#include <gtest/gtest.h>

#include <lk/event.h>
#include <lk/mutex.h>
#include <lk/port.h>
#include <lk/semaphore.h>

#include <memory>
#include <vector>

#include "lkos_host.h"
#include "test_util.h"

using namespace lk;
using lk_test::Thread;

namespace {

struct Delta {
    lkos_host::TraceCounts start = lkos_host::trace_counts();
    long signal() const { return lkos_host::trace_counts().signal - start.signal; }
    long wake() const { return lkos_host::trace_counts().wake - start.wake; }
    long wait_return() const { return lkos_host::trace_counts().wait_return - start.wait_return; }
};

}  // namespace

// With a tracer listening, as lkport-wakelat is.
class trace : public ::testing::Test {
  protected:
    void SetUp() override { lkos_host::set_tracing(true); }
    void TearDown() override { lkos_host::set_tracing(false); }
};

TEST_F(trace, event_signal_traces_the_signal_each_wake_and_each_wait_return) {
    Event e;
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < 3; i++) threads.push_back(std::make_unique<Thread>([&] { EXPECT_EQ(NO_ERROR, e.wait()); }));
    EXPECT_TRUE(lk_test::eventually([&] { return e.waiters() == 3; }));
    Delta d;
    EXPECT_EQ(3, e.signal());
    for (auto& t : threads) t->join();
    EXPECT_EQ(1, d.signal());
    EXPECT_EQ(3, d.wake());
    EXPECT_EQ(3, d.wait_return());
}

TEST_F(trace, autounsignal_signal_without_waiter_traces_a_signal_and_no_wake) {
    Event e(false, EVENT_FLAG_AUTOUNSIGNAL);
    Delta d;
    EXPECT_EQ(0, e.signal());
    EXPECT_EQ(1, d.signal());
    EXPECT_EQ(0, d.wake());
    // Passing a signalled event is not a blocking wait.
    EXPECT_EQ(NO_ERROR, e.wait());
    EXPECT_EQ(0, d.wait_return());
}

TEST_F(trace, timed_out_wait_traces_its_return_but_no_wake) {
    Event e;
    Delta d;
    EXPECT_EQ(ERR_TIMED_OUT, e.wait_timeout(5));
    EXPECT_EQ(0, d.signal());
    EXPECT_EQ(0, d.wake());
    EXPECT_EQ(1, d.wait_return());
}

TEST_F(trace, semaphore_post_mutex_release_and_port_write_are_signals) {
    Delta d;
    Semaphore s;
    EXPECT_EQ(0, s.post());
    EXPECT_EQ(1, d.signal());
    // An uncontended mutex release wakes nobody and takes the lock-free
    // path: it is not a signal.
    Mutex m;
    ASSERT_EQ(NO_ERROR, m.acquire());
    ASSERT_EQ(NO_ERROR, m.release());
    EXPECT_EQ(1, d.signal());
    PortRegistry reg;
    WritePort* wp = nullptr;
    ASSERT_EQ(NO_ERROR, reg.create("trace", PORT_MODE_UNICAST, 0, nullptr, &wp));
    PortPacket p = lk_test::packet(1);
    ASSERT_EQ(NO_ERROR, reg.write(wp, &p, 1));
    EXPECT_EQ(2, d.signal());
    EXPECT_EQ(0, d.wake());
    EXPECT_EQ(NO_ERROR, reg.close(wp));
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
}

TEST_F(trace, mutex_hand_off_and_port_wake_are_traced) {
    Mutex m;
    ASSERT_EQ(NO_ERROR, m.acquire());
    Thread waiter([&] {
        EXPECT_EQ(NO_ERROR, m.acquire());
        EXPECT_EQ(NO_ERROR, m.release());
    });
    EXPECT_TRUE(waiter.asleep());
    Delta d;
    ASSERT_EQ(NO_ERROR, m.release());
    waiter.join();
    EXPECT_EQ(1, d.signal());  // our hand-off; the waiter's release is uncontended
    EXPECT_EQ(1, d.wake());
    EXPECT_EQ(1, d.wait_return());

    PortRegistry reg;
    WritePort* wp = nullptr;
    ReadPort* rp = nullptr;
    ASSERT_EQ(NO_ERROR, reg.create("trace-wake", PORT_MODE_UNICAST, 0, nullptr, &wp));
    ASSERT_EQ(NO_ERROR, reg.open("trace-wake", nullptr, &rp));
    Thread reader([&] {
        PortResult r;
        EXPECT_EQ(NO_ERROR, reg.read(rp, Deadline::infinite(), &r));
    });
    EXPECT_TRUE(reader.asleep());
    Delta pd;
    PortPacket p = lk_test::packet(1);
    ASSERT_EQ(NO_ERROR, reg.write(wp, &p, 1));
    reader.join();
    EXPECT_EQ(1, pd.signal());
    EXPECT_EQ(1, pd.wake());
    EXPECT_EQ(1, pd.wait_return());
    EXPECT_EQ(NO_ERROR, reg.close(rp));
    EXPECT_EQ(NO_ERROR, reg.close(wp));
    EXPECT_EQ(NO_ERROR, reg.destroy(wp));
}

TEST_F(trace, destroy_wakes_are_traced) {
    Semaphore s;
    std::vector<std::unique_ptr<Thread>> threads;
    for (int i = 0; i < 2; i++)
        threads.push_back(std::make_unique<Thread>([&] { EXPECT_EQ(ERR_OBJECT_DESTROYED, s.wait()); }));
    EXPECT_TRUE(lk_test::eventually([&] { return s.count() == -2; }));
    Delta d;
    s.destroy();
    for (auto& t : threads) t->join();
    EXPECT_EQ(2, d.wake());
    EXPECT_EQ(2, d.wait_return());
    EXPECT_EQ(0, d.signal());
}
