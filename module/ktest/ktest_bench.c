// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks: lkport's primitives side by side with Linux's own, in one
 * boot, on the same CPUs. Nothing here asserts a timing; a benchmark only
 * fails when a primitive misbehaves (a wait that times out).
 *
 *   uncontended  ns per operation pair in one thread: lk mutex vs mutex,
 *                lk semaphore vs semaphore, auto-unsignal lk event vs
 *                completion; median of several batches, run interleaved.
 *   wake         a waker on the first CPU and a waiter on the second:
 *                ping-pong round trip, and signal-to-running time of a
 *                sleeping waiter; lk event vs completion, in alternating
 *                chunks; median, p99, min and mean.
 */
#include <linux/completion.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/utsname.h>

#include "ktest.h"

#define BENCH_BATCHES		9
#define BENCH_ITERS		20000u
#define BENCH_ROUNDS		2000u
#define BENCH_WARMUP		50u
#define BENCH_CHUNKS		8u

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Integer and fractional part of a value in hundredths ("12.34"). */
static unsigned long long h_int(u64 v)
{
	return div_u64(v, 100);
}

static unsigned long long h_frac(u64 v)
{
	u32 rem;

	div_u64_rem(v, 100, &rem);
	return rem;
}

static u64 bench_ratio100(u64 num, u64 den)
{
	return den ? div64_u64(num * 100 + den / 2, den) : 0;
}

/* ---- uncontended ------------------------------------------------------ */

enum {
	B_LK_MUTEX, B_MUTEX,
	B_LK_SEM, B_SEM,
	B_LK_EVENT, B_COMPLETION,
	B_KINDS
};

static const char *const bench_op_names[B_KINDS] = {
	[B_LK_MUTEX] = "lk_mutex_acquire+release",
	[B_MUTEX] = "mutex_lock+unlock",
	[B_LK_SEM] = "lk_sem_post+wait",
	[B_SEM] = "up+down",
	[B_LK_EVENT] = "lk_event_signal+wait",
	[B_COMPLETION] = "complete+wait_for_completion",
};

struct bench_unc {
	unsigned int iters;
	lk_mutex_t lkm;
	struct mutex m;
	lk_semaphore_t lks;
	struct semaphore s;
	lk_event_t lke;
	struct completion c;
	u64 ns[B_KINDS][BENCH_BATCHES];	/* per batch, in ns*100 per pair */
};

static noinline u64 bench_unc_once(struct bench_unc *b, int kind)
{
	unsigned int i, n = b->iters;
	u64 start = ktime_get_ns();

	switch (kind) {
	case B_LK_MUTEX:
		for (i = 0; i < n; i++) {
			lk_mutex_acquire(&b->lkm);
			lk_mutex_release(&b->lkm);
		}
		break;
	case B_MUTEX:
		for (i = 0; i < n; i++) {
			mutex_lock(&b->m);
			mutex_unlock(&b->m);
		}
		break;
	case B_LK_SEM:
		for (i = 0; i < n; i++) {
			lk_sem_post(&b->lks);
			lk_sem_wait(&b->lks);
		}
		break;
	case B_SEM:
		for (i = 0; i < n; i++) {
			up(&b->s);
			down(&b->s);
		}
		break;
	case B_LK_EVENT:
		for (i = 0; i < n; i++) {
			lk_event_signal(&b->lke);
			lk_event_wait(&b->lke);
		}
		break;
	case B_COMPLETION:
		for (i = 0; i < n; i++) {
			complete(&b->c);
			wait_for_completion(&b->c);
		}
		break;
	}
	return ktime_get_ns() - start;
}

static int bench_unc_worker(struct lkt_worker *w)
{
	struct bench_unc *b = w->arg;
	unsigned int k, i;

	/* One warm-up pass, then batches interleaved across the primitives. */
	for (k = 0; k < B_KINDS; k++)
		bench_unc_once(b, k);
	for (i = 0; i < BENCH_BATCHES; i++) {
		for (k = 0; k < B_KINDS; k++) {
			b->ns[k][i] = div_u64(bench_unc_once(b, k) * 100, b->iters);
			cond_resched();
		}
	}
	return 0;
}

/* A primitive that blocks where it cannot: release the untimed waits. */
static void bench_unc_rescue(void *arg)
{
	struct bench_unc *b = arg;

	lk_event_destroy(&b->lke);
	lk_sem_destroy(&b->lks);
	lk_mutex_destroy(&b->lkm);
	complete_all(&b->c);
	up(&b->s);
}

