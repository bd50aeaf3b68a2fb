// SPDX-License-Identifier: GPL-2.0
/*
 * What every caller can get wrong, and what one user may do to another:
 * names, reserved fields, unknown flags and fd flags, commands on the wrong
 * kind of fd, bad pointers (EFAULT, and nothing changed), permission bits
 * and umask checked as for files, per-user limits, and fds passed to other
 * processes.
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include "lkport_test.h"

FIXTURE(safety) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(safety)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "safe");
}

FIXTURE_TEARDOWN(safety)
{
	lkt_base_teardown(_metadata, &self->b);
}

/* ---- names ---------------------------------------------------------------------------- */

/* The four ways a name reaches the module, with the name field given raw. */
enum name_op { EV_CREATE, EV_OPEN, PORT_CREATE, PORT_OPEN, NAME_OPS };

static const char *const name_op_str[NAME_OPS] = {
	"EVENT_CREATE", "EVENT_OPEN", "PORT_CREATE", "PORT_OPEN",
};

static int name_call(int dev, enum name_op op, const char field[LKPORT_NAME_LEN])
{
	switch (op) {
	case EV_CREATE: {
		struct lkport_event_create c = { .perm = 0600 };

		memcpy(c.name, field, LKPORT_NAME_LEN);
		return lkport_ioctl(dev, LKPORT_IOC_EVENT_CREATE, &c);
	}
	case EV_OPEN: {
		struct lkport_event_open o = { .access = LKPORT_ACCESS_WAIT };

		memcpy(o.name, field, LKPORT_NAME_LEN);
		return lkport_ioctl(dev, LKPORT_IOC_EVENT_OPEN, &o);
	}
	case PORT_CREATE: {
		struct lkport_port_create c = { .perm = 0600 };

		memcpy(c.name, field, LKPORT_NAME_LEN);
		return lkport_ioctl(dev, LKPORT_IOC_PORT_CREATE, &c);
	}
	default: {
		struct lkport_port_open o = { 0 };

		memcpy(o.name, field, LKPORT_NAME_LEN);
		return lkport_ioctl(dev, LKPORT_IOC_PORT_OPEN, &o);
	}
	}
}

TEST_F(safety, bad_names_are_einval)
{
	static const char *const bad[] = {
		"", "a/b", "/abs", "a b", " a", "a\tb", "a\nb", "a*", "a?", "a:b", "a\\b",
		"\xc3\xa4", "a\x7f", "a\x01", "..\x80", "a+b", "a@b", "a,b", "~a",
	};
	char field[LKPORT_NAME_LEN];
	struct lkt_stats s;

	for (int op = 0; op < NAME_OPS; op++) {
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			lkt_set_name(field, bad[i]);
			EXPECT_EQ(-EINVAL, name_call(self->b.dev, op, field))
				TH_LOG("%s \"%s\"", name_op_str[op], bad[i]);
		}
		/* 64 characters: no NUL at all. */
		memset(field, 'a', sizeof(field));
		EXPECT_EQ(-EINVAL, name_call(self->b.dev, op, field))
			TH_LOG("%s: 64-byte name", name_op_str[op]);
		/* Garbage after the NUL. */
		lkt_set_name(field, self->name);
		field[LKPORT_NAME_LEN - 1] = 'x';
		EXPECT_EQ(-EINVAL, name_call(self->b.dev, op, field))
			TH_LOG("%s: byte after the NUL", name_op_str[op]);
		lkt_set_name(field, "abc");
		field[4] = 1;
		EXPECT_EQ(-EINVAL, name_call(self->b.dev, op, field))
			TH_LOG("%s: byte after the NUL", name_op_str[op]);
	}
	/* Nothing was created on the way. */
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(0, memcmp(&s, &self->b.stats, sizeof(s)));
}

TEST_F(safety, good_names)
{
	char longest[LKPORT_NAME_MAX + 1], field[LKPORT_NAME_LEN], charset[LKPORT_NAME_LEN];
	int fds[4];

	/* 63 characters, unique: the pid-bearing name, padded out. */
	memset(longest, 'x', LKPORT_NAME_MAX);
	memcpy(longest, self->name, strlen(self->name));
	longest[LKPORT_NAME_MAX] = 0;
	/* Every character allowed. */
	snprintf(charset, sizeof(charset), "AZaz09._-%d", getpid());

	for (int pass = 0; pass < 2; pass++) {
		lkt_set_name(field, pass ? charset : longest);
		fds[0] = name_call(self->b.dev, EV_CREATE, field);
		ASSERT_LE(0, fds[0]) TH_LOG("event \"%s\": %s", field, strerror(-fds[0]));
		fds[1] = name_call(self->b.dev, EV_OPEN, field);
		ASSERT_LE(0, fds[1]);
		fds[2] = name_call(self->b.dev, PORT_CREATE, field);
		ASSERT_LE(0, fds[2]) TH_LOG("port \"%s\": %s", field, strerror(-fds[2]));
		fds[3] = name_call(self->b.dev, PORT_OPEN, field);
		ASSERT_LE(0, fds[3]);
		for (int i = 0; i < 4; i++) {
			struct lkport_info info;

			ASSERT_EQ(0, lkt_info(fds[i], &info));
			EXPECT_EQ(0, memcmp(field, info.name, LKPORT_NAME_LEN));
			close(fds[i]);
		}
	}
	/* Names are case-sensitive. */
	fds[0] = lkt_event_create(self->b.dev, charset, 0, 0600);
	ASSERT_LE(0, fds[0]);
	charset[0] = 'a';
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, charset, LKPORT_ACCESS_WAIT));
	close(fds[0]);
}

/* ---- reserved fields, flags, permission bits, fd flags ------------------------------------ */

TEST_F(safety, create_open_reserved_fields_are_einval)
{
	struct lkt_stats s;
	int ev, w, r, g;

	for (int i = 0; i < 3; i++) {
		struct lkport_event_create c = { .perm = 0600 };

		lkt_set_name(c.name, self->name);
		if (i == 0)
			c.reserved = 1;
		else
			c.reserved2[i - 1] = 1ull << 63;
		EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_EVENT_CREATE, &c)) TH_LOG("%d", i);
	}
	for (int i = 0; i < 3; i++) {
		struct lkport_port_create c = { .perm = 0600 };

		lkt_set_name(c.name, self->name);
		if (i == 0)
			c.reserved = 0x80000000u;
		else
			c.reserved2[i - 1] = 1;
		EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_PORT_CREATE, &c)) TH_LOG("%d", i);
	}
	/* Nothing was created. */
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(0, memcmp(&s, &self->b.stats, sizeof(s)));
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT));
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));

	/* Opens, on names that exist. */
	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < 2; i++) {
		struct lkport_event_open o = { .access = LKPORT_ACCESS_WAIT };

		lkt_set_name(o.name, self->name);
		o.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_EVENT_OPEN, &o)) TH_LOG("%d", i);
	}
	for (int i = 0; i < 3; i++) {
		struct lkport_port_open o = { 0 };

		lkt_set_name(o.name, self->name);
		if (i == 0)
			o.reserved = 1;
		else
			o.reserved2[i - 1] = 1;
		EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_PORT_OPEN, &o)) TH_LOG("%d", i);
	}
	/* No reader was attached: the port's own ring still takes packets
	 * for the first real reader. */
	ASSERT_EQ(0, lkt_write_seq(w, 0, 1));
	EXPECT_EQ(1, lkt_queued(w));
	close(ev);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	for (int i = 0; i < 2; i++) {
		struct lkport_group_create c = { .fds = (uintptr_t)&r, .count = 1 };

		c.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, lkport_ioctl(self->b.dev, LKPORT_IOC_GROUP_CREATE, &c)) TH_LOG("%d", i);
	}
	g = lkt_group_create(self->b.dev, &r, 1);
	ASSERT_LE(0, g) TH_LOG("the port was left grouped: %s", strerror(-g));
	close(g);
	close(r);
	close(w);
}

