// SPDX-License-Identifier: GPL-2.0
/*
 * Port groups through /dev/lkport: a group fd waits on many read ports at
 * once (LK's port_group): membership rules, the 256-member limit, reads
 * that return the member's ctx, blocking and waking, readiness.
 */
#include <sys/epoll.h>

#include "lkport_test.h"

#define NPORTS 3

FIXTURE(group) {
	struct lkt_base b;
	char name[NPORTS][LKPORT_NAME_LEN];
	int w[NPORTS];		/* write ports */
	int r[NPORTS];		/* their read ports, ctx = index + 1 */
};

FIXTURE_SETUP(group)
{
	lkt_base_setup(_metadata, &self->b);
	for (int i = 0; i < NPORTS; i++) {
		LKT_NAME(self->name[i], "grp");
		self->w[i] = lkt_port_create(self->b.dev, self->name[i], 0, 0, 0600, 0);
		ASSERT_LE(0, self->w[i]) TH_LOG("create: %s", strerror(-self->w[i]));
		self->r[i] = lkt_port_open(self->b.dev, self->name[i], i + 1);
		ASSERT_LE(0, self->r[i]) TH_LOG("open: %s", strerror(-self->r[i]));
	}
}

FIXTURE_TEARDOWN(group)
{
	lkt_base_teardown(_metadata, &self->b);
}

#define GREAD LKPORT_IOC_GROUP_READ

static bool grouped(int fd)
{
	struct lkport_info info;

	return !lkt_info(fd, &info) && (info.state & LKPORT_STATE_GROUPED);
}

static long members(int fd)
{
	struct lkport_info info;
	int r = lkt_info(fd, &info);

	return r < 0 ? r : (long)info.members;
}

