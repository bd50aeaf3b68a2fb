// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-bench-pingpong: round trip of a ping-pong between two processes,
 * lkport against the IPC a user would pick instead.
 *
 * The parent sends "ping" on channel A, the child answers "pong" on
 * channel B, N times after a warm-up. The parent reads CLOCK_MONOTONIC once
 * per round, so every round trip it records includes one clock read (its
 * cost is printed). Every message carries the round number and is checked
 * on arrival: a lost, repeated or reordered message fails the run.
 *
 * Peers (each direction its own object):
 *   lkport-event      two auto-unsignal events, EVENT_SIGNAL / EVENT_WAIT
 *   lkport-port       two unicast ports, one 16-byte packet each way,
 *                     PORT_WRITE / PORT_READ (max 1)
 *   lkport-rw         the same two ports by write(2) / read(2) of one
 *                     packet (16 bytes), the pipe-shaped calls
 *   lkport-event-rw   the same two events by write(2) / read(2) of the
 *                     __u64 1, an eventfd's calls
 *   lkport-event-lib  as lkport-event through liblkport (lk_event_*)
 *   lkport-port-lib   as lkport-port through liblkport (lk_port_*)
 *   lkport-event-call the same two events, each step one SIGNAL_WAIT:
 *                     signal the other side's event and wait on its own
 *                     in one call (ABI 1.11, LKPORT_FEATURE_CALL)
 *   lkport-port-call  the same two ports, each step one WRITE_READ: write
 *                     the packet to the other side's port and read the
 *                     next from its own in one call (ABI 1.11)
 *   futex             a counter per direction in shared memory,
 *                     FUTEX_WAKE after every increment, FUTEX_WAIT
 *   eventfd           two eventfds, 8-byte write / read
 *   pipe              two pipes, 1 byte each way
 *   mq                two POSIX message queues, 16-byte messages
 *
 * usage: lkport-bench-pingpong [-n ROUNDS] [-w WARMUP] [-m cross|same|free]
 *                              [-p PEER,PEER...] [-t TAG]
 * Every peer but the two -call ones makes two system calls per half round
 * trip (a send, then a receive); those make one. Their parent makes one
 * call a round; their child starts with a plain receive and ends with a
 * plain send, so that nothing is left queued or signalled and nobody is
 * blocked when a chunk ends. A module without LKPORT_FEATURE_CALL skips
 * them (a line says so), not a failure.
 *
 * The ratios divide a peer's trimmed mean round trip (the mean of the
 * rounds from the 5th to the 95th percentile) by lkport's. Neither the
 * median nor the mean would do: on one CPU the round trip is bimodal
 * (whether the woken process preempts the waker is settled per process
 * pair) and the median flips between the modes from run to run, while a
 * few host-level stalls of milliseconds (on a VM) move the mean. Ratios of
 * medians are printed too.
 *
 * RESULT keys: pingpong.<tag>.<peer>.{median_us,p99_us,mean_us,tmean_us,
 * rounds_per_s,rounds,slow_pct,vs_event,vs_port,vs_rw,vs_event_rw,
 * vs_event_median,vs_port_median,vs_rw_median,vs_event_p99,vs_port_p99,
 * vs_event_call,vs_event_call_median,vs_event_call_p99,vs_port_call,
 * vs_port_call_median,vs_port_call_p99}; tag defaults to the placement.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <lkport/lk.h>

#include "bench.h"

/* Two directions: A is parent -> child, B child -> parent. */
enum { DIR_A, DIR_B };

struct chan {
	int wfd[2];		/* write side per direction (event fd, write port, pipe/eventfd) */
	int rfd[2];		/* read side per direction */
	mqd_t mq[2];
	char mqname[2][64];
	uint32_t *futex;	/* shared: futex[0] and futex[16] (own cache lines) */
	uint32_t seen[2];	/* futex: last value consumed per direction */
};

struct peer {
	const char *name;
	void (*setup)(struct chan *c);
	void (*send)(struct chan *c, int dir, uint32_t seq);
	void (*recv)(struct chan *c, int dir, uint32_t seq);
	void (*teardown)(struct chan *c);
	/* Optional: send `sseq` on `sdir`, then receive `rseq` on `rdir`, in
	 * one system call. When set, the parent makes one call a round and
	 * the child's rounds are a plain recv, then sendrecv, ending with a
	 * plain send (child_loop). */
	void (*sendrecv)(struct chan *c, int sdir, uint32_t sseq, int rdir, uint32_t rseq);
	uint64_t needs;		/* LKPORT_FEATURE_* the peer needs; 0: none */
};

static void close_all(struct chan *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		if (c->wfd[d] >= 0)
			close(c->wfd[d]);
		if (c->rfd[d] >= 0 && c->rfd[d] != c->wfd[d])
			close(c->rfd[d]);
	}
}

