// SPDX-License-Identifier: GPL-2.0
/*
 * Named events through /dev/lkport: LK's event semantics (auto-unsignal
 * passes exactly one waiter per signal, a persistent event passes all and
 * stays signalled), access modes, deadlines, signals, poll/epoll, and
 * events shared between processes.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "lkport_test.h"

FIXTURE(event) {
	struct lkt_base b;
	char name[LKPORT_NAME_LEN];
};

FIXTURE_SETUP(event)
{
	lkt_base_setup(_metadata, &self->b);
	LKT_NAME(self->name, "ev");
}

FIXTURE_TEARDOWN(event)
{
	lkt_base_teardown(_metadata, &self->b);
}

static mode_t current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

TEST_F(event, create_and_info)
{
	struct lkport_info info;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0640);
	ASSERT_LE(0, fd) TH_LOG("create: %s", strerror(-fd));
	ASSERT_EQ(0, lkt_info(fd, &info));
	EXPECT_EQ(LKPORT_KIND_EVENT, info.kind);
	EXPECT_EQ(LKPORT_EVENT_AUTOUNSIGNAL, info.flags);
	EXPECT_EQ(getuid(), info.uid);
	EXPECT_EQ(getgid(), info.gid);
	EXPECT_EQ(0640 & ~current_umask(), info.perm);
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(0, info.waiters);
	EXPECT_EQ(0, info.queued);
	EXPECT_EQ(0, info.capacity);
	EXPECT_EQ(0, info.members);
	EXPECT_NE(0, info.id);
	EXPECT_EQ(0, info.ctx);
	EXPECT_STREQ(self->name, info.name);
	for (size_t i = strlen(self->name); i < sizeof(info.name); i++) {
		EXPECT_EQ(0, info.name[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(info.reserved); i++) {
		EXPECT_EQ(0, info.reserved[i]);
	}
	/* A persistent event says so. */
	close(fd);
	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lkt_info(fd, &info));
	EXPECT_EQ(0, info.flags);
	close(fd);
}

/* One more live event while it exists, and none once its fd is closed. */
TEST_F(event, counted_live_while_open)
{
	struct lkt_stats s;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(self->b.stats.live[LKPORT_KIND_EVENT] + 1, s.live[LKPORT_KIND_EVENT]);
	close(fd);
	EXPECT_EQ(0, lkt_await_stats(&self->b.stats));
}

TEST_F(event, created_signaled)
{
	struct lkport_info info;
	int fa, fp;
	char name2[LKPORT_NAME_LEN];

	LKT_NAME(name2, "ev2");
	fa = lkt_event_create(self->b.dev, self->name,
			      LKPORT_EVENT_AUTOUNSIGNAL | LKPORT_EVENT_SIGNALED, 0600);
	ASSERT_LE(0, fa);
	fp = lkt_event_create(self->b.dev, name2, LKPORT_EVENT_SIGNALED, 0600);
	ASSERT_LE(0, fp);

	ASSERT_EQ(0, lkt_info(fa, &info));
	EXPECT_EQ(LKPORT_STATE_SIGNALED, info.state);
	/* SIGNALED is a creation flag, not the event's. */
	EXPECT_EQ(LKPORT_EVENT_AUTOUNSIGNAL, info.flags);
	EXPECT_EQ(0, lkt_event_wait(fa, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fa, 0));

	ASSERT_EQ(0, lkt_info(fp, &info));
	EXPECT_EQ(LKPORT_STATE_SIGNALED, info.state);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, lkt_event_wait(fp, 0));
	EXPECT_EQ(0, lkt_event_wait(fp, 0));
	close(fa);
	close(fp);
}

TEST_F(event, duplicate_create_is_eexist)
{
	int fd, fd2;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, lkt_event_create(self->b.dev, self->name, 0, 0600));
	EXPECT_EQ(-EEXIST, lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0666));
	/* The failed create changed nothing. */
	fd2 = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, lkt_event_signal(fd2));
	EXPECT_EQ(0, lkt_event_wait(fd, 0));
	close(fd2);
	close(fd);
}

TEST_F(event, open_missing_is_enoent)
{
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT));
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL));
}

/* The name lives as long as any fd on the event; then it is free again. */
TEST_F(event, name_freed_with_last_fd)
{
	int fd, fd2;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	fd2 = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, fd2);
	close(fd);
	/* Still there through fd2. */
	EXPECT_EQ(-EEXIST, lkt_event_create(self->b.dev, self->name, 0, 0600));
	fd = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_event_wait(fd2, 0));
	close(fd);
	close(fd2);
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT));
	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	/* A new event: not signalled. */
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
	close(fd);
}

