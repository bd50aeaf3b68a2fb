// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt sources: virtual interrupts (anywhere) and QEMU's edu PCI
 * devices (in lkport's VM: slots 4 and 8 share one INTx line) bound to the
 * lkport PCI driver. Records and their counts, timestamps against the
 * caller's clock, coalescing and acks, delivery to ports, events, groups
 * and epoll, teardown under blocked readers, and every refused input.
 *
 * LKPORT_IRQ_STORM_SECONDS (default 10) sets the storm test's length.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <poll.h>

#include <lkport/device.h>
#include <lkport/lk.h>

#include "lkport_test.h"

/* ---- helpers ------------------------------------------------------------------- */

static int irq_create(int dev, __u32 source, __u32 mode, __u32 flags, const char *device)
{
	struct lkport_irq_create c = {
		.source = source, .mode = mode, .flags = flags, .fd_flags = O_CLOEXEC,
	};

	if (device)
		snprintf(c.device, sizeof(c.device), "%s", device);
	return lkport_ioctl(dev, LKPORT_IOC_IRQ_CREATE, &c);
}

static int irq_wait(int fd, __u64 deadline_ns, struct lkport_irq_record *rec)
{
	struct lkport_irq_wait w = { .deadline_ns = deadline_ns };
	int r = lkport_ioctl(fd, LKPORT_IOC_IRQ_WAIT, &w);

	if (rec)
		*rec = w.record;
	return r;
}

static int irq_ack(int fd)
{
	return lkport_ioctl(fd, LKPORT_IOC_IRQ_ACK, NULL);
}

static int irq_trigger(int fd)
{
	return lkport_ioctl(fd, LKPORT_IOC_IRQ_TRIGGER, NULL);
}

static int irq_bind(int fd, int target)
{
	struct lkport_irq_bind b = { .fd = target };

	return lkport_ioctl(fd, LKPORT_IOC_IRQ_BIND, &b);
}

static int irq_info(int fd, struct lkport_irq_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	return lkport_ioctl(fd, LKPORT_IOC_IRQ_INFO, info);
}

/* Waits (bounded) until the source has taken `raised` interrupts. */
static int irq_await_raised(int fd, __u64 raised)
{
	uint64_t end = lkt_after_ms(LKT_SANITY_MS);
	struct lkport_irq_info info;

	for (;;) {
		if (irq_info(fd, &info))
			return -EIO;
		if (info.raised >= raised)
			return info.raised == raised ? 0 : -EOVERFLOW;
		if (lkt_now() > end)
			return -ETIMEDOUT;
		lkt_sleep_us(200);
	}
}

/* raised = delivered + coalesced + pending: nothing lost. */
#define EXPECT_IRQ_BALANCED(info)                                                       \
	EXPECT_EQ((info).raised, (info).delivered + (info).coalesced + (info).pending)

/* ---- virtual sources ---------------------------------------------------------- */

FIXTURE(irq) {
	struct lkt_base b;
	int fd;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(irq)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "irq");
	if (geteuid() != 0)
		SKIP(return, "interrupt sources need CAP_SYS_ADMIN");
	self->fd = irq_create(self->b.dev, LKPORT_IRQ_VIRTUAL, 0, 0, NULL);
	ASSERT_LE(0, self->fd) TH_LOG("create: %s", strerror(-self->fd));
}

FIXTURE_TEARDOWN(irq)
{
	lkt_base_teardown(_metadata, &self->b);
}

TEST_F(irq, trigger_delivers_one_stamped_record)
{
	struct lkport_irq_record rec;
	struct lkport_irq_info info;
	uint64_t before, after;

	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(LKPORT_IRQ_VIRTUAL, info.source);
	EXPECT_EQ(0, info.raised);
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(0, info.linux_irq);
	EXPECT_EQ(-ETIMEDOUT, irq_wait(self->fd, 0, &rec));

	before = lkt_now();
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_wait(self->fd, lkt_after_ms(LKT_SANITY_MS), &rec));
	after = lkt_now();
	EXPECT_LE(before, rec.timestamp_ns);
	EXPECT_GE(after, rec.timestamp_ns);
	EXPECT_EQ(1, rec.seq);
	EXPECT_EQ(1, rec.count);
	EXPECT_EQ(info.source_id, rec.source_id);
	EXPECT_EQ(0, rec.reserved);

	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(1, info.raised);
	EXPECT_EQ(1, info.delivered);
	EXPECT_EQ(0, info.coalesced);
	EXPECT_EQ(LKPORT_IRQ_STATE_TAKEN, info.state);
	EXPECT_EQ(0, irq_ack(self->fd));
	EXPECT_EQ(-EINVAL, irq_ack(self->fd)) TH_LOG("a second ack has nothing to ack");
}

TEST_F(irq, unacked_raises_coalesce_into_one_record)
{
	const int n = 25;
	struct lkport_irq_record rec;
	struct lkport_irq_info info;

	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_await_raised(self->fd, n));
	ASSERT_EQ(0, irq_wait(self->fd, 0, &rec));
	EXPECT_EQ(1, rec.seq);
	EXPECT_EQ(n, rec.count);
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(n, info.raised);
	EXPECT_EQ(1, info.delivered);
	EXPECT_EQ(n - 1, info.coalesced);
	EXPECT_IRQ_BALANCED(info);

	/* Taken, not acked: the next raises wait for the ack. */
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_await_raised(self->fd, n + 2));
	EXPECT_EQ(-ETIMEDOUT, irq_wait(self->fd, 0, NULL));
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(2, info.pending);
	EXPECT_IRQ_BALANCED(info);
	ASSERT_EQ(0, irq_ack(self->fd));
	ASSERT_EQ(0, irq_wait(self->fd, 0, &rec));
	EXPECT_EQ(n + 1, rec.seq) TH_LOG("records follow each other without a gap");
	EXPECT_EQ(2, rec.count);
	ASSERT_EQ(0, irq_ack(self->fd));
}

