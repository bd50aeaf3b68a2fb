// SPDX-License-Identifier: GPL-2.0
//
// lk/os.h in user space, for the host unit tests: what tests can see and
// steer beyond the contract (simulated signals and hard-IRQ context,
// allocation failure, counts of warnings and tracepoints).
#pragma once

#include <lk/os.h>

#include <cstdint>

// The host shim's own calls beside lk/os.h, which the core does not use.
extern "C" {
int lkos_irqs_disabled(void);  // any: interrupts off (an irqsave section, or hard IRQ)
void lkos_yield(void);         // let other threads run
}

namespace lkos_host {

// Makes the given thread's next interruptible wait end as if a signal
// arrived; the signal stays pending until clear_signal() on that thread.
void send_signal(lkos_thread* t);
void clear_signal();

// While set, this thread is in (simulated) hard-IRQ context: interrupts
// are off and sleeping is an error.
void set_hardirq(bool on);

// The next `n` allocations succeed, the ones after fail; -1: never fail.
void fail_allocations_after(long n);
// Allocations not yet freed.
long live_allocations();

// WARNs issued so far and context violations (sleeping in atomic context),
// which are also WARNs.
long warnings();
void reset_warnings();

// Whether a tracer listens: lkos_trace_clock() returns the time while on,
// 0 while off (the default, as in a kernel nobody traces). The core's fast
// paths run only while it is off; every signal is traced while it is on.
void set_tracing(bool on);

// Each wake made after an unlock (lkos_wake_trace_put) first sleeps this
// long: widens the window between the unlock and the wake. 0: no delay.
void set_deferred_wake_delay_us(long us);

struct TraceCounts {
    long signal, wake, wait_return;
};
TraceCounts trace_counts();

}  // namespace lkos_host
