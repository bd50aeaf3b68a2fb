// SPDX-License-Identifier: GPL-2.0
/*
 * Load for lkport_bpf_test.sh: a known number of wakes with a known
 * shape, for lkport-wakelat to count and time; and a JSON checker for its
 * output (busybox has none).
 *
 *   lkport_wakelat_load GOFILE event NAME N [SPIN_MS]
 *   lkport_wakelat_load GOFILE port NAME N
 *   lkport_wakelat_load GOFILE irq NAME N
 *   lkport_wakelat_load GOFILE edu NAME N PCI-ADDRESS
 *   lkport_wakelat_load json FILE
 *
 * event/port: creates the object and the waiter thread, prints "ready
 * id=ID tid=TID" (TID: the waiter's), waits until GOFILE exists, then
 * runs N cycles: the waiter thread blocks (event wait,
 * or a port read on its own read port), the main thread, once the waiter
 * is seen blocked, signals the event (or writes one packet) and, with
 * SPIN_MS, busy-spins that long before waiting for the waiter to finish
 * the cycle. Both threads are pinned to CPU 0 (CPU $LKPORT_WL_CPU when
 * that is set) and the signalling thread
 * runs SCHED_FIFO, so the woken waiter cannot run before the spin ends:
 * every wake's wake->run is at least SPIN_MS, while everything up to
 * sched_waking happens before the spin starts. irq: the event is bound
 * to a virtual interrupt source (auto-ack), and the main thread raises
 * it instead of signalling: the module signals the event from the
 * source's hard-IRQ dispatch. edu: the same with QEMU's edu device at
 * PCI-ADDRESS, bound to the lkport driver for the run, as the source: each
 * raise is a real interrupt, stamped in its hard-IRQ handler.
 *
 * json: exit 0 when FILE holds one or more JSON values, one a line.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lkport/device.h>
#include <lkport/lk.h>

static lk_event_t ev;
static lk_port_t wp = -1, rp = -1;
static bool use_port;
static int irq_fd = -1;
static const char *edu_device;	/* edu mode: the PCI address */
static sem_t done, start;
static long cycles;
static int cpu;			/* both threads run there */
static volatile pid_t waiter_tid;
static volatile long at_cycle, waiter_cycle;
static volatile int phase;	/* where the main thread is, for a stuck run */

static void stuck(int sig)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "stuck: cycle %ld phase %d, waiter at %ld\n",
			 at_cycle, phase, waiter_cycle);

	write(2, msg, n);
	_exit(3);
}

static void pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static void *waiter(void *arg)
{
	lk_port_result_t res;
	long i;

	pin_cpu();
	waiter_tid = gettid();
	sem_post(&done);
	while (sem_wait(&start) && errno == EINTR)
		;
	for (i = 0; i < cycles; i++) {
		waiter_cycle = i;
		lk_status_t st = use_port ? lk_port_read(rp, LK_INFINITE_TIME, &res) :
					    lk_event_wait(&ev);

		if (st != LK_NO_ERROR) {
			fprintf(stderr, "wait %ld: status %d\n", i, st);
			exit(1);
		}
		sem_post(&done);
	}
	return NULL;
}

