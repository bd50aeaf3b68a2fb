// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt sources: PCI devices bound to the "lkport" PCI driver and
 * virtual interrupts, each an fd, delivering timestamped records to that
 * fd, a write port or an event (uapi/linux/lkport.h says what user space
 * sees).
 *
 * The hard-IRQ path, the same for every source:
 *
 *   lkport_irq_line()       request_irq handler, IRQF_NO_THREAD: a hard-IRQ
 *                           handler on PREEMPT_RT too, so its stamp is
 *                           the interrupt's, not a thread's wake-up
 *     ktime_get_ns()        first thing: CLOCK_MONOTONIC
 *     is it ours?           edu: interrupt status, then ack; INTx: DisINTx
 *                           check-and-mask; MSI: always
 *     lkport_irq_dispatch() the stamp into this CPU's lkport_irq_now (IRQs
 *                           are off: nothing else runs here until it is
 *                           used), then lk_handler_handle(slot): the
 *                           module's lock-free HandlerTable
 *       lkport_irq_fire()   record state under src->lock, a raw spinlock
 *                           (legal in hard IRQ on RT), tracepoint, and
 *                           when a record opens, delivery
 *
 *   Virtual sources: TRIGGER counts the raise and queues a hard irq_work
 *   (IRQ_WORK_HARD_IRQ: hard-IRQ context on RT too), whose callback stamps
 *   and dispatches every raise counted so far.
 *
 *   Delivery (port write, event signal, poll wake-up) takes spinlock_t
 *   locks: from the handler itself on a kernel without PREEMPT_RT, where
 *   those are any-context; on RT, where they sleep, from an irq_work that
 *   RT runs in its per-CPU irq_work thread. The record's stamp is the hard
 *   IRQ's either way.
 *
 * Locking, outermost first:
 *   lkport_irq_lock (mutex)  the bound PCI devices, which source each has,
 *                            every source's creation and teardown
 *   src->bind_lock (mutex)   src->target changes
 *   src->lock (raw)          records and counters; nothing is taken under
 *                            it, and it is never held across delivery
 * Delivery reads src->target inside an RCU read-side section; a target is
 * freed (its file put) after a grace period.
 *
 * Teardown (fd release or the device going, whichever is first; the other
 * finds it done): stop the device raising (INTx: DisINTx), free_irq (waits
 * for a running handler), irq_work_sync, unregister from the HandlerTable
 * (waits for a grace period), free the vectors, then mark the source gone
 * and wake its waiters (ENODEV, EPOLLHUP | EPOLLERR).
 */
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <lk/interrupts.h>

#include "fault.h"
#include "ioctl.h"
#include "glue.h"
#include "trace.h"

#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX PCI_IRQ_LEGACY	/* before 6.10 */
#endif

/* QEMU's edu device (docs/specs/edu.rst in QEMU). */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_ID			0x00	/* 0x010000ed */
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64

#define EDU_TRIGGER_TIMEOUT_MS	1000

struct lkport_pci;

struct lkport_irq_rec {
	u64 ts;
	u64 seq;
	u32 count;
};

struct lkport_irq_target {
	struct file *file;		/* reference: keeps the object alive */
	u32 kind;			/* LKPORT_KIND_WRITE_PORT or _EVENT */
	u64 id;
	struct lkport_wport *wport;
	struct lkport_event *event;
};

struct lkport_irq {
	struct lkport_object obj;
	struct list_head node;		/* lkport_irq_sources, lkport_irq_lock */
	u32 id;
	u32 source, mode, flags;
	char device[LKPORT_NAME_LEN];
	char irq_name[LKPORT_NAME_LEN + 8];	/* /proc/interrupts */

	/* Set before the handler can run, unchanged until it can no
	 * longer: what lkport_irq_line() uses. */
	int slot;			/* HandlerTable slot, or -1 */
	lk_handler_t handler;
	int linux_irq;			/* 0: none requested */
	struct pci_dev *pdev;
	void __iomem *bar;		/* edu's BAR0, or NULL */

	struct lkport_pci *pci;		/* lkport_irq_lock; NULL once detached */
	bool detached;			/* lkport_irq_lock */

	raw_spinlock_t lock;
	u32 state;			/* LKPORT_IRQ_STATE_*, under lock */
	bool delivering;		/* a delivery holds cur, under lock */
	bool unread;			/* cur taken by delivery, not by the fd */
	struct lkport_irq_rec cur;	/* open or taken record, under lock */
	struct lkport_irq_rec next;	/* while taken: interrupts since */
	u64 seq, raised, delivered, coalesced, acked, spurious, refused;
	u64 max_unacked_ns;

	struct mutex bind_lock;
	struct lkport_irq_target __rcu *target;
	wait_queue_head_t wq;		/* fd readers and pollers */

	atomic_t virt_pending;		/* virtual raises not yet dispatched */
	struct irq_work virt_work;	/* hard: dispatches them */
	struct irq_work deliver_work;	/* PREEMPT_RT: delivery */
};

/* A PCI device bound to the lkport driver. */
struct lkport_pci {
	struct list_head node;		/* lkport_pci_devs */
	struct pci_dev *pdev;
	void __iomem *bar;		/* edu only */
	bool edu;
	struct lkport_irq *src;		/* its source, lkport_irq_lock */
};

static DEFINE_MUTEX(lkport_irq_lock);
static LIST_HEAD(lkport_pci_devs);	/* lkport_irq_lock */
static LIST_HEAD(lkport_irq_sources);	/* lkport_irq_lock */
static atomic_t lkport_irq_next_id = ATOMIC_INIT(0);

