// SPDX-License-Identifier: GPL-2.0
/*
 * lkport wake latency, BPF side: follows each wake lkport makes from its
 * source to the woken thread's return, on one clock (bpf_ktime_get_ns,
 * CLOCK_MONOTONIC), and adds each stage to log-linear histograms.
 *
 *   source     lkport_wake's src_ts (the signal or write started), or the
 *              hard-IRQ stamp of the interrupt that caused it
 *   wake       lkport:lkport_wake, in the waker
 *   waking     sched:sched_waking, in the waker, right after
 *   wakeup     sched:sched_wakeup, the task enqueued (maybe after an IPI)
 *   run        sched:sched_switch that puts the task on a CPU
 *   return     lkport:lkport_wait_return, in the woken task
 *
 * Correlation. The record of a wake lives with the woken task, in task
 * local storage (tasks): no capacity to overflow, freed with the task.
 * lkport_wake only knows the woken thread's tid; the task pointer comes
 * with the sched_waking that wake_up_process() fires next on the same
 * CPU. The core traces the wake and calls wake_up_process() under its
 * raw spinlock with interrupts off, so nothing else runs on this CPU in
 * between: lkport_wake leaves the wake in a per-CPU hand-off slot and the
 * very next sched_waking takes it (and empties it, whoever it is for: a
 * wake of a thread that was not asleep fires no sched_waking, and must
 * not be taken by a later one). Later points find the record through the
 * task pointer the scheduler passes (tp_btf) and the return through the
 * current task, so migrations do not matter, and each CPU's idle task is a
 * task of its own, never looked up (pid 0 is skipped).
 *
 * raw_tp fallback (kernels where tp_btf does not load): raw tracepoint
 * arguments are not typed pointers that task storage accepts, so there the
 * records live in an LRU hash by tid instead. It holds only wakes in
 * flight (woken, not yet returned), each removed at the return.
 *
 * A wake of a task whose last wake has not yet run replaces it (counted
 * as a re-wake). A task woken while still on its CPU has no switch: its
 * run point is its wakeup (counted as no_switch).
 *
 * Histogram and counter values are per CPU and only ever grow; user space
 * diffs snapshots. Counters are also counted from lkport_wake, which may
 * run in hard IRQ and interrupt a program on the same CPU: their adds are
 * atomic. Histograms and sums are written by lkport_wait_return alone,
 * in task context, and a tracepoint runs its programs with preemption off:
 * nothing else writes them on this CPU meanwhile, so their adds are plain
 * ones (an atomic add is several times dearer, seven stages a sample).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "wakelat.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load. */
const volatile bool use_task_storage = true;
const volatile __u32 group_by = WL_BY_NONE;
const volatile __u32 filter_pid;	/* 0: any */
const volatile __u32 filter_tid;
const volatile __u64 filter_obj;
const volatile __u32 filter_kind = ~0u;	/* ~0: any */
const volatile __u32 filter_source = ~0u;
const volatile __u64 slow_ns;		/* 0: no slow events */

struct wl_task {
	__u64 t[WL_NR_POINTS];
	__u64 obj;
	__u64 src_obj;
	__u64 seq;
	__u32 kind;
	__u32 source;
	__u32 src_id;
	__u32 waker_cpu;
	__u32 run_cpu;
	__u32 flags;
	__u32 active;
	__u32 pad;
};

struct wl_handoff {
	__u64 obj;
	__u64 src_obj;
	__u64 seq;
	__u64 src_ts;
	__u64 wake_ts;
	__u32 tid;
	__u32 kind;
	__u32 source;
	__u32 src_id;
	__u32 valid;
	__u32 pad;
};

/* The last interrupt stamped on this CPU, until a wake takes it. */
struct wl_irq {
	__u64 ts;
	__u64 seq;
	__u32 source;
	__u32 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct wl_task);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct wl_task);
} tasks_by_tid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_handoff);
} handoff SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_irq);
} irq_last SEC(".maps");

