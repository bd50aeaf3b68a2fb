// SPDX-License-Identifier: GPL-2.0
/*
 * Mapped write rings (ABI 1.10): mmap of a write port fd, packets written
 * by moving the ring's tail without a system call and taken by the kernel
 * when a reader reads (LKPORT_IOC_READ, read(2), LKPORT_IOC_RING_SYNC,
 * poll) or the writer kicks; LKPORT_WRING_KICK for readers that wait (a
 * blocked read, a poller, a group); back-pressure through
 * LKPORT_IOC_WRING_WAIT; a hostile tail or head; what mmap refuses; one
 * ring per port; what close writes and what it drops.
 */
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "lkport_test.h"

#define PK LKPORT_PACKET_SIZE
#define WR_MAPS 4

FIXTURE(wring) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
	/* Mappings still there when a test stops half-way: a write port's
	 * mapping may hold the port, which teardown expects gone. */
	void *map[WR_MAPS];
	size_t len[WR_MAPS];
};

FIXTURE_SETUP(wring)
{
	struct lkport_version v = { 0 };

	lkt_base_setup(_metadata, &self->b);
	if (_metadata->skip)
		return;	/* no module loaded */
	LKT_NAME(self->name, "wr");
	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	/* An older module has no write rings: every test skips. A module of
	 * 1.10 or later runs them, feature bit or not (the version test
	 * checks the bit). */
	if (v.abi_major == LKPORT_ABI_MAJOR && v.abi_minor < 10)
		SKIP(return, "module speaks ABI %u.%u: no mapped write rings", v.abi_major,
		     v.abi_minor);
}

FIXTURE_TEARDOWN(wring)
{
	for (int i = 0; i < WR_MAPS; i++)
		if (self->map[i])
			munmap(self->map[i], self->len[i]);
	lkt_base_teardown(_metadata, &self->b);
}

/* The harness runs a test's body after a skip in its setup. */
#define WR_SKIPPED() do { if (_metadata->skip) return; } while (0)

/* mmap of a write port (or any fd) as the ABI says, remembered for
 * teardown: the ring, or NULL with errno set. */
static void *wr_map(FIXTURE_DATA(wring) *self, int fd, __u32 capacity)
{
	size_t len = LKPORT_RING_BYTES(capacity);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	for (int i = 0; i < WR_MAPS; i++) {
		if (!self->map[i]) {
			self->map[i] = p;
			self->len[i] = len;
			return p;
		}
	}
	munmap(p, len);
	errno = ENOSPC;
	return NULL;
}

static void wr_unmap(FIXTURE_DATA(wring) *self, void *p)
{
	for (int i = 0; i < WR_MAPS; i++) {
		if (self->map[i] == p) {
			munmap(p, self->len[i]);
			self->map[i] = NULL;
			return;
		}
	}
}

/* A port of `cap` packets (broadcast) with `readers` read ports (ctx
 * 0x100 + i; the rest of r[] is -1) and its write ring mapped. */
struct wr {
	int w;
	int r[2];
	__u32 cap;
	struct lkport_wring *ring;
};

static void wr_setup(struct __test_metadata *_metadata, FIXTURE_DATA(wring) *self, struct wr *p,
		     __u32 cap, int readers)
{
	p->r[0] = p->r[1] = -1;
	p->cap = cap;
	p->w = lkt_port_create(self->b.dev, self->name, 0, cap, 0600, 0);
	ASSERT_LE(0, p->w) TH_LOG("port: %s", strerror(-p->w));
	for (int i = 0; i < readers; i++) {
		p->r[i] = lkt_port_open(self->b.dev, self->name, 0x100 + i);
		ASSERT_LE(0, p->r[i]) TH_LOG("reader %d: %s", i, strerror(-p->r[i]));
	}
	p->ring = wr_map(self, p->w, cap);
	ASSERT_NE(NULL, p->ring) TH_LOG("mmap of the write port: %s", strerror(errno));
}

static __u32 wr_queued(const struct wr *p)
{
	return p->ring->tail - __atomic_load_n(&p->ring->head, __ATOMIC_ACQUIRE);
}

/* Free slots as the producer sees them (the kernel's head in the map). */
static __u32 wr_room(const struct wr *p)
{
	return p->cap - wr_queued(p);
}

/* The producer's write of packets seq .. seq + n - 1: the packets at the
 * slots from tail, tail moved past them, then flags read (both
 * sequentially consistent). Whether the flag asks for a kick. */
static bool wr_push(struct wr *p, uint64_t seq, __u32 n)
{
	__u32 t = p->ring->tail;

	for (__u32 i = 0; i < n; i++)
		lkt_packet(&p->ring->packets[(t + i) & (p->cap - 1)], seq + i);
	__atomic_store_n(&p->ring->tail, t + n, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&p->ring->flags, __ATOMIC_SEQ_CST) & LKPORT_WRING_KICK;
}

static long wr_kick(int fd)
{
	return lkport_ioctl(fd, LKPORT_IOC_WRING_KICK, NULL);
}

static long wr_wait(int fd, __u64 deadline_ns)
{
	struct lkport_wait a = { .deadline_ns = deadline_ns };

	return lkport_ioctl(fd, LKPORT_IOC_WRING_WAIT, &a);
}

static __u32 wr_flags(const struct wr *p)
{
	return __atomic_load_n(&p->ring->flags, __ATOMIC_SEQ_CST);
}

/* Reads packets from .. to from a reader (read port or group) with
 * LKPORT_IOC_READ calls that do not wait: each in order, with ctx; with
 * `then_none`, a last read finds nothing more. */
