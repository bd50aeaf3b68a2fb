// SPDX-License-Identifier: GPL-2.0
/*
 * What every object user space creates has in common: a validated name, an
 * owner and permission bits, a charge against its user's limits, a place
 * in the list debugfs shows, and a file descriptor.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/overflow.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time_namespace.h>
#include <linux/user_namespace.h>

#include "fault.h"
#include "glue.h"

static unsigned int max_objects_per_user = 1024;
module_param(max_objects_per_user, uint, 0644);
MODULE_PARM_DESC(max_objects_per_user,
		 "lkport objects (events, ports, groups) one user may hold (default 1024)");

static unsigned long max_bytes_per_user = 8 << 20;
module_param(max_bytes_per_user, ulong, 0644);
MODULE_PARM_DESC(max_bytes_per_user,
		 "bytes of port rings one user may hold (default 8 MiB)");

DEFINE_MUTEX(lkport_objects_lock);
LIST_HEAD(lkport_objects);		/* guarded by lkport_objects_lock */
atomic_t lkport_live[LKPORT_KINDS];

/* ---- per-user accounting ----------------------------------------------------
 * One account per uid that holds objects, found by hash; freed when its
 * last object goes. Counts are guarded by lkport_objects_lock.
 */
struct lkport_account {
	struct hlist_node node;
	kuid_t uid;
	unsigned int objects;
	size_t bytes;
};

static DEFINE_HASHTABLE(lkport_accounts, 6);	/* guarded by lkport_objects_lock */

static bool over_bytes(const struct lkport_account *a, size_t bytes)
{
	unsigned long max_bytes = READ_ONCE(max_bytes_per_user);

	return a->bytes > max_bytes || bytes > max_bytes - a->bytes;
}

static bool over_limits(const struct lkport_account *a, size_t bytes)
{
	return a->objects >= READ_ONCE(max_objects_per_user) || over_bytes(a, bytes);
}

int lkport_charge(size_t bytes, struct lkport_account **out)
{
	kuid_t uid = current_uid();
	struct lkport_account *a;
	int ret = 0;

	mutex_lock(&lkport_objects_lock);
	hash_for_each_possible(lkport_accounts, a, node, __kuid_val(uid))
		if (uid_eq(a->uid, uid))
			goto found;
	a = lkport_fault_alloc(LKPORT_SITE_ACCOUNT, kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT));
	if (!a) {
		ret = -ENOMEM;
		goto out;
	}
	a->uid = uid;
	hash_add(lkport_accounts, &a->node, __kuid_val(uid));
found:
	if (over_limits(a, bytes) && !capable(CAP_SYS_RESOURCE)) {
		ret = -EDQUOT;
		if (!a->objects) {
			hash_del(&a->node);
			kfree(a);
		}
		goto out;
	}
	a->objects++;
	a->bytes += bytes;
	*out = a;
out:
	mutex_unlock(&lkport_objects_lock);
	return ret;
}

void lkport_uncharge(struct lkport_account *a, size_t bytes)
{
	mutex_lock(&lkport_objects_lock);
	a->bytes -= bytes;
	if (--a->objects == 0) {
		WARN_ON(a->bytes);
		hash_del(&a->node);
		kfree(a);
	}
	mutex_unlock(&lkport_objects_lock);
}

void lkport_accounts_sum(unsigned long *accounts, unsigned long *objects,
			 unsigned long *bytes)
{
	struct lkport_account *a;
	unsigned int b;

	*accounts = *objects = *bytes = 0;
	mutex_lock(&lkport_objects_lock);
	hash_for_each(lkport_accounts, b, a, node) {
		++*accounts;
		*objects += a->objects;
		*bytes += a->bytes;
	}
	mutex_unlock(&lkport_objects_lock);
}

/* ---- IPC namespaces ------------------------------------------------------------ */
#if !IS_ENABLED(CONFIG_POSIX_MQUEUE) && IS_ENABLED(CONFIG_IPC_NS)
#error "lkport keys IPC namespaces by their mqueue mount: needs CONFIG_POSIX_MQUEUE"
#endif

static struct ipc_namespace *caller_ipc_ns(void)
{
	/* Only the task itself changes its nsproxy; it pins the namespace. */
	return current->nsproxy->ipc_ns;
}

