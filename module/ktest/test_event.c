// SPDX-License-Identifier: GPL-2.0
/*
 * LK event: signalled state and timeouts, broadcast to every waiter,
 * auto-unsignal letting exactly one thread through per signal (also with
 * timed waits racing the signals), destroy while threads wait, and signals
 * from hard-IRQ context.
 */
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "ktest.h"

/* ---- event_basic ------------------------------------------------------ */

static void event_basic(struct lkt *t)
{
	lk_event_t e;
	u64 start, ns;
	int st;

	/* Persistent event. */
	lk_event_init(&e, 0, 0);
	LKT_EXPECT_EQ(t, 0, lk_event_is_signaled(&e));
	LKT_EXPECT_EQ(t, 0, lk_event_waiters(&e));
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
	start = lkt_now();
	st = lk_event_wait_timeout(&e, 20);
	ns = lkt_now() - start;
	if (LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st))
		LKT_EXPECT_GE(t, 20 * NSEC_PER_MSEC, ns);
	/* Nobody waits: no one woken, and it stays signalled. */
	LKT_EXPECT_EQ(t, 0, lk_event_signal(&e));
	LKT_EXPECT_EQ(t, 1, lk_event_is_signaled(&e));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_event_wait_timeout(&e, 0));
	LKT_EXPECT_ST(t, LK_NO_ERROR, LKT_UNTIMED(t, lkt_rescue_event, &e, lk_event_wait(&e)));
	LKT_EXPECT_ST(t, LK_NO_ERROR, LKT_UNTIMED(t, lkt_rescue_event, &e,
						   lk_event_wait_timeout(&e, LK_INFINITE_TIME)));
	LKT_EXPECT_EQ(t, 1, lk_event_is_signaled(&e));
	/* Signalling a signalled event does nothing. */
	LKT_EXPECT_EQ(t, 0, lk_event_signal(&e));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_event_unsignal(&e));
	LKT_EXPECT_EQ(t, 0, lk_event_is_signaled(&e));
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
	lk_event_destroy(&e);

	/* Created signalled. */
	lk_event_init(&e, 1, 0);
	LKT_EXPECT_EQ(t, 1, lk_event_is_signaled(&e));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_event_wait_timeout(&e, 0));
	LKT_EXPECT_EQ(t, 1, lk_event_is_signaled(&e));
	lk_event_destroy(&e);

	/* Auto-unsignal: a signal with nobody waiting is kept for one wait. */
	lk_event_init(&e, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
	LKT_EXPECT_EQ(t, 0, lk_event_signal(&e));
	LKT_EXPECT_EQ(t, 1, lk_event_is_signaled(&e));
	LKT_EXPECT_EQ(t, 0, lk_event_signal(&e));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_event_wait_timeout(&e, 0));
	LKT_EXPECT_EQ(t, 0, lk_event_is_signaled(&e));
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
	LKT_EXPECT_EQ(t, 0, lk_event_signal(&e));
	LKT_EXPECT_ST(t, LK_NO_ERROR, LKT_UNTIMED(t, lkt_rescue_event, &e, lk_event_wait(&e)));
	LKT_EXPECT_EQ(t, 0, lk_event_is_signaled(&e));
	/* Absolute deadlines: already passed, and in the future. */
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_event_wait_deadline(&e, LK_DEADLINE_NONE, 0));
	start = lkt_now();
	st = lk_event_wait_deadline(&e, start + 5 * NSEC_PER_MSEC, 0);
	ns = lkt_now() - start;
	if (LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st))
		LKT_EXPECT_GE(t, 5 * NSEC_PER_MSEC, ns);
	lk_event_signal(&e);
	st = LKT_UNTIMED(t, lkt_rescue_event, &e, lk_event_wait_deadline(&e, LK_DEADLINE_FOREVER, 0));
	LKT_EXPECT_ST(t, LK_NO_ERROR, st);
	lk_event_destroy(&e);
}

/* ---- event_broadcast -------------------------------------------------- */

/*
 * Each round, every waiter blocks on a persistent event; one signal must
 * report all of them woken and release all of them, and the event stays
 * signalled. Odd waiters use the untimed wait (once the test has failed,
 * the join releases them: see lkt_team_join).
 */