static int blocked_waiters(void)
{
	struct lkport_info info;

	if (lk_object_info(use_port ? rp : ev.fd, &info) != LK_NO_ERROR)
		return -1;
	return info.waiters;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run_load(const char *name, const char *go, double spin_ms)
{
	struct sched_param sp = { .sched_priority = 10 };
	struct lkport_info info;
	lk_port_packet_t pk = { { 1 } };
	pthread_t t;
	long i;
	int w;

	if (use_port) {
		if (lk_port_create(name, LK_PORT_MODE_UNICAST, &wp) != LK_NO_ERROR ||
		    lk_port_open(name, NULL, &rp) != LK_NO_ERROR) {
			fprintf(stderr, "port %s: cannot create\n", name);
			return 1;
		}
	} else if (lk_event_create(&ev, name, false, LK_EVENT_FLAG_AUTOUNSIGNAL, 0600) !=
		   LK_NO_ERROR) {
		fprintf(stderr, "event %s: cannot create\n", name);
		return 1;
	}
	if (lk_object_info(use_port ? wp : ev.fd, &info) != LK_NO_ERROR)
		return 1;
	if (irq_fd == -2) {
		int err = edu_device ? lkport_pci_bind(edu_device) : 0;

		if (err) {
			fprintf(stderr, "binding %s to lkport: %s\n", edu_device, strerror(-err));
			return 1;
		}
		irq_fd = lkport_irq_create(lk_device(), edu_device, LKPORT_IRQ_MODE_AUTO,
					   LKPORT_IRQ_AUTO_ACK);
		if (irq_fd < 0 || (err = lkport_irq_bind(irq_fd, ev.fd))) {
			fprintf(stderr, "%s interrupt source: %s\n",
				edu_device ? edu_device : "virtual",
				strerror(irq_fd < 0 ? -irq_fd : -err));
			return 1;
		}
	}
	sem_init(&done, 0, 0);
	sem_init(&start, 0, 0);
	/* The waiter would inherit SCHED_FIFO otherwise. It starts now, for
	 * its tid, and waits for the go. */
	{
		pthread_attr_t a;
		struct sched_param op = { 0 };

		pthread_attr_init(&a);
		pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&a, SCHED_OTHER);
		pthread_attr_setschedparam(&a, &op);
		if (pthread_create(&t, &a, waiter, NULL))
			return 1;
	}
	while (sem_wait(&done) && errno == EINTR)
		;
	printf("ready id=%llu tid=%d\n", (unsigned long long)info.id, (int)waiter_tid);
	fflush(stdout);
	while (access(go, F_OK))
		usleep(10000);

	pin_cpu();
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("SCHED_FIFO");
		return 1;
	}
	sem_post(&start);
	signal(SIGALRM, stuck);
	alarm(30);
	for (i = 0; i < cycles; i++) {
		at_cycle = i;
		phase = 1;
		/* Sleeping lets the waiter (same CPU, lower class) block. */
		while ((w = blocked_waiters()) == 0)
			usleep(200);
		if (w < 0)
			return 1;
		if (irq_fd >= 0 ? lkport_irq_trigger(irq_fd) != 0 :
		    use_port  ? lk_port_write(wp, &pk, 1) != LK_NO_ERROR :
				lk_event_signal(&ev) != 1) {
			fprintf(stderr, "cycle %ld: signal failed\n", i);
			return 1;
		}
		phase = 2;
		if (spin_ms > 0) {
			double end = now_ms() + spin_ms;

			while (now_ms() < end)
				;
		}
		phase = 3;
		while (sem_wait(&done) && errno == EINTR)
			;
	}
	pthread_join(t, NULL);
	if (edu_device) {
		close(irq_fd);
		lkport_pci_unbind(edu_device);
	}
	printf("done %ld\n", cycles);
	return 0;
}

/* ---- a small JSON checker ------------------------------------------------------ */

static const char *p;

static void ws(void)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
}

static int value(int depth);

static int string(void)
{
	if (*p++ != '"')
		return -1;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return -1;
		if (*p == '\\') {
			p++;
			if (!strchr("\"\\/bfnrtu", *p))
				return -1;
		}
		p++;
	}
	return *p++ == '"' ? 0 : -1;
}

static int number(void)
{
	char *end;

	strtod(p, &end);
	if (end == p || *p == '+' || *p == '.')
		return -1;
	p = end;
	return 0;
}

static int value(int depth)
{
	if (depth > 64)
		return -1;
	ws();
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p++;
		ws();
		if (*p == close) {
			p++;
			return 0;
		}
		for (;;) {
			ws();
			if (obj) {
				if (string())
					return -1;
				ws();
				if (*p++ != ':')
					return -1;
			}
			if (value(depth + 1))
				return -1;
			ws();
			if (*p == ',') {
				p++;
				continue;
			}
			return *p++ == close ? 0 : -1;
		}
	}
	if (*p == '"')
		return string();
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) {
		p += 4;
		return 0;
	}
	if (!strncmp(p, "false", 5)) {
		p += 5;
		return 0;
	}
	return number();
}

static int check_json(const char *path)
{
	static char line[1 << 20];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		p = line;
		ws();
		if (*p == '\n' || !*p)
			continue;
		if (value(0)) {
			fprintf(stderr, "%s:%d: not JSON near '%.20s'\n", path, n + 1, p);
			return 1;
		}
		ws();
		if (*p != '\n' && *p) {
			fprintf(stderr, "%s:%d: trailing '%.20s'\n", path, n + 1, p);
			return 1;
		}
		n++;
	}
	fclose(f);
	return n ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *c = getenv("LKPORT_WL_CPU");

	if (c)
		cpu = atoi(c);
	if (argc == 3 && !strcmp(argv[1], "json"))
		return check_json(argv[2]);
	if (argc == 6 && !strcmp(argv[2], "edu")) {
		edu_device = argv[5];
		irq_fd = -2;
		cycles = atol(argv[4]);
		return cycles > 0 ? run_load(argv[3], argv[1], 0) : 2;
	}
	if ((argc == 5 || argc == 6) &&
	    (!strcmp(argv[2], "event") || !strcmp(argv[2], "port") || !strcmp(argv[2], "irq"))) {
		use_port = !strcmp(argv[2], "port");
		if (!strcmp(argv[2], "irq"))
			irq_fd = -2;	/* created once the event is */
		cycles = atol(argv[4]);
		if (cycles <= 0)
			return 2;
		return run_load(argv[3], argv[1], argc == 6 ? atof(argv[5]) : 0);
	}
	fprintf(stderr, "usage: %s GOFILE event|port|irq NAME N [SPIN_MS] | "
		"GOFILE edu NAME N PCI-ADDRESS | json FILE\n", argv[0]);
	return 2;
}