/* The interrupt being dispatched on this CPU: written and read with IRQs
 * off in one hard-IRQ handler, so nothing else on this CPU touches it in
 * between. */
struct lkport_irq_stamp {
	u64 ts;
	u32 count;
	bool masked;
};
static DEFINE_PER_CPU(struct lkport_irq_stamp, lkport_irq_now);

/* ---- records ------------------------------------------------------------------- */

static void lkport_irq_deliver(struct lkport_irq *src);

static void lkport_irq_kick(struct lkport_irq *src)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		irq_work_queue(&src->deliver_work);
	else
		lkport_irq_deliver(src);
}

static void lkport_irq_deliver_work(struct irq_work *work)
{
	lkport_irq_deliver(container_of(work, struct lkport_irq, deliver_work));
}

static void lkport_irq_wake(struct lkport_irq *src)
{
	if (wq_has_sleeper(&src->wq))
		wake_up_interruptible_poll(&src->wq, EPOLLIN | EPOLLRDNORM);
}

/* The HandlerTable's handler: hard IRQ (or the virtual source's hard
 * irq_work), with this CPU's lkport_irq_now filled in. */
static void lkport_irq_fire(void *ctx)
{
	struct lkport_irq *src = ctx;
	struct lkport_irq_stamp *now = this_cpu_ptr(&lkport_irq_now);
	u64 first;
	bool open = false, retry = false;
	unsigned long flags;

	raw_spin_lock_irqsave(&src->lock, flags);
	first = src->seq + 1;
	src->seq += now->count;
	src->raised += now->count;
	if (now->masked)
		src->state |= LKPORT_IRQ_STATE_MASKED;
	if (src->state & LKPORT_IRQ_STATE_TAKEN) {
		if (!src->next.count) {
			src->next.ts = now->ts;
			src->next.seq = first;
		}
		src->next.count += now->count;
	} else if (src->state & LKPORT_IRQ_STATE_OPEN) {
		src->cur.count += now->count;
		retry = true;	/* a full port may take it now */
	} else {
		src->cur.ts = now->ts;
		src->cur.seq = first;
		src->cur.count = now->count;
		src->state |= LKPORT_IRQ_STATE_OPEN;
		open = true;
	}
	raw_spin_unlock_irqrestore(&src->lock, flags);

	trace_lkport_irq(src->id, first, now->ts, now->count);
	if (open || (retry && rcu_access_pointer(src->target)))
		lkport_irq_kick(src);
}

/* Ack the taken record; src->lock held. Returns whether a next record
 * opened (to be delivered) and, in *unmask, whether INTx is to be
 * unmasked. */
static bool lkport_irq_ack_locked(struct lkport_irq *src, bool *unmask)
{
	u64 unacked = ktime_get_ns() - src->cur.ts;

	lockdep_assert_held(&src->lock);
	src->acked++;
	if (unacked > src->max_unacked_ns)
		src->max_unacked_ns = unacked;
	src->state &= ~LKPORT_IRQ_STATE_TAKEN;
	src->unread = false;
	*unmask = src->state & LKPORT_IRQ_STATE_MASKED;
	src->state &= ~LKPORT_IRQ_STATE_MASKED;
	if (!src->next.count)
		return false;
	src->cur = src->next;
	src->next.count = 0;
	src->state |= LKPORT_IRQ_STATE_OPEN;
	return true;
}

/* The open record becomes taken; src->lock held. */
static void lkport_irq_take_locked(struct lkport_irq *src, struct lkport_irq_rec *rec)
{
	lockdep_assert_held(&src->lock);
	*rec = src->cur;
	src->state &= ~LKPORT_IRQ_STATE_OPEN;
	src->state |= LKPORT_IRQ_STATE_TAKEN;
	src->delivered++;
	src->coalesced += rec->count - 1;
}

static void lkport_irq_dispatch(struct lkport_irq *src, u64 ts, u32 count, bool masked);

/* After the ack of a masked INTx line. pci_check_and_unmask_intx() leaves
 * a line the device still asserts masked (unmasked, a level interrupt
 * would not come again on every interrupt controller): that is one more
 * interrupt, dispatched here as the handler would, stamped now, and the
 * line stays masked until its ack. */
static void lkport_irq_unmask(struct lkport_irq *src)
{
	unsigned long flags;

	if (!src->pdev || src->bar || src->mode != LKPORT_IRQ_MODE_INTX)
		return;
	if (pci_check_and_unmask_intx(src->pdev))
		return;
	local_irq_save(flags);
	lkport_irq_dispatch(src, ktime_get_ns(), 1, true);
	local_irq_restore(flags);
}

/* Offers the open record to the bound target. Any context without
 * PREEMPT_RT; the irq_work thread with it; thread context after an ack. */