TEST_F(group, create_with_members_and_info)
{
	struct lkport_info info;
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g) TH_LOG("group: %s", strerror(-g));
	ASSERT_EQ(0, lkt_info(g, &info));
	EXPECT_EQ(LKPORT_KIND_GROUP, info.kind);
	EXPECT_EQ(NPORTS, info.members);
	EXPECT_EQ(0, info.waiters);
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(0, info.capacity);
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(getuid(), info.uid);
	EXPECT_EQ(getgid(), info.gid);
	EXPECT_NE(0, info.id);
	EXPECT_EQ(0, info.ctx);
	EXPECT_STREQ("", info.name);
	for (size_t i = 0; i < sizeof(info.name); i++) {
		EXPECT_EQ(0, info.name[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		EXPECT_EQ(0, info.reserved[i]);
	}
	for (int i = 0; i < NPORTS; i++) {
		EXPECT_TRUE(grouped(self->r[i]));
	}
	close(g);
}

TEST_F(group, add_and_remove)
{
	int g;

	g = lkt_group_create(self->b.dev, NULL, 0);
	ASSERT_LE(0, g);
	EXPECT_EQ(0, members(g));
	EXPECT_EQ(0, lkt_group_add(g, self->r[0]));
	EXPECT_EQ(0, lkt_group_add(g, self->r[2]));
	EXPECT_EQ(2, members(g));
	EXPECT_TRUE(grouped(self->r[0]));
	EXPECT_FALSE(grouped(self->r[1]));
	EXPECT_EQ(0, lkt_group_remove(g, self->r[0]));
	EXPECT_EQ(1, members(g));
	EXPECT_FALSE(grouped(self->r[0]));
	/* Not (or no longer) a member. */
	EXPECT_EQ(-EBADF, lkt_group_remove(g, self->r[0]));
	EXPECT_EQ(-EBADF, lkt_group_remove(g, self->r[1]));
	/* Back in. */
	EXPECT_EQ(0, lkt_group_add(g, self->r[0]));
	EXPECT_EQ(2, members(g));
	close(g);
}

TEST_F(group, add_errors)
{
	int g, g2, p[2], ev;
	char evname[LKPORT_NAME_LEN];

	g = lkt_group_create(self->b.dev, &self->r[0], 1);
	ASSERT_LE(0, g);
	g2 = lkt_group_create(self->b.dev, &self->r[1], 1);
	ASSERT_LE(0, g2);
	/* A port is in at most one group. */
	EXPECT_EQ(-EBUSY, lkt_group_add(g, self->r[0]));
	EXPECT_EQ(-EBUSY, lkt_group_add(g, self->r[1]));
	EXPECT_EQ(-EBUSY, lkt_group_add(g2, self->r[0]));
	/* Not an lkport read port. */
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	LKT_NAME(evname, "ev");
	ev = lkt_event_create(self->b.dev, evname, 0, 0600);
	ASSERT_LE(0, ev);
	EXPECT_EQ(-EBADF, lkt_group_add(g, p[0]));
	EXPECT_EQ(-EBADF, lkt_group_add(g, ev));
	EXPECT_EQ(-EBADF, lkt_group_add(g, self->w[2]));
	EXPECT_EQ(-EBADF, lkt_group_add(g, g2));
	EXPECT_EQ(-EBADF, lkt_group_add(g, g));
	EXPECT_EQ(-EBADF, lkt_group_add(g, self->b.dev));
	EXPECT_EQ(-EBADF, lkt_group_add(g, -1));
	EXPECT_EQ(-EBADF, lkt_group_add(g, 1000000));
	/* Remove: the same. */
	EXPECT_EQ(-EBADF, lkt_group_remove(g, p[0]));
	EXPECT_EQ(-EBADF, lkt_group_remove(g, ev));
	EXPECT_EQ(-EBADF, lkt_group_remove(g, self->w[0]));
	EXPECT_EQ(-EBADF, lkt_group_remove(g, -1));
	/* Nothing changed. */
	EXPECT_EQ(1, members(g));
	EXPECT_EQ(1, members(g2));
	EXPECT_FALSE(grouped(self->r[2]));
	EXPECT_EQ(0, lkt_group_add(g, self->r[2]));
	close(p[0]);
	close(p[1]);
	close(ev);
	close(g);
	close(g2);
}

/* A group create that fails leaves every listed port as it was. */
TEST_F(group, create_errors_roll_back)
{
	int fds[4], g, p[2], ev;
	char evname[LKPORT_NAME_LEN];

	/* Listed twice. */
	fds[0] = self->r[0];
	fds[1] = self->r[1];
	fds[2] = self->r[0];
	EXPECT_EQ(-EBUSY, lkt_group_create(self->b.dev, fds, 3));
	EXPECT_FALSE(grouped(self->r[0]));
	EXPECT_FALSE(grouped(self->r[1]));
	/* Already in a group. */
	g = lkt_group_create(self->b.dev, &self->r[2], 1);
	ASSERT_LE(0, g);
	fds[2] = self->r[2];
	EXPECT_EQ(-EBUSY, lkt_group_create(self->b.dev, fds, 3));
	EXPECT_FALSE(grouped(self->r[0]));
	EXPECT_FALSE(grouped(self->r[1]));
	EXPECT_EQ(1, members(g));
	/* Not read ports. */
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	LKT_NAME(evname, "ev");
	ev = lkt_event_create(self->b.dev, evname, 0, 0600);
	ASSERT_LE(0, ev);
	fds[2] = ev;
	EXPECT_EQ(-EBADF, lkt_group_create(self->b.dev, fds, 3));
	fds[2] = p[1];
	EXPECT_EQ(-EBADF, lkt_group_create(self->b.dev, fds, 3));
	fds[2] = self->w[0];
	EXPECT_EQ(-EBADF, lkt_group_create(self->b.dev, fds, 3));
	fds[2] = -1;
	EXPECT_EQ(-EBADF, lkt_group_create(self->b.dev, fds, 3));
	fds[2] = g;
	EXPECT_EQ(-EBADF, lkt_group_create(self->b.dev, fds, 3));
	/* Past the limit, before looking at the fds. */
	EXPECT_EQ(-E2BIG, lkt_group_create(self->b.dev, fds, LKPORT_GROUP_MAX + 1));
	EXPECT_EQ(-E2BIG, lkt_group_create(self->b.dev, fds, ~0u));
	/* The fds array unreadable. */
	EXPECT_EQ(-EFAULT, lkt_group_create(self->b.dev, NULL, 2));
	EXPECT_EQ(-EFAULT, lkt_group_create(self->b.dev, (int *)8, 1));
	EXPECT_FALSE(grouped(self->r[0]));
	EXPECT_FALSE(grouped(self->r[1]));
	/* And they can still be grouped. */
	fds[2] = self->r[0];
	close(g);
	g = lkt_group_create(self->b.dev, fds + 1, 2);
	ASSERT_LE(0, g);
	EXPECT_EQ(2, members(g));
	close(g);
	close(ev);
	close(p[0]);
	close(p[1]);
}

/* LKPORT_GROUP_MAX members; E2BIG past that. One broadcast port with a
 * one-packet ring feeds 257 readers. */
TEST_F(group, member_limit)
{
	enum { N = LKPORT_GROUP_MAX + 1 };
	struct lkport_result res[LKPORT_READ_MAX];
	char name[LKPORT_NAME_LEN];
	static int r[N];
	bool seen[N] = { false };
	__u32 delivered, count;
	int w, g;

	LKT_NAME(name, "many");
	w = lkt_port_create(self->b.dev, name, LKPORT_PORT_BROADCAST, 1, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < N; i++) {
		r[i] = lkt_port_open(self->b.dev, name, 1000 + i);
		ASSERT_LE(0, r[i]) TH_LOG("reader %d: %s", i, strerror(-r[i]));
	}
	EXPECT_EQ(-E2BIG, lkt_group_create(self->b.dev, r, N));
	EXPECT_FALSE(grouped(r[0]));
	g = lkt_group_create(self->b.dev, r, LKPORT_GROUP_MAX);
	ASSERT_LE(0, g);
	EXPECT_EQ(LKPORT_GROUP_MAX, members(g));
	EXPECT_EQ(-E2BIG, lkt_group_add(g, r[N - 1]));
	EXPECT_FALSE(grouped(r[N - 1]));
	EXPECT_EQ(LKPORT_GROUP_MAX, members(g));
	/* Room for one again after a remove. */
	EXPECT_EQ(0, lkt_group_remove(g, r[0]));
	EXPECT_EQ(0, lkt_group_add(g, r[N - 1]));
	EXPECT_EQ(-E2BIG, lkt_group_add(g, r[0]));

	/* One write reaches every reader; the group hands out its members'
	 * packets, each with that member's ctx. */
	ASSERT_EQ(0, lkt_write(w, &(struct lkport_packet){ { 0 } }, 1, &delivered, NULL));
	EXPECT_EQ(N, delivered);
	for (int n = 0; n < LKPORT_GROUP_MAX / LKPORT_READ_MAX; n++) {
		ASSERT_EQ(0, lkt_group_read(g, 0, res, LKPORT_READ_MAX, &count));
		ASSERT_EQ(LKPORT_READ_MAX, count);
		for (__u32 i = 0; i < count; i++) {
			__u64 idx = res[i].ctx - 1000;

			ASSERT_LT(idx, N);
			ASSERT_FALSE(seen[idx]) TH_LOG("member %llu read twice", (unsigned long long)idx);
			seen[idx] = true;
		}
	}
	EXPECT_EQ(-ETIMEDOUT, lkt_group_read(g, 0, res, LKPORT_READ_MAX, &count));
	/* Every member once; the one outside the group was not read. */
	EXPECT_FALSE(seen[0]);
	for (int i = 1; i < N; i++) {
		EXPECT_TRUE(seen[i]);
	}
	EXPECT_EQ(1, lkt_queued(r[0]));
	close(g);
	for (int i = 0; i < N; i++)
		close(r[i]);
	close(w);
}

TEST_F(group, read_returns_member_ctx)
{
	struct lkport_result res[4];
	uint64_t seq;
	__u64 ctx;
	__u32 count;
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	ASSERT_EQ(0, lkt_write_seq(self->w[1], 10, 1));
	ASSERT_EQ(0, lkt_read_one(g, GREAD, 0, &seq, &ctx));
	EXPECT_EQ(10, seq);
	EXPECT_EQ(2, ctx);
	EXPECT_EQ(0, lkt_queued(self->r[1]));
	/* Several members at once, up to max. */
	ASSERT_EQ(0, lkt_write_seq(self->w[0], 20, 1));
	ASSERT_EQ(0, lkt_write_seq(self->w[2], 30, 2));
	ASSERT_EQ(0, lkt_group_read(g, 0, res, 4, &count));
	ASSERT_EQ(3, count);
	for (__u32 i = 0; i < count; i++) {
		uint64_t s = lkt_seq(res[i].data);

		if (res[i].ctx == 1) {
			EXPECT_EQ(20, s);
		} else if (res[i].ctx == 3) {
			EXPECT_TRUE(s == 30 || s == 31);
		} else {
			EXPECT_EQ(0, res[i].ctx) TH_LOG("unexpected ctx %llu",
							(unsigned long long)res[i].ctx);
		}
	}
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, 0, NULL, NULL));
	/* A member can still be read directly. */
	ASSERT_EQ(0, lkt_write_seq(self->w[0], 40, 1));
	EXPECT_EQ(0, lkt_read_one(self->r[0], LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(40, seq);
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, 0, NULL, NULL));
	/* A port outside the group is not read through it. */
	EXPECT_EQ(0, lkt_group_remove(g, self->r[2]));
	ASSERT_EQ(0, lkt_write_seq(self->w[2], 50, 1));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, 0, NULL, NULL));
	/* Read validation as for ports. */
	EXPECT_EQ(-EINVAL, lkt_group_read(g, 0, res, 0, &count));
	EXPECT_EQ(-EINVAL, lkt_group_read(g, 0, res, LKPORT_READ_MAX + 1, &count));
	close(g);
}