TEST_F(safety, object_reserved_fields_are_einval)
{
	struct lkport_result res[1];
	struct lkport_packet pk[1];
	struct lkport_wait wt;
	int ev, w, r, g, r2;
	char name2[LKPORT_NAME_LEN];

	ev = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_SIGNALED, 0600);
	ASSERT_LE(0, ev);
	wt = (struct lkport_wait){ .deadline_ns = 0, .reserved = 1 };
	EXPECT_EQ(-EINVAL, lkport_ioctl(ev, LKPORT_IOC_EVENT_WAIT, &wt));
	wt = (struct lkport_wait){ .deadline_ns = LKPORT_FOREVER, .flags = 1 };
	EXPECT_EQ(-EINVAL, lkport_ioctl(ev, LKPORT_IOC_EVENT_WAIT, &wt));
	wt = (struct lkport_wait){ .flags = 1u << 31 };
	EXPECT_EQ(-EINVAL, lkport_ioctl(ev, LKPORT_IOC_EVENT_WAIT, &wt));
	/* The signal was not taken. */
	EXPECT_EQ(0, lkt_event_wait(ev, 0));
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	lkt_packet(&pk[0], 1);
	{
		struct lkport_port_write pw = { .packets = (uintptr_t)pk, .count = 1, .deadline_ns = 1 };

		EXPECT_EQ(-EINVAL, lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, &pw));
		pw = (struct lkport_port_write){ .packets = (uintptr_t)pk, .count = 1, .flags = 2 };
		EXPECT_EQ(-EINVAL, lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, &pw));
		pw = (struct lkport_port_write){ .packets = (uintptr_t)pk, .count = 1, .flags = 1u << 31 };
		EXPECT_EQ(-EINVAL, lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, &pw));
	}
	/* None of it was written. */
	EXPECT_EQ(0, lkt_queued(r));
	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	LKT_NAME(name2, "two");
	{
		int w2 = lkt_port_create(self->b.dev, name2, 0, 0, 0600, 0);

		ASSERT_LE(0, w2);
		r2 = lkt_port_open(self->b.dev, name2, 0);
		ASSERT_LE(0, r2);
		ASSERT_EQ(0, lkt_write_seq(w2, 2, 1));
		close(w2);
	}
	g = lkt_group_create(self->b.dev, &r2, 1);
	ASSERT_LE(0, g);
	for (int k = 0; k < 2; k++) {
		int fd = k ? g : r;
		unsigned long cmd = k ? LKPORT_IOC_GROUP_READ : LKPORT_IOC_PORT_READ;
		struct lkport_port_read pr = { .results = (uintptr_t)res, .max = 1, .reserved = 1 };

		EXPECT_EQ(-EINVAL, lkport_ioctl(fd, cmd, &pr));
		pr = (struct lkport_port_read){ .results = (uintptr_t)res, .max = 1, .flags = 1 };
		EXPECT_EQ(-EINVAL, lkport_ioctl(fd, cmd, &pr));
		pr = (struct lkport_port_read){ .results = (uintptr_t)res, .max = 1, .flags = 1u << 31 };
		EXPECT_EQ(-EINVAL, lkport_ioctl(fd, cmd, &pr));
		/* Nothing was taken. */
		EXPECT_EQ(1, lkt_queued(k ? r2 : r));
	}
	{
		struct lkport_group_member m = { .fd = r, .reserved = 1 };
		struct lkport_info info;

		EXPECT_EQ(-EINVAL, lkport_ioctl(g, LKPORT_IOC_GROUP_ADD, &m));
		ASSERT_EQ(0, lkt_info(r, &info));
		EXPECT_EQ(0, info.state & LKPORT_STATE_GROUPED);
		m.fd = r2;
		EXPECT_EQ(-EINVAL, lkport_ioctl(g, LKPORT_IOC_GROUP_REMOVE, &m));
		m.reserved = 0;
		EXPECT_EQ(0, lkport_ioctl(g, LKPORT_IOC_GROUP_REMOVE, &m));
		m.fd = r;
		EXPECT_EQ(0, lkport_ioctl(g, LKPORT_IOC_GROUP_ADD, &m));
	}
	close(g);
	close(r2);
	close(r);
	close(w);
	close(ev);
}

TEST_F(safety, unknown_flags_and_perm_bits_are_einval)
{
	static const __u32 bad_perm[] = { 01000, 02000, 04000, 07777, 0x10000, ~0u };

	for (__u32 bit = 2; bit < 32; bit++) {
		EXPECT_EQ(-EINVAL, lkt_event_create(self->b.dev, self->name, 1u << bit, 0600))
			TH_LOG("event flag bit %u", bit);
	}
	for (__u32 bit = 2; bit < 32; bit++) {
		EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 1u << bit))
			TH_LOG("port flag bit %u", bit);
	}
	for (__u32 bit = 2; bit < 32; bit++) {
		EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 1u << bit, 0, 0600, 0))
			TH_LOG("port mode bit %u", bit);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_perm); i++) {
		EXPECT_EQ(-EINVAL, lkt_event_create(self->b.dev, self->name, 0, bad_perm[i]))
			TH_LOG("event perm %o", bad_perm[i]);
		EXPECT_EQ(-EINVAL, lkt_port_create(self->b.dev, self->name, 0, 0, bad_perm[i], 0))
			TH_LOG("port perm %o", bad_perm[i]);
	}
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT));
	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 0));
}

/* Each call that makes an fd, with the fd_flags given. */
static int make_fd(int dev, int which, const char *name, __u32 fd_flags, int member)
{
	switch (which) {
	case 0: {
		struct lkport_event_create c = { .perm = 0600, .fd_flags = fd_flags };

		lkt_set_name(c.name, name);
		return lkport_ioctl(dev, LKPORT_IOC_EVENT_CREATE, &c);
	}
	case 1: {
		struct lkport_event_open o = { .access = LKPORT_ACCESS_WAIT, .fd_flags = fd_flags };

		lkt_set_name(o.name, name);
		return lkport_ioctl(dev, LKPORT_IOC_EVENT_OPEN, &o);
	}
	case 2: {
		struct lkport_port_create c = { .perm = 0600, .fd_flags = fd_flags };

		lkt_set_name(c.name, name);
		return lkport_ioctl(dev, LKPORT_IOC_PORT_CREATE, &c);
	}
	case 3: {
		struct lkport_port_open o = { .fd_flags = fd_flags };

		lkt_set_name(o.name, name);
		return lkport_ioctl(dev, LKPORT_IOC_PORT_OPEN, &o);
	}
	default: {
		struct lkport_group_create c = {
			.fds = (uintptr_t)&member, .count = member >= 0, .fd_flags = fd_flags,
		};

		return lkport_ioctl(dev, LKPORT_IOC_GROUP_CREATE, &c);
	}
	}
}

