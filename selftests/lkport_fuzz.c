// SPDX-License-Identifier: GPL-2.0
/*
 * lkport_fuzz: a seeded ioctl fuzzer for /dev/lkport.
 *
 *   lkport_fuzz [--seed S] [--ops N | --duration SECONDS] [--workers W]
 *               [--no-kcov] [--no-reload] [--verbose]
 *
 * W worker processes (default 6: two as root, two as nobody (65534), two
 * as uid 1000) share a small set of object names and issue every command
 * of every fd kind of <linux/lkport.h>: valid arguments and hostile ones
 * (bad and read-only pointers, huge counts, nonzero reserved fields,
 * unknown flags, commands on the wrong kind of fd, encoded sizes too small
 * or too large, wrong directions), and read(2), write(2) and mmap every
 * kind of fd with any length. Beside the ioctls they close, dup and
 * dup2 fds, pass them to each other over unix sockets (so one user holds
 * another's objects), fork children that block in a wait and are then
 * killed (SIGKILL, or a signal with and without SA_RESTART, or the fd closed
 * under them), race a thread blocked in a wait against close and dup2,
 * poll object fds and (as root) read the debugfs listing meanwhile. Mapped
 * rings, read and write, get their indices and flags scribbled on between
 * the calls that use them (RING_SYNC, reads, WRING_KICK and WRING_WAIT).
 *
 * Oracles, each a TAP line at the end:
 *  - fuzz.errnos_are_documented: every errno is one the ABI documents for
 *    that command (table errno_ok below); a command on an fd kind that does
 *    not have it is ENOTTY.
 *  - fuzz.no_early_timeout: a wait or read with a deadline in the future
 *    never fails with ETIMEDOUT before CLOCK_MONOTONIC reached it.
 *  - fuzz.permissions_hold: an open by name as a user without CAP_DAC_-
 *    OVERRIDE succeeds only if the object's permission bits allow it, and
 *    closing or destroying a port somebody else owns fails with EPERM.
 *  - fuzz.no_uninitialised_bytes: reserved fields of what the module
 *    writes back (INFO, VERSION) are zero.
 *  - fuzz.counters_back_to_zero: once every worker exited, the live
 *    counters in /sys/kernel/debug/lkport/stats are zero.
 *  - fuzz.module_reloads: rmmod succeeds and the module loads again (root,
 *    with /lkport/lkport.ko or LKPORT_KO; --no-reload leaves it out).
 * A kernel report (oops, WARN, KASAN, lockdep) fails the VM run itself.
 *
 * Determinism: each operation draws its choices from a generator seeded by
 * (seed, worker, operation number) alone, so a worker issues the same
 * sequence of calls for the same seed whatever the calls returned. What the
 * calls return is not deterministic: the workers, children and threads
 * race each other by design, so a failure may need several replays. With
 * coverage guidance (below) which saved input an operation replays depends
 * on the coverage seen, which races change too; --no-kcov replays
 * unguided.
 *
 * Coverage: where /sys/kernel/debug/kcov exists (the debug kernel, which
 * has CONFIG_KCOV), each worker traces its own operations (KCOV_TRACE_PC,
 * its main thread), keeps only PCs inside lkport's module text (from /proc/modules),
 * and keeps every batch of operations that reached a PC no worker had
 * reached before; later batches replay a saved one with one operation
 * changed, a third of the time. The distinct module PCs reached are
 * printed ("coverage: N distinct module PCs"); tools/fuzz-coverage.sh puts
 * them against the module's instrumented call sites.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/lkport.h>

/* ---- kcov (from <linux/kcov.h>, which older headers lack) ---------------- */
#define KCOV_INIT_TRACE		_IOR('c', 1, unsigned long)
#define KCOV_ENABLE		_IO('c', 100)
#define KCOV_DISABLE		_IO('c', 101)
#define KCOV_TRACE_PC		0
#define KCOV_WORDS		(64 << 10)

/* ---- generator ------------------------------------------------------------ */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s = splitmix(r->s);
	return r->s;
}

/* 0 .. n-1 */
static unsigned int below(struct rng *r, unsigned int n)
{
	return n ? (unsigned int)(rnd(r) % n) : 0;
}

/* true one time in n */
static bool one_in(struct rng *r, unsigned int n)
{
	return below(r, n) == 0;
}

/* ---- shared state ------------------------------------------------------- */

#define MAX_WORKERS	12
#define MSG_LEN		360
#define COV_BITS	(1u << 21)	/* module offsets tracked: 2 MiB of text */

enum oracle { O_ERRNO, O_TIMEOUT, O_PERM, O_UNINIT, O_ORACLES };

static const char *const oracle_name[O_ORACLES] = {
	"fuzz.errnos_are_documented",
	"fuzz.no_early_timeout",
	"fuzz.permissions_hold",
	"fuzz.no_uninitialised_bytes",
};

struct worker_stat {
	uint64_t ops;
	uint64_t calls;
	uint64_t children;
	uint64_t fails[O_ORACLES];
	uint64_t first_fail_op;
	int first_fail_set;
	char first_fail[MSG_LEN];
	uint64_t corpus;
	uint64_t judged;	/* PORT_OPENs judged by the permission oracle */
};

/* What the workers know of the write port of each name "fz-pN": the
 * owner and bits INFO reported on a writer fd of it. A read port's INFO
 * reports the reader, not the port, so PORT_OPEN is judged from here:
 * only when no create of any name was in flight (inflight) and none
 * completed (gen) while the open ran, so the entry is the port opened.
 * An entry is valid only if the create that wrote it ran alone: of two
 * creates at once the later note may be of a port destroyed meanwhile,
 * the name since taken by the other. */
struct port_entry {
	uint32_t uid, gid, perm, valid;
	uint32_t by;		/* the worker that noted it, */
	uint64_t op;		/* at its operation op */
};

struct shared {
	struct worker_stat w[MAX_WORKERS];
	uint32_t inflight, gen;
	struct port_entry ports[8];
	uint32_t cov[COV_BITS / 32];
	uint64_t cov_pcs;
};

static struct shared *sh;

/* ---- options and per-worker state --------------------------------------- */

static uint64_t opt_seed;
static uint64_t opt_ops;
static double opt_duration;
static int opt_workers = 6;
static bool opt_kcov = true, opt_reload = true, opt_verbose;

static int me;			/* worker index */
static uid_t my_uid;
static gid_t my_gid;
static uint64_t cur_op;
static struct worker_stat *ws;

static int mailbox[MAX_WORKERS][2];	/* [i][0]: send to i; [i][1]: i receives */

static uint64_t mod_base, mod_size;
static int kcov_fd = -1;
static unsigned long *kcov_area;
static __thread bool kcov_on;	/* the worker's main thread only */

static char *ro_page;		/* read-only, zero */
static char *none_page;		/* PROT_NONE */
static bool map_write;		/* the module maps write ports (ABI 1.10) */
static char *edge_buf;		/* last bytes before none_page */

/* ---- reporting ------------------------------------------------------------ */

static void replay_line(FILE *f, uint64_t ops)
{
	fprintf(f, "# replay: lkport_fuzz --seed %" PRIu64 " --ops %" PRIu64 " --workers %d%s\n",
		opt_seed, ops, opt_workers, kcov_fd >= 0 && opt_kcov ? "" : " --no-kcov");
}

