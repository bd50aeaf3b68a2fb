// SPDX-License-Identifier: GPL-2.0
/*
 * read(2) and write(2) on port and event fds (ABI 1.8). Ports: whole
 * packets, bare; a write that waits for room in every ring (EAGAIN with
 * O_NONBLOCK) and is all or nothing across readers; a read that waits for
 * the first packet and ends at end of file; signals; what neither call
 * takes; a bad buffer changing nothing. Events, as an eventfd: the __u64
 * 1, read to wait, write to signal.
 */
#include <signal.h>
#include <sys/mman.h>

#include "lkport_test.h"

#define PK LKPORT_PACKET_SIZE

FIXTURE(rw) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(rw)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "rw");
}

FIXTURE_TEARDOWN(rw)
{
	lkt_base_teardown(_metadata, &self->b);
}

/* Writes packets seq .. seq + count - 1 with write(2): as write(2). */
static ssize_t write_seq(int fd, uint64_t seq, unsigned int count)
{
	struct lkport_packet pk[128];

	if (count > 128)
		return -1;
	for (unsigned int i = 0; i < count; i++)
		lkt_packet(&pk[i], seq + i);
	return write(fd, pk, count * sizeof(pk[0]));
}

/* Reads with read(2) and checks that the packets are seq, seq + 1, ...:
 * how many there were, or -1 (errno set) / -2 (a packet out of order). */
static ssize_t read_seq(int fd, uint64_t seq, size_t len)
{
	struct lkport_packet pk[128];
	ssize_t n;

	if (len > sizeof(pk))
		len = sizeof(pk);
	n = read(fd, pk, len);
	if (n < 0)
		return -1;
	if (n % PK)
		return -2;
	for (ssize_t i = 0; i < n / PK; i++)
		if (lkt_seq(pk[i].data) != seq + i)
			return -2;
	return n / PK;
}

/* A port of `capacity` with one read port on it (ctx 0): 0, or -errno
 * with *w / *r negative for the step that failed. */
static int port_and_reader(FIXTURE_DATA(rw) *self, __u32 capacity, int *w, int *r)
{
	*r = -1;
	*w = lkt_port_create(self->b.dev, self->name, 0, capacity, 0600, 0);
	if (*w < 0)
		return *w;
	*r = lkt_port_open(self->b.dev, self->name, 0);
	return *r < 0 ? *r : 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

TEST_F(rw, packets_written_are_read_bare_in_order)
{
	struct lkport_version v = { 0 };
	int w, r;

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & LKPORT_FEATURE_READ_WRITE);
	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	/* With no reader yet the port's own ring keeps them for the first. */
	ASSERT_EQ(2 * PK, write_seq(w, 100, 2));
	r = lkt_port_open(self->b.dev, self->name, 7);
	ASSERT_LE(0, r);
	ASSERT_EQ(3 * PK, write_seq(w, 102, 3));
	EXPECT_EQ(5, lkt_queued(r));
	/* Room for 2.5 packets: two are taken, the rest stay queued. */
	EXPECT_EQ(2, read_seq(r, 100, 2 * PK + PK / 2));
	EXPECT_EQ(3, read_seq(r, 102, 8 * PK));
	EXPECT_EQ(0, lkt_queued(r));
	/* The ioctl and the call take from the same ring. */
	ASSERT_EQ(1 * PK, write_seq(w, 105, 1));
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_READ, 0, NULL, NULL));
	ASSERT_EQ(0, lkt_write_seq(w, 106, 1));
	EXPECT_EQ(1, read_seq(r, 106, PK));
	ASSERT_EQ(0, set_nonblock(r));
	EXPECT_EQ(-1, read_seq(r, 0, PK));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(rw, one_read_returns_at_most_read_max)
{
	int w, r;

	ASSERT_EQ(0, port_and_reader(self, 128, &w, &r));
	ASSERT_EQ(100 * PK, write_seq(w, 0, 100));
	EXPECT_EQ(LKPORT_READ_MAX, read_seq(r, 0, 128 * PK));
	EXPECT_EQ(100 - LKPORT_READ_MAX, read_seq(r, LKPORT_READ_MAX, 128 * PK));
}

TEST_F(rw, lengths_that_are_not_whole_packets_are_refused)
{
	struct lkport_packet pk[9] = { 0 };
	int w, r;

	ASSERT_EQ(0, port_and_reader(self, 8, &w, &r));
	const size_t bad[] = { 0, 1, PK - 1, PK + 1, 2 * PK - 1, 9 * PK /* past capacity */ };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, write(w, pk, bad[i])) TH_LOG("write of %zu bytes", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("write of %zu bytes", bad[i]);
	}
	EXPECT_EQ(0, lkt_queued(r));
	ASSERT_EQ(PK, write(w, pk, PK));
	for (size_t len = 0; len < PK; len += PK - 1) {
		errno = 0;
		EXPECT_EQ(-1, read(r, pk, len));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(1, lkt_queued(r));
}

