/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole boundary between lkport's C++ core and the system beneath it.
 *
 * Plain C: fixed-size integers, opaque handles, no kernel types. The core
 * (module/core) includes this and nothing of Linux; module/linux/os.c
 * implements it on the kernel, module/core/tests/host/os_host.cpp in user space for
 * the host unit tests. Every function states the contexts it may be called
 * from; "any" includes hard-IRQ context.
 */
#ifndef LK_OS_H
#define LK_OS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef __UINT32_TYPE__ lkos_u32;
typedef __INT32_TYPE__ lkos_s32;
typedef __UINT64_TYPE__ lkos_u64;
typedef __SIZE_TYPE__ lkos_size;

/* ---- spinlocks ----------------------------------------------------------
 * Storage for the system's own spinning lock (raw_spinlock_t on Linux, a
 * true spinlock on PREEMPT_RT too), embedded in core objects so that
 * locking never allocates. os.c checks at build time that raw_spinlock_t
 * fits, whatever the kernel's debug options. Nothing may sleep under one,
 * nor take a lock that sleeps on PREEMPT_RT (spinlock_t, mutexes).
 */
#define LKOS_SPINLOCK_BYTES 72
typedef struct lkos_spinlock {
	unsigned char opaque[LKOS_SPINLOCK_BYTES];
} __attribute__((aligned(8))) lkos_spinlock;

/* Lock classes, so that lockdep tells lkport's locks apart. */
enum lkos_lock_class {
	LKOS_LOCK_GENERIC = 0,
	LKOS_LOCK_OBJECT,	/* a primitive's own lock (wait queue owner) */
	LKOS_LOCK_PORT,		/* a port registry's lock (names) */
	LKOS_LOCK_PORT_WRITER,	/* a write port's lock (its readers) */
	LKOS_LOCK_PORT_GROUP,	/* a port group's lock */
	LKOS_LOCK_CLASSES
};

/* Any context. */
void lkos_spin_init(lkos_spinlock *lock, unsigned int lock_class);
void lkos_spin_lock(lkos_spinlock *lock);
int lkos_spin_trylock(lkos_spinlock *lock);	/* 1 when taken */
void lkos_spin_unlock(lkos_spinlock *lock);
unsigned long lkos_spin_lock_irqsave(lkos_spinlock *lock);
int lkos_spin_trylock_irqsave(lkos_spinlock *lock, unsigned long *flags);
void lkos_spin_unlock_irqrestore(lkos_spinlock *lock, unsigned long flags);

/* ---- CPUs and context ---------------------------------------------------- */
unsigned int lkos_cpu_id(void);		/* any; stable only with preemption off */
void lkos_might_sleep(void);		/* debug check: complains in atomic context */

/* ---- threads and blocking ------------------------------------------------
 * A blocking wait is: lkos_prepare_block() with the waiter queued and its
 * lock held, drop the lock, lkos_block_until(), retake the lock, look at
 * what happened. A wake between the lock drop and the sleep is not lost:
 * lkos_wake() puts the thread back to running before it sleeps.
 */
typedef struct lkos_thread lkos_thread;	/* opaque: struct task_struct */

lkos_thread *lkos_current(void);		/* thread context */

/*
 * lkos_current() without a call, for the core's fast paths (a mutex's
 * acquire and release). On x86-64 SMP Linux keeps each CPU's current task
 * in a per-CPU variable that one %gs-relative load reads, as `current`
 * does. Which variable depends on the kernel version, so Kbuild names it
 * in LKOS_CURRENT_TASK_PERCPU (the task pointer at its start), and the
 * module refuses to load if the load does not return `current` (os.c).
 * Everywhere else (other architectures and configurations, the host
 * tests) lkos_current_fast() is lkos_current(). Thread context.
 */
#if defined(__KERNEL__) && defined(__x86_64__) && defined(LKOS_CURRENT_TASK_PERCPU)
#define LKOS_STRINGIFY_(x)	#x
#define LKOS_STRINGIFY(x)	LKOS_STRINGIFY_(x)

static inline lkos_thread *lkos_current_fast(void)
{
	lkos_thread *t;

	/*
	 * Not volatile and no memory clobber: a thread's current task never
	 * changes, even when it moves to another CPU between two reads, so
	 * the compiler may reuse one read, as the kernel lets it reuse
	 * `current`.
	 */
	__asm__("movq %%gs:" LKOS_STRINGIFY(LKOS_CURRENT_TASK_PERCPU) ", %0" : "=r" (t));
	return t;
}
#else
static inline lkos_thread *lkos_current_fast(void)
{
	return lkos_current();
}
#endif

lkos_s32 lkos_thread_tid(const lkos_thread *t);	/* any */
/* Thread context. interruptible: a signal ends the sleep. */
void lkos_prepare_block(int interruptible);
/* Thread context, no locks held. Sleeps until woken, until the absolute
 * CLOCK_MONOTONIC deadline (LKOS_FOREVER: none) or, when prepared
 * interruptible, until a signal. The caller decides which happened. */
