// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/lkport/
 *   objects   one line per live object of every IPC namespace: kind, name,
 *             owner, permissions, its state (waiters, queued packets, ...),
 *             its id (id=, as LKPORT_IOC_INFO gives it: for events and
 *             ports the one their tracepoints carry) and, last, the
 *             creator's IPC namespace (ipcns=, the inode
 *             number /proc/PID/ns/ipc shows). Root only, as debugfs is.
 *   stats     live objects by kind; all zero once every fd is closed. Then
 *             what is charged: accounts, their objects and bytes, and the
 *             core's live allocations
 *   fault/    fault injection at every allocation site (fault.c)
 *   write_holds  what port writes cost with interrupts off, since load or
 *             the last reset (any write to the file): the longest hold of
 *             the port lock by one write (max_hold_ns), the most packets
 *             one hold copied (max_packets), the number of holds. Debug
 *             builds (LKPORT_DEBUG=1) measure; others read zeros.
 *   irqs      PCI devices bound to lkport, and every interrupt source with
 *             its counters
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/user_namespace.h>

#include "fault.h"
#include "glue.h"

static struct dentry *lkport_debugfs;
/* The core's own, made at load (the port registry): stats counts what
 * objects hold, zero once every fd is closed. */
static long lkport_core_allocs_at_load;

static const char *const kind_names[LKPORT_KINDS] = {
	[LKPORT_EVENT] = "event",
	[LKPORT_WRITE_PORT] = "wport",
	[LKPORT_READ_PORT] = "rport",
	[LKPORT_GROUP] = "group",
	[LKPORT_IRQ] = "irq",
};

static int objects_show(struct seq_file *m, void *unused)
{
	struct lkport_object *obj;

	mutex_lock(&lkport_objects_lock);
	list_for_each_entry(obj, &lkport_objects, node) {
		seq_printf(m, "%-5s %-20s uid=%u gid=%u perm=%04o",
			   kind_names[obj->kind], obj->name[0] ? obj->name : "-",
			   from_kuid_munged(&init_user_ns, obj->uid),
			   from_kgid_munged(&init_user_ns, obj->gid), obj->perm);
		if (obj->kind == LKPORT_EVENT)
			lkport_event_show(m, obj);
		else if (obj->kind == LKPORT_IRQ)
			lkport_irq_show(m, obj);
		else
			lkport_port_show(m, obj);
		/* Last, so that the fields before keep their places. */
		seq_printf(m, " ipcns=%u\n", obj->ns.inum);
	}
	mutex_unlock(&lkport_objects_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

static int stats_show(struct seq_file *m, void *unused)
{
	unsigned long accounts, objects, bytes;
	int k;

	for (k = LKPORT_EVENT; k < LKPORT_KINDS; k++)
		seq_printf(m, "%s %d\n", kind_names[k], atomic_read(&lkport_live[k]));
	lkport_accounts_sum(&accounts, &objects, &bytes);
	seq_printf(m, "accounts %lu\ncharged_objects %lu\ncharged_bytes %lu\n",
		   accounts, objects, bytes);
	seq_printf(m, "core_allocs %ld\n",
		   atomic_long_read(&lkos_live_allocs) - lkport_core_allocs_at_load);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int write_holds_show(struct seq_file *m, void *unused)
{
	lk_port_hold_stats_t s;

	lk_port_write_hold_stats(&s, 0);
	seq_printf(m, "max_hold_ns %llu\nmax_packets %u\nholds %llu\n",
		   (unsigned long long)s.max_ns, s.max_packets,
		   (unsigned long long)s.holds);
	return 0;
}

static int write_holds_open(struct inode *inode, struct file *file)
{
	return single_open(file, write_holds_show, NULL);
}

static ssize_t write_holds_reset(struct file *file, const char __user *buf,
				 size_t len, loff_t *ppos)
{
	lk_port_hold_stats_t s;

	lk_port_write_hold_stats(&s, 1);
	return len;
}

static const struct file_operations write_holds_fops = {
	.owner = THIS_MODULE,
	.open = write_holds_open,
	.read = seq_read,
	.write = write_holds_reset,
	.llseek = seq_lseek,
	.release = single_release,
};
static int irqs_show(struct seq_file *m, void *unused)
{
	lkport_irq_debugfs_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(irqs);

void lkport_debugfs_init(void)
{
	lkport_core_allocs_at_load = atomic_long_read(&lkos_live_allocs);
	lkport_debugfs = debugfs_create_dir("lkport", NULL);
	debugfs_create_file("objects", 0400, lkport_debugfs, NULL, &objects_fops);
	debugfs_create_file("stats", 0444, lkport_debugfs, NULL, &stats_fops);
	lkport_fault_debugfs_init(lkport_debugfs);
	debugfs_create_file("write_holds", 0600, lkport_debugfs, NULL, &write_holds_fops);
	debugfs_create_file("irqs", 0400, lkport_debugfs, NULL, &irqs_fops);
}

void lkport_debugfs_exit(void)
{
	debugfs_remove_recursive(lkport_debugfs);
	lkport_fault_exit();
}
