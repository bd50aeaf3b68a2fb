// SPDX-License-Identifier: GPL-2.0
/*
 * The handler table: register / handle / unregister semantics, concurrent
 * registration of one slot, and unregistration racing dispatch from thread,
 * hrtimer (hard IRQ) and IPI context on another CPU, with the handler's
 * context freed as soon as lk_handler_unregister() returns, and hard-IRQ
 * dispatch on every online CPU at once.
 */
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <lk/interrupts.h>

#include "ktest.h"

struct ht_count {
	atomic_t calls;
};

static void ht_count_fn(void *ctx)
{
	atomic_inc(&((struct ht_count *)ctx)->calls);
}

static void ht_nop_fn(void *ctx)
{
}

/*
 * A slot nobody else uses, or -1. The table is module-wide: other users of
 * lkport may hold slots, so take the highest free one.
 */
static int ht_find_slot(struct lkt *t)
{
	static const lk_handler_t probe = { .fn = ht_nop_fn };
	int idx;

	for (idx = LK_HANDLER_SLOTS - 1; idx >= 0; idx--) {
		if (!lk_handler_register(idx, &probe))
			continue;
		LKT_EXPECT_PTR_EQ(t, &probe, lk_handler_unregister(idx));
		return idx;
	}
	LKT_FAIL(t, "no free handler slot");
	return -1;
}

/* ---- handler_basic ---------------------------------------------------- */

static void handler_basic(struct lkt *t)
{
	struct ht_count c1 = {}, c2 = {};
	const lk_handler_t h1 = { ht_count_fn, &c1 }, h2 = { ht_count_fn, &c2 };
	int idx = ht_find_slot(t);

	if (idx < 0)
		return;
	LKT_EXPECT_EQ(t, 0, lk_handler_handle(idx));
	LKT_EXPECT_EQ(t, 1, lk_handler_register(idx, &h1));
	/* Never replaces an installed handler. */
	LKT_EXPECT_EQ(t, 0, lk_handler_register(idx, &h2));
	LKT_EXPECT_EQ(t, 1, lk_handler_handle(idx));
	LKT_EXPECT_EQ(t, 1, lk_handler_handle(idx));
	LKT_EXPECT_EQ(t, 2, atomic_read(&c1.calls));
	LKT_EXPECT_EQ(t, 0, atomic_read(&c2.calls));

	/* Out of range. */
	LKT_EXPECT_EQ(t, 0, lk_handler_register(LK_HANDLER_SLOTS, &h2));
	LKT_EXPECT_EQ(t, 0, lk_handler_handle(LK_HANDLER_SLOTS));
	LKT_EXPECT_EQ(t, 0, lk_handler_handle(~0u));
	LKT_EXPECT_PTR_EQ(t, NULL, lk_handler_unregister(LK_HANDLER_SLOTS));

	/* Unregister returns the old handler, once. */
	LKT_EXPECT_PTR_EQ(t, &h1, lk_handler_unregister(idx));
	LKT_EXPECT_PTR_EQ(t, NULL, lk_handler_unregister(idx));
	LKT_EXPECT_EQ(t, 0, lk_handler_handle(idx));
	LKT_EXPECT_EQ(t, 2, atomic_read(&c1.calls));

	/* The slot takes a new handler. */
	LKT_EXPECT_EQ(t, 1, lk_handler_register(idx, &h2));
	LKT_EXPECT_EQ(t, 1, lk_handler_handle(idx));
	LKT_EXPECT_EQ(t, 1, atomic_read(&c2.calls));
	LKT_EXPECT_PTR_EQ(t, &h2, lk_handler_unregister(idx));
	LKT_EXPECT_EQ(t, 0, lk_handler_register(idx, NULL));
	LKT_EXPECT_EQ(t, 0, lk_handler_handle(idx));
}

/* ---- handler_register_race -------------------------------------------- */

