// SPDX-License-Identifier: GPL-2.0
/* Code shared by lkport's user-space benchmarks (see bench.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const char *prog_name = "lkport-bench";
static cpu_set_t initial_mask;
static int cpus[CPU_SETSIZE];
static int ncpus;

/* ---- failures ------------------------------------------------------------------ */

static void __attribute__((noreturn)) vfail(bool with_errno, const char *fmt, va_list ap)
{
	int err = errno;

	fflush(stdout);
	fprintf(stderr, "%s: FAIL: ", prog_name);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(false, fmt, ap);
}

void fail_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(true, fmt, ap);
}

void bench_init(const char *prog)
{
	int i;

	prog_name = prog;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sched_getaffinity(0, sizeof(initial_mask), &initial_mask))
		fail_errno("sched_getaffinity");
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &initial_mask))
			cpus[ncpus++] = i;
}

/* ---- time ---------------------------------------------------------------------- */

double clock_cost_ns(void)
{
	enum { N = 2000 };
	uint64_t t0 = now_ns(), t1;
	int i;

	for (i = 0; i < N; i++)
		(void)now_ns();
	t1 = now_ns();
	return (double)(t1 - t0) / N;
}

double ticks_per_sec(void)
{
	static double rate;

	if (rate == 0) {
		struct timespec d = { .tv_nsec = 20 * 1000 * 1000 };
		uint64_t n0 = now_ns(), t0 = ticks(), n1, t1;

		nanosleep(&d, NULL);
		t1 = ticks();
		n1 = now_ns();
		rate = n1 > n0 && t1 > t0 ? (double)(t1 - t0) * 1e9 / (double)(n1 - n0) : 1e9;
	}
	return rate;
}

const char *clocksource(void)
{
	static char buf[64];
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	if (!f)
		return "?";
	if (!fgets(buf, sizeof(buf), f))
		strcpy(buf, "?");
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* ---- CPUs ---------------------------------------------------------------------- */

int cpu_count(void)
{
	return ncpus;
}

int cpu_nth(int n)
{
	return n < ncpus ? cpus[n] : -1;
}

void pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		set = initial_mask;
	} else {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set))
		fail_errno("sched_setaffinity(CPU%d)", cpu);
}

int placement_parse(const char *s)
{
	if (!strcmp(s, "cross"))
		return PLACE_CROSS;
	if (!strcmp(s, "same"))
		return PLACE_SAME;
	if (!strcmp(s, "free"))
		return PLACE_FREE;
	fprintf(stderr, "%s: bad placement '%s' (cross, same or free)\n", prog_name, s);
	exit(2);
}

const char *placement_name(int p)
{
	return p == PLACE_CROSS ? "cross" : p == PLACE_SAME ? "same" : "free";
}

const char *placement_desc(int p)
{
	static char buf[96];

	switch (p) {
	case PLACE_CROSS:
		snprintf(buf, sizeof(buf), "pinned to CPU%d and CPU%d", cpu_nth(0), cpu_nth(1));
		break;
	case PLACE_SAME:
		snprintf(buf, sizeof(buf), "both pinned to CPU%d", cpu_nth(0));
		break;
	default:
		snprintf(buf, sizeof(buf), "unpinned, %d CPUs", ncpus);
		break;
	}
	return buf;
}

int placement_cpu(int p, int side)
{
	switch (p) {
	case PLACE_CROSS:
		return cpu_nth(side);
	case PLACE_SAME:
		return cpu_nth(0);
	default:
		return -1;
	}
}

bool placement_possible(int p)
{
	return p != PLACE_CROSS || ncpus >= 2;
}

/* ---- processes ------------------------------------------------------------------ */

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail_errno("mmap %zu shared bytes", size);
	memset(p, 0, size);
	return p;
}

/* The children spawn() started and reap() has not waited for yet. A slot
 * is filled and emptied with SIGCHLD blocked; the handler reads it. */
#define MAX_CHILDREN 16

static struct child {
	volatile pid_t pid;		/* 0: free slot */
	volatile int reaped, status;
	char msg[160];
} children[MAX_CHILDREN];

/* A child that ends badly ends its parent too, at once: the parent may be
 * blocked waiting for an answer that will never come. */
static void on_sigchld(int sig)
{
	int saved = errno, status, i;

	(void)sig;
	for (i = 0; i < MAX_CHILDREN; i++) {
		struct child *c = &children[i];
		pid_t pid = c->pid;

		if (pid <= 0 || c->reaped || waitpid(pid, &status, WNOHANG) != pid)
			continue;
		c->reaped = 1;
		c->status = status;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			ssize_t r = write(2, c->msg, strlen(c->msg));

			(void)r;
			_exit(1);
		}
	}
	errno = saved;
}

static void block_sigchld(sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, old);
}