static void lkport_irq_deliver(struct lkport_irq *src)
{
	struct lkport_irq_target *t;
	struct lkport_irq_packet pk;
	struct lkport_irq_rec rec;
	unsigned long flags;
	bool again = false, unmask = false;
	int ret;

	rcu_read_lock();
	t = rcu_dereference(src->target);
	if (!t)
		goto out;
	raw_spin_lock_irqsave(&src->lock, flags);
	if (!(src->state & LKPORT_IRQ_STATE_OPEN) || src->delivering) {
		raw_spin_unlock_irqrestore(&src->lock, flags);
		goto out;
	}
	/* Taken while it is offered: interrupts meanwhile gather in next. */
	rec = src->cur;
	src->state &= ~LKPORT_IRQ_STATE_OPEN;
	src->state |= LKPORT_IRQ_STATE_TAKEN;
	src->delivering = true;
	raw_spin_unlock_irqrestore(&src->lock, flags);

	if (t->wport) {
		pk.timestamp_ns = rec.ts;
		pk.seq = (u32)rec.seq;
		pk.count = rec.count;
		ret = lkport_wport_irq_write(t->wport, &pk);
	} else {
		lkport_event_irq_signal(t->event);
		ret = 1;
	}

	raw_spin_lock_irqsave(&src->lock, flags);
	src->delivering = false;
	if (ret > 0) {
		src->delivered++;
		src->coalesced += rec.count - 1;
		src->unread = true;
		if (src->flags & LKPORT_IRQ_AUTO_ACK)
			again = lkport_irq_ack_locked(src, &unmask);
	} else {
		/* Refused: open again, with what came meanwhile. */
		src->refused++;
		src->state &= ~LKPORT_IRQ_STATE_TAKEN;
		src->state |= LKPORT_IRQ_STATE_OPEN;
		src->cur.count += src->next.count;
		src->next.count = 0;
	}
	raw_spin_unlock_irqrestore(&src->lock, flags);
	if (unmask)
		lkport_irq_unmask(src);
out:
	rcu_read_unlock();
	lkport_irq_wake(src);
	if (again)
		lkport_irq_kick(src);
}

/* Hard IRQ. */
static void lkport_irq_dispatch(struct lkport_irq *src, u64 ts, u32 count, bool masked)
{
	struct lkport_irq_stamp *now = this_cpu_ptr(&lkport_irq_now);

	now->ts = ts;
	now->count = count;
	now->masked = masked;
	lk_handler_handle(src->slot);
}

static irqreturn_t lkport_irq_line(int irq, void *dev_id)
{
	struct lkport_irq *src = dev_id;
	u64 ts = ktime_get_ns();
	bool masked = false;
	unsigned long flags;

	if (src->bar) {
		u32 status = ioread32(src->bar + EDU_IRQ_STATUS);

		if (!status)
			goto not_ours;
		iowrite32(status, src->bar + EDU_IRQ_ACK);
	} else if (src->mode == LKPORT_IRQ_MODE_INTX) {
		if (!pci_check_and_mask_intx(src->pdev))
			goto not_ours;
		masked = true;
	}
	lkport_irq_dispatch(src, ts, 1, masked);
	return IRQ_HANDLED;

not_ours:
	raw_spin_lock_irqsave(&src->lock, flags);
	src->spurious++;
	raw_spin_unlock_irqrestore(&src->lock, flags);
	return IRQ_NONE;
}

static void lkport_irq_virt_work(struct irq_work *work)
{
	struct lkport_irq *src = container_of(work, struct lkport_irq, virt_work);
	u64 ts = ktime_get_ns();
	int n = atomic_xchg(&src->virt_pending, 0);

	if (n > 0)
		lkport_irq_dispatch(src, ts, n, false);
}

/* ---- teardown ------------------------------------------------------------------ */

/* lkport_irq_lock held; sleeps. Stops the source for good. */
static void lkport_irq_detach_locked(struct lkport_irq *src)
{
	struct pci_dev *pdev = src->pdev;
	unsigned long flags;

	lockdep_assert_held(&lkport_irq_lock);
	if (src->detached)
		return;
	src->detached = true;
	if (pdev && !src->bar && src->mode == LKPORT_IRQ_MODE_INTX)
		pci_intx(pdev, 0);	/* the device stops asserting the line */
	if (src->linux_irq)
		free_irq(src->linux_irq, src);
	src->linux_irq = 0;
	irq_work_sync(&src->virt_work);
	if (src->slot >= 0)
		lk_handler_unregister(src->slot);
	src->slot = -1;
	irq_work_sync(&src->deliver_work);
	if (pdev) {
		if (src->mode == LKPORT_IRQ_MODE_MSI)
			pci_clear_master(pdev);
		else if (!src->bar)
			pci_intx(pdev, 1);	/* as it was before the source */
		pci_free_irq_vectors(pdev);
	}
	if (src->pci)
		src->pci->src = NULL;
	src->pci = NULL;
	raw_spin_lock_irqsave(&src->lock, flags);
	src->state |= LKPORT_IRQ_STATE_GONE;
	raw_spin_unlock_irqrestore(&src->lock, flags);
	wake_up_interruptible_all(&src->wq);
}

static void lkport_irq_target_put(struct lkport_irq_target *t)
{
	if (t) {
		fput(t->file);
		kfree(t);
	}
}

static void lkport_irq_destroy(struct lkport_irq *src)
{
	mutex_lock(&lkport_irq_lock);
	lkport_irq_detach_locked(src);
	list_del(&src->node);
	mutex_unlock(&lkport_irq_lock);
	/* Out of the objects listing first: lkport_irq_show() reads the
	 * target, which the put below frees without waiting for RCU. */
	lkport_object_unlist(&src->obj);
	/* Nothing delivers any more: no handler, no irq_work. */
	lkport_irq_target_put(rcu_dereference_protected(src->target, true));
	lkport_object_abandon(&src->obj);
	kfree(src);
}

static int lkport_irq_release(struct inode *inode, struct file *file)
{
	lkport_irq_destroy(file->private_data);
	return 0;
}

/* ---- fd operations ------------------------------------------------------------- */

