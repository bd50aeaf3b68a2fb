// SPDX-License-Identifier: GPL-2.0
/*
 * Ports through file descriptors: a write port fd, a read port fd, a port
 * group fd. The core's port registry holds the names; each core write port
 * points back (its `user`) to the lkport_wport that owns it here.
 *
 * Lifetimes:
 *  - lkport_wport: shared by every writer fd (LKPORT_PORT_SHARE hands out
 *    more); the last one closes and destroys the core write port. Finding
 *    a wport through the core and taking a reference happen under
 *    lkport_objects_lock, which the final put and LKPORT_IOC_PORT_DESTROY
 *    also hold, so a core write port found is never one being freed.
 *  - lkport_reader (a read port or a group): one fd each. A group refers to its members
 *    only through the core, which unlinks a read port when it is closed.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ioctl.h"
#include "fault.h"
#include "glue.h"

struct lkport_wport {
	struct lkport_object obj;
	struct kref ref;		/* writer fds; final put under lkport_objects_lock */
	struct mutex write_lock;	/* one bounded write at a time; outside lock */
	struct rw_semaphore lock;	/* port and closed against operations */
	lk_write_port_t port;		/* core write port; NULL once destroyed */
	bool closed;
	u32 mode;
	u32 capacity;
	u64 id;				/* the core port's, kept past destroy */
	struct lkport_poll poll;	/* room made (under the core's lock), closed */
	struct mutex map_lock;		/* mmaps of the write ring, one at a time */
	lk_port_source_t source;	/* the mapped write ring (map_lock), freed with w */
	/* An interrupt source was bound to it: it writes `port` from any
	 * context without `lock`, inside an RCU read-side section, so
	 * destroy unpublishes `port` and waits for a grace period first. */
	bool irq_users;
};

/* A read port or a port group: what packets are read from. */
struct lkport_reader {
	struct lkport_object obj;
	lk_read_port_t rport;		/* core read port, or NULL for a group */
	lk_port_group_t group;		/* core port group, or NULL for a read port */
	struct lkport_poll poll;	/* woken under the core's lock */
	bool polled;			/* the core's observer set (first poll) */
	u64 ctx;			/* read port: its ctx */
	u32 mode;			/* read port: its writer's, kept past destroy */
	struct mutex map_lock;		/* read port: mmaps, one at a time */
	bool map_charged;		/* its ring's pages charged (map_lock) */
};

/* Packets written or read on the stack before falling back to the heap:
 * the common single-packet ping-pong never allocates. */
#define LKPORT_STACK_PACKETS 4

static_assert(sizeof(struct lkport_packet) == sizeof(lk_port_packet_t));
static_assert(sizeof(struct lkport_result) == sizeof(lk_port_result_t));
static_assert(offsetof(struct lkport_result, data) == offsetof(lk_port_result_t, packet));
static_assert(sizeof(((lk_port_result_t *)0)->ctx) == sizeof(__u64));
static_assert(LKPORT_NAME_LEN == LK_PORT_NAME_LEN);
static_assert(LKPORT_CAPACITY_MAX == LK_PORT_MAX_CAPACITY);
static_assert(LKPORT_GROUP_MAX == LK_PORT_GROUP_MAX);
static_assert(LKPORT_PORT_UNICAST == LK_PORT_MODE_UNICAST);
static_assert(LKPORT_PORT_BIG_BUFFER == LK_PORT_MODE_BIG_BUFFER);
static_assert(offsetof(struct lkport_ring, head) == LK_PORT_RING_HEAD_OFFSET);
static_assert(offsetof(struct lkport_ring, tail) == LK_PORT_RING_TAIL_OFFSET);
static_assert(offsetof(struct lkport_ring, mask) == LK_PORT_RING_MASK_OFFSET);
static_assert(offsetof(struct lkport_ring, flags) == LK_PORT_RING_FLAGS_OFFSET);
static_assert(offsetof(struct lkport_ring, ctx) == LK_PORT_RING_CTX_OFFSET);
static_assert(offsetof(struct lkport_ring, packets) == LK_PORT_RING_PACKETS_OFFSET);
static_assert(LKPORT_RING_PACKETS == LK_PORT_RING_PACKETS_OFFSET);
static_assert(LKPORT_RING_SYNC_GROUP == LK_PORT_RING_SYNC_GROUP);
static_assert(LKPORT_RING_SYNC_ROOM == LK_PORT_RING_SYNC_ROOM);
static_assert(offsetof(struct lkport_wring, tail) == LK_PORT_SOURCE_TAIL_OFFSET);
static_assert(offsetof(struct lkport_wring, head) == LK_PORT_SOURCE_HEAD_OFFSET);
static_assert(offsetof(struct lkport_wring, mask) == LK_PORT_SOURCE_MASK_OFFSET);
static_assert(offsetof(struct lkport_wring, flags) == LK_PORT_SOURCE_FLAGS_OFFSET);
static_assert(offsetof(struct lkport_wring, packets) == LK_PORT_RING_PACKETS_OFFSET);
static_assert(LKPORT_WRING_KICK == LK_PORT_SOURCE_KICK);

/* What a ring of `capacity` packets is charged against max_bytes_per_user:
 * what it really takes, the core's header and packets rounded up to the
 * kmalloc size class they come from (8 packets: 140 bytes asked, 192
 * taken; 4096 packets: 65548 asked, 128 KiB taken). */
static size_t ring_bytes(unsigned int capacity)
{
	return kmalloc_size_roundup(lk_port_ring_bytes(capacity));
}

/* ---- write ports ------------------------------------------------------------- */

static void lkport_wport_free(struct kref *ref)
	__releases(&lkport_objects_lock)
{
	struct lkport_wport *w = container_of(ref, struct lkport_wport, ref);

	/* Off the listing first, under the same hold of lkport_objects_lock
	 * that destroys the core port, so the listing never sees it going. */
	lkport_object_unlist_locked(&w->obj);
	/* Last writer gone: close and destroy, so the name is free again and
	 * readers drain, then learn that nothing more will come. */
	if (w->port) {
		if (!w->closed)
			lk_write_port_close(w->port);
		WARN_ON(lk_write_port_destroy(w->port));
		w->port = NULL;
	}
	mutex_unlock(&lkport_objects_lock);
	__release(&lkport_objects_lock);	/* sparse does not see a mutex's */
	/* The core calls the observer no more once the port is destroyed. */
	lkport_poll_stop(&w->poll);
	/* The last fd is going, and with it every mapping of the ring (each
	 * holds the file); the port let go of it at destroy. */
	lk_port_source_free(w->source);
	lkport_object_abandon(&w->obj);
	kfree(w);
}

static int lkport_wport_release(struct inode *inode, struct file *file)
{
	struct lkport_wport *w = file->private_data;

	kref_put_mutex(&w->ref, lkport_wport_free, &lkport_objects_lock);
	return 0;
}