/* Every fd opened on a name is the same event. */
TEST_F(event, open_shares_the_object)
{
	struct lkport_info a, b;
	int fd, fd2;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	fd2 = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, lkt_info(fd, &a));
	ASSERT_EQ(0, lkt_info(fd2, &b));
	EXPECT_EQ(a.id, b.id);
	EXPECT_STREQ(a.name, b.name);
	EXPECT_EQ(0, lkt_event_signal(fd2));
	ASSERT_EQ(0, lkt_info(fd, &a));
	EXPECT_EQ(LKPORT_STATE_SIGNALED, a.state);
	EXPECT_EQ(0, lkt_event_unsignal(fd));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd2, 0));
	close(fd);
	close(fd2);
}

TEST_F(event, open_access_modes)
{
	struct lkport_info info;
	int fd, w, s;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	w = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, w);
	s = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, s);

	/* Wait-only: cannot signal or unsignal. */
	EXPECT_EQ(-EBADF, lkt_event_signal(w));
	EXPECT_EQ(-EBADF, lkt_event_unsignal(w));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(w, 0));
	/* Signal-only: cannot wait. */
	EXPECT_EQ(-EBADF, lkt_event_wait(s, 0));
	EXPECT_EQ(-EBADF, lkt_event_wait(s, LKPORT_FOREVER));
	EXPECT_EQ(0, lkt_event_signal(s));
	EXPECT_EQ(0, lkt_event_wait(w, 0));
	EXPECT_EQ(0, lkt_event_unsignal(s));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(w, 0));
	/* Both may ask what the event is. */
	EXPECT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(LKPORT_KIND_EVENT, info.kind);
	EXPECT_EQ(0, lkt_info(s, &info));
	EXPECT_EQ(LKPORT_KIND_EVENT, info.kind);

	/* At least one access bit, and no unknown one. */
	EXPECT_EQ(-EINVAL, lkt_event_open(self->b.dev, self->name, 0));
	EXPECT_EQ(-EINVAL, lkt_event_open(self->b.dev, self->name, 1u << 2));
	EXPECT_EQ(-EINVAL, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT | (1u << 2)));
	EXPECT_EQ(-EINVAL, lkt_event_open(self->b.dev, self->name,
					  LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL | (1u << 31)));
	EXPECT_EQ(-EINVAL, lkt_event_open(self->b.dev, self->name, ~0u));
	close(w);
	close(s);
	close(fd);
}

/* Persistent: a signal releases every waiter, returns how many, and the
 * event stays signalled until unsignalled. */
/* ---- destroy and anonymous events (ABI 1.5) ------------------------------------------ */

static int event_destroy(int fd)
{
	return lkport_ioctl(fd, LKPORT_IOC_EVENT_DESTROY, NULL);
}

/* LK's event_destroy: every waiter, in any process, wakes with EIDRM; so
 * does every later call on any fd; poll says EPOLLHUP; the name is free. */
TEST_F(event, destroy_wakes_waiters_with_eidrm)
{
	struct lkport_version v;
	struct lkport_info info;
	struct pollfd pfd;
	pid_t pid[2];
	int fd, w, again;

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & LKPORT_FEATURE_EVENT_DESTROY);
	fd = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, fd);
	w = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, w);
	for (int i = 0; i < 2; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(lkt_event_wait(i ? w : fd, LKPORT_FOREVER) == -EIDRM ? 0 : 1);
	}
	ASSERT_EQ(0, lkt_await_waiters(fd, 2));
	/* A wait-only fd may not. */
	EXPECT_EQ(-EBADF, event_destroy(w));
	EXPECT_EQ(0, event_destroy(fd));
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
	}
	EXPECT_EQ(-EIDRM, lkt_event_wait(w, 0));
	EXPECT_EQ(-EIDRM, lkt_event_wait(fd, LKPORT_FOREVER));
	EXPECT_EQ(-EIDRM, lkt_event_signal(fd));
	EXPECT_EQ(-EIDRM, lkt_event_unsignal(fd));
	EXPECT_EQ(-EIDRM, event_destroy(fd));
	ASSERT_EQ(0, lkt_info(w, &info));
	EXPECT_EQ(LKPORT_STATE_DESTROYED, info.state);
	EXPECT_EQ(0, info.waiters);
	pfd = (struct pollfd){ .fd = w, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP, pfd.revents);
	/* The name is free at once, for a new event of its own. */
	EXPECT_EQ(-ENOENT, lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT));
	again = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, again);
	EXPECT_EQ(0, lkt_event_signal(again));
	EXPECT_EQ(0, lkt_event_wait(again, 0));
	EXPECT_EQ(-EIDRM, lkt_event_wait(fd, 0));
	close(again);
	close(w);
	close(fd);
}

