// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-bench-scale: how lkport's costs grow with the number of objects,
 * waiters and readers, beside the peer a user would compare with.
 *
 *   open     opening an object by name and closing the fd again, with
 *            N objects of that kind alive (N = 10 ... 10,000): lkport
 *            events, lkport read ports (opened on one of N write ports)
 *            and POSIX message queues (mq_open + mq_close). Names are
 *            picked pseudo-randomly among the N, so no one name stays hot.
 *            Flat means the name lookup does not grow with N.
 *   wake     one call that wakes N threads blocked on one object: an
 *            lkport event's EVENT_SIGNAL against FUTEX_WAKE(INT_MAX) on
 *            one futex word. Two times per round: the waking call itself,
 *            and from before that call until the last woken thread runs.
 *   fanout   one packet to N readers: one PORT_WRITE to a broadcast port
 *            with N read ports, against N write() calls of 16 bytes to N
 *            pipes in turn. The time is the writer's; the readers drain
 *            between rounds, untimed.
 *
 * Every round is checked: an open that fails, a wake that releases fewer
 * threads than wait, a write that reaches fewer readers than are open, all
 * fail the run. Times are printed, never judged; "vs_first" is the cost at
 * N over the cost at the smallest N of the same row (1.0 = flat), and for
 * wake and fanout "per_unit" is the cost per waiter or reader.
 *
 * The module's per-user object limit (max_objects_per_user) and the
 * process's fd and message-queue limits are raised for the run as far as
 * the largest N needs, and the module parameters put back afterwards;
 * both need root (the VM's benchmarks run as root).
 *
 * usage: lkport-bench-scale [-s open,wake,fanout] [-n N,...] [-w N,...]
 *                           [-f N,...] [-r ROUNDS]
 * RESULT keys: scale.open.<peer>.n<N>.{ns,vs_first},
 * scale.wake.<peer>.n<N>.{call_ns,all_run_ns,per_unit_ns,vs_first},
 * scale.fanout.<peer>.n<N>.{ns,per_unit_ns,vs_first}.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define MAX_SIZES 8
#define OPEN_OPS 2000		/* open+close pairs per timed batch */
#define OPEN_BATCHES 5		/* batches per N; the median one counts */

static const char *const param_dir = "/sys/module/lkport/parameters";

static void usage(void)
{
	fprintf(stderr,
		"usage: lkport-bench-scale [-s open,wake,fanout] [-n N,...] [-w N,...]\n"
		"                          [-f N,...] [-r ROUNDS]\n"
		"  -s  scenarios (default all three)\n"
		"  -n  live objects for open (default 10,100,1000,10000)\n"
		"  -w  waiters for wake (default 1,10,100,1000)\n"
		"  -f  readers for fanout (default 1,8,64,512,1000)\n"
		"  -r  timed rounds per N for wake and fanout (default 15)\n");
	exit(2);
}

static int parse_sizes(const char *s, unsigned long *out, unsigned long max)
{
	int n = 0;

	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v < 1 || v > max || n == MAX_SIZES || (n && v <= out[n - 1])) {
			fprintf(stderr, "sizes: up to %d increasing numbers from 1 to %lu\n",
				MAX_SIZES, max);
			usage();
		}
		out[n++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			usage();
	}
	if (!n)
		usage();
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* xorshift: a reproducible spread of names without libc's rand state. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* ---- limits ------------------------------------------------------------------- */

static char saved_objects[32], saved_bytes[32];

static int param_read(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", param_dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf[0] ? 0 : -1;
}

static void param_write(const char *name, const char *value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", param_dir, name);
	f = fopen(path, "w");
	if (!f || fputs(value, f) < 0 || fclose(f) != 0)
		fail_errno("writing %s to %s (needs root)", value, path);
}

static void params_restore(void)
{
	if (saved_objects[0])
		param_write("max_objects_per_user", saved_objects);
	if (saved_bytes[0])
		param_write("max_bytes_per_user", saved_bytes);
}

/* Room for `objects` lkport objects and `fds` descriptors. */
static void limits_raise(unsigned long objects, unsigned long fds)
{
	struct rlimit r;
	char v[32];

	if (getrlimit(RLIMIT_NOFILE, &r))
		fail_errno("getrlimit(RLIMIT_NOFILE)");
	if (r.rlim_cur < fds + 64) {
		r.rlim_cur = fds + 64;
		if (r.rlim_max < r.rlim_cur)
			r.rlim_max = r.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &r))
			fail_errno("setrlimit(RLIMIT_NOFILE, %lu) (needs root)", fds + 64);
	}
	r.rlim_cur = r.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_MSGQUEUE, &r))
		fail_errno("setrlimit(RLIMIT_MSGQUEUE) (needs root)");
	if (!saved_objects[0]) {
		if (param_read("max_objects_per_user", saved_objects, sizeof(saved_objects)) ||
		    param_read("max_bytes_per_user", saved_bytes, sizeof(saved_bytes)))
			fail("cannot read lkport's parameters in %s", param_dir);
		atexit(params_restore);
	}
	snprintf(v, sizeof(v), "%lu", objects + 64);
	param_write("max_objects_per_user", v);
	/* rings of up to 16 packets of 16 bytes per object, with room to spare */
	snprintf(v, sizeof(v), "%lu", (objects + 64) * 1024);
	param_write("max_bytes_per_user", v);
}