TEST_F(rw, neither_call_is_taken_where_it_has_no_meaning)
{
	struct lkport_packet pk = { 0 };
	int w, r, g;

	ASSERT_EQ(0, port_and_reader(self, 8, &w, &r));
	g = lkt_group_create(self->b.dev, &r, 1);
	ASSERT_LE(0, g);
	ASSERT_EQ(PK, write(w, &pk, PK));
	/* A group's packets carry the ctx of their port: LKPORT_IOC_READ. */
	errno = 0;
	EXPECT_EQ(-1, read(g, &pk, PK));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, write(r, &pk, PK));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, read(w, &pk, PK));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, read(self->b.dev, &pk, PK));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, lkt_queued(r));
	/* A closed port takes no more writes, as the ioctl says. */
	ASSERT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	errno = 0;
	EXPECT_EQ(-1, write(w, &pk, PK));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(1, lkt_queued(r));
}

TEST_F(rw, a_bad_buffer_fails_before_anything_moves)
{
	struct lkport_packet *ro;
	int w, r;

	ASSERT_EQ(0, port_and_reader(self, 8, &w, &r));
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	errno = 0;
	EXPECT_EQ(-1, write(w, (void *)8, PK));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, lkt_queued(r));
	ASSERT_EQ(2 * PK, write_seq(w, 40, 2));
	/* Neither an unmapped nor a read-only buffer takes a packet. */
	errno = 0;
	EXPECT_EQ(-1, read(r, (void *)8, PK));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, read(r, ro, 2 * PK));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(2, lkt_queued(r));
	EXPECT_EQ(2, read_seq(r, 40, 2 * PK));
	munmap(ro, 4096);
}

TEST_F(rw, a_write_waits_for_room_in_every_ring)
{
	int w, r1, r2, wnb;
	pid_t pid;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 2, 0600, 0);
	ASSERT_LE(0, w);
	r1 = lkt_port_open(self->b.dev, self->name, 1);
	ASSERT_LE(0, r1);
	r2 = lkt_port_open(self->b.dev, self->name, 2);
	ASSERT_LE(0, r2);
	ASSERT_EQ(2 * PK, write_seq(w, 0, 2));
	EXPECT_EQ(2, read_seq(r1, 0, 2 * PK));
	/* r2 is full: nobody gets a write that cannot reach it. */
	wnb = dup(w);
	ASSERT_LE(0, wnb);
	ASSERT_EQ(0, set_nonblock(wnb));
	errno = 0;
	EXPECT_EQ(-1, write_seq(wnb, 2, 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, lkt_queued(r1));
	EXPECT_EQ(2, lkt_queued(r2));
	/* (O_NONBLOCK is the file's: the dup shares it.) */
	ASSERT_EQ(0, fcntl(w, F_SETFL, fcntl(w, F_GETFL) & ~O_NONBLOCK));

	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(write_seq(w, 2, 1) == PK ? 0 : 10 + errno);
	/* The writer waits for room, counted in INFO's waiters. */
	ASSERT_EQ(0, lkt_await_waiters(w, 1));
	EXPECT_EQ(0, lkt_queued(r1));
	EXPECT_EQ(1, read_seq(r2, 0, PK));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(1, read_seq(r1, 2, 2 * PK));
	EXPECT_EQ(2, read_seq(r2, 1, 2 * PK));
}

TEST_F(rw, a_read_waits_for_a_packet_and_ends_at_end_of_file)
{
	int w, r;
	pid_t pid;

	ASSERT_EQ(0, port_and_reader(self, 8, &w, &r));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(read_seq(r, 9, 4 * PK) == 1 ? 0 : 10);
	ASSERT_EQ(0, lkt_await_waiters(r, 1));
	ASSERT_EQ(PK, write_seq(w, 9, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));

	/* The last writer fd closes and destroys the port: what is queued
	 * is read first, then end of file, and again. */
	ASSERT_EQ(2 * PK, write_seq(w, 10, 2));
	ASSERT_EQ(0, close(w));
	EXPECT_EQ(2, read_seq(r, 10, 4 * PK));
	EXPECT_EQ(0, read_seq(r, 0, 4 * PK));
	EXPECT_EQ(0, read_seq(r, 0, PK));
	/* A reader blocked when the writer goes is woken to end of file. */
	ASSERT_EQ(0, port_and_reader(self, 8, &w, &r));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(w);	/* the parent's is the last writer fd */
		_exit(read_seq(r, 0, PK) == 0 ? 0 : 10);
	}
	ASSERT_EQ(0, lkt_await_waiters(r, 1));
	ASSERT_EQ(0, close(w));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = 1;
}

