/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkport: the C API over /dev/lkport.
 *
 * Functions return 0 or a non-negative value on success and a negative errno
 * on failure (they do not rely on errno, which is left as the system call
 * set it).
 */
#ifndef LKPORT_DEVICE_H
#define LKPORT_DEVICE_H

#include <linux/lkport.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens /dev/lkport (O_RDWR | O_CLOEXEC); returns the fd or -errno. */
int lkport_open(void);

/* The module's ABI version and features; -errno on failure. */
int lkport_query_version(int dev, struct lkport_version *out);

/* True if the module speaks ABI major LKPORT_ABI_MAJOR and at least the
 * minor this library was built with. */
int lkport_version_compatible(const struct lkport_version *v);

#ifdef __cplusplus
}
#endif

#endif /* LKPORT_DEVICE_H */