static int bench_uncontended(struct lkt *t, unsigned int iters)
{
	struct lkt_team *team;
	struct bench_unc *b;
	u64 med[B_KINDS];
	unsigned int k;
	int ret = 0;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->iters = iters;
	lk_mutex_init(&b->lkm);
	mutex_init(&b->m);
	lk_sem_init(&b->lks, 0);
	sema_init(&b->s, 0);		/* Linux's counting semaphore, to compare */
	lk_event_init(&b->lke, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
	init_completion(&b->c);

	team = lkt_team_new(t, "bunc", bench_unc_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), b)) {
		ret = -ENOMEM;
		goto out;
	}
	lkt_team_set_rescue(team, bench_unc_rescue, b);
	lkt_team_start(team);
	if (lkt_team_join(team, 120000 + iters / 10)) {
		ret = -EIO;
		goto out;
	}
	for (k = 0; k < B_KINDS; k++) {
		sort(b->ns[k], BENCH_BATCHES, sizeof(u64), bench_cmp_u64, NULL);
		med[k] = b->ns[k][BENCH_BATCHES / 2];
	}
	lkt_log_line(t->log, "%s", "");
	lkt_log_line(t->log, "Uncontended, one thread on CPU %u: ns per operation pair (median of %u batches of %u)",
		     lkt_cpu(0), BENCH_BATCHES, iters);
	lkt_log_line(t->log, "  %-14s %-26s %9s   %-30s %9s   %s", "operation", "lkport", "ns",
		     "Linux", "ns", "lkport/Linux");
	for (k = 0; k < B_KINDS; k += 2) {
		static const char *const what[] = { "lock+unlock", "post+wait", "signal+wait" };
		u64 ratio = bench_ratio100(med[k], med[k + 1]);

		lkt_log_line(t->log, "  %-14s %-26s %6llu.%02llu   %-30s %6llu.%02llu   %llu.%02llu",
			     what[k / 2], bench_op_names[k], h_int(med[k]), h_frac(med[k]),
			     bench_op_names[k + 1], h_int(med[k + 1]), h_frac(med[k + 1]),
			     h_int(ratio), h_frac(ratio));
	}
out:
	lkt_team_free(team);
	lk_event_destroy(&b->lke);
	lk_sem_destroy(&b->lks);
	lk_mutex_destroy(&b->lkm);
	kfree(b);
	return ret;
}

/* ---- cross-CPU wake-ups ----------------------------------------------- */

enum { W_PINGPONG, W_WAKE, W_MODES };
enum { W_LK, W_LINUX, W_IMPLS };

struct bench_wake {
	int mode, impl;
	unsigned int rounds;		/* measured rounds in this chunk */
	u64 *samples;			/* where this chunk's go */
	lk_event_t ping, pong;
	struct completion cping, cpong;
	struct task_struct *waiter;
	atomic_t armed;
	atomic_t acked;
	u64 t_signal;
};

static void bw_signal(struct bench_wake *b, bool ping)
{
	if (b->impl == W_LK)
		lk_event_signal(ping ? &b->ping : &b->pong);
	else
		complete(ping ? &b->cping : &b->cpong);
}

/* Untimed on both sides, for a fair comparison; a lost wake-up is rescued. */
static int bw_wait(struct bench_wake *b, bool ping)
{
	if (b->impl == W_LK)
		return lk_event_wait(ping ? &b->ping : &b->pong);
	wait_for_completion(ping ? &b->cping : &b->cpong);
	return LK_NO_ERROR;
}

static int bench_wake_worker(struct lkt_worker *w)
{
	struct bench_wake *b = w->arg;
	unsigned int i, total = b->rounds + BENCH_WARMUP;
	u64 t0;
	int st;

	for (i = 1; i <= total && !lkt_team_stopping(w->team); i++) {
		if (b->mode == W_PINGPONG) {
			if (w->idx == 0) {
				t0 = ktime_get_ns();
				bw_signal(b, true);
				st = bw_wait(b, false);
				if (i > BENCH_WARMUP)
					b->samples[i - 1 - BENCH_WARMUP] = ktime_get_ns() - t0;
			} else {
				st = bw_wait(b, true);
				bw_signal(b, false);
			}
		} else if (w->idx == 0) {
			/* Signal only once the waiter is asleep in its wait. */
			if (!lkt_spin((atomic_read(&b->armed) == i && lkt_task_asleep(b->waiter)) ||
				      lkt_team_stopping(w->team), LKT_WAIT_MS))
				break;
			WRITE_ONCE(b->t_signal, ktime_get_ns());
			bw_signal(b, true);
			if (!lkt_spin(atomic_read(&b->acked) == i || lkt_team_stopping(w->team),
				      LKT_WAIT_MS))
				break;
			st = LK_NO_ERROR;
		} else {
			atomic_set(&b->armed, i);
			st = bw_wait(b, true);
			t0 = ktime_get_ns() - READ_ONCE(b->t_signal);
			if (i > BENCH_WARMUP)
				b->samples[i - 1 - BENCH_WARMUP] = t0;
			atomic_set(&b->acked, i);
		}
		if (st != LK_NO_ERROR)
			break;
	}
	return i > total ? 0 : -1;
}

