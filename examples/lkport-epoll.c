// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lkport-epoll PORT EVENT: one epoll_wait over a port's reader and an
 * event, both opened by name through liblkport. Prints each packet of
 * PORT as it comes and ends when EVENT is signalled. Prints "ready" once
 * both are in the epoll set (make demo waits for it).
 *
 * Exit status: 0 once EVENT is signalled, 1 on any failure.
 */
#include <lkport/lk.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

static int fail(const char *what, lk_status_t st)
{
	fprintf(stderr, "lkport-epoll: %s: %s\n", what, lk_status_str(st));
	return 1;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	lk_port_result_t res;
	lk_port_t reader;
	lk_event_t stop;
	lk_status_t st;
	int ep;

	if (argc != 3) {
		fprintf(stderr, "usage: lkport-epoll PORT EVENT\n");
		return 2;
	}
	st = lk_port_open(argv[1], (void *)1, &reader);
	if (st)
		return fail(argv[1], st);
	st = lk_event_open(&stop, argv[2], LKPORT_ACCESS_WAIT);
	if (st)
		return fail(argv[2], st);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = reader;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, reader, &ev))
		return perror("epoll"), 1;
	ev.data.fd = stop.fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, stop.fd, &ev))
		return perror("epoll"), 1;
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		if (epoll_wait(ep, &got, 1, -1) != 1)
			return perror("epoll_wait"), 1;
		if (got.data.fd == reader) {
			/* Readable: a packet is queued, the read does not block. */
			st = lk_port_read(reader, 0, &res);
			if (st)
				return fail("read", st);
			printf("epoll: port %s: ctx=%ld \"%.16s\"\n", argv[1], (long)res.ctx,
			       (char *)res.packet.value);
		} else {
			st = lk_event_wait_timeout(&stop, 0);
			if (st)
				return fail("wait", st);
			printf("epoll: event %s: signalled, done\n", argv[2]);
			break;
		}
		fflush(stdout);
	}
	close(ep);
	lk_port_close(reader);
	lk_event_destroy(&stop);
	return 0;
}
