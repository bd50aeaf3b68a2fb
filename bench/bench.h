/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Code shared by lkport's user-space benchmarks: time, CPU placement,
 * child processes, statistics, lkport objects through raw ioctls, and the
 * RESULT lines every benchmark prints for the summary.
 *
 * A benchmark fails (exit 1) only when something functionally went wrong:
 * a system call or ioctl error, a lost or reordered message, a child that
 * died. Timings are printed, never judged.
 */
#ifndef LKPORT_BENCH_H
#define LKPORT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <linux/lkport.h>

#define NS_PER_US 1000ull
#define NS_PER_SEC 1000000000ull

/* ---- failures ------------------------------------------------------------------ */

/* Prints "<prog>: FAIL: <message>" to stderr and exits 1 (from a child
 * too: its parent then fails in turn). */
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* As fail(), with ": <strerror(errno)>" appended. */
void fail_errno(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Sets the name used in messages and makes stdout line-buffered (the VM's
 * serial console then shows progress as it happens). */
void bench_init(const char *prog);

/* ---- time ---------------------------------------------------------------------- */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* A cheap tick counter for per-round timestamps: the TSC on x86 (no
 * system call, no emulated clock device: under QEMU/TCG the guest's
 * clocksource may be the HPET, a few us per read), CLOCK_MONOTONIC ns
 * elsewhere. Only differences read on one CPU mean anything; convert them
 * with ticks_to_ns over a span measured with both clocks. */
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t ticks(void)
{
	return __rdtsc();
}
#define TICKS_NAME "TSC"
#else
static inline uint64_t ticks(void)
{
	return now_ns();
}
#define TICKS_NAME "CLOCK_MONOTONIC"
#endif

/* ticks() per second, measured once against CLOCK_MONOTONIC (about 20 ms). */
double ticks_per_sec(void);

/* Mean cost of one now_ns() in ns (under TCG it depends on the guest's
 * clocksource: vDSO or a system call). */
double clock_cost_ns(void);
/* The clocksource the guest uses, "?" when unknown. */
const char *clocksource(void);

/* ---- CPUs ---------------------------------------------------------------------- */

/* CPUs this process may run on (its affinity mask at bench_init time). */
int cpu_count(void);
/* The n-th of them. */
int cpu_nth(int n);
/* Pins the calling process to one CPU; -1 restores the initial mask. */
void pin_self(int cpu);

/* Placement of the two processes of a case. */
enum placement {
	PLACE_CROSS,	/* each on its own CPU (first and second of the mask) */
	PLACE_SAME,	/* both on the first CPU */
	PLACE_FREE,	/* unpinned: the scheduler decides */
};
/* "cross", "same", "free" -> placement; anything else: exits 2 (a usage error). */
int placement_parse(const char *s);
const char *placement_name(int p);
/* Human description, e.g. "pinned CPU0 / CPU1". */
const char *placement_desc(int p);
/* CPU for the parent (side 0) or the child (side 1): -1 when unpinned. */
int placement_cpu(int p, int side);
/* Whether the placement can be done with the CPUs there are. */
bool placement_possible(int p);

/* ---- processes ------------------------------------------------------------------ */

/* Anonymous memory shared with children forked later. */
void *shared_alloc(size_t size);
/* Forks a child that pins itself to `cpu` (-1: initial mask), dies with
 * its parent, runs fn(arg) and exits 0. The parent learns of a child that
 * fails at once: a SIGCHLD handler reports it and exits 1. Up to 16
 * children at a time, each reaped on its own. */
pid_t spawn(void (*fn)(void *arg), void *arg, int cpu, const char *what);
/* Waits for a child spawn() started; fails unless it exited 0. */
void reap(pid_t pid);
/* Kills this process (exit 1, with a message) if still running after
 * `seconds`; 0 disarms. Uses SIGALRM: not for processes that use it. */
void watchdog(unsigned int seconds, const char *what);

/* ---- statistics ------------------------------------------------------------------ */

struct stats {
	size_t n;
	double min_us, median_us, p99_us, mean_us, max_us;
	double tmean_us;	/* mean of the values from the 5th to the 95th
				 * percentile: robust both to a few long stalls
				 * (which move the mean) and to a bimodal
				 * distribution (where the median jumps between
				 * the modes from run to run) */
};

/* Sorts v (ns) and summarises it in microseconds. */
void stats_compute(uint64_t *v, size_t n, struct stats *s);

/* ---- lkport through raw ioctls ---------------------------------------------------- */

/* /dev/lkport, opened once (fails when the module is not loaded). */
int lkp_dev(void);
/* A name unique to this process and call: "lkb-<pid>-<tag>-<n>". */
void lkp_name(char out[LKPORT_NAME_LEN], const char *tag);
/* Event fd (wait + signal). */
int lkp_event_create(const char *name, uint32_t flags);
/* Write port fd; capacity 0 = LK's default. */
int lkp_port_create(const char *name, uint32_t mode, uint32_t capacity);
/* Read port fd. */
int lkp_port_open(const char *name, uint64_t ctx);

/* ---- output ------------------------------------------------------------------------ */

/* Prints "RESULT <key>=<value>" (the summary's machine-readable lines). */
void result(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Comma-separated list membership: does `list` (NULL = everything) name `item`? */
bool list_has(const char *list, const char *item);

#endif /* LKPORT_BENCH_H */