static bool is_initial_ipc_ns(const struct ipc_namespace *ipc)
{
	/* init_ipc_ns is not exported on every kernel; init_task's is it. */
	return ipc == init_task.nsproxy->ipc_ns;
}

static struct vfsmount *ns_mount(struct ipc_namespace *ipc)
{
#if IS_ENABLED(CONFIG_POSIX_MQUEUE)
	return ipc->mq_mnt;
#else
	return NULL;	/* no IPC namespaces but the initial one */
#endif
}

u64 lkport_ns_key(void)
{
	struct ipc_namespace *ipc = caller_ipc_ns();

	if (is_initial_ipc_ns(ipc))
		return LK_PORT_NS_INITIAL;
	return (u64)(uintptr_t)ns_mount(ipc);
}

void lkport_ns_get(struct lkport_ns *ns)
{
	struct ipc_namespace *ipc = caller_ipc_ns();

	ns->inum = ipc->ns.inum;
	if (is_initial_ipc_ns(ipc)) {
		ns->key = LK_PORT_NS_INITIAL;
		ns->pin = NULL;
		return;
	}
	ns->pin = mntget(ns_mount(ipc));
	ns->key = (u64)(uintptr_t)ns->pin;
}

void lkport_ns_put(struct lkport_ns *ns)
{
	mntput(ns->pin);	/* may be NULL */
	ns->pin = NULL;
}

/* ---- objects ------------------------------------------------------------------ */
int lkport_object_init(struct lkport_object *obj, enum lkport_kind kind,
		       const char *name, u32 perm, size_t bytes)
{
	int ret;

	if (perm & ~0777u)
		return -EINVAL;
	INIT_LIST_HEAD(&obj->node);
	obj->kind = kind;
	obj->uid = current_fsuid();
	obj->gid = current_fsgid();
	obj->perm = perm & ~current_umask() & 0777;
	strscpy_pad(obj->name, name ? name : "", sizeof(obj->name));
	ret = lkport_charge(bytes, &obj->acct);
	if (ret)
		return ret;
	obj->charged = bytes;
	lkport_ns_get(&obj->ns);
	return 0;
}

int lkport_object_charge_more(struct lkport_object *obj, size_t bytes)
{
	struct lkport_account *a = obj->acct;
	int ret = 0;

	mutex_lock(&lkport_objects_lock);
	if (over_bytes(a, bytes) && !capable(CAP_SYS_RESOURCE)) {
		ret = -EDQUOT;
	} else {
		a->bytes += bytes;
		obj->charged += bytes;
	}
	mutex_unlock(&lkport_objects_lock);
	return ret;
}

void lkport_object_uncharge_more(struct lkport_object *obj, size_t bytes)
{
	mutex_lock(&lkport_objects_lock);
	obj->acct->bytes -= bytes;
	obj->charged -= bytes;
	mutex_unlock(&lkport_objects_lock);
}

void lkport_object_publish_locked(struct lkport_object *obj)
{
	lockdep_assert_held(&lkport_objects_lock);
	list_add_tail(&obj->node, &lkport_objects);
	atomic_inc(&lkport_live[obj->kind]);
}

void lkport_object_publish(struct lkport_object *obj)
{
	mutex_lock(&lkport_objects_lock);
	lkport_object_publish_locked(obj);
	mutex_unlock(&lkport_objects_lock);
}

void lkport_object_abandon(struct lkport_object *obj)
{
	lkport_uncharge(obj->acct, obj->charged);
	obj->acct = NULL;
	lkport_ns_put(&obj->ns);
}

void lkport_object_unlist_locked(struct lkport_object *obj)
{
	lockdep_assert_held(&lkport_objects_lock);
	list_del_init(&obj->node);
	atomic_dec(&lkport_live[obj->kind]);
}

void lkport_object_unlist(struct lkport_object *obj)
{
	mutex_lock(&lkport_objects_lock);
	lkport_object_unlist_locked(obj);
	mutex_unlock(&lkport_objects_lock);
}

void lkport_object_info(const struct lkport_object *obj, struct lkport_info *info)
{
	struct user_namespace *ns = current_user_ns();

	info->kind = obj->kind;
	info->uid = from_kuid_munged(ns, obj->uid);
	info->gid = from_kgid_munged(ns, obj->gid);
	info->perm = obj->perm;
	memcpy(info->name, obj->name, sizeof(info->name));
}

