// SPDX-License-Identifier: GPL-2.0
/*
 * Mapped read rings (ABI 1.7): mmap of a read port fd, packets taken from
 * the map without a system call, LKPORT_IOC_RING_SYNC for a group and a
 * writer waiting for room, what mmap refuses, a scribbled head breaking
 * only its own ring, what close keeps, and a mapping that outlives its fd.
 */
#include <sys/epoll.h>
#include <sys/mman.h>

#include "lkport_test.h"

FIXTURE(map) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(map)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "map");
}

FIXTURE_TEARDOWN(map)
{
	lkt_base_teardown(_metadata, &self->b);
}

static struct lkport_ring *map_ring(int fd, __u32 capacity)
{
	void *p = mmap(NULL, LKPORT_RING_BYTES(capacity), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap_ring(struct lkport_ring *r, __u32 capacity)
{
	munmap(r, LKPORT_RING_BYTES(capacity));
}

/* A port of `capacity` with one read port (ctx) on it, its ring mapped:
 * NULL, and *w / *r negative, when a step fails. */
static struct lkport_ring *mapped_reader(FIXTURE_DATA(map) *self, __u32 capacity, __u64 ctx,
					 int *w, int *r)
{
	*r = -1;
	*w = lkt_port_create(self->b.dev, self->name, 0, capacity, 0600, 0);
	if (*w < 0)
		return NULL;
	*r = lkt_port_open(self->b.dev, self->name, ctx);
	return *r < 0 ? NULL : map_ring(*r, capacity);
}

/* A port of 8 with two readers, `bad` mapped (its ring returned), `good`
 * not; NULL on a failure, with what was made in the fds (-1 otherwise). */
static struct lkport_ring *bad_and_good(FIXTURE_DATA(map) *self, int *w, int *bad, int *good)
{
	*bad = *good = -1;
	*w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	if (*w < 0)
		return NULL;
	*bad = lkt_port_open(self->b.dev, self->name, 0);
	*good = lkt_port_open(self->b.dev, self->name, 0);
	return *bad < 0 || *good < 0 ? NULL : map_ring(*bad, 8);
}

/* Takes up to max packets from the map as a reader does (copy, then swap
 * head), their sequence numbers in seq[]; syncs when the flags ask. The
 * count, or -EPROTO for a ring out of range. */
static int take(int fd, struct lkport_ring *r, uint64_t *seq, __u32 max)
{
	__u32 h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), t, q, n;

	for (;;) {
		t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		q = t - h;
		if (q > r->mask + 1) {
			__u32 again = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

			if (again == h)
				return -EPROTO;
			h = again;
			continue;
		}
		n = q < max ? q : max;
		if (n == 0)
			return 0;
		for (__u32 i = 0; i < n; i++)
			seq[i] = lkt_seq(r->packets[(h + i) & r->mask].data);
		if (__atomic_compare_exchange_n(&r->head, &h, h + n, false, __ATOMIC_SEQ_CST,
						__ATOMIC_ACQUIRE))
			break;
	}
	if (__atomic_load_n(&r->flags, __ATOMIC_SEQ_CST) && fd >= 0 &&
	    lkport_ioctl(fd, LKPORT_IOC_RING_SYNC, NULL))
		return -EIO;
	return n;
}

TEST_F(map, ring_shows_what_is_queued_and_takes_need_no_call)
{
	struct lkport_version v = { 0 };
	struct lkport_ring *ring;
	uint64_t seq[8];
	int w, r;

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & LKPORT_FEATURE_MAP_RING);
	EXPECT_LE(7, v.abi_minor);
	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_write_seq(w, 1, 3));	/* before any reader */
	r = lkt_port_open(self->b.dev, self->name, 0x55);
	ASSERT_LE(0, r);
	ring = map_ring(r, 8);
	ASSERT_NE(NULL, ring) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(7, ring->mask);
	EXPECT_EQ(0x55, ring->ctx);
	EXPECT_EQ(3, ring->tail - ring->head);
	/* A second mapping is the same ring. */
	struct lkport_ring *again = map_ring(r, 8);

	ASSERT_NE(NULL, again);
	EXPECT_EQ(2, take(r, again, seq, 2));
	EXPECT_EQ(1, seq[0]);
	EXPECT_EQ(2, seq[1]);
	EXPECT_EQ(ring->head, again->head);
	unmap_ring(again, 8);
	/* The kernel sees the take at once: INFO, poll, and its own read. */
	EXPECT_EQ(1, lkt_queued(r));
	EXPECT_EQ(POLLIN, lkt_revents(r) & POLLIN);
	ASSERT_EQ(0, lkt_read_one(r, LKPORT_IOC_READ, 0, &seq[0], NULL));
	EXPECT_EQ(3, seq[0]);
	EXPECT_EQ(ring->tail, ring->head);
	EXPECT_EQ(0, lkt_revents(r) & POLLIN);
	/* And the room: a full ring emptied by the map takes a whole write. */
	ASSERT_EQ(0, lkt_write_seq(w, 10, 8));
	EXPECT_EQ(1, lkt_write_seq(w, 18, 1));	/* one reader skipped */
	EXPECT_EQ(8, take(r, ring, seq, 8));
	EXPECT_EQ(10, seq[0]);
	EXPECT_EQ(17, seq[7]);
	EXPECT_EQ(0, lkt_write_seq(w, 18, 8));
	EXPECT_EQ(0, ring->flags);
	unmap_ring(ring, 8);
	close(r);
	close(w);
}