/* Takes a record for the fd: 1 taken, 0 none, -ENODEV gone. */
static int lkport_irq_take(struct lkport_irq *src, struct lkport_irq_record *out)
{
	struct lkport_irq_rec rec;
	unsigned long flags;
	bool again = false, unmask = false;
	int ret = 0;

	raw_spin_lock_irqsave(&src->lock, flags);
	if ((src->state & LKPORT_IRQ_STATE_OPEN) && !src->delivering) {
		lkport_irq_take_locked(src, &rec);
		ret = 1;
	} else if ((src->state & LKPORT_IRQ_STATE_TAKEN) && src->unread) {
		rec = src->cur;
		src->unread = false;
		ret = 1;
	} else if (src->state & LKPORT_IRQ_STATE_GONE) {
		ret = -ENODEV;
	}
	if (ret > 0 && (src->flags & LKPORT_IRQ_AUTO_ACK) &&
	    (src->state & LKPORT_IRQ_STATE_TAKEN))
		again = lkport_irq_ack_locked(src, &unmask);
	raw_spin_unlock_irqrestore(&src->lock, flags);
	if (ret > 0) {
		memset(out, 0, sizeof(*out));
		out->timestamp_ns = rec.ts;
		out->seq = rec.seq;
		out->count = rec.count;
		out->source_id = src->id;
	}
	if (unmask)
		lkport_irq_unmask(src);
	if (again)
		lkport_irq_kick(src);
	return ret;
}

static int lkport_irq_wait(struct lkport_irq *src, u64 deadline,
			   struct lkport_irq_record *out)
{
	DEFINE_WAIT(wait);
	ktime_t until;
	int ret;

	for (;;) {
		prepare_to_wait(&src->wq, &wait, TASK_INTERRUPTIBLE);
		ret = lkport_irq_take(src, out);
		if (ret)
			break;
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (deadline == LK_DEADLINE_FOREVER) {
			schedule();
			continue;
		}
		if (ktime_get_ns() >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		until = ns_to_ktime(deadline);
		schedule_hrtimeout(&until, HRTIMER_MODE_ABS);
	}
	finish_wait(&src->wq, &wait);
	return ret < 0 ? ret : 0;
}

static long lkport_ioc_irq_wait(struct file *file, void *arg)
{
	struct lkport_irq_wait *w = arg;

	if (w->flags || w->reserved)
		return -EINVAL;
	return lkport_irq_wait(file->private_data, lkport_deadline(w->deadline_ns), &w->record);
}

static ssize_t lkport_irq_read(struct file *file, char __user *buf, size_t len, loff_t *off)
{
	struct lkport_irq *src = file->private_data;
	struct lkport_irq_record rec;
	int ret;

	if (len < sizeof(rec))
		return -EINVAL;
	/* Writable first: a record once taken is not lost to a bad buffer. */
	if (clear_user(buf, sizeof(rec)))
		return -EFAULT;
	if (file->f_flags & O_NONBLOCK) {
		ret = lkport_irq_take(src, &rec);
		if (ret == 0)
			return -EAGAIN;
		if (ret < 0)
			return ret;
	} else {
		ret = lkport_irq_wait(src, LK_DEADLINE_FOREVER, &rec);
		if (ret)
			return ret;
	}
	if (copy_to_user(buf, &rec, sizeof(rec)))
		return -EFAULT;
	return sizeof(rec);
}

static __poll_t lkport_irq_poll(struct file *file, poll_table *pt)
{
	struct lkport_irq *src = file->private_data;
	__poll_t mask = 0;
	unsigned long flags;

	poll_wait(file, &src->wq, pt);
	raw_spin_lock_irqsave(&src->lock, flags);
	if (((src->state & LKPORT_IRQ_STATE_OPEN) && !src->delivering) ||
	    ((src->state & LKPORT_IRQ_STATE_TAKEN) && src->unread))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (src->state & LKPORT_IRQ_STATE_GONE)
		mask |= EPOLLHUP | EPOLLERR;
	raw_spin_unlock_irqrestore(&src->lock, flags);
	return mask;
}

static long lkport_ioc_irq_ack(struct file *file, void *arg)
{
	struct lkport_irq *src = file->private_data;
	unsigned long flags;
	bool again = false, unmask = false;
	long ret = 0;

	mutex_lock(&lkport_irq_lock);	/* src->pdev stays while not detached */
	raw_spin_lock_irqsave(&src->lock, flags);
	if (src->state & LKPORT_IRQ_STATE_GONE)
		ret = -ENODEV;
	else if (!(src->state & LKPORT_IRQ_STATE_TAKEN) || src->delivering)
		ret = -EINVAL;
	else
		again = lkport_irq_ack_locked(src, &unmask);
	raw_spin_unlock_irqrestore(&src->lock, flags);
	if (unmask)
		lkport_irq_unmask(src);
	mutex_unlock(&lkport_irq_lock);
	if (again) {
		lkport_irq_kick(src);
		lkport_irq_wake(src);
	}
	return ret;
}

static u64 lkport_irq_raised(struct lkport_irq *src)
{
	unsigned long flags;
	u64 n;

	raw_spin_lock_irqsave(&src->lock, flags);
	n = src->raised;
	raw_spin_unlock_irqrestore(&src->lock, flags);
	return n;
}

static long lkport_ioc_irq_trigger(struct file *file, void *arg)
{
	struct lkport_irq *src = file->private_data;
	unsigned long until;
	long ret = 0;
	u64 before;

	if (src->source == LKPORT_IRQ_VIRTUAL) {
		atomic_inc(&src->virt_pending);
		irq_work_queue(&src->virt_work);
		return 0;
	}
	/* edu: one raise at a time, each waited for, so that each is one
	 * interrupt (the device ORs raises into one pending status). */
	mutex_lock(&lkport_irq_lock);
	if (src->detached) {
		ret = -ENODEV;
	} else if (!src->bar) {
		ret = -EOPNOTSUPP;
	} else {
		before = lkport_irq_raised(src);
		iowrite32(1, src->bar + EDU_IRQ_RAISE);
		until = jiffies + msecs_to_jiffies(EDU_TRIGGER_TIMEOUT_MS);
		while (lkport_irq_raised(src) == before) {
			if (time_after(jiffies, until)) {
				ret = -ETIMEDOUT;
				break;
			}
			usleep_range(10, 50);
		}
	}
	mutex_unlock(&lkport_irq_lock);
	return ret;
}

static long lkport_ioc_irq_bind(struct file *file, void *arg)
{
	struct lkport_irq *src = file->private_data;
	struct lkport_irq_bind *b = arg;
	struct lkport_irq_target *t = NULL, *old;
	long ret;

	if (b->flags || b->reserved)
		return -EINVAL;
	if (b->fd != -1) {
		t = lkport_fault_alloc(LKPORT_SITE_IRQ_TARGET, kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT));
		if (!t)
			return -ENOMEM;
		t->file = fget(b->fd);
		if (!t->file) {
			kfree(t);
			return -EBADF;
		}
		t->wport = lkport_wport_of(t->file);
		t->event = t->wport ? NULL : lkport_event_of(t->file);
		if (t->wport) {
			t->kind = LKPORT_KIND_WRITE_PORT;
			ret = lkport_wport_irq_attach(t->wport, &t->id);
		} else if (t->event) {
			t->kind = LKPORT_KIND_EVENT;
			t->id = lkport_event_id(t->event);
			ret = 0;
		} else {
			ret = -EBADF;
		}
		if (ret) {
			lkport_irq_target_put(t);
			return ret;
		}
	}
	mutex_lock(&src->bind_lock);
	old = rcu_replace_pointer(src->target, t, lockdep_is_held(&src->bind_lock));
	mutex_unlock(&src->bind_lock);
	if (old) {
		synchronize_rcu();	/* lkport_irq_deliver() */
		lkport_irq_target_put(old);
	}
	if (t)
		lkport_irq_kick(src);	/* an open record goes to it now */
	return 0;
}