/* ---- names ----------------------------------------------------------------------- */
int lkport_name_check(const char name[LKPORT_NAME_LEN])
{
	size_t len = strnlen(name, LKPORT_NAME_LEN), i;

	if (len == 0 || len > LKPORT_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return -EINVAL;
	}
	/* The padding is ABI too: it must be zero, so that it can carry
	 * meaning later. */
	for (; i < LKPORT_NAME_LEN; i++)
		if (name[i])
			return -EINVAL;
	return 0;
}

/* ---- permissions ------------------------------------------------------------------ */
bool lkport_dac_override(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_DAC_OVERRIDE);
}

/* The caller's bits, as for a file: owner, else group, else other. Plain
 * comparisons only, so this may run under the core's spinlocks. */
bool lkport_may_open(const struct lkport_object *obj, int mask, bool override)
{
	umode_t mode = obj->perm;

	if (uid_eq(current_fsuid(), obj->uid))
		mode >>= 6;
	else if (in_group_p(obj->gid))
		mode >>= 3;
	if ((mask & MAY_READ) && !(mode & 4))
		return override;
	if ((mask & MAY_WRITE) && !(mode & 2))
		return override;
	return true;
}

/* ---- poll wake-ups ----------------------------------------------------------
 * See struct lkport_poll in glue.h: direct where the wait queue's lock
 * spins, through an irq_work where it may sleep (PREEMPT_RT).
 */
#define LKPORT_POLL_DEFER (IS_ENABLED(CONFIG_PREEMPT_RT) || \
			   IS_ENABLED(CONFIG_PROVE_RAW_LOCK_NESTING))

static void lkport_poll_work(struct irq_work *work)
{
	struct lkport_poll *p = container_of(work, struct lkport_poll, work);

	/* Thread context on RT (the irq_work thread): the queue's lock may
	 * sleep here. */
	wake_up_interruptible_poll(&p->wq, p->key);
}

void lkport_poll_init(struct lkport_poll *p, __poll_t key)
{
	init_waitqueue_head(&p->wq);
	init_irq_work(&p->work, lkport_poll_work);
	p->key = key;
}

void lkport_poll_notify(struct lkport_poll *p)
{
	/* No poller, no wake-up (and no queue lock on every write). */
	if (!wq_has_sleeper(&p->wq))
		return;
	if (LKPORT_POLL_DEFER)
		/* Pending already: that run comes after this change, since
		 * the flag is cleared before the wake-up is made. */
		irq_work_queue(&p->work);
	else
		wake_up_interruptible_poll(&p->wq, p->key);
}

void lkport_poll_stop(struct lkport_poll *p)
{
	irq_work_sync(&p->work);
}

/* ---- fds ---------------------------------------------------------------------------- */
int lkport_check_fd_flags(u32 fd_flags)
{
	return (fd_flags & ~(u32)O_CLOEXEC) ? -EINVAL : 0;
}

int lkport_new_fd(const char *name, const struct file_operations *fops,
		  void *priv, int open_flags, u32 fd_flags)
{
	if (lkport_fault(LKPORT_SITE_FD))
		return -ENOMEM;
	return anon_inode_getfd(name, fops, priv,
				open_flags | (fd_flags & O_CLOEXEC));
}

u64 lkport_deadline(u64 user_ns)
{
	ktime_t t, offset = 0;

	if (user_ns == 0)
		return LK_DEADLINE_NONE;
	if (user_ns == LKPORT_FOREVER || user_ns > KTIME_MAX)
		return LK_DEADLINE_FOREVER;
	t = ns_to_ktime(user_ns);
#ifdef CONFIG_TIME_NS
	/* The caller's CLOCK_MONOTONIC may be offset by its time namespace
	 * (timens_ktime_to_host() is not exported to modules). */
	offset = timespec64_to_ktime(current->nsproxy->time_ns->offsets.monotonic);
#endif
	/* host = user - offset, saturated: a namespace behind the host (a
	 * negative offset) can name a deadline past KTIME_MAX on the host's
	 * clock, which never comes; one ahead, a deadline before 0, which
	 * has passed. */
	if (check_sub_overflow(t, offset, &t))
		return offset < 0 ? LK_DEADLINE_FOREVER : LK_DEADLINE_NONE;
	return t <= 0 ? LK_DEADLINE_NONE : (u64)t;
}
