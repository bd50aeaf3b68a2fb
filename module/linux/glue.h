/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the Linux glue's files: the objects user space
 * creates through /dev/lkport, their names, owners and per-user accounting.
 *
 * Locking, outermost first:
 *   lkport_objects_lock (mutex)   the list of live objects, the event name
 *                                 table, account lookup
 *   wport->write_lock (mutex)     one write at a time per write port (the
 *                                 core's bounded writes in turns need it;
 *                                 one that fits one hold does not)
 *   wport->lock (rwsem)           a write port's closed/destroyed state
 *                                 against operations on it
 *   the core's locks              raw_spinlock_t (os.c), taken inside lk_*
 *                                 calls with interrupts off, from any
 *                                 context; the core calls observers (poll
 *                                 wake-ups, struct lkport_poll) under them
 *   a poll_wq's lock              spinlock_t inside wait_queue_head_t: a
 *                                 sleeping lock on PREEMPT_RT, so never
 *                                 taken under the core's locks there
 *                                 (lkport_poll_notify defers the wake-up)
 * Interrupt sources (irq.c) have their own: lkport_irq_lock (mutex) for
 * creation, teardown and PCI probe/remove, src->bind_lock (mutex) for the
 * delivery target, src->lock (raw spinlock, hard IRQ) for records; a
 * delivery takes the core's locks after dropping src->lock.
 */
#ifndef LKPORT_GLUE_H
#define LKPORT_GLUE_H

#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include <linux/lkport.h>
#include <lk/capi.h>

/* struct fd's file, before 6.12 named fd_file(). */
#ifndef fd_file
#define fd_file(f) ((f).file)
#endif

/* The one version of lkport (module, library, tools): the top-level
 * VERSION file, passed in by Kbuild. */
#ifndef LKPORT_MODULE_VERSION
#error "LKPORT_MODULE_VERSION: Kbuild sets it from the VERSION file"
#endif

/* ---- status codes ---------------------------------------------------------- */
/* LK status -> -errno, as uapi/linux/lkport_status.h lists it: the list's
 * errno, or for ioctl cmd the one LKPORT_STATUS_CALLS names. */
int lkport_errno_of(int lk_status);
int lkport_call_errno(unsigned int cmd, int lk_status);

/* Success, the common case, without a call. */
static inline int lkport_errno(int lk_status)
{
	return likely(lk_status == LK_NO_ERROR) ? 0 : lkport_errno_of(lk_status);
}

/* ---- accounting -------------------------------------------------------------- */
struct lkport_account;

/* Charges one object and `bytes` of rings to the calling user; -EDQUOT past
 * the limits (unless CAP_SYS_RESOURCE). On success *acct holds a reference
 * released by lkport_uncharge. Sleeps. */
int lkport_charge(size_t bytes, struct lkport_account **acct);
void lkport_uncharge(struct lkport_account *acct, size_t bytes);

/* ---- IPC namespaces --------------------------------------------------------------
 * Names (of ports and events) belong to the IPC namespace of the process
 * that created the object, as POSIX message queue names do: create, open
 * and find look only in the caller's namespace. The core tells namespaces
 * apart by a key: LK_PORT_NS_INITIAL for the initial IPC namespace (where
 * the kernel's own callers of the C API are), else the address of the
 * namespace's internal mqueue mount. Every object holds a reference on
 * that mount (mntget), which outlives the namespace if need be (as an open
 * message queue does), so its address, and so the key, cannot be taken by
 * a new namespace while an object still carries it. (A reference on the
 * namespace itself cannot be dropped by a module on 6.1: put_ipc_ns is
 * not exported there.)
 */
struct lkport_ns {
	u64 key;
	struct vfsmount *pin;		/* NULL for the initial namespace */
	unsigned int inum;		/* the namespace's inode, for listings */
};

/* The caller's namespace, pinned; released by lkport_ns_put. */
void lkport_ns_get(struct lkport_ns *ns);
void lkport_ns_put(struct lkport_ns *ns);
/* The caller's key, for a lookup during the call (its own namespace cannot
 * go away under it). */