TEST_F(safety, fd_flags_cloexec_only)
{
	static const __u32 bad[] = { O_NONBLOCK, O_RDWR, O_WRONLY, O_APPEND, O_NOCTTY, O_SYNC,
				     O_CLOEXEC | O_NONBLOCK, 1u << 31 };
	static const char *const what[] = { "event create", "event open", "port create",
					    "port open", "group create" };
	int keep_ev, keep_w, fd, g;

	/* Objects for the opens to find, made without O_CLOEXEC. */
	keep_ev = make_fd(self->b.dev, 0, self->name, 0, -1);
	ASSERT_LE(0, keep_ev);
	EXPECT_EQ(0, fcntl(keep_ev, F_GETFD) & FD_CLOEXEC);
	keep_w = make_fd(self->b.dev, 2, self->name, 0, -1);
	ASSERT_LE(0, keep_w);
	EXPECT_EQ(0, fcntl(keep_w, F_GETFD) & FD_CLOEXEC);

	for (int which = 0; which < 5; which++) {
		if (which == 0 || which == 2) {
			/* Creates: on a fresh name each time. */
			char name[LKPORT_NAME_LEN];

			LKT_NAME(name, "cx");
			fd = make_fd(self->b.dev, which, name, O_CLOEXEC, -1);
			ASSERT_LE(0, fd) TH_LOG("%s: %s", what[which], strerror(-fd));
			EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC) TH_LOG("%s", what[which]);
			close(fd);
			for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
				EXPECT_EQ(-EINVAL, make_fd(self->b.dev, which, name, bad[i], -1))
					TH_LOG("%s fd_flags %#x", what[which], bad[i]);
			}
			continue;
		}
		fd = make_fd(self->b.dev, which, self->name, O_CLOEXEC, -1);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", what[which], strerror(-fd));
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC) TH_LOG("%s", what[which]);
		close(fd);
		fd = make_fd(self->b.dev, which, self->name, 0, -1);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC) TH_LOG("%s", what[which]);
		close(fd);
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			EXPECT_EQ(-EINVAL, make_fd(self->b.dev, which, self->name, bad[i], -1))
				TH_LOG("%s fd_flags %#x", what[which], bad[i]);
		}
	}
	/* A rejected group create leaves its member free. */
	fd = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, make_fd(self->b.dev, 4, NULL, O_NONBLOCK, fd));
	g = make_fd(self->b.dev, 4, NULL, 0, fd);
	ASSERT_LE(0, g);
	close(g);
	close(fd);
	close(keep_ev);
	close(keep_w);
}

/* ---- commands on the wrong kind of fd -------------------------------------------------------- */

static const struct {
	unsigned long cmd;
	const char *name;
} all_cmds[] = {
#define CMD(c) { c, #c }
	CMD(LKPORT_IOC_VERSION), CMD(LKPORT_IOC_EVENT_CREATE), CMD(LKPORT_IOC_EVENT_OPEN),
	CMD(LKPORT_IOC_PORT_CREATE), CMD(LKPORT_IOC_PORT_OPEN), CMD(LKPORT_IOC_GROUP_CREATE),
	CMD(LKPORT_IOC_INFO), CMD(LKPORT_IOC_EVENT_WAIT), CMD(LKPORT_IOC_EVENT_SIGNAL),
	CMD(LKPORT_IOC_EVENT_UNSIGNAL), CMD(LKPORT_IOC_PORT_WRITE), CMD(LKPORT_IOC_PORT_READ),
	CMD(LKPORT_IOC_PORT_CLOSE), CMD(LKPORT_IOC_PORT_DESTROY), CMD(LKPORT_IOC_GROUP_ADD),
	CMD(LKPORT_IOC_GROUP_REMOVE), CMD(LKPORT_IOC_GROUP_READ),
#undef CMD
};

/* Commands each kind of fd takes; everything else is ENOTTY. */
static bool takes(int kind, unsigned long cmd)
{
	switch (kind) {
	case 0:	/* /dev/lkport */
		return cmd == LKPORT_IOC_VERSION || cmd == LKPORT_IOC_EVENT_CREATE ||
		       cmd == LKPORT_IOC_EVENT_OPEN || cmd == LKPORT_IOC_PORT_CREATE ||
		       cmd == LKPORT_IOC_PORT_OPEN || cmd == LKPORT_IOC_GROUP_CREATE;
	case LKPORT_KIND_EVENT:
		return cmd == LKPORT_IOC_INFO || cmd == LKPORT_IOC_EVENT_WAIT ||
		       cmd == LKPORT_IOC_EVENT_SIGNAL || cmd == LKPORT_IOC_EVENT_UNSIGNAL;
	case LKPORT_KIND_WRITE_PORT:
		return cmd == LKPORT_IOC_INFO || cmd == LKPORT_IOC_PORT_WRITE ||
		       cmd == LKPORT_IOC_PORT_CLOSE || cmd == LKPORT_IOC_PORT_DESTROY;
	case LKPORT_KIND_READ_PORT:
		return cmd == LKPORT_IOC_INFO || cmd == LKPORT_IOC_PORT_READ;
	default:
		return cmd == LKPORT_IOC_INFO || cmd == LKPORT_IOC_GROUP_ADD ||
		       cmd == LKPORT_IOC_GROUP_REMOVE || cmd == LKPORT_IOC_GROUP_READ;
	}
}

TEST_F(safety, wrong_kind_of_fd_is_enotty)
{
	/* Valid memory, zeroed, big enough for any argument. */
	static __u64 arg[64];
	int fds[5], ev, w, r, g;

	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	g = lkt_group_create(self->b.dev, NULL, 0);
	ASSERT_LE(0, g);
	fds[0] = self->b.dev;
	fds[LKPORT_KIND_EVENT] = ev;
	fds[LKPORT_KIND_WRITE_PORT] = w;
	fds[LKPORT_KIND_READ_PORT] = r;
	fds[LKPORT_KIND_GROUP] = g;

	for (int kind = 0; kind <= LKPORT_KIND_GROUP; kind++) {
		for (size_t i = 0; i < ARRAY_SIZE(all_cmds); i++) {
			if (takes(kind, all_cmds[i].cmd))
				continue;
			memset(arg, 0, sizeof(arg));
			EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], all_cmds[i].cmd, arg))
				TH_LOG("%s on fd kind %d", all_cmds[i].name, kind);
		}
		/* Unknown numbers, known numbers with the wrong size or
		 * direction, another driver's commands. */
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IO(LKPORT_IOC_MAGIC, 0x7f), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IOWR(LKPORT_IOC_MAGIC, 0xff, __u64), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IOR(LKPORT_IOC_MAGIC, 0x10, __u64), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IOW(LKPORT_IOC_MAGIC, 0x10, struct lkport_info), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IOW(LKPORT_IOC_MAGIC, 0x20, __u64), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IOR(LKPORT_IOC_MAGIC, 0x31, struct lkport_port_read), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IO(LKPORT_IOC_MAGIC, 0x30), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], _IO('T', 0x01), arg));
		EXPECT_EQ(-ENOTTY, lkport_ioctl(fds[kind], FIONREAD, arg));
	}
	/* The objects are as they were. */
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(ev, 0));
	EXPECT_EQ(0, lkt_queued(r));
	EXPECT_EQ(0, lkt_write_seq(w, 0, 1));
	EXPECT_EQ(1, lkt_queued(r));
	close(g);
	close(r);
	close(w);
	close(ev);
}

/* Object fds are not files: no seek, and only the reads, writes and maps
 * their kind documents (ABI 1.8: write to a write port, read from a read
 * port, an event's 8 bytes; mmap of a read port and, ABI 1.10, of a write
 * port). The rest is refused and changes nothing. */
TEST_F(safety, object_fds_take_no_file_io)
{
	char buf[16] = { 0 };
	int ev, w;

	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	for (int i = 0; i < 2; i++) {
		int fd = i ? w : ev;

		errno = 0;
		EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
		EXPECT_EQ(ESPIPE, errno);
	}
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, ev, 0));
	EXPECT_EQ(ENODEV, errno);
	/* A write port has nothing to read; an event reads and writes 8
	 * bytes, no more, no less. */
	errno = 0;
	EXPECT_EQ(-1, read(w, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, write(ev, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, read(ev, buf, 4));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, write(self->b.dev, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, lkt_queued(w));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(ev, 0));
	close(w);
	close(ev);
}

/* ---- bad pointers ------------------------------------------------------------------------------ */

struct bad_mem {
	void *ro;	/* a read-only page */
	void *edge;	/* a page followed by an unmapped one */
};

static int bad_mem_map(struct bad_mem *m)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	memset(p, 0, 3 * 4096);
	if (mprotect(p, 4096, PROT_READ) || munmap(p + 2 * 4096, 4096))
		return -errno;
	m->ro = p;
	m->edge = p + 4096;
	return 0;
}

static void bad_mem_unmap(struct bad_mem *m)
{
	munmap(m->ro, 2 * 4096);
}