/* ---- lkport events ---------------------------------------------------------------- */

static void event_setup(struct chan *c)
{
	char name[LKPORT_NAME_LEN];
	int d;

	for (d = 0; d < 2; d++) {
		lkp_name(name, "ev");
		c->wfd[d] = c->rfd[d] = lkp_event_create(name, LKPORT_EVENT_AUTOUNSIGNAL);
	}
}

static void event_send(struct chan *c, int dir, uint32_t seq)
{
	(void)seq;
	if (ioctl(c->wfd[dir], LKPORT_IOC_EVENT_SIGNAL) < 0)
		fail_errno("LKPORT_IOC_EVENT_SIGNAL");
}

static void event_recv(struct chan *c, int dir, uint32_t seq)
{
	struct lkport_wait w = { .deadline_ns = LKPORT_FOREVER };

	(void)seq;
	while (ioctl(c->rfd[dir], LKPORT_IOC_EVENT_WAIT, &w) < 0)
		if (errno != EINTR)
			fail_errno("LKPORT_IOC_EVENT_WAIT");
}

static void event_rw_send(struct chan *c, int dir, uint32_t seq)
{
	uint64_t one = 1;

	(void)seq;
	while (write(c->wfd[dir], &one, sizeof(one)) != sizeof(one))
		if (errno != EINTR)
			fail_errno("event write(2)");
}

static void event_rw_recv(struct chan *c, int dir, uint32_t seq)
{
	uint64_t v = 0;

	(void)seq;
	while (read(c->rfd[dir], &v, sizeof(v)) != sizeof(v))
		if (errno != EINTR)
			fail_errno("event read(2)");
	if (v != 1)
		fail("event read(2) gave %llu, not 1", (unsigned long long)v);
}

static void event_lib_send(struct chan *c, int dir, uint32_t seq)
{
	lk_event_t e = { .fd = c->wfd[dir] };
	int r = lk_event_signal(&e);

	(void)seq;
	if (r < 0)
		fail("lk_event_signal: %s", lk_status_str(r));
}

static void event_lib_recv(struct chan *c, int dir, uint32_t seq)
{
	lk_event_t e = { .fd = c->rfd[dir] };
	lk_status_t st;

	(void)seq;
	while ((st = lk_event_wait(&e)) != LK_NO_ERROR)
		if (st != LK_ERR_INTERRUPTED)
			fail("lk_event_wait: %s", lk_status_str(st));
}

/* One SIGNAL_WAIT: signal the other side's event, then wait on this side's.
 * A signal that ends the wait after the event was signalled (EINTR with
 * LKPORT_DONE_FIRST) is followed by the wait alone: the call again would
 * signal twice. */
static void event_call_sendrecv(struct chan *c, int sdir, uint32_t sseq, int rdir, uint32_t rseq)
{
	struct lkport_signal_wait sw;

	(void)sseq;
	(void)rseq;
	for (;;) {
		memset(&sw, 0, sizeof(sw));
		sw.wait.deadline_ns = LKPORT_FOREVER;
		sw.fd = c->wfd[sdir];
		if (ioctl(c->rfd[rdir], LKPORT_IOC_SIGNAL_WAIT, &sw) == 0)
			break;
		if (errno != EINTR)
			fail_errno("LKPORT_IOC_SIGNAL_WAIT (done %#x)", sw.done);
		if (sw.done & LKPORT_DONE_FIRST) {
			event_recv(c, rdir, rseq);
			break;
		}
	}
	if (sw.done != LKPORT_DONE_FIRST || sw.released > 1)
		fail("LKPORT_IOC_SIGNAL_WAIT: done %#x, released %u (one waiter at most)", sw.done,
		     sw.released);
}

/* ---- lkport ports ------------------------------------------------------------------ */

static void port_setup(struct chan *c)
{
	char name[LKPORT_NAME_LEN];
	int d;

	for (d = 0; d < 2; d++) {
		lkp_name(name, "pp");
		c->wfd[d] = lkp_port_create(name, LKPORT_PORT_UNICAST, 0);
		c->rfd[d] = lkp_port_open(name, 0x100 + d);
	}
}

static void port_send(struct chan *c, int dir, uint32_t seq)
{
	struct lkport_packet pk = { .data = { 0 } };
	struct lkport_port_write w = { .packets = (uintptr_t)&pk, .count = 1 };
	int r;

	memcpy(pk.data, &seq, sizeof(seq));
	r = ioctl(c->wfd[dir], LKPORT_IOC_PORT_WRITE, &w);
	if (r < 0)
		fail_errno("LKPORT_IOC_PORT_WRITE");
	if (r > 0 || w.delivered != 1)
		fail("LKPORT_IOC_PORT_WRITE: %d reader(s) skipped, %u delivered", r, w.delivered);
}

