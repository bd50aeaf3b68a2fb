// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI's rules for struct sizes and commands (uapi/linux/lkport.h,
 * "Struct sizes"): a command is its type, number and direction; the caller's
 * struct may be larger than the module's if the extra bytes are zero
 * (E2BIG otherwise), never smaller than the command's first size (ENOTTY);
 * output goes back at the caller's size and nothing past it is touched; an
 * fd not opened for a command gets EBADF before its argument is read. And
 * LKPORT_IOC_READ, one read for read ports and groups.
 */
#include <stddef.h>
#include <sys/mman.h>

#include "lkport_test.h"

/* cmd with another size or direction. */
#define RESIZED(cmd, size) _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), (size))
#define REDIRECTED(cmd, dir) _IOC((dir), _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd))

#define PAGE 4096

FIXTURE(abi) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
	int ev;		/* auto-unsignal: a wait that succeeds takes the signal */
	int w, r, r2;	/* broadcast port, two readers */
	int g;		/* group of r2 */
	unsigned char *buf;	/* two writable pages, then an unmapped one */
};

FIXTURE_SETUP(abi)
{
	unsigned char *p;

	self->ev = self->w = self->r = self->r2 = self->g = -1;
	self->buf = NULL;
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "abi");
	self->ev = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, self->ev);
	self->w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, self->w);
	self->r = lkt_port_open(self->b.dev, self->name, 0x11);
	ASSERT_LE(0, self->r);
	self->r2 = lkt_port_open(self->b.dev, self->name, 0x22);
	ASSERT_LE(0, self->r2);
	self->g = lkt_group_create(self->b.dev, &self->r2, 1);
	ASSERT_LE(0, self->g);
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + 2 * PAGE, PAGE));
	self->buf = p;
}

FIXTURE_TEARDOWN(abi)
{
	int *fds[] = { &self->g, &self->r2, &self->r, &self->w, &self->ev };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	if (self->buf)
		munmap(self->buf, 2 * PAGE);
	lkt_base_teardown(_metadata, &self->b);
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* INFO's kind, or -errno. */
static int kind_of(int fd)
{
	struct lkport_info info;
	int r = lkt_info(fd, &info);

	return r < 0 ? r : (int)info.kind;
}

/* A read into res through cmd with a struct of `size` bytes at arg (its
 * first bytes a struct lkport_port_read, the rest as the caller left it). */
static int read_sized(int fd, unsigned long cmd, unsigned char *arg, size_t size,
		      struct lkport_result *res, __u32 *count)
{
	struct lkport_port_read pr = { .results = (uintptr_t)res, .max = 1 };
	int ret;

	memcpy(arg, &pr, sizeof(pr));
	ret = lkport_ioctl(fd, RESIZED(cmd, size), arg);
	memcpy(&pr, arg, sizeof(pr));
	if (count)
		*count = pr.count;
	return ret;
}

/* A non-blocking wait with a struct of `size` bytes at arg. */
static int wait_sized(int fd, unsigned char *arg, size_t size)
{
	struct lkport_wait wt = { .deadline_ns = 0 };

	memcpy(arg, &wt, sizeof(wt));
	return lkport_ioctl(fd, RESIZED(LKPORT_IOC_EVENT_WAIT, size), arg);
}

TEST_F(abi, version_reports_read)
{
	struct lkport_version v;

	memset(&v, 0, sizeof(v));
	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_EQ(LKPORT_ABI_MAJOR, v.abi_major);
	EXPECT_LE(3, v.abi_minor);
	EXPECT_TRUE(v.features & LKPORT_FEATURE_READ);
}

/* At the module's own size, not one byte past the struct is written. */
TEST_F(abi, exact_size_writes_only_its_bytes)
{
	struct lkport_info info;
	struct lkport_version v;

	memset(self->buf, 0xa5, PAGE);
	ASSERT_EQ(0, lkport_ioctl(self->ev, LKPORT_IOC_INFO, self->buf));
	memcpy(&info, self->buf, sizeof(info));
	EXPECT_EQ(LKPORT_KIND_EVENT, info.kind);
	EXPECT_STREQ(self->name, info.name);
	EXPECT_TRUE(all_bytes(self->buf + sizeof(info), PAGE - sizeof(info), 0xa5));

	memset(self->buf, 0xa5, PAGE);
	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, self->buf));
	memcpy(&v, self->buf, sizeof(v));
	EXPECT_EQ(LKPORT_ABI_MAJOR, v.abi_major);
	EXPECT_TRUE(all_bytes(self->buf + sizeof(v), PAGE - sizeof(v), 0xa5));
}