/* A poller is woken by the destroy (EPOLLHUP), not left asleep. */
TEST_F(event, destroy_wakes_pollers)
{
	pid_t pid;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		_exit(poll(&pfd, 1, LKT_SANITY_MS) == 1 && pfd.revents == POLLHUP ? 0 : 1);
	}
	/* Give it time to sleep in poll; either way it must see HUP. */
	lkt_sleep_us(20000);
	EXPECT_EQ(0, event_destroy(fd));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	close(fd);
}

/* Only the owner ends an event for everyone; another user who may signal
 * gets EPERM, and nothing changes. */
TEST_F(event, destroy_is_the_owners)
{
	mode_t old = umask(0);
	pid_t pid;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0666);
	umask(old);
	ASSERT_LE(0, fd);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int s;

		if (lkt_become(LKT_NOBODY, NULL, 0))
			_exit(100);
		s = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
		if (s < 0)
			_exit(1);
		if (event_destroy(s) != -EPERM || event_destroy(fd) != -EPERM)
			_exit(2);
		_exit(lkt_event_signal(s) == 0 ? 0 : 3);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_event_wait(fd, 0));	/* the child's signal */
	EXPECT_EQ(0, event_destroy(fd));
	close(fd);
}

static int anon_event_create(int dev, __u32 flags, const char *name)
{
	struct lkport_event_create c = {
		.flags = LKPORT_EVENT_ANONYMOUS | flags, .perm = 0600, .fd_flags = O_CLOEXEC,
	};

	if (name)
		lkt_set_name(c.name, name);
	return lkport_ioctl(dev, LKPORT_IOC_EVENT_CREATE, &c);
}

/* LK's event_init in user space: no name, shared by passing the fd. */
TEST_F(event, anonymous_is_passed_by_fd)
{
	struct lkport_version v;
	struct lkport_info info;
	int fd, sv[2], got;
	pid_t pid;

	ASSERT_EQ(0, lkport_ioctl(self->b.dev, LKPORT_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & LKPORT_FEATURE_ANON_EVENTS);
	EXPECT_LE(5, v.abi_minor);
	/* A name with it is a contradiction. */
	EXPECT_EQ(-EINVAL, anon_event_create(self->b.dev, 0, self->name));
	fd = anon_event_create(self->b.dev, LKPORT_EVENT_AUTOUNSIGNAL, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lkt_info(fd, &info));
	EXPECT_EQ(LKPORT_KIND_EVENT, info.kind);
	EXPECT_EQ(LKPORT_EVENT_AUTOUNSIGNAL | LKPORT_EVENT_ANONYMOUS, info.flags);
	EXPECT_STREQ("", info.name);
	EXPECT_EQ(getuid(), info.uid);
	/* It takes no name: one of any name can still be made. */
	got = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, got);
	close(got);
	/* Passed to an unrelated process's socket, it is the same event. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int e;

		close(sv[0]);
		close(fd);
		if (lkt_recv_fds(sv[1], &e, 1) != 1)
			_exit(1);
		_exit(lkt_event_wait(e, LKPORT_FOREVER) == 0 ? 0 : 2);
	}
	close(sv[1]);
	ASSERT_EQ(0, lkt_send_fds(sv[0], &fd, 1));
	ASSERT_EQ(0, lkt_await_waiters(fd, 1));
	EXPECT_EQ(1, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
	/* Destroyed as any event. */
	EXPECT_EQ(0, event_destroy(fd));
	EXPECT_EQ(-EIDRM, lkt_event_wait(fd, 0));
	close(sv[0]);
	close(fd);
}