pid_t spawn(void (*fn)(void *arg), void *arg, int cpu, const char *what)
{
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	pid_t parent = getpid(), pid;
	struct child *c = NULL;
	sigset_t old;
	int i;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL))
		fail_errno("sigaction(SIGCHLD)");
	block_sigchld(&old);
	for (i = 0; i < MAX_CHILDREN && !c; i++)
		if (!children[i].pid)
			c = &children[i];
	if (!c)
		fail("%s: more than %d children at a time", what, MAX_CHILDREN);
	snprintf(c->msg, sizeof(c->msg), "%s: FAIL: %s: child process failed\n", prog_name, what);
	c->reaped = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail_errno("fork");
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		memset(children, 0, sizeof(children));
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		pin_self(cpu);
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	/* Recorded before SIGCHLD can run: a child that fails at once is
	 * seen too. */
	c->pid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

void reap(pid_t pid)
{
	struct child *c = NULL;
	int status = 0, i;
	sigset_t old;

	block_sigchld(&old);
	for (i = 0; i < MAX_CHILDREN && !c; i++)
		if (children[i].pid == pid)
			c = &children[i];
	if (!c)
		fail("reap: process %d is not a child spawn() started", (int)pid);
	status = c->status;
	if (!c->reaped)
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				fail_errno("waitpid");
	c->pid = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("child process %d failed (status 0x%x)", (int)pid, status);
}

static char watchdog_msg[160];

static void on_sigalrm(int sig)
{
	ssize_t r = write(2, watchdog_msg, strlen(watchdog_msg));

	(void)sig;
	(void)r;
	_exit(1);
}

void watchdog(unsigned int seconds, const char *what)
{
	snprintf(watchdog_msg, sizeof(watchdog_msg),
		 "%s: FAIL: %s: no progress after %u s (a lost wake-up or message?)\n",
		 prog_name, what, seconds);
	signal(SIGALRM, on_sigalrm);
	alarm(seconds);
}

/* ---- statistics ------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void stats_compute(uint64_t *v, size_t n, struct stats *s)
{
	double sum = 0, tsum = 0;
	size_t i, r99, lo, hi;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)v[i];
	/* Nearest rank: the smallest value with at least 99% at or below it. */
	r99 = (99 * n + 99) / 100;
	if (r99 < 1)
		r99 = 1;
	s->min_us = v[0] / 1e3;
	s->max_us = v[n - 1] / 1e3;
	s->median_us = (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0) / 1e3;
	s->p99_us = v[r99 - 1] / 1e3;
	s->mean_us = sum / n / 1e3;
	lo = n / 20;
	hi = n - lo;
	for (i = lo; i < hi; i++)
		tsum += (double)v[i];
	s->tmean_us = tsum / (hi - lo) / 1e3;
}

/* ---- lkport through raw ioctls ---------------------------------------------------- */

int lkp_dev(void)
{
	static int dev = -1;

	if (dev < 0) {
		dev = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);
		if (dev < 0)
			fail_errno("open %s (is lkport.ko loaded?)", LKPORT_DEVICE);
	}
	return dev;
}

void lkp_name(char out[LKPORT_NAME_LEN], const char *tag)
{
	static unsigned int n;

	memset(out, 0, LKPORT_NAME_LEN);
	snprintf(out, LKPORT_NAME_LEN, "lkb-%d-%s-%u", (int)getpid(), tag, n++);
}

int lkp_event_create(const char *name, uint32_t flags)
{
	struct lkport_event_create c = { .flags = flags, .perm = 0600 };
	int fd;

	strncpy(c.name, name, LKPORT_NAME_MAX);
	fd = ioctl(lkp_dev(), LKPORT_IOC_EVENT_CREATE, &c);
	if (fd < 0)
		fail_errno("LKPORT_IOC_EVENT_CREATE %s", name);
	return fd;
}

int lkp_port_create(const char *name, uint32_t mode, uint32_t capacity)
{
	struct lkport_port_create c = { .mode = mode, .capacity = capacity, .perm = 0600 };
	int fd;

	strncpy(c.name, name, LKPORT_NAME_MAX);
	fd = ioctl(lkp_dev(), LKPORT_IOC_PORT_CREATE, &c);
	if (fd < 0)
		fail_errno("LKPORT_IOC_PORT_CREATE %s (capacity %u)", name, capacity);
	return fd;
}

int lkp_port_open(const char *name, uint64_t ctx)
{
	struct lkport_port_open o = { .ctx = ctx };
	int fd;

	strncpy(o.name, name, LKPORT_NAME_MAX);
	fd = ioctl(lkp_dev(), LKPORT_IOC_PORT_OPEN, &o);
	if (fd < 0)
		fail_errno("LKPORT_IOC_PORT_OPEN %s", name);
	return fd;
}

/* ---- output ------------------------------------------------------------------------ */

void result(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("RESULT %s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

bool list_has(const char *list, const char *item)
{
	size_t len = strlen(item);
	const char *p = list;

	if (!list)
		return true;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && !strncmp(p, item, len))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}