static void expect_packets(struct __test_metadata *_metadata, int fd, uint64_t from, uint64_t to,
			   __u64 ctx, bool then_none)
{
	struct lkport_result res[LKPORT_READ_MAX];
	uint64_t want = from;
	__u32 count;
	int r;

	while (want <= to) {
		r = lkt_read_cmd(fd, LKPORT_IOC_READ, 0, res, LKPORT_READ_MAX, &count);
		ASSERT_EQ(0, r) TH_LOG("reading packet %llu of %llu..%llu: %s",
				       (unsigned long long)want, (unsigned long long)from,
				       (unsigned long long)to, strerror(-r));
		ASSERT_LT(0, count);
		for (__u32 i = 0; i < count; i++, want++) {
			ASSERT_LE(want, to) TH_LOG("one packet too many: %llu",
						   (unsigned long long)lkt_seq(res[i].data));
			ASSERT_EQ(want, lkt_seq(res[i].data));
			ASSERT_EQ(ctx, res[i].ctx);
		}
	}
	if (then_none)
		ASSERT_EQ(-ETIMEDOUT, lkt_read_cmd(fd, LKPORT_IOC_READ, 0, res, 1, &count))
			TH_LOG("a packet past %llu: %llu", (unsigned long long)to,
			       (unsigned long long)lkt_seq(res[0].data));
}

/* In a child: waiting reads of up to max packets until from .. to came,
 * in order, with ctx. 0, or a step: 10 read failed, 11 order, 12 ctx. */
static int child_read(int fd, uint64_t from, uint64_t to, __u32 max, __u64 ctx)
{
	struct lkport_result res[LKPORT_READ_MAX];
	uint64_t want = from;
	__u32 count;

	while (want <= to) {
		if (lkt_read_cmd(fd, LKPORT_IOC_READ, lkt_after_ms(LKT_SANITY_MS), res, max, &count) ||
		    !count)
			return 10;
		for (__u32 i = 0; i < count; i++, want++) {
			if (want > to || lkt_seq(res[i].data) != want)
				return 11;
			if (res[i].ctx != ctx)
				return 12;
		}
	}
	return 0;
}

/* Takes up to max packets from a mapped read ring as a reader does (copy,
 * swap head); their sequence numbers in seq[]. The count. */
static __u32 take_mapped(struct lkport_ring *r, uint64_t *seq, __u32 max)
{
	__u32 h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), t, n;

	do {
		t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		n = t - h < max ? t - h : max;
		for (__u32 i = 0; i < n; i++)
			seq[i] = lkt_seq(r->packets[(h + i) & r->mask].data);
	} while (n && !__atomic_compare_exchange_n(&r->head, &h, h + n, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_ACQUIRE));
	return n;
}

static void on_signal(int sig)
{
}

/* ---- the feature ---------------------------------------------------------------------- */

TEST_F(wring, version_reports_mapped_write_rings)
{
	struct lkport_version v = { 0 };
	struct lkport_info info;
	struct wr p;

	WR_SKIPPED();
	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_EQ(LKPORT_ABI_MAJOR, v.abi_major);
	EXPECT_LE(10, v.abi_minor);
	EXPECT_EQ(LKPORT_FEATURE_MAP_WRITE, v.features & LKPORT_FEATURE_MAP_WRITE);
	/* One layout for 32- and 64-bit callers. */
	EXPECT_EQ(0, offsetof(struct lkport_wring, tail));
	EXPECT_EQ(64, offsetof(struct lkport_wring, head));
	EXPECT_EQ(LKPORT_RING_PACKETS, offsetof(struct lkport_wring, packets));
	/* The ring's size is the port's, as INFO reports it. */
	wr_setup(_metadata, self, &p, 16, 0);
	ASSERT_EQ(0, lkt_info(p.w, &info));
	EXPECT_EQ(16, info.capacity);
	EXPECT_EQ(15, p.ring->mask);
	EXPECT_EQ(0, wr_queued(&p));
	EXPECT_EQ(0, wr_flags(&p));
	wr_unmap(self, p.ring);
	close(p.w);
}

/* ---- packets reach readers without a call ----------------------------------------------- */