/* One write, the port kept alive (w->lock) throughout. The core copies to
 * the readers in turns, letting the port lock go (and interrupts back on)
 * in between, and wants one such write per port at a time: the port's
 * write mutex. A write that fits one hold of the port lock needs no mutex
 * (the core says LK_ERR_BUSY otherwise, nothing written), which is the
 * common case: a few packets to a few readers. if_room: only if every
 * ring has room for all of it (else LK_ERR_NOT_READY, nothing written). A
 * core status; LK_ERR_INTERRUPTED when a fatal signal ended the wait for
 * the mutex. */
static int lkport_port_write_once(struct lkport_wport *w, const struct lkport_packet *pk,
				  unsigned int count, bool if_room,
				  unsigned int *delivered, unsigned int *skipped)
{
	const lk_port_packet_t *p = (const lk_port_packet_t *)pk;
	int st;

	down_read(&w->lock);
	st = w->port ? lk_write_port_write_one_hold(w->port, p, count, if_room, delivered, skipped)
		     : LK_ERR_BAD_HANDLE;
	up_read(&w->lock);
	if (st != LK_ERR_BUSY)
		return st;
	if (mutex_lock_killable(&w->write_lock))
		return LK_ERR_INTERRUPTED;
	down_read(&w->lock);
	if (!w->port)
		st = LK_ERR_BAD_HANDLE;
	else if (if_room)
		st = lk_write_port_write_if_room(w->port, p, count, delivered, skipped);
	else
		st = lk_write_port_write_bounded(w->port, p, count, delivered, skipped);
	up_read(&w->lock);
	mutex_unlock(&w->write_lock);
	return st;
}

/* LKPORT_WRITE_WAIT: write once every ring has room. The wait for room is
 * made without the write mutex, so that other writers of the port (the
 * default ones never wait) are not held up by this one; w->lock, held for
 * reading while it waits, keeps the core port alive. Closing the port
 * wakes it (lkport_ioc_port_close ends the core port before it takes
 * w->lock for writing). Another writer may take the room between the wait
 * and the write: then it waits again, until the same deadline. */
static int lkport_port_write_wait(struct lkport_wport *w, const struct lkport_packet *pk,
				  unsigned int count, u64 deadline,
				  unsigned int *delivered, unsigned int *skipped)
{
	int st;

	for (;;) {
		st = lkport_port_write_once(w, pk, count, true, delivered, skipped);
		if (st != LK_ERR_NOT_READY)
			return st;
		down_read(&w->lock);
		st = w->port ? lk_write_port_wait_room(w->port, count, deadline, 1)
			     : LK_ERR_BAD_HANDLE;
		up_read(&w->lock);
		if (st)
			return st;
	}
}

/* A write's packets, copied in before anything changes (a bad pointer
 * changes nothing): into stack (LKPORT_STACK_PACKETS of them) or the heap.
 * NULL with *err set on failure; lkport_packets_put() gives it back. */
static struct lkport_packet *lkport_packets_get(const void __user *src, size_t count,
						struct lkport_packet *stack, long *err)
{
	struct lkport_packet *pk = stack;

	if (count > LKPORT_STACK_PACKETS) {
		pk = lkport_fault_alloc(LKPORT_SITE_WRITE_PACKETS,
					kvmalloc_array(count, sizeof(*pk), GFP_KERNEL_ACCOUNT));
		if (!pk) {
			*err = -ENOMEM;
			return NULL;
		}
	}
	if (copy_from_user(pk, src, count * sizeof(*pk))) {
		if (pk != stack)
			kvfree(pk);
		*err = -EFAULT;
		return NULL;
	}
	return pk;
}

static void lkport_packets_put(struct lkport_packet *pk, struct lkport_packet *stack)
{
	if (pk != stack)
		kvfree(pk);
}

/* A LKPORT_IOC_PORT_WRITE argument that can be written, whoever writes it:
 * 0 or -EINVAL. */
static int lkport_write_check(const struct lkport_port_write *pw)
{
	if (pw->flags & ~LKPORT_WRITE_WAIT)
		return -EINVAL;
	/* A deadline without the flag: what older modules refuse (it was
	 * the reserved field), so that nobody relies on it being ignored. */
	if (!(pw->flags & LKPORT_WRITE_WAIT) && pw->deadline_ns)
		return -EINVAL;
	if (pw->count == 0 || pw->count > LKPORT_CAPACITY_MAX)
		return -EINVAL;
	return 0;
}

/* The write of a checked LKPORT_IOC_PORT_WRITE argument to w, its packets
 * copied in already: sets delivered and skipped (outputs: whatever they
 * held on input is overwritten, so one struct can be reused call after
 * call). The skipped readers (>= 0) or an errno. */
static long lkport_write_packets(struct lkport_wport *w, struct lkport_port_write *pw,
				 const struct lkport_packet *pk)
{
	unsigned int delivered = 0, skipped = 0;
	int st;

	if (pw->flags & LKPORT_WRITE_WAIT)
		st = lkport_port_write_wait(w, pk, pw->count, lkport_deadline(pw->deadline_ns),
					    &delivered, &skipped);
	else
		st = lkport_port_write_once(w, pk, pw->count, false, &delivered, &skipped);
	pw->delivered = delivered;
	pw->skipped = skipped;
	return st == LK_ERR_PARTIAL_WRITE ? (long)skipped : lkport_errno(st);
}

static long lkport_ioc_port_write(struct file *file, void *arg)
{
	struct lkport_port_write *pw = arg;
	struct lkport_packet stack[LKPORT_STACK_PACKETS], *pk;
	long ret = lkport_write_check(pw);

	if (ret)
		return ret;
	pk = lkport_packets_get(u64_to_user_ptr(pw->packets), pw->count, stack, &ret);
	if (!pk)
		return ret;
	ret = lkport_write_packets(file->private_data, pw, pk);
	lkport_packets_put(pk, stack);
	return ret;
}

/* write(2): len / LKPORT_PACKET_SIZE packets, the pipe-shaped write. It is
 * a back-pressure write (LKPORT_WRITE_WAIT) that never times out: every
 * ring it goes to gets all of it, or nobody gets any, and it waits for
 * the room. With O_NONBLOCK it does not wait: EAGAIN, nothing written.
 * A reader whose mapped ring is broken is skipped, as by every write. */
static ssize_t lkport_wport_write(struct file *file, const char __user *buf,
				  size_t len, loff_t *ppos)
{
	struct lkport_wport *w = file->private_data;
	struct lkport_packet stack[LKPORT_STACK_PACKETS], *pk;
	unsigned int delivered, skipped;
	size_t count = len / sizeof(*pk);
	long ret;
	int st;

	if (count == 0 || len % sizeof(*pk) || count > w->capacity)
		return -EINVAL;
	pk = lkport_packets_get(buf, count, stack, &ret);
	if (!pk)
		return ret;
	if (file->f_flags & O_NONBLOCK)
		st = lkport_port_write_once(w, pk, count, true, &delivered, &skipped);
	else
		st = lkport_port_write_wait(w, pk, count, LK_DEADLINE_FOREVER,
					    &delivered, &skipped);
	if (st == LK_NO_ERROR || st == LK_ERR_PARTIAL_WRITE)
		ret = len;
	else if (st == LK_ERR_NOT_READY)
		ret = -EAGAIN;
	else
		ret = lkport_errno(st);
	lkport_packets_put(pk, stack);
	return ret;
}

