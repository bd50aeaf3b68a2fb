// SPDX-License-Identifier: GPL-2.0
/*
 * Named ports through /dev/lkport: LK's port semantics (the first reader
 * inherits what was written before it, broadcast fan-out, unicast's single
 * reader, all-or-nothing writes that never block, partial writes), rings
 * and their capacity, close and destroy, shared writers, poll/epoll, and
 * ports between processes.
 */
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "lkport_test.h"

FIXTURE(port) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(port)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "port");
}

FIXTURE_TEARDOWN(port)
{
	lkt_base_teardown(_metadata, &self->b);
}

#define READ LKPORT_IOC_PORT_READ

/* Reads `n` packets one at a time and expects seq, seq + 1, ... */
static int read_expect_seq(int fd, uint64_t seq, int n, __u64 ctx)
{
	for (int i = 0; i < n; i++) {
		uint64_t got;
		__u64 c;
		int r = lkt_read_one(fd, READ, 0, &got, &c);

		if (r)
			return r;
		if (got != seq + i || c != ctx)
			return -EPROTO;
	}
	return 0;
}

static mode_t current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

static __u32 info_state(int fd)
{
	struct lkport_info info;

	return lkt_info(fd, &info) ? ~0u : info.state;
}

TEST_F(port, write_port_info)
{
	struct lkport_info info;
	int w;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 0, 0640, 0);
	ASSERT_LE(0, w) TH_LOG("create: %s", strerror(-w));
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(LKPORT_KIND_WRITE_PORT, info.kind);
	EXPECT_EQ(LKPORT_PORT_BROADCAST, info.flags);
	EXPECT_EQ(getuid(), info.uid);
	EXPECT_EQ(getgid(), info.gid);
	EXPECT_EQ(0640 & ~current_umask(), info.perm);
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(0, info.waiters);
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(8, info.capacity);	/* LK's default */
	EXPECT_EQ(0, info.members);
	EXPECT_NE(0, info.id);
	EXPECT_EQ(0, info.ctx);
	EXPECT_STREQ(self->name, info.name);
	for (size_t i = strlen(self->name); i < sizeof(info.name); i++) {
		EXPECT_EQ(0, info.name[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		EXPECT_EQ(0, info.reserved[i]);
	}
	/* Packets written with no reader wait in the port's own ring. */
	ASSERT_EQ(0, lkt_write_seq(w, 0, 3));
	EXPECT_EQ(3, lkt_queued(w));
	close(w);

	/* Unicast with a big buffer: LK's 64-packet ring. */
	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST | LKPORT_PORT_BIG_BUFFER,
			    0, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(LKPORT_PORT_UNICAST | LKPORT_PORT_BIG_BUFFER, info.flags);
	EXPECT_EQ(64, info.capacity);
	close(w);
}

TEST_F(port, read_port_info)
{
	const __u64 ctx = 0xfedcba9876543210ull;
	struct lkport_info wi, info;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST, 16, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	r = lkt_port_open(self->b.dev, self->name, ctx);
	ASSERT_LE(0, r) TH_LOG("open: %s", strerror(-r));
	ASSERT_EQ(0, lkt_info(w, &wi));
	ASSERT_EQ(0, lkt_info(r, &info));
	EXPECT_EQ(LKPORT_KIND_READ_PORT, info.kind);
	EXPECT_EQ(LKPORT_PORT_UNICAST, info.flags);
	EXPECT_EQ(getuid(), info.uid);
	EXPECT_EQ(getgid(), info.gid);
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(0, info.waiters);
	EXPECT_EQ(2, info.queued);
	EXPECT_EQ(16, info.capacity);
	EXPECT_EQ(0, info.members);
	EXPECT_NE(0, info.id);
	EXPECT_NE(wi.id, info.id);
	EXPECT_EQ(ctx, info.ctx);
	EXPECT_STREQ(self->name, info.name);
	for (size_t i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		EXPECT_EQ(0, info.reserved[i]);
	}
	/* The reader took the writer's ring. */
	EXPECT_EQ(0, wi.queued);
	close(r);
	close(w);
}

TEST_F(port, duplicate_create_is_eexist)
{
	int w, e;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	EXPECT_EQ(-EEXIST, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0));
	EXPECT_EQ(-EEXIST, lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST, 16, 0666, 0));
	/* Events have a name space of their own. */
	e = lkt_event_create(self->b.dev, self->name, 0, 0600);
	EXPECT_LE(0, e);
	close(e);
	close(w);
}

TEST_F(port, open_missing_is_enoent)
{
	int w;

	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
	/* An event of that name is not a port. */
	w = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, w);
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
	close(w);
}

TEST_F(port, capacity_option)
{
	static const __u32 bad[] = { 3, 5, 6, 7, 12, 100, 4095, 4097, 6144, 8192, 1u << 16,
				     1u << 31, ~0u };
	struct lkport_info info;
	int w;

	for (__u32 cap = 1; cap <= LKPORT_CAPACITY_MAX; cap <<= 1) {
		w = lkt_port_create(self->b.dev, self->name, 0, cap, 0600, 0);
		ASSERT_LE(0, w) TH_LOG("capacity %u: %s", cap, strerror(-w));
		ASSERT_EQ(0, lkt_info(w, &info));
		EXPECT_EQ(cap, info.capacity);
		close(w);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, bad[i], 0600, 0))
			TH_LOG("capacity %u", bad[i]);
	}
	/* BIG_BUFFER only with UNICAST. */
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BIG_BUFFER, 0, 0600, 0));
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BIG_BUFFER, 64, 0600, 0));
	/* An explicit capacity wins over BIG_BUFFER's default. */
	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST | LKPORT_PORT_BIG_BUFFER,
			    16, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(16, info.capacity);
	close(w);
	/* Unknown mode bits. */
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 1u << 2, 0, 0600, 0));
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 1u << 31, 0, 0600, 0));
	/* Nothing was left behind by the failures. */
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));

	/* A one-packet ring holds one packet. */
	w = lkt_port_create(self->b.dev, self->name, 0, 1, 0600, 0);
	ASSERT_LE(0, w);
	EXPECT_EQ(0, lkt_write_seq(w, 0, 1));
	EXPECT_EQ(-ENOBUFS, lkt_write_seq(w, 1, 1));
	close(w);
}

/* LK: the first reader inherits what was written before any reader
 * existed; later broadcast readers start empty; every reader then gets
 * every packet. */
TEST_F(port, first_reader_inherits_later_start_empty)
{
	int w, r1, r2;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 0, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 3));
	r1 = lkt_port_open(self->b.dev, self->name, 1);
	ASSERT_LE(0, r1);
	EXPECT_EQ(3, lkt_queued(r1));
	EXPECT_EQ(0, lkt_queued(w));
	r2 = lkt_port_open(self->b.dev, self->name, 2);
	ASSERT_LE(0, r2);
	EXPECT_EQ(0, lkt_queued(r2));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r2, READ, 0, NULL, NULL));

	ASSERT_EQ(0, lkt_write_seq(w, 3, 1));
	EXPECT_EQ(0, read_expect_seq(r1, 0, 4, 1));
	EXPECT_EQ(0, read_expect_seq(r2, 3, 1, 2));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r1, READ, 0, NULL, NULL));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r2, READ, 0, NULL, NULL));
	close(r1);
	close(r2);
	close(w);
}

