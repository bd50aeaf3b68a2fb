// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-bench-throughput: packets per second from a producer process to a
 * consumer process, with batched writes.
 *
 *   lkport  a unicast port of capacity 4096; the producer writes `batch`
 *           packets per PORT_WRITE (all or nothing), the consumer reads
 *           with PORT_READ max=64. A write never blocks: when the reader's
 *           ring is full the producer raises a flag in shared memory and
 *           sleeps on an auto-unsignal lkport event, which the consumer
 *           signals after its next read (the flow control pipe and mq
 *           have in the kernel).
 *   lkport-wait  the same port, written with LKPORT_WRITE_WAIT: a write
 *           to a full ring waits in the kernel for room (back-pressure,
 *           as a pipe's write does) instead of the room event.
 *   lkport-map  as lkport-wait, read from the ring mapped into the
 *           consumer (lk_port_map_read: packets queued are taken without a
 *           system call; the consumer calls into the kernel only to wait
 *           for an empty ring, or to tell a writer waiting for room).
 *   pipe    16-byte records, `batch` of them in one write() (atomic: at
 *           most 1024 bytes < PIPE_BUF), read() of up to 64 records; the
 *           default pipe holds 65536 bytes = 4096 records.
 *   mq      one 16-byte message per mq_send / mq_receive: POSIX message
 *           queues have no batching, so only batch 1 exists.
 *
 * The producer writes for a fixed time (an interval timer, no clock reads
 * in its loop), then ends the stream (closing the port or pipe, an end
 * message on mq). Every packet carries a sequence number: the consumer
 * checks they arrive complete and in order and that it got exactly what
 * the producer wrote; anything else fails the run. packets/s is what the
 * consumer received over the time from the start signal to the end of the
 * stream.
 *
 * usage: lkport-bench-throughput [-d SECONDS] [-b BATCH,...] [-m cross|same|free]
 *                                [-p lkport,lkport-wait,lkport-map,pipe,mq] [-c CAPACITY] [-t TAG]
 * RESULT keys: throughput.<tag>.<peer>-b<batch>.{packets_per_s,vs_lkport,vs_lkport_wait,
 * vs_lkport_map},
 * throughput.<tag>.lkport-b<batch>.vs_b1.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <lkport/lk.h>

#include "bench.h"

#define MAX_BATCH LKPORT_READ_MAX	/* 64 */
#define RECORD 16			/* bytes per packet / record / message */
#define END_SEQ UINT64_MAX		/* mq: end of stream */

struct shared {
	uint64_t produced;	/* packets the producer wrote */
	uint64_t write_calls;
	uint64_t full;		/* lkport: writes refused for a full ring */
	uint64_t slept;		/* lkport: times the producer had to sleep */
	uint32_t waiting;	/* lkport: producer waits for room */
};

struct tcase {
	const char *peer;
	uint32_t batch;
	double seconds;
	uint32_t capacity;	/* lkport ring, mq queue */
	/* set up before the fork */
	int go[2];		/* start signal, parent -> child */
	int wfd, rfd, space;	/* lkport: write port, read port, room event */
	mqd_t mq;
	char mqname[64];
	long mq_capacity;
	int pipe_capacity;
	struct shared *sh;
};

struct outcome {
	bool ran;
	uint64_t packets, reads;
	double seconds, rate;
	uint64_t full, slept, write_calls;
};

static void fill(uint8_t *buf, uint64_t seq, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++, seq++) {
		uint64_t inv = ~seq;

		memcpy(buf + i * RECORD, &seq, 8);
		memcpy(buf + i * RECORD + 8, &inv, 8);
	}
}

/* Checks one record against the sequence number due; returns its seq. */
static uint64_t check(const char *peer, const uint8_t *rec, uint64_t want)
{
	uint64_t seq, inv;

	memcpy(&seq, rec, 8);
	memcpy(&inv, rec + 8, 8);
	if (inv != ~seq)
		fail("%s: packet %llu corrupted", peer, (unsigned long long)want);
	if (seq != want && seq != END_SEQ)
		fail("%s: packet %llu arrived where %llu was due (lost or reordered)", peer,
		     (unsigned long long)seq, (unsigned long long)want);
	return seq;
}