/* Closing and destroying end the port for every writer and reader, and
 * destroying frees its name for anyone to take: as unlinking a POSIX
 * message queue (or a file in a sticky directory), that is for the port's
 * owner, the uid that created it, or a caller with CAP_DAC_OVERRIDE in the
 * initial user namespace, which passes every other permission check here
 * too. Write permission, or holding a writer fd, is not enough. */
static bool lkport_may_end_port(const struct lkport_wport *w)
{
	return uid_eq(current_fsuid(), w->obj.uid) || lkport_dac_override();
}

static long lkport_ioc_port_close(struct file *file, void *arg)
{
	struct lkport_wport *w = file->private_data;
	long ret = 0;

	if (!lkport_may_end_port(w))
		return -EPERM;
	/* A write waiting for room (LKPORT_WRITE_WAIT) holds w->lock for
	 * reading while it sleeps: the core's close comes first, wakes it
	 * (its write fails, EBADF) and refuses every later write; then
	 * w->lock is free to record the close. lkport_objects_lock keeps
	 * w->port and w->closed as they are meanwhile: destroy and the last
	 * writer's put change them under it too. */
	mutex_lock(&lkport_objects_lock);
	if (!w->port || w->closed) {
		ret = -EBADF;	/* LK: closing a closed write port */
	} else {
		ret = lkport_errno(lk_write_port_close(w->port));
		if (!ret) {
			down_write(&w->lock);
			w->closed = true;
			up_write(&w->lock);
		}
	}
	mutex_unlock(&lkport_objects_lock);
	if (!ret)
		wake_up_interruptible_poll(&w->poll.wq, EPOLLHUP);
	return ret;
}

static long lkport_ioc_port_destroy(struct file *file, void *arg)
{
	struct lkport_wport *w = file->private_data;
	lk_write_port_t port;
	long ret;

	if (!lkport_may_end_port(w))
		return -EPERM;
	/* Under lkport_objects_lock: LKPORT_PORT_SHARE may be looking this
	 * core port up by name right now. */
	mutex_lock(&lkport_objects_lock);
	/* Before w->lock: on an open port a write may be waiting for room
	 * with w->lock held for reading (only close wakes it). */
	if (!w->port || !w->closed) {
		mutex_unlock(&lkport_objects_lock);
		return -EBADF;	/* LK: destroy only a closed write port */
	}
	port = w->port;
	down_write(&w->lock);
	WRITE_ONCE(w->port, NULL);
	if (READ_ONCE(w->irq_users))
		synchronize_rcu();	/* lkport_wport_irq_write() */
	ret = lkport_errno(lk_write_port_destroy(port));
	if (ret)
		WRITE_ONCE(w->port, port);
	up_write(&w->lock);
	mutex_unlock(&lkport_objects_lock);
	if (!ret)
		wake_up_interruptible_poll(&w->poll.wq, EPOLLHUP);
	return ret;
}

static long lkport_ioc_wport_info(struct file *file, void *arg)
{
	struct lkport_wport *w = file->private_data;
	struct lkport_info *info = arg;
	lk_port_info_t pi;

	lkport_object_info(&w->obj, info);
	info->flags = w->mode;
	info->capacity = w->capacity;
	info->id = w->id;
	down_read(&w->lock);
	if (!w->port) {
		info->state = LKPORT_STATE_CLOSED | LKPORT_STATE_DESTROYED;
	} else if (!lk_write_port_info(w->port, &pi)) {
		info->state = pi.closed ? LKPORT_STATE_CLOSED : 0;
		info->queued = pi.queued;
		info->waiters = pi.waiters;	/* writers waiting for room */
	}
	up_read(&w->lock);
	return 0;
}

/* Core observer: a poller that found no room may find some now. Port
 * lock held, any context. */
static void lkport_wport_notify(void *ctx)
{
	struct lkport_wport *w = ctx;

	lkport_poll_notify(&w->poll);
}

static __poll_t lkport_wport_poll(struct file *file, poll_table *pt)
{
	struct lkport_wport *w = file->private_data;
	__poll_t mask;

	/* Hung up once any of its writers closed it. Writable while a
	 * back-pressure write of one packet would not wait: every ring it
	 * goes to has room for one. A poller that finds none is woken by
	 * lkport_wport_notify, through the core, when room is made: it joined
	 * the queue before the core's look at the rings, under their lock. */
	poll_wait(file, &w->poll.wq, pt);
	down_read(&w->lock);
	if (!w->port || w->closed)
		mask = EPOLLHUP;
	else
		mask = lk_write_port_writable(w->port) ? EPOLLOUT | EPOLLWRNORM : 0;
	up_read(&w->lock);
	return mask;
}

/* Zero-syscall send: the port's write ring, mapped (uapi: struct
 * lkport_wring), made at the first mmap of any of its fds and charged
 * then, for the port's life. The vma holds the file, so the ring's
 * memory, freed with the last fd, outlives every mapping of it; the
 * core port lets go of it at destroy. */
static int lkport_wport_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct lkport_wport *w = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	size_t pages = PAGE_ALIGN(LKPORT_RING_BYTES(w->capacity));
	lk_port_source_t source;
	int ret;

	if (vma->vm_pgoff)
		return -EINVAL;
	/* A private copy would never reach the kernel. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (size > pages)
		return -EINVAL;

	mutex_lock(&w->map_lock);
	down_read(&w->lock);
	ret = w->port && !w->closed ? 0 : -EBADF;
	up_read(&w->lock);
	if (ret || w->source)
		goto map;
	ret = lkport_object_charge_more(&w->obj, pages);
	if (ret)
		goto out;
	down_read(&w->lock);
	ret = w->port ? lkport_errno(lk_write_port_map(w->port, &source)) : -EBADF;
	up_read(&w->lock);
	if (!ret && WARN_ON_ONCE(lk_port_source_bytes(w->capacity) != LKPORT_RING_BYTES(w->capacity)))
		ret = -EIO;	/* cannot happen: the layouts are checked above */
	if (ret) {
		lkport_object_uncharge_more(&w->obj, pages);
		goto out;
	}
	w->source = source;
map:
	/* Sets VM_DONTEXPAND (no mremap growing it) and VM_DONTDUMP. */
	if (!ret)
		ret = remap_vmalloc_range(vma, lk_port_source_shared(w->source), 0);
out:
	mutex_unlock(&w->map_lock);
	return ret;
}

/* The kick and the wait of the mapped write ring: the free slots, or an
 * errno (ENOENT: never mapped). w->lock keeps the core port alive; a close
 * wakes a waiter as it wakes a back-pressure write. */
static long lkport_wring_call(struct file *file, u64 deadline, bool wait)
{
	struct lkport_wport *w = file->private_data;
	unsigned int room = 0;
	int st;

	down_read(&w->lock);
	if (!w->port)
		st = LK_ERR_BAD_HANDLE;
	else if (wait)
		st = lk_write_port_wait_source(w->port, deadline, 1, &room);
	else
		st = lk_write_port_kick(w->port, &room);
	up_read(&w->lock);
	return st ? lkport_errno(st) : room;
}