static void proc_write(const char *path, unsigned long value)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%lu", value) < 0 || fclose(f) != 0)
		fail_errno("writing %lu to %s (needs root)", value, path);
}

/* ---- open by name ---------------------------------------------------------------- */

enum open_peer { OPEN_EVENT, OPEN_PORT, OPEN_MQ, OPEN_PEERS };
static const char *const open_names[] = { "lkport-event", "lkport-port", "mq" };

static void open_name(char *out, size_t len, int peer, unsigned long i)
{
	if (peer == OPEN_MQ)
		snprintf(out, len, "/lkb-%d-scale-%lu", (int)getpid(), i);
	else
		snprintf(out, len, "lkb-%d-scale-%lu", (int)getpid(), i);
}

static int open_one(int peer, const char *name)
{
	struct lkport_event_open eo = { .access = LKPORT_ACCESS_WAIT };
	struct lkport_port_open po = { 0 };
	int fd;

	switch (peer) {
	case OPEN_EVENT:
		snprintf(eo.name, sizeof(eo.name), "%s", name);
		fd = ioctl(lkp_dev(), LKPORT_IOC_EVENT_OPEN, &eo);
		break;
	case OPEN_PORT:
		snprintf(po.name, sizeof(po.name), "%s", name);
		fd = ioctl(lkp_dev(), LKPORT_IOC_PORT_OPEN, &po);
		break;
	default:
		fd = mq_open(name, O_RDONLY);
		break;
	}
	if (fd < 0)
		fail_errno("opening %s %s", open_names[peer], name);
	return fd;
}

static int create_one(int peer, const char *name)
{
	struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = 16 };
	int fd;

	switch (peer) {
	case OPEN_EVENT:
		return lkp_event_create(name, 0);
	case OPEN_PORT:
		return lkp_port_create(name, LKPORT_PORT_BROADCAST, 1);
	default:
		fd = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
		if (fd < 0)
			fail_errno("mq_open(%s, O_CREAT)", name);
		return fd;
	}
}

static void drop_one(int peer, int fd, unsigned long i)
{
	char name[LKPORT_NAME_LEN];

	close(fd);
	if (peer == OPEN_MQ) {
		open_name(name, sizeof(name), peer, i);
		if (mq_unlink(name))
			fail_errno("mq_unlink(%s)", name);
	}
}

/* OPEN_BATCHES batch means (ns per open+close) into out, names at random
 * among the `live` ones. */
