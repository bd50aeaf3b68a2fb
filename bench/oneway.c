// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-bench-oneway: one-way send-to-receive latency measured the way
 * rt-tests' pmqtest measures it, so lkport can stand next to pmqtest's
 * numbers from the same boot.
 *
 * pmqtest's loop, per pair: the sender takes a timestamp and sends a test
 * message, then blocks on a sync queue; the receiver, blocked on the test
 * queue, takes a timestamp when its receive returns (latency = the
 * difference), sleeps for the interval (1000 us by default), then sends
 * the sync message. The receiver is asleep when the test message comes
 * (unless the sender got there first), so the latency includes a wake-up.
 * Differences from pmqtest: two processes instead of two threads of one
 * process, SCHED_OTHER as pmqtest without -p, CLOCK_MONOTONIC in ns
 * instead of gettimeofday() in us, and one pair at a time.
 *
 * Peers: lkport-port (two unicast ports, 16-byte packets, PORT_WRITE and
 * PORT_READ), lkport-rw (the same by write(2) and read(2)), lkport-event
 * (two auto-unsignal events), mq (two POSIX queues of depth 1, as pmqtest).
 *
 * usage: lkport-bench-oneway [-l LOOPS] [-i INTERVAL_US] [-m same|cross|free]
 *                            [-p PEER,...] [-t TAG]
 * RESULT keys: oneway.<tag>.<peer>.{min_us,avg_us,tmean_us,median_us,p99_us,
 * max_us,loops,avg_vs_port,tmean_vs_port}.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

enum { TEST, SYNC };

struct pair {
	const char *peer;
	int wfd[2], rfd[2];
	mqd_t mq[2];
	char mqname[2][64];
	uint64_t *t_sent;	/* shared: the sender's timestamp */
	uint32_t *total;	/* shared: loops the sender runs (warm-up
				 * included); lowered when out of time */
	uint32_t loops, warmup, interval_us;
	double max_seconds;
};

static bool is(const struct pair *p, const char *peer)
{
	return !strcmp(p->peer, peer);
}

static void setup(struct pair *p)
{
	char name[LKPORT_NAME_LEN];
	int q;

	for (q = 0; q < 2; q++) {
		if (is(p, "lkport-port") || is(p, "lkport-rw")) {
			lkp_name(name, "ow");
			p->wfd[q] = lkp_port_create(name, LKPORT_PORT_UNICAST, 0);
			p->rfd[q] = lkp_port_open(name, q);
		} else if (is(p, "lkport-event")) {
			lkp_name(name, "owe");
			p->wfd[q] = p->rfd[q] = lkp_event_create(name, LKPORT_EVENT_AUTOUNSIGNAL);
		} else {
			struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = 16 };

			snprintf(p->mqname[q], sizeof(p->mqname[q]), "/lkport-bench-ow-%d-%d",
				 (int)getpid(), q);
			mq_unlink(p->mqname[q]);
			p->mq[q] = mq_open(p->mqname[q], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
					   0600, &a);
			if (p->mq[q] == (mqd_t)-1)
				fail_errno("mq_open %s", p->mqname[q]);
		}
	}
}

static void teardown(struct pair *p)
{
	int q;

	for (q = 0; q < 2; q++) {
		if (is(p, "mq")) {
			mq_close(p->mq[q]);
			mq_unlink(p->mqname[q]);
		} else {
			close(p->wfd[q]);
			if (p->rfd[q] != p->wfd[q])
				close(p->rfd[q]);
		}
	}
}

static void send_msg(struct pair *p, int q, uint32_t seq)
{
	uint8_t msg[16] = { 0 };

	memcpy(msg, &seq, sizeof(seq));
	if (is(p, "lkport-port")) {
		struct lkport_port_write w = { .packets = (uintptr_t)msg, .count = 1 };
		int r = ioctl(p->wfd[q], LKPORT_IOC_PORT_WRITE, &w);

		if (r < 0)
			fail_errno("LKPORT_IOC_PORT_WRITE");
		if (r > 0)
			fail("LKPORT_IOC_PORT_WRITE: reader's ring full");
	} else if (is(p, "lkport-rw")) {
		ssize_t r;

		while ((r = write(p->wfd[q], msg, sizeof(msg))) < 0)
			if (errno != EINTR)
				fail_errno("port write(2)");
		if (r != sizeof(msg))
			fail("port write(2) of %zu bytes returned %zd", sizeof(msg), r);
	} else if (is(p, "lkport-event")) {
		if (ioctl(p->wfd[q], LKPORT_IOC_EVENT_SIGNAL) < 0)
			fail_errno("LKPORT_IOC_EVENT_SIGNAL");
	} else {
		while (mq_send(p->mq[q], (char *)msg, sizeof(msg), 1) < 0)
			if (errno != EINTR)
				fail_errno("mq_send");
	}
}

