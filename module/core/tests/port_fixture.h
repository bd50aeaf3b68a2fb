// SPDX-License-Identifier: GPL-2.0
//
// What the port tests' fixtures share: a registry that must end empty,
// and the create / open / close-and-destroy / write steps each test takes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include <lk/port.h>

#include "test_util.h"

namespace lk_test {

class PortFixture : public ::testing::Test {
  protected:
    lk::PortRegistry reg;

    void TearDown() override { EXPECT_EQ(0u, reg.write_port_count()) << "test left write ports behind"; }

    lk::WritePort* make(const char* name, lk::u32 mode, lk::u32 capacity) {
        lk::WritePort* wp = nullptr;
        EXPECT_EQ(lk::NO_ERROR, reg.create(name, mode, capacity, nullptr, &wp)) << name;
        return wp;
    }
    lk::ReadPort* open(const char* name, void* c = nullptr) {
        lk::ReadPort* rp = nullptr;
        EXPECT_EQ(lk::NO_ERROR, reg.open(name, c, &rp)) << name;
        return rp;
    }
    void close_and_destroy(lk::WritePort* wp) {
        EXPECT_EQ(lk::NO_ERROR, reg.close(wp));
        EXPECT_EQ(lk::NO_ERROR, reg.destroy(wp));
    }
    static std::vector<lk::PortPacket> packets_of(std::initializer_list<std::uint64_t> vs) {
        std::vector<lk::PortPacket> pk;
        for (auto v : vs) pk.push_back(packet(v));
        return pk;
    }
    // One write() of all the values.
    lk::status_t put(lk::WritePort* wp, std::initializer_list<std::uint64_t> vs) {
        std::vector<lk::PortPacket> pk = packets_of(vs);
        return reg.write(wp, pk.data(), pk.size());
    }
};

}  // namespace lk_test