TEST_F(wring, a_packet_reaches_a_reader_without_a_call)
{
	struct lkport_packet pk[8];
	struct wr p;
	int fl;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	/* Nobody waits: no kick asked for. */
	EXPECT_FALSE(wr_push(&p, 1, 3));
	expect_packets(_metadata, p.r[0], 1, 3, 0x100, true);
	EXPECT_EQ(0, wr_queued(&p));	/* the kernel moved head past them */
	/* read(2) takes too. */
	wr_push(&p, 4, 2);
	fl = fcntl(p.r[0], F_GETFL);
	ASSERT_EQ(0, fcntl(p.r[0], F_SETFL, fl | O_NONBLOCK));
	ASSERT_EQ(2 * PK, read(p.r[0], pk, sizeof(pk))) TH_LOG("read(2): %s", strerror(errno));
	EXPECT_EQ(4, lkt_seq(pk[0].data));
	EXPECT_EQ(5, lkt_seq(pk[1].data));
	EXPECT_EQ(-1, read(p.r[0], pk, sizeof(pk)));
	EXPECT_EQ(EAGAIN, errno);
	/* And so does a poll of the reader. */
	wr_push(&p, 6, 1);
	EXPECT_EQ(POLLIN, lkt_revents(p.r[0]) & POLLIN);
	EXPECT_EQ(1, lkt_queued(p.r[0]));
	expect_packets(_metadata, p.r[0], 6, 6, 0x100, true);
	/* Round the ring several times. */
	for (uint64_t s = 10; s < 10 + 5 * 8; s += 5) {
		wr_push(&p, s, 5);
		expect_packets(_metadata, p.r[0], s, s + 4, 0x100, false);
	}
	EXPECT_EQ(0, wr_queued(&p));
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_mapped_reader_gets_ring_packets)
{
	struct lkport_ring *rr;
	uint64_t seq[8];
	struct wr p;
	__u64 ctx;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	rr = wr_map(self, p.r[0], 8);
	ASSERT_NE(NULL, rr) TH_LOG("mmap of the read port: %s", strerror(errno));
	EXPECT_EQ(0x100, rr->ctx);
	wr_push(&p, 1, 4);
	/* The sync is a read: the packets move to the reader's ring. */
	ASSERT_EQ(0, lkport_ioctl(p.r[0], LKPORT_IOC_RING_SYNC, NULL));
	ASSERT_EQ(4, take_mapped(rr, seq, 8));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(1 + i, seq[i]);
	EXPECT_EQ(0, wr_queued(&p));
	/* So is LKPORT_IOC_READ on the mapped reader, with its ctx. */
	wr_push(&p, 5, 2);
	ASSERT_EQ(0, lkt_read_one(p.r[0], LKPORT_IOC_READ, 0, &seq[0], &ctx));
	EXPECT_EQ(5, seq[0]);
	EXPECT_EQ(0x100, ctx);
	EXPECT_EQ(0, wr_queued(&p));
	ASSERT_EQ(1, take_mapped(rr, seq, 8));
	EXPECT_EQ(6, seq[0]);
	EXPECT_EQ(0, take_mapped(rr, seq, 8));
	wr_unmap(self, rr);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, broadcast_readers_each_get_every_packet)
{
	struct lkport_result res[LKPORT_READ_MAX];
	__u32 count;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 2);
	wr_push(&p, 1, 5);
	expect_packets(_metadata, p.r[0], 1, 5, 0x100, true);
	/* The second reader got them too, though it never read. */
	EXPECT_EQ(5, lkt_queued(p.r[1]));
	/* A packet is taken only when every ring has room: the second
	 * reader's 3 free slots let 3 of the next 8 through. */
	wr_push(&p, 6, 8);
	ASSERT_EQ(0, lkt_read_cmd(p.r[0], LKPORT_IOC_READ, 0, res, LKPORT_READ_MAX, &count));
	ASSERT_EQ(3, count);
	for (__u32 i = 0; i < count; i++)
		EXPECT_EQ(6 + i, lkt_seq(res[i].data));
	EXPECT_EQ(5, wr_queued(&p));
	EXPECT_EQ(8, lkt_queued(p.r[1]));
	/* The second reader's reads let the rest through, to both. */
	expect_packets(_metadata, p.r[1], 1, 13, 0x101, true);
	expect_packets(_metadata, p.r[0], 9, 13, 0x100, true);
	EXPECT_EQ(0, wr_queued(&p));
	wr_unmap(self, p.ring);
	close(p.r[1]);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, with_no_reader_the_port_keeps_what_it_takes)
{
	struct lkport_info info;
	struct wr p;
	int r;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 0);
	wr_push(&p, 1, 3);
	/* Taken into the port's own ring, which a first reader inherits. */
	EXPECT_EQ(8, wr_kick(p.w));
	ASSERT_EQ(0, lkt_info(p.w, &info));
	EXPECT_EQ(3, info.queued);
	r = lkt_port_open(self->b.dev, self->name, 9);
	ASSERT_LE(0, r);
	expect_packets(_metadata, r, 1, 3, 9, true);
	wr_unmap(self, p.ring);
	close(r);
	close(p.w);
}

/* ---- waiting readers and the kick -------------------------------------------------------- */