TEST_F(port, unicast_second_reader_is_ebusy)
{
	int w, r1, r2;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST, 0, 0600, 0);
	ASSERT_LE(0, w);
	r1 = lkt_port_open(self->b.dev, self->name, 1);
	ASSERT_LE(0, r1);
	EXPECT_EQ(-EBUSY, lkt_port_open(self->b.dev, self->name, 2));
	EXPECT_EQ(-EBUSY, lkt_port_open(self->b.dev, self->name, 3));
	ASSERT_EQ(0, lkt_write_seq(w, 7, 1));
	/* Once the reader is gone another may come, and gets what it left. */
	close(r1);
	r2 = lkt_port_open(self->b.dev, self->name, 2);
	ASSERT_LE(0, r2);
	EXPECT_EQ(0, read_expect_seq(r2, 7, 1, 2));
	close(r2);
	close(w);
}

/* No reader and no room: ENOBUFS, all or nothing; writes never block. */
TEST_F(port, full_ring_without_reader_is_enobufs)
{
	__u32 delivered = 99, skipped = 99;
	struct lkport_packet pk[9];
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < 7; i++) {
		ASSERT_EQ(0, lkt_write_seq(w, i, 1));
	}
	/* Two packets do not fit in the one slot left: none is written. */
	EXPECT_EQ(-ENOBUFS, lkt_write_seq(w, 100, 2));
	EXPECT_EQ(7, lkt_queued(w));
	lkt_packet(&pk[0], 7);
	EXPECT_EQ(0, lkt_write(w, pk, 1, &delivered, &skipped));
	EXPECT_EQ(1, delivered);	/* the port's own ring */
	EXPECT_EQ(0, skipped);
	EXPECT_EQ(-ENOBUFS, lkt_write_seq(w, 100, 1));
	/* More than the ring holds can never be written. */
	for (int i = 0; i < 9; i++)
		lkt_packet(&pk[i], 200 + i);
	EXPECT_EQ(-ENOBUFS, lkt_write(w, pk, 9, NULL, NULL));
	EXPECT_EQ(8, lkt_queued(w));
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, read_expect_seq(r, 0, 8, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r, READ, 0, NULL, NULL));
	close(r);
	close(w);
}

/* A reader whose ring cannot take the whole write is skipped; the others
 * still receive, and the write returns how many were skipped. */
TEST_F(port, partial_write_reports_skipped_readers)
{
	__u32 delivered, skipped;
	struct lkport_packet pk[8];
	int w, r[3];

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 4, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < 3; i++) {
		r[i] = lkt_port_open(self->b.dev, self->name, 100 + i);
		ASSERT_LE(0, r[i]);
	}
	for (int i = 0; i < 4; i++)
		lkt_packet(&pk[i], i);
	EXPECT_EQ(0, lkt_write(w, pk, 4, &delivered, &skipped));
	EXPECT_EQ(3, delivered);
	EXPECT_EQ(0, skipped);
	/* Only the middle reader makes room. */
	EXPECT_EQ(0, read_expect_seq(r[1], 0, 4, 101));
	lkt_packet(&pk[0], 4);
	lkt_packet(&pk[1], 5);
	EXPECT_EQ(2, lkt_write(w, pk, 2, &delivered, &skipped));
	EXPECT_EQ(1, delivered);
	EXPECT_EQ(2, skipped);
	EXPECT_EQ(0, read_expect_seq(r[1], 4, 2, 101));
	/* The skipped readers got none of it and kept what they had. */
	EXPECT_EQ(4, lkt_queued(r[0]));
	EXPECT_EQ(0, read_expect_seq(r[0], 0, 4, 100));
	EXPECT_EQ(0, read_expect_seq(r[2], 0, 4, 102));
	/* Half-full rings: a write of three fits nowhere... */
	ASSERT_EQ(0, lkt_write_seq(w, 10, 2));
	EXPECT_EQ(3, lkt_write_seq(w, 20, 3));
	/* ...a write of two fits everywhere. */
	EXPECT_EQ(0, lkt_write_seq(w, 12, 2));
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(0, read_expect_seq(r[i], 10, 4, 100 + i));
	}
	/* Larger than any ring: every reader skipped. */
	for (int i = 0; i < 8; i++)
		lkt_packet(&pk[i], i);
	EXPECT_EQ(3, lkt_write(w, pk, 8, &delivered, &skipped));
	EXPECT_EQ(0, delivered);
	EXPECT_EQ(3, skipped);
	for (int i = 0; i < 3; i++)
		close(r[i]);
	close(w);
}

TEST_F(port, write_count_limits)
{
	struct lkport_packet pk[1];
	int w;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	lkt_packet(&pk[0], 0);
	EXPECT_EQ(-EINVAL, lkt_write(w, pk, 0, NULL, NULL));
	/* Checked before the packets are read. */
	EXPECT_EQ(-EINVAL, lkt_write(w, pk, LKPORT_CAPACITY_MAX + 1, NULL, NULL));
	EXPECT_EQ(-EINVAL, lkt_write(w, pk, ~0u, NULL, NULL));
	EXPECT_EQ(0, lkt_queued(w));
	close(w);
}

/* 4096 packets in one write, read back 64 at a time, in order. */
TEST_F(port, batched_write_and_read_many)
{
	struct lkport_result res[LKPORT_READ_MAX];
	__u32 count, delivered, skipped;
	struct lkport_packet *pk;
	int w, r;

	pk = calloc(LKPORT_CAPACITY_MAX, sizeof(*pk));
	ASSERT_NE(NULL, pk);
	for (int i = 0; i < LKPORT_CAPACITY_MAX; i++)
		lkt_packet(&pk[i], 1000 + i);
	w = lkt_port_create(self->b.dev, self->name, 0, LKPORT_CAPACITY_MAX, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0x1234);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write(w, pk, LKPORT_CAPACITY_MAX, &delivered, &skipped));
	EXPECT_EQ(1, delivered);
	EXPECT_EQ(0, skipped);
	EXPECT_EQ(LKPORT_CAPACITY_MAX, lkt_queued(r));
	/* Full: one more is skipped. */
	EXPECT_EQ(1, lkt_write(w, pk, 1, NULL, NULL));
	for (int n = 0; n < LKPORT_CAPACITY_MAX / LKPORT_READ_MAX; n++) {
		ASSERT_EQ(0, lkt_read(r, 0, res, LKPORT_READ_MAX, &count));
		ASSERT_EQ(LKPORT_READ_MAX, count);
		for (int i = 0; i < LKPORT_READ_MAX; i++) {
			ASSERT_EQ(1000 + n * LKPORT_READ_MAX + i, lkt_seq(res[i].data));
			ASSERT_EQ(0x1234, res[i].ctx);
		}
	}
	EXPECT_EQ(0, lkt_queued(r));
	EXPECT_EQ(-ETIMEDOUT, lkt_read(r, 0, res, LKPORT_READ_MAX, &count));

	/* A read returns what is there, up to max. */
	ASSERT_EQ(0, lkt_write(w, pk, 10, NULL, NULL));
	ASSERT_EQ(0, lkt_read(r, 0, res, 3, &count));
	EXPECT_EQ(3, count);
	EXPECT_EQ(1000, lkt_seq(res[0].data));
	EXPECT_EQ(1002, lkt_seq(res[2].data));
	memset(res, 0xee, sizeof(res));
	ASSERT_EQ(0, lkt_read(r, 0, res, LKPORT_READ_MAX, &count));
	EXPECT_EQ(7, count);
	EXPECT_EQ(1003, lkt_seq(res[0].data));
	EXPECT_EQ(1009, lkt_seq(res[6].data));
	/* Slots past count are zeroed, not left as they were. */
	EXPECT_EQ(0, res[7].ctx);

	/* max is 1 to LKPORT_READ_MAX. */
	EXPECT_EQ(-EINVAL, lkt_read(r, 0, res, 0, &count));
	EXPECT_EQ(-EINVAL, lkt_read(r, 0, res, LKPORT_READ_MAX + 1, &count));
	EXPECT_EQ(-EINVAL, lkt_read(r, 0, res, ~0u, &count));
	close(r);
	close(w);
	free(pk);
}