u64 lkport_ns_key(void);

/* ---- objects ------------------------------------------------------------------ */
enum lkport_kind {
	LKPORT_EVENT = LKPORT_KIND_EVENT,
	LKPORT_WRITE_PORT = LKPORT_KIND_WRITE_PORT,
	LKPORT_READ_PORT = LKPORT_KIND_READ_PORT,
	LKPORT_GROUP = LKPORT_KIND_GROUP,
	LKPORT_IRQ = LKPORT_KIND_IRQ,
	LKPORT_KINDS
};

/* What every user-visible object has. Immutable after creation except the
 * list node. */
struct lkport_object {
	struct list_head node;		/* lkport_objects, under lkport_objects_lock */
	enum lkport_kind kind;
	kuid_t uid;
	kgid_t gid;
	umode_t perm;
	char name[LKPORT_NAME_LEN];
	struct lkport_ns ns;		/* the creator's IPC namespace */
	struct lkport_account *acct;
	size_t charged;			/* ring bytes charged to acct (changed
					 * under lkport_objects_lock) */
};

/* Fills owner, perm (less umask), name, namespace; charges the caller. */
int lkport_object_init(struct lkport_object *obj, enum lkport_kind kind,
		       const char *name, u32 perm, size_t bytes);
/* More bytes charged to, or given back by, an object while it lives (a
 * read port's mapped ring): EDQUOT past max_bytes_per_user unless
 * CAP_SYS_RESOURCE. Thread context. */
int lkport_object_charge_more(struct lkport_object *obj, size_t bytes);
void lkport_object_uncharge_more(struct lkport_object *obj, size_t bytes);
/* Lists it (for debugfs) and counts it live; lkport_objects_lock held. */
void lkport_object_publish_locked(struct lkport_object *obj);
void lkport_object_publish(struct lkport_object *obj);
/* Unlists and uncounts a published object. debugfs looks at the core
 * object behind every listed one under lkport_objects_lock, so this comes
 * first when an object goes: only then may the core object be closed,
 * destroyed or freed (and the object uncharged, then freed). */
void lkport_object_unlist_locked(struct lkport_object *obj);
void lkport_object_unlist(struct lkport_object *obj);
/* Uncharges an object, published (and since unlisted) or not, and lets
 * go of its namespace: after the core has dropped its name. */
void lkport_object_abandon(struct lkport_object *obj);
/* A live object's info fields common to all kinds. */
void lkport_object_info(const struct lkport_object *obj, struct lkport_info *info);

extern struct mutex lkport_objects_lock;
extern struct list_head lkport_objects;
extern atomic_t lkport_live[LKPORT_KINDS];

/* Copies a name from an ioctl argument and validates it (1..63 bytes of
 * [A-Za-z0-9._-], NUL-padded). */
int lkport_name_check(const char name[LKPORT_NAME_LEN]);

/* May the caller open obj for MAY_READ and/or MAY_WRITE? `override` is the
 * caller's CAP_DAC_OVERRIDE, evaluated before any spinlock is held. */
bool lkport_may_open(const struct lkport_object *obj, int mask, bool override);
bool lkport_dac_override(void);

/* A new fd on an anonymous inode; fd_flags: O_CLOEXEC or 0 (else
 * -EINVAL). On failure the caller still owns priv. */
int lkport_check_fd_flags(u32 fd_flags);
int lkport_new_fd(const char *name, const struct file_operations *fops,
		  void *priv, int open_flags, u32 fd_flags);

/* Converts a user deadline (the caller's CLOCK_MONOTONIC, time namespace
 * included) to the kernel's. */
u64 lkport_deadline(u64 user_ns);
/* A read(2)'s wait: none with O_NONBLOCK, else no deadline. */
static inline u64 lkport_file_deadline(const struct file *file)
{
	return (file->f_flags & O_NONBLOCK) ? LK_DEADLINE_NONE : LK_DEADLINE_FOREVER;
}