TEST_F(irq, each_acked_raise_is_one_record)
{
	const int n = 200;
	struct lkport_irq_record rec;
	struct lkport_irq_info info;

	for (int i = 1; i <= n; i++) {
		ASSERT_EQ(0, irq_trigger(self->fd));
		ASSERT_EQ(0, irq_wait(self->fd, lkt_after_ms(LKT_SANITY_MS), &rec));
		ASSERT_EQ(i, rec.seq);
		ASSERT_EQ(1, rec.count);
		ASSERT_EQ(0, irq_ack(self->fd));
	}
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(n, info.raised);
	EXPECT_EQ(n, info.delivered);
	EXPECT_EQ(n, info.acked);
	EXPECT_EQ(0, info.coalesced);
	EXPECT_EQ(0, info.pending);
	EXPECT_EQ(0, info.state);
}

TEST_F(irq, read_returns_the_record_and_poll_says_when)
{
	struct lkport_irq_record rec;
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	uint64_t before = lkt_now();
	char small[8];

	EXPECT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(1, poll(&p, 1, LKT_SANITY_MS));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_EQ(-1, read(self->fd, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(sizeof(rec), read(self->fd, &rec, sizeof(rec)));
	EXPECT_LE(before, rec.timestamp_ns);
	EXPECT_EQ(1, rec.seq);
	EXPECT_EQ(0, poll(&p, 1, 0)) TH_LOG("taken: nothing more to read");
	ASSERT_EQ(0, irq_ack(self->fd));
}

TEST_F(irq, auto_ack_needs_no_ack)
{
	struct lkport_irq_record rec;
	int fd = irq_create(self->b.dev, LKPORT_IRQ_VIRTUAL, 0, LKPORT_IRQ_AUTO_ACK, NULL);

	ASSERT_LE(0, fd);
	for (int i = 1; i <= 5; i++) {
		ASSERT_EQ(0, irq_trigger(fd));
		ASSERT_EQ(0, irq_wait(fd, lkt_after_ms(LKT_SANITY_MS), &rec));
		EXPECT_EQ(i, rec.seq);
		EXPECT_EQ(1, rec.count);
	}
	EXPECT_EQ(-EINVAL, irq_ack(fd));
	close(fd);
}

struct storm_arg {
	int fd;
	int n;
};

static void *trigger_thread(void *p)
{
	struct storm_arg *a = p;

	for (int i = 0; i < a->n; i++)
		if (irq_trigger(a->fd))
			return (void *)1;
	return NULL;
}

TEST_F(irq, triggers_from_many_threads_are_counted_exactly)
{
	enum { THREADS = 4, EACH = 2500 };
	struct storm_arg a = { .fd = self->fd, .n = EACH };
	pthread_t t[THREADS];
	struct lkport_irq_record rec;
	struct lkport_irq_info info;
	__u64 total = 0, next_seq = 1;
	void *res;

	for (int i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, trigger_thread, &a));
	/* Read and ack while they raise: every record follows the last. */
	while (total < THREADS * EACH) {
		ASSERT_EQ(0, irq_wait(self->fd, lkt_after_ms(LKT_SANITY_MS), &rec))
			TH_LOG("after %llu of %d", (unsigned long long)total, THREADS * EACH);
		ASSERT_EQ(next_seq, rec.seq);
		ASSERT_LE(1, rec.count);
		total += rec.count;
		next_seq += rec.count;
		ASSERT_EQ(0, irq_ack(self->fd));
	}
	for (int i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &res));
		EXPECT_EQ(NULL, res);
	}
	EXPECT_EQ(THREADS * EACH, total);
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(THREADS * EACH, info.raised);
	EXPECT_EQ(0, info.pending);
	EXPECT_IRQ_BALANCED(info);
	EXPECT_EQ(info.delivered, info.acked);
}

TEST_F(irq, bound_port_gets_one_packet_per_record)
{
	struct lkport_irq_record rec;
	struct lkport_irq_packet pk;
	struct lkport_irq_info info;
	struct lkport_result res;
	struct lkport_info pinfo;
	uint64_t before;
	__u32 count;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 8, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 77);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, irq_bind(self->fd, w));
	ASSERT_EQ(0, irq_info(self->fd, &info));
	ASSERT_EQ(0, lkt_info(w, &pinfo));
	EXPECT_EQ(LKPORT_KIND_WRITE_PORT, info.target_kind);
	EXPECT_EQ(pinfo.id, info.target_id);

	before = lkt_now();
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, lkt_read(r, lkt_after_ms(LKT_SANITY_MS), &res, 1, &count));
	ASSERT_EQ(1, count);
	EXPECT_EQ(77, res.ctx);
	memcpy(&pk, res.data, sizeof(pk));
	EXPECT_LE(before, pk.timestamp_ns);
	EXPECT_GE(lkt_now(), pk.timestamp_ns);
	EXPECT_EQ(1, pk.seq);
	EXPECT_EQ(1, pk.count);
	/* The same record, once, from the source's fd. */
	ASSERT_EQ(0, irq_wait(self->fd, 0, &rec));
	EXPECT_EQ(pk.timestamp_ns, rec.timestamp_ns);
	EXPECT_EQ(1, rec.seq);
	EXPECT_EQ(-ETIMEDOUT, irq_wait(self->fd, 0, &rec));

	/* Not acked: the next raise waits for the ack, which releases it. */
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_await_raised(self->fd, 2));
	EXPECT_EQ(-ETIMEDOUT, lkt_read(r, 0, &res, 1, &count));
	ASSERT_EQ(0, irq_ack(self->fd));
	ASSERT_EQ(0, lkt_read(r, lkt_after_ms(LKT_SANITY_MS), &res, 1, &count));
	memcpy(&pk, res.data, sizeof(pk));
	EXPECT_EQ(2, pk.seq);
	EXPECT_EQ(1, pk.count);
	ASSERT_EQ(0, irq_ack(self->fd));
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(2, info.delivered);
	EXPECT_EQ(2, info.acked);

	ASSERT_EQ(0, irq_bind(self->fd, -1));
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(0, info.target_kind);
	close(r);
	close(w);
}

