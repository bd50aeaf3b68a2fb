// SPDX-License-Identifier: GPL-2.0
/*
 * liblkport's LK API (<lkport/lk.h>): the same behaviours as the ioctl
 * tests, seen as LK's status codes, and LK code written with LK's own
 * names (<lkport/lk_compat.h>) running unchanged.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include <lkport/lk.h>

#include "lkport_test.h"

FIXTURE(lib) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(lib)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "lib");
}

FIXTURE_TEARDOWN(lib)
{
	lkt_base_teardown(_metadata, &self->b);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static lk_port_packet_t packet(uint64_t seq)
{
	lk_port_packet_t p;

	lkt_packet((struct lkport_packet *)&p, seq);
	return p;
}

static uint64_t result_seq(const lk_port_result_t *r)
{
	return lkt_seq(r->packet.value);
}

/* ---- status codes ------------------------------------------------------------------ */

TEST_F(lib, status_from_errno_and_names)
{
	/* Every status of the list, with its errno. */
	static const struct {
		int err;
		lk_status_t st;
		int inverse;
		const char *name;
	} map[] = {
#define LIST_ENTRY(name, value, err, inverse, text) { err, LK_##name, inverse, "LK_" #name },
		LKPORT_STATUS_LIST(LIST_ENTRY)
#undef LIST_ENTRY
	};
	int owners;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		EXPECT_STREQ(map[i].name, lk_status_str(map[i].st));
		if (!map[i].inverse) {
			/* Many-to-one: the errno reads back as another status. */
			EXPECT_NE(map[i].st, lk_status_from_errno(map[i].err)) TH_LOG("%s", map[i].name);
			continue;
		}
		EXPECT_EQ(map[i].st, lk_status_from_errno(map[i].err)) TH_LOG("errno %d", map[i].err);
		EXPECT_EQ(map[i].st, lk_status_from_errno(-map[i].err)) TH_LOG("errno -%d", map[i].err);
		owners = 0;
		for (size_t j = 0; j < ARRAY_SIZE(map); j++)
			owners += map[j].err == map[i].err && map[j].inverse;
		EXPECT_EQ(1, owners) TH_LOG("errno %d", map[i].err);
	}
	/* The errnos the module reports them by: ABI. */
	EXPECT_EQ(LK_NO_ERROR, lk_status_from_errno(0));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_status_from_errno(ETIMEDOUT));
	EXPECT_EQ(LK_ERR_OBJECT_DESTROYED, lk_status_from_errno(EIDRM));
	EXPECT_EQ(LK_ERR_CANCELLED, lk_status_from_errno(ECANCELED));
	EXPECT_EQ(LK_ERR_NOT_FOUND, lk_status_from_errno(ENOENT));
	EXPECT_EQ(LK_ERR_ALREADY_EXISTS, lk_status_from_errno(EEXIST));
	EXPECT_EQ(LK_ERR_BUSY, lk_status_from_errno(EBUSY));
	EXPECT_EQ(LK_ERR_ACCESS_DENIED, lk_status_from_errno(EACCES));
	EXPECT_EQ(LK_ERR_NOT_ENOUGH_BUFFER, lk_status_from_errno(ENOBUFS));
	EXPECT_EQ(LK_ERR_TOO_BIG, lk_status_from_errno(E2BIG));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_status_from_errno(EBADF));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_status_from_errno(EINVAL));
	EXPECT_EQ(LK_ERR_NO_MEMORY, lk_status_from_errno(ENOMEM));
	EXPECT_EQ(LK_ERR_NOT_READY, lk_status_from_errno(EAGAIN));
	EXPECT_EQ(LK_ERR_NO_MSG, lk_status_from_errno(ENOMSG));
	EXPECT_EQ(LK_ERR_INTERRUPTED, lk_status_from_errno(EINTR));
	EXPECT_EQ(LK_ERR_NO_RESOURCES, lk_status_from_errno(EDQUOT));
	EXPECT_EQ(LK_ERR_NOT_ALLOWED, lk_status_from_errno(EPERM));
	/* Whatever has no LK meaning is generic. */
	EXPECT_EQ(LK_ERR_GENERIC, lk_status_from_errno(ENOTTY));
	EXPECT_EQ(LK_ERR_GENERIC, lk_status_from_errno(EFAULT));
	EXPECT_EQ(LK_ERR_GENERIC, lk_status_from_errno(EIO));
	EXPECT_STREQ("LK_ERR_GENERIC", lk_status_str(LK_ERR_GENERIC));
	EXPECT_STREQ("LK_ERR_NOT_ALLOWED", lk_status_str(LK_ERR_NOT_ALLOWED));
	EXPECT_STREQ("LK_ERR_PARTIAL_WRITE", lk_status_str(LK_ERR_PARTIAL_WRITE));
	EXPECT_STREQ("LK_ERR_NOT_SUPPORTED", lk_status_str(LK_ERR_NOT_SUPPORTED));
	EXPECT_STREQ("LK_ERR_?", lk_status_str(-1000));
	EXPECT_STREQ("LK_ERR_?", lk_status_str(1));
	/* LK's numbers. */
	EXPECT_EQ(-13, LK_ERR_TIMED_OUT);
	EXPECT_EQ(-26, LK_ERR_CANCELLED);
	EXPECT_EQ(-44, LK_ERR_PARTIAL_WRITE);
}

TEST_F(lib, deadlines_and_device)
{
	uint64_t before, d;
	int dev;

	EXPECT_EQ(0, lk_deadline_after_ms(0));
	EXPECT_EQ(LKPORT_FOREVER, lk_deadline_after_ms(LK_INFINITE_TIME));
	before = lkt_now();
	d = lk_deadline_after_ms(100);
	EXPECT_LE(before + 100 * LKT_NS_PER_MS, d);
	EXPECT_GE(lkt_now() + 100 * LKT_NS_PER_MS, d);
	/* One /dev/lkport per process, close-on-exec. */
	dev = lk_device();
	ASSERT_LE(0, dev);
	EXPECT_EQ(dev, lk_device());
	EXPECT_EQ(FD_CLOEXEC, fcntl(dev, F_GETFD) & FD_CLOEXEC);
}

/* Without /dev/lkport (here: hidden by an empty /dev in a mount
 * namespace of its own) every call says LK_ERR_NOT_SUPPORTED, not that an
 * object is missing. */
TEST_F(lib, missing_device_is_not_supported)
{
	pid_t pid = lkt_fork(&self->b.kids);
	int r;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		lk_port_t p;
		lk_event_t e;

		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("none", "/dev", "tmpfs", 0, NULL))
			_exit(250);
		if (lk_event_create(&e, "x", false, 0, 0600) != LK_ERR_NOT_SUPPORTED)
			_exit(1);
		if (lk_event_open(&e, "x", LKPORT_ACCESS_WAIT) != LK_ERR_NOT_SUPPORTED)
			_exit(2);
		if (lk_port_create("x", LK_PORT_MODE_BROADCAST, &p) != LK_ERR_NOT_SUPPORTED)
			_exit(3);
		if (lk_port_open("x", NULL, &p) != LK_ERR_NOT_SUPPORTED)
			_exit(4);
		if (lk_port_group(NULL, 0, &p) != LK_ERR_NOT_SUPPORTED)
			_exit(5);
		_exit(0);
	}
	r = lkt_reap(&self->b.kids, pid, LKT_SANITY_MS);
	if (r == 250)
		SKIP(return, "no mount namespace");
	EXPECT_EQ(0, r);
}