/* Threads on every CPU register into one slot at once: exactly one wins. */
struct ht_reg {
	int idx;
	unsigned int rounds;
	struct lkt_barrier bar;
	atomic_t wins;
	atomic_t winner;
	lk_handler_t h[LKT_MAX_WORKERS];
	struct ht_count c;
};

static int ht_reg_worker(struct lkt_worker *w)
{
	struct ht_reg *r = w->arg;
	struct lkt *t = w->team->t;
	const lk_handler_t *old;
	unsigned int i;

	for (i = 0; i < r->rounds; i++) {
		if (!lkt_barrier_wait(&r->bar, w->team, LKT_WAIT_MS))
			goto fail;
		if (lk_handler_register(r->idx, &r->h[w->idx])) {
			atomic_inc(&r->wins);
			atomic_set(&r->winner, w->idx);
		}
		if (!lkt_barrier_wait(&r->bar, w->team, LKT_WAIT_MS))
			goto fail;
		if (w->idx == 0) {
			LKT_EXPECT_EQ(t, 1, atomic_read(&r->wins));
			LKT_EXPECT_EQ(t, 1, lk_handler_handle(r->idx));
			old = lk_handler_unregister(r->idx);
			LKT_EXPECT_PTR_EQ(t, &r->h[atomic_read(&r->winner)], old);
			atomic_set(&r->wins, 0);
			if (lkt_failed(t))
				lkt_team_abort(w->team);
		}
		if (!lkt_barrier_wait(&r->bar, w->team, LKT_WAIT_MS))
			goto fail;
	}
	return 0;
fail:
	if (!lkt_team_stopping(w->team))
		LKT_FAIL(t, "round %u: barrier timed out", i);
	lkt_team_abort(w->team);
	return -1;
}

static void handler_register_race(struct lkt *t)
{
	struct lkt_team *team = NULL;
	struct ht_reg *r;
	unsigned int i;

	if (!lkt_need_two_cpus(t))
		return;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!LKT_EXPECT(t, r))
		return;
	r->idx = ht_find_slot(t);
	if (r->idx < 0)
		goto out;
	r->rounds = lkt_iters(t, 40);
	for (i = 0; i < LKT_MAX_WORKERS; i++) {
		r->h[i].fn = ht_count_fn;
		r->h[i].ctx = &r->c;
	}
	team = lkt_team_new(t, "htreg", ht_reg_worker);
	if (!team || lkt_team_add_per_cpu(team, 1, r))
		goto out;
	lkt_barrier_init(&r->bar, team->n);
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	if (!lkt_failed(t))
		LKT_EXPECT_EQ(t, r->rounds, atomic_read(&r->c.calls));
out:
	lkt_team_free(team);
	/* Leave the slot empty whatever happened. */
	if (r->idx >= 0)
		lk_handler_unregister(r->idx);
	kfree(r);
}

/* ---- handler_dispatch_race -------------------------------------------- */

/*
 * One thread registers a handler whose context it has just allocated,
 * lets it be dispatched for a while (or not at all), unregisters it and
 * frees the context at once, poisoned. Meanwhile, on another CPU, a thread
 * loops on lk_handler_handle(), a periodic hard hrtimer calls it, and a
 * third thread sends IPIs that call it. The handler checks its context
 * before and after dwelling for a moment: a handler still running after
 * unregister returned, or one called with a freed context, is caught.
 */
#define HT_LIVE 0x4c49564548414e44ul
#define HT_DEAD 0x6b6b6b6b6b6b6b6bul

enum { HT_THREAD, HT_TIMER, HT_IPI, HT_KINDS };

struct ht_ctx {
	unsigned long magic;
	atomic_t calls;
	lk_handler_t h;
};

struct ht_race {
	int idx;
	unsigned int rounds;
	unsigned int dispatch_cpu;
	atomic_t done;
	atomic_t handled[HT_KINDS];
	atomic_t timer_not_hardirq;
	atomic_t ipi_irqs_on;
	atomic_t ipi_from_idle;
	atomic_t overlapped;		/* rounds that saw all three kinds */
	struct hrtimer timer;
};