TEST_F(irq, full_port_refuses_and_the_record_waits)
{
	struct lkport_irq_info info;
	struct lkport_irq_packet pk;
	struct lkport_result res[8];
	__u32 count;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 8, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 1);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, lkt_write_seq(w, 100, 8));	/* the reader's ring is full */
	ASSERT_EQ(0, irq_bind(self->fd, w));
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_await_raised(self->fd, 1));
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(1, info.refused);
	EXPECT_EQ(0, info.delivered);
	EXPECT_EQ(1, info.pending);
	EXPECT_EQ(LKPORT_IRQ_STATE_OPEN, info.state);

	ASSERT_EQ(0, lkt_read(r, 0, res, 8, &count));
	ASSERT_EQ(8, count);
	ASSERT_EQ(0, irq_trigger(self->fd));	/* offered again, with this one */
	ASSERT_EQ(0, lkt_read(r, lkt_after_ms(LKT_SANITY_MS), res, 1, &count));
	memcpy(&pk, res[0].data, sizeof(pk));
	EXPECT_EQ(1, pk.seq);
	EXPECT_EQ(2, pk.count);
	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(1, info.delivered);
	EXPECT_EQ(1, info.coalesced);
	EXPECT_IRQ_BALANCED(info);
	close(r);
	close(w);
}

TEST_F(irq, bound_event_is_signalled)
{
	struct lkport_irq_record rec;
	int ev, waiter;

	ev = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ev);
	waiter = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, waiter);
	EXPECT_EQ(-EBADF, irq_bind(self->fd, waiter)) TH_LOG("a wait-only event fd cannot signal");
	ASSERT_EQ(0, irq_bind(self->fd, ev));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(waiter, 0));
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, lkt_event_wait(waiter, lkt_after_ms(LKT_SANITY_MS)));
	ASSERT_EQ(0, irq_wait(self->fd, 0, &rec));
	EXPECT_EQ(1, rec.seq);
	ASSERT_EQ(0, irq_ack(self->fd));
	close(waiter);
	close(ev);
}

TEST_F(irq, one_group_wait_and_one_epoll_wait_cover_messages_events_and_irqs)
{
	char msgname[LKPORT_NAME_LEN], irqname[LKPORT_NAME_LEN];
	struct epoll_event ee[4];
	struct lkport_result res[4];
	int wmsg, rmsg, wirq, rirq, ev, group, ep, members[2];
	bool saw_msg = false, saw_irq = false, saw_event = false;
	__u32 count;
	pid_t pid;

	LKT_NAME(msgname, "msg");
	LKT_NAME(irqname, "ip");
	wmsg = lkt_port_create(self->b.dev, msgname, LKPORT_PORT_BROADCAST, 8, 0600, 0);
	wirq = lkt_port_create(self->b.dev, irqname, LKPORT_PORT_BROADCAST, 8, 0600, 0);
	ASSERT_LE(0, wmsg);
	ASSERT_LE(0, wirq);
	rmsg = lkt_port_open(self->b.dev, msgname, 1);
	rirq = lkt_port_open(self->b.dev, irqname, 2);
	ASSERT_LE(0, rmsg);
	ASSERT_LE(0, rirq);
	members[0] = rmsg;
	members[1] = rirq;
	group = lkt_group_create(self->b.dev, members, 2);
	ASSERT_LE(0, group);
	ASSERT_EQ(0, irq_bind(self->fd, wirq));

	/* A message from another process, and an interrupt. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(lkt_write_seq(wmsg, 5, 1) ? 1 : 0);
	ASSERT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_await_raised(self->fd, 1));
	ASSERT_EQ(0, lkt_group_read(group, lkt_after_ms(LKT_SANITY_MS), res, 4, &count));
	ASSERT_EQ(2, count) TH_LOG("one group read returns both");
	for (__u32 i = 0; i < count; i++) {
		saw_msg |= res[i].ctx == 1 && lkt_seq(res[i].data) == 5;
		saw_irq |= res[i].ctx == 2 && ((struct lkport_irq_packet *)res[i].data)->seq == 1;
	}
	EXPECT_TRUE(saw_msg);
	EXPECT_TRUE(saw_irq);
	ASSERT_EQ(0, irq_wait(self->fd, 0, NULL));
	ASSERT_EQ(0, irq_ack(self->fd));
	ASSERT_EQ(0, irq_bind(self->fd, -1));

	/* One epoll set: the message port, an event and the source's fd. */
	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ee[0] = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 1 };
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, rmsg, &ee[0]));
	ee[0] = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 2 };
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, ev, &ee[0]));
	ee[0] = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 3 };
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ee[0]));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(lkt_write_seq(wmsg, 6, 1) || lkt_event_signal(ev) < 0 ? 1 : 0);
	ASSERT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, irq_await_raised(self->fd, 2));
	ASSERT_EQ(3, epoll_wait(ep, ee, 4, LKT_SANITY_MS)) TH_LOG("one wait sees all three");
	saw_msg = saw_irq = saw_event = false;
	for (int i = 0; i < 3; i++) {
		saw_msg |= ee[i].data.u64 == 1;
		saw_event |= ee[i].data.u64 == 2;
		saw_irq |= ee[i].data.u64 == 3;
	}
	EXPECT_TRUE(saw_msg);
	EXPECT_TRUE(saw_event);
	EXPECT_TRUE(saw_irq);
	ASSERT_EQ(0, irq_wait(self->fd, 0, NULL));
	ASSERT_EQ(0, irq_ack(self->fd));
	close(ep);
	close(ev);
	close(group);
	close(rmsg);
	close(rirq);
	close(wmsg);
	close(wirq);
}