TEST_F(wring, a_blocked_reader_is_woken_by_the_kick)
{
	struct wr p;
	pid_t pid;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_read(p.r[0], 1, 3, 8, 0x100));
	ASSERT_EQ(0, lkt_await_waiters(p.r[0], 1));
	/* The sleeping reader asked for a kick, and gets the packets from it. */
	EXPECT_EQ(LKPORT_WRING_KICK, wr_flags(&p) & LKPORT_WRING_KICK);
	EXPECT_TRUE(wr_push(&p, 1, 3));
	EXPECT_EQ(8, wr_kick(p.w));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Nobody reads now: writes need no call. */
	EXPECT_EQ(0, wr_flags(&p));
	EXPECT_EQ(0, wr_queued(&p));
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, with_nobody_waiting_writes_need_no_kick)
{
	struct lkport_result res[2];
	__u32 count;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	EXPECT_EQ(0, wr_flags(&p));
	EXPECT_FALSE(wr_push(&p, 1, 2));
	/* A read that got everything (and so did not sleep). */
	ASSERT_EQ(0, lkt_read(p.r[0], 0, res, 2, &count));
	ASSERT_EQ(2, count);
	EXPECT_EQ(2, lkt_seq(res[1].data));
	EXPECT_EQ(0, wr_flags(&p));
	EXPECT_FALSE(wr_push(&p, 3, 1));
	ASSERT_EQ(0, lkt_read(p.r[0], lkt_after_ms(LKT_SANITY_MS), res, 2, &count));
	ASSERT_EQ(1, count);
	EXPECT_EQ(3, lkt_seq(res[0].data));
	EXPECT_EQ(0, wr_flags(&p));
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* Only a reader about to sleep asks for a kick: one that returns at once
 * does not. */
TEST_F(wring, a_read_that_does_not_wait_asks_for_no_kick)
{
	struct lkport_packet pk;
	struct lkport_result res;
	__u32 count;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	EXPECT_EQ(-ETIMEDOUT, lkt_read(p.r[0], 0, &res, 1, &count));
	EXPECT_EQ(0, wr_flags(&p)) TH_LOG("flag set by LKPORT_IOC_READ with deadline 0");
	ASSERT_EQ(0, fcntl(p.r[0], F_SETFL, fcntl(p.r[0], F_GETFL) | O_NONBLOCK));
	EXPECT_EQ(-1, read(p.r[0], &pk, sizeof(pk)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, wr_flags(&p)) TH_LOG("flag set by a read(2) with O_NONBLOCK");
	/* Either way the packets come to the next read. */
	wr_push(&p, 1, 1);
	expect_packets(_metadata, p.r[0], 1, 1, 0x100, false);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* A reader that waited and timed out waits no more. */
TEST_F(wring, a_reader_that_timed_out_asks_for_no_kick)
{
	struct lkport_result res;
	__u32 count;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	EXPECT_EQ(-ETIMEDOUT, lkt_read(p.r[0], lkt_after_ms(3), &res, 1, &count));
	EXPECT_EQ(0, lkt_waiters(p.r[0]));
	EXPECT_EQ(0, wr_flags(&p));
	wr_push(&p, 1, 1);
	expect_packets(_metadata, p.r[0], 1, 1, 0x100, false);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_poller_learns_of_ring_packets_from_the_kick)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct wr p;
	pid_t pid;
	int ep;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, p.r[0], &ev));
	ASSERT_EQ(0, epoll_wait(ep, &got, 1, 0));
	/* The poll that found nothing asked for a kick. */
	EXPECT_EQ(LKPORT_WRING_KICK, wr_flags(&p) & LKPORT_WRING_KICK);
	EXPECT_TRUE(wr_push(&p, 1, 2));
	EXPECT_EQ(8, wr_kick(p.w));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, LKT_SANITY_MS));
	EXPECT_EQ(EPOLLIN, got.events & EPOLLIN);
	expect_packets(_metadata, p.r[0], 1, 2, 0x100, true);
	close(ep);
	/* A poll(2) asleep in another process. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct pollfd pf = { .fd = p.r[0], .events = POLLIN };

		_exit(poll(&pf, 1, LKT_SANITY_MS) == 1 && (pf.revents & POLLIN) ? 0 : 10);
	}
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	EXPECT_EQ(LKPORT_WRING_KICK, wr_flags(&p) & LKPORT_WRING_KICK);
	EXPECT_TRUE(wr_push(&p, 3, 1));
	EXPECT_EQ(8, wr_kick(p.w));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	expect_packets(_metadata, p.r[0], 3, 3, 0x100, true);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* A poll that returned waits no more: neither one that never slept
 * (timeout 0) nor, once it is over, one that a kick woke. */
TEST_F(wring, a_poll_that_returned_asks_for_no_kick)
{
	struct pollfd pf = { .events = POLLIN };
	struct wr p;
	pid_t pid;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	pf.fd = p.r[0];
	ASSERT_EQ(0, poll(&pf, 1, 0));
	EXPECT_EQ(0, wr_flags(&p)) TH_LOG("flag set by a poll with timeout 0");
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(poll(&pf, 1, LKT_SANITY_MS) == 1 && (pf.revents & POLLIN) ? 0 : 10);
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	EXPECT_EQ(LKPORT_WRING_KICK, wr_flags(&p) & LKPORT_WRING_KICK);
	wr_push(&p, 1, 1);
	EXPECT_EQ(8, wr_kick(p.w));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* The poller is gone and a read got everything: nobody waits. */
	expect_packets(_metadata, p.r[0], 1, 1, 0x100, false);
	EXPECT_EQ(0, wr_flags(&p)) TH_LOG("flag still set once the poll returned");
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_group_reader_learns_of_ring_packets_from_the_kick)
{
	struct wr p;
	pid_t pid;
	int g;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	g = lkt_group_create(self->b.dev, &p.r[0], 1);
	ASSERT_LE(0, g);
	/* In a group nobody reads: puts need no kick. */
	EXPECT_EQ(0, wr_flags(&p) & LKPORT_WRING_KICK);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_read(g, 1, 2, 8, 0x100));
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	EXPECT_EQ(LKPORT_WRING_KICK, wr_flags(&p) & LKPORT_WRING_KICK);
	EXPECT_TRUE(wr_push(&p, 1, 2));
	EXPECT_EQ(8, wr_kick(p.w));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* The reader is gone: the next take lowers the flag. */
	wr_push(&p, 3, 1);
	EXPECT_EQ(8, wr_kick(p.w));
	EXPECT_EQ(0, wr_flags(&p) & LKPORT_WRING_KICK);
	EXPECT_FALSE(wr_push(&p, 4, 1));
	/* The group's poll takes what was put before it, and asks for kicks
	 * from then on. */
	EXPECT_EQ(POLLIN, lkt_revents(g) & POLLIN);
	EXPECT_EQ(LKPORT_WRING_KICK, wr_flags(&p) & LKPORT_WRING_KICK);
	expect_packets(_metadata, g, 3, 4, 0x100, true);
	EXPECT_TRUE(wr_push(&p, 5, 1));
	EXPECT_EQ(8, wr_kick(p.w));
	EXPECT_EQ(POLLIN, lkt_revents(g) & POLLIN);
	expect_packets(_metadata, g, 5, 5, 0x100, true);
	close(g);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* ---- back-pressure ---------------------------------------------------------------------- */