static long lkport_ioc_irq_info(struct file *file, void *arg)
{
	struct lkport_irq *src = file->private_data;
	struct lkport_irq_info *info = arg;
	struct lkport_irq_target *t;
	unsigned long flags;

	info->source_id = src->id;
	info->source = src->source;
	info->mode = src->mode;
	info->flags = src->flags;
	info->linux_irq = src->linux_irq;
	memcpy(info->device, src->device, sizeof(info->device));
	rcu_read_lock();
	t = rcu_dereference(src->target);
	if (t) {
		info->target_kind = t->kind;
		info->target_id = t->id;
	}
	rcu_read_unlock();
	raw_spin_lock_irqsave(&src->lock, flags);
	info->state = src->state;
	info->raised = src->raised;
	info->delivered = src->delivered;
	info->coalesced = src->coalesced;
	info->pending = (src->state & LKPORT_IRQ_STATE_OPEN ? src->cur.count : 0) +
			(src->delivering ? src->cur.count : 0) + src->next.count;
	info->acked = src->acked;
	info->spurious = src->spurious;
	info->refused = src->refused;
	info->max_unacked_ns = src->max_unacked_ns;
	raw_spin_unlock_irqrestore(&src->lock, flags);
	return 0;
}

/* LKPORT_IOC_INFO, as every object fd answers it: kind, owner, the
 * source's id; LKPORT_IOC_IRQ_INFO has the rest. */
static long lkport_ioc_irq_obj_info(struct file *file, void *arg)
{
	struct lkport_irq *src = file->private_data;
	struct lkport_info *info = arg;

	lkport_object_info(&src->obj, info);
	info->flags = src->flags;
	info->id = src->id;
	return 0;
}

static const struct lkport_ioctl_desc lkport_irq_ioctls[] = {
	LKPORT_IOCTL(LKPORT_IOC_INFO, LKPORT_IOCTL_ANY, lkport_ioc_irq_obj_info),
	LKPORT_IOCTL(LKPORT_IOC_IRQ_WAIT, LKPORT_IOCTL_ANY, lkport_ioc_irq_wait),
	LKPORT_IOCTL(LKPORT_IOC_IRQ_ACK, LKPORT_IOCTL_ANY, lkport_ioc_irq_ack),
	LKPORT_IOCTL(LKPORT_IOC_IRQ_TRIGGER, LKPORT_IOCTL_ANY, lkport_ioc_irq_trigger),
	LKPORT_IOCTL(LKPORT_IOC_IRQ_BIND, LKPORT_IOCTL_ANY, lkport_ioc_irq_bind),
	LKPORT_IOCTL(LKPORT_IOC_IRQ_INFO, LKPORT_IOCTL_ANY, lkport_ioc_irq_info),
};

static const struct lkport_fd_kind lkport_irq_kind = {
	.fops = {
		.owner = THIS_MODULE,
		.release = lkport_irq_release,
		.read = lkport_irq_read,
		.poll = lkport_irq_poll,
		LKPORT_FD_IOCTL_OPS,
	},
	LKPORT_FD_IOCTLS(lkport_irq_ioctls),
};

