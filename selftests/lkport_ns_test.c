// SPDX-License-Identifier: GPL-2.0
/*
 * Names and IPC namespaces: a port's or an event's name belongs to the IPC
 * namespace of the process that created it, as a POSIX message queue's
 * does. A process in another namespace neither finds it (ENOENT) nor
 * collides with it (it may create the same name for an object of its
 * own); an fd handed across namespaces still works, whatever namespace it
 * ends up in.
 *
 * Each test runs its other-namespace half in a child that unshares
 * CLONE_NEWIPC (root only: skipped where that is refused), and returns a
 * step number: 0 when every check passed.
 */
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "lkport_test.h"

FIXTURE(ipc_namespace) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
	int sock[2];
};

FIXTURE_SETUP(ipc_namespace)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "ns");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, self->sock));
}

FIXTURE_TEARDOWN(ipc_namespace)
{
	lkt_base_teardown(_metadata, &self->b);
}

#define SKIP_NO_NS 250

struct ns_child {
	int dev;
	const char *name;
	int sock;
};

/* Runs fn in a child that has unshared its IPC namespace; returns its
 * status (SKIP_NO_NS when the kernel refused, -1 when fork failed). */
static int in_new_ipc_ns(struct lkt_children *kids, int (*fn)(const struct ns_child *),
			 const struct ns_child *arg)
{
	pid_t pid = lkt_fork(kids);

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (unshare(CLONE_NEWIPC))
			_exit(errno == EINVAL || errno == EPERM ? SKIP_NO_NS : 1);
		_exit(fn(arg));
	}
	return lkt_reap(kids, pid, LKT_SANITY_MS);
}

static ino_t ipc_ns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/ipc", &st) ? 0 : st.st_ino;
}

/* The other namespace sees none of the parent's names, takes them for its
 * own objects, and what it writes there stays there. */
static int same_names_elsewhere(const struct ns_child *c)
{
	struct lkport_port_create pc = { .perm = 0666, .fd_flags = O_CLOEXEC,
					 .flags = LKPORT_PORT_EXISTING };
	uint64_t seq;
	int w, r, e, n;

	if (lkt_port_open(c->dev, c->name, 1) != -ENOENT)
		return 2;
	if (lkt_event_open(c->dev, c->name, LKPORT_ACCESS_WAIT) != -ENOENT)
		return 3;
	/* Another writer of the parent's port: there is none here. */
	lkt_set_name(pc.name, c->name);
	pc.perm = 0;
	if (lkport_ioctl(c->dev, LKPORT_IOC_PORT_CREATE, &pc) != -ENOENT)
		return 4;
	/* SHARE joins only a port of this namespace: here it creates. */
	w = lkt_port_create(c->dev, c->name, LKPORT_PORT_BROADCAST, 0, 0666,
			    LKPORT_PORT_SHARE);
	if (w < 0)
		return 5;
	e = lkt_event_create(c->dev, c->name, 0, 0666);
	if (e < 0)
		return 6;
	/* Without SHARE, the name is taken now, in this namespace. */
	if (lkt_port_create(c->dev, c->name, LKPORT_PORT_BROADCAST, 0, 0666, 0) != -EEXIST)
		return 7;
	if (lkt_event_create(c->dev, c->name, 0, 0666) != -EEXIST)
		return 8;
	r = lkt_port_open(c->dev, c->name, 7);
	if (r < 0)
		return 9;
	if (lkt_write_seq(w, 500, 1) != 0)
		return 10;
	n = lkt_read_one(r, LKPORT_IOC_PORT_READ, 0, &seq, NULL);
	if (n || seq != 500)
		return 11;
	if (lkt_event_signal(e) != 0)
		return 12;
	/* Tell the parent to look, and wait until it has. */
	if (write(c->sock, "x", 1) != 1 || read(c->sock, &(char){ 0 }, 1) != 1)
		return 13;
	return 0;
}

