// SPDX-License-Identifier: GPL-2.0
/*
 * LK semaphore: counting and timeouts, producers and consumers on every CPU
 * with an exact final count, timed waits racing posts, destroy while
 * threads wait, and posts from hard-IRQ context.
 */
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "ktest.h"

/* ---- sem_basic -------------------------------------------------------- */

static void sem_basic(struct lkt *t)
{
	lk_semaphore_t s;
	u64 start, ns;
	int st;

	lk_sem_init(&s, 2);
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_sem_trywait(&s));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_sem_trywait(&s));
	LKT_EXPECT_ST(t, LK_ERR_NOT_READY, lk_sem_trywait(&s));
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_sem_timedwait(&s, 0));

	start = lkt_now();
	st = lk_sem_timedwait(&s, 20);
	ns = lkt_now() - start;
	if (LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st))
		LKT_EXPECT_GE(t, 20 * NSEC_PER_MSEC, ns);

	/* Nobody waits: a post wakes no one and leaves one count. */
	LKT_EXPECT_EQ(t, 0, lk_sem_post(&s));
	/* The timed-out waits gave their counts back: exactly one is there. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_sem_trywait(&s));
	LKT_EXPECT_ST(t, LK_ERR_NOT_READY, lk_sem_trywait(&s));

	/* Untimed and infinite waits pass at once when a count is there. */
	lk_sem_post(&s);
	LKT_EXPECT_ST(t, LK_NO_ERROR, LKT_UNTIMED(t, lkt_rescue_sem, &s, lk_sem_wait(&s)));
	lk_sem_post(&s);
	LKT_EXPECT_ST(t, LK_NO_ERROR, LKT_UNTIMED(t, lkt_rescue_sem, &s,
						   lk_sem_timedwait(&s, LK_INFINITE_TIME)));
	lk_sem_post(&s);
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_sem_timedwait(&s, 0));
	LKT_EXPECT_ST(t, LK_ERR_NOT_READY, lk_sem_trywait(&s));
	lk_sem_destroy(&s);

	/* An initial count of zero. */
	lk_sem_init(&s, 0);
	LKT_EXPECT_ST(t, LK_ERR_NOT_READY, lk_sem_trywait(&s));
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_sem_timedwait(&s, 1));
	lk_sem_destroy(&s);
}

/* ---- sem_producer_consumer -------------------------------------------- */

/*
 * Producers (one per CPU) post `items` in all, then the last one posts one
 * stop token per consumer. Consumers (three per CPU; half use the untimed
 * wait) count every successful wait; one whose wait is numbered past
 * `items` took a token and leaves. So exactly items + consumers waits
 * succeed, and the count ends at zero.
 */
struct st_pc {
	lk_semaphore_t s;
	unsigned int items;
	unsigned int producers;
	unsigned int consumers;
	atomic_t producers_left;
	atomic_t consumers_left;
	atomic_t taken;
	atomic_t items_taken;
	atomic_t tokens_taken;
	atomic_t woken;
	atomic_t posted;
};

static int st_pc_worker(struct lkt_worker *w)
{
	struct st_pc *pc = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i, k, mine;
	int st;

	if (w->idx < pc->producers) {
		mine = pc->items / pc->producers + (w->idx < pc->items % pc->producers);
		for (i = 0; i < mine && !lkt_team_stopping(w->team); i++) {
			atomic_add(lk_sem_post(&pc->s), &pc->woken);
			atomic_inc(&pc->posted);
			/* Pause now and then so consumers drain it and sleep. */
			if (!(i & 15))
				usleep_range(10, 60);
		}
		if (atomic_dec_and_test(&pc->producers_left))
			for (k = 0; k < pc->consumers; k++)
				atomic_add(lk_sem_post(&pc->s), &pc->woken);
		return 0;
	}
	for (;;) {
		if (w->idx & 1)
			st = lk_sem_wait(&pc->s);
		else
			st = lk_sem_timedwait(&pc->s, LKT_WAIT_MS);
		if (st != LK_NO_ERROR) {
			if (!lkt_team_stopping(w->team))
				LKT_EXPECT_ST(t, LK_NO_ERROR, st);
			break;
		}
		if (atomic_inc_return(&pc->taken) > pc->items) {
			atomic_inc(&pc->tokens_taken);
			break;
		}
		atomic_inc(&pc->items_taken);
	}
	atomic_dec(&pc->consumers_left);
	return 0;
}