static void fail(enum oracle o, const char *fmt, ...)
{
	char msg[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_fetch_add(&ws->fails[o], 1, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&ws->first_fail_set, 1, __ATOMIC_RELAXED)) {
		ws->first_fail_op = cur_op;
		snprintf(ws->first_fail, sizeof(ws->first_fail), "%s", msg);
	}
	if (ws->fails[o] <= 5) {
		printf("# FAIL %s: worker %d (uid %u) op %" PRIu64 ": %s\n", oracle_name[o], me,
		       my_uid, cur_op, msg);
		replay_line(stdout, cur_op + 1);
		fflush(stdout);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- the commands and what each may fail with --------------------------- */

enum cmd_id {
	C_VERSION, C_EV_CREATE, C_EV_OPEN, C_P_CREATE, C_P_OPEN, C_G_CREATE,
	C_INFO, C_EV_WAIT, C_EV_SIGNAL, C_EV_UNSIGNAL, C_EV_DESTROY, C_P_WRITE, C_READ,
	C_P_READ, C_P_CLOSE, C_P_DESTROY, C_G_ADD, C_G_REMOVE, C_G_READ,
	C_IRQ_CREATE, C_IRQ_WAIT, C_IRQ_ACK, C_IRQ_TRIGGER, C_IRQ_BIND, C_IRQ_INFO,
	C_RING_SYNC, C_WRING_KICK, C_WRING_WAIT, C_WRITE_READ, C_SIGNAL_WAIT,
	C_NONE,		/* no command of that fd kind: ENOTTY only */
	C_CMDS
};

enum kind { K_NONE, K_DEV, K_EVENT, K_WPORT, K_RPORT, K_GROUP, K_IRQ, K_OTHER, K_RACY, K_KINDS };

static const char *const kind_name[K_KINDS] = {
	"none", "dev", "event", "wport", "rport", "group", "irq", "other", "racing",
};

struct cmd_desc {
	const char *name;
	unsigned int cmd;
	unsigned int kinds;	/* bit per enum kind that has it */
	const int *errnos;	/* documented errnos, 0-terminated */
};

#define KB(k) (1u << (k))
#define E(...) ((const int[]){ __VA_ARGS__, 0 })
/* What every command with an argument the module reads may fail with in the
 * dispatcher: no such command at that size, fd not opened for it, bad
 * pointer, nonzero bytes past the module's struct. */
#define DISPATCH_W ENOTTY, EBADF, EFAULT, E2BIG
#define OPEN_FD ENOMEM, EDQUOT, EMFILE, ENFILE

/*
 * The table the ABI documents (uapi/linux/lkport.h, lkport_status.h):
 * creating and opening by name (EINVAL: bad name, flag, reserved field;
 * EEXIST: name in use; ENOENT: no such name; EACCES: permission bits;
 * EBUSY: unicast port has its reader, closed port's name, member already
 * grouped; EDQUOT: per-user limit), waits (ETIMEDOUT, EINTR), reads
 * (ECANCELED: writer destroyed and nothing left), writes (EBADF: closed,
 * ENOBUFS: no reader and a full ring), ending a port (EPERM: not the
 * owner; EBADF: already closed, or destroy before close), groups (E2BIG:
 * past LKPORT_GROUP_MAX; EBADF: not a read port, or not a member).
 */
static const struct cmd_desc cmds[C_CMDS] = {
	[C_VERSION] = { "VERSION", LKPORT_IOC_VERSION, KB(K_DEV), E(ENOTTY, EFAULT) },
	[C_EV_CREATE] = { "EVENT_CREATE", LKPORT_IOC_EVENT_CREATE, KB(K_DEV),
			  E(DISPATCH_W, EINVAL, EEXIST, OPEN_FD) },
	[C_EV_OPEN] = { "EVENT_OPEN", LKPORT_IOC_EVENT_OPEN, KB(K_DEV),
			E(DISPATCH_W, EINVAL, ENOENT, EACCES, OPEN_FD) },
	[C_P_CREATE] = { "PORT_CREATE", LKPORT_IOC_PORT_CREATE, KB(K_DEV),
			 E(DISPATCH_W, EINVAL, EEXIST, ENOENT, EACCES, EBUSY, EPERM, OPEN_FD) },
	[C_P_OPEN] = { "PORT_OPEN", LKPORT_IOC_PORT_OPEN, KB(K_DEV),
		       E(DISPATCH_W, EINVAL, ENOENT, EACCES, EBUSY, OPEN_FD) },
	[C_G_CREATE] = { "GROUP_CREATE", LKPORT_IOC_GROUP_CREATE, KB(K_DEV),
			 E(DISPATCH_W, EINVAL, EBUSY, OPEN_FD) },
	[C_INFO] = { "INFO", LKPORT_IOC_INFO,
		     KB(K_EVENT) | KB(K_WPORT) | KB(K_RPORT) | KB(K_GROUP) | KB(K_IRQ), E(ENOTTY, EFAULT) },
	[C_EV_WAIT] = { "EVENT_WAIT", LKPORT_IOC_EVENT_WAIT, KB(K_EVENT),
			E(DISPATCH_W, EINVAL, ETIMEDOUT, EINTR, EIDRM) },
	[C_EV_SIGNAL] = { "EVENT_SIGNAL", LKPORT_IOC_EVENT_SIGNAL, KB(K_EVENT),
			  E(ENOTTY, EBADF, EIDRM) },
	[C_EV_UNSIGNAL] = { "EVENT_UNSIGNAL", LKPORT_IOC_EVENT_UNSIGNAL, KB(K_EVENT),
			    E(ENOTTY, EBADF, EIDRM) },
	/* EPERM: not the owner; EIDRM: destroyed already. */
	[C_EV_DESTROY] = { "EVENT_DESTROY", LKPORT_IOC_EVENT_DESTROY, KB(K_EVENT),
			   E(ENOTTY, EBADF, EPERM, EIDRM) },
	/* ETIMEDOUT, EINTR: LKPORT_WRITE_WAIT. */
	[C_P_WRITE] = { "PORT_WRITE", LKPORT_IOC_PORT_WRITE, KB(K_WPORT),
			E(DISPATCH_W, EINVAL, ENOMEM, ENOBUFS, ETIMEDOUT, EINTR) },
	/* EPROTO: a read port whose mapped ring's head was scribbled on. */
	[C_READ] = { "READ", LKPORT_IOC_READ, KB(K_RPORT) | KB(K_GROUP),
		     E(DISPATCH_W, EINVAL, ENOMEM, ETIMEDOUT, EINTR, ECANCELED, EPROTO) },
	[C_P_READ] = { "PORT_READ", LKPORT_IOC_PORT_READ, KB(K_RPORT),
		       E(DISPATCH_W, EINVAL, ENOMEM, ETIMEDOUT, EINTR, ECANCELED, EPROTO) },
	[C_P_CLOSE] = { "PORT_CLOSE", LKPORT_IOC_PORT_CLOSE, KB(K_WPORT), E(ENOTTY, EBADF, EPERM) },
	[C_P_DESTROY] = { "PORT_DESTROY", LKPORT_IOC_PORT_DESTROY, KB(K_WPORT),
			  E(ENOTTY, EBADF, EPERM) },
	[C_G_ADD] = { "GROUP_ADD", LKPORT_IOC_GROUP_ADD, KB(K_GROUP), E(DISPATCH_W, EINVAL, EBUSY) },
	[C_G_REMOVE] = { "GROUP_REMOVE", LKPORT_IOC_GROUP_REMOVE, KB(K_GROUP), E(DISPATCH_W, EINVAL) },
	[C_G_READ] = { "GROUP_READ", LKPORT_IOC_GROUP_READ, KB(K_GROUP),
		       E(DISPATCH_W, EINVAL, ENOMEM, ETIMEDOUT, EINTR, ECANCELED) },
	/* Interrupt sources: EPERM without CAP_SYS_ADMIN, ENODEV no such
	 * device (or gone), EBUSY it has a source, EOPNOTSUPP a mode or
	 * trigger it cannot do, ENOSPC no handler table slot; EINVAL an ack
	 * with nothing to ack; EPIPE binding to a closed port; EBADF a
	 * target that is no write port or signalling event fd. */
	[C_IRQ_CREATE] = { "IRQ_CREATE", LKPORT_IOC_IRQ_CREATE, KB(K_DEV),
			   E(DISPATCH_W, EINVAL, EPERM, ENODEV, EBUSY, EOPNOTSUPP, ENOSPC, OPEN_FD) },
	[C_IRQ_WAIT] = { "IRQ_WAIT", LKPORT_IOC_IRQ_WAIT, KB(K_IRQ),
			 E(DISPATCH_W, EINVAL, ETIMEDOUT, EINTR, ENODEV) },
	[C_IRQ_ACK] = { "IRQ_ACK", LKPORT_IOC_IRQ_ACK, KB(K_IRQ), E(ENOTTY, EINVAL, ENODEV) },
	[C_IRQ_TRIGGER] = { "IRQ_TRIGGER", LKPORT_IOC_IRQ_TRIGGER, KB(K_IRQ),
			    E(ENOTTY, ENODEV, EOPNOTSUPP, ETIMEDOUT) },
	[C_IRQ_BIND] = { "IRQ_BIND", LKPORT_IOC_IRQ_BIND, KB(K_IRQ),
			 E(DISPATCH_W, EINVAL, EPIPE, ENOMEM) },
	[C_IRQ_INFO] = { "IRQ_INFO", LKPORT_IOC_IRQ_INFO, KB(K_IRQ), E(ENOTTY, EFAULT) },
	[C_RING_SYNC] = { "RING_SYNC", LKPORT_IOC_RING_SYNC, KB(K_RPORT), E(ENOTTY) },
	/* Mapped write rings: EBADF a closed port, EPROTO a broken ring
	 * (tail more than capacity past head), ENOENT no ring mapped; the
	 * wait: ETIMEDOUT while full, EINTR, EINVAL its reserved fields. */
	[C_WRING_KICK] = { "WRING_KICK", LKPORT_IOC_WRING_KICK, KB(K_WPORT),
			   E(ENOTTY, EBADF, EPROTO, ENOENT) },
	[C_WRING_WAIT] = { "WRING_WAIT", LKPORT_IOC_WRING_WAIT, KB(K_WPORT),
			   E(DISPATCH_W, EINVAL, ETIMEDOUT, EINTR, EPROTO, ENOENT) },
	/* The round trips (ABI 1.11): the write's errnos and then the
	 * read's (EBADF also: `fd` is no write port, or a closed one), the
	 * signal's and then the wait's (EBADF: `fd` is no event fd opened
	 * to signal). */
	[C_WRITE_READ] = { "WRITE_READ", LKPORT_IOC_WRITE_READ, KB(K_RPORT) | KB(K_GROUP),
			   E(DISPATCH_W, EINVAL, ENOMEM, ENOBUFS, ETIMEDOUT, EINTR, ECANCELED,
			     EPROTO) },
	[C_SIGNAL_WAIT] = { "SIGNAL_WAIT", LKPORT_IOC_SIGNAL_WAIT, KB(K_EVENT),
			    E(DISPATCH_W, EINVAL, ETIMEDOUT, EINTR, EIDRM) },
	[C_NONE] = { "(none)", 0, 0, E(ENOTTY) },
};

/* The command an encoded cmd is on an fd of kind k: matched by type,
 * number and direction as the module does (the size may differ). */
static enum cmd_id resolve(unsigned int cmd, enum kind k)
{
	int c;

	if (_IOC_TYPE(cmd) != LKPORT_IOC_MAGIC)
		return C_NONE;
	for (c = 0; c < C_NONE; c++)
		if ((cmds[c].kinds & KB(k)) && _IOC_NR(cmd) == _IOC_NR(cmds[c].cmd) &&
		    _IOC_DIR(cmd) == _IOC_DIR(cmds[c].cmd))
			return c;
	return C_NONE;
}

static bool errno_ok(enum cmd_id c, int err)
{
	const int *e;

	for (e = cmds[c].errnos; *e; e++)
		if (*e == err)
			return true;
	return false;
}

/* ---- the fd table ------------------------------------------------------------ */

#define SLOTS 24

struct slot {
	int fd;
	enum kind kind;
};

static struct slot slots[SLOTS];

static enum kind kind_of_fd(int fd)
{
	struct lkport_info info;
	struct lkport_version v;

	if (fd < 0)
		return K_NONE;
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, LKPORT_IOC_INFO, &info) == 0) {
		switch (info.kind) {
		case LKPORT_KIND_EVENT: return K_EVENT;
		case LKPORT_KIND_WRITE_PORT: return K_WPORT;
		case LKPORT_KIND_READ_PORT: return K_RPORT;
		case LKPORT_KIND_GROUP: return K_GROUP;
		case LKPORT_KIND_IRQ: return K_IRQ;
		}
		return K_OTHER;
	}
	if (ioctl(fd, LKPORT_IOC_VERSION, &v) == 0)
		return K_DEV;
	return K_OTHER;
}

static int free_slot(struct rng *r)
{
	int i, start = below(r, SLOTS);

	for (i = 0; i < SLOTS; i++)
		if (slots[(start + i) % SLOTS].fd < 0)
			return (start + i) % SLOTS;
	/* full: evict one */
	i = start;
	close(slots[i].fd);
	slots[i].fd = -1;
	slots[i].kind = K_NONE;
	return i;
}

static void put_fd(struct rng *r, int fd, enum kind k)
{
	int i;

	if (fd < 0)
		return;
	i = free_slot(r);
	slots[i].fd = fd;
	slots[i].kind = k;
}

/* A slot, preferring kind k (K_NONE: any) three times in four. */
static struct slot *pick(struct rng *r, enum kind k)
{
	int i, start = below(r, SLOTS);

	if (k != K_NONE && !one_in(r, 4))
		for (i = 0; i < SLOTS; i++)
			if (slots[(start + i) % SLOTS].kind == k)
				return &slots[(start + i) % SLOTS];
	return &slots[start];
}

static int dev_fd(struct rng *r)
{
	struct slot *s = pick(r, K_DEV);

	if (s->kind == K_DEV)
		return s->fd;
	int fd = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);

	put_fd(r, fd, K_DEV);
	return fd;
}

/* ---- kcov ------------------------------------------------------------------------ */

static void cov_begin(void)
{
	if (kcov_on)
		__atomic_store_n(&kcov_area[0], 0, __ATOMIC_RELAXED);
}