static void open_batches(int peer, unsigned long live, uint32_t *seed, uint64_t *out)
{
	char name[LKPORT_NAME_LEN];

	for (int b = 0; b < OPEN_BATCHES; b++) {
		uint64_t t0 = now_ns();

		for (int k = 0; k < OPEN_OPS; k++) {
			open_name(name, sizeof(name), peer, next_rand(seed) % live);
			close(open_one(peer, name));
		}
		out[b] = (now_ns() - t0) / OPEN_OPS;
	}
}

/* Each N is measured twice, once while the objects grow to the largest N
 * and once while they shrink back, and the median of both passes' batches
 * counts: a machine that gets slower or faster during the sweep (a busy
 * host under the VM) then moves every N alike instead of the last ones. */
static void bench_open(const unsigned long *sizes, int nsizes)
{
	unsigned long max = sizes[nsizes - 1];
	int *fds = calloc(max, sizeof(*fds));
	uint64_t (*batch)[2 * OPEN_BATCHES] = calloc(nsizes, sizeof(*batch));

	if (!fds || !batch)
		fail("out of memory");
	limits_raise(max + 16, max + 16);
	proc_write("/proc/sys/fs/mqueue/queues_max", max + 64);

	printf("== open by name and close, with N live objects of the kind (%d pairs per batch,\n"
	       "   median of %d batches: half while growing to N=%lu, half while shrinking\n"
	       "   back; names picked at random among the N)\n", OPEN_OPS, 2 * OPEN_BATCHES, max);
	printf("   %-13s", "N");
	for (int s = 0; s < nsizes; s++)
		printf(" %9lu", sizes[s]);
	printf("   (ns per open+close; last: N=%lu / N=%lu)\n", max, sizes[0]);

	for (int peer = 0; peer < OPEN_PEERS; peer++) {
		unsigned long live = 0;
		uint64_t ns[MAX_SIZES] = { 0 };
		uint32_t seed = 0x9e3779b9u;
		char name[LKPORT_NAME_LEN], key[96];

		for (int s = 0; s < nsizes; s++) {
			for (; live < sizes[s]; live++) {
				open_name(name, sizeof(name), peer, live);
				fds[live] = create_one(peer, name);
			}
			open_batches(peer, live, &seed, batch[s]);
		}
		for (int s = nsizes - 1; s >= 0; s--) {
			for (; live > sizes[s]; live--)
				drop_one(peer, fds[live - 1], live - 1);
			open_batches(peer, live, &seed, batch[s] + OPEN_BATCHES);
		}
		for (; live > 0; live--)
			drop_one(peer, fds[live - 1], live - 1);

		printf("   %-13s", open_names[peer]);
		for (int s = 0; s < nsizes; s++) {
			ns[s] = median(batch[s], 2 * OPEN_BATCHES);
			printf(" %9llu", (unsigned long long)ns[s]);
		}
		printf("   %.2fx\n", (double)ns[nsizes - 1] / (double)ns[0]);
		for (int s = 0; s < nsizes; s++) {
			snprintf(key, sizeof(key), "scale.open.%s.n%lu.ns", open_names[peer], sizes[s]);
			result(key, "%llu", (unsigned long long)ns[s]);
			snprintf(key, sizeof(key), "scale.open.%s.n%lu.vs_first", open_names[peer], sizes[s]);
			result(key, "%.2f", (double)ns[s] / (double)ns[0]);
		}
	}
	free(batch);
	free(fds);
}

/* ---- one call waking N threads ---------------------------------------------------------- */

struct waker {
	bool futex;
	unsigned long n;
	int efd;			/* lkport event (no AUTOUNSIGNAL) */
	_Atomic uint32_t word;		/* futex: 0 = wait, 1 = released */
	_Atomic uint32_t round;		/* bumped to start the next round */
	_Atomic unsigned long armed;	/* threads about to wait this round */
	_Atomic unsigned long woke;	/* threads that ran after the wake */
	_Atomic uint64_t last_run;	/* latest now_ns() of a woken thread */
	_Atomic bool stop;
};

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void fetch_max(_Atomic uint64_t *p, uint64_t v)
{
	uint64_t cur = atomic_load(p);

	while (cur < v && !atomic_compare_exchange_weak(p, &cur, v))
		;
}