/* ---- creation ------------------------------------------------------------------ */

static struct lkport_pci *lkport_pci_find_locked(const char *name)
{
	struct lkport_pci *pci;

	lockdep_assert_held(&lkport_irq_lock);
	list_for_each_entry(pci, &lkport_pci_devs, node)
		if (!strcmp(pci_name(pci->pdev), name))
			return pci;
	return NULL;
}

/* Vectors, HandlerTable slot and request_irq for a PCI source;
 * lkport_irq_lock held. */
static int lkport_irq_setup_pci_locked(struct lkport_irq *src, struct lkport_pci *pci)
{
	struct pci_dev *pdev = pci->pdev;
	unsigned long irqflags = IRQF_NO_THREAD;
	int ret;

	if (src->mode == LKPORT_IRQ_MODE_AUTO)
		src->mode = pdev->msi_cap ? LKPORT_IRQ_MODE_MSI : LKPORT_IRQ_MODE_INTX;
	if (src->mode == LKPORT_IRQ_MODE_MSI) {
		if (!pdev->msi_cap)
			return -EOPNOTSUPP;
		ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	} else {
		if (!pdev->irq || (!pci->edu && !pci_intx_mask_supported(pdev)))
			return -EOPNOTSUPP;
		/* Masked in the handler until the ack: no auto-ack. */
		if (!pci->edu && (src->flags & LKPORT_IRQ_AUTO_ACK))
			return -EINVAL;
		ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
		irqflags |= IRQF_SHARED;
	}
	if (ret < 0)
		return ret;
	src->pdev = pdev;
	src->bar = pci->bar;
	if (src->mode == LKPORT_IRQ_MODE_MSI)
		pci_set_master(pdev);
	else if (!pci->edu)
		pci_intx(pdev, 1);
	snprintf(src->irq_name, sizeof(src->irq_name), "lkport:%s", pci_name(pdev));
	ret = request_irq(pci_irq_vector(pdev, 0), lkport_irq_line, irqflags,
			  src->irq_name, src);
	if (ret) {
		if (src->mode == LKPORT_IRQ_MODE_MSI)
			pci_clear_master(pdev);
		pci_free_irq_vectors(pdev);
		src->pdev = NULL;
		src->bar = NULL;
		return ret;
	}
	src->linux_irq = pci_irq_vector(pdev, 0);
	src->pci = pci;
	pci->src = src;
	return 0;
}

/* A free HandlerTable slot, from the top: C API callers number theirs
 * from 0. */
static int lkport_irq_take_slot(struct lkport_irq *src)
{
	int slot;

	for (slot = LK_HANDLER_SLOTS - 1; slot >= 0; slot--)
		if (lk_handler_register(slot, &src->handler))
			return slot;
	return -ENOSPC;
}