TEST_F(map, mmap_refuses_what_it_cannot_give)
{
	long page = sysconf(_SC_PAGESIZE);
	int w, r, g;
	void *p;

	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	g = lkt_group_create(self->b.dev, NULL, 0);
	ASSERT_LE(0, g);
	/* An offset, a private copy, past the ring, exec. */
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, r, page);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, r, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, r, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_SHARED, r, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	/* No ring of its own. */
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, g, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	/* The sync is a read port's; the kick, a write port's (whose mmap
	 * is its write ring, ABI 1.10). */
	EXPECT_EQ(-ENOTTY, lkport_ioctl(w, LKPORT_IOC_RING_SYNC, NULL));
	EXPECT_EQ(-ENOTTY, lkport_ioctl(r, LKPORT_IOC_WRING_KICK, NULL));
	EXPECT_EQ(0, lkport_ioctl(r, LKPORT_IOC_RING_SYNC, NULL));	/* nothing to tell */
	/* A read-only mapping may look, and cannot grow. */
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, r, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, page, 2 * page, MREMAP_MAYMOVE));
	munmap(p, page);
	/* Nothing was lost on the way. */
	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_READ, 0, NULL, NULL));
	close(g);
	close(r);
	close(w);
}

TEST_F(map, a_writer_waiting_for_room_is_paced_by_map_takes)
{
	enum { N = 300 };
	struct lkport_ring *ring;
	uint64_t seq[4], want = 1;
	pid_t pid;
	int w, r;

	ring = mapped_reader(self, 4, 0, &w, &r);
	ASSERT_NE(NULL, ring) TH_LOG("port, reader or mmap: %s", strerror(errno));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Waiting writes of 2: nothing skipped, in order. */
		for (uint64_t s = 1; s <= N; s += 2) {
			struct lkport_packet pk[2];
			struct lkport_port_write pw = {
				.packets = (uintptr_t)pk, .count = 2, .flags = LKPORT_WRITE_WAIT,
				.deadline_ns = lkt_after_ms(LKT_SANITY_MS),
			};

			lkt_packet(&pk[0], s);
			lkt_packet(&pk[1], s + 1);
			if (lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, &pw) || pw.delivered != 1)
				_exit(10);
		}
		_exit(0);
	}
	while (want <= N) {
		int n = take(r, ring, seq, 4);

		ASSERT_LE(0, n);
		if (n == 0) {
			/* Empty: wait in the kernel, which takes from the map too. */
			ASSERT_EQ(0, lkt_read_one(r, LKPORT_IOC_READ, lkt_after_ms(LKT_SANITY_MS),
						  &seq[0], NULL));
			n = 1;
		}
		for (int i = 0; i < n; i++)
			ASSERT_EQ(want++, seq[i]);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	unmap_ring(ring, 4);
	close(r);
	close(w);
}

