// SPDX-License-Identifier: LGPL-2.1-or-later
/* liblkport: the device, the version query and interrupt sources. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
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

/* ---- interrupt sources ---------------------------------------------------------- */

static int irq_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int lkport_irq_create(int dev, const char *device, __u32 mode, __u32 flags)
{
	struct lkport_irq_create c = {
		.source = device ? LKPORT_IRQ_PCI : LKPORT_IRQ_VIRTUAL,
		.mode = mode, .flags = flags, .fd_flags = O_CLOEXEC,
	};
	int fd;

	if (device) {
		if (strlen(device) >= sizeof(c.device))
			return -EINVAL;
		strncpy(c.device, device, sizeof(c.device) - 1);
	}
	fd = ioctl(dev, LKPORT_IOC_IRQ_CREATE, &c);
	return fd < 0 ? -errno : fd;
}

int lkport_irq_wait(int irq, __u64 deadline_ns, struct lkport_irq_record *out)
{
	struct lkport_irq_wait w = { .deadline_ns = deadline_ns };
	int err = irq_ioctl(irq, LKPORT_IOC_IRQ_WAIT, &w);

	if (!err && out)
		*out = w.record;
	return err;
}

int lkport_irq_wait_timeout(int irq, __u32 timeout_ms, struct lkport_irq_record *out)
{
	struct timespec now;
	__u64 deadline;

	if (timeout_ms == 0) {
		deadline = 0;
	} else if (timeout_ms == LKPORT_IRQ_WAIT_INFINITE) {
		deadline = LKPORT_FOREVER;
	} else {
		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline = (__u64)now.tv_sec * 1000000000u + (__u64)now.tv_nsec +
			   (__u64)timeout_ms * 1000000u;
	}
	return lkport_irq_wait(irq, deadline, out);
}

int lkport_irq_ack(int irq)
{
	return irq_ioctl(irq, LKPORT_IOC_IRQ_ACK, NULL);
}

int lkport_irq_trigger(int irq)
{
	return irq_ioctl(irq, LKPORT_IOC_IRQ_TRIGGER, NULL);
}

int lkport_irq_bind(int irq, int target_fd)
{
	struct lkport_irq_bind b = { .fd = target_fd };

	return irq_ioctl(irq, LKPORT_IOC_IRQ_BIND, &b);
}

int lkport_irq_get_info(int irq, struct lkport_irq_info *out)
{
	memset(out, 0, sizeof(*out));
	return irq_ioctl(irq, LKPORT_IOC_IRQ_INFO, out);
}

static int sysfs_write(const char *path, const char *what)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	size_t len = strlen(what);

	if (fd < 0)
		return -errno;
	if (write(fd, what, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

#define PCI_DEVICES "/sys/bus/pci/devices/"

static int pci_path(char *buf, size_t len, const char *device, const char *attr)
{
	if (!*device || strchr(device, '/') || strstr(device, ".."))
		return -EINVAL;
	return snprintf(buf, len, PCI_DEVICES "%s/%s", device, attr) < (int)len ? 0 : -EINVAL;
}

int lkport_pci_bind(const char *device)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	int err;

	if ((err = pci_path(path, sizeof(path), device, "driver")))
		return err;
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		if (!strcmp(strrchr(link, '/') + 1, "lkport"))
			return 0;
		if ((err = pci_path(path, sizeof(path), device, "driver/unbind")) ||
		    (err = sysfs_write(path, device)))
			return err;
	}
	if ((err = pci_path(path, sizeof(path), device, "driver_override")) ||
	    (err = sysfs_write(path, "lkport")))
		return err;
	return sysfs_write("/sys/bus/pci/drivers_probe", device);
}

int lkport_pci_unbind(const char *device)
{
	char path[PATH_MAX];
	int err;

	if ((err = pci_path(path, sizeof(path), device, "driver_override")))
		return err;
	err = sysfs_write("/sys/bus/pci/drivers/lkport/unbind", device);
	if (err && err != -ENODEV)
		return err;
	/* A newline clears driver_override. */
	err = sysfs_write(path, "\n");
	return err ?: sysfs_write("/sys/bus/pci/drivers_probe", device);
}
