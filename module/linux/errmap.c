// SPDX-License-Identifier: GPL-2.0
/*
 * LK status -> errno, in one table (documented in uapi/linux/lkport.h).
 * ERR_PARTIAL_WRITE is not here: a write reports it as a positive count.
 */
#include <linux/errno.h>
#include <linux/kernel.h>

#include "glue.h"

static const struct {
	int status;
	int err;
} lkport_errmap[] = {
	{ LK_NO_ERROR, 0 },
	{ LK_ERR_TIMED_OUT, ETIMEDOUT },
	{ LK_ERR_OBJECT_DESTROYED, EIDRM },
	{ LK_ERR_CANCELLED, ECANCELED },
	{ LK_ERR_NOT_FOUND, ENOENT },
	{ LK_ERR_ALREADY_EXISTS, EEXIST },
	{ LK_ERR_BUSY, EBUSY },
	{ LK_ERR_NOT_ALLOWED, EBUSY },
	{ LK_ERR_ACCESS_DENIED, EACCES },
	{ LK_ERR_NOT_ENOUGH_BUFFER, ENOBUFS },
	{ LK_ERR_TOO_BIG, E2BIG },
	{ LK_ERR_BAD_HANDLE, EBADF },
	{ LK_ERR_INVALID_ARGS, EINVAL },
	{ LK_ERR_NO_MEMORY, ENOMEM },
	{ LK_ERR_NOT_READY, EAGAIN },
	{ LK_ERR_NO_MSG, ENOMSG },
	/* A signal: restarted after SA_RESTART handlers (deadlines are
	 * absolute, so the wait does not stretch), EINTR otherwise. */
	{ LK_ERR_INTERRUPTED, ERESTARTSYS },
};

int lkport_errno(int lk_status)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lkport_errmap); i++)
		if (lkport_errmap[i].status == lk_status)
			return -lkport_errmap[i].err;
	return -EIO;
}