static volatile sig_atomic_t stop;

static void on_timer(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- producer (child) -------------------------------------------------------------- */

/* One LKPORT_IOC_PORT_WRITE of the batch: true when the reader took it,
 * false when its ring was full (the write then changed nothing). */
static bool port_write(struct tcase *t, struct lkport_port_write *w)
{
	int r = ioctl(t->wfd, LKPORT_IOC_PORT_WRITE, w);

	t->sh->write_calls++;
	if (r < 0)
		fail_errno("LKPORT_IOC_PORT_WRITE (%u packets)", t->batch);
	return r == 0;
}

/* lkport and lkport-wait: the same port, the second writing with
 * LKPORT_WRITE_WAIT (back-pressure) instead of the room event. */
static bool is_lkport(const char *peer)
{
	return !strncmp(peer, "lkport", 6);
}

static void producer(void *arg)
{
	struct tcase *t = arg;
	struct shared *sh = t->sh;
	struct sigaction sa = { .sa_handler = on_timer, .sa_flags = SA_RESTART };
	struct itimerval it = { .it_value = {
		.tv_sec = (time_t)t->seconds,
		.tv_usec = (suseconds_t)((t->seconds - (time_t)t->seconds) * 1e6),
	} };
	uint8_t buf[MAX_BATCH * RECORD];
	uint64_t seq = 0;
	char go;

	/* The consumer's ends stay with the consumer. */
	if (is_lkport(t->peer))
		close(t->rfd);
	else if (!strcmp(t->peer, "pipe"))
		close(t->rfd);
	close(t->go[1]);
	if (read(t->go[0], &go, 1) != 1)
		fail_errno("producer: start signal");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (setitimer(ITIMER_REAL, &it, NULL))
		fail_errno("setitimer");

	if (!strcmp(t->peer, "lkport-wait") || !strcmp(t->peer, "lkport-map")) {
		while (!stop) {
			struct lkport_port_write w = {
				.packets = (uintptr_t)buf, .count = t->batch,
				.flags = LKPORT_WRITE_WAIT, .deadline_ns = LKPORT_FOREVER,
			};

			fill(buf, seq, t->batch);
			/* SA_RESTART: the timer's signal restarts a waiting
			 * write, which then completes before stop is seen. */
			if (!port_write(t, &w))
				fail("LKPORT_WRITE_WAIT write skipped its reader");
			seq += t->batch;
		}
		sh->produced = seq;
		close(t->wfd);
	} else if (!strcmp(t->peer, "lkport")) {
		struct lkport_wait wait = { .deadline_ns = LKPORT_FOREVER };

		while (!stop) {
			struct lkport_port_write w = {
				.packets = (uintptr_t)buf, .count = t->batch,
			};

			fill(buf, seq, t->batch);
			if (port_write(t, &w)) {
				seq += t->batch;
				continue;
			}
			/* The reader's ring is full: ask for a signal, try once
			 * more (the consumer may have made room before it saw
			 * the flag), then sleep until it signals. */
			sh->full++;
			__atomic_store_n(&sh->waiting, 1, __ATOMIC_SEQ_CST);
			if (port_write(t, &w)) {
				seq += t->batch;
				continue;
			}
			sh->slept++;
			while (ioctl(t->space, LKPORT_IOC_EVENT_WAIT, &wait) < 0)
				if (errno != EINTR)
					fail_errno("LKPORT_IOC_EVENT_WAIT");
		}
		sh->produced = seq;
		/* The last writer: the port closes, the reader drains it and
		 * then reads ECANCELED. */
		close(t->wfd);
	} else if (!strcmp(t->peer, "pipe")) {
		while (!stop) {
			size_t len = (size_t)t->batch * RECORD, done = 0;

			fill(buf, seq, t->batch);
			while (done < len) {
				ssize_t r = write(t->wfd, buf + done, len - done);

				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					fail_errno("pipe write");
				done += r;
				sh->write_calls++;
			}
			seq += t->batch;
		}
		sh->produced = seq;
		close(t->wfd);
	} else {
		while (!stop) {
			fill(buf, seq, 1);
			while (mq_send(t->mq, (char *)buf, RECORD, 0) < 0)
				if (errno != EINTR)
					fail_errno("mq_send");
			sh->write_calls++;
			seq++;
		}
		sh->produced = seq;
		fill(buf, END_SEQ, 1);
		while (mq_send(t->mq, (char *)buf, RECORD, 0) < 0)
			if (errno != EINTR)
				fail_errno("mq_send (end of stream)");
	}
}

/* ---- consumer (parent) --------------------------------------------------------------- */

static uint64_t consume_lkport(struct tcase *t, struct outcome *o)
{
	struct lkport_result res[MAX_BATCH];
	uint64_t seq = 0;

	for (;;) {
		struct lkport_port_read r = {
			.deadline_ns = LKPORT_FOREVER, .results = (uintptr_t)res, .max = MAX_BATCH,
		};
		uint32_t i;

		if (ioctl(t->rfd, LKPORT_IOC_PORT_READ, &r) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECANCELED)
				break;	/* writer gone, ring drained */
			fail_errno("LKPORT_IOC_PORT_READ");
		}
		o->reads++;
		if (r.count == 0 || r.count > MAX_BATCH)
			fail("LKPORT_IOC_PORT_READ: count %u", r.count);
		for (i = 0; i < r.count; i++, seq++) {
			if (res[i].ctx != 0xc0ffee)
				fail("LKPORT_IOC_PORT_READ: ctx %#llx", (unsigned long long)res[i].ctx);
			check("lkport", res[i].data, seq);
		}
		if (__atomic_exchange_n(&t->sh->waiting, 0, __ATOMIC_SEQ_CST) &&
		    ioctl(t->space, LKPORT_IOC_EVENT_SIGNAL) < 0)
			fail_errno("LKPORT_IOC_EVENT_SIGNAL");
	}
	return seq;
}

