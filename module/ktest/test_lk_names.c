// SPDX-License-Identifier: GPL-2.0
/*
 * LK code as a module author ports it: LK's own names from <lk/lk_names.h>
 * (mutex_init and the other names Linux has taken included, on request),
 * objects given LK's static initial values and built on first use, that
 * first use racing on every CPU and in hard IRQ, LK's resched argument,
 * and the semaphore's count.
 */
#include <linux/kthread.h>
#include <linux/sched.h>

#include "ktest.h"

/* After every Linux header, as lk_names.h asks; takes mutex_init,
 * mutex_destroy, mutex_acquire and mutex_release over for this file. */
#define LK_NAMES_MUTEX
#include <lk/lk_names.h>

/* ---- static_values ------------------------------------------------------------- */

/* File scope, as LK code defines them. Each case leaves them as it found
 * them, since a run may come again (stress mode, debugfs). */
static mutex_t names_lock = MUTEX_INITIAL_VALUE(names_lock);
static semaphore_t names_sem = SEMAPHORE_INITIAL_VALUE(names_sem, 2);
static event_t names_event = EVENT_INITIAL_VALUE(names_event, false, 0);

static void names_static_values(struct lkt *t)
{
	LKT_EXPECT(t, event_initialized(&names_event));
	LKT_EXPECT_ST(t, NO_ERROR, mutex_acquire(&names_lock));
	LKT_EXPECT(t, is_mutex_held(&names_lock));
	LKT_EXPECT_ST(t, NO_ERROR, mutex_release(&names_lock));
	LKT_EXPECT(t, !is_mutex_held(&names_lock));

	LKT_EXPECT_EQ(t, 2, sem_count(&names_sem));
	LKT_EXPECT_ST(t, NO_ERROR, sem_trywait(&names_sem));
	LKT_EXPECT_ST(t, NO_ERROR, sem_timedwait(&names_sem, 0));
	LKT_EXPECT_ST(t, ERR_NOT_READY, sem_trywait(&names_sem));
	LKT_EXPECT_EQ(t, 0, sem_count(&names_sem));
	LKT_EXPECT_EQ(t, 0, sem_post(&names_sem, false));
	LKT_EXPECT_EQ(t, 0, sem_post(&names_sem, true));
	LKT_EXPECT_EQ(t, 2, sem_count(&names_sem));

	LKT_EXPECT_ST(t, ERR_TIMED_OUT, event_wait_timeout(&names_event, 0));
	LKT_EXPECT_EQ(t, 0, event_signal(&names_event, true));
	LKT_EXPECT_ST(t, NO_ERROR, event_wait_timeout(&names_event, INFINITE_TIME));
	LKT_EXPECT_ST(t, NO_ERROR, event_unsignal(&names_event));
}

/* ---- first_use_race: every CPU, and hard IRQ, first at once ----------------- */

/* Rebuilt for each run: a fresh initial value, used first by the race. */
static semaphore_t race_sem;
static event_t race_event;
static struct lkt_barrier race_barrier;
static atomic_t race_irq_woken;

static void race_irq(void *arg)
{
	/* resched in hard IRQ: no effect, no complaint. */
	atomic_set(&race_irq_woken, sem_post(&race_sem, true));
	event_signal(&race_event, true);
}

static int race_worker(struct lkt_worker *w)
{
	struct lkt_kick kick;
	int i;

	lkt_kick_init(&kick, race_irq, NULL);
	if (!lkt_barrier_wait(&race_barrier, w->team, LKT_WAIT_MS))
		return -1;
	if (w->idx == 0)
		lkt_kick_timer(&kick, 0);
	for (i = 0; i < 100; i++)
		sem_post(&race_sem, i & 1);
	if (w->idx == 0 && !lkt_spin(atomic_read(&kick.fired), LKT_WAIT_MS))
		return -2;
	lkt_kick_cancel(&kick);
	return 0;
}

static void names_first_use_race(struct lkt *t)
{
	static const semaphore_t sem_value = SEMAPHORE_INITIAL_VALUE(race_sem, 0);
	static const event_t event_value = EVENT_INITIAL_VALUE(race_event, false, 0);
	struct lkt_team *team;
	int n;

	race_sem = sem_value;
	race_event = event_value;
	team = lkt_team_new(t, "lkt-names", race_worker);
	if (!team)
		return;
	if (lkt_team_add_per_cpu(team, 1, NULL)) {
		lkt_team_free(team);
		return;
	}
	n = team->n;
	lkt_barrier_init(&race_barrier, n);
	lkt_team_start(team);
	LKT_EXPECT_EQ(t, 0, lkt_team_join(team, lkt_budget_ms(t)));
	lkt_team_free(team);
	/* Built once: not one post lost (one from hard IRQ). */
	LKT_EXPECT_EQ(t, n * 100 + 1, sem_count(&race_sem));
	LKT_EXPECT_EQ(t, 0, atomic_read(&race_irq_woken));
	LKT_EXPECT_ST(t, NO_ERROR, event_wait_timeout(&race_event, 0));
	sem_destroy(&race_sem);
	event_destroy(&race_event);
}

/* ---- resched: the woken thread runs before the signaller goes on ------------ */

struct resched_ctx {
	event_t go;
	struct completion done;
	atomic_t ran;
	int woken, ran_at_return;
};