/* ---- events ----------------------------------------------------------------------- */

TEST_F(lib, event_calls)
{
	struct lkport_info info;
	lk_event_t e, w, s;
	char toolong[LKPORT_NAME_MAX + 2];

	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&e, self->name, false, LK_EVENT_FLAG_AUTOUNSIGNAL, 0600));
	EXPECT_EQ(FD_CLOEXEC, fcntl(e.fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(e.fd, &info));
	EXPECT_EQ(LKPORT_KIND_EVENT, info.kind);
	EXPECT_EQ(LKPORT_EVENT_AUTOUNSIGNAL, info.flags);
	EXPECT_STREQ(self->name, info.name);
	EXPECT_EQ(LK_ERR_ALREADY_EXISTS, lk_event_create(&w, self->name, false, 0, 0600));

	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
	EXPECT_EQ(0, lk_event_signal(&e));	/* nobody woken, stays signalled */
	EXPECT_EQ(LK_NO_ERROR, lk_event_wait_timeout(&e, 0));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_deadline(&e, 0));
	EXPECT_EQ(0, lk_event_signal(&e));
	EXPECT_EQ(LK_NO_ERROR, lk_event_unsignal(&e));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
	EXPECT_EQ(0, lk_event_signal(&e));
	EXPECT_EQ(LK_NO_ERROR, lk_event_wait(&e));

	/* Open with one kind of access: the other is a bad handle. */
	ASSERT_EQ(LK_NO_ERROR, lk_event_open(&w, self->name, LKPORT_ACCESS_WAIT));
	ASSERT_EQ(LK_NO_ERROR, lk_event_open(&s, self->name, LKPORT_ACCESS_SIGNAL));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_signal(&w));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_unsignal(&w));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_wait_timeout(&s, 0));
	EXPECT_EQ(0, lk_event_signal(&s));
	EXPECT_EQ(LK_NO_ERROR, lk_event_wait_timeout(&w, 0));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_open(&w, self->name, 0));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_open(&w, self->name, 4));

	/* Destroy closes the handle; twice is a bad handle. */
	ASSERT_EQ(LK_NO_ERROR, lk_event_destroy(&w));
	EXPECT_EQ(-1, w.fd);
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_destroy(&w));
	EXPECT_EQ(LK_NO_ERROR, lk_event_destroy(&s));
	EXPECT_EQ(LK_NO_ERROR, lk_event_destroy(&e));
	/* Gone with its last handle. */
	EXPECT_EQ(LK_ERR_NOT_FOUND, lk_event_open(&w, self->name, LKPORT_ACCESS_WAIT));

	/* Created signalled; a persistent event stays so. */
	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&e, self->name, true, 0, 0600));
	EXPECT_EQ(LK_NO_ERROR, lk_event_wait_timeout(&e, 0));
	EXPECT_EQ(LK_NO_ERROR, lk_event_wait_timeout(&e, 10));
	EXPECT_EQ(LK_NO_ERROR, lk_event_destroy(&e));

	/* Arguments. */
	memset(toolong, 'a', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = 0;
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_create(&e, toolong, false, 0, 0600));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_create(&e, NULL, false, 0, 0600));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_create(&e, "", false, 0, 0600));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_create(&e, "a/b", false, 0, 0600));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_create(&e, self->name, false, 2, 0600));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_create(&e, self->name, false, 0, 01777));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_event_open(&e, toolong, LKPORT_ACCESS_WAIT));
}

TEST_F(lib, event_wait_timeout_is_honoured)
{
	uint64_t t0;
	lk_event_t e;

	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&e, self->name, false, 0, 0600));
	t0 = lkt_now();
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 30));
	EXPECT_LE(t0 + 30 * LKT_NS_PER_MS, lkt_now());
	t0 = lk_deadline_after_ms(20);
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_deadline(&e, t0));
	EXPECT_LE(t0, lkt_now());
	lk_event_destroy(&e);
}

/* lk_event_signal returns how many it woke: one for auto-unsignal, all
 * for a persistent event. */
TEST_F(lib, event_signal_counts_woken)
{
	char name2[LKPORT_NAME_LEN];
	lk_event_t a, p;
	pid_t pid[4];

	LKT_NAME(name2, "p");
	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&a, self->name, false, LK_EVENT_FLAG_AUTOUNSIGNAL, 0600));
	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&p, name2, false, 0, 0600));
	for (int i = 0; i < 4; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(-lk_event_wait(i < 2 ? &a : &p));
	}
	ASSERT_EQ(0, lkt_await_waiters(a.fd, 2));
	ASSERT_EQ(0, lkt_await_waiters(p.fd, 2));
	EXPECT_EQ(1, lk_event_signal(&a));
	EXPECT_EQ(1, lk_event_signal(&a));
	EXPECT_EQ(2, lk_event_signal(&p));
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
	}
	lk_event_destroy(&a);
	lk_event_destroy(&p);
}

static volatile int usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen = 1;
}

/* lk_event_destroy_all is LK's event_destroy: a waiter elsewhere wakes
 * with LK_ERR_OBJECT_DESTROYED; lk_event_destroy only closes a handle. */
TEST_F(lib, event_destroy_all_wakes_waiters)
{
	struct lkport_info info;
	lk_event_t e, other;
	pid_t pid;

	ASSERT_EQ(LK_NO_ERROR, lk_event_init(&e, false, 0));
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(e.fd, &info));
	EXPECT_STREQ("", info.name);
	EXPECT_EQ(FD_CLOEXEC, fcntl(e.fd, F_GETFD) & FD_CLOEXEC);
	other.fd = dup(e.fd);
	ASSERT_LE(0, other.fd);
	/* Closing one handle leaves the other working. */
	EXPECT_EQ(LK_NO_ERROR, lk_event_destroy(&other));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&e, 0));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(lk_event_wait(&e) == LK_ERR_OBJECT_DESTROYED ? 0 : 1);
	ASSERT_EQ(0, lkt_await_waiters(e.fd, 1));
	other.fd = dup(e.fd);
	ASSERT_LE(0, other.fd);
	EXPECT_EQ(LK_NO_ERROR, lk_event_destroy_all(&e));
	EXPECT_EQ(-1, e.fd);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(LK_ERR_OBJECT_DESTROYED, lk_event_signal(&other));
	EXPECT_EQ(LK_ERR_OBJECT_DESTROYED, lk_event_wait_timeout(&other, 0));
	EXPECT_EQ(LK_ERR_OBJECT_DESTROYED, lk_event_destroy_all(&other));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_destroy_all(&other));
}

