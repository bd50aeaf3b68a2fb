// SPDX-License-Identifier: GPL-2.0
/*
 * lk/os.h on Linux: what the C++ core needs from the kernel, behind plain
 * types. Nothing here keeps state of its own except lockdep classes and
 * the count of the core's live allocations.
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/completion.h>
#include <linux/hardirq.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include <lk/os.h>

#include "fault.h"
#include "glue.h"
#include "trace.h"

/*
 * The core's locks are raw_spinlock_t, not spinlock_t. The core calls its
 * primitives "any context": an event signal, a semaphore post or a port
 * write may come from a hard IRQ handler, an hrtimer in hard mode or an IPI,
 * and they run with the lock held and interrupts off. On PREEMPT_RT a
 * spinlock_t is a sleeping lock (an rt_mutex; _irqsave leaves interrupts
 * on), which must not be taken there, and a holder may be preempted and
 * migrate, which SpinLock::is_held() could not tell. raw_spinlock_t spins
 * with preemption (and, _irqsave, interrupts) off on every kernel; on a
 * kernel without PREEMPT_RT it is what spinlock_t is built on. What runs
 * under it must therefore never take a sleeping lock on RT either: the
 * core only wakes threads (wake_up_process takes raw locks), completes
 * (raw, swait), traces, and calls the glue's observers, which on RT defer
 * their poll wake-ups (see lkport_poll_notify in object.c).
 */
static_assert(sizeof(raw_spinlock_t) <= sizeof(struct lkos_spinlock),
	      "LKOS_SPINLOCK_BYTES is too small for this kernel's raw_spinlock_t");
static_assert(__alignof__(raw_spinlock_t) <= __alignof__(struct lkos_spinlock),
	      "lkos_spinlock is under-aligned for raw_spinlock_t");

static inline raw_spinlock_t *raw(lkos_spinlock *lock)
{
	return (raw_spinlock_t *)lock->opaque;
}

static struct lock_class_key lkos_lock_keys[LKOS_LOCK_CLASSES];
static const char *const lkos_lock_names[LKOS_LOCK_CLASSES] = {
	[LKOS_LOCK_GENERIC] = "lkport_generic",
	[LKOS_LOCK_OBJECT] = "lkport_object",
	[LKOS_LOCK_PORT] = "lkport_port",
	[LKOS_LOCK_PORT_WRITER] = "lkport_port_writer",
	[LKOS_LOCK_PORT_GROUP] = "lkport_port_group",
};

void lkos_spin_init(lkos_spinlock *lock, unsigned int lock_class)
{
	if (WARN_ON(lock_class >= LKOS_LOCK_CLASSES))
		lock_class = LKOS_LOCK_GENERIC;
	raw_spin_lock_init(raw(lock));
	lockdep_set_class_and_name(raw(lock), &lkos_lock_keys[lock_class],
				   lkos_lock_names[lock_class]);
}

/*
 * The lock wrappers hand the lock to their caller on the other side of
 * lk/os.h: they say so to sparse with __acquires/__releases. A trylock
 * hands it over only on success, which sparse cannot express: its two
 * "context imbalance" reports are the ones tools/sparse.allow accepts.
 */
void lkos_spin_lock(lkos_spinlock *lock)
	__acquires(lock)
{
	raw_spin_lock(raw(lock));
}

int lkos_spin_trylock(lkos_spinlock *lock)
{
	return raw_spin_trylock(raw(lock));
}

void lkos_spin_unlock(lkos_spinlock *lock)
	__releases(lock)
{
	raw_spin_unlock(raw(lock));
}

unsigned long lkos_spin_lock_irqsave(lkos_spinlock *lock)
	__acquires(lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(raw(lock), flags);
	return flags;
}

int lkos_spin_trylock_irqsave(lkos_spinlock *lock, unsigned long *flags)
{
	return raw_spin_trylock_irqsave(raw(lock), *flags);
}

void lkos_spin_unlock_irqrestore(lkos_spinlock *lock, unsigned long flags)
	__releases(lock)
{
	raw_spin_unlock_irqrestore(raw(lock), flags);
}

unsigned int lkos_cpu_id(void)
{
	return raw_smp_processor_id();
}

void lkos_might_sleep(void)
{
	might_sleep();
}

