// SPDX-License-Identifier: GPL-2.0
/*
 * The two halves of a round trip in one call (ABI 1.11,
 * LKPORT_FEATURE_CALL). LKPORT_IOC_WRITE_READ: a write to a write port as
 * LKPORT_IOC_PORT_WRITE, then a read of the reader fd (read port or group)
 * as LKPORT_IOC_READ; ping-pong between processes, every reader of a
 * broadcast port reached, what a failed write leaves (nothing read), what
 * a failed read still tells (done, delivered, skipped), arguments checked
 * before anything moves, a signal that ends the read without writing
 * again. LKPORT_IOC_SIGNAL_WAIT: the same for events: signal one, wait on
 * another, with the threads released counted.
 */
#include <stddef.h>
#include <sys/mman.h>

#include "lkport_test.h"

#define PK LKPORT_PACKET_SIZE
#define ROUNDS 200

/* A module without the feature (or none loaded): the whole test skips,
 * with kselftest's skip code, before any test runs. */
static void __attribute__((constructor)) call_skip_without_feature(void)
{
	struct lkport_version v = { 0 };
	int dev = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);

	if (dev < 0 && errno != ENOENT)
		return;	/* the tests say why */
	if (dev < 0 || ioctl(dev, LKPORT_IOC_VERSION, &v) ||
	    !(v.features & LKPORT_FEATURE_CALL)) {
		ksft_print_header();
		ksft_exit_skip("%s: no LKPORT_FEATURE_CALL (ABI %u.%u)\n",
			       dev < 0 ? "no module" : "module", v.abi_major, v.abi_minor);
	}
	close(dev);
}

FIXTURE(call) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(call)
{
	struct lkport_version v = { 0 };

	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "call");
	if (_metadata->skip)
		return;
	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	if (!(v.features & LKPORT_FEATURE_CALL))
		SKIP(return, "module speaks ABI %u.%u without LKPORT_FEATURE_CALL", v.abi_major,
		     v.abi_minor);
}

FIXTURE_TEARDOWN(call)
{
	lkt_base_teardown(_metadata, &self->b);
}

/* The harness runs a test's body after a skip in its setup. */
#define CALL_SKIPPED() do { if (_metadata->skip) return; } while (0)

/* A page shared with children, zeroed. */
static void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A write of count packets pk to wfd, then a read of up to max results
 * into res with deadline rdl: the argument, outputs poisoned so that what
 * the call leaves alone shows. */
static void wr_init(struct lkport_write_read *a, int wfd, const struct lkport_packet *pk,
		    __u32 count, struct lkport_result *res, __u32 max, __u64 rdl)
{
	memset(a, 0, sizeof(*a));
	a->write.packets = (uintptr_t)pk;
	a->write.count = count;
	a->write.delivered = 0xdead;
	a->write.skipped = 0xdead;
	a->read.deadline_ns = rdl;
	a->read.results = (uintptr_t)res;
	a->read.max = max;
	a->read.count = 0xdead;
	a->fd = wfd;
	a->done = 0;
}

static int write_read(int rfd, struct lkport_write_read *a)
{
	return lkport_ioctl(rfd, LKPORT_IOC_WRITE_READ, a);
}

static void sw_init(struct lkport_signal_wait *a, int sfd, __u64 deadline)
{
	memset(a, 0, sizeof(*a));
	a->wait.deadline_ns = deadline;
	a->fd = sfd;
	a->released = 0xdead;
}

static int signal_wait(int wfd, struct lkport_signal_wait *a)
{
	return lkport_ioctl(wfd, LKPORT_IOC_SIGNAL_WAIT, a);
}

/* A port (mode, capacity) named after the test and tag: its writer fd,
 * or -errno. */
static int port_named(FIXTURE_DATA(call) *self, const char *tag, __u32 mode, __u32 capacity,
		      char name[LKPORT_NAME_LEN])
{
	lkt_unique_name(name, "call", tag);
	return lkt_port_create(self->b.dev, name, mode, capacity, 0600, 0);
}

/* Reads one packet from r at once: its sequence number, or UINT64_MAX
 * (nothing, or not a test packet). */
static uint64_t take_seq(int r)
{
	uint64_t seq;

	return lkt_read_one(r, LKPORT_IOC_READ, 0, &seq, NULL) ? UINT64_MAX : seq;
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	handled = 1;
}

static int install_usr1(int flags)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

TEST_F(call, version_reports_call)
{
	struct lkport_version v = { 0 };

	CALL_SKIPPED();
	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_EQ(LKPORT_ABI_MAJOR, v.abi_major);
	EXPECT_LE(11, v.abi_minor);
	EXPECT_EQ(LKPORT_FEATURE_CALL, v.features & LKPORT_FEATURE_CALL);
	/* One layout for 32- and 64-bit callers. */
	EXPECT_EQ(72, sizeof(struct lkport_write_read));
	EXPECT_EQ(32, sizeof(struct lkport_signal_wait));
	EXPECT_EQ(72, _IOC_SIZE(LKPORT_IOC_WRITE_READ));
	EXPECT_EQ(32, _IOC_SIZE(LKPORT_IOC_SIGNAL_WAIT));
}

/* The write reaches the reader before the read: a port's own reader gets
 * back what it wrote, in one call. */
TEST_F(call, a_reader_reads_what_it_wrote)
{
	struct lkport_packet pk[3];
	struct lkport_result res[4];
	struct lkport_write_read a;
	int w, r;

	CALL_SKIPPED();
	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0x77);
	ASSERT_LE(0, r);
	for (int i = 0; i < 3; i++)
		lkt_packet(&pk[i], 30 + i);
	wr_init(&a, w, pk, 3, res, 4, 0);
	ASSERT_EQ(0, write_read(r, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(1, a.write.delivered);
	EXPECT_EQ(0, a.write.skipped);
	ASSERT_EQ(3, a.read.count);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(30 + i, lkt_seq(res[i].data));
		EXPECT_EQ(0x77, res[i].ctx);
	}
	EXPECT_EQ(0, lkt_queued(r));

	/* At most read.max come back; the rest stay queued. */
	wr_init(&a, w, pk, 3, res, 2, 0);
	ASSERT_EQ(0, write_read(r, &a));
	ASSERT_EQ(2, a.read.count);
	EXPECT_EQ(30, lkt_seq(res[0].data));
	EXPECT_EQ(31, lkt_seq(res[1].data));
	EXPECT_EQ(32, take_seq(r));
}