static void check_seq(const char *what, uint32_t got, uint32_t want)
{
	if (got != want)
		fail("%s: message %u arrived where %u was due", what, got, want);
}

static void port_recv(struct chan *c, int dir, uint32_t seq)
{
	struct lkport_result res;
	struct lkport_port_read r = {
		.deadline_ns = LKPORT_FOREVER, .results = (uintptr_t)&res, .max = 1,
	};
	uint32_t got;

	while (ioctl(c->rfd[dir], LKPORT_IOC_PORT_READ, &r) < 0) {
		if (errno != EINTR)
			fail_errno("LKPORT_IOC_PORT_READ");
		r.count = 0;
	}
	if (r.count != 1 || res.ctx != 0x100u + dir)
		fail("LKPORT_IOC_PORT_READ: count %u ctx %#llx", r.count,
		     (unsigned long long)res.ctx);
	memcpy(&got, res.data, sizeof(got));
	check_seq("port", got, seq);
}

/* One WRITE_READ: the packet `sseq` to the other side's port, then the
 * packet `rseq` from this side's; as port_send and port_recv, each checked.
 * EINTR once written (LKPORT_DONE_FIRST): the read alone, as port_recv. */
static void port_call_sendrecv(struct chan *c, int sdir, uint32_t sseq, int rdir, uint32_t rseq)
{
	struct lkport_packet pk = { .data = { 0 } };
	struct lkport_result res;
	struct lkport_write_read wr;
	bool interrupted = false;
	uint32_t got;

	memcpy(pk.data, &sseq, sizeof(sseq));
	memset(&res, 0, sizeof(res));
	for (;;) {
		memset(&wr, 0, sizeof(wr));
		wr.write.packets = (uintptr_t)&pk;
		wr.write.count = 1;
		wr.read.deadline_ns = LKPORT_FOREVER;
		wr.read.results = (uintptr_t)&res;
		wr.read.max = 1;
		wr.fd = c->wfd[sdir];
		if (ioctl(c->rfd[rdir], LKPORT_IOC_WRITE_READ, &wr) == 0)
			break;
		if (errno != EINTR)
			fail_errno("LKPORT_IOC_WRITE_READ (done %#x)", wr.done);
		if (wr.done & LKPORT_DONE_FIRST) {
			interrupted = true;
			break;
		}
	}
	if (wr.done != LKPORT_DONE_FIRST || wr.write.delivered != 1 || wr.write.skipped)
		fail("LKPORT_IOC_WRITE_READ: done %#x, %u delivered, %u skipped", wr.done,
		     wr.write.delivered, wr.write.skipped);
	if (interrupted) {
		port_recv(c, rdir, rseq);
		return;
	}
	if (wr.read.count != 1 || res.ctx != 0x100u + rdir)
		fail("LKPORT_IOC_WRITE_READ: count %u ctx %#llx", wr.read.count,
		     (unsigned long long)res.ctx);
	memcpy(&got, res.data, sizeof(got));
	check_seq("port (write-read)", got, rseq);
}

static void port_rw_send(struct chan *c, int dir, uint32_t seq)
{
	uint8_t pk[16] = { 0 };
	ssize_t r;

	memcpy(pk, &seq, sizeof(seq));
	while ((r = write(c->wfd[dir], pk, sizeof(pk))) < 0)
		if (errno != EINTR)
			fail_errno("port write(2)");
	if (r != sizeof(pk))
		fail("port write(2) of %zu bytes returned %zd", sizeof(pk), r);
}

static void port_rw_recv(struct chan *c, int dir, uint32_t seq)
{
	uint8_t pk[16];
	uint32_t got;
	ssize_t r;

	while ((r = read(c->rfd[dir], pk, sizeof(pk))) < 0)
		if (errno != EINTR)
			fail_errno("port read(2)");
	if (r != sizeof(pk))
		fail("port read(2) of %zu bytes returned %zd", sizeof(pk), r);
	memcpy(&got, pk, sizeof(got));
	check_seq("port (read/write)", got, seq);
}

static void port_lib_send(struct chan *c, int dir, uint32_t seq)
{
	lk_port_packet_t pk = { .value = { 0 } };
	lk_status_t st;

	memcpy(pk.value, &seq, sizeof(seq));
	st = lk_port_write(c->wfd[dir], &pk, 1);
	if (st != LK_NO_ERROR)
		fail("lk_port_write: %s", lk_status_str(st));
}

static void port_lib_recv(struct chan *c, int dir, uint32_t seq)
{
	lk_port_result_t res;
	lk_status_t st;
	uint32_t got;

	while ((st = lk_port_read(c->rfd[dir], LK_INFINITE_TIME, &res)) != LK_NO_ERROR)
		if (st != LK_ERR_INTERRUPTED)
			fail("lk_port_read: %s", lk_status_str(st));
	if ((uintptr_t)res.ctx != 0x100u + dir)
		fail("lk_port_read: ctx %p", res.ctx);
	memcpy(&got, res.packet.value, sizeof(got));
	check_seq("port (liblkport)", got, seq);
}