/* A newer caller's larger output struct: the module fills its own part,
 * clears the rest of the caller's struct, and leaves what lies beyond
 * alone. An _IOR command reads nothing, so the tail may hold anything. */
TEST_F(abi, larger_output_struct_is_cleared_past_the_module)
{
	const size_t extra = 40, size = sizeof(struct lkport_info) + extra;
	struct lkport_info info;
	struct lkport_version v;

	memset(self->buf, 0xa5, PAGE);
	ASSERT_EQ(0, lkport_ioctl(self->r, RESIZED(LKPORT_IOC_INFO, size), self->buf));
	memcpy(&info, self->buf, sizeof(info));
	EXPECT_EQ(LKPORT_KIND_READ_PORT, info.kind);
	EXPECT_EQ(0x11, info.ctx);
	EXPECT_STREQ(self->name, info.name);
	EXPECT_TRUE(all_bytes(self->buf + sizeof(info), extra, 0));
	EXPECT_TRUE(all_bytes(self->buf + size, PAGE - size, 0xa5));

	memset(self->buf, 0xa5, PAGE);
	ASSERT_EQ(0, lkport_ioctl(self->b.dev, RESIZED(LKPORT_IOC_VERSION, sizeof(v) + 8),
				  self->buf));
	memcpy(&v, self->buf, sizeof(v));
	EXPECT_EQ(LKPORT_ABI_MAJOR, v.abi_major);
	EXPECT_TRUE(all_bytes(self->buf + sizeof(v), 8, 0));
	EXPECT_TRUE(all_bytes(self->buf + sizeof(v) + 8, PAGE - sizeof(v) - 8, 0xa5));
}

/* A newer caller's larger input struct with a zero tail is what the
 * module knows: _IOW, _IOWR, and a creating command. */
TEST_F(abi, larger_input_struct_with_zero_tail)
{
	const size_t wsize = sizeof(struct lkport_wait) + 24;
	const size_t rsize = sizeof(struct lkport_port_read) + 16;
	struct lkport_event_create c = { .perm = 0600, .fd_flags = O_CLOEXEC };
	struct lkport_result res;
	char name[LKPORT_NAME_LEN];
	__u32 count = 99;
	int fd;

	memset(self->buf, 0, 2 * PAGE);
	ASSERT_EQ(0, lkt_event_signal(self->ev));
	EXPECT_EQ(0, wait_sized(self->ev, self->buf, wsize));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(self->ev, 0));	/* the wait took it */
	/* As large as a command can say. */
	ASSERT_EQ(0, lkt_event_signal(self->ev));
	memset(self->buf, 0, 2 * PAGE);
	EXPECT_EQ(0, wait_sized(self->ev, self->buf, 2 * PAGE));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(self->ev, 0));

	/* _IOWR: the packet comes, the tail stays zero, nothing past it moves. */
	ASSERT_EQ(0, lkt_write_seq(self->w, 5, 1));
	memset(self->buf, 0, rsize);
	memset(self->buf + rsize, 0xa5, 64);
	EXPECT_EQ(0, read_sized(self->r, LKPORT_IOC_READ, self->buf, rsize, &res, &count));
	EXPECT_EQ(1, count);
	EXPECT_EQ(5, lkt_seq(res.data));
	EXPECT_TRUE(all_bytes(self->buf + sizeof(struct lkport_port_read), 16, 0));
	EXPECT_TRUE(all_bytes(self->buf + rsize, 64, 0xa5));
	EXPECT_EQ(0, read_sized(self->g, LKPORT_IOC_GROUP_READ, self->buf, rsize, &res, &count));
	EXPECT_EQ(1, count);
	EXPECT_EQ(5, lkt_seq(res.data));

	/* Creating: the object is made. */
	LKT_NAME(name, "big");
	lkt_set_name(c.name, name);
	memset(self->buf, 0, 2 * PAGE);
	memcpy(self->buf, &c, sizeof(c));
	fd = lkport_ioctl(self->b.dev, RESIZED(LKPORT_IOC_EVENT_CREATE, sizeof(c) + 32), self->buf);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, lkt_event_signal(fd));
	close(fd);
}