/*
 * Two processes, two ports: the parent writes requests and reads replies,
 * the child reads requests and writes replies, each with one call per
 * round. Round i's request is 1 + i % 3 packets (seq 4i, 4i + 1, ...), its
 * reply one packet (seq 100000 + i); the struct is reused from round to
 * round, as a server loop would.
 */
static int pong(int rreq, int wrep)
{
	struct lkport_packet pk;
	struct lkport_result res[4];
	struct lkport_write_read a;
	__u32 first;
	int i, ret;

	ret = lkt_read_cmd(rreq, LKPORT_IOC_READ, lkt_after_ms(LKT_SANITY_MS), res, 4, &first);
	if (ret || first != 1)
		return 10;
	wr_init(&a, wrep, &pk, 1, res, 4, 0);
	for (i = 0; i < ROUNDS; i++) {
		__u32 n = 1 + i % 3;

		/* Round i's request is in res: check it, then reply. */
		if (i > 0 && (a.read.count != n || a.done != LKPORT_DONE_FIRST ||
			      a.write.delivered != 1 || a.write.skipped))
			return 11;
		for (__u32 j = 0; j < n; j++)
			if (lkt_seq(res[j].data) != 4ull * i + j || res[j].ctx != 0xc1)
				return 12;
		lkt_packet(&pk, 100000 + i);
		if (i == ROUNDS - 1)
			return lkt_write(wrep, &pk, 1, NULL, NULL) ? 13 : 0;
		a.read.deadline_ns = lkt_after_ms(LKT_SANITY_MS);
		if (write_read(rreq, &a))
			return 14;
	}
	return 15;
}

TEST_F(call, ping_pong_between_two_processes)
{
	char req[LKPORT_NAME_LEN], rep[LKPORT_NAME_LEN];
	struct lkport_packet pk[3];
	struct lkport_result res[4];
	struct lkport_write_read a;
	int wreq, rreq, wrep, rrep;
	pid_t pid;

	CALL_SKIPPED();
	wreq = port_named(self, "req", 0, 8, req);
	ASSERT_LE(0, wreq);
	rreq = lkt_port_open(self->b.dev, req, 0xc1);
	ASSERT_LE(0, rreq);
	wrep = port_named(self, "rep", 0, 8, rep);
	ASSERT_LE(0, wrep);
	rrep = lkt_port_open(self->b.dev, rep, 0xa1);
	ASSERT_LE(0, rrep);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(pong(rreq, wrep));
	close(rreq);
	close(wrep);

	memset(&a, 0, sizeof(a));
	a.read.results = (uintptr_t)res;
	a.read.max = 4;
	a.fd = wreq;
	a.write.packets = (uintptr_t)pk;
	for (int i = 0; i < ROUNDS; i++) {
		__u32 n = 1 + i % 3;

		for (__u32 j = 0; j < n; j++)
			lkt_packet(&pk[j], 4ull * i + j);
		a.write.count = n;
		a.read.deadline_ns = lkt_after_ms(LKT_SANITY_MS);
		ASSERT_EQ(0, write_read(rrep, &a)) TH_LOG("round %d", i);
		ASSERT_EQ(LKPORT_DONE_FIRST, a.done) TH_LOG("round %d", i);
		ASSERT_EQ(1, a.write.delivered) TH_LOG("round %d", i);
		ASSERT_EQ(0, a.write.skipped) TH_LOG("round %d", i);
		ASSERT_EQ(1, a.read.count) TH_LOG("round %d", i);
		ASSERT_EQ(100000 + i, lkt_seq(res[0].data)) TH_LOG("round %d", i);
		ASSERT_EQ(0xa1, res[0].ctx) TH_LOG("round %d", i);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_queued(rrep));
}

/* A default write to a broadcast port: every reader with room takes it,
 * a full one is skipped and counted, and the read goes on. */