TEST_F(irq, refused_inputs_change_nothing)
{
	struct lkport_irq_create c = { .source = LKPORT_IRQ_VIRTUAL };
	struct lkport_irq_wait w = { .deadline_ns = 0, .flags = 1 };
	struct lkport_irq_bind b = { .fd = -1, .reserved = 1 };
	struct lkport_irq_info info;
	int p[2], wp;

	c.source = 7;
	EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_IRQ_CREATE, &c));
	c.source = LKPORT_IRQ_VIRTUAL;
	c.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_IRQ_CREATE, &c));
	c.reserved[1] = 0;
	c.flags = 1u << 9;
	EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_IRQ_CREATE, &c));
	c.flags = 0;
	c.mode = LKPORT_IRQ_MODE_MSI;
	EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_IRQ_CREATE, &c));
	EXPECT_EQ(-EINVAL, irq_create(self->b.dev, LKPORT_IRQ_PCI, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, irq_create(self->b.dev, LKPORT_IRQ_PCI, 3, 0, "0000:00:04.0"));
	EXPECT_EQ(-ENODEV, irq_create(self->b.dev, LKPORT_IRQ_PCI, 0, 0, "0000:ff:1f.7"));
	memset(c.device, 'a', sizeof(c.device));
	c.mode = 0;
	c.source = LKPORT_IRQ_PCI;
	EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_IRQ_CREATE, &c))
		TH_LOG("device name without its NUL");

	EXPECT_EQ(-EINVAL, lkport_ioctl(self->fd, LKPORT_IOC_IRQ_WAIT, &w));
	EXPECT_EQ(-EINVAL, lkport_ioctl(self->fd, LKPORT_IOC_IRQ_BIND, &b));
	EXPECT_EQ(-EBADF, irq_bind(self->fd, 1000));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	EXPECT_EQ(-EBADF, irq_bind(self->fd, p[1])) TH_LOG("not an lkport fd");
	EXPECT_EQ(-EBADF, irq_bind(self->fd, self->fd)) TH_LOG("a source is no target");
	wp = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 8, 0600, 0);
	ASSERT_LE(0, wp);
	ASSERT_EQ(0, lkport_ioctl(wp, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(-EPIPE, irq_bind(self->fd, wp)) TH_LOG("closed port");
	ASSERT_EQ(0, lkport_ioctl(wp, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-EPIPE, irq_bind(self->fd, wp)) TH_LOG("destroyed port");
	EXPECT_EQ(-ENOTTY, lkport_ioctl(self->fd, LKPORT_IOC_EVENT_SIGNAL, NULL));

	ASSERT_EQ(0, irq_info(self->fd, &info));
	EXPECT_EQ(0, info.raised);
	EXPECT_EQ(0, info.target_kind);
	EXPECT_EQ(0, info.state);
	for (size_t i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++)
		EXPECT_EQ(0, info.reserved[i]);
	EXPECT_EQ(0, info.reserved0);
	close(p[0]);
	close(p[1]);
	close(wp);
}

TEST_F(irq, unprivileged_create_is_eperm)
{
	struct lkt_stats before;
	pid_t pid;

	ASSERT_EQ(0, lkt_read_stats(&before));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(LKT_NOBODY) || setuid(LKT_NOBODY))
			_exit(2);
		_exit(irq_create(self->b.dev, LKPORT_IRQ_VIRTUAL, 0, 0, NULL) == -EPERM &&
		      irq_create(self->b.dev, LKPORT_IRQ_PCI, 0, 0, "0000:00:04.0") == -EPERM
		      ? 0 : 1);
	}
	ASSERT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_await_stats(&before));
}

static void on_signal(int sig)
{
}

struct blocked {
	int fd;
	atomic_int ret;
	atomic_bool started;
};

static void *blocked_reader(void *p)
{
	struct blocked *bl = p;

	atomic_store(&bl->started, true);
	atomic_store(&bl->ret, irq_wait(bl->fd, LKPORT_FOREVER, NULL));
	return NULL;
}

struct timed_waiter {
	int fd;
	atomic_int ret;
	atomic_bool started;
	struct lkport_irq_record rec;
};

static void *infinite_waiter(void *p)
{
	struct timed_waiter *tw = p;

	atomic_store(&tw->started, true);
	atomic_store(&tw->ret, lkport_irq_wait_timeout(tw->fd, LKPORT_IRQ_WAIT_INFINITE, &tw->rec));
	return NULL;
}

/* liblkport's relative form: 0 polls, a timeout ends the wait no sooner
 * than it says, a record is taken as by the deadline form, and
 * LKPORT_IRQ_WAIT_INFINITE waits until there is one. */
