// SPDX-License-Identifier: GPL-2.0
/*
 * lkport's tracepoints: a signal, the wake it causes and the waiter's
 * return each leave an event in the trace buffer with the object's id (as
 * LKPORT_IOC_INFO reports it), its kind, the woken thread and the status.
 * The wake-latency tools stand on these fields.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <lkport/lk.h>

#include "lkport_test.h"

#define TRACEFS "/sys/kernel/tracing"
#define KIND_EVENT 3
#define KIND_WRITE_PORT 4
#define KIND_READ_PORT 5

static int write_file(const char *path, const char *what)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, what, strlen(what)) == (ssize_t)strlen(what);
	close(fd);
	return ok ? 0 : -EIO;
}

/* The whole trace buffer, NUL-terminated (caller frees). */
static char *read_trace(void)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(TRACEFS "/trace", O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* Counts trace lines holding every one of the given substrings. */
static int count_lines(const char *trace, const char *a, const char *b, const char *c)
{
	const char *line = trace;
	int n = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char tmp[512];

		if (len < sizeof(tmp)) {
			memcpy(tmp, line, len);
			tmp[len] = 0;
			if (strstr(tmp, a) && (!b || strstr(tmp, b)) && (!c || strstr(tmp, c)))
				n++;
		}
		line = end ? end + 1 : NULL;
	}
	return n;
}

struct waiter {
	lk_event_t *ev;
	pid_t tid;
	lk_status_t status;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	w->status = lk_event_wait_timeout(w->ev, 10000);
	return NULL;
}

FIXTURE(trace) {
	char name[64];
};

FIXTURE_SETUP(trace)
{
	if (access(LKPORT_DEVICE, F_OK))
		SKIP(return, "module not loaded");
	if (access(TRACEFS "/events/lkport", F_OK))
		SKIP(return, "no tracefs or no lkport events");
	snprintf(self->name, sizeof(self->name), "trace-%d", getpid());
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "0"));
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(TRACEFS "/events/lkport/enable", "1"));
	ASSERT_EQ(0, write_file(TRACEFS "/tracing_on", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	write_file(TRACEFS "/events/lkport/enable", "0");
	write_file(TRACEFS "/trace", "");
}

TEST_F(trace, events_exist)
{
	EXPECT_EQ(0, access(TRACEFS "/events/lkport/lkport_signal/format", R_OK));
	EXPECT_EQ(0, access(TRACEFS "/events/lkport/lkport_wake/format", R_OK));
	EXPECT_EQ(0, access(TRACEFS "/events/lkport/lkport_wait_return/format", R_OK));
}

/* One waiter, one signal: signal (woken=1), wake (the waiter's tid,
 * status 0) and the waiter's return (status 0), all with the event's id,
 * the first signal's seq and, for signal and wake, its start stamp. */
TEST_F(trace, signal_wake_and_return_carry_ids)
{
	struct lkport_info info;
	struct waiter w = { 0 };
	char obj[64], tid[32];
	pthread_t t;
	lk_event_t ev;
	char *trace;

	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&ev, self->name, false, 0, 0600));
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(ev.fd, &info));
	w.ev = &ev;
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	/* Wait until the thread is blocked in the event. */
	for (int i = 0; i < 10000; i++) {
		ASSERT_EQ(LK_NO_ERROR, lk_object_info(ev.fd, &info));
		if (info.waiters == 1)
			break;
		usleep(1000);
	}
	ASSERT_EQ(1, info.waiters);
	EXPECT_EQ(1, lk_event_signal(&ev));
	pthread_join(t, NULL);
	EXPECT_EQ(LK_NO_ERROR, w.status);
	write_file(TRACEFS "/tracing_on", "0");

	trace = read_trace();
	ASSERT_NE(NULL, trace);
	snprintf(obj, sizeof(obj), "obj=%llu kind=%d", (unsigned long long)info.id, KIND_EVENT);
	snprintf(tid, sizeof(tid), "tid=%d ", w.tid);
	EXPECT_EQ(1, count_lines(trace, "lkport_signal:", obj, "woken=1 hardirq=0"))
		TH_LOG("trace:\n%s", trace);
	EXPECT_EQ(1, count_lines(trace, "lkport_wake:", obj, tid)) TH_LOG("trace:\n%s", trace);
	EXPECT_EQ(1, count_lines(trace, "lkport_wake:", obj, "status=0 hardirq=0 seq=1 src_ts="));
	EXPECT_EQ(1, count_lines(trace, "lkport_signal:", obj, "seq=1 src_ts="));
	snprintf(tid, sizeof(tid), "src_obj=%llu", (unsigned long long)info.id);
	EXPECT_EQ(1, count_lines(trace, "lkport_wake:", obj, tid));
	/* a stamp is a non-zero decimal: it never starts with 0 */
	EXPECT_EQ(0, count_lines(trace, "lkport_", obj, "src_ts=0"));
	EXPECT_EQ(1, count_lines(trace, "lkport_wait_return:", obj, "status=0 seq=1"));
	free(trace);
	lk_event_destroy(&ev);
}

