/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Little Kernel's API in user space, over /dev/lkport.
 *
 * The functions are LK's, with an lk_ prefix, and return LK's status codes
 * (LK_NO_ERROR, LK_ERR_TIMED_OUT, ...); <lkport/lk_compat.h> maps LK's
 * unprefixed names onto these so that LK code ports over unchanged.
 * Handles are file descriptors: they work with poll/epoll and pass to
 * other processes like any fd.
 *
 * Differences from LK a porter should know:
 *  - objects have names, permission bits and an owner; events are shared
 *    by name between processes (lk_event_create / lk_event_open);
 *  - a wait may end with LK_ERR_INTERRUPTED when a signal handler runs
 *    (LK has no signals); timeouts are deadlines, never stretched by a
 *    retry;
 *  - LK_ERR_NO_RESOURCES: a per-user limit was reached (EDQUOT);
 *  - LK_ERR_NOT_SUPPORTED: /dev/lkport is missing (module not loaded), or
 *    the module is older than the ABI this library was built for.
 *
 * Waiting. Every call that waits comes in two forms: a relative timeout
 * in LK's milliseconds (lk_time_t: 0 does not block, LK_INFINITE_TIME
 * waits for ever), turned into a deadline once, on entry; and an absolute
 * CLOCK_MONOTONIC deadline in nanoseconds (_deadline, or a deadline_ns
 * argument: 0 does not block, LKPORT_FOREVER waits for ever), for loops
 * that must not stretch their wait. lk_deadline_after_ms converts.
 *
 * Permission bits. Creating calls take them (mode_t perm, 0 to 0777,
 * less the caller's umask, as for files); the calls that take none use
 * 0600, the owner alone. Reading or waiting on an object opened by name
 * needs read permission, writing or signalling needs write permission.
 *
 * Handles and who may end an object. A handle is the caller's own: any
 * holder may close it (close(2), lk_event_destroy, lk_port_close on a
 * read port or group), which never disturbs another handle of the same
 * object; an object goes when its last handle does. Ending an object for
 * every holder at once (lk_port_close and lk_port_destroy on a write
 * port, lk_event_destroy_all) is for its owner, the user that created it (or a caller with
 * CAP_DAC_OVERRIDE in the initial user namespace), through a handle that
 * may write to it; any other caller gets LK_ERR_NOT_ALLOWED and nothing
 * changes. Groups have no name and no owner beyond their fd's holders.
 *
 * Wrong handles. A call given a handle of another kind (a write to a read
 * port, a read of a write port, an event call on a port, an fd that is
 * no lkport object) returns LK_ERR_BAD_HANDLE, as LK's calls do.
 */
#ifndef LKPORT_LK_H
#define LKPORT_LK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/lkport.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int lk_status_t;

/* LK's status codes: LK_NO_ERROR, LK_ERR_TIMED_OUT, ..., with LK's values,
 * one per entry of <linux/lkport_status.h>. */
enum {
#define LK_STATUS_CODE(name, value, err, inverse, text) LK_##name = (value),
	LKPORT_STATUS_LIST(LK_STATUS_CODE)
#undef LK_STATUS_CODE
};

/* LK status for an errno (the inverse of the module's table: the list's
 * entries marked inverse; LK_ERR_GENERIC for any other errno). */
lk_status_t lk_status_from_errno(int err);
/* "LK_ERR_TIMED_OUT" */
const char *lk_status_str(lk_status_t status);

typedef uint32_t lk_time_t;			/* milliseconds */
#define LK_INFINITE_TIME	UINT32_MAX

/* An absolute CLOCK_MONOTONIC deadline `timeout` ms from now (0 stays 0:
 * do not block; LK_INFINITE_TIME gives LKPORT_FOREVER). */
uint64_t lk_deadline_after_ms(lk_time_t timeout);

/* The process's /dev/lkport, opened on first use (O_CLOEXEC); -errno,
 * -EPROTONOSUPPORT if the module does not speak this library's ABI (see
 * lkport_version_compatible). */
int lk_device(void);

/* ---- events ---------------------------------------------------------------- */
#define LK_EVENT_FLAG_AUTOUNSIGNAL	1u

typedef struct lk_event {
	int fd;
} lk_event_t;

/* A new named event (LK's event_init, plus a name and permission bits). */
lk_status_t lk_event_create(lk_event_t *e, const char *name, bool initial,
			    unsigned int flags, mode_t perm);
/* An existing one; access: LKPORT_ACCESS_WAIT and/or LKPORT_ACCESS_SIGNAL. */
lk_status_t lk_event_open(lk_event_t *e, const char *name, unsigned int access);
/* LK's event_init: a new anonymous event, with no name, reached only
 * through its handle (share the fd: fork, SCM_RIGHTS), as an eventfd.
 * It is the caller's, as any object it creates. On failure e->fd is -1. */
lk_status_t lk_event_init(lk_event_t *e, bool initial, unsigned int flags);
/* Closes this handle; the event goes when its last handle does. Other
 * handles of it are not disturbed. */
lk_status_t lk_event_destroy(lk_event_t *e);
/* LK's event_destroy, which <lkport/lk_compat.h> maps event_destroy to:
 * ends the event for every handle. Waiters anywhere wake with
 * LK_ERR_OBJECT_DESTROYED, and every later wait, signal and unsignal
 * returns it; its name is free again. The owner's call, through a handle
 * opened to signal (LK_ERR_NOT_ALLOWED for another user, LK_ERR_BAD_HANDLE
 * for a wait-only handle: then nothing else changes); LK_ERR_OBJECT_-
 * DESTROYED if another handle destroyed it already. This handle is
 * closed in every case, as LK's event_destroy, which returns nothing,
 * leaves nothing to clean up. */
lk_status_t lk_event_destroy_all(lk_event_t *e);
lk_status_t lk_event_wait(lk_event_t *e);
lk_status_t lk_event_wait_timeout(lk_event_t *e, lk_time_t timeout);
lk_status_t lk_event_wait_deadline(lk_event_t *e, uint64_t deadline_ns);
/* The number of threads this signal released from a blocking wait
 * (lk_event_wait*, in any process) (>= 0), or a status (< 0). Threads
 * waiting through poll/epoll on the event's fd are told too (EPOLLIN)
 * but not counted: they have not passed the event, and with auto-unsignal
 * the first to call lk_event_wait* takes it. So an auto-unsignal event
 * that nobody waited on in lk_event_wait* returns 0 and stays signalled
 * for the next waiter, epoll or not; a persistent one returns how many
 * it let through and stays signalled. Signalling a signalled event does
 * nothing and returns 0. */
int lk_event_signal(lk_event_t *e);
lk_status_t lk_event_unsignal(lk_event_t *e);
/* Both halves of a round trip: signal `to`, then wait on `e` until the
 * absolute CLOCK_MONOTONIC deadline, in one system call (module ABI 1.11,
 * LKPORT_FEATURE_CALL; with an older module, two). *signalled (may be
 * NULL) says whether the signal was made, whatever the status: a failed
 * signal returns its status with nothing waited for; a failed wait
 * (LK_ERR_TIMED_OUT, LK_ERR_INTERRUPTED, ...) after the signal returns the
 * wait's. Retry only the wait then (lk_event_wait_deadline), not this. */
lk_status_t lk_event_signal_wait(lk_event_t *to, lk_event_t *e, uint64_t deadline_ns,
				 bool *signalled);

/* ---- ports ------------------------------------------------------------------ */
typedef int lk_port_t;

typedef enum {
	LK_PORT_MODE_BROADCAST = LKPORT_PORT_BROADCAST,
	LK_PORT_MODE_UNICAST = LKPORT_PORT_UNICAST,
	LK_PORT_MODE_BIG_BUFFER = LKPORT_PORT_BIG_BUFFER,
} lk_port_mode_t;

#define LK_PORT_PACKET_LEN LKPORT_PACKET_SIZE

typedef struct lk_port_packet {
	uint8_t value[LK_PORT_PACKET_LEN];
} lk_port_packet_t;

typedef struct lk_port_result {
	void *ctx;
	lk_port_packet_t packet;
} lk_port_result_t;

/* A new write port, owned by the caller, permission bits 0600 less the
 * umask (only the owner may open it to read; lk_port_create_ex takes
 * others). On a name in use: LK_ERR_ALREADY_EXISTS and *port is left
 * alone, a stricter rule than LK's (lk_port_create_shared is LK's); on a
 * closed port's name: LK_ERR_BUSY. */
lk_status_t lk_port_create(const char *name, lk_port_mode_t mode, lk_port_t *port);
/* LK's port_create, which <lkport/lk_compat.h> maps port_create to: as
 * lk_port_create, but on a name in use by an open write port it returns
 * LK_ERR_ALREADY_EXISTS with *port another writer of that port (its mode
 * and capacity, not those asked for), when the port's permission bits
 * let the caller write (LK_ERR_ACCESS_DENIED otherwise, *port left
 * alone). A port a kernel module created has no fd: LK_ERR_ALREADY_EXISTS
 * with *port -1. Close the handle as any writer's. */
lk_status_t lk_port_create_shared(const char *name, lk_port_mode_t mode, lk_port_t *port);
lk_status_t lk_port_open(const char *name, void *ctx, lk_port_t *port);
lk_status_t lk_port_group(lk_port_t *ports, size_t count, lk_port_t *group);
lk_status_t lk_port_group_add(lk_port_t group, lk_port_t port);
lk_status_t lk_port_group_remove(lk_port_t group, lk_port_t port);
lk_status_t lk_port_write(lk_port_t port, const lk_port_packet_t *pk, size_t count);
/* A read port or a group. */
lk_status_t lk_port_read(lk_port_t port, lk_time_t timeout, lk_port_result_t *result);
/* As lk_port_read, until an absolute CLOCK_MONOTONIC deadline (ns). */
lk_status_t lk_port_read_deadline(lk_port_t port, uint64_t deadline_ns, lk_port_result_t *result);
/* Write port: no more writes, for every writer (the owner's call:
 * LK_ERR_NOT_ALLOWED for anyone else); the handle stays for
 * lk_port_destroy. Read port or group: gone, with the handle. (Any handle that is not a
 * write port is closed.) A reader costs one ioctl before the close: the
 * kind of an fd is known only to the module, and lk_port_t is a bare fd
 * with no room to remember it (a table kept here would go stale through
 * dup, fd passing and close(2)). A write port costs none beyond its own
 * LKPORT_IOC_PORT_CLOSE, which is what tells the two apart. */
lk_status_t lk_port_close(lk_port_t port);
/* A closed write port: readers drain, then get LK_ERR_CANCELLED; the
 * name is free again. Also closes the handle. The owner's call, as
 * lk_port_close; LK_ERR_BAD_HANDLE for a port still open or a reader. */
lk_status_t lk_port_destroy(lk_port_t port);

/* Longer names for the same calls, which say what they take. */
lk_status_t lk_port_read_timeout(lk_port_t port, lk_time_t timeout, lk_port_result_t *result);
lk_status_t lk_port_group_create(lk_port_t *ports, size_t count, lk_port_t *group);
lk_status_t lk_port_group_read_timeout(lk_port_t group, lk_time_t timeout, lk_port_result_t *result);
lk_status_t lk_port_group_read_deadline(lk_port_t group, uint64_t deadline_ns,
					lk_port_result_t *result);

/* lkport's extensions. capacity: packets (power of two up to
 * LKPORT_CAPACITY_MAX, 0 = LK's default); perm: permission bits (see
 * above); flags: LKPORT_PORT_SHARE (a name in use gives another writer
 * of that port and LK_NO_ERROR), LKPORT_PORT_EXISTING (only that;
 * LK_ERR_BUSY for a closed port), and with it LKPORT_PORT_CLOSED (ABI
 * 1.6): a closed port's writer too, for its owner (LK_ERR_NOT_ALLOWED for
 * others), which can do nothing but lk_port_destroy it. */
lk_status_t lk_port_create_ex(const char *name, lk_port_mode_t mode, unsigned int capacity,
			      mode_t perm, unsigned int flags, lk_port_t *port);
/* skipped (may be NULL): readers whose ring was full. */
lk_status_t lk_port_write_ex(lk_port_t port, const lk_port_packet_t *pk, size_t count,
			     unsigned int *delivered, unsigned int *skipped);
/* Back-pressure writes (ABI 1.6, LKPORT_WRITE_WAIT in <linux/lkport.h>):
 * wait until every reader's ring (the port's own while it has none) has
 * room for all count packets, then write them to every reader. The
 * slowest reader paces the writer; a reader that reads makes room, one
 * that closes no longer holds the write back. Until then nothing is
 * written to anyone: LK_ERR_TIMED_OUT when the timeout (ms; 0: write to
 * every reader or none, at once; LK_INFINITE_TIME) or the absolute
 * CLOCK_MONOTONIC deadline (ns; 0 likewise, LKPORT_FOREVER) passes,
 * LK_ERR_INTERRUPTED on a signal (an SA_RESTART handler restarts it),
 * LK_ERR_BAD_HANDLE once the port is closed or destroyed,
 * LK_ERR_INVALID_ARGS for more packets than the port's capacity. Only an
 * interrupt source bound to the port can fill a ring between the moment
 * every ring had room and the copy (LK_ERR_PARTIAL_WRITE, as
 * lk_port_write_ex). delivered/skipped (may be NULL) as lk_port_write_ex;
 * 0 on failure. */
lk_status_t lk_port_write_timeout(lk_port_t port, const lk_port_packet_t *pk, size_t count,
				  lk_time_t timeout);
lk_status_t lk_port_write_deadline(lk_port_t port, const lk_port_packet_t *pk, size_t count,
				   uint64_t deadline_ns);
lk_status_t lk_port_write_deadline_ex(lk_port_t port, const lk_port_packet_t *pk, size_t count,
				      uint64_t deadline_ns, unsigned int *delivered,
				      unsigned int *skipped);
/* Up to max results (at least one, waiting until the deadline). */
lk_status_t lk_port_read_many(lk_port_t port, uint64_t deadline_ns, lk_port_result_t *results,
			      size_t max, size_t *got);
/* As lk_port_read_many, waiting at most timeout ms. */
lk_status_t lk_port_read_many_timeout(lk_port_t port, lk_time_t timeout, lk_port_result_t *results,
				      size_t max, size_t *got);
/* A request and the wait for its reply (or a reply and the wait for the
 * next request) in one system call (module ABI 1.11, LKPORT_FEATURE_CALL;
 * with an older module, two): writes count packets (1 to
 * LKPORT_CAPACITY_MAX, else LK_ERR_INVALID_ARGS) to the write port
 * `out` as lk_port_write does (a reader with no room is skipped), then
 * reads up to max results from `in` (a read port or a group) as
 * lk_port_read_many. *written (may be NULL) says whether the write was
 * made, whatever the status: a failed write returns its status with
 * nothing read; a failed read after the write returns the read's
 * (LK_ERR_TIMED_OUT, LK_ERR_INTERRUPTED, LK_ERR_CANCELLED, ...). Retry
 * only the read then (lk_port_read_many), not this. */
lk_status_t lk_port_write_read(lk_port_t out, const lk_port_packet_t *pk, size_t count,
			       lk_port_t in, uint64_t deadline_ns, lk_port_result_t *results,
			       size_t max, size_t *got, bool *written);

/*
 * Zero-syscall receive (module ABI 1.7: LKPORT_FEATURE_MAP_RING). A read
 * port's ring mapped into the process: lk_port_map_take takes what is
 * queued without a system call; lk_port_map_read does so too and calls
 * into the kernel only to wait when the ring is empty (and to tell the
 * port's group, or a writer waiting for room, what was taken, while one
 * needs it). Reads through the handle itself (lk_port_read, ...) and
 * through the map may be mixed, from any number of threads: every packet
 * goes to one of them. The map is the caller's: one per thread or shared,
 * valid until lk_port_unmap (the handle may be closed after that only).
 * A group has no map: map its members, or read the group.
 * LK_ERR_NOT_SUPPORTED from an older module; LK_ERR_BAD_HANDLE for a
 * handle that is not a read port; LK_ERR_NO_RESOURCES past the per-user
 * byte limit; LK_ERR_BAD_STATE once something scribbled on the ring's
 * indices (only this read port is affected).
 */
typedef struct lk_port_map {
	struct lkport_ring *ring;
	size_t bytes;			/* mapped */
	uint32_t mask;			/* capacity - 1, as mapped */
	int fd;				/* the read port */
	void *ctx;			/* the read port's ctx */
} lk_port_map_t;
lk_status_t lk_port_map(lk_port_t port, lk_port_map_t *map);
/* Up to max queued packets, no wait, no system call unless the kernel
 * asks to be told: LK_NO_ERROR with *got >= 1, or LK_ERR_NOT_READY
 * (*got 0) when the ring is empty. */
lk_status_t lk_port_map_take(lk_port_map_t *map, lk_port_result_t *results, size_t max,
			     size_t *got);
/* As lk_port_read_many on the port, taking from the map first. */
lk_status_t lk_port_map_read(lk_port_map_t *map, uint64_t deadline_ns, lk_port_result_t *results,
			     size_t max, size_t *got);
void lk_port_unmap(lk_port_map_t *map);

/*
 * Zero-syscall send (module ABI 1.10: LKPORT_FEATURE_MAP_WRITE). A write
 * port's submission ring mapped into the process: lk_port_wmap_put copies
 * packets into it and moves its tail, with no system call; the kernel
 * takes them from there and writes them to the port, in order, as
 * back-pressure writes (lk_port_write_deadline): a packet leaves the ring
 * only once every reader's ring has room for it, and then reaches every
 * reader. It takes them when a reader reads, and at lk_port_wmap_kick and
 * the wait in lk_port_wmap_write; lk_port_wmap_put itself calls into the
 * kernel only while a reader is blocked (or polling, or in a group) and
 * must be told. The ring has one producer: one map of it in one thread at
 * a time, across every writer handle and process of the port (two maps
 * of one port write over each other's packets). Packets through the map
 * and through lk_port_write* are two streams, not ordered with each
 * other. The handle may be closed only after lk_port_wunmap. What the
 * kernel has not taken when the port closes (or its last writer handle
 * does) is written as far as the readers have room and dropped
 * otherwise: a producer that ends its stream by closing waits first
 * until ring->head reaches map->tail (its readers' reads take the rest).
 * LK_ERR_NOT_SUPPORTED from a module without the feature;
 * LK_ERR_BAD_HANDLE for a handle that is not a write port, or once the
 * port is closed (a put into room needs no call and cannot tell: what is
 * in the ring then is dropped; lk_port_wmap_kick tells);
 * LK_ERR_NO_RESOURCES past the per-user byte limit; LK_ERR_BAD_STATE once
 * something scribbled on the ring's indices (nothing more is taken from
 * it; the port's other writes go on).
 */
typedef struct lk_port_wmap {
	struct lkport_wring *ring;
	size_t bytes;			/* mapped */
	uint32_t mask;			/* capacity - 1, as mapped */
	uint32_t tail;			/* the producer's own: one past the last put */
	int fd;				/* the write port */
} lk_port_wmap_t;
lk_status_t lk_port_wmap(lk_port_t port, lk_port_wmap_t *map);
/* As many of count packets as the ring has room for, no wait: *put of
 * them, in order, from the first. LK_NO_ERROR with *put >= 1 (0 only for
 * count 0), LK_ERR_NOT_READY (*put 0) when the ring is full. A status
 * with *put > 0 is the kernel's answer to the kick that followed: the
 * packets are in the ring, and LK_ERR_BAD_HANDLE (a closed port) or
 * LK_ERR_BAD_STATE says they will not be taken. */
lk_status_t lk_port_wmap_put(lk_port_wmap_t *map, const lk_port_packet_t *packets, size_t count,
			     size_t *put);
/* All count packets (any number: past the ring's capacity too), waiting
 * in the kernel for room while the ring is full, until the absolute
 * CLOCK_MONOTONIC deadline (ns; 0: what fits now, then LK_ERR_TIMED_OUT;
 * LKPORT_FOREVER). LK_NO_ERROR once all are in the ring (not yet at the
 * readers: the kernel takes them as their rings make room);
 * LK_ERR_TIMED_OUT, LK_ERR_INTERRUPTED (a signal; an SA_RESTART handler
 * restarts the wait), LK_ERR_BAD_HANDLE (closed) or LK_ERR_BAD_STATE
 * otherwise, with the packets that fit before it in the ring: map->tail
 * moved past them. */
lk_status_t lk_port_wmap_write(lk_port_wmap_t *map, uint64_t deadline_ns,
			       const lk_port_packet_t *packets, size_t count);
/* Has the kernel take what the ring holds now (as far as every reader's
 * ring has room) and wake the readers it reached; needed only by a
 * caller that wants to know the port is still open and the ring whole. */
lk_status_t lk_port_wmap_kick(lk_port_wmap_t *map);
void lk_port_wunmap(lk_port_wmap_t *map);

/* What any handle is (kind, name, owner, waiters, queued packets, ...). */
lk_status_t lk_object_info(int fd, struct lkport_info *info);

#ifdef __cplusplus
}
#endif

#endif /* LKPORT_LK_H */