TEST_F(event, persistent_releases_all_waiters)
{
	struct lkport_info info;
	pid_t pid[3];
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 3; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(-lkt_event_wait(fd, LKPORT_FOREVER));
	}
	ASSERT_EQ(0, lkt_await_waiters(fd, 3));
	EXPECT_EQ(3, lkt_event_signal(fd));
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid[i], LKT_SANITY_MS));
	}
	ASSERT_EQ(0, lkt_info(fd, &info));
	EXPECT_EQ(LKPORT_STATE_SIGNALED, info.state);
	EXPECT_EQ(0, info.waiters);
	/* Signalled: waits pass, as many as come. */
	EXPECT_EQ(0, lkt_event_wait(fd, 0));
	EXPECT_EQ(0, lkt_event_wait(fd, LKPORT_FOREVER));
	/* Signalling a signalled event wakes nobody. */
	EXPECT_EQ(0, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_event_unsignal(fd));
	ASSERT_EQ(0, lkt_info(fd, &info));
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
	/* Unsignalling a clear event is no error. */
	EXPECT_EQ(0, lkt_event_unsignal(fd));
	close(fd);
}

/* Auto-unsignal: each signal releases exactly one waiting process. */
TEST_F(event, autounsignal_releases_one_process_per_signal)
{
	pid_t pid[3];
	int fd, done = 0;

	fd = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 3; i++) {
		pid[i] = lkt_fork(&self->b.kids);
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(-lkt_event_wait(fd, LKPORT_FOREVER));
	}
	ASSERT_EQ(0, lkt_await_waiters(fd, 3));
	for (int round = 1; round <= 3; round++) {
		int passed = -1;
		uint64_t end = lkt_after_ms(LKT_SANITY_MS);

		EXPECT_EQ(1, lkt_event_signal(fd));
		/* Not signalled afterwards: the one waiter took it. */
		EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
		EXPECT_EQ(3 - round, lkt_waiters(fd));
		/* Exactly one child ends. */
		while (passed < 0 && lkt_now() < end) {
			for (int i = 0; i < 3; i++) {
				if (pid[i] > 0 && lkt_try_reap(&self->b.kids, pid[i]) >= 0) {
					ASSERT_EQ(-1, passed) TH_LOG("two waiters passed one signal");
					passed = i;
				}
			}
			if (passed < 0)
				lkt_sleep_us(500);
		}
		ASSERT_LE(0, passed) TH_LOG("no waiter passed signal %d", round);
		pid[passed] = 0;
		done++;
		/* The others are still blocked. */
		for (int i = 0; i < 3; i++)
			if (pid[i] > 0) {
				EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid[i]));
			}
	}
	EXPECT_EQ(3, done);
	close(fd);
}

/* Auto-unsignal with nobody waiting: the event stays signalled for the
 * next waiter, which clears it. */
TEST_F(event, autounsignal_without_waiter_stays_signaled)
{
	struct lkport_info info;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, lkt_event_signal(fd));
	ASSERT_EQ(0, lkt_info(fd, &info));
	EXPECT_EQ(LKPORT_STATE_SIGNALED, info.state);
	/* Already signalled: no-op, nobody woken. */
	EXPECT_EQ(0, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_event_wait(fd, 0));
	ASSERT_EQ(0, lkt_info(fd, &info));
	EXPECT_EQ(0, info.state);
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
	/* Unsignal clears a pending signal too. */
	EXPECT_EQ(0, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_event_unsignal(fd));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
	close(fd);
}

struct thread_waiter {
	int fd;
	atomic_int *passed;
	int status;
};

static void *thread_wait(void *arg)
{
	struct thread_waiter *t = arg;

	t->status = lkt_event_wait(t->fd, lkt_after_ms(3 * LKT_SANITY_MS));
	if (!t->status)
		atomic_fetch_add(t->passed, 1);
	return NULL;
}

/* The same with threads of one process. */
TEST_F(event, autounsignal_releases_one_thread_per_signal)
{
	enum { N = 4 };
	struct thread_waiter t[N];
	pthread_t th[N];
	atomic_int passed = 0;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, fd);
	for (int i = 0; i < N; i++) {
		t[i] = (struct thread_waiter){ .fd = fd, .passed = &passed, .status = 1 };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, thread_wait, &t[i]));
	}
	ASSERT_EQ(0, lkt_await_waiters(fd, N));
	for (int round = 1; round <= N; round++) {
		uint64_t end = lkt_after_ms(LKT_SANITY_MS);

		EXPECT_EQ(1, lkt_event_signal(fd));
		while (atomic_load(&passed) < round && lkt_now() < end)
			lkt_sleep_us(200);
		EXPECT_EQ(round, atomic_load(&passed));
		EXPECT_EQ(N - round, lkt_waiters(fd));
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, t[i].status);
	}
	close(fd);
}