#define KERNEL_ADDR ((void *)0xffffffff81000000ul)

/* Each creating command with its argument nowhere: EFAULT, nothing made. */
TEST_F(safety, bad_argument_pointer_creates_nothing)
{
	static const unsigned long cmds[] = {
		LKPORT_IOC_EVENT_CREATE, LKPORT_IOC_EVENT_OPEN, LKPORT_IOC_PORT_CREATE,
		LKPORT_IOC_PORT_OPEN, LKPORT_IOC_GROUP_CREATE, LKPORT_IOC_VERSION,
	};
	struct bad_mem m;
	struct lkt_stats s;

	ASSERT_EQ(0, bad_mem_map(&m));
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		/* The struct straddling the end of the mapping. */
		void *straddle = (char *)m.edge + 4096 - 8;

		EXPECT_EQ(-EFAULT, lkport_ioctl(self->b.dev, cmds[i], NULL)) TH_LOG("cmd %zu", i);
		EXPECT_EQ(-EFAULT, lkport_ioctl(self->b.dev, cmds[i], KERNEL_ADDR)) TH_LOG("cmd %zu", i);
		EXPECT_EQ(-EFAULT, lkport_ioctl(self->b.dev, cmds[i], straddle)) TH_LOG("cmd %zu", i);
	}
	/* VERSION answers into memory it cannot write. */
	EXPECT_EQ(-EFAULT, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, m.ro));
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(0, memcmp(&s, &self->b.stats, sizeof(s)));
	bad_mem_unmap(&m);
}

TEST_F(safety, bad_argument_pointer_on_objects)
{
	static const unsigned long cmds[] = {
		LKPORT_IOC_INFO, LKPORT_IOC_EVENT_WAIT, LKPORT_IOC_PORT_WRITE, LKPORT_IOC_PORT_READ,
		LKPORT_IOC_GROUP_ADD, LKPORT_IOC_GROUP_REMOVE, LKPORT_IOC_GROUP_READ,
	};
	int ev, w, r, g, r2, fds[5];
	struct bad_mem m;

	ASSERT_EQ(0, bad_mem_map(&m));
	ev = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_SIGNALED | LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ev);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	r2 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r2);
	g = lkt_group_create(self->b.dev, &r2, 1);
	ASSERT_LE(0, g);
	ASSERT_EQ(0, lkt_write_seq(w, 0, 1));
	fds[LKPORT_KIND_EVENT] = ev;
	fds[LKPORT_KIND_WRITE_PORT] = w;
	fds[LKPORT_KIND_READ_PORT] = r;
	fds[LKPORT_KIND_GROUP] = g;

	for (int kind = LKPORT_KIND_EVENT; kind <= LKPORT_KIND_GROUP; kind++) {
		for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
			if (!takes(kind, cmds[i]))
				continue;
			EXPECT_EQ(-EFAULT, lkport_ioctl(fds[kind], cmds[i], NULL))
				TH_LOG("kind %d cmd %zu", kind, i);
			EXPECT_EQ(-EFAULT, lkport_ioctl(fds[kind], cmds[i], KERNEL_ADDR))
				TH_LOG("kind %d cmd %zu", kind, i);
		}
		/* INFO answers into memory it cannot write. */
		EXPECT_EQ(-EFAULT, lkport_ioctl(fds[kind], LKPORT_IOC_INFO, m.ro));
	}
	/* Nothing changed: the signal is still there, the packets still
	 * queued, the group as it was. */
	EXPECT_EQ(1, lkt_queued(r));
	EXPECT_EQ(1, lkt_queued(r2));
	EXPECT_EQ(0, lkt_event_wait(ev, 0));
	EXPECT_EQ(-EBUSY, lkt_group_add(g, r2));
	close(g);
	close(r2);
	close(r);
	close(w);
	close(ev);
	bad_mem_unmap(&m);
}

/* A write whose packets cannot be read writes nothing. */
TEST_F(safety, bad_packets_pointer_writes_nothing)
{
	struct lkport_packet *edge;
	struct bad_mem m;
	int w, r = -1;

	ASSERT_EQ(0, bad_mem_map(&m));
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	/* Two packets of which the second lies past the mapping. */
	edge = (struct lkport_packet *)((char *)m.edge + 4096 - sizeof(*edge));
	lkt_packet(edge, 1);
	for (int pass = 0; pass < 2; pass++) {
		/* First with no reader (the port's own ring), then with one. */
		int target = pass ? r : w;

		EXPECT_EQ(-EFAULT, lkt_write(w, NULL, 1, NULL, NULL));
		EXPECT_EQ(-EFAULT, lkt_write(w, KERNEL_ADDR, 1, NULL, NULL));
		EXPECT_EQ(-EFAULT, lkt_write(w, edge, 2, NULL, NULL));
		EXPECT_EQ(-EFAULT, lkt_write(w, (void *)m.edge, 4096 / sizeof(*edge) + 1, NULL, NULL));
		EXPECT_EQ(0, lkt_queued(target));
		/* The last packet of the mapping alone is fine. */
		EXPECT_EQ(0, lkt_write(w, edge, 1, NULL, NULL));
		EXPECT_EQ(1, lkt_queued(target));
		if (!pass) {
			r = lkt_port_open(self->b.dev, self->name, 0);
			ASSERT_LE(0, r);
		}
		EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, NULL, NULL));
	}
	close(r);
	close(w);
	bad_mem_unmap(&m);
}

/* A read into memory it cannot write takes no packet. */
TEST_F(safety, bad_results_pointer_consumes_nothing)
{
	struct lkport_result *edge;
	struct bad_mem m;
	int w, r, r2, g;

	ASSERT_EQ(0, bad_mem_map(&m));
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	r2 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r2);
	g = lkt_group_create(self->b.dev, &r2, 1);
	ASSERT_LE(0, g);
	ASSERT_EQ(0, lkt_write_seq(w, 5, 2));
	edge = (struct lkport_result *)((char *)m.edge + 4096 - sizeof(*edge));

	for (int k = 0; k < 2; k++) {
		int fd = k ? g : r, member = k ? r2 : r;
		unsigned long cmd = k ? LKPORT_IOC_GROUP_READ : LKPORT_IOC_PORT_READ;
		uint64_t seq;
		__u32 count;

		EXPECT_EQ(-EFAULT, lkt_read_cmd(fd, cmd, 0, NULL, 1, &count));
		EXPECT_EQ(-EFAULT, lkt_read_cmd(fd, cmd, 0, KERNEL_ADDR, 1, &count));
		EXPECT_EQ(-EFAULT, lkt_read_cmd(fd, cmd, 0, m.ro, 1, &count));
		/* One result fits, max = 2 does not: nothing taken either. */
		EXPECT_EQ(-EFAULT, lkt_read_cmd(fd, cmd, 0, edge, 2, &count));
		EXPECT_EQ(2, lkt_queued(member));
		/* Even a blocking read fails at once. */
		EXPECT_EQ(-EFAULT, lkt_read_cmd(fd, cmd, LKPORT_FOREVER, m.ro, 1, &count));
		/* A good read gets the first packet. */
		ASSERT_EQ(0, lkt_read_one(fd, cmd, 0, &seq, NULL));
		EXPECT_EQ(5, seq);
		EXPECT_EQ(0, lkt_read_cmd(fd, cmd, 0, edge, 1, &count));
		EXPECT_EQ(1, count);
		EXPECT_EQ(6, lkt_seq(edge->data));
	}
	close(g);
	close(r2);
	close(r);
	close(w);
	bad_mem_unmap(&m);
}

/* The argument struct of PORT_WRITE / PORT_READ / GROUP_READ is written
 * back (delivered, skipped, count): in read-only memory the call must fail
 * before it changes anything. */