struct ev_bc {
	lk_event_t e;
	unsigned int rounds;
	atomic_t gen;
	atomic_t passed;
};

static int ev_bc_waiter(struct lkt_worker *w)
{
	struct ev_bc *b = w->arg;
	struct lkt *t = w->team->t;
	unsigned int r;
	int st;

	for (r = 1; r <= b->rounds; r++) {
		if (!lkt_poll(atomic_read(&b->gen) >= r || lkt_team_stopping(w->team),
			      3 * LKT_WAIT_MS) || lkt_team_stopping(w->team))
			return 0;
		if (w->idx & 1)
			st = lk_event_wait(&b->e);
		else
			st = lk_event_wait_timeout(&b->e, LKT_WAIT_MS);
		if (st != LK_NO_ERROR) {
			if (!lkt_team_stopping(w->team))
				LKT_EXPECT_ST(t, LK_NO_ERROR, st);
			return -1;
		}
		atomic_inc(&b->passed);
	}
	return 0;
}

static void event_broadcast(struct lkt *t)
{
	struct lkt_team *team;
	struct ev_bc *b;
	unsigned int r, n;
	int woken;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!LKT_EXPECT(t, b))
		return;
	lk_event_init(&b->e, 0, 0);
	b->rounds = lkt_iters(t, 100);
	team = lkt_team_new(t, "evbc", ev_bc_waiter);
	if (!team || lkt_team_add_per_cpu(team, 3, b))
		goto out;
	lkt_team_set_rescue(team, lkt_rescue_event, &b->e);
	n = team->n;
	lkt_team_start(team);
	for (r = 1; r <= b->rounds; r++) {
		atomic_set(&b->passed, 0);
		lk_event_unsignal(&b->e);
		atomic_set(&b->gen, r);
		if (!lkt_poll(lk_event_waiters(&b->e) == n, LKT_WAIT_MS)) {
			LKT_FAIL(t, "round %u: %u of %u waiters blocked", r,
				 lk_event_waiters(&b->e), n);
			break;
		}
		woken = lk_event_signal(&b->e);
		if (!LKT_EXPECT_EQ(t, n, woken))
			break;
		if (!lkt_poll(atomic_read(&b->passed) == n, LKT_WAIT_MS)) {
			LKT_FAIL(t, "round %u: %d of %u waiters returned", r,
				 atomic_read(&b->passed), n);
			break;
		}
		LKT_EXPECT_EQ(t, 1, lk_event_is_signaled(&b->e));
		LKT_EXPECT_EQ(t, 0, lk_event_waiters(&b->e));
		/* A late waiter passes at once. */
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_event_wait_timeout(&b->e, 0));
	}
	/* On failure, waiters still blocked make the join release them. */
	if (lkt_failed(t))
		lkt_team_abort(team);
	lkt_team_join(team, LKT_WAIT_MS);
out:
	lkt_team_free(team);
	lk_event_destroy(&b->e);
	kfree(b);
}

/* ---- event_autounsignal ----------------------------------------------- */

/*
 * Every waiter blocks on an auto-unsignal event; each signal must report one
 * thread woken and release exactly one. With nobody left waiting, a signal
 * is kept for exactly one later wait.
 */
struct ev_au {
	lk_event_t e;
	unsigned int rounds;
	atomic_t gen;
	atomic_t passed;
};

static int ev_au_waiter(struct lkt_worker *w)
{
	struct ev_au *a = w->arg;
	struct lkt *t = w->team->t;
	unsigned int r;
	int st;

	for (r = 1; r <= a->rounds; r++) {
		if (!lkt_poll(atomic_read(&a->gen) >= r || lkt_team_stopping(w->team),
			      3 * LKT_WAIT_MS) || lkt_team_stopping(w->team))
			return 0;
		if (w->idx & 1)
			st = lk_event_wait(&a->e);
		else
			st = lk_event_wait_timeout(&a->e, 3 * LKT_WAIT_MS);
		if (st != LK_NO_ERROR) {
			if (!lkt_team_stopping(w->team))
				LKT_EXPECT_ST(t, LK_NO_ERROR, st);
			return -1;
		}
		atomic_inc(&a->passed);
	}
	return 0;
}