TEST_F(group, read_deadlines)
{
	uint64_t deadline, now;
	int g, e;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, 0, NULL, NULL));
	deadline = lkt_after_ms(30);
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, deadline, NULL, NULL));
	now = lkt_now();
	EXPECT_LE(deadline, now);
	EXPECT_GT(deadline + LKT_SANITY_MS * LKT_NS_PER_MS, now);
	EXPECT_EQ(0, lkt_waiters(g));
	/* An empty group times out too. */
	e = lkt_group_create(self->b.dev, NULL, 0);
	ASSERT_LE(0, e);
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(e, GREAD, 0, NULL, NULL));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(e, GREAD, lkt_after_ms(5), NULL, NULL));
	close(e);
	close(g);
}

/* A group reader blocked in another process wakes on a member's write. */
TEST_F(group, blocked_read_wakes_on_write)
{
	pid_t pid;
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t seq;
		__u64 ctx;
		int r = lkt_read_one(g, GREAD, LKPORT_FOREVER, &seq, &ctx);

		if (r)
			_exit(-r);
		_exit(seq == 5 && ctx == 3 ? 0 : 200);
	}
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	ASSERT_EQ(0, lkt_write_seq(self->w[2], 5, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_waiters(g));
	EXPECT_EQ(0, lkt_queued(self->r[2]));
	close(g);
}