static uint64_t consume_lkport_map(struct tcase *t, struct outcome *o)
{
	lk_port_result_t res[MAX_BATCH];
	lk_port_map_t map;
	uint64_t seq = 0;
	lk_status_t st;

	st = lk_port_map(t->rfd, &map);
	if (st != LK_NO_ERROR)
		fail("lk_port_map: %s", lk_status_str(st));
	for (;;) {
		size_t got, i;

		st = lk_port_map_read(&map, LKPORT_FOREVER, res, MAX_BATCH, &got);
		if (st == LK_ERR_INTERRUPTED)
			continue;
		if (st == LK_ERR_CANCELLED)
			break;	/* writer gone, ring drained */
		if (st != LK_NO_ERROR)
			fail("lk_port_map_read: %s", lk_status_str(st));
		o->reads++;
		if (got == 0 || got > MAX_BATCH)
			fail("lk_port_map_read: count %zu", got);
		for (i = 0; i < got; i++, seq++) {
			if (res[i].ctx != (void *)0xc0ffee)
				fail("lk_port_map_read: ctx %p", res[i].ctx);
			check("lkport-map", res[i].packet.value, seq);
		}
	}
	lk_port_unmap(&map);
	return seq;
}

static uint64_t consume_pipe(struct tcase *t, struct outcome *o)
{
	uint8_t buf[MAX_BATCH * RECORD];
	size_t have = 0;
	uint64_t seq = 0;

	for (;;) {
		ssize_t r = read(t->rfd, buf + have, sizeof(buf) - have);
		size_t off;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_errno("pipe read");
		if (r == 0)
			break;
		o->reads++;
		have += r;
		for (off = 0; off + RECORD <= have; off += RECORD, seq++)
			check("pipe", buf + off, seq);
		/* A record split across reads waits for its rest. */
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (have)
		fail("pipe: %zu stray bytes at the end of the stream", have);
	return seq;
}

static uint64_t consume_mq(struct tcase *t, struct outcome *o)
{
	uint8_t msg[RECORD];
	uint64_t seq = 0;

	for (;;) {
		ssize_t r = mq_receive(t->mq, (char *)msg, RECORD, NULL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_errno("mq_receive");
		if (r != RECORD)
			fail("mq_receive: %zd bytes", r);
		o->reads++;
		if (check("mq", msg, seq) == END_SEQ)
			break;
		seq++;
	}
	return seq;
}

/* ---- one case -------------------------------------------------------------------------- */

static void setup(struct tcase *t)
{
	char name[LKPORT_NAME_LEN];

	if (pipe2(t->go, O_CLOEXEC))
		fail_errno("pipe2");
	if (is_lkport(t->peer)) {
		lkp_name(name, "tp");
		t->wfd = lkp_port_create(name, LKPORT_PORT_UNICAST, t->capacity);
		t->rfd = lkp_port_open(name, 0xc0ffee);
		lkp_name(name, "room");
		t->space = lkp_event_create(name, LKPORT_EVENT_AUTOUNSIGNAL);
	} else if (!strcmp(t->peer, "pipe")) {
		int p[2];

		if (pipe2(p, O_CLOEXEC))
			fail_errno("pipe2");
		t->rfd = p[0];
		t->wfd = p[1];
		t->pipe_capacity = fcntl(p[1], F_GETPIPE_SZ);
	} else {
		/* As deep as the port if allowed (root may exceed
		 * fs.mqueue.msg_max), else the deepest queue we may have. */
		static const long tries[] = { 4096, 1024, 256, 64, 10 };
		size_t i;

		snprintf(t->mqname, sizeof(t->mqname), "/lkport-bench-tp-%d", (int)getpid());
		mq_unlink(t->mqname);
		for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			struct mq_attr a = { .mq_maxmsg = tries[i], .mq_msgsize = RECORD };

			if (tries[i] > t->capacity && i + 1 < sizeof(tries) / sizeof(tries[0]))
				continue;
			t->mq = mq_open(t->mqname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &a);
			if (t->mq != (mqd_t)-1) {
				t->mq_capacity = tries[i];
				break;
			}
			if (errno != EINVAL && errno != EMFILE && errno != ENOMEM)
				break;
		}
		if (t->mq == (mqd_t)-1)
			fail_errno("mq_open %s", t->mqname);
	}
}

/* Runs a case once more and adds what it measured to *o. */
static void run_case(struct tcase *t, int place, struct outcome *o)
{
	uint64_t t0, got;
	char what[64];
	pid_t pid;

	snprintf(what, sizeof(what), "%s batch %u", t->peer, t->batch);
	t->sh = shared_alloc(sizeof(*t->sh));
	setup(t);
	pin_self(placement_cpu(place, 0));
	watchdog((unsigned int)t->seconds + 60, what);
	pid = spawn(producer, t, placement_cpu(place, 1), what);

	/* The producer's ends stay with the producer: the stream ends when
	 * it closes them. */
	close(t->go[0]);
	if (strcmp(t->peer, "mq"))
		close(t->wfd);
	t0 = now_ns();
	if (write(t->go[1], "g", 1) != 1)
		fail_errno("start signal");
	if (!strcmp(t->peer, "lkport-map"))
		got = consume_lkport_map(t, o);
	else if (is_lkport(t->peer))
		got = consume_lkport(t, o);
	else if (!strcmp(t->peer, "pipe"))
		got = consume_pipe(t, o);
	else
		got = consume_mq(t, o);
	o->seconds += (now_ns() - t0) / 1e9;

	reap(pid);
	watchdog(0, what);
	pin_self(-1);

	if (got != t->sh->produced)
		fail("%s: consumer got %llu packets, producer wrote %llu", what,
		     (unsigned long long)got, (unsigned long long)t->sh->produced);
	if (got == 0)
		fail("%s: no packet went through", what);
	o->ran = true;
	o->packets += got;
	o->full += t->sh->full;
	o->slept += t->sh->slept;
	o->write_calls += t->sh->write_calls;
	o->rate = o->packets / o->seconds;

	close(t->go[1]);
	if (is_lkport(t->peer)) {
		close(t->rfd);
		close(t->space);
	} else if (!strcmp(t->peer, "pipe")) {
		close(t->rfd);
	} else {
		mq_close(t->mq);
		mq_unlink(t->mqname);
	}
	munmap(t->sh, sizeof(*t->sh));
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: lkport-bench-throughput [-d SECONDS] [-b BATCH,...] "
			"[-r PASSES] [-m cross|same|free] [-p lkport,lkport-wait,lkport-map,pipe,mq] "
			"[-c CAPACITY] "
			"[-t TAG]\n");
	exit(2);
}

