// SPDX-License-Identifier: GPL-2.0
/*
 * lkport wake-latency tracer, BPF side. For now it only counts events:
 * scheduler context switches and lkport's own tracepoints. The latency
 * measurement proper will be built on these attach points.
 *
 * Two programs exist for sched_switch; the loader keeps exactly one:
 *   tp_btf/sched_switch  typed arguments checked against vmlinux BTF
 *   raw_tp/sched_switch  fallback for kernels where tp_btf does not load
 *
 * lkport's tracepoints live in a module, so they are attached as raw_tp:
 * tp_btf would need the module's BTF, which not every kernel we run on
 * (Debian 6.1) provides.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "wakelat.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_NR_COUNTERS);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

static __always_inline void count(u32 slot)
{
	u64 *v = bpf_map_lookup_elem(&counts, &slot);

	/*
	 * The slot is per CPU, but lkport's tracepoints also fire from
	 * hardirq context, which can interrupt a task-context run of the
	 * same program on this CPU; an atomic add keeps both increments.
	 */
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void count_switch(struct task_struct *next)
{
	count(WL_SCHED_SWITCH);
	/*
	 * CO-RE read: task_struct's layout differs between the kernels we
	 * run on; libbpf relocates the offset of pid at load time.
	 */
	if (BPF_CORE_READ(next, pid) == 0)
		count(WL_SCHED_SWITCH_IDLE);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	count_switch(next);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	count_switch(next);
	return 0;
}

SEC("raw_tp/lkport_signal")
int BPF_PROG(lkport_signal, u64 obj, u32 kind, s32 woken, bool hardirq)
{
	count(WL_LKPORT_SIGNAL);
	return 0;
}

SEC("raw_tp/lkport_wake")
int BPF_PROG(lkport_wake, u64 obj, u32 kind, s32 tid, s32 status,
	     bool hardirq)
{
	count(WL_LKPORT_WAKE);
	return 0;
}

SEC("raw_tp/lkport_wait_return")
int BPF_PROG(lkport_wait_return, u64 obj, u32 kind, s32 status)
{
	count(WL_LKPORT_WAIT_RETURN);
	return 0;
}