/* Adding a port that already holds packets wakes a blocked group reader. */
TEST_F(group, add_port_with_data_wakes_reader)
{
	pid_t pid;
	int g;

	g = lkt_group_create(self->b.dev, self->r, 1);
	ASSERT_LE(0, g);
	ASSERT_EQ(0, lkt_write_seq(self->w[1], 8, 1));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t seq;
		__u64 ctx;
		int r = lkt_read_one(g, GREAD, LKPORT_FOREVER, &seq, &ctx);

		if (r)
			_exit(-r);
		_exit(seq == 8 && ctx == 2 ? 0 : 200);
	}
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	ASSERT_EQ(0, lkt_group_add(g, self->r[1]));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	close(g);
}

/* Closing a member's fd takes it out of the group. */
TEST_F(group, closing_member_removes_it)
{
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	close(self->r[1]);
	EXPECT_EQ(NPORTS - 1, members(g));
	/* Its writer now fills its own ring; the group sees nothing. */
	ASSERT_EQ(0, lkt_write_seq(self->w[1], 1, 1));
	EXPECT_EQ(1, lkt_queued(self->w[1]));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, 0, NULL, NULL));
	EXPECT_EQ(0, lkt_revents(g));
	close(g);
}

/* Closing the group frees its members for another. */
TEST_F(group, closing_group_releases_members)
{
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	close(g);
	for (int i = 0; i < NPORTS; i++) {
		EXPECT_FALSE(grouped(self->r[i]));
	}
	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	EXPECT_EQ(NPORTS, members(g));
	close(g);
}

TEST_F(group, poll_readiness)
{
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	EXPECT_EQ(0, lkt_revents(g));
	ASSERT_EQ(0, lkt_write_seq(self->w[2], 0, 1));
	EXPECT_EQ(POLLIN, lkt_revents(g));
	ASSERT_EQ(0, lkt_write_seq(self->w[0], 1, 1));
	EXPECT_EQ(POLLIN, lkt_revents(g));
	EXPECT_EQ(0, lkt_read_one(g, GREAD, 0, NULL, NULL));
	EXPECT_EQ(POLLIN, lkt_revents(g));
	EXPECT_EQ(0, lkt_read_one(g, GREAD, 0, NULL, NULL));
	EXPECT_EQ(0, lkt_revents(g));
	/* Data read straight from the member is gone for the group too. */
	ASSERT_EQ(0, lkt_write_seq(self->w[1], 2, 1));
	EXPECT_EQ(POLLIN, lkt_revents(g));
	EXPECT_EQ(0, lkt_read_one(self->r[1], LKPORT_IOC_PORT_READ, 0, NULL, NULL));
	EXPECT_EQ(0, lkt_revents(g));
	close(g);
}