TEST_F(ipc_namespace, same_name_is_another_object_in_another_namespace)
{
	struct ns_child c = { .dev = self->b.dev, .name = self->name, .sock = self->sock[1] };
	struct lkport_info info;
	pid_t pid;
	int w, r, e, st;
	char byte;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 0, 0666, 0);
	ASSERT_LE(0, w);
	r = lkt_port_open(self->b.dev, self->name, 1);
	ASSERT_LE(0, r);
	e = lkt_event_create(self->b.dev, self->name, 0, 0666);
	ASSERT_LE(0, e);

	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (unshare(CLONE_NEWIPC))
			_exit(errno == EINVAL || errno == EPERM ? SKIP_NO_NS : 1);
		_exit(same_names_elsewhere(&c));
	}
	/* While the child holds its objects of the same name: ours are
	 * untouched by what it wrote and signalled. */
	if (read(self->sock[0], &byte, 1) == 1) {
		EXPECT_EQ(0, lkt_queued(r));
		EXPECT_EQ(0, lkt_info(e, &info));
		EXPECT_EQ(0, info.state & LKPORT_STATE_SIGNALED);
		/* And the name here is still ours, both kinds. */
		EXPECT_EQ(-EEXIST, lkt_port_create(self->b.dev, self->name,
						   LKPORT_PORT_BROADCAST, 0, 0666, 0));
		EXPECT_EQ(-EEXIST, lkt_event_create(self->b.dev, self->name, 0, 0666));
		EXPECT_EQ(1, write(self->sock[0], "y", 1));
	}
	st = lkt_reap(&self->b.kids, pid, LKT_SANITY_MS);
	if (st == SKIP_NO_NS)
		SKIP(return, "no IPC namespaces");
	EXPECT_EQ(0, st) TH_LOG("child step %d", st);
	/* Ours still works as before. */
	EXPECT_EQ(0, lkt_write_seq(w, 9, 1));
	EXPECT_EQ(1, lkt_queued(r));
}

/* A name made in another namespace is not found here. */
static int make_and_hand_over(const struct ns_child *c)
{
	int fds[3];

	fds[0] = lkt_port_create(c->dev, c->name, LKPORT_PORT_BROADCAST, 0, 0666, 0);
	if (fds[0] < 0)
		return 2;
	fds[1] = lkt_port_open(c->dev, c->name, 42);
	if (fds[1] < 0)
		return 3;
	fds[2] = lkt_event_create(c->dev, c->name, 0, 0666);
	if (fds[2] < 0)
		return 4;
	/* The fds leave with the parent; this namespace dies with us. */
	return lkt_send_fds(c->sock, fds, 3) ? 5 : 0;
}

TEST_F(ipc_namespace, name_of_another_namespace_is_not_found)
{
	struct ns_child c = { .dev = self->b.dev, .name = self->name, .sock = self->sock[1] };
	int fds[3], st;
	uint64_t seq;
	__u64 ctx;

	st = in_new_ipc_ns(&self->b.kids, make_and_hand_over, &c);
	if (st == SKIP_NO_NS)
		SKIP(return, "no IPC namespaces");
	ASSERT_EQ(0, st) TH_LOG("child step %d", st);
	ASSERT_EQ(3, lkt_recv_fds(self->sock[0], fds, 3));

	EXPECT_EQ(-ENOENT, lkt_port_open(self->b.dev, self->name, 1));
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT));

	/* The fds work here, across the namespaces: write, read, signal. */
	ASSERT_EQ(0, lkt_write_seq(fds[0], 77, 1));
	ASSERT_EQ(0, lkt_read_one(fds[1], LKPORT_IOC_PORT_READ, 0, &seq, &ctx));
	EXPECT_EQ(77, seq);
	EXPECT_EQ(42, ctx);
	EXPECT_EQ(0, lkt_event_signal(fds[2]));
	EXPECT_EQ(0, lkt_event_wait(fds[2], 0));

	/* Their namespace is gone, but not its names' key: a new namespace
	 * (which may well be allocated where the old one was) does not see
	 * them either. */
	for (int i = 0; i < 4; i++) {
		int got[3];

		st = in_new_ipc_ns(&self->b.kids, make_and_hand_over, &c);
		ASSERT_EQ(0, st) TH_LOG("round %d: child step %d", i, st);
		ASSERT_EQ(3, lkt_recv_fds(self->sock[0], got, 3));
		for (int k = 0; k < 3; k++)
			close(got[k]);
	}
	/* The name is free here: ours to take. */
	EXPECT_LE(0, lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 0, 0666, 0));
}

