// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection at every allocation site of the module, on any kernel
 * (CONFIG_FAULT_INJECTION or not). As syzkaller's fail-nth: root names a
 * thread and an n, and the nth allocation that thread makes from then on,
 * at any site, fails; every site counts how often it was reached and
 * failed, so that a test can show it made each one fail.
 *
 * /sys/kernel/debug/lkport/fault/ (root only):
 *   pid    the thread whose allocations count (its id in the writer's pid
 *          namespace; a later thread given the same number does not
 *          count); 0, the default, turns fault injection off
 *   nth    write n >= 1: the nth allocation from now fails; 0 disarms.
 *          Reads back how many allocations are left before it: 0 once
 *          it has failed one (or when nothing is armed)
 *   sites  one line per site: name, where, calls, failed; writing
 *          "reset" zeroes the counts
 *
 * While pid is 0 the check at each site is a static branch patched out;
 * with a thread named, other threads pay one comparison.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "fault.h"

DEFINE_STATIC_KEY_FALSE(lkport_fault_key);

static const struct {
	const char *name;
	const char *where;
} lkport_fault_sites[LKPORT_FAULT_SITES] = {
	[LKOS_SITE_PORT_RING] = { "core_ring", "port.cpp:PortRing::make" },
	[LKOS_SITE_WRITE_PORT] = { "core_write_port", "port.cpp:PortRegistry::create" },
	[LKOS_SITE_READ_PORT] = { "core_read_port", "port.cpp:PortRegistry::open" },
	[LKOS_SITE_PORT_GROUP] = { "core_group", "port.cpp:PortRegistry::group" },
	[LKOS_SITE_PORT_RING_MAP] = { "core_ring_map", "port.cpp:PortRing::make_mapped" },
	[LKPORT_SITE_ACCOUNT] = { "account", "object.c:lkport_charge" },
	[LKPORT_SITE_FD] = { "fd", "object.c:lkport_new_fd" },
	[LKPORT_SITE_EVENT] = { "event", "event_fd.c:lkport_event_create" },
	[LKPORT_SITE_WPORT] = { "wport", "port_fd.c:lkport_port_create" },
	[LKPORT_SITE_WRITE_PACKETS] = { "write_packets", "port_fd.c:lkport_ioc_port_write" },
	[LKPORT_SITE_READ_RESULTS] = { "read_results", "port_fd.c:lkport_ioc_read" },
	[LKPORT_SITE_READER] = { "reader", "port_fd.c:lkport_reader_new" },
	[LKPORT_SITE_GROUP_FDS] = { "group_fds", "port_fd.c:lkport_group_create" },
	[LKPORT_SITE_GROUP_MEMBERS] = { "group_members", "port_fd.c:lkport_group_create" },
	[LKPORT_SITE_GROUP_FILES] = { "group_files", "port_fd.c:lkport_group_create" },
	[LKPORT_SITE_IRQ] = { "irq", "irq.c:lkport_irq_create" },
	[LKPORT_SITE_IRQ_TARGET] = { "irq_target", "irq.c:lkport_ioc_irq_bind" },
};

static DEFINE_MUTEX(lkport_fault_lock);	/* writers of the settings */
/* The named thread's pid, referenced so that its number, reused by a
 * later thread, does not match; NULL: off. */
static struct pid *lkport_fault_pid;
static atomic_t lkport_fault_nth;	/* allocations left before the failure */
static atomic_long_t lkport_fault_calls[LKPORT_FAULT_SITES];
static atomic_long_t lkport_fault_failed[LKPORT_FAULT_SITES];

bool lkport_fault_fires(unsigned int site)
{
	bool named;

	/* An interrupt's allocation is not the interrupted thread's. The
	 * pointer is only compared; RCU keeps a replaced one from being
	 * freed, and reused, under the comparison. */
	if (!in_task())
		return false;
	rcu_read_lock();
	named = task_pid(current) == READ_ONCE(lkport_fault_pid);
	rcu_read_unlock();
	if (!named)
		return false;
	/* Every allocation a user request reaches names its site. */
	if (WARN_ONCE(site == LKOS_SITE_NONE || site >= LKPORT_FAULT_SITES,
		      "lkport: allocation at unnamed fault site %u\n", site))
		return false;
	atomic_long_inc(&lkport_fault_calls[site]);
	if (atomic_dec_if_positive(&lkport_fault_nth) != 0)
		return false;
	atomic_long_inc(&lkport_fault_failed[site]);
	return true;
}