TEST_F(event, zero_deadline_never_blocks)
{
	uint64_t t0;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	t0 = lkt_now();
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
	/* A deadline already past is the same. */
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 1));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, lkt_now()));
	EXPECT_GT(LKT_SANITY_MS * LKT_NS_PER_MS, lkt_now() - t0);
	EXPECT_EQ(0, lkt_waiters(fd));
	close(fd);
}

TEST_F(event, finite_deadline_is_honoured)
{
	uint64_t deadline, now;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	for (int ms = 10; ms <= 40; ms += 30) {
		deadline = lkt_after_ms(ms);
		EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, deadline));
		now = lkt_now();
		EXPECT_LE(deadline, now) TH_LOG("returned %lld ns before the deadline",
						(long long)(deadline - now));
		EXPECT_GT(deadline + LKT_SANITY_MS * LKT_NS_PER_MS, now);
	}
	EXPECT_EQ(0, lkt_waiters(fd));
	/* A signalled event passes whatever the deadline. */
	EXPECT_EQ(0, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_event_wait(fd, lkt_after_ms(10)));
	EXPECT_EQ(0, lkt_event_wait(fd, LKPORT_FOREVER));
	close(fd);
}

/* ---- signals ----------------------------------------------------------------------- */

/* Handler runs, counted where the parent can see them (shared memory
 * set up before the fork). */
static volatile int *handled;

static void on_usr1(int sig)
{
	(*handled)++;
}

static void install_usr1(int flags)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static volatile int *shared_counter(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Waits (bounded) until *p reaches n. */
static int await_count(volatile int *p, int n)
{
	uint64_t end = lkt_after_ms(LKT_SANITY_MS);

	while (*p < n) {
		if (lkt_now() > end)
			return -ETIMEDOUT;
		lkt_sleep_us(200);
	}
	return 0;
}

/* Without SA_RESTART a signal ends the wait with EINTR. */
TEST_F(event, signal_interrupts_wait)
{
	pid_t pid;
	int fd;

	handled = shared_counter();
	ASSERT_NE(NULL, handled);
	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		install_usr1(0);
		_exit(-lkt_event_wait(fd, LKPORT_FOREVER));
	}
	ASSERT_EQ(0, lkt_await_waiters(fd, 1));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	EXPECT_EQ(EINTR, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(1, *handled);
	EXPECT_EQ(0, lkt_waiters(fd));
	/* The event is untouched. */
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(fd, 0));
	close(fd);
	munmap((void *)handled, 4096);
}

/* With SA_RESTART the wait goes on after the handler, and a signal of the
 * event still ends it. */
TEST_F(event, sa_restart_resumes_wait)
{
	pid_t pid;
	int fd;

	handled = shared_counter();
	ASSERT_NE(NULL, handled);
	fd = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, fd);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		install_usr1(SA_RESTART);
		_exit(-lkt_event_wait(fd, LKPORT_FOREVER));
	}
	for (int i = 1; i <= 3; i++) {
		ASSERT_EQ(0, lkt_await_waiters(fd, 1));
		ASSERT_EQ(0, kill(pid, SIGUSR1));
		/* The child left the queue to run the handler... */
		ASSERT_EQ(0, await_count(handled, i));
	}
	/* ...and came back to it. */
	ASSERT_EQ(0, lkt_await_waiters(fd, 1));
	EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid));
	EXPECT_EQ(1, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(3, *handled);
	close(fd);
	munmap((void *)handled, 4096);
}

/* A restarted wait keeps its absolute deadline. */
TEST_F(event, sa_restart_keeps_deadline)
{
	struct { uint64_t deadline, returned; int status; } *out;
	pid_t pid;
	int fd;

	out = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, out);
	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	handled = shared_counter();
	ASSERT_NE(NULL, handled);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		install_usr1(SA_RESTART);
		out->deadline = lkt_after_ms(1000);
		out->status = lkt_event_wait(fd, out->deadline);
		out->returned = lkt_now();
		_exit(0);
	}
	ASSERT_EQ(0, lkt_await_waiters(fd, 1));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, await_count(handled, 1));
	/* Handled, and the wait restarted rather than failing. */
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS + 1000));
	EXPECT_EQ(1, *handled);
	EXPECT_EQ(-ETIMEDOUT, out->status);
	EXPECT_LE(out->deadline, out->returned);
	EXPECT_GT(out->deadline + LKT_SANITY_MS * LKT_NS_PER_MS, out->returned);
	EXPECT_EQ(0, lkt_waiters(fd));
	close(fd);
	munmap(out, 4096);
	munmap((void *)handled, 4096);
}

