/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lkport: Little Kernel's events, ports and port groups for Linux user space.
 *
 * The ABI of /dev/lkport. Rules it keeps: fixed-width types only, pointers
 * as __u64, explicit padding, every struct a multiple of 8 bytes (so 32-bit
 * callers share it unchanged), reserved fields, unknown flags and garbage
 * after a name's NUL rejected with EINVAL, extension only at the end or by
 * new commands. Unknown commands fail with ENOTTY.
 *
 * Struct sizes. A command is matched by its type, number and direction;
 * the size encoded in it is the caller's struct, which may be older or
 * newer than the module's:
 *  - A struct grows only at its end, by fields whose zero value means what
 *    the older struct meant. The module keeps, per command, the size it was
 *    introduced with (today every struct is still at that size).
 *  - Smaller than the module's (an older caller): the module reads the
 *    bytes given and takes the rest as zero; it writes back only as many
 *    bytes as the caller's struct has.
 *  - Larger than the module's (a newer caller): the extra bytes must be
 *    zero, else the call fails with E2BIG (the caller asked for something
 *    this module does not know); output bytes past the module's struct
 *    come back zero. Commands that only return data (_IOR) read nothing
 *    from the caller, so their extra bytes may hold anything.
 *  - Smaller than the command's first size, or any size on a command
 *    without an argument (_IO): no such command, ENOTTY. So is a known
 *    number with the wrong direction.
 *  - A command is refused with EBADF, before its argument is read, on an
 *    fd not opened for it (an event fd opened only to wait cannot signal).
 *  - An argument the module writes back (_IOWR) is checked writable before
 *    anything changes: in read-only memory the call fails with EFAULT and
 *    nothing happened.
 *
 * Objects. /dev/lkport creates and opens named objects; each comes back as
 * a file descriptor of its own (an event, a write port, a read port or a
 * port group), which works with poll/epoll, can be passed to other
 * processes like any fd, and keeps the object alive: an object lives as
 * long as a descriptor refers to it (a write port's packets live on in its
 * readers). O_CLOEXEC in fd_flags is honoured; no other fd flag is taken.
 *
 * Names: 1 to LKPORT_NAME_MAX (63) bytes from [A-Za-z0-9._-], NUL-padded to
 * LKPORT_NAME_LEN. Events and write ports have separate name spaces, each
 * per IPC namespace (as POSIX message queues): an object's name is in the
 * IPC namespace of the process that created it, and creating, opening and
 * joining by name look only in the caller's (another namespace's name is
 * ENOENT there, and free to take). Fds work in any namespace they are
 * passed to; groups have no name.
 *
 * Permissions: an object records its creator's uid and gid and the
 * permission bits given at creation, less the creator's umask. Opening it
 * by name needs read permission to wait or read, write permission to
 * signal or write, checked as for files (owner, group, other; CAP_DAC_-
 * OVERRIDE bypasses). A descriptor opened for waiting only cannot signal
 * (EBADF), and the other way round. One rule for ending objects: closing
 * a descriptor is always its holder's and touches no other; ending an
 * object for everyone (LKPORT_IOC_PORT_CLOSE, _DESTROY on a write port,
 * LKPORT_IOC_EVENT_DESTROY) needs more than write permission: as
 * unlinking a message queue, it is for the object's owner (the caller's
 * fsuid is the creator's uid) or CAP_DAC_OVERRIDE in the initial user
 * namespace; other writers get EPERM. Groups have no owner but their
 * descriptors' holders.
 *
 * Limits: each user may hold at most max_objects_per_user objects and
 * max_bytes_per_user bytes of packet rings (module parameters, visible and
 * settable in /sys/module/lkport/parameters/); past either, creating or
 * opening fails with EDQUOT. CAP_SYS_RESOURCE bypasses both. A write port
 * and each read port of it hold one ring, charged what the kernel
 * allocates for it: capacity * LKPORT_PACKET_SIZE bytes and a small
 * header, rounded up to kmalloc's size class (8 packets: 192 bytes; 64:
 * 2 KiB; 4096: 128 KiB). Events and groups hold no ring. The memory of
 * every object is also charged to the creator's memory cgroup.
 *
 * Time: every wait takes an absolute CLOCK_MONOTONIC deadline in
 * nanoseconds (as the caller's clock_gettime sees it, time namespaces
 * included); 0 never blocks, LKPORT_FOREVER never times out, nor does a
 * deadline past what the kernel's clock can hold once the caller's time
 * namespace offset is taken off (it saturates). A wait ended
 * by a signal restarts after an SA_RESTART handler (the deadline does not
 * move) and otherwise fails with EINTR.
 *
 * Status codes inside are LK's; at this boundary they become errnos, as
 * <linux/lkport_status.h> lists them: each status with its errno and what
 * it means, the few calls that report a status by another errno, and the
 * errnos of the ioctl layer itself (EFAULT, EINVAL, EBADF, EDQUOT,
 * EMFILE/ENFILE, ENOTTY, and E2BIG for a newer caller's struct with
 * nonzero bytes past the module's; see "Struct sizes" above).
 */
#ifndef _UAPI_LINUX_LKPORT_H
#define _UAPI_LINUX_LKPORT_H

#include <linux/ioctl.h>
#include <linux/lkport_status.h>
#include <linux/types.h>

#define LKPORT_DEVICE		"/dev/lkport"
#define LKPORT_IOC_MAGIC	0xB8

#define LKPORT_ABI_MAJOR	1	/* incompatible changes */
#define LKPORT_ABI_MINOR	11	/* compatible additions */

#define LKPORT_NAME_LEN		64	/* name fields, bytes with the NUL */
#define LKPORT_NAME_MAX		63	/* longest name */
#define LKPORT_PACKET_SIZE	16	/* bytes in one port packet */
#define LKPORT_CAPACITY_MAX	4096	/* packets in one ring */
#define LKPORT_GROUP_MAX	256	/* read ports in one group */
#define LKPORT_READ_MAX		64	/* packets one read call returns */

#define LKPORT_FOREVER		(~(__u64)0)	/* deadline: never time out */

/* Feature bits reported by LKPORT_IOC_VERSION. */
#define LKPORT_FEATURE_VERSION	(1ULL << 0)	/* this query */
#define LKPORT_FEATURE_EVENTS	(1ULL << 1)	/* named events */
#define LKPORT_FEATURE_PORTS	(1ULL << 2)	/* named ports */
#define LKPORT_FEATURE_GROUPS	(1ULL << 3)	/* port groups */
#define LKPORT_FEATURE_POLL	(1ULL << 4)	/* poll/epoll on object fds */
#define LKPORT_FEATURE_INFO	(1ULL << 5)	/* LKPORT_IOC_INFO */
#define LKPORT_FEATURE_READ	(1ULL << 6)	/* LKPORT_IOC_READ (ABI 1.3),
						 * size-tolerant commands */
#define LKPORT_FEATURE_IRQ	(1ULL << 7)	/* interrupt sources (ABI 1.4) */
#define LKPORT_FEATURE_EVENT_DESTROY (1ULL << 8) /* LKPORT_IOC_EVENT_DESTROY (ABI 1.5) */
#define LKPORT_FEATURE_ANON_EVENTS (1ULL << 9)	/* LKPORT_EVENT_ANONYMOUS (ABI 1.5) */
#define LKPORT_FEATURE_JOIN_CLOSED (1ULL << 10)	/* LKPORT_PORT_CLOSED (ABI 1.6) */
#define LKPORT_FEATURE_WRITE_WAIT (1ULL << 11)	/* LKPORT_WRITE_WAIT (ABI 1.6) */
#define LKPORT_FEATURE_MAP_RING	(1ULL << 12)	/* mmap of a read port (ABI 1.7) */
#define LKPORT_FEATURE_READ_WRITE (1ULL << 13)	/* read(2)/write(2) on ports, events (ABI 1.8) */
#define LKPORT_FEATURE_POLL_ROOM (1ULL << 14)	/* write port EPOLLOUT tracks room (ABI 1.9) */
#define LKPORT_FEATURE_MAP_WRITE (1ULL << 15)	/* mmap of a write port (ABI 1.10) */
#define LKPORT_FEATURE_CALL	(1ULL << 16)	/* LKPORT_IOC_WRITE_READ, LKPORT_IOC_SIGNAL_WAIT (ABI 1.11) */

/* ---- /dev/lkport ------------------------------------------------------------ */

/* LKPORT_IOC_VERSION: what the loaded module speaks. */
struct lkport_version {
	__u32 abi_major;		/* LKPORT_ABI_MAJOR of the module */
	__u32 abi_minor;		/* LKPORT_ABI_MINOR of the module */
	__u64 features;			/* LKPORT_FEATURE_* */
	char module_version[32];	/* NUL-terminated, e.g. "0.1.0" */
	__u64 reserved[4];		/* zero */
};

/* Event flags (create) */
#define LKPORT_EVENT_AUTOUNSIGNAL	(1u << 0)	/* LK's EVENT_FLAG_AUTOUNSIGNAL */
#define LKPORT_EVENT_SIGNALED		(1u << 1)	/* created signalled */
#define LKPORT_EVENT_ANONYMOUS		(1u << 2)	/* no name (ABI 1.5): name
							 * all zero; reached only
							 * through its fds (fork,
							 * SCM_RIGHTS), as an
							 * eventfd */

/* LKPORT_IOC_EVENT_CREATE -> event fd (may wait and signal). */
struct lkport_event_create {
	char name[LKPORT_NAME_LEN];
	__u32 flags;			/* LKPORT_EVENT_* */
	__u32 perm;			/* permission bits, 0 to 0777 */
	__u32 fd_flags;			/* O_CLOEXEC or 0 */
	__u32 reserved;			/* zero */
	__u64 reserved2[2];		/* zero */
};

/* Access asked for when opening by name. */
#define LKPORT_ACCESS_WAIT	(1u << 0)	/* needs read permission */
#define LKPORT_ACCESS_SIGNAL	(1u << 1)	/* needs write permission */

/* LKPORT_IOC_EVENT_OPEN -> event fd with the access asked for. */
struct lkport_event_open {
	char name[LKPORT_NAME_LEN];
	__u32 access;			/* LKPORT_ACCESS_*, at least one */
	__u32 fd_flags;			/* O_CLOEXEC or 0 */
	__u64 reserved[2];		/* zero */
};

/* Port modes (LK's port_mode_t) */
#define LKPORT_PORT_BROADCAST	0		/* every reader gets every packet */
#define LKPORT_PORT_UNICAST	(1u << 0)	/* one reader only */
#define LKPORT_PORT_BIG_BUFFER	(1u << 1)	/* 64-packet ring (unicast only) */

/* Port create flags */
#define LKPORT_PORT_SHARE	(1u << 0)	/* name in use by an open write
						 * port: hand back another
						 * writer of it (LK's
						 * port_create); needs write
						 * permission */
#define LKPORT_PORT_EXISTING	(1u << 1)	/* create nothing: only another
						 * writer of the open port of
						 * that name (ENOENT if none,
						 * EBUSY if closed); mode,
						 * capacity and perm must be 0 */
#define LKPORT_PORT_CLOSED	(1u << 2)	/* with _EXISTING (ABI 1.6): a
						 * closed port's writer too,
						 * for its owner only (EPERM
						 * for others), so that it can
						 * be destroyed by name; an
						 * open port is joined as
						 * without it */

/* LKPORT_IOC_PORT_CREATE -> write port fd. */
struct lkport_port_create {
	char name[LKPORT_NAME_LEN];
	__u32 mode;			/* LKPORT_PORT_* mode bits */
	__u32 capacity;			/* packets, power of two up to
					 * LKPORT_CAPACITY_MAX; 0 = LK's
					 * default (8, 64 with BIG_BUFFER) */
	__u32 perm;			/* permission bits, 0 to 0777 */
	__u32 flags;			/* LKPORT_PORT_SHARE, _EXISTING */
	__u32 fd_flags;			/* O_CLOEXEC or 0 */
	__u32 reserved;			/* zero */
	__u64 reserved2[2];		/* zero */
};

/* LKPORT_IOC_PORT_OPEN -> read port fd; ctx comes back with every packet. */
struct lkport_port_open {
	char name[LKPORT_NAME_LEN];
	__u64 ctx;
	__u32 fd_flags;			/* O_CLOEXEC or 0 */
	__u32 reserved;			/* zero */
	__u64 reserved2[2];		/* zero */
};

/* LKPORT_IOC_GROUP_CREATE -> port group fd, with initial members. */
struct lkport_group_create {
	__u64 fds;			/* pointer to __s32[count]: read port fds */
	__u32 count;			/* 0 to LKPORT_GROUP_MAX */
	__u32 fd_flags;			/* O_CLOEXEC or 0 */
	__u64 reserved[2];		/* zero */
};

#define LKPORT_IOC_VERSION	_IOR(LKPORT_IOC_MAGIC, 0x00, struct lkport_version)
#define LKPORT_IOC_EVENT_CREATE	_IOW(LKPORT_IOC_MAGIC, 0x01, struct lkport_event_create)
#define LKPORT_IOC_EVENT_OPEN	_IOW(LKPORT_IOC_MAGIC, 0x02, struct lkport_event_open)
#define LKPORT_IOC_PORT_CREATE	_IOW(LKPORT_IOC_MAGIC, 0x03, struct lkport_port_create)
#define LKPORT_IOC_PORT_OPEN	_IOW(LKPORT_IOC_MAGIC, 0x04, struct lkport_port_open)
#define LKPORT_IOC_GROUP_CREATE	_IOW(LKPORT_IOC_MAGIC, 0x05, struct lkport_group_create)

/* ---- every object fd ---------------------------------------------------------- */

#define LKPORT_KIND_EVENT	1
#define LKPORT_KIND_WRITE_PORT	2
#define LKPORT_KIND_READ_PORT	3
#define LKPORT_KIND_GROUP	4
#define LKPORT_KIND_IRQ		5

/* state bits */
#define LKPORT_STATE_SIGNALED	(1u << 0)	/* event is signalled */
#define LKPORT_STATE_CLOSED	(1u << 1)	/* write port closed for writing */
#define LKPORT_STATE_DESTROYED	(1u << 2)	/* write port or event destroyed */
#define LKPORT_STATE_CANCELLED	(1u << 3)	/* read port: writer destroyed;
						 * group: every member's */
#define LKPORT_STATE_GROUPED	(1u << 4)	/* read port is in a group */
#define LKPORT_STATE_BROKEN	(1u << 5)	/* read port: its mapped ring's head
						 * is out of range (ABI 1.7) */

/* LKPORT_IOC_INFO: what the object is and how it stands. */
struct lkport_info {
	__u32 kind;			/* LKPORT_KIND_* */
	__u32 flags;			/* event flags, or port mode */
	__u32 uid;			/* owner, in the caller's user namespace */
	__u32 gid;
	__u32 perm;			/* permission bits */
	__u32 state;			/* LKPORT_STATE_* */
	__u32 waiters;			/* threads blocked on it */
	__u32 queued;			/* packets waiting (read port: its ring;
					 * write port: its own ring and its
					 * mapped write ring; group: its
					 * members' rings) */
	__u32 capacity;			/* ring size in packets */
	__u32 members;			/* group: read ports in it */
	__u64 id;			/* object id, as in tracepoints */
	__u64 ctx;			/* read port: its ctx */
	char name[LKPORT_NAME_LEN];	/* "" for a group */
	__u64 reserved[4];		/* zero */
};

#define LKPORT_IOC_INFO		_IOR(LKPORT_IOC_MAGIC, 0x10, struct lkport_info)

/* ---- event fds ------------------------------------------------------------------- */

/* LKPORT_IOC_EVENT_WAIT: returns 0 once signalled, or fails (ETIMEDOUT,
 * EINTR). poll: EPOLLIN while signalled. */
struct lkport_wait {
	__u64 deadline_ns;		/* absolute CLOCK_MONOTONIC; 0: do not
					 * block; LKPORT_FOREVER */
	__u32 flags;			/* zero */
	__u32 reserved;			/* zero */
};

#define LKPORT_IOC_EVENT_WAIT	 _IOW(LKPORT_IOC_MAGIC, 0x20, struct lkport_wait)
/* Returns the number of threads it released from LKPORT_IOC_EVENT_WAIT.
 * Threads in poll/epoll are woken (EPOLLIN) but not counted: they have
 * not passed the event (with AUTOUNSIGNAL, the next EVENT_WAIT takes it). */
#define LKPORT_IOC_EVENT_SIGNAL	 _IO(LKPORT_IOC_MAGIC, 0x21)
#define LKPORT_IOC_EVENT_UNSIGNAL _IO(LKPORT_IOC_MAGIC, 0x22)
/* LK's event_destroy, for every fd of the event (ABI 1.5): blocked waits
 * fail with EIDRM, and so do every later wait, signal and unsignal; poll
 * reports EPOLLHUP; the name is free for a new event at once; the fds
 * stay until closed. As ending a write port, the owner's call (see
 * Permissions; EPERM for others), on an fd opened to signal (EBADF
 * otherwise); EIDRM when it was destroyed already. */
#define LKPORT_IOC_EVENT_DESTROY _IO(LKPORT_IOC_MAGIC, 0x23)

/* The two halves of a round trip in one call (ABI 1.11,
 * LKPORT_FEATURE_CALL): LKPORT_IOC_SIGNAL_WAIT on an event fd opened to
 * wait signals the event fd `fd` (opened to signal; EBADF if it is not
 * one), as LKPORT_IOC_EVENT_SIGNAL, then waits on its own fd, as
 * LKPORT_IOC_EVENT_WAIT with `wait`. Flags and reserved fields are checked
 * before anything is done (EINVAL). A failed signal (EIDRM) is returned
 * with nothing waited for. Once signalled, `done` says LKPORT_DONE_FIRST
 * and `released` the threads the signal released, and both are written
 * back even when the wait fails (ETIMEDOUT, EIDRM, EINTR): the caller can
 * tell a failed wait from a failed signal (a failed signal writes back
 * done and released as 0). A signal that ends the wait
 * gives EINTR, never a restart (which would signal again). */
#define LKPORT_DONE_FIRST	(1u << 0)	/* the signal or write was made */

struct lkport_signal_wait {
	struct lkport_wait wait;	/* for this fd, as LKPORT_IOC_EVENT_WAIT */
	__s32 fd;			/* the event fd to signal first */
	__u32 done;			/* out: LKPORT_DONE_FIRST once signalled */
	__u32 released;			/* out: as LKPORT_IOC_EVENT_SIGNAL returns */
	__u32 reserved;			/* zero */
};

#define LKPORT_IOC_SIGNAL_WAIT	_IOWR(LKPORT_IOC_MAGIC, 0x24, struct lkport_signal_wait)

/* ---- port fds ---------------------------------------------------------------------- */

struct lkport_packet {
	__u8 data[LKPORT_PACKET_SIZE];
};

struct lkport_result {
	__u64 ctx;			/* the read port's ctx */
	__u8 data[LKPORT_PACKET_SIZE];
};

/* read(2) and write(2) (ABI 1.8, LKPORT_FEATURE_READ_WRITE): whole struct
 * lkport_packet, one copy each way. write(2) on a write port: 1 to
 * capacity packets (EINVAL otherwise), a LKPORT_WRITE_WAIT write with no
 * deadline (all of it to every ring or to none; EAGAIN with O_NONBLOCK
 * instead of waiting); returns the length. read(2) on a read port: up to
 * len / LKPORT_PACKET_SIZE packets, at most LKPORT_READ_MAX, without their
 * ctx; waits for the first unless O_NONBLOCK (EAGAIN); 0 once the writer
 * is gone and the ring drained (LKPORT_IOC_READ: ECANCELED). Groups take
 * neither (EINVAL). Events (the same ABI): the 8 bytes of a __u64 1, as an
 * eventfd; write(2) signals, read(2) waits as LKPORT_IOC_EVENT_WAIT with
 * no deadline (EAGAIN with O_NONBLOCK), each as the fd's access allows. */

/* LKPORT_IOC_PORT_WRITE (write port): `count` packets to every reader,
 * all or nothing per reader. By default it never blocks: returns 0 when
 * every reader took them (or, with no reader yet, the port's own ring
 * did), else the number of readers skipped because their ring was full.
 *
 * Back-pressure (LKPORT_WRITE_WAIT, ABI 1.6; LKPORT_FEATURE_WRITE_WAIT):
 * the write waits, as mq_timedsend does, until every ring it goes to has
 * room for all `count` packets: every open reader's (the slowest paces
 * the writer), or the port's own while it has no reader (a first reader
 * then inherits it). A read that makes the room wakes it; so does the
 * close of a reader (it holds the write back no more). Then it is written
 * as a default write, and returns 0 with delivered = the readers. Until
 * then nothing is written to anyone, and the write fails with:
 *   ETIMEDOUT  deadline_ns passed (as in struct lkport_wait: absolute
 *              CLOCK_MONOTONIC; LKPORT_FOREVER never; 0 does not wait:
 *              written to every reader or to none);
 *   EINTR      a signal (an SA_RESTART handler restarts it; the deadline
 *              does not move);
 *   EBADF      the port was closed (or destroyed) meanwhile, as a write to
 *              a closed port fails;
 *   EINVAL     count past the port's capacity (it could never fit).
 * Other writers are not held up: a default write of the same port while
 * one waits skips full readers as always, never waits. Only a write that
 * is not serialized with this one (an interrupt source bound to the port)
 * can fill a ring between the moment every ring had room and the copy to
 * it (a write to many readers is copied in turns); that reader is then
 * skipped as by a default write (the return value counts it). poll's
 * EPOLLOUT (ABI 1.9, LKPORT_FEATURE_POLL_ROOM; before, it only said the
 * port was open) says that a write of one packet with this flag would not
 * wait now: every ring it goes to (the port's own while it has no reader)
 * has room for one, a broken mapped ring aside; a write of more may still
 * wait. A mapped reader's takes count once it calls LKPORT_IOC_RING_SYNC,
 * which a poll that found no room asks for (LKPORT_RING_SYNC_ROOM). A
 * closed port gives EPOLLHUP instead. LKPORT_IOC_INFO counts writers
 * waiting for room in `waiters`. Without the flag,
 * deadline_ns must be 0 (EINVAL). */
#define LKPORT_WRITE_WAIT	(1u << 0)	/* wait for room (ABI 1.6) */

struct lkport_port_write {
	__u64 packets;			/* pointer to struct lkport_packet[count] */
	__u32 count;			/* 1 to LKPORT_CAPACITY_MAX */
	__u32 flags;			/* LKPORT_WRITE_WAIT or 0 */
	__u32 delivered;		/* out: readers (or own ring) that took them */
	__u32 skipped;			/* out: readers skipped */
	union {
		__u64 deadline_ns;	/* LKPORT_WRITE_WAIT: as in struct
					 * lkport_wait; else zero */
		__u64 reserved;		/* its name before ABI 1.6 */
	};
};

/* LKPORT_IOC_READ (read port or group; LKPORT_IOC_PORT_READ on a read
 * port and LKPORT_IOC_GROUP_READ on a group do the same, kept for callers
 * from before ABI 1.3): waits until a packet is there, then returns up to
 * `max` of them. poll: EPOLLIN
 * while a packet is queued; EPOLLHUP once the writer is destroyed (for a
 * group: every member's writer) and nothing is left; reads then fail with
 * ECANCELED. Output fields (count here, delivered and skipped in a write)
 * are overwritten whatever they held, so a struct can be reused. */
struct lkport_port_read {
	__u64 deadline_ns;		/* as in struct lkport_wait */
	__u64 results;			/* pointer to struct lkport_result[max] */
	__u32 max;			/* 1 to LKPORT_READ_MAX */
	__u32 count;			/* out: results filled */
	__u32 flags;			/* zero */
	__u32 reserved;			/* zero */
};

/* Any reader fd (read port or group), numbered with the every-fd commands. */
#define LKPORT_IOC_READ		_IOWR(LKPORT_IOC_MAGIC, 0x11, struct lkport_port_read)
#define LKPORT_IOC_PORT_WRITE	_IOWR(LKPORT_IOC_MAGIC, 0x30, struct lkport_port_write)
#define LKPORT_IOC_PORT_READ	_IOWR(LKPORT_IOC_MAGIC, 0x31, struct lkport_port_read)

/* LKPORT_IOC_WRITE_READ (ABI 1.11, LKPORT_FEATURE_CALL), on a reader fd
 * (read port or group): a write to the write port `fd` (EBADF if it is
 * not one), exactly as LKPORT_IOC_PORT_WRITE with `write`, then a read of
 * this fd, exactly as LKPORT_IOC_READ with `read`: a request and the wait
 * for its reply, or a reply and the wait for the next request, in one
 * system call instead of two. Both halves are checked before anything is
 * done (EINVAL, EFAULT for a bad packet pointer). A failed write returns
 * its errno and reads nothing (written back: done 0, the write's counts).
 * Once written (to every reader or, with
 * readers skipped as a default write skips them, to the rest), `done`
 * says LKPORT_DONE_FIRST, and it, `write.delivered` and `write.skipped`
 * are written back even when the read fails (ETIMEDOUT, ECANCELED,
 * EPROTO, EINTR, ...). A signal that ends the read gives EINTR, never a
 * restart (which would write again). Returns 0 with `read.count` packets
 * read. */
struct lkport_write_read {
	struct lkport_port_write write;	/* to `fd`, as LKPORT_IOC_PORT_WRITE */
	struct lkport_port_read read;	/* then from this fd, as LKPORT_IOC_READ */
	__s32 fd;			/* a write port fd */
	__u32 done;			/* out: LKPORT_DONE_FIRST once written */
};

#define LKPORT_IOC_WRITE_READ	_IOWR(LKPORT_IOC_MAGIC, 0x12, struct lkport_write_read)
/* Write port: no more writes (EBADF; poll: EPOLLHUP instead of EPOLLOUT);
 * readers keep reading; the name stays taken. Only the port's owner (the
 * creator's uid) or CAP_DAC_OVERRIDE in the initial user namespace may
 * close or destroy it; any other writer gets EPERM (see Permissions). */
#define LKPORT_IOC_PORT_CLOSE	_IO(LKPORT_IOC_MAGIC, 0x32)
/* Closed write port: free the name; readers drain, then get ECANCELED.
 * (Closing the last writer fd does close + destroy.) Owner only, as
 * LKPORT_IOC_PORT_CLOSE. Any writer fd of the port may do it, whoever
 * closed it; a closed port takes no new writer by name, except its
 * owner's with LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED (ABI 1.6), which
 * is how a process that holds no fd of it destroys it. */
#define LKPORT_IOC_PORT_DESTROY	_IO(LKPORT_IOC_MAGIC, 0x33)

/* ---- mapped read rings (ABI 1.7, LKPORT_FEATURE_MAP_RING) ---------------------------
 *
 * mmap(NULL, LKPORT_RING_BYTES(capacity), PROT_READ | PROT_WRITE,
 * MAP_SHARED, read_port_fd, 0) maps the read port's ring (capacity: from
 * LKPORT_IOC_INFO) into the process, which can then take packets queued
 * there without a system call, and needs LKPORT_IOC_READ only to wait for
 * the next one. What was queued before the first mmap is there; every
 * mmap of the fd maps the same ring. The kernel writes packets and then
 * `tail`; a reader takes packets [head, tail) by copying them and then
 * moving `head` past them with a compare-and-swap (several threads or
 * processes may take from one ring, and LKPORT_IOC_READ takes from it
 * too; a failed swap means another took them: copy again from the new
 * head). A slot is rewritten only after head has passed it.
 *
 * While `flags` is non-zero (LKPORT_RING_SYNC_*), a reader that took
 * packets from the map calls LKPORT_IOC_RING_SYNC on the fd: the read
 * port's group, a writer waiting for room (LKPORT_WRITE_WAIT) and a poller
 * of the write port that found none learn of what it took only then.
 * Read `flags` after the swap, both with sequentially consistent atomics.
 *
 * The kernel keeps its own tail and capacity and reads `head` as a claim:
 * if the process moves it out of [tail - capacity, tail], the ring is
 * broken: writes skip it, LKPORT_IOC_READ fails with EPROTO, poll says
 * EPOLLIN so that a poller finds out; only this read port is affected.
 * Packets still queued when the fd is closed are dropped, not handed back
 * to the port (the process could have rewritten them). mmap fails with
 * EINVAL for an offset, a private mapping or a length past the ring,
 * EPERM for PROT_EXEC, ENODEV on a group fd (a write port fd maps its
 * submission ring: below), EDQUOT when
 * the ring's pages would pass the per-user byte limit (charged once, for
 * the fd's life); the mapping cannot grow (mremap). */
struct lkport_ring {
	__u32 head;			/* next packet to take: the readers' */
	__u32 __pad0[15];
	__u32 tail;			/* one past the last packet: the kernel's */
	__u32 mask;			/* capacity - 1 */
	__u32 flags;			/* LKPORT_RING_SYNC_* */
	__u32 __pad1;
	__u64 ctx;			/* the read port's ctx */
	__u64 __pad2[5];
	struct lkport_packet packets[];	/* at LKPORT_RING_PACKETS */
};
#define LKPORT_RING_PACKETS	128
#define LKPORT_RING_BYTES(capacity) (LKPORT_RING_PACKETS + (capacity) * sizeof(struct lkport_packet))
#define LKPORT_RING_SYNC_GROUP	(1U << 0)	/* the read port is in a group */
#define LKPORT_RING_SYNC_ROOM	(1U << 1)	/* a writer (or poller) waits for room */

/* Read port: the process took packets from its mapped ring (see above).
 * Cheap; 0 also when there is nothing to tell. */
#define LKPORT_IOC_RING_SYNC	_IO(LKPORT_IOC_MAGIC, 0x34)

/* ---- mapped write rings (ABI 1.10, LKPORT_FEATURE_MAP_WRITE) -----------------------
 *
 * mmap(NULL, LKPORT_RING_BYTES(capacity), PROT_READ | PROT_WRITE,
 * MAP_SHARED, write_port_fd, 0) maps the write port's submission ring
 * (capacity: from LKPORT_IOC_INFO), one per port: every writer fd of the
 * port maps the same ring. The process writes packets at [tail, head +
 * capacity) and then moves `tail` past them (a release store): that is
 * the whole write, no system call. The kernel takes packets from
 * [head, tail) and writes them to the port, in order, as back-pressure
 * writes of the port (LKPORT_WRITE_WAIT): a packet is taken only when
 * every ring it goes to has room for it, and then reaches each of them;
 * until then it waits in this ring. The kernel moves `head` past what it
 * took. The ring has one producer: threads or processes that share it
 * order their writes among themselves.
 *
 * The kernel takes packets when a reader of the port reads
 * (LKPORT_IOC_READ, read(2), LKPORT_IOC_RING_SYNC, poll), and at
 * LKPORT_IOC_WRING_KICK and LKPORT_IOC_WRING_WAIT on a writer fd. While
 * `flags` has LKPORT_WRING_KICK, some reader waits (blocked in a read,
 * polled, or in a group that a read waits on or that is polled; the flag
 * may stay up until the kernel next takes from the ring) and learns of
 * new packets only from a kick:
 * after moving `tail`, the writer reads `flags` (both sequentially
 * consistent) and, if it is set, calls LKPORT_IOC_WRING_KICK. A reader
 * that is about to sleep sets the flag first and then looks at `tail`
 * once more, so one of the two sees the other.
 *
 * The kernel keeps its own head and capacity and reads `tail` as a claim:
 * a tail more than `capacity` past head breaks the ring: nothing more is
 * taken from it, the kick and the wait fail with EPROTO; only this ring is
 * affected, and the port's other writes go on. Packets in the ring and
 * the port's write calls (LKPORT_IOC_PORT_WRITE, write(2)) are two
 * streams, not ordered with each other. What the kernel has not taken
 * when the port is closed (or its last writer fd) is written if there is
 * room and dropped otherwise; nothing is taken once the port is closed.
 * mmap fails with EINVAL for an offset, a private mapping or a length past
 * the ring, EPERM for PROT_EXEC, EBADF on a closed port, EDQUOT when the
 * ring's pages would pass the per-user byte limit (charged once, for the
 * port's life); the mapping cannot grow (mremap). */
struct lkport_wring {
	__u32 tail;			/* one past the last packet: the writer's */
	__u32 __pad0[15];
	__u32 head;			/* next packet to take: the kernel's */
	__u32 mask;			/* capacity - 1 */
	__u32 flags;			/* LKPORT_WRING_KICK */
	__u32 __pad1;
	__u64 __pad2[6];
	struct lkport_packet packets[];	/* at LKPORT_RING_PACKETS */
};
#define LKPORT_WRING_KICK	(1U << 0)	/* a reader waits: kick after a write */

/* Write port: take what the mapped ring holds now (as far as every ring
 * has room) and wake the readers it reached. Returns the free slots in
 * the mapped ring (0 to capacity); EBADF on a closed port, EPROTO on a
 * broken ring, ENOENT when the port has no mapped ring. */
#define LKPORT_IOC_WRING_KICK	_IO(LKPORT_IOC_MAGIC, 0x35)
/* The kick, and then, while the mapped ring is full, waiting for a reader
 * to make room and taking again, until the deadline (struct lkport_wait:
 * ETIMEDOUT), a signal (EINTR) or the
 * port's close (EBADF); a deadline of 0 does not wait (ETIMEDOUT while
 * full). Returns the free slots, at least 1. */
#define LKPORT_IOC_WRING_WAIT	_IOW(LKPORT_IOC_MAGIC, 0x36, struct lkport_wait)

/* ---- group fds --------------------------------------------------------------------- */

struct lkport_group_member {
	__s32 fd;			/* a read port fd */
	__u32 reserved;			/* zero */
};

#define LKPORT_IOC_GROUP_ADD	_IOW(LKPORT_IOC_MAGIC, 0x40, struct lkport_group_member)
#define LKPORT_IOC_GROUP_REMOVE	_IOW(LKPORT_IOC_MAGIC, 0x41, struct lkport_group_member)
#define LKPORT_IOC_GROUP_READ	_IOWR(LKPORT_IOC_MAGIC, 0x42, struct lkport_port_read)

/* ---- interrupt sources (ABI 1.4) ------------------------------------------------ */
/*
 * An interrupt source is an fd from LKPORT_IOC_IRQ_CREATE on /dev/lkport:
 * a PCI device's interrupt (the device bound to the "lkport" PCI driver,
 * as with uio_pci_generic or vfio-pci: driver_override or new_id) or a
 * virtual interrupt raised by LKPORT_IOC_IRQ_TRIGGER. Creating one needs
 * CAP_SYS_ADMIN (EPERM otherwise, nothing changes). One source per device
 * (EBUSY for a second); closing its last fd stops it.
 *
 * Records. Every interrupt is stamped in the hard-IRQ handler with
 * CLOCK_MONOTONIC, the clock of clock_gettime(CLOCK_MONOTONIC) and of BPF's
 * bpf_ktime_get_ns() (the host's: a time namespace offset is not applied),
 * and numbered: the source's n-th interrupt has sequence number n. One
 * record is in flight at a time. Interrupts that arrive while a record is
 * open (not yet read or delivered) join it: its count grows, its timestamp
 * and sequence number stay those of its first interrupt. Once a record is
 * taken (read from the fd, or delivered to a bound port or event) it waits
 * for LKPORT_IOC_IRQ_ACK; interrupts meanwhile gather in the next record,
 * which the ack releases at once. So records follow each other without a
 * gap: the next one's seq is this one's seq + count. Nothing is lost
 * silently: raised = delivered + coalesced + pending (struct
 * lkport_irq_info), where coalesced counts the interrupts that joined a
 * record after its first.
 *
 * With LKPORT_IRQ_AUTO_ACK a record is acknowledged as it is taken.
 *
 * Delivery. A source delivers to its own fd (read(2) of one struct
 * lkport_irq_record, LKPORT_IOC_IRQ_WAIT, poll EPOLLIN), or once bound
 * (LKPORT_IOC_IRQ_BIND) to a write port, as one packet (struct
 * lkport_irq_packet) per record, or to an event, signalled per record; the
 * record can still be read from the source's fd after either. A port whose
 * readers are all full takes no packet: the record stays open, gathers
 * further interrupts and is offered again with the next one (info counts
 * these in `refused`).
 *
 * Masking. A PCI device in INTx mode is masked in its hard-IRQ handler
 * (PCI 2.3 DisINTx) until the ack unmasks it; if it still asserts its line
 * then, the ack leaves it masked and that is the next interrupt at once,
 * stamped at the ack. MSI is not masked. QEMU's edu
 * device (1234:11e8) is driven by lkport itself: its handler reads its
 * interrupt status and acknowledges it, so it is never masked, and
 * LKPORT_IOC_IRQ_TRIGGER raises it through its raise register.
 *
 * The end. When the device goes (unbound from the driver, removed) the
 * source stops: blocked waits and later calls fail with ENODEV, poll
 * reports EPOLLHUP | EPOLLERR; the fd stays until closed.
 */
#define LKPORT_IRQ_VIRTUAL	0	/* source: raised by LKPORT_IOC_IRQ_TRIGGER */
#define LKPORT_IRQ_PCI		1	/* source: a PCI device bound to lkport */

#define LKPORT_IRQ_MODE_AUTO	0	/* PCI: MSI if the device has it, else INTx */
#define LKPORT_IRQ_MODE_INTX	1
#define LKPORT_IRQ_MODE_MSI	2

#define LKPORT_IRQ_AUTO_ACK	(1u << 0)	/* ack each record as it is taken */

struct lkport_irq_create {
	__u32 source;			/* LKPORT_IRQ_VIRTUAL or LKPORT_IRQ_PCI */
	__u32 mode;			/* PCI: LKPORT_IRQ_MODE_*; virtual: 0 */
	__u32 flags;			/* LKPORT_IRQ_AUTO_ACK */
	__u32 fd_flags;			/* O_CLOEXEC or 0 */
	char device[LKPORT_NAME_LEN];	/* PCI: "0000:00:04.0"; virtual: "" */
	__u64 reserved[2];		/* zero */
};

/* Returns the source's fd (O_RDWR). EPERM without CAP_SYS_ADMIN; ENODEV:
 * no such device bound to lkport; EBUSY: it has a source already;
 * EOPNOTSUPP: the device cannot do that mode (no MSI, or no INTx masking). */
#define LKPORT_IOC_IRQ_CREATE	_IOW(LKPORT_IOC_MAGIC, 0x06, struct lkport_irq_create)

struct lkport_irq_record {
	__u64 timestamp_ns;		/* CLOCK_MONOTONIC at its first interrupt,
					 * taken in the hard-IRQ handler */
	__u64 seq;			/* sequence number of that interrupt (from 1) */
	__u32 count;			/* interrupts in this record (>= 1) */
	__u32 source_id;		/* the source's id, as in lkport_irq_info */
	__u64 reserved;			/* zero */
};

/* The packet a bound write port receives per record. */
struct lkport_irq_packet {
	__u64 timestamp_ns;		/* as in the record */
	__u32 seq;			/* the record's seq, low 32 bits */
	__u32 count;			/* as in the record */
};

/* LKPORT_IOC_IRQ_WAIT: waits for a record and takes it. ETIMEDOUT (deadline
 * 0: none open now), EINTR, ENODEV once the device is gone. */
struct lkport_irq_wait {
	__u64 deadline_ns;		/* as in struct lkport_wait */
	__u32 flags;			/* zero */
	__u32 reserved;			/* zero */
	struct lkport_irq_record record;	/* out */
};

/* LKPORT_IOC_IRQ_BIND: deliver to a write port fd (packets) or an event fd
 * opened to signal; fd -1 unbinds (back to the source's fd alone). EBADF:
 * not such an fd, or not opened to write/signal; EPIPE: the port is closed
 * or destroyed. */
struct lkport_irq_bind {
	__s32 fd;
	__u32 flags;			/* zero */
	__u64 reserved;			/* zero */
};

/* LKPORT_IOC_IRQ_INFO: counters since creation. */
struct lkport_irq_info {
	__u32 source_id;		/* unique while the module is loaded */
	__u32 source;			/* LKPORT_IRQ_VIRTUAL or _PCI */
	__u32 mode;			/* LKPORT_IRQ_MODE_INTX or _MSI; virtual: 0 */
	__u32 flags;			/* as created */
	__u32 linux_irq;		/* the Linux IRQ (/proc/interrupts); virtual: 0 */
	__u32 state;			/* LKPORT_IRQ_STATE_* */
	__u64 raised;			/* interrupts taken by the handler */
	__u64 delivered;		/* records taken (read or delivered) */
	__u64 coalesced;		/* interrupts that joined a record after its first */
	__u64 pending;			/* interrupts in records not yet taken */
	__u64 acked;			/* acks */
	__u64 spurious;			/* shared line, not this device's (IRQ_NONE) */
	__u64 refused;			/* deliveries a full port refused */
	__u64 max_unacked_ns;		/* longest first interrupt -> ack */
	__u32 target_kind;		/* LKPORT_KIND_WRITE_PORT, _EVENT, or 0 */
	__u32 reserved0;
	__u64 target_id;		/* the target object's id */
	char device[LKPORT_NAME_LEN];	/* as created */
	__u64 reserved[4];
};

#define LKPORT_IRQ_STATE_OPEN	(1u << 0)	/* a record is open (readable) */
#define LKPORT_IRQ_STATE_TAKEN	(1u << 1)	/* a record awaits its ack */
#define LKPORT_IRQ_STATE_MASKED	(1u << 2)	/* INTx masked until the ack */
#define LKPORT_IRQ_STATE_GONE	(1u << 3)	/* the device is gone */

#define LKPORT_IOC_IRQ_WAIT	_IOWR(LKPORT_IOC_MAGIC, 0x50, struct lkport_irq_wait)
/* Acknowledges the taken record: re-arms, unmasks INTx, releases the next
 * record if interrupts came meanwhile. EINVAL: no record awaits an ack. */
#define LKPORT_IOC_IRQ_ACK	_IO(LKPORT_IOC_MAGIC, 0x51)
/* Raises the interrupt: a virtual source through the same hard-IRQ path
 * (irq_work), an edu device through its raise register (returns once its
 * handler ran, ETIMEDOUT after a second if it never did). EOPNOTSUPP for
 * other devices. */
#define LKPORT_IOC_IRQ_TRIGGER	_IO(LKPORT_IOC_MAGIC, 0x52)
#define LKPORT_IOC_IRQ_BIND	_IOW(LKPORT_IOC_MAGIC, 0x53, struct lkport_irq_bind)
#define LKPORT_IOC_IRQ_INFO	_IOR(LKPORT_IOC_MAGIC, 0x54, struct lkport_irq_info)

#endif /* _UAPI_LINUX_LKPORT_H */