/* lk_event_signal_wait: one side's step of an event ping-pong. */
TEST_F(lib, event_signal_wait_in_one_call)
{
	char name2[LKPORT_NAME_LEN];
	lk_event_t a, b, waitonly;
	bool signalled;
	pid_t pid;

	LKT_NAME(name2, "b");
	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&a, self->name, false, LK_EVENT_FLAG_AUTOUNSIGNAL, 0600));
	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&b, name2, false, LK_EVENT_FLAG_AUTOUNSIGNAL, 0600));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (lk_event_wait(&a) != LK_NO_ERROR)
			_exit(1);
		for (int i = 0; i < 100; i++)
			if (lk_event_signal_wait(&b, &a, LKPORT_FOREVER, NULL) != LK_NO_ERROR)
				_exit(2);
		_exit(lk_event_signal(&b) < 0 ? 3 : 0);
	}
	for (int i = 0; i < 101; i++) {
		signalled = false;
		ASSERT_EQ(LK_NO_ERROR, lk_event_signal_wait(&a, &b, LKPORT_FOREVER, &signalled));
		EXPECT_TRUE(signalled);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Auto-unsignal: each round's signal was taken by one wait. */
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&a, 0));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&b, 0));

	/* The wait times out after the signal, which was made. */
	signalled = false;
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_signal_wait(&a, &b, 0, &signalled));
	EXPECT_TRUE(signalled);
	EXPECT_EQ(LK_NO_ERROR, lk_event_wait_timeout(&a, 0));
	/* A handle that may not signal: nothing signalled, nothing waited. */
	ASSERT_EQ(LK_NO_ERROR, lk_event_open(&waitonly, self->name, LKPORT_ACCESS_WAIT));
	signalled = true;
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_signal_wait(&waitonly, &b, 0, &signalled));
	EXPECT_FALSE(signalled);
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&a, 0));
	lk_event_destroy(&waitonly);
	lk_event_destroy(&a);
	lk_event_destroy(&b);
}

/* A signal handler ends the wait: LK_ERR_INTERRUPTED. */
TEST_F(lib, event_wait_interrupted)
{
	lk_event_t e;
	pid_t pid;

	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&e, self->name, false, 0, 0600));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		lk_status_t st;

		sigaction(SIGUSR1, &sa, NULL);
		st = lk_event_wait_timeout(&e, LK_INFINITE_TIME);
		_exit(st == LK_ERR_INTERRUPTED && usr1_seen ? 0 : 1);
	}
	ASSERT_EQ(0, lkt_await_waiters(e.fd, 1));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	lk_event_destroy(&e);
}

/* Another user: LK_ERR_ACCESS_DENIED; a per-user limit:
 * LK_ERR_NO_RESOURCES. */
TEST_F(lib, access_denied_and_no_resources)
{
	lk_event_t e;
	pid_t pid;

	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&e, self->name, false, 0, 0600));
	ASSERT_EQ(0, lkt_set_param(&self->b, LKT_PARAM_OBJECTS, 0));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char other[LKPORT_NAME_LEN];
		lk_event_t x;
		lk_port_t p;

		/* The library's device, opened before dropping root. */
		if (lk_device() < 0 || lkt_become(LKT_NOBODY, NULL, 0))
			_exit(100);
		if (lk_event_open(&x, self->name, LKPORT_ACCESS_WAIT) != LK_ERR_ACCESS_DENIED)
			_exit(1);
		snprintf(other, sizeof(other), "%.40s-x", self->name);
		if (lk_event_create(&x, other, false, 0, 0600) != LK_ERR_NO_RESOURCES)
			_exit(2);
		if (lk_port_create(other, LK_PORT_MODE_BROADCAST, &p) != LK_ERR_NO_RESOURCES)
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	lk_event_destroy(&e);
}

/* Ending a port for everyone is its owner's: another user holding a
 * writer gets LK_ERR_NOT_ALLOWED, and the port carries on. */
TEST_F(lib, port_end_by_other_user_not_allowed)
{
	lk_port_packet_t pk = packet(6);
	lk_port_t w;
	pid_t pid;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(self->name, LK_PORT_MODE_BROADCAST, 0, 0666, 0, &w));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (lk_device() < 0 || lkt_become(LKT_NOBODY, NULL, 0))
			_exit(100);
		if (lk_port_close(w) != LK_ERR_NOT_ALLOWED)
			_exit(1);
		if (lk_port_destroy(w) != LK_ERR_NOT_ALLOWED || !fd_open(w))
			_exit(2);
		_exit(lk_port_write(w, &pk, 1) == LK_NO_ERROR ? 0 : 3);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(w));
	EXPECT_EQ(LK_NO_ERROR, lk_port_destroy(w));
}

/* ---- ports ------------------------------------------------------------------------- */

TEST_F(lib, port_write_read)
{
	lk_port_packet_t pk = packet(1);
	lk_port_result_t res;
	lk_port_t w, r, r2;
	uint64_t t0;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &w));
	EXPECT_EQ(FD_CLOEXEC, fcntl(w, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(LK_ERR_ALREADY_EXISTS, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &r));
	/* Written before any reader: kept for the first. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, &pk, 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x5151, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x5252, &r2));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read(r, 0, &res));
	EXPECT_EQ((void *)0x5151, res.ctx);
	EXPECT_EQ(1, result_seq(&res));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read(r2, 0, &res));
	/* Broadcast. */
	pk = packet(2);
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, &pk, 1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read_timeout(r, LK_INFINITE_TIME, &res));
	EXPECT_EQ(2, result_seq(&res));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read_timeout(r2, 10, &res));
	EXPECT_EQ(2, result_seq(&res));
	EXPECT_EQ((void *)0x5252, res.ctx);
	t0 = lkt_now();
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read_timeout(r, 20, &res));
	EXPECT_LE(t0 + 20 * LKT_NS_PER_MS, lkt_now());
	/* The deadline forms: absolute CLOCK_MONOTONIC. */
	t0 = lk_deadline_after_ms(20);
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read_deadline(r, t0, &res));
	EXPECT_LE(t0, lkt_now());
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read_deadline(r, 0, &res));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, &pk, 1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read_deadline(r, LKPORT_FOREVER, &res));
	EXPECT_EQ(2, result_seq(&res));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read_deadline(r2, 0, &res));
	EXPECT_EQ(2, result_seq(&res));
	/* Nothing to write is no error; a read on a write port is. */
	EXPECT_EQ(LK_NO_ERROR, lk_port_write(w, &pk, 0));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_read(w, 0, &res));
	EXPECT_EQ(LK_ERR_NOT_FOUND, lk_port_open("lkport-lib-test-no-such-port", NULL, &r));
	/* Closing a reader closes its handle. */
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(r2));
	EXPECT_FALSE(fd_open(r2));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(r));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(w));
	EXPECT_EQ(LK_NO_ERROR, lk_port_destroy(w));
}

/* lk_port_write_read: the request, then the wait for the reply, with
 * *written telling a failed read from a write never made. */