/* What the handler finds; the handler cannot reach the test through its ctx. */
static atomic_t ht_bad_ctx;
static atomic_t ht_dead_calls;
static unsigned int ht_dwell;

static void ht_race_fn(void *p)
{
	struct ht_ctx *c = p;
	unsigned int i;

	if (READ_ONCE(c->magic) != HT_LIVE) {
		atomic_inc(&ht_bad_ctx);
		return;
	}
	atomic_inc(&c->calls);
	for (i = 0; i < ht_dwell; i++)
		cpu_relax();
	if (READ_ONCE(c->magic) != HT_LIVE)
		atomic_inc(&ht_bad_ctx);
}

/* Put in a retired handler before it is freed: calling it is a bug. */
static void ht_dead_fn(void *p)
{
	atomic_inc(&ht_dead_calls);
}

static enum hrtimer_restart ht_timer_fn(struct hrtimer *timer)
{
	struct ht_race *r = container_of(timer, struct ht_race, timer);

	if (!in_hardirq())
		atomic_inc(&r->timer_not_hardirq);
	if (lk_handler_handle(r->idx))
		atomic_inc(&r->handled[HT_TIMER]);
	if (atomic_read(&r->done))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void ht_ipi_fn(void *arg)
{
	struct ht_race *r = arg;

	/* Taken in the idle loop when the CPU was polling: interrupts off. */
	if (!irqs_disabled())
		atomic_inc(&r->ipi_irqs_on);
	else if (!in_hardirq())
		atomic_inc(&r->ipi_from_idle);
	if (lk_handler_handle(r->idx))
		atomic_inc(&r->handled[HT_IPI]);
}

static int ht_unregisterer(struct lkt_worker *w, struct ht_race *r)
{
	struct lkt *t = w->team->t;
	const lk_handler_t *old;
	struct ht_ctx *c;
	int before[HT_KINDS], k;
	unsigned int i;

	for (i = 0; i < r->rounds && !lkt_team_stopping(w->team); i++) {
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!LKT_EXPECT(t, c))
			break;
		c->magic = HT_LIVE;
		c->h.fn = ht_race_fn;
		c->h.ctx = c;
		for (k = 0; k < HT_KINDS; k++)
			before[k] = atomic_read(&r->handled[k]);
		if (!LKT_EXPECT_EQ(t, 1, lk_handler_register(r->idx, &c->h))) {
			kfree(c);
			break;
		}
		switch (i % 3) {
		case 0:	/* unregister at once, racing the first dispatches */
			break;
		case 1:	/* after a short, random while */
			udelay(get_random_u32_below(200));
			break;
		case 2:	/* after every kind of dispatch has run it */
			if (lkt_poll(atomic_read(&r->handled[HT_THREAD]) > before[HT_THREAD] &&
				     atomic_read(&r->handled[HT_TIMER]) > before[HT_TIMER] &&
				     atomic_read(&r->handled[HT_IPI]) > before[HT_IPI], 50))
				atomic_inc(&r->overlapped);
			break;
		}
		old = lk_handler_unregister(r->idx);
		LKT_EXPECT_PTR_EQ(t, &c->h, old);
		/* Nothing may run it any more: poison and free at once. */
		WRITE_ONCE(c->magic, HT_DEAD);
		WRITE_ONCE(c->h.fn, ht_dead_fn);
		kfree(c);
		if (lkt_failed(t))
			break;
	}
	atomic_set(&r->done, 1);
	return 0;
}

