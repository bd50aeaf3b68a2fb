/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core's C API: Little Kernel's functions with an lk_ prefix, for the
 * Linux glue, the in-kernel tests and other kernel modules (exported GPL).
 * LK code ports over by mapping its names onto these.
 *
 * Objects that LK lets callers embed (mutex, semaphore, event) are embedded
 * here too, as opaque storage of a fixed size; ports and groups are opaque
 * handles (void *, as LK's port_t), with typed handles beside them for
 * callers that know the kind. Status codes are LK's (lk/err.h).
 *
 * Context, unless a function says otherwise: waits may sleep (thread
 * context, no spinlock held); signal/post/write never sleep and are safe
 * from hard-IRQ context; init/create/open/destroy/close are thread context.
 */
#ifndef LK_CAPI_H
#define LK_CAPI_H

#include <linux/lkport_status.h>
#include <lk/os.h>

#ifdef __cplusplus
extern "C" {
#endif

/* LK status codes, for C (the C++ core's lk::status_t has the same values):
 * LK_NO_ERROR, LK_ERR_TIMED_OUT, ..., from uapi/linux/lkport_status.h. */
enum {
#define LK_CAPI_STATUS(name, value, err, inverse, text) LK_##name = (value),
	LKPORT_STATUS_LIST(LK_CAPI_STATUS)
#undef LK_CAPI_STATUS
};

typedef lkos_u32 lk_time_t;		/* milliseconds */
#define LK_INFINITE_TIME	0xffffffffu
#define LK_DEADLINE_NONE	0ull		/* absolute ns: never block */
#define LK_DEADLINE_FOREVER	LKOS_FOREVER

/* ---- set-up ------------------------------------------------------------------ */
int lk_core_init(void);
void lk_core_exit(void);
const char *lk_status_name(int status);		/* any context */

/* ---- static initial values ------------------------------------------------------
 * LK's MUTEX_INITIAL_VALUE, SEMAPHORE_INITIAL_VALUE and EVENT_INITIAL_VALUE,
 * for objects defined at file scope:
 *
 *	static lk_mutex_t lock = LK_MUTEX_INITIAL_VALUE(lock);
 *	static lk_event_t ready = LK_EVENT_INITIAL_VALUE(ready, 0, LK_EVENT_FLAG_AUTOUNSIGNAL);
 *
 * A constant cannot be the object itself here: it holds the system's
 * spinlock (raw_spinlock_t, whose layout changes with the kernel's debug
 * options and which lockdep registers at run time) and a wait queue, and
 * a module runs no constructors. So an initial value records what the
 * object is to be (`init` LK_INIT_STATIC and its arguments), and the first
 * call that touches it builds it in place, under one spinlock of the core
 * with interrupts off: from any context, hard IRQ included, and with
 * calls on several CPUs racing to be first. A built object costs one load
 * per call more than before. Such an object holds no memory: destroying
 * it is optional, once nobody can use it. lk_*_init builds at once and
 * fits any storage (an embedded or allocated object); a call on an object
 * neither initialised nor given an initial value is WARNed and fails with
 * LK_ERR_INVALID_ARGS. The argument naming the object (LK's, for its
 * wait queue's list head) is not needed and not evaluated.
 */
#define LK_INIT_STATIC	0x6c6b7374u	/* "lkst": built on first use */
#define LK_INIT_READY	0x6c6b7264u	/* "lkrd": built */
#define LK_INIT_DONE	0x6c6b6464u	/* "lkdd": destroyed */

#define LK_INITIAL_VALUE_(arg_) \
	{ .opaque = { 0 }, .init = LK_INIT_STATIC, .arg = (arg_) }
#define LK_MUTEX_INITIAL_VALUE(m)	LK_INITIAL_VALUE_(0u)
#define LK_SEMAPHORE_INITIAL_VALUE(s, count) LK_INITIAL_VALUE_((unsigned int)(count))
/* arg: bit 0 the initial state, the flags above it. */
#define LK_EVENT_INITIAL_VALUE(e, initial, flags) \
	LK_INITIAL_VALUE_(((initial) ? 1u : 0u) | ((unsigned int)(flags) << 1))

/* ---- mutex ------------------------------------------------------------------- */
typedef struct lk_mutex {
	lkos_u64 opaque[24];		/* the core's object */
	lkos_u32 init;			/* LK_INIT_*; read and built by the core */
	lkos_u32 arg;			/* what the initial value asks for */
} lk_mutex_t;

void lk_mutex_init(lk_mutex_t *m);
void lk_mutex_destroy(lk_mutex_t *m);
int lk_mutex_acquire(lk_mutex_t *m);
int lk_mutex_acquire_timeout(lk_mutex_t *m, lk_time_t timeout);
int lk_mutex_release(lk_mutex_t *m);
int lk_is_mutex_held(const lk_mutex_t *m);

/* ---- semaphore --------------------------------------------------------------- */
typedef struct lk_semaphore {
	lkos_u64 opaque[24];		/* as lk_mutex_t */
	lkos_u32 init;
	lkos_u32 arg;
} lk_semaphore_t;

void lk_sem_init(lk_semaphore_t *s, unsigned int value);
void lk_sem_destroy(lk_semaphore_t *s);
int lk_sem_post(lk_semaphore_t *s);		/* threads woken */
int lk_sem_wait(lk_semaphore_t *s);
int lk_sem_trywait(lk_semaphore_t *s);
int lk_sem_timedwait(lk_semaphore_t *s, lk_time_t timeout);
/* The count: available posts when positive, the number of waiters (as a
 * negative number) otherwise. A snapshot; any context. */
int lk_sem_count(const lk_semaphore_t *s);

/* LK's sem_post(s, resched) and event_signal(e, resched): as lk_sem_post
 * and lk_event_signal (threads woken), and when resched is nonzero and a
 * thread was woken, the caller offers the CPU at once if it could be
 * preempted there (thread context, no spinlock held, interrupts and
 * preemption on), so that a woken thread the scheduler prefers (one of
 * higher priority) runs before the caller goes on. On Linux the woken
 * thread is runnable either way and the scheduler preempts the caller for
 * it when it should: at once on a fully preemptible kernel (PREEMPT_RT,
 * preempt=full), where resched changes nothing; at the caller's next
 * preemption point under voluntary preemption (Debian's default), which
 * resched brings forward. In hard IRQ context, under a spinlock or with
 * preemption off resched does nothing, as LK's callers pass false there. */
int lk_sem_post_resched(lk_semaphore_t *s, int resched);

/* ---- event ------------------------------------------------------------------- */
#define LK_EVENT_FLAG_AUTOUNSIGNAL 1u

typedef struct lk_event {
	lkos_u64 opaque[24];		/* as lk_mutex_t */
	lkos_u32 init;
	lkos_u32 arg;
} lk_event_t;

void lk_event_init(lk_event_t *e, int initial, unsigned int flags);
void lk_event_destroy(lk_event_t *e);
int lk_event_wait(lk_event_t *e);
int lk_event_wait_timeout(lk_event_t *e, lk_time_t timeout);
/* lkport: absolute CLOCK_MONOTONIC deadline; interruptible by signals. */
int lk_event_wait_deadline(lk_event_t *e, lkos_u64 deadline_ns, int interruptible);
/* Threads woken; LK_ERR_OBJECT_DESTROYED after lk_event_shutdown. */
int lk_event_signal(lk_event_t *e);
int lk_event_signal_resched(lk_event_t *e, int resched);	/* see lk_sem_post_resched */
int lk_event_unsignal(lk_event_t *e);
/* LK's event_destroy for an event other threads can still reach, whose
 * storage stays (lkport's events shared by fds): waiters wake with
 * LK_ERR_OBJECT_DESTROYED, and every later wait, signal and unsignal
 * returns it, until lk_event_destroy ends the object. LK_ERR_OBJECT_-
 * DESTROYED if it was shut down already. Any context. */
int lk_event_shutdown(lk_event_t *e);
int lk_event_is_shut_down(const lk_event_t *e);
int lk_event_is_signaled(const lk_event_t *e);
lkos_u32 lk_event_waiters(const lk_event_t *e);
lkos_u64 lk_event_id(const lk_event_t *e);	/* tracepoint object id */
/* Called (lock held, any context) whenever readiness may have changed.
 * The lock is a raw spinlock with interrupts off: notify must not sleep or
 * take a lock that sleeps on PREEMPT_RT (spinlock_t, a wait queue's lock;
 * lkport's own observers defer such wake-ups to an irq_work there). The
 * same holds for every *_set_notify below. */
void lk_event_set_notify(lk_event_t *e, void (*notify)(void *ctx), void *ctx);

/* ---- ports ------------------------------------------------------------------- */
#define LK_PORT_NAME_LEN	64	/* bytes including the NUL */
#define LK_PORT_PACKET_LEN	16
#define LK_PORT_GROUP_MAX	256
#define LK_PORT_MAX_CAPACITY	4096

typedef enum {
	LK_PORT_MODE_BROADCAST = 0,
	LK_PORT_MODE_UNICAST = 1,
	LK_PORT_MODE_BIG_BUFFER = 2,
} lk_port_mode_t;

typedef struct lk_port_packet {
	unsigned char value[LK_PORT_PACKET_LEN];
} lk_port_packet_t;

typedef struct lk_port_result {
	void *ctx;
	lk_port_packet_t packet;
} lk_port_result_t;

typedef void *lk_port_t;

int lk_port_create(const char *name, lk_port_mode_t mode, lk_port_t *port);
int lk_port_open(const char *name, void *ctx, lk_port_t *port);
int lk_port_group(lk_port_t *ports, lkos_size count, lk_port_t *group);
int lk_port_group_add(lk_port_t group, lk_port_t port);
int lk_port_group_remove(lk_port_t group, lk_port_t port);
int lk_port_write(lk_port_t port, const lk_port_packet_t *pk, lkos_size count);
int lk_port_read(lk_port_t port, lk_time_t timeout, lk_port_result_t *result);
int lk_port_destroy(lk_port_t port);
int lk_port_close(lk_port_t port);
/* Longer names for the same calls, which say what they take. */
int lk_port_read_timeout(lk_port_t port, lk_time_t timeout, lk_port_result_t *result);
int lk_port_group_create(lk_port_t *ports, lkos_size count, lk_port_t *group);
int lk_port_group_read_timeout(lk_port_t group, lk_time_t timeout, lk_port_result_t *result);

/* lkport extensions. */
/* capacity: packets, a power of two up to LK_PORT_MAX_CAPACITY; 0 = LK's
 * default. user: the caller's, handed to open_check. */
int lk_port_create_ex(const char *name, lk_port_mode_t mode, unsigned int capacity,
		      void *user, lk_port_t *port);
/* allow(user, arg) decides, under the port lock, whether the caller may
 * open; it must not sleep. ERR_ACCESS_DENIED when it refuses. */
int lk_port_open_ex(const char *name, void *ctx, int (*allow)(void *user, void *arg),
		    void *arg, lk_port_t *port);
/* Read port or group; up to max results, at least one; *got = count. */
int lk_port_read_many(lk_port_t port, lkos_u64 deadline_ns, int interruptible,
		      lk_port_result_t *results, lkos_size max, lkos_size *got);
int lk_port_readable(lk_port_t port);		/* read port or group */
/* Any port object: a write port's is lk_write_port_set_notify's. */
void lk_port_set_notify(lk_port_t port, void (*notify)(void *ctx), void *ctx);
unsigned int lk_port_capacity(lk_port_t write_port);
/* The bytes one ring of `capacity` packets asks lkos_alloc for (header
 * and packets): what a caller charging for rings rounds up to its
 * allocator's bucket. */
lkos_size lk_port_ring_bytes(unsigned int capacity);
/* The open write port of that name (LK_ERR_NOT_FOUND, or LK_ERR_BUSY when
 * it is closed); the caller keeps it alive by its own means. */
int lk_port_find_writer(const char *name, lk_port_t *port);
/* The `user` a write port was created with (lk_port_create_ex). */
void *lk_port_user(lk_port_t write_port);
/* As lk_port_write; delivered/skipped (may be NULL): readers (or the
 * writer's own ring) that took the packets, readers skipped as full. Both
 * bound the work done under each hold of the port lock, as
 * lk_write_port_write_bounded says. */
int lk_port_write_ex(lk_port_t port, const lk_port_packet_t *pk, lkos_size count,
		     unsigned int *delivered, unsigned int *skipped);

/* Object kinds, as in tracepoints. */
#define LK_KIND_MUTEX		1
#define LK_KIND_SEMAPHORE	2
#define LK_KIND_EVENT		3
#define LK_KIND_WRITE_PORT	4
#define LK_KIND_READ_PORT	5
#define LK_KIND_PORT_GROUP	6

typedef struct lk_port_info {
	lkos_u64 id;
	unsigned int kind;		/* LK_KIND_* */
	unsigned int mode;		/* write port (and its readers) */
	unsigned int capacity;
	unsigned int queued;		/* group: its members' */
	unsigned int waiters;
	unsigned int members;		/* group */
	unsigned char closed;		/* write port closed for writing */
	unsigned char cancelled;	/* read port: writer destroyed; group:
					 * every member's */
	unsigned char grouped;		/* read port in a group */
	unsigned char broken;		/* read port: its mapped ring's head was
					 * moved out of range */
} lk_port_info_t;

/* Any port object; any context. */
int lk_port_info(lk_port_t port, lk_port_info_t *out);

/* ---- typed port handles (lkport) ------------------------------------------------
 * LK's lk_port_t is one type for three kinds of object, so each generic call
 * finds out under the port lock which kind it was given. Callers that know
 * the kind use these instead: each handle type names one kind, the compiler
 * keeps them apart, and each call goes straight to that kind's operation.
 * The pointers are the same objects as LK's handles: a typed handle may be
 * passed wherever an lk_port_t is taken (C converts it implicitly), and a
 * handle a generic call returned may be used as the typed handle of the
 * kind it is. Statuses, contexts and semantics are the generic calls'.
 */
typedef struct lk_write_port *lk_write_port_t;
typedef struct lk_read_port *lk_read_port_t;
typedef struct lk_port_group *lk_port_group_t;

/* As lk_port_create_ex; on LK_ERR_ALREADY_EXISTS *port is the existing one. */
int lk_write_port_create(const char *name, lk_port_mode_t mode, unsigned int capacity,
			 void *user, lk_write_port_t *port);
/* As lk_port_find_writer. */
int lk_write_port_find(const char *name, lk_write_port_t *port);
/* As lk_port_write_ex, but always under one hold of the port lock (not
 * bounded): for interrupt context, where a hold is as long either way and
 * a write must not make an overlapping bounded one give up its bound.
 * delivered/skipped may be NULL. */
int lk_write_port_write(lk_write_port_t port, const lk_port_packet_t *pk, lkos_size count,
			unsigned int *delivered, unsigned int *skipped);
/* lkport's back-pressure write (LK has none): waits until every ring the
 * write goes to (each reader's; the port's own while it has no reader) has
 * room for all `count` packets, then writes as lk_port_write_ex. Until
 * then nothing is written to anyone: LK_ERR_TIMED_OUT once deadline_ns
 * (absolute CLOCK_MONOTONIC; LK_DEADLINE_NONE: do not wait;
 * LK_DEADLINE_FOREVER) passes, LK_ERR_INTERRUPTED on a signal if
 * interruptible, LK_ERR_BAD_HANDLE once the port is closed (a writer
 * waiting then is woken and gets it), LK_ERR_INVALID_ARGS for count past
 * the port's capacity. A reader that reads makes room and wakes the
 * writer; one that closes no longer holds it back. Process context, may
 * sleep; with LK_DEADLINE_NONE it never sleeps (any context). Interrupt
 * handlers write with lk_write_port_write. The caller keeps the port from
 * being destroyed until this returns. delivered/skipped may be NULL. */
int lk_write_port_write_wait(lk_write_port_t port, const lk_port_packet_t *pk, lkos_size count,
			     lkos_u64 deadline_ns, int interruptible,
			     unsigned int *delivered, unsigned int *skipped);
int lk_write_port_close(lk_write_port_t port);	/* LK_ERR_BAD_HANDLE if closed */
int lk_write_port_destroy(lk_write_port_t port);	/* LK_ERR_BAD_HANDLE if open */
unsigned int lk_write_port_capacity(lk_write_port_t port);
void *lk_write_port_user(lk_write_port_t port);
int lk_write_port_info(lk_write_port_t port, lk_port_info_t *out);

/* As lk_port_open_ex (allow may be NULL: anyone may open). */
int lk_read_port_open(const char *name, void *ctx, int (*allow)(void *user, void *arg),
		      void *arg, lk_read_port_t *port);

/* Names and namespaces. Every port name lives in a namespace, told by a
 * key; the calls above and LK's use LK_PORT_NS_INITIAL, the namespace
 * of the kernel and of /dev/lkport callers in the initial IPC namespace.
 * /dev/lkport gives every other IPC namespace a key of its own (README,
 * "Names and namespaces"), so a name there is not seen from elsewhere.
 * These take the key; they are the module's own (not exported), for the
 * glue, which keeps a key unique while a write port holds it. */
#define LK_PORT_NS_INITIAL 0
int lk_write_port_create_ns(const char *name, lkos_u64 ns, lk_port_mode_t mode,
			    unsigned int capacity, void *user, lk_write_port_t *port);
int lk_write_port_find_ns(const char *name, lkos_u64 ns, lk_write_port_t *port);
/* As lk_write_port_find_ns, but a closed write port that still holds its
 * name is found too (LK_NO_ERROR; lk_write_port_info says it is closed):
 * for ending a closed port by name. LK_ERR_NOT_FOUND if there is none. */
int lk_write_port_find_named_ns(const char *name, lkos_u64 ns, lk_write_port_t *port);
int lk_read_port_open_ns(const char *name, lkos_u64 ns, void *ctx,
			 int (*allow)(void *user, void *arg), void *arg,
			 lk_read_port_t *port);

/* As lk_port_write_ex (which calls it): the work under each hold of the
 * port lock is bounded (PortRegistry::write_bounded); a call that overlaps
 * another bounded one on the same write port is done in one hold. The
 * caller keeps the port from being destroyed meanwhile. Any context; not
 * exported. */
int lk_write_port_write_bounded(lk_write_port_t port, const lk_port_packet_t *pk,
				lkos_size count, unsigned int *delivered,
				unsigned int *skipped);

/* The two steps of lk_write_port_write_wait, for the glue, which holds
 * its per-port write mutex for the first and not across the second:
 * write only if every ring has room now (else LK_ERR_NOT_READY, nothing
 * written; any context), and wait for room (process context; the room may
 * be taken again before the next write). Not exported. */
int lk_write_port_write_if_room(lk_write_port_t port, const lk_port_packet_t *pk,
				lkos_size count, unsigned int *delivered,
				unsigned int *skipped);
int lk_write_port_wait_room(lk_write_port_t port, lkos_size count, lkos_u64 deadline_ns,
			    int interruptible);
/* A write as lk_write_port_write_bounded (if_room: _write_if_room) that
 * the glue makes without its write mutex: done when it fits one hold of
 * the port lock and no bounded write is under way, else LK_ERR_BUSY and
 * nothing written, for the glue to take the mutex and write as usual
 * (PortRegistry::write_one_hold). Any context; not exported. */
int lk_write_port_write_one_hold(lk_write_port_t port, const lk_port_packet_t *pk,
				 lkos_size count, int if_room, unsigned int *delivered,
				 unsigned int *skipped);
/* Readiness for poll (PortRegistry::writable): 1 when a back-pressure
 * write of one packet would not wait (or the port is closed: it would
 * fail), else 0, and the notify below is called once room is made. Any
 * context. */
int lk_write_port_writable(lk_write_port_t port);
void lk_write_port_set_notify(lk_write_port_t port, void (*notify)(void *ctx), void *ctx);
/* Zero-syscall send (PortRegistry::map_writer, kick_source, wait_source):
 * the write port's mapped write ring, made once (the same on later
 * calls), in memory that may be mapped into its writers' processes
 * (lk_port_source_shared: lk_port_source_bytes(capacity) of it, laid out
 * as the uapi's struct lkport_wring); thread context. The port lets go of
 * it at destroy; lk_port_source_free then frees it, once nothing maps it.
 * The kick: take what it holds, *room its free slots then (any context);
 * the wait: that, and while it is full, wait for room (process
 * context). */
typedef struct lk_port_source *lk_port_source_t;
int lk_write_port_map(lk_write_port_t port, lk_port_source_t *source);
void *lk_port_source_shared(lk_port_source_t source);
lkos_size lk_port_source_bytes(unsigned int capacity);
void lk_port_source_free(lk_port_source_t source);
int lk_write_port_kick(lk_write_port_t port, unsigned int *room);
int lk_write_port_wait_source(lk_write_port_t port, lkos_u64 deadline_ns, int interruptible,
			      unsigned int *room);
#define LK_PORT_SOURCE_TAIL_OFFSET	0
#define LK_PORT_SOURCE_HEAD_OFFSET	64
#define LK_PORT_SOURCE_MASK_OFFSET	68
#define LK_PORT_SOURCE_FLAGS_OFFSET	72
#define LK_PORT_SOURCE_KICK		1u

/* What port writes cost with interrupts off (PortRegistry::write_hold_stats):
 * the longest hold of the port lock by a write, the most packets one hold
 * copied, the number of holds; reset: from zero again. Measured in debug
 * builds only (LKPORT_DEBUG=1), else zero. Any context; not exported. */
typedef struct lk_port_hold_stats {
	lkos_u64 max_ns;
	lkos_u64 holds;
	unsigned int max_packets;
} lk_port_hold_stats_t;
void lk_port_write_hold_stats(lk_port_hold_stats_t *out, int reset);
int lk_read_port_read_many(lk_read_port_t port, lkos_u64 deadline_ns, int interruptible,
			   lk_port_result_t *results, lkos_size max, lkos_size *got);
int lk_read_port_readable(lk_read_port_t port);
void lk_read_port_set_notify(lk_read_port_t port, void (*notify)(void *ctx), void *ctx);
/* The notify, and active: whether a poller is queued now (the mapped
 * write ring's kick flag follows it); lk_read_port_poll_arm, from every
 * poll: a poller about to sleep (PortRegistry::poll_arm). Any context. */
void lk_read_port_set_poll(lk_read_port_t port, void (*notify)(void *ctx), int (*active)(void *ctx),
			   void *ctx);
void lk_read_port_poll_arm(lk_read_port_t port);
int lk_read_port_close(lk_read_port_t port);
int lk_read_port_info(lk_read_port_t port, lk_port_info_t *out);
/* Zero-syscall receive (PortRegistry::map_reader, map_sync): the read
 * port's ring in memory that may be mapped into its reader's process
 * (lkos_alloc_shared; *bytes of it, laid out as the uapi's struct
 * lkport_ring), the same on every call; thread context. The sync: after
 * the process took packets from it while its flags were set; any
 * context. */
int lk_read_port_map(lk_read_port_t port, void **shared, lkos_size *bytes);
/* Where the shared ring's fields are (the core's PortRingShared). */
#define LK_PORT_RING_HEAD_OFFSET	0
#define LK_PORT_RING_TAIL_OFFSET	64
#define LK_PORT_RING_MASK_OFFSET	68
#define LK_PORT_RING_FLAGS_OFFSET	72
#define LK_PORT_RING_CTX_OFFSET		80
#define LK_PORT_RING_PACKETS_OFFSET	128
#define LK_PORT_RING_SYNC_GROUP		1u
#define LK_PORT_RING_SYNC_ROOM		2u
int lk_read_port_map_sync(lk_read_port_t port);

/* As lk_port_group: LK_ERR_BAD_HANDLE for a member already grouped or
 * listed twice. */
int lk_port_group_new(lk_read_port_t *ports, lkos_size count, lk_port_group_t *group);
int lk_port_group_add_member(lk_port_group_t group, lk_read_port_t port);
int lk_port_group_remove_member(lk_port_group_t group, lk_read_port_t port);
int lk_port_group_read_many(lk_port_group_t group, lkos_u64 deadline_ns, int interruptible,
			    lk_port_result_t *results, lkos_size max, lkos_size *got);
int lk_port_group_readable(lk_port_group_t group);
void lk_port_group_set_notify(lk_port_group_t group, void (*notify)(void *ctx), void *ctx);
int lk_port_group_close(lk_port_group_t group);
int lk_port_group_info(lk_port_group_t group, lk_port_info_t *out);

/* ---- handler table ------------------------------------------------------------- */
/* A module-wide HandlerTable<LK_HANDLER_SLOTS> for C callers. */
#define LK_HANDLER_SLOTS 256

typedef struct lk_handler {
	void (*fn)(void *ctx);
	void *ctx;
} lk_handler_t;

int lk_handler_register(unsigned int idx, const lk_handler_t *h);	/* 1 if installed */
int lk_handler_handle(unsigned int idx);				/* 1 if one ran */
/* Removes and waits until no CPU runs it (sleeps); returns the old one. */
const lk_handler_t *lk_handler_unregister(unsigned int idx);

#ifdef __cplusplus
}
#endif

#endif /* LK_CAPI_H */