TEST_F(lib, port_write_read_in_one_call)
{
	char name2[LKPORT_NAME_LEN];
	lk_port_packet_t pk[2] = { packet(7), packet(8) };
	lk_port_result_t res[4];
	lk_port_t wa, ra, wb, rb;
	bool written;
	size_t got;
	pid_t pid;

	LKT_NAME(name2, "b");
	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &wa));
	ASSERT_EQ(LK_NO_ERROR, lk_port_create(name2, LK_PORT_MODE_BROADCAST, &wb));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0xa, &ra));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(name2, (void *)0xb, &rb));

	/* A server: each request on a answered on b with its seq + 100. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		lk_port_packet_t reply;
		lk_port_result_t req;
		size_t n;

		if (lk_port_read(ra, LK_INFINITE_TIME, &req) != LK_NO_ERROR)
			_exit(1);
		for (int i = 0; i < 3; i++) {
			reply = packet(result_seq(&req) + 100);
			if (lk_port_write_read(wb, &reply, 1, ra, LKPORT_FOREVER, &req, 1, &n,
					       NULL) != LK_NO_ERROR || n != 1)
				_exit(2);
		}
		_exit(result_seq(&req) == 3 ? 0 : 3);
	}
	for (int i = 0; i < 3; i++) {
		pk[0] = packet(i);
		written = false;
		ASSERT_EQ(LK_NO_ERROR, lk_port_write_read(wa, pk, 1, rb, LKPORT_FOREVER, res, 4,
							  &got, &written));
		EXPECT_TRUE(written);
		ASSERT_EQ(1, got);
		EXPECT_EQ(i + 100, result_seq(&res[0]));
		EXPECT_EQ((void *)0xb, res[0].ctx);
	}
	pk[0] = packet(3);
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(wa, pk, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));

	/* The reply times out: the request was still written. */
	written = false;
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_write_read(wa, pk, 2, rb, 0, res, 4, &got, &written));
	EXPECT_TRUE(written);
	EXPECT_EQ(0, got);
	ASSERT_EQ(LK_NO_ERROR, lk_port_read_many(ra, 0, res, 4, &got));
	ASSERT_EQ(2, got);
	EXPECT_EQ(3, result_seq(&res[0]));
	EXPECT_EQ(8, result_seq(&res[1]));

	/* Wrong kinds of handle: a bad handle, nothing written or read. */
	written = true;
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write_read(ra, pk, 1, rb, 0, res, 1, &got, &written));
	EXPECT_FALSE(written);
	written = true;
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write_read(wa, pk, 1, wb, 0, res, 1, &got, &written));
	EXPECT_FALSE(written);
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read(ra, 0, res));
	/* Arguments. */
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_write_read(wa, pk, 0, rb, 0, res, 1, &got, NULL));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_write_read(wa, pk, 1, rb, 0, res, 0, &got, NULL));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read(ra, 0, res));

	/* A closed port: the write fails, so nothing is read either. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(wb, pk, 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_close(wa));
	written = true;
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write_read(wa, pk, 1, rb, 0, res, 1, &got, &written));
	EXPECT_FALSE(written);
	EXPECT_EQ(LK_NO_ERROR, lk_port_read(rb, 0, res));
	lk_port_close(ra);
	lk_port_close(rb);
	lk_port_close(wb);
}

TEST_F(lib, port_map_takes_and_reads)
{
	lk_port_result_t res[4];
	lk_port_packet_t pk[3] = { packet(1), packet(2), packet(3) };
	lk_port_map_t map;
	lk_port_t w, r, g;
	size_t got;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x77, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_map(r, &map));
	EXPECT_EQ((void *)0x77, map.ctx);
	EXPECT_EQ(7, map.mask);
	EXPECT_EQ(LK_ERR_NOT_READY, lk_port_map_take(&map, res, 4, &got));
	EXPECT_EQ(0, got);
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_map_read(&map, 0, res, 4, &got));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, pk, 3));
	ASSERT_EQ(LK_NO_ERROR, lk_port_map_take(&map, res, 2, &got));
	ASSERT_EQ(2, got);
	EXPECT_EQ(1, result_seq(&res[0]));
	EXPECT_EQ(2, result_seq(&res[1]));
	EXPECT_EQ((void *)0x77, res[1].ctx);
	/* The handle's own reads share the ring. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_read(r, 0, &res[0]));
	EXPECT_EQ(3, result_seq(&res[0]));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_map_read(&map, lk_deadline_after_ms(10), res, 4, &got));
	/* A broken ring says so, and only that ring. */
	map.ring->head = map.ring->tail + 100;
	EXPECT_EQ(LK_ERR_BAD_STATE, lk_port_map_take(&map, res, 1, &got));
	EXPECT_EQ(LK_ERR_BAD_STATE, lk_port_map_read(&map, 0, res, 1, &got));
	map.ring->head = map.ring->tail;
	/* Not a read port. */
	lk_port_unmap(&map);
	EXPECT_EQ(NULL, map.ring);
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_map(w, &map));
	ASSERT_EQ(LK_NO_ERROR, lk_port_group(&r, 1, &g));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_map(g, &map));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_map(-1, &map));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(g));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(r));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(w));
	EXPECT_EQ(LK_NO_ERROR, lk_port_destroy(w));
}

/* ---- mapped write rings ------------------------------------------------------------- */

/* Packets first, first + 1, ..., first + n - 1. */
static void packets_from(lk_port_packet_t *pk, uint64_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pk[i] = packet(first + i);
}

/* Reads n packets from r (through map when it is not NULL), each within
 * the sanity bound: 0 when they are first, first + 1, ... with ctx, else
 * the sequence number that went wrong plus 1 (1 + n for a failed read,
 * 2 + n for a wrong ctx). */
static uint64_t read_in_order(lk_port_t r, lk_port_map_t *map, void *ctx, uint64_t first,
			      size_t n)
{
	lk_port_result_t res[16];
	size_t done = 0, got;
	lk_status_t st;

	while (done < n) {
		size_t max = n - done < 16 ? n - done : 16;
		uint64_t deadline = lkt_after_ms(LKT_SANITY_MS);

		st = map ? lk_port_map_read(map, deadline, res, max, &got) :
			   lk_port_read_many(r, deadline, res, max, &got);
		if (st != LK_NO_ERROR || got == 0 || got > max)
			return 1 + n;
		for (size_t i = 0; i < got; i++, done++) {
			if (res[i].ctx != ctx)
				return 2 + n;
			if (result_seq(&res[i]) != first + done)
				return first + done + 1;
		}
	}
	return 0;
}

/* Packets put into the mapped write ring reach every reader, plain and
 * mapped, in order; a full ring takes no more until the kernel takes from
 * it, which the wait in lk_port_wmap_write has it do; a second map of the
 * port starts where the first stopped. */