static int ht_race_worker(struct lkt_worker *w)
{
	struct ht_race *r = w->arg;
	unsigned int n = 0;
	int st;

	switch (w->idx) {
	case 0:
		return ht_unregisterer(w, r);
	case 1:
		/* On the dispatch CPU: the periodic hard timer, and a loop. */
		hrtimer_start(&r->timer, ns_to_ktime(200 * NSEC_PER_USEC),
			      HRTIMER_MODE_REL_PINNED_HARD);
		while (!atomic_read(&r->done) && !lkt_team_stopping(w->team)) {
			if (lk_handler_handle(r->idx))
				atomic_inc(&r->handled[HT_THREAD]);
			if (!(++n & 31))
				cond_resched();
		}
		return 0;
	default:
		/* Elsewhere: IPIs to the dispatch CPU. */
		while (!atomic_read(&r->done) && !lkt_team_stopping(w->team)) {
			st = smp_call_function_single(r->dispatch_cpu, ht_ipi_fn, r, 1);
			if (st) {
				LKT_FAIL(w->team->t, "smp_call_function_single: %d", st);
				return -1;
			}
			if (!(++n & 7))
				usleep_range(10, 50);
		}
		return 0;
	}
}

static void handler_dispatch_race(struct lkt *t)
{
	struct lkt_team *team = NULL;
	struct ht_race *r;
	int k;

	if (!lkt_need_two_cpus(t))
		return;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!LKT_EXPECT(t, r))
		return;
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	r->timer.function = ht_timer_fn;
	atomic_set(&ht_bad_ctx, 0);
	atomic_set(&ht_dead_calls, 0);
	ht_dwell = 200;
	r->idx = ht_find_slot(t);
	if (r->idx < 0)
		goto out;
	r->rounds = lkt_iters(t, 100);
	r->dispatch_cpu = lkt_cpu(1);
	team = lkt_team_new(t, "htrace", ht_race_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), r) ||
	    !lkt_team_add(team, r->dispatch_cpu, r) || !lkt_team_add(team, lkt_cpu(0), r))
		goto out;
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	atomic_set(&r->done, 1);
	hrtimer_cancel(&r->timer);
	LKT_EXPECT_EQ(t, 0, atomic_read(&ht_bad_ctx));
	LKT_EXPECT_EQ(t, 0, atomic_read(&ht_dead_calls));
	LKT_EXPECT_EQ(t, 0, atomic_read(&r->timer_not_hardirq));
	LKT_EXPECT_EQ(t, 0, atomic_read(&r->ipi_irqs_on));
	/* The hard-IRQ paths really ran the handler. */
	for (k = 0; k < HT_KINDS; k++)
		LKT_EXPECT_GE(t, 1, atomic_read(&r->handled[k]));
	lkt_diag(t, "%s: %u rounds; handler ran %d times from a thread, %d from the hrtimer, %d from IPIs; %d rounds overlapped all three",
		 t->name, r->rounds, atomic_read(&r->handled[HT_THREAD]),
		 atomic_read(&r->handled[HT_TIMER]), atomic_read(&r->handled[HT_IPI]),
		 atomic_read(&r->overlapped));
out:
	lkt_team_free(team);
	atomic_set(&r->done, 1);
	hrtimer_cancel(&r->timer);
	if (r->idx >= 0)
		lk_handler_unregister(r->idx);
	kfree(r);
}

/* ---- handler_every_cpu_hardirq ----------------------------------------
 * On every online CPU at once, a pinned hard hrtimer dispatches one
 * handler through the table: each CPU's count must be exact, each call in
 * hard-IRQ context on the CPU it was meant for.
 */
#define HT_EVERY_CALLS 200
#define HT_EVERY_TIMEOUT_MS 10000

struct ht_every {
	int idx;
	atomic_t wrong;			/* not hard IRQ, or the wrong CPU */
};

static DEFINE_PER_CPU(unsigned int, ht_every_calls);

struct ht_every_timer {
	struct hrtimer timer;
	struct ht_every *e;
	unsigned int cpu;
	int left;
	struct completion done;
};

static void ht_every_fn(void *ctx)
{
	this_cpu_inc(ht_every_calls);	/* hard IRQ: nothing else runs here */
}

