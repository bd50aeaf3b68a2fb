/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkport_ktest: in-kernel tests and benchmarks of lkport's core, written
 * against LK's exported C API (lk/capi.h).
 *
 * A test case is a function taking a struct lkt. It spreads kthreads over
 * the online CPUs (lkt_team), checks what it sees with the LKT_EXPECT_*
 * macros (a failure prints file:line, what was expected and what was seen)
 * and releases everything it created before returning, whether it passed
 * or not. Every wait has a timeout, so a bug fails a test instead of
 * hanging the machine.
 *
 * Output is KTAP version 1: suites at the top level, their cases as
 * subtests, kept in a buffer for debugfs and echoed to the kernel log.
 */
#ifndef LKPORT_KTEST_H
#define LKPORT_KTEST_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <lk/capi.h>

/* A wait that must not time out when the code under test is right. */
#define LKT_WAIT_MS		10000u
/* Iteration multiplier of the stress mode. */
#define LKT_STRESS_SCALE	10u
/* Diagnostics printed per test case before the rest are only counted. */
#define LKT_DIAG_BUDGET		16

/* ---- output ----------------------------------------------------------- */

/* Text kept for a debugfs file; every line is also printed to the log.
 * A check may fail in hard IRQ (an hrtimer or IPI kick): the lock is raw,
 * so that it spins on PREEMPT_RT too, and guards only a bounded copy. */
struct lkt_log {
	raw_spinlock_t lock;
	char *buf;
	size_t len, size;
	bool truncated;
	bool echo;		/* pr_info each line */
};

int lkt_log_init(struct lkt_log *log, size_t size, bool echo);
void lkt_log_free(struct lkt_log *log);
void lkt_log_reset(struct lkt_log *log);
/* Appends one line (no newline in fmt); any context. */
__printf(2, 3) void lkt_log_line(struct lkt_log *log, const char *fmt, ...);

/* ---- test cases ------------------------------------------------------- */

struct lkt {
	const char *name;
	struct lkt_log *log;
	unsigned int scale;		/* 1, or LKT_STRESS_SCALE in stress mode */
	atomic_t failures;
	atomic_t diag_left;
	bool skipped;
	char skip_reason[96];
};

struct lkt_case {
	const char *name;
	void (*run)(struct lkt *t);
};

struct lkt_suite {
	const char *name;
	const struct lkt_case *cases;
	unsigned int n_cases;
};

extern const struct lkt_suite lkt_mutex_suite;
extern const struct lkt_suite lkt_sem_suite;
extern const struct lkt_suite lkt_event_suite;
extern const struct lkt_suite lkt_port_suite;
extern const struct lkt_suite lkt_handler_suite;
extern const struct lkt_suite lkt_lk_names_suite;

/* A "# " line inside the current case; any context. */
__printf(2, 3) void lkt_diag(struct lkt *t, const char *fmt, ...);
/* Records a failure and prints it (within the diagnostic budget). */
__printf(4, 5) void lkt_fail(struct lkt *t, const char *file, int line,
			     const char *fmt, ...);
/* Marks the case skipped (needs e.g. two CPUs). */
void lkt_skip(struct lkt *t, const char *reason);

static inline bool lkt_failed(struct lkt *t)
{
	return atomic_read(&t->failures) != 0;
}

static inline unsigned int lkt_iters(struct lkt *t, unsigned int base)
{
	return base * t->scale;
}

/*
 * How long a whole test may run before it is deemed stuck: far beyond what
 * any takes under emulation (a few seconds per unit of scale).
 */
static inline unsigned int lkt_budget_ms(struct lkt *t)
{
	return 60000 * t->scale;
}

bool lkt_check_eq(struct lkt *t, const char *file, int line, const char *what,
		  long long expected, long long seen);
bool lkt_check_st(struct lkt *t, const char *file, int line, const char *what,
		  int expected, int seen);
bool lkt_check_ge(struct lkt *t, const char *file, int line, const char *what,
		  long long min, long long seen);