/* A process killed while it waits leaves nothing behind. */
TEST_F(event, sigkill_while_blocked)
{
	struct lkt_stats s;
	pid_t pid;
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Its own fd, opened by name. */
		int dev = open(LKPORT_DEVICE, O_RDWR), w;

		close(fd);
		w = lkt_event_open(dev, self->name, LKPORT_ACCESS_WAIT);
		if (w < 0)
			_exit(-w);
		_exit(-lkt_event_wait(w, LKPORT_FOREVER));
	}
	ASSERT_EQ(0, lkt_await_waiters(fd, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	EXPECT_EQ(0, lkt_waiters(fd));
	ASSERT_EQ(0, lkt_read_stats(&s));
	EXPECT_EQ(self->b.stats.live[LKPORT_KIND_EVENT] + 1, s.live[LKPORT_KIND_EVENT]);
	/* Still a working event with nobody on it. */
	EXPECT_EQ(0, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_event_wait(fd, 0));
	close(fd);
	EXPECT_EQ(0, lkt_await_stats(&self->b.stats));
}

/* ---- readiness -------------------------------------------------------------------- */

TEST_F(event, poll_readiness)
{
	int fd, w, s, a;
	char name2[LKPORT_NAME_LEN];

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	w = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, w);
	s = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_SIGNAL);
	ASSERT_LE(0, s);

	/* EPOLLIN only while signalled, and only for fds that may wait;
	 * EPOLLOUT (signalling never blocks) only for fds that may signal. */
	EXPECT_EQ(POLLOUT, lkt_revents(fd));
	EXPECT_EQ(0, lkt_revents(w));
	EXPECT_EQ(POLLOUT, lkt_revents(s));
	ASSERT_EQ(0, lkt_event_signal(s));
	EXPECT_EQ(POLLIN | POLLOUT, lkt_revents(fd));
	EXPECT_EQ(POLLIN, lkt_revents(w));
	EXPECT_EQ(POLLOUT, lkt_revents(s));
	ASSERT_EQ(0, lkt_event_unsignal(fd));
	EXPECT_EQ(0, lkt_revents(w));

	/* Auto-unsignal: readable until a wait takes the signal. */
	LKT_NAME(name2, "auto");
	a = lkt_event_create(self->b.dev, name2, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, a);
	EXPECT_EQ(POLLOUT, lkt_revents(a));
	ASSERT_EQ(0, lkt_event_signal(a));
	EXPECT_EQ(POLLIN | POLLOUT, lkt_revents(a));
	ASSERT_EQ(0, lkt_event_wait(a, 0));
	EXPECT_EQ(POLLOUT, lkt_revents(a));
	close(a);
	close(w);
	close(s);
	close(fd);
}

/* epoll_wait wakes when another process signals the event. */
TEST_F(event, epoll_wakes_on_signal_from_other_process)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	int fd, w, ep, n;
	pid_t pid;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	w = lkt_event_open(self->b.dev, self->name, LKPORT_ACCESS_WAIT);
	ASSERT_LE(0, w);
	close(fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.u64 = 42;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, w, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &got, 1, 0));

	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = open(LKPORT_DEVICE, O_RDWR), s;

		/* Signal once the parent sleeps in epoll_wait. */
		if (lkt_await_sleeping(getppid()))
			_exit(1);
		s = lkt_event_open(dev, self->name, LKPORT_ACCESS_SIGNAL);
		if (s < 0)
			_exit(-s);
		_exit(lkt_event_signal(s) == 0 ? 0 : 2);
	}
	n = epoll_wait(ep, &got, 1, LKT_SANITY_MS);
	ASSERT_EQ(1, n);
	EXPECT_EQ(42, got.data.u64);
	EXPECT_TRUE(got.events & EPOLLIN);
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Level-triggered: still readable until unsignalled. */
	EXPECT_EQ(1, epoll_wait(ep, &got, 1, 0));
	EXPECT_EQ(0, lkt_event_wait(w, 0));
	close(w);
	close(ep);
}

/* ---- between processes --------------------------------------------------------------- */

/* Two processes take turns through two auto-unsignal events opened by
 * name, in exact order. */