/* Each reader's ctx comes back with every packet it reads. */
TEST_F(port, results_carry_reader_ctx)
{
	static const __u64 ctx[3] = { 0, 0xffffffffffffffffull, 0x8000000000000001ull };
	__u64 got;
	int w, r[3];

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < 3; i++) {
		r[i] = lkt_port_open(self->b.dev, self->name, ctx[i]);
		ASSERT_LE(0, r[i]);
	}
	ASSERT_EQ(0, lkt_write_seq(w, 5, 1));
	for (int i = 0; i < 3; i++) {
		uint64_t seq;

		ASSERT_EQ(0, lkt_read_one(r[i], READ, 0, &seq, &got));
		EXPECT_EQ(5, seq);
		EXPECT_EQ(ctx[i], got);
		close(r[i]);
	}
	close(w);
}

TEST_F(port, read_deadlines)
{
	uint64_t deadline, now, t0;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	t0 = lkt_now();
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r, READ, 0, NULL, NULL));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r, READ, 1, NULL, NULL));
	EXPECT_GT(LKT_SANITY_MS * LKT_NS_PER_MS, lkt_now() - t0);
	deadline = lkt_after_ms(30);
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r, READ, deadline, NULL, NULL));
	now = lkt_now();
	EXPECT_LE(deadline, now);
	EXPECT_GT(deadline + LKT_SANITY_MS * LKT_NS_PER_MS, now);
	EXPECT_EQ(0, lkt_waiters(r));
	/* Queued packets come back whatever the deadline. */
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	EXPECT_EQ(0, lkt_read_one(r, READ, 0, NULL, NULL));
	EXPECT_EQ(0, lkt_read_one(r, READ, LKPORT_FOREVER, NULL, NULL));
	close(r);
	close(w);
}

/* A reader blocked in PORT_READ wakes with the packet another process
 * writes. */
TEST_F(port, blocked_read_wakes_on_write)
{
	pid_t pid;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 77);
	ASSERT_LE(0, r);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t seq;
		__u64 ctx;
		int ret = lkt_read_one(r, READ, LKPORT_FOREVER, &seq, &ctx);

		if (ret)
			_exit(-ret);
		_exit(seq == 41 && ctx == 77 ? 0 : 200);
	}
	ASSERT_EQ(0, lkt_await_waiters(r, 1));
	ASSERT_EQ(0, lkt_write_seq(w, 41, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_waiters(r));
	EXPECT_EQ(0, lkt_queued(r));
	close(r);
	close(w);
}

/* PORT_CLOSE: no more writes, readers keep reading, the name stays taken. */
TEST_F(port, close_stops_writes)
{
	struct lkport_info info;
	int w, r, r2;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	EXPECT_EQ(POLLOUT, lkt_revents(w));
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(-EBADF, lkt_write_seq(w, 2, 1));
	EXPECT_EQ(-EBADF, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(LKPORT_STATE_CLOSED, info.state);
	EXPECT_EQ(POLLHUP, lkt_revents(w));
	EXPECT_FALSE(lkt_revents(w) & POLLOUT);
	/* Readers are neither cancelled nor robbed. */
	EXPECT_EQ(0, info_state(r));
	EXPECT_EQ(0, read_expect_seq(r, 0, 2, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r, READ, 0, NULL, NULL));
	/* A closed port can still be opened... */
	r2 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r2);
	close(r2);
	/* ...but its name is not free. */
	EXPECT_EQ(-EBUSY, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0));
	EXPECT_EQ(-EBUSY, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_SHARE));
	close(r);
	close(w);
}

/* A closed port with no reader keeps its packets for the next reader. */
TEST_F(port, closed_port_keeps_packets_for_first_reader)
{
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 3));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, read_expect_seq(r, 0, 3, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r, READ, 0, NULL, NULL));
	close(r);
	close(w);
}

/* PORT_DESTROY: only on a closed port; frees the name; readers drain, then
 * get ECANCELED. */
TEST_F(port, destroy_frees_name_readers_drain)
{
	struct lkport_info info;
	int w, r, w2, r2;
	__u64 ctx = 0;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 5);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	/* Open: destroy refused. */
	EXPECT_EQ(-EBADF, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	ASSERT_EQ(0, lkt_write_seq(w, 2, 1));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-EBADF, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-EBADF, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(-EBADF, lkt_write_seq(w, 9, 1));
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(LKPORT_STATE_CLOSED | LKPORT_STATE_DESTROYED, info.state);
	EXPECT_STREQ(self->name, info.name);

	/* The reader still has its three packets: readable, not hung up. */
	ASSERT_EQ(0, lkt_info(r, &info));
	EXPECT_EQ(LKPORT_STATE_CANCELLED, info.state);
	EXPECT_EQ(3, info.queued);
	EXPECT_EQ(POLLIN, lkt_revents(r) & (POLLIN | POLLHUP));
	EXPECT_EQ(0, read_expect_seq(r, 0, 3, 5));
	EXPECT_EQ(POLLHUP, lkt_revents(r) & (POLLIN | POLLHUP));
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, 0, NULL, NULL));
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, LKPORT_FOREVER, NULL, NULL));

	/* The name is free: a new port, unrelated to the old reader. */
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
	w2 = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w2);
	r2 = lkt_port_open(self->b.dev, self->name, 6);
	ASSERT_LE(0, r2);
	ASSERT_EQ(0, lkt_write_seq(w2, 50, 1));
	EXPECT_EQ(0, lkt_read_one(r2, READ, 0, NULL, &ctx));
	EXPECT_EQ(6, ctx);
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, 0, NULL, NULL));
	close(r2);
	close(w2);
	close(r);
	close(w);
}

/* Destroy with a reader blocked in another process: it gets ECANCELED,
 * and poll shows EPOLLHUP afterwards. */
TEST_F(port, destroy_cancels_blocked_reader)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	pid_t pid;
	int w, r, ep;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-lkt_read_one(r, READ, LKPORT_FOREVER, NULL, NULL));
	ASSERT_EQ(0, lkt_await_waiters(r, 1));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	/* Closing alone does not wake readers. */
	EXPECT_EQ(1, lkt_waiters(r));
	EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(ECANCELED, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(POLLHUP, lkt_revents(r));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, 0));
	EXPECT_EQ(EPOLLHUP, got.events);
	close(ep);
	close(r);
	close(w);
}

