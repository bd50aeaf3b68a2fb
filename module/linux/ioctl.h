/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table-driven ioctl dispatch, shared by /dev/lkport and every object fd.
 *
 * A table entry names the exact command (number, direction and size) and a
 * handler that works on a kernel copy of the argument: the dispatcher copies
 * the argument in for _IOW/_IOWR, zero-fills it for _IOR (so no
 * uninitialised byte can reach user space), calls the handler, and copies it
 * back for _IOR/_IOWR when the handler succeeded. An _IOWR argument is
 * first written back unchanged, so that one in read-only memory fails with
 * -EFAULT before the handler changes anything. A command not in the
 * table, or one whose size or direction differs from the table's, is
 * -ENOTTY.
 */
#ifndef LKPORT_IOCTL_H
#define LKPORT_IOCTL_H

#include <linux/fs.h>
#include <linux/ioctl.h>

/* Largest argument struct of any command; checked per table at build time. */
#define LKPORT_IOCTL_MAX_ARG 256

struct lkport_ioctl_desc {
	unsigned int cmd;
	long (*handler)(struct file *file, void *arg);
};

#define LKPORT_IOCTL(c, h) [_IOC_NR(c)] = { .cmd = (c), .handler = (h) }

long lkport_ioctl_dispatch(const struct lkport_ioctl_desc *table,
			   unsigned int entries, struct file *file,
			   unsigned int cmd, unsigned long arg);

#define LKPORT_IOCTL_TABLE_DISPATCH(table, file, cmd, arg) \
	lkport_ioctl_dispatch(table, ARRAY_SIZE(table), file, cmd, arg)

#endif /* LKPORT_IOCTL_H */