TEST_F(irq, wait_timeout_is_relative_to_the_call)
{
	struct timed_waiter tw = { .fd = self->fd, .ret = 1 };
	struct lkport_irq_record rec;
	uint64_t start;
	pthread_t t;

	EXPECT_EQ(LK_INFINITE_TIME, LKPORT_IRQ_WAIT_INFINITE);
	EXPECT_EQ(-ETIMEDOUT, lkport_irq_wait_timeout(self->fd, 0, &rec));
	EXPECT_EQ(-ETIMEDOUT, lkport_irq_wait_timeout(self->fd, 0, NULL));
	start = lkt_now();
	EXPECT_EQ(-ETIMEDOUT, lkport_irq_wait_timeout(self->fd, 30, &rec));
	EXPECT_LE(start + 30 * LKT_NS_PER_MS, lkt_now());

	ASSERT_EQ(0, irq_trigger(self->fd));
	memset(&rec, 0xa5, sizeof(rec));
	ASSERT_EQ(0, lkport_irq_wait_timeout(self->fd, LKT_SANITY_MS, &rec));
	EXPECT_EQ(1, rec.seq);
	EXPECT_EQ(1, rec.count);
	EXPECT_EQ(0, rec.reserved);
	EXPECT_LE(start, rec.timestamp_ns);
	/* Taken: nothing more until it is acked and raised again. */
	EXPECT_EQ(-ETIMEDOUT, lkport_irq_wait_timeout(self->fd, 0, &rec));
	ASSERT_EQ(0, irq_ack(self->fd));
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, lkport_irq_wait_timeout(self->fd, 0, &rec)) TH_LOG("0 takes an open record");
	EXPECT_EQ(2, rec.seq);
	ASSERT_EQ(0, irq_ack(self->fd));

	/* For ever: still blocked after a while, released by the next raise. */
	ASSERT_EQ(0, pthread_create(&t, NULL, infinite_waiter, &tw));
	while (!atomic_load(&tw.started))
		lkt_sleep_us(100);
	lkt_sleep_us(50000);
	EXPECT_EQ(1, atomic_load(&tw.ret)) TH_LOG("an infinite wait must not time out");
	ASSERT_EQ(0, irq_trigger(self->fd));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, atomic_load(&tw.ret));
	EXPECT_EQ(3, tw.rec.seq);
	EXPECT_EQ(0, irq_ack(self->fd));
	EXPECT_EQ(-EBADF, lkport_irq_wait_timeout(-1, 0, NULL));
}

TEST_F(irq, close_in_another_thread_mid_wait_then_signal)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct blocked bl = { .fd = self->fd, .ret = 1 };
	struct lkt_stats want = self->b.stats;
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_reader, &bl));
	while (!atomic_load(&bl.started))
		lkt_sleep_us(100);
	lkt_sleep_us(20000);
	ASSERT_EQ(0, close(self->fd));
	lkt_sleep_us(20000);
	EXPECT_EQ(1, atomic_load(&bl.ret)) TH_LOG("close does not end a wait in progress");
	ASSERT_EQ(0, pthread_kill(t, SIGUSR1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-EINTR, atomic_load(&bl.ret));
	/* The last reference went with the wait: the source is gone. */
	EXPECT_EQ(0, lkt_await_stats(&want));
	signal(SIGUSR1, SIG_DFL);
}

TEST_F(irq, sigkill_of_a_blocked_reader_frees_its_source)
{
	struct lkt_stats want = self->b.stats;
	pid_t pid;

	close(self->fd);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = irq_create(self->b.dev, LKPORT_IRQ_VIRTUAL, 0, 0, NULL);

		if (fd < 0)
			_exit(2);
		irq_wait(fd, LKPORT_FOREVER, NULL);
		_exit(3);
	}
	ASSERT_EQ(0, lkt_await_sleeping(pid));
	kill(pid, SIGKILL);
	ASSERT_EQ(128 + SIGKILL, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_await_stats(&want));
}

static void *listing_reader(void *p)
{
	volatile int *stop = p;
	char buf[4096];

	while (!*stop) {
		int fd = open("/sys/kernel/debug/lkport/objects", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return NULL;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	return NULL;
}

/* The debugfs listing shows each source's target: a source bound to an
 * event and closed while another thread reads the listing must leave it
 * first (the KASAN kernel reports the use after free otherwise). */
TEST_F(irq, listing_while_bound_sources_close)
{
	volatile int stop = 0;
	pthread_t reader;
	int ev, i;

	if (access("/sys/kernel/debug/lkport/objects", R_OK))
		SKIP(return, "no debugfs listing");
	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	ASSERT_EQ(0, pthread_create(&reader, NULL, listing_reader, (void *)&stop));
	for (i = 0; i < 300; i++) {
		int fd = irq_create(self->b.dev, LKPORT_IRQ_VIRTUAL, 0, 0, NULL);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, irq_bind(fd, ev));
		close(fd);
	}
	stop = 1;
	pthread_join(reader, NULL);
	close(ev);
}

/* ---- edu devices -------------------------------------------------------------- */

#define PCI_DIR "/sys/bus/pci/devices/"

static int sysfs_read_hex(const char *dev, const char *attr, unsigned int *v)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), PCI_DIR "%s/%s", dev, attr);
	if (lkt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	*v = strtoul(buf, NULL, 16);
	return 0;
}

/* The devices vendor:device, sorted by address; returns how many (at
 * most max). */
