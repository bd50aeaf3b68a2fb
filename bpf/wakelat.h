/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between wakelat.bpf.c and the loader: stages, histogram layout,
 * map keys and values, the slow-event record. No includes: the includer
 * provides __u32/__u64 (vmlinux.h on the BPF side, <linux/types.h> in
 * user space). Changing anything here changes the pinned maps' layout:
 * bump WL_LAYOUT_VERSION, which names the pin directory.
 */
#ifndef LKPORT_WAKELAT_H
#define LKPORT_WAKELAT_H

#define WL_LAYOUT_VERSION	2	/* pins live in .../wakelat-v<this> */
#define WL_JSON_SCHEMA		1	/* --json's "schema" */

/*
 * Log-linear buckets in nanoseconds. Values below 2^WL_SUB_BITS ns have a
 * bucket each; from there every power of two [2^k, 2^(k+1)) is split into
 * WL_SUB equal sub-buckets, so a bucket is at most 1/WL_SUB (3.1%) of its
 * lower bound wide and its midpoint is within 1/(2*WL_SUB) (1.6%) of any
 * value in it. Values from 2^WL_MAX_LOG2 ns (68.7 s) on go to the overflow
 * bucket, the last one.
 */
#define WL_SUB_BITS	5
#define WL_SUB		(1u << WL_SUB_BITS)
#define WL_MAX_LOG2	36
#define WL_OVERFLOW	(WL_SUB + (WL_MAX_LOG2 - WL_SUB_BITS) * WL_SUB)
#define WL_NR_BUCKETS	(WL_OVERFLOW + 1)

/* The instants a wake goes through, in order. */
enum wl_point {
	WL_P_SRC,	/* the signal or write started, or the IRQ's stamp */
	WL_P_WAKE,	/* lkport:lkport_wake, the waker hands over */
	WL_P_WAKING,	/* sched:sched_waking, waker's CPU */
	WL_P_WAKEUP,	/* sched:sched_wakeup, enqueued on the target CPU */
	WL_P_RUN,	/* sched:sched_switch onto a CPU */
	WL_P_RET,	/* lkport:lkport_wait_return, back in the waiter */
	WL_NR_POINTS,
};

/* Stage i < WL_S_WAKE_RUN runs from point i to point i + 1. */
enum wl_stage {
	WL_S_SRC_WAKE,
	WL_S_WAKE_WAKING,
	WL_S_WAKING_WAKEUP,
	WL_S_WAKEUP_RUN,
	WL_S_RUN_RET,
	WL_S_WAKE_RUN,		/* lkport_wake to running: the scheduler's share */
	WL_S_TOTAL,		/* source to wait return */
	WL_NR_STAGES,
};

/* What the histograms are broken down by: the key's group field. */
enum wl_group_by {
	WL_BY_NONE,	/* group 0 */
	WL_BY_OBJECT,	/* the signalled object's id (a port: the write port) */
	WL_BY_KIND,	/* its lk_object_kind */
	WL_BY_SOURCE,	/* enum wl_source */
	WL_BY_CPU,	/* the CPU the waiter ran on */
};

enum wl_source {
	WL_SRC_TASK,	/* signal or write from a task */
	WL_SRC_HARDIRQ,	/* signal or write from hard IRQ */
	WL_SRC_IRQ,	/* an interrupt source: stamped in its handler */
	WL_NR_SOURCES,
};

enum wl_counter {
	WL_C_WAKES,		/* lkport_wake seen (status 0) */
	WL_C_SAMPLES,		/* wait returns with a complete record */
	WL_C_FILTERED,		/* ... not counted because of -p/-t/--object/... */
	WL_C_REWAKE,		/* woken again before the last wake ran */
	WL_C_NO_SWITCH,		/* woken while still on its CPU: no switch */
	WL_C_NO_SOURCE,		/* no source stamp (tracing began mid-signal) */
	WL_C_UNMATCHED,		/* a wait returned that is not the one woken */
	WL_C_NO_STORAGE,	/* no room for a per-task record */
	WL_C_NEGATIVE,		/* a stage ended before it began (clamped to 0) */
	WL_C_DROPPED,		/* histogram map full */
	WL_C_SLOW,		/* slow events sent */
	WL_C_SLOW_LOST,		/* slow events the ring buffer had no room for */
	WL_NR_COUNTERS,
};

struct wl_hist_key {
	__u64 group;
	__u32 stage;
	__u32 bucket;
};

struct wl_sum_key {
	__u64 group;
	__u32 stage;
	__u32 pad;
};

struct wl_sum {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
};

/* One stage's histogram without a breakdown: hists_all's value. */
struct wl_buckets {
	__u64 b[WL_NR_BUCKETS];
};

/* Bits of wl_task.flags and wl_event.flags: which points were seen. */
#define WL_SEEN(p)	(1u << (p))

/* One slow wake (ring buffer), and the per-task record it comes from. */
struct wl_event {
	__u64 t[WL_NR_POINTS];	/* CLOCK_MONOTONIC ns; see flags */
	__u64 obj;		/* the object waited on */
	__u64 src_obj;		/* the object signalled */
	__u64 seq;
	__u32 pid;
	__u32 tid;
	__u32 kind;
	__u32 source;		/* enum wl_source */
	__u32 src_id;		/* interrupt source id (WL_SRC_IRQ) */
	__u32 waker_cpu;
	__u32 run_cpu;
	__u32 flags;		/* WL_SEEN() */
	char comm[16];
};

#endif /* LKPORT_WAKELAT_H */