/* Closing the last writer fd closes and destroys the port. */
TEST_F(port, last_writer_close_destroys)
{
	int w, r, w2;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	close(w);
	EXPECT_EQ(LKPORT_STATE_CANCELLED, info_state(r));
	EXPECT_EQ(0, read_expect_seq(r, 0, 2, 0));
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, LKPORT_FOREVER, NULL, NULL));
	EXPECT_EQ(POLLHUP, lkt_revents(r));
	/* The name is free again. */
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
	w2 = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w2);
	close(w2);
	close(r);
}

/* LKPORT_PORT_SHARE: a second writer of the same port; the port lives
 * until the last writer fd goes. */
TEST_F(port, share_hands_out_another_writer)
{
	struct lkport_info a, b;
	int w, w2, r;
	uint64_t seq = 0;

	/* On a free name it simply creates. */
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_SHARE);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	w2 = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_SHARE);
	ASSERT_LE(0, w2);
	ASSERT_EQ(0, lkt_info(w, &a));
	ASSERT_EQ(0, lkt_info(w2, &b));
	EXPECT_EQ(a.id, b.id);
	/* Without SHARE the name is taken. */
	EXPECT_EQ(-EEXIST, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0));

	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	ASSERT_EQ(0, lkt_write_seq(w2, 2, 1));
	EXPECT_EQ(0, read_expect_seq(r, 1, 2, 0));
	/* One writer fd gone: the port lives on. */
	close(w);
	EXPECT_EQ(0, info_state(r));
	ASSERT_EQ(0, lkt_write_seq(w2, 3, 1));
	EXPECT_EQ(0, lkt_read_one(r, READ, 0, &seq, NULL));
	EXPECT_EQ(3, seq);
	/* Closing through one writer closes the port for all. */
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_SHARE);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkport_ioctl(w2, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(-EBADF, lkt_write_seq(w, 4, 1));
	close(w2);
	EXPECT_EQ(0, info_state(r));
	close(w);
	EXPECT_EQ(LKPORT_STATE_CANCELLED, info_state(r));
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, 0, NULL, NULL));
	close(r);
}

/* LKPORT_PORT_EXISTING: another writer of an open port, never a new port. */
TEST_F(port, existing_joins_open_port_only)
{
	struct lkport_info a, b;
	int w, w2, r;
	uint64_t seq = 0;

	EXPECT_EQ(-ENOENT, lkt_port_create(self->b.dev, self->name, 0, 0, 0, LKPORT_PORT_EXISTING));
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST, 16, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	w2 = lkt_port_create(self->b.dev, self->name, 0, 0, 0, LKPORT_PORT_EXISTING);
	ASSERT_LE(0, w2) TH_LOG("join: %s", strerror(-w2));
	ASSERT_EQ(0, lkt_info(w, &a));
	ASSERT_EQ(0, lkt_info(w2, &b));
	EXPECT_EQ(a.id, b.id);
	EXPECT_EQ(LKPORT_PORT_UNICAST, b.flags);
	EXPECT_EQ(16, b.capacity);
	ASSERT_EQ(0, lkt_write_seq(w2, 4, 1));
	EXPECT_EQ(0, lkt_read_one(r, READ, 0, &seq, NULL));
	EXPECT_EQ(4, seq);
	/* Mode, capacity and perm belong to the port: they must be 0. */
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST, 0, 0,
					   LKPORT_PORT_EXISTING));
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 16, 0, LKPORT_PORT_EXISTING));
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_EXISTING));
	/* The port outlives the first writer fd through the joined one. */
	close(w);
	EXPECT_EQ(0, info_state(r));
	/* Closed: nothing to join. */
	ASSERT_EQ(0, lkport_ioctl(w2, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(-EBUSY, lkt_port_create(self->b.dev, self->name, 0, 0, 0, LKPORT_PORT_EXISTING));
	close(w2);
	EXPECT_EQ(LKPORT_STATE_CANCELLED, info_state(r));
	EXPECT_EQ(-ENOENT, lkt_port_create(self->b.dev, self->name, 0, 0, 0, LKPORT_PORT_EXISTING));
	close(r);
}

/* In a child, as nobody: LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED on
 * `name`; 0 with an fd, else the errno (100: could not become nobody). */
static int nobody_join_closed(const char *name)
{
	int dev = lkt_nobody_dev(NULL, 0), fd;

	if (dev < 0)
		return 100;
	fd = lkt_port_create(dev, name, 0, 0, 0, LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED);
	return fd < 0 ? -fd : 0;
}

/* LKPORT_PORT_CLOSED (ABI 1.6): after a close, the owner reaches the port
 * by name again, with a writer fd that can only destroy it; an open port
 * is joined as with LKPORT_PORT_EXISTING alone; nobody else gets one. */
TEST_F(port, closed_port_reached_by_name_for_its_owner)
{
	const __u32 join = LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED;
	struct lkport_version v;
	struct lkport_info a, b;
	mode_t old_umask;
	int w, w2, w3, r, again;
	pid_t pid;

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & LKPORT_FEATURE_JOIN_CLOSED);
	EXPECT_LE(6, v.abi_minor);
	EXPECT_EQ(-ENOENT, lkt_port_create(self->b.dev, self->name, 0, 0, 0, join));
	/* Never a create, and nothing about a new port applies. */
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_CLOSED));
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 0, 0600,
					   LKPORT_PORT_SHARE | LKPORT_PORT_CLOSED));
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
	old_umask = umask(0);
	w = lkt_port_create(self->b.dev, self->name, 0, 4, 0666, 0);
	umask(old_umask);
	ASSERT_LE(0, w);
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 4, 0, join));
	EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, join));
	r = lkt_port_open(self->b.dev, self->name, 7);
	ASSERT_LE(0, r);

	/* Open: an ordinary writer, for anyone who may write (0666). */
	w2 = lkt_port_create(self->b.dev, self->name, 0, 0, 0, join);
	ASSERT_LE(0, w2) TH_LOG("join: %s", strerror(-w2));
	ASSERT_EQ(0, lkt_write_seq(w2, 1, 1));
	EXPECT_EQ(0, read_expect_seq(r, 1, 1, 7));
	close(w2);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_join_closed(self->name));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));

	ASSERT_EQ(0, lkt_write_seq(w, 2, 1));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	/* Closed: EXISTING alone still says busy, as before ABI 1.6. */
	EXPECT_EQ(-EBUSY, lkt_port_create(self->b.dev, self->name, 0, 0, 0, LKPORT_PORT_EXISTING));
	/* Another user, even one allowed to write, gets nothing. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_join_closed(self->name));
	EXPECT_EQ(EPERM, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* The owner gets the same port, closed. */
	w3 = lkt_port_create(self->b.dev, self->name, 0, 0, 0, join);
	ASSERT_LE(0, w3) TH_LOG("join closed: %s", strerror(-w3));
	ASSERT_EQ(0, lkt_info(w, &a));
	ASSERT_EQ(0, lkt_info(w3, &b));
	EXPECT_EQ(a.id, b.id);
	EXPECT_EQ(LKPORT_KIND_WRITE_PORT, b.kind);
	EXPECT_EQ(LKPORT_STATE_CLOSED, b.state);
	EXPECT_EQ(4, b.capacity);
	/* It writes nothing and closes nothing: the port is closed. */
	EXPECT_EQ(-EBADF, lkt_write_seq(w3, 3, 1));
	EXPECT_EQ(-EBADF, lkport_ioctl(w3, LKPORT_IOC_PORT_CLOSE, NULL));
	/* What it is for: destroy, with the creator's fd still open. */
	ASSERT_EQ(0, lkport_ioctl(w3, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-EBADF, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	ASSERT_EQ(0, lkt_info(w, &a));
	EXPECT_EQ(LKPORT_STATE_CLOSED | LKPORT_STATE_DESTROYED, a.state);
	/* Readers drain, then see the end; the name is free at once. */
	EXPECT_EQ(0, read_expect_seq(r, 2, 1, 7));
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, 0, NULL, NULL));
	EXPECT_EQ(-ENOENT, lkt_port_create(self->b.dev, self->name, 0, 0, 0, join));
	again = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	EXPECT_LE(0, again);
	close(again);
	close(w3);
	close(w);
	close(r);
}