/* Releases the untimed waits of a stuck chunk. */
static void bench_wake_rescue(void *arg)
{
	struct bench_wake *b = arg;

	lk_event_destroy(&b->ping);
	lk_event_destroy(&b->pong);
	complete_all(&b->cping);
	complete_all(&b->cpong);
}

/* One chunk of one mode and implementation. */
static int bench_wake_chunk(struct lkt *t, struct bench_wake *b)
{
	struct lkt_team *team;
	struct lkt_worker *waiter;
	int ret = 0;

	lk_event_init(&b->ping, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
	lk_event_init(&b->pong, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
	init_completion(&b->cping);
	init_completion(&b->cpong);
	atomic_set(&b->armed, 0);
	atomic_set(&b->acked, 0);
	team = lkt_team_new(t, "bwake", bench_wake_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), b)) {
		ret = -ENOMEM;
		goto out;
	}
	waiter = lkt_team_add(team, lkt_cpu(1), b);
	if (!waiter) {
		ret = -ENOMEM;
		goto out;
	}
	b->waiter = waiter->task;
	lkt_team_set_rescue(team, bench_wake_rescue, b);
	lkt_team_start(team);
	if (lkt_team_join(team, 6 * LKT_WAIT_MS + b->rounds)) {
		LKT_FAIL(t, "wake benchmark failed (%s, %s)",
			 b->mode == W_PINGPONG ? "ping-pong" : "wake",
			 b->impl == W_LK ? "lk_event" : "completion");
		ret = -EIO;
	}
out:
	lkt_team_free(team);
	lk_event_destroy(&b->ping);
	lk_event_destroy(&b->pong);
	return ret;
}

struct bench_stats {
	u64 p50, p99, min, mean;
};

static void bench_stats(u64 *s, unsigned int n, struct bench_stats *st)
{
	u64 sum = 0;
	unsigned int i;

	sort(s, n, sizeof(u64), bench_cmp_u64, NULL);
	for (i = 0; i < n; i++)
		sum += s[i];
	st->min = s[0];
	st->p50 = s[n / 2];
	st->p99 = s[min(n - 1, n * 99 / 100)];
	st->mean = div_u64(sum, n);
}