TEST_F(wring, back_pressure_holds_the_writer_and_loses_nothing)
{
	enum { N = 200 };
	uint64_t deadline, next;
	struct wr p;
	pid_t pid;
	long n;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 4, 1);
	/* The reader's ring full, then the write ring. */
	wr_push(&p, 1, 4);
	EXPECT_EQ(4, wr_kick(p.w));
	EXPECT_EQ(4, lkt_queued(p.r[0]));
	wr_push(&p, 5, 4);
	EXPECT_EQ(0, wr_kick(p.w));
	EXPECT_EQ(4, wr_queued(&p));	/* nothing taken past the reader's room */
	EXPECT_EQ(4, lkt_queued(p.r[0]));
	EXPECT_EQ(-ETIMEDOUT, wr_wait(p.w, 0));
	deadline = lkt_after_ms(3);
	EXPECT_EQ(-ETIMEDOUT, wr_wait(p.w, deadline));
	EXPECT_LE(deadline, lkt_now());
	/* A reader in another process makes room: the wait returns it. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		lkt_await_sleeping(getppid());
		_exit(child_read(p.r[0], 1, 2, 2, 0x100));
	}
	n = wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS));
	EXPECT_LE(1, n) TH_LOG("WRING_WAIT: %s", n < 0 ? strerror(-n) : "0 free");
	EXPECT_GE(4, n);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Then a stream paced by the reader: every packet once, in order. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_read(p.r[0], 3, N, 3, 0x100));
	for (next = 9; next <= N;) {
		__u32 room = wr_room(&p), k = room < 3 ? room : 3;

		if (k > N - next + 1)
			k = N - next + 1;
		if (!k) {
			n = wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS));
			ASSERT_LE(1, n) TH_LOG("WRING_WAIT at %llu: %s", (unsigned long long)next,
					       n < 0 ? strerror(-n) : "0 free");
			continue;
		}
		if (wr_push(&p, next, k))
			ASSERT_LE(0, wr_kick(p.w));
		next += k;
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, wr_queued(&p));
	EXPECT_EQ(0, lkt_queued(p.r[0]));
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* Fills the reader's ring and the write ring of a port of 2. */
static void fill_both(struct __test_metadata *_metadata, struct wr *p)
{
	wr_push(p, 1, 2);
	ASSERT_EQ(2, wr_kick(p->w));
	wr_push(p, 3, 2);
	ASSERT_EQ(0, wr_kick(p->w));
}

TEST_F(wring, a_wait_ends_with_eintr_on_a_signal)
{
	struct wr p;
	pid_t pid;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 2, 1);
	fill_both(_metadata, &p);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
		long r;

		sigaction(SIGUSR1, &sa, NULL);
		r = wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS));
		_exit(r == -EINTR ? 0 : r < 0 ? -r : 100);
	}
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	kill(pid, SIGUSR1);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Nothing was taken or lost by it. */
	EXPECT_EQ(2, wr_queued(&p));
	expect_packets(_metadata, p.r[0], 1, 4, 0x100, true);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_wait_ends_with_ebadf_when_the_port_closes)
{
	struct wr p;
	pid_t pid;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 2, 1);
	fill_both(_metadata, &p);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long r = wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS));

		_exit(r == -EBADF ? 0 : r < 0 ? -r : 100);
	}
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	ASSERT_EQ(0, lkport_ioctl(p.w, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* The reader was full at the close: the ring's two are dropped. */
	expect_packets(_metadata, p.r[0], 1, 2, 0x100, true);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_wait_restarts_after_an_sa_restart_handler)
{
	uint64_t seq;
	struct wr p;
	pid_t pid;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 2, 1);
	fill_both(_metadata, &p);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
		long r;

		sigaction(SIGUSR1, &sa, NULL);
		r = wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS));
		_exit(r >= 1 ? 0 : r < 0 ? -r : 100);
	}
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	kill(pid, SIGUSR1);
	lkt_sleep_us(2000);
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid));	/* still waiting */
	/* Room: the restarted wait takes and returns. */
	ASSERT_EQ(0, lkt_read_one(p.r[0], LKPORT_IOC_READ, 0, &seq, NULL));
	EXPECT_EQ(1, seq);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	expect_packets(_metadata, p.r[0], 2, 4, 0x100, true);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* A mapped reader makes room by taking from its map and syncing when its
 * ring's flags ask: that releases a writer waiting for room. */
TEST_F(wring, a_mapped_reader_releases_a_waiting_writer)
{
	struct lkport_ring *rr;
	uint64_t seq;
	struct wr p;
	pid_t pid;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 2, 1);
	rr = wr_map(self, p.r[0], 2);
	ASSERT_NE(NULL, rr) TH_LOG("mmap of the read port: %s", strerror(errno));
	fill_both(_metadata, &p);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long r = wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS));

		_exit(r >= 1 ? 0 : r < 0 ? -r : 100);
	}
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	ASSERT_EQ(1, take_mapped(rr, &seq, 1));
	EXPECT_EQ(1, seq);
	if (__atomic_load_n(&rr->flags, __ATOMIC_SEQ_CST))
		ASSERT_EQ(0, lkport_ioctl(p.r[0], LKPORT_IOC_RING_SYNC, NULL));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS))
		TH_LOG("read ring flags %#x after the take", rr->flags);
	expect_packets(_metadata, p.r[0], 2, 4, 0x100, true);
	wr_unmap(self, rr);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* A reader that goes holds the ring's packets back no more: a writer
 * waiting for room is released by the close of the full reader. */
TEST_F(wring, a_reader_that_goes_releases_a_waiting_writer)
{
	struct wr p;
	pid_t pid;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 2, 2);
	fill_both(_metadata, &p);
	expect_packets(_metadata, p.r[1], 1, 2, 0x101, false);	/* only r[0] full */
	EXPECT_EQ(2, wr_queued(&p));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long r;

		close(p.r[0]);	/* the child's copy: the parent's closes the reader */
		r = wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS));
		_exit(r >= 1 ? 0 : r < 0 ? -r : 100);
	}
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	close(p.r[0]);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	expect_packets(_metadata, p.r[1], 3, 4, 0x101, true);
	wr_unmap(self, p.ring);
	close(p.r[1]);
	close(p.w);
}

