// SPDX-License-Identifier: GPL-2.0
/*
 * Events. One lkport_event per name (or none, for an anonymous event),
 * shared by every fd opened on it and freed with the last of them. The
 * fd's f_mode says what it may do: FMODE_READ to wait, FMODE_WRITE to
 * signal, unsignal and (its owner) destroy. A destroyed event leaves the
 * name table at once and answers EIDRM until its last fd goes.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>

#include "ioctl.h"
#include "fault.h"
#include "glue.h"

struct lkport_event {
	struct lkport_object obj;
	struct kref ref;		/* fds; dropped under lkport_objects_lock */
	struct hlist_node name_node;	/* lkport_event_names, same lock;
					 * unhashed if anonymous or destroyed */
	u32 flags;			/* LKPORT_EVENT_AUTOUNSIGNAL, _ANONYMOUS */
	bool destroyed;			/* set under lkport_objects_lock */
	struct lkport_poll poll;	/* woken under the event's lock */
	bool polled;			/* the core's observer set (first poll) */
	lk_event_t ev;
};

static DEFINE_HASHTABLE(lkport_event_names, 12);	/* under lkport_objects_lock */

/* The namespace key salts the hash: one name in many namespaces spreads. */
static u32 name_hash(const char *name, u64 ns)
{
	return full_name_hash((void *)(uintptr_t)ns, name, strnlen(name, LKPORT_NAME_LEN));
}

/* The event of that name in namespace ns. Under lkport_objects_lock. */
static struct lkport_event *lookup_locked(const char *name, u64 ns)
{
	struct lkport_event *e;

	hash_for_each_possible(lkport_event_names, e, name_node, name_hash(name, ns))
		if (e->obj.ns.key == ns && !strcmp(e->obj.name, name))
			return e;
	return NULL;
}

/* Core observer: readiness may have changed. Event lock held, any context. */
static void lkport_event_notify(void *ctx)
{
	struct lkport_event *e = ctx;

	/* As lkport_reader_notify: lkport_event_poll reads the state under
	 * the event lock after joining the queue, so skipping an empty queue
	 * loses no wake-up. */
	lkport_poll_notify(&e->poll);
}

static void lkport_event_free(struct kref *ref)
	__releases(&lkport_objects_lock)
{
	struct lkport_event *e = container_of(ref, struct lkport_event, ref);

	/* Out of the name table and the listing before it is destroyed: the
	 * listing reads the core event under this lock. */
	hash_del(&e->name_node);
	lkport_object_unlist_locked(&e->obj);
	mutex_unlock(&lkport_objects_lock);
	__release(&lkport_objects_lock);	/* sparse does not see a mutex's */
	/* No fd is left, so nobody waits on it. */
	lk_event_destroy(&e->ev);
	lkport_poll_stop(&e->poll);
	lkport_object_abandon(&e->obj);
	kfree(e);
}

static void lkport_event_put(struct lkport_event *e)
{
	kref_put_mutex(&e->ref, lkport_event_free, &lkport_objects_lock);
}

static int lkport_event_release(struct inode *inode, struct file *file)
{
	lkport_event_put(file->private_data);
	return 0;
}

static __poll_t lkport_event_poll(struct file *file, poll_table *pt)
{
	struct lkport_event *e = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &e->poll.wq, pt);
	/*
	 * As a reader's (lkport_reader_poll): the observer from the first
	 * poll on, set under the event's lock after this poller joined the
	 * queue and before it reads the state. Until then the core's signal
	 * and wait take their lock-free paths when nobody waits. A signal
	 * before the set is in the state read below; one after it notifies.
	 */
	if (!READ_ONCE(e->polled)) {
		lk_event_set_notify(&e->ev, lkport_event_notify, e);
		WRITE_ONCE(e->polled, true);
	}
	/* Set before the core wakes the pollers (lkport_ioc_event_destroy). */
	if (READ_ONCE(e->destroyed))
		return EPOLLHUP;
	if ((file->f_mode & FMODE_READ) && lk_event_is_signaled(&e->ev))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (file->f_mode & FMODE_WRITE)
		mask |= EPOLLOUT | EPOLLWRNORM;	/* signalling never blocks */
	return mask;
}