static int bench_wake(struct lkt *t, unsigned int rounds)
{
	static const char *const mode_names[W_MODES] = {
		[W_PINGPONG] = "ping-pong round trip",
		[W_WAKE] = "signal to running",
	};
	static const char *const impl_names[W_IMPLS] = {
		[W_LK] = "lk_event (auto)",
		[W_LINUX] = "completion",
	};
	struct bench_stats st[W_MODES][W_IMPLS];
	u64 r[4];
	unsigned int per_chunk = DIV_ROUND_UP(rounds, BENCH_CHUNKS);
	u64 *samples[W_MODES][W_IMPLS] = {};
	struct bench_wake *b;
	int mode, impl, ret = 0;
	unsigned int c;

	if (lkt_ncpus() < 2) {
		lkt_log_line(t->log, "%s", "");
		lkt_log_line(t->log, "Cross-CPU wake-up: skipped, needs two online CPUs");
		return 0;
	}
	rounds = per_chunk * BENCH_CHUNKS;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	for (mode = 0; mode < W_MODES; mode++) {
		for (impl = 0; impl < W_IMPLS; impl++) {
			samples[mode][impl] = kvcalloc(rounds, sizeof(u64), GFP_KERNEL);
			if (!samples[mode][impl]) {
				ret = -ENOMEM;
				goto out;
			}
		}
	}
	/* Alternate implementations chunk by chunk, so that drift hits both. */
	for (c = 0; c < BENCH_CHUNKS && !ret; c++) {
		for (mode = 0; mode < W_MODES && !ret; mode++) {
			for (impl = 0; impl < W_IMPLS && !ret; impl++) {
				b->mode = mode;
				b->impl = impl;
				b->rounds = per_chunk;
				b->samples = samples[mode][impl] + c * per_chunk;
				ret = bench_wake_chunk(t, b);
			}
		}
	}
	if (ret)
		goto out;
	for (mode = 0; mode < W_MODES; mode++)
		for (impl = 0; impl < W_IMPLS; impl++)
			bench_stats(samples[mode][impl], rounds, &st[mode][impl]);

	lkt_log_line(t->log, "%s", "");
	lkt_log_line(t->log, "Cross-CPU wake-up, waker on CPU %u, waiter on CPU %u: ns (%u rounds each, %u warm-up rounds per chunk of %u)",
		     lkt_cpu(0), lkt_cpu(1), rounds, BENCH_WARMUP, per_chunk);
	lkt_log_line(t->log, "  %-22s %-16s %9s %9s %9s %9s", "measure", "primitive", "p50", "p99",
		     "min", "mean");
	for (mode = 0; mode < W_MODES; mode++) {
		for (impl = 0; impl < W_IMPLS; impl++)
			lkt_log_line(t->log, "  %-22s %-16s %9llu %9llu %9llu %9llu",
				     impl ? "" : mode_names[mode], impl_names[impl],
				     st[mode][impl].p50, st[mode][impl].p99,
				     st[mode][impl].min, st[mode][impl].mean);
		r[0] = bench_ratio100(st[mode][W_LK].p50, st[mode][W_LINUX].p50);
		r[1] = bench_ratio100(st[mode][W_LK].p99, st[mode][W_LINUX].p99);
		r[2] = bench_ratio100(st[mode][W_LK].min, st[mode][W_LINUX].min);
		r[3] = bench_ratio100(st[mode][W_LK].mean, st[mode][W_LINUX].mean);
		lkt_log_line(t->log, "  %-22s %-16s %6llu.%02llu %6llu.%02llu %6llu.%02llu %6llu.%02llu",
			     "", "lkport/Linux", h_int(r[0]), h_frac(r[0]),
			     h_int(r[1]), h_frac(r[1]), h_int(r[2]), h_frac(r[2]),
			     h_int(r[3]), h_frac(r[3]));
	}
out:
	for (mode = 0; mode < W_MODES; mode++)
		for (impl = 0; impl < W_IMPLS; impl++)
			kvfree(samples[mode][impl]);
	kfree(b);
	return ret;
}

/* ---- entry ------------------------------------------------------------ */

int lkt_run_bench(struct lkt_log *log, const char *cmd_in)
{
	unsigned int iters = BENCH_ITERS, rounds = BENCH_ROUNDS;
	bool unc = false, wake = false;
	struct lkt t = {
		.name = "bench",
		.log = log,
		.scale = 1,
	};
	char cmd[128], *p = cmd, *word;
	int ret = 0, r;

	lkt_log_reset(log);
	atomic_set(&t.failures, 0);
	atomic_set(&t.diag_left, LKT_DIAG_BUDGET);
	strscpy(cmd, cmd_in, sizeof(cmd));
	while ((word = strsep(&p, " ,\t\n")) != NULL) {
		if (!*word)
			continue;
		if (!strcmp(word, "all")) {
			unc = wake = true;
		} else if (!strcmp(word, "uncontended")) {
			unc = true;
		} else if (!strcmp(word, "wake")) {
			wake = true;
		} else if (!strncmp(word, "iters=", 6)) {
			if (kstrtouint(word + 6, 10, &iters) || !iters)
				return -EINVAL;
		} else if (!strncmp(word, "rounds=", 7)) {
			if (kstrtouint(word + 7, 10, &rounds) || rounds < BENCH_CHUNKS)
				return -EINVAL;
		} else {
			lkt_log_line(log, "# unknown benchmark: %s", word);
			return -EINVAL;
		}
	}
	if (!unc && !wake)
		unc = wake = true;
	lkt_cpus_snapshot();
	lkt_log_line(log, "lkport in-kernel benchmarks: kernel %s, %u CPUs online",
		     utsname()->release, lkt_ncpus());
	if (unc) {
		r = bench_uncontended(&t, iters);
		if (r)
			ret = r;
	}
	if (wake) {
		r = bench_wake(&t, rounds);
		if (r)
			ret = r;
	}
	if (lkt_failed(&t) && !ret)
		ret = -EIO;
	return ret;
}
