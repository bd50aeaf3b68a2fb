// SPDX-License-Identifier: GPL-2.0
//
// Timeouts. LK's API takes relative milliseconds (lk_time_t), with 0 = do
// not block and INFINITE_TIME = wait forever. Internally every wait has an
// absolute CLOCK_MONOTONIC deadline in nanoseconds, so that retrying after
// a spurious or stolen wake-up never extends the total wait (LK restarts a
// port read's timeout on every wake; lkport does not).
#pragma once

#include <lk/types.h>

namespace lk {

using lk_time_t = u32;
inline constexpr lk_time_t INFINITE_TIME = 0xffffffffu;

class Deadline {
  public:
    static constexpr Deadline infinite() { return Deadline(LKOS_FOREVER); }
    // Already passed: the wait never blocks.
    static constexpr Deadline none() { return Deadline(0); }
    // Past kMaxNs (2^63 - 1: 292 years of uptime) the system's timers
    // (ktime_t) cannot hold a deadline; such a deadline is no deadline,
    // rather than one that seems to have passed to the timer but not to
    // the caller (a wait that would spin instead of sleeping).
    static constexpr u64 kMaxNs = 0x7fffffffffffffffull;
    static constexpr Deadline at_ns(u64 monotonic_ns) {
        return monotonic_ns > kMaxNs ? infinite() : Deadline(monotonic_ns);
    }
    static Deadline after_ns(u64 ns) {
        if (ns == 0) return none();
        u64 now = lkos_now_ns();
        return (ns > kMaxNs - now) ? infinite() : Deadline(now + ns);
    }
    static Deadline after_ms(lk_time_t ms) {
        if (ms == INFINITE_TIME) return infinite();
        return after_ns(u64(ms) * 1000000u);
    }

    constexpr bool is_infinite() const { return ns_ == LKOS_FOREVER; }
    // none() passes without reading the clock: a non-blocking call
    // (O_NONBLOCK, a zero timeout) is no clock read longer than the plain one.
    bool passed() const { return ns_ == 0 || (!is_infinite() && lkos_now_ns() >= ns_); }
    constexpr u64 ns() const { return ns_; }

  private:
    constexpr explicit Deadline(u64 ns) : ns_(ns) {}
    u64 ns_;
};

// Whether a wait may be ended by a signal. Waits made on behalf of user
// space are; LK's own API (kernel callers) is not.
enum class Interruptible : bool { No = false, Yes = true };

}  // namespace lk