/* The largest ring, full, to two readers: taken in turns, all of it. */
TEST_F(wring, a_full_ring_of_4096_reaches_every_reader)
{
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, LKPORT_CAPACITY_MAX, 2);
	wr_push(&p, 1, LKPORT_CAPACITY_MAX);
	EXPECT_EQ(LKPORT_CAPACITY_MAX, wr_kick(p.w));
	expect_packets(_metadata, p.r[0], 1, LKPORT_CAPACITY_MAX, 0x100, true);
	expect_packets(_metadata, p.r[1], 1, LKPORT_CAPACITY_MAX, 0x101, true);
	/* And without a kick: the readers' reads take it, a turn at a time. */
	wr_push(&p, 5000, LKPORT_CAPACITY_MAX);
	expect_packets(_metadata, p.r[1], 5000, 5000 + LKPORT_CAPACITY_MAX - 1, 0x101, true);
	expect_packets(_metadata, p.r[0], 5000, 5000 + LKPORT_CAPACITY_MAX - 1, 0x100, true);
	EXPECT_EQ(0, wr_queued(&p));
	wr_unmap(self, p.ring);
	close(p.r[1]);
	close(p.r[0]);
	close(p.w);
}

/* ---- a hostile process --------------------------------------------------------------------- */

TEST_F(wring, a_hostile_tail_breaks_only_this_ring)
{
	static const __u32 past[] = { 8 + 1, 0x80000000u, 0xfffffff0u };
	struct lkport_packet pk;
	__u32 head;
	struct wr p, q;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	wr_push(&p, 1, 2);
	expect_packets(_metadata, p.r[0], 1, 2, 0x100, true);
	head = p.ring->head;
	for (unsigned int i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
		TH_LOG("tail = head + %#x", past[i]);
		__atomic_store_n(&p.ring->tail, head + past[i], __ATOMIC_SEQ_CST);
		EXPECT_EQ(-EPROTO, wr_kick(p.w));
		EXPECT_EQ(-EPROTO, wr_wait(p.w, 0));
		EXPECT_EQ(-EPROTO, wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS)));
		/* The reader's reads take nothing from it, and do not fail. */
		expect_packets(_metadata, p.r[0], 1, 0, 0x100, true);
		EXPECT_EQ(0, lkt_revents(p.r[0]) & (POLLIN | POLLERR));
		EXPECT_EQ(head, p.ring->head);
	}
	/* Broken for good: nothing more is taken, even with the tail back
	 * in range and a packet put by the protocol. */
	__atomic_store_n(&p.ring->tail, head, __ATOMIC_SEQ_CST);
	EXPECT_EQ(-EPROTO, wr_kick(p.w));
	wr_push(&p, 50, 1);
	EXPECT_EQ(-EPROTO, wr_kick(p.w));
	expect_packets(_metadata, p.r[0], 1, 0, 0x100, true);
	EXPECT_EQ(head, p.ring->head);
	/* The port's write calls go on. */
	lkt_packet(&pk, 100);
	EXPECT_EQ(0, lkt_write(p.w, &pk, 1, NULL, NULL));
	lkt_packet(&pk, 101);
	EXPECT_EQ(PK, write(p.w, &pk, PK));
	expect_packets(_metadata, p.r[0], 100, 101, 0x100, true);
	/* And another port's ring is untouched. */
	LKT_NAME(self->name, "other");
	wr_setup(_metadata, self, &q, 8, 1);
	wr_push(&q, 1, 3);
	EXPECT_EQ(8, wr_kick(q.w));
	expect_packets(_metadata, q.r[0], 1, 3, 0x100, true);
	wr_unmap(self, q.ring);
	close(q.r[0]);
	close(q.w);
	/* Gone with its fds (teardown checks the counts). */
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_tail_moved_back_retracts_what_was_not_taken)
{
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	/* Nothing reads or kicks between the two stores: 3 and 4 never were. */
	wr_push(&p, 1, 4);
	__atomic_store_n(&p.ring->tail, p.ring->tail - 2, __ATOMIC_SEQ_CST);
	expect_packets(_metadata, p.r[0], 1, 2, 0x100, true);
	/* Their slots are the producer's again. */
	wr_push(&p, 30, 2);
	expect_packets(_metadata, p.r[0], 30, 31, 0x100, true);
	EXPECT_EQ(8, wr_kick(p.w));
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_tail_behind_the_kernels_head_breaks_the_ring)
{
	struct wr p;
	__u32 head;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	wr_push(&p, 1, 4);
	expect_packets(_metadata, p.r[0], 1, 4, 0x100, true);
	head = p.ring->head;
	/* A tail one behind head is 2^32 - 1 past it: more than capacity. */
	__atomic_store_n(&p.ring->tail, head - 1, __ATOMIC_SEQ_CST);
	EXPECT_EQ(-EPROTO, wr_kick(p.w));
	EXPECT_EQ(-EPROTO, wr_wait(p.w, 0));
	/* Nothing taken twice. */
	expect_packets(_metadata, p.r[0], 1, 0, 0x100, true);
	EXPECT_EQ(head, p.ring->head);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_F(wring, a_scribbled_head_or_mask_is_not_believed)
{
	static const __u32 bad_head[] = { 1000, (__u32)-5, 3 };
	struct wr p;
	__u32 tail;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	wr_push(&p, 1, 2);
	EXPECT_EQ(8, wr_kick(p.w));
	expect_packets(_metadata, p.r[0], 1, 2, 0x100, true);
	for (unsigned int i = 0; i < sizeof(bad_head) / sizeof(bad_head[0]); i++) {
		uint64_t seq = 10 + 2 * i;

		TH_LOG("head scribbled to tail + %#x", bad_head[i]);
		tail = p.ring->tail;
		p.ring->head = tail + bad_head[i];
		p.ring->mask = 0x12345;
		/* The producer knows its slots: tail's, not head's. */
		lkt_packet(&p.ring->packets[tail & 7], seq);
		lkt_packet(&p.ring->packets[(tail + 1) & 7], seq + 1);
		__atomic_store_n(&p.ring->tail, tail + 2, __ATOMIC_SEQ_CST);
		/* Free slots by the kernel's head: all 8 once both are taken. */
		EXPECT_EQ(8, wr_kick(p.w));
		EXPECT_EQ(tail + 2, p.ring->head);	/* the kernel's own head */
		expect_packets(_metadata, p.r[0], seq, seq + 1, 0x100, true);
	}
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* ---- mmap --------------------------------------------------------------------------------- */

TEST_F(wring, mmap_refuses_what_it_cannot_give)
{
	long page = sysconf(_SC_PAGESIZE);
	char closed[LKPORT_NAME_LEN];
	int w, c, g;
	void *p;

	WR_SKIPPED();
	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	g = lkt_group_create(self->b.dev, NULL, 0);
	ASSERT_LE(0, g);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, w, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, w, page);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, w, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, w, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, g, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	/* None of them made a ring. */
	EXPECT_EQ(-ENOENT, wr_kick(w));
	/* A closed port maps nothing. */
	LKT_NAME(closed, "closed");
	c = lkt_port_create(self->b.dev, closed, 0, 8, 0600, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, lkport_ioctl(c, LKPORT_IOC_PORT_CLOSE, NULL));
	p = mmap(NULL, LKPORT_RING_BYTES(8), PROT_READ | PROT_WRITE, MAP_SHARED, c, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EBADF, errno);
	ASSERT_EQ(0, lkport_ioctl(c, LKPORT_IOC_PORT_DESTROY, NULL));
	p = mmap(NULL, LKPORT_RING_BYTES(8), PROT_READ | PROT_WRITE, MAP_SHARED, c, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EBADF, errno);
	/* The mapping cannot grow. */
	p = wr_map(self, w, 8);
	ASSERT_NE(NULL, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(MAP_FAILED, mremap(p, page, 2 * page, MREMAP_MAYMOVE));
	wr_unmap(self, p);
	close(c);
	close(g);
	close(w);
}

TEST_F(wring, every_writer_fd_maps_the_same_ring)
{
	struct lkport_wring *m2, *m3;
	int w2, w3;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	w2 = lkt_port_create(self->b.dev, self->name, 0, 0, 0, LKPORT_PORT_EXISTING);
	ASSERT_LE(0, w2);
	w3 = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, LKPORT_PORT_SHARE);
	ASSERT_LE(0, w3);
	/* A writer fd that never mapped kicks the port's ring. */
	wr_push(&p, 1, 2);
	EXPECT_EQ(8, wr_kick(w2));
	expect_packets(_metadata, p.r[0], 1, 2, 0x100, true);
	m2 = wr_map(self, w2, 8);
	ASSERT_NE(NULL, m2) TH_LOG("mmap of a second writer fd: %s", strerror(errno));
	m3 = wr_map(self, w3, 8);
	ASSERT_NE(NULL, m3) TH_LOG("mmap of a shared writer fd: %s", strerror(errno));
	EXPECT_EQ(p.ring->tail, m2->tail);
	EXPECT_EQ(p.ring->head, m2->head);
	EXPECT_EQ(7, m2->mask);
	/* What one writes, the others see; what the kernel takes, all see. */
	wr_push(&p, 3, 2);
	EXPECT_EQ(p.ring->tail, m3->tail);
	EXPECT_EQ(3, lkt_seq(m3->packets[(m3->tail - 2) & 7].data));
	EXPECT_EQ(8, wr_kick(w3));
	EXPECT_EQ(m2->tail, m2->head);
	expect_packets(_metadata, p.r[0], 3, 4, 0x100, true);
	/* The producer may move to another mapping. */
	{
		struct wr q = p;

		q.ring = m2;
		wr_push(&q, 5, 1);
	}
	EXPECT_EQ(8, wr_kick(p.w));
	expect_packets(_metadata, p.r[0], 5, 5, 0x100, true);
	wr_unmap(self, m3);
	wr_unmap(self, m2);
	wr_unmap(self, p.ring);
	close(w3);
	close(w2);
	close(p.r[0]);
	close(p.w);
}

/* As nobody, a port of 8 (its ring charged 192 bytes) under a byte limit
 * of 192 + `room`: the write ring's page fits or not. 0, or a step. */
static int nobody_map(const char *name, long room)
{
	size_t len = LKPORT_RING_BYTES(8);
	int dev = lkt_nobody_dev(NULL, 0), w, w2, r;
	void *m, *m2;

	if (dev < 0)
		return 250;
	w = lkt_port_create(dev, name, 0, 8, 0600, 0);
	if (w < 0)
		return 1;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, w, 0);
	if (room < sysconf(_SC_PAGESIZE)) {
		if (m != MAP_FAILED || errno != EDQUOT)
			return 2;
		return wr_kick(w) == -ENOENT ? 0 : 3;	/* no ring made */
	}
	if (m == MAP_FAILED)
		return 4;
	/* Charged once for the port: another fd maps it too. */
	w2 = lkt_port_create(dev, name, 0, 0, 0, LKPORT_PORT_EXISTING);
	if (w2 < 0)
		return 5;
	m2 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, w2, 0);
	if (m2 == MAP_FAILED)
		return 6;
	/* The limit is reached, and stays so for the port's life. */
	if (lkt_port_open(dev, name, 0) != -EDQUOT)
		return 7;
	munmap(m2, len);
	munmap(m, len);
	if (lkt_port_open(dev, name, 0) != -EDQUOT)
		return 8;
	close(w2);
	close(w);
	w = lkt_port_create(dev, name, 0, 8, 0600, 0);
	r = lkt_port_open(dev, name, 0);
	return w < 0 || r < 0 ? 9 : 0;
}