static bool cov_end(void)
{
	unsigned long n, i;
	bool fresh = false;

	if (!kcov_on)
		return false;
	n = __atomic_load_n(&kcov_area[0], __ATOMIC_RELAXED);
	if (n > KCOV_WORDS - 1)
		n = KCOV_WORDS - 1;
	for (i = 0; i < n; i++) {
		uint64_t pc = kcov_area[i + 1], off;
		uint32_t bit, old;

		if (pc < mod_base || pc >= mod_base + mod_size)
			continue;
		off = pc - mod_base;
		if (off >= COV_BITS)
			continue;
		bit = 1u << (off % 32);
		old = __atomic_fetch_or(&sh->cov[off / 32], bit, __ATOMIC_RELAXED);
		if (!(old & bit)) {
			__atomic_fetch_add(&sh->cov_pcs, 1, __ATOMIC_RELAXED);
			fresh = true;
		}
	}
	return fresh;
}

static __thread bool cov_fresh;

/* ---- checked ioctl ---------------------------------------------------------------- */

/* One ioctl, with the errno and timeout oracles. deadline: the wait's, or 0. */
static long xioctl(int fd, enum kind k, unsigned int cmd, void *arg, uint64_t deadline)
{
	enum cmd_id c = resolve(cmd, k);
	long ret;
	int err;

	ws->calls++;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	if (ret >= 0)
		return ret;
	if (k == K_NONE || k == K_OTHER) {
		/* not an lkport fd (or none): the errno is not the ABI's */
	} else if (_IOC_TYPE(cmd) != LKPORT_IOC_MAGIC) {
		/* another subsystem's number: the VFS answers some on every fd
		 * itself (FIOASYNC, FIONBIO, FIOCLEX, ...), with its errnos */
	} else if (k == K_RACY) {
		/* another thread closes or replaces the fd under the call: EBADF,
		 * or what the command is documented to return on any kind */
		enum kind kk;
		bool ok = err == EBADF;

		for (kk = K_DEV; kk <= K_IRQ && !ok; kk++)
			ok = errno_ok(resolve(cmd, kk), err);
		if (!ok)
			fail(O_ERRNO, "cmd %#x on a racing fd: undocumented errno %d (%s)", cmd, err,
			     strerror(err));
	} else if (!errno_ok(c, err)) {
		fail(O_ERRNO, "%s (cmd %#x) on %s fd: undocumented errno %d (%s)", cmds[c].name, cmd,
		     kind_name[k], err, strerror(err));
	}
	if (err == ETIMEDOUT && deadline && deadline != LKPORT_FOREVER) {
		uint64_t t = now_ns();

		if (t < deadline)
			fail(O_TIMEOUT, "%s: ETIMEDOUT %" PRIu64 " ns before the deadline",
			     cmds[c].name, deadline - t);
	}
	errno = err;
	return ret;
}

/* ---- argument generators ------------------------------------------------------------ */

#define NAMES 6

static void gen_name(struct rng *r, char name[LKPORT_NAME_LEN], char prefix)
{
	memset(name, 0, LKPORT_NAME_LEN);
	switch (below(r, 16)) {
	case 0:		/* empty */
		break;
	case 1:		/* 64 bytes, no NUL */
		memset(name, 'a', LKPORT_NAME_LEN);
		break;
	case 2:		/* bad character */
		snprintf(name, LKPORT_NAME_LEN, "fz/%c", prefix);
		break;
	case 3:		/* garbage after the NUL */
		snprintf(name, LKPORT_NAME_LEN, "fz-%c0", prefix);
		name[40] = 'x';
		break;
	case 4:		/* longest */
		memset(name, 'n', LKPORT_NAME_MAX);
		break;
	default:
		snprintf(name, LKPORT_NAME_LEN, "fz-%c%u", prefix, below(r, NAMES));
	}
}

static uint32_t gen_perm(struct rng *r)
{
	static const uint32_t perms[] = { 0600, 0644, 0666, 0640, 0604, 0660, 0622, 0, 0777, 0400 };

	if (one_in(r, 30))
		return (uint32_t)rnd(r);	/* beyond 0777 */
	return perms[below(r, sizeof(perms) / sizeof(perms[0]))];
}

static uint32_t gen_flags(struct rng *r, uint32_t valid)
{
	uint32_t f = (uint32_t)rnd(r) & valid;

	if (one_in(r, 12))
		f |= 1u << below(r, 32);
	return f;
}

static uint32_t gen_fd_flags(struct rng *r)
{
	if (one_in(r, 15))
		return 1u << below(r, 32);
	return one_in(r, 2) ? O_CLOEXEC : 0;
}

static uint32_t gen_reserved(struct rng *r)
{
	return one_in(r, 15) ? (uint32_t)rnd(r) | 1 : 0;
}

/* A pointer for the argument of a command: mostly buf, sometimes not. */
static void *gen_ptr(struct rng *r, void *buf, size_t size, bool written)
{
	if (!one_in(r, 12))
		return buf;
	switch (below(r, 6)) {
	case 0: return NULL;
	case 1: return (void *)1;
	case 2: return (void *)0xffff888000000000ull;	/* kernel direct map */
	case 3: return none_page;
	case 4: return edge_buf + 4096 - (size > 8 ? size / 2 : 1);	/* runs into none */
	default: return written ? (void *)ro_page : buf;		/* read-only */
	}
}

/* A user pointer inside a struct (packets, results, fds). */
static uint64_t gen_uptr(struct rng *r, void *buf)
{
	if (!one_in(r, 10))
		return (uintptr_t)buf;
	switch (below(r, 5)) {
	case 0: return 0;
	case 1: return 0xffff888000000000ull;
	case 2: return (uintptr_t)none_page;
	case 3: return (uintptr_t)ro_page;
	default: return rnd(r);
	}
}

/* A deadline: 0, soon, a little in the past, or (blocking children only)
 * forever. */
static uint64_t gen_deadline(struct rng *r, bool may_block)
{
	switch (below(r, may_block ? 6 : 5)) {
	case 0:
	case 1: return 0;
	case 2: return now_ns() + below(r, 3000000);		/* < 3 ms */
	case 3: return now_ns() - below(r, 1000000);		/* passed */
	case 4: return now_ns() + 1000000 + below(r, 10000000);	/* 1 to 11 ms */
	default: return one_in(r, 2) ? LKPORT_FOREVER : now_ns() + 200000000;
	}
}

/* ---- permission oracle ------------------------------------------------------------ */

static bool privileged(void)
{
	return my_uid == 0;
}

/* Whether my uid/gid may open an object with info's owner and bits for
 * want (MAY_READ 4, MAY_WRITE 2). */
static bool perm_allows(const struct lkport_info *info, unsigned int want)
{
	unsigned int bits;

	if (info->uid == my_uid)
		bits = (info->perm >> 6) & 7;
	else if (info->gid == my_gid)
		bits = (info->perm >> 3) & 7;
	else
		bits = info->perm & 7;
	return (bits & want) == want;
}

static bool get_info(int fd, enum kind k, struct lkport_info *info)
{
	size_t i;

	memset(info, 0xa5, sizeof(*info));
	if (xioctl(fd, k, LKPORT_IOC_INFO, info, 0) < 0) {
		if (k != K_OTHER && k != K_NONE)
			fail(O_ERRNO, "INFO on a %s fd failed: %s", kind_name[k], strerror(errno));
		return false;
	}
	for (i = 0; i < sizeof(info->reserved) / sizeof(info->reserved[0]); i++)
		if (info->reserved[i])
			fail(O_UNINIT, "INFO on %s: reserved[%zu] = %#llx", kind_name[k], i,
			     (unsigned long long)info->reserved[i]);
	return true;
}

/* An fd just opened by name with access `want`: the bits must allow it. */
static void check_opened(int fd, enum kind k, unsigned int want, const char *what)
{
	struct lkport_info info;

	if (privileged() || !get_info(fd, k, &info))
		return;
	if (!perm_allows(&info, want))
		fail(O_PERM, "%s as uid %u/gid %u opened %s owned by %u/%u perm %04o for %s", what,
		     my_uid, my_gid, info.name, info.uid, info.gid, info.perm,
		     want == 4 ? "read" : want == 2 ? "write" : "read+write");
}

/* N of "fz-pN", or -1. */
static int port_index(const char *name)
{
	if (strncmp(name, "fz-p", 4) || name[4] < '0' || name[4] >= '0' + NAMES || name[5])
		return -1;
	return name[4] - '0';
}

/* After a create of fz-p<idx> gave fd: its entry, valid if the create
 * was the only one from its start to now (`alone`, and gen still `gen0`) and
 * the port is not destroyed already. Not valid, the name is not judged
 * until the next create. */