/* A nonzero byte past the module's struct: E2BIG, and nothing happened. */
TEST_F(abi, nonzero_tail_is_e2big)
{
	const size_t wsize = sizeof(struct lkport_wait) + 8;
	const size_t rsize = sizeof(struct lkport_port_read) + 8;
	struct lkport_event_create c = { .perm = 0600, .fd_flags = O_CLOEXEC };
	struct lkport_result res;
	char name[LKPORT_NAME_LEN];

	ASSERT_EQ(0, lkt_event_signal(self->ev));
	for (size_t at = sizeof(struct lkport_wait); at < wsize; at++) {
		memset(self->buf, 0, wsize);
		self->buf[at] = 1;
		EXPECT_EQ(-E2BIG, wait_sized(self->ev, self->buf, wsize)) TH_LOG("byte %zu", at);
	}
	/* Its last byte, far out. */
	memset(self->buf, 0, 2 * PAGE);
	self->buf[2 * PAGE - 1] = 0x80;
	EXPECT_EQ(-E2BIG, wait_sized(self->ev, self->buf, 2 * PAGE));
	/* The signal is still there. */
	EXPECT_EQ(0, lkt_event_wait(self->ev, 0));

	/* _IOWR: no packet taken, and the caller's struct as it was. */
	ASSERT_EQ(0, lkt_write_seq(self->w, 1, 1));
	memset(self->buf, 0, rsize);
	self->buf[rsize - 1] = 0xff;
	EXPECT_EQ(-E2BIG, read_sized(self->r, LKPORT_IOC_READ, self->buf, rsize, &res, NULL));
	EXPECT_EQ(0xff, self->buf[rsize - 1]);
	EXPECT_EQ(-E2BIG, read_sized(self->g, LKPORT_IOC_READ, self->buf, rsize, &res, NULL));
	EXPECT_EQ(-E2BIG, read_sized(self->r, LKPORT_IOC_PORT_READ, self->buf, rsize, &res, NULL));
	EXPECT_EQ(1, lkt_queued(self->r));
	EXPECT_EQ(1, lkt_queued(self->g));

	/* Creating: nothing made. */
	LKT_NAME(name, "big");
	lkt_set_name(c.name, name);
	memset(self->buf, 0, PAGE);
	memcpy(self->buf, &c, sizeof(c));
	self->buf[sizeof(c) + 3] = 1;
	EXPECT_EQ(-E2BIG, lkport_ioctl(self->b.dev, RESIZED(LKPORT_IOC_EVENT_CREATE, sizeof(c) + 8),
				       self->buf));
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, name, LKPORT_ACCESS_WAIT));
}

/* The tail is read too: reaching into unmapped memory is EFAULT. */
TEST_F(abi, tail_in_unmapped_memory_is_efault)
{
	unsigned char *wt = self->buf + 2 * PAGE - sizeof(struct lkport_wait);
	unsigned char *rd = self->buf + 2 * PAGE - sizeof(struct lkport_port_read);
	struct lkport_result res;

	ASSERT_EQ(0, lkt_event_signal(self->ev));
	EXPECT_EQ(-EFAULT, wait_sized(self->ev, wt, sizeof(struct lkport_wait) + 8));
	EXPECT_EQ(0, wait_sized(self->ev, wt, sizeof(struct lkport_wait)));

	ASSERT_EQ(0, lkt_write_seq(self->w, 1, 1));
	EXPECT_EQ(-EFAULT, read_sized(self->r, LKPORT_IOC_READ, rd,
				      sizeof(struct lkport_port_read) + 8, &res, NULL));
	EXPECT_EQ(1, lkt_queued(self->r));
}

/* _IOWR at a larger size in read-only memory: EFAULT before anything
 * changes, as at the module's size. */