/* epoll_wait on a group wakes when another process writes to a member. */
TEST_F(group, epoll_wakes_on_member_write)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 3 }, got;
	pid_t pid;
	int g, ep;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, g, &ev));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (lkt_await_sleeping(getppid()))
			_exit(1);
		_exit(-lkt_write_seq(self->w[1], 6, 1));
	}
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, LKT_SANITY_MS));
	EXPECT_EQ(3, got.data.u64);
	EXPECT_EQ(EPOLLIN, got.events);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_read_one(g, GREAD, 0, NULL, NULL));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	close(ep);
	close(g);
}

/* A member whose writer is destroyed does not stop the group: a blocked
 * reader keeps waiting for the live members, and the group is cancelled
 * (ECANCELED, EPOLLHUP) only once every member's writer is gone and what
 * they held is drained. */
TEST_F(group, member_writer_destroyed)
{
	struct lkport_info info;
	pid_t pid;
	__u64 ctx = 0;
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int err = lkt_read_one(g, GREAD, LKPORT_FOREVER, NULL, &ctx);

		_exit(err ? 100 - err : (int)ctx);
	}
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	ASSERT_EQ(0, lkport_ioctl(self->w[0], LKPORT_IOC_PORT_CLOSE, NULL));
	ASSERT_EQ(0, lkport_ioctl(self->w[0], LKPORT_IOC_PORT_DESTROY, NULL));
	/* The dead member says so itself; the group does not. */
	EXPECT_EQ(POLLHUP, lkt_revents(self->r[0]));
	EXPECT_EQ(0, lkt_revents(g));
	ASSERT_EQ(0, lkt_info(g, &info));
	EXPECT_EQ(0, info.state & LKPORT_STATE_CANCELLED);
	/* The blocked reader is still there and gets the next live packet. */
	ASSERT_EQ(0, lkt_write_seq(self->w[1], 1, 1));
	EXPECT_EQ(2, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, 0, NULL, NULL));

	/* Packets queued before the last writers go still come out first. */
	ASSERT_EQ(0, lkt_write_seq(self->w[1], 1, 2));
	ASSERT_EQ(0, lkport_ioctl(self->w[1], LKPORT_IOC_PORT_CLOSE, NULL));
	ASSERT_EQ(0, lkport_ioctl(self->w[1], LKPORT_IOC_PORT_DESTROY, NULL));
	ASSERT_EQ(0, lkport_ioctl(self->w[2], LKPORT_IOC_PORT_CLOSE, NULL));
	ASSERT_EQ(0, lkport_ioctl(self->w[2], LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(POLLIN, lkt_revents(g));
	EXPECT_EQ(0, lkt_read_one(g, GREAD, 0, NULL, &ctx));
	EXPECT_EQ(2, ctx);
	EXPECT_EQ(0, lkt_read_one(g, GREAD, 0, NULL, &ctx));
	EXPECT_EQ(2, ctx);
	EXPECT_EQ(-ECANCELED, lkt_read_one(g, GREAD, 0, NULL, NULL));
	EXPECT_EQ(POLLHUP, lkt_revents(g));
	ASSERT_EQ(0, lkt_info(g, &info));
	EXPECT_EQ(LKPORT_STATE_CANCELLED, info.state & LKPORT_STATE_CANCELLED);
	/* With no member left the group waits again. */
	for (int i = 0; i < NPORTS; i++)
		EXPECT_EQ(0, lkt_group_remove(g, self->r[i]));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(g, GREAD, 0, NULL, NULL));
	EXPECT_EQ(0, lkt_revents(g));
	close(g);
}

/* A process killed while blocked on a group leaves it working. */
TEST_F(group, sigkill_while_blocked)
{
	pid_t pid;
	__u64 ctx = 0;
	int g;

	g = lkt_group_create(self->b.dev, self->r, NPORTS);
	ASSERT_LE(0, g);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-lkt_read_one(g, GREAD, LKPORT_FOREVER, NULL, NULL));
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_waiters(g));
	ASSERT_EQ(0, lkt_write_seq(self->w[0], 1, 1));
	EXPECT_EQ(0, lkt_read_one(g, GREAD, 0, NULL, &ctx));
	EXPECT_EQ(1, ctx);
	close(g);
}

TEST_HARNESS_MAIN