static int find_pci(unsigned int vendor, unsigned int device, char names[][16], int max)
{
	struct dirent **list;
	int n = scandir(PCI_DIR, &list, NULL, alphasort), found = 0;

	for (int i = 0; i < n; i++) {
		unsigned int v, d;

		if (found < max && !sysfs_read_hex(list[i]->d_name, "vendor", &v) &&
		    !sysfs_read_hex(list[i]->d_name, "device", &d) && v == vendor && d == device)
			snprintf(names[found++], 16, "%.15s", list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return found;
}

static int unbind_lkport(const char *dev)
{
	return lkt_write_file("/sys/bus/pci/drivers/lkport/unbind", dev);
}

/* Generous: a debug kernel under TCG is many times slower. */
#define EDU_TIMEOUT_S 600

/* Each fixture that binds devices to lkport puts them back in teardown
 * (driver_override cleared, reprobed): a device left bound would be
 * probed and removed again by every later insmod and rmmod. */
FIXTURE(edu) {
	struct lkt_base b;
	char dev[2][16];
	int bound;		/* how many of dev[] the setup bound */
};

FIXTURE_SETUP(edu)
{
	self->bound = 0;
	lkt_base_setup(_metadata, &self->b);
	if (geteuid() != 0)
		SKIP(return, "binding devices needs root");
	if (find_pci(0x1234, 0x11e8, self->dev, 2) < 2)
		SKIP(return, "needs two QEMU edu devices (lkport's VM has them)");
	ASSERT_EQ(0, lkport_pci_bind(self->dev[0]));
	self->bound = 1;
	ASSERT_EQ(0, lkport_pci_bind(self->dev[1]));
	self->bound = 2;
}

FIXTURE_TEARDOWN(edu)
{
	int i, err;

	lkt_base_teardown(_metadata, &self->b);
	for (i = 0; i < self->bound; i++) {
		err = lkport_pci_unbind(self->dev[i]);
		EXPECT_EQ(0, err) TH_LOG("unbind %s: %s", self->dev[i], strerror(-err));
	}
}

static void edu_one_by_one(struct __test_metadata *_metadata, int dev, const char *name,
			   __u32 mode)
{
	const int n = 100;
	struct lkport_irq_record rec;
	struct lkport_irq_info info;
	uint64_t before, after;
	int fd = irq_create(dev, LKPORT_IRQ_PCI, mode, 0, name);

	ASSERT_LE(0, fd) TH_LOG("create on %s: %s", name, strerror(-fd));
	ASSERT_EQ(0, irq_info(fd, &info));
	EXPECT_EQ(mode, info.mode);
	EXPECT_LT(0, info.linux_irq);
	EXPECT_STREQ(name, info.device);
	EXPECT_EQ(-EBUSY, irq_create(dev, LKPORT_IRQ_PCI, mode, 0, name)) TH_LOG("one source per device");
	for (int i = 1; i <= n; i++) {
		before = lkt_now();
		ASSERT_EQ(0, irq_trigger(fd));
		ASSERT_EQ(0, irq_wait(fd, lkt_after_ms(LKT_SANITY_MS), &rec));
		after = lkt_now();
		ASSERT_LE(before, rec.timestamp_ns);
		ASSERT_GE(after, rec.timestamp_ns);
		ASSERT_EQ(i, rec.seq);
		ASSERT_EQ(1, rec.count);
		ASSERT_EQ(0, irq_ack(fd));
	}
	ASSERT_EQ(0, irq_info(fd, &info));
	EXPECT_EQ(n, info.raised);
	EXPECT_EQ(n, info.delivered);
	EXPECT_EQ(n, info.acked);
	EXPECT_EQ(0, info.coalesced);

	/* Raised and never acked: one record holds them all. */
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, irq_trigger(fd));
	ASSERT_EQ(0, irq_wait(fd, 0, &rec));
	EXPECT_EQ(n + 1, rec.seq);
	EXPECT_EQ(n, rec.count);
	ASSERT_EQ(0, irq_info(fd, &info));
	EXPECT_EQ(2 * n, info.raised);
	EXPECT_EQ(n - 1, info.coalesced);
	EXPECT_IRQ_BALANCED(info);
	ASSERT_EQ(0, irq_ack(fd));
	close(fd);
}

TEST_F_TIMEOUT(edu, intx_raises_are_counted_exactly, EDU_TIMEOUT_S)
{
	edu_one_by_one(_metadata, self->b.dev, self->dev[0], LKPORT_IRQ_MODE_INTX);
}

TEST_F_TIMEOUT(edu, msi_raises_are_counted_exactly, EDU_TIMEOUT_S)
{
	edu_one_by_one(_metadata, self->b.dev, self->dev[1], LKPORT_IRQ_MODE_MSI);
}

TEST_F_TIMEOUT(edu, shared_intx_line_tells_devices_apart, EDU_TIMEOUT_S)
{
	struct lkport_irq_info a, b;
	int fa, fb;

	fa = irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_INTX, LKPORT_IRQ_AUTO_ACK,
			self->dev[0]);
	fb = irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_INTX, LKPORT_IRQ_AUTO_ACK,
			self->dev[1]);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, irq_info(fa, &a));
	ASSERT_EQ(0, irq_info(fb, &b));
	if (a.linux_irq != b.linux_irq)
		SKIP(return, "edu devices on different lines (%u, %u)", a.linux_irq, b.linux_irq);
	for (int i = 0; i < 20; i++)
		ASSERT_EQ(0, irq_trigger(fa));
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(0, irq_trigger(fb));
	ASSERT_EQ(0, irq_info(fa, &a));
	ASSERT_EQ(0, irq_info(fb, &b));
	EXPECT_EQ(20, a.raised);
	EXPECT_EQ(5, b.raised);
	EXPECT_EQ(5, a.spurious) TH_LOG("the other device's interrupts are not ours");
	EXPECT_EQ(20, b.spurious);
	close(fa);
	close(fb);
}