static void *wake_thread(void *arg)
{
	struct waker *w = arg;
	uint32_t round = 0;

	for (;;) {
		while (atomic_load(&w->round) == round)
			futex(&w->round, FUTEX_WAIT_PRIVATE, round);
		round = atomic_load(&w->round);
		if (atomic_load(&w->stop))
			return NULL;
		atomic_fetch_add(&w->armed, 1);
		if (w->futex) {
			while (atomic_load(&w->word) == 0)
				futex(&w->word, FUTEX_WAIT_PRIVATE, 0);
		} else {
			struct lkport_wait wt = { .deadline_ns = LKPORT_FOREVER };

			while (ioctl(w->efd, LKPORT_IOC_EVENT_WAIT, &wt) < 0)
				if (errno != EINTR)
					fail_errno("LKPORT_IOC_EVENT_WAIT");
		}
		fetch_max(&w->last_run, now_ns());
		atomic_fetch_add(&w->woke, 1);
	}
}

static unsigned int lkport_waiters(int fd)
{
	struct lkport_info info;

	if (ioctl(fd, LKPORT_IOC_INFO, &info))
		fail_errno("LKPORT_IOC_INFO");
	return info.waiters;
}

/* One timed round; false when it must be redone (a futex waiter had not
 * reached FUTEX_WAIT when the wake came: nothing to measure). */
static bool wake_round(struct waker *w, uint64_t *call, uint64_t *all)
{
	uint64_t t0, t1;
	long woken;

	atomic_store(&w->armed, 0);
	atomic_store(&w->woke, 0);
	atomic_store(&w->last_run, 0);
	atomic_store(&w->word, 0);
	atomic_fetch_add(&w->round, 1);
	futex(&w->round, FUTEX_WAKE_PRIVATE, INT_MAX);
	while (atomic_load(&w->armed) < w->n)
		usleep(200);
	if (!w->futex) {
		/* exact: the module counts the threads blocked in EVENT_WAIT */
		while (lkport_waiters(w->efd) < w->n)
			usleep(200);
	} else {
		/* no count to ask for: give them time to block, check after */
		usleep(2000 + 20 * w->n);
	}
	if (w->futex) {
		t0 = now_ns();
		atomic_store(&w->word, 1);
		woken = futex(&w->word, FUTEX_WAKE_PRIVATE, INT_MAX);
		t1 = now_ns();
	} else {
		t0 = now_ns();
		woken = ioctl(w->efd, LKPORT_IOC_EVENT_SIGNAL);
		t1 = now_ns();
	}
	if (woken < 0)
		fail_errno("waking %lu threads", w->n);
	while (atomic_load(&w->woke) < w->n)
		usleep(200);
	if (!w->futex) {
		if (ioctl(w->efd, LKPORT_IOC_EVENT_UNSIGNAL))
			fail_errno("LKPORT_IOC_EVENT_UNSIGNAL");
		if ((unsigned long)woken != w->n)
			fail("EVENT_SIGNAL released %ld of %lu waiting threads", woken, w->n);
	} else if ((unsigned long)woken != w->n) {
		return false;
	}
	*call = t1 - t0;
	*all = atomic_load(&w->last_run) - t0;
	return true;
}