TEST_F(lib, port_wmap_write_reaches_readers)
{
	lk_port_packet_t pk[12];
	lk_port_wmap_t wm;
	lk_port_map_t rm;
	lk_port_t w, w2, r, rmp;
	uint64_t t0;
	size_t put;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(self->name, LK_PORT_MODE_BROADCAST, 8, 0600, 0, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x31, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x32, &rmp));
	ASSERT_EQ(LK_NO_ERROR, lk_port_map(rmp, &rm));
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap(w, &wm));
	EXPECT_EQ(w, wm.fd);
	EXPECT_EQ(7, wm.mask);
	EXPECT_EQ(0, wm.tail);
	EXPECT_EQ(LK_NO_ERROR, lk_port_wmap_put(&wm, pk, 0, &put));
	EXPECT_EQ(0, put);

	/* To a plain reader and a mapped one, each with its ctx. */
	packets_from(pk, 0, 3);
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap_write(&wm, 0, pk, 3));
	EXPECT_EQ(3, wm.tail);
	EXPECT_EQ(3, wm.ring->tail);
	EXPECT_EQ(0, read_in_order(r, NULL, (void *)0x31, 0, 3));
	EXPECT_EQ(0, read_in_order(rmp, &rm, (void *)0x32, 0, 3));

	/* Nobody reads: the ring's 8 slots and no more. */
	packets_from(pk, 3, 12);
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap_put(&wm, pk, 12, &put));
	EXPECT_EQ(8, put);
	EXPECT_EQ(LK_ERR_NOT_READY, lk_port_wmap_put(&wm, pk + 8, 4, &put));
	EXPECT_EQ(0, put);
	EXPECT_EQ(11, wm.tail);
	/* The wait takes them to the readers' rings, which have room: no
	 * time-out even with deadline 0. */
	EXPECT_EQ(LK_NO_ERROR, lk_port_wmap_write(&wm, 0, pk + 8, 4));
	packets_from(pk, 15, 5);
	EXPECT_EQ(LK_NO_ERROR, lk_port_wmap_write(&wm, 0, pk, 4));
	EXPECT_EQ(19, wm.tail);
	/* Now every ring is full: what fits (nothing), then the time-out. */
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_wmap_write(&wm, 0, pk + 4, 1));
	t0 = lk_deadline_after_ms(20);
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_wmap_write(&wm, t0, pk + 4, 1));
	EXPECT_LE(t0, lkt_now());
	EXPECT_EQ(19, wm.tail);
	/* Readers' turns: what each ring holds, then what the write ring
	 * held, once both rings had room for it. */
	EXPECT_EQ(0, read_in_order(r, NULL, (void *)0x31, 3, 8));
	EXPECT_EQ(0, read_in_order(rmp, &rm, (void *)0x32, 3, 8));
	EXPECT_EQ(0, read_in_order(r, NULL, (void *)0x31, 11, 8));
	EXPECT_EQ(0, read_in_order(rmp, &rm, (void *)0x32, 11, 8));
	EXPECT_EQ(LK_NO_ERROR, lk_port_wmap_write(&wm, 0, pk + 4, 1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_wmap_kick(&wm));
	lk_port_wunmap(&wm);
	EXPECT_EQ(NULL, wm.ring);
	EXPECT_EQ(-1, wm.fd);

	/* Another writer of the port maps the same ring, from its tail. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(self->name, 0, 8, 0600, LKPORT_PORT_SHARE, &w2));
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap(w2, &wm));
	EXPECT_EQ(20, wm.tail);
	packets_from(pk, 20, 1);
	EXPECT_EQ(LK_NO_ERROR, lk_port_wmap_write(&wm, LKPORT_FOREVER, pk, 1));
	EXPECT_EQ(0, read_in_order(r, NULL, (void *)0x31, 19, 2));
	EXPECT_EQ(0, read_in_order(rmp, &rm, (void *)0x32, 19, 2));
	lk_port_wunmap(&wm);
	lk_port_unmap(&rm);
	close(w2);
	lk_port_close(rmp);
	lk_port_close(r);
	close(w);
}

struct map_reader {
	lk_port_map_t *map;
	lk_status_t st;
	lk_port_result_t res;
};

static void *map_read_thread(void *arg)
{
	struct map_reader *m = arg;
	size_t got;

	m->st = lk_port_map_read(m->map, lkt_after_ms(LKT_SANITY_MS), &m->res, 1, &got);
	return NULL;
}

/* A reader asleep in the kernel (here one in a group in another process,
 * one in lk_port_map_read in another thread and one in poll in a third
 * process) has the ring ask for a kick, and the put makes it: all wake
 * with the packet. */
TEST_F(lib, port_wmap_write_wakes_blocked_readers)
{
	lk_port_packet_t pk = packet(5);
	struct map_reader mr = { .st = 1 };
	lk_port_t w, r, rmp, rp, g;
	lk_port_wmap_t wm;
	lk_port_map_t rm;
	pthread_t th;
	pid_t pid, poller;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x41, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x42, &rmp));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x43, &rp));
	ASSERT_EQ(LK_NO_ERROR, lk_port_group(&r, 1, &g));
	ASSERT_EQ(LK_NO_ERROR, lk_port_map(rmp, &rm));
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap(w, &wm));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		lk_port_result_t res;

		if (lk_port_group_read_timeout(g, LKT_SANITY_MS, &res))
			_exit(1);
		_exit(result_seq(&res) == 5 && res.ctx == (void *)0x41 ? 0 : 2);
	}
	poller = lkt_fork(&self->b.kids);
	ASSERT_LE(0, poller);
	if (poller == 0) {
		struct pollfd pf = { .fd = rp, .events = POLLIN };
		lk_port_result_t res;

		if (poll(&pf, 1, LKT_SANITY_MS) != 1 || !(pf.revents & POLLIN))
			_exit(1);
		if (lk_port_read(rp, 0, &res))
			_exit(2);
		_exit(result_seq(&res) == 5 && res.ctx == (void *)0x43 ? 0 : 3);
	}
	mr.map = &rm;
	ASSERT_EQ(0, pthread_create(&th, NULL, map_read_thread, &mr));
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	ASSERT_EQ(0, lkt_await_waiters(rmp, 1));
	ASSERT_EQ(0, lkt_await_sleeping(poller));
	EXPECT_TRUE(__atomic_load_n(&wm.ring->flags, __ATOMIC_SEQ_CST) & LKPORT_WRING_KICK);
	EXPECT_EQ(LK_NO_ERROR, lk_port_wmap_write(&wm, 0, &pk, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS + 2000));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, poller, LKT_SANITY_MS + 2000));
	pthread_join(th, NULL);
	EXPECT_EQ(LK_NO_ERROR, mr.st);
	EXPECT_EQ(5, result_seq(&mr.res));
	EXPECT_EQ((void *)0x42, mr.res.ctx);
	lk_port_wunmap(&wm);
	lk_port_unmap(&rm);
	lk_port_close(g);
	lk_port_close(rp);
	lk_port_close(rmp);
	lk_port_close(r);
	close(w);
}

/* Back-pressure: a writer of three rings' worth waits in
 * lk_port_wmap_write while its ring and the reader's are full, and goes
 * on as the reader reads, plainly and then from its map; every packet
 * arrives, in order. */
TEST_F(lib, port_wmap_write_waits_for_room)
{
	lk_port_packet_t pk[24];
	lk_port_wmap_t wm;
	lk_port_map_t rm;
	lk_port_t w, r;
	pid_t pid;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(self->name, LK_PORT_MODE_UNICAST, 8, 0600, 0, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x51, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_map(r, &rm));
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap(w, &wm));
	for (int round = 0; round < 2; round++) {
		uint64_t first = round * 24, end = lkt_after_ms(LKT_SANITY_MS);

		pid = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid);
		if (pid == 0) {
			packets_from(pk, first, 24);
			_exit(lk_port_wmap_write(&wm, lkt_after_ms(LKT_SANITY_MS), pk, 24) ? 1 : 0);
		}
		/* Both rings full, the writer asleep with 8 packets to go. */
		while ((lkt_queued(r) != 8 || wm.ring->tail - wm.ring->head != 8) && lkt_now() < end)
			lkt_sleep_us(500);
		ASSERT_EQ(8, lkt_queued(r));
		ASSERT_EQ(first + 16, wm.ring->tail);
		ASSERT_EQ(0, lkt_await_sleeping(pid));
		EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid));
		EXPECT_EQ(0, read_in_order(r, round ? &rm : NULL, (void *)0x51, first, 24));
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
		EXPECT_EQ(first + 24, wm.ring->tail);
		EXPECT_EQ(first + 24, wm.ring->head);
		/* The child's puts moved the shared tail; this map's own
		 * copy follows it only here, in the test. */
		wm.tail = first + 24;
	}
	lk_port_wunmap(&wm);
	lk_port_unmap(&rm);
	lk_port_close(r);
	close(w);
}

/* Only a write port maps its write ring; a closed port and a broken ring
 * say so through the kick and the wait, and the port's other writes go
 * on past a broken ring. */