TEST_F(abi, larger_iowr_in_readonly_memory_is_efault)
{
	const size_t rsize = sizeof(struct lkport_port_read) + 16;
	struct lkport_result res;
	struct lkport_port_read pr = { .results = (uintptr_t)&res, .max = 1 };

	ASSERT_EQ(0, lkt_write_seq(self->w, 1, 1));
	memset(self->buf, 0, PAGE);
	memcpy(self->buf, &pr, sizeof(pr));
	ASSERT_EQ(0, mprotect(self->buf, PAGE, PROT_READ));
	EXPECT_EQ(-EFAULT, lkport_ioctl(self->r, RESIZED(LKPORT_IOC_READ, rsize), self->buf));
	EXPECT_EQ(-EFAULT, lkport_ioctl(self->g, RESIZED(LKPORT_IOC_READ, rsize), self->buf));
	EXPECT_EQ(-EFAULT, lkport_ioctl(self->r, LKPORT_IOC_READ, self->buf));
	EXPECT_EQ(-EFAULT, lkport_ioctl(self->g, LKPORT_IOC_READ, self->buf));
	ASSERT_EQ(0, mprotect(self->buf, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(1, lkt_queued(self->r));
	EXPECT_EQ(1, lkt_queued(self->g));
}

/* Every command with an argument, on an fd that takes it. */
struct cmd_on {
	unsigned long cmd;
	const char *name;
	int which;	/* index into fds_of() */
};

enum { ON_DEV, ON_EV, ON_W, ON_R, ON_G, ON_KINDS };

#define ON(c, w) { c, #c, w }
static const struct cmd_on arg_cmds[] = {
	ON(LKPORT_IOC_VERSION, ON_DEV), ON(LKPORT_IOC_EVENT_CREATE, ON_DEV),
	ON(LKPORT_IOC_EVENT_OPEN, ON_DEV), ON(LKPORT_IOC_PORT_CREATE, ON_DEV),
	ON(LKPORT_IOC_PORT_OPEN, ON_DEV), ON(LKPORT_IOC_GROUP_CREATE, ON_DEV),
	ON(LKPORT_IOC_INFO, ON_EV), ON(LKPORT_IOC_INFO, ON_W), ON(LKPORT_IOC_INFO, ON_R),
	ON(LKPORT_IOC_INFO, ON_G), ON(LKPORT_IOC_EVENT_WAIT, ON_EV),
	ON(LKPORT_IOC_PORT_WRITE, ON_W), ON(LKPORT_IOC_PORT_READ, ON_R),
	ON(LKPORT_IOC_READ, ON_R), ON(LKPORT_IOC_READ, ON_G), ON(LKPORT_IOC_GROUP_ADD, ON_G),
	ON(LKPORT_IOC_GROUP_REMOVE, ON_G), ON(LKPORT_IOC_GROUP_READ, ON_G),
	ON(LKPORT_IOC_WRITE_READ, ON_R), ON(LKPORT_IOC_WRITE_READ, ON_G),
	ON(LKPORT_IOC_SIGNAL_WAIT, ON_EV),
};
static const struct cmd_on noarg_cmds[] = {
	ON(LKPORT_IOC_EVENT_SIGNAL, ON_EV), ON(LKPORT_IOC_EVENT_UNSIGNAL, ON_EV),
	ON(LKPORT_IOC_PORT_CLOSE, ON_W), ON(LKPORT_IOC_PORT_DESTROY, ON_W),
};
#undef ON

static void fds_of(FIXTURE_DATA(abi) *self, int fds[ON_KINDS])
{
	fds[ON_DEV] = self->b.dev;
	fds[ON_EV] = self->ev;
	fds[ON_W] = self->w;
	fds[ON_R] = self->r;
	fds[ON_G] = self->g;
}

/* The objects as the fixture made them: nothing signalled, nothing queued,
 * the port open, r2 in the group. */
static void expect_untouched(struct __test_metadata *_metadata, FIXTURE_DATA(abi) *self)
{
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(self->ev, 0));
	EXPECT_EQ(0, lkt_queued(self->r));
	EXPECT_EQ(-EBUSY, lkt_group_add(self->g, self->r2));
	EXPECT_EQ(0, lkt_write_seq(self->w, 1, 1));
	EXPECT_EQ(1, lkt_queued(self->r));
}

/* Below a command's first size (all of them are still at it), or any size
 * on a command without an argument: no such command. */
TEST_F(abi, smaller_than_first_size_is_enotty)
{
	int fds[ON_KINDS];

	fds_of(self, fds);
	memset(self->buf, 0, PAGE);
	for (size_t i = 0; i < ARRAY_SIZE(arg_cmds); i++) {
		unsigned long cmd = arg_cmds[i].cmd;
		size_t size = _IOC_SIZE(cmd);
		size_t smaller[] = { 0, 1, 4, size - 8, size - 1 };

		for (size_t k = 0; k < ARRAY_SIZE(smaller); k++) {
			EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[arg_cmds[i].which],
							RESIZED(cmd, smaller[k]), self->buf))
				TH_LOG("%s at %zu bytes", arg_cmds[i].name, smaller[k]);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(noarg_cmds); i++) {
		unsigned long cmd = noarg_cmds[i].cmd;

		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[noarg_cmds[i].which], RESIZED(cmd, 8), self->buf))
			TH_LOG("%s", noarg_cmds[i].name);
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[noarg_cmds[i].which], RESIZED(cmd, 1), self->buf))
			TH_LOG("%s", noarg_cmds[i].name);
	}
	expect_untouched(_metadata, self);
}