static void bench_wake(const unsigned long *sizes, int nsizes, int rounds)
{
	static const char *const names[] = { "lkport-event", "futex" };
	unsigned long max = sizes[nsizes - 1];
	pthread_attr_t attr;
	pthread_t *tids = calloc(max, sizeof(*tids));

	if (!tids || pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, 64 << 10))
		fail("thread setup");
	limits_raise(16, 64);
	printf("== one call waking N threads blocked on one object (%d rounds per N, medians)\n",
	       rounds);
	printf("   %-13s %6s %12s %12s %12s %9s\n", "peer", "N", "call ns", "all run ns",
	       "call ns/N", "vs N=first");
	for (int peer = 0; peer < 2; peer++) {
		uint64_t first = 0;

		for (int s = 0; s < nsizes; s++) {
			struct waker *w = shared_alloc(sizeof(*w));
			uint64_t *call = calloc(rounds, sizeof(*call));
			uint64_t *all = calloc(rounds, sizeof(*all));
			char name[LKPORT_NAME_LEN], key[96];
			uint64_t c, a;
			int done = 0, redo = 0;

			if (!call || !all)
				fail("out of memory");
			w->futex = peer == 1;
			w->n = sizes[s];
			w->efd = -1;
			if (!w->futex) {
				lkp_name(name, "wake");
				w->efd = lkp_event_create(name, 0);
			}
			for (unsigned long i = 0; i < w->n; i++)
				if (pthread_create(&tids[i], &attr, wake_thread, w))
					fail("pthread_create (thread %lu of %lu)", i + 1, w->n);
			while (done < rounds) {
				if (wake_round(w, &call[done], &all[done]))
					done++;
				else if (++redo > 10 * rounds)
					fail("futex: waiters kept missing the wake");
			}
			atomic_store(&w->stop, true);
			atomic_fetch_add(&w->round, 1);
			futex(&w->round, FUTEX_WAKE_PRIVATE, INT_MAX);
			for (unsigned long i = 0; i < w->n; i++)
				pthread_join(tids[i], NULL);
			if (w->efd >= 0)
				close(w->efd);
			c = median(call, rounds);
			a = median(all, rounds);
			if (!s)
				first = c;
#define WKEY(what) snprintf(key, sizeof(key), "scale.wake.%s.n%lu." what, names[peer], w->n)
			WKEY("call_ns");
			result(key, "%llu", (unsigned long long)c);
			WKEY("all_run_ns");
			result(key, "%llu", (unsigned long long)a);
			WKEY("per_unit_ns");
			result(key, "%.0f", (double)c / (double)w->n);
			WKEY("vs_first");
			result(key, "%.2f", (double)c / (double)first);
#undef WKEY
			printf("   %-13s %6lu %12llu %12llu %12.0f %8.2fx%s\n", names[peer], w->n,
			       (unsigned long long)c, (unsigned long long)a, (double)c / (double)w->n,
			       (double)c / (double)first, redo ? "  (futex rounds redone)" : "");
			free(call);
			free(all);
			munmap(w, sizeof(*w));
		}
	}
	pthread_attr_destroy(&attr);
	free(tids);
}

/* ---- one packet to N readers --------------------------------------------------------------- */

static void drain_port(int rfd)
{
	struct lkport_result res[LKPORT_READ_MAX];
	struct lkport_port_read r = { .deadline_ns = 0, .results = (uintptr_t)res, .max = 1 };

	if (ioctl(rfd, LKPORT_IOC_PORT_READ, &r) || r.count != 1)
		fail_errno("PORT_READ on a reader the write reached");
}