#define MAX_CASES 32

int main(int argc, char **argv)
{
	static const char *const peer_names[] = { "lkport", "lkport-wait", "lkport-map", "pipe", "mq" };
	struct tcase cases[MAX_CASES];
	struct outcome out[MAX_CASES] = { 0 };
	uint32_t batches[8], nb = 0, capacity = LKPORT_CAPACITY_MAX;
	const char *blist = "1,8,64", *list = NULL, *tag = NULL;
	double seconds = 2.0;
	int place = PLACE_CROSS, c, n = 0, i, j, passes = 4, pass;
	long pipe_cap = 0, mq_cap = 0;

	bench_init("lkport-bench-throughput");
	while ((c = getopt(argc, argv, "d:b:r:m:p:c:t:h")) != -1) {
		switch (c) {
		case 'r': passes = atoi(optarg); break;
		case 'd': seconds = strtod(optarg, NULL); break;
		case 'b': blist = optarg; break;
		case 'm': place = placement_parse(optarg); break;
		case 'p': list = optarg; break;
		case 'c': capacity = strtoul(optarg, NULL, 0); break;
		case 't': tag = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || seconds <= 0 || seconds > 60 || passes < 1 || passes > 100)
		usage();
	for (const char *s = blist; *s && nb < 8;) {
		char *end;
		unsigned long b = strtoul(s, &end, 0);

		if (end == s || b < 1 || b > MAX_BATCH) {
			fprintf(stderr, "batch sizes are 1 to %d\n", MAX_BATCH);
			usage();
		}
		batches[nb++] = b;
		s = *end == ',' ? end + 1 : end;
	}
	if (!tag)
		tag = placement_name(place);

	for (i = 0; i < (int)(sizeof(peer_names) / sizeof(peer_names[0])); i++) {
		bool mq = !strcmp(peer_names[i], "mq");

		if (!list_has(list, peer_names[i]))
			continue;
		/* mq has no batching: one case, batch 1. */
		for (j = 0; j < (mq ? 1 : (int)nb); j++)
			cases[n++] = (struct tcase){
				.peer = peer_names[i], .batch = mq ? 1 : batches[j],
				.seconds = seconds / passes, .capacity = capacity,
				.wfd = -1, .rfd = -1, .space = -1, .mq = (mqd_t)-1,
			};
	}

	printf("== throughput, producer -> consumer process, %s (%s)\n", placement_desc(place), tag);
	if (!placement_possible(place)) {
		printf("   skipped: needs 2 CPUs, this machine has %d\n", cpu_count());
		return 0;
	}
	printf("   %.1f s of writing per case, in %d passes over all cases (alternating order);\n"
	       "   the consumer takes up to 64 packets per call where it can\n", seconds, passes);
	/* Passes in alternating order: what the machine does meanwhile falls
	 * on every case alike. */
	for (pass = 0; pass < passes; pass++)
		for (j = 0; j < n; j++)
			run_case(&cases[pass % 2 ? n - 1 - j : j], place,
				 &out[pass % 2 ? n - 1 - j : j]);
	for (i = 0; i < n; i++) {
		if (cases[i].pipe_capacity)
			pipe_cap = cases[i].pipe_capacity;
		if (cases[i].mq_capacity)
			mq_cap = cases[i].mq_capacity;
	}
	if (list_has(list, "lkport"))
		printf("   lkport: unicast port, capacity %u packets; PORT_WRITE of <batch> packets, "
		       "PORT_READ max 64\n", capacity);
	if (list_has(list, "lkport-wait"))
		printf("   lkport-wait: the same, writing with LKPORT_WRITE_WAIT (back-pressure) "
		       "instead of a room event\n");
	if (list_has(list, "lkport-map"))
		printf("   lkport-map: as lkport-wait, read from the ring mapped into the consumer "
		       "(lk_port_map_read, no call while packets are queued)\n");
	if (pipe_cap)
		printf("   pipe:   16-byte records, one write() of 16*<batch> bytes, read() of up to 1024 bytes; "
		       "holds %ld bytes = %ld records\n", pipe_cap, pipe_cap / RECORD);
	if (mq_cap)
		printf("   mq:     one 16-byte message per mq_send / mq_receive (POSIX mq has no batching); "
		       "queue of %ld messages\n", mq_cap);
	printf("   %-11s %6s %11s %12s %10s %10s %11s %12s\n", "peer", "batch", "packets", "packets/s",
	       "pkts/read", "ring-full", "/lkport", "/lkport-b1");
	for (i = 0; i < n; i++) {
		const struct outcome *o = &out[i], *same = NULL, *b1 = NULL;
		char full[16] = "-", rs[16] = "-", r1[16] = "-";

		for (j = 0; j < n; j++) {
			if (strcmp(cases[j].peer, "lkport"))
				continue;
			if (cases[j].batch == cases[i].batch)
				same = &out[j];
			if (cases[j].batch == 1)
				b1 = &out[j];
		}
		if (!strcmp(cases[i].peer, "lkport"))
			snprintf(full, sizeof(full), "%llu", (unsigned long long)o->full);
		if (same)
			snprintf(rs, sizeof(rs), "%.2f", o->rate / same->rate);
		if (b1)
			snprintf(r1, sizeof(r1), "%.2f", o->rate / b1->rate);
		printf("   %-11s %6u %11llu %12.0f %10.2f %10s %11s %12s\n", cases[i].peer, cases[i].batch,
		       (unsigned long long)o->packets, o->rate, (double)o->packets / o->reads, full, rs, r1);
	}
	printf("   ratios: packets/s over lkport's at the same batch (/lkport) and at batch 1 "
	       "(/lkport-b1); below 1: slower than lkport\n");
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(cases[j].peer, "lkport") && cases[j].batch == cases[i].batch)
				break;
		if (strcmp(cases[i].peer, "lkport") && j < n)
			printf("   %s-b%u/lkport-b%u = %.2f\n", cases[i].peer, cases[i].batch,
			       cases[j].batch, out[i].rate / out[j].rate);
	}
	for (i = 0; i < n; i++) {
		char key[128];

		snprintf(key, sizeof(key), "throughput.%s.%s-b%u.packets_per_s", tag, cases[i].peer,
			 cases[i].batch);
		result(key, "%.0f", out[i].rate);
		for (j = 0; j < n; j++) {
			if (strcmp(cases[j].peer, "lkport"))
				continue;
			if (cases[j].batch == cases[i].batch && j != i) {
				snprintf(key, sizeof(key), "throughput.%s.%s-b%u.vs_lkport", tag,
					 cases[i].peer, cases[i].batch);
				result(key, "%.3f", out[i].rate / out[j].rate);
			}
			if (cases[j].batch == 1 && j != i && !strcmp(cases[i].peer, "lkport")) {
				snprintf(key, sizeof(key), "throughput.%s.lkport-b%u.vs_b1", tag,
					 cases[i].batch);
				result(key, "%.3f", out[i].rate / out[j].rate);
			}
		}
		/* pipe and mq against the back-pressure writer and the map
		 * reader too */
		for (j = 0; j < n && !is_lkport(cases[i].peer); j++) {
			const char *vs = !strcmp(cases[j].peer, "lkport-wait") ? "lkport_wait" :
					 !strcmp(cases[j].peer, "lkport-map") ? "lkport_map" : NULL;

			if (vs && cases[j].batch == cases[i].batch) {
				snprintf(key, sizeof(key), "throughput.%s.%s-b%u.vs_%s", tag,
					 cases[i].peer, cases[i].batch, vs);
				result(key, "%.3f", out[i].rate / out[j].rate);
			}
		}
	}
	return 0;
}
