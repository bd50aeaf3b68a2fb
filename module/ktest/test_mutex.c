// SPDX-License-Identifier: GPL-2.0
/*
 * LK mutex: timeouts on free and held mutexes, a holder that moves
 * between CPUs, hand-off to the first waiter, mutual exclusion under
 * contention on every CPU, and timed acquires racing releases.
 *
 * Destroying a mutex while threads wait on it is not tested: waiters only
 * exist while it is held, and destroying a held mutex is misuse that the
 * core reports with a kernel warning.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "ktest.h"

/* ---- mutex_timeout_free ----------------------------------------------- */

static void mutex_timeout_free(struct lkt *t)
{
	lk_mutex_t m;
	int st;

	lk_mutex_init(&m);
	LKT_EXPECT_EQ(t, 0, lk_is_mutex_held(&m));

	/* A zero timeout on a free mutex acquires it. */
	st = lk_mutex_acquire_timeout(&m, 0);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
		LKT_EXPECT_EQ(t, 1, lk_is_mutex_held(&m));
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&m));
	}
	LKT_EXPECT_EQ(t, 0, lk_is_mutex_held(&m));

	/* So does a finite one, without waiting. */
	st = lk_mutex_acquire_timeout(&m, 1000);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
		LKT_EXPECT_EQ(t, 1, lk_is_mutex_held(&m));
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&m));
	}

	/* And the untimed acquire (it must not block here). */
	st = LKT_UNTIMED(t, lkt_rescue_mutex, &m, lk_mutex_acquire(&m));
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st))
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&m));

	st = LKT_UNTIMED(t, lkt_rescue_mutex, &m, lk_mutex_acquire_timeout(&m, LK_INFINITE_TIME));
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st))
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&m));
	lk_mutex_destroy(&m);
}

/* ---- mutex_timeout_held ----------------------------------------------- */

struct mt_held {
	lk_mutex_t m;
	struct completion held;
	struct completion release;
	int holder_saw_held;
};

static int mt_holder(struct lkt_worker *w)
{
	struct mt_held *h = w->arg;
	struct lkt *t = w->team->t;
	int st;

	st = lk_mutex_acquire_timeout(&h->m, LKT_WAIT_MS);
	if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
		complete(&h->held);
		return -1;
	}
	h->holder_saw_held = lk_is_mutex_held(&h->m);
	complete(&h->held);
	if (!wait_for_completion_timeout(&h->release, msecs_to_jiffies(LKT_WAIT_MS)))
		LKT_FAIL(t, "holder was never asked to release");
	/* Hold on a little longer, so that the acquire below really blocks. */
	msleep(20);
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&h->m));
	return 0;
}

static void mutex_timeout_held(struct lkt *t)
{
	struct lkt_team *team;
	struct mt_held *h;
	u64 start, ns;
	int st;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!LKT_EXPECT(t, h))
		return;
	lk_mutex_init(&h->m);
	init_completion(&h->held);
	init_completion(&h->release);
	team = lkt_team_new(t, "mholder", mt_holder);
	if (!team || !lkt_team_add(team, lkt_cpu(1), h))
		goto out;
	lkt_team_start(team);
	if (!wait_for_completion_timeout(&h->held, msecs_to_jiffies(LKT_WAIT_MS))) {
		LKT_FAIL(t, "holder did not acquire the mutex");
		goto out;
	}
	LKT_EXPECT_EQ(t, 1, h->holder_saw_held);
	LKT_EXPECT_EQ(t, 0, lk_is_mutex_held(&h->m));

	/* Zero timeout on a held mutex: at once. */
	st = lk_mutex_acquire_timeout(&h->m, 0);
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st);
	if (st == LK_NO_ERROR)
		lk_mutex_release(&h->m);

	/* Finite timeout on a held mutex: not before it has passed. */
	start = lkt_now();
	st = lk_mutex_acquire_timeout(&h->m, 50);
	ns = lkt_now() - start;
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st);
	if (st == LK_NO_ERROR)
		lk_mutex_release(&h->m);
	else
		LKT_EXPECT_GE(t, 50 * NSEC_PER_MSEC, ns);
	LKT_EXPECT_EQ(t, 0, lk_is_mutex_held(&h->m));

	/* A timed acquire that the release satisfies. */
	complete(&h->release);
	st = lk_mutex_acquire_timeout(&h->m, LKT_WAIT_MS);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
		LKT_EXPECT_EQ(t, 1, lk_is_mutex_held(&h->m));
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&h->m));
	}