TEST_F(wring, the_ring_is_charged_once_for_the_port)
{
	long page = sysconf(_SC_PAGESIZE);
	pid_t pid;

	WR_SKIPPED();
	for (long room = page - 1; room <= page; room++) {
		ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_BYTES, 192 + room));
		pid = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(nobody_map(self->name, room));
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS))
			TH_LOG("byte limit 192 + %ld", room);
		EXPECT_EQ(0, lkt_await_stats(&self->b.stats));
	}
}

/* ---- the calls ------------------------------------------------------------------------------ */

TEST_F(wring, kick_and_wait_need_a_mapped_open_write_port)
{
	struct lkport_wait a = { 0 };
	struct wr p;
	int w, g;

	WR_SKIPPED();
	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	EXPECT_EQ(-ENOENT, wr_kick(w));
	EXPECT_EQ(-ENOENT, wr_wait(w, 0));
	close(w);
	LKT_NAME(self->name, "mapped");
	wr_setup(_metadata, self, &p, 8, 1);
	g = lkt_group_create(self->b.dev, &p.r[0], 1);
	ASSERT_LE(0, g);
	/* Write port commands only. */
	EXPECT_EQ(-ENOTTY, wr_kick(p.r[0]));
	EXPECT_EQ(-ENOTTY, wr_wait(p.r[0], 0));
	EXPECT_EQ(-ENOTTY, wr_kick(g));
	EXPECT_EQ(-ENOTTY, wr_kick(self->b.dev));
	/* The wait's reserved fields. */
	a.flags = 1;
	EXPECT_EQ(-EINVAL, lkport_ioctl(p.w, LKPORT_IOC_WRING_WAIT, &a));
	a.flags = 0;
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, lkport_ioctl(p.w, LKPORT_IOC_WRING_WAIT, &a));
	EXPECT_EQ(-EFAULT, lkport_ioctl(p.w, LKPORT_IOC_WRING_WAIT, NULL));
	/* Nothing queued: the kick has all 8 free, the wait returns at once. */
	EXPECT_EQ(8, wr_kick(p.w));
	EXPECT_EQ(8, wr_wait(p.w, 0));
	EXPECT_EQ(8, wr_wait(p.w, LKPORT_FOREVER));
	/* A closed port. */
	ASSERT_EQ(0, lkport_ioctl(p.w, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(-EBADF, wr_kick(p.w));
	EXPECT_EQ(-EBADF, wr_wait(p.w, 0));
	EXPECT_EQ(-EBADF, wr_wait(p.w, lkt_after_ms(LKT_SANITY_MS)));
	ASSERT_EQ(0, lkport_ioctl(p.w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-EBADF, wr_kick(p.w));
	EXPECT_EQ(-EBADF, wr_wait(p.w, 0));
	close(g);
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

/* ---- close ---------------------------------------------------------------------------------- */

TEST_F(wring, closing_the_last_writer_fd_writes_what_fits)
{
	struct lkport_result res;
	struct lkport_packet pk[8];
	__u32 count;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 2);
	wr_push(&p, 1, 3);
	wr_unmap(self, p.ring);
	close(p.w);
	/* Both readers get the three, then the end. */
	expect_packets(_metadata, p.r[0], 1, 3, 0x100, false);
	EXPECT_EQ(-ECANCELED, lkt_read(p.r[0], 0, &res, 1, &count));
	ASSERT_EQ(3 * PK, read(p.r[1], pk, sizeof(pk))) TH_LOG("read(2): %s", strerror(errno));
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(1 + i, lkt_seq(pk[i].data));
	EXPECT_EQ(0, read(p.r[1], pk, sizeof(pk)));
	close(p.r[1]);
	close(p.r[0]);
}

TEST_F(wring, what_does_not_fit_at_close_is_dropped)
{
	struct lkport_result res;
	__u32 count;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 4, 1);
	ASSERT_EQ(0, lkt_write_seq(p.w, 1, 4));	/* the reader full */
	wr_push(&p, 10, 2);
	wr_unmap(self, p.ring);
	close(p.w);
	expect_packets(_metadata, p.r[0], 1, 4, 0x100, false);
	EXPECT_EQ(-ECANCELED, lkt_read(p.r[0], 0, &res, 1, &count));
	close(p.r[0]);
}

TEST_F(wring, a_closed_port_takes_nothing_more)
{
	struct lkport_result res;
	__u32 count;
	struct wr p;

	WR_SKIPPED();
	wr_setup(_metadata, self, &p, 8, 1);
	wr_push(&p, 1, 2);
	ASSERT_EQ(0, lkport_ioctl(p.w, LKPORT_IOC_PORT_CLOSE, NULL));
	/* What was there is written at the close; what comes after is not. */
	wr_push(&p, 3, 1);
	expect_packets(_metadata, p.r[0], 1, 2, 0x100, true);
	EXPECT_EQ(-EBADF, wr_kick(p.w));
	expect_packets(_metadata, p.r[0], 1, 0, 0x100, true);
	ASSERT_EQ(0, lkport_ioctl(p.w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-ECANCELED, lkt_read(p.r[0], 0, &res, 1, &count));
	wr_unmap(self, p.ring);
	close(p.r[0]);
	close(p.w);
}

TEST_HARNESS_MAIN
