// SPDX-License-Identifier: GPL-2.0
/* /dev/lkport itself: the node, the version query, bad commands and pointers. */
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <lkport/device.h>

#include "lkport_test.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	LKPORT_OPEN_OR_SKIP(_metadata, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A character device, readable and writable by everyone: objects, not the
 * node, carry permissions. */
TEST_F(dev, node_is_world_rw_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(LKPORT_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 0777);
	EXPECT_EQ(10, major(st.st_rdev)); /* misc */
}

/* The fixed minor the module's aliases name (char-major-10-245,
 * devname:lkport): with it a node made from modules.devname before the
 * module is loaded is the device, and its first open loads the module. */
TEST_F(dev, node_has_the_minor_its_autoload_alias_names)
{
	struct stat st;

	ASSERT_EQ(0, stat(LKPORT_DEVICE, &st));
	EXPECT_EQ(10, major(st.st_rdev));
	EXPECT_EQ(245, minor(st.st_rdev));
}

TEST_F(dev, version_query)
{
	struct lkport_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, lkport_ioctl(self->fd, LKPORT_IOC_VERSION, &v));
	EXPECT_EQ(LKPORT_ABI_MAJOR, v.abi_major);
	EXPECT_GE(v.abi_minor, LKPORT_ABI_MINOR);
	EXPECT_TRUE(v.features & LKPORT_FEATURE_VERSION);
	/* A NUL-terminated version, and every byte after it zero. */
	ASSERT_NE(NULL, memchr(v.module_version, 0, sizeof(v.module_version)));
	EXPECT_LT(0, strlen(v.module_version));
	for (size_t i = strlen(v.module_version); i < sizeof(v.module_version); i++)
		EXPECT_EQ(0, v.module_version[i]);
	for (size_t i = 0; i < sizeof(v.reserved) / sizeof(v.reserved[0]); i++)
		EXPECT_EQ(0, v.reserved[i]);
}

TEST_F(dev, library_version_query)
{
	struct lkport_version v;

	ASSERT_EQ(0, lkport_query_version(self->fd, &v));
	EXPECT_TRUE(lkport_version_compatible(&v));
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	char buf[64] = { 0 };

	/* Unknown number in lkport's range. */
	EXPECT_EQ(-ENOTTY, lkport_ioctl(self->fd, _IOR(LKPORT_IOC_MAGIC, 0x7f, struct lkport_version), buf));
	/* Known number, wrong size or direction. */
	EXPECT_EQ(-ENOTTY, lkport_ioctl(self->fd, _IOR(LKPORT_IOC_MAGIC, 0x00, __u64), buf));
	EXPECT_EQ(-ENOTTY, lkport_ioctl(self->fd, _IOW(LKPORT_IOC_MAGIC, 0x00, struct lkport_version), buf));
	/* Another driver's magic. */
	EXPECT_EQ(-ENOTTY, lkport_ioctl(self->fd, _IO('T', 0x01), NULL));
}

TEST_F(dev, bad_pointer_is_efault)
{
	void *unmapped;

	EXPECT_EQ(-EFAULT, lkport_ioctl(self->fd, LKPORT_IOC_VERSION, NULL));
	/* A page that is mapped read-only: the module cannot write the answer. */
	unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-EFAULT, lkport_ioctl(self->fd, LKPORT_IOC_VERSION, unmapped));
	munmap(unmapped, 4096);
	/* A kernel address. */
	EXPECT_EQ(-EFAULT, lkport_ioctl(self->fd, LKPORT_IOC_VERSION, (void *)0xffffffff81000000ul));
}

TEST_F(dev, not_seekable_and_no_read_write)
{
	char c;

	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(self->fd, &c, 1));
	EXPECT_EQ(-1, write(self->fd, &c, 1));
}

TEST_HARNESS_MAIN