TEST_F(event, cross_process_ping_pong)
{
	enum { ROUNDS = 200 };
	struct { int req, resp; } *sh;
	char pong_name[LKPORT_NAME_LEN];
	int ping, pong;
	pid_t pid;

	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	LKT_NAME(pong_name, "pong");
	ping = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, ping);
	pong = lkt_event_create(self->b.dev, pong_name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, pong);

	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev = open(LKPORT_DEVICE, O_RDWR), in, out;

		close(ping);
		close(pong);
		in = lkt_event_open(dev, self->name, LKPORT_ACCESS_WAIT);
		out = lkt_event_open(dev, pong_name, LKPORT_ACCESS_SIGNAL);
		if (in < 0 || out < 0)
			_exit(1);
		for (int i = 0; i < ROUNDS; i++) {
			if (lkt_event_wait(in, lkt_after_ms(LKT_SANITY_MS)))
				_exit(2);
			if (sh->req != i)
				_exit(3);
			sh->resp = i;
			if (lkt_event_signal(out) < 0)
				_exit(4);
		}
		_exit(0);
	}
	for (int i = 0; i < ROUNDS; i++) {
		sh->req = i;
		ASSERT_LE(0, lkt_event_signal(ping));
		ASSERT_EQ(0, lkt_event_wait(pong, lkt_after_ms(LKT_SANITY_MS))) TH_LOG("round %d", i);
		ASSERT_EQ(i, sh->resp);
	}
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	/* Nothing left over. */
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(ping, 0));
	EXPECT_EQ(-ETIMEDOUT, lkt_event_wait(pong, 0));
	close(ping);
	close(pong);
	munmap(sh, 4096);
}

/* A waiter stopped and continued (job control) goes on waiting. */
TEST_F(event, stopped_waiter_keeps_waiting)
{
	int fd, status;
	pid_t pid;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	pid = lkt_fork(&self->b.kids);
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-lkt_event_wait(fd, LKPORT_FOREVER));
	ASSERT_EQ(0, lkt_await_waiters(fd, 1));
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(0, lkt_await_waiters(fd, 1));
	EXPECT_EQ(-1, lkt_try_reap(&self->b.kids, pid));
	EXPECT_EQ(1, lkt_event_signal(fd));
	EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	close(fd);
}

/* Deadlines far in the future (past what the kernel's clock can hold)
 * mean "no timeout", not "already passed". */
TEST_F(event, far_deadlines_wait)
{
	static const __u64 far[] = { 1ull << 62, 1ull << 63, LKPORT_FOREVER - 1 };
	int fd;

	fd = lkt_event_create(self->b.dev, self->name, LKPORT_EVENT_AUTOUNSIGNAL, 0600);
	ASSERT_LE(0, fd);
	for (size_t i = 0; i < ARRAY_SIZE(far); i++) {
		pid_t pid = lkt_fork(&self->b.kids);

		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(-lkt_event_wait(fd, far[i]));
		ASSERT_EQ(0, lkt_await_waiters(fd, 1)) TH_LOG("deadline %#llx", (unsigned long long)far[i]);
		EXPECT_EQ(1, lkt_event_signal(fd));
		EXPECT_EQ(0, lkt_reap(&self->b.kids, pid, LKT_SANITY_MS));
	}
	close(fd);
}

/* Runs fn(fd, arg) in a grandchild inside a new time namespace whose
 * offsets are `offsets` (as /proc/self/timens_offsets takes them; they
 * apply only to children forked after they are written) and returns its
 * exit status: 250 when time namespaces are not available, 1-3 when the
 * namespace could not be set up, -1 when the first fork failed. */
static int in_time_namespace(struct lkt_children *kids, const char *offsets,
			     int (*fn)(int fd, void *arg), int fd, void *arg)
{
	pid_t pid = lkt_fork(kids);

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct lkt_children inner_kids = { 0 };
		pid_t inner;

		if (unshare(CLONE_NEWTIME))
			_exit(errno == EINVAL || errno == EPERM ? 250 : 1);
		if (lkt_write_file("/proc/self/timens_offsets", offsets))
			_exit(2);
		inner = lkt_fork(&inner_kids);
		if (inner < 0)
			_exit(3);
		if (inner == 0)
			_exit(fn(fd, arg));
		_exit(lkt_reap(&inner_kids, inner, LKT_SANITY_MS));
	}
	return lkt_reap(kids, pid, 2 * LKT_SANITY_MS);
}