static void registry_note(int fd, int idx, bool alone, uint32_t gen0)
{
	struct port_entry *e;
	struct lkport_info info;
	bool ok;

	if (idx < 0)
		return;
	e = &sh->ports[idx];
	ok = get_info(fd, K_WPORT, &info) && !(info.state & LKPORT_STATE_DESTROYED);
	if (ok) {
		__atomic_store_n(&e->by, me, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->op, cur_op, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->uid, info.uid, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->gid, info.gid, __ATOMIC_SEQ_CST);
		__atomic_store_n(&e->perm, info.perm, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&e->valid, ok, __ATOMIC_SEQ_CST);
	/* Written first, then looked: a create that begins after this look
	 * but before this one ends is not alone, and clears the entry when
	 * it ends. */
	if (!alone || __atomic_load_n(&sh->inflight, __ATOMIC_SEQ_CST) != 1 ||
	    __atomic_load_n(&sh->gen, __ATOMIC_SEQ_CST) != gen0)
		__atomic_store_n(&e->valid, 0, __ATOMIC_SEQ_CST);
}

/* ---- operations ---------------------------------------------------------------------- */

static void op_open_dev(struct rng *r)
{
	int fd = open(LKPORT_DEVICE, one_in(r, 4) ? O_RDONLY : O_RDWR);

	put_fd(r, fd, K_DEV);
}

static void op_event_create(struct rng *r)
{
	struct lkport_event_create c = { 0 };
	int dev = dev_fd(r), fd;

	gen_name(r, c.name, 'e');
	c.flags = gen_flags(r, LKPORT_EVENT_AUTOUNSIGNAL | LKPORT_EVENT_SIGNALED |
			    LKPORT_EVENT_ANONYMOUS);
	/* Anonymous: a name is EINVAL, mostly give none. */
	if ((c.flags & LKPORT_EVENT_ANONYMOUS) && !one_in(r, 4))
		memset(c.name, 0, sizeof(c.name));
	c.perm = gen_perm(r);
	c.fd_flags = gen_fd_flags(r);
	c.reserved = gen_reserved(r);
	c.reserved2[below(r, 2)] = gen_reserved(r);
	fd = xioctl(dev, K_DEV, LKPORT_IOC_EVENT_CREATE, gen_ptr(r, &c, sizeof(c), false), 0);
	put_fd(r, fd, K_EVENT);
}

static void op_event_open(struct rng *r)
{
	struct lkport_event_open o = { 0 };
	int dev = dev_fd(r), fd;

	gen_name(r, o.name, 'e');
	o.access = one_in(r, 10) ? below(r, 8) : 1 + below(r, 3);
	o.fd_flags = gen_fd_flags(r);
	o.reserved[below(r, 2)] = gen_reserved(r);
	fd = xioctl(dev, K_DEV, LKPORT_IOC_EVENT_OPEN, gen_ptr(r, &o, sizeof(o), false), 0);
	if (fd >= 0) {
		unsigned int want = (o.access & LKPORT_ACCESS_WAIT ? 4 : 0) |
				    (o.access & LKPORT_ACCESS_SIGNAL ? 2 : 0);

		check_opened(fd, K_EVENT, want, "EVENT_OPEN");
	}
	put_fd(r, fd, K_EVENT);
}

static void op_port_create(struct rng *r)
{
	static const uint32_t caps[] = { 0, 1, 2, 8, 64, 4096, 3, 8192, 0x80000000u };
	struct lkport_port_create c = { 0 };
	int dev = dev_fd(r), fd;
	uint32_t gen0;
	bool alone;

	gen_name(r, c.name, 'p');
	c.mode = gen_flags(r, LKPORT_PORT_UNICAST | LKPORT_PORT_BIG_BUFFER);
	c.capacity = one_in(r, 2) ? 0 : caps[below(r, sizeof(caps) / sizeof(caps[0]))];
	c.perm = gen_perm(r);
	c.flags = one_in(r, 3) ? gen_flags(r, LKPORT_PORT_SHARE | LKPORT_PORT_EXISTING |
					   LKPORT_PORT_CLOSED) : 0;
	if ((c.flags & LKPORT_PORT_EXISTING) && !one_in(r, 5))
		c.mode = c.capacity = c.perm = 0;
	c.fd_flags = gen_fd_flags(r);
	c.reserved = gen_reserved(r);
	c.reserved2[below(r, 2)] = gen_reserved(r);
	gen0 = __atomic_load_n(&sh->gen, __ATOMIC_SEQ_CST);
	alone = __atomic_add_fetch(&sh->inflight, 1, __ATOMIC_SEQ_CST) == 1;
	fd = xioctl(dev, K_DEV, LKPORT_IOC_PORT_CREATE, gen_ptr(r, &c, sizeof(c), false), 0);
	if (fd >= 0)
		registry_note(fd, port_index(c.name), alone, gen0);
	__atomic_fetch_add(&sh->gen, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_sub(&sh->inflight, 1, __ATOMIC_SEQ_CST);
	if (fd >= 0 && !privileged()) {
		struct lkport_info info;

		/* EXISTING always joins; SHARE joined if somebody else owns it.
		 * With CLOSED, a closed port is its owner's whatever its bits
		 * (and whether it was closed before the join or after cannot
		 * be told here: left out). */
		if (get_info(fd, K_WPORT, &info) &&
		    !((c.flags & LKPORT_PORT_CLOSED) && (info.state & LKPORT_STATE_CLOSED)) &&
		    ((c.flags & LKPORT_PORT_EXISTING) || info.uid != my_uid) &&
		    !perm_allows(&info, 2))
			fail(O_PERM, "PORT_CREATE flags %#x as uid %u joined %s of %u/%u perm %04o",
			     c.flags, my_uid, info.name, info.uid, info.gid, info.perm);
	}
	put_fd(r, fd, K_WPORT);
}

/* A read port opened that the entry says this user may not open: said
 * with what a join as a writer finds of the port of that name now. */
static void open_refused(const struct lkport_port_open *o, const struct lkport_info *was,
			 const struct port_entry *e)
{
	struct lkport_port_create c = { .flags = LKPORT_PORT_EXISTING, .fd_flags = O_CLOEXEC };
	struct lkport_info now = { 0 };
	char seen[96] = "not found";
	int dev = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC), fd;

	memcpy(c.name, o->name, sizeof(c.name));
	fd = dev < 0 ? -1 : ioctl(dev, LKPORT_IOC_PORT_CREATE, &c);
	if (fd >= 0 && get_info(fd, K_WPORT, &now))
		snprintf(seen, sizeof(seen), "owned by %u/%u perm %04o", now.uid, now.gid, now.perm);
	else if (fd < 0)
		snprintf(seen, sizeof(seen), "join: %s", strerror(errno));
	fail(O_PERM, "PORT_OPEN as uid %u/gid %u opened %s owned by %u/%u perm %04o "
	     "(noted by worker %u at op %" PRIu64 "; a writer's join now: %s)",
	     my_uid, my_gid, o->name, was->uid, was->gid, was->perm, e->by, e->op, seen);
	if (fd >= 0)
		close(fd);
	if (dev >= 0)
		close(dev);
}

static void op_port_open(struct rng *r)
{
	struct lkport_port_open o = { 0 };
	int dev = dev_fd(r), fd, idx;
	uint32_t busy, gen;

	gen_name(r, o.name, 'p');
	o.ctx = rnd(r);
	o.fd_flags = gen_fd_flags(r);
	o.reserved = gen_reserved(r);
	o.reserved2[below(r, 2)] = gen_reserved(r);
	idx = port_index(o.name);
	busy = __atomic_load_n(&sh->inflight, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&sh->gen, __ATOMIC_SEQ_CST);
	fd = xioctl(dev, K_DEV, LKPORT_IOC_PORT_OPEN, gen_ptr(r, &o, sizeof(o), false), 0);
	if (fd >= 0 && idx >= 0 && !busy && !privileged()) {
		struct lkport_info info = { 0 };
		struct port_entry *e = &sh->ports[idx];
		bool valid;

		/* The entry first, then whether a create began or ended since
		 * before the open: read after that check, it may already
		 * describe a port created once this one was gone. */
		valid = __atomic_load_n(&e->valid, __ATOMIC_SEQ_CST);
		info.uid = __atomic_load_n(&e->uid, __ATOMIC_SEQ_CST);
		info.gid = __atomic_load_n(&e->gid, __ATOMIC_SEQ_CST);
		info.perm = __atomic_load_n(&e->perm, __ATOMIC_SEQ_CST);
		if (valid && __atomic_load_n(&sh->inflight, __ATOMIC_SEQ_CST) == 0 &&
		    __atomic_load_n(&sh->gen, __ATOMIC_SEQ_CST) == gen) {
			ws->judged++;
			if (!perm_allows(&info, 4))
				open_refused(&o, &info, e);
		}
	}
	put_fd(r, fd, K_RPORT);
}

static void op_group_create(struct rng *r)
{
	static int32_t fds[LKPORT_GROUP_MAX + 8];
	struct lkport_group_create c = { 0 };
	int dev = dev_fd(r), fd;
	unsigned int i;

	c.count = one_in(r, 20) ? LKPORT_GROUP_MAX + below(r, 8) :
		  one_in(r, 40) ? (uint32_t)rnd(r) : below(r, 5);
	for (i = 0; i < c.count && i < sizeof(fds) / sizeof(fds[0]); i++)
		fds[i] = one_in(r, 20) ? (int32_t)rnd(r) : pick(r, K_RPORT)->fd;
	c.fds = gen_uptr(r, fds);
	if (c.count > sizeof(fds) / sizeof(fds[0]) && c.fds == (uintptr_t)fds)
		c.fds = (uintptr_t)none_page;
	c.fd_flags = gen_fd_flags(r);
	c.reserved[below(r, 2)] = gen_reserved(r);
	fd = xioctl(dev, K_DEV, LKPORT_IOC_GROUP_CREATE, gen_ptr(r, &c, sizeof(c), false), 0);
	put_fd(r, fd, K_GROUP);
}

static void op_info(struct rng *r)
{
	struct slot *s = pick(r, K_NONE);
	struct lkport_info info;
	struct lkport_version v;

	if (s->kind == K_DEV) {
		memset(&v, 0xa5, sizeof(v));
		if (xioctl(s->fd, K_DEV, LKPORT_IOC_VERSION, gen_ptr(r, &v, sizeof(v), true), 0) == 0 &&
		    (v.reserved[0] | v.reserved[1] | v.reserved[2] | v.reserved[3]))
			fail(O_UNINIT, "VERSION: reserved not zero");
		return;
	}
	if (one_in(r, 8)) {
		xioctl(s->fd, s->kind, LKPORT_IOC_INFO, gen_ptr(r, &info, sizeof(info), true), 0);
		return;
	}
	if (s->kind != K_NONE && s->kind != K_OTHER)
		get_info(s->fd, s->kind, &info);
}

static void do_event_wait(struct rng *r, int fd, enum kind k, bool may_block)
{
	struct lkport_wait w = { 0 };

	w.deadline_ns = gen_deadline(r, may_block);
	w.flags = gen_reserved(r);
	w.reserved = gen_reserved(r);
	xioctl(fd, k, LKPORT_IOC_EVENT_WAIT, gen_ptr(r, &w, sizeof(w), false), w.deadline_ns);
}

/* A mapped write ring's kick, or its wait for room (a deadline of up to
 * 11 ms, or, in a blocking child, any). The kick returns the free slots
 * (0 to capacity), the wait at least 1 of them. */
static void do_wring(struct rng *r, int fd, enum kind k, bool may_block)
{
	struct lkport_wait w = { 0 };
	long ret;

	if (!may_block && one_in(r, 2)) {
		ret = xioctl(fd, k, LKPORT_IOC_WRING_KICK, NULL, 0);
		if (k == K_WPORT && ret > LKPORT_CAPACITY_MAX)
			fail(O_ERRNO, "WRING_KICK returned %ld free slots", ret);
		return;
	}
	w.deadline_ns = gen_deadline(r, may_block);
	w.flags = gen_reserved(r);
	w.reserved = gen_reserved(r);
	ret = xioctl(fd, k, LKPORT_IOC_WRING_WAIT, gen_ptr(r, &w, sizeof(w), false), w.deadline_ns);
	if (k == K_WPORT && (ret == 0 || ret > LKPORT_CAPACITY_MAX))
		fail(O_ERRNO, "WRING_WAIT returned %ld free slots", ret);
}

static void op_wring(struct rng *r)
{
	struct slot *s = pick(r, K_WPORT);

	do_wring(r, s->fd, s->kind, false);
}

static void op_event_wait(struct rng *r)
{
	struct slot *s = pick(r, K_EVENT);

	do_event_wait(r, s->fd, s->kind, false);
}

static void op_event_signal(struct rng *r)
{
	struct slot *s = pick(r, K_EVENT);

	unsigned long cmd = one_in(r, 3) ? LKPORT_IOC_EVENT_UNSIGNAL : LKPORT_IOC_EVENT_SIGNAL;

	/* Seldom: an event destroyed ends every wait on it at once. */
	if (one_in(r, 24))
		cmd = LKPORT_IOC_EVENT_DESTROY;
	xioctl(s->fd, s->kind, cmd, NULL, 0);
}

static void do_port_write(struct rng *r, int fd, enum kind k)
{
	static struct lkport_packet pk[LKPORT_CAPACITY_MAX + 1];
	struct lkport_port_write w = { 0 };

	w.count = one_in(r, 15) ? (one_in(r, 2) ? (uint32_t)rnd(r) : LKPORT_CAPACITY_MAX + below(r, 2)) :
		  one_in(r, 6) ? below(r, 70) : 1 + below(r, 4);
	pk[0].data[0] = (uint8_t)rnd(r);
	w.packets = gen_uptr(r, pk);
	w.flags = gen_reserved(r);
	w.deadline_ns = gen_reserved(r);
	/* Sometimes a write that waits for room, never long: this runs in
	 * children that must not block. */
	if (one_in(r, 4)) {
		w.flags = LKPORT_WRITE_WAIT;
		w.deadline_ns = gen_deadline(r, false);
	}
	w.delivered = (uint32_t)rnd(r);
	xioctl(fd, k, LKPORT_IOC_PORT_WRITE, gen_ptr(r, &w, sizeof(w), true),
	       w.flags == LKPORT_WRITE_WAIT ? w.deadline_ns : 0);
}

static void op_port_write(struct rng *r)
{
	struct slot *s = pick(r, K_WPORT);

	do_port_write(r, s->fd, s->kind);
}

static void do_read(struct rng *r, int fd, enum kind k, bool may_block)
{
	static __thread struct lkport_result res[LKPORT_READ_MAX + 1];
	struct lkport_port_read pr = { 0 };
	static const unsigned int cmd[] = {
		LKPORT_IOC_READ, LKPORT_IOC_PORT_READ, LKPORT_IOC_GROUP_READ,
	};

	pr.deadline_ns = gen_deadline(r, may_block);
	pr.max = one_in(r, 15) ? (one_in(r, 2) ? (uint32_t)rnd(r) : 0) : 1 + below(r, LKPORT_READ_MAX);
	pr.results = gen_uptr(r, res);
	pr.count = (uint32_t)rnd(r);
	pr.flags = gen_reserved(r);
	pr.reserved = gen_reserved(r);
	xioctl(fd, k, cmd[below(r, 3)], gen_ptr(r, &pr, sizeof(pr), true), pr.deadline_ns);
}

static void op_read(struct rng *r)
{
	struct slot *s = pick(r, one_in(r, 3) ? K_GROUP : K_RPORT);

	do_read(r, s->fd, s->kind, false);
}

/* The fd a round trip's first half goes to: mostly one of kind k, else
 * any slot, -1 or a number that may be no fd at all. */
static int32_t gen_target(struct rng *r, enum kind k)
{
	switch (below(r, 16)) {
	case 0: return -1;
	case 1: return (int32_t)rnd(r);
	case 2: return pick(r, K_NONE)->fd;
	default: return pick(r, k)->fd;
	}
}

/* A round trip's outputs when it is our struct and it returned: done says
 * the first half was made; a read returns 1 to max packets. */
static void check_done(const char *what, long ret, bool ours, uint32_t done, uint32_t count,
		       uint32_t max)
{
	if (!ours || ret < 0)
		return;
	if (done != LKPORT_DONE_FIRST)
		fail(O_ERRNO, "%s returned %ld with done %#x", what, ret, done);
	if (max && (count < 1 || count > max))
		fail(O_ERRNO, "%s returned %u packets for max %u", what, count, max);
}

/* WRITE_READ: a write as do_port_write makes them (flags, count, packets
 * and deadline valid or not) to a write port or any fd, then a read as
 * do_read makes them. The no-early-timeout oracle is the half's that
 * timed out: the read's once done says the write was made, else the
 * write's. */
static void do_write_read(struct rng *r, int fd, enum kind k, bool may_block)
{
	static __thread struct lkport_packet pk[LKPORT_CAPACITY_MAX + 1];
	static __thread struct lkport_result res[LKPORT_READ_MAX + 1];
	struct lkport_write_read a = { 0 };
	void *arg;
	long ret;
	int err;

	a.write.count = one_in(r, 15) ? (one_in(r, 2) ? (uint32_t)rnd(r) :
					 LKPORT_CAPACITY_MAX + below(r, 2)) :
			one_in(r, 6) ? below(r, 70) : 1 + below(r, 4);
	pk[0].data[0] = (uint8_t)rnd(r);
	a.write.packets = gen_uptr(r, pk);
	a.write.flags = gen_reserved(r);
	a.write.deadline_ns = gen_reserved(r);
	if (one_in(r, 4)) {
		a.write.flags = LKPORT_WRITE_WAIT;
		a.write.deadline_ns = gen_deadline(r, false);
	}
	a.write.delivered = (uint32_t)rnd(r);
	a.read.deadline_ns = gen_deadline(r, may_block);
	a.read.max = one_in(r, 15) ? (one_in(r, 2) ? (uint32_t)rnd(r) : 0) :
				     1 + below(r, LKPORT_READ_MAX);
	a.read.results = gen_uptr(r, res);
	a.read.count = (uint32_t)rnd(r);
	a.read.flags = gen_reserved(r);
	a.read.reserved = gen_reserved(r);
	a.fd = gen_target(r, K_WPORT);
	a.done = one_in(r, 8) ? (uint32_t)rnd(r) : 0;
	arg = gen_ptr(r, &a, sizeof(a), true);
	ret = xioctl(fd, k, LKPORT_IOC_WRITE_READ, arg, 0);
	err = errno;
	if (arg == &a && ret < 0 && err == ETIMEDOUT && (a.done == 0 || a.done == LKPORT_DONE_FIRST)) {
		uint64_t dl = a.done ? a.read.deadline_ns : a.write.deadline_ns, t = now_ns();

		if (dl && dl != LKPORT_FOREVER && t < dl)
			fail(O_TIMEOUT, "WRITE_READ: ETIMEDOUT %" PRIu64 " ns before the %s's deadline",
			     dl - t, a.done ? "read" : "write");
	}
	check_done("WRITE_READ", ret, arg == &a, a.done, a.read.count, a.read.max);
}

static void op_write_read(struct rng *r)
{
	struct slot *s = pick(r, one_in(r, 3) ? K_GROUP : K_RPORT);

	do_write_read(r, s->fd, s->kind, false);
}

/* SIGNAL_WAIT: an event fd (opened to signal or not, or any fd)
 * signalled, then a wait as do_event_wait makes them. */
static void do_signal_wait(struct rng *r, int fd, enum kind k, bool may_block)
{
	struct lkport_signal_wait a = { 0 };
	void *arg;
	long ret;

	a.wait.deadline_ns = gen_deadline(r, may_block);
	a.wait.flags = gen_reserved(r);
	a.wait.reserved = gen_reserved(r);
	a.fd = one_in(r, 8) ? fd : gen_target(r, K_EVENT);
	a.done = one_in(r, 8) ? (uint32_t)rnd(r) : 0;
	a.released = (uint32_t)rnd(r);
	a.reserved = gen_reserved(r);
	arg = gen_ptr(r, &a, sizeof(a), true);
	ret = xioctl(fd, k, LKPORT_IOC_SIGNAL_WAIT, arg, a.wait.deadline_ns);
	check_done("SIGNAL_WAIT", ret, arg == &a, a.done, 0, 0);
}

static void op_signal_wait(struct rng *r)
{
	struct slot *s = pick(r, K_EVENT);

	do_signal_wait(r, s->fd, s->kind, false);
}

static void op_port_end(struct rng *r)
{
	struct slot *s = pick(r, K_WPORT);
	bool destroy = one_in(r, 2);
	struct lkport_info info;
	bool have = s->kind == K_WPORT && get_info(s->fd, s->kind, &info);
	long ret;

	ret = xioctl(s->fd, s->kind, destroy ? LKPORT_IOC_PORT_DESTROY : LKPORT_IOC_PORT_CLOSE, NULL, 0);
	if (!have || privileged())
		return;
	if (info.uid != my_uid && (ret == 0 || errno != EPERM))
		fail(O_PERM, "PORT_%s as uid %u of %s owned by %u: %s", destroy ? "DESTROY" : "CLOSE",
		     my_uid, info.name, info.uid, ret == 0 ? "succeeded" : strerror(errno));
	if (info.uid == my_uid && ret < 0 && errno == EPERM)
		fail(O_PERM, "PORT_%s by its owner %u: EPERM", destroy ? "DESTROY" : "CLOSE", my_uid);
}

static void op_group_member(struct rng *r)
{
	struct slot *g = pick(r, K_GROUP);
	struct lkport_group_member m = { 0 };

	m.fd = one_in(r, 15) ? (int32_t)rnd(r) : pick(r, K_RPORT)->fd;
	m.reserved = gen_reserved(r);
	xioctl(g->fd, g->kind, one_in(r, 3) ? LKPORT_IOC_GROUP_REMOVE : LKPORT_IOC_GROUP_ADD,
	       gen_ptr(r, &m, sizeof(m), false), 0);
}

/* Any command number and direction at any size on any fd: the wrong kind,
 * the wrong size, the wrong direction. */
static void op_raw(struct rng *r)
{
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE };
	struct slot *s = pick(r, K_NONE);
	unsigned char buf[512] __attribute__((aligned(8)));
	unsigned int nr, dir, size, cmd, i;
	enum cmd_id c;
	long ret;

	if (one_in(r, 2)) {
		/* a real command, perhaps at another size */
		c = below(r, C_NONE);
		nr = _IOC_NR(cmds[c].cmd);
		dir = one_in(r, 4) ? dirs[below(r, 4)] : _IOC_DIR(cmds[c].cmd);
		size = _IOC_SIZE(cmds[c].cmd);
		if (one_in(r, 2))
			size = one_in(r, 2) ? size + 8 * below(r, 8) : below(r, size + 1);
	} else {
		nr = below(r, 0x50);
		dir = dirs[below(r, 4)];
		size = below(r, 300);
	}
	cmd = _IOC(dir, one_in(r, 20) ? below(r, 256) : LKPORT_IOC_MAGIC, nr, size);
	memset(buf, 0, sizeof(buf));
	for (i = below(r, 4); i; i--)
		buf[below(r, size + 1 < sizeof(buf) ? size + 1 : sizeof(buf))] = (unsigned char)rnd(r);
	c = resolve(cmd, s->kind);
	/* Never block here: waits and reads get deadline 0. */
	if (c == C_EV_WAIT || c == C_READ || c == C_P_READ || c == C_G_READ || c == C_IRQ_WAIT ||
	    c == C_WRING_WAIT || c == C_SIGNAL_WAIT)
		memset(buf, 0, 8);
	/* A write-read's write deadline and then its read's. */
	if (c == C_WRITE_READ)
		memset(buf + offsetof(struct lkport_write_read, write.deadline_ns), 0, 16);
	/* Ending a port goes through its oracle. */
	if (c == C_P_CLOSE || c == C_P_DESTROY)
		return;
	ret = xioctl(s->fd, s->kind, cmd, gen_ptr(r, buf, size, dir & _IOC_READ), 0);
	/* a create that went through (an empty group, say): keep the fd */
	if (ret >= 0 && ((c >= C_EV_CREATE && c <= C_G_CREATE) || c == C_IRQ_CREATE))
		put_fd(r, ret, kind_of_fd(ret));
}