out:
	complete(&h->release);
	lkt_team_free(team);
	lk_mutex_destroy(&h->m);
	kfree(h);
}

/* ---- mutex_held_across_cpus ------------------------------------------- */

/*
 * The holder is a thread, not a CPU: a thread that acquires on one CPU and
 * moves to another still holds the mutex there and releases it (the core
 * reads the current thread inline, from a per-CPU variable: a read of the
 * wrong one would take the CPU for the holder).
 */
struct mt_move {
	lk_mutex_t m;
	unsigned int rounds;
	unsigned int moved;	/* rounds released on the other CPU */
};

static int mt_mover(struct lkt_worker *w)
{
	struct mt_move *mv = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i, to;
	int st;

	for (i = 0; i < mv->rounds && !lkt_team_stopping(w->team); i++) {
		to = lkt_cpu(i + 1);
		if (!LKT_EXPECT_EQ(t, 0, set_cpus_allowed_ptr(current, cpumask_of(lkt_cpu(i)))))
			return -1;
		st = lk_mutex_acquire(&mv->m);
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			return -1;
		if (!LKT_EXPECT_EQ(t, 0, set_cpus_allowed_ptr(current, cpumask_of(to)))) {
			lk_mutex_release(&mv->m);
			return -1;
		}
		LKT_EXPECT_EQ(t, to, raw_smp_processor_id());
		LKT_EXPECT_EQ(t, 1, lk_is_mutex_held(&mv->m));
		st = lk_mutex_release(&mv->m);
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			return -1;
		LKT_EXPECT_EQ(t, 0, lk_is_mutex_held(&mv->m));
		mv->moved++;
	}
	return 0;
}

static void mutex_held_across_cpus(struct lkt *t)
{
	struct lkt_team *team;
	struct mt_move *mv;

	if (!lkt_need_two_cpus(t))
		return;
	mv = kzalloc(sizeof(*mv), GFP_KERNEL);
	if (!LKT_EXPECT(t, mv))
		return;
	lk_mutex_init(&mv->m);
	mv->rounds = 2 * lkt_ncpus();
	team = lkt_team_new(t, "mmove", mt_mover);
	if (!team || !lkt_team_add(team, lkt_cpu(0), mv))
		goto out;
	lkt_team_start(team);
	lkt_team_join(team, LKT_WAIT_MS);
	LKT_EXPECT_EQ(t, mv->rounds, mv->moved);
	LKT_EXPECT_EQ(t, 0, lk_is_mutex_held(&mv->m));
out:
	lkt_team_free(team);
	lk_mutex_destroy(&mv->m);
	kfree(mv);
}

/* ---- mutex_handoff_fifo ----------------------------------------------- */

struct mt_fifo {
	lk_mutex_t m;
	struct completion gate[2];
	atomic_t armed[2];
	atomic_t order;
	int got[2];
};

static int mt_fifo_waiter(struct lkt_worker *w)
{
	struct mt_fifo *f = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i = w->idx;
	int st;

	if (!wait_for_completion_timeout(&f->gate[i], msecs_to_jiffies(LKT_WAIT_MS)))
		return 0;	/* the main thread gave up */
	atomic_set(&f->armed[i], 1);
	st = lk_mutex_acquire_timeout(&f->m, LKT_WAIT_MS);
	if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
		return -1;
	f->got[i] = atomic_inc_return(&f->order);
	LKT_EXPECT_EQ(t, 1, lk_is_mutex_held(&f->m));
	usleep_range(500, 1000);
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&f->m));
	return 0;
}

static bool mt_fifo_round(struct lkt *t, struct mt_fifo *f)
{
	struct lkt_team *team;
	bool ok = false;
	int st, i;

	memset(f, 0, sizeof(*f));
	lk_mutex_init(&f->m);
	for (i = 0; i < 2; i++)
		init_completion(&f->gate[i]);

	st = lk_mutex_acquire_timeout(&f->m, 0);
	if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
		lk_mutex_destroy(&f->m);
		return false;
	}
	team = lkt_team_new(t, "mfifo", mt_fifo_waiter);
	if (!team || !lkt_team_add(team, lkt_cpu(0), f) || !lkt_team_add(team, lkt_cpu(1), f)) {
		lk_mutex_release(&f->m);
		goto out;
	}
	lkt_team_start(team);
	/* Queue waiter 0, then waiter 1, each surely asleep in the acquire. */
	for (i = 0; i < 2; i++) {
		complete(&f->gate[i]);
		if (!lkt_poll(atomic_read(&f->armed[i]) && lkt_task_asleep(team->w[i].task),
			      LKT_WAIT_MS)) {
			LKT_FAIL(t, "waiter %d did not block on the held mutex", i);
			lk_mutex_release(&f->m);
			goto out;
		}
	}
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&f->m));
	/*
	 * The release handed the mutex to waiter 0 whether or not it has run
	 * yet: the releasing thread cannot take it back.
	 */
	st = lk_mutex_acquire_timeout(&f->m, 0);
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st);
	if (st == LK_NO_ERROR)
		lk_mutex_release(&f->m);
	LKT_EXPECT_EQ(t, 0, lk_is_mutex_held(&f->m));
	ok = true;
