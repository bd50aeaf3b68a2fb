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
 *   lkport-wmap  as lkport-map, written through the port's ring mapped
 *           into the producer (lk_port_wmap_write: `batch` packets per
 *           call go into the ring without a system call; the producer
 *           calls into the kernel only to wake a reader that sleeps, or
 *           to wait while the ring is full). Skipped, with a note, on a
 *           module without LKPORT_FEATURE_MAP_WRITE.
 *   lkport-rw  the same port by the pipe-shaped calls: write(2) of
 *           16*`batch` bytes (a back-pressure write, as lkport-wait's)
 *           and read(2) of up to 64 bare packets, one copy each way
 *           where the ioctls copy their argument in and out too.
 *   pipe    16-byte records, `batch` of them in one write() (atomic: at
 *           most 1024 bytes < PIPE_BUF), read() of up to 64 records; the
 *           default pipe holds 65536 bytes = 4096 records.
 *   mq      one 16-byte message per mq_send / mq_receive: POSIX message
 *           queues have no batching, so only batch 1 exists.
 *
 * Fan-out, one producer process to 8 reader processes (batches -F):
 *   lkport-bc8  a broadcast port of capacity 4096 with 8 read ports, one
 *           per reader; each PORT_WRITE of `batch` packets goes to all 8,
 *           with LKPORT_WRITE_WAIT (the slowest reader paces the writer);
 *           every reader reads with PORT_READ max=64.
 *   lkport-map-bc8  the same, every reader taking from its mapped ring.
 *   pipe8   8 pipes, one per reader; the producer writes each batch to
 *           every pipe in turn, one write() of 16*`batch` bytes per pipe
 *           (blocking: the fullest pipe paces the writer, as with the port).
 * Every reader checks it got every packet in order, and all that the
 * producer wrote. packets/s is per reader (the rate of the stream: each
 * reader gets every packet) over the time from the start signal to the
 * end of the last reader's stream; 8 times that was delivered in all.
 * The fan-out cases run 9 processes: on a 2-CPU machine they share them.
 *
 * The producer writes for a fixed time (an interval timer, no clock reads
 * in its loop), then ends the stream (closing the port or pipe, an end
 * message on mq). Every packet carries a sequence number: the consumer
 * checks they arrive complete and in order and that it got exactly what
 * the producer wrote; anything else fails the run. packets/s is what the
 * consumer received over the time from the start signal to the end of the
 * stream.
 *
 * usage: lkport-bench-throughput [-d SECONDS] [-b BATCH,...] [-F BATCH,...] [-r PASSES]
 *                                [-R PASSES] [-m cross|same|free]
 *                                [-p lkport,lkport-wait,lkport-map,lkport-wmap,lkport-rw,pipe,
 *                                    mq,lkport-bc8,lkport-map-bc8,pipe8] [-c CAPACITY] [-t TAG]
 * RESULT keys: throughput.<tag>.<peer>-b<batch>.{packets_per_s,vs_lkport,vs_lkport_wait,
 * vs_lkport_map,vs_lkport_wmap,vs_lkport_rw} (lkport-rw: vs_lkport and vs_lkport_wait;
 * lkport-wmap: vs_lkport and vs_lkport_map),
 * throughput.<tag>.lkport-b<batch>.vs_b1,
 * throughput.<tag>.{lkport-map-bc8,pipe8}-b<batch>.vs_lkport_bc8,
 * throughput.<tag>.pipe8-b<batch>.vs_lkport_map_bc8.
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
#define FANOUT 8			/* readers of the fan-out cases */

/* What one reader of a fan-out case saw, on a cache line of its own. */
struct reader_tally {
	uint64_t got, reads;
	uint64_t end_ns;	/* CLOCK_MONOTONIC at the end of its stream */
} __attribute__((aligned(64)));

struct shared {
	uint64_t produced;	/* packets the producer wrote */
	uint64_t write_calls;
	uint64_t full;		/* lkport: writes refused for a full ring */
	uint64_t slept;		/* lkport: times the producer had to sleep */
	uint32_t waiting;	/* lkport: producer waits for room */
	struct reader_tally reader[FANOUT];	/* fan-out cases */
};

struct tcase {
	const char *peer;
	uint32_t batch;
	double seconds;
	uint32_t capacity;	/* lkport ring, mq queue */
	int passes;		/* run in the first `passes` passes */
	bool fanout;		/* one producer, FANOUT readers */
	/* set up before the fork */
	int go[2];		/* start signal, parent -> child */
	int wfd, rfd, space;	/* lkport: write port, read port, room event */
	int frfd[FANOUT];	/* fan-out: every reader's read port or pipe end */
	int fwfd[FANOUT];	/* pipe8: the pipes' write ends */
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

	lk_port_wmap_t wmap;
	lk_status_t st;

	/* The consumer's ends stay with the consumer. */
	if (is_lkport(t->peer))
		close(t->rfd);
	else if (!strcmp(t->peer, "pipe"))
		close(t->rfd);
	/* lkport-wmap: the ring mapped before the start. */
	if (!strcmp(t->peer, "lkport-wmap")) {
		st = lk_port_wmap(t->wfd, &wmap);
		if (st != LK_NO_ERROR)
			fail("lkport-wmap: lk_port_wmap: %s", lk_status_str(st));
	}
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
	} else if (!strcmp(t->peer, "lkport-wmap")) {
		while (!stop) {
			const lk_port_packet_t *pk = (const lk_port_packet_t *)buf;
			uint32_t from = wmap.tail, done;

			fill(buf, seq, t->batch);
			/* A wait for room the timer's signal interrupts has put
			 * what fitted before it (wmap.tail moved past them):
			 * the rest, again. */
			while ((st = lk_port_wmap_write(&wmap, LKPORT_FOREVER, pk + (wmap.tail - from),
							t->batch - (wmap.tail - from))) ==
			       LK_ERR_INTERRUPTED)
				;
			t->sh->write_calls++;
			done = wmap.tail - from;
			if (st != LK_NO_ERROR || done != t->batch)
				fail("lkport-wmap: lk_port_wmap_write of %u packets: %s, %u put",
				     t->batch, lk_status_str(st), done);
			seq += t->batch;
		}
		sh->produced = seq;
		/* What the kernel has not taken when the port closes is kept
		 * only as far as the reader's ring has room: wait until the
		 * consumer's reads have taken it all, then end the stream. */
		while (__atomic_load_n(&wmap.ring->head, __ATOMIC_ACQUIRE) != wmap.tail) {
			st = lk_port_wmap_kick(&wmap);
			if (st != LK_NO_ERROR)
				fail("lkport-wmap: lk_port_wmap_kick: %s", lk_status_str(st));
			usleep(100);
		}
		lk_port_wunmap(&wmap);
		close(t->wfd);
	} else if (!strcmp(t->peer, "lkport-rw")) {
		size_t len = (size_t)t->batch * RECORD;

		while (!stop) {
			ssize_t r;

			fill(buf, seq, t->batch);
			/* Waits for room, all or nothing; SA_RESTART as above. */
			while ((r = write(t->wfd, buf, len)) < 0 && errno == EINTR)
				;
			sh->write_calls++;
			if (r < 0)
				fail_errno("lkport-rw: write(2) of %u packets", t->batch);
			if ((size_t)r != len)
				fail("lkport-rw: write(2) of %zu bytes returned %zd", len, r);
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

/* Reads a port to the end of its stream; `room`: the case whose producer
 * waits for a room event (lkport), NULL when it writes with
 * LKPORT_WRITE_WAIT. */
static uint64_t consume_port(int fd, const char *peer, uint64_t *reads, struct tcase *room)
{
	struct lkport_result res[MAX_BATCH];
	uint64_t seq = 0;

	for (;;) {
		struct lkport_port_read r = {
			.deadline_ns = LKPORT_FOREVER, .results = (uintptr_t)res, .max = MAX_BATCH,
		};
		uint32_t i;

		if (ioctl(fd, LKPORT_IOC_PORT_READ, &r) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECANCELED)
				break;	/* writer gone, ring drained */
			fail_errno("%s: LKPORT_IOC_PORT_READ", peer);
		}
		(*reads)++;
		if (r.count == 0 || r.count > MAX_BATCH)
			fail("%s: LKPORT_IOC_PORT_READ: count %u", peer, r.count);
		for (i = 0; i < r.count; i++, seq++) {
			if (res[i].ctx != 0xc0ffee)
				fail("%s: LKPORT_IOC_PORT_READ: ctx %#llx", peer,
				     (unsigned long long)res[i].ctx);
			check(peer, res[i].data, seq);
		}
		if (room && __atomic_exchange_n(&room->sh->waiting, 0, __ATOMIC_SEQ_CST) &&
		    ioctl(room->space, LKPORT_IOC_EVENT_SIGNAL) < 0)
			fail_errno("LKPORT_IOC_EVENT_SIGNAL");
	}
	return seq;
}

static uint64_t consume_port_map(int fd, const char *peer, uint64_t *reads)
{
	lk_port_result_t res[MAX_BATCH];
	lk_port_map_t map;
	uint64_t seq = 0;
	lk_status_t st;

	st = lk_port_map(fd, &map);
	if (st != LK_NO_ERROR)
		fail("%s: lk_port_map: %s", peer, lk_status_str(st));
	for (;;) {
		size_t got, i;

		st = lk_port_map_read(&map, LKPORT_FOREVER, res, MAX_BATCH, &got);
		if (st == LK_ERR_INTERRUPTED)
			continue;
		if (st == LK_ERR_CANCELLED)
			break;	/* writer gone, ring drained */
		if (st != LK_NO_ERROR)
			fail("%s: lk_port_map_read: %s", peer, lk_status_str(st));
		(*reads)++;
		if (got == 0 || got > MAX_BATCH)
			fail("%s: lk_port_map_read: count %zu", peer, got);
		for (i = 0; i < got; i++, seq++) {
			if (res[i].ctx != (void *)0xc0ffee)
				fail("%s: lk_port_map_read: ctx %p", peer, res[i].ctx);
			check(peer, res[i].packet.value, seq);
		}
	}
	lk_port_unmap(&map);
	return seq;
}

/* read(2) of a read port: whole bare packets, up to 64 a call, 0 at the
 * end of the stream (writer gone, ring drained). */
static uint64_t consume_port_rw(int fd, const char *peer, uint64_t *reads)
{
	uint8_t buf[MAX_BATCH * RECORD];
	uint64_t seq = 0;

	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		size_t off;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_errno("%s: read(2)", peer);
		if (r == 0)
			break;
		if (r % RECORD || (size_t)r > sizeof(buf))
			fail("%s: read(2) of %zu bytes returned %zd", peer, sizeof(buf), r);
		(*reads)++;
		for (off = 0; off < (size_t)r; off += RECORD, seq++)
			check(peer, buf + off, seq);
	}
	return seq;
}

static uint64_t consume_pipe(int fd, const char *peer, uint64_t *reads)
{
	uint8_t buf[MAX_BATCH * RECORD];
	size_t have = 0;
	uint64_t seq = 0;

	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		size_t off;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_errno("%s: pipe read", peer);
		if (r == 0)
			break;
		(*reads)++;
		have += r;
		for (off = 0; off + RECORD <= have; off += RECORD, seq++)
			check(peer, buf + off, seq);
		/* A record split across reads waits for its rest. */
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (have)
		fail("%s: %zu stray bytes at the end of the stream", peer, have);
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
	if (!strcmp(t->peer, "lkport-map") || !strcmp(t->peer, "lkport-wmap"))
		got = consume_port_map(t->rfd, t->peer, &o->reads);
	else if (!strcmp(t->peer, "lkport"))
		got = consume_port(t->rfd, t->peer, &o->reads, t);
	else if (!strcmp(t->peer, "lkport-rw"))
		got = consume_port_rw(t->rfd, t->peer, &o->reads);
	else if (is_lkport(t->peer))
		got = consume_port(t->rfd, t->peer, &o->reads, NULL);
	else if (!strcmp(t->peer, "pipe"))
		got = consume_pipe(t->rfd, t->peer, &o->reads);
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

/* ---- fan-out: one producer, FANOUT readers ----------------------------------------- */

struct reader_arg {
	struct tcase *t;
	int n;			/* which reader */
};

static void fanout_producer(void *arg)
{
	struct tcase *t = arg;
	struct sigaction sa = { .sa_handler = on_timer, .sa_flags = SA_RESTART };
	struct itimerval it = { .it_value = {
		.tv_sec = (time_t)t->seconds,
		.tv_usec = (suseconds_t)((t->seconds - (time_t)t->seconds) * 1e6),
	} };
	uint8_t buf[MAX_BATCH * RECORD];
	bool pipes = !strcmp(t->peer, "pipe8");
	uint64_t seq = 0;
	int i;
	char go;

	/* The readers' ends stay with the readers. */
	for (i = 0; i < FANOUT; i++)
		close(t->frfd[i]);
	close(t->go[1]);
	if (read(t->go[0], &go, 1) != 1)
		fail_errno("producer: start signal");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (setitimer(ITIMER_REAL, &it, NULL))
		fail_errno("setitimer");

	while (!stop) {
		fill(buf, seq, t->batch);
		if (pipes) {
			/* Each batch to every pipe in turn; a write to a full
			 * pipe blocks until its reader makes room. */
			for (i = 0; i < FANOUT; i++) {
				size_t len = (size_t)t->batch * RECORD, done = 0;

				while (done < len) {
					ssize_t r = write(t->fwfd[i], buf + done, len - done);

					if (r < 0 && errno == EINTR)
						continue;
					if (r <= 0)
						fail_errno("pipe %d write", i);
					done += r;
					t->sh->write_calls++;
				}
			}
		} else {
			struct lkport_port_write w = {
				.packets = (uintptr_t)buf, .count = t->batch,
				.flags = LKPORT_WRITE_WAIT, .deadline_ns = LKPORT_FOREVER,
			};

			/* SA_RESTART: the timer's signal restarts a waiting
			 * write, which then completes before stop is seen. */
			if (!port_write(t, &w) || w.delivered != FANOUT || w.skipped)
				fail("LKPORT_WRITE_WAIT broadcast write: delivered to %u of %d readers, "
				     "skipped %u", w.delivered, FANOUT, w.skipped);
		}
		seq += t->batch;
	}
	t->sh->produced = seq;
	/* The end of every stream: the port's last writer fd (its readers
	 * drain their rings, then read ECANCELED), every pipe's write end. */
	if (pipes)
		for (i = 0; i < FANOUT; i++)
			close(t->fwfd[i]);
	else
		close(t->wfd);
}

/* Reader n of a fan-out case: reads its port or pipe to the end of the
 * stream, checking every packet, and leaves its tally in shared memory. */
static void fanout_read(struct tcase *t, int n)
{
	struct reader_tally *rt = &t->sh->reader[n];
	char peer[40];

	snprintf(peer, sizeof(peer), "%s reader %d", t->peer, n);
	if (!strcmp(t->peer, "lkport-map-bc8"))
		rt->got = consume_port_map(t->frfd[n], peer, &rt->reads);
	else if (!strcmp(t->peer, "lkport-bc8"))
		rt->got = consume_port(t->frfd[n], peer, &rt->reads, NULL);
	else
		rt->got = consume_pipe(t->frfd[n], peer, &rt->reads);
	rt->end_ns = now_ns();
}

/* Closes the fan-out fds a process does not use (n: its reader, -1:
 * none); -1 entries are skipped and every closed one is marked. A
 * stream ends only once every copy of its write end is closed. */
static void fanout_close_others(struct tcase *t, int n)
{
	int i;

	for (i = 0; i < FANOUT; i++) {
		if (i != n && t->frfd[i] >= 0) {
			close(t->frfd[i]);
			t->frfd[i] = -1;
		}
		if (t->fwfd[i] >= 0) {
			close(t->fwfd[i]);
			t->fwfd[i] = -1;
		}
	}
	if (t->wfd >= 0) {
		close(t->wfd);
		t->wfd = -1;
	}
}

static void fanout_reader(void *arg)
{
	struct reader_arg *a = arg;

	close(a->t->go[0]);
	close(a->t->go[1]);
	fanout_close_others(a->t, a->n);
	fanout_read(a->t, a->n);
}

static void fanout_setup(struct tcase *t)
{
	char name[LKPORT_NAME_LEN];
	int i;

	if (pipe2(t->go, O_CLOEXEC))
		fail_errno("pipe2");
	if (!strcmp(t->peer, "pipe8")) {
		for (i = 0; i < FANOUT; i++) {
			int p[2];

			if (pipe2(p, O_CLOEXEC))
				fail_errno("pipe2");
			t->frfd[i] = p[0];
			t->fwfd[i] = p[1];
		}
		t->pipe_capacity = fcntl(t->fwfd[0], F_GETPIPE_SZ);
		t->wfd = -1;
		return;
	}
	lkp_name(name, "bc");
	t->wfd = lkp_port_create(name, LKPORT_PORT_BROADCAST, t->capacity);
	/* Every read port open before the first write: each reader gets
	 * the whole stream. */
	for (i = 0; i < FANOUT; i++) {
		t->frfd[i] = lkp_port_open(name, 0xc0ffee);
		t->fwfd[i] = -1;
	}
}

/* Runs a fan-out case once more and adds what it measured to *o. The
 * parent is reader 0; readers 1 to FANOUT-1 and the producer are
 * children. Readers on the parent's CPU of the placement, the producer on
 * the child's: with `cross`, 8 readers on one CPU, the producer on the
 * other. */
static void run_fanout(struct tcase *t, int place, struct outcome *o)
{
	struct reader_arg args[FANOUT];
	pid_t pids[FANOUT];	/* [0]: the producer */
	uint64_t t0, end = 0, reads = 0;
	char what[64];
	int i;

	snprintf(what, sizeof(what), "%s batch %u", t->peer, t->batch);
	t->sh = shared_alloc(sizeof(*t->sh));
	fanout_setup(t);
	pin_self(placement_cpu(place, 0));
	watchdog((unsigned int)t->seconds + 60, what);
	for (i = 1; i < FANOUT; i++) {
		args[i] = (struct reader_arg){ .t = t, .n = i };
		pids[i] = spawn(fanout_reader, &args[i], placement_cpu(place, 0), what);
	}
	pids[0] = spawn(fanout_producer, t, placement_cpu(place, 1), what);

	close(t->go[0]);
	fanout_close_others(t, 0);
	t0 = now_ns();
	if (write(t->go[1], "g", 1) != 1)
		fail_errno("start signal");
	fanout_read(t, 0);
	for (i = 0; i < FANOUT; i++)
		reap(pids[i]);
	watchdog(0, what);
	pin_self(-1);

	for (i = 0; i < FANOUT; i++) {
		const struct reader_tally *rt = &t->sh->reader[i];

		if (rt->got != t->sh->produced)
			fail("%s: reader %d got %llu packets, producer wrote %llu", what, i,
			     (unsigned long long)rt->got, (unsigned long long)t->sh->produced);
		if (rt->end_ns > end)
			end = rt->end_ns;
		reads += rt->reads;
	}
	if (t->sh->produced == 0)
		fail("%s: no packet went through", what);
	o->ran = true;
	o->packets += t->sh->produced;
	o->reads += reads;
	o->seconds += (end - t0) / 1e9;
	o->write_calls += t->sh->write_calls;
	o->rate = o->packets / o->seconds;

	close(t->go[1]);
	close(t->frfd[0]);
	t->frfd[0] = -1;
	munmap(t->sh, sizeof(*t->sh));
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: lkport-bench-throughput [-d SECONDS] [-b BATCH,...] [-F BATCH,...] "
			"[-r PASSES] [-R PASSES] [-m cross|same|free] "
			"[-p lkport,lkport-wait,lkport-map,lkport-wmap,lkport-rw,pipe,mq,lkport-bc8,"
			"lkport-map-bc8,pipe8] "
			"[-c CAPACITY] "
			"[-t TAG]\n");
	exit(2);
}

/* Parses a comma list of batch sizes into b[8]; returns how many. */
static uint32_t parse_batches(const char *list, uint32_t *b)
{
	uint32_t nb = 0;

	for (const char *s = list; *s && nb < 8;) {
		char *end;
		unsigned long v = strtoul(s, &end, 0);

		if (end == s || v < 1 || v > MAX_BATCH) {
			fprintf(stderr, "batch sizes are 1 to %d\n", MAX_BATCH);
			usage();
		}
		b[nb++] = v;
		s = *end == ',' ? end + 1 : end;
	}
	return nb;
}

static bool is_fanout(const char *peer)
{
	return !strcmp(peer, "lkport-bc8") || !strcmp(peer, "lkport-map-bc8") ||
	       !strcmp(peer, "pipe8");
}

/* Does the module do `feature` (LKPORT_FEATURE_*)? */
static bool module_has(uint64_t feature)
{
	struct lkport_version v;

	memset(&v, 0, sizeof(v));
	if (ioctl(lkp_dev(), LKPORT_IOC_VERSION, &v) < 0)
		fail_errno("LKPORT_IOC_VERSION");
	return v.features & feature;
}

/* The case of `peer` at `batch`, -1 when there is none. */
static int find_case(const struct tcase *cases, int n, const char *peer, uint32_t batch)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(cases[i].peer, peer) && cases[i].batch == batch)
			return i;
	return -1;
}