TEST_F(call, the_write_reaches_every_reader_with_room)
{
	char pname[LKPORT_NAME_LEN], qname[LKPORT_NAME_LEN];
	struct lkport_packet pk;
	struct lkport_result res;
	struct lkport_result drain[2];
	struct lkport_write_read a;
	int w, ra, rb, rc, wq, q;

	CALL_SKIPPED();
	w = port_named(self, "p", LKPORT_PORT_BROADCAST, 2, pname);
	ASSERT_LE(0, w);
	ra = lkt_port_open(self->b.dev, pname, 1);
	ASSERT_LE(0, ra);
	rb = lkt_port_open(self->b.dev, pname, 2);
	ASSERT_LE(0, rb);
	rc = lkt_port_open(self->b.dev, pname, 3);
	ASSERT_LE(0, rc);
	wq = port_named(self, "q", 0, 8, qname);
	ASSERT_LE(0, wq);
	q = lkt_port_open(self->b.dev, qname, 0x99);
	ASSERT_LE(0, q);
	/* rc full, ra and rb empty; a reply waits in q. */
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	ASSERT_EQ(0, lkt_read_cmd(ra, LKPORT_IOC_READ, 0, drain, 2, NULL));
	ASSERT_EQ(0, lkt_read_cmd(rb, LKPORT_IOC_READ, 0, drain, 2, NULL));
	ASSERT_EQ(0, lkt_write_seq(wq, 500, 1));

	lkt_packet(&pk, 7);
	wr_init(&a, w, &pk, 1, &res, 1, lkt_after_ms(LKT_SANITY_MS));
	ASSERT_EQ(0, write_read(q, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(2, a.write.delivered);
	EXPECT_EQ(1, a.write.skipped);
	ASSERT_EQ(1, a.read.count);
	EXPECT_EQ(500, lkt_seq(res.data));
	EXPECT_EQ(0x99, res.ctx);
	EXPECT_EQ(7, take_seq(ra));
	EXPECT_EQ(7, take_seq(rb));
	EXPECT_EQ(2, lkt_queued(rc));
	EXPECT_EQ(0, take_seq(rc));
	EXPECT_EQ(1, take_seq(rc));
	EXPECT_EQ(0, lkt_queued(rc));
}

/* A write that waits for room and cannot have it by its deadline fails as
 * PORT_WRITE does, and nothing is read. */
TEST_F(call, a_write_that_times_out_reads_nothing)
{
	char pname[LKPORT_NAME_LEN], qname[LKPORT_NAME_LEN];
	struct lkport_packet pk;
	struct lkport_result res;
	struct lkport_write_read a;
	struct lkport_result drain[2];
	int w, ra, rb, wq, q;
	uint64_t dl;

	CALL_SKIPPED();
	w = port_named(self, "p", LKPORT_PORT_BROADCAST, 2, pname);
	ASSERT_LE(0, w);
	ra = lkt_port_open(self->b.dev, pname, 1);
	ASSERT_LE(0, ra);
	rb = lkt_port_open(self->b.dev, pname, 2);
	ASSERT_LE(0, rb);
	wq = port_named(self, "q", 0, 8, qname);
	ASSERT_LE(0, wq);
	q = lkt_port_open(self->b.dev, qname, 0x99);
	ASSERT_LE(0, q);
	/* rb full, ra has room. */
	ASSERT_EQ(0, lkt_write_seq(w, 0, 2));
	ASSERT_EQ(0, lkt_read_cmd(ra, LKPORT_IOC_READ, 0, drain, 2, NULL));
	ASSERT_EQ(0, lkt_write_seq(wq, 500, 1));

	lkt_packet(&pk, 7);
	wr_init(&a, w, &pk, 1, &res, 1, lkt_after_ms(LKT_SANITY_MS));
	a.write.flags = LKPORT_WRITE_WAIT;
	a.write.deadline_ns = 0;
	EXPECT_EQ(-ETIMEDOUT, write_read(q, &a));
	EXPECT_EQ(0, a.done);
	/* A deadline a little ahead: it waited for it, then the same. */
	a.done = 0;
	dl = lkt_after_ms(30);
	a.write.deadline_ns = dl;
	EXPECT_EQ(-ETIMEDOUT, write_read(q, &a));
	EXPECT_LE(dl, lkt_now());
	EXPECT_EQ(0, a.done);
	/* Nothing written to anyone, nothing read. */
	EXPECT_EQ(0, lkt_queued(ra));
	EXPECT_EQ(2, lkt_queued(rb));
	EXPECT_EQ(1, lkt_queued(q));
	EXPECT_EQ(500, take_seq(q));

	/* Once rb has room the same call goes through to both. */
	EXPECT_EQ(0, take_seq(rb));
	ASSERT_EQ(0, lkt_write_seq(wq, 501, 1));
	a.write.deadline_ns = lkt_after_ms(LKT_SANITY_MS);
	ASSERT_EQ(0, write_read(q, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(2, a.write.delivered);
	EXPECT_EQ(0, a.write.skipped);
	ASSERT_EQ(1, a.read.count);
	EXPECT_EQ(501, lkt_seq(res.data));
	EXPECT_EQ(7, take_seq(ra));
	EXPECT_EQ(1, take_seq(rb));
	EXPECT_EQ(7, take_seq(rb));
}

/* A read that times out after the write: ETIMEDOUT, and the struct says
 * the write was made and to whom. */
TEST_F(call, a_read_that_times_out_still_tells_the_write)
{
	char pname[LKPORT_NAME_LEN], qname[LKPORT_NAME_LEN];
	struct lkport_packet pk;
	struct lkport_result res;
	struct lkport_write_read a;
	int w, ra, wq, q;
	uint64_t t0, dl;

	CALL_SKIPPED();
	w = port_named(self, "p", 0, 8, pname);
	ASSERT_LE(0, w);
	ra = lkt_port_open(self->b.dev, pname, 1);
	ASSERT_LE(0, ra);
	wq = port_named(self, "q", 0, 8, qname);
	ASSERT_LE(0, wq);
	q = lkt_port_open(self->b.dev, qname, 0x99);
	ASSERT_LE(0, q);

	lkt_packet(&pk, 40);
	wr_init(&a, w, &pk, 1, &res, 1, 0);
	EXPECT_EQ(-ETIMEDOUT, write_read(q, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(1, a.write.delivered);
	EXPECT_EQ(0, a.write.skipped);
	EXPECT_EQ(40, take_seq(ra));

	/* A deadline ahead: not before it. */
	lkt_packet(&pk, 41);
	wr_init(&a, w, &pk, 1, &res, 1, 0);
	dl = lkt_after_ms(30);
	a.read.deadline_ns = dl;
	t0 = lkt_now();
	EXPECT_EQ(-ETIMEDOUT, write_read(q, &a));
	EXPECT_LE(dl, lkt_now());
	EXPECT_GT(t0 + LKT_SANITY_MS * LKT_NS_PER_MS, lkt_now());
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(1, a.write.delivered);
	EXPECT_EQ(0, a.write.skipped);
	EXPECT_EQ(41, take_seq(ra));

	/* A read that times out after a write that skipped its reader. */
	ASSERT_EQ(0, lkt_write_seq(w, 0, 8));
	lkt_packet(&pk, 42);
	wr_init(&a, w, &pk, 1, &res, 1, 0);
	EXPECT_EQ(-ETIMEDOUT, write_read(q, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(0, a.write.delivered);
	EXPECT_EQ(1, a.write.skipped);
	EXPECT_EQ(8, lkt_queued(ra));
	EXPECT_EQ(0, take_seq(ra));
}

/* After a case that should have changed nothing: ra empty and q holding
 * one packet again, so that each case is judged alone. */
static void back_to_start(int ra, int wq, int q)
{
	while (take_seq(ra) != UINT64_MAX)
		;
	if (lkt_queued(q) == 0)
		lkt_write_seq(wq, 500, 1);
}

/* Every argument of both halves is checked before the write: EINVAL,
 * EFAULT, EBADF, and nothing written, nothing read. */
TEST_F(call, bad_arguments_write_and_read_nothing)
{
	char pname[LKPORT_NAME_LEN], qname[LKPORT_NAME_LEN], path[64];
	struct lkport_packet pk[8];
	struct lkport_result res[LKPORT_READ_MAX + 1];
	struct lkport_write_read a, *ro;
	int w, ra, wq, q, g, ev, file, closed;
	char *none;

	CALL_SKIPPED();
	w = port_named(self, "p", 0, 4, pname);
	ASSERT_LE(0, w);
	ra = lkt_port_open(self->b.dev, pname, 1);
	ASSERT_LE(0, ra);
	wq = port_named(self, "q", 0, 8, qname);
	ASSERT_LE(0, wq);
	q = lkt_port_open(self->b.dev, qname, 0x99);
	ASSERT_LE(0, q);
	/* A packet a read would take. */
	ASSERT_EQ(0, lkt_write_seq(wq, 500, 1));
	for (int i = 0; i < 8; i++)
		lkt_packet(&pk[i], i);
	none = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_EQ(0, mprotect(none + 4096, 4096, PROT_NONE));

#define EXPECT_NOTHING_MOVED(what)                                                     \
	do {                                                                           \
		EXPECT_EQ(0, a.done) TH_LOG("%s", what);                               \
		EXPECT_EQ(0, lkt_queued(ra)) TH_LOG("%s", what);                       \
		EXPECT_EQ(1, lkt_queued(q)) TH_LOG("%s", what);                        \
		back_to_start(ra, wq, q);                                              \
	} while (0)
#define EXPECT_REFUSED(err, what)                                                      \
	do {                                                                           \
		EXPECT_EQ(-(err), write_read(q, &a)) TH_LOG("%s", what);               \
		EXPECT_NOTHING_MOVED(what);                                            \
	} while (0)

	/* The write's flags, count, deadline, packets. */
	wr_init(&a, w, pk, 1, res, 1, 0);
	a.write.flags = 1u << 1;
	EXPECT_REFUSED(EINVAL, "unknown write flag");
	wr_init(&a, w, pk, 1, res, 1, 0);
	a.write.flags = 1u << 31;
	EXPECT_REFUSED(EINVAL, "write flag 31");
	wr_init(&a, w, pk, 0, res, 1, 0);
	EXPECT_REFUSED(EINVAL, "count 0");
	wr_init(&a, w, pk, LKPORT_CAPACITY_MAX + 1, res, 1, 0);
	EXPECT_REFUSED(EINVAL, "count past LKPORT_CAPACITY_MAX");
	wr_init(&a, w, pk, ~0u, res, 1, 0);
	EXPECT_REFUSED(EINVAL, "count ~0");
	wr_init(&a, w, pk, 5, res, 1, 0);
	a.write.flags = LKPORT_WRITE_WAIT;
	a.write.deadline_ns = LKPORT_FOREVER;
	EXPECT_REFUSED(EINVAL, "waiting write past the port's capacity");
	wr_init(&a, w, pk, 1, res, 1, 0);
	a.write.deadline_ns = 1;
	EXPECT_REFUSED(EINVAL, "deadline without LKPORT_WRITE_WAIT");
	wr_init(&a, w, pk, 1, res, 1, 0);
	a.write.packets = 8;
	EXPECT_REFUSED(EFAULT, "packets at 8");
	wr_init(&a, w, (struct lkport_packet *)(none + 4096 - PK), 2, res, 1, 0);
	EXPECT_REFUSED(EFAULT, "packets running into an unmapped page");

	/* The read's max, flags, reserved. */
	wr_init(&a, w, pk, 1, res, 0, 0);
	EXPECT_REFUSED(EINVAL, "read.max 0");
	wr_init(&a, w, pk, 1, res, LKPORT_READ_MAX + 1, 0);
	EXPECT_REFUSED(EINVAL, "read.max past LKPORT_READ_MAX");
	wr_init(&a, w, pk, 1, res, 1, 0);
	a.read.flags = 1;
	EXPECT_REFUSED(EINVAL, "read.flags");
	wr_init(&a, w, pk, 1, res, 1, 0);
	a.read.reserved = 1;
	EXPECT_REFUSED(EINVAL, "read.reserved");

	/* Not a write port fd, or one closed: EBADF. */
	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	g = lkt_group_create(self->b.dev, NULL, 0);
	ASSERT_LE(0, g);
	snprintf(path, sizeof(path), "/tmp/lkport-call-%d", (int)getpid());
	file = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, file);
	unlink(path);
	const int notw[] = { ev, ra, q, g, self->b.dev, file, -1, 1000000 };
	const char *const notw_name[] = {
		"an event", "a read port", "the reader itself", "a group", "/dev/lkport",
		"a regular file", "-1", "no such fd",
	};
	for (size_t i = 0; i < ARRAY_SIZE(notw); i++) {
		wr_init(&a, notw[i], pk, 1, res, 1, 0);
		EXPECT_REFUSED(EBADF, notw_name[i]);
	}
	closed = lkt_port_create(self->b.dev, self->name, 0, 4, 0600, 0);
	ASSERT_LE(0, closed);
	ASSERT_EQ(0, lkport_ioctl(closed, LKPORT_IOC_PORT_CLOSE, NULL));
	wr_init(&a, closed, pk, 1, res, 1, 0);
	EXPECT_REFUSED(EBADF, "a closed write port");

	/* The argument itself unreadable, or not writable back. */
	EXPECT_EQ(-EFAULT, lkport_ioctl(q, LKPORT_IOC_WRITE_READ, NULL));
	EXPECT_EQ(-EFAULT, lkport_ioctl(q, LKPORT_IOC_WRITE_READ, none + 4096 - 8));
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	wr_init(ro, w, pk, 1, res, 1, 0);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, lkport_ioctl(q, LKPORT_IOC_WRITE_READ, ro));
	wr_init(&a, w, pk, 1, res, 1, 0);
	EXPECT_NOTHING_MOVED("a read-only argument");
	munmap(ro, 4096);

	/* Results nowhere: EFAULT, and the packet is not taken. */
	wr_init(&a, w, pk, 1, (struct lkport_result *)8, 1, 0);
	EXPECT_EQ(-EFAULT, write_read(q, &a));
	EXPECT_EQ(1, lkt_queued(q));
	back_to_start(ra, wq, q);

	/* Only a reader fd takes the command. */
	wr_init(&a, w, pk, 1, res, 1, 0);
	EXPECT_EQ(-ENOTTY, write_read(w, &a));
	EXPECT_EQ(-ENOTTY, write_read(ev, &a));
	EXPECT_EQ(-ENOTTY, write_read(self->b.dev, &a));
	EXPECT_EQ(1, lkt_queued(q));
	munmap(none, 8192);
#undef EXPECT_REFUSED
#undef EXPECT_NOTHING_MOVED
}

/* A group as the reader fd: the read takes from any member, with that
 * member's ctx, and waits for the first packet of any. */
TEST_F(call, a_group_reads_after_the_write)
{
	char pname[LKPORT_NAME_LEN], q1name[LKPORT_NAME_LEN], q2name[LKPORT_NAME_LEN];
	struct { int ret; __u32 done, delivered, count; uint64_t seq; __u64 ctx; } *out;
	struct lkport_packet pk;
	struct lkport_result res;
	struct lkport_write_read a;
	int w, ra, wq1, q1, wq2, q2, g;
	pid_t pid;

	CALL_SKIPPED();
	out = shared_page();
	ASSERT_NE(NULL, out);
	w = port_named(self, "p", 0, 8, pname);
	ASSERT_LE(0, w);
	ra = lkt_port_open(self->b.dev, pname, 1);
	ASSERT_LE(0, ra);
	wq1 = port_named(self, "q1", 0, 8, q1name);
	ASSERT_LE(0, wq1);
	q1 = lkt_port_open(self->b.dev, q1name, 0x11);
	ASSERT_LE(0, q1);
	wq2 = port_named(self, "q2", 0, 8, q2name);
	ASSERT_LE(0, wq2);
	q2 = lkt_port_open(self->b.dev, q2name, 0x22);
	ASSERT_LE(0, q2);
	g = lkt_group_create(self->b.dev, (int[]){ q1, q2 }, 2);
	ASSERT_LE(0, g);

	ASSERT_EQ(0, lkt_write_seq(wq2, 600, 1));
	lkt_packet(&pk, 60);
	wr_init(&a, w, &pk, 1, &res, 1, 0);
	ASSERT_EQ(0, write_read(g, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(1, a.write.delivered);
	ASSERT_EQ(1, a.read.count);
	EXPECT_EQ(600, lkt_seq(res.data));
	EXPECT_EQ(0x22, res.ctx);
	EXPECT_EQ(60, take_seq(ra));

	/* Blocked in the read half of a group until a member gets a packet. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct lkport_write_read c;
		struct lkport_result cres;

		lkt_packet(&pk, 61);
		wr_init(&c, w, &pk, 1, &cres, 1, LKPORT_FOREVER);
		out->ret = write_read(g, &c);
		out->done = c.done;
		out->delivered = c.write.delivered;
		out->count = c.read.count;
		out->seq = lkt_seq(cres.data);
		out->ctx = cres.ctx;
		_exit(0);
	}
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	EXPECT_EQ(61, take_seq(ra));
	ASSERT_EQ(0, lkt_write_seq(wq1, 601, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, out->ret);
	EXPECT_EQ(LKPORT_DONE_FIRST, out->done);
	EXPECT_EQ(1, out->delivered);
	EXPECT_EQ(1, out->count);
	EXPECT_EQ(601, out->seq);
	EXPECT_EQ(0x11, out->ctx);
	munmap(out, 4096);
}

/* The read half of a reader whose writer is gone: the write is made, the
 * read fails with ECANCELED, whether the writer went before the call or
 * while it waited. */
TEST_F(call, a_read_of_a_gone_writer_is_canceled_after_the_write)
{
	char pname[LKPORT_NAME_LEN], qname[LKPORT_NAME_LEN];
	struct { int ret; __u32 done, delivered; } *out;
	struct lkport_packet pk;
	struct lkport_result res;
	struct lkport_write_read a;
	int w, ra, wq, q;
	pid_t pid;

	CALL_SKIPPED();
	out = shared_page();
	ASSERT_NE(NULL, out);
	w = port_named(self, "p", 0, 8, pname);
	ASSERT_LE(0, w);
	ra = lkt_port_open(self->b.dev, pname, 1);
	ASSERT_LE(0, ra);
	wq = port_named(self, "q", 0, 8, qname);
	ASSERT_LE(0, wq);
	q = lkt_port_open(self->b.dev, qname, 0x99);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, close(wq));	/* the last writer fd: closed and destroyed */

	lkt_packet(&pk, 70);
	wr_init(&a, w, &pk, 1, &res, 1, LKPORT_FOREVER);
	EXPECT_EQ(-ECANCELED, write_read(q, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(1, a.write.delivered);
	EXPECT_EQ(0, a.write.skipped);
	EXPECT_EQ(70, take_seq(ra));

	/* Blocked, then the writer goes. */
	wq = port_named(self, "q2", 0, 8, qname);
	ASSERT_LE(0, wq);
	q = lkt_port_open(self->b.dev, qname, 0x98);
	ASSERT_LE(0, q);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(wq);	/* the parent's is the last writer fd */
		lkt_packet(&pk, 71);
		wr_init(&a, w, &pk, 1, &res, 1, LKPORT_FOREVER);
		out->ret = write_read(q, &a);
		out->done = a.done;
		out->delivered = a.write.delivered;
		_exit(0);
	}
	ASSERT_EQ(0, lkt_await_waiters(q, 1));
	EXPECT_EQ(71, take_seq(ra));
	ASSERT_EQ(0, close(wq));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(-ECANCELED, out->ret);
	EXPECT_EQ(LKPORT_DONE_FIRST, out->done);
	EXPECT_EQ(1, out->delivered);
	munmap(out, 4096);
}

/* In a child: blocks in the read half after writing seq to w, with a
 * SIGUSR1 handler (SA_RESTART or not); what the call returned in *out. */
struct blocked_out {
	int ret, handled;
	__u32 done, delivered, released;
};

static int blocked_write_read(int q, int w, int restart, struct blocked_out *out)
{
	struct lkport_packet pk;
	struct lkport_result res;
	struct lkport_write_read a;

	if (install_usr1(restart ? SA_RESTART : 0))
		return 20;
	lkt_packet(&pk, 80 + restart);
	wr_init(&a, w, &pk, 1, &res, 1, LKPORT_FOREVER);
	out->ret = write_read(q, &a);
	out->handled = handled;
	out->done = a.done;
	out->delivered = a.write.delivered;
	return 0;
}

/* A signal ends the read half with EINTR, SA_RESTART or not: a restart
 * would write again. */
TEST_F(call, a_signal_ends_the_read_and_the_write_is_not_repeated)
{
	char pname[LKPORT_NAME_LEN], qname[LKPORT_NAME_LEN];
	struct blocked_out *out;
	int w, ra, wq, q;

	CALL_SKIPPED();
	out = shared_page();
	ASSERT_NE(NULL, out);
	w = port_named(self, "p", 0, 8, pname);
	ASSERT_LE(0, w);
	ra = lkt_port_open(self->b.dev, pname, 1);
	ASSERT_LE(0, ra);
	wq = port_named(self, "q", 0, 8, qname);
	ASSERT_LE(0, wq);
	q = lkt_port_open(self->b.dev, qname, 0x99);
	ASSERT_LE(0, q);
	for (int restart = 0; restart <= 1; restart++) {
		pid_t pid;

		memset(out, 0, sizeof(*out));
		pid = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(blocked_write_read(q, w, restart, out));
		ASSERT_EQ(0, lkt_await_waiters(q, 1)) TH_LOG("restart %d", restart);
		EXPECT_EQ(1, lkt_queued(ra)) TH_LOG("restart %d", restart);
		ASSERT_EQ(0, kill(pid, SIGUSR1));
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS)) TH_LOG("restart %d", restart);
		EXPECT_EQ(-EINTR, out->ret) TH_LOG("restart %d", restart);
		EXPECT_EQ(1, out->handled) TH_LOG("restart %d", restart);
		EXPECT_EQ(LKPORT_DONE_FIRST, out->done) TH_LOG("restart %d", restart);
		EXPECT_EQ(1, out->delivered) TH_LOG("restart %d", restart);
		/* Written once. */
		EXPECT_EQ(1, lkt_queued(ra)) TH_LOG("restart %d", restart);
		EXPECT_EQ(80 + restart, take_seq(ra)) TH_LOG("restart %d", restart);
		EXPECT_EQ(0, lkt_waiters(q));
	}
	munmap(out, 4096);
}

/* ---- LKPORT_IOC_SIGNAL_WAIT -------------------------------------------------------- */

/* Two events, opened by each side with one access only: the parent
 * signals "ping" and waits on "pong", the child the other way round; a
 * shared counter says which round the child has reached. */
static int pong_events(int ping_wait, int pong_signal, int *round)
{
	struct lkport_signal_wait a;
	int i;

	if (lkt_event_wait(ping_wait, lkt_after_ms(LKT_SANITY_MS)))
		return 10;
	sw_init(&a, pong_signal, 0);
	for (i = 0; i < ROUNDS; i++) {
		__atomic_store_n(round, i + 1, __ATOMIC_SEQ_CST);
		if (i == ROUNDS - 1)
			return lkt_event_signal(pong_signal) < 0 ? 11 : 0;
		a.wait.deadline_ns = lkt_after_ms(LKT_SANITY_MS);
		if (signal_wait(ping_wait, &a) || a.done != LKPORT_DONE_FIRST || a.released > 1)
			return 12;
	}
	return 13;
}

TEST_F(call, signal_wait_ping_pong_between_two_processes)
{
	char ping[LKPORT_NAME_LEN], pong[LKPORT_NAME_LEN];
	struct lkport_signal_wait a;
	int *round;
	int e1, e2, ping_w, ping_s, pong_w, pong_s, released = 0;
	pid_t pid;

	CALL_SKIPPED();
	round = shared_page();
	ASSERT_NE(NULL, round);
	lkt_unique_name(ping, "call", "ping");
	lkt_unique_name(pong, "call", "pong");
	e1 = lkt_event_create(self->b.dev, ping, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, e1);
	e2 = lkt_event_create(self->b.dev, pong, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, e2);
	ping_w = lkt_event_open(self->b.dev, ping, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, ping_w);
	ping_s = lkt_event_open(self->b.dev, ping, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, ping_s);
	pong_w = lkt_event_open(self->b.dev, pong, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, pong_w);
	pong_s = lkt_event_open(self->b.dev, pong, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, pong_s);
	close(e1);
	close(e2);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(pong_events(ping_w, pong_s, round));

	sw_init(&a, ping_s, 0);
	for (int i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(i, __atomic_load_n(round, __ATOMIC_SEQ_CST)) TH_LOG("round %d", i);
		a.wait.deadline_ns = lkt_after_ms(LKT_SANITY_MS);
		ASSERT_EQ(0, signal_wait(pong_w, &a)) TH_LOG("round %d", i);
		ASSERT_EQ(LKPORT_DONE_FIRST, a.done) TH_LOG("round %d", i);
		ASSERT_GE(1, a.released) TH_LOG("round %d", i);
		released += a.released;
		ASSERT_EQ(i + 1, __atomic_load_n(round, __ATOMIC_SEQ_CST)) TH_LOG("round %d", i);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Both auto-unsignal events taken by every wait. */
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(ping_w, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(pong_w, 0));
	TH_LOG("%d of %d signals found the child waiting", released, ROUNDS);
	munmap(round, 4096);
}

/* released: the threads the signal let through, as EVENT_SIGNAL returns;
 * with a wait that times out, the signal still counts and stays made. */
TEST_F(call, released_counts_the_waiters_and_survives_a_timeout)
{
	char bname[LKPORT_NAME_LEN];
	struct lkport_signal_wait a;
	int ea, eb;
	pid_t pid[2];
	uint64_t dl;

	CALL_SKIPPED();
	ea = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ea);
	lkt_unique_name(bname, "call", "b");
	eb = lkt_event_create(self->b.dev, bname, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, eb);

	/* Nobody waits on ea: 0 released, ea signalled, eb's signal taken. */
	ASSERT_EQ(0, lkt_event_signal(eb));
	sw_init(&a, ea, LKPORT_FOREVER);
	EXPECT_EQ(0, signal_wait(eb, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(0, a.released);
	EXPECT_EQ(0, lkt_event_wait(ea, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(eb, 0));
	ASSERT_EQ(0, lkt_event_unsignal(ea));

	/* One waiter, then two: each counted; eb not signalled, so the
	 * wait times out after the signal. */
	for (int n = 1; n <= 2; n++) {
		for (int i = 0; i < n; i++) {
			pid[i] = lkt_fork(&self->b.kids);
			ASSERT_LE(0, pid[i]);
			if (pid[i] == 0)
				_exit(-lkt_event_wait(ea, lkt_after_ms(LKT_SANITY_MS)));
		}
		ASSERT_EQ(0, lkt_await_waiters(ea, n));
		sw_init(&a, ea, 0);
		EXPECT_EQ(-ETIMEDOUT, signal_wait(eb, &a)) TH_LOG("%d waiters", n);
		EXPECT_EQ(LKPORT_DONE_FIRST, a.done) TH_LOG("%d waiters", n);
		EXPECT_EQ(n, a.released) TH_LOG("%d waiters", n);
		for (int i = 0; i < n; i++)
			EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
		ASSERT_EQ(0, lkt_event_unsignal(ea));
	}

	/* Auto-unsignal passes one waiter of two. */
	LKT_NAME(bname, "auto");
	close(ea);
	ea = lkt_event_create(self->b.dev, bname, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ea);
	for (int i = 0; i < 2; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(-lkt_event_wait(ea, lkt_after_ms(LKT_SANITY_MS)));
	}
	ASSERT_EQ(0, lkt_await_waiters(ea, 2));
	dl = lkt_after_ms(30);
	sw_init(&a, ea, dl);
	EXPECT_EQ(-ETIMEDOUT, signal_wait(eb, &a));
	EXPECT_LE(dl, lkt_now());
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(1, a.released);
	EXPECT_EQ(0, lkt_await_waiters(ea, 1));
	EXPECT_EQ(1, lkt_event_signal(ea));
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));

	/* An fd opened to wait and signal may signal itself: the wait takes
	 * that signal. */
	sw_init(&a, eb, 0);
	EXPECT_EQ(0, signal_wait(eb, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(0, a.released);
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(eb, 0));
}

/* The fds' access, flags and reserved fields, checked before anything:
 * nothing signalled, nothing waited for. */
TEST_F(call, signal_wait_checks_its_fds_and_fields)
{
	char bname[LKPORT_NAME_LEN];
	struct lkport_signal_wait a, *ro;
	int ea, eb, ea_w, ea_s, eb_w, eb_s, w, r, file;

	CALL_SKIPPED();
	ea = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ea);
	lkt_unique_name(bname, "call", "b");
	eb = lkt_event_create(self->b.dev, bname, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, eb);
	ea_w = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, ea_w);
	ea_s = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, ea_s);
	eb_w = lkt_event_open(self->b.dev, bname, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, eb_w);
	eb_s = lkt_event_open(self->b.dev, bname, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, eb_s);
	w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	file = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, file);
	/* eb is signalled: a wait would take it. */
	ASSERT_EQ(0, lkt_event_signal(eb));

#define EXPECT_UNTOUCHED(what)                                                         \
	do {                                                                           \
		EXPECT_EQ(0, a.done) TH_LOG("%s", what);                               \
		EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(ea, 0)) TH_LOG("%s", what);       \
		EXPECT_EQ(0, lkt_event_wait(eb, 0)) TH_LOG("%s", what);                \
		ASSERT_EQ(0, lkt_event_signal(eb));                                    \
	} while (0)
#define EXPECT_REFUSED(fd, err, what)                                                  \
	do {                                                                           \
		EXPECT_EQ(-(err), signal_wait(fd, &a)) TH_LOG("%s", what);             \
		EXPECT_UNTOUCHED(what);                                                \
	} while (0)

	/* What to signal: an event fd opened to signal, nothing else. */
	const int nots[] = { ea_w, w, r, self->b.dev, file, -1, 1000000 };
	const char *const nots_name[] = {
		"a wait-only event fd", "a write port", "a read port", "/dev/lkport",
		"/dev/null", "-1", "no such fd",
	};
	for (size_t i = 0; i < ARRAY_SIZE(nots); i++) {
		sw_init(&a, nots[i], 0);
		EXPECT_REFUSED(eb_w, EBADF, nots_name[i]);
	}
	/* Where to wait: an event fd opened to wait. */
	sw_init(&a, ea_s, 0);
	EXPECT_REFUSED(eb_s, EBADF, "issued on a signal-only event fd");
	EXPECT_REFUSED(w, ENOTTY, "issued on a write port");
	EXPECT_REFUSED(r, ENOTTY, "issued on a read port");
	EXPECT_REFUSED(self->b.dev, ENOTTY, "issued on /dev/lkport");
	/* Flags and reserved fields. */
	sw_init(&a, ea_s, 0);
	a.wait.flags = 1;
	EXPECT_REFUSED(eb_w, EINVAL, "wait.flags");
	sw_init(&a, ea_s, 0);
	a.wait.reserved = 1;
	EXPECT_REFUSED(eb_w, EINVAL, "wait.reserved");
	sw_init(&a, ea_s, 0);
	a.reserved = 1u << 31;
	EXPECT_REFUSED(eb_w, EINVAL, "reserved");
	/* The argument unreadable, or not writable back. */
	sw_init(&a, ea_s, 0);
	EXPECT_EQ(-EFAULT, lkport_ioctl(eb_w, LKPORT_IOC_SIGNAL_WAIT, NULL));
	EXPECT_UNTOUCHED("NULL argument");
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	sw_init(ro, ea_s, 0);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, lkport_ioctl(eb_w, LKPORT_IOC_SIGNAL_WAIT, ro));
	EXPECT_UNTOUCHED("a read-only argument");
	munmap(ro, 4096);

	/* And the right fds work. */
	sw_init(&a, ea_s, 0);
	EXPECT_EQ(0, signal_wait(eb_w, &a));
	EXPECT_EQ(LKPORT_DONE_FIRST, a.done);
	EXPECT_EQ(0, lkt_event_wait(ea_w, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(eb_w, 0));
#undef EXPECT_REFUSED
#undef EXPECT_UNTOUCHED
}

/* A destroyed event to signal: EIDRM, nothing waited for. A destroyed
 * event to wait on, while waiting: EIDRM after the signal. */
TEST_F(call, a_destroyed_event_fails_its_half)
{
	char bname[LKPORT_NAME_LEN];
	struct { int ret; __u32 done, released; } *out;
	struct lkport_signal_wait a;
	int ea, eb, ec;
	pid_t pid;

	CALL_SKIPPED();
	out = shared_page();
	ASSERT_NE(NULL, out);
	ea = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ea);
	lkt_unique_name(bname, "call", "b");
	eb = lkt_event_create(self->b.dev, bname, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, eb);
	ASSERT_EQ(0, lkport_ioctl(ea, LKPORT_IOC_EVENT_DESTROY, NULL));
	ASSERT_EQ(0, lkt_event_signal(eb));
	sw_init(&a, ea, LKPORT_FOREVER);
	EXPECT_EQ(-EIDRM, signal_wait(eb, &a));
	EXPECT_EQ(0, a.done);
	/* eb's signal is still there: nothing waited. */
	EXPECT_EQ(0, lkt_event_wait(eb, 0));

	/* Blocked on eb when it is destroyed. */
	LKT_NAME(bname, "c");
	ec = lkt_event_create(self->b.dev, bname, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ec);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sw_init(&a, ec, LKPORT_FOREVER);
		out->ret = signal_wait(eb, &a);
		out->done = a.done;
		out->released = a.released;
		_exit(0);
	}
	ASSERT_EQ(0, lkt_await_waiters(eb, 1));
	EXPECT_EQ(0, lkt_event_wait(ec, 0));
	ASSERT_EQ(0, lkport_ioctl(eb, LKPORT_IOC_EVENT_DESTROY, NULL));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(-EIDRM, out->ret);
	EXPECT_EQ(LKPORT_DONE_FIRST, out->done);
	EXPECT_EQ(0, out->released);
	munmap(out, 4096);
}

/* In a child: signal_wait(wait_fd, fd = sig_fd) with a SIGUSR1 handler. */
static int blocked_signal_wait(int wait_fd, int sig_fd, int restart, struct blocked_out *out)
{
	struct lkport_signal_wait a;

	if (install_usr1(restart ? SA_RESTART : 0))
		return 20;
	sw_init(&a, sig_fd, LKPORT_FOREVER);
	out->ret = signal_wait(wait_fd, &a);
	out->handled = handled;
	out->done = a.done;
	out->released = a.released;
	return 0;
}

/* A signal ends the wait half with EINTR, SA_RESTART or not: a restart
 * would signal again. The event signalled is auto-unsignal with a waiter,
 * which takes the first signal: a second one would stay there. */
TEST_F(call, a_signal_ends_the_wait_and_the_signal_is_not_repeated)
{
	char bname[LKPORT_NAME_LEN];
	struct blocked_out *out;
	int ea, eb;

	CALL_SKIPPED();
	out = shared_page();
	ASSERT_NE(NULL, out);
	ea = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ea);
	lkt_unique_name(bname, "call", "b");
	eb = lkt_event_create(self->b.dev, bname, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, eb);
	for (int restart = 0; restart <= 1; restart++) {
		pid_t waiter, pid;

		memset(out, 0, sizeof(*out));
		waiter = lkt_fork(&self->b.kids);
		ASSERT_LE(0, waiter);
		if (waiter == 0)
			_exit(-lkt_event_wait(ea, lkt_after_ms(LKT_SANITY_MS)));
		ASSERT_EQ(0, lkt_await_waiters(ea, 1));
		pid = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(blocked_signal_wait(eb, ea, restart, out));
		EXPECT_EQ(0, lkt_reap(&self->b.kids, waiter, LKT_SANITY_MS)) TH_LOG("restart %d", restart);
		ASSERT_EQ(0, lkt_await_waiters(eb, 1)) TH_LOG("restart %d", restart);
		ASSERT_EQ(0, kill(pid, SIGUSR1));
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS)) TH_LOG("restart %d", restart);
		EXPECT_EQ(-EINTR, out->ret) TH_LOG("restart %d", restart);
		EXPECT_EQ(1, out->handled) TH_LOG("restart %d", restart);
		EXPECT_EQ(LKPORT_DONE_FIRST, out->done) TH_LOG("restart %d", restart);
		EXPECT_EQ(1, out->released) TH_LOG("restart %d", restart);
		/* Signalled once: the waiter took it, nothing is left. */
		EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(ea, 0)) TH_LOG("restart %d", restart);
		EXPECT_EQ(0, lkt_waiters(eb));
	}
	munmap(out, 4096);
}

TEST_HARNESS_MAIN