/* With a breakdown. Preallocated: an entry made on demand in a tracing
 * program may find the allocator's cache empty, and the sample would be
 * lost. Preallocating a per-CPU hash costs a per-CPU allocation per
 * entry at every start, so the loader shrinks the maps of the mode not
 * in use to one entry. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct wl_hist_key);
	__type(value, __u64);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct wl_sum_key);
	__type(value, struct wl_sum);
} sums SEC(".maps");

/* Without a breakdown (group 0) the same, in arrays: a lookup there is a
 * few instructions, a hash lookup hashes its key. A stage's histogram is
 * one value (a per-CPU array allocates per entry). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_NR_STAGES);
	__type(key, __u32);
	__type(value, struct wl_buckets);
} hists_all SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_NR_STAGES);
	__type(key, __u32);
	__type(value, struct wl_sum);
} sums_all SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} slow SEC(".maps");

static __always_inline void count(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &c);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline __u32 log2_32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 log2_64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_32(hi) + 32 : log2_32((__u32)v);
}

static __always_inline __u32 bucket_of(__u64 ns)
{
	__u32 k;

	if (ns < WL_SUB)
		return ns;
	k = log2_64(ns);
	if (k >= WL_MAX_LOG2)
		return WL_OVERFLOW;
	return WL_SUB + (k - WL_SUB_BITS) * WL_SUB +
	       ((ns >> (k - WL_SUB_BITS)) & (WL_SUB - 1));
}

static __always_inline void add_sample(__u64 group, __u32 stage, __u64 ns)
{
	struct wl_hist_key hk = { .group = group, .stage = stage,
				  .bucket = bucket_of(ns) };
	struct wl_sum_key sk = { .group = group, .stage = stage };
	static const __u64 zero;
	static const struct wl_sum zsum;
	struct wl_sum *s;
	__u64 *v;

	if (group_by == WL_BY_NONE) {
		struct wl_buckets *h = bpf_map_lookup_elem(&hists_all, &stage);
		__u32 b = hk.bucket;

		/* bucket_of() stays below WL_NR_BUCKETS; the verifier
		 * needs to see it on the register that indexes */
		barrier_var(b);
		v = NULL;
		if (h && b < WL_NR_BUCKETS)
			v = &h->b[b];
		s = bpf_map_lookup_elem(&sums_all, &stage);
		goto add;
	}
	v = bpf_map_lookup_elem(&hists, &hk);
	if (!v) {
		bpf_map_update_elem(&hists, &hk, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&hists, &hk);
	}
	s = bpf_map_lookup_elem(&sums, &sk);
	if (!s) {
		bpf_map_update_elem(&sums, &sk, &zsum, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&sums, &sk);
	}
add:
	if (!v || !s) {
		count(WL_C_DROPPED);
		return;
	}
	*v += 1;
	s->count++;
	s->sum_ns += ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
}

/* ---- sources ---------------------------------------------------------------- */

SEC("raw_tp/lkport_irq")
int BPF_PROG(lkport_irq, u32 source, u64 seq, u64 ts, u32 n)
{
	__u32 zero = 0;
	struct wl_irq *irq = bpf_map_lookup_elem(&irq_last, &zero);

	if (irq) {
		irq->ts = ts;
		irq->seq = seq;
		irq->source = source;
		irq->valid = 1;
	}
	return 0;
}

/* Whether this CPU's last interrupt is what this wake delivers: a wake in
 * hard IRQ (delivery in the handler), or, on PREEMPT_RT, in the CPU's
 * irq_work thread, which delivers there. */
static __always_inline bool from_irq(struct wl_irq *irq, bool hardirq,
				     __u64 now)
{
	char comm[16];

	if (!irq || !irq->valid || irq->ts > now)
		return false;
	if (hardirq)
		return true;
	if (bpf_get_current_comm(comm, sizeof(comm)))
		return false;
	return comm[0] == 'i' && comm[1] == 'r' && comm[2] == 'q' &&
	       comm[3] == '_' && comm[4] == 'w' && comm[5] == 'o' &&
	       comm[6] == 'r' && comm[7] == 'k' && comm[8] == '/';
}

SEC("raw_tp/lkport_signal")
int BPF_PROG(lkport_signal, u64 obj, u32 kind, s32 woken, bool hardirq,
	     u64 seq, u64 src_ts)
{
	__u32 zero = 0;
	struct wl_irq *irq;

	/* A delivery in hard IRQ ends with its signal: whatever interrupt
	 * was stamped is used up. */
	if (hardirq) {
		irq = bpf_map_lookup_elem(&irq_last, &zero);
		if (irq)
			irq->valid = 0;
	}
	return 0;
}

/* ---- the wake --------------------------------------------------------------- */

static __always_inline void start_record(struct wl_task *r,
					 struct wl_handoff *h, __u64 now)
{
	if (r->active && !(r->flags & WL_SEEN(WL_P_RUN)))
		count(WL_C_REWAKE);
	__builtin_memset(r, 0, sizeof(*r));
	r->obj = h->obj;
	r->src_obj = h->src_obj;
	r->seq = h->seq;
	r->kind = h->kind;
	r->source = h->source;
	r->src_id = h->src_id;
	r->t[WL_P_WAKE] = h->wake_ts;
	r->t[WL_P_WAKING] = now;
	r->flags = WL_SEEN(WL_P_WAKE) | WL_SEEN(WL_P_WAKING);
	if (h->src_ts) {
		r->t[WL_P_SRC] = h->src_ts;
		r->flags |= WL_SEEN(WL_P_SRC);
	}
	r->waker_cpu = bpf_get_smp_processor_id();
	r->active = 1;
}