/* Any writer may close and destroy the port for all of them. */
TEST_F(port, shared_writer_destroys_for_all)
{
	struct lkport_info info;
	int w, w2, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	w2 = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_SHARE);
	ASSERT_LE(0, w2);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkport_ioctl(w2, LKPORT_IOC_PORT_CLOSE, NULL));
	/* Closed through w2: w can neither close it again nor write. */
	EXPECT_EQ(-EBADF, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(-EBADF, lkt_write_seq(w, 0, 1));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-EBADF, lkport_ioctl(w2, LKPORT_IOC_PORT_DESTROY, NULL));
	ASSERT_EQ(0, lkt_info(w2, &info));
	EXPECT_EQ(LKPORT_STATE_CLOSED | LKPORT_STATE_DESTROYED, info.state);
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, 0, NULL, NULL));
	/* The name is free while both old fds are still open. */
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
	close(w);
	close(w2);
	close(r);
}

/* The last reader to close hands its unread packets back to the port for
 * the next reader; a reader that is not the last takes its packets along. */
TEST_F(port, last_reader_hands_back_unread_packets)
{
	int w, r1, r2, r3;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 3));
	r1 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r1);
	EXPECT_EQ(0, read_expect_seq(r1, 0, 1, 0));
	close(r1);
	EXPECT_EQ(2, lkt_queued(w));
	r2 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r2);
	r3 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r3);
	ASSERT_EQ(0, lkt_write_seq(w, 3, 1));
	EXPECT_EQ(3, lkt_queued(r2));
	EXPECT_EQ(1, lkt_queued(r3));
	/* Not the last reader: nothing handed back. */
	close(r2);
	EXPECT_EQ(0, lkt_queued(w));
	/* The last one: its packet goes back. */
	close(r3);
	EXPECT_EQ(1, lkt_queued(w));
	r1 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r1);
	EXPECT_EQ(0, read_expect_seq(r1, 3, 1, 0));
	close(r1);
	close(w);
}

TEST_F(port, poll_readiness)
{
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	/* Write ports with room are writable; read ports never. */
	EXPECT_EQ(POLLOUT, lkt_revents(w));
	EXPECT_EQ(0, lkt_revents(r));
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	EXPECT_EQ(POLLIN, lkt_revents(r));
	EXPECT_EQ(0, lkt_read_one(r, READ, 0, NULL, NULL));
	EXPECT_EQ(POLLIN, lkt_revents(r));
	EXPECT_EQ(0, lkt_read_one(r, READ, 0, NULL, NULL));
	EXPECT_EQ(0, lkt_revents(r));
	close(r);
	close(w);
}

/* epoll_wait on a read port wakes when another process writes. */
TEST_F(port, epoll_wakes_on_write_from_other_process)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 }, got;
	pid_t pid;
	int w, r, ep;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (lkt_await_sleeping(getppid()))
			_exit(1);
		_exit(-lkt_write_seq(w, 9, 1));
	}
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, LKT_SANITY_MS));
	EXPECT_EQ(7, got.data.u64);
	EXPECT_EQ(EPOLLIN, got.events);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, read_expect_seq(r, 9, 1, 0));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	close(ep);
	close(r);
	close(w);
}

/* EPOLLOUT on a write port (ABI 1.9) says a write(2) of one packet would
 * not wait; epoll_wait wakes when another process's read makes room, and
 * with EPOLLHUP when the port is closed. */
TEST_F(port, epollout_tracks_room_for_one_packet)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 5 }, got;
	struct lkport_version v;
	struct lkport_packet pk;
	pid_t pid;
	int w, r, ep;

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_LE(9, v.abi_minor);
	EXPECT_TRUE(v.features & LKPORT_FEATURE_POLL_ROOM);
	w = lkt_port_create(self->b.dev, self->name, 0, 2, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, fcntl(w, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(POLLOUT, lkt_revents(w));
	/* No reader yet: the port's own ring is what fills. */
	ASSERT_EQ(0, lkt_write_seq(w, 1, 2));
	EXPECT_EQ(0, lkt_revents(w));
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, lkt_revents(w));	/* it took the full ring */
	lkt_packet(&pk, 3);
	EXPECT_EQ(-1, write(w, &pk, sizeof(pk)));
	EXPECT_EQ(EAGAIN, errno);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, w, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (lkt_await_sleeping(getppid()))
			_exit(1);
		_exit(-lkt_read_one(r, READ, 0, NULL, NULL));
	}
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, LKT_SANITY_MS));
	EXPECT_EQ(5, got.data.u64);
	EXPECT_EQ(EPOLLOUT, got.events);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(sizeof(pk), write(w, &pk, sizeof(pk)));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	EXPECT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, LKT_SANITY_MS));
	EXPECT_EQ(EPOLLHUP, got.events);
	close(ep);
	close(r);
	close(w);
}

/* Two processes exchange packets through two ports, in exact order. */
TEST_F(port, cross_process_ping_pong)
{
	enum { ROUNDS = 200 };
	char back[LKPORT_NAME_LEN];
	int w, rb, wb;
	pid_t pid;

	LKT_NAME(back, "back");
	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST, 0, 0600, 0);
	ASSERT_LE(0, w);
	wb = lkt_port_create(self->b.dev, back, LKPORT_PORT_UNICAST, 0, 0600, 0);
	ASSERT_LE(0, wb);
	rb = lkt_port_open(self->b.dev, back, 0xb);
	ASSERT_LE(0, rb);

	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = open(LKPORT_DEVICE, O_RDWR), r;

		close(w);
		close(rb);
		r = lkt_port_open(dev, self->name, 0xa);
		if (r < 0)
			_exit(1);
		for (int i = 0; i < ROUNDS; i++) {
			uint64_t seq;
			__u64 ctx;

			if (lkt_read_one(r, READ, lkt_after_ms(LKT_SANITY_MS), &seq, &ctx))
				_exit(2);
			if (seq != (uint64_t)i * 2 || ctx != 0xa)
				_exit(3);
			if (lkt_write_seq(wb, seq + 1, 1))
				_exit(4);
		}
		/* Nothing more was sent. */
		_exit(lkt_read_one(r, READ, 0, NULL, NULL) == -ETIMEDOUT ? 0 : 5);
	}
	close(wb);
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t seq;
		__u64 ctx;

		ASSERT_EQ(0, lkt_write_seq(w, (uint64_t)i * 2, 1));
		ASSERT_EQ(0, lkt_read_one(rb, READ, lkt_after_ms(LKT_SANITY_MS), &seq, &ctx))
			TH_LOG("round %d", i);
		ASSERT_EQ((uint64_t)i * 2 + 1, seq);
		ASSERT_EQ(0xb, ctx);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* The child's exit closed the last writer of `back`. */
	EXPECT_EQ(-ECANCELED, lkt_read_one(rb, READ, 0, NULL, NULL));
	close(rb);
	close(w);
}

