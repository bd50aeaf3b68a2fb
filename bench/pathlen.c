// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-bench-pathlen: how many kernel functions one operation enters,
 * lkport's and its peers', counted by ftrace's function_graph tracer
 * restricted to this process, with interrupts left out. A count, not a
 * time: it is the same on every run of one kernel and module, whatever the
 * host is doing, and says where a slower path spends its length.
 *
 *   lkport-bench-pathlen [-r REPEAT] [-t TAG] [-v]
 *
 * -v prints every traced call's functions as the tracer shows them.
 *
 * Each operation is one system call made with nothing to wait for and
 * nobody to wake (the packet is there, no reader sleeps): the work of the
 * call itself, not the scheduler's. Pairs: a 16-byte write and its read,
 * on a pipe, an lkport port by its ioctls (PORT_WRITE of 1, READ of 1),
 * an lkport port by write(2) and read(2), a POSIX message queue; an
 * eventfd's write and read and an lkport event's, by its ioctls (signal,
 * wait) and by write(2) and read(2); a
 * FUTEX_WAKE with no waiter. Functions inlined by the compiler, and those
 * ftrace may not trace, are not counted, on either side.
 *
 * Each is counted REPEAT times (default 5) and the smallest is kept
 * (the first call may fault pages in), less what switching the tracer on
 * and off costs by itself (measured the same way). Every write is
 * counted on an empty pipe, port, queue or counter, every read with one
 * item there. Prints a table, then
 * "RESULT pathlen.<tag>.<peer>.<op>=N" and the ratios
 * "RESULT pathlen.<tag>.<peer>_vs_<lkport row>.<op>=R" (peer / lkport:
 * above 1, lkport's path is the shorter). Needs root and tracefs with
 * function_graph; without them it says so and exits 0 (a missing tracer is
 * not a failure of what is measured). Any failed call is.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static const char *tracefs;
static bool verbose;
static int tracing_on = -1;

static int tfs_write(const char *file, const char *what)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, what, strlen(what)) == (ssize_t)strlen(what);
	close(fd);
	return ok ? 0 : -1;
}

static bool find_tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[256];

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			snprintf(path, sizeof(path), "%s/available_tracers", dirs[i]);
			if (access(path, R_OK) == 0) {
				tracefs = dirs[i];
				return true;
			}
		}
		if (pass == 0)
			mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	}
	return false;
}

static bool has_function_graph(void)
{
	char path[256], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/available_tracers", tracefs);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, "function_graph") != NULL;
}

