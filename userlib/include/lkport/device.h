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

/* ---- interrupt sources (ABI 1.4; uapi/linux/lkport.h says how they behave) ----
 * device: a PCI address ("0000:00:04.0") bound to the lkport driver, or
 * NULL for a virtual source. Needs CAP_SYS_ADMIN. */
int lkport_irq_create(int dev, const char *device, __u32 mode, __u32 flags);
/* Waits until the absolute CLOCK_MONOTONIC deadline (0: do not block;
 * LKPORT_FOREVER) for a record and takes it: 0, or -ETIMEDOUT, -EINTR,
 * -ENODEV (the device went away). out may be NULL. */
int lkport_irq_wait(int irq, __u64 deadline_ns, struct lkport_irq_record *out);
/* As lkport_irq_wait, for at most timeout_ms milliseconds from now, as
 * every other wait's relative form (<lkport/lk.h>'s lk_time_t): 0 does not
 * block, LKPORT_IRQ_WAIT_INFINITE (LK_INFINITE_TIME) waits for ever. The
 * timeout becomes a deadline once, on entry, so a wait the kernel restarts
 * after a signal is not stretched. */
#define LKPORT_IRQ_WAIT_INFINITE	0xffffffffu
int lkport_irq_wait_timeout(int irq, __u32 timeout_ms, struct lkport_irq_record *out);
int lkport_irq_ack(int irq);
int lkport_irq_trigger(int irq);
/* Delivers to a write port fd or an event fd opened to signal; -1 unbinds. */
int lkport_irq_bind(int irq, int target_fd);
int lkport_irq_get_info(int irq, struct lkport_irq_info *out);

/* Binds a PCI device to the lkport driver through sysfs (driver_override,
 * unbinding its current driver first), or gives it back (unbind, clear
 * driver_override). Root. */
int lkport_pci_bind(const char *device);
int lkport_pci_unbind(const char *device);

#ifdef __cplusplus
}
#endif

#endif /* LKPORT_DEVICE_H */