/* A process killed while blocked in PORT_READ on its own read port: the
 * read port goes with it, the port goes on. */
TEST_F(port, sigkill_while_blocked)
{
	struct lkt_stats s;
	pid_t pid;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = open(LKPORT_DEVICE, O_RDWR), rr;

		rr = lkt_port_open(dev, self->name, 0);
		if (rr < 0)
			_exit(-rr);
		_exit(-lkt_read_one(rr, READ, LKPORT_FOREVER, NULL, NULL));
	}
	ASSERT_EQ(0, lkt_await_object(self->name, "waiters=1"));
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(self->b.stats.live[LKPORT_KIND_READ_PORT] + 1, s.live[LKPORT_KIND_READ_PORT]);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(self->b.stats.live[LKPORT_KIND_READ_PORT], s.live[LKPORT_KIND_READ_PORT]);
	EXPECT_EQ(self->b.stats.live[LKPORT_KIND_WRITE_PORT] + 1, s.live[LKPORT_KIND_WRITE_PORT]);
	/* The port works on, and the next reader gets what is written now. */
	ASSERT_EQ(0, lkt_write_seq(w, 3, 1));
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, read_expect_seq(r, 3, 1, 0));
	close(r);
	close(w);
	EXPECT_EQ(0, lkt_await_stats(&self->b.stats));
}

/* A watcher interested only in hang-ups (events 0: EPOLLHUP and EPOLLERR
 * are always reported) is woken when the writer is destroyed. */
TEST_F(port, epoll_hangup_watcher_wakes_on_destroy)
{
	struct epoll_event ev = { .events = 0, .data.u64 = 5 }, got;
	pid_t pid;
	int w, r, ep;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (lkt_await_sleeping(getppid()))
			_exit(1);
		if (lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL))
			_exit(2);
		_exit(-lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	}
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, LKT_SANITY_MS));
	EXPECT_EQ(5, got.data.u64);
	EXPECT_EQ(EPOLLHUP, got.events);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	close(ep);
	close(r);
	close(w);
}

/* ---- back-pressure writes (LKPORT_WRITE_WAIT, ABI 1.6) ------------------------ */

/* A write of count packets seq, seq + 1, ... that waits for room: 0 or
 * the skipped count, or -errno; delivered through the pointer. */
static int write_wait(int fd, uint64_t seq, __u32 count, __u64 deadline, __u32 *delivered)
{
	struct lkport_packet pk[16];
	struct lkport_port_write pw = {
		.packets = (uintptr_t)pk, .count = count,
		.flags = LKPORT_WRITE_WAIT, .deadline_ns = deadline,
	};
	int r;

	for (__u32 i = 0; i < count && i < 16; i++)
		lkt_packet(&pk[i], seq + i);
	r = lkport_ioctl(fd, LKPORT_IOC_PORT_WRITE, &pw);
	if (delivered)
		*delivered = r < 0 ? 0 : pw.delivered;
	return r;
}

TEST_F(port, write_wait_flags_and_deadline_are_checked)
{
	struct lkport_version v = { 0 };
	struct lkport_packet pk[16];
	struct lkport_port_write pw;
	int w, r;

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & LKPORT_FEATURE_WRITE_WAIT);
	EXPECT_LE(6, v.abi_minor);
	w = lkt_port_create(self->b.dev, self->name, 0, 4, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	lkt_packet(&pk[0], 1);
	/* Unknown flags, a deadline without the flag. */
	pw = (struct lkport_port_write){ .packets = (uintptr_t)pk, .count = 1, .flags = 2 };
	EXPECT_EQ(-EINVAL, lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, &pw));
	pw = (struct lkport_port_write){ .packets = (uintptr_t)pk, .count = 1,
					 .flags = LKPORT_WRITE_WAIT | (1u << 31) };
	EXPECT_EQ(-EINVAL, lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, &pw));
	pw = (struct lkport_port_write){ .packets = (uintptr_t)pk, .count = 1,
					 .deadline_ns = LKPORT_FOREVER };
	EXPECT_EQ(-EINVAL, lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, &pw));
	/* More than the ring holds could never fit: refused, not waited for. */
	EXPECT_EQ(-EINVAL, write_wait(w, 1, 5, LKPORT_FOREVER, NULL));
	EXPECT_EQ(0, lkt_queued(r));
	/* With room it is a plain write. */
	EXPECT_EQ(0, write_wait(w, 1, 4, LKPORT_FOREVER, NULL));
	EXPECT_EQ(0, read_expect_seq(r, 1, 4, 0));
	close(r);
	close(w);
}

TEST_F(port, write_wait_wakes_when_a_read_makes_room)
{
	pid_t pid;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 2, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write_seq(w, 1, 2));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u32 delivered;
		int ret = write_wait(w, 3, 1, LKPORT_FOREVER, &delivered);

		_exit(ret ? (ret < 0 ? -ret : 200) : delivered == 1 ? 0 : 201);
	}
	/* The writer waits: INFO on the write port counts it. */
	ASSERT_EQ(0, lkt_await_waiters(w, 1));
	EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid));
	EXPECT_EQ(0, read_expect_seq(r, 1, 1, 0));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_waiters(w));
	EXPECT_EQ(0, read_expect_seq(r, 2, 2, 0));
	close(r);
	close(w);
}

TEST_F(port, write_wait_deadline_writes_nothing)
{
	__u32 delivered = 7, skipped = 0;
	int w, slow, fast;

	w = lkt_port_create(self->b.dev, self->name, 0, 2, 0600, 0);
	ASSERT_LE(0, w);
	slow = lkt_port_open(self->b.dev, self->name, 1);
	ASSERT_LE(0, slow);
	fast = lkt_port_open(self->b.dev, self->name, 2);
	ASSERT_LE(0, fast);
	ASSERT_EQ(0, lkt_write_seq(w, 1, 2));
	EXPECT_EQ(0, read_expect_seq(fast, 1, 2, 2));
	EXPECT_EQ(-ETIMEDOUT, write_wait(w, 3, 1, lkt_after_ms(20), &delivered));
	/* Deadline 0: a try, every reader or none. */
	EXPECT_EQ(-ETIMEDOUT, write_wait(w, 4, 1, 0, NULL));
	/* Nothing reached the reader that had room. */
	EXPECT_EQ(0, lkt_queued(fast));
	EXPECT_EQ(2, lkt_queued(slow));
	EXPECT_EQ(0, lkt_waiters(w));
	/* The default write still skips the full reader, at once. */
	struct lkport_packet pk;

	lkt_packet(&pk, 5);
	EXPECT_EQ(1, lkt_write(w, &pk, 1, &delivered, &skipped));
	EXPECT_EQ(1, delivered);
	EXPECT_EQ(1, skipped);
	EXPECT_EQ(0, read_expect_seq(fast, 5, 1, 2));
	EXPECT_EQ(0, read_expect_seq(slow, 1, 2, 1));
	close(fast);
	close(slow);
	close(w);
}