static void sem_producer_consumer(struct lkt *t)
{
	struct lkt_team *team;
	struct st_pc *pc;
	unsigned int i;

	pc = kzalloc(sizeof(*pc), GFP_KERNEL);
	if (!LKT_EXPECT(t, pc))
		return;
	lk_sem_init(&pc->s, 0);
	pc->items = lkt_iters(t, 20000);
	pc->producers = min_t(unsigned int, lkt_ncpus(), LKT_MAX_WORKERS / 4);
	pc->consumers = min_t(unsigned int, 3 * lkt_ncpus(), LKT_MAX_WORKERS - pc->producers);
	atomic_set(&pc->producers_left, pc->producers);
	atomic_set(&pc->consumers_left, pc->consumers);
	team = lkt_team_new(t, "sempc", st_pc_worker);
	if (!team)
		goto out;
	lkt_team_set_rescue(team, lkt_rescue_sem, &pc->s);
	for (i = 0; i < pc->producers + pc->consumers; i++)
		if (!lkt_team_add(team, lkt_cpu(i), pc))
			goto out;
	lkt_team_start(team);
	if (!lkt_poll(!atomic_read(&pc->consumers_left), lkt_budget_ms(t))) {
		LKT_FAIL(t, "%d consumers still waiting; %d of %u items taken, %d posted",
			 atomic_read(&pc->consumers_left), atomic_read(&pc->items_taken),
			 pc->items, atomic_read(&pc->posted));
		lkt_team_abort(team);
	}
	/* Stuck consumers make the join overrun and release them. */
	lkt_team_join(team, LKT_WAIT_MS);
	LKT_EXPECT_EQ(t, pc->items, atomic_read(&pc->items_taken));
	LKT_EXPECT_EQ(t, pc->consumers, atomic_read(&pc->tokens_taken));
	LKT_EXPECT_EQ(t, pc->items + pc->consumers, atomic_read(&pc->taken));
	if (!lkt_failed(t))
		LKT_EXPECT_ST(t, LK_ERR_NOT_READY, lk_sem_trywait(&pc->s));
	LKT_EXPECT(t, atomic_read(&pc->woken) <= pc->items + pc->consumers);
	lkt_diag(t, "%s: %u producers, %u consumers, %u items, %d posts woke a waiter",
		 t->name, pc->producers, pc->consumers, pc->items, atomic_read(&pc->woken));
out:
	lkt_team_free(team);
	lk_sem_destroy(&pc->s);
	kfree(pc);
}

/* ---- sem_timeout_race ------------------------------------------------- */

/*
 * Consumers wait with 1-2 ms timeouts while a producer posts with pauses of
 * about that length: timeouts and posts keep colliding. A wait that times
 * out must give its count back and must not have consumed a post, so the
 * successful waits plus what is left equal the posts exactly.
 */
struct st_race {
	lk_semaphore_t s;
	unsigned int items;
	atomic_t got;
	atomic_t timeouts;
	atomic_t producer_done;
};

