// SPDX-License-Identifier: GPL-2.0
/*
 * The test framework: output, checks, CPU list, worker teams, barriers and
 * hard-IRQ kicks.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "ktest.h"

/* ---- output ----------------------------------------------------------- */

int lkt_log_init(struct lkt_log *log, size_t size, bool echo)
{
	raw_spin_lock_init(&log->lock);
	log->buf = vzalloc(size);
	if (!log->buf)
		return -ENOMEM;
	log->size = size;
	log->len = 0;
	log->truncated = false;
	log->echo = echo;
	return 0;
}

void lkt_log_free(struct lkt_log *log)
{
	vfree(log->buf);
	log->buf = NULL;
}

void lkt_log_reset(struct lkt_log *log)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&log->lock, flags);
	log->len = 0;
	log->truncated = false;
	if (log->buf)
		log->buf[0] = '\0';
	raw_spin_unlock_irqrestore(&log->lock, flags);
}

static void lkt_log_vline(struct lkt_log *log, const char *prefix,
			  const char *fmt, va_list ap)
{
	static const char cut[] = "# (output truncated)\n";
	char line[320];
	unsigned long flags;
	size_t n;

	n = scnprintf(line, sizeof(line), "%s", prefix);
	n += vscnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (log->echo)
		pr_info("%s\n", line);

	raw_spin_lock_irqsave(&log->lock, flags);
	/* Keep room for the truncation note. */
	if (!log->truncated && log->len + n + 1 + sizeof(cut) < log->size) {
		memcpy(log->buf + log->len, line, n);
		log->len += n;
		log->buf[log->len++] = '\n';
		log->buf[log->len] = '\0';
	} else if (!log->truncated) {
		log->truncated = true;
		memcpy(log->buf + log->len, cut, sizeof(cut));
		log->len += sizeof(cut) - 1;
	}
	raw_spin_unlock_irqrestore(&log->lock, flags);
}

void lkt_log_line(struct lkt_log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lkt_log_vline(log, "", fmt, ap);
	va_end(ap);
}

/* Diagnostics of a case sit at the indentation of its result line. */
void lkt_diag(struct lkt *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lkt_log_vline(t->log, "    # ", fmt, ap);
	va_end(ap);
}

void lkt_fail(struct lkt *t, const char *file, int line, const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;
	int left;

	atomic_inc(&t->failures);
	left = atomic_dec_return(&t->diag_left);
	if (left < 0)
		return;
	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	lkt_diag(t, "%s: %s:%d: %pV", t->name, kbasename(file), line, &vaf);
	va_end(ap);
	if (left == 0)
		lkt_diag(t, "%s: further failures are counted, not shown", t->name);
}

void lkt_skip(struct lkt *t, const char *reason)
{
	t->skipped = true;
	strscpy(t->skip_reason, reason, sizeof(t->skip_reason));
}

bool lkt_check_eq(struct lkt *t, const char *file, int line, const char *what,
		  long long expected, long long seen)
{
	if (expected == seen)
		return true;
	lkt_fail(t, file, line, "%s: expected %lld, seen %lld", what, expected, seen);
	return false;
}

bool lkt_check_ge(struct lkt *t, const char *file, int line, const char *what,
		  long long min, long long seen)
{
	if (seen >= min)
		return true;
	lkt_fail(t, file, line, "%s: expected at least %lld, seen %lld", what, min, seen);
	return false;
}

bool lkt_check_st(struct lkt *t, const char *file, int line, const char *what,
		  int expected, int seen)
{
	if (expected == seen)
		return true;
	lkt_fail(t, file, line, "%s: expected %s (%d), seen %s (%d)", what,
		 lk_status_name(expected), expected, lk_status_name(seen), seen);
	return false;
}

/* ---- CPUs ------------------------------------------------------------- */

static unsigned int *lkt_cpu_list;
static unsigned int lkt_cpu_count;

