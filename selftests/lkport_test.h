/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers for lkport's C selftests. */
#ifndef LKPORT_TEST_H
#define LKPORT_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
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

#endif /* LKPORT_TEST_H */