/* In a child: blocks in read(2) on r with a SIGUSR1 handler, restarting
 * or not; the exit code tells what read returned. */
static int blocked_read(int r, bool restart)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = restart ? SA_RESTART : 0 };
	ssize_t n;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 20;
	n = read_seq(r, 3, PK);
	if (!got_signal)
		return 21;
	if (restart)
		return n == 1 ? 0 : 22;
	return n == -1 && errno == EINTR ? 0 : 23;
}

TEST_F(rw, a_signal_interrupts_a_read_or_restarts_it)
{
	int w, r;

	ASSERT_EQ(0, port_and_reader(self, 8, &w, &r));
	for (int restart = 0; restart <= 1; restart++) {
		pid_t pid = lkt_fork(&self->b.kids);

		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(blocked_read(r, restart));
		ASSERT_EQ(0, lkt_await_waiters(r, 1));
		ASSERT_EQ(0, kill(pid, SIGUSR1));
		if (restart) {
			/* Back to waiting after the handler, then the packet. */
			lkt_sleep_us(20000);
			ASSERT_EQ(0, lkt_await_waiters(r, 1));
			ASSERT_EQ(PK, write_seq(w, 3, 1));
		}
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS)) TH_LOG("restart %d", restart);
	}
	EXPECT_EQ(0, lkt_queued(r));
}

static ssize_t ev_write(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v));
}

/* read(2) of an event: 8 with *v set, or -1 (errno). */
static ssize_t ev_read(int fd, uint64_t *v)
{
	*v = 77;
	return read(fd, v, sizeof(*v));
}

TEST_F(rw, an_event_is_read_and_written_as_an_eventfd)
{
	uint64_t v;
	int e, keep;

	e = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, set_nonblock(e));
	errno = 0;
	EXPECT_EQ(-1, ev_read(e, &v));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(8, ev_write(e, 1));
	EXPECT_EQ(8, ev_read(e, &v));
	EXPECT_EQ(1, v);
	/* AUTOUNSIGNAL: the read took it. */
	errno = 0;
	EXPECT_EQ(-1, ev_read(e, &v));
	EXPECT_EQ(EAGAIN, errno);
	/* Only the 8 bytes of 1, and room for them. */
	errno = 0;
	EXPECT_EQ(-1, ev_write(e, 2));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, write(e, &v, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(e, 0));	/* nothing was signalled */
	EXPECT_EQ(8, ev_write(e, 1));
	errno = 0;
	EXPECT_EQ(-1, read(e, &v, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, lkt_event_wait(e, 0));

	/* Without AUTOUNSIGNAL it stays signalled, read after read. */
	LKT_NAME(self->name, "keep");
	keep = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, keep);
	EXPECT_EQ(8, ev_write(keep, 1));
	EXPECT_EQ(8, ev_read(keep, &v));
	EXPECT_EQ(8, ev_read(keep, &v));
	ASSERT_EQ(0, lkt_event_unsignal(keep));
	ASSERT_EQ(0, set_nonblock(keep));
	errno = 0;
	EXPECT_EQ(-1, ev_read(keep, &v));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(rw, an_event_read_keeps_the_ioctls_rules)
{
	uint64_t *ro, v;
	int e, waiter, signaller;
	pid_t pid;

	e = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, e);
	waiter = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, waiter);
	signaller = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, signaller);
	/* Read to wait, write to signal. */
	errno = 0;
	EXPECT_EQ(-1, ev_write(waiter, 1));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, ev_read(signaller, &v));
	EXPECT_EQ(EBADF, errno);

	/* A blocked read is released by a write. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ev_read(waiter, &v) == 8 && v == 1 ? 0 : 10);
	ASSERT_EQ(0, lkt_await_waiters(e, 1));
	EXPECT_EQ(8, ev_write(signaller, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));

	/* A buffer it cannot fill fails before the signal is taken. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(8, ev_write(e, 1));
	errno = 0;
	EXPECT_EQ(-1, read(e, ro, 8));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, write(e, (void *)8, 8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, lkt_event_wait(e, 0));
	munmap(ro, 4096);

	/* Destroy ends a blocked read, and every later one, with EIDRM. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ev_read(waiter, &v) == -1 && errno == EIDRM ? 0 : 10);
	ASSERT_EQ(0, lkt_await_waiters(e, 1));
	ASSERT_EQ(0, lkport_ioctl(e, LKPORT_IOC_EVENT_DESTROY, NULL));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	errno = 0;
	EXPECT_EQ(-1, ev_write(e, 1));
	EXPECT_EQ(EIDRM, errno);
}

TEST_HARNESS_MAIN
