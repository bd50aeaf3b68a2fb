// SPDX-License-Identifier: GPL-2.0
/* Table-driven ioctl dispatch; see ioctl.h. */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/lkport.h>

#include "ioctl.h"

long lkport_ioctl_dispatch(const struct lkport_ioctl_desc *table,
			   unsigned int entries, struct file *file,
			   unsigned int cmd, unsigned long arg)
{
	const struct lkport_ioctl_desc *desc;
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd), size = _IOC_SIZE(cmd);
	u64 buf[LKPORT_IOCTL_MAX_ARG / sizeof(u64)];
	long ret;

	if (_IOC_TYPE(cmd) != LKPORT_IOC_MAGIC || nr >= entries)
		return -ENOTTY;
	desc = &table[nr];
	if (!desc->handler || desc->cmd != cmd)
		return -ENOTTY;
	if (WARN_ON_ONCE(size > sizeof(buf)))
		return -ENOTTY;

	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		if (copy_from_user(buf, uarg, size))
			return -EFAULT;
		/* An argument that is written back (delivered, skipped,
		 * count) must be writable before the handler changes
		 * anything: a read that took packets and then could not
		 * report them would lose them. Write its own bytes back. */
		if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uarg, buf, size))
			return -EFAULT;
	} else {
		memset(buf, 0, size);
	}

	ret = desc->handler(file, buf);

	if (ret >= 0 && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(uarg, buf, size))
		return -EFAULT;
	return ret;
}
