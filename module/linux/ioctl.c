// SPDX-License-Identifier: GPL-2.0
/* Table-driven ioctl dispatch; the rules are in ioctl.h. */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/lkport.h>

#include "ioctl.h"

/* The entry for cmd, matched by type, number and direction; NULL if none. */
static const struct lkport_ioctl_desc *
lookup(const struct lkport_fd_kind *kind, unsigned int cmd)
{
	const struct lkport_ioctl_desc *desc;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != LKPORT_IOC_MAGIC || nr >= kind->nr_ioctls)
		return NULL;
	desc = &kind->ioctls[nr];
	if (!desc->handler || _IOC_DIR(cmd) != _IOC_DIR(desc->cmd))
		return NULL;
	return desc;
}

/* Writes the kernel struct back: its first min(usize, ksize) bytes, then
 * zeroes for whatever of the user's struct lies beyond it. */
static int copy_out(void __user *uarg, unsigned int usize, const void *buf,
		    unsigned int ksize)
{
	if (copy_to_user(uarg, buf, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

long lkport_fd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct lkport_fd_kind *kind =
		container_of(file->f_op, const struct lkport_fd_kind, fops);
	const struct lkport_ioctl_desc *desc = lookup(kind, cmd);
	void __user *uarg = (void __user *)arg;
	unsigned int usize = _IOC_SIZE(cmd), ksize, dir = _IOC_DIR(cmd);
	u64 buf[LKPORT_IOCTL_MAX_ARG / sizeof(u64)];
	long ret;

	if (!desc)
		return -ENOTTY;
	ksize = _IOC_SIZE(desc->cmd);
	if (dir == _IOC_NONE ? usize != 0 : usize < desc->min_size)
		return -ENOTTY;
	if ((file->f_mode & desc->access) != desc->access)
		return -EBADF;
	/* The table macro refuses bigger structs at build time. */
	if (WARN_ON_ONCE(ksize > sizeof(buf)))
		return -ENOTTY;

	memset(buf, 0, ksize);
	if (dir & _IOC_WRITE) {
		if (copy_from_user(buf, uarg, min(usize, ksize)))
			return -EFAULT;
		if (usize > ksize) {
			ret = check_zeroed_user(uarg + ksize, usize - ksize);
			if (ret <= 0)
				return ret ? ret : -E2BIG;
		}
		/* An argument that is written back (delivered, skipped,
		 * count) must be writable before the handler changes
		 * anything: a read that took packets and then could not
		 * report them would lose them. Write its own bytes back. */
		if ((dir & _IOC_READ) && copy_out(uarg, usize, buf, ksize))
			return -EFAULT;
	}

	ret = desc->handler(file, buf);

	if ((ret >= 0 || desc->out_on_error) && (dir & _IOC_READ) &&
	    copy_out(uarg, usize, buf, ksize))
		return -EFAULT;
	return ret;
}