TEST_F(map, a_write_port_poller_learns_of_map_takes_through_ring_sync)
{
	struct epoll_event ev = { .events = EPOLLOUT }, got;
	struct lkport_ring *ring;
	uint64_t seq[2];
	int w, r, ep;

	ring = mapped_reader(self, 2, 0, &w, &r);
	ASSERT_NE(NULL, ring) TH_LOG("port, reader or mmap: %s", strerror(errno));
	ASSERT_EQ(0, lkt_write_seq(w, 1, 2));
	EXPECT_EQ(0, ring->flags);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, w, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	/* The poll found no room and asked the reader to tell of its takes. */
	EXPECT_EQ(LKPORT_RING_SYNC_ROOM, ring->flags);
	/* A take wakes nobody until the reader tells... */
	ASSERT_EQ(1, take(-1, ring, seq, 1));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));
	/* ...though a poll that looks reads the ring's head itself. */
	EXPECT_EQ(POLLOUT, lkt_revents(w));
	ASSERT_EQ(0, lkport_ioctl(r, LKPORT_IOC_RING_SYNC, NULL));
	ASSERT_EQ(1, epoll_wait(ep, &got, 1, LKT_SANITY_MS));
	EXPECT_EQ(EPOLLOUT, got.events);
	EXPECT_EQ(0, ring->flags);
	close(ep);
	unmap_ring(ring, 2);
	close(r);
	close(w);
}

TEST_F(map, a_grouped_member_syncs_its_group)
{
	struct lkport_ring *ring;
	struct lkport_result res;
	uint64_t seq;
	__u32 count;
	int w, r, g;

	ring = mapped_reader(self, 8, 7, &w, &r);
	ASSERT_NE(NULL, ring) TH_LOG("port, reader or mmap: %s", strerror(errno));
	EXPECT_EQ(0, ring->flags);
	g = lkt_group_create(self->b.dev, &r, 1);
	ASSERT_LE(0, g);
	EXPECT_EQ(LKPORT_RING_SYNC_GROUP, ring->flags);
	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	EXPECT_EQ(POLLIN, lkt_revents(g) & POLLIN);
	EXPECT_EQ(1, take(r, ring, &seq, 1));	/* and the sync it asks for */
	EXPECT_EQ(1, seq);
	EXPECT_EQ(0, lkt_revents(g) & POLLIN);
	EXPECT_EQ(-ETIMEDOUT, lkt_group_read(g, 0, &res, 1, &count));
	/* A group read takes from the map. */
	ASSERT_EQ(0, lkt_write_seq(w, 2, 1));
	ASSERT_EQ(0, lkt_group_read(g, 0, &res, 1, &count));
	EXPECT_EQ(2, lkt_seq(res.data));
	EXPECT_EQ(7, res.ctx);
	EXPECT_EQ(ring->tail, ring->head);
	ASSERT_EQ(0, lkt_group_remove(g, r));
	EXPECT_EQ(0, ring->flags);
	unmap_ring(ring, 8);
	close(g);
	close(r);
	close(w);
}

TEST_F(map, a_scribbled_head_breaks_only_that_reader)
{
	struct lkport_ring *ring;
	__u32 delivered, skipped, tail;
	struct lkport_info info;
	struct lkport_packet pk;
	uint64_t seq;
	int w, bad, good;

	ring = bad_and_good(self, &w, &bad, &good);
	ASSERT_NE(NULL, ring) TH_LOG("port, readers or mmap: %s", strerror(errno));
	ASSERT_EQ(0, lkt_write_seq(w, 1, 2));
	tail = ring->tail;
	ring->head = tail + 1;
	EXPECT_EQ(-EPROTO, lkt_read_one(bad, LKPORT_IOC_READ, 0, NULL, NULL));
	EXPECT_EQ(-EPROTO, lkt_read_one(bad, LKPORT_IOC_READ, lkt_after_ms(LKT_SANITY_MS), NULL, NULL));
	EXPECT_EQ(POLLIN, lkt_revents(bad) & POLLIN);
	EXPECT_EQ(0, lkt_queued(bad));
	ASSERT_EQ(0, lkt_info(bad, &info));
	EXPECT_EQ(LKPORT_STATE_BROKEN, info.state & LKPORT_STATE_BROKEN);
	ASSERT_EQ(0, lkt_info(good, &info));
	EXPECT_EQ(0, info.state & LKPORT_STATE_BROKEN);
	EXPECT_EQ(-EPROTO, take(-1, ring, &seq, 1));
	lkt_packet(&pk, 3);
	EXPECT_EQ(1, lkt_write(w, &pk, 1, &delivered, &skipped));
	EXPECT_EQ(1, delivered);
	EXPECT_EQ(1, skipped);
	EXPECT_EQ(tail, ring->tail);	/* the kernel's tail never moved */
	EXPECT_EQ(3, lkt_queued(good));
	ASSERT_EQ(0, lkt_read_one(good, LKPORT_IOC_READ, 0, &seq, NULL));
	EXPECT_EQ(1, seq);
	/* Back in range, it works again. */
	ring->head = tail;
	ASSERT_EQ(0, lkt_write_seq(w, 4, 1));
	ASSERT_EQ(0, lkt_read_one(bad, LKPORT_IOC_READ, 0, &seq, NULL));
	EXPECT_EQ(4, seq);
	unmap_ring(ring, 8);
	close(good);
	close(bad);
	close(w);
}

