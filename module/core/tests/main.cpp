// SPDX-License-Identifier: GPL-2.0
//
// Test main: sets the core up once, and fails any test that left a WARN
// behind or leaked a core allocation, unless it said it expects them.
#include <gtest/gtest.h>

#include <lk/capi.h>

#include "lkos_host.h"
#include "test_util.h"

namespace {

class CoreEnvironment : public ::testing::Environment {
  public:
    void SetUp() override { ASSERT_EQ(0, lk_core_init()); }
    void TearDown() override { lk_core_exit(); }
};

class WarnChecker : public ::testing::EmptyTestEventListener {
    long allocations_ = 0;
    void OnTestStart(const ::testing::TestInfo&) override {
        lkos_host::reset_warnings();
        lkos_host::fail_allocations_after(-1);
        lk_test::expected_warnings = 0;
        allocations_ = lkos_host::live_allocations();
    }
    void OnTestEnd(const ::testing::TestInfo&) override {
        EXPECT_EQ(lk_test::expected_warnings, lkos_host::warnings()) << "unexpected WARNs from the core";
        EXPECT_EQ(allocations_, lkos_host::live_allocations()) << "core allocations leaked";
        lkos_host::fail_allocations_after(-1);
    }
};

}  // namespace

namespace lk_test {
long expected_warnings = 0;
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new CoreEnvironment);
    ::testing::UnitTest::GetInstance()->listeners().Append(new WarnChecker);
    return RUN_ALL_TESTS();
}