static void op_fd(struct rng *r)
{
	struct slot *a = pick(r, K_NONE), *b = pick(r, K_NONE);
	int fd;

	switch (below(r, 5)) {
	case 0:
	case 1:
		if (a->fd >= 0)
			close(a->fd);
		a->fd = -1;
		a->kind = K_NONE;
		break;
	case 2:
		fd = a->fd >= 0 ? dup(a->fd) : -1;
		put_fd(r, fd, a->kind);
		break;
	case 3:
		if (a->fd >= 0 && b->fd >= 0 && a != b && dup2(a->fd, b->fd) >= 0)
			b->kind = a->kind;
		break;
	default:
		/* an fd that is no lkport object, for the wrong-kind paths */
		put_fd(r, open("/dev/null", O_RDWR | O_CLOEXEC), K_OTHER);
	}
}

/* Fds to another worker (and so, perhaps, to another user). */
static void op_send(struct rng *r)
{
	int to = below(r, opt_workers), n = 1 + below(r, 3), i, fds[3];
	char cbuf[CMSG_SPACE(sizeof(fds))] = { 0 };
	char byte = 'f';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	for (i = 0; i < n; i++) {
		fds[i] = pick(r, K_NONE)->fd;
		if (fds[i] < 0)
			return;
	}
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	sendmsg(mailbox[to][0], &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void recv_fds(struct rng *r, bool keep)
{
	char cbuf[CMSG_SPACE(8 * sizeof(int))];
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg;
	struct cmsghdr *cm;
	int i, n, fd;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		if (recvmsg(mailbox[me][1], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < n; i++) {
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (keep)
					put_fd(r, fd, kind_of_fd(fd));
				else
					close(fd);
			}
		}
		if (keep)
			return;
	}
}

static void op_recv(struct rng *r)
{
	recv_fds(r, true);
}

/* ---- blocked waits against kill, signals, close ------------------------------------ */

static void on_signal(int sig)
{
}

static void child_body(struct rng *r, struct slot *s)
{
	struct sigaction sa = { 0 };
	int i;

	sa.sa_handler = on_signal;
	sa.sa_flags = one_in(r, 2) ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < 3; i++) {
		if (s->kind == K_WPORT)
			do_wring(r, s->fd, s->kind, true);
		else if (s->kind == K_EVENT && one_in(r, 3))
			do_signal_wait(r, s->fd, s->kind, true);
		else if (s->kind == K_EVENT || one_in(r, 4))
			do_event_wait(r, s->fd, s->kind, true);
		else if (one_in(r, 3))
			do_write_read(r, s->fd, s->kind, true);
		else
			do_read(r, s->fd, s->kind, true);
	}
}