static ssize_t fault_read_int(char __user *buf, size_t len, loff_t *pos, long v)
{
	char tmp[24];
	int n = scnprintf(tmp, sizeof(tmp), "%ld\n", v);

	return simple_read_from_buffer(buf, len, pos, tmp, n);
}

static ssize_t pid_read(struct file *f, char __user *buf, size_t len, loff_t *pos)
{
	long nr;

	mutex_lock(&lkport_fault_lock);
	nr = lkport_fault_pid ? pid_vnr(lkport_fault_pid) : 0;
	mutex_unlock(&lkport_fault_lock);
	return fault_read_int(buf, len, pos, nr);
}

static ssize_t pid_write(struct file *f, const char __user *buf, size_t len, loff_t *pos)
{
	struct pid *pid = NULL, *old;
	int nr, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtoint_from_user(buf, len, 0, &nr);
	if (ret)
		return ret;
	if (nr < 0)
		return -EINVAL;
	if (nr) {
		pid = find_get_pid(nr);
		if (!pid)
			return -ESRCH;
	}
	mutex_lock(&lkport_fault_lock);
	old = lkport_fault_pid;
	WRITE_ONCE(lkport_fault_pid, pid);
	if (pid)
		static_branch_enable(&lkport_fault_key);
	else
		static_branch_disable(&lkport_fault_key);
	mutex_unlock(&lkport_fault_lock);
	if (old) {
		synchronize_rcu();
		put_pid(old);
	}
	return len;
}

static const struct file_operations pid_fops = {
	.read = pid_read,
	.write = pid_write,
	.llseek = default_llseek,
};

static ssize_t nth_read(struct file *f, char __user *buf, size_t len, loff_t *pos)
{
	return fault_read_int(buf, len, pos, atomic_read(&lkport_fault_nth));
}

static ssize_t nth_write(struct file *f, const char __user *buf, size_t len, loff_t *pos)
{
	int nth, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtoint_from_user(buf, len, 0, &nth);
	if (ret)
		return ret;
	if (nth < 0)
		return -EINVAL;
	atomic_set(&lkport_fault_nth, nth);
	return len;
}

static const struct file_operations nth_fops = {
	.read = nth_read,
	.write = nth_write,
	.llseek = default_llseek,
};

static int sites_show(struct seq_file *m, void *unused)
{
	unsigned int s;

	for (s = LKOS_SITE_NONE + 1; s < LKPORT_FAULT_SITES; s++)
		seq_printf(m, "%-16s %-34s calls=%ld failed=%ld\n",
			   lkport_fault_sites[s].name, lkport_fault_sites[s].where,
			   atomic_long_read(&lkport_fault_calls[s]),
			   atomic_long_read(&lkport_fault_failed[s]));
	return 0;
}

static int sites_open(struct inode *inode, struct file *file)
{
	return single_open(file, sites_show, NULL);
}

static ssize_t sites_write(struct file *f, const char __user *buf, size_t len, loff_t *pos)
{
	char tmp[8] = "";
	unsigned int s;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (len >= sizeof(tmp))
		return -EINVAL;
	if (copy_from_user(tmp, buf, len))
		return -EFAULT;
	if (strcmp(strim(tmp), "reset"))
		return -EINVAL;
	for (s = 0; s < LKPORT_FAULT_SITES; s++) {
		atomic_long_set(&lkport_fault_calls[s], 0);
		atomic_long_set(&lkport_fault_failed[s], 0);
	}
	return len;
}

static const struct file_operations sites_fops = {
	.open = sites_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = sites_write,
};

void lkport_fault_debugfs_init(struct dentry *parent)
{
	struct dentry *dir = debugfs_create_dir("fault", parent);
	unsigned int s;

	for (s = LKOS_SITE_NONE + 1; s < LKPORT_FAULT_SITES; s++)
		WARN_ON(!lkport_fault_sites[s].name);
	debugfs_create_file("pid", 0600, dir, NULL, &pid_fops);
	debugfs_create_file("nth", 0600, dir, NULL, &nth_fops);
	debugfs_create_file("sites", 0600, dir, NULL, &sites_fops);
}

/* After the debugfs files are gone: nothing can turn it on again. */
void lkport_fault_exit(void)
{
	static_branch_disable(&lkport_fault_key);
	put_pid(lkport_fault_pid);
	lkport_fault_pid = NULL;
}