static long lkport_ioc_wring_kick(struct file *file, void *arg)
{
	return lkport_wring_call(file, 0, false);
}

static long lkport_ioc_wring_wait(struct file *file, void *arg)
{
	struct lkport_wait *wt = arg;

	if (wt->flags || wt->reserved)
		return -EINVAL;
	return lkport_wring_call(file, lkport_deadline(wt->deadline_ns), true);
}

/* Port fds are always opened O_RDWR: no command needs an access check. */
static const struct lkport_ioctl_desc lkport_wport_ioctls[] = {
	LKPORT_IOCTL(LKPORT_IOC_INFO, LKPORT_IOCTL_ANY, lkport_ioc_wport_info),
	LKPORT_IOCTL(LKPORT_IOC_PORT_WRITE, LKPORT_IOCTL_ANY, lkport_ioc_port_write),
	LKPORT_IOCTL(LKPORT_IOC_PORT_CLOSE, LKPORT_IOCTL_ANY, lkport_ioc_port_close),
	LKPORT_IOCTL(LKPORT_IOC_PORT_DESTROY, LKPORT_IOCTL_ANY, lkport_ioc_port_destroy),
	LKPORT_IOCTL(LKPORT_IOC_WRING_KICK, LKPORT_IOCTL_ANY, lkport_ioc_wring_kick),
	LKPORT_IOCTL(LKPORT_IOC_WRING_WAIT, LKPORT_IOCTL_ANY, lkport_ioc_wring_wait),
};

static const struct lkport_fd_kind lkport_wport_kind = {
	.fops = {
		.owner = THIS_MODULE,
		.release = lkport_wport_release,
		.write = lkport_wport_write,
		.poll = lkport_wport_poll,
		.mmap = lkport_wport_mmap,
		LKPORT_FD_IOCTL_OPS,
	},
	LKPORT_FD_IOCTLS(lkport_wport_ioctls),
};

/* ---- interrupt delivery (irq.c) ------------------------------------------------ */

struct lkport_wport *lkport_wport_of(struct file *file)
{
	return file->f_op == &lkport_wport_kind.fops ? file->private_data : NULL;
}

int lkport_wport_irq_attach(struct lkport_wport *w, u64 *id)
{
	lk_port_info_t pi;
	int ret = 0;

	down_read(&w->lock);
	/* A close ends the core port before it sets w->closed. */
	if (!w->port || w->closed || lk_write_port_info(w->port, &pi) || pi.closed)
		ret = -EPIPE;
	else
		WRITE_ONCE(w->irq_users, true);
	*id = w->id;
	up_read(&w->lock);
	return ret;
}

int lkport_wport_irq_write(struct lkport_wport *w, const void *packet)
{
	lk_write_port_t port;
	unsigned int delivered = 0, skipped = 0;
	int st;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "irq delivery outside RCU");
	port = READ_ONCE(w->port);
	if (!port)
		return -EPIPE;
	st = lk_write_port_write(port, packet, 1, &delivered, &skipped);
	if (st && st != LK_ERR_PARTIAL_WRITE)
		return -EPIPE;
	return delivered ? 1 : 0;
}

/* LKPORT_PORT_SHARE or _EXISTING on a name in use: another writer of it.
 * lkport_objects_lock held; takes a reference on success. */
static int share_locked(lk_write_port_t existing, bool override, struct lkport_wport **out)
{
	struct lkport_wport *w = lk_write_port_user(existing);

	if (!w)
		return -EEXIST;	/* a port of another kernel user */
	if (!lkport_may_open(&w->obj, MAY_WRITE, override))
		return -EACCES;
	kref_get(&w->ref);
	*out = w;
	return 0;
}

/* LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED: an open port is joined as by
 * share_locked; a closed one is its owner's, who alone may destroy it
 * (lkport_may_end_port), and whose new fd can do nothing else: writes
 * fail with EBADF as on every writer fd of a closed port. Its
 * reference keeps the port (and its name) until the fd is closed, as any
 * writer's. lkport_objects_lock held (taken before w->lock, as
 * LKPORT_IOC_PORT_DESTROY takes them, which holds it to clear w->port). */
static int join_closed_locked(lk_write_port_t existing, bool override,
			      struct lkport_wport **out)
{
	struct lkport_wport *w = lk_write_port_user(existing);
	bool closed;

	lockdep_assert_held(&lkport_objects_lock);
	if (!w)
		return -EBUSY;	/* another kernel user's: not ours to end */
	down_read(&w->lock);
	closed = w->closed;
	up_read(&w->lock);
	if (!closed)
		return share_locked(existing, override, out);
	if (!lkport_may_end_port(w))
		return -EPERM;
	kref_get(&w->ref);
	*out = w;
	return 0;
}

static int new_wport_fd(struct lkport_wport *w, u32 fd_flags)
{
	int fd = lkport_new_fd("lkport-wport", &lkport_wport_kind.fops, w, O_RDWR, fd_flags);

	if (fd < 0)
		kref_put_mutex(&w->ref, lkport_wport_free, &lkport_objects_lock);
	return fd;
}

/* Another writer of the open port of that name (ENOENT if none; EBUSY
 * if closed), or with `closed`, of a closed one for its owner. */
static long lkport_port_join(const char *name, u32 fd_flags, bool override, bool closed)
{
	struct lkport_wport *w = NULL;
	lk_write_port_t port;
	int ret, st;

	mutex_lock(&lkport_objects_lock);
	if (closed) {
		st = lk_write_port_find_named_ns(name, lkport_ns_key(), &port);
		ret = st ? lkport_errno(st) : join_closed_locked(port, override, &w);
	} else {
		st = lk_write_port_find_ns(name, lkport_ns_key(), &port);
		ret = st ? lkport_errno(st) : share_locked(port, override, &w);
	}
	mutex_unlock(&lkport_objects_lock);
	return ret ?: new_wport_fd(w, fd_flags);
}