lkos_thread *lkos_current(void)
{
	return (lkos_thread *)current;
}

/*
 * lkos_current_fast() (lk/os.h) reads the per-CPU variable Kbuild names
 * (pcpu_hot, whose first field is current_task, from 6.2 to 6.14, the
 * current_task variable before and after: the arch/x86/include/asm/
 * current.h of each). A name this kernel does not export fails the build
 * (modpost); one that does not hold the current task fails module init.
 */
int lkport_os_init(void)
{
#ifdef LKOS_CURRENT_TASK_PERCPU
	if (lkos_current_fast() != (lkos_thread *)current) {
		pr_err("lkport: the per-CPU variable %s does not hold the current task\n",
		       LKOS_STRINGIFY(LKOS_CURRENT_TASK_PERCPU));
		return -ENOEXEC;
	}
#endif
	return 0;
}

lkos_s32 lkos_thread_tid(const lkos_thread *t)
{
	return task_pid_nr((struct task_struct *)t);
}

void lkos_prepare_block(int interruptible)
{
	set_current_state(interruptible ? TASK_INTERRUPTIBLE :
					  TASK_UNINTERRUPTIBLE);
}

void lkos_block_until(lkos_u64 deadline_ns)
{
	ktime_t expires;

	if (deadline_ns == LKOS_FOREVER) {
		schedule();
		return;
	}
	/* An absolute CLOCK_MONOTONIC deadline with the task's timer slack,
	 * as futex waits have. The on-stack hrtimer allocates nothing. */
	expires = ns_to_ktime(deadline_ns);
	schedule_hrtimeout_range(&expires, current->timer_slack_ns,
				 HRTIMER_MODE_ABS);
}

void lkos_finish_block(void)
{
	__set_current_state(TASK_RUNNING);
}

int lkos_signal_pending(void)
{
	return signal_pending(current);
}

int lkos_wake(lkos_thread *t)
{
	return wake_up_process((struct task_struct *)t);
}

int lkos_wake_can_defer(void)
{
	return !in_hardirq();
}

void lkos_wake_deferred_irqrestore(const struct lkos_deferred_wake *w, int n,
				   unsigned long flags)
{
	int i;

	/* Interrupts have been off since the waker took the lock that the
	 * threads were waiting under, so they cannot have been freed since:
	 * a task is freed from an RCU callback after it exits, and this
	 * section holds the grace period back, as an RCU reader does. */
	lockdep_assert_irqs_disabled();
	/* With preemption off, so that its end is where a woken thread that
	 * should preempt this one does so, as the unlock after a wake under
	 * the lock was (on PREEMPT_RT, where cond_resched() does nothing,
	 * the only place). */
	preempt_disable();
	for (i = 0; i < n; i++) {
		struct task_struct *p = (struct task_struct *)w[i].thread;
		const struct lkos_wake_trace *tr = &w[i].trace;

		trace_lkport_wake(tr->obj, tr->kind, task_pid_nr(p), tr->status,
				  in_hardirq(), tr->seq, tr->src_ts, tr->src_obj);
		wake_up_process(p);
	}
	local_irq_restore(flags);
	preempt_enable();
}

void lkos_resched(void)
{
	/* preemptible(): preempt_count 0 and interrupts on, so no spinlock
	 * is held and this is not an interrupt; 0 on a kernel that does not
	 * count (then nothing is done). cond_resched() switches only when
	 * the scheduler asked for it (a woken thread should preempt us). */
	if (preemptible())
		cond_resched();
}

lkos_u64 lkos_now_ns(void)
{
	return ktime_get_ns();
}

static_assert(sizeof(struct completion) <= sizeof(struct lkos_completion),
	      "LKOS_COMPLETION_BYTES is too small for this kernel's struct completion");
static_assert(__alignof__(struct completion) <= __alignof__(struct lkos_completion),
	      "lkos_completion is under-aligned for struct completion");

static inline struct completion *raw_completion(lkos_completion *c)
{
	return (struct completion *)c->opaque;
}

void lkos_completion_init(lkos_completion *c)
{
	init_completion(raw_completion(c));
}

/* complete() takes the completion's raw spinlock with interrupts saved,
 * and wakes with the swait queue: fine from any context, hard IRQ and
 * PREEMPT_RT included. wait_for_completion() returns only after taking
 * that lock once complete() has let go of it, so the waiter may free the
 * completion (on its stack) at once. */
