/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between wakelat.bpf.c and the loader: the slots of the per-CPU
 * counter array. No includes, so both the BPF side (vmlinux.h) and the
 * user-space side (libc) can pull it in.
 */
#ifndef LKPORT_WAKELAT_H
#define LKPORT_WAKELAT_H

enum wakelat_counter {
	WL_SCHED_SWITCH,	/* every sched_switch */
	WL_SCHED_SWITCH_IDLE,	/* sched_switch into an idle task (pid 0) */
	WL_LKPORT_SIGNAL,	/* lkport:lkport_signal */
	WL_LKPORT_WAKE,		/* lkport:lkport_wake */
	WL_LKPORT_WAIT_RETURN,	/* lkport:lkport_wait_return */
	WL_NR_COUNTERS,
};

#endif /* LKPORT_WAKELAT_H */