/* The slowest of three readers (in three processes) paces the writer:
 * every write reaches every reader, none is skipped, in order. */
TEST_F(port, write_wait_broadcast_slowest_reader_paces_the_writer)
{
	enum { N = 300, READERS = 3 };
	pid_t pid[READERS], wpid;
	int w, r[READERS];

	w = lkt_port_create(self->b.dev, self->name, 0, 2, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < READERS; i++) {
		r[i] = lkt_port_open(self->b.dev, self->name, i);
		ASSERT_LE(0, r[i]);
	}
	for (int i = 0; i < READERS; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			for (uint64_t n = 1; n <= N; n++) {
				uint64_t seq;
				int ret = lkt_read_one(r[i], READ, lkt_after_ms(LKT_SANITY_MS), &seq, NULL);

				if (ret)
					_exit(-ret);
				if (seq != n)
					_exit(200);
				/* The last one is slow. */
				if (i == READERS - 1 && n % 32 == 0)
					lkt_sleep_us(1000);
			}
			_exit(0);
		}
	}
	wpid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, wpid);
	if (wpid == 0) {
		for (uint64_t n = 1; n <= N; n++) {
			__u32 delivered;
			int ret = write_wait(w, n, 1, LKPORT_FOREVER, &delivered);

			if (ret)
				_exit(ret < 0 ? -ret : 201);
			if (delivered != READERS)
				_exit(202);
		}
		_exit(0);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, wpid, 3 * LKT_SANITY_MS));
	for (int i = 0; i < READERS; i++) {
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
		close(r[i]);
	}
	close(w);
}

TEST_F(port, write_wait_released_by_the_close_of_a_full_reader)
{
	int go[2], w, slow, fast;
	pid_t pid;

	w = lkt_port_create(self->b.dev, self->name, 0, 1, 0600, 0);
	ASSERT_LE(0, w);
	fast = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, fast);
	ASSERT_EQ(0, pipe(go));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u32 delivered;
		char c;
		int ret;

		if (read(go[0], &c, 1) != 1)
			_exit(202);
		ret = write_wait(w, 2, 1, LKPORT_FOREVER, &delivered);
		_exit(ret ? (ret < 0 ? -ret : 200) : delivered == 1 ? 0 : 201);
	}
	/* Opened after the fork: this process holds the only fd of it. */
	slow = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, slow);
	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	EXPECT_EQ(0, read_expect_seq(fast, 1, 1, 0));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(0, lkt_await_waiters(w, 1));
	EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid));
	close(slow);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, read_expect_seq(fast, 2, 1, 0));
	close(go[0]);
	close(go[1]);
	close(fast);
	close(w);
}

TEST_F(port, write_wait_ends_with_ebadf_on_close_and_destroy)
{
	pid_t pid;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 1, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-write_wait(w, 2, 1, LKPORT_FOREVER, NULL));
	ASSERT_EQ(0, lkt_await_waiters(w, 1));
	/* A default write of the same port is not held up by the waiting
	 * one: it skips the full reader at once. */
	EXPECT_EQ(1, lkt_write_seq(w, 9, 1));
	/* Closing the port ends the wait as a write to a closed port ends. */
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(EBADF, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(-EBADF, write_wait(w, 3, 1, LKPORT_FOREVER, NULL));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-EBADF, write_wait(w, 4, 1, LKPORT_FOREVER, NULL));
	/* The reader drains what was there before, nothing of the rest. */
	EXPECT_EQ(0, read_expect_seq(r, 1, 1, 0));
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, READ, 0, NULL, NULL));
	close(r);
	close(w);
}

/* EINTR without SA_RESTART, with nothing written; with it the write goes
 * on and completes once there is room. */
static volatile int *wait_handled;

static void on_usr1_write(int sig)
{
	(*wait_handled)++;
}

TEST_F(port, write_wait_interrupted_by_signal)
{
	pid_t pid[2];
	int w, r;

	wait_handled = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, wait_handled);
	w = lkt_port_create(self->b.dev, self->name, 0, 1, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	for (int i = 0; i < 2; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			struct sigaction sa = { .sa_handler = on_usr1_write,
						.sa_flags = i ? SA_RESTART : 0 };

			sigaction(SIGUSR1, &sa, NULL);
			_exit(-write_wait(w, 17, 1, LKPORT_FOREVER, NULL));
		}
		ASSERT_EQ(0, lkt_await_waiters(w, 1));
		ASSERT_EQ(0, kill(pid[i], SIGUSR1));
		if (i == 0)
			EXPECT_EQ(EINTR, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
	}
	/* The second ran its handler and waits again. */
	for (uint64_t end = lkt_after_ms(LKT_SANITY_MS); *wait_handled < 2 && lkt_now() < end;)
		lkt_sleep_us(200);
	ASSERT_EQ(2, *wait_handled);
	ASSERT_EQ(0, lkt_await_waiters(w, 1));
	/* The interrupted one wrote nothing: only 1 is queued. */
	EXPECT_EQ(1, lkt_queued(r));
	EXPECT_EQ(0, read_expect_seq(r, 1, 1, 0));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[1], LKT_SANITY_MS));
	EXPECT_EQ(0, read_expect_seq(r, 17, 1, 0));
	EXPECT_EQ(0, lkt_queued(r));
	close(r);
	close(w);
	munmap((void *)wait_handled, 4096);
}

/* Signals: EINTR without SA_RESTART; with it the read goes on. */
static volatile int *handled;

static void on_usr1(int sig)
{
	(*handled)++;
}

TEST_F(port, read_interrupted_by_signal)
{
	pid_t pid[2];
	int w, r;

	handled = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, handled);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	for (int i = 0; i < 2; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = i ? SA_RESTART : 0 };
			uint64_t seq;
			int ret;

			sigaction(SIGUSR1, &sa, NULL);
			ret = lkt_read_one(r, READ, LKPORT_FOREVER, &seq, NULL);
			if (ret)
				_exit(-ret);
			_exit(seq == 17 ? 0 : 200);
		}
		ASSERT_EQ(0, lkt_await_waiters(r, 1));
		ASSERT_EQ(0, kill(pid[i], SIGUSR1));
		if (i == 0) {
			EXPECT_EQ(EINTR, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
		}
	}
	/* The second one ran its handler and is reading again. */
	for (uint64_t end = lkt_after_ms(LKT_SANITY_MS); *handled < 2 && lkt_now() < end;)
		lkt_sleep_us(200);
	ASSERT_EQ(2, *handled);
	ASSERT_EQ(0, lkt_await_waiters(r, 1));
	ASSERT_EQ(0, lkt_write_seq(w, 17, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[1], LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_queued(r));
	close(r);
	close(w);
	munmap((void *)handled, 4096);
}

/* Two processes read one read port while a third writes in bursts: every
 * packet is read exactly once, none is lost to a missed wake-up. */