void lkos_block_until(lkos_u64 deadline_ns);
void lkos_finish_block(void);			/* thread context */
int lkos_signal_pending(void);			/* thread context */
/* Any context; 1 if the thread was asleep and is now runnable. */
int lkos_wake(lkos_thread *t);
/* Waking after a lock is dropped (the waiter may meanwhile have returned,
 * even exited): the waker notes the thread under the lock, drops the lock
 * with interrupts still off (lkos_spin_unlock) and wakes what it noted with
 * lkos_wake_deferred_irqrestore(), which then restores `flags`. No
 * reference is taken: a thread's memory is freed only an RCU grace period
 * after it exits, and the interrupts-off section that spans the lock's hold
 * and the wakes holds grace periods back (the kernel's rcuwait relies on
 * the same). lkos_wake_can_defer() is any context: 0 in hard-IRQ context,
 * where the caller wakes at once (the tracers pair a wake in hard IRQ with
 * the interrupt it delivers, and its signal ends that pairing). For each
 * wake, lkos_wake_deferred_irqrestore() fires the wake tracepoint with its
 * fields and the thread's tid and then wakes the thread, with nothing else
 * on this CPU in between for tracers to see; then, with interrupts back as
 * `flags` had them, it is a preemption point where the caller can be
 * preempted: a woken thread that should run first runs there. A thread
 * woken so may already be running, or sleeping on something else: waits
 * must tolerate a spurious wake-up, as every wait in the kernel does. */
struct lkos_wake_trace {
	lkos_u64 obj, seq, src_ts, src_obj;
	lkos_u32 kind;
	lkos_s32 status;
};
struct lkos_deferred_wake {
	lkos_thread *thread;
	struct lkos_wake_trace trace;
};
int lkos_wake_can_defer(void);
void lkos_wake_deferred_irqrestore(const struct lkos_deferred_wake *wakes, int n,
				   unsigned long flags);
/* Any context. Where the caller could be preempted (thread context, no
 * spinlock held, interrupts and preemption on), lets a thread the
 * scheduler prefers to it (one just woken, of higher priority) run now;
 * elsewhere, nothing. */
void lkos_resched(void);
lkos_u64 lkos_now_ns(void);			/* any: CLOCK_MONOTONIC */

#define LKOS_FOREVER 0xffffffffffffffffull

/* ---- completions ---------------------------------------------------------
 * A one-shot "it is done" from one thread to another (struct completion on
 * Linux), in storage the caller provides: typically on the stack of the
 * thread that waits, which may free it as soon as the wait returns.
 * os.c checks at build time that struct completion fits.
 */
#define LKOS_COMPLETION_BYTES 128
typedef struct lkos_completion {
	unsigned char opaque[LKOS_COMPLETION_BYTES];
} __attribute__((aligned(8))) lkos_completion;

void lkos_completion_init(lkos_completion *c);		/* any */
/* Any context, hard IRQ included (and on PREEMPT_RT). Once it returns, it
 * no longer touches *c. */
void lkos_complete(lkos_completion *c);
/* Thread context, no locks held: sleeps (uninterruptibly) until
 * lkos_complete(), then returns at once for good. */
void lkos_wait_for_completion(lkos_completion *c);

/* ---- memory ---------------------------------------------------------------- */
#define LKOS_ALLOC_ACCOUNT	0x4u	/* charge to the caller (user-driven) */
/* Which allocation this is, for the module's fault injection (HACKING.md):
 * LKOS_ALLOC_SITE(LKOS_SITE_...) or'ed into flags. LKOS_SITE_NONE is an
 * allocation no user request reaches (module init). */
enum lkos_alloc_site {
	LKOS_SITE_NONE = 0,
	LKOS_SITE_PORT_RING,		/* PortRing::make */
	LKOS_SITE_WRITE_PORT,		/* PortRegistry::create */
	LKOS_SITE_READ_PORT,		/* PortRegistry::open */
	LKOS_SITE_PORT_GROUP,		/* PortRegistry::group */
	LKOS_SITE_PORT_RING_MAP,	/* PortRing::make_mapped */
	LKOS_SITES
};
#define LKOS_ALLOC_SITE(site)		((site) * 0x100u)
#define LKOS_ALLOC_SITE_OF(flags)	(((flags) >> 8) & 0xffu)
/* Thread context (may sleep). Returns NULL on failure. */
void *lkos_alloc(lkos_size size, unsigned int flags);
void lkos_free(void *p);			/* any; NULL is fine */
/* Zeroed, page-aligned memory that the glue may map into a process
 * (vmalloc_user on Linux), rounded up to whole pages. Thread context
 * (may sleep), both; NULL is fine for the free. */