void lkos_complete(lkos_completion *c)
{
	complete(raw_completion(c));
}

void lkos_wait_for_completion(lkos_completion *c)
{
	wait_for_completion(raw_completion(c));
}

/* What the core holds from lkos_alloc: debugfs stats shows it, so that a
 * test can see a failed request give back all it took. */
atomic_long_t lkos_live_allocs;

void *lkos_alloc(lkos_size size, unsigned int flags)
{
	gfp_t gfp = GFP_KERNEL;
	void *p;

	if (flags & LKOS_ALLOC_ACCOUNT)
		gfp |= __GFP_ACCOUNT;
	if (lkport_fault(LKOS_ALLOC_SITE_OF(flags)))
		return NULL;
	p = kmalloc(size, gfp);
	if (p)
		atomic_long_inc(&lkos_live_allocs);
	return p;
}

void lkos_free(void *p)
{
	if (p)
		atomic_long_dec(&lkos_live_allocs);
	kfree(p);
}

void *lkos_alloc_shared(lkos_size size, unsigned int flags)
{
	void *p;

	if (lkport_fault(LKOS_ALLOC_SITE_OF(flags)))
		return NULL;
	p = vmalloc_user(size);
	if (p)
		atomic_long_inc(&lkos_live_allocs);
	return p;
}

void lkos_free_shared(void *p)
{
	if (p)
		atomic_long_dec(&lkos_live_allocs);
	vfree(p);
}

void lkos_dispatch_enter(void)
	__acquires(RCU)
{
	rcu_read_lock();
}

void lkos_dispatch_exit(void)
	__releases(RCU)
{
	rcu_read_unlock();
}

void lkos_dispatch_sync(void)
{
	synchronize_rcu();
}

void lkos_warn(const char *file, int line, const char *what)
{
	WARN(1, "lkport: %s (%s:%d)\n", what, file, line);
}

/*
 * Which tracepoints have probes (lk/os.h), kept by their registration
 * callbacks. The tracepoint code calls the register callback under its
 * mutex before the first probe goes live and the unregister one after the
 * last has gone, for ftrace, perf and BPF (raw_tp, tp_btf) alike: a core
 * that reads a bit clear makes no call, one that reads it set calls a
 * tracepoint that may still, or already, be off, which is harmless.
 */
unsigned long lkos_trace_probes;

int lkport_trace_signal_reg(void)
{
	set_bit(LKOS_TRACE_SIGNAL_BIT, &lkos_trace_probes);
	return 0;
}

void lkport_trace_signal_unreg(void)
{
	clear_bit(LKOS_TRACE_SIGNAL_BIT, &lkos_trace_probes);
}

int lkport_trace_wake_reg(void)
{
	set_bit(LKOS_TRACE_WAKE_BIT, &lkos_trace_probes);
	return 0;
}

void lkport_trace_wake_unreg(void)
{
	clear_bit(LKOS_TRACE_WAKE_BIT, &lkos_trace_probes);
}

int lkport_trace_wait_return_reg(void)
{
	set_bit(LKOS_TRACE_WAIT_RETURN_BIT, &lkos_trace_probes);
	return 0;
}

void lkport_trace_wait_return_unreg(void)
{
	clear_bit(LKOS_TRACE_WAIT_RETURN_BIT, &lkos_trace_probes);
}

void lkos_trace_signal_fire(lkos_u64 obj, lkos_u32 kind, lkos_s32 woken,
			    lkos_u64 seq, lkos_u64 src_ts)
{
	trace_lkport_signal(obj, kind, woken, in_hardirq(), seq, src_ts);
}

void lkos_trace_wake_fire(lkos_u64 obj, lkos_u32 kind, lkos_s32 target_tid,
			  lkos_s32 status, lkos_u64 seq, lkos_u64 src_ts,
			  lkos_u64 src_obj)
{
	trace_lkport_wake(obj, kind, target_tid, status, in_hardirq(), seq,
			  src_ts, src_obj);
}

void lkos_trace_wait_return_fire(lkos_u64 obj, lkos_u32 kind,
				 lkos_s32 status, lkos_u64 seq)
{
	trace_lkport_wait_return(obj, kind, status, seq);
}
