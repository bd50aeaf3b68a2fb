// SPDX-License-Identifier: LGPL-2.1-or-later
/* liblkport: LK's API over /dev/lkport (see <lkport/lk.h>). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <lkport/lk.h>
#include <lkport/device.h>

lk_status_t lk_status_from_errno(int err)
{
	if (err < 0)
		err = -err;
	/* A switch: two statuses marked as one errno's inverse would not
	 * compile. */
	switch (err) {
#define LK_INVERSE_1(e, st) \
	case e:             \
		return st;
#define LK_INVERSE_0(e, st)
#define LK_FROM_ERRNO(name, value, e, inverse, text) LK_INVERSE_##inverse(e, LK_##name)
		LKPORT_STATUS_LIST(LK_FROM_ERRNO)
#undef LK_FROM_ERRNO
#undef LK_INVERSE_0
#undef LK_INVERSE_1
	}
	return LK_ERR_GENERIC;
}

/* The status behind an errno from ioctl cmd: the call's own entry in
 * LKPORT_STATUS_CALLS if it has one, the list's otherwise. */
static lk_status_t call_status(unsigned long cmd, int err)
{
#define LK_CALL_STATUS(c, name, e)	\
	if (cmd == (c) && err == (e))	\
		return LK_##name;
	LKPORT_STATUS_CALLS(LK_CALL_STATUS)
#undef LK_CALL_STATUS
	return lk_status_from_errno(err);
}

const char *lk_status_str(lk_status_t status)
{
	/* A switch: two statuses of one value would not compile. */
	switch (status) {
#define LK_STATUS_STR(name, value, e, inverse, text) \
	case LK_##name:                              \
		return "LK_" #name;
		LKPORT_STATUS_LIST(LK_STATUS_STR)
#undef LK_STATUS_STR
	}
	return "LK_ERR_?";
}

/* The status behind an errno from ioctl cmd on a handle (an object's fd,
 * not /dev/lkport). ENOTTY there says the fd is not the kind of object
 * the call is for (a write on a read port, a read on a write port, an
 * event call on a port, an fd that is no lkport object at all): LK's bad
 * handle. lk_device() refused a module too old for this library's calls,
 * so no command this library makes is unknown to the module. */
static lk_status_t handle_status(unsigned long cmd, int err)
{
	return err == ENOTTY ? LK_ERR_BAD_HANDLE : call_status(cmd, err);
}

/* ioctl on a handle as an LK status. */
static lk_status_t call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? handle_status(cmd, errno) : LK_NO_ERROR;
}

uint64_t lk_deadline_after_ms(lk_time_t timeout)
{
	struct timespec now;

	if (timeout == 0)
		return 0;
	if (timeout == LK_INFINITE_TIME)
		return LKPORT_FOREVER;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec +
	       (uint64_t)timeout * 1000000u;
}

static bool module_compatible(int dev)
{
	struct lkport_version v;

	return !lkport_query_version(dev, &v) && lkport_version_compatible(&v);
}