static void op_child(struct rng *r)
{
	static const enum kind want[] = { K_EVENT, K_RPORT, K_GROUP, K_WPORT };
	struct slot *s = pick(r, want[below(r, 4)]);
	uint64_t child_seed = rnd(r);
	unsigned int action = below(r, 6), delay = below(r, 3000);
	struct slot *other = pick(r, K_NONE);
	int status, i;
	pid_t pid;

	ws->children++;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		struct rng cr = { child_seed };

		kcov_on = false;
		child_body(&cr, s);
		_exit(0);
	}
	usleep(delay);
	switch (action) {
	case 0:
		kill(pid, SIGKILL);
		break;
	case 1:
		kill(pid, SIGUSR1);
		usleep(below(r, 2000));
		kill(pid, SIGUSR1);
		break;
	case 2:		/* wake it the ordinary way */
		if (s->kind == K_EVENT)
			xioctl(s->fd, s->kind, LKPORT_IOC_EVENT_SIGNAL, NULL, 0);
		else if (s->kind == K_WPORT)	/* a reader's read makes room */
			do_read(r, other->fd, other->kind, false);
		else
			do_port_write(r, pick(r, K_WPORT)->fd, K_WPORT);
		break;
	case 3:		/* our copy of its fd goes away */
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		s->kind = K_NONE;
		break;
	case 4:
		kill(pid, SIGSTOP);
		usleep(below(r, 1000));
		kill(pid, SIGCONT);
		break;
	default:	/* a port it may be reading from goes away */
		if (other->kind == K_WPORT)
			xioctl(other->fd, other->kind,
			       one_in(r, 2) ? LKPORT_IOC_PORT_CLOSE : LKPORT_IOC_PORT_DESTROY, NULL, 0);
	}
	for (i = 0; i < 20; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

struct racer {
	int fd;
	enum kind kind;
	struct rng r;
	bool event;
};

static void *racer_main(void *arg)
{
	struct racer *rc = arg;

	bool call = one_in(&rc->r, 3);

	if (rc->event && call)
		do_signal_wait(&rc->r, rc->fd, rc->kind, false);
	else if (rc->event)
		do_event_wait(&rc->r, rc->fd, rc->kind, false);
	else if (call)
		do_write_read(&rc->r, rc->fd, rc->kind, false);
	else
		do_read(&rc->r, rc->fd, rc->kind, false);
	return NULL;
}

/* A thread waits (up to 11 ms) while this one closes or replaces its fd. */
static void op_thread_race(struct rng *r)
{
	static const enum kind want[] = { K_EVENT, K_RPORT, K_GROUP };
	struct slot *s = pick(r, want[below(r, 3)]), *o = pick(r, K_NONE);
	struct racer rc = { s->fd, K_RACY, { rnd(r) }, false };
	bool event = s->kind == K_EVENT;
	pthread_t t;

	rc.event = event;
	if (s->fd < 0 || pthread_create(&t, NULL, racer_main, &rc))
		return;
	usleep(below(r, 2000));
	switch (below(r, 3)) {
	case 0:
		close(s->fd);
		s->fd = -1;
		s->kind = K_NONE;
		break;
	case 1:
		if (o->fd >= 0 && o != s && dup2(o->fd, s->fd) >= 0)
			s->kind = o->kind;
		break;
	default:
		if (s->kind == K_EVENT)
			xioctl(s->fd, s->kind, LKPORT_IOC_EVENT_SIGNAL, NULL, 0);
		else
			do_port_write(r, pick(r, K_WPORT)->fd, K_WPORT);
	}
	pthread_join(t, NULL);
}

/* A write port's ring once mapped (len bytes of it): packets put by the
 * protocol (at tail, then tail moved and flags read; a kick when asked),
 * and its tail (past head + capacity, back, anywhere), head, mask and
 * flags scribbled on, with kicks, waits and readers' reads between (other
 * workers map the same ring). Only this ring may break. */
static void scribble_wring(struct rng *r, struct slot *s, void *p, size_t len)
{
	struct lkport_wring *ring = p;
	struct lkport_info info;
	uint32_t cap = 0;
	int n = 1 + below(r, 8);

	if (get_info(s->fd, s->kind, &info) && info.capacity <= LKPORT_CAPACITY_MAX)
		cap = info.capacity;
	for (int i = 0; i < n; i++) {
		uint32_t *word = (uint32_t *)p + below(r, (uint32_t)(len < 4096 ? len : 4096) / 4);

		switch (below(r, 6)) {
		case 0:
		case 1: {
			uint32_t t = ring->tail, h = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE), k;

			if (!cap || t - h > cap)
				break;
			k = below(r, cap - (t - h) + 1);
			for (uint32_t j = 0; j < k; j++) {
				uint32_t slot = (t + j) & (cap - 1);

				if (LKPORT_RING_PACKETS + (slot + 1) * sizeof(struct lkport_packet) <= len)
					ring->packets[slot].data[0] = (uint8_t)rnd(r);
			}
			__atomic_store_n(&ring->tail, t + k, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&ring->flags, __ATOMIC_SEQ_CST) & LKPORT_WRING_KICK)
				xioctl(s->fd, s->kind, LKPORT_IOC_WRING_KICK, NULL, 0);
			break;
		}
		case 2:
			switch (below(r, 3)) {
			case 0: ring->tail = ring->head + cap + 1 + below(r, 8); break;
			case 1: ring->tail -= below(r, 4); break;
			default: ring->tail = (uint32_t)rnd(r);
			}
			break;
		case 3:
			if (one_in(r, 2))
				ring->head = (uint32_t)rnd(r);
			if (one_in(r, 2))
				ring->mask = (uint32_t)rnd(r);
			if (one_in(r, 2))
				ring->flags = (uint32_t)rnd(r);
			break;
		case 4:
			*word = (uint32_t)rnd(r);
			break;
		default:
			do_wring(r, s->fd, s->kind, false);
		}
		if (one_in(r, 3)) {
			struct slot *rd = pick(r, K_RPORT);

			do_read(r, rd->fd, rd->kind, false);
		}
		if (one_in(r, 3))
			do_wring(r, s->fd, s->kind, false);
	}
	/* Seldom: the port closed (by its owner) while mapped. */
	if (one_in(r, 16))
		xioctl(s->fd, s->kind, LKPORT_IOC_PORT_CLOSE, NULL, 0);
}

/* A read port's ring (or a write port's) mapped with any length,
 * protection, flags and offset on any fd; once mapped, its indices, flags
 * and packets scribbled on while the kernel writes and reads it, takes
 * from it, syncs, reads, and sometimes the fd closed while it is still
 * mapped. Only the mapper's own ring may be affected: the other
 * processes' reads and writes, and the kernel, must not notice. */
static void op_map(struct rng *r)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
				     PROT_READ | PROT_EXEC, PROT_NONE };
	struct slot *s = pick(r, one_in(r, 4) ? K_NONE : one_in(r, 3) ? K_WPORT : K_RPORT);
	long page = sysconf(_SC_PAGESIZE);
	size_t len = one_in(r, 8) ? (size_t)below(r, 64) * page + below(r, 2) :
				    (size_t)(1 + below(r, 17)) * page;
	int prot = one_in(r, 4) ? prots[below(r, 5)] : PROT_READ | PROT_WRITE;
	int flags = one_in(r, 6) ? MAP_PRIVATE : MAP_SHARED;
	off_t off = one_in(r, 8) ? (off_t)below(r, 4) * page : 0;
	struct lkport_ring *ring;
	void *p = mmap(NULL, len, prot, flags, s->fd, off);

	if (p == MAP_FAILED) {
		if (s->kind == K_RPORT && errno != EINVAL && errno != EPERM && errno != EACCES &&
		    errno != EDQUOT && errno != ENOMEM && errno != EBADF && errno != ENODEV)
			fail(O_ERRNO, "mmap of a read port: undocumented errno %d (%s)", errno,
			     strerror(errno));
		/* A write port: EBADF once closed; ENODEV only before ABI 1.10. */
		if (s->kind == K_WPORT && errno != EINVAL && errno != EPERM && errno != EACCES &&
		    errno != EDQUOT && errno != ENOMEM && errno != EBADF &&
		    (map_write || errno != ENODEV))
			fail(O_ERRNO, "mmap of a write port: undocumented errno %d (%s)", errno,
			     strerror(errno));
		return;
	}
	if (s->kind == K_WPORT) {
		if ((prot & PROT_WRITE) && flags == MAP_SHARED && (prot & PROT_READ))
			scribble_wring(r, s, p, len);
		munmap(p, len);
		return;
	}
	ring = p;
	if ((prot & PROT_WRITE) && flags == MAP_SHARED && (prot & PROT_READ)) {
		int n = 1 + below(r, 8);

		for (int i = 0; i < n; i++) {
			uint32_t *w = (uint32_t *)p + below(r, (uint32_t)(len < 4096 ? len : 4096) / 4);

			switch (below(r, 5)) {
			case 0: /* a take by the protocol */
			{
				uint32_t h = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

				__atomic_compare_exchange_n(&ring->head, &h, h + 1, false, __ATOMIC_SEQ_CST,
							    __ATOMIC_RELAXED);
				break;
			}
			case 1:
				ring->head = one_in(r, 2) ? ring->tail - below(r, 20) : (uint32_t)rnd(r);
				break;
			case 2:
				ring->tail = (uint32_t)rnd(r);
				ring->mask = (uint32_t)rnd(r);
				ring->flags = (uint32_t)rnd(r);
				break;
			default:
				*w = (uint32_t)rnd(r);
				break;
			}
			if (one_in(r, 2))
				xioctl(s->fd, s->kind, LKPORT_IOC_RING_SYNC, NULL, 0);
			if (one_in(r, 3))
				do_read(r, s->fd, s->kind, false);
		}
	}
	/* The mapping holds the read port after its fd is gone. */
	if (one_in(r, 6)) {
		struct slot *fresh = pick(r, K_WPORT);

		do_port_write(r, fresh->fd, fresh->kind);
	}
	munmap(p, len);
}

