// SPDX-License-Identifier: GPL-2.0
#include <gtest/gtest.h>

#include <lk/capi.h>
#include <lk/err.h>

TEST(Status, LkNumericValues) {
    // The values LK code compares against; they are ABI for ported code.
    EXPECT_EQ(0, lk::NO_ERROR);
    EXPECT_EQ(-2, lk::ERR_NOT_FOUND);
    EXPECT_EQ(-3, lk::ERR_NOT_READY);
    EXPECT_EQ(-9, lk::ERR_NOT_ENOUGH_BUFFER);
    EXPECT_EQ(-11, lk::ERR_OBJECT_DESTROYED);
    EXPECT_EQ(-12, lk::ERR_NOT_BLOCKED);
    EXPECT_EQ(-13, lk::ERR_TIMED_OUT);
    EXPECT_EQ(-14, lk::ERR_ALREADY_EXISTS);
    EXPECT_EQ(-17, lk::ERR_NOT_ALLOWED);
    EXPECT_EQ(-25, lk::ERR_TOO_BIG);
    EXPECT_EQ(-26, lk::ERR_CANCELLED);
    EXPECT_EQ(-33, lk::ERR_BUSY);
    EXPECT_EQ(-42, lk::ERR_BAD_HANDLE);
    EXPECT_EQ(-44, lk::ERR_PARTIAL_WRITE);
}

TEST(Status, Names) {
    EXPECT_STREQ("ERR_TIMED_OUT", lk_status_name(lk::ERR_TIMED_OUT));
    EXPECT_STREQ("NO_ERROR", lk_status_name(0));
    EXPECT_STREQ("ERR_INTERRUPTED", lk_status_name(lk::ERR_INTERRUPTED));
    EXPECT_STREQ("ERR_?", lk_status_name(-12345));
}