SEC("raw_tp/lkport_wake")
int BPF_PROG(lkport_wake, u64 obj, u32 kind, s32 tid, s32 status,
	     bool hardirq, u64 seq, u64 src_ts, u64 src_obj)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct wl_handoff *h = bpf_map_lookup_elem(&handoff, &zero);
	struct wl_irq *irq = bpf_map_lookup_elem(&irq_last, &zero);

	/* Only wakes that hand over what was waited for: not destroy,
	 * cancel or a wake with no signal behind it. */
	if (!h || status != 0 || !seq)
		return 0;
	count(WL_C_WAKES);
	h->obj = obj;
	h->src_obj = src_obj;
	h->seq = seq;
	h->kind = kind;
	h->tid = tid;
	h->wake_ts = now;
	h->src_ts = src_ts <= now ? src_ts : 0;
	h->source = hardirq ? WL_SRC_HARDIRQ : WL_SRC_TASK;
	h->src_id = 0;
	if (irq && from_irq(irq, hardirq, now)) {
		h->source = WL_SRC_IRQ;
		h->src_id = irq->source;
		h->src_ts = irq->ts;
		irq->valid = 0;
	}
	h->valid = 1;
	return 0;
}

/* The hand-off for task `pid`, if it is the wake just traced. */
static __always_inline struct wl_handoff *take_handoff(__u32 pid)
{
	__u32 zero = 0;
	struct wl_handoff *h = bpf_map_lookup_elem(&handoff, &zero);

	if (!h || !h->valid)
		return NULL;
	h->valid = 0;
	return h->tid == pid ? h : NULL;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking_btf, struct task_struct *p)
{
	struct wl_handoff *h = take_handoff(p->pid);
	struct wl_task *r;

	if (!h)
		return 0;
	r = bpf_task_storage_get(&tasks, p, NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!r) {
		count(WL_C_NO_STORAGE);
		return 0;
	}
	start_record(r, h, bpf_ktime_get_ns());
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(sched_waking_raw, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	struct wl_handoff *h = take_handoff(pid);
	static const struct wl_task zrec;
	struct wl_task *r;

	if (!h)
		return 0;
	r = bpf_map_lookup_elem(&tasks_by_tid, &pid);
	if (!r) {
		bpf_map_update_elem(&tasks_by_tid, &pid, &zrec, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&tasks_by_tid, &pid);
	}
	if (!r) {
		count(WL_C_NO_STORAGE);
		return 0;
	}
	start_record(r, h, bpf_ktime_get_ns());
	return 0;
}

static __always_inline void mark_wakeup(struct wl_task *r)
{
	if (r && r->active && !(r->flags & (WL_SEEN(WL_P_WAKEUP) |
					    WL_SEEN(WL_P_RUN)))) {
		r->t[WL_P_WAKEUP] = bpf_ktime_get_ns();
		r->flags |= WL_SEEN(WL_P_WAKEUP);
	}
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *p)
{
	mark_wakeup(bpf_task_storage_get(&tasks, p, NULL, 0));
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup_raw, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);

	mark_wakeup(bpf_map_lookup_elem(&tasks_by_tid, &pid));
	return 0;
}

static __always_inline void mark_run(struct wl_task *r)
{
	if (r && r->active && !(r->flags & WL_SEEN(WL_P_RUN))) {
		r->t[WL_P_RUN] = bpf_ktime_get_ns();
		r->run_cpu = bpf_get_smp_processor_id();
		r->flags |= WL_SEEN(WL_P_RUN);
	}
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	if (next->pid == 0)	/* this CPU's idle task */
		return 0;
	mark_run(bpf_task_storage_get(&tasks, next, NULL, 0));
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	__u32 pid = BPF_CORE_READ(next, pid);

	if (pid == 0)
		return 0;
	mark_run(bpf_map_lookup_elem(&tasks_by_tid, &pid));
	return 0;
}

/* ---- the return: the sample ----------------------------------------------- */

static __always_inline bool filtered(struct wl_task *r, __u32 pid, __u32 tid)
{
	if (filter_pid && pid != filter_pid)
		return true;
	if (filter_tid && tid != filter_tid)
		return true;
	if (filter_obj && r->obj != filter_obj && r->src_obj != filter_obj)
		return true;
	if (filter_kind != ~0u && r->kind != filter_kind)
		return true;
	if (filter_source != ~0u && r->source != filter_source)
		return true;
	return false;
}

