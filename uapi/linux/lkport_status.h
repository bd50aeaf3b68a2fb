/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lkport's status codes, written down once. Everything else -- the C++
 * core's lk::status_t and status names, the kernel C API's LK_* codes, the
 * module's status -> errno table, liblkport's LK_* codes, its names and its
 * errno -> status table, <lkport/lk_compat.h> -- is expanded from this list,
 * so adding a status is adding one line here.
 *
 * Pure preprocessor: it includes nothing and defines only the two macros
 * below, so C, C++, the kernel and user space can all use it. The errno
 * column is a bare E... name: expand it only where <errno.h> or
 * <linux/errno.h> is included.
 *
 * LKPORT_STATUS_LIST(X) calls X(name, value, errno, inverse, text) once per
 * status:
 *   name     LK's name (NO_ERROR, ERR_TIMED_OUT, ...). The C++ core has it
 *            in namespace lk; the kernel C API and liblkport prefix it: LK_.
 *   value    LK's number (LK's err.h); lkport's own are below LK's
 *            ERR_USER_BASE (-16384), so they never collide with LK's.
 *   errno    what an lkport ioctl fails with when the module's core returns
 *            this status, unless LKPORT_STATUS_CALLS below names the call.
 *            A signal's EINTR is ERESTARTSYS inside the kernel, so that
 *            SA_RESTART handlers restart the call (deadlines are absolute:
 *            the wait does not stretch).
 *   inverse  1: liblkport reads that errno back as this status; every errno
 *            has exactly one such entry. 0: a deliberate many-to-one, the
 *            errno reads back as the status that has it with a 1.
 *   text     a short description, for messages.
 *
 * Besides these, the ioctl layer fails with errnos of its own: EFAULT (bad
 * pointer; nothing changed), EINVAL (reserved field, unknown flag, bad
 * name), EBADF (an fd that is not the lkport object the call needs),
 * EPERM (ending an object one does not own: ERR_NOT_ALLOWED),
 * EDQUOT (per-user limit: ERR_NO_RESOURCES), EMFILE/ENFILE (no fd), ENOTTY
 * (unknown command); and for interrupt sources EPERM (creating one without
 * CAP_SYS_ADMIN), ENODEV (no such device bound to lkport, or it went
 * away), EOPNOTSUPP (a mode or trigger the device cannot do), EPIPE
 * (binding to a closed port). ERR_PARTIAL_WRITE is never an errno: a write returns
 * the number of readers it skipped (> 0) instead of 0.
 */
#ifndef _UAPI_LINUX_LKPORT_STATUS_H
#define _UAPI_LINUX_LKPORT_STATUS_H

