/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers for lkport's C selftests. */
#ifndef LKPORT_TEST_H
#define LKPORT_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/lkport.h>

#include "kselftest_harness.h"

/* Output streams line by line even into a pipe, so that a VM's serial
 * console shows progress as it happens. */
static void __attribute__((constructor)) lkport_test_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);
}

/* ioctl() that returns -errno on failure and the result otherwise. */
static inline long lkport_ioctl(int fd, unsigned long cmd, void *arg)
{
	long r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

/* Opens /dev/lkport or skips the test when the module is not loaded. */
#define LKPORT_OPEN_OR_SKIP(_metadata, fd)                                   \
	do {                                                                 \
		fd = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);                \
		if (fd < 0 && errno == ENOENT)                               \
			SKIP(return, "%s missing: module not loaded",        \
			     LKPORT_DEVICE);                                 \
		ASSERT_LE(0, fd) TH_LOG("open %s: %s", LKPORT_DEVICE,        \
					strerror(errno));                    \
	} while (0)

/* ---- time ------------------------------------------------------------------ */

#define LKT_NS_PER_MS 1000000ull
/* Upper bound for anything that should happen "soon": only a sanity limit,
 * an emulated machine can be very slow. */
#define LKT_SANITY_MS 10000u

static inline uint64_t lkt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Absolute CLOCK_MONOTONIC deadline `ms` from now. */
static inline uint64_t lkt_after_ms(unsigned int ms)
{
	return lkt_now() + ms * LKT_NS_PER_MS;
}

static inline void lkt_sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000l };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- names ------------------------------------------------------------------- */

/* Copies a name into an ABI field, NUL-padded. Takes up to
 * LKPORT_NAME_LEN bytes, so a 64-character string fills the field with
 * no NUL at all. */
static inline void lkt_set_name(char field[LKPORT_NAME_LEN], const char *name)
{
	size_t len = strnlen(name, LKPORT_NAME_LEN);

	memset(field, 0, LKPORT_NAME_LEN);
	memcpy(field, name, len);
}

/* A name no other test (or run of this one) uses: the test's name, a tag,
 * the pid and a sequence number. */
static inline void lkt_unique_name(char dst[LKPORT_NAME_LEN], const char *test, const char *tag)
{
	static unsigned int seq;

	snprintf(dst, LKPORT_NAME_LEN, "%.32s-%.8s-%d-%u", test, tag, (int)getpid(), seq++);
}

/* Inside a TEST_F: a unique name for this test. */
#define LKT_NAME(buf, tag) lkt_unique_name(buf, _metadata->name, tag)

/* ---- objects ----------------------------------------------------------------------
 * Each returns the new fd or the ioctl's result (>= 0), else -errno.
 */
static inline int lkt_event_create(int dev, const char *name, __u32 flags, __u32 perm)
{
	struct lkport_event_create c = { .flags = flags, .perm = perm, .fd_flags = O_CLOEXEC };

	lkt_set_name(c.name, name);
	return lkport_ioctl(dev, LKPORT_IOC_EVENT_CREATE, &c);
}

static inline int lkt_event_open(int dev, const char *name, __u32 access)
{
	struct lkport_event_open o = { .access = access, .fd_flags = O_CLOEXEC };

	lkt_set_name(o.name, name);
	return lkport_ioctl(dev, LKPORT_IOC_EVENT_OPEN, &o);
}

static inline int lkt_event_wait(int fd, __u64 deadline_ns)
{
	struct lkport_wait w = { .deadline_ns = deadline_ns };

	return lkport_ioctl(fd, LKPORT_IOC_EVENT_WAIT, &w);
}

static inline int lkt_event_signal(int fd)
{
	return lkport_ioctl(fd, LKPORT_IOC_EVENT_SIGNAL, NULL);
}

static inline int lkt_event_unsignal(int fd)
{
	return lkport_ioctl(fd, LKPORT_IOC_EVENT_UNSIGNAL, NULL);
}