static long lkport_ioc_event_wait(struct file *file, void *arg)
{
	struct lkport_event *e = file->private_data;
	struct lkport_wait *w = arg;

	if (w->flags || w->reserved)
		return -EINVAL;
	return lkport_errno(lk_event_wait_deadline(&e->ev, lkport_deadline(w->deadline_ns), 1));
}

static long lkport_ioc_event_signal(struct file *file, void *arg)
{
	struct lkport_event *e = file->private_data;
	int woken = lk_event_signal(&e->ev);

	return woken < 0 ? lkport_errno(woken) : woken;
}

/* read(2) and write(2), an eventfd's shape (ABI 1.8): the __u64 1. read
 * waits for the event as LKPORT_IOC_EVENT_WAIT with no deadline (with
 * O_NONBLOCK not at all: EAGAIN); write signals it. The fd's access rules
 * are the ioctls': read to wait, write to signal (EBADF otherwise). */
static ssize_t lkport_event_read(struct file *file, char __user *buf, size_t len,
				 loff_t *ppos)
{
	struct lkport_event *e = file->private_data;
	u64 one = 1;
	int st;

	if (len < sizeof(one))
		return -EINVAL;
	/* Writable before the wait: with AUTOUNSIGNAL it takes the signal. */
	if (clear_user(buf, sizeof(one)))
		return -EFAULT;
	st = lk_event_wait_deadline(&e->ev, lkport_file_deadline(file), 1);
	if (st == LK_ERR_TIMED_OUT)
		return -EAGAIN;
	if (st)
		return lkport_errno(st);
	if (copy_to_user(buf, &one, sizeof(one)))
		return -EFAULT;
	return sizeof(one);
}

static ssize_t lkport_event_write(struct file *file, const char __user *buf, size_t len,
				  loff_t *ppos)
{
	struct lkport_event *e = file->private_data;
	u64 v;
	int woken;

	if (len != sizeof(v))
		return -EINVAL;
	if (copy_from_user(&v, buf, sizeof(v)))
		return -EFAULT;
	if (v != 1)
		return -EINVAL;
	woken = lk_event_signal(&e->ev);
	return woken < 0 ? lkport_errno(woken) : sizeof(v);
}

/* As a write port's close and destroy: the owner's (lkport_may_end_port). */
static long lkport_ioc_event_destroy(struct file *file, void *arg)
{
	struct lkport_event *e = file->private_data;
	int st;

	if (!uid_eq(current_fsuid(), e->obj.uid) && !lkport_dac_override())
		return -EPERM;
	mutex_lock(&lkport_objects_lock);
	if (e->destroyed) {
		st = LK_ERR_OBJECT_DESTROYED;
	} else {
		/* The name goes first: a create of it may follow at once. */
		hash_del(&e->name_node);
		WRITE_ONCE(e->destroyed, true);
		st = lk_event_shutdown(&e->ev);
	}
	mutex_unlock(&lkport_objects_lock);
	return lkport_errno(st);
}

/*
 * LKPORT_IOC_SIGNAL_WAIT: signal another fd's event, then wait on this
 * one's. As LKPORT_IOC_WRITE_READ (port_fd.c): the argument stays the
 * caller's until the signal is tried, and once it is made a signal ending
 * the wait is EINTR, never a restart that would signal again.
 */
static long lkport_ioc_signal_wait(struct file *file, void *arg)
{
	struct lkport_event *e = file->private_data, *to;
	struct lkport_signal_wait *sw = arg;
	struct fd f;
	int st;

	if (sw->wait.flags || sw->wait.reserved || sw->reserved)
		return -EINVAL;
	f = fdget(sw->fd);
	if (!fd_file(f))
		return -EBADF;
	to = lkport_event_of(fd_file(f));
	if (!to) {
		fdput(f);
		return -EBADF;
	}
	sw->done = 0;
	sw->released = 0;
	st = lk_event_signal(&to->ev);
	fdput(f);
	if (st < 0)
		return lkport_errno(st);
	sw->done = LKPORT_DONE_FIRST;
	sw->released = st;
	st = lk_event_wait_deadline(&e->ev, lkport_deadline(sw->wait.deadline_ns), 1);
	return st == LK_ERR_INTERRUPTED ? -EINTR : lkport_errno(st);
}