TEST_F_TIMEOUT(edu, unbind_while_blocked_ends_waits_with_enodev, EDU_TIMEOUT_S)
{
	struct blocked bl = { .ret = 1 };
	struct pollfd p;
	pthread_t t;

	bl.fd = irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_MSI, 0, self->dev[1]);
	ASSERT_LE(0, bl.fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_reader, &bl));
	while (!atomic_load(&bl.started))
		lkt_sleep_us(100);
	lkt_sleep_us(20000);
	ASSERT_EQ(0, unbind_lkport(self->dev[1]));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ENODEV, atomic_load(&bl.ret));
	p = (struct pollfd){ .fd = bl.fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLHUP | POLLERR, p.revents);
	EXPECT_EQ(-ENODEV, irq_trigger(bl.fd));
	EXPECT_EQ(-ENODEV, irq_ack(bl.fd));
	EXPECT_EQ(-ENODEV, irq_wait(bl.fd, 0, NULL));
	close(bl.fd);
	/* Bound again, it works again. */
	ASSERT_EQ(0, lkport_pci_bind(self->dev[1]));
	bl.fd = irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_MSI, 0, self->dev[1]);
	ASSERT_LE(0, bl.fd);
	ASSERT_EQ(0, irq_trigger(bl.fd));
	ASSERT_EQ(0, irq_wait(bl.fd, 0, NULL));
	close(bl.fd);
}

TEST_F_TIMEOUT(edu, device_removal_while_blocked_ends_waits_with_enodev, EDU_TIMEOUT_S)
{
	struct blocked bl = { .ret = 1 };
	char path[256];
	pthread_t t;

	bl.fd = irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_INTX, 0, self->dev[0]);
	ASSERT_LE(0, bl.fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_reader, &bl));
	while (!atomic_load(&bl.started))
		lkt_sleep_us(100);
	lkt_sleep_us(20000);
	snprintf(path, sizeof(path), PCI_DIR "%s/remove", self->dev[0]);
	ASSERT_EQ(0, lkt_write_file(path, "1"));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ENODEV, atomic_load(&bl.ret));
	close(bl.fd);
	ASSERT_EQ(0, lkt_write_file("/sys/bus/pci/rescan", "1"));
	ASSERT_EQ(0, lkport_pci_bind(self->dev[0]));
	bl.fd = irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_INTX, 0, self->dev[0]);
	ASSERT_LE(0, bl.fd) TH_LOG("after rescan: %s", strerror(-bl.fd));
	ASSERT_EQ(0, irq_trigger(bl.fd));
	ASSERT_EQ(0, irq_wait(bl.fd, 0, NULL));
	close(bl.fd);
}

/* Both vCPUs raise (a virtual source and an edu device) while a third
 * thread opens, acks and closes sources; nothing may be lost. */
struct storm {
	int dev;
	const char *edu;
	atomic_bool stop;
	atomic_int errors;
	atomic_llong records;
	int vfd;
};

static void *storm_virtual(void *p)
{
	struct storm *s = p;

	while (!atomic_load(&s->stop))
		if (irq_trigger(s->vfd))
			atomic_fetch_add(&s->errors, 1);
	return NULL;
}

