// SPDX-License-Identifier: GPL-2.0
/*
 * lkport: Little Kernel's blocking primitives and a lock-free handler table
 * on Linux, with a user-space interface at /dev/lkport.
 */
#include <linux/module.h>

#include <lk/capi.h>

#include "glue.h"

static int __init lkport_init(void)
{
	int ret;

	ret = lkport_os_init();
	if (ret)
		return ret;
	ret = lk_core_init();
	if (ret) {
		pr_err("lkport: core init failed: %s\n", lk_status_name(ret));
		return -ENOMEM;
	}
	lkport_debugfs_init();
	ret = lkport_irq_init();
	if (ret) {
		lkport_debugfs_exit();
		lk_core_exit();
		return ret;
	}
	ret = lkport_dev_init();
	if (ret) {
		lkport_irq_exit();
		lkport_debugfs_exit();
		lk_core_exit();
		return ret;
	}
	pr_info("lkport %s loaded\n", LKPORT_MODULE_VERSION);
	return 0;
}

static void __exit lkport_exit(void)
{
	/* Every object fd holds a module reference: none is left here. */
	lkport_dev_exit();
	lkport_irq_exit();
	lkport_debugfs_exit();
	lk_core_exit();
}

module_init(lkport_init);
module_exit(lkport_exit);

MODULE_DESCRIPTION("Little Kernel blocking primitives, ports and handler table");
MODULE_LICENSE("GPL");
MODULE_VERSION(LKPORT_MODULE_VERSION);
