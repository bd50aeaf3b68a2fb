// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure at every allocation site of the module, through its
 * fault injection (/sys/kernel/debug/lkport/fault/, root only). For each
 * operation a user can make, the test fails the 1st, 2nd, ... allocation
 * the operation makes until it succeeds; each failed run must return
 * ENOMEM and leave everything as it was: debugfs's objects and stats
 * (live objects, accounts and their charges, the core's allocations), the
 * caller's fds. The debug kernel's kmemleak scan at the end of the VM run
 * catches what leaks anyway. fault.every_site_fails then runs them all
 * once more and checks that every site debugfs lists failed at least once.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include "lkport_test.h"

#define FAULT_DIR "/sys/kernel/debug/lkport/fault/"
#define FAULT_PID FAULT_DIR "pid"
#define FAULT_NTH FAULT_DIR "nth"
#define FAULT_SITES FAULT_DIR "sites"

/* Far more allocations than any one operation makes. */
#define FAULT_MAX_NTH 64
#define BIG 16			/* packets: past the stack buffers, to the heap */
#define MEMBERS 3

struct fault_ctx {
	int dev;
	char name[LKPORT_NAME_LEN];	/* the operation's object */
	char other[LKPORT_NAME_LEN];	/* one it needs, made beforehand */
	int w, r[MEMBERS], g, ev, irq;	/* fds made beforehand, -1 if none */
};

/* One operation: made ready, run with faults, and undone on success. */
struct fault_op {
	const char *name;
	void (*setup)(struct __test_metadata *_metadata, struct fault_ctx *c);
	long (*run)(struct fault_ctx *c);
	void (*undo)(struct fault_ctx *c, long result);
};

static void close_fd(struct fault_ctx *c, long fd)
{
	close((int)fd);
}

/* ---- setups ---- */
static void need_event(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	c->ev = lkt_event_create(c->dev, c->other, 0, 0600);
	ASSERT_LE(0, c->ev) TH_LOG("event: %s", strerror(-c->ev));
}

static void need_wport(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	c->w = lkt_port_create(c->dev, c->other, 0, 0, 0600, 0);
	ASSERT_LE(0, c->w) TH_LOG("port: %s", strerror(-c->w));
}

static void need_readers(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	need_wport(_metadata, c);
	for (int i = 0; i < MEMBERS; i++) {
		c->r[i] = lkt_port_open(c->dev, c->other, i + 1);
		ASSERT_LE(0, c->r[i]) TH_LOG("open: %s", strerror(-c->r[i]));
	}
}

static void need_group(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	need_readers(_metadata, c);
	c->g = lkt_group_create(c->dev, NULL, 0);
	ASSERT_LE(0, c->g) TH_LOG("group: %s", strerror(-c->g));
}

static void need_queued(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	need_readers(_metadata, c);
	ASSERT_EQ(0, lkt_write_seq(c->w, 0, 8));
}

static void need_irq_and_wport(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	struct lkport_irq_create ic = { .source = LKPORT_IRQ_VIRTUAL, .fd_flags = O_CLOEXEC };

	need_wport(_metadata, c);
	c->irq = lkport_ioctl(c->dev, LKPORT_IOC_IRQ_CREATE, &ic);
	ASSERT_LE(0, c->irq) TH_LOG("irq: %s", strerror(-c->irq));
}

/* ---- operations ---- */
static long irq_create(struct fault_ctx *c)
{
	struct lkport_irq_create ic = { .source = LKPORT_IRQ_VIRTUAL, .fd_flags = O_CLOEXEC };

	return lkport_ioctl(c->dev, LKPORT_IOC_IRQ_CREATE, &ic);
}

static long irq_bind(struct fault_ctx *c)
{
	struct lkport_irq_bind b = { .fd = c->w };

	return lkport_ioctl(c->irq, LKPORT_IOC_IRQ_BIND, &b);
}

static void irq_unbind(struct fault_ctx *c, long result)
{
	struct lkport_irq_bind b = { .fd = -1 };

	lkport_ioctl(c->irq, LKPORT_IOC_IRQ_BIND, &b);
}

static long event_create(struct fault_ctx *c)
{
	return lkt_event_create(c->dev, c->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
}

static long event_create_anonymous(struct fault_ctx *c)
{
	struct lkport_event_create ec = {
		.flags = LKPORT_EVENT_ANONYMOUS, .perm = 0600, .fd_flags = O_CLOEXEC,
	};

	return lkport_ioctl(c->dev, LKPORT_IOC_EVENT_CREATE, &ec);
}

static long event_open(struct fault_ctx *c)
{
	return lkt_event_open(c->dev, c->other, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL);
}

static long event_signal(struct fault_ctx *c)
{
	return lkt_event_signal(c->ev);
}

static long port_create(struct fault_ctx *c)
{
	return lkt_port_create(c->dev, c->name, 0, 0, 0600, 0);
}

static long port_create_big(struct fault_ctx *c)
{
	return lkt_port_create(c->dev, c->name, LKPORT_PORT_UNICAST | LKPORT_PORT_BIG_BUFFER,
			       4096, 0600, 0);
}

static long port_share(struct fault_ctx *c)
{
	return lkt_port_create(c->dev, c->other, 0, 0, 0600, LKPORT_PORT_SHARE);
}

/* SHARE on a name nobody uses: a new port after all. */
static long port_share_new(struct fault_ctx *c)
{
	return lkt_port_create(c->dev, c->name, 0, 0, 0600, LKPORT_PORT_SHARE);
}

static long port_existing(struct fault_ctx *c)
{
	return lkt_port_create(c->dev, c->other, 0, 0, 0, LKPORT_PORT_EXISTING);
}

/* A closed port's writer, for its owner (LKPORT_PORT_CLOSED). */
static void need_closed_wport(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	need_wport(_metadata, c);
	ASSERT_EQ(0, lkport_ioctl(c->w, LKPORT_IOC_PORT_CLOSE, NULL));
}

static long port_existing_closed(struct fault_ctx *c)
{
	return lkt_port_create(c->dev, c->other, 0, 0, 0,
			       LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED);
}

/* The first reader takes the writer's ring; the ones after need their own. */
static long port_open(struct fault_ctx *c)
{
	return lkt_port_open(c->dev, c->other, 7);
}

static long port_close(struct fault_ctx *c)
{
	return lkport_ioctl(c->w, LKPORT_IOC_PORT_CLOSE, NULL);
}

static long port_destroy(struct fault_ctx *c)
{
	long r = lkport_ioctl(c->w, LKPORT_IOC_PORT_CLOSE, NULL);

	return r ?: lkport_ioctl(c->w, LKPORT_IOC_PORT_DESTROY, NULL);
}

static long write_big(struct fault_ctx *c)
{
	return lkt_write_seq(c->w, 100, BIG);
}

static long write_small(struct fault_ctx *c)
{
	return lkt_write_seq(c->w, 100, 1);
}

static long read_big(struct fault_ctx *c)
{
	struct lkport_result res[BIG];
	__u32 got;
	long r = lkt_read(c->r[0], 0, res, BIG, &got);

	return r ?: got;
}

/* Both halves' buffers are on the heap and are taken before the write:
 * a failure leaves the packets unwritten and the queued ones unread. */
static long write_read_big(struct fault_ctx *c)
{
	struct lkport_packet pk[BIG] = { 0 };
	struct lkport_result res[BIG];
	struct lkport_write_read wr = {
		.write = { .packets = (uintptr_t)pk, .count = BIG },
		.read = { .results = (uintptr_t)res, .max = BIG },
		.fd = c->w,
	};
	long r = lkport_ioctl(c->r[0], LKPORT_IOC_WRITE_READ, &wr);

	return r ?: wr.read.count;
}

/* A read port's ring mapped (default capacity, 8), with packets queued
 * to move over. */
static long ring_map(struct fault_ctx *c)
{
	void *p = mmap(NULL, LKPORT_RING_BYTES(8), PROT_READ | PROT_WRITE, MAP_SHARED, c->r[0], 0);

	return p == MAP_FAILED ? -errno : (long)p;
}

static void ring_unmap(struct fault_ctx *c, long result)
{
	munmap((void *)result, LKPORT_RING_BYTES(8));
}

static long group_create(struct fault_ctx *c)
{
	return lkt_group_create(c->dev, c->r, MEMBERS);
}

static long group_create_empty(struct fault_ctx *c)
{
	return lkt_group_create(c->dev, NULL, 0);
}

static long group_add(struct fault_ctx *c)
{
	return lkt_group_add(c->g, c->r[0]);
}

static long group_read_big(struct fault_ctx *c)
{
	struct lkport_result res[BIG];
	__u32 got;
	long r = lkt_group_read(c->g, 0, res, BIG, &got);

	return r ?: got;
}

static void need_grouped_queued(struct __test_metadata *_metadata, struct fault_ctx *c)
{
	need_group(_metadata, c);
	for (int i = 0; i < MEMBERS; i++)
		ASSERT_EQ(0, lkt_group_add(c->g, c->r[i]));
	ASSERT_EQ(0, lkt_write_seq(c->w, 0, 8));
}

static const struct fault_op fault_ops[] = {
	{ "event_create", NULL, event_create, close_fd },
	{ "event_open", need_event, event_open, close_fd },
	{ "event_signal", need_event, event_signal, NULL },
	{ "port_create", NULL, port_create, close_fd },
	{ "port_create_big", NULL, port_create_big, close_fd },
	{ "port_share", need_wport, port_share, close_fd },
	{ "port_existing", need_wport, port_existing, close_fd },
	{ "port_share_new", NULL, port_share_new, close_fd },
	{ "port_open_first", need_wport, port_open, close_fd },
	{ "port_open_more", need_readers, port_open, close_fd },
	{ "port_close", need_readers, port_close, NULL },
	{ "port_destroy", need_readers, port_destroy, NULL },
	{ "write_small", need_readers, write_small, NULL },
	{ "write_big", need_readers, write_big, NULL },
	{ "read_big", need_queued, read_big, NULL },
	{ "group_create", need_readers, group_create, close_fd },
	{ "group_create_empty", NULL, group_create_empty, close_fd },
	{ "group_add", need_group, group_add, NULL },
	{ "group_read_big", need_grouped_queued, group_read_big, NULL },
	{ "irq_create", NULL, irq_create, close_fd },
	{ "irq_bind", need_irq_and_wport, irq_bind, irq_unbind },
	{ "event_create_anonymous", NULL, event_create_anonymous, close_fd },
	{ "port_existing_closed", need_closed_wport, port_existing_closed, close_fd },
	{ "ring_map", need_queued, ring_map, ring_unmap },
	{ "write_read_big", need_queued, write_read_big, NULL },
};

/* ---- the state a failed operation must leave as it found ---- */
struct fault_state {
	char objects[1 << 14];
	char stats[512];
	int next_fd;
};

static int next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void fault_state_read(struct __test_metadata *_metadata, struct fault_state *s)
{
	ASSERT_LE(0, lkt_read_file(LKT_OBJECTS_PATH, s->objects, sizeof(s->objects)));
	ASSERT_LT(0, lkt_read_file(LKT_STATS_PATH, s->stats, sizeof(s->stats)));
	s->next_fd = next_fd();
}

static int fault_set(const char *file, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", v);
	return lkt_write_file(file, buf);
}

static long fault_get(const char *file)
{
	char buf[32];

	if (lkt_read_file(file, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * Fails the nth allocation of op for n = 1, 2, ... until op succeeds.
 * Returns how many allocations op makes (the runs that failed).
 */
static int fault_loop(struct __test_metadata *_metadata, int dev, const struct fault_op *op)
{
	static struct fault_state before, after;
	int n;

	for (n = 1; n <= FAULT_MAX_NTH; n++) {
		struct fault_ctx c = { .dev = dev, .w = -1, .g = -1, .ev = -1, .irq = -1 };
		long r, left;

		for (int i = 0; i < MEMBERS; i++)
			c.r[i] = -1;
		lkt_unique_name(c.name, op->name, "op");
		lkt_unique_name(c.other, op->name, "pre");
		if (op->setup) {
			op->setup(_metadata, &c);
			if (!_metadata->passed)
				return -1;
		}
		fault_state_read(_metadata, &before);

		EXPECT_EQ(0, fault_set(FAULT_NTH, n));
		r = op->run(&c);
		left = fault_get(FAULT_NTH);
		EXPECT_EQ(0, fault_set(FAULT_NTH, 0));

		if (left != 0) {
			/* Fewer than n allocations: op ran without a fault. */
			EXPECT_LE(0, r) TH_LOG("%s: %s with no allocation failed",
					       op->name, strerror(-r));
			if (r >= 0 && op->undo)
				op->undo(&c, r);
		} else {
			EXPECT_EQ(-ENOMEM, r) TH_LOG("%s, allocation %d failed: %ld (%s)",
						     op->name, n, r, r < 0 ? strerror(-r) : "");
			if (r >= 0 && op->undo)
				op->undo(&c, r);
			fault_state_read(_metadata, &after);
			EXPECT_STREQ(before.stats, after.stats)
				TH_LOG("%s, allocation %d failed: stats changed", op->name, n);
			EXPECT_STREQ(before.objects, after.objects)
				TH_LOG("%s, allocation %d failed: objects changed", op->name, n);
			EXPECT_EQ(before.next_fd, after.next_fd)
				TH_LOG("%s, allocation %d failed: an fd was left", op->name, n);
		}
		close(c.ev);
		close(c.irq);
		close(c.g);
		for (int i = 0; i < MEMBERS; i++)
			close(c.r[i]);
		close(c.w);
		if (!_metadata->passed)
			return -1;
		if (left != 0)
			return n - 1;
	}
	EXPECT_GT(FAULT_MAX_NTH, n) TH_LOG("%s: still failing after %d allocations",
					    op->name, FAULT_MAX_NTH);
	return -1;
}

FIXTURE(fault) {
	struct lkt_base b;
	bool armed;
};

FIXTURE_SETUP(fault)
{
	lkt_base_setup(_metadata, &self->b);
	if (access(FAULT_PID, W_OK))
		SKIP(return, "%s: %s (needs root)", FAULT_PID, strerror(errno));
	self->armed = true;
	ASSERT_EQ(0, fault_set(FAULT_NTH, 0));
	ASSERT_EQ(0, fault_set(FAULT_PID, syscall(SYS_gettid)));
	ASSERT_EQ(syscall(SYS_gettid), fault_get(FAULT_PID));
}

FIXTURE_TEARDOWN(fault)
{
	if (self->armed) {
		EXPECT_EQ(0, fault_set(FAULT_NTH, 0));
		EXPECT_EQ(0, fault_set(FAULT_PID, 0));
	}
	lkt_base_teardown(_metadata, &self->b);
}

#define FAULT_OP_TEST(i, op)                                                      \
	TEST_F(fault, op)                                                         \
	{                                                                         \
		ASSERT_STREQ(#op, fault_ops[i].name);                            \
		int n = fault_loop(_metadata, self->b.dev, &fault_ops[i]);        \
		if (n >= 0)                                                       \
			TH_LOG("%s: %d allocations, each failed once", #op, n);   \
	}

FAULT_OP_TEST(0, event_create)
FAULT_OP_TEST(1, event_open)
FAULT_OP_TEST(2, event_signal)
FAULT_OP_TEST(3, port_create)
FAULT_OP_TEST(4, port_create_big)
FAULT_OP_TEST(5, port_share)
FAULT_OP_TEST(6, port_existing)
FAULT_OP_TEST(7, port_share_new)
FAULT_OP_TEST(8, port_open_first)
FAULT_OP_TEST(9, port_open_more)
FAULT_OP_TEST(10, port_close)
FAULT_OP_TEST(11, port_destroy)
FAULT_OP_TEST(12, write_small)
FAULT_OP_TEST(13, write_big)
FAULT_OP_TEST(14, read_big)
FAULT_OP_TEST(15, group_create)
FAULT_OP_TEST(16, group_create_empty)
FAULT_OP_TEST(17, group_add)
FAULT_OP_TEST(18, group_read_big)
FAULT_OP_TEST(21, event_create_anonymous)
FAULT_OP_TEST(22, port_existing_closed)

/* Another thread's allocations are not counted: only the named one fails. */
TEST_F(fault, other_threads_unaffected)
{
	char name[LKPORT_NAME_LEN];
	pid_t kid;
	int fd;

	LKT_NAME(name, "ev");
	ASSERT_EQ(0, fault_set(FAULT_NTH, 1));
	kid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, kid);
	if (kid == 0) {
		int e = lkt_event_create(self->b.dev, name, 0, 0600);

		_exit(e >= 0 ? 0 : 1);
	}
	ASSERT_EQ(0, lkt_reap(&self->b.kids, kid, LKT_SANITY_MS));
	EXPECT_EQ(1, fault_get(FAULT_NTH));
	fd = lkt_event_create(self->b.dev, name, 0, 0600);
	EXPECT_EQ(-ENOMEM, fd);
	EXPECT_EQ(0, fault_get(FAULT_NTH));
	fd = lkt_event_create(self->b.dev, name, 0, 0600);
	EXPECT_LE(0, fd);
	close(fd);
}

/* Every operation again from zeroed counts; then every site debugfs lists
 * must have failed at least once. */
TEST_F_TIMEOUT(fault, every_site_fails, 300)
{
	static char buf[1 << 13];
	char *line, *save = NULL;
	int sites = 0, failed = 0;

	ASSERT_EQ(0, lkt_write_file(FAULT_SITES, "reset\n"));
	for (size_t i = 0; i < sizeof(fault_ops) / sizeof(fault_ops[0]); i++)
		ASSERT_LE(0, fault_loop(_metadata, self->b.dev, &fault_ops[i]));

	ASSERT_LT(0, lkt_read_file(FAULT_SITES, buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char site[64], where[128];
		long calls, fails;

		ASSERT_EQ(4, sscanf(line, "%63s %127s calls=%ld failed=%ld", site, where,
				    &calls, &fails)) TH_LOG("sites: '%s'", line);
		sites++;
		if (fails > 0)
			failed++;
		EXPECT_LT(0, fails) TH_LOG("site %s (%s) never failed (%ld calls)", site, where,
					   calls);
	}
	EXPECT_LT(0, sites);
	TH_LOG("%d of %d allocation sites failed at least once", failed, sites);
	ksft_print_msg("fault sites covered: %d/%d\n", failed, sites);
}

TEST_HARNESS_MAIN