long lkport_port_create(struct file *dev, void *arg)
{
	struct lkport_port_create *c = arg;
	bool override = lkport_dac_override();
	unsigned int capacity = c->capacity;
	struct lkport_wport *w, *shared = NULL;
	lk_write_port_t port = NULL;
	int ret, st;

	if (c->mode & ~(LKPORT_PORT_UNICAST | LKPORT_PORT_BIG_BUFFER))
		return -EINVAL;
	if (c->flags & ~(LKPORT_PORT_SHARE | LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED))
		return -EINVAL;
	/* A closed port is never created, only found. */
	if ((c->flags & LKPORT_PORT_CLOSED) && !(c->flags & LKPORT_PORT_EXISTING))
		return -EINVAL;
	if (c->reserved || c->reserved2[0] || c->reserved2[1])
		return -EINVAL;
	ret = lkport_name_check(c->name) ?: lkport_check_fd_flags(c->fd_flags);
	if (ret)
		return ret;
	if (c->flags & LKPORT_PORT_EXISTING) {
		/* Only another writer: nothing about a new port applies. */
		if (c->mode || c->capacity || c->perm)
			return -EINVAL;
		return lkport_port_join(c->name, c->fd_flags, override,
					c->flags & LKPORT_PORT_CLOSED);
	}
	if (c->flags & LKPORT_PORT_SHARE) {
		/* Join a port that exists without charging for a new one; a
		 * create that races in between is joined below instead. */
		ret = lkport_port_join(c->name, c->fd_flags, override, false);
		if (ret != -ENOENT)
			return ret;
	}
	if (capacity == 0)
		capacity = (c->mode & LKPORT_PORT_BIG_BUFFER) ? 64 : 8;
	if (!is_power_of_2(capacity) || capacity > LKPORT_CAPACITY_MAX)
		return -EINVAL;

	w = lkport_fault_alloc(LKPORT_SITE_WPORT, kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT));
	if (!w)
		return -ENOMEM;
	ret = lkport_object_init(&w->obj, LKPORT_WRITE_PORT, c->name, c->perm,
				 ring_bytes(capacity));
	if (ret) {
		kfree(w);
		return ret;
	}
	kref_init(&w->ref);
	mutex_init(&w->write_lock);
	init_rwsem(&w->lock);
	mutex_init(&w->map_lock);
	lkport_poll_init(&w->poll, EPOLLOUT | EPOLLWRNORM);
	w->mode = c->mode;
	w->capacity = capacity;

	mutex_lock(&lkport_objects_lock);
	st = lk_write_port_create_ns(w->obj.name, w->obj.ns.key, c->mode, capacity, w, &port);
	if (st == LK_NO_ERROR) {
		lk_port_info_t pi;

		w->port = port;
		w->id = lk_write_port_info(port, &pi) ? 0 : pi.id;
		lk_write_port_set_notify(port, lkport_wport_notify, w);
		lkport_object_publish_locked(&w->obj);
		ret = 0;
	} else if (st == LK_ERR_ALREADY_EXISTS && (c->flags & LKPORT_PORT_SHARE)) {
		ret = share_locked(port, override, &shared);
	} else {
		ret = lkport_errno(st);
	}
	mutex_unlock(&lkport_objects_lock);

	if (ret || shared) {
		lkport_object_abandon(&w->obj);
		kfree(w);
		if (ret)
			return ret;
		w = shared;
	}
	return new_wport_fd(w, c->fd_flags);
}

/* ---- read ports and groups ------------------------------------------------------ */

/* Core observer: a packet arrived or a writer went. Port lock held, any
 * context (writes may come from hard IRQ). Which of the two it was is not
 * known here, so the key names both: a poller that waits only for the
 * hang-up must be woken by the writer's destroy. */
static void lkport_reader_notify(void *ctx)
{
	struct lkport_reader *r = ctx;

	/* A poller that is not woken here cannot miss the packet: it joined
	 * the queue before lkport_reader_poll took the port lock to look at
	 * the ring, and this runs under that lock after the ring changed. */
	lkport_poll_notify(&r->poll);
}

/* Core question, port lock held, any context: is a poller on r's queue?
 * (epoll keeps its entry there while the fd is in the set; poll(2) while
 * it waits.) Unlocked: a poller that joins after this look arms the ring
 * itself, under the port lock, after it joined. */
static int lkport_reader_polled(void *ctx)
{
	struct lkport_reader *r = ctx;

	/* No barrier needed: see above (the joiner arms after it joined). */
	return waitqueue_active(&r->poll.wq);
}

/* The typed core call for what r is. */
static int lkport_reader_close(struct lkport_reader *r)
{
	return r->group ? lk_port_group_close(r->group) : lk_read_port_close(r->rport);
}

static int lkport_reader_port_info(struct lkport_reader *r, lk_port_info_t *pi)
{
	return r->group ? lk_port_group_info(r->group, pi) : lk_read_port_info(r->rport, pi);
}

static void lkport_reader_destroy(struct lkport_reader *r)
{
	/* Off the listing before the core frees the port: the listing calls
	 * lk_port_info on every listed reader under lkport_objects_lock. */
	lkport_object_unlist(&r->obj);
	/* No ioctl can run on its fd any more, so nobody waits on it; the
	 * core unlinks a read port from its writer and its group, and a
	 * group from its members. */
	WARN_ON(lkport_reader_close(r));
	lkport_poll_stop(&r->poll);
	lkport_object_abandon(&r->obj);
	kfree(r);
}

static int lkport_reader_release(struct inode *inode, struct file *file)
{
	lkport_reader_destroy(file->private_data);
	return 0;
}

/* Where a read of up to max packets puts them before they are copied out,
 * each a struct lkport_result, or a struct lkport_packet with bare: stack
 * (LKPORT_STACK_PACKETS of them) or the heap. Checked and allocated before
 * a packet is taken, so that a bad buffer or a failed allocation takes
 * none. NULL with *err set on failure; lkport_results_put() gives it
 * back. */
static lk_port_result_t *lkport_results_get(void __user *dst, unsigned int max, bool bare,
					    lk_port_result_t *stack, int *err)
{
	size_t each = bare ? sizeof(struct lkport_packet) : sizeof(*stack);
	lk_port_result_t *res = stack;

	if (clear_user(dst, max * each)) {
		*err = -EFAULT;
		return NULL;
	}
	if (max > LKPORT_STACK_PACKETS) {
		res = lkport_fault_alloc(LKPORT_SITE_READ_RESULTS,
					 kmalloc_array(max, sizeof(*res), GFP_KERNEL_ACCOUNT));
		if (!res) {
			*err = -ENOMEM;
			return NULL;
		}
	}
	return res;
}

static void lkport_results_put(lk_port_result_t *res, lk_port_result_t *stack)
{
	if (res != stack)
		kfree(res);
}

/* Up to max packets from a read port or a group into dst (checked by
 * lkport_results_get(), res from it), waiting until the deadline for the
 * first: a struct lkport_result each, or with bare a struct lkport_packet
 * each. A core status; *got is how many were copied out; *err -EFAULT if
 * they could not be. */
static int lkport_reader_take_into(struct lkport_reader *r, u64 deadline, unsigned int max,
				   lk_port_result_t *res, void __user *dst, bool bare,
				   lkos_size *got, int *err)
{
	size_t each = bare ? sizeof(struct lkport_packet) : sizeof(*res);
	lkos_size i, n = 0;
	int st;

	*got = 0;
	*err = 0;
	if (r->group)
		st = lk_port_group_read_many(r->group, deadline, 1, res, max, &n);
	else
		st = lk_read_port_read_many(r->rport, deadline, 1, res, max, &n);
	if (st == LK_NO_ERROR) {
		/* bare: the packets moved down over the ctx before them (each
		 * lands at or below where it was). ctx travels as __u64: the
		 * same layout as the core's void * (checked at the top). */
		if (bare)
			for (i = 0; i < n; i++)
				memmove((u8 *)res + i * each, &res[i].packet, each);
		if (copy_to_user(dst, res, n * each))
			*err = -EFAULT;
		else
			*got = n;
	}
	return st;
}