TEST_F(safety, readonly_argument_struct_changes_nothing)
{
	struct lkport_result res[2];
	struct lkport_packet pk[1];
	struct bad_mem m;
	int w, r, r2, g;

	ASSERT_EQ(0, bad_mem_map(&m));
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	r2 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r2);
	g = lkt_group_create(self->b.dev, &r2, 1);
	ASSERT_LE(0, g);
	lkt_packet(&pk[0], 1);

	/* Each struct is filled in while the page is writable, then the page
	 * is made read-only. */
	ASSERT_EQ(0, mprotect(m.ro, 4096, PROT_READ | PROT_WRITE));
	*(struct lkport_port_write *)m.ro = (struct lkport_port_write){
		.packets = (uintptr_t)pk, .count = 1,
	};
	ASSERT_EQ(0, mprotect(m.ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, lkport_ioctl(w, LKPORT_IOC_PORT_WRITE, m.ro));
	EXPECT_EQ(0, lkt_queued(r));
	EXPECT_EQ(0, lkt_queued(r2));

	ASSERT_EQ(0, lkt_write_seq(w, 1, 1));
	ASSERT_EQ(0, mprotect(m.ro, 4096, PROT_READ | PROT_WRITE));
	*(struct lkport_port_read *)m.ro = (struct lkport_port_read){
		.results = (uintptr_t)res, .max = 2,
	};
	ASSERT_EQ(0, mprotect(m.ro, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, lkport_ioctl(r, LKPORT_IOC_PORT_READ, m.ro));
	EXPECT_EQ(-EFAULT, lkport_ioctl(g, LKPORT_IOC_GROUP_READ, m.ro));
	EXPECT_EQ(1, lkt_queued(r));
	EXPECT_EQ(1, lkt_queued(r2));
	close(g);
	close(r2);
	close(r);
	close(w);
	bad_mem_unmap(&m);
}

/* ---- permissions ------------------------------------------------------------------------------ */

/* In a child: become nobody (with `groups`), open /dev/lkport, then try
 * an event open with `access`: 0 or the errno. */
static int nobody_event_open(const char *name, __u32 access, const gid_t *groups, int ngroups)
{
	int dev = lkt_nobody_dev(groups, ngroups), fd;

	if (dev < 0)
		return 100;
	fd = lkt_event_open(dev, name, access);
	return fd < 0 ? -fd : 0;
}

static int nobody_port_open(const char *name, __u32 flags, const gid_t *groups, int ngroups)
{
	int dev = lkt_nobody_dev(groups, ngroups), fd;

	if (dev < 0)
		return 100;
	if (flags & (LKPORT_PORT_SHARE | LKPORT_PORT_EXISTING)) {
		fd = flags & LKPORT_PORT_EXISTING ?
			lkt_port_create(dev, name, 0, 0, 0, LKPORT_PORT_EXISTING) :
			lkt_port_create(dev, name, 0, 0, 0600, LKPORT_PORT_SHARE);
		if (fd >= 0 && lkt_write_seq(fd, 99, 1))
			return 102;
	} else {
		fd = lkt_port_open(dev, name, 0);
	}
	return fd < 0 ? -fd : 0;
}

/* Runs fn(name, arg, groups) as nobody in a child and returns its result. */
#define AS_NOBODY(fn, name, arg, groups, ngroups)                                    \
	({                                                                         \
		pid_t _pid = lkt_fork(&self->b.kids);                               \
		ASSERT_LE(0, _pid);                                                \
		if (_pid == 0)                                                     \
			_exit(fn(name, arg, groups, ngroups));                     \
		lkt_reap(&self->b.kids, _pid, LKT_SANITY_MS);                      \
	})

TEST_F(safety, event_permission_bits)
{
	static const struct {
		__u32 perm, access;
		int expect;
	} cases[] = {
		{ 0600, LKPORT_ACCESS_WAIT, EACCES },
		{ 0600, LKPORT_ACCESS_SIGNAL, EACCES },
		{ 0604, LKPORT_ACCESS_WAIT, 0 },
		{ 0604, LKPORT_ACCESS_SIGNAL, EACCES },
		{ 0604, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL, EACCES },
		{ 0602, LKPORT_ACCESS_SIGNAL, 0 },
		{ 0602, LKPORT_ACCESS_WAIT, EACCES },
		{ 0606, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL, 0 },
		/* Group bits do not apply to a user outside the group. */
		{ 0660, LKPORT_ACCESS_WAIT, EACCES },
		{ 0666, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL, 0 },
	};
	mode_t old = umask(0);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char name[LKPORT_NAME_LEN];
		int fd;

		LKT_NAME(name, "perm");
		fd = lkt_event_create(self->b.dev, name, 0, cases[i].perm);
		ASSERT_LE(0, fd);
		EXPECT_EQ(cases[i].expect, AS_NOBODY(nobody_event_open, name, cases[i].access, NULL, 0))
			TH_LOG("perm %04o access %u", cases[i].perm, cases[i].access);
		close(fd);
	}
	umask(old);
}

/* Group bits apply to members of the object's group (here gid 0, as a
 * supplementary group of nobody). */
TEST_F(safety, group_permission_bits)
{
	static const gid_t root_group[] = { 0 };
	mode_t old = umask(0);
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0060);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, AS_NOBODY(nobody_event_open, self->name,
			       LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL, root_group, 1));
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_event_open, self->name, LKPORT_ACCESS_WAIT, NULL, 0));
	close(fd);
	fd = lkt_port_create(self->b.dev, self->name, 0, 0, 0040, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, AS_NOBODY(nobody_port_open, self->name, 0, root_group, 1));
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, self->name, LKPORT_PORT_SHARE, root_group, 1));
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, self->name, 0, NULL, 0));
	close(fd);
	umask(old);
}

TEST_F(safety, port_permission_bits)
{
	mode_t old = umask(0);
	struct lkt_stats s;
	uint64_t seq = 0;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, self->name, 0, NULL, 0));
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, self->name, LKPORT_PORT_SHARE, NULL, 0));
	/* The refused open left no reader behind: packets still go to the
	 * port's own ring. */
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(self->b.stats.live[LKPORT_KIND_READ_PORT], s.live[LKPORT_KIND_READ_PORT]);
	close(w);

	/* Read permission to open, write permission to share. */
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0604, 0);
	ASSERT_LE(0, w);
	EXPECT_EQ(0, AS_NOBODY(nobody_port_open, self->name, 0, NULL, 0));
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, self->name, LKPORT_PORT_SHARE, NULL, 0));
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, self->name, LKPORT_PORT_EXISTING, NULL, 0));
	close(w);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0602, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, self->name, 0, NULL, 0));
	/* nobody's shared writer wrote packet 99. */
	EXPECT_EQ(0, AS_NOBODY(nobody_port_open, self->name, LKPORT_PORT_SHARE, NULL, 0));
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(99, seq);
	/* The same through LKPORT_PORT_EXISTING, which creates nothing and
	 * so is not held to the object limit. */
	ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_OBJECTS, 0));
	EXPECT_EQ(0, AS_NOBODY(nobody_port_open, self->name, LKPORT_PORT_EXISTING, NULL, 0));
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(99, seq);
	close(r);
	close(w);
	umask(old);
}

/* As nobody, a writer of root's port `name` (write permission given to
 * all): closing and destroying it are refused and change nothing. 0, or
 * the step that went wrong. */
static int nobody_end_port(const char *name, __u32 unused, const gid_t *groups, int ngroups)
{
	struct lkport_info info;
	int dev = lkt_nobody_dev(groups, ngroups), fd;

	if (dev < 0)
		return 100;
	fd = lkt_port_create(dev, name, 0, 0, 0600, LKPORT_PORT_SHARE);
	if (fd < 0)
		return 101;
	if (lkport_ioctl(fd, LKPORT_IOC_PORT_CLOSE, NULL) != -EPERM)
		return 1;
	if (lkport_ioctl(fd, LKPORT_IOC_PORT_DESTROY, NULL) != -EPERM)
		return 2;
	/* Still open for writing, and the name still taken. */
	if (lkt_write_seq(fd, 77, 1))
		return 3;
	if (lkt_info(fd, &info) || (info.state & (LKPORT_STATE_CLOSED | LKPORT_STATE_DESTROYED)))
		return 4;
	if (lkt_port_create(dev, name, 0, 0, 0600, 0) != -EEXIST)
		return 5;
	return 0;
}