#define LKPORT_STATUS_LIST(X) \
	X(NO_ERROR,		0,	0,		1, "no error") \
	/* also what a status the list does not know becomes */ \
	X(ERR_GENERIC,		-1,	EIO,		1, "failed") \
	/* open of a name that does not exist */ \
	X(ERR_NOT_FOUND,	-2,	ENOENT,		1, "no such object") \
	X(ERR_NOT_READY,	-3,	EAGAIN,		1, "not ready") \
	X(ERR_NO_MSG,		-4,	ENOMSG,		1, "no message") \
	X(ERR_NO_MEMORY,	-5,	ENOMEM,		1, "out of memory") \
	/* bad arguments */ \
	X(ERR_INVALID_ARGS,	-8,	EINVAL,		1, "invalid argument") \
	/* a write with no reader and a full ring */ \
	X(ERR_NOT_ENOUGH_BUFFER, -9,	ENOBUFS,	1, "no reader, and the port's ring is full") \
	/* the object went away while waiting */ \
	X(ERR_OBJECT_DESTROYED,	-11,	EIDRM,		1, "the object was destroyed while waiting") \
	X(ERR_NOT_BLOCKED,	-12,	EIO,		0, "nothing was blocked") \
	/* a wait or read reached its deadline */ \
	X(ERR_TIMED_OUT,	-13,	ETIMEDOUT,	1, "timed out") \
	/* create of a name in use */ \
	X(ERR_ALREADY_EXISTS,	-14,	EEXIST,		1, "name in use") \
	/* ending an object for everyone without owning it (closing or \
	 * destroying another user's write port); a second reader of a \
	 * unicast port is EBUSY (see LKPORT_STATUS_CALLS) */ \
	X(ERR_NOT_ALLOWED,	-17,	EPERM,		1, "not allowed: not the owner, or a unicast port's second reader") \
	/* liblkport only: no /dev/lkport */ \
	X(ERR_NOT_SUPPORTED,	-24,	EIO,		0, "not supported: /dev/lkport missing (module not loaded)") \
	/* a group past LKPORT_GROUP_MAX */ \
	X(ERR_TOO_BIG,		-25,	E2BIG,		1, "too big") \
	/* read port or group: the write port was destroyed, nothing is left */ \
	X(ERR_CANCELLED,	-26,	ECANCELED,	1, "the port was destroyed") \
	/* a read port's mapped ring whose head its process moved out of \
	 * range (struct lkport_ring): it gives and takes no more packets */ \
	X(ERR_BAD_STATE,	-31,	EPROTO,		1, "the mapped ring's indices are out of range") \
	/* a write port was closed but still holds its name */ \
	X(ERR_BUSY,		-33,	EBUSY,		1, "busy: a closed port keeps its name until destroyed") \
	X(ERR_THREAD_DETACHED,	-34,	EIO,		0, "thread detached") \
	/* a per-user limit (the ioctl layer's EDQUOT) */ \
	X(ERR_NO_RESOURCES,	-41,	EDQUOT,		1, "per-user limit reached") \
	/* wrong kind of object, write to a closed port, not a member of the \
	 * group; a port already grouped (see LKPORT_STATUS_CALLS) */ \
	X(ERR_BAD_HANDLE,	-42,	EBADF,		1, "bad handle") \
	/* permission bits refuse the open */ \
	X(ERR_ACCESS_DENIED,	-43,	EACCES,		1, "permission denied") \
	/* never an errno: a write returns the readers skipped (> 0) */ \
	X(ERR_PARTIAL_WRITE,	-44,	EIO,		0, "some readers' rings were full") \
	/* lkport's own: a signal ended a wait */ \
	X(ERR_INTERRUPTED,	-16385,	EINTR,		1, "interrupted")

/*
 * Where one call reports a status by another errno than the list's.
 * LKPORT_STATUS_CALLS(X) calls X(cmd, name, errno) once per exception: the
 * ioctl cmd fails with errno when the core returns status name, and
 * liblkport reads errno from cmd back as name. The module and liblkport
 * both use these entries, so the two directions cannot drift apart. cmd is
 * an LKPORT_IOC_* name of <linux/lkport.h>, needed only where it expands.
 *
 *   PORT_OPEN     ERR_NOT_ALLOWED: the port is unicast and has its reader.
 *                 EBUSY (the errno of ABI 1.0 for it); named here so that
 *                 EBUSY from an open reads back as ERR_NOT_ALLOWED, not
 *                 ERR_BUSY.
 *   GROUP_CREATE  ERR_BAD_HANDLE: a member is in a group already or listed
 *   GROUP_ADD     twice (LK's status). EBUSY, which tells the caller what
 *                 is wrong; an fd that is no read port is EBADF.
 */
#define LKPORT_STATUS_CALLS(X) \
	X(LKPORT_IOC_PORT_OPEN,		ERR_NOT_ALLOWED,	EBUSY) \
	X(LKPORT_IOC_GROUP_CREATE,	ERR_BAD_HANDLE,		EBUSY) \
	X(LKPORT_IOC_GROUP_ADD,		ERR_BAD_HANDLE,		EBUSY)

#endif /* _UAPI_LINUX_LKPORT_STATUS_H */