/*
 * Each evaluates to true when the check holds, so that a caller can stop
 * early: if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st)) goto out;
 */
#define LKT_EXPECT(t, cond)						\
	({								\
		bool __ok = !!(cond);					\
		if (!__ok)						\
			lkt_fail(t, __FILE__, __LINE__,			\
				 "expected %s, seen false", #cond);	\
		__ok;							\
	})
#define LKT_EXPECT_EQ(t, expected, seen)				\
	lkt_check_eq(t, __FILE__, __LINE__, #seen,			\
		     (long long)(expected), (long long)(seen))
#define LKT_EXPECT_GE(t, min, seen)					\
	lkt_check_ge(t, __FILE__, __LINE__, #seen,			\
		     (long long)(min), (long long)(seen))
/* LK status codes, printed by name. */
#define LKT_EXPECT_ST(t, expected, seen)				\
	lkt_check_st(t, __FILE__, __LINE__, #seen, (expected), (seen))
#define LKT_EXPECT_PTR_EQ(t, expected, seen)				\
	({								\
		const void *__e = (expected), *__s = (seen);		\
		bool __ok = __e == __s;					\
		if (!__ok)						\
			lkt_fail(t, __FILE__, __LINE__,			\
				 "%s: expected %p, seen %p",		\
				 #seen, __e, __s);			\
		__ok;							\
	})
#define LKT_FAIL(t, fmt, ...)						\
	lkt_fail(t, __FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* ---- CPUs and time ---------------------------------------------------- */

/* Snapshot of the online CPUs, taken at the start of each run. */
void lkt_cpus_snapshot(void);
void lkt_cpus_free(void);
unsigned int lkt_ncpus(void);
/* The (i mod ncpus)-th online CPU. */
unsigned int lkt_cpu(unsigned int i);
/* Skips the case and returns false when fewer than two CPUs are online. */
bool lkt_need_two_cpus(struct lkt *t);

static inline u64 lkt_now(void)
{
	return ktime_get_ns();
}

static inline u64 lkt_ms_since(u64 start)
{
	return div_u64(ktime_get_ns() - start, NSEC_PER_MSEC);
}

/*
 * Polls cond, sleeping briefly between looks, for at most ms milliseconds.
 * Evaluates to whether cond became true.
 */
#define lkt_poll(cond, ms)						\
	({								\
		u64 __end = ktime_get_ns() + (u64)(ms) * NSEC_PER_MSEC;	\
		bool __ok;						\
		for (;;) {						\
			if (cond) {					\
				__ok = true;				\
				break;					\
			}						\
			if (ktime_get_ns() > __end) {			\
				__ok = !!(cond);			\
				break;					\
			}						\
			usleep_range(20, 60);				\
		}							\
		__ok;							\
	})

/* As lkt_poll but spinning (for latency), rescheduling now and then. */
#define lkt_spin(cond, ms)						\
	({								\
		u64 __end = ktime_get_ns() + (u64)(ms) * NSEC_PER_MSEC;	\
		unsigned int __n = 0;					\
		bool __ok;						\
		for (;;) {						\
			if (cond) {					\
				__ok = true;				\
				break;					\
			}						\
			if (!(++__n & 255)) {				\
				if (ktime_get_ns() > __end) {		\
					__ok = !!(cond);		\
					break;				\
				}					\
				cond_resched();				\
			}						\
			cpu_relax();					\
		}							\
		__ok;							\
	})

/* Whether a task is asleep (blocked in a wait, not merely preempted). */
static inline bool lkt_task_asleep(struct task_struct *task)
{
	return !task_is_running(task);
}

/* ---- untimed waits ---------------------------------------------------- */

/*
 * An untimed LK wait that should return at once can block forever when the
 * code under test is wrong. LKT_UNTIMED runs it with a rescue armed: if it
 * has not returned after LKT_WAIT_MS, a work item destroys the object
 * (which wakes every waiter with ERR_OBJECT_DESTROYED) while another keeps
 * waking the waiting thread itself, in case its wake-up was lost (then it
 * sleeps dequeued, where no LK call reaches it, and the destroy would wait
 * for it forever). The check fails.
 */
struct lkt_rescue {
	struct delayed_work fn_work;	/* runs fn once */
	struct delayed_work kick_work;	/* wakes task, again and again */
	void (*fn)(void *arg);
	void *arg;
	struct task_struct *task;	/* the waiter */
	atomic_t fired;
	atomic_t stop;
};

void lkt_rescue_arm(struct lkt_rescue *r, unsigned int ms, void (*fn)(void *arg), void *arg);
/* Cancels the rescue; true when it had to run. */
bool lkt_rescue_disarm(struct lkt_rescue *r);

void lkt_rescue_mutex(void *m);
void lkt_rescue_sem(void *s);
void lkt_rescue_event(void *e);

#define LKT_UNTIMED(t, rescue, obj, expr)				\
	({								\
		struct lkt_rescue __r;					\
		int __st;						\
		lkt_rescue_arm(&__r, LKT_WAIT_MS, rescue, obj);		\
		__st = (expr);						\
		if (lkt_rescue_disarm(&__r))				\
			LKT_FAIL(t, "%s blocked for %u ms; the object was destroyed to release it", \
				 #expr, LKT_WAIT_MS);			\
		__st;							\
	})

/* ---- worker threads --------------------------------------------------- */

#define LKT_MAX_WORKERS 64

struct lkt_team;

struct lkt_worker {
	struct lkt_team *team;
	struct task_struct *task;
	unsigned int idx;		/* 0..n-1 in the team */
	unsigned int cpu;		/* bound to */
	void *arg;
	int ret;			/* what fn returned */
	bool ran;			/* fn returned */
	struct completion done;
};

/*
 * A set of kthreads running fn, each bound to one CPU. They start together
 * (lkt_team_start), and lkt_team_join waits for all of them with a
 * timeout, then stops every kthread; workers poll lkt_team_stopping() in
 * their loops so that a failed test ends them early.
 */
struct lkt_team {
	struct lkt *t;
	const char *name;
	int (*fn)(struct lkt_worker *w);
	unsigned int n;
	atomic_t stop;
	struct completion go;
	bool started;
	/* Run by lkt_team_join when workers overrun (see LKT_UNTIMED). */
	void (*rescue)(void *arg);
	void *rescue_arg;
	struct lkt_worker w[LKT_MAX_WORKERS];
};

struct lkt_team *lkt_team_new(struct lkt *t, const char *name,
			      int (*fn)(struct lkt_worker *w));
/* A worker on cpu; NULL (and a failure recorded) when it cannot be made. */
struct lkt_worker *lkt_team_add(struct lkt_team *team, unsigned int cpu, void *arg);
/* per_cpu workers on every online CPU, as many as the team still takes. */
int lkt_team_add_per_cpu(struct lkt_team *team, unsigned int per_cpu, void *arg);
/*
 * Workers making untimed waits: if they overrun the join's timeout,
 * rescue(arg) runs (after the team is told to stop) to release them.
 */
static inline void lkt_team_set_rescue(struct lkt_team *team, void (*rescue)(void *arg),
				       void *arg)
{
	team->rescue = rescue;
	team->rescue_arg = arg;
}

void lkt_team_start(struct lkt_team *team);
/*
 * Waits up to timeout_ms for every worker to return (a failure names each
 * one that did not), then asks stragglers to stop, runs the team's rescue
 * and wakes them directly (a thread that lost its wake-up sleeps on,
 * dequeued, where no LK call can reach it), and stops all kthreads.
 * Returns the number of workers whose fn returned non-zero or late.
 */
int lkt_team_join(struct lkt_team *team, unsigned int timeout_ms);
/* Joins if still needed, then frees. NULL is fine. */
void lkt_team_free(struct lkt_team *team);

static inline bool lkt_team_stopping(struct lkt_team *team)
{
	return atomic_read(&team->stop) != 0;
}

static inline void lkt_team_abort(struct lkt_team *team)
{
	atomic_set(&team->stop, 1);
}

/* ---- a reusable spinning barrier -------------------------------------- */

struct lkt_barrier {
	atomic_t count;
	atomic_t gen;
	unsigned int n;
};

static inline void lkt_barrier_init(struct lkt_barrier *b, unsigned int n)
{
	atomic_set(&b->count, 0);
	atomic_set(&b->gen, 0);
	b->n = n;
}

/* False when the others did not arrive within ms or the team stops. */
bool lkt_barrier_wait(struct lkt_barrier *b, struct lkt_team *team, unsigned int ms);

/* ---- hard-IRQ kicks: run a function in hard-IRQ context on a chosen CPU ---- */

struct lkt_kick {
	struct hrtimer timer;
	void (*fn)(void *arg);
	void *arg;
	atomic_t fired;
	atomic_t timer_not_hardirq;	/* the hrtimer ran fn outside hard IRQ */
	/*
	 * A CPU polling in idle takes a function call without an interrupt:
	 * the idle loop runs it, with interrupts off. Counted, not an error.
	 */
	atomic_t ipi_from_idle;
	atomic_t ipi_irqs_on;		/* fn ran with interrupts on: an error */
};

void lkt_kick_init(struct lkt_kick *k, void (*fn)(void *arg), void *arg);
/* From a thread bound to the CPU that should take the interrupt. */
void lkt_kick_timer(struct lkt_kick *k, u64 delay_ns);
/*
 * A function call IPI to cpu (which must not be the caller's); waits for
 * it to have run.
 */
int lkt_kick_ipi(struct lkt_kick *k, unsigned int cpu);
void lkt_kick_cancel(struct lkt_kick *k);

/*
 * A producer in hard-IRQ context, a consumer thread on another CPU: for
 * each round the kicker thread (CPU 1) makes produce() run in hard IRQ and
 * the consumer (CPU 0) must get exactly that round through consume().
 * Rounds alternate: an hrtimer on the kicker's CPU or an IPI to the
 * consumer's CPU, fired either at once (racing the consumer on its way to
 * wait) or once the consumer is surely asleep in its wait.
 */
struct lkt_irq_pp_ops {
	/* Hard IRQ. Returns threads woken, or -1 when the primitive does not say. */
	int (*produce)(void *arg);
	/* Thread context; an LK status. round counts from 1. */
	int (*consume)(void *arg, unsigned int round);
};

void lkt_irq_pingpong(struct lkt *t, const struct lkt_irq_pp_ops *ops, void *arg,
		      unsigned int rounds);

/*
 * Destroy with waiters blocked. Each round makes a fresh object (kmalloc'd,
 * ops->size bytes, ops->init), has two threads per online CPU block in
 * ops->wait, destroys it once all of them sleep in it, then poisons and
 * frees its memory at once: every waiter must return
 * LK_ERR_OBJECT_DESTROYED without touching the object again.
 */
struct lkt_destroy_ops {
	const char *name;		/* of the waiting kthreads */
	size_t size;
	void (*init)(void *obj, unsigned int round);
	int (*wait)(void *obj);		/* blocks; an LK status */
	void (*destroy)(void *obj);
	/* Threads blocked in obj. NULL when the primitive does not say: then
	 * every waiter must have called wait and be asleep. */
	unsigned int (*waiters)(void *obj);
};

void lkt_destroy_waiters(struct lkt *t, const struct lkt_destroy_ops *ops, unsigned int rounds);

/* ---- runs ------------------------------------------------------------- */

int lkt_run_tests(struct lkt_log *log, const char *cmd);
int lkt_run_bench(struct lkt_log *log, const char *cmd);

#endif /* LKPORT_KTEST_H */