TEST_F(port, concurrent_readers_get_each_packet_once)
{
	enum { N = 3000, READERS = 2 };
	unsigned char *seen;
	pid_t pid[READERS];
	int w, r;

	seen = mmap(NULL, N, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, seen);
	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_UNICAST, 16, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	for (int i = 0; i < READERS; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			struct lkport_result res[3];

			for (;;) {
				__u32 count;
				int ret = lkt_read(r, lkt_after_ms(LKT_SANITY_MS), res, 1 + i * 2, &count);

				if (ret == -ECANCELED)
					_exit(0);
				if (ret)
					_exit(-ret);
				for (__u32 k = 0; k < count; k++) {
					uint64_t seq = lkt_seq(res[k].data);

					if (seq >= N)
						_exit(201);
					seen[seq]++;
				}
			}
		}
	}
	ASSERT_EQ(0, lkt_await_waiters(r, READERS));
	for (uint64_t seq = 0; seq < N;) {
		__u32 n = 1 + seq % 4;
		int ret;

		if (seq + n > N)
			n = N - seq;
		ret = lkt_write_seq(w, seq, n);
		ASSERT_LE(0, ret);
		if (ret == 0)
			seq += n;
		else
			sched_yield();	/* ring full: the readers catch up */
	}
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	for (int i = 0; i < READERS; i++) {
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
	}
	for (int i = 0; i < N; i++) {
		if (seen[i] != 1) {
			EXPECT_EQ(1, seen[i]) TH_LOG("packet %d read %d times", i, seen[i]);
			break;
		}
	}
	close(r);
	close(w);
	munmap(seen, N);
}

#define HOLDS_PATH "/sys/kernel/debug/lkport/write_holds"

struct write_holds {
	unsigned long long max_ns, holds;
	unsigned int max_packets;
};

static int read_write_holds(struct write_holds *h)
{
	char buf[256];

	if (lkt_read_file(HOLDS_PATH, buf, sizeof(buf)) < 0)
		return -errno;
	if (sscanf(buf, "max_hold_ns %llu max_packets %u holds %llu", &h->max_ns,
		   &h->max_packets, &h->holds) != 3)
		return -EPROTO;
	return 0;
}

/* The largest write (4096 packets) to a broadcast port with 127 readers
 * used to copy all 8 MiB under one hold of the port lock, interrupts off.
 * The module's own measurement (debugfs write_holds, debug builds) must
 * show no hold copying more than one reader's share, while every reader
 * still gets the whole write. Prints the longest hold measured. */
TEST_F(port, largest_fanout_write_copies_one_reader_per_lock_hold)
{
	enum { READERS = 127, COUNT = LKPORT_CAPACITY_MAX, ROUNDS = 3 };
	static struct lkport_packet pk[COUNT];
	int r[READERS], w;
	struct write_holds h;

	if (geteuid() != 0)
		SKIP(return, "needs root (debugfs, ring quota)");
	ASSERT_EQ(0, read_write_holds(&h)) TH_LOG("%s", HOLDS_PATH);
	for (int i = 0; i < COUNT; i++)
		lkt_packet(&pk[i], i);
	for (int round = 0; round < ROUNDS; round++) {
		__u32 delivered = 0, skipped = 0;

		/* A new port each round: the last reader to close hands its full
		 * ring back to the writer. */
		w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, COUNT, 0600, 0);
		ASSERT_LE(0, w);
		for (int i = 0; i < READERS; i++) {
			r[i] = lkt_port_open(self->b.dev, self->name, i);
			ASSERT_LE(0, r[i]) TH_LOG("reader %d: %s", i, strerror(-r[i]));
		}
		ASSERT_EQ(0, lkt_write_file(HOLDS_PATH, "0"));
		ASSERT_EQ(0, lkt_write(w, pk, COUNT, &delivered, &skipped));
		ASSERT_EQ(0, read_write_holds(&h));
		EXPECT_EQ(READERS, delivered);
		EXPECT_EQ(0, skipped);
		for (int i = 0; i < READERS; i++) {
			EXPECT_EQ(COUNT, lkt_queued(r[i])) TH_LOG("reader %d", i);
			close(r[i]);
		}
		close(w);
		if (h.holds == 0)
			SKIP(break, "write_holds measures in debug builds only");
		printf("# round %d: %d packets to %d readers: %llu holds, longest %llu ns, at most %u packets per hold\n",
		       round, COUNT, READERS, h.holds, h.max_ns, h.max_packets);
		EXPECT_LE(h.max_packets, COUNT);
		EXPECT_LE(READERS, h.holds);
	}
}

/* Ports do not share a lock: while the largest write (4096 packets to
 * 127 readers) goes on in a child, one-packet round trips through another
 * port (write, then read it back) keep working. Prints how many fit in
 * the write and the slowest one, next to the write's longest hold of its
 * own port's lock: what a shared lock would have added to a round trip. */
TEST_F(port, other_port_round_trips_during_largest_fanout_write)
{
	enum { READERS = 127, COUNT = LKPORT_CAPACITY_MAX };
	static struct lkport_packet pk[COUNT];
	char other[LKPORT_NAME_LEN];
	unsigned long long worst = 0, trips = 0, start, took;
	int r[READERS], w, ow, orr, status = -1;
	struct write_holds h = {};
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root (debugfs, ring quota)");
	for (int i = 0; i < COUNT; i++)
		lkt_packet(&pk[i], i);
	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, COUNT, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < READERS; i++) {
		r[i] = lkt_port_open(self->b.dev, self->name, i);
		ASSERT_LE(0, r[i]) TH_LOG("reader %d: %s", i, strerror(-r[i]));
	}
	snprintf(other, sizeof(other), "%.50s-o", self->name);
	ow = lkt_port_create(self->b.dev, other, LKPORT_PORT_UNICAST, 0, 0600, 0);
	ASSERT_LE(0, ow);
	orr = lkt_port_open(self->b.dev, other, 7);
	ASSERT_LE(0, orr);
	ASSERT_EQ(0, lkt_write_file(HOLDS_PATH, "0"));

	start = lkt_now();
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u32 delivered = 0;

		_exit(lkt_write(w, pk, COUNT, &delivered, NULL) == 0 && delivered == READERS ? 0 : 1);
	}
	while ((status = lkt_try_reap(&self->b.kids, pid)) < 0) {
		uint64_t seq = 0, t0 = lkt_now(), dt;
		__u64 ctx = 0;

		ASSERT_EQ(0, lkt_write_seq(ow, trips, 1));
		ASSERT_EQ(0, lkt_read_one(orr, LKPORT_IOC_PORT_READ, lkt_after_ms(LKT_SANITY_MS),
					  &seq, &ctx));
		EXPECT_EQ(trips, seq);
		EXPECT_EQ(7, ctx);
		dt = lkt_now() - t0;
		if (dt > worst)
			worst = dt;
		trips++;
	}
	took = lkt_now() - start;
	EXPECT_EQ(0, status) TH_LOG("the child's write failed");
	for (int i = 0; i < READERS; i++) {
		EXPECT_EQ(COUNT, lkt_queued(r[i])) TH_LOG("reader %d", i);
		close(r[i]);
	}
	if (read_write_holds(&h) == 0 && h.holds)
		printf("# %llu round trips through another port during a %llu us write of %d packets to %d readers: slowest %llu us; the write's longest hold %llu us\n",
		       trips, took / 1000, COUNT, READERS, worst / 1000, h.max_ns / 1000);
	close(orr);
	close(ow);
	close(w);
}

TEST_HARNESS_MAIN