TEST_F(map, a_broken_reader_does_not_stall_write2)
{
	struct lkport_packet pk[8];
	struct lkport_ring *ring;
	uint64_t seq;
	int w, bad, good, i;

	ring = bad_and_good(self, &w, &bad, &good);
	ASSERT_NE(NULL, ring) TH_LOG("port, readers or mmap: %s", strerror(errno));
	ring->head = ring->tail + 1;
	/* A back-pressure write skips the broken ring, as every write does,
	 * rather than wait for room there that never comes. */
	ASSERT_EQ(0, fcntl(w, F_SETFL, O_NONBLOCK));
	lkt_packet(&pk[0], 1);
	EXPECT_EQ(sizeof(pk[0]), write(w, pk, sizeof(pk[0])));
	for (i = 0; i < 7; i++)
		lkt_packet(&pk[i], 2 + i);
	EXPECT_EQ(7 * sizeof(pk[0]), write(w, pk, 7 * sizeof(pk[0])));
	/* Now the good ring is full: that one holds the writer back. */
	EXPECT_EQ(-1, write(w, pk, sizeof(pk[0])));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, lkt_read_one(good, LKPORT_IOC_READ, 0, &seq, NULL));
	EXPECT_EQ(1, seq);
	ASSERT_EQ(0, fcntl(w, F_SETFL, 0));
	EXPECT_EQ(sizeof(pk[0]), write(w, pk, sizeof(pk[0])));
	EXPECT_EQ(8, lkt_queued(good));
	unmap_ring(ring, 8);
	close(good);
	close(bad);
	close(w);
}

TEST_F(map, close_drops_what_the_map_could_have_forged)
{
	struct lkport_ring *ring;
	uint64_t seq;
	int w, r;

	ring = mapped_reader(self, 8, 0, &w, &r);
	ASSERT_NE(NULL, ring) TH_LOG("port, reader or mmap: %s", strerror(errno));
	ASSERT_EQ(0, lkt_write_seq(w, 1, 2));
	/* Forge a packet and move head back over it. */
	lkt_packet(&ring->packets[7], 666);
	ring->head = ring->tail - 3;
	unmap_ring(ring, 8);
	close(r);	/* the last reader: its ring goes back to the port */
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, lkt_queued(r));
	ASSERT_EQ(0, lkt_write_seq(w, 5, 1));
	ASSERT_EQ(0, lkt_read_one(r, LKPORT_IOC_READ, 0, &seq, NULL));
	EXPECT_EQ(5, seq);
	EXPECT_EQ(-ETIMEDOUT, lkt_read_one(r, LKPORT_IOC_READ, 0, NULL, NULL));
	close(r);
	close(w);
}

TEST_F(map, the_mapping_keeps_the_reader_until_it_goes)
{
	struct lkport_ring *ring;
	struct lkport_info info;
	uint64_t seq;
	int w, r;

	ring = mapped_reader(self, 8, 0, &w, &r);
	ASSERT_NE(NULL, ring) TH_LOG("port, reader or mmap: %s", strerror(errno));
	close(r);
	/* The mapping holds the read port: it still gets every write. */
	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(0, info.queued);	/* not the writer's own ring */
	EXPECT_EQ(1, take(-1, ring, &seq, 1));
	EXPECT_EQ(1, seq);
	unmap_ring(ring, 8);
	/* Gone with the mapping: writes fill the writer's own ring again. */
	ASSERT_EQ(0, lkt_write_seq(w, 2, 1));
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(1, info.queued);
	close(w);
}

TEST_HARNESS_MAIN