/* Write permission lets another user write, not end the port: closing
 * and destroying are the owner's (or CAP_DAC_OVERRIDE's). */
TEST_F(safety, only_owner_closes_and_destroys_port)
{
	mode_t old = umask(0);
	uint64_t seq = 0;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0666, 0);
	umask(old);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, AS_NOBODY(nobody_end_port, self->name, 0, NULL, 0));
	/* nobody's packet came through; the port is root's as before. */
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(77, seq);
	EXPECT_EQ(0, lkt_write_seq(w, 78, 1));
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(78, seq);
	/* The owner still can. */
	EXPECT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_CLOSE, NULL));
	EXPECT_EQ(0, lkport_ioctl(w, LKPORT_IOC_PORT_DESTROY, NULL));
	EXPECT_EQ(-ECANCELED, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	close(r);
	close(w);
}

/* Owner bits apply to the owner even where "other" bits would allow; root
 * passes any bits (CAP_DAC_OVERRIDE). */
TEST_F(safety, owner_bits_and_override)
{
	struct {
		int result[3];
		__u32 uid, gid, perm;
	} *out;
	int fd, status;
	pid_t pid;

	out = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, out);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct lkport_info info;
		int dev, e, z;
		char zname[LKPORT_NAME_LEN];

		dev = lkt_nobody_dev(NULL, 0);
		if (dev < 0)
			_exit(100);
		umask(0);
		e = lkt_event_create(dev, self->name, 0, 0406);
		if (e < 0)
			_exit(101);
		if (lkt_info(e, &info))
			_exit(102);
		out->uid = info.uid;
		out->gid = info.gid;
		out->perm = info.perm;
		out->result[0] = -lkt_event_open(dev, self->name, LKPORT_ACCESS_SIGNAL);
		out->result[1] = lkt_event_open(dev, self->name, LKPORT_ACCESS_WAIT) >= 0 ? 0 : 1;
		snprintf(zname, sizeof(zname), "%.40s-zero", self->name);
		z = lkt_event_create(dev, zname, 0, 0);
		out->result[2] = z < 0 ? -z : -lkt_event_open(dev, zname, LKPORT_ACCESS_WAIT);
		/* Keep the objects until the parent has looked. */
		kill(getpid(), SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("child ended: status %#x", status);
	EXPECT_EQ(LKT_NOBODY, out->uid);
	EXPECT_EQ(LKT_NOBODY, out->gid);
	EXPECT_EQ(0406, out->perm);
	EXPECT_EQ(EACCES, out->result[0]);
	EXPECT_EQ(0, out->result[1]);
	EXPECT_EQ(EACCES, out->result[2]);
	/* Root: "other" gets rw here, and DAC override passes even 0000. */
	fd = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL);
	EXPECT_LE(0, fd);
	close(fd);
	{
		char zname[LKPORT_NAME_LEN];

		snprintf(zname, sizeof(zname), "%.40s-zero", self->name);
		fd = lkt_event_open(self->b.dev, zname, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL);
		EXPECT_LE(0, fd) TH_LOG("root open of a 0000 event: %s", strerror(-fd));
		close(fd);
	}
	kill(pid, SIGCONT);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	munmap(out, 4096);
}

/* The creator's umask is taken off the permission bits. */
TEST_F(safety, umask_applies_at_create)
{
	char pname[LKPORT_NAME_LEN];
	struct lkport_info info;
	mode_t old = umask(027);
	int ev, w;

	LKT_NAME(pname, "p");
	ev = lkt_event_create(self->b.dev, self->name, 0, 0666);
	w = lkt_port_create(self->b.dev, pname, 0, 0, 0777, 0);
	umask(old);
	ASSERT_LE(0, ev);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_info(ev, &info));
	EXPECT_EQ(0640, info.perm);
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(0750, info.perm);
	/* And it is what the checks use. */
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_event_open, self->name, LKPORT_ACCESS_WAIT, NULL, 0));
	EXPECT_EQ(EACCES, AS_NOBODY(nobody_port_open, pname, 0, NULL, 0));
	close(ev);
	close(w);
}

/* ---- per-user limits ------------------------------------------------------------------------------ */

/* As nobody: create events until EDQUOT; the number created, or 200 + errno
 * on another failure. Then: freeing one makes room for one. */
static int nobody_fill_objects(const char *prefix)
{
	int dev, n = 0, fds[64], r;
	char name[LKPORT_NAME_LEN];

	dev = lkt_nobody_dev(NULL, 0);
	if (dev < 0)
		return 250;
	for (;;) {
		snprintf(name, sizeof(name), "%.40s-%d", prefix, n);
		r = lkt_event_create(dev, name, 0, 0600);
		if (r == -EDQUOT)
			break;
		if (r < 0)
			return 200 + -r;
		if (n == 64)
			return 251;
		fds[n++] = r;
	}
	if (!n)
		return 0;
	/* Full: a read port, a group, a port are refused too. */
	snprintf(name, sizeof(name), "%.40s-p", prefix);
	if (lkt_port_create(dev, name, 0, 0, 0600, 0) != -EDQUOT)
		return 252;
	if (lkt_group_create(dev, NULL, 0) != -EDQUOT)
		return 253;
	close(fds[0]);
	r = lkt_port_create(dev, name, 0, 0, 0600, 0);
	if (r < 0)
		return 254;
	if (lkt_port_open(dev, name, 0) != -EDQUOT)
		return 255;
	return n;
}

TEST_F(safety, quota_objects)
{
	pid_t pid;
	int fd;

	ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_OBJECTS, 5));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_fill_objects(self->name));
	EXPECT_EQ(5, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Everything nobody held went with it. */
	EXPECT_EQ(0, lkt_await_stats(&self->b.stats));

	/* Root (CAP_SYS_RESOURCE) is not limited. */
	ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_OBJECTS, 0));
	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	EXPECT_LE(0, fd) TH_LOG("root at limit 0: %s", strerror(-fd));
	close(fd);
	/* nobody can make nothing at 0. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_fill_objects(self->name));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
}

/* As nobody, with max_bytes_per_user 2048: 0 if the limit holds as
 * expected, a step number otherwise. A ring is charged what kmalloc gives
 * it: 2048 bytes for 64 packets, 1024 for 32, 32 for 1 (see ring_cost). */
static int nobody_fill_bytes(const char *prefix)
{
	char a[LKPORT_NAME_LEN], b[LKPORT_NAME_LEN];
	int dev, w, w2;

	dev = lkt_nobody_dev(NULL, 0);
	if (dev < 0)
		return 250;
	snprintf(a, sizeof(a), "%.40s-a", prefix);
	snprintf(b, sizeof(b), "%.40s-b", prefix);
	/* 64 packets of 16 bytes and the ring's header: exactly the limit. */
	w = lkt_port_create(dev, a, 0, 64, 0600, 0);
	if (w < 0)
		return 1;
	if (lkt_port_create(dev, b, 0, 1, 0600, 0) != -EDQUOT)
		return 2;
	/* Events hold no ring. */
	w2 = lkt_event_create(dev, b, 0, 0600);
	if (w2 < 0)
		return 3;
	close(w2);
	close(w);
	w = lkt_port_create(dev, a, 0, 32, 0600, 0);
	w2 = lkt_port_create(dev, b, 0, 32, 0600, 0);
	if (w < 0 || w2 < 0)
		return 4;
	if (lkt_port_create(dev, prefix, 0, 1, 0600, 0) != -EDQUOT)
		return 5;
	/* Too big is too big even with nothing held. */
	close(w);
	close(w2);
	if (lkt_port_create(dev, a, 0, 128, 0600, 0) != -EDQUOT)
		return 6;
	return 0;
}