TEST_F(lib, port_wmap_bad_handle_and_state)
{
	lk_port_packet_t pk[9];
	lk_port_result_t res;
	lk_port_wmap_t wm;
	char cname[LKPORT_NAME_LEN];
	lk_port_t w, r, g;
	lk_event_t e;
	int pipefd[2];

	LKT_NAME(cname, "c");
	packets_from(pk, 60, 9);
	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(self->name, LK_PORT_MODE_BROADCAST, 8, 0600, 0, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)0x61, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_group(&r, 1, &g));
	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&e, self->name, false, 0, 0600));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap(r, &wm));
	EXPECT_EQ(NULL, wm.ring);
	EXPECT_EQ(-1, wm.fd);
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap(g, &wm));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap(e.fd, &wm));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap(pipefd[1], &wm));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap(-1, &wm));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_wmap_kick(&wm));
	close(pipefd[0]);
	close(pipefd[1]);

	/* A broken ring: a tail past head + capacity. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap(w, &wm));
	__atomic_store_n(&wm.ring->tail, wm.tail + 100, __ATOMIC_SEQ_CST);
	EXPECT_EQ(LK_ERR_BAD_STATE, lk_port_wmap_kick(&wm));
	errno = 0;	/* the status is the wait's, not a stale errno */
	EXPECT_EQ(LK_ERR_BAD_STATE, lk_port_wmap_write(&wm, LKPORT_FOREVER, pk, 9));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read(r, 0, &res));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, &pk[8], 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_read(r, 0, &res));
	EXPECT_EQ(68, result_seq(&res));
	lk_port_wunmap(&wm);

	lk_port_close(g);
	lk_port_close(r);
	close(w);

	/* Closed: no new map, and an old one's kick and wait say so. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(cname, LK_PORT_MODE_BROADCAST, 8, 0600, 0, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(cname, NULL, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap(w, &wm));
	ASSERT_EQ(LK_NO_ERROR, lk_port_wmap_write(&wm, 0, pk, 2));
	ASSERT_EQ(LK_NO_ERROR, lk_port_close(w));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap_kick(&wm));
	errno = 0;
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap_write(&wm, LKPORT_FOREVER, pk, 9));
	lk_port_wunmap(&wm);
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_wmap(w, &wm));
	EXPECT_EQ(-1, wm.fd);
	lk_event_destroy(&e);
	lk_port_close(r);
	lk_port_destroy(w);
}

TEST_F(lib, port_status_codes)
{
	lk_port_packet_t pk[9];
	lk_port_result_t res;
	unsigned int delivered = 99, skipped = 99;
	lk_port_t w, r, r2, u, ur;
	char uname[LKPORT_NAME_LEN];

	for (int i = 0; i < 9; i++)
		pk[i] = packet(i);
	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &w));
	/* No reader and no room. */
	EXPECT_EQ(LK_NO_ERROR, lk_port_write(w, pk, 8));
	EXPECT_EQ(LK_ERR_NOT_ENOUGH_BUFFER, lk_port_write(w, pk, 1));
	EXPECT_EQ(LK_ERR_NOT_ENOUGH_BUFFER, lk_port_write(w, pk, LKPORT_CAPACITY_MAX + 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, NULL, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, NULL, &r2));
	/* r is full (it inherited eight packets), r2 is not. */
	EXPECT_EQ(LK_ERR_PARTIAL_WRITE, lk_port_write_ex(w, pk, 1, &delivered, &skipped));
	EXPECT_EQ(1, delivered);
	EXPECT_EQ(1, skipped);
	EXPECT_EQ(LK_ERR_PARTIAL_WRITE, lk_port_write(w, pk, 1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read(r2, 0, &res));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read(r2, 0, &res));
	/* Unicast: a second reader is not allowed. */
	LKT_NAME(uname, "u");
	ASSERT_EQ(LK_NO_ERROR, lk_port_create(uname, LK_PORT_MODE_UNICAST, &u));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(uname, NULL, &ur));
	EXPECT_EQ(LK_ERR_NOT_ALLOWED, lk_port_open(uname, NULL, &r2));
	/* Destroy only a closed port; write to a closed one is a bad handle. */
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_destroy(u));
	EXPECT_TRUE(fd_open(u));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(u));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_close(u));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write(u, pk, 1));
	/* Closed but not destroyed: the name is busy. */
	EXPECT_EQ(LK_ERR_BUSY, lk_port_create(uname, LK_PORT_MODE_UNICAST, &r2));
	EXPECT_EQ(LK_NO_ERROR, lk_port_destroy(u));
	EXPECT_FALSE(fd_open(u));
	EXPECT_EQ(LK_ERR_CANCELLED, lk_port_read(ur, LK_INFINITE_TIME, &res));
	EXPECT_EQ(LK_NO_ERROR, lk_port_create(uname, LK_PORT_MODE_UNICAST, &u));
	lk_port_close(ur);
	lk_port_close(u);
	lk_port_destroy(u);
	/* Readers drain, then learn the port is gone. */
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(w));
	EXPECT_EQ(LK_NO_ERROR, lk_port_destroy(w));
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(LK_NO_ERROR, lk_port_read(r, 0, &res));
	}
	EXPECT_EQ(LK_ERR_CANCELLED, lk_port_read(r, 0, &res));
	lk_port_close(r);
	lk_port_close(r2);
}

TEST_F(lib, port_extensions)
{
	lk_port_result_t res[LKPORT_READ_MAX + 4];
	lk_port_packet_t pk[10];
	struct lkport_info info;
	lk_port_t w, w2, r;
	size_t got;

	for (int i = 0; i < 10; i++)
		pk[i] = packet(100 + i);
	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(self->name, LK_PORT_MODE_BROADCAST, 16, 0640, 0, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(w, &info));
	EXPECT_EQ(16, info.capacity);
	EXPECT_EQ(LKPORT_KIND_WRITE_PORT, info.kind);
	/* LK's create-or-share. */
	EXPECT_EQ(LK_ERR_ALREADY_EXISTS, lk_port_create_ex(self->name, 0, 16, 0640, 0, &w2));
	ASSERT_EQ(LK_NO_ERROR, lk_port_create_ex(self->name, 0, 16, 0640, LKPORT_PORT_SHARE, &w2));
	EXPECT_NE(w, w2);
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)7, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, pk, 4));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w2, pk + 4, 6));
	/* More asked than there is: what there is. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_read_many(r, 0, res, ARRAY_SIZE(res), &got));
	ASSERT_EQ(10, got);
	for (size_t i = 0; i < got; i++) {
		EXPECT_EQ(100 + i, result_seq(&res[i]));
		EXPECT_EQ((void *)7, res[i].ctx);
	}
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read_many(r, 0, res, 4, &got));
	EXPECT_EQ(0, got);
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read_many_timeout(r, 5, res, 4, &got));
	EXPECT_EQ(0, got);
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, pk, 3));
	ASSERT_EQ(LK_NO_ERROR, lk_port_read_many_timeout(r, LK_INFINITE_TIME, res, 4, &got));
	EXPECT_EQ(3, got);
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_read_many(r, 0, res, 0, &got));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_create_ex("x", 0, 3, 0600, 0, &w2));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_create_ex("x", LK_PORT_MODE_BIG_BUFFER, 0, 0600, 0, &w2));
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_create_ex("x", 0, 0, 0600, 2, &w2));
	lk_port_close(r);
	close(w2);
	close(w);
}

/* A call on the wrong kind of handle is LK's bad handle, whichever call
 * it is: the module's ENOTTY for a command the fd does not take is read
 * back so on every path, not only the read's. */