static enum hrtimer_restart ht_every_timer_fn(struct hrtimer *timer)
{
	struct ht_every_timer *et = container_of(timer, struct ht_every_timer, timer);

	if (!in_hardirq() || raw_smp_processor_id() != et->cpu)
		atomic_inc(&et->e->wrong);
	if (!lk_handler_handle(et->e->idx))
		atomic_inc(&et->e->wrong);
	if (--et->left <= 0) {
		complete(&et->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(timer, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int ht_every_worker(struct lkt_worker *w)
{
	struct ht_every_timer et = { .e = w->arg, .cpu = w->cpu, .left = HT_EVERY_CALLS };

	init_completion(&et.done);
	hrtimer_init(&et.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	et.timer.function = ht_every_timer_fn;
	hrtimer_start(&et.timer, ns_to_ktime(50 * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED_HARD);
	if (!wait_for_completion_timeout(&et.done, msecs_to_jiffies(HT_EVERY_TIMEOUT_MS))) {
		hrtimer_cancel(&et.timer);
		LKT_FAIL(w->team->t, "cpu %u: timer stopped after %d calls", w->cpu,
			 HT_EVERY_CALLS - et.left);
		return -1;
	}
	hrtimer_cancel(&et.timer);
	return 0;
}

static void handler_every_cpu_hardirq(struct lkt *t)
{
	struct lkt_team *team;
	struct ht_every *e;
	lk_handler_t h;
	unsigned int i;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!LKT_EXPECT(t, e))
		return;
	e->idx = ht_find_slot(t);
	h.fn = ht_every_fn;
	h.ctx = e;
	if (e->idx < 0 || !LKT_EXPECT_EQ(t, 1, lk_handler_register(e->idx, &h)))
		goto out;
	for (i = 0; i < lkt_ncpus(); i++)
		per_cpu(ht_every_calls, lkt_cpu(i)) = 0;
	team = lkt_team_new(t, "htevery", ht_every_worker);
	if (team && !lkt_team_add_per_cpu(team, 1, e) && team->n == lkt_ncpus()) {
		lkt_team_start(team);
		lkt_team_join(team, lkt_budget_ms(t));
	} else {
		LKT_FAIL(t, "no worker on every CPU");
	}
	lkt_team_free(team);
	LKT_EXPECT_PTR_EQ(t, &h, lk_handler_unregister(e->idx));
	LKT_EXPECT_EQ(t, 0, atomic_read(&e->wrong));
	for (i = 0; i < lkt_ncpus(); i++)
		LKT_EXPECT_EQ(t, HT_EVERY_CALLS, per_cpu(ht_every_calls, lkt_cpu(i)));
	lkt_diag(t, "%s: %d hard-IRQ dispatches on each of %u CPUs", t->name,
		 HT_EVERY_CALLS, lkt_ncpus());
out:
	kfree(e);
}

/* ---- lk_interrupts ----------------------------------------------------
 * LK's register_int_handler / mask / unmask (lk/interrupts.h) on a real
 * Linux interrupt line: a software line of the dummy irq_chip, raised
 * with generic_handle_irq() from a hard hrtimer, through genirq's flow
 * handler, request_irq's action and the handler table.
 */
struct lk_int_test {
	struct hrtimer timer;
	unsigned int irq;
	int left;
	atomic_t calls, not_hardirq;
	struct completion done;
};

static enum lk_handler_return lk_int_test_handler(void *arg)
{
	struct lk_int_test *it = arg;

	if (!in_hardirq())
		atomic_inc(&it->not_hardirq);
	atomic_inc(&it->calls);
	return LK_INT_NO_RESCHEDULE;
}

static enum hrtimer_restart lk_int_test_timer(struct hrtimer *timer)
{
	struct lk_int_test *it = container_of(timer, struct lk_int_test, timer);

	generic_handle_irq(it->irq);
	if (--it->left <= 0) {
		complete(&it->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(timer, ns_to_ktime(20 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* Raises the line n times from hard IRQ; false if the timer stalled. */
static bool lk_int_raise(struct lk_int_test *it, int n)
{
	bool ok;

	it->left = n;
	reinit_completion(&it->done);
	hrtimer_start(&it->timer, ns_to_ktime(20 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	ok = wait_for_completion_timeout(&it->done, msecs_to_jiffies(HT_EVERY_TIMEOUT_MS));
	hrtimer_cancel(&it->timer);
	return ok;
}

static void handler_lk_interrupts(struct lkt *t)
{
	struct lk_int_test *it;
	int irq, before;

	it = kzalloc(sizeof(*it), GFP_KERNEL);
	if (!LKT_EXPECT(t, it))
		return;
	init_completion(&it->done);
	hrtimer_init(&it->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	it->timer.function = lk_int_test_timer;
	irq = irq_alloc_desc(NUMA_NO_NODE);
	if (!LKT_EXPECT_GE(t, 1, irq)) {
		kfree(it);
		return;
	}
	it->irq = irq;
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_clear_status_flags(irq, IRQ_NOREQUEST | IRQ_NOAUTOEN);

	LKT_EXPECT_EQ(t, LK_ERR_NOT_FOUND, lk_mask_interrupt(irq));
	LKT_EXPECT_EQ(t, LK_ERR_INVALID_ARGS, lk_register_int_handler(irq, NULL, it));
	if (!LKT_EXPECT_EQ(t, 0, lk_register_int_handler(irq, lk_int_test_handler, it)))
		goto out;
	LKT_EXPECT_EQ(t, LK_ERR_ALREADY_EXISTS,
		      lk_register_int_handler(irq, lk_int_test_handler, it));
	LKT_EXPECT(t, lk_int_raise(it, 100));
	LKT_EXPECT_EQ(t, 100, atomic_read(&it->calls));

	/* Masked: raised, not delivered. */
	LKT_EXPECT_EQ(t, 0, lk_mask_interrupt(irq));
	LKT_EXPECT(t, lk_int_raise(it, 50));
	LKT_EXPECT_EQ(t, 100, atomic_read(&it->calls));
	LKT_EXPECT_EQ(t, 0, lk_unmask_interrupt(irq));
	/* genirq may resend the one pending while masked; then it settles. */
	msleep(20);
	before = atomic_read(&it->calls);
	LKT_EXPECT(t, before <= 101);
	LKT_EXPECT(t, lk_int_raise(it, 10));
	LKT_EXPECT_EQ(t, before + 10, atomic_read(&it->calls));
	/* Only that resend may come from elsewhere: genirq resends in
	 * software, from a tasklet, for a chip that cannot retrigger. */
	LKT_EXPECT(t, atomic_read(&it->not_hardirq) <= before - 100);

	LKT_EXPECT_EQ(t, 0, lk_unregister_int_handler(irq));
	LKT_EXPECT_EQ(t, LK_ERR_NOT_FOUND, lk_unregister_int_handler(irq));
	LKT_EXPECT_EQ(t, LK_ERR_NOT_FOUND, lk_unmask_interrupt(irq));
	before = atomic_read(&it->calls);
	LKT_EXPECT(t, lk_int_raise(it, 10));
	LKT_EXPECT_EQ(t, before, atomic_read(&it->calls));
	lkt_diag(t, "%s: line %d, %d deliveries through the handler table", t->name, irq,
		 atomic_read(&it->calls));
out:
	irq_free_desc(irq);
	kfree(it);
}

static const struct lkt_case handler_cases[] = {
	{ "basic", handler_basic },
	{ "register_race", handler_register_race },
	{ "dispatch_race", handler_dispatch_race },
	{ "every_cpu_hardirq", handler_every_cpu_hardirq },
	{ "lk_interrupts", handler_lk_interrupts },
};

const struct lkt_suite lkt_handler_suite = {
	.name = "handler",
	.cases = handler_cases,
	.n_cases = ARRAY_SIZE(handler_cases),
};