static long lkport_ioc_event_unsignal(struct file *file, void *arg)
{
	struct lkport_event *e = file->private_data;

	return lkport_errno(lk_event_unsignal(&e->ev));
}

static long lkport_ioc_event_info(struct file *file, void *arg)
{
	struct lkport_event *e = file->private_data;
	struct lkport_info *info = arg;

	lkport_object_info(&e->obj, info);
	info->flags = e->flags;
	info->state = (lk_event_is_signaled(&e->ev) ? LKPORT_STATE_SIGNALED : 0) |
		      (READ_ONCE(e->destroyed) ? LKPORT_STATE_DESTROYED : 0);
	info->waiters = lk_event_waiters(&e->ev);
	info->id = lk_event_id(&e->ev);
	return 0;
}

/* Waiting needs an fd opened for it (FMODE_READ), signalling one opened
 * for that (FMODE_WRITE); the dispatcher says EBADF otherwise. */
static const struct lkport_ioctl_desc lkport_event_ioctls[] = {
	LKPORT_IOCTL(LKPORT_IOC_INFO, LKPORT_IOCTL_ANY, lkport_ioc_event_info),
	LKPORT_IOCTL(LKPORT_IOC_EVENT_WAIT, LKPORT_IOCTL_READ, lkport_ioc_event_wait),
	LKPORT_IOCTL(LKPORT_IOC_EVENT_SIGNAL, LKPORT_IOCTL_WRITE, lkport_ioc_event_signal),
	LKPORT_IOCTL(LKPORT_IOC_EVENT_UNSIGNAL, LKPORT_IOCTL_WRITE, lkport_ioc_event_unsignal),
	LKPORT_IOCTL(LKPORT_IOC_EVENT_DESTROY, LKPORT_IOCTL_WRITE, lkport_ioc_event_destroy),
	LKPORT_IOCTL_OUT(LKPORT_IOC_SIGNAL_WAIT, LKPORT_IOCTL_READ, lkport_ioc_signal_wait),
};

static const struct lkport_fd_kind lkport_event_kind = {
	.fops = {
		.owner = THIS_MODULE,
		.release = lkport_event_release,
		.read = lkport_event_read,
		.write = lkport_event_write,
		.poll = lkport_event_poll,
		LKPORT_FD_IOCTL_OPS,
	},
	LKPORT_FD_IOCTLS(lkport_event_ioctls),
};

/* ---- interrupt delivery (irq.c) ------------------------------------------------ */

struct lkport_event *lkport_event_of(struct file *file)
{
	if (file->f_op != &lkport_event_kind.fops || !(file->f_mode & FMODE_WRITE))
		return NULL;
	return file->private_data;
}

u64 lkport_event_id(struct lkport_event *e)
{
	return lk_event_id(&e->ev);
}

void lkport_event_irq_signal(struct lkport_event *e)
{
	lk_event_signal(&e->ev);
}

static int access_to_open_flags(u32 access)
{
	switch (access) {
	case LKPORT_ACCESS_WAIT:
		return O_RDONLY;
	case LKPORT_ACCESS_SIGNAL:
		return O_WRONLY;
	case LKPORT_ACCESS_WAIT | LKPORT_ACCESS_SIGNAL:
		return O_RDWR;
	default:
		return -EINVAL;
	}
}

/* An anonymous event's name field: all zero. */
static int anonymous_name_check(const char name[LKPORT_NAME_LEN])
{
	return memchr_inv(name, 0, LKPORT_NAME_LEN) ? -EINVAL : 0;
}