TEST_F(lib, wrong_kind_of_handle_is_bad_handle)
{
	lk_port_packet_t pk = packet(1);
	struct lkport_info info;
	lk_port_result_t res;
	lk_port_t w, r, g;
	lk_event_t e, as_event;
	int pipefd[2];

	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, NULL, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_group(NULL, 0, &g));
	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&e, self->name, false, 0, 0600));
	/* Writes to a reader. */
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write(r, &pk, 1));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write(g, &pk, 1));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write(e.fd, &pk, 1));
	/* Reads of a writer or an event. */
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_read(w, 0, &res));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_read(e.fd, 0, &res));
	/* Event calls on a port. */
	as_event.fd = w;
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_signal(&as_event));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_unsignal(&as_event));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_event_wait_timeout(&as_event, 0));
	/* Group calls on a read port, destroy of a reader. */
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_group_add(r, r));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_destroy(r));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_destroy(e.fd));
	EXPECT_TRUE(fd_open(r));
	/* Not an lkport object at all. */
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_object_info(pipefd[0], &info));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write(pipefd[1], &pk, 1));
	close(pipefd[0]);
	close(pipefd[1]);
	/* Nothing was written anywhere. */
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_read(r, 0, &res));
	lk_event_destroy(&e);
	lk_port_close(g);
	lk_port_close(r);
	close(w);
}

/* lk_port_create refuses a name in use; lk_port_create_shared, LK's
 * port_create, hands back another writer of the port with
 * LK_ERR_ALREADY_EXISTS. */
TEST_F(lib, port_create_shared_returns_the_existing_port)
{
	lk_port_packet_t pk = packet(5);
	struct lkport_info a, b;
	lk_port_result_t res;
	lk_port_t w, w2 = -7, r;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create_shared(self->name, LK_PORT_MODE_UNICAST, &w));
	EXPECT_EQ(LK_ERR_ALREADY_EXISTS, lk_port_create(self->name, LK_PORT_MODE_UNICAST, &w2));
	EXPECT_EQ(-7, w2);
	/* The port as it is: unicast, whatever mode is asked now. */
	ASSERT_EQ(LK_ERR_ALREADY_EXISTS, lk_port_create_shared(self->name, LK_PORT_MODE_BROADCAST, &w2));
	ASSERT_LE(0, w2);
	EXPECT_NE(w, w2);
	EXPECT_EQ(FD_CLOEXEC, fcntl(w2, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(w, &a));
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(w2, &b));
	EXPECT_EQ(a.id, b.id);
	EXPECT_EQ(LKPORT_PORT_UNICAST, b.flags);
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)4, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w2, &pk, 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_read(r, 0, &res));
	EXPECT_EQ(5, result_seq(&res));
	close(w2);
	/* A closed port's name is busy, and no handle comes back. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_close(w));
	w2 = -7;
	EXPECT_EQ(LK_ERR_BUSY, lk_port_create_shared(self->name, LK_PORT_MODE_UNICAST, &w2));
	EXPECT_EQ(-7, w2);
	ASSERT_EQ(LK_NO_ERROR, lk_port_destroy(w));
	lk_port_close(r);
}

/* A reader blocked in another process wakes with the packet. */
TEST_F(lib, port_read_blocks_until_write)
{
	lk_port_packet_t pk = packet(33);
	lk_port_t w, r;
	pid_t pid;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_UNICAST, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)3, &r));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		lk_port_result_t res;

		if (lk_port_read(r, LK_INFINITE_TIME, &res))
			_exit(1);
		_exit(result_seq(&res) == 33 && res.ctx == (void *)3 ? 0 : 2);
	}
	ASSERT_EQ(0, lkt_await_waiters(r, 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, &pk, 1));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	lk_port_close(r);
	close(w);
}

/* Back-pressure writes: LK statuses for what the ioctl says. */
TEST_F(lib, port_write_wait_status_codes)
{
	lk_port_packet_t pk[9];
	unsigned int delivered = 99, skipped = 99;
	lk_port_result_t res;
	lk_port_t w, r;
	pid_t pid;

	for (int i = 0; i < 9; i++)
		pk[i] = packet(40 + i);
	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, NULL, &r));
	/* More than the ring's 8 could never fit. */
	EXPECT_EQ(LK_ERR_INVALID_ARGS, lk_port_write_timeout(w, pk, 9, LK_INFINITE_TIME));
	EXPECT_EQ(LK_NO_ERROR, lk_port_write_deadline_ex(w, pk, 8, LKPORT_FOREVER,
							 &delivered, &skipped));
	EXPECT_EQ(1, delivered);
	EXPECT_EQ(0, skipped);
	/* Full: the timeout, 0 (a try) and a deadline all time out. */
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_write_timeout(w, pk, 1, 10));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_write_timeout(w, pk, 1, 0));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_write_deadline_ex(w, pk, 1, lkt_after_ms(10),
							      &delivered, &skipped));
	EXPECT_EQ(0, delivered);
	EXPECT_EQ(8, lkt_queued(r));
	/* A reader's handle is not a write port. */
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write_timeout(r, pk, 1, 0));
	/* A waiting writer gets through once a read makes room. */
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(lk_port_write_timeout(w, &pk[8], 1, LK_INFINITE_TIME) ? 1 : 0);
	ASSERT_EQ(0, lkt_await_waiters(w, 1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read(r, 0, &res));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(8, lkt_queued(r));
	/* Closed: a bad handle, as any write. */
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(w));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_write_timeout(w, pk, 1, LK_INFINITE_TIME));
	lk_port_close(r);
	lk_port_destroy(w);
}

/* ---- groups ------------------------------------------------------------------------ */

TEST_F(lib, groups)
{
	lk_port_t w[3], r[3], g, g2;
	lk_port_result_t res[4];
	lk_port_packet_t pk;
	char name[3][LKPORT_NAME_LEN];
	size_t got;
	static lk_port_t many[LKPORT_GROUP_MAX + 1];

	for (int i = 0; i < 3; i++) {
		LKT_NAME(name[i], "g");
		ASSERT_EQ(LK_NO_ERROR, lk_port_create(name[i], LK_PORT_MODE_BROADCAST, &w[i]));
		ASSERT_EQ(LK_NO_ERROR, lk_port_open(name[i], (void *)(uintptr_t)(i + 1), &r[i]));
	}
	ASSERT_EQ(LK_NO_ERROR, lk_port_group(r, 2, &g));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_group_read_timeout(g, 0, res));
	pk = packet(8);
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w[1], &pk, 1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_group_read_timeout(g, 0, res));
	EXPECT_EQ((void *)2, res[0].ctx);
	EXPECT_EQ(8, result_seq(&res[0]));
	/* Membership. */
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_group_remove(g, r[2]));
	EXPECT_EQ(LK_NO_ERROR, lk_port_group_add(g, r[2]));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_group_add(g, r[2]));	/* LK: already grouped */
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_group_add(g, w[0]));
	EXPECT_EQ(LK_ERR_BAD_HANDLE, lk_port_group_create(r, 1, &g2));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w[2], &pk, 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w[0], &pk, 1));
	/* lk_port_read and lk_port_read_many take groups too. */
	EXPECT_EQ(LK_NO_ERROR, lk_port_read(g, 0, res));
	EXPECT_EQ(LK_NO_ERROR, lk_port_read_many(g, 0, res + 1, 4, &got));
	EXPECT_EQ(1, got);
	EXPECT_TRUE((res[0].ctx == (void *)1 && res[1].ctx == (void *)3) ||
		    (res[0].ctx == (void *)3 && res[1].ctx == (void *)1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_group_remove(g, r[2]));
	EXPECT_EQ(LK_NO_ERROR, lk_port_close(g));
	EXPECT_FALSE(fd_open(g));
	/* Past LKPORT_GROUP_MAX. */
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = r[0];
	EXPECT_EQ(LK_ERR_TOO_BIG, lk_port_group(many, ARRAY_SIZE(many), &g));
	/* The longer name, for an empty group. */
	ASSERT_EQ(LK_NO_ERROR, lk_port_group_create(NULL, 0, &g));
	EXPECT_EQ(LK_NO_ERROR, lk_port_group_add(g, r[0]));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_group_read_timeout(g, 5, res));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_port_group_read_deadline(g, lk_deadline_after_ms(5), res));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w[0], &pk, 1));
	EXPECT_EQ(LK_NO_ERROR, lk_port_group_read_deadline(g, LKPORT_FOREVER, res));
	EXPECT_EQ((void *)1, res[0].ctx);
	lk_port_close(g);
	for (int i = 0; i < 3; i++) {
		lk_port_close(r[i]);
		close(w[i]);
	}
}