void lkt_cpus_snapshot(void)
{
	unsigned int cpu, n = 0;

	if (!lkt_cpu_list)
		lkt_cpu_list = kcalloc(nr_cpu_ids, sizeof(*lkt_cpu_list), GFP_KERNEL);
	if (!lkt_cpu_list) {
		lkt_cpu_count = 0;
		return;
	}
	cpus_read_lock();
	for_each_online_cpu(cpu)
		if (n < nr_cpu_ids)
			lkt_cpu_list[n++] = cpu;
	cpus_read_unlock();
	lkt_cpu_count = n;
}

unsigned int lkt_ncpus(void)
{
	return lkt_cpu_count ? lkt_cpu_count : 1;
}

unsigned int lkt_cpu(unsigned int i)
{
	if (!lkt_cpu_count)
		return raw_smp_processor_id();
	return lkt_cpu_list[i % lkt_cpu_count];
}

bool lkt_need_two_cpus(struct lkt *t)
{
	if (lkt_ncpus() >= 2)
		return true;
	lkt_skip(t, "needs two online CPUs");
	return false;
}

void lkt_cpus_free(void)
{
	kfree(lkt_cpu_list);
	lkt_cpu_list = NULL;
	lkt_cpu_count = 0;
}

/* ---- rescues of untimed waits ----------------------------------------- */

static void lkt_rescue_fn_work(struct work_struct *work)
{
	struct lkt_rescue *r = container_of(to_delayed_work(work), struct lkt_rescue, fn_work);

	atomic_set(&r->fired, 1);
	r->fn(r->arg);
}

static void lkt_rescue_kick_work(struct work_struct *work)
{
	struct lkt_rescue *r = container_of(to_delayed_work(work), struct lkt_rescue, kick_work);

	if (atomic_read(&r->stop))
		return;
	atomic_set(&r->fired, 1);
	wake_up_process(r->task);
	schedule_delayed_work(&r->kick_work, msecs_to_jiffies(200));
}

void lkt_rescue_arm(struct lkt_rescue *r, unsigned int ms, void (*fn)(void *arg), void *arg)
{
	INIT_DELAYED_WORK_ONSTACK(&r->fn_work, lkt_rescue_fn_work);
	INIT_DELAYED_WORK_ONSTACK(&r->kick_work, lkt_rescue_kick_work);
	r->fn = fn;
	r->arg = arg;
	r->task = current;
	atomic_set(&r->fired, 0);
	atomic_set(&r->stop, 0);
	schedule_delayed_work(&r->fn_work, msecs_to_jiffies(ms));
	schedule_delayed_work(&r->kick_work, msecs_to_jiffies(ms + 100));
}

bool lkt_rescue_disarm(struct lkt_rescue *r)
{
	atomic_set(&r->stop, 1);
	cancel_delayed_work_sync(&r->kick_work);
	cancel_delayed_work_sync(&r->fn_work);
	destroy_delayed_work_on_stack(&r->kick_work);
	destroy_delayed_work_on_stack(&r->fn_work);
	return atomic_read(&r->fired);
}

void lkt_rescue_mutex(void *m)
{
	lk_mutex_destroy(m);
}

void lkt_rescue_sem(void *s)
{
	lk_sem_destroy(s);
}

void lkt_rescue_event(void *e)
{
	lk_event_destroy(e);
}

/* ---- worker teams ----------------------------------------------------- */