/* In the namespace 1000 s ahead: a deadline 30 ms ahead of its clock. */
static int near_wait_in_timens(int fd, void *arg)
{
	uint64_t deadline = lkt_after_ms(30), now;
	struct timespec boot;
	int ret;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	if (lkt_now() < 1000ull * 1000000000ull || (uint64_t)boot.tv_sec > 500)
		return 4;	/* not offset as asked */
	ret = lkt_event_wait(fd, deadline);
	now = lkt_now();
	if (ret != -ETIMEDOUT)
		return 5;
	if (now < deadline)
		return 6;
	/* Deadline 0 still never blocks. */
	return lkt_event_wait(fd, 0) == -ETIMEDOUT ? 0 : 7;
}

/* Deadlines are read on the caller's CLOCK_MONOTONIC, time namespace
 * included: in a namespace whose clock runs 1000 s ahead, a deadline 30 ms
 * ahead of it times out after 30 ms (not 1000 s later). */
TEST_F(event, deadline_in_time_namespace)
{
	int fd, r;

	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	r = in_time_namespace(&self->b.kids, "monotonic 1000 0", near_wait_in_timens, fd, NULL);
	if (r == 250)
		SKIP(goto out, "no time namespaces");
	EXPECT_EQ(0, r) TH_LOG("step %d (255: timed out; a time namespace offset was ignored?)", r);
out:
	close(fd);
}

/* In a namespace whose CLOCK_MONOTONIC runs behind the host's, the host's
 * deadline is the caller's plus the offset's size: for a deadline near
 * the clock's end that sum is past what the kernel's clock can hold, and
 * it means "no timeout" (it used to wrap to a deadline long past, and the
 * wait returned ETIMEDOUT at once). Each wait is ended by a timer signal
 * after 200 ms and must say EINTR; a near deadline still times out. */
static void on_alarm(int sig)
{
}

static int far_waits_in_timens(int fd, void *arg)
{
	const struct timespec *host = arg;
	static const __u64 far[] = {
		INT64_MAX, INT64_MAX - 1000000000ull, (__u64)INT64_MAX + 1,
	};
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	uint64_t start, deadline;
	int ret;

	/* Its clock reads about 1 s, far less than the host's did before. */
	if (lkt_now() >= (uint64_t)host->tv_sec * 1000000000ull)
		return 4;	/* not offset as asked */
	if (sigaction(SIGALRM, &sa, NULL))
		return 10;
	for (size_t i = 0; i < ARRAY_SIZE(far); i++) {
		start = lkt_now();
		if (setitimer(ITIMER_REAL, &it, NULL))
			return 11;
		ret = lkt_event_wait(fd, far[i]);
		if (ret == -ETIMEDOUT)
			return 20 + i;	/* the deadline wrapped */
		if (ret != -EINTR)
			return 30 + i;
		if (lkt_now() - start < 190 * LKT_NS_PER_MS)
			return 40 + i;
	}
	/* A near deadline is honoured: neither early nor never. */
	deadline = lkt_after_ms(30);
	if (lkt_event_wait(fd, deadline) != -ETIMEDOUT)
		return 50;
	if (lkt_now() < deadline)
		return 51;
	return lkt_event_wait(fd, 0) == -ETIMEDOUT ? 0 : 52;
}

TEST_F(event, far_deadline_in_time_namespace_behind)
{
	struct timespec mono;
	char offset[64];
	int fd, r;

	/* As far behind as the kernel allows (the namespace's clock may not
	 * go below 0), and at least 2 s: more than the 1 s of slack below
	 * INT64_MAX in far[]. */
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &mono));
	if (mono.tv_sec < 3)
		sleep(3 - mono.tv_sec);
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &mono));
	fd = lkt_event_create(self->b.dev, self->name, 0, 0600);
	ASSERT_LE(0, fd);
	snprintf(offset, sizeof(offset), "monotonic -%lld 0", (long long)mono.tv_sec - 1);
	r = in_time_namespace(&self->b.kids, offset, far_waits_in_timens, fd, &mono);
	if (r == 250)
		SKIP(goto out, "no time namespaces");
	EXPECT_EQ(0, r) TH_LOG("step %d (20-22: a far deadline timed out at once)", r);
	EXPECT_EQ(0, lkt_waiters(fd));
out:
	close(fd);
}

TEST_HARNESS_MAIN