static void recv_msg(struct pair *p, int q, uint32_t seq)
{
	uint32_t got = seq;

	if (is(p, "lkport-port")) {
		struct lkport_result res;
		struct lkport_port_read r = {
			.deadline_ns = LKPORT_FOREVER, .results = (uintptr_t)&res, .max = 1,
		};

		while (ioctl(p->rfd[q], LKPORT_IOC_PORT_READ, &r) < 0) {
			if (errno != EINTR)
				fail_errno("LKPORT_IOC_PORT_READ");
			r.count = 0;
		}
		if (r.count != 1 || res.ctx != (uint64_t)q)
			fail("LKPORT_IOC_PORT_READ: count %u ctx %llu", r.count,
			     (unsigned long long)res.ctx);
		memcpy(&got, res.data, sizeof(got));
	} else if (is(p, "lkport-rw")) {
		uint8_t msg[16];
		ssize_t r;

		while ((r = read(p->rfd[q], msg, sizeof(msg))) < 0)
			if (errno != EINTR)
				fail_errno("port read(2)");
		if (r != sizeof(msg))
			fail("port read(2): %zd bytes", r);
		memcpy(&got, msg, sizeof(got));
	} else if (is(p, "lkport-event")) {
		struct lkport_wait w = { .deadline_ns = LKPORT_FOREVER };

		while (ioctl(p->rfd[q], LKPORT_IOC_EVENT_WAIT, &w) < 0)
			if (errno != EINTR)
				fail_errno("LKPORT_IOC_EVENT_WAIT");
	} else {
		uint8_t msg[16];
		ssize_t r;

		while ((r = mq_receive(p->mq[q], (char *)msg, sizeof(msg), NULL)) < 0)
			if (errno != EINTR)
				fail_errno("mq_receive");
		if (r != sizeof(msg))
			fail("mq_receive: %zd bytes", r);
		memcpy(&got, msg, sizeof(got));
	}
	if (got != seq)
		fail("%s: message %u arrived where %u was due", p->peer, got, seq);
}

/* The sender: timestamp, test message, wait for the receiver's sync. */
static void sender(void *arg)
{
	struct pair *p = arg;
	uint32_t i;

	for (i = 0; i < __atomic_load_n(p->total, __ATOMIC_SEQ_CST); i++) {
		__atomic_store_n(p->t_sent, now_ns(), __ATOMIC_SEQ_CST);
		send_msg(p, TEST, i);
		recv_msg(p, SYNC, i);
	}
}

/* One chunk of up to p->loops loops (fewer when it runs out of time);
 * latencies go to lat[], their number is returned. */
static uint32_t run_pair(struct pair *p, int place, uint64_t *lat)
{
	struct timespec delay = {
		.tv_sec = p->interval_us / 1000000, .tv_nsec = (p->interval_us % 1000000) * 1000,
	};
	uint32_t i, total = p->warmup + p->loops;
	uint64_t deadline;
	pid_t pid;

	p->t_sent = shared_alloc(4096);
	p->total = (uint32_t *)(p->t_sent + 8);
	*p->total = total;
	setup(p);
	pin_self(placement_cpu(place, 0));
	watchdog(60 + (unsigned int)p->max_seconds, p->peer);
	pid = spawn(sender, p, placement_cpu(place, 1), p->peer);
	deadline = now_ns() + (uint64_t)(p->max_seconds * 1e9);
	for (i = 0; i < total; i++) {
		uint64_t t1;

		recv_msg(p, TEST, i);
		t1 = now_ns();
		if (i >= p->warmup)
			lat[i - p->warmup] = t1 - __atomic_load_n(p->t_sent, __ATOMIC_SEQ_CST);
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &delay, &delay) == EINTR)
			;
		delay.tv_sec = p->interval_us / 1000000;
		delay.tv_nsec = (p->interval_us % 1000000) * 1000;
		/* Out of time (a slow or busy machine): this loop is the last. */
		if (i > p->warmup && i + 1 < total && now_ns() > deadline) {
			total = i + 1;
			__atomic_store_n(p->total, total, __ATOMIC_SEQ_CST);
		}
		send_msg(p, SYNC, i);
	}
	reap(pid);
	watchdog(0, p->peer);
	pin_self(-1);
	teardown(p);
	munmap(p->t_sent, 4096);
	return total - p->warmup;
}