static __always_inline __u64 stage_ns(struct wl_task *r, int a, int b)
{
	if (r->t[b] >= r->t[a])
		return r->t[b] - r->t[a];
	count(WL_C_NEGATIVE);
	return 0;
}

static __always_inline void finish(struct wl_task *r, __u32 pid, __u32 tid,
				   __u64 now)
{
	struct wl_event *e;
	__u64 group, total;
	int i;

	r->t[WL_P_RET] = now;
	r->flags |= WL_SEEN(WL_P_RET);
	if (!(r->flags & WL_SEEN(WL_P_SRC))) {
		r->t[WL_P_SRC] = r->t[WL_P_WAKE];
		count(WL_C_NO_SOURCE);
	}
	if (!(r->flags & WL_SEEN(WL_P_RUN))) {
		/* It never left its CPU: running from the moment it woke. */
		r->t[WL_P_RUN] = (r->flags & WL_SEEN(WL_P_WAKEUP)) ?
				 r->t[WL_P_WAKEUP] : r->t[WL_P_WAKING];
		r->run_cpu = bpf_get_smp_processor_id();
		count(WL_C_NO_SWITCH);
	}
	if (!(r->flags & WL_SEEN(WL_P_WAKEUP)))
		r->t[WL_P_WAKEUP] = r->t[WL_P_RUN] < r->t[WL_P_WAKING] ?
				    r->t[WL_P_RUN] : r->t[WL_P_WAKING];
	if (filtered(r, pid, tid)) {
		count(WL_C_FILTERED);
		return;
	}
	count(WL_C_SAMPLES);

	switch (group_by) {
	case WL_BY_OBJECT: group = r->src_obj; break;
	case WL_BY_KIND: group = r->kind; break;
	case WL_BY_SOURCE: group = r->source; break;
	case WL_BY_CPU: group = r->run_cpu; break;
	default: group = 0; break;
	}

	if (r->flags & WL_SEEN(WL_P_SRC))
		add_sample(group, WL_S_SRC_WAKE, stage_ns(r, WL_P_SRC, WL_P_WAKE));
	add_sample(group, WL_S_WAKE_WAKING, stage_ns(r, WL_P_WAKE, WL_P_WAKING));
	if (r->flags & WL_SEEN(WL_P_WAKEUP))
		add_sample(group, WL_S_WAKING_WAKEUP,
			   stage_ns(r, WL_P_WAKING, WL_P_WAKEUP));
	if (r->flags & WL_SEEN(WL_P_WAKEUP))
		add_sample(group, WL_S_WAKEUP_RUN,
			   stage_ns(r, WL_P_WAKEUP, WL_P_RUN));
	add_sample(group, WL_S_RUN_RET, stage_ns(r, WL_P_RUN, WL_P_RET));
	add_sample(group, WL_S_WAKE_RUN, stage_ns(r, WL_P_WAKE, WL_P_RUN));
	total = stage_ns(r, WL_P_SRC, WL_P_RET);
	add_sample(group, WL_S_TOTAL, total);

	if (!slow_ns || total < slow_ns)
		return;
	e = bpf_ringbuf_reserve(&slow, sizeof(*e), 0);
	if (!e) {
		count(WL_C_SLOW_LOST);
		return;
	}
	for (i = 0; i < WL_NR_POINTS; i++)
		e->t[i] = r->t[i];
	e->obj = r->obj;
	e->src_obj = r->src_obj;
	e->seq = r->seq;
	e->pid = pid;
	e->tid = tid;
	e->kind = r->kind;
	e->source = r->source;
	e->src_id = r->src_id;
	e->waker_cpu = r->waker_cpu;
	e->run_cpu = r->run_cpu;
	e->flags = r->flags;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	count(WL_C_SLOW);
}

SEC("raw_tp/lkport_wait_return")
int BPF_PROG(lkport_wait_return, u64 obj, u32 kind, s32 status, u64 seq)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, pid = id >> 32;
	__u64 now = bpf_ktime_get_ns();
	struct wl_task *r;

	if (use_task_storage)
		r = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(),
					 NULL, 0);
	else
		r = bpf_map_lookup_elem(&tasks_by_tid, &tid);
	if (!r || !r->active)
		return 0;
	r->active = 0;
	if (r->obj != obj || r->seq != seq || status != 0)
		count(WL_C_UNMATCHED);
	else
		finish(r, pid, tid, now);
	if (!use_task_storage)
		bpf_map_delete_elem(&tasks_by_tid, &tid);
	return 0;
}