/* Functions entered in the trace: "name() {" and "name();" lines. */
static long count_trace(void)
{
	char path[256], line[1024];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", tracefs);
	f = fopen(path, "re");
	if (!f)
		fail_errno("open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || strstr(line, "/*"))
			continue;
		if (strstr(line, "() {") || strstr(line, "();")) {
			n++;
			if (verbose)
				fputs(line, stdout);
		}
	}
	fclose(f);
	return n;
}

static void trace_clear(void)
{
	if (tfs_write("trace", ""))
		fail_errno("clear the trace");
}

/* One operation, traced. */
typedef void (*op_fn)(void *ctx);

static long traced(op_fn fn, void *ctx)
{
	trace_clear();
	if (write(tracing_on, "1", 1) != 1)
		fail_errno("tracing_on");
	if (fn)
		fn(ctx);
	if (write(tracing_on, "0", 1) != 1)
		fail_errno("tracing_on");
	return count_trace();
}

static unsigned int repeat = 5;
static long baseline;

/* The smallest count over REPEAT runs of fn, less the baseline; pre and
 * post run untraced around each (put a packet in place, take it away). */
static long measure(op_fn pre, op_fn fn, op_fn post, void *ctx)
{
	long best = LONG_MAX;

	for (unsigned int i = 0; i < repeat; i++) {
		long n;

		if (pre)
			pre(ctx);
		n = traced(fn, ctx);
		if (post)
			post(ctx);
		if (n < best)
			best = n;
	}
	best -= baseline;
	return best < 0 ? 0 : best;
}

/* ---- the operations ---------------------------------------------------------- */

struct fds {
	int w, r;
	mqd_t mq;
	uint32_t futex;
};

static void pipe_write(void *c)
{
	struct fds *f = c;
	char b[16] = { 1 };

	if (write(f->w, b, sizeof(b)) != sizeof(b))
		fail_errno("pipe write");
}

static void pipe_read(void *c)
{
	struct fds *f = c;
	char b[16];

	if (read(f->r, b, sizeof(b)) != sizeof(b))
		fail_errno("pipe read");
}

static void ioc_write(void *c)
{
	struct fds *f = c;
	struct lkport_packet pk = { { 1 } };
	struct lkport_port_write w = { .packets = (uintptr_t)&pk, .count = 1 };

	if (ioctl(f->w, LKPORT_IOC_PORT_WRITE, &w) != 0 || w.delivered != 1)
		fail_errno("LKPORT_IOC_PORT_WRITE");
}

static void ioc_read(void *c)
{
	struct fds *f = c;
	struct lkport_result res;
	struct lkport_port_read r = { .results = (uintptr_t)&res, .max = 1 };

	if (ioctl(f->r, LKPORT_IOC_READ, &r) != 0 || r.count != 1)
		fail_errno("LKPORT_IOC_READ");
}

static void mq_write(void *c)
{
	struct fds *f = c;
	char b[16] = { 1 };

	if (mq_send(f->mq, b, sizeof(b), 0))
		fail_errno("mq_send");
}

static void mq_read(void *c)
{
	struct fds *f = c;
	char b[16];

	if (mq_receive(f->mq, b, sizeof(b), NULL) != sizeof(b))
		fail_errno("mq_receive");
}

static void efd_write(void *c)
{
	struct fds *f = c;
	uint64_t one = 1;

	if (write(f->w, &one, sizeof(one)) != sizeof(one))
		fail_errno("eventfd write");
}

static void efd_read(void *c)
{
	struct fds *f = c;
	uint64_t v;

	if (read(f->w, &v, sizeof(v)) != sizeof(v))
		fail_errno("eventfd read");
}

static void ev_signal(void *c)
{
	struct fds *f = c;

	if (ioctl(f->w, LKPORT_IOC_EVENT_SIGNAL, NULL) < 0)
		fail_errno("LKPORT_IOC_EVENT_SIGNAL");
}

static void ev_wait(void *c)
{
	struct fds *f = c;
	struct lkport_wait w = { .deadline_ns = 0 };

	if (ioctl(f->w, LKPORT_IOC_EVENT_WAIT, &w) != 0)
		fail_errno("LKPORT_IOC_EVENT_WAIT");
}

static void evrw_signal(void *c)
{
	struct fds *f = c;
	uint64_t one = 1;

	if (write(f->w, &one, sizeof(one)) != sizeof(one))
		fail_errno("write(2) to an event");
}

static void evrw_wait(void *c)
{
	struct fds *f = c;
	uint64_t v;

	if (read(f->w, &v, sizeof(v)) != sizeof(v))
		fail_errno("read(2) of an event");
}

static void futex_wake(void *c)
{
	struct fds *f = c;

	if (syscall(SYS_futex, &f->futex, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) < 0)
		fail_errno("FUTEX_WAKE");
}

static void rw_write(void *c)
{
	struct fds *f = c;
	struct lkport_packet pk = { { 1 } };

	if (write(f->w, &pk, sizeof(pk)) != sizeof(pk))
		fail_errno("write(2) to a write port");
}

static void rw_read(void *c)
{
	struct fds *f = c;
	struct lkport_packet pk;

	if (read(f->r, &pk, sizeof(pk)) != sizeof(pk))
		fail_errno("read(2) from a read port");
}

/* ---- table ------------------------------------------------------------------- */

struct row {
	const char *peer, *wname, *rname;
	long write, read;
};

static const char *tag = "default";

static void print_row(const struct row *r)
{
	char key[160];

	printf("  %-16s %-14s %6ld   %-14s %6ld\n", r->peer, r->wname, r->write, r->rname,
	       r->read);

	snprintf(key, sizeof(key), "pathlen.%s.%s.%s", tag, r->peer, r->wname);
	result(key, "%ld", r->write);
	if (r->rname[0]) {
		snprintf(key, sizeof(key), "pathlen.%s.%s.%s", tag, r->peer, r->rname);
		result(key, "%ld", r->read);
	}
}

/* peer / lkport, per side: above 1, lkport's path is the shorter. */
static void ratio(const struct row *peer, const struct row *lk, const char *side, long a, long b)
{
	char key[160];

	if (b <= 0)
		return;
	printf("  %s / %s, %s: %.2f\n", peer->peer, lk->peer, side, (double)a / b);
	snprintf(key, sizeof(key), "pathlen.%s.%s_vs_%s.%s", tag, peer->peer, lk->peer, side);
	result(key, "%.2f", (double)a / b);
}

static void ratios(const struct row *peer, const struct row *lk)
{
	ratio(peer, lk, "write", peer->write, lk->write);
	ratio(peer, lk, "read", peer->read, lk->read);
	ratio(peer, lk, "pair", peer->write + peer->read, lk->write + lk->read);
}

int main(int argc, char **argv)
{
	struct fds f = { .w = -1, .r = -1, .mq = (mqd_t)-1 };
	struct row pipe_row = { "pipe", "write", "read", 0, 0 },
		   ioc = { "lkport-ioc", "PORT_WRITE", "READ", 0, 0 },
		   rw = { "lkport-rw", "write", "read", 0, 0 },
		   mq = { "mq", "mq_send", "mq_receive", 0, 0 },
		   efd = { "eventfd", "write", "read", 0, 0 },
		   ev = { "lkport-event", "EVENT_SIGNAL", "EVENT_WAIT", 0, 0 },
		   evrw = { "lkport-event-rw", "write", "read", 0, 0 },
		   fx = { "futex", "FUTEX_WAKE", "", 0, 0 };
	struct mq_attr attr = { .mq_maxmsg = 8, .mq_msgsize = 16 };
	char name[LKPORT_NAME_LEN], mqname[64], pid[32], path[256];
	int opt, p[2];

	bench_init("pathlen");
	while ((opt = getopt(argc, argv, "r:t:v")) != -1) {
		switch (opt) {
		case 'r':
			repeat = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 't':
			tag = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-r REPEAT] [-t TAG] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (repeat == 0)
		repeat = 1;
	if (!find_tracefs() || !has_function_graph()) {
		printf("pathlen: SKIP: no tracefs with the function_graph tracer\n");
		return 0;
	}
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (tfs_write("tracing_on", "0") || tfs_write("current_tracer", "nop") ||
	    tfs_write("set_ftrace_filter", "") || tfs_write("set_graph_function", "") ||
	    tfs_write("set_ftrace_pid", pid) || tfs_write("options/funcgraph-irqs", "0") ||
	    tfs_write("buffer_size_kb", "4096") || tfs_write("current_tracer", "function_graph"))
		fail_errno("set up the function_graph tracer in %s", tracefs);
	snprintf(path, sizeof(path), "%s/tracing_on", tracefs);
	tracing_on = open(path, O_WRONLY | O_CLOEXEC);
	if (tracing_on < 0)
		fail_errno("open %s", path);
	baseline = LONG_MAX;
	for (unsigned int i = 0; i < repeat; i++) {
		long n = traced(NULL, NULL);

		if (n < baseline)
			baseline = n;
	}

	if (pipe(p))
		fail_errno("pipe");
	f.w = p[1];
	f.r = p[0];
	pipe_row.write = measure(NULL, pipe_write, pipe_read, &f);
	pipe_row.read = measure(pipe_write, pipe_read, NULL, &f);
	close(p[0]);
	close(p[1]);

	lkp_name(name, "pathlen");
	f.w = lkp_port_create(name, LKPORT_PORT_UNICAST, 8);
	f.r = lkp_port_open(name, 0);
	/* Each write measured on an empty ring, each read with one packet. */
	ioc.write = measure(NULL, ioc_write, ioc_read, &f);
	ioc.read = measure(ioc_write, ioc_read, NULL, &f);
	if (fcntl(f.w, F_SETFL, O_NONBLOCK) || fcntl(f.r, F_SETFL, O_NONBLOCK))
		fail_errno("O_NONBLOCK");
	rw.write = measure(NULL, rw_write, rw_read, &f);
	rw.read = measure(rw_write, rw_read, NULL, &f);
	close(f.w);
	close(f.r);

	snprintf(mqname, sizeof(mqname), "/lkport-pathlen-%d", getpid());
	f.mq = mq_open(mqname, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK, 0600, &attr);
	if (f.mq == (mqd_t)-1)
		fail_errno("mq_open");
	mq_unlink(mqname);
	mq.write = measure(NULL, mq_write, mq_read, &f);
	mq.read = measure(mq_write, mq_read, NULL, &f);
	mq_close(f.mq);

	f.w = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f.w < 0)
		fail_errno("eventfd");
	efd.write = measure(NULL, efd_write, efd_read, &f);
	efd.read = measure(efd_write, efd_read, NULL, &f);
	close(f.w);

	lkp_name(name, "pathlen-ev");
	f.w = lkp_event_create(name, LKPORT_EVENT_AUTOUNSIGNAL);
	ev.write = measure(NULL, ev_signal, ev_wait, &f);
	ev.read = measure(ev_signal, ev_wait, NULL, &f);
	evrw.write = measure(NULL, evrw_signal, evrw_wait, &f);
	evrw.read = measure(evrw_signal, evrw_wait, NULL, &f);
	close(f.w);

	fx.write = measure(NULL, futex_wake, NULL, &f);

	tfs_write("tracing_on", "0");
	tfs_write("current_tracer", "nop");
	tfs_write("set_ftrace_pid", "");
	tfs_write("buffer_size_kb", "1408");

	printf("kernel functions entered per call, smallest of %u, less %ld for the tracer's own switch:\n",
	       repeat, baseline);
	print_row(&pipe_row);
	print_row(&ioc);
	print_row(&rw);
	print_row(&mq);
	print_row(&efd);
	print_row(&ev);
	print_row(&evrw);
	print_row(&fx);
	ratios(&pipe_row, &rw);
	ratios(&pipe_row, &ioc);
	ratios(&mq, &rw);
	ratios(&mq, &ioc);
	ratios(&efd, &ev);
	ratios(&efd, &evrw);
	ratio(&fx, &ev, "wake", fx.write, ev.write);
	return 0;
}