static void *storm_reader(void *p)
{
	struct storm *s = p;
	struct lkport_irq_record rec;

	while (!atomic_load(&s->stop)) {
		int r = irq_wait(s->vfd, lkt_after_ms(10), &rec);

		if (r == 0) {
			atomic_fetch_add(&s->records, 1);
			if (irq_ack(s->vfd))
				atomic_fetch_add(&s->errors, 1);
		} else if (r != -ETIMEDOUT) {
			atomic_fetch_add(&s->errors, 1);
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(edu, storm_of_raises_loses_nothing, EDU_TIMEOUT_S)
{
	const char *env = getenv("LKPORT_IRQ_STORM_SECONDS");
	unsigned int seconds = env ? atoi(env) : 10;
	struct storm s = { .dev = self->b.dev, .edu = self->dev[0] };
	struct lkport_irq_info info;
	pthread_t tv, tr;
	uint64_t end;
	long cycles = 0, raised = 0;

	s.vfd = irq_create(self->b.dev, LKPORT_IRQ_VIRTUAL, 0, 0, NULL);
	ASSERT_LE(0, s.vfd);
	ASSERT_EQ(0, pthread_create(&tv, NULL, storm_virtual, &s));
	ASSERT_EQ(0, pthread_create(&tr, NULL, storm_reader, &s));
	end = lkt_after_ms(seconds * 1000);
	while (lkt_now() < end) {
		int fd = irq_create(self->b.dev, LKPORT_IRQ_PCI, cycles & 1 ? LKPORT_IRQ_MODE_MSI
					: LKPORT_IRQ_MODE_INTX, 0, s.edu);
		struct lkport_irq_record rec;

		ASSERT_LE(0, fd) TH_LOG("cycle %ld: %s", cycles, strerror(-fd));
		for (int i = 0; i < 20; i++) {
			ASSERT_EQ(0, irq_trigger(fd));
			if (i % 3 == 0 && irq_wait(fd, 0, &rec) == 0)
				ASSERT_EQ(0, irq_ack(fd));
		}
		ASSERT_EQ(0, irq_info(fd, &info));
		EXPECT_EQ(20, info.raised);
		EXPECT_IRQ_BALANCED(info);
		raised += info.raised;
		close(fd);	/* with a record open or taken, as it happens */
		cycles++;
	}
	atomic_store(&s.stop, true);
	ASSERT_EQ(0, pthread_join(tv, NULL));
	ASSERT_EQ(0, pthread_join(tr, NULL));
	EXPECT_EQ(0, atomic_load(&s.errors));
	ASSERT_EQ(0, irq_info(s.vfd, &info));
	EXPECT_IRQ_BALANCED(info);
	EXPECT_LE(atomic_load(&s.records), info.delivered);
	printf("# storm %us: %ld edu sources opened and closed, %ld edu interrupts, %llu virtual raised in %llu records\n",
	       seconds, cycles, raised, (unsigned long long)info.raised,
	       (unsigned long long)info.delivered);
	close(s.vfd);
}

/* ---- a generic PCI device: DisINTx masking, acks that unmask -------------------
 * QEMU's e1000 (8086:100e), which no driver in the VM takes: it raises
 * INTx when a cause is set in ICS (0xc8) that IMS (0xd0) enables, and
 * lowers it when ICR (0xc0) is read. lkport knows nothing of it: its
 * handler masks the line (DisINTx), the ack unmasks it. */
#define E1000_ICR 0x00c0
#define E1000_ICS 0x00c8
#define E1000_IMS 0x00d0
#define E1000_IMC 0x00d8
#define E1000_CAUSE 0x4		/* link status change: any enabled cause will do */

FIXTURE(generic) {
	struct lkt_base b;
	char dev[16];
	volatile uint32_t *bar;
	bool bound;
};

FIXTURE_SETUP(generic)
{
	char path[256];
	int fd;

	self->bar = NULL;
	self->bound = false;
	lkt_base_setup(_metadata, &self->b);
	if (geteuid() != 0)
		SKIP(return, "binding devices needs root");
	if (!find_pci(0x8086, 0x100e, &self->dev, 1))
		SKIP(return, "needs QEMU's e1000 (lkport's VM has one)");
	ASSERT_EQ(0, lkport_pci_bind(self->dev));
	self->bound = true;
	/* lkport takes only the interrupt: the BAR is user space's. */
	snprintf(path, sizeof(path), PCI_DIR "%s/resource0", self->dev);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	self->bar = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, self->bar) TH_LOG("mmap BAR0: %s", strerror(errno));
	(void)self->bar[E1000_ICR / 4];
	self->bar[E1000_IMS / 4] = E1000_CAUSE;
}

FIXTURE_TEARDOWN(generic)
{
	if (self->bar && self->bar != MAP_FAILED) {
		self->bar[E1000_IMC / 4] = ~0u;
		(void)self->bar[E1000_ICR / 4];
		munmap((void *)self->bar, 0x1000);
	}
	lkt_base_teardown(_metadata, &self->b);
	if (self->bound) {
		int err = lkport_pci_unbind(self->dev);

		EXPECT_EQ(0, err) TH_LOG("unbind %s: %s", self->dev, strerror(-err));
	}
}

TEST_F_TIMEOUT(generic, intx_is_masked_until_the_ack, EDU_TIMEOUT_S)
{
	struct lkport_irq_record rec;
	struct lkport_irq_info info;
	uint64_t before;
	int fd;

	EXPECT_EQ(-EOPNOTSUPP, irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_MSI, 0,
					  self->dev)) TH_LOG("the e1000 has no MSI");
	EXPECT_EQ(-EINVAL, irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_INTX,
				      LKPORT_IRQ_AUTO_ACK, self->dev)) TH_LOG("a masked line needs its ack");
	fd = irq_create(self->b.dev, LKPORT_IRQ_PCI, LKPORT_IRQ_MODE_AUTO, 0, self->dev);
	ASSERT_LE(0, fd) TH_LOG("create: %s", strerror(-fd));
	ASSERT_EQ(0, irq_info(fd, &info));
	EXPECT_EQ(LKPORT_IRQ_MODE_INTX, info.mode);
	EXPECT_EQ(-EOPNOTSUPP, irq_trigger(fd)) TH_LOG("lkport cannot raise a device it does not know");

	for (int i = 1; i <= 50; i++) {
		before = lkt_now();
		self->bar[E1000_ICS / 4] = E1000_CAUSE;
		ASSERT_EQ(0, irq_wait(fd, lkt_after_ms(LKT_SANITY_MS), &rec)) TH_LOG("raise %d", i);
		EXPECT_LE(before, rec.timestamp_ns);
		ASSERT_EQ(i, rec.seq);
		ASSERT_EQ(1, rec.count);
		ASSERT_EQ(0, irq_info(fd, &info));
		ASSERT_EQ(LKPORT_IRQ_STATE_TAKEN | LKPORT_IRQ_STATE_MASKED, info.state)
			TH_LOG("masked in the handler, until the ack");
		(void)self->bar[E1000_ICR / 4];	/* the device's own ack */
		ASSERT_EQ(0, irq_ack(fd));
	}

	/* Acked while the device still asserts: the unmask delivers it again. */
	self->bar[E1000_ICS / 4] = E1000_CAUSE;
	ASSERT_EQ(0, irq_wait(fd, lkt_after_ms(LKT_SANITY_MS), &rec));
	EXPECT_EQ(51, rec.seq);
	ASSERT_EQ(0, irq_ack(fd));
	ASSERT_EQ(0, irq_wait(fd, lkt_after_ms(LKT_SANITY_MS), &rec)) TH_LOG("still asserted at the ack");
	EXPECT_EQ(52, rec.seq);
	(void)self->bar[E1000_ICR / 4];
	ASSERT_EQ(0, irq_ack(fd));
	ASSERT_EQ(0, irq_info(fd, &info));
	EXPECT_EQ(52, info.raised);
	EXPECT_EQ(52, info.acked);
	EXPECT_EQ(0, info.state);
	EXPECT_IRQ_BALANCED(info);
	close(fd);
}

TEST_HARNESS_MAIN