/* read(2) and write(2) on any fd, with any length and buffer; never
 * blocking (O_NONBLOCK on the file first): this runs in children that
 * must not block. On a port fd only the calls' own errnos may come. */
static void op_rw(struct rng *r)
{
	static __thread struct lkport_packet pk[LKPORT_CAPACITY_MAX + 2];
	struct slot *s = pick(r, one_in(r, 4) ? K_NONE : (one_in(r, 2) ? K_WPORT : K_RPORT));
	bool wr = one_in(r, 2);
	size_t len = one_in(r, 8) ? (size_t)below(r, 70) :
		     one_in(r, 15) ? (size_t)(LKPORT_CAPACITY_MAX + below(r, 2)) * LKPORT_PACKET_SIZE :
				     (size_t)(1 + below(r, wr ? 8 : LKPORT_READ_MAX + 2)) * LKPORT_PACKET_SIZE;
	void *buf = (void *)(uintptr_t)gen_uptr(r, pk);
	int fl = fcntl(s->fd, F_GETFL);
	ssize_t n;
	int err;

	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(s->fd, F_SETFL, fl | O_NONBLOCK)))
		return;
	pk[0].data[0] = (uint8_t)rnd(r);
	n = wr ? write(s->fd, buf, len) : read(s->fd, buf, len);
	err = errno;
	if (n >= 0) {
		if (s->kind == K_WPORT && wr && (size_t)n != len)
			fail(O_ERRNO, "write(2) of %zu bytes to a write port returned %zd", len, n);
		if (s->kind == K_RPORT && !wr && (n % LKPORT_PACKET_SIZE || (size_t)n > len))
			fail(O_ERRNO, "read(2) of %zu bytes from a read port returned %zd", len, n);
		return;
	}
	if ((s->kind == K_WPORT && wr) || (s->kind == K_RPORT && !wr)) {
		if (err != EINVAL && err != EFAULT && err != EAGAIN && err != ENOMEM && err != EBADF &&
		    err != EINTR && (wr || err != EPROTO))
			fail(O_ERRNO, "%s(2) on a %s fd: undocumented errno %d (%s)", wr ? "write" : "read",
			     kind_name[s->kind], err, strerror(err));
	}
}

static void op_poll(struct rng *r)
{
	struct pollfd pfd[4];
	int i, n = 1 + below(r, 4);

	for (i = 0; i < n; i++) {
		pfd[i].fd = pick(r, K_NONE)->fd;
		pfd[i].events = POLLIN | POLLOUT;
	}
	poll(pfd, n, below(r, 3));
}

/* The debugfs listing walks every object while others come and go (root
 * only: debugfs is not for other users). */
static void op_debugfs(struct rng *r)
{
	char buf[4096];
	int fd;

	if (!privileged())
		return;
	fd = open(one_in(r, 4) ? "/sys/kernel/debug/lkport/stats" :
				 "/sys/kernel/debug/lkport/objects", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void op_reset(struct rng *r)
{
	int i;

	for (i = 0; i < SLOTS; i++) {
		if (slots[i].fd >= 0)
			close(slots[i].fd);
		slots[i].fd = -1;
		slots[i].kind = K_NONE;
	}
}

/* Interrupt sources: a virtual one (root only: anyone else must get
 * EPERM), raised, taken, acked and bound to whatever fd comes up. */
static void op_irq(struct rng *r)
{
	struct lkport_irq_create c = { .source = LKPORT_IRQ_VIRTUAL, .fd_flags = O_CLOEXEC };
	struct lkport_irq_wait w = { 0 };
	struct lkport_irq_bind b = { 0 };
	struct lkport_irq_info info;
	struct slot *s = pick(r, K_IRQ);
	long ret;
	int fd;

	if (s->kind != K_IRQ || one_in(r, 8)) {
		if (one_in(r, 4))
			c.flags = LKPORT_IRQ_AUTO_ACK;
		if (one_in(r, 10))
			c.source = LKPORT_IRQ_PCI, snprintf(c.device, sizeof(c.device), "0000:00:0%u.0",
							   (unsigned int)below(r, 10));
		fd = xioctl(dev_fd(r), K_DEV, LKPORT_IOC_IRQ_CREATE, &c, 0);
		if (fd >= 0 && !privileged())
			fail(O_PERM, "IRQ_CREATE as uid %u succeeded", my_uid);
		put_fd(r, fd, K_IRQ);
		return;
	}
	switch (below(r, 5)) {
	case 0:
		for (ret = below(r, 20); ret >= 0; ret--)
			xioctl(s->fd, s->kind, LKPORT_IOC_IRQ_TRIGGER, NULL, 0);
		break;
	case 1:
		w.deadline_ns = gen_deadline(r, false);
		w.flags = gen_reserved(r);
		xioctl(s->fd, s->kind, LKPORT_IOC_IRQ_WAIT, gen_ptr(r, &w, sizeof(w), true),
		       w.deadline_ns);
		break;
	case 2:
		xioctl(s->fd, s->kind, LKPORT_IOC_IRQ_ACK, NULL, 0);
		break;
	case 3:
		b.fd = one_in(r, 5) ? -1 : pick(r, one_in(r, 2) ? K_WPORT : K_EVENT)->fd;
		b.reserved = gen_reserved(r);
		ret = xioctl(s->fd, s->kind, LKPORT_IOC_IRQ_BIND, gen_ptr(r, &b, sizeof(b), false), 0);
		break;
	default:
		xioctl(s->fd, s->kind, LKPORT_IOC_IRQ_INFO, gen_ptr(r, &info, sizeof(info), true), 0);
		break;
	}
}

struct op {
	void (*fn)(struct rng *r);
	unsigned int weight;
};

static const struct op ops[] = {
	{ op_open_dev, 2 },	{ op_event_create, 8 }, { op_event_open, 6 },
	{ op_port_create, 8 },	{ op_port_open, 8 },	{ op_group_create, 4 },
	{ op_info, 4 },		{ op_event_wait, 5 },	{ op_event_signal, 6 },
	{ op_port_write, 10 },	{ op_read, 10 },	{ op_port_end, 3 },
	{ op_group_member, 5 }, { op_raw, 10 },		{ op_fd, 5 },
	{ op_send, 3 },		{ op_recv, 3 },		{ op_child, 2 },
	{ op_thread_race, 2 },	{ op_reset, 1 },	{ op_poll, 3 },
	{ op_debugfs, 1 },	{ op_irq, 4 },	{ op_map, 5 },	{ op_rw, 6 },
	{ op_wring, 3 },	{ op_write_read, 5 },	{ op_signal_wait, 4 },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static void run_op(uint64_t op_seed)
{
	struct rng r = { op_seed };
	unsigned int total = 0, i, x;

	for (i = 0; i < NOPS; i++)
		total += ops[i].weight;
	x = below(&r, total);
	for (i = 0; x >= ops[i].weight; i++)
		x -= ops[i].weight;
	/* Traced for the whole operation: its ioctls, and the closes, polls,
	 * reads and exits that reach the module's release and poll paths. */
	cov_begin();
	ops[i].fn(&r);
	cov_fresh |= cov_end();
}

/* ---- a worker ------------------------------------------------------------------------ */

#define BATCH 8
#define CORPUS_MAX 512

static uint64_t corpus[CORPUS_MAX][BATCH];
static unsigned int corpus_n;

static void kcov_setup(void)
{
	if (!opt_kcov || kcov_fd < 0)
		return;
	if (ioctl(kcov_fd, KCOV_ENABLE, KCOV_TRACE_PC) == 0)
		kcov_on = true;
	else if (me == 0)
		printf("# kcov: KCOV_ENABLE: %s\n", strerror(errno));
}

static void worker(int idx, uid_t uid, uint64_t deadline)
{
	uint64_t wseed = splitmix(opt_seed ^ splitmix(0x10000 + idx));
	struct rng cr = { splitmix(wseed ^ 0xc0) };
	uint64_t batch[BATCH];
	int i;

	me = idx;
	ws = &sh->w[idx];
	for (i = 0; i < SLOTS; i++)
		slots[i].fd = -1;
	for (i = 0; i < opt_workers; i++)
		if (i != idx)
			close(mailbox[i][1]);
	if (uid) {
		gid_t gid = uid;

		if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
			fail(O_PERM, "cannot become uid %u: %s", uid, strerror(errno));
			_exit(1);
		}
	}
	my_uid = getuid();
	my_gid = getgid();
	umask(0);
	kcov_setup();

	for (cur_op = 0;;) {
		bool from_corpus = corpus_n && one_in(&cr, 3);

		if (opt_ops && cur_op >= opt_ops)
			break;
		if (!opt_ops && now_ns() >= deadline)
			break;
		if (from_corpus) {
			memcpy(batch, corpus[below(&cr, corpus_n)], sizeof(batch));
			batch[below(&cr, BATCH)] = rnd(&cr);
		}
		cov_fresh = false;
		for (i = 0; i < BATCH; i++) {
			if (opt_ops && cur_op >= opt_ops)
				break;
			if (!from_corpus)
				batch[i] = splitmix(wseed + cur_op);
			run_op(batch[i]);
			cur_op++;
			ws->ops = cur_op;
		}
		if (cov_fresh && corpus_n < CORPUS_MAX) {
			memcpy(corpus[corpus_n++], batch, sizeof(batch));
			ws->corpus = corpus_n;
		}
	}
	{
		struct rng r = { 0 };

		op_reset(&r);
		recv_fds(&r, false);
	}
	_exit(0);
}

/* ---- the run --------------------------------------------------------------------------- */

/* KCOV reports PCs less the kernel's KASLR offset (canonicalize_ip): the
 * distance of _text from where x86-64 links it (__START_KERNEL with the
 * default CONFIG_PHYSICAL_START). 0 if kallsyms hides addresses. */
static uint64_t kaslr_offset(void)
{
	char line[256], type, name[128];
	unsigned long long addr;
	uint64_t off = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) == 3 && !strcmp(name, "_text")) {
			off = addr ? addr - 0xffffffff81000000ull : 0;
			break;
		}
	fclose(f);
	return off;
}

