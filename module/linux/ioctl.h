/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table-driven ioctl dispatch, shared by /dev/lkport and every object fd.
 *
 * Each kind of fd is declared once, as a struct lkport_fd_kind: its
 * file_operations and its table of commands. Every kind's unlocked_ioctl
 * is lkport_fd_ioctl, which finds the table from file->f_op.
 *
 * A table entry, indexed by the command's number, gives the command as the
 * module defines it today (type, number, direction, size), the smallest
 * size it accepts, the access the fd must have been opened with, and a
 * handler that works on a kernel copy of the argument. For a call:
 *
 *  - type, number and direction must match the entry's, else -ENOTTY. The
 *    size need not: it is the caller's struct, of whatever ABI minor it was
 *    built against.
 *  - A size below the entry's minimum (the struct's size when the command
 *    was introduced) is a command that never existed: -ENOTTY. An _IO
 *    command takes no argument: any size but 0 is -ENOTTY.
 *  - The fd must have FMODE_READ / FMODE_WRITE if the entry asks for it,
 *    else -EBADF, before anything is read from the argument.
 *  - _IOW/_IOWR: min(user, kernel size) bytes are copied in and the rest of
 *    the kernel struct is zero. Bytes the caller passes beyond the kernel
 *    struct must be zero (-E2BIG otherwise): a newer caller asking for
 *    something this module does not know fails clearly. For _IOR nothing
 *    is read and the kernel struct starts zeroed.
 *  - _IOWR: the caller's bytes are first written back unchanged, so that an
 *    argument in read-only memory fails with -EFAULT before the handler
 *    changes anything.
 *  - _IOR/_IOWR, once the handler succeeded: min(user, kernel size) bytes
 *    are copied out, and any user bytes beyond the kernel struct are
 *    cleared, so a newer caller sees zero (not its own stale bytes) in
 *    fields this module does not fill. Nothing uninitialised is copied.
 *    An entry made with LKPORT_IOCTL_OUT is copied out when the handler
 *    fails too: a command of two steps reports that its first was done.
 *    Its handler changes the kernel copy only once it has done something;
 *    before that the bytes written back are the caller's own.
 *
 * Sizes are checked at build time: an entry whose size exceeds
 * LKPORT_IOCTL_MAX_ARG, or whose minimum exceeds its size, does not
 * compile.
 */
#ifndef LKPORT_IOCTL_H
#define LKPORT_IOCTL_H

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/kernel.h>

/* Largest argument struct of any command (the kernel's copy is on the
 * stack). */
#define LKPORT_IOCTL_MAX_ARG 256

/* What the fd must have been opened for. */
#define LKPORT_IOCTL_ANY	((__force fmode_t)0)
#define LKPORT_IOCTL_READ	FMODE_READ	/* wait, read */
#define LKPORT_IOCTL_WRITE	FMODE_WRITE	/* signal */

struct lkport_ioctl_desc {
	unsigned int cmd;		/* as defined today: the kernel's size */
	unsigned short min_size;	/* the size it was introduced with */
	fmode_t access;			/* LKPORT_IOCTL_* */
	bool out_on_error;		/* copied out when the handler fails */
	long (*handler)(struct file *file, void *arg);
};

/* A command at its first size, with the access the fd needs. */
#define LKPORT_IOCTL(c, acc, h) LKPORT_IOCTL_SINCE(c, _IOC_SIZE(c), acc, h)

/* A command whose struct grew: `min` is its size when introduced. */
#define LKPORT_IOCTL_SINCE(c, min, acc, h) LKPORT_IOCTL_ENTRY(c, min, acc, h, false)

/* An _IOWR command whose outputs are copied out when it fails too. */
#define LKPORT_IOCTL_OUT(c, acc, h)						\
	LKPORT_IOCTL_ENTRY(c, _IOC_SIZE(c) +					\
			   BUILD_BUG_ON_ZERO(_IOC_DIR(c) != (_IOC_READ | _IOC_WRITE)), \
			   acc, h, true)

#define LKPORT_IOCTL_ENTRY(c, min, acc, h, out)					\
	[_IOC_NR(c)] = {							\
		.cmd = (c) +							\
		       BUILD_BUG_ON_ZERO(_IOC_SIZE(c) > LKPORT_IOCTL_MAX_ARG) +	\
		       BUILD_BUG_ON_ZERO((min) > _IOC_SIZE(c)),			\
		.min_size = (min),						\
		.access = (acc),						\
		.out_on_error = (out),						\
		.handler = (h),							\
	}

/* One kind of fd: its file_operations and the commands it takes. */
struct lkport_fd_kind {
	struct file_operations fops;
	const struct lkport_ioctl_desc *ioctls;
	unsigned int nr_ioctls;
};

/* The unlocked_ioctl of every kind. */
long lkport_fd_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* In a kind's .fops: the ioctl entry points. Every argument is a pointer
 * to a struct of one layout for both ABIs, so compat needs no translation. */
#define LKPORT_FD_IOCTL_OPS						\
	.unlocked_ioctl = lkport_fd_ioctl,				\
	.compat_ioctl = compat_ptr_ioctl

/* In a kind: its command table. */
#define LKPORT_FD_IOCTLS(table)						\
	.ioctls = (table), .nr_ioctls = ARRAY_SIZE(table)

#endif /* LKPORT_IOCTL_H */
