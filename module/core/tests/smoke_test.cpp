// SPDX-License-Identifier: GPL-2.0
#include <gtest/gtest.h>

#include <lk/event.h>
#include <lk/mutex.h>
#include <lk/port.h>
#include <lk/semaphore.h>

#include "test_util.h"

TEST(Smoke, EventWakesWaiter) {
    lk::Event e;
    std::thread t([&] { EXPECT_EQ(lk::NO_ERROR, e.wait()); });
    ASSERT_TRUE(lk_test::eventually([&] { return e.waiters() == 1; }));
    EXPECT_EQ(1, e.signal());
    t.join();
}

TEST(Smoke, PortRoundTrip) {
    lk::PortRegistry reg;
    lk::WritePort* wp;
    ASSERT_EQ(lk::NO_ERROR, reg.create("smoke", lk::PORT_MODE_UNICAST, 0, nullptr, &wp));
    lk::PortPacket p{};
    p.value[0] = 42;
    ASSERT_EQ(lk::NO_ERROR, reg.write(wp, &p, 1));
    lk::ReadPort* rp;
    ASSERT_EQ(lk::NO_ERROR, reg.open("smoke", reinterpret_cast<void*>(7), &rp));
    lk::PortResult r;
    ASSERT_EQ(lk::NO_ERROR, reg.read(rp, lk::Deadline::none(), &r));
    EXPECT_EQ(42, r.packet.value[0]);
    EXPECT_EQ(reinterpret_cast<void*>(7), r.ctx);
    EXPECT_EQ(lk::ERR_TIMED_OUT, reg.read(rp, lk::Deadline::none(), &r));
    EXPECT_EQ(lk::NO_ERROR, reg.close(rp));
    EXPECT_EQ(lk::NO_ERROR, reg.close(wp));
    EXPECT_EQ(lk::NO_ERROR, reg.destroy(wp));
}