out:
	for (i = 0; i < 2; i++)
		complete(&f->gate[i]);
	lkt_team_free(team);
	if (ok) {
		/* First come, first served. */
		LKT_EXPECT_EQ(t, 1, f->got[0]);
		LKT_EXPECT_EQ(t, 2, f->got[1]);
		st = lk_mutex_acquire_timeout(&f->m, 0);
		if (LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			lk_mutex_release(&f->m);
	}
	lk_mutex_destroy(&f->m);
	return ok && !lkt_failed(t);
}

static void mutex_handoff_fifo(struct lkt *t)
{
	unsigned int r, rounds = lkt_iters(t, 10);
	struct mt_fifo *f;

	if (!lkt_need_two_cpus(t))
		return;
	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!LKT_EXPECT(t, f))
		return;
	for (r = 0; r < rounds; r++)
		if (!mt_fifo_round(t, f))
			break;
	kfree(f);
}

/* ---- mutex_contention ------------------------------------------------- */

struct mt_cont {
	lk_mutex_t m;
	unsigned int iters;
	unsigned long counter;		/* guarded by m, updated non-atomically */
	atomic_t inside;
	atomic_t overlaps;
	atomic_t not_held;
	atomic_t zero_timeouts;
};

static int mt_cont_worker(struct lkt_worker *w)
{
	struct mt_cont *c = w->arg;
	struct lkt *t = w->team->t;
	/* Every third thread only ever tries with a zero timeout. */
	bool trylock = w->idx % 3 == 2;
	unsigned int i, k;
	unsigned long v;
	int st;

	for (i = 0; i < c->iters && !lkt_team_stopping(w->team); i++) {
		if (trylock) {
			while ((st = lk_mutex_acquire_timeout(&c->m, 0)) == LK_ERR_TIMED_OUT) {
				if (lkt_team_stopping(w->team))
					return 0;
				/* Back off now and then: the holder may sleep. */
				if (!(atomic_inc_return(&c->zero_timeouts) & 7))
					usleep_range(5, 20);
				else
					cond_resched();
			}
		} else {
			st = lk_mutex_acquire_timeout(&c->m, LKT_WAIT_MS);
		}
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
			lkt_team_abort(w->team);
			return -1;
		}
		if (atomic_inc_return(&c->inside) != 1)
			atomic_inc(&c->overlaps);
		if (!lk_is_mutex_held(&c->m))
			atomic_inc(&c->not_held);
		v = READ_ONCE(c->counter);
		/* Widen the window a lost exclusion would need. */
		if (!(i & 7))
			for (k = 0; k < 32; k++)
				cpu_relax();
		if (!(i & 127))
			usleep_range(5, 20);	/* sleeping holder: others block */
		WRITE_ONCE(c->counter, v + 1);
		atomic_dec(&c->inside);
		st = lk_mutex_release(&c->m);
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
			lkt_team_abort(w->team);
			return -1;
		}
		if (!(i & 15))
			cond_resched();
	}
	return 0;
}

static void mutex_contention(struct lkt *t)
{
	struct lkt_team *team;
	struct mt_cont *c;
	unsigned int n;
	int st;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!LKT_EXPECT(t, c))
		return;
	lk_mutex_init(&c->m);
	c->iters = lkt_iters(t, 3000);
	team = lkt_team_new(t, "mcont", mt_cont_worker);
	if (!team || lkt_team_add_per_cpu(team, 3, c))
		goto out;
	n = team->n;
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	if (!lkt_failed(t))
		LKT_EXPECT_EQ(t, (unsigned long)n * c->iters, c->counter);
	LKT_EXPECT_EQ(t, 0, atomic_read(&c->overlaps));
	LKT_EXPECT_EQ(t, 0, atomic_read(&c->not_held));
	lkt_diag(t, "%s: %u threads on %u CPUs, %lu acquisitions, %d zero-timeout misses",
		 t->name, n, lkt_ncpus(), c->counter, atomic_read(&c->zero_timeouts));
	/* Nobody holds it now. */
	st = lk_mutex_acquire_timeout(&c->m, 0);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st))
		lk_mutex_release(&c->m);
