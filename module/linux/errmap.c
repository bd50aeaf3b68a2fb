// SPDX-License-Identifier: GPL-2.0
/*
 * LK status -> errno, expanded from the one list (uapi/linux/lkport_status.h).
 * ERR_PARTIAL_WRITE never gets here as a failure: a write reports it as a
 * positive count.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/lkport_status.h>

#include "glue.h"

int lkport_errno_of(int lk_status)
{
	int err;

	/* A switch: two statuses of one value would not compile. */
	switch (lk_status) {
#define LKPORT_ERRMAP(name, value, e, inverse, text) \
	case LK_##name:					\
		err = (e);				\
		break;
		LKPORT_STATUS_LIST(LKPORT_ERRMAP)
#undef LKPORT_ERRMAP
	default:
		err = EIO;
		break;
	}
	/* A signal ended the wait: restarted after SA_RESTART handlers
	 * (deadlines are absolute, so the wait does not stretch), EINTR to
	 * user space otherwise. */
	if (err == EINTR)
		return -ERESTARTSYS;
	return -err;
}

int lkport_call_errno(unsigned int cmd, int lk_status)
{
#define LKPORT_CALL_ERRNO(c, name, e)				\
	if (cmd == (c) && lk_status == LK_##name)		\
		return -(e);
	LKPORT_STATUS_CALLS(LKPORT_CALL_ERRNO)
#undef LKPORT_CALL_ERRNO
	return lkport_errno_of(lk_status);
}
