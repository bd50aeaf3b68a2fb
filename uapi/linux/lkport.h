/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lkport: Little Kernel's blocking primitives for Linux user space.
 *
 * The ABI of /dev/lkport. Rules it keeps: fixed-width types only, pointers
 * as __u64, explicit padding, every struct a multiple of 8 bytes, reserved
 * fields and unknown flags rejected with EINVAL, extension only at the end
 * or by new commands. Unknown commands fail with ENOTTY.
 */
#ifndef _UAPI_LINUX_LKPORT_H
#define _UAPI_LINUX_LKPORT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LKPORT_DEVICE		"/dev/lkport"
#define LKPORT_IOC_MAGIC	0xB8

#define LKPORT_ABI_MAJOR	1	/* incompatible changes */
#define LKPORT_ABI_MINOR	0	/* compatible additions */

/* Feature bits reported by LKPORT_IOC_VERSION. */
#define LKPORT_FEATURE_VERSION	(1ULL << 0)	/* this query */

/* LKPORT_IOC_VERSION: what the loaded module speaks. */
struct lkport_version {
	__u32 abi_major;		/* LKPORT_ABI_MAJOR of the module */
	__u32 abi_minor;		/* LKPORT_ABI_MINOR of the module */
	__u64 features;			/* LKPORT_FEATURE_* */
	char module_version[32];	/* NUL-terminated, e.g. "0.1.0" */
	__u64 reserved[4];		/* zero */
};

#define LKPORT_IOC_VERSION	_IOR(LKPORT_IOC_MAGIC, 0x00, struct lkport_version)

#endif /* _UAPI_LINUX_LKPORT_H */