TEST_F(safety, quota_bytes)
{
	pid_t pid;
	int w, r, r2;

	ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_BYTES, 2048));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_fill_bytes(self->name));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));

	/* Root is not limited. */
	w = lkt_port_create(self->b.dev, self->name, 0, LKPORT_CAPACITY_MAX, 0666, 0);
	ASSERT_LE(0, w) TH_LOG("root past the byte limit: %s", strerror(-w));
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	r2 = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r2);
	close(r2);
	/* nobody's reader of a 4096-packet (128 KiB) ring is over its limit. */
	EXPECT_EQ(EDQUOT, AS_NOBODY(nobody_port_open, self->name, 0, NULL, 0));
	close(r);
	close(w);
}

/* What a ring of `capacity` packets costs, so what it is charged: 16
 * bytes a packet and the core's 12-byte header, rounded up to the kmalloc
 * size class (x86-64 SLUB: 8, 16, 32, 64, 96, 128, 192, then powers of two
 * to 8 KiB; past that, whole pages in powers of two). */
static unsigned long ring_cost(unsigned int capacity)
{
	unsigned long size = 16ul * capacity + 12, c;

	if (size <= 96 && size > 64)
		return 96;
	if (size <= 192 && size > 128)
		return 192;
	if (size > 8192) {
		for (c = 4096; c < size; c <<= 1)
			;
		return c;
	}
	for (c = 8; c < size; c <<= 1)
		;
	return c;
}

/* As nobody: write ports of `capacity` packets until EDQUOT; how many. */
static int nobody_count_ports(const char *prefix, unsigned int capacity)
{
	char name[LKPORT_NAME_LEN];
	int dev, n = 0, r;

	dev = lkt_nobody_dev(NULL, 0);
	if (dev < 0)
		return 250;
	for (;;) {
		snprintf(name, sizeof(name), "%.40s-%d", prefix, n);
		r = lkt_port_create(dev, name, 0, capacity, 0600, 0);
		if (r == -EDQUOT)
			return n;
		if (r < 0)
			return 200 + -r;
		if (++n == 64)
			return 251;
	}
}

/* As nobody: one write port of `capacity` packets, then read ports of it
 * until EDQUOT; how many of those. */
static int nobody_count_readers(const char *prefix, unsigned int capacity)
{
	int dev, n = 0, r;

	dev = lkt_nobody_dev(NULL, 0);
	if (dev < 0)
		return 250;
	if (lkt_port_create(dev, prefix, 0, capacity, 0600, 0) < 0)
		return 252;
	for (;;) {
		r = lkt_port_open(dev, prefix, 0);
		if (r == -EDQUOT)
			return n;
		if (r < 0)
			return 200 + -r;
		if (++n == 64)
			return 251;
	}
}

/* The byte limit counts what rings really take, not capacity * 16: with
 * room for four rings by that arithmetic, two fit (a 4096-packet ring,
 * header included, takes 128 KiB, not 64). Read ports likewise. */
TEST_F(safety, quota_bytes_count_allocated_size)
{
	static const unsigned int caps[] = { 8, 64, 512, 4096 };
	pid_t pid;

	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		unsigned long naive = 16ul * caps[i], limit = 4 * naive;

		ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_BYTES, limit));
		pid = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(nobody_count_ports(self->name, caps[i]));
		EXPECT_EQ(limit / ring_cost(caps[i]), lkt_reap(&self->b.kids, pid, LKT_SANITY_MS))
			TH_LOG("%u-packet rings (%lu bytes each) under a limit of %lu",
			       caps[i], ring_cost(caps[i]), limit);
		EXPECT_EQ(0, lkt_await_stats(&self->b.stats));
	}
	/* A writer and one reader of 4096-packet rings fill 256 KiB. */
	ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_BYTES, 4 * 16ul * 4096));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(nobody_count_readers(self->name, 4096));
	EXPECT_EQ(1, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
}

/* ---- fds passed to other processes ---------------------------------------------------------------- */

/* An event fd, a read port fd and a write port fd passed over a unix
 * socket to a process of another user: possession is enough to use them,
 * and they keep the objects alive after the sender closes its own. */
TEST_F(safety, fds_passed_over_unix_socket)
{
	int sv[2], fds[3], ev, sig, w, r, wb, rb;
	char back[LKPORT_NAME_LEN];
	uint64_t seq = 0;
	__u64 ctx = 0;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	/* The child exists before the objects do: it can only get them by
	 * being sent them. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct lkport_info info;
		int got[3], n;

		close(sv[0]);
		if (lkt_become(LKT_NOBODY, NULL, 0))
			_exit(100);
		n = lkt_recv_fds(sv[1], got, 3);
		if (n != 3)
			_exit(101);
		if (lkt_info(got[0], &info) || info.kind != LKPORT_KIND_EVENT)
			_exit(102);
		if (lkt_info(got[1], &info) || info.kind != LKPORT_KIND_READ_PORT || info.ctx != 0xc0ffee)
			_exit(103);
		if (lkt_info(got[2], &info) || info.kind != LKPORT_KIND_WRITE_PORT)
			_exit(104);
		/* Wait for the parent's signal, read its packet, answer. */
		if (lkt_event_wait(got[0], lkt_after_ms(LKT_SANITY_MS)))
			_exit(105);
		if (lkt_read_one(got[1], LKPORT_IOC_PORT_READ, lkt_after_ms(LKT_SANITY_MS), &seq, &ctx))
			_exit(106);
		if (seq != 1234 || ctx != 0xc0ffee)
			_exit(107);
		if (lkt_write_seq(got[2], seq + 1, 1))
			_exit(108);
		_exit(0);
	}
	close(sv[1]);
	/* 0600 objects of root's. */
	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	sig = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, sig);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 0xc0ffee);
	ASSERT_LE(0, r);
	LKT_NAME(back, "back");
	wb = lkt_port_create(self->b.dev, back, 0, 0, 0600, 0);
	ASSERT_LE(0, wb);
	rb = lkt_port_open(self->b.dev, back, 0xbac);
	ASSERT_LE(0, rb);
	fds[0] = ev;
	fds[1] = r;
	fds[2] = wb;
	ASSERT_EQ(0, lkt_send_fds(sv[0], fds, 3));
	/* Only the child's copies keep these. */
	close(ev);
	close(r);
	close(wb);
	close(sv[0]);

	ASSERT_EQ(0, lkt_await_waiters(sig, 1));
	EXPECT_EQ(1, lkt_event_signal(sig));
	ASSERT_EQ(0, lkt_write_seq(w, 1234, 1));
	EXPECT_EQ(0, lkt_read_one(rb, LKPORT_IOC_PORT_READ, lkt_after_ms(LKT_SANITY_MS), &seq, &ctx));
	EXPECT_EQ(1235, seq);
	EXPECT_EQ(0xbac, ctx);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* The child's exit dropped the last writer of `back`. */
	EXPECT_EQ(-ECANCELED, lkt_read_one(rb, LKPORT_IOC_PORT_READ, 0, NULL, NULL));
	close(rb);
	close(w);
	close(sig);
}

/* fds in flight, never received: closing the socket releases them. */
TEST_F(safety, fds_in_flight_are_released)
{
	int sv[2], fds[2], ev, w;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, ev);
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	fds[0] = ev;
	fds[1] = w;
	ASSERT_EQ(0, lkt_send_fds(sv[0], fds, 2));
	close(ev);
	close(w);
	/* Still alive in the socket. */
	EXPECT_EQ(-EEXIST, lkt_event_create(self->b.dev, self->name, 0, 0600));
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, lkt_await_stats(&self->b.stats));
	ev = lkt_event_create(self->b.dev, self->name, 0, 0600);
	EXPECT_LE(0, ev);
	close(ev);
}

/* At quota, a refused open of a port changes nothing: the packets the
 * port holds for its first reader stay there. */