/* FIFO, on the signaller's CPU: it preempts the signaller as soon as the
 * signaller offers the CPU. */
static int resched_waiter(void *arg)
{
	struct resched_ctx *c = arg;

	if (event_wait_timeout(&c->go, LKT_WAIT_MS) == NO_ERROR)
		atomic_set(&c->ran, 1);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* SCHED_NORMAL, on the same CPU. */
static int resched_signaller(void *arg)
{
	struct resched_ctx *c = arg;

	if (lkt_poll(lk_event_waiters(&c->go) == 1, LKT_WAIT_MS)) {
		c->woken = event_signal(&c->go, true);
		c->ran_at_return = atomic_read(&c->ran);
	}
	complete(&c->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void names_resched(struct lkt *t)
{
	struct resched_ctx c = { .ran = ATOMIC_INIT(0), .woken = -1, .ran_at_return = -1 };
	struct task_struct *waiter, *signaller;
	unsigned int cpu = lkt_cpu(0);

	event_init(&c.go, false, EVENT_FLAG_AUTOUNSIGNAL);
	init_completion(&c.done);
	waiter = kthread_create(resched_waiter, &c, "lkt-resched-w");
	if (IS_ERR(waiter)) {
		LKT_FAIL(t, "kthread_create: %ld", PTR_ERR(waiter));
		goto out;
	}
	signaller = kthread_create(resched_signaller, &c, "lkt-resched-s");
	if (IS_ERR(signaller)) {
		LKT_FAIL(t, "kthread_create: %ld", PTR_ERR(signaller));
		kthread_stop(waiter);
		goto out;
	}
	kthread_bind(waiter, cpu);
	kthread_bind(signaller, cpu);
	sched_set_fifo(waiter);
	wake_up_process(waiter);
	wake_up_process(signaller);
	if (LKT_EXPECT(t, wait_for_completion_timeout(&c.done, msecs_to_jiffies(LKT_WAIT_MS)))) {
		/* With resched the waiter has run by the time the signal
		 * returns, on every kernel; without it, only where the
		 * wake-up preempts by itself (preempt=full, PREEMPT_RT). */
		LKT_EXPECT_EQ(t, 1, c.woken);
		LKT_EXPECT_EQ(t, 1, c.ran_at_return);
	}
	kthread_stop(signaller);
	kthread_stop(waiter);
out:
	event_destroy(&c.go);
}

/* ---- ports -------------------------------------------------------------------- */

static void names_ports(struct lkt *t)
{
	port_packet_t pk = { { 'l', 'k' } };
	port_result_t res;
	port_t w, r, g, other;

	if (!LKT_EXPECT_ST(t, NO_ERROR, port_create("lkt.names", PORT_MODE_BROADCAST, &w)))
		return;
	/* LK's rule: the name in use hands back the port. */
	LKT_EXPECT_ST(t, ERR_ALREADY_EXISTS, port_create("lkt.names", PORT_MODE_BROADCAST, &other));
	LKT_EXPECT_PTR_EQ(t, w, other);
	LKT_EXPECT_ST(t, NO_ERROR, port_open("lkt.names", (void *)7, &r));
	LKT_EXPECT_ST(t, NO_ERROR, port_group(&r, 1, &g));
	LKT_EXPECT_ST(t, NO_ERROR, port_write(w, &pk, 1));
	LKT_EXPECT_ST(t, NO_ERROR, port_group_read_timeout(g, LKT_WAIT_MS, &res));
	LKT_EXPECT_PTR_EQ(t, (void *)7, res.ctx);
	LKT_EXPECT_EQ(t, 'k', res.packet.value[1]);
	LKT_EXPECT_ST(t, ERR_TIMED_OUT, port_read(r, 0, &res));
	LKT_EXPECT_ST(t, ERR_BAD_HANDLE, port_write(r, &pk, 1));
	LKT_EXPECT_ST(t, NO_ERROR, port_group_remove(g, r));
	LKT_EXPECT_ST(t, NO_ERROR, port_close(g));
	LKT_EXPECT_ST(t, NO_ERROR, port_close(w));
	LKT_EXPECT_ST(t, NO_ERROR, port_destroy(w));
	LKT_EXPECT_ST(t, ERR_CANCELLED, port_read_timeout(r, LKT_WAIT_MS, &res));
	LKT_EXPECT_ST(t, NO_ERROR, port_close(r));
}

/* ---- a mutex set up at run time, with LK's taken names ------------------------ */

static void names_mutex_init(struct lkt *t)
{
	mutex_t m;

	mutex_init(&m);
	LKT_EXPECT_ST(t, NO_ERROR, mutex_acquire(&m));
	LKT_EXPECT(t, is_mutex_held(&m));
	LKT_EXPECT_ST(t, NO_ERROR, mutex_release(&m));
	mutex_destroy(&m);
}

static const struct lkt_case names_cases[] = {
	{ "static_values", names_static_values },
	{ "first_use_race", names_first_use_race },
	{ "resched", names_resched },
	{ "ports", names_ports },
	{ "mutex_init", names_mutex_init },
};

const struct lkt_suite lkt_lk_names_suite = {
	.name = "lk_names",
	.cases = names_cases,
	.n_cases = ARRAY_SIZE(names_cases),
};
