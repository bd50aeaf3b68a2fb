// SPDX-License-Identifier: GPL-2.0
//
// A per-test watchdog: a blocking primitive that fails to wake a thread
// makes its test hang, not fail. After kLimitSeconds in one test, report
// the test by name and end the run with a failure.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace {

constexpr unsigned kLimitSeconds = 60;
char g_current[512];

void on_alarm(int) {
    static const char head[] = "\n*** test hung (watchdog): ";
    ssize_t r = write(STDERR_FILENO, head, sizeof(head) - 1);
    r = write(STDERR_FILENO, g_current, strlen(g_current));
    r = write(STDERR_FILENO, "\n", 1);
    (void)r;
    _exit(3);
}

class Watchdog : public ::testing::EmptyTestEventListener {
    void OnTestStart(const ::testing::TestInfo& info) override {
        std::snprintf(g_current, sizeof(g_current), "%s.%s", info.test_suite_name(), info.name());
        alarm(kLimitSeconds);
    }
    void OnTestEnd(const ::testing::TestInfo&) override { alarm(0); }
};

struct Install {
    Install() {
        struct sigaction sa;
        std::memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, nullptr);
        ::testing::UnitTest::GetInstance()->listeners().Append(new Watchdog);
    }
} g_install;

}  // namespace

TEST(watchdog, is_armed_during_a_test) {
    // alarm() returns the seconds left on the running alarm.
    unsigned left = alarm(kLimitSeconds);
    EXPECT_GT(left, 0u);
    EXPECT_LE(left, kLimitSeconds);
}