/* As lkport_reader_take_into(), with its own buffer: -EFAULT or -ENOMEM
 * in *err before a packet is taken. */
static int lkport_reader_take(struct lkport_reader *r, u64 deadline, unsigned int max,
			      void __user *dst, bool bare, lkos_size *got, int *err)
{
	lk_port_result_t stack[LKPORT_STACK_PACKETS], *res;
	int st;

	*got = 0;
	res = lkport_results_get(dst, max, bare, stack, err);
	if (!res)
		return LK_NO_ERROR;
	st = lkport_reader_take_into(r, deadline, max, res, dst, bare, got, err);
	lkport_results_put(res, stack);
	return st;
}

/* A LKPORT_IOC_READ argument that can be read: 0 or -EINVAL. */
static int lkport_read_check(const struct lkport_port_read *pr)
{
	if (pr->flags || pr->reserved)
		return -EINVAL;
	if (pr->max == 0 || pr->max > LKPORT_READ_MAX)
		return -EINVAL;
	return 0;
}

/* The read of a checked LKPORT_IOC_READ argument into res (from
 * lkport_results_get()): 0 with pr->count set, or an errno (a signal:
 * -ERESTARTSYS, as lkport_errno() gives it). */
static long lkport_read_into(struct lkport_reader *r, struct lkport_port_read *pr,
			     lk_port_result_t *res)
{
	lkos_size got;
	int st, err;

	pr->count = 0;	/* an output, whatever it held */
	st = lkport_reader_take_into(r, lkport_deadline(pr->deadline_ns), pr->max, res,
				     u64_to_user_ptr(pr->results), false, &got, &err);
	if (err)
		return err;
	if (st)
		return lkport_errno(st);
	pr->count = got;
	return 0;
}

/* Reads into user memory: READ, and the older PORT_READ and GROUP_READ. */
static long lkport_ioc_read(struct file *file, void *arg)
{
	lk_port_result_t stack[LKPORT_STACK_PACKETS], *res;
	struct lkport_port_read *pr = arg;
	int err = lkport_read_check(pr);
	long ret;

	if (err)
		return err;
	res = lkport_results_get(u64_to_user_ptr(pr->results), pr->max, false, stack, &err);
	if (!res)
		return err;
	ret = lkport_read_into(file->private_data, pr, res);
	lkport_results_put(res, stack);
	return ret;
}

/* The write port behind an fd, with the file held; NULL if it is not one. */
static struct lkport_wport *wport_get(int fd, struct fd *f)
{
	struct lkport_wport *w;

	*f = fdget(fd);
	if (!fd_file(*f))
		return NULL;
	w = lkport_wport_of(fd_file(*f));
	if (!w)
		fdput(*f);
	return w;
}

/*
 * LKPORT_IOC_WRITE_READ: a write to another fd's port, then a read of this
 * one, as the two commands would make them. The argument is the caller's
 * own until the write is tried (the dispatcher copies it out on failure
 * too, LKPORT_IOCTL_OUT), so a refused call changes nothing. Once the
 * packets are written the call cannot be made again: a signal during the
 * read is EINTR, not a restart, and `done` tells the caller.
 */
static long lkport_ioc_write_read(struct file *file, void *arg)
{
	struct lkport_write_read *wr = arg;
	struct lkport_packet stack[LKPORT_STACK_PACKETS], *pk;
	lk_port_result_t rstack[LKPORT_STACK_PACKETS], *res;
	struct lkport_wport *w;
	struct fd f;
	long ret;
	int err;

	ret = lkport_write_check(&wr->write);
	if (!ret)
		ret = lkport_read_check(&wr->read);
	if (ret)
		return ret;
	/* Everything that can fail without a packet moved, first. */
	w = wport_get(wr->fd, &f);
	if (!w)
		return -EBADF;
	pk = lkport_packets_get(u64_to_user_ptr(wr->write.packets), wr->write.count, stack,
				&ret);
	res = pk ? lkport_results_get(u64_to_user_ptr(wr->read.results), wr->read.max, false,
				      rstack, &err) : NULL;
	if (!res) {
		fdput(f);
		if (!pk)
			return ret;
		lkport_packets_put(pk, stack);
		return err;
	}
	wr->done = 0;
	wr->read.count = 0;
	ret = lkport_write_packets(w, &wr->write, pk);
	fdput(f);	/* the writer's file is not held while the read waits */
	if (ret >= 0) {
		wr->done = LKPORT_DONE_FIRST;
		ret = lkport_read_into(file->private_data, &wr->read, res);
		if (ret == -ERESTARTSYS)
			ret = -EINTR;
	}
	lkport_results_put(res, rstack);
	lkport_packets_put(pk, stack);
	return ret;
}

/* read(2) on a read port: up to len / LKPORT_PACKET_SIZE packets (at most
 * LKPORT_READ_MAX), bare, without their ctx; it waits for the first one
 * unless O_NONBLOCK (EAGAIN). 0, end of file, once the writer is gone and
 * the ring is drained (where LKPORT_IOC_READ says ECANCELED). */
static ssize_t lkport_rport_read(struct file *file, char __user *buf, size_t len,
				 loff_t *ppos)
{
	struct lkport_reader *r = file->private_data;
	size_t max = min_t(size_t, len / sizeof(struct lkport_packet), LKPORT_READ_MAX);
	lkos_size got;
	int st, err;

	if (max == 0)
		return -EINVAL;
	st = lkport_reader_take(r, lkport_file_deadline(file), max, buf, true, &got, &err);
	if (err)
		return err;
	switch (st) {
	case LK_NO_ERROR:
		return got * sizeof(struct lkport_packet);
	case LK_ERR_TIMED_OUT:
		return -EAGAIN;
	case LK_ERR_CANCELLED:
		return 0;
	default:
		return lkport_errno(st);
	}
}

static long lkport_ioc_reader_info(struct file *file, void *arg)
{
	struct lkport_reader *r = file->private_data;
	struct lkport_info *info = arg;
	lk_port_info_t pi;

	lkport_object_info(&r->obj, info);
	info->ctx = r->ctx;
	info->flags = r->mode;
	if (!lkport_reader_port_info(r, &pi)) {
		info->capacity = pi.capacity;
		info->queued = pi.queued;
		info->waiters = pi.waiters;
		info->members = pi.members;
		info->id = pi.id;
		info->state = (pi.cancelled ? LKPORT_STATE_CANCELLED : 0) |
			      (pi.grouped ? LKPORT_STATE_GROUPED : 0) |
			      (pi.broken ? LKPORT_STATE_BROKEN : 0);
	}
	return 0;
}

