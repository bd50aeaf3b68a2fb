// SPDX-License-Identifier: GPL-2.0
//
// Helpers for the core's host tests.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include <lk/deadline.h>
#include <lk/os.h>

namespace lk_test {

// WARNs the current test expects from the core (checked after each test).
extern long expected_warnings;

inline lk::Deadline in_ms(long ms) { return lk::Deadline::after_ns(static_cast<lk::u64>(ms) * 1000000); }

// Waits (up to 10 s) until pred() holds; false on timeout.
template <class F> bool eventually(F&& pred) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

}  // namespace lk_test