/* Handed an fd from the initial namespace, a process in another one
 * writes, reads and signals through it. */
static int use_fds_from_outside(const struct ns_child *c)
{
	int fds[3];
	uint64_t seq;

	if (lkt_recv_fds(c->sock, fds, 3) != 3)
		return 2;
	/* Not by name, though. */
	if (lkt_port_open(c->dev, c->name, 1) != -ENOENT)
		return 3;
	if (lkt_write_seq(fds[0], 1234, 1))
		return 4;
	if (lkt_read_one(fds[1], LKPORT_IOC_PORT_READ, 0, &seq, NULL) || seq != 1234)
		return 5;
	if (lkt_event_signal(fds[2]))
		return 6;
	/* And once more for the parent's other reader. */
	return lkt_write_seq(fds[0], 1235, 1) ? 7 : 0;
}

TEST_F(ipc_namespace, fd_passed_to_another_namespace_works)
{
	struct ns_child c = { .dev = self->b.dev, .name = self->name, .sock = self->sock[1] };
	int fds[3], other, st;
	uint64_t seq;

	fds[0] = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 16, 0600, 0);
	ASSERT_LE(0, fds[0]);
	fds[1] = lkt_port_open(self->b.dev, self->name, 1);
	ASSERT_LE(0, fds[1]);
	other = lkt_port_open(self->b.dev, self->name, 2);
	ASSERT_LE(0, other);
	fds[2] = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fds[2]);
	ASSERT_EQ(0, lkt_send_fds(self->sock[0], fds, 3));

	st = in_new_ipc_ns(&self->b.kids, use_fds_from_outside, &c);
	if (st == SKIP_NO_NS)
		SKIP(return, "no IPC namespaces");
	ASSERT_EQ(0, st) TH_LOG("child step %d", st);
	EXPECT_EQ(0, lkt_event_wait(fds[2], 0));
	ASSERT_EQ(0, lkt_read_one(other, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(1234, seq);
	ASSERT_EQ(0, lkt_read_one(other, LKPORT_IOC_PORT_READ, 0, &seq, NULL));
	EXPECT_EQ(1235, seq);
}

/* debugfs lists the objects of every namespace, each labelled with its
 * creator's (ipcns=, the inode /proc/PID/ns/ipc shows). */
static int list_label(const struct ns_child *c)
{
	char want[64];
	int w = lkt_port_create(c->dev, c->name, LKPORT_PORT_BROADCAST, 0, 0600, 0);

	if (w < 0)
		return 2;
	snprintf(want, sizeof(want), "ipcns=%lu", (unsigned long)ipc_ns_inode());
	return lkt_await_object(c->name, want) ? 3 : 0;
}

TEST_F(ipc_namespace, listing_labels_each_object_with_its_namespace)
{
	struct ns_child c = { .dev = self->b.dev, .name = self->name, .sock = self->sock[1] };
	char want[64];
	int w, st;

	w = lkt_port_create(self->b.dev, self->name, LKPORT_PORT_BROADCAST, 0, 0600, 0);
	ASSERT_LE(0, w);
	snprintf(want, sizeof(want), "ipcns=%lu", (unsigned long)ipc_ns_inode());
	EXPECT_EQ(0, lkt_await_object(self->name, want));
	st = in_new_ipc_ns(&self->b.kids, list_label, &c);
	if (st == SKIP_NO_NS)
		SKIP(return, "no IPC namespaces");
	EXPECT_EQ(0, st) TH_LOG("child step %d", st);
}

TEST_HARNESS_MAIN