static void bench_fanout(const unsigned long *sizes, int nsizes, int rounds)
{
	static const char *const names[] = { "lkport-port", "pipe" };
	unsigned long max = sizes[nsizes - 1];
	int *rfds = calloc(max, sizeof(*rfds)), *wfds = calloc(max, sizeof(*wfds));
	uint64_t *t = calloc(rounds, sizeof(*t));

	if (!rfds || !wfds || !t)
		fail("out of memory");
	limits_raise(max + 16, 2 * max + 16);
	printf("== one 16-byte packet to N readers (%d rounds per N, medians): one PORT_WRITE\n"
	       "   to a broadcast port with N read ports, N write()s to N pipes in turn\n", rounds);
	printf("   %-13s %6s %12s %12s %9s\n", "peer", "N", "write ns", "ns/reader", "vs N=first");
	for (int peer = 0; peer < 2; peer++) {
		uint64_t first = 0;

		for (int s = 0; s < nsizes; s++) {
			unsigned long n = sizes[s];
			struct lkport_packet pkt = { .data = { 1 } };
			char name[LKPORT_NAME_LEN], key[96], buf[16] = { 1 };
			int wfd = -1;
			uint64_t ns;

			if (peer == 0) {
				lkp_name(name, "fanout");
				wfd = lkp_port_create(name, LKPORT_PORT_BROADCAST, 1);
				for (unsigned long i = 0; i < n; i++)
					rfds[i] = lkp_port_open(name, i);
			} else {
				for (unsigned long i = 0; i < n; i++) {
					int p[2];

					if (pipe(p))
						fail_errno("pipe (%lu of %lu)", i + 1, n);
					rfds[i] = p[0];
					wfds[i] = p[1];
				}
			}
			for (int r = 0; r < rounds; r++) {
				uint64_t t0;

				if (peer == 0) {
					struct lkport_port_write w = {
						.packets = (uintptr_t)&pkt, .count = 1,
					};
					int ret;

					t0 = now_ns();
					ret = ioctl(wfd, LKPORT_IOC_PORT_WRITE, &w);
					t[r] = now_ns() - t0;
					if (ret != 0 || w.delivered != n)
						fail_errno("PORT_WRITE reached %u of %lu readers (ret %d)",
							   w.delivered, n, ret);
					for (unsigned long i = 0; i < n; i++)
						drain_port(rfds[i]);
				} else {
					t0 = now_ns();
					for (unsigned long i = 0; i < n; i++)
						if (write(wfds[i], buf, sizeof(buf)) != sizeof(buf))
							fail_errno("write to pipe %lu", i);
					t[r] = now_ns() - t0;
					for (unsigned long i = 0; i < n; i++)
						if (read(rfds[i], buf, sizeof(buf)) != sizeof(buf))
							fail_errno("read from pipe %lu", i);
				}
			}
			ns = median(t, rounds);
			if (!s)
				first = ns;
			for (unsigned long i = 0; i < n; i++) {
				close(rfds[i]);
				if (peer == 1)
					close(wfds[i]);
			}
			if (wfd >= 0)
				close(wfd);
#define FKEY(what) snprintf(key, sizeof(key), "scale.fanout.%s.n%lu." what, names[peer], n)
			FKEY("ns");
			result(key, "%llu", (unsigned long long)ns);
			FKEY("per_unit_ns");
			result(key, "%.0f", (double)ns / (double)n);
			FKEY("vs_first");
			result(key, "%.2f", (double)ns / (double)first);
#undef FKEY
			printf("   %-13s %6lu %12llu %12.0f %8.2fx\n", names[peer], n,
			       (unsigned long long)ns, (double)ns / (double)n,
			       (double)ns / (double)first);
		}
	}
	free(rfds);
	free(wfds);
	free(t);
}

int main(int argc, char **argv)
{
	unsigned long open_n[MAX_SIZES] = { 10, 100, 1000, 10000 };
	unsigned long wake_n[MAX_SIZES] = { 1, 10, 100, 1000 };
	unsigned long fan_n[MAX_SIZES] = { 1, 8, 64, 512, 1000 };
	int nopen = 4, nwake = 4, nfan = 5, rounds = 15, c;
	const char *list = NULL;

	bench_init("lkport-bench-scale");
	while ((c = getopt(argc, argv, "s:n:w:f:r:h")) != -1) {
		switch (c) {
		case 's': list = optarg; break;
		case 'n': nopen = parse_sizes(optarg, open_n, 100000); break;
		case 'w': nwake = parse_sizes(optarg, wake_n, 4000); break;
		case 'f': nfan = parse_sizes(optarg, fan_n, 4000); break;
		case 'r':
			rounds = atoi(optarg);
			if (rounds < 1 || rounds > 1000)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (list_has(list, "open"))
		bench_open(open_n, nopen);
	if (list_has(list, "wake"))
		bench_wake(wake_n, nwake, rounds);
	if (list_has(list, "fanout"))
		bench_fanout(fan_n, nfan, rounds);
	return 0;
}