static inline int lkt_port_create(int dev, const char *name, __u32 mode, __u32 capacity,
				  __u32 perm, __u32 flags)
{
	struct lkport_port_create c = {
		.mode = mode, .capacity = capacity, .perm = perm, .flags = flags,
		.fd_flags = O_CLOEXEC,
	};

	lkt_set_name(c.name, name);
	return lkport_ioctl(dev, LKPORT_IOC_PORT_CREATE, &c);
}

static inline int lkt_port_open(int dev, const char *name, __u64 ctx)
{
	struct lkport_port_open o = { .ctx = ctx, .fd_flags = O_CLOEXEC };

	lkt_set_name(o.name, name);
	return lkport_ioctl(dev, LKPORT_IOC_PORT_OPEN, &o);
}

static inline int lkt_group_create(int dev, const int *fds, __u32 count)
{
	struct lkport_group_create c = {
		.fds = (uintptr_t)fds, .count = count, .fd_flags = O_CLOEXEC,
	};

	return lkport_ioctl(dev, LKPORT_IOC_GROUP_CREATE, &c);
}

static inline int lkt_group_add(int group, int fd)
{
	struct lkport_group_member m = { .fd = fd };

	return lkport_ioctl(group, LKPORT_IOC_GROUP_ADD, &m);
}

static inline int lkt_group_remove(int group, int fd)
{
	struct lkport_group_member m = { .fd = fd };

	return lkport_ioctl(group, LKPORT_IOC_GROUP_REMOVE, &m);
}

static inline int lkt_info(int fd, struct lkport_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	return lkport_ioctl(fd, LKPORT_IOC_INFO, info);
}

/* One field of INFO, or a negative errno. */
static inline long lkt_waiters(int fd)
{
	struct lkport_info info;
	int r = lkt_info(fd, &info);

	return r < 0 ? r : (long)info.waiters;
}

static inline long lkt_queued(int fd)
{
	struct lkport_info info;
	int r = lkt_info(fd, &info);

	return r < 0 ? r : (long)info.queued;
}

/* ---- packets -------------------------------------------------------------------------
 * A test packet carries a sequence number and its complement, so that a
 * torn or misplaced packet shows.
 */
static inline void lkt_packet(struct lkport_packet *p, uint64_t seq)
{
	uint64_t inv = ~seq;

	memcpy(p->data, &seq, 8);
	memcpy(p->data + 8, &inv, 8);
}

/* The sequence number in a packet's data, or UINT64_MAX if it is not a
 * test packet. */
static inline uint64_t lkt_seq(const __u8 data[LKPORT_PACKET_SIZE])
{
	uint64_t seq, inv;

	memcpy(&seq, data, 8);
	memcpy(&inv, data + 8, 8);
	return inv == ~seq ? seq : UINT64_MAX;
}

static inline int lkt_write(int fd, const struct lkport_packet *pk, __u32 count,
			    __u32 *delivered, __u32 *skipped)
{
	struct lkport_port_write w = { .packets = (uintptr_t)pk, .count = count };
	int r = lkport_ioctl(fd, LKPORT_IOC_PORT_WRITE, &w);

	if (delivered)
		*delivered = w.delivered;
	if (skipped)
		*skipped = w.skipped;
	return r;
}