/* ---- futex -------------------------------------------------------------------------- */

static long futex(uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void futex_setup(struct chan *c)
{
	c->futex = shared_alloc(4096);
	c->seen[0] = c->seen[1] = 0;
}

static void futex_send(struct chan *c, int dir, uint32_t seq)
{
	uint32_t *w = &c->futex[dir * 16];

	(void)seq;
	__atomic_add_fetch(w, 1, __ATOMIC_SEQ_CST);
	/* Shared between processes: not FUTEX_PRIVATE_FLAG. */
	if (futex(w, FUTEX_WAKE, 1) < 0)
		fail_errno("FUTEX_WAKE");
}

static void futex_recv(struct chan *c, int dir, uint32_t seq)
{
	uint32_t *w = &c->futex[dir * 16], want = c->seen[dir] + 1, v;

	(void)seq;
	while ((v = __atomic_load_n(w, __ATOMIC_SEQ_CST)) != want) {
		if (v != c->seen[dir])
			fail("futex: counter %u where %u or %u was due", v, c->seen[dir], want);
		if (futex(w, FUTEX_WAIT, v) < 0 && errno != EAGAIN && errno != EINTR)
			fail_errno("FUTEX_WAIT");
	}
	c->seen[dir] = want;
}

static void futex_teardown(struct chan *c)
{
	munmap(c->futex, 4096);
}

/* ---- eventfd ------------------------------------------------------------------------ */

static void eventfd_setup(struct chan *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		c->wfd[d] = c->rfd[d] = eventfd(0, EFD_CLOEXEC);
		if (c->wfd[d] < 0)
			fail_errno("eventfd");
	}
}

static void eventfd_send(struct chan *c, int dir, uint32_t seq)
{
	uint64_t one = 1;

	(void)seq;
	if (write(c->wfd[dir], &one, sizeof(one)) != sizeof(one))
		fail_errno("eventfd write");
}

static void eventfd_recv(struct chan *c, int dir, uint32_t seq)
{
	uint64_t v;
	ssize_t r;

	(void)seq;
	while ((r = read(c->rfd[dir], &v, sizeof(v))) < 0)
		if (errno != EINTR)
			fail_errno("eventfd read");
	if (r != sizeof(v) || v != 1)
		fail("eventfd read: %zd bytes, count %llu (1 was due)", r, (unsigned long long)v);
}

/* ---- pipe --------------------------------------------------------------------------- */

static void pipe_setup(struct chan *c)
{
	int d, p[2];

	for (d = 0; d < 2; d++) {
		if (pipe2(p, O_CLOEXEC))
			fail_errno("pipe2");
		c->rfd[d] = p[0];
		c->wfd[d] = p[1];
	}
}

static void pipe_send(struct chan *c, int dir, uint32_t seq)
{
	uint8_t b = (uint8_t)seq;

	if (write(c->wfd[dir], &b, 1) != 1)
		fail_errno("pipe write");
}

static void pipe_recv(struct chan *c, int dir, uint32_t seq)
{
	uint8_t b;
	ssize_t r;

	while ((r = read(c->rfd[dir], &b, 1)) < 0)
		if (errno != EINTR)
			fail_errno("pipe read");
	if (r != 1)
		fail("pipe read: end of file");
	check_seq("pipe", b, (uint8_t)seq);
}

/* ---- POSIX message queues ------------------------------------------------------------- */

static void mq_setup(struct chan *c)
{
	struct mq_attr attr = { .mq_maxmsg = 8, .mq_msgsize = 16 };
	int d;

	for (d = 0; d < 2; d++) {
		snprintf(c->mqname[d], sizeof(c->mqname[d]), "/lkport-bench-%d-%c",
			 (int)getpid(), 'a' + d);
		mq_unlink(c->mqname[d]);
		c->mq[d] = mq_open(c->mqname[d], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (c->mq[d] == (mqd_t)-1)
			fail_errno("mq_open %s", c->mqname[d]);
	}
}

static void mq_send_seq(struct chan *c, int dir, uint32_t seq)
{
	char msg[16] = { 0 };

	memcpy(msg, &seq, sizeof(seq));
	while (mq_send(c->mq[dir], msg, sizeof(msg), 0) < 0)
		if (errno != EINTR)
			fail_errno("mq_send");
}

static void mq_recv_seq(struct chan *c, int dir, uint32_t seq)
{
	char msg[16];
	uint32_t got;
	ssize_t r;

	while ((r = mq_receive(c->mq[dir], msg, sizeof(msg), NULL)) < 0)
		if (errno != EINTR)
			fail_errno("mq_receive");
	if (r != sizeof(msg))
		fail("mq_receive: %zd bytes", r);
	memcpy(&got, msg, sizeof(got));
	check_seq("mq", got, seq);
}

static void mq_teardown(struct chan *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		mq_close(c->mq[d]);
		mq_unlink(c->mqname[d]);
	}
}