long lkport_event_create(struct file *dev, void *arg)
{
	struct lkport_event_create *c = arg;
	bool anonymous = c->flags & LKPORT_EVENT_ANONYMOUS;
	struct lkport_event *e;
	int ret, fd;

	if (c->flags & ~(LKPORT_EVENT_AUTOUNSIGNAL | LKPORT_EVENT_SIGNALED |
			 LKPORT_EVENT_ANONYMOUS))
		return -EINVAL;
	if (c->reserved || c->reserved2[0] || c->reserved2[1])
		return -EINVAL;
	ret = (anonymous ? anonymous_name_check(c->name) : lkport_name_check(c->name)) ?:
	      lkport_check_fd_flags(c->fd_flags);
	if (ret)
		return ret;

	e = lkport_fault_alloc(LKPORT_SITE_EVENT, kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT));
	if (!e)
		return -ENOMEM;
	ret = lkport_object_init(&e->obj, LKPORT_EVENT, c->name, c->perm, 0);
	if (ret) {
		kfree(e);
		return ret;
	}
	kref_init(&e->ref);
	e->flags = c->flags & (LKPORT_EVENT_AUTOUNSIGNAL | LKPORT_EVENT_ANONYMOUS);
	lkport_poll_init(&e->poll, EPOLLIN | EPOLLRDNORM | EPOLLHUP);
	lk_event_init(&e->ev, !!(c->flags & LKPORT_EVENT_SIGNALED),
		      (c->flags & LKPORT_EVENT_AUTOUNSIGNAL) ? LK_EVENT_FLAG_AUTOUNSIGNAL : 0);

	mutex_lock(&lkport_objects_lock);
	if (!anonymous && lookup_locked(e->obj.name, e->obj.ns.key)) {
		mutex_unlock(&lkport_objects_lock);
		lk_event_destroy(&e->ev);
		lkport_object_abandon(&e->obj);
		kfree(e);
		return -EEXIST;
	}
	if (!anonymous)
		hash_add(lkport_event_names, &e->name_node,
			 name_hash(e->obj.name, e->obj.ns.key));
	lkport_object_publish_locked(&e->obj);
	mutex_unlock(&lkport_objects_lock);

	fd = lkport_new_fd("lkport-event", &lkport_event_kind.fops, e, O_RDWR, c->fd_flags);
	if (fd < 0)
		lkport_event_put(e);
	return fd;
}

long lkport_event_open(struct file *dev, void *arg)
{
	struct lkport_event_open *o = arg;
	bool override = lkport_dac_override();
	struct lkport_event *e;
	int flags, mask, ret, fd;

	if (o->reserved[0] || o->reserved[1])
		return -EINVAL;
	flags = access_to_open_flags(o->access);
	if (flags < 0)
		return flags;
	ret = lkport_name_check(o->name) ?: lkport_check_fd_flags(o->fd_flags);
	if (ret)
		return ret;
	mask = (o->access & LKPORT_ACCESS_WAIT ? MAY_READ : 0) |
	       (o->access & LKPORT_ACCESS_SIGNAL ? MAY_WRITE : 0);

	mutex_lock(&lkport_objects_lock);
	e = lookup_locked(o->name, lkport_ns_key());
	if (!e)
		ret = -ENOENT;
	else if (!lkport_may_open(&e->obj, mask, override))
		ret = -EACCES;
	else
		kref_get(&e->ref);
	mutex_unlock(&lkport_objects_lock);
	if (ret)
		return ret;

	fd = lkport_new_fd("lkport-event", &lkport_event_kind.fops, e, flags, o->fd_flags);
	if (fd < 0)
		lkport_event_put(e);
	return fd;
}

void lkport_event_show(struct seq_file *m, struct lkport_object *obj)
{
	struct lkport_event *e = container_of(obj, struct lkport_event, obj);

	seq_printf(m, " flags=%s%s state=%s waiters=%u refs=%u id=%llu",
		   e->flags & LKPORT_EVENT_AUTOUNSIGNAL ? "auto" : "persistent",
		   e->flags & LKPORT_EVENT_ANONYMOUS ? "+anonymous" : "",
		   e->destroyed ? "destroyed" :
		   lk_event_is_signaled(&e->ev) ? "signaled" : "clear",
		   lk_event_waiters(&e->ev), kref_read(&e->ref),
		   (unsigned long long)lk_event_id(&e->ev));
}