/* Writes packets seq, seq + 1, ..., seq + count - 1 in one call. */
static inline int lkt_write_seq(int fd, uint64_t seq, __u32 count)
{
	struct lkport_packet pk[16], *p = count <= 16 ? pk : malloc(count * sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	for (__u32 i = 0; i < count; i++)
		lkt_packet(&p[i], seq + i);
	r = lkt_write(fd, p, count, NULL, NULL);
	if (p != pk)
		free(p);
	return r;
}

/* PORT_READ (or GROUP_READ): 0 and *count filled, or -errno. */
static inline int lkt_read_cmd(int fd, unsigned long cmd, __u64 deadline_ns,
			       struct lkport_result *res, __u32 max, __u32 *count)
{
	struct lkport_port_read r = {
		.deadline_ns = deadline_ns, .results = (uintptr_t)res, .max = max,
	};
	int ret = lkport_ioctl(fd, cmd, &r);

	if (count)
		*count = ret < 0 ? 0 : r.count;
	return ret;
}

static inline int lkt_read(int fd, __u64 deadline_ns, struct lkport_result *res, __u32 max,
			   __u32 *count)
{
	return lkt_read_cmd(fd, LKPORT_IOC_PORT_READ, deadline_ns, res, max, count);
}

static inline int lkt_group_read(int fd, __u64 deadline_ns, struct lkport_result *res, __u32 max,
				 __u32 *count)
{
	return lkt_read_cmd(fd, LKPORT_IOC_GROUP_READ, deadline_ns, res, max, count);
}

/* Reads one packet; its sequence number and ctx through the pointers
 * (either may be NULL). */
static inline int lkt_read_one(int fd, unsigned long cmd, __u64 deadline_ns, uint64_t *seq,
			       __u64 *ctx)
{
	struct lkport_result res;
	__u32 count;
	int r = lkt_read_cmd(fd, cmd, deadline_ns, &res, 1, &count);

	if (r < 0)
		return r;
	if (count != 1)
		return -EPROTO;
	if (seq)
		*seq = lkt_seq(res.data);
	if (ctx)
		*ctx = res.ctx;
	return 0;
}

/* ---- readiness -------------------------------------------------------------------------- */

/* poll() with no timeout: the revents of fd. */
static inline short lkt_revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* Waits (bounded by LKT_SANITY_MS) until INFO on fd reports exactly n
 * waiters: the way to know another task is blocked. 0, or -ETIMEDOUT. */
static inline int lkt_await_waiters(int fd, long n)
{
	uint64_t end = lkt_after_ms(LKT_SANITY_MS);

	while (lkt_waiters(fd) != n) {
		if (lkt_now() > end)
			return -ETIMEDOUT;
		lkt_sleep_us(500);
	}
	return 0;
}

/* State letter of a task from /proc/PID/stat ('S' when asleep). */
static inline char lkt_task_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Waits (bounded) until pid is asleep; 0 or -ETIMEDOUT. */
static inline int lkt_await_sleeping(pid_t pid)
{
	uint64_t end = lkt_after_ms(LKT_SANITY_MS);

	while (lkt_task_state(pid) != 'S') {
		if (lkt_now() > end)
			return -ETIMEDOUT;
		lkt_sleep_us(500);
	}
	return 0;
}

/* ---- debugfs and module parameters ------------------------------------------------------ */

#define LKT_STATS_PATH "/sys/kernel/debug/lkport/stats"
#define LKT_OBJECTS_PATH "/sys/kernel/debug/lkport/objects"
#define LKT_PARAM_DIR "/sys/module/lkport/parameters/"

/* Live objects by kind, indexed by LKPORT_KIND_*. */
struct lkt_stats {
	int live[LKPORT_KIND_IRQ + 1];
};

static inline int lkt_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -errno;
	while (got < (ssize_t)len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return (int)got;
}

static inline int lkt_write_file(const char *path, const char *what)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, what, strlen(what)) == (ssize_t)strlen(what);
	close(fd);
	return ok ? 0 : -EIO;
}

static inline int lkt_read_stats(struct lkt_stats *s)
{
	static const char *const names[] = {
		[LKPORT_KIND_EVENT] = "event", [LKPORT_KIND_WRITE_PORT] = "wport",
		[LKPORT_KIND_READ_PORT] = "rport", [LKPORT_KIND_GROUP] = "group",
		[LKPORT_KIND_IRQ] = "irq",
	};
	char buf[256], *line, *save = NULL;
	int found = 0, r = lkt_read_file(LKT_STATS_PATH, buf, sizeof(buf));

	if (r < 0)
		return r;
	memset(s, 0, sizeof(*s));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char kind[16];
		int n;

		if (sscanf(line, "%15s %d", kind, &n) != 2)
			continue;
		for (int k = LKPORT_KIND_EVENT; k <= LKPORT_KIND_IRQ; k++) {
			if (!strcmp(kind, names[k])) {
				s->live[k] = n;
				found++;
			}
		}
	}
	return found == LKPORT_KIND_IRQ ? 0 : -EPROTO;
}