static void event_autounsignal(struct lkt *t)
{
	struct lkt_team *team;
	struct ev_au *a;
	unsigned int r, k, n;
	int woken, before;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!LKT_EXPECT(t, a))
		return;
	lk_event_init(&a->e, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
	a->rounds = lkt_iters(t, 30);
	team = lkt_team_new(t, "evau", ev_au_waiter);
	if (!team || lkt_team_add_per_cpu(team, 2, a))
		goto out;
	lkt_team_set_rescue(team, lkt_rescue_event, &a->e);
	n = team->n;
	lkt_team_start(team);
	for (r = 1; r <= a->rounds && !lkt_failed(t); r++) {
		before = atomic_read(&a->passed);
		atomic_set(&a->gen, r);
		if (!lkt_poll(lk_event_waiters(&a->e) == n, LKT_WAIT_MS)) {
			LKT_FAIL(t, "round %u: %u of %u waiters blocked", r,
				 lk_event_waiters(&a->e), n);
			break;
		}
		for (k = 1; k <= n; k++) {
			woken = lk_event_signal(&a->e);
			if (!LKT_EXPECT_EQ(t, 1, woken))
				break;
			lkt_poll(atomic_read(&a->passed) >= before + k, LKT_WAIT_MS);
			/* Give a second thread time to slip through, if it could. */
			if (k == 1)
				usleep_range(1000, 2000);
			if (!LKT_EXPECT_EQ(t, before + k, atomic_read(&a->passed)))
				break;
			LKT_EXPECT_EQ(t, n - k, lk_event_waiters(&a->e));
			LKT_EXPECT_EQ(t, 0, lk_event_is_signaled(&a->e));
		}
	}
	/* On failure, waiters still blocked make the join release them. */
	if (lkt_failed(t))
		lkt_team_abort(team);
	lkt_team_join(team, LKT_WAIT_MS);
	if (!lkt_failed(t)) {
		LKT_EXPECT_EQ(t, a->rounds * n, atomic_read(&a->passed));
		/* Nobody waiting: kept for exactly one wait. */
		LKT_EXPECT_EQ(t, 0, lk_event_signal(&a->e));
		LKT_EXPECT_EQ(t, 1, lk_event_is_signaled(&a->e));
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_event_wait_timeout(&a->e, 0));
		LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_event_wait_timeout(&a->e, 0));
	}
out:
	lkt_team_free(team);
	lk_event_destroy(&a->e);
	kfree(a);
}

/* ---- event_autounsignal_race ------------------------------------------ */

/*
 * Waiters on every CPU loop on an auto-unsignal event with 1-2 ms timeouts
 * while a signaller issues signals one at a time, each after the previous
 * one has let someone through, at random moments. Exactly one thread may
 * pass per signal; a wait that times out must not have consumed the
 * signal (else the signaller would wait in vain); no signal may be left
 * over at the end.
 */
struct ev_race {
	lk_event_t e;
	unsigned int signals;
	atomic_t issued;
	atomic_t passes;
	atomic_t extra;			/* passes beyond the signals issued */
	atomic_t timeouts;
	atomic_t woke;			/* signals that reported a waiter woken */
	atomic_t stale;			/* still signalled after its pass */
};

static int ev_race_worker(struct lkt_worker *w)
{
	struct ev_race *r = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i;
	int st;

	if (w->idx == 0) {
		for (i = 1; i <= r->signals && !lkt_team_stopping(w->team); i++) {
			if (i & 1)
				udelay(get_random_u32_below(100));
			else
				usleep_range(200, 2500);
			atomic_set(&r->issued, i);
			atomic_add(lk_event_signal(&r->e), &r->woke);
			if (!lkt_poll(atomic_read(&r->passes) >= i, LKT_WAIT_MS)) {
				LKT_FAIL(t, "signal %u let nobody through (%d passes, %d timeouts)",
					 i, atomic_read(&r->passes), atomic_read(&r->timeouts));
				lkt_team_abort(w->team);
				return -1;
			}
			if (lk_event_is_signaled(&r->e))
				atomic_inc(&r->stale);
		}
		lkt_team_abort(w->team);	/* done: the waiters may stop */
		return 0;
	}
	while (!lkt_team_stopping(w->team)) {
		st = lk_event_wait_timeout(&r->e, 1 + get_random_u32_below(2));
		if (st == LK_NO_ERROR) {
			if (atomic_inc_return(&r->passes) > atomic_read(&r->issued))
				atomic_inc(&r->extra);
		} else if (st == LK_ERR_TIMED_OUT) {
			atomic_inc(&r->timeouts);
		} else {
			LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st);
			return -1;
		}
	}
	return 0;
}

