/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkport's tracepoints: events:lkport:*. Scalar arguments only, so that
 * BPF programs (raw_tp, or tp_btf where module BTF exists) and ftrace hist
 * triggers can use them without knowing lkport's types.
 *
 *   lkport_signal       an object was signalled (event signal, semaphore
 *                       post, port write, mutex hand-off); woken = threads
 *                       woken by it
 *   lkport_wake         a blocked thread (tid) was handed a status and made
 *                       runnable; fires in the waker's context
 *   lkport_wait_return  a wait finished in the waiting thread, with its status
 *   lkport_irq          an interrupt source's hard-IRQ handler ran
 *
 * obj is the object's id (unique for the module's lifetime), kind an
 * lk_object_kind, status an LK status code. seq numbers the signals of the
 * signalled object (a port write: the write port's), from 1; a wake and
 * the wait it ends carry the seq of the signal that caused them (0: none,
 * e.g. destroy or cancel). src_ts is when that signal started
 * (CLOCK_MONOTONIC ns, as bpf_ktime_get_ns; 0 if neither lkport_signal
 * nor lkport_wake had a probe then, or one was just attaching),
 * src_obj the signalled object (obj itself for an event; for a port
 * write the write port, while obj is the woken read port or group).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM lkport

/* Called as the first probe attaches to lkport_signal, lkport_wake or
 * lkport_wait_return and as the last detaches: they keep the core's
 * lkos_trace_probes (lk/os.h, os.c). */
int lkport_trace_signal_reg(void);
void lkport_trace_signal_unreg(void);
int lkport_trace_wake_reg(void);
void lkport_trace_wake_unreg(void);
int lkport_trace_wait_return_reg(void);
void lkport_trace_wait_return_unreg(void);

#if !defined(LKPORT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define LKPORT_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT_FN(lkport_signal,
	TP_PROTO(u64 obj, u32 kind, s32 woken, bool hardirq, u64 seq,
		 u64 src_ts),
	TP_ARGS(obj, kind, woken, hardirq, seq, src_ts),
	TP_STRUCT__entry(
		__field(u64, obj)
		__field(u32, kind)
		__field(s32, woken)
		__field(bool, hardirq)
		__field(u64, seq)
		__field(u64, src_ts)
	),
	TP_fast_assign(
		__entry->obj = obj;
		__entry->kind = kind;
		__entry->woken = woken;
		__entry->hardirq = hardirq;
		__entry->seq = seq;
		__entry->src_ts = src_ts;
	),
	TP_printk("obj=%llu kind=%u woken=%d hardirq=%d seq=%llu src_ts=%llu",
		  __entry->obj, __entry->kind, __entry->woken, __entry->hardirq,
		  __entry->seq, __entry->src_ts),
	lkport_trace_signal_reg, lkport_trace_signal_unreg
);

TRACE_EVENT_FN(lkport_wake,
	TP_PROTO(u64 obj, u32 kind, s32 tid, s32 status, bool hardirq,
		 u64 seq, u64 src_ts, u64 src_obj),
	TP_ARGS(obj, kind, tid, status, hardirq, seq, src_ts, src_obj),
	TP_STRUCT__entry(
		__field(u64, obj)
		__field(u32, kind)
		__field(s32, tid)
		__field(s32, status)
		__field(bool, hardirq)
		__field(u64, seq)
		__field(u64, src_ts)
		__field(u64, src_obj)
	),
	TP_fast_assign(
		__entry->obj = obj;
		__entry->kind = kind;
		__entry->tid = tid;
		__entry->status = status;
		__entry->hardirq = hardirq;
		__entry->seq = seq;
		__entry->src_ts = src_ts;
		__entry->src_obj = src_obj;
	),
	TP_printk("obj=%llu kind=%u tid=%d status=%d hardirq=%d seq=%llu src_ts=%llu src_obj=%llu",
		  __entry->obj, __entry->kind, __entry->tid, __entry->status,
		  __entry->hardirq, __entry->seq, __entry->src_ts,
		  __entry->src_obj),
	lkport_trace_wake_reg, lkport_trace_wake_unreg
);

TRACE_EVENT_FN(lkport_wait_return,
	TP_PROTO(u64 obj, u32 kind, s32 status, u64 seq),
	TP_ARGS(obj, kind, status, seq),
	TP_STRUCT__entry(
		__field(u64, obj)
		__field(u32, kind)
		__field(s32, status)
		__field(u64, seq)
	),
	TP_fast_assign(
		__entry->obj = obj;
		__entry->kind = kind;
		__entry->status = status;
		__entry->seq = seq;
	),
	TP_printk("obj=%llu kind=%u status=%d seq=%llu",
		  __entry->obj, __entry->kind, __entry->status, __entry->seq),
	lkport_trace_wait_return_reg, lkport_trace_wait_return_unreg
);

/* An interrupt source's hard-IRQ handler took `count` interrupts (1, or
 * the virtual raises gathered in one irq_work), the first numbered seq,
 * stamped ts (CLOCK_MONOTONIC ns, as bpf_ktime_get_ns). */
TRACE_EVENT(lkport_irq,
	TP_PROTO(u32 source, u64 seq, u64 ts, u32 count),
	TP_ARGS(source, seq, ts, count),
	TP_STRUCT__entry(
		__field(u32, source)
		__field(u32, count)
		__field(u64, seq)
		__field(u64, ts)
	),
	TP_fast_assign(
		__entry->source = source;
		__entry->count = count;
		__entry->seq = seq;
		__entry->ts = ts;
	),
	TP_printk("source=%u seq=%llu ts=%llu count=%u",
		  __entry->source, __entry->seq, __entry->ts, __entry->count)
);

#endif /* LKPORT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