/* ---- poll wake-ups from the core ------------------------------------------- */
/* What poll/epoll wait on for one object, woken by the core's observer.
 * The observer runs under the core's raw spinlock, in any context (hard IRQ
 * included). Without PREEMPT_RT it wakes the queue at once: its spinlock_t
 * spins, as the raw lock does. On PREEMPT_RT that spinlock_t is a sleeping
 * lock, which may be taken neither under a raw spinlock nor in hard IRQ: the
 * wake-up goes through an irq_work instead, which RT runs in the per-CPU
 * irq_work thread right after. The same happens on a kernel that checks
 * raw-lock nesting (CONFIG_PROVE_RAW_LOCK_NESTING), so that a lockdep kernel
 * without RT tests the RT path. */
struct lkport_poll {
	wait_queue_head_t wq;
	struct irq_work work;
	__poll_t key;		/* what a wake-up reports */
};

void lkport_poll_init(struct lkport_poll *p, __poll_t key);
/* The observer's body: wakes the pollers, if any. Any context, the core's
 * lock held. A poller that is not seen here cannot miss the change: it
 * joined the queue before its ->poll took the core's lock to look. */
void lkport_poll_notify(struct lkport_poll *p);
/* Once the core calls the observer no more (its object is closed or
 * destroyed) and before p is freed: waits for a deferred wake-up still
 * running. Sleeps. */
void lkport_poll_stop(struct lkport_poll *p);

/* ---- kinds --------------------------------------------------------------------- */
long lkport_event_create(struct file *dev, void *arg);
long lkport_event_open(struct file *dev, void *arg);
long lkport_port_create(struct file *dev, void *arg);
long lkport_port_open(struct file *dev, void *arg);
long lkport_group_create(struct file *dev, void *arg);
long lkport_irq_create(struct file *dev, void *arg);

/* Interrupt delivery targets (irq.c binds them; the caller holds a
 * reference to the file). lkport_*_of: the object behind a write port fd,
 * or an event fd opened to signal; NULL for any other file. */
struct lkport_wport;
struct lkport_event;
struct lkport_wport *lkport_wport_of(struct file *file);
/* -EPIPE if the port is closed or destroyed; else it may be written by
 * lkport_wport_irq_write() from now on. *id: the port's id. Sleeps. */
int lkport_wport_irq_attach(struct lkport_wport *w, u64 *id);
/* One packet, any context, inside rcu_read_lock(): 1 taken, 0 every
 * reader full, -EPIPE closed or destroyed. */
int lkport_wport_irq_write(struct lkport_wport *w, const void *packet);
struct lkport_event *lkport_event_of(struct file *file);
u64 lkport_event_id(struct lkport_event *e);
void lkport_event_irq_signal(struct lkport_event *e);	/* any context */

/* debugfs listing of one object */
void lkport_object_show(struct seq_file *m, struct lkport_object *obj);
void lkport_event_show(struct seq_file *m, struct lkport_object *obj);
void lkport_port_show(struct seq_file *m, struct lkport_object *obj);
void lkport_irq_show(struct seq_file *m, struct lkport_object *obj);
void lkport_irq_debugfs_show(struct seq_file *m);

/* ---- what debugfs stats shows ---------------------------------------------- */
/* The accounts that exist and the objects and bytes charged to them. */
void lkport_accounts_sum(unsigned long *accounts, unsigned long *objects,
			 unsigned long *bytes);
/* The core's allocations not yet freed (os.c). */
extern atomic_long_t lkos_live_allocs;

/* ---- module parts ------------------------------------------------------------- */
/* Checks that lkos_current_fast() reads `current` (os.c): first in module
 * init, which fails with its error. */
int lkport_os_init(void);
int lkport_dev_init(void);
void lkport_dev_exit(void);
void lkport_debugfs_init(void);
void lkport_debugfs_exit(void);
int lkport_irq_init(void);
void lkport_irq_exit(void);

#endif /* LKPORT_GLUE_H */