/* A known number in another direction is another command: ENOTTY, at the
 * command's own size and at a larger one. */
TEST_F(abi, wrong_direction_is_enotty)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	int fds[ON_KINDS];

	fds_of(self, fds);
	memset(self->buf, 0, PAGE);
	for (size_t i = 0; i < ARRAY_SIZE(arg_cmds) + ARRAY_SIZE(noarg_cmds); i++) {
		const struct cmd_on *c = i < ARRAY_SIZE(arg_cmds) ? &arg_cmds[i]
						: &noarg_cmds[i - ARRAY_SIZE(arg_cmds)];

		for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
			unsigned long cmd = REDIRECTED(c->cmd, dirs[d]);

			if (dirs[d] == _IOC_DIR(c->cmd))
				continue;
			EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[c->which], cmd, self->buf))
				TH_LOG("%s as dir %u", c->name, dirs[d]);
			EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[c->which],
							RESIZED(cmd, _IOC_SIZE(c->cmd) + 8), self->buf))
				TH_LOG("%s as dir %u, larger", c->name, dirs[d]);
		}
	}
	expect_untouched(_metadata, self);
}

/* LKPORT_IOC_READ on a read port and on a group; the older commands still
 * work, each on its own kind only; other fds do not read. */
TEST_F(abi, read_on_read_port_and_group)
{
	struct lkport_result res[4];
	__u32 count = 99;
	uint64_t seq = 0;
	__u64 ctx = 0;

	EXPECT_EQ(-ETIMEDOUT, lkt_read_cmd(self->r, LKPORT_IOC_READ, 0, res, 4, &count));
	EXPECT_EQ(-ETIMEDOUT, lkt_read_cmd(self->g, LKPORT_IOC_READ, 0, res, 4, &count));

	ASSERT_EQ(0, lkt_write_seq(self->w, 10, 3));
	EXPECT_EQ(0, lkt_read_cmd(self->r, LKPORT_IOC_READ, 0, res, 4, &count));
	ASSERT_EQ(3, count);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(10 + i, lkt_seq(res[i].data));
		EXPECT_EQ(0x11, res[i].ctx);
	}
	count = 99;
	EXPECT_EQ(0, lkt_read_cmd(self->g, LKPORT_IOC_READ, 0, res, 2, &count));
	ASSERT_EQ(2, count);
	EXPECT_EQ(10, lkt_seq(res[0].data));
	EXPECT_EQ(0x22, res[0].ctx);
	EXPECT_EQ(11, lkt_seq(res[1].data));
	EXPECT_EQ(0, lkt_read_one(self->g, LKPORT_IOC_READ, lkt_after_ms(LKT_SANITY_MS), &seq, &ctx));
	EXPECT_EQ(12, seq);
	EXPECT_EQ(0x22, ctx);

	/* The older commands. */
	ASSERT_EQ(0, lkt_write_seq(self->w, 20, 1));
	EXPECT_EQ(-ENOTTY, lkt_read_one(self->r, LKPORT_IOC_GROUP_READ, 0, NULL, NULL));
	EXPECT_EQ(-ENOTTY, lkt_read_one(self->g, LKPORT_IOC_PORT_READ, 0, NULL, NULL));
	EXPECT_EQ(0, lkt_read_one(self->r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(20, seq);
	EXPECT_EQ(0, lkt_read_one(self->g, LKPORT_IOC_GROUP_READ, 0, &seq, NULL));
	EXPECT_EQ(20, seq);

	/* Not a reader. */
	EXPECT_EQ(-ENOTTY, lkt_read_one(self->w, LKPORT_IOC_READ, 0, NULL, NULL));
	EXPECT_EQ(-ENOTTY, lkt_read_one(self->ev, LKPORT_IOC_READ, 0, NULL, NULL));
	EXPECT_EQ(-ENOTTY, lkt_read_one(self->b.dev, LKPORT_IOC_READ, 0, NULL, NULL));

	/* The same argument checks as the older commands. */
	EXPECT_EQ(-EINVAL, lkt_read_cmd(self->r, LKPORT_IOC_READ, 0, res, 0, &count));
	EXPECT_EQ(-EINVAL, lkt_read_cmd(self->g, LKPORT_IOC_READ, 0, res, LKPORT_READ_MAX + 1, &count));

	/* Once the writer is gone and all is read: ECANCELED on both. */
	close(self->w);
	self->w = -1;
	EXPECT_EQ(-ECANCELED, lkt_read_one(self->r, LKPORT_IOC_READ, 0, NULL, NULL));
	EXPECT_EQ(-ECANCELED, lkt_read_one(self->g, LKPORT_IOC_READ, 0, NULL, NULL));
}

/* The access an fd was opened with is checked by the dispatcher: EBADF,
 * before the argument is looked at. */
TEST_F(abi, access_is_checked_before_the_argument)
{
	int wo, so;

	wo = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, wo);
	so = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, so);

	/* Wait-only cannot signal. */
	EXPECT_EQ(-EBADF, lkt_event_signal(wo));
	EXPECT_EQ(-EBADF, lkt_event_unsignal(wo));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(wo, 0));
	/* Signal-only cannot wait, whatever the argument. */
	EXPECT_EQ(-EBADF, lkt_event_wait(so, 0));
	EXPECT_EQ(-EBADF, lkport_ioctl(so, LKPORT_IOC_EVENT_WAIT, NULL));
	memset(self->buf, 0, PAGE);
	self->buf[sizeof(struct lkport_wait)] = 1;
	EXPECT_EQ(-EBADF, lkport_ioctl(so, RESIZED(LKPORT_IOC_EVENT_WAIT,
						   sizeof(struct lkport_wait) + 8), self->buf));
	/* Both may ask what it is. */
	EXPECT_EQ(LKPORT_KIND_EVENT, kind_of(wo));
	EXPECT_EQ(LKPORT_KIND_EVENT, kind_of(so));

	EXPECT_EQ(0, lkt_event_signal(so));
	EXPECT_EQ(0, lkt_event_wait(wo, 0));
	close(so);
	close(wo);
}