/* Waits (bounded) until the live counts equal `want`; 0 or -ETIMEDOUT. */
static inline int lkt_await_stats(const struct lkt_stats *want)
{
	uint64_t end = lkt_after_ms(2000);
	struct lkt_stats now;

	for (;;) {
		if (!lkt_read_stats(&now) && !memcmp(&now, want, sizeof(now)))
			return 0;
		if (lkt_now() > end)
			return -ETIMEDOUT;
		lkt_sleep_us(1000);
	}
}

/* Waits (bounded) until debugfs lists an object named `name` whose line
 * holds `what` (e.g. "waiters=1"); 0 or -ETIMEDOUT. */
static inline int lkt_await_object(const char *name, const char *what)
{
	uint64_t end = lkt_after_ms(LKT_SANITY_MS);
	static char buf[1 << 16];

	for (;;) {
		char *line, *save = NULL;

		if (lkt_read_file(LKT_OBJECTS_PATH, buf, sizeof(buf)) >= 0) {
			for (line = strtok_r(buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				char *p = strstr(line, name);

				if (p && p[strlen(name)] == ' ' && strstr(line, what))
					return 0;
			}
		}
		if (lkt_now() > end)
			return -ETIMEDOUT;
		lkt_sleep_us(1000);
	}
}

#define LKT_PARAM_OBJECTS "max_objects_per_user"
#define LKT_PARAM_BYTES "max_bytes_per_user"

/* ---- children --------------------------------------------------------------------------------
 * Children report through their exit status (0 for success, an errno or a
 * small step number otherwise) and never use the harness's ASSERTs, which
 * would run the fixture's teardown in the child.
 */
#define LKT_MAX_CHILDREN 16
#define LKT_NOBODY 65534

struct lkt_children {
	pid_t pid[LKT_MAX_CHILDREN];
	int n;
};

/* fork(); the child dies with its parent. Returns as fork() does. */
static inline pid_t lkt_fork(struct lkt_children *c)
{
	pid_t parent = getpid(), pid;

	if (c->n == LKT_MAX_CHILDREN)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
		c->n = 0;
		return 0;
	}
	if (pid > 0)
		c->pid[c->n++] = pid;
	return pid;
}

static inline void lkt_forget(struct lkt_children *c, pid_t pid)
{
	for (int i = 0; i < c->n; i++) {
		if (c->pid[i] == pid) {
			c->pid[i] = c->pid[--c->n];
			return;
		}
	}
}

/* Status of a child in one number: its exit code, 128 + the signal that
 * killed it, or -1 if it did not end within timeout_ms (it is then killed).
 */
static inline int lkt_decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -2;
}

static inline int lkt_reap(struct lkt_children *c, pid_t pid, unsigned int timeout_ms)
{
	uint64_t end = lkt_after_ms(timeout_ms);
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			lkt_forget(c, pid);
			return lkt_decode_status(status);
		}
		if (r < 0) {
			lkt_forget(c, pid);
			return -3;
		}
		if (lkt_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			lkt_forget(c, pid);
			return -1;
		}
		lkt_sleep_us(500);
	}
}

/* Has pid ended? Reaps it if so: its status as lkt_reap, else -1. */
static inline int lkt_try_reap(struct lkt_children *c, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, WNOHANG) != pid)
		return -1;
	lkt_forget(c, pid);
	return lkt_decode_status(status);
}