static void event_autounsignal_race(struct lkt *t)
{
	struct lkt_team *team;
	struct ev_race *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!LKT_EXPECT(t, r))
		return;
	lk_event_init(&r->e, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
	r->signals = lkt_iters(t, 600);
	team = lkt_team_new(t, "evrace", ev_race_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), r) || lkt_team_add_per_cpu(team, 2, r))
		goto out;
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	LKT_EXPECT_EQ(t, r->signals, atomic_read(&r->passes));
	LKT_EXPECT_EQ(t, 0, atomic_read(&r->extra));
	LKT_EXPECT_EQ(t, 0, atomic_read(&r->stale));
	LKT_EXPECT_EQ(t, 0, lk_event_is_signaled(&r->e));
	lkt_diag(t, "%s: %u signals, %d woke a sleeper, %d waits timed out", t->name,
		 r->signals, atomic_read(&r->woke), atomic_read(&r->timeouts));
out:
	lkt_team_free(team);
	lk_event_destroy(&r->e);
	kfree(r);
}

/* ---- event_destroy_waiters -------------------------------------------- */

static void ev_destroy_init(void *obj, unsigned int round)
{
	/* Persistent and auto-unsignal events in turn. */
	lk_event_init(obj, 0, (round & 1) ? LK_EVENT_FLAG_AUTOUNSIGNAL : 0);
}

static int ev_destroy_wait(void *obj)
{
	return lk_event_wait_timeout(obj, LKT_WAIT_MS);
}

static void ev_destroy_destroy(void *obj)
{
	lk_event_destroy(obj);
}

static unsigned int ev_destroy_waiters(void *obj)
{
	return lk_event_waiters(obj);
}

static const struct lkt_destroy_ops ev_destroy_ops = {
	.name = "evdestroy",
	.size = sizeof(lk_event_t),
	.init = ev_destroy_init,
	.wait = ev_destroy_wait,
	.destroy = ev_destroy_destroy,
	.waiters = ev_destroy_waiters,
};

static void event_destroy_waiters(struct lkt *t)
{
	lkt_destroy_waiters(t, &ev_destroy_ops, lkt_iters(t, 10));
}

/* ---- event_signal_hardirq --------------------------------------------- */

static int ev_irq_produce(void *arg)
{
	return lk_event_signal(arg);
}

static int ev_irq_consume(void *arg, unsigned int round)
{
	return lk_event_wait_timeout(arg, LKT_WAIT_MS);
}

static const struct lkt_irq_pp_ops ev_irq_ops = {
	.produce = ev_irq_produce,
	.consume = ev_irq_consume,
};

static void event_signal_hardirq(struct lkt *t)
{
	lk_event_t e;

	lk_event_init(&e, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
	lkt_irq_pingpong(t, &ev_irq_ops, &e, lkt_iters(t, 1000));
	LKT_EXPECT_EQ(t, 0, lk_event_is_signaled(&e));
	lk_event_destroy(&e);
}

static const struct lkt_case event_cases[] = {
	{ "basic", event_basic },
	{ "broadcast", event_broadcast },
	{ "autounsignal", event_autounsignal },
	{ "autounsignal_race", event_autounsignal_race },
	{ "destroy_waiters", event_destroy_waiters },
	{ "signal_hardirq", event_signal_hardirq },
};

const struct lkt_suite lkt_event_suite = {
	.name = "event",
	.cases = event_cases,
	.n_cases = ARRAY_SIZE(event_cases),
};