void *lkos_alloc_shared(lkos_size size, unsigned int flags);
void lkos_free_shared(void *p);

/* ---- read-side sections for lock-free dispatch ---------------------------
 * Sections nest and may run in any context; lkos_dispatch_sync() returns
 * once every section that was running when it was called has ended. */
void lkos_dispatch_enter(void);
void lkos_dispatch_exit(void);
void lkos_dispatch_sync(void);			/* thread context; sleeps */

/* ---- diagnostics ------------------------------------------------------------ */
/* Any context: a kernel WARN with the core's file, line and message. */
void lkos_warn(const char *file, int line, const char *what);

/* ---- tracepoints -------------------------------------------------------------
 * Scalars only. kind is an enum lk_object_kind value, status an LK status.
 * seq numbers an object's signals (1, 2, ...; 0: a wake no signal caused,
 * e.g. destroy); src_ts is when that signal started, from
 * lkos_trace_clock(); src_obj the signalled object (a port write: the
 * write port, while obj is the woken read port or group). Any context.
 *
 * lkos_trace_probes says which tracepoints have a probe attached (ftrace,
 * perf, BPF): one LKOS_TRACE_* bit each, set before the first probe is
 * live and cleared once the last is gone (os.c, by the tracepoints'
 * registration callbacks; the host tests set it themselves). The core
 * reads it with one plain load, inline, so that with nobody tracing a
 * signal or a wake makes no call at all for its tracepoints. A signal
 * that races with a tracer attaching may go untraced, or be traced with
 * src_ts 0 (its start was not stamped): tracers must take 0 as "unknown".
 */
#define LKOS_TRACE_SIGNAL_BIT		0
#define LKOS_TRACE_WAKE_BIT		1
#define LKOS_TRACE_WAIT_RETURN_BIT	2
#define LKOS_TRACE_SIGNAL	(1ul << LKOS_TRACE_SIGNAL_BIT)
#define LKOS_TRACE_WAKE		(1ul << LKOS_TRACE_WAKE_BIT)
#define LKOS_TRACE_WAIT_RETURN	(1ul << LKOS_TRACE_WAIT_RETURN_BIT)
extern unsigned long lkos_trace_probes;

/* Any context: which of `which` (LKOS_TRACE_* bits) have a probe. */
static inline unsigned long lkos_tracing(unsigned long which)
{
	return __atomic_load_n(&lkos_trace_probes, __ATOMIC_RELAXED) & which;
}

/* The tracepoints themselves, for the inline tests below. */
void lkos_trace_signal_fire(lkos_u64 obj, lkos_u32 kind, lkos_s32 woken,
			    lkos_u64 seq, lkos_u64 src_ts);
void lkos_trace_wake_fire(lkos_u64 obj, lkos_u32 kind, lkos_s32 target_tid,
			  lkos_s32 status, lkos_u64 seq, lkos_u64 src_ts,
			  lkos_u64 src_obj);
void lkos_trace_wait_return_fire(lkos_u64 obj, lkos_u32 kind,
				 lkos_s32 status, lkos_u64 seq);

/* CLOCK_MONOTONIC ns while lkport_signal or lkport_wake has a probe, else
 * 0: a signal stamps its start with it without paying for a clock read
 * (or a call) when nobody traces. Any context. */
static inline lkos_u64 lkos_trace_clock(void)
{
	if (__builtin_expect(!lkos_tracing(LKOS_TRACE_SIGNAL | LKOS_TRACE_WAKE), 1))
		return 0;
	return lkos_now_ns();
}

static inline void lkos_trace_signal(lkos_u64 obj, lkos_u32 kind, lkos_s32 woken,
				     lkos_u64 seq, lkos_u64 src_ts)
{
	if (__builtin_expect(lkos_tracing(LKOS_TRACE_SIGNAL) != 0, 0))
		lkos_trace_signal_fire(obj, kind, woken, seq, src_ts);
}

static inline void lkos_trace_wake(lkos_u64 obj, lkos_u32 kind, lkos_s32 target_tid,
				   lkos_s32 status, lkos_u64 seq, lkos_u64 src_ts,
				   lkos_u64 src_obj)
{
	if (__builtin_expect(lkos_tracing(LKOS_TRACE_WAKE) != 0, 0))
		lkos_trace_wake_fire(obj, kind, target_tid, status, seq, src_ts, src_obj);
}

static inline void lkos_trace_wait_return(lkos_u64 obj, lkos_u32 kind, lkos_s32 status,
					  lkos_u64 seq)
{
	if (__builtin_expect(lkos_tracing(LKOS_TRACE_WAIT_RETURN) != 0, 0))
		lkos_trace_wait_return_fire(obj, kind, status, seq);
}

#ifdef __cplusplus
}
#endif

#endif /* LK_OS_H */