long lkport_irq_create(struct file *dev, void *arg)
{
	struct lkport_irq_create *c = arg;
	struct lkport_irq *src;
	struct lkport_pci *pci;
	size_t len;
	int ret, fd;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (c->reserved[0] || c->reserved[1] || (c->flags & ~LKPORT_IRQ_AUTO_ACK))
		return -EINVAL;
	ret = lkport_check_fd_flags(c->fd_flags);
	if (ret)
		return ret;
	len = strnlen(c->device, LKPORT_NAME_LEN);
	if (len == LKPORT_NAME_LEN || memchr_inv(c->device + len, 0, LKPORT_NAME_LEN - len))
		return -EINVAL;
	switch (c->source) {
	case LKPORT_IRQ_VIRTUAL:
		if (c->mode || c->device[0])
			return -EINVAL;
		break;
	case LKPORT_IRQ_PCI:
		if (c->mode > LKPORT_IRQ_MODE_MSI || !c->device[0])
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	src = lkport_fault_alloc(LKPORT_SITE_IRQ, kzalloc(sizeof(*src), GFP_KERNEL_ACCOUNT));
	if (!src)
		return -ENOMEM;
	ret = lkport_object_init(&src->obj, LKPORT_IRQ, NULL, 0600, 0);
	if (ret) {
		kfree(src);
		return ret;
	}
	src->id = atomic_inc_return(&lkport_irq_next_id);
	src->source = c->source;
	src->mode = c->mode;
	src->flags = c->flags;
	memcpy(src->device, c->device, sizeof(src->device));
	src->slot = -1;
	src->handler.fn = lkport_irq_fire;
	src->handler.ctx = src;
	raw_spin_lock_init(&src->lock);
	mutex_init(&src->bind_lock);
	init_waitqueue_head(&src->wq);
	src->virt_work = IRQ_WORK_INIT_HARD(lkport_irq_virt_work);
	init_irq_work(&src->deliver_work, lkport_irq_deliver_work);
	INIT_LIST_HEAD(&src->node);

	mutex_lock(&lkport_irq_lock);
	ret = lkport_irq_take_slot(src);
	if (ret < 0)
		goto fail;
	src->slot = ret;
	ret = 0;
	if (c->source == LKPORT_IRQ_PCI) {
		pci = lkport_pci_find_locked(c->device);
		if (!pci)
			ret = -ENODEV;
		else if (pci->src)
			ret = -EBUSY;
		else
			ret = lkport_irq_setup_pci_locked(src, pci);
		if (ret)
			goto fail;
	}
	list_add_tail(&src->node, &lkport_irq_sources);
	mutex_unlock(&lkport_irq_lock);
	lkport_object_publish(&src->obj);

	fd = lkport_new_fd("lkport-irq", &lkport_irq_kind.fops, src, O_RDWR, c->fd_flags);
	if (fd < 0)
		lkport_irq_destroy(src);
	return fd;

fail:
	if (src->slot >= 0)
		lk_handler_unregister(src->slot);
	mutex_unlock(&lkport_irq_lock);
	lkport_object_abandon(&src->obj);
	kfree(src);
	return ret;
}

/* ---- listing ------------------------------------------------------------------- */

static const char *const mode_names[] = {
	[LKPORT_IRQ_MODE_AUTO] = "-",
	[LKPORT_IRQ_MODE_INTX] = "intx",
	[LKPORT_IRQ_MODE_MSI] = "msi",
};

static void lkport_irq_show_src(struct seq_file *m, struct lkport_irq *src)
{
	struct lkport_irq_target *t;
	unsigned long flags;
	u64 raised, delivered, coalesced, spurious, refused, acked, max_unacked;
	u32 state;

	raw_spin_lock_irqsave(&src->lock, flags);
	state = src->state;
	raised = src->raised;
	delivered = src->delivered;
	coalesced = src->coalesced;
	spurious = src->spurious;
	refused = src->refused;
	acked = src->acked;
	max_unacked = src->max_unacked_ns;
	raw_spin_unlock_irqrestore(&src->lock, flags);
	seq_printf(m, " id=%u source=%s device=%s mode=%s irq=%d slot=%d",
		   src->id, src->source == LKPORT_IRQ_PCI ? "pci" : "virtual",
		   src->device[0] ? src->device : "-", mode_names[src->mode],
		   src->linux_irq, src->slot);
	rcu_read_lock();
	t = rcu_dereference(src->target);
	if (t)
		seq_printf(m, " target=%s:%llu",
			   t->kind == LKPORT_KIND_EVENT ? "event" : "wport", t->id);
	else
		seq_puts(m, " target=fd");
	rcu_read_unlock();
	seq_printf(m, " raised=%llu delivered=%llu coalesced=%llu acked=%llu spurious=%llu refused=%llu max_unacked_ns=%llu state=%s%s%s%s",
		   raised, delivered, coalesced, acked, spurious, refused, max_unacked,
		   state & LKPORT_IRQ_STATE_OPEN ? "open" : "",
		   state & LKPORT_IRQ_STATE_TAKEN ? "taken" : "",
		   state & LKPORT_IRQ_STATE_MASKED ? ",masked" : "",
		   state & LKPORT_IRQ_STATE_GONE ? ",gone" : "");
}

/* The objects listing (lkport_objects_lock held). */
void lkport_irq_show(struct seq_file *m, struct lkport_object *obj)
{
	lkport_irq_show_src(m, container_of(obj, struct lkport_irq, obj));
}

/* debugfs irqs: every device bound to lkport, then every source. */
void lkport_irq_debugfs_show(struct seq_file *m)
{
	struct lkport_pci *pci;
	struct lkport_irq *src;

	mutex_lock(&lkport_irq_lock);
	list_for_each_entry(pci, &lkport_pci_devs, node)
		seq_printf(m, "device %s %04x:%04x %s msi=%s intx_mask=%s source=%u\n",
			   pci_name(pci->pdev), pci->pdev->vendor, pci->pdev->device,
			   pci->edu ? "edu" : "generic", pci->pdev->msi_cap ? "yes" : "no",
			   pci_intx_mask_supported(pci->pdev) ? "yes" : "no",
			   pci->src ? pci->src->id : 0);
	list_for_each_entry(src, &lkport_irq_sources, node) {
		seq_puts(m, "source");
		lkport_irq_show_src(m, src);
		seq_putc(m, '\n');
	}
	mutex_unlock(&lkport_irq_lock);
}

/* ---- the PCI driver ------------------------------------------------------------ */

static int lkport_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lkport_pci *pci;
	int ret;

	pci = kzalloc(sizeof(*pci), GFP_KERNEL);
	if (!pci)
		return -ENOMEM;
	pci->pdev = pdev;
	pci->edu = pdev->vendor == EDU_VENDOR && pdev->device == EDU_DEVICE;
	ret = pci_enable_device(pdev);
	if (ret)
		goto free;
	if (pci->edu) {
		ret = pci_request_region(pdev, 0, "lkport");
		if (ret)
			goto disable;
		pci->bar = pci_iomap(pdev, 0, 0);
		if (!pci->bar) {
			ret = -ENOMEM;
			goto release;
		}
		if ((ioread32(pci->bar + EDU_ID) & 0xff) != 0xed) {
			ret = -ENODEV;
			goto unmap;
		}
	} else if (!pdev->msi_cap && !pci_intx_mask_supported(pdev)) {
		pci_warn(pdev, "lkport: neither MSI nor INTx masking\n");
		ret = -ENODEV;
		goto disable;
	}
	mutex_lock(&lkport_irq_lock);
	list_add_tail(&pci->node, &lkport_pci_devs);
	mutex_unlock(&lkport_irq_lock);
	pci_set_drvdata(pdev, pci);
	pci_info(pdev, "lkport: bound (%s; MSI %s, INTx masking %s)\n",
		 pci->edu ? "edu" : "generic", pdev->msi_cap ? "yes" : "no",
		 pci_intx_mask_supported(pdev) ? "yes" : "no");
	return 0;

unmap:
	pci_iounmap(pdev, pci->bar);
release:
	pci_release_region(pdev, 0);
disable:
	pci_disable_device(pdev);
free:
	kfree(pci);
	return ret;
}