TEST_F(safety, quota_refused_open_keeps_packets)
{
	uint64_t seq = 0;
	int w, r;

	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0644, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_write_seq(w, 40, 2));
	ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_OBJECTS, 0));
	EXPECT_EQ(EDQUOT, AS_NOBODY(nobody_port_open, self->name, 0, NULL, 0));
	EXPECT_EQ(2, lkt_queued(w));
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(40, seq);
	EXPECT_EQ(0, lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(41, seq);
	close(r);
	close(w);
}

/* No fd left: EMFILE, and the object that was to be handed out is gone
 * again (names free, packets kept, members released). */
TEST_F(safety, fd_table_full_is_emfile)
{
	struct rlimit old, lim;
	struct lkt_stats before, after;
	char name2[LKPORT_NAME_LEN];
	int w, w2, r, ev, g, next;

	LKT_NAME(name2, "two");
	w = lkt_port_create(self->b.dev, self->name, 0, 0, 0600, 0);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, lkt_write_seq(w, 60, 1));
	w2 = lkt_port_create(self->b.dev, name2, 0, 0, 0600, 0);
	ASSERT_LE(0, w2);
	r = lkt_port_open(self->b.dev, name2, 0);
	ASSERT_LE(0, r);
	close(w2);
	ASSERT_EQ(0, lkt_read_stats(&before));
	/* No fd above the lowest free one. */
	next = dup(0);
	ASSERT_LE(0, next);
	close(next);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	lim = old;
	lim.rlim_cur = next;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	EXPECT_EQ(-EMFILE, lkt_event_create(self->b.dev, name2, 0, 0600));
	EXPECT_EQ(-EMFILE, lkt_port_create(self->b.dev, name2, 0, 0, 0600, 0));
	EXPECT_EQ(-EMFILE, lkt_port_open(self->b.dev, self->name, 0));
	EXPECT_EQ(-EMFILE, lkt_port_create(self->b.dev, self->name, 0, 0, 0600, LKPORT_PORT_SHARE));
	EXPECT_EQ(-EMFILE, lkt_group_create(self->b.dev, &r, 1));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));

	ASSERT_EQ(0, lkt_read_stats(&after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(after)));
	/* The names are free, the packet waits for the first reader, the
	 * read port is in no group, the shared writer's port still open. */
	ev = lkt_event_create(self->b.dev, name2, 0, 0600);
	EXPECT_LE(0, ev);
	close(ev);
	EXPECT_EQ(0, lkt_write_seq(w, 61, 1));
	EXPECT_EQ(2, lkt_queued(w));
	g = lkt_group_create(self->b.dev, &r, 1);
	EXPECT_LE(0, g);
	close(g);
	close(r);
	r = lkt_port_open(self->b.dev, self->name, 0);
	ASSERT_LE(0, r);
	EXPECT_EQ(2, lkt_queued(r));
	close(r);
	close(w);
}

/* ---- objects going away while debugfs lists them ------------------------------------------------ */

/* How long the race runs at least, the fewest rounds (and listings) that
 * count as having raced, and how long it may take to get them: a few
 * hundred rounds take well under a second under TCG, but a KASAN and
 * lockdep kernel is many times slower. */
#define RACE_MS 3000
#define RACE_MIN_ROUNDS 50
#define RACE_MAX_MS 20000	/* within the harness's 30 s per test */
/* Objects held through the race, listed before the ones that come and
 * go: a long listing makes it likely that a close lands while the
 * listing is on its way to that object. */
#define RACE_PADDING 128

/* What the listing child saw, shared with the parent. */
struct race_seen {
	volatile int stop;	/* set by the parent: the race is over */
	volatile int listings;	/* complete reads of the listing */
	int torn;		/* lines of objects half gone */
	char line[160];		/* the first of them */
};

/* A listed port's line has its core port's state, which it cannot have
 * once that is closed or destroyed: a line without it is of an object
 * still listed after its core object went. (No port in the race is
 * destroyed by hand, nor locked against the listing.) */
static bool torn_line(const char *line)
{
	if (!strncmp(line, "rport ", 6))
		return !strstr(line, " capacity=");
	if (!strncmp(line, "group ", 6))
		return !strstr(line, " members=");
	if (!strncmp(line, "wport ", 6))
		return !strstr(line, " mode=");
	return false;
}

/* In a child: reads the object listing over and over until the parent
 * says stop (or RACE_MAX_MS); 0, or 1 if a read failed. */
static int list_objects_loop(struct race_seen *seen)
{
	static char buf[1 << 16];
	uint64_t end = lkt_after_ms(RACE_MAX_MS);

	while (!seen->stop && lkt_now() < end) {
		char *line, *save = NULL;

		if (lkt_read_file(LKT_OBJECTS_PATH, buf, sizeof(buf)) < 0)
			return 1;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (torn_line(line) && !seen->torn++)
				snprintf(seen->line, sizeof(seen->line), "%s", line);
		}
		seen->listings++;
	}
	return 0;
}

/* Every kind of object created and closed while another process reads
 * debugfs's listing: an object's last close must take it off the list
 * before the core object behind it goes, or the listing reads freed
 * memory (KFENCE, oopses and RCU stalls in the console, which the VM
 * harness fails on) or, at best, lists an object half gone. */
TEST_F(safety, close_races_debugfs_listing)
{
	char ename[LKPORT_NAME_LEN], pad[LKPORT_NAME_LEN];
	struct race_seen *seen;
	uint64_t end;
	int rounds = 0;
	pid_t pid;

	seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, seen);
	memset(seen, 0, sizeof(*seen));

	for (int i = 0; i < RACE_PADDING; i++) {
		snprintf(pad, sizeof(pad), "%.40s-pad%d", self->name, i);
		ASSERT_LE(0, lkt_event_create(self->b.dev, pad, 0, 0600));
	}
	LKT_NAME(ename, "ev");
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(list_objects_loop(seen));
	/* At least RACE_MS, and on until both sides have done enough rounds
	 * to count as a race, for at most RACE_MAX_MS. */
	end = lkt_after_ms(RACE_MS);
	for (uint64_t cap = lkt_after_ms(RACE_MAX_MS); lkt_now() < cap;) {
		int w, r, g, e;

		if (lkt_now() >= end && rounds >= RACE_MIN_ROUNDS &&
		    seen->listings >= RACE_MIN_ROUNDS)
			break;

		w = lkt_port_create(self->b.dev, self->name, 0, 8, 0600, 0);
		ASSERT_LE(0, w) TH_LOG("port create: %s", strerror(-w));
		r = lkt_port_open(self->b.dev, self->name, 0);
		ASSERT_LE(0, r) TH_LOG("port open: %s", strerror(-r));
		g = lkt_group_create(self->b.dev, &r, 1);
		ASSERT_LE(0, g) TH_LOG("group create: %s", strerror(-g));
		e = lkt_event_create(self->b.dev, ename, 0, 0600);
		ASSERT_LE(0, e) TH_LOG("event create: %s", strerror(-e));
		/* Packets queued, so the listing has something to look at. */
		ASSERT_EQ(0, lkt_write_seq(w, rounds, 1));
		/* Readers first, then the writer: each close frees one core
		 * object. A member closed before its group and after it. */
		if (rounds & 1) {
			close(g);
			close(r);
		} else {
			close(r);
			close(g);
		}
		close(e);
		close(w);
		rounds++;
	}
	seen->stop = 1;
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	TH_LOG("%d create/close rounds against %d listings", rounds, seen->listings);
	EXPECT_LE(RACE_MIN_ROUNDS, rounds);
	EXPECT_LE(RACE_MIN_ROUNDS, seen->listings);
	EXPECT_EQ(0, seen->torn) TH_LOG("%d lines of objects half gone, first: %s",
					seen->torn, seen->line);
	munmap(seen, sizeof(*seen));
}

TEST_HARNESS_MAIN
