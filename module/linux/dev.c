// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/lkport: the misc device user space talks to. It creates and opens
 * named objects, each handed back as a file descriptor of its own.
 *
 * Mode 0666: any user may open it, as any user may create a POSIX message
 * queue; what a user may then do is decided per object (owner, permission
 * bits, per-user limits), not by the device node.
 */
#define pr_fmt(fmt) "lkport: " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>

#include "ioctl.h"
#include "glue.h"

static long lkport_ioc_version(struct file *file, void *arg)
{
	struct lkport_version *v = arg;

	v->abi_major = LKPORT_ABI_MAJOR;
	v->abi_minor = LKPORT_ABI_MINOR;
	v->features = LKPORT_FEATURE_VERSION | LKPORT_FEATURE_EVENTS |
		      LKPORT_FEATURE_PORTS | LKPORT_FEATURE_GROUPS |
		      LKPORT_FEATURE_POLL | LKPORT_FEATURE_INFO |
		      LKPORT_FEATURE_READ | LKPORT_FEATURE_IRQ |
		      LKPORT_FEATURE_EVENT_DESTROY | LKPORT_FEATURE_ANON_EVENTS |
		      LKPORT_FEATURE_JOIN_CLOSED | LKPORT_FEATURE_WRITE_WAIT |
		      LKPORT_FEATURE_MAP_RING | LKPORT_FEATURE_READ_WRITE |
		      LKPORT_FEATURE_POLL_ROOM | LKPORT_FEATURE_MAP_WRITE |
		      LKPORT_FEATURE_CALL;
	strscpy_pad(v->module_version, LKPORT_MODULE_VERSION,
		    sizeof(v->module_version));
	return 0;
}

static const struct lkport_ioctl_desc lkport_dev_ioctls[] = {
	LKPORT_IOCTL(LKPORT_IOC_VERSION, LKPORT_IOCTL_ANY, lkport_ioc_version),
	LKPORT_IOCTL(LKPORT_IOC_EVENT_CREATE, LKPORT_IOCTL_ANY, lkport_event_create),
	LKPORT_IOCTL(LKPORT_IOC_EVENT_OPEN, LKPORT_IOCTL_ANY, lkport_event_open),
	LKPORT_IOCTL(LKPORT_IOC_PORT_CREATE, LKPORT_IOCTL_ANY, lkport_port_create),
	LKPORT_IOCTL(LKPORT_IOC_PORT_OPEN, LKPORT_IOCTL_ANY, lkport_port_open),
	LKPORT_IOCTL(LKPORT_IOC_GROUP_CREATE, LKPORT_IOCTL_ANY, lkport_group_create),
	LKPORT_IOCTL(LKPORT_IOC_IRQ_CREATE, LKPORT_IOCTL_ANY, lkport_irq_create),
};

/* misc_open installs these fops on the file, so lkport_fd_ioctl finds the
 * table through file->f_op as for every object fd. */
static const struct lkport_fd_kind lkport_dev_kind = {
	.fops = {
		.owner = THIS_MODULE,
		.open = nonseekable_open,
		LKPORT_FD_IOCTL_OPS,
	},
	LKPORT_FD_IOCTLS(lkport_dev_ioctls),
};

/*
 * A fixed minor of the misc major (10), from the range devices.txt keeps
 * for local use (243-254), so that the node can exist before the module
 * is loaded: depmod turns the two aliases below into modules.devname,
 * kmod static-nodes creates /dev/lkport at boot, and its first open
 * loads the module (request_module("char-major-10-245")). Should another
 * driver hold that minor, the device still registers, with a dynamic
 * minor, and only the autoload is lost.
 */
#define LKPORT_MINOR	245

static struct miscdevice lkport_miscdev = {
	.minor = LKPORT_MINOR,
	.name = "lkport",
	.fops = &lkport_dev_kind.fops,
	.mode = 0666,
};

int lkport_dev_init(void)
{
	int ret = misc_register(&lkport_miscdev);

	if (ret != -EBUSY)
		return ret;
	pr_warn("misc minor %d is taken: /dev/lkport gets a dynamic one, and no autoload\n",
		LKPORT_MINOR);
	lkport_miscdev.minor = MISC_DYNAMIC_MINOR;
	return misc_register(&lkport_miscdev);
}

void lkport_dev_exit(void)
{
	misc_deregister(&lkport_miscdev);
}

MODULE_ALIAS_MISCDEV(LKPORT_MINOR);
MODULE_ALIAS("devname:lkport");
