// SPDX-License-Identifier: LGPL-2.1-or-later
/* liblkport: the device and version query. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <lkport/device.h>

int lkport_open(void)
{
	int fd = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int lkport_query_version(int dev, struct lkport_version *out)
{
	memset(out, 0, sizeof(*out));
	return ioctl(dev, LKPORT_IOC_VERSION, out) < 0 ? -errno : 0;
}

int lkport_version_compatible(const struct lkport_version *v)
{
	/* What this library was built against; the module may be newer. */
	static const __u32 built_major = LKPORT_ABI_MAJOR;
	static const __u32 built_minor = LKPORT_ABI_MINOR;

	return v->abi_major == built_major && v->abi_minor >= built_minor;
}