/* EPOLLIN while packets are queued; EPOLLHUP once nothing more can come. */
static __poll_t lkport_reader_poll(struct file *file, poll_table *pt)
{
	struct lkport_reader *r = file->private_data;
	lk_port_info_t pi;

	poll_wait(file, &r->poll.wq, pt);
	/*
	 * The core calls the observer only from the first poll on, so that
	 * writes to an fd nobody polls make no call for it. No wake-up is
	 * lost: the poller is on the queue before the observer is set under
	 * the core's lock, and looks at the port under that lock after. A
	 * write that held the lock before the set is seen by that look; one
	 * that held it after calls the observer, which finds the poller.
	 * Set once for good (epoll keeps its entry on the queue); two first
	 * polls at once set the same observer twice.
	 */
	if (!READ_ONCE(r->polled)) {
		if (r->group)
			lk_port_group_set_notify(r->group, lkport_reader_notify, r);
		else
			lk_read_port_set_poll(r->rport, lkport_reader_notify,
					      lkport_reader_polled, r);
		WRITE_ONCE(r->polled, true);
	}
	/* A poll that will sleep (it is on the queue: poll(2) with a
	 * timeout, or an epoll set) asks the port's mapped write ring for
	 * kicks, as a blocked read does, until it leaves the queue. */
	if (r->rport)
		lk_read_port_poll_arm(r->rport);
	if (lkport_reader_port_info(r, &pi))
		return EPOLLERR;
	/* A broken ring too: the read that follows says EPROTO. */
	if (pi.queued || pi.broken)
		return EPOLLIN | EPOLLRDNORM;
	return pi.cancelled ? EPOLLHUP : 0;
}

/* Zero-syscall receive: the read port's ring, mapped (uapi: struct
 * lkport_ring). The vma holds the file, so the core read port (and the
 * ring's memory) outlives every mapping of it. */
static int lkport_reader_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct lkport_reader *r = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	size_t extra = 0;
	lk_port_info_t pi;
	lkos_size bytes;
	void *ring;
	int ret;

	if (!r->rport)
		return -ENODEV;		/* a group has no ring of its own */
	if (vma->vm_pgoff)
		return -EINVAL;
	/* A private copy would never see another packet. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	ret = lkport_errno(lk_read_port_info(r->rport, &pi));
	if (ret)
		return ret;
	if (size > PAGE_ALIGN(LKPORT_RING_BYTES(pi.capacity)))
		return -EINVAL;

	mutex_lock(&r->map_lock);
	/* Its pages, past what its ring was charged as at open; once. */
	if (!r->map_charged) {
		size_t pages = PAGE_ALIGN(LKPORT_RING_BYTES(pi.capacity));

		extra = pages > ring_bytes(pi.capacity) ? pages - ring_bytes(pi.capacity) : 0;
		ret = lkport_object_charge_more(&r->obj, extra);
		if (ret)
			goto out;
	}
	ret = lkport_errno(lk_read_port_map(r->rport, &ring, &bytes));
	if (ret)
		goto uncharge;
	if (WARN_ON_ONCE(bytes != LKPORT_RING_BYTES(pi.capacity))) {
		ret = -EIO;
		goto uncharge;
	}
	/* Sets VM_DONTEXPAND (no mremap growing it) and VM_DONTDUMP. */
	ret = remap_vmalloc_range(vma, ring, 0);
	if (ret)
		goto uncharge;
	r->map_charged = true;
	goto out;
uncharge:
	/* The ring may stay mapped-to-be in the core (a page at most more
	 * than charged, for this fd's life): only the charge is undone. */
	if (!r->map_charged)
		lkport_object_uncharge_more(&r->obj, extra);
out:
	mutex_unlock(&r->map_lock);
	return ret;
}

static long lkport_ioc_ring_sync(struct file *file, void *arg)
{
	struct lkport_reader *r = file->private_data;

	return lkport_errno(lk_read_port_map_sync(r->rport));
}

static struct lkport_reader *lkport_reader_new(void)
{
	struct lkport_reader *r =
		lkport_fault_alloc(LKPORT_SITE_READER, kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT));

	if (r) {
		lkport_poll_init(&r->poll, EPOLLIN | EPOLLRDNORM | EPOLLHUP);
		mutex_init(&r->map_lock);
	}
	return r;
}

static const struct lkport_ioctl_desc lkport_rport_ioctls[] = {
	LKPORT_IOCTL(LKPORT_IOC_INFO, LKPORT_IOCTL_ANY, lkport_ioc_reader_info),
	LKPORT_IOCTL(LKPORT_IOC_READ, LKPORT_IOCTL_ANY, lkport_ioc_read),
	LKPORT_IOCTL_OUT(LKPORT_IOC_WRITE_READ, LKPORT_IOCTL_ANY, lkport_ioc_write_read),
	LKPORT_IOCTL(LKPORT_IOC_PORT_READ, LKPORT_IOCTL_ANY, lkport_ioc_read),
	LKPORT_IOCTL(LKPORT_IOC_RING_SYNC, LKPORT_IOCTL_ANY, lkport_ioc_ring_sync),
};

static const struct lkport_fd_kind lkport_rport_kind = {
	.fops = {
		.owner = THIS_MODULE,
		.release = lkport_reader_release,
		.read = lkport_rport_read,
		.poll = lkport_reader_poll,
		.mmap = lkport_reader_mmap,
		LKPORT_FD_IOCTL_OPS,
	},
	LKPORT_FD_IOCTLS(lkport_rport_ioctls),
};

struct open_check {
	bool override;
};

/* Under the core's port lock: plain comparisons only. */
static int lkport_rport_allow(void *user, void *arg)
{
	struct lkport_wport *w = user;
	struct open_check *oc = arg;

	if (!w)	/* a port of another kernel user: privileged only */
		return oc->override;
	return lkport_may_open(&w->obj, MAY_READ, oc->override);
}

long lkport_port_open(struct file *dev, void *arg)
{
	struct lkport_port_open *o = arg;
	struct open_check oc = { .override = lkport_dac_override() };
	struct lkport_reader *r;
	lk_port_info_t pi;
	int ret, st, fd;

	if (o->reserved || o->reserved2[0] || o->reserved2[1])
		return -EINVAL;
	ret = lkport_name_check(o->name) ?: lkport_check_fd_flags(o->fd_flags);
	if (ret)
		return ret;

	r = lkport_reader_new();
	if (!r)
		return -ENOMEM;
	r->ctx = o->ctx;
	st = lk_read_port_open_ns(o->name, lkport_ns_key(), (void *)(uintptr_t)o->ctx,
				  lkport_rport_allow, &oc, &r->rport);
	if (st) {
		kfree(r);
		return lkport_call_errno(LKPORT_IOC_PORT_OPEN, st);
	}
	/* The ring's size and the mode are the writer's, known now. */
	WARN_ON(lk_read_port_info(r->rport, &pi));
	r->mode = pi.mode;
	ret = lkport_object_init(&r->obj, LKPORT_READ_PORT, o->name, 0,
				 ring_bytes(pi.capacity));
	if (ret) {
		lk_read_port_close(r->rport);
		kfree(r);
		return ret;
	}
	lkport_object_publish(&r->obj);

	fd = lkport_new_fd("lkport-rport", &lkport_rport_kind.fops, r, O_RDWR, o->fd_flags);
	if (fd < 0)
		lkport_reader_destroy(r);
	return fd;
}