/* Beside lkport's, the rows a row's rate is compared with, as the
 * suffix of its vs_ key (NULL: none): pipe and mq against every other
 * producer -> consumer port row, lkport-rw against lkport-wait, which
 * writes the same way (waiting for room), lkport-wmap against lkport-map,
 * which reads the same way (from the mapped ring). */
static const char *also_vs(const char *peer, const char *base)
{
	if (!strcmp(base, "lkport-wait") && (!is_lkport(peer) || !strcmp(peer, "lkport-rw")))
		return "lkport_wait";
	if (!strcmp(base, "lkport-map") && (!is_lkport(peer) || !strcmp(peer, "lkport-wmap")) &&
	    !is_fanout(peer))
		return "lkport_map";
	if (is_lkport(peer) || is_fanout(peer))
		return NULL;
	if (!strcmp(base, "lkport-wmap"))
		return "lkport_wmap";
	if (!strcmp(base, "lkport-rw"))
		return "lkport_rw";
	return NULL;
}

/* Up to 8 batches for each of 6 producer -> consumer peers, mq's one,
 * up to 8 for each of 3 fan-out peers. */
#define MAX_CASES 80

int main(int argc, char **argv)
{
	static const char *const peer_names[] = { "lkport", "lkport-wait", "lkport-map", "lkport-wmap",
						  "lkport-rw", "pipe", "mq", "lkport-bc8", "lkport-map-bc8",
						  "pipe8" };
	struct tcase cases[MAX_CASES];
	struct outcome out[MAX_CASES] = { 0 };
	uint32_t batches[8], nb, fbatches[8], nfb, capacity = LKPORT_CAPACITY_MAX;
	const char *blist = "1,8,64", *fblist = "1,64", *list = NULL, *tag = NULL;
	double seconds = 2.0;
	int place = PLACE_CROSS, c, n = 0, i, j, k, passes = 4, fpasses = -1, pass, npasses;
	long pipe_cap = 0, mq_cap = 0;
	bool any_fanout = false, no_wmap = false;

	bench_init("lkport-bench-throughput");
	while ((c = getopt(argc, argv, "d:b:F:r:R:m:p:c:t:h")) != -1) {
		switch (c) {
		case 'r': passes = atoi(optarg); break;
		case 'R': fpasses = atoi(optarg); break;
		case 'd': seconds = strtod(optarg, NULL); break;
		case 'b': blist = optarg; break;
		case 'F': fblist = optarg; break;
		case 'm': place = placement_parse(optarg); break;
		case 'p': list = optarg; break;
		case 'c': capacity = strtoul(optarg, NULL, 0); break;
		case 't': tag = optarg; break;
		default: usage();
		}
	}
	/* The fan-out cases start 9 processes a pass: fewer passes, 2 by
	 * default. */
	if (fpasses < 0)
		fpasses = passes < 2 ? passes : 2;
	if (optind != argc || seconds <= 0 || seconds > 60 || passes < 1 || passes > 100 ||
	    fpasses < 1 || fpasses > 100)
		usage();
	nb = parse_batches(blist, batches);
	nfb = parse_batches(fblist, fbatches);
	if (!tag)
		tag = placement_name(place);

	for (i = 0; i < (int)(sizeof(peer_names) / sizeof(peer_names[0])); i++) {
		bool mq = !strcmp(peer_names[i], "mq"), fan = is_fanout(peer_names[i]);
		int cnt = mq ? 1 : fan ? (int)nfb : (int)nb;
		int np = fan ? fpasses : passes;

		if (!list_has(list, peer_names[i]))
			continue;
		if (!strcmp(peer_names[i], "lkport-wmap") && !module_has(LKPORT_FEATURE_MAP_WRITE)) {
			no_wmap = true;
			continue;
		}
		any_fanout |= fan;
		/* mq has no batching: one case, batch 1. */
		for (j = 0; j < cnt; j++) {
			cases[n++] = (struct tcase){
				.peer = peer_names[i],
				.batch = mq ? 1 : fan ? fbatches[j] : batches[j],
				.seconds = seconds / np, .capacity = capacity,
				.passes = np, .fanout = fan,
				.wfd = -1, .rfd = -1, .space = -1, .mq = (mqd_t)-1,
			};
			for (k = 0; k < FANOUT; k++)
				cases[n - 1].frfd[k] = cases[n - 1].fwfd[k] = -1;
		}
	}

	printf("== throughput, producer -> consumer process, %s (%s)\n", placement_desc(place), tag);
	if (no_wmap)
		printf("   lkport-wmap: skipped: the module has no mapped write rings "
		       "(LKPORT_FEATURE_MAP_WRITE, ABI 1.10)\n");
	if (!placement_possible(place)) {
		printf("   skipped: needs 2 CPUs, this machine has %d\n", cpu_count());
		return 0;
	}
	printf("   %.1f s of writing per case, in %d passes over all cases (alternating order);\n"
	       "   the consumer takes up to 64 packets per call where it can\n", seconds, passes);
	if (any_fanout)
		printf("   fan-out cases (one producer, %d readers): %.1f s each, in the first %d passes\n",
		       FANOUT, seconds, fpasses);
	/* Passes in alternating order: what the machine does meanwhile falls
	 * on every case alike. */
	npasses = passes > fpasses ? passes : fpasses;
	for (pass = 0; pass < npasses; pass++)
		for (j = 0; j < n; j++) {
			i = pass % 2 ? n - 1 - j : j;
			if (pass >= cases[i].passes)
				continue;
			if (cases[i].fanout)
				run_fanout(&cases[i], place, &out[i]);
			else
				run_case(&cases[i], place, &out[i]);
		}
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
	if (list_has(list, "lkport-wmap") && !no_wmap)
		printf("   lkport-wmap: as lkport-map, written through the ring mapped into the "
		       "producer (lk_port_wmap_write, no call while there is room)\n");
	if (list_has(list, "lkport-rw"))
		printf("   lkport-rw: the same port by write(2) of 16*<batch> bytes (waits for room, "
		       "as lkport-wait) and read(2) of up to 1024 bytes (64 bare packets)\n");
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

		if (cases[i].fanout)
			continue;
		j = find_case(cases, n, "lkport", cases[i].batch);
		if (j >= 0)
			same = &out[j];
		j = find_case(cases, n, "lkport", 1);
		if (j >= 0)
			b1 = &out[j];
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
		j = find_case(cases, n, "lkport", cases[i].batch);
		if (strcmp(cases[i].peer, "lkport") && !cases[i].fanout && j >= 0)
			printf("   %s-b%u/lkport-b%u = %.2f\n", cases[i].peer, cases[i].batch,
			       cases[j].batch, out[i].rate / out[j].rate);
	}
	/* The read/write calls against pipe and mq, and against the ioctl
	 * that writes the same way (lkport-wait); the mapped writer against
	 * them too, and against the mapped reader's row (lkport-map). */
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (cases[j].batch == cases[i].batch &&
			    (!strcmp(cases[i].peer, "lkport-rw") || !strcmp(cases[j].peer, "lkport-rw") ||
			     !strcmp(cases[i].peer, "lkport-wmap") ||
			     !strcmp(cases[j].peer, "lkport-wmap")) &&
			    also_vs(cases[i].peer, cases[j].peer))
				printf("   %s-b%u/%s-b%u = %.2f\n", cases[i].peer, cases[i].batch,
				       cases[j].peer, cases[j].batch, out[i].rate / out[j].rate);

	if (any_fanout) {
		const char *cpus = place == PLACE_CROSS ? "producer pinned to CPU1, the readers to CPU0" :
				   place == PLACE_SAME ? "all pinned to CPU0" : "unpinned";

		printf("== throughput fan-out, one producer -> %d reader processes: %d processes on "
		       "%d CPUs (%s)\n", FANOUT, FANOUT + 1, cpu_count(), cpus);
		if (list_has(list, "lkport-bc8"))
			printf("   lkport-bc8: broadcast port, a ring of %u packets per reader; one "
			       "PORT_WRITE of <batch> packets with LKPORT_WRITE_WAIT (the slowest "
			       "reader paces the writer), PORT_READ max 64 in every reader\n", capacity);
		if (list_has(list, "lkport-map-bc8"))
			printf("   lkport-map-bc8: the same, every reader taking from its mapped ring "
			       "(lk_port_map_read)\n");
		if (list_has(list, "pipe8"))
			printf("   pipe8: %d pipes; every batch written to each in turn, one blocking "
			       "write() of 16*<batch> bytes per pipe (the fullest pipe paces the "
			       "writer); read() of up to 1024 bytes in every reader\n", FANOUT);
		printf("   packets/s per reader (each gets every packet; %d times as many delivered "
		       "in all), up to the last reader's end of stream\n", FANOUT);
		printf("   %-15s %6s %11s %12s %12s %10s %12s\n", "peer", "batch", "packets",
		       "packets/s", "delivered/s", "pkts/read", "/lkport-bc8");
		for (i = 0; i < n; i++) {
			const struct outcome *o = &out[i];
			char rs[16] = "-";

			if (!cases[i].fanout)
				continue;
			j = find_case(cases, n, "lkport-bc8", cases[i].batch);
			if (j >= 0)
				snprintf(rs, sizeof(rs), "%.2f", o->rate / out[j].rate);
			printf("   %-15s %6u %11llu %12.0f %12.0f %10.2f %12s\n", cases[i].peer,
			       cases[i].batch, (unsigned long long)o->packets, o->rate, FANOUT * o->rate,
			       (double)o->packets * FANOUT / o->reads, rs);
		}
		printf("   ratios: packets/s per reader over lkport-bc8's at the same batch; above 1: "
		       "faster than the broadcast port\n");
		for (i = 0; i < n; i++) {
			static const char *const base[] = { "lkport-bc8", "lkport-map-bc8" };

			if (!cases[i].fanout)
				continue;
			for (k = 0; k < 2; k++) {
				j = find_case(cases, n, base[k], cases[i].batch);
				if (j >= 0 && j != i && (k == 0 || !strcmp(cases[i].peer, "pipe8")))
					printf("   %s-b%u/%s-b%u = %.2f\n", cases[i].peer, cases[i].batch,
					       base[k], cases[j].batch, out[i].rate / out[j].rate);
			}
		}
	}

	for (i = 0; i < n; i++) {
		char key[128];

		snprintf(key, sizeof(key), "throughput.%s.%s-b%u.packets_per_s", tag, cases[i].peer,
			 cases[i].batch);
		result(key, "%.0f", out[i].rate);
		if (cases[i].fanout) {
			/* Fan-out against fan-out only: the broadcast port, and
			 * for pipe8 the mapped readers too. */
			static const char *const base[] = { "lkport-bc8", "lkport-map-bc8" };
			static const char *const vs[] = { "lkport_bc8", "lkport_map_bc8" };

			for (k = 0; k < 2; k++) {
				j = find_case(cases, n, base[k], cases[i].batch);
				if (j < 0 || j == i || (k == 1 && strcmp(cases[i].peer, "pipe8")))
					continue;
				snprintf(key, sizeof(key), "throughput.%s.%s-b%u.vs_%s", tag,
					 cases[i].peer, cases[i].batch, vs[k]);
				result(key, "%.3f", out[i].rate / out[j].rate);
			}
			continue;
		}
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
		for (j = 0; j < n; j++) {
			const char *vs = also_vs(cases[i].peer, cases[j].peer);

			if (vs && cases[j].batch == cases[i].batch) {
				snprintf(key, sizeof(key), "throughput.%s.%s-b%u.vs_%s", tag,
					 cases[i].peer, cases[i].batch, vs);
				result(key, "%.3f", out[i].rate / out[j].rate);
			}
		}
	}
	return 0;
}