int lk_device(void)
{
	static _Atomic int dev = -1;
	int fd = atomic_load_explicit(&dev, memory_order_acquire), expected = -1;

	if (fd >= 0)
		return fd;
	fd = lkport_open();
	if (fd < 0)
		return fd;
	/* Once per process: calls below assume this library's ABI (one READ
	 * for any reader fd, for one). */
	if (!module_compatible(fd)) {
		close(fd);
		return -EPROTONOSUPPORT;
	}
	/* Another thread may have won: keep one fd. */
	if (!atomic_compare_exchange_strong(&dev, &expected, fd)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

/* Why lk_device() failed, as a status: a missing device is not a missing
 * object. */
static lk_status_t device_status(int err)
{
	if (err == -ENOENT || err == -ENODEV || err == -ENXIO || err == -EPROTONOSUPPORT)
		return LK_ERR_NOT_SUPPORTED;
	return lk_status_from_errno(err);
}

/* Copies a name into an ABI field: LK_ERR_INVALID_ARGS when too long. */
static lk_status_t set_name(char dst[LKPORT_NAME_LEN], const char *name)
{
	size_t len;

	if (!name)
		return LK_ERR_INVALID_ARGS;
	len = strlen(name);
	if (len > LKPORT_NAME_MAX)
		return LK_ERR_INVALID_ARGS;
	memset(dst, 0, LKPORT_NAME_LEN);
	memcpy(dst, name, len);
	return LK_NO_ERROR;
}

/* ---- events ---------------------------------------------------------------- */
lk_status_t lk_event_create(lk_event_t *e, const char *name, bool initial,
			    unsigned int flags, mode_t perm)
{
	struct lkport_event_create c = { .perm = perm, .fd_flags = O_CLOEXEC };
	int dev = lk_device(), fd;

	if (dev < 0)
		return device_status(dev);
	if (flags & ~LK_EVENT_FLAG_AUTOUNSIGNAL || set_name(c.name, name))
		return LK_ERR_INVALID_ARGS;
	c.flags = (flags & LK_EVENT_FLAG_AUTOUNSIGNAL ? LKPORT_EVENT_AUTOUNSIGNAL : 0) |
		  (initial ? LKPORT_EVENT_SIGNALED : 0);
	fd = ioctl(dev, LKPORT_IOC_EVENT_CREATE, &c);
	if (fd < 0)
		return lk_status_from_errno(errno);
	e->fd = fd;
	return LK_NO_ERROR;
}

lk_status_t lk_event_init(lk_event_t *e, bool initial, unsigned int flags)
{
	struct lkport_event_create c = { .fd_flags = O_CLOEXEC };
	int dev = lk_device(), fd;

	e->fd = -1;
	if (dev < 0)
		return device_status(dev);
	if (flags & ~LK_EVENT_FLAG_AUTOUNSIGNAL)
		return LK_ERR_INVALID_ARGS;
	c.flags = LKPORT_EVENT_ANONYMOUS |
		  (flags & LK_EVENT_FLAG_AUTOUNSIGNAL ? LKPORT_EVENT_AUTOUNSIGNAL : 0) |
		  (initial ? LKPORT_EVENT_SIGNALED : 0);
	fd = ioctl(dev, LKPORT_IOC_EVENT_CREATE, &c);
	if (fd < 0)
		return lk_status_from_errno(errno);
	e->fd = fd;
	return LK_NO_ERROR;
}

lk_status_t lk_event_open(lk_event_t *e, const char *name, unsigned int access)
{
	struct lkport_event_open o = { .access = access, .fd_flags = O_CLOEXEC };
	int dev = lk_device(), fd;

	if (dev < 0)
		return device_status(dev);
	if (set_name(o.name, name))
		return LK_ERR_INVALID_ARGS;
	fd = ioctl(dev, LKPORT_IOC_EVENT_OPEN, &o);
	if (fd < 0)
		return lk_status_from_errno(errno);
	e->fd = fd;
	return LK_NO_ERROR;
}

lk_status_t lk_event_destroy(lk_event_t *e)
{
	if (e->fd < 0)
		return LK_ERR_BAD_HANDLE;
	close(e->fd);
	e->fd = -1;
	return LK_NO_ERROR;
}

lk_status_t lk_event_destroy_all(lk_event_t *e)
{
	lk_status_t st;

	if (e->fd < 0)
		return LK_ERR_BAD_HANDLE;
	st = call(e->fd, LKPORT_IOC_EVENT_DESTROY, NULL);
	close(e->fd);
	e->fd = -1;
	return st;
}

lk_status_t lk_event_wait_deadline(lk_event_t *e, uint64_t deadline_ns)
{
	struct lkport_wait w = { .deadline_ns = deadline_ns };

	return call(e->fd, LKPORT_IOC_EVENT_WAIT, &w);
}

lk_status_t lk_event_wait(lk_event_t *e)
{
	return lk_event_wait_deadline(e, LKPORT_FOREVER);
}

lk_status_t lk_event_wait_timeout(lk_event_t *e, lk_time_t timeout)
{
	return lk_event_wait_deadline(e, lk_deadline_after_ms(timeout));
}

int lk_event_signal(lk_event_t *e)
{
	int woken = ioctl(e->fd, LKPORT_IOC_EVENT_SIGNAL);

	return woken < 0 ? handle_status(LKPORT_IOC_EVENT_SIGNAL, errno) : woken;
}

static uint64_t module_features(int dev);

/* ENOTTY from a call of ABI 1.11 (LKPORT_FEATURE_CALL): a module without
 * it, where the library makes the two calls, or a handle of the wrong
 * kind, which is a bad handle. */
static bool two_calls_instead(void)
{
	int dev = lk_device();

	return dev >= 0 && !(module_features(dev) & LKPORT_FEATURE_CALL);
}

lk_status_t lk_event_signal_wait(lk_event_t *to, lk_event_t *e, uint64_t deadline_ns,
				 bool *signalled)
{
	struct lkport_signal_wait sw = { .wait.deadline_ns = deadline_ns, .fd = to->fd };
	int woken;

	if (ioctl(e->fd, LKPORT_IOC_SIGNAL_WAIT, &sw) == 0) {
		if (signalled)
			*signalled = true;
		return LK_NO_ERROR;
	}
	if (errno != ENOTTY) {
		if (signalled)
			*signalled = sw.done & LKPORT_DONE_FIRST;
		return handle_status(LKPORT_IOC_SIGNAL_WAIT, errno);
	}
	if (signalled)
		*signalled = false;
	if (!two_calls_instead())
		return LK_ERR_BAD_HANDLE;
	woken = lk_event_signal(to);
	if (woken < 0)
		return woken;
	if (signalled)
		*signalled = true;
	return lk_event_wait_deadline(e, deadline_ns);
}

lk_status_t lk_event_unsignal(lk_event_t *e)
{
	return call(e->fd, LKPORT_IOC_EVENT_UNSIGNAL, NULL);
}

/* ---- ports ------------------------------------------------------------------ */
lk_status_t lk_port_create_ex(const char *name, lk_port_mode_t mode, unsigned int capacity,
			      mode_t perm, unsigned int flags, lk_port_t *port)
{
	struct lkport_port_create c = {
		.mode = mode, .capacity = capacity, .perm = perm, .flags = flags,
		.fd_flags = O_CLOEXEC,
	};
	int dev = lk_device(), fd;

	if (dev < 0)
		return device_status(dev);
	if (set_name(c.name, name))
		return LK_ERR_INVALID_ARGS;
	fd = ioctl(dev, LKPORT_IOC_PORT_CREATE, &c);
	if (fd < 0)
		return lk_status_from_errno(errno);
	*port = fd;
	return LK_NO_ERROR;
}

lk_status_t lk_port_create(const char *name, lk_port_mode_t mode, lk_port_t *port)
{
	return lk_port_create_ex(name, mode, 0, 0600, 0, port);
}

lk_status_t lk_port_create_shared(const char *name, lk_port_mode_t mode, lk_port_t *port)
{
	lk_status_t st;

	/* Create, else join: two calls only when the name is taken. A port
	 * destroyed between them frees its name, so creating is tried again
	 * (a bounded number of times: each round lost is another process's
	 * create and destroy in that short window). */
	for (int round = 0; round < 8; round++) {
		st = lk_port_create_ex(name, mode, 0, 0600, 0, port);
		if (st != LK_ERR_ALREADY_EXISTS)
			return st;
		st = lk_port_create_ex(name, 0, 0, 0, LKPORT_PORT_EXISTING, port);
		if (st == LK_NO_ERROR)
			return LK_ERR_ALREADY_EXISTS;
		if (st == LK_ERR_ALREADY_EXISTS) {
			/* A kernel module's port: no fd can refer to it. */
			*port = -1;
			return st;
		}
		if (st != LK_ERR_NOT_FOUND)
			return st;
	}
	return LK_ERR_BUSY;	/* the name keeps changing hands */
}

lk_status_t lk_port_open(const char *name, void *ctx, lk_port_t *port)
{
	struct lkport_port_open o = { .ctx = (uintptr_t)ctx, .fd_flags = O_CLOEXEC };
	int dev = lk_device(), fd;

	if (dev < 0)
		return device_status(dev);
	if (set_name(o.name, name))
		return LK_ERR_INVALID_ARGS;
	fd = ioctl(dev, LKPORT_IOC_PORT_OPEN, &o);
	if (fd < 0)
		return call_status(LKPORT_IOC_PORT_OPEN, errno);
	*port = fd;
	return LK_NO_ERROR;
}

lk_status_t lk_port_group(lk_port_t *ports, size_t count, lk_port_t *group)
{
	struct lkport_group_create c = {
		.fds = (uintptr_t)ports, .count = (uint32_t)count, .fd_flags = O_CLOEXEC,
	};
	int dev = lk_device(), fd;

	if (dev < 0)
		return device_status(dev);
	if (count > LKPORT_GROUP_MAX)
		return LK_ERR_TOO_BIG;
	fd = ioctl(dev, LKPORT_IOC_GROUP_CREATE, &c);
	if (fd < 0)
		return call_status(LKPORT_IOC_GROUP_CREATE, errno);
	*group = fd;
	return LK_NO_ERROR;
}

lk_status_t lk_port_group_add(lk_port_t group, lk_port_t port)
{
	struct lkport_group_member m = { .fd = port };

	/* A port already in a group: LK's bad handle (LKPORT_STATUS_CALLS). */
	return call(group, LKPORT_IOC_GROUP_ADD, &m);
}

lk_status_t lk_port_group_remove(lk_port_t group, lk_port_t port)
{
	struct lkport_group_member m = { .fd = port };

	return call(group, LKPORT_IOC_GROUP_REMOVE, &m);
}

lk_status_t lk_port_write_ex(lk_port_t port, const lk_port_packet_t *pk, size_t count,
			     unsigned int *delivered, unsigned int *skipped)
{
	struct lkport_port_write w = { .packets = (uintptr_t)pk, .count = (uint32_t)count };
	int ret;

	if (count > LKPORT_CAPACITY_MAX)
		return LK_ERR_NOT_ENOUGH_BUFFER;
	if (count == 0)	/* LK: nothing to write is no error */
		return LK_NO_ERROR;
	ret = ioctl(port, LKPORT_IOC_PORT_WRITE, &w);
	if (ret < 0)	/* a read port or group: ENOTTY, a bad handle */
		return handle_status(LKPORT_IOC_PORT_WRITE, errno);
	if (delivered)
		*delivered = w.delivered;
	if (skipped)
		*skipped = w.skipped;
	return ret > 0 ? LK_ERR_PARTIAL_WRITE : LK_NO_ERROR;
}

lk_status_t lk_port_write_deadline_ex(lk_port_t port, const lk_port_packet_t *pk, size_t count,
				      uint64_t deadline_ns, unsigned int *delivered,
				      unsigned int *skipped)
{
	struct lkport_port_write w = {
		.packets = (uintptr_t)pk, .count = (uint32_t)count,
		.flags = LKPORT_WRITE_WAIT, .deadline_ns = deadline_ns,
	};
	int ret;

	if (delivered)
		*delivered = 0;
	if (skipped)
		*skipped = 0;
	if (count > LKPORT_CAPACITY_MAX)	/* no ring holds it: never fits */
		return LK_ERR_INVALID_ARGS;
	if (count == 0)
		return LK_NO_ERROR;
	/* ETIMEDOUT, EINTR, EBADF (closed) as statuses; ENOTTY: a reader. */
	ret = ioctl(port, LKPORT_IOC_PORT_WRITE, &w);
	if (ret < 0)
		return handle_status(LKPORT_IOC_PORT_WRITE, errno);
	if (delivered)
		*delivered = w.delivered;
	if (skipped)
		*skipped = w.skipped;
	return ret > 0 ? LK_ERR_PARTIAL_WRITE : LK_NO_ERROR;
}

lk_status_t lk_port_write_deadline(lk_port_t port, const lk_port_packet_t *pk, size_t count,
				   uint64_t deadline_ns)
{
	return lk_port_write_deadline_ex(port, pk, count, deadline_ns, NULL, NULL);
}

lk_status_t lk_port_write_timeout(lk_port_t port, const lk_port_packet_t *pk, size_t count,
				  lk_time_t timeout)
{
	return lk_port_write_deadline(port, pk, count, lk_deadline_after_ms(timeout));
}

lk_status_t lk_port_write(lk_port_t port, const lk_port_packet_t *pk, size_t count)
{
	return lk_port_write_ex(port, pk, count, NULL, NULL);
}

/* The results of a read (LKPORT_IOC_READ or LKPORT_IOC_WRITE_READ), as
 * the library gives them. */
static void results_from(lk_port_result_t *results, const struct lkport_result *raw, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		results[i].ctx = (void *)(uintptr_t)raw[i].ctx;
		memcpy(results[i].packet.value, raw[i].data, LK_PORT_PACKET_LEN);
	}
}

lk_status_t lk_port_read_many(lk_port_t port, uint64_t deadline_ns, lk_port_result_t *results,
			      size_t max, size_t *got)
{
	struct lkport_result raw[LKPORT_READ_MAX];
	struct lkport_port_read r = {
		.deadline_ns = deadline_ns, .results = (uintptr_t)raw,
		.max = max > LKPORT_READ_MAX ? LKPORT_READ_MAX : (uint32_t)max,
	};
	int ret;

	*got = 0;
	if (max == 0)
		return LK_ERR_INVALID_ARGS;
	/* A read port or a group: both answer LKPORT_IOC_READ; anything
	 * else says ENOTTY, a bad handle. */
	ret = ioctl(port, LKPORT_IOC_READ, &r);
	if (ret < 0)
		return handle_status(LKPORT_IOC_READ, errno);
	results_from(results, raw, r.count);
	*got = r.count;
	return LK_NO_ERROR;
}

lk_status_t lk_port_write_read(lk_port_t out, const lk_port_packet_t *pk, size_t count,
			       lk_port_t in, uint64_t deadline_ns, lk_port_result_t *results,
			       size_t max, size_t *got, bool *written)
{
	struct lkport_result raw[LKPORT_READ_MAX];
	struct lkport_write_read wr = {
		.write = { .packets = (uintptr_t)pk, .count = (uint32_t)count },
		.read = {
			.deadline_ns = deadline_ns, .results = (uintptr_t)raw,
			.max = max > LKPORT_READ_MAX ? LKPORT_READ_MAX : (uint32_t)max,
		},
		.fd = out,
	};
	lk_status_t st;

	*got = 0;
	if (written)
		*written = false;
	if (max == 0 || count == 0 || count > LKPORT_CAPACITY_MAX)
		return LK_ERR_INVALID_ARGS;
	if (ioctl(in, LKPORT_IOC_WRITE_READ, &wr) == 0) {
		if (written)
			*written = true;
		results_from(results, raw, wr.read.count);
		*got = wr.read.count;
		return LK_NO_ERROR;
	}
	if (errno != ENOTTY) {
		if (written)
			*written = wr.done & LKPORT_DONE_FIRST;
		return handle_status(LKPORT_IOC_WRITE_READ, errno);
	}
	if (!two_calls_instead())
		return LK_ERR_BAD_HANDLE;
	st = lk_port_write(out, pk, count);
	if (st != LK_NO_ERROR && st != LK_ERR_PARTIAL_WRITE)
		return st;
	if (written)
		*written = true;
	return lk_port_read_many(in, deadline_ns, results, max, got);
}

lk_status_t lk_port_map(lk_port_t port, lk_port_map_t *map)
{
	struct lkport_info info;
	lk_status_t st;
	int dev;
	void *p;

	memset(map, 0, sizeof(*map));
	map->fd = -1;
	st = lk_object_info(port, &info);
	if (st != LK_NO_ERROR)
		return st;
	if (info.kind != LKPORT_KIND_READ_PORT)
		return LK_ERR_BAD_HANDLE;
	/* A module older than this library's ABI (1.7 has the map) is
	 * refused here. */
	dev = lk_device();
	if (dev < 0)
		return device_status(dev);
	map->bytes = LKPORT_RING_BYTES(info.capacity);
	p = mmap(NULL, map->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, port, 0);
	if (p == MAP_FAILED) {
		map->bytes = 0;
		return errno == ENODEV ? LK_ERR_BAD_HANDLE : lk_status_from_errno(errno);
	}
	map->ring = p;
	map->mask = info.capacity - 1;
	map->fd = port;
	map->ctx = (void *)(uintptr_t)info.ctx;
	return LK_NO_ERROR;
}

void lk_port_unmap(lk_port_map_t *map)
{
	if (map->ring)
		munmap(map->ring, map->bytes);
	memset(map, 0, sizeof(*map));
	map->fd = -1;
}

lk_status_t lk_port_map_take(lk_port_map_t *map, lk_port_result_t *results, size_t max,
			     size_t *got)
{
	struct lkport_ring *r = map->ring;
	uint32_t h, t, q, n, i;

	*got = 0;
	if (!r || max == 0)
		return LK_ERR_INVALID_ARGS;
	h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	for (;;) {
		t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		q = t - h;
		if (q > map->mask + 1) {
			/* Out of range, or h is stale (another reader took
			 * meanwhile): broken only if head stood still around
			 * the read of tail. */
			uint32_t again = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

			if (again == h)
				return LK_ERR_BAD_STATE;
			h = again;
			continue;
		}
		if (q == 0)
			return LK_ERR_NOT_READY;
		n = q < max ? q : (uint32_t)max;
		/* Copy, then claim: a slot is rewritten only once head has
		 * passed it, and then the swap below fails. */
		for (i = 0; i < n; i++) {
			/* Words, as the kernel may be writing the slot again
			 * if another reader took it meanwhile (the swap then
			 * fails): no torn word, no data race. */
			const uint32_t *w = (const uint32_t *)r->packets[(h + i) & map->mask].data;
			uint32_t words[4];

			for (int k = 0; k < 4; k++)
				words[k] = __atomic_load_n(&w[k], __ATOMIC_RELAXED);
			results[i].ctx = map->ctx;
			memcpy(results[i].packet.value, words, sizeof(words));
		}
		if (__atomic_compare_exchange_n(&r->head, &h, h + n, false, __ATOMIC_SEQ_CST,
						__ATOMIC_ACQUIRE))
			break;
	}
	*got = n;
	/* After the swap: the kernel sets a flag, then looks at head. */
	if (__atomic_load_n(&r->flags, __ATOMIC_SEQ_CST))
		ioctl(map->fd, LKPORT_IOC_RING_SYNC);
	return LK_NO_ERROR;
}

lk_status_t lk_port_map_read(lk_port_map_t *map, uint64_t deadline_ns, lk_port_result_t *results,
			     size_t max, size_t *got)
{
	lk_status_t st = lk_port_map_take(map, results, max, got);

	if (st != LK_ERR_NOT_READY)
		return st;
	/* Empty: wait in the kernel, which takes from the same ring. */
	st = lk_port_read_many(map->fd, deadline_ns, results, max, got);
	/* A broken ring reads as EPROTO. */
	return st;
}

/* The module's LKPORT_FEATURE_* bits; 0 if the query fails. */
static uint64_t module_features(int dev)
{
	struct lkport_version v;

	return lkport_query_version(dev, &v) ? 0 : v.features;
}

lk_status_t lk_port_wmap(lk_port_t port, lk_port_wmap_t *map)
{
	struct lkport_info info;
	lk_status_t st;
	int dev;
	void *p;

	memset(map, 0, sizeof(*map));
	map->fd = -1;
	st = lk_object_info(port, &info);
	if (st != LK_NO_ERROR)
		return st;
	if (info.kind != LKPORT_KIND_WRITE_PORT)
		return LK_ERR_BAD_HANDLE;
	/* The feature bit, not only the ABI number lk_device() checks: it
	 * says what this module does. */
	dev = lk_device();
	if (dev < 0)
		return device_status(dev);
	if (!(module_features(dev) & LKPORT_FEATURE_MAP_WRITE))
		return LK_ERR_NOT_SUPPORTED;
	map->bytes = LKPORT_RING_BYTES(info.capacity);
	p = mmap(NULL, map->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, port, 0);
	if (p == MAP_FAILED) {
		map->bytes = 0;
		/* ENODEV: a module that maps no write port. */
		return errno == ENODEV ? LK_ERR_NOT_SUPPORTED : lk_status_from_errno(errno);
	}
	map->ring = p;
	map->mask = info.capacity - 1;
	map->fd = port;
	/* Where the ring's last producer stopped (another map, perhaps in
	 * another process): from here on, this map's own count. */
	map->tail = __atomic_load_n(&map->ring->tail, __ATOMIC_ACQUIRE);
	return LK_NO_ERROR;
}

void lk_port_wunmap(lk_port_wmap_t *map)
{
	if (map->ring)
		munmap(map->ring, map->bytes);
	memset(map, 0, sizeof(*map));
	map->fd = -1;
}

lk_status_t lk_port_wmap_kick(lk_port_wmap_t *map)
{
	if (!map->ring)
		return LK_ERR_INVALID_ARGS;
	return ioctl(map->fd, LKPORT_IOC_WRING_KICK) < 0 ?
		handle_status(LKPORT_IOC_WRING_KICK, errno) : LK_NO_ERROR;
}

lk_status_t lk_port_wmap_put(lk_port_wmap_t *map, const lk_port_packet_t *packets, size_t count,
			     size_t *put)
{
	struct lkport_wring *r = map->ring;
	uint32_t h, t = map->tail, used, n, i;

	*put = 0;
	if (!r)
		return LK_ERR_INVALID_ARGS;
	if (count == 0)	/* LK: nothing to write is no error */
		return LK_NO_ERROR;
	/* The kernel moves head past a packet after it copied it out: the
	 * slots up to head are free to rewrite. */
	h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	used = t - h;
	if (used > map->mask + 1)	/* head past this map's tail: scribbled on */
		return LK_ERR_BAD_STATE;
	n = map->mask + 1 - used;
	if (n == 0)
		return LK_ERR_NOT_READY;
	if (n > count)
		n = (uint32_t)count;
	for (i = 0; i < n; i++) {
		/* Words, as lk_port_map_take loads them: the kernel reads
		 * only what tail covers, but a scribbled tail could have it
		 * read a slot being written; no torn word, no data race. */
		uint32_t *w = (uint32_t *)r->packets[(t + i) & map->mask].data;
		uint32_t words[4];

		memcpy(words, packets[i].value, sizeof(words));
		for (int k = 0; k < 4; k++)
			__atomic_store_n(&w[k], words[k], __ATOMIC_RELAXED);
	}
	/* Publish, then look for a sleeping reader: it sets the flag and
	 * then looks at tail, so one of the two sees the other. */
	map->tail = t + n;
	__atomic_store_n(&r->tail, map->tail, __ATOMIC_SEQ_CST);
	*put = n;
	if (__atomic_load_n(&r->flags, __ATOMIC_SEQ_CST) & LKPORT_WRING_KICK)
		return lk_port_wmap_kick(map);
	return LK_NO_ERROR;
}

lk_status_t lk_port_wmap_write(lk_port_wmap_t *map, uint64_t deadline_ns,
			       const lk_port_packet_t *packets, size_t count)
{
	struct lkport_wait w = { .deadline_ns = deadline_ns };
	size_t done = 0, put;
	lk_status_t st;

	for (;;) {
		st = lk_port_wmap_put(map, packets + done, count - done, &put);
		done += put;
		if (st != LK_NO_ERROR && st != LK_ERR_NOT_READY)
			return st;
		if (done == count)
			return LK_NO_ERROR;
		/* Full: the kernel takes what it can, then waits for a
		 * reader to make room (ETIMEDOUT at once for deadline 0). */
		if (ioctl(map->fd, LKPORT_IOC_WRING_WAIT, &w) < 0)
			return handle_status(LKPORT_IOC_WRING_WAIT, errno);
	}
}

lk_status_t lk_port_read_many_timeout(lk_port_t port, lk_time_t timeout, lk_port_result_t *results,
				      size_t max, size_t *got)
{
	return lk_port_read_many(port, lk_deadline_after_ms(timeout), results, max, got);
}

lk_status_t lk_port_read_deadline(lk_port_t port, uint64_t deadline_ns, lk_port_result_t *result)
{
	size_t got;

	return lk_port_read_many(port, deadline_ns, result, 1, &got);
}

lk_status_t lk_port_read(lk_port_t port, lk_time_t timeout, lk_port_result_t *result)
{
	return lk_port_read_deadline(port, lk_deadline_after_ms(timeout), result);
}

lk_status_t lk_port_close(lk_port_t port)
{
	/* Only a write port takes PORT_CLOSE (see lk.h for why this is the
	 * one way to tell): ENOTTY says it is a reader, which goes with its
	 * handle. */
	if (ioctl(port, LKPORT_IOC_PORT_CLOSE) == 0)
		return LK_NO_ERROR;
	if (errno != ENOTTY)
		return handle_status(LKPORT_IOC_PORT_CLOSE, errno);
	close(port);
	return LK_NO_ERROR;
}

lk_status_t lk_port_destroy(lk_port_t port)
{
	lk_status_t st = call(port, LKPORT_IOC_PORT_DESTROY, NULL);

	if (st == LK_NO_ERROR)
		close(port);
	return st;
}

lk_status_t lk_port_read_timeout(lk_port_t port, lk_time_t timeout, lk_port_result_t *result)
{
	return lk_port_read(port, timeout, result);
}

lk_status_t lk_port_group_create(lk_port_t *ports, size_t count, lk_port_t *group)
{
	return lk_port_group(ports, count, group);
}

lk_status_t lk_port_group_read_timeout(lk_port_t group, lk_time_t timeout, lk_port_result_t *result)
{
	return lk_port_read(group, timeout, result);
}

lk_status_t lk_port_group_read_deadline(lk_port_t group, uint64_t deadline_ns,
					lk_port_result_t *result)
{
	return lk_port_read_deadline(group, deadline_ns, result);
}

lk_status_t lk_object_info(int fd, struct lkport_info *info)
{
	memset(info, 0, sizeof(*info));
	return call(fd, LKPORT_IOC_INFO, info);
}