/* A group reader blocked in another process wakes on a member's write;
 * destroying the member's writer then cancels it. */
TEST_F(lib, group_read_blocks_until_write)
{
	lk_port_packet_t pk = packet(12);
	lk_port_t w, r, g;
	pid_t pid;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_BROADCAST, &w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, (void *)9, &r));
	ASSERT_EQ(LK_NO_ERROR, lk_port_group(&r, 1, &g));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		lk_port_result_t res;

		if (lk_port_group_read_timeout(g, LK_INFINITE_TIME, &res))
			_exit(1);
		if (result_seq(&res) != 12 || res.ctx != (void *)9)
			_exit(2);
		_exit(lk_port_group_read_timeout(g, LK_INFINITE_TIME, &res) == LK_ERR_CANCELLED ? 0 : 3);
	}
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_write(w, &pk, 1));
	ASSERT_EQ(0, lkt_await_waiters(g, 1));
	ASSERT_EQ(LK_NO_ERROR, lk_port_close(w));
	ASSERT_EQ(LK_NO_ERROR, lk_port_destroy(w));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	lk_port_close(g);
	lk_port_close(r);
}

/* ---- LK code, written with LK's names ------------------------------------------------ */

#include <lkport/lk_compat.h>

/* What a port of LK code looks like: LK's types, names and status codes.
 * Returns NO_ERROR, or the line that went wrong. */
#define CHECK(cond) do { if (!(cond)) return __LINE__; } while (0)

static status_t lk_code_ports(const char *name, const char *uname)
{
	port_packet_t pk = { { 'l', 'k' } };
	port_result_t result;
	port_t writer, reader, other, group, unicast;
	status_t st;

	st = port_create(name, PORT_MODE_BROADCAST, &writer);
	CHECK(st == NO_ERROR);
	/* LK's rule: a name in use hands back the port that has it. */
	CHECK(port_create(name, PORT_MODE_BROADCAST, &other) == ERR_ALREADY_EXISTS);
	CHECK(other >= 0 && other != writer);
	CHECK(port_open(name, (void *)0x10, &reader) == NO_ERROR);
	CHECK(port_write(other, &pk, 1) == NO_ERROR);
	CHECK(port_read(reader, 0, &result) == NO_ERROR);
	CHECK(close(other) == 0);
	/* Writing to a read port: a bad handle, as in LK. */
	CHECK(port_write(reader, &pk, 1) == ERR_BAD_HANDLE);
	CHECK(port_read(reader, 0, &result) == ERR_TIMED_OUT);
	CHECK(port_write(writer, &pk, 1) == NO_ERROR);
	CHECK(port_read(reader, INFINITE_TIME, &result) == NO_ERROR);
	CHECK(result.ctx == (void *)0x10);
	CHECK(result.packet.value[0] == 'l' && result.packet.value[1] == 'k');
	CHECK(port_read_timeout(reader, 1, &result) == ERR_TIMED_OUT);

	CHECK(port_group(&reader, 1, &group) == NO_ERROR);
	CHECK(port_write(writer, &pk, 1) == NO_ERROR);
	CHECK(port_group_read_timeout(group, 100, &result) == NO_ERROR);
	CHECK(result.ctx == (void *)0x10);
	CHECK(port_group_remove(group, reader) == NO_ERROR);
	CHECK(port_group_remove(group, reader) == ERR_BAD_HANDLE);
	CHECK(port_group_add(group, reader) == NO_ERROR);
	CHECK(port_close(group) == NO_ERROR);
	CHECK(port_group_create(&reader, 1, &group) == NO_ERROR);
	CHECK(port_close(group) == NO_ERROR);

	CHECK(port_create(uname, PORT_MODE_UNICAST, &unicast) == NO_ERROR);
	CHECK(port_open(uname, NULL, &other) == NO_ERROR);
	CHECK(port_open(uname, NULL, &other) == ERR_NOT_ALLOWED);
	CHECK(port_close(unicast) == NO_ERROR);
	CHECK(port_write(unicast, &pk, 1) == ERR_BAD_HANDLE);
	CHECK(port_destroy(unicast) == NO_ERROR);
	CHECK(port_read(other, INFINITE_TIME, &result) == ERR_CANCELLED);
	CHECK(port_close(other) == NO_ERROR);

	CHECK(port_close(reader) == NO_ERROR);
	CHECK(port_close(writer) == NO_ERROR);
	CHECK(port_destroy(writer) == NO_ERROR);
	CHECK(port_open(name, NULL, &reader) == ERR_NOT_FOUND);
	return NO_ERROR;
}

static status_t lk_code_events(const char *name)
{
	event_t ev;

	/* LK's event_init has no name: the creation is lkport's. */
	CHECK(lk_event_create(&ev, name, false, EVENT_FLAG_AUTOUNSIGNAL, 0600) == NO_ERROR);
	CHECK(event_wait_timeout(&ev, 0) == ERR_TIMED_OUT);
	CHECK(event_wait_timeout(&ev, 5) == ERR_TIMED_OUT);
	CHECK(event_signal(&ev, false) == 0);
	CHECK(event_wait_timeout(&ev, 0) == NO_ERROR);
	CHECK(event_wait_timeout(&ev, 0) == ERR_TIMED_OUT);
	CHECK(event_signal(&ev, true) == 0);
	CHECK(event_unsignal(&ev) == NO_ERROR);
	CHECK(event_wait_timeout(&ev, 0) == ERR_TIMED_OUT);
	CHECK(event_signal(&ev, false) == 0);
	CHECK(event_wait(&ev) == NO_ERROR);
	CHECK(event_destroy(&ev) == NO_ERROR);
	/* LK's event_init: an event of no name. */
	CHECK(event_init(&ev, true, 0) == NO_ERROR);
	CHECK(event_wait_timeout(&ev, 0) == NO_ERROR);
	CHECK(event_wait_timeout(&ev, 0) == NO_ERROR);
	CHECK(event_destroy(&ev) == NO_ERROR);
	return NO_ERROR;
}

TEST_F(lib, lk_compat_names)
{
	char uname[LKPORT_NAME_LEN];
	status_t st;

	LKT_NAME(uname, "u");
	st = lk_code_ports(self->name, uname);
	EXPECT_EQ(NO_ERROR, st) TH_LOG("LK port code failed at line %d", st);
	st = lk_code_events(self->name);
	EXPECT_EQ(NO_ERROR, st) TH_LOG("LK event code failed at line %d", st);
}

TEST_HARNESS_MAIN