static void lkport_pci_remove(struct pci_dev *pdev)
{
	struct lkport_pci *pci = pci_get_drvdata(pdev);

	mutex_lock(&lkport_irq_lock);
	if (pci->src)
		lkport_irq_detach_locked(pci->src);
	list_del(&pci->node);
	mutex_unlock(&lkport_irq_lock);
	if (pci->bar) {
		pci_iounmap(pdev, pci->bar);
		pci_release_region(pdev, 0);
	}
	pci_disable_device(pdev);
	kfree(pci);
}

/* No ID table: devices are bound by hand (driver_override, new_id), as
 * for uio_pci_generic and vfio-pci. */
static struct pci_driver lkport_pci_driver = {
	.name = "lkport",
	.probe = lkport_pci_probe,
	.remove = lkport_pci_remove,
};

int lkport_irq_init(void)
{
	return pci_register_driver(&lkport_pci_driver);
}

void lkport_irq_exit(void)
{
	pci_unregister_driver(&lkport_pci_driver);
}

/* ---- LK's interrupt API for other modules (lk/interrupts.h) -------------------- */

struct lk_int_line {
	struct list_head node;		/* lk_int_lines, lkport_irq_lock */
	unsigned int vector;
	int slot;
	lk_handler_t handler;		/* fn = lk_int_call, ctx = this */
	lk_int_handler fn;
	void *arg;
};

/* Changed under lkport_irq_lock and this raw lock, read under either:
 * mask and unmask may come from any context. */
static LIST_HEAD(lk_int_lines);
static DEFINE_RAW_SPINLOCK(lk_int_lines_lock);

static void lk_int_call(void *ctx)
{
	struct lk_int_line *line = ctx;

	line->fn(line->arg);
}

static irqreturn_t lk_int_line_irq(int irq, void *dev_id)
{
	struct lk_int_line *line = dev_id;

	lk_handler_handle(line->slot);
	return IRQ_HANDLED;
}

/* lkport_irq_lock or lk_int_lines_lock held. */
static struct lk_int_line *lk_int_find_locked(unsigned int vector)
{
	struct lk_int_line *line;

	list_for_each_entry(line, &lk_int_lines, node)
		if (line->vector == vector)
			return line;
	return NULL;
}

int lk_register_int_handler(unsigned int vector, lk_int_handler handler, void *arg)
{
	struct lk_int_line *line;
	unsigned long flags;
	int slot, ret;

	if (!handler)
		return LK_ERR_INVALID_ARGS;
	line = kzalloc(sizeof(*line), GFP_KERNEL);
	if (!line)
		return LK_ERR_NO_RESOURCES;
	line->vector = vector;
	line->fn = handler;
	line->arg = arg;
	line->handler.fn = lk_int_call;
	line->handler.ctx = line;
	mutex_lock(&lkport_irq_lock);
	if (lk_int_find_locked(vector)) {
		ret = LK_ERR_ALREADY_EXISTS;
		goto fail;
	}
	for (slot = LK_HANDLER_SLOTS - 1; slot >= 0; slot--)
		if (lk_handler_register(slot, &line->handler))
			break;
	if (slot < 0) {
		ret = LK_ERR_NO_RESOURCES;
		goto fail;
	}
	line->slot = slot;
	if (request_irq(vector, lk_int_line_irq, IRQF_NO_THREAD, "lkport-lk", line)) {
		lk_handler_unregister(slot);
		ret = LK_ERR_INVALID_ARGS;
		goto fail;
	}
	raw_spin_lock_irqsave(&lk_int_lines_lock, flags);
	list_add(&line->node, &lk_int_lines);
	raw_spin_unlock_irqrestore(&lk_int_lines_lock, flags);
	mutex_unlock(&lkport_irq_lock);
	return 0;

fail:
	mutex_unlock(&lkport_irq_lock);
	kfree(line);
	return ret;
}
EXPORT_SYMBOL_GPL(lk_register_int_handler);

int lk_unregister_int_handler(unsigned int vector)
{
	struct lk_int_line *line;
	unsigned long flags;

	mutex_lock(&lkport_irq_lock);
	line = lk_int_find_locked(vector);
	if (line) {
		raw_spin_lock_irqsave(&lk_int_lines_lock, flags);
		list_del(&line->node);
		raw_spin_unlock_irqrestore(&lk_int_lines_lock, flags);
	}
	mutex_unlock(&lkport_irq_lock);
	if (!line)
		return LK_ERR_NOT_FOUND;
	free_irq(vector, line);
	lk_handler_unregister(line->slot);
	kfree(line);
	return 0;
}
EXPORT_SYMBOL_GPL(lk_unregister_int_handler);

/* Any context. */
static bool lk_int_is_ours(unsigned int vector)
{
	unsigned long flags;
	bool found;

	raw_spin_lock_irqsave(&lk_int_lines_lock, flags);
	found = lk_int_find_locked(vector);
	raw_spin_unlock_irqrestore(&lk_int_lines_lock, flags);
	return found;
}

int lk_mask_interrupt(unsigned int vector)
{
	if (!lk_int_is_ours(vector))
		return LK_ERR_NOT_FOUND;
	disable_irq_nosync(vector);
	return 0;
}
EXPORT_SYMBOL_GPL(lk_mask_interrupt);

int lk_unmask_interrupt(unsigned int vector)
{
	if (!lk_int_is_ours(vector))
		return LK_ERR_NOT_FOUND;
	enable_irq(vector);
	return 0;
}
EXPORT_SYMBOL_GPL(lk_unmask_interrupt);