/* The round-trip commands (ABI 1.11): one layout for 32- and 64-bit
 * callers, and on a module that has them, the size rules of every other
 * command: a zero tail is what the module knows, a nonzero one E2BIG
 * with nothing written or signalled, an fd not opened for the command
 * EBADF before the tail is looked at. */
TEST_F(abi, call_structs_and_size_rules)
{
	const size_t wrsize = sizeof(struct lkport_write_read) + 8;
	const size_t swsize = sizeof(struct lkport_signal_wait) + 8;
	struct lkport_version v = { 0 };
	struct lkport_write_read wr;
	struct lkport_signal_wait sw;
	struct lkport_packet pk;
	struct lkport_result res;
	int so;

	EXPECT_EQ(72, sizeof(struct lkport_write_read));
	EXPECT_EQ(0, offsetof(struct lkport_write_read, write));
	EXPECT_EQ(32, offsetof(struct lkport_write_read, read));
	EXPECT_EQ(64, offsetof(struct lkport_write_read, fd));
	EXPECT_EQ(68, offsetof(struct lkport_write_read, done));
	EXPECT_EQ(32, sizeof(struct lkport_signal_wait));
	EXPECT_EQ(0, offsetof(struct lkport_signal_wait, wait));
	EXPECT_EQ(16, offsetof(struct lkport_signal_wait, fd));
	EXPECT_EQ(20, offsetof(struct lkport_signal_wait, done));
	EXPECT_EQ(24, offsetof(struct lkport_signal_wait, released));
	EXPECT_EQ(28, offsetof(struct lkport_signal_wait, reserved));
	EXPECT_EQ(0x12, _IOC_NR(LKPORT_IOC_WRITE_READ));
	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(LKPORT_IOC_WRITE_READ));
	EXPECT_EQ(sizeof(struct lkport_write_read), _IOC_SIZE(LKPORT_IOC_WRITE_READ));
	EXPECT_EQ(0x24, _IOC_NR(LKPORT_IOC_SIGNAL_WAIT));
	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(LKPORT_IOC_SIGNAL_WAIT));
	EXPECT_EQ(sizeof(struct lkport_signal_wait), _IOC_SIZE(LKPORT_IOC_SIGNAL_WAIT));

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	if (!(v.features & LKPORT_FEATURE_CALL))
		SKIP(return, "module speaks ABI %u.%u: no LKPORT_FEATURE_CALL", v.abi_major,
		     v.abi_minor);

	/* WRITE_READ: r reads back what it wrote to its own port. */
	lkt_packet(&pk, 9);
	memset(&wr, 0, sizeof(wr));
	wr.write.packets = (uintptr_t)&pk;
	wr.write.count = 1;
	wr.read.results = (uintptr_t)&res;
	wr.read.max = 1;
	wr.fd = self->w;
	memset(self->buf, 0, wrsize);
	memcpy(self->buf, &wr, sizeof(wr));
	self->buf[wrsize - 1] = 1;
	EXPECT_EQ(-E2BIG, lkport_ioctl(self->r, RESIZED(LKPORT_IOC_WRITE_READ, wrsize), self->buf));
	EXPECT_EQ(0, lkt_queued(self->r));
	EXPECT_EQ(0, lkt_queued(self->r2));
	self->buf[wrsize - 1] = 0;
	memset(self->buf + wrsize, 0xa5, 64);
	ASSERT_EQ(0, lkport_ioctl(self->r, RESIZED(LKPORT_IOC_WRITE_READ, wrsize), self->buf));
	memcpy(&wr, self->buf, sizeof(wr));
	EXPECT_EQ(LKPORT_DONE_FIRST, wr.done);
	EXPECT_EQ(2, wr.write.delivered);
	EXPECT_EQ(1, wr.read.count);
	EXPECT_EQ(9, lkt_seq(res.data));
	EXPECT_EQ(0x11, res.ctx);
	EXPECT_TRUE(all_bytes(self->buf + sizeof(wr), 8, 0));
	EXPECT_TRUE(all_bytes(self->buf + wrsize, 64, 0xa5));
	EXPECT_EQ(1, lkt_queued(self->r2));

	/* SIGNAL_WAIT: the event signals itself and the wait takes it. */
	memset(&sw, 0, sizeof(sw));
	sw.fd = self->ev;
	memset(self->buf, 0, swsize);
	memcpy(self->buf, &sw, sizeof(sw));
	self->buf[swsize - 1] = 1;
	EXPECT_EQ(-E2BIG, lkport_ioctl(self->ev, RESIZED(LKPORT_IOC_SIGNAL_WAIT, swsize), self->buf));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(self->ev, 0));
	self->buf[swsize - 1] = 0;
	EXPECT_EQ(0, lkport_ioctl(self->ev, RESIZED(LKPORT_IOC_SIGNAL_WAIT, swsize), self->buf));
	memcpy(&sw, self->buf, sizeof(sw));
	EXPECT_EQ(LKPORT_DONE_FIRST, sw.done);
	EXPECT_EQ(0, sw.released);
	EXPECT_TRUE(all_bytes(self->buf + sizeof(sw), 8, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(self->ev, 0));

	/* A signal-only fd cannot wait: EBADF whatever the tail holds. */
	so = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, so);
	self->buf[swsize - 1] = 1;
	EXPECT_EQ(-EBADF, lkport_ioctl(so, RESIZED(LKPORT_IOC_SIGNAL_WAIT, swsize), self->buf));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(self->ev, 0));
	close(so);
}

TEST_HARNESS_MAIN