/* The ratio columns and the index loops below rely on this order: the
 * three lkport baselines first, then futex, eventfd, pipe, mq. */
enum {
	P_EVENT, P_PORT, P_RW, P_FUTEX, P_EVENTFD, P_PIPE, P_MQ, P_EVENT_LIB, P_PORT_LIB,
	P_EVENT_CALL, P_PORT_CALL, P_EVENT_RW, NPEERS
};

static const struct peer peers[NPEERS] = {
	[P_EVENT] = { "lkport-event", event_setup, event_send, event_recv, close_all },
	[P_PORT] = { "lkport-port", port_setup, port_send, port_recv, close_all },
	[P_RW] = { "lkport-rw", port_setup, port_rw_send, port_rw_recv, close_all },
	[P_FUTEX] = { "futex", futex_setup, futex_send, futex_recv, futex_teardown },
	[P_EVENTFD] = { "eventfd", eventfd_setup, eventfd_send, eventfd_recv, close_all },
	[P_PIPE] = { "pipe", pipe_setup, pipe_send, pipe_recv, close_all },
	[P_MQ] = { "mq", mq_setup, mq_send_seq, mq_recv_seq, mq_teardown },
	[P_EVENT_LIB] = { "lkport-event-lib", event_setup, event_lib_send, event_lib_recv,
			  close_all },
	[P_PORT_LIB] = { "lkport-port-lib", port_setup, port_lib_send, port_lib_recv, close_all },
	[P_EVENT_CALL] = { "lkport-event-call", event_setup, event_send, event_recv, close_all,
			   event_call_sendrecv, LKPORT_FEATURE_CALL },
	[P_PORT_CALL] = { "lkport-port-call", port_setup, port_send, port_recv, close_all,
			  port_call_sendrecv, LKPORT_FEATURE_CALL },
	[P_EVENT_RW] = { "lkport-event-rw", event_setup, event_rw_send, event_rw_recv, close_all },
};

/* Does the module do `feature` (LKPORT_FEATURE_*)? */
static bool module_has(uint64_t feature)
{
	struct lkport_version v;

	memset(&v, 0, sizeof(v));
	if (ioctl(lkp_dev(), LKPORT_IOC_VERSION, &v) < 0)
		fail_errno("LKPORT_IOC_VERSION");
	return (v.features & feature) == feature;
}

/* After a chunk of a one-call peer, both children gone: nothing may be
 * left, no event signalled and no packet queued on either side. */
static void check_drained(const struct peer *p, struct chan *c)
{
	struct lkport_info info;
	int d;

	for (d = 0; d < 2; d++) {
		memset(&info, 0, sizeof(info));
		if (ioctl(c->rfd[d], LKPORT_IOC_INFO, &info) < 0)
			fail_errno("%s: LKPORT_IOC_INFO", p->name);
		if ((info.state & LKPORT_STATE_SIGNALED) || info.queued || info.waiters)
			fail("%s: direction %c left state %#x, %u queued, %u waiting", p->name,
			     'A' + d, info.state, info.queued, info.waiters);
	}
}

/* ---- the ping-pong ------------------------------------------------------------------------ */

struct run {
	const struct peer *p;
	struct chan c;
	uint32_t *total;	/* shared: warm-up + measured rounds; the parent
				 * lowers it before the ping of the last round
				 * when a chunk runs out of time */
};

static void child_loop(void *arg)
{
	struct run *r = arg;
	uint32_t i;

	if (!r->p->sendrecv) {
		for (i = 0; i < __atomic_load_n(r->total, __ATOMIC_SEQ_CST); i++) {
			r->p->recv(&r->c, DIR_A, i);
			r->p->send(&r->c, DIR_B, i);
		}
		return;
	}
	/* One call per round: the pong of round i and the wait for the ping
	 * of round i + 1. The parent lowers the total before the ping of the
	 * round it makes the last, so once that ping is in, the total read
	 * here says whether another ping comes: if not, the last pong goes
	 * alone and nothing waits for a ping that never comes. */
	if (__atomic_load_n(r->total, __ATOMIC_SEQ_CST) == 0)
		return;
	r->p->recv(&r->c, DIR_A, 0);
	for (i = 0; i + 1 < __atomic_load_n(r->total, __ATOMIC_SEQ_CST); i++)
		r->p->sendrecv(&r->c, DIR_B, i, DIR_A, i + 1);
	r->p->send(&r->c, DIR_B, i);
}