/* The module's text sections, as KCOV reports them: for the coverage map
 * (tools/fuzz-coverage.py reads "kcov-pcs SECTION OFFSET..."). */
#define MAX_SECTIONS 16
static struct {
	char name[256];
	uint64_t addr;
} sections[MAX_SECTIONS];
static int nsections;

static void read_sections(uint64_t kaslr)
{
	static const char dir[] = "/sys/module/lkport/sections/";
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while (nsections < MAX_SECTIONS && (de = readdir(d))) {
		unsigned long long addr;
		FILE *f;

		if (strncmp(de->d_name, ".text", 5))
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llx", &addr) == 1 && addr) {
			snprintf(sections[nsections].name, sizeof(sections[0].name), "%s", de->d_name);
			sections[nsections++].addr = addr - kaslr;
		}
		fclose(f);
	}
	closedir(d);
}

static bool read_module_range(void)
{
	char line[256], name[64];
	unsigned long size;
	unsigned long long base;
	uint64_t kaslr = kaslr_offset();
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lu %*s %*s %*s %llx", name, &size, &base) == 3 &&
		    !strcmp(name, "lkport") && base) {
			mod_base = base - kaslr;
			mod_size = size;
		}
	}
	fclose(f);
	if (mod_base)
		read_sections(kaslr);
	return mod_base != 0;
}

/* Every module PC reached, as SECTION OFFSET, 12 to a line. */
static void dump_pcs(void)
{
	int s, best, n = 0;
	uint64_t off;

	for (s = 0; s < nsections; s++) {
		n = 0;
		for (off = 0; off < COV_BITS && off < mod_size; off++) {
			uint64_t pc = mod_base + off;
			int i;

			if (!(sh->cov[off / 32] & (1u << (off % 32))))
				continue;
			best = -1;
			for (i = 0; i < nsections; i++)
				if (sections[i].addr <= pc && (best < 0 || sections[i].addr > sections[best].addr))
					best = i;
			if (best != s)
				continue;
			if (n % 12 == 0)
				printf("%s# kcov-pcs %s", n ? "\n" : "", sections[s].name);
			printf(" %" PRIx64, pc - sections[s].addr);
			n++;
		}
		if (n)
			printf("\n");
	}
}

static int stats_nonzero(char *out, size_t len)
{
	char line[64];
	int bad = 0;
	size_t used = 0;
	FILE *f = fopen("/sys/kernel/debug/lkport/stats", "r");

	if (!f)
		return -1;
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');

		line[strcspn(line, "\n")] = 0;
		if (sp && atoi(sp + 1) != 0)
			bad++;
		used += snprintf(out + used, used < len ? len - used : 0, "%s; ", line);
	}
	fclose(f);
	return bad;
}

static const char *find_ko(void)
{
	const char *ko = getenv("LKPORT_KO");

	if (ko && access(ko, R_OK) == 0)
		return ko;
	if (access("/lkport/lkport.ko", R_OK) == 0)
		return "/lkport/lkport.ko";
	return NULL;
}

/* rmmod and insmod again: nothing may be left holding the module. */
static int reload(const char *ko, char *why, size_t len)
{
	int fd, i;

	for (i = 0; i < 50; i++) {
		if (syscall(SYS_delete_module, "lkport", O_NONBLOCK) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EAGAIN && errno != EBUSY) {
			snprintf(why, len, "rmmod: %s", strerror(errno));
			return -1;
		}
		usleep(100000);
	}
	if (i == 50) {
		snprintf(why, len, "rmmod: %s after 5 s", strerror(errno));
		return -1;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
		snprintf(why, len, "insmod %s: %s", ko, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: lkport_fuzz [--seed S] [--ops N | --duration SECONDS] [--workers W]\n"
			"                   [--no-kcov] [--no-reload] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const uid_t uids[] = { 0, 65534, 1000 };
	uint64_t start, deadline, total = 0, calls = 0, children = 0, corpus_total = 0, judged = 0;
	pid_t pids[MAX_WORKERS];
	int i, o, status, failed = 0, n = 0, crashed = 0;
	bool seeded = false;
	char why[256];
	double secs;
	const char *ko;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			opt_seed = strtoull(argv[++i], NULL, 0);
			seeded = true;
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			opt_ops = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
			opt_duration = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--workers") && i + 1 < argc) {
			opt_workers = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--no-kcov")) {
			opt_kcov = false;
		} else if (!strcmp(argv[i], "--no-reload")) {
			opt_reload = false;
		} else if (!strcmp(argv[i], "--verbose")) {
			opt_verbose = true;
		} else {
			usage();
		}
	}
	if (opt_workers < 1 || opt_workers > MAX_WORKERS)
		usage();
	if (!opt_ops && opt_duration <= 0) {
		const char *env = getenv("LKPORT_FUZZ_DURATION");

		opt_duration = env && *env ? atof(env) : 60;
	}
	if (!seeded) {
		const char *env = getenv("LKPORT_FUZZ_SEED");

		opt_seed = env && *env ? strtoull(env, NULL, 0) : splitmix(now_ns() ^ getpid());
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (access(LKPORT_DEVICE, R_OK | W_OK)) {
		printf("1..0 # SKIP %s: %s\n", LKPORT_DEVICE, strerror(errno));
		return 4;
	}
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (it runs workers as three users)\n");
		return 4;
	}
	printf("# seed %" PRIu64 ", %d workers (uids", opt_seed, opt_workers);
	for (i = 0; i < opt_workers; i++)
		printf(" %u", uids[i % 3]);
	if (opt_ops)
		printf("), %" PRIu64 " operations each\n", opt_ops);
	else
		printf("), %.0f s\n", opt_duration);
	if (opt_ops)
		replay_line(stdout, opt_ops);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	edge_buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || ro_page == MAP_FAILED || edge_buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	none_page = edge_buf + 4096;
	mprotect(none_page, 4096, PROT_NONE);
	{
		struct lkport_version v = { 0 };
		int dev = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);

		map_write = dev >= 0 && !ioctl(dev, LKPORT_IOC_VERSION, &v) &&
			    (v.features & LKPORT_FEATURE_MAP_WRITE);
		if (dev >= 0)
			close(dev);
	}

	if (opt_kcov && read_module_range()) {
		kcov_fd = open("/sys/kernel/debug/kcov", O_RDWR);
		if (kcov_fd >= 0)
			printf("# kcov: module text %#" PRIx64 " + %" PRIu64 "\n", mod_base, mod_size);
	}
	for (i = 0; i < opt_workers; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, mailbox[i])) {
			perror("socketpair");
			return 1;
		}
	start = now_ns();
	deadline = start + (uint64_t)(opt_duration * 1e9);
	for (i = 0; i < opt_workers; i++) {
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] == 0) {
			/* each worker its own kcov buffer: the fd is per
			 * process once initialised */
			if (kcov_fd >= 0) {
				int fd = open("/sys/kernel/debug/kcov", O_RDWR);

				close(kcov_fd);
				kcov_fd = fd;
				if (fd >= 0 && ioctl(fd, KCOV_INIT_TRACE, KCOV_WORDS) == 0)
					kcov_area = mmap(NULL, KCOV_WORDS * sizeof(long),
							 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (!kcov_area || kcov_area == MAP_FAILED) {
					kcov_area = NULL;
					kcov_fd = -1;
				}
			}
			worker(i, uids[i % 3], deadline);
		}
	}
	for (i = 0; i < opt_workers; i++) {
		close(mailbox[i][0]);
		close(mailbox[i][1]);
	}
	for (i = 0; i < opt_workers; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# worker %d: %s %d\n", i, WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			crashed++;
		}
	}
	secs = (now_ns() - start) / 1e9;
	for (i = 0; i < opt_workers; i++) {
		struct worker_stat *w = &sh->w[i];

		total += w->ops;
		calls += w->calls;
		children += w->children;
		corpus_total += w->corpus;
		judged += w->judged;
		if (opt_verbose || w->first_fail_set)
			printf("# worker %d (uid %u): %" PRIu64 " ops, %" PRIu64 " ioctls%s%s\n", i,
			       uids[i % 3], w->ops, w->calls, w->first_fail_set ? ", first failure: " : "",
			       w->first_fail_set ? w->first_fail : "");
		if (w->first_fail_set)
			replay_line(stdout, w->first_fail_op + 1);
	}
	printf("# ops: %" PRIu64 " in %.1f s (%.0f ops/s), %" PRIu64 " ioctls, %" PRIu64
	       " blocked children\n", total, secs, total / secs, calls, children);
	printf("# permissions: %" PRIu64 " unprivileged PORT_OPENs judged from the port's bits\n",
	       judged);
	if (kcov_fd >= 0) {
		printf("# coverage: %" PRIu64 " distinct module PCs, %" PRIu64 " inputs kept\n",
		       sh->cov_pcs, corpus_total);
		dump_pcs();
	}

	printf("1..%d\n", O_ORACLES + 3);
	for (o = 0; o < O_ORACLES; o++) {
		uint64_t nf = 0;

		for (i = 0; i < opt_workers; i++)
			nf += sh->w[i].fails[o];
		n++;
		if (nf) {
			printf("not ok %d %s (%" PRIu64 " failures)\n", n, oracle_name[o], nf);
			failed++;
		} else {
			printf("ok %d %s\n", n, oracle_name[o]);
		}
	}
	n++;
	if (crashed) {
		printf("not ok %d fuzz.workers_exit_cleanly (%d did not)\n", n, crashed);
		failed++;
	} else
		printf("ok %d fuzz.workers_exit_cleanly\n", n);

	/* Every fd is closed: workers exited, the mailboxes are gone. */
	n++;
	for (i = 0; i < 50; i++) {
		int bad = stats_nonzero(why, sizeof(why));

		if (bad <= 0)
			break;
		usleep(100000);
	}
	switch (stats_nonzero(why, sizeof(why))) {
	case -1:
		printf("ok %d fuzz.counters_back_to_zero # SKIP no debugfs stats\n", n);
		break;
	case 0:
		printf("ok %d fuzz.counters_back_to_zero\n", n);
		break;
	default:
		printf("# live objects left: %s\n", why);
		printf("not ok %d fuzz.counters_back_to_zero\n", n);
		failed++;
	}
	n++;
	ko = find_ko();
	if (!opt_reload || !ko) {
		printf("ok %d fuzz.module_reloads # SKIP %s\n", n,
		       opt_reload ? "no lkport.ko (LKPORT_KO)" : "--no-reload");
	} else if (reload(ko, why, sizeof(why))) {
		printf("# %s\n", why);
		printf("not ok %d fuzz.module_reloads\n", n);
		failed++;
	} else {
		printf("ok %d fuzz.module_reloads\n", n);
	}
	if (failed) {
		printf("# seed %" PRIu64 ": FAILED\n", opt_seed);
		return 1;
	}
	printf("# seed %" PRIu64 ": passed\n", opt_seed);
	return 0;
}