/* A wait that times out returns with LK's ERR_TIMED_OUT (-13) and seq 0
 * (no signal ended it), and no wake is traced for it. */
TEST_F(trace, timeout_is_traced_as_status)
{
	struct lkport_info info;
	char obj[64];
	lk_event_t ev;
	char *trace;

	ASSERT_EQ(LK_NO_ERROR, lk_event_create(&ev, self->name, false, 0, 0600));
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(ev.fd, &info));
	EXPECT_EQ(LK_ERR_TIMED_OUT, lk_event_wait_timeout(&ev, 20));
	write_file(TRACEFS "/tracing_on", "0");
	trace = read_trace();
	ASSERT_NE(NULL, trace);
	snprintf(obj, sizeof(obj), "obj=%llu kind=%d", (unsigned long long)info.id, KIND_EVENT);
	EXPECT_EQ(1, count_lines(trace, "lkport_wait_return:", obj, "status=-13 seq=0"));
	EXPECT_EQ(0, count_lines(trace, "lkport_wake:", obj, NULL));
	free(trace);
	lk_event_destroy(&ev);
}

/* A port write traces a signal on the write port; the blocked reader's
 * wake and return are traced on the read port. */
TEST_F(trace, port_write_wakes_reader)
{
	struct lkport_info winfo, rinfo;
	lk_port_packet_t pk = { { 7 } };
	lk_port_result_t res;
	lk_port_t wp, rp;
	char wobj[64], robj[64];
	char *trace;
	pid_t child;
	int status;

	ASSERT_EQ(LK_NO_ERROR, lk_port_create(self->name, LK_PORT_MODE_UNICAST, &wp));
	ASSERT_EQ(LK_NO_ERROR, lk_port_open(self->name, NULL, &rp));
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(wp, &winfo));
	ASSERT_EQ(LK_NO_ERROR, lk_object_info(rp, &rinfo));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(lk_port_read(rp, 10000, &res) == LK_NO_ERROR && res.packet.value[0] == 7 ? 0 : 1);
	for (int i = 0; i < 10000; i++) {
		ASSERT_EQ(LK_NO_ERROR, lk_object_info(rp, &rinfo));
		if (rinfo.waiters == 1)
			break;
		usleep(1000);
	}
	ASSERT_EQ(1, rinfo.waiters);
	EXPECT_EQ(LK_NO_ERROR, lk_port_write(wp, &pk, 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	write_file(TRACEFS "/tracing_on", "0");

	trace = read_trace();
	ASSERT_NE(NULL, trace);
	snprintf(wobj, sizeof(wobj), "obj=%llu kind=%d", (unsigned long long)winfo.id, KIND_WRITE_PORT);
	snprintf(robj, sizeof(robj), "obj=%llu kind=%d", (unsigned long long)rinfo.id, KIND_READ_PORT);
	EXPECT_EQ(1, count_lines(trace, "lkport_signal:", wobj, "woken=1")) TH_LOG("trace:\n%s", trace);
	EXPECT_EQ(1, count_lines(trace, "lkport_wake:", robj, "status=0"));
	EXPECT_EQ(1, count_lines(trace, "lkport_wait_return:", robj, "status=0"));
	/* the write port numbers its writes; the reader's wake and return
	 * carry the number of the write that woke it */
	EXPECT_EQ(1, count_lines(trace, "lkport_signal:", wobj, "seq=1 src_ts="));
	EXPECT_EQ(1, count_lines(trace, "lkport_wake:", robj, "seq=1 src_ts="));
	snprintf(wobj, sizeof(wobj), "src_obj=%llu", (unsigned long long)winfo.id);
	EXPECT_EQ(1, count_lines(trace, "lkport_wake:", robj, wobj));
	EXPECT_EQ(0, count_lines(trace, "lkport_", robj, "src_ts=0"));
	EXPECT_EQ(1, count_lines(trace, "lkport_wait_return:", robj, "status=0 seq=1"));
	free(trace);
	close(rp);
	close(wp);
}

TEST_HARNESS_MAIN