/* The read port behind an fd, with the file held; NULL if it is not one. */
static struct lkport_reader *rport_get(int fd, struct fd *f)
{
	*f = fdget(fd);
	if (!fd_file(*f))
		return NULL;
	if (fd_file(*f)->f_op != &lkport_rport_kind.fops) {
		fdput(*f);
		return NULL;
	}
	return fd_file(*f)->private_data;
}

/* ---- groups ---------------------------------------------------------------------- */

static long lkport_group_member(struct file *file, void *arg, bool add)
{
	struct lkport_reader *g = file->private_data;
	struct lkport_group_member *m = arg;
	struct lkport_reader *r;
	struct fd f;
	long ret;

	if (m->reserved)
		return -EINVAL;
	r = rport_get(m->fd, &f);
	if (!r)
		return -EBADF;
	if (add) {
		/* r is a read port: ERR_BAD_HANDLE says it is in a group
		 * already, and the call's errno for that is declared with the
		 * status list. */
		ret = lkport_call_errno(LKPORT_IOC_GROUP_ADD,
					lk_port_group_add_member(g->group, r->rport));
	} else {
		ret = lkport_errno(lk_port_group_remove_member(g->group, r->rport));
	}
	fdput(f);
	return ret;
}

static long lkport_ioc_group_add(struct file *file, void *arg)
{
	return lkport_group_member(file, arg, true);
}

static long lkport_ioc_group_remove(struct file *file, void *arg)
{
	return lkport_group_member(file, arg, false);
}

static const struct lkport_ioctl_desc lkport_group_ioctls[] = {
	LKPORT_IOCTL(LKPORT_IOC_INFO, LKPORT_IOCTL_ANY, lkport_ioc_reader_info),
	LKPORT_IOCTL(LKPORT_IOC_READ, LKPORT_IOCTL_ANY, lkport_ioc_read),
	LKPORT_IOCTL_OUT(LKPORT_IOC_WRITE_READ, LKPORT_IOCTL_ANY, lkport_ioc_write_read),
	LKPORT_IOCTL(LKPORT_IOC_GROUP_ADD, LKPORT_IOCTL_ANY, lkport_ioc_group_add),
	LKPORT_IOCTL(LKPORT_IOC_GROUP_REMOVE, LKPORT_IOCTL_ANY, lkport_ioc_group_remove),
	LKPORT_IOCTL(LKPORT_IOC_GROUP_READ, LKPORT_IOCTL_ANY, lkport_ioc_read),
};

static const struct lkport_fd_kind lkport_group_kind = {
	.fops = {
		.owner = THIS_MODULE,
		.release = lkport_reader_release,
		.poll = lkport_reader_poll,
		LKPORT_FD_IOCTL_OPS,
	},
	LKPORT_FD_IOCTLS(lkport_group_ioctls),
};

long lkport_group_create(struct file *dev, void *arg)
{
	struct lkport_group_create *c = arg;
	struct lkport_reader *g;
	lk_read_port_t *members = NULL;
	struct fd *files = NULL;
	s32 *fds = NULL;
	unsigned int i, held = 0;
	int ret, st, fd;

	if (c->reserved[0] || c->reserved[1])
		return -EINVAL;
	if (c->count > LKPORT_GROUP_MAX)
		return -E2BIG;
	ret = lkport_check_fd_flags(c->fd_flags);
	if (ret)
		return ret;

	g = lkport_reader_new();
	if (!g)
		return -ENOMEM;
	if (c->count) {
		fds = lkport_fault_alloc(LKPORT_SITE_GROUP_FDS,
					 kmalloc_array(c->count, sizeof(*fds), GFP_KERNEL_ACCOUNT));
		members = lkport_fault_alloc(LKPORT_SITE_GROUP_MEMBERS,
					     kmalloc_array(c->count, sizeof(*members),
							   GFP_KERNEL_ACCOUNT));
		files = lkport_fault_alloc(LKPORT_SITE_GROUP_FILES,
					   kmalloc_array(c->count, sizeof(*files),
							 GFP_KERNEL_ACCOUNT));
		ret = -ENOMEM;
		if (!fds || !members || !files)
			goto out;
		ret = -EFAULT;
		if (copy_from_user(fds, u64_to_user_ptr(c->fds), c->count * sizeof(*fds)))
			goto out;
		for (held = 0; held < c->count; held++) {
			struct lkport_reader *r = rport_get(fds[held], &files[held]);

			ret = -EBADF;
			if (!r)
				goto out;
			members[held] = r->rport;
		}
	}
	ret = lkport_object_init(&g->obj, LKPORT_GROUP, NULL, 0, 0);
	if (ret)
		goto out;
	/* ERR_BAD_HANDLE: a member already in a group, or listed twice. */
	st = lk_port_group_new(members, c->count, &g->group);
	if (st) {
		lkport_object_abandon(&g->obj);
		ret = lkport_call_errno(LKPORT_IOC_GROUP_CREATE, st);
		goto out;
	}
	lkport_object_publish(&g->obj);
	ret = 0;
out:
	for (i = 0; i < held; i++)
		fdput(files[i]);
	kfree(files);
	kfree(members);
	kfree(fds);
	if (ret) {
		kfree(g);
		return ret;
	}
	fd = lkport_new_fd("lkport-group", &lkport_group_kind.fops, g, O_RDWR, c->fd_flags);
	if (fd < 0)
		lkport_reader_destroy(g);
	return fd;
}

/* ---- listing ------------------------------------------------------------------- */

void lkport_port_show(struct seq_file *m, struct lkport_object *obj)
{
	lk_port_info_t pi;

	switch (obj->kind) {
	case LKPORT_WRITE_PORT: {
		struct lkport_wport *w = container_of(obj, struct lkport_wport, obj);

		/* The id outlives the core port: the listing names the
		 * objects tracepoints number, destroyed ones too. */
		seq_printf(m, " id=%llu", (unsigned long long)w->id);
		if (!down_read_trylock(&w->lock))
			return;
		if (!w->port) {
			seq_puts(m, " state=destroyed");
		} else if (!lk_write_port_info(w->port, &pi)) {
			seq_printf(m, " mode=%s%s capacity=%u queued=%u state=%s writers=%u",
				   w->mode & LKPORT_PORT_UNICAST ? "unicast" : "broadcast",
				   w->mode & LKPORT_PORT_BIG_BUFFER ? "+big" : "",
				   w->capacity, pi.queued, pi.closed ? "closed" : "open",
				   kref_read(&w->ref));
		}
		up_read(&w->lock);
		return;
	}
	case LKPORT_READ_PORT:
	case LKPORT_GROUP:
		if (lkport_reader_port_info(container_of(obj, struct lkport_reader, obj), &pi))
			return;
		break;
	default:
		return;
	}
	seq_printf(m, " id=%llu", (unsigned long long)pi.id);
	if (obj->kind == LKPORT_GROUP)
		seq_printf(m, " members=%u waiters=%u", pi.members, pi.waiters);
	else
		seq_printf(m, " capacity=%u queued=%u waiters=%u%s%s", pi.capacity,
			   pi.queued, pi.waiters, pi.cancelled ? " cancelled" : "",
			   pi.grouped ? " grouped" : "");
}