static inline void lkt_kill_all(struct lkt_children *c)
{
	while (c->n) {
		pid_t pid = c->pid[--c->n];

		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* In a child: become uid/gid `id`, with the supplementary groups given,
 * which drops every capability. 0 or an errno. */
static inline int lkt_become(uid_t id, const gid_t *groups, int ngroups)
{
	if (setgroups(ngroups, groups) || setgid(id) || setuid(id))
		return errno;
	return 0;
}

/* In a child: /dev/lkport, then become nobody. The device is opened first
 * because only the node is meant to be open to everyone, not necessarily
 * every directory above it. The fd, or -1. */
static inline int lkt_nobody_dev(const gid_t *groups, int ngroups)
{
	int dev = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);

	if (dev < 0 || lkt_become(LKT_NOBODY, groups, ngroups))
		return -1;
	return dev;
}

/* ---- fd passing -------------------------------------------------------------------------- */

static inline int lkt_send_fds(int sock, const int *fds, int n)
{
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * n),
	};
	struct cmsghdr *cm;

	if (n > 8)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* Receives up to n fds; the number received or -errno. */
static inline int lkt_recv_fds(int sock, int *fds, int n)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int got;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (got > n)
		return -E2BIG;
	memcpy(fds, CMSG_DATA(cm), sizeof(int) * got);
	return got;
}

/* ---- the common fixture ----------------------------------------------------------------------
 * Every test file's fixture embeds a struct lkt_base: /dev/lkport open, the
 * live-object counts at setup (which teardown expects back once every fd is
 * closed and every child reaped), the module parameters to restore, and
 * the children to kill should the test fail half-way.
 */
struct lkt_base {
	int dev;
	struct lkt_stats stats;
	struct lkt_children kids;
	char saved_objects[32];
	char saved_bytes[32];
	bool params_changed;
};

static inline void lkt_base_setup(struct __test_metadata *_metadata, struct lkt_base *b)
{
	int r;

	b->dev = -1;
	LKPORT_OPEN_OR_SKIP(_metadata, b->dev);
	r = lkt_read_stats(&b->stats);
	ASSERT_EQ(0, r) TH_LOG("%s: %s (debugfs mounted?)", LKT_STATS_PATH, strerror(-r));
	ASSERT_LT(0, lkt_read_file(LKT_PARAM_DIR LKT_PARAM_OBJECTS, b->saved_objects,
				   sizeof(b->saved_objects)));
	ASSERT_LT(0, lkt_read_file(LKT_PARAM_DIR LKT_PARAM_BYTES, b->saved_bytes,
				   sizeof(b->saved_bytes)));
}

/* Sets a module parameter; teardown puts both back. */
static inline int lkt_set_param(struct lkt_base *b, const char *name, unsigned long value)
{
	char path[128], val[32];

	b->params_changed = true;
	snprintf(path, sizeof(path), LKT_PARAM_DIR "%s", name);
	snprintf(val, sizeof(val), "%lu", value);
	return lkt_write_file(path, val);
}

/* Teardown uses EXPECT only: an ASSERT here would jump back into the
 * harness and run teardown again. */
static inline void lkt_base_teardown(struct __test_metadata *_metadata, struct lkt_base *b)
{
	struct lkt_stats now;

	if (b->dev < 0)
		return;
	lkt_kill_all(&b->kids);
	/* Whatever the test left open (it may have stopped half-way). */
	close_range(3, ~0u, 0);
	if (b->params_changed) {
		EXPECT_EQ(0, lkt_write_file(LKT_PARAM_DIR LKT_PARAM_OBJECTS, b->saved_objects));
		EXPECT_EQ(0, lkt_write_file(LKT_PARAM_DIR LKT_PARAM_BYTES, b->saved_bytes));
	}
	/* Every object gone with its last fd. */
	if (lkt_await_stats(&b->stats)) {
		EXPECT_EQ(0, lkt_read_stats(&now));
		for (int k = LKPORT_KIND_EVENT; k <= LKPORT_KIND_IRQ; k++) {
			EXPECT_EQ(b->stats.live[k], now.live[k])
				TH_LOG("live objects of kind %d: %d at setup, %d now", k,
				       b->stats.live[k], now.live[k]);
		}
	}
}

#endif /* LKPORT_TEST_H */
