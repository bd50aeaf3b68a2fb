// SPDX-License-Identifier: GPL-2.0
//
// lk/os.h in user space, for the host unit tests: what tests can see and
// steer beyond the contract (simulated signals and hard-IRQ context,
// allocation failure, counts of warnings and tracepoints).
#pragma once

#include <lk/os.h>

#include <cstdint>

namespace lkos_host {

// Makes the given thread's next interruptible wait end as if a signal
// arrived; the signal stays pending until clear_signal() on that thread.
void send_signal(lkos_thread* t);
void clear_signal();

// While set, lkos_in_hardirq() is true on this thread (for code that
// behaves differently in IRQ context) and sleeping is an error.
void set_hardirq(bool on);

// The next `n` allocations succeed, the ones after fail; -1: never fail.
void fail_allocations_after(long n);
// Allocations not yet freed.
long live_allocations();

// WARNs issued so far and context violations (sleeping in atomic context),
// which are also WARNs.
long warnings();
void reset_warnings();

struct TraceCounts {
    long signal, wake, wait_return;
};
TraceCounts trace_counts();

}  // namespace lkos_host