static void usage(void)
{
	fprintf(stderr, "usage: lkport-bench-oneway [-l LOOPS] [-i INTERVAL_US] "
			"[-T MAX_SECONDS] [-c CHUNKS] [-m same|cross|free] [-p lkport-port,lkport-rw,lkport-event,mq] "
			"[-t TAG]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "lkport-port", "lkport-rw", "lkport-event", "mq" };
	enum { NPEERS = 4 };
	struct stats st[NPEERS];
	bool ran[NPEERS] = { false };
	uint32_t loops = 1000, interval = 1000, chunks = 2, k, j, cnt[NPEERS] = { 0 };
	double max_seconds = 3.0;
	uint64_t *lat[NPEERS];
	const char *list = NULL, *tag = NULL;
	int place = PLACE_SAME, c, i;

	bench_init("lkport-bench-oneway");
	while ((c = getopt(argc, argv, "l:i:c:T:m:p:t:h")) != -1) {
		switch (c) {
		case 'c': chunks = strtoul(optarg, NULL, 0); break;
		case 'T': max_seconds = strtod(optarg, NULL); break;
		case 'l': loops = strtoul(optarg, NULL, 0); break;
		case 'i': interval = strtoul(optarg, NULL, 0); break;
		case 'm': place = placement_parse(optarg); break;
		case 'p': list = optarg; break;
		case 't': tag = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || chunks < 1 || loops < chunks || interval > 10000000 || max_seconds <= 0)
		usage();
	if (!tag)
		tag = placement_name(place);

	printf("== one-way latency, pmqtest's method (sender stamps and sends, receiver stamps on "
	       "return, sleeps %u us, syncs back), %s (%s)\n", interval, placement_desc(place), tag);
	if (!placement_possible(place)) {
		printf("   skipped: needs 2 CPUs, this machine has %d\n", cpu_count());
		return 0;
	}
	printf("   %u loops per peer (fewer if it takes over %.1f s) in %u chunks taken in turn, each\n"
	       "   after 10 warm-up loops; 2 processes, SCHED_OTHER\n", loops, max_seconds, chunks);
	for (i = 0; i < NPEERS; i++) {
		lat[i] = malloc(loops * sizeof(uint64_t));
		if (!lat[i])
			fail("out of memory");
	}
	for (k = 0; k < chunks; k++) {
		for (j = 0; j < NPEERS; j++) {
			struct pair p = {
				.loops = loops / chunks + (k < loops % chunks), .warmup = 10,
				.interval_us = interval, .max_seconds = max_seconds / chunks,
			};

			i = (j + k) % NPEERS;
			if (!list_has(list, names[i]))
				continue;
			p.peer = names[i];
			cnt[i] += run_pair(&p, place, lat[i] + cnt[i]);
			ran[i] = true;
		}
	}
	for (i = 0; i < NPEERS; i++)
		if (ran[i])
			stats_compute(lat[i], cnt[i], &st[i]);
	printf("   %-13s %6s %8s %8s %8s %8s %8s %8s %11s %12s\n", "peer", "loops", "min_us", "avg_us",
	       "tmean_us", "median", "p99_us", "max_us", "avg/lkport", "tmean/lkport");
	for (i = 0; i < NPEERS; i++) {
		char r[16] = "-", rt[16] = "-";

		if (!ran[i])
			continue;
		if (ran[0]) {
			snprintf(r, sizeof(r), "%.2f", st[i].mean_us / st[0].mean_us);
			snprintf(rt, sizeof(rt), "%.2f", st[i].tmean_us / st[0].tmean_us);
		}
		printf("   %-13s %6u %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %11s %12s\n", names[i], cnt[i],
		       st[i].min_us, st[i].mean_us, st[i].tmean_us, st[i].median_us, st[i].p99_us,
		       st[i].max_us, r, rt);
	}
	printf("   (lkport = lkport-port; tmean: mean of the 5th-95th percentile)\n");
	for (i = 0; i < NPEERS; i++) {
		char key[128];

		if (!ran[i])
			continue;
#define R(field, fmt, val)                                                             \
	do {                                                                           \
		snprintf(key, sizeof(key), "oneway.%s.%s.%s", tag, names[i], field);   \
		result(key, fmt, val);                                                 \
	} while (0)
		R("min_us", "%.1f", st[i].min_us);
		R("avg_us", "%.1f", st[i].mean_us);
		R("tmean_us", "%.1f", st[i].tmean_us);
		R("median_us", "%.1f", st[i].median_us);
		R("p99_us", "%.1f", st[i].p99_us);
		R("max_us", "%.1f", st[i].max_us);
		R("loops", "%u", cnt[i]);
		if (ran[0])
			R("avg_vs_port", "%.3f", st[i].mean_us / st[0].mean_us);
		if (ran[0])
			R("tmean_vs_port", "%.3f", st[i].tmean_us / st[0].tmean_us);
#undef R
	}
	return 0;
}