out:
	lkt_team_free(team);
	lk_mutex_destroy(&c->m);
	kfree(c);
}

/* ---- mutex_timeout_race ----------------------------------------------- */

/*
 * A hog holds the mutex for 1-3 ms at a time; contenders try with 1-3 ms
 * timeouts, so releases and timeouts keep colliding. A timed acquire must
 * either own the mutex (and be the only one) or have timed out and own
 * nothing; a timed-out waiter that was handed the mutex anyway would leave
 * it held forever.
 */
struct mt_race {
	lk_mutex_t m;
	unsigned int iters;
	unsigned long counter;		/* guarded by m */
	atomic_t acquired;
	atomic_t timeouts;
	atomic_t inside;
	atomic_t overlaps;
	atomic_t bad_timeouts;		/* timed out yet holding it */
	atomic_t contenders_left;
};

static int mt_race_worker(struct lkt_worker *w)
{
	struct mt_race *r = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i;
	int st;

	if (w->idx == 0) {
		/* The hog. */
		while (atomic_read(&r->contenders_left) && !lkt_team_stopping(w->team)) {
			st = lk_mutex_acquire_timeout(&r->m, LKT_WAIT_MS);
			if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st)) {
				lkt_team_abort(w->team);
				return -1;
			}
			if (atomic_inc_return(&r->inside) != 1)
				atomic_inc(&r->overlaps);
			usleep_range(1000, 3000);
			atomic_dec(&r->inside);
			lk_mutex_release(&r->m);
			usleep_range(50, 300);
		}
		return 0;
	}
	for (i = 0; i < r->iters && !lkt_team_stopping(w->team); i++) {
		st = lk_mutex_acquire_timeout(&r->m, 1 + get_random_u32_below(3));
		if (st == LK_ERR_TIMED_OUT) {
			atomic_inc(&r->timeouts);
			if (lk_is_mutex_held(&r->m))
				atomic_inc(&r->bad_timeouts);
			continue;
		}
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			break;
		if (atomic_inc_return(&r->inside) != 1)
			atomic_inc(&r->overlaps);
		WRITE_ONCE(r->counter, READ_ONCE(r->counter) + 1);
		atomic_inc(&r->acquired);
		udelay(get_random_u32_below(20));
		atomic_dec(&r->inside);
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_mutex_release(&r->m));
	}
	atomic_dec(&r->contenders_left);
	return 0;
}

static void mutex_timeout_race(struct lkt *t)
{
	struct lkt_team *team;
	struct mt_race *r;
	int st;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!LKT_EXPECT(t, r))
		return;
	lk_mutex_init(&r->m);
	r->iters = lkt_iters(t, 300);
	team = lkt_team_new(t, "mrace", mt_race_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), r) || lkt_team_add_per_cpu(team, 2, r))
		goto out;
	atomic_set(&r->contenders_left, team->n - 1);
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	LKT_EXPECT_EQ(t, atomic_read(&r->acquired), r->counter);
	LKT_EXPECT_EQ(t, 0, atomic_read(&r->overlaps));
	LKT_EXPECT_EQ(t, 0, atomic_read(&r->bad_timeouts));
	lkt_diag(t, "%s: %d acquired, %d timed out", t->name,
		 atomic_read(&r->acquired), atomic_read(&r->timeouts));
	/* No timed-out waiter was left owning it. */
	st = lk_mutex_acquire_timeout(&r->m, 0);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st))
		lk_mutex_release(&r->m);
out:
	lkt_team_free(team);
	lk_mutex_destroy(&r->m);
	kfree(r);
}

static const struct lkt_case mutex_cases[] = {
	{ "timeout_free", mutex_timeout_free },
	{ "timeout_held", mutex_timeout_held },
	{ "held_across_cpus", mutex_held_across_cpus },
	{ "handoff_fifo", mutex_handoff_fifo },
	{ "contention", mutex_contention },
	{ "timeout_race", mutex_timeout_race },
};

const struct lkt_suite lkt_mutex_suite = {
	.name = "mutex",
	.cases = mutex_cases,
	.n_cases = ARRAY_SIZE(mutex_cases),
};