struct outcome {
	bool ran;
	uint64_t *samples;	/* round trips in ns, every chunk's */
	uint32_t n, slow;	/* slow: rounds over 1 ms */
	double seconds;		/* measured rounds' wall time */
	struct stats st;
	double rounds_per_s;
};

/* One chunk of a peer's rounds: a fresh pair of objects and a fresh child.
 * Per-round timestamps come from ticks() when the parent is pinned (one
 * CPU's counter), else from CLOCK_MONOTONIC; CLOCK_MONOTONIC around the
 * measured rounds converts ticks to ns. A chunk ends early when it runs
 * out of time (a slow or busy machine): warm-up after a tenth of its
 * budget, the measured rounds after the rest. */
static void run_chunk(const struct peer *p, int place, uint32_t rounds, uint32_t warmup,
		      double max_seconds, struct outcome *out)
{
	struct run r = { .p = p, .total = shared_alloc(4096) };
	uint64_t *ts = malloc((rounds + 1) * sizeof(*ts)), ns0 = 0, ns1, t, warm_end, end = 0;
	bool use_ticks = place != PLACE_FREE;
	double per_sec = use_ticks ? ticks_per_sec() : 1e9, scale;
	uint32_t i, first = warmup, total = warmup + rounds;
	pid_t pid;

	if (!ts)
		fail("out of memory for %u samples", rounds);
	*r.total = total;
	memset(&r.c, 0xff, sizeof(r.c.wfd) + sizeof(r.c.rfd));
	p->setup(&r.c);
	pin_self(placement_cpu(place, 0));
	watchdog(120 + (unsigned int)max_seconds, p->name);
	pid = spawn(child_loop, &r, placement_cpu(place, 1), p->name);

#define STAMP() (use_ticks ? ticks() : now_ns())
	warm_end = STAMP() + (uint64_t)(max_seconds * per_sec / 10);
	for (i = 0; i < total; i++) {
		t = STAMP();
		/* The child reads the shared total before each round: lowering
		 * it before this round's ping makes this round count. */
		if (i < first && t > warm_end) {
			first = i;
			total = i + rounds;
			__atomic_store_n(r.total, total, __ATOMIC_SEQ_CST);
		}
		if (i == first) {
			ns0 = now_ns();
			t = STAMP();
			end = t + (uint64_t)(max_seconds * per_sec * 0.9);
		}
		if (i >= first) {
			if (i + 1 < total && t > end) {
				total = i + 1;
				__atomic_store_n(r.total, total, __ATOMIC_SEQ_CST);
			}
			ts[i - first] = t;
		}
		if (p->sendrecv) {
			p->sendrecv(&r.c, DIR_A, i, DIR_B, i);
		} else {
			p->send(&r.c, DIR_A, i);
			p->recv(&r.c, DIR_B, i);
		}
	}
	rounds = total - first;
	ts[rounds] = STAMP();
	ns1 = now_ns();
#undef STAMP

	reap(pid);
	watchdog(0, p->name);
	pin_self(-1);
	if (p->sendrecv)
		check_drained(p, &r.c);
	p->teardown(&r.c);
	munmap(r.total, 4096);

	scale = use_ticks ? (double)(ns1 - ns0) / (double)(ts[rounds] - ts[0]) : 1.0;
	for (i = 0; i < rounds; i++) {
		if (ts[i + 1] < ts[i])
			fail("%s: time went backwards", p->name);
		out->samples[out->n++] = (uint64_t)((ts[i + 1] - ts[i]) * scale + 0.5);
	}
	out->seconds += (ns1 - ns0) / 1e9;
	out->ran = true;
	free(ts);
}