static int st_race_worker(struct lkt_worker *w)
{
	struct st_race *r = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i;
	int st;

	if (w->idx == 0) {
		for (i = 0; i < r->items && !lkt_team_stopping(w->team); i++) {
			lk_sem_post(&r->s);
			if (!(i & 7))
				usleep_range(500, 2000);
			else
				udelay(get_random_u32_below(20));
		}
		atomic_set(&r->producer_done, 1);
		return 0;
	}
	while (!lkt_team_stopping(w->team)) {
		st = lk_sem_timedwait(&r->s, 1 + get_random_u32_below(2));
		if (st == LK_NO_ERROR) {
			atomic_inc(&r->got);
		} else if (st == LK_ERR_TIMED_OUT) {
			atomic_inc(&r->timeouts);
		} else {
			LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st);
			return -1;
		}
	}
	return 0;
}

static void sem_timeout_race(struct lkt *t)
{
	struct lkt_team *team;
	struct st_race *r;
	int left = 0;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!LKT_EXPECT(t, r))
		return;
	lk_sem_init(&r->s, 0);
	r->items = lkt_iters(t, 1000);
	team = lkt_team_new(t, "semrace", st_race_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), r) || lkt_team_add_per_cpu(team, 2, r))
		goto out;
	lkt_team_start(team);
	lkt_poll(atomic_read(&r->producer_done) || lkt_failed(t), lkt_budget_ms(t));
	lkt_poll(atomic_read(&r->got) >= r->items || lkt_failed(t), LKT_WAIT_MS);
	lkt_team_abort(team);
	lkt_team_join(team, LKT_WAIT_MS);
	while (lk_sem_trywait(&r->s) == LK_NO_ERROR)
		left++;
	LKT_EXPECT_EQ(t, r->items, atomic_read(&r->got) + left);
	LKT_EXPECT_EQ(t, 0, left);
	lkt_diag(t, "%s: %d posts taken, %d waits timed out", t->name,
		 atomic_read(&r->got), atomic_read(&r->timeouts));
out:
	lkt_team_free(team);
	lk_sem_destroy(&r->s);
	kfree(r);
}

/* ---- sem_destroy_waiters ---------------------------------------------- */

static void st_destroy_init(void *obj, unsigned int round)
{
	lk_sem_init(obj, 0);
}

static int st_destroy_wait(void *obj)
{
	return lk_sem_timedwait(obj, LKT_WAIT_MS);
}

static void st_destroy_destroy(void *obj)
{
	lk_sem_destroy(obj);
}

/* No waiter count in LK's semaphore API: the waiters must be asleep. */
static const struct lkt_destroy_ops st_destroy_ops = {
	.name = "semdestroy",
	.size = sizeof(lk_semaphore_t),
	.init = st_destroy_init,
	.wait = st_destroy_wait,
	.destroy = st_destroy_destroy,
};

static void sem_destroy_waiters(struct lkt *t)
{
	lkt_destroy_waiters(t, &st_destroy_ops, lkt_iters(t, 10));
}

/* ---- sem_post_hardirq ------------------------------------------------- */

static int st_irq_produce(void *arg)
{
	return lk_sem_post(arg);
}

static int st_irq_consume(void *arg, unsigned int round)
{
	return lk_sem_timedwait(arg, LKT_WAIT_MS);
}

static const struct lkt_irq_pp_ops st_irq_ops = {
	.produce = st_irq_produce,
	.consume = st_irq_consume,
};

static void sem_post_hardirq(struct lkt *t)
{
	lk_semaphore_t s;

	lk_sem_init(&s, 0);
	lkt_irq_pingpong(t, &st_irq_ops, &s, lkt_iters(t, 1000));
	LKT_EXPECT_ST(t, LK_ERR_NOT_READY, lk_sem_trywait(&s));
	lk_sem_destroy(&s);
}

static const struct lkt_case sem_cases[] = {
	{ "basic", sem_basic },
	{ "producer_consumer", sem_producer_consumer },
	{ "timeout_race", sem_timeout_race },
	{ "destroy_waiters", sem_destroy_waiters },
	{ "post_hardirq", sem_post_hardirq },
};

const struct lkt_suite lkt_sem_suite = {
	.name = "semaphore",
	.cases = sem_cases,
	.n_cases = ARRAY_SIZE(sem_cases),
};