static int lkt_worker_main(void *p)
{
	struct lkt_worker *w = p;
	struct lkt_team *team = w->team;

	while (!wait_for_completion_timeout(&team->go, HZ))
		;
	if (!lkt_team_stopping(team)) {
		w->ret = team->fn(w);
		w->ran = true;
	}
	complete_all(&w->done);		/* joins may look more than once */
	/* Stay until kthread_stop(): the task never outlives the team. */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

struct lkt_team *lkt_team_new(struct lkt *t, const char *name,
			      int (*fn)(struct lkt_worker *w))
{
	struct lkt_team *team = kzalloc(sizeof(*team), GFP_KERNEL);

	if (!team) {
		LKT_FAIL(t, "out of memory for a team of threads");
		return NULL;
	}
	team->t = t;
	team->name = name;
	team->fn = fn;
	atomic_set(&team->stop, 0);
	init_completion(&team->go);
	return team;
}

struct lkt_worker *lkt_team_add(struct lkt_team *team, unsigned int cpu, void *arg)
{
	struct lkt_worker *w;
	struct task_struct *task;

	if (team->started || team->n >= LKT_MAX_WORKERS) {
		LKT_FAIL(team->t, "cannot add a worker to team %s", team->name);
		return NULL;
	}
	w = &team->w[team->n];
	w->team = team;
	w->idx = team->n;
	w->cpu = cpu;
	w->arg = arg;
	w->ret = 0;
	w->ran = false;
	init_completion(&w->done);
	task = kthread_create(lkt_worker_main, w, "lkt_%s/%u", team->name, w->idx);
	if (IS_ERR(task)) {
		LKT_FAIL(team->t, "kthread_create for team %s: %ld", team->name,
			 PTR_ERR(task));
		return NULL;
	}
	kthread_bind(task, cpu);
	w->task = task;
	team->n++;
	return w;
}

int lkt_team_add_per_cpu(struct lkt_team *team, unsigned int per_cpu, void *arg)
{
	unsigned int i, n = min_t(unsigned int, per_cpu * lkt_ncpus(),
				  LKT_MAX_WORKERS - team->n);

	for (i = 0; i < n; i++)
		if (!lkt_team_add(team, lkt_cpu(i), arg))
			return -ENOMEM;
	return 0;
}

void lkt_team_start(struct lkt_team *team)
{
	unsigned int i;

	if (team->started)
		return;
	for (i = 0; i < team->n; i++)
		wake_up_process(team->w[i].task);
	team->started = true;
	complete_all(&team->go);
}

/*
 * Waits for c until end_ns, a second at a time: a long wait in one piece
 * would look like a hung task to the kernel's detector.
 */
static bool lkt_wait_done(struct completion *c, u64 end_ns)
{
	for (;;) {
		if (wait_for_completion_timeout(c, HZ))
			return true;
		if (ktime_get_ns() >= end_ns)
			return false;
	}
}

struct lkt_team_rescue {
	struct work_struct work;
	struct lkt_team *team;
};

static void lkt_team_rescue_fn(struct work_struct *work)
{
	struct lkt_team_rescue *tr = container_of(work, struct lkt_team_rescue, work);

	tr->team->rescue(tr->team->rescue_arg);
}

int lkt_team_join(struct lkt_team *team, unsigned int timeout_ms)
{
	u64 end = ktime_get_ns() + (u64)timeout_ms * NSEC_PER_MSEC, report;
	struct lkt_team_rescue tr = { .team = team };
	bool rescuing = false;
	int bad = 0;
	unsigned int i;

	if (!team->started) {
		/* Never started (set-up failed): release them unrun. */
		lkt_team_abort(team);
		lkt_team_start(team);
	}
	for (i = 0; i < team->n; i++) {
		struct lkt_worker *w = &team->w[i];

		if (lkt_wait_done(&w->done, end))
			continue;
		LKT_FAIL(team->t, "thread %s/%u on CPU %u did not finish within %u ms",
			 team->name, i, w->cpu, timeout_ms);
		lkt_team_abort(team);
		bad++;
	}
	if (bad && team->rescue) {
		/*
		 * In a work item: releasing the object may wait for threads
		 * that only the wake-ups below get going again.
		 */
		LKT_FAIL(team->t, "team %s: releasing blocked threads", team->name);
		INIT_WORK_ONSTACK(&tr.work, lkt_team_rescue_fn);
		schedule_work(&tr.work);
		rescuing = true;
	}
	for (i = 0; i < team->n; i++) {
		struct lkt_worker *w = &team->w[i];

		/*
		 * Told to stop, every worker ends: its waits are bounded or
		 * rescued. One that lost a wake-up sleeps dequeued, out of
		 * reach of any LK call: wake it directly, now and then.
		 */
		report = ktime_get_ns() + 3ull * LKT_WAIT_MS * NSEC_PER_MSEC;
		while (!wait_for_completion_timeout(&w->done, HZ)) {
			if (bad)
				wake_up_process(w->task);
			if (ktime_get_ns() > report) {
				LKT_FAIL(team->t, "thread %s/%u is still running", team->name, i);
				report += 3ull * LKT_WAIT_MS * NSEC_PER_MSEC;
			}
		}
		kthread_stop(w->task);
		if (w->ran && w->ret)
			bad++;
	}
	if (rescuing) {
		flush_work(&tr.work);
		destroy_work_on_stack(&tr.work);
	}
	team->n = 0;
	return bad;
}

void lkt_team_free(struct lkt_team *team)
{
	if (!team)
		return;
	if (team->n)
		lkt_team_join(team, LKT_WAIT_MS);
	kfree(team);
}

/* ---- barrier ---------------------------------------------------------- */

bool lkt_barrier_wait(struct lkt_barrier *b, struct lkt_team *team, unsigned int ms)
{
	int gen = atomic_read(&b->gen);

	if (atomic_inc_return(&b->count) == b->n) {
		atomic_set(&b->count, 0);
		atomic_inc_return(&b->gen);
		return true;
	}
	lkt_spin(atomic_read_acquire(&b->gen) != gen ||
		 (team && lkt_team_stopping(team)), ms);
	return atomic_read_acquire(&b->gen) != gen;
}

/* ---- hard-IRQ kicks --------------------------------------------------- */

static enum hrtimer_restart lkt_kick_timer_fn(struct hrtimer *timer)
{
	struct lkt_kick *k = container_of(timer, struct lkt_kick, timer);

	if (!in_hardirq())
		atomic_inc(&k->timer_not_hardirq);
	k->fn(k->arg);
	atomic_inc(&k->fired);
	return HRTIMER_NORESTART;
}

static void lkt_kick_ipi_fn(void *arg)
{
	struct lkt_kick *k = arg;

	if (!irqs_disabled())
		atomic_inc(&k->ipi_irqs_on);
	else if (!in_hardirq())
		atomic_inc(&k->ipi_from_idle);
	k->fn(k->arg);
	atomic_inc(&k->fired);
}

void lkt_kick_init(struct lkt_kick *k, void (*fn)(void *arg), void *arg)
{
	hrtimer_init(&k->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	k->timer.function = lkt_kick_timer_fn;
	k->fn = fn;
	k->arg = arg;
	atomic_set(&k->fired, 0);
	atomic_set(&k->timer_not_hardirq, 0);
	atomic_set(&k->ipi_from_idle, 0);
	atomic_set(&k->ipi_irqs_on, 0);
}

void lkt_kick_timer(struct lkt_kick *k, u64 delay_ns)
{
	hrtimer_start(&k->timer, ns_to_ktime(delay_ns), HRTIMER_MODE_REL_PINNED_HARD);
}

int lkt_kick_ipi(struct lkt_kick *k, unsigned int cpu)
{
	return smp_call_function_single(cpu, lkt_kick_ipi_fn, k, 1);
}

void lkt_kick_cancel(struct lkt_kick *k)
{
	hrtimer_cancel(&k->timer);
}

/* ---- hard-IRQ producer, thread consumer ------------------------------- */

struct lkt_irqpp {
	const struct lkt_irq_pp_ops *ops;
	void *arg;
	unsigned int rounds;
	unsigned int consumer_cpu;
	struct task_struct *consumer;
	struct lkt_kick kick;
	atomic_t waiting;		/* round the consumer is about to wait for */
	atomic_t consumed;		/* last round the consumer got */
	atomic_t produced;
	atomic_t last_woken;
	atomic_t asleep_rounds;		/* fired while the consumer slept */
	atomic_t asleep_woke;		/* ... and produce() reported a wake */
	atomic_t asleep_unknown;	/* ... and produce() does not report wakes */
};

static void lkt_irqpp_produce(void *arg)
{
	struct lkt_irqpp *pp = arg;

	atomic_inc(&pp->produced);
	atomic_set(&pp->last_woken, pp->ops->produce(pp->arg));
}

static int lkt_irqpp_worker(struct lkt_worker *w)
{
	struct lkt_irqpp *pp = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i;
	int st, woken;

	if (w->idx == 0) {
		/* The consumer. */
		for (i = 1; i <= pp->rounds && !lkt_team_stopping(w->team); i++) {
			atomic_set(&pp->waiting, i);
			st = pp->ops->consume(pp->arg, i);
			if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
				lkt_team_abort(w->team);
				return -1;
			}
			atomic_set_release(&pp->consumed, i);
		}
		return 0;
	}
	/* The kicker, on another CPU. */
	for (i = 1; i <= pp->rounds && !lkt_team_stopping(w->team); i++) {
		unsigned int mode = i % 4;
		bool asleep = false;

		if (mode & 1) {
			/* Asleep in this round's wait, not anywhere else. */
			asleep = lkt_spin((atomic_read(&pp->waiting) == i &&
					   lkt_task_asleep(pp->consumer)) ||
					  lkt_team_stopping(w->team), LKT_WAIT_MS);
			if (!asleep || lkt_team_stopping(w->team)) {
				LKT_FAIL(t, "round %u: the consumer never went to sleep", i);
				lkt_team_abort(w->team);
				return -1;
			}
		}
		atomic_set(&pp->last_woken, -2);
		if (mode < 2) {
			lkt_kick_timer(&pp->kick, mode ? 0 : get_random_u32_below(50000));
		} else {
			st = lkt_kick_ipi(&pp->kick, pp->consumer_cpu);
			if (st) {
				LKT_FAIL(t, "smp_call_function_single: %d", st);
				lkt_team_abort(w->team);
				return -1;
			}
		}
		if (!lkt_spin(atomic_read_acquire(&pp->consumed) >= i ||
			      lkt_team_stopping(w->team), LKT_WAIT_MS) ||
		    atomic_read(&pp->consumed) < i) {
			if (!lkt_team_stopping(w->team))
				LKT_FAIL(t, "round %u: the consumer did not get it", i);
			lkt_team_abort(w->team);
			return -1;
		}
		if (asleep) {
			atomic_inc(&pp->asleep_rounds);
			woken = atomic_read(&pp->last_woken);
			if (woken == 1)
				atomic_inc(&pp->asleep_woke);
			else if (woken == -1)
				atomic_inc(&pp->asleep_unknown);
			else
				lkt_diag(t, "%s: round %u (%s): the consumer slept, yet the signal woke %d (consumer state %#x)",
					 t->name, i, mode < 2 ? "hrtimer" : "IPI", woken,
					 READ_ONCE(pp->consumer->__state));
		}
	}
	return 0;
}

void lkt_irq_pingpong(struct lkt *t, const struct lkt_irq_pp_ops *ops, void *arg,
		      unsigned int rounds)
{
	struct lkt_team *team;
	struct lkt_irqpp *pp;
	struct lkt_worker *c;

	if (!lkt_need_two_cpus(t))
		return;
	pp = kzalloc(sizeof(*pp), GFP_KERNEL);
	if (!LKT_EXPECT(t, pp))
		return;
	pp->ops = ops;
	pp->arg = arg;
	pp->rounds = rounds;
	pp->consumer_cpu = lkt_cpu(0);
	lkt_kick_init(&pp->kick, lkt_irqpp_produce, pp);
	team = lkt_team_new(t, "irqpp", lkt_irqpp_worker);
	if (!team)
		goto out;
	c = lkt_team_add(team, pp->consumer_cpu, pp);
	if (!c || !lkt_team_add(team, lkt_cpu(1), pp))
		goto out;
	pp->consumer = c->task;
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	lkt_kick_cancel(&pp->kick);
	LKT_EXPECT_EQ(t, rounds, atomic_read(&pp->consumed));
	LKT_EXPECT_EQ(t, atomic_read(&pp->consumed), atomic_read(&pp->produced));
	LKT_EXPECT_EQ(t, 0, atomic_read(&pp->kick.timer_not_hardirq));
	LKT_EXPECT_EQ(t, 0, atomic_read(&pp->kick.ipi_irqs_on));
	/* A producer that found the consumer asleep must have woken it. */
	LKT_EXPECT_EQ(t, atomic_read(&pp->asleep_rounds),
		      atomic_read(&pp->asleep_woke) + atomic_read(&pp->asleep_unknown));
	lkt_diag(t, "%s: %d rounds from hard IRQ (%d IPIs taken in the idle loop), %d to a sleeping consumer",
		 t->name, atomic_read(&pp->produced), atomic_read(&pp->kick.ipi_from_idle),
		 atomic_read(&pp->asleep_rounds));
out:
	lkt_team_free(team);
	lkt_kick_cancel(&pp->kick);
	kfree(pp);
}

/* ---- destroy with waiters blocked ------------------------------------- */

struct lkt_destroy {
	const struct lkt_destroy_ops *ops;
	void *obj;
	atomic_t armed;			/* waiters about to call wait */
	int st[LKT_MAX_WORKERS];
};

static int lkt_destroy_waiter(struct lkt_worker *w)
{
	struct lkt_destroy *d = w->arg;

	atomic_inc(&d->armed);
	d->st[w->idx] = d->ops->wait(d->obj);
	return 0;
}

static bool lkt_team_asleep(struct lkt_team *team)
{
	unsigned int i;

	for (i = 0; i < team->n; i++)
		if (!lkt_task_asleep(team->w[i].task))
			return false;
	return true;
}

void lkt_destroy_waiters(struct lkt *t, const struct lkt_destroy_ops *ops, unsigned int rounds)
{
	struct lkt_team *team = NULL;
	struct lkt_destroy *d;
	unsigned int r, i, n;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!LKT_EXPECT(t, d))
		return;
	d->ops = ops;
	for (r = 0; r < rounds && !lkt_failed(t); r++) {
		d->obj = kmalloc(ops->size, GFP_KERNEL);
		if (!LKT_EXPECT(t, d->obj))
			break;
		ops->init(d->obj, r);
		atomic_set(&d->armed, 0);
		team = lkt_team_new(t, ops->name, lkt_destroy_waiter);
		if (!team || lkt_team_add_per_cpu(team, 2, d)) {
			ops->destroy(d->obj);
			kfree(d->obj);
			break;
		}
		n = team->n;
		for (i = 0; i < n; i++)
			d->st[i] = 1;
		lkt_team_start(team);
		if (ops->waiters) {
			if (!lkt_poll(ops->waiters(d->obj) == n, LKT_WAIT_MS))
				LKT_FAIL(t, "%u of %u waiters blocked", ops->waiters(d->obj), n);
		} else if (!lkt_poll(atomic_read(&d->armed) == n && lkt_team_asleep(team),
				     LKT_WAIT_MS)) {
			LKT_FAIL(t, "the waiters did not all block");
		}
		/* Destroy, then free at once: no waiter may touch it any more. */
		ops->destroy(d->obj);
		memset(d->obj, 0x6b, ops->size);
		kfree(d->obj);
		lkt_team_join(team, LKT_WAIT_MS);
		for (i = 0; i < n; i++)
			LKT_EXPECT_ST(t, LK_ERR_OBJECT_DESTROYED, d->st[i]);
		lkt_team_free(team);
		team = NULL;
	}
	lkt_team_free(team);
	kfree(d);
}