static void usage(void)
{
	fprintf(stderr, "usage: lkport-bench-pingpong [-n ROUNDS] [-T MAX_SECONDS] [-w WARMUP] "
			"[-c CHUNKS] [-m cross|same|free] [-p PEER,...] [-t TAG]\npeers:");
	for (size_t i = 0; i < NPEERS; i++)
		fprintf(stderr, " %s", peers[i].name);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct outcome out[NPEERS] = { 0 };
	uint32_t rounds = 10000, warmup = 100, chunks = 8, k;
	double max_seconds = 3.0;
	const char *list = NULL, *tag = NULL;
	const struct outcome *ev, *po, *rw, *evrw, *evc, *poc;
	bool have[NPEERS];
	int place = PLACE_CROSS, c;
	size_t i;

	bench_init("lkport-bench-pingpong");
	while ((c = getopt(argc, argv, "n:T:w:c:m:p:t:h")) != -1) {
		switch (c) {
		case 'c': chunks = strtoul(optarg, NULL, 0); break;
		case 'T': max_seconds = strtod(optarg, NULL); break;
		case 'n': rounds = strtoul(optarg, NULL, 0); break;
		case 'w': warmup = strtoul(optarg, NULL, 0); break;
		case 'm': place = placement_parse(optarg); break;
		case 'p': list = optarg; break;
		case 't': tag = optarg; break;
		default: usage();
		}
	}
	if (chunks < 1 || rounds < chunks || max_seconds <= 0 || optind != argc)
		usage();
	for (const char *s = list; s && *s;) {
		size_t n = strcspn(s, ","), m;

		for (m = 0; m < NPEERS; m++)
			if (strlen(peers[m].name) == n && !strncmp(peers[m].name, s, n))
				break;
		if (m == NPEERS) {
			fprintf(stderr, "unknown peer %.*s\n", (int)n, s);
			usage();
		}
		s += n + (s[n] == ',');
	}
	if (!tag)
		tag = placement_name(place);

	printf("== ping-pong round trip between 2 processes, %s (%s)\n", placement_desc(place), tag);
	if (!placement_possible(place)) {
		printf("   skipped: needs 2 CPUs, this machine has %d\n", cpu_count());
		return 0;
	}
	printf("   %u rounds per peer (fewer if it takes over %.1f s) in %u chunks taken in turn, each\n"
	       "   after up to %u warm-up rounds; per-round timestamps: %s (a CLOCK_MONOTONIC read: %.2f us,\n"
	       "   clocksource %s). slow%%: rounds over 1 ms (on a VM, mostly its vCPUs descheduled by the host)\n",
	       rounds, max_seconds, chunks, warmup, place == PLACE_FREE ? "CLOCK_MONOTONIC" : TICKS_NAME,
	       clock_cost_ns() / 1e3, clocksource());

	for (i = 0; i < NPEERS; i++) {
		have[i] = !peers[i].needs || module_has(peers[i].needs);
		if (!have[i] && list_has(list, peers[i].name))
			printf("   %s: skipped: the module has no write-read and signal-wait calls "
			       "(LKPORT_FEATURE_CALL, ABI 1.11)\n", peers[i].name);
	}

	/* Chunks in turn, each starting with the next peer: what the machine
	 * does meanwhile (other load, frequency) falls on every peer alike. */
	for (i = 0; i < NPEERS; i++) {
		out[i].samples = malloc(rounds * sizeof(uint64_t));
		if (!out[i].samples)
			fail("out of memory for %u samples", rounds);
	}
	for (k = 0; k < chunks; k++) {
		uint32_t n = rounds / chunks + (k < rounds % chunks);
		size_t j;

		for (j = 0; j < NPEERS; j++) {
			i = (j + k) % NPEERS;
			if (have[i] && list_has(list, peers[i].name))
				run_chunk(&peers[i], place, n, warmup, max_seconds / chunks, &out[i]);
		}
	}
	for (i = 0; i < NPEERS; i++) {
		uint32_t j;

		if (!out[i].ran)
			continue;
		for (j = 0; j < out[i].n; j++)
			out[i].slow += out[i].samples[j] > 1000 * NS_PER_US;
		stats_compute(out[i].samples, out[i].n, &out[i].st);
		out[i].rounds_per_s = out[i].n / out[i].seconds;
	}

	ev = &out[P_EVENT];
	po = &out[P_PORT];
	rw = &out[P_RW];
	evrw = &out[P_EVENT_RW];
	evc = &out[P_EVENT_CALL];
	poc = &out[P_PORT_CALL];
	printf("   %-17s %6s %9s %8s %8s %8s %8s %6s %13s %12s %10s\n", "peer", "rounds", "median_us",
	       "p99_us", "mean_us", "tmean_us", "rounds/s", "slow%", "/lkport-event", "/lkport-port",
	       "/lkport-rw");
	for (i = 0; i < NPEERS; i++) {
		const struct outcome *o = &out[i];
		char re[16] = "-", rp[16] = "-", rr[16] = "-";

		if (!o->ran)
			continue;
		if (ev->ran)
			snprintf(re, sizeof(re), "%.2f", o->st.tmean_us / ev->st.tmean_us);
		if (po->ran)
			snprintf(rp, sizeof(rp), "%.2f", o->st.tmean_us / po->st.tmean_us);
		if (rw->ran)
			snprintf(rr, sizeof(rr), "%.2f", o->st.tmean_us / rw->st.tmean_us);
		printf("   %-17s %6u %9.1f %8.1f %8.1f %8.1f %8.0f %6.2f %13s %12s %10s\n",
		       peers[i].name, o->n, o->st.median_us, o->st.p99_us, o->st.mean_us,
		       o->st.tmean_us, o->rounds_per_s, 100.0 * o->slow / o->n, re, rp, rr);
	}
	printf("   ratios: peer's tmean (mean of the 5th-95th percentile) / lkport's, below 1: the peer is\n"
	       "   faster; and of medians:\n");
	for (i = P_RW; i < NPEERS; i++)
		if (out[i].ran && ev->ran && po->ran)
			printf("   %-17s tmean /lkport-event %.2f /lkport-port %.2f   median /lkport-event "
			       "%.2f /lkport-port %.2f\n", peers[i].name,
			       out[i].st.tmean_us / ev->st.tmean_us, out[i].st.tmean_us / po->st.tmean_us,
			       out[i].st.median_us / ev->st.median_us,
			       out[i].st.median_us / po->st.median_us);
	for (i = P_FUTEX; i < NPEERS; i++)
		if (out[i].ran && rw->ran)
			printf("   %-17s tmean /lkport-rw %.2f   median /lkport-rw %.2f\n", peers[i].name,
			       out[i].st.tmean_us / rw->st.tmean_us,
			       out[i].st.median_us / rw->st.median_us);
	for (i = P_FUTEX; i <= P_EVENTFD; i++)
		if (out[i].ran && evrw->ran)
			printf("   %-17s tmean /lkport-event-rw %.2f   median /lkport-event-rw %.2f\n",
			       peers[i].name, out[i].st.tmean_us / evrw->st.tmean_us,
			       out[i].st.median_us / evrw->st.median_us);
	/* One call per half round trip: futex and eventfd against the events,
	 * pipe and mq against the ports, at the median and p99, next to the
	 * two-call lkport rows. */
	for (i = P_FUTEX; i <= P_MQ; i++) {
		const struct stats *st = &out[i].st;

		if (!out[i].ran)
			continue;
		if (i <= P_EVENTFD && ev->ran && evc->ran)
			printf("   %-17s median /lkport-event %.2f /lkport-event-call %.2f   p99 "
			       "/lkport-event %.2f /lkport-event-call %.2f\n", peers[i].name,
			       st->median_us / ev->st.median_us, st->median_us / evc->st.median_us,
			       st->p99_us / ev->st.p99_us, st->p99_us / evc->st.p99_us);
		if (i >= P_PIPE && po->ran && poc->ran)
			printf("   %-17s median /lkport-port %.2f /lkport-port-call %.2f   p99 "
			       "/lkport-port %.2f /lkport-port-call %.2f\n", peers[i].name,
			       st->median_us / po->st.median_us, st->median_us / poc->st.median_us,
			       st->p99_us / po->st.p99_us, st->p99_us / poc->st.p99_us);
	}
	for (i = 0; i < NPEERS; i++) {
		const struct outcome *o = &out[i];
		char key[128];

		if (!o->ran)
			continue;
#define R(field, fmt, val)                                                          \
	do {                                                                       \
		snprintf(key, sizeof(key), "pingpong.%s.%s.%s", tag, peers[i].name, field); \
		result(key, fmt, val);                                             \
	} while (0)
		R("median_us", "%.1f", o->st.median_us);
		R("p99_us", "%.1f", o->st.p99_us);
		R("mean_us", "%.1f", o->st.mean_us);
		R("tmean_us", "%.1f", o->st.tmean_us);
		R("rounds_per_s", "%.0f", o->rounds_per_s);
		R("rounds", "%u", o->n);
		R("slow_pct", "%.2f", 100.0 * o->slow / o->n);
		if (ev->ran)
			R("vs_event", "%.3f", o->st.tmean_us / ev->st.tmean_us);
		if (ev->ran)
			R("vs_event_median", "%.3f", o->st.median_us / ev->st.median_us);
		if (po->ran)
			R("vs_port", "%.3f", o->st.tmean_us / po->st.tmean_us);
		if (po->ran)
			R("vs_port_median", "%.3f", o->st.median_us / po->st.median_us);
		if (rw->ran)
			R("vs_rw", "%.3f", o->st.tmean_us / rw->st.tmean_us);
		if (rw->ran)
			R("vs_rw_median", "%.3f", o->st.median_us / rw->st.median_us);
		if (evrw->ran)
			R("vs_event_rw", "%.3f", o->st.tmean_us / evrw->st.tmean_us);
		if (ev->ran)
			R("vs_event_p99", "%.3f", o->st.p99_us / ev->st.p99_us);
		if (po->ran)
			R("vs_port_p99", "%.3f", o->st.p99_us / po->st.p99_us);
		if (evc->ran) {
			R("vs_event_call", "%.3f", o->st.tmean_us / evc->st.tmean_us);
			R("vs_event_call_median", "%.3f", o->st.median_us / evc->st.median_us);
			R("vs_event_call_p99", "%.3f", o->st.p99_us / evc->st.p99_us);
		}
		if (poc->ran) {
			R("vs_port_call", "%.3f", o->st.tmean_us / poc->st.tmean_us);
			R("vs_port_call_median", "%.3f", o->st.median_us / poc->st.median_us);
			R("vs_port_call_p99", "%.3f", o->st.p99_us / poc->st.p99_us);
		}
#undef R
	}
	return 0;
}
