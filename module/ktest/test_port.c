// SPDX-License-Identifier: GPL-2.0
/*
 * LK ports: ring limits, partial writes, ctx, bad handles, modes, close and
 * destroy with readers blocked, a two-thread ping-pong across CPUs, a
 * stream through a small ring, back-pressure writes, groups (add, remove, wake on add, limits,
 * many writers into one group while members come and go), and writes from
 * hard-IRQ context.
 *
 * Every port a test makes goes into a pt_bag, which closes and destroys
 * whatever is left when the test ends, passed or not: the registry must be
 * empty when lkport unloads.
 */
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "ktest.h"

/* ---- ports a test owns ------------------------------------------------ */

enum pt_kind { PT_WRITER = 'w', PT_READER = 'r', PT_GROUP = 'g' };

struct pt_entry {
	lk_port_t h;
	char kind;
};

struct pt_bag {
	struct lkt *t;
	unsigned int n, max;
	struct pt_entry e[];
};

static struct pt_bag *pt_bag_new(struct lkt *t, unsigned int max)
{
	struct pt_bag *b = kzalloc(struct_size(b, e, max), GFP_KERNEL);

	if (!b) {
		LKT_FAIL(t, "out of memory");
		return NULL;
	}
	b->t = t;
	b->max = max;
	return b;
}

static bool pt_keep(struct pt_bag *b, lk_port_t h, char kind)
{
	if (b->n == b->max) {
		LKT_FAIL(b->t, "pt_bag full");
		return false;
	}
	b->e[b->n].h = h;
	b->e[b->n].kind = kind;
	b->n++;
	return true;
}

/* The test closed or destroyed h itself. */
static void pt_forget(struct pt_bag *b, lk_port_t h)
{
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		if (b->e[i].h == h) {
			b->e[i] = b->e[--b->n];
			return;
		}
	}
}

#define pt_create(b, name, mode, cap) __pt_create(b, name, mode, cap, __FILE__, __LINE__)
static lk_port_t __pt_create(struct pt_bag *b, const char *name, lk_port_mode_t mode,
			     unsigned int capacity, const char *file, int line)
{
	lk_write_port_t p = NULL;
	int st = lk_write_port_create(name, mode, capacity, NULL, &p);

	if (!lkt_check_st(b->t, file, line, name, LK_NO_ERROR, st))
		return NULL;
	if (!pt_keep(b, p, PT_WRITER)) {
		lk_write_port_close(p);
		lk_write_port_destroy(p);
		return NULL;
	}
	return p;
}

#define pt_open(b, name, ctx) __pt_open(b, name, ctx, __FILE__, __LINE__)
static lk_port_t __pt_open(struct pt_bag *b, const char *name, void *ctx,
			   const char *file, int line)
{
	lk_read_port_t p = NULL;
	int st = lk_read_port_open(name, ctx, NULL, NULL, &p);

	if (!lkt_check_st(b->t, file, line, name, LK_NO_ERROR, st))
		return NULL;
	if (!pt_keep(b, p, PT_READER)) {
		lk_read_port_close(p);
		return NULL;
	}
	return p;
}

#define pt_group(b, ports, n) __pt_group(b, ports, n, __FILE__, __LINE__)
static lk_port_t __pt_group(struct pt_bag *b, lk_port_t *ports, size_t n,
			    const char *file, int line)
{
	lk_port_t g = NULL;
	int st = lk_port_group(ports, n, &g);

	if (!lkt_check_st(b->t, file, line, "lk_port_group", LK_NO_ERROR, st))
		return NULL;
	if (!pt_keep(b, g, PT_GROUP)) {
		lk_port_close(g);
		return NULL;
	}
	return g;
}

/* Groups first, then readers, then writers (closed if still open). */
static void pt_bag_free(struct pt_bag *b)
{
	static const char order[] = { PT_GROUP, PT_READER, PT_WRITER };
	unsigned int i, k;
	int st;

	if (!b)
		return;
	for (k = 0; k < ARRAY_SIZE(order); k++) {
		for (i = 0; i < b->n; i++) {
			if (b->e[i].kind != order[k])
				continue;
			if (order[k] == PT_WRITER) {
				lk_write_port_close(b->e[i].h);	/* may be closed already */
				st = lk_write_port_destroy(b->e[i].h);
				LKT_EXPECT_ST(b->t, LK_NO_ERROR, st);
			} else if (order[k] == PT_READER) {
				st = lk_read_port_close(b->e[i].h);
				LKT_EXPECT_ST(b->t, LK_NO_ERROR, st);
			} else {
				st = lk_port_group_close(b->e[i].h);
				LKT_EXPECT_ST(b->t, LK_NO_ERROR, st);
			}
		}
	}
	kfree(b);
}

/* ---- packets ---------------------------------------------------------- */

#define PT_MAGIC 0x6c6b706f72742121ull

static lk_port_packet_t pt_pk(u64 seq)
{
	lk_port_packet_t pk;
	u64 v[2] = { seq, PT_MAGIC ^ seq };

	BUILD_BUG_ON(sizeof(pk.value) != sizeof(v));
	memcpy(pk.value, v, sizeof(v));
	return pk;
}

/* The packet's sequence number, or ~0 when it is not one of pt_pk's. */
static u64 pt_seq(const lk_port_packet_t *pk)
{
	u64 v[2];

	memcpy(v, pk->value, sizeof(v));
	return v[1] == (PT_MAGIC ^ v[0]) ? v[0] : ~0ull;
}

static int pt_write1(lk_port_t w, u64 seq)
{
	lk_port_packet_t pk = pt_pk(seq);

	return lk_port_write(w, &pk, 1);
}

/* Reads one packet within ms and checks its ctx and sequence number. */
#define pt_expect_read(t, p, ms, ctx, seq)				\
	__pt_expect_read(t, p, ms, ctx, seq, __FILE__, __LINE__)
static bool __pt_expect_read(struct lkt *t, lk_port_t p, unsigned int ms, void *ctx,
			     u64 seq, const char *file, int line)
{
	lk_port_result_t res = {};
	int st = lk_port_read(p, ms, &res);

	if (!lkt_check_st(t, file, line, "lk_port_read", LK_NO_ERROR, st))
		return false;
	if (res.ctx != ctx) {
		lkt_fail(t, file, line, "ctx: expected %p, seen %p", ctx, res.ctx);
		return false;
	}
	return lkt_check_eq(t, file, line, "packet sequence", seq, pt_seq(&res.packet));
}

#define pt_expect_empty(t, p) \
	lkt_check_st(t, __FILE__, __LINE__, "read of an empty port", LK_ERR_TIMED_OUT, \
		     lk_port_read(p, 0, &(lk_port_result_t){}))

/* A port object's state; a zeroed one (and a failure) on error. */
#define pt_info(t, p) __pt_info(t, p, __FILE__, __LINE__)
static lk_port_info_t __pt_info(struct lkt *t, lk_port_t p, const char *file, int line)
{
	lk_port_info_t info = {};
	int st = lk_port_info(p, &info);

	lkt_check_st(t, file, line, "lk_port_info", LK_NO_ERROR, st);
	return info;
}

/* ---- port_basic ------------------------------------------------------- */

static int pt_ctx[300];		/* distinct ctx pointers */

static void port_basic(struct lkt *t)
{
	unsigned int delivered, skipped;
	lk_port_packet_t pks[9];
	lk_port_info_t info;
	lk_port_result_t res;
	lk_port_t w, r1, r2, r3, other;
	struct pt_bag *b;
	u64 start, ns;
	int i, st;

	b = pt_bag_new(t, 8);
	if (!b)
		return;
	w = pt_create(b, "lkt.basic", LK_PORT_MODE_BROADCAST, 0);
	if (!w)
		goto out;
	LKT_EXPECT_EQ(t, 8, lk_port_capacity(w));

	/* Names: taken, unknown. LK hands back the existing port. */
	other = NULL;
	LKT_EXPECT_ST(t, LK_ERR_ALREADY_EXISTS,
		      lk_port_create("lkt.basic", LK_PORT_MODE_BROADCAST, &other));
	LKT_EXPECT_PTR_EQ(t, w, other);
	LKT_EXPECT_ST(t, LK_ERR_NOT_FOUND, lk_port_open("lkt.nonexistent", NULL, &other));
	LKT_EXPECT_ST(t, LK_ERR_NOT_FOUND, lk_port_find_writer("lkt.nonexistent", &other));
	other = NULL;
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_find_writer("lkt.basic", &other));
	LKT_EXPECT_PTR_EQ(t, w, other);

	/* No reader yet: the writer's own ring fills, all or nothing. */
	for (i = 1; i <= 8; i++) {
		pks[0] = pt_pk(i);
		delivered = skipped = 99;
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_write_ex(w, pks, 1, &delivered, &skipped));
		LKT_EXPECT_EQ(t, 1, delivered);
		LKT_EXPECT_EQ(t, 0, skipped);
	}
	pks[0] = pt_pk(9);
	st = lk_port_write_ex(w, pks, 1, &delivered, &skipped);
	LKT_EXPECT_ST(t, LK_ERR_NOT_ENOUGH_BUFFER, st);
	LKT_EXPECT_EQ(t, 0, delivered);
	info = pt_info(t, w);
	LKT_EXPECT_EQ(t, LK_KIND_WRITE_PORT, info.kind);
	LKT_EXPECT_EQ(t, LK_PORT_MODE_BROADCAST, info.mode);
	LKT_EXPECT_EQ(t, 8, info.capacity);
	LKT_EXPECT_EQ(t, 8, info.queued);
	LKT_EXPECT_EQ(t, 0, info.closed);

	/* The first reader inherits those 8, with its ctx. */
	r1 = pt_open(b, "lkt.basic", &pt_ctx[1]);
	if (!r1)
		goto out;
	LKT_EXPECT_EQ(t, 1, lk_read_port_readable(r1));
	LKT_EXPECT_EQ(t, 0, pt_info(t, w).queued);
	info = pt_info(t, r1);
	LKT_EXPECT_EQ(t, LK_KIND_READ_PORT, info.kind);
	LKT_EXPECT_EQ(t, 8, info.queued);
	LKT_EXPECT_EQ(t, 0, info.waiters);
	LKT_EXPECT_EQ(t, 0, info.cancelled);
	LKT_EXPECT_EQ(t, 0, info.grouped);
	for (i = 1; i <= 8; i++)
		pt_expect_read(t, r1, 0, &pt_ctx[1], i);
	LKT_EXPECT_EQ(t, 0, lk_read_port_readable(r1));
	pt_expect_empty(t, r1);
	start = lkt_now();
	st = lk_port_read(r1, 20, &res);
	ns = lkt_now() - start;
	if (LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, st))
		LKT_EXPECT_GE(t, 20 * NSEC_PER_MSEC, ns);

	/* A later broadcast reader starts empty; then both get every write. */
	r2 = pt_open(b, "lkt.basic", &pt_ctx[2]);
	if (!r2)
		goto out;
	pt_expect_empty(t, r2);
	for (i = 0; i < 3; i++)
		pks[i] = pt_pk(9 + i);
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_write(w, pks, 3));
	for (i = 9; i <= 11; i++) {
		pt_expect_read(t, r1, 0, &pt_ctx[1], i);
		pt_expect_read(t, r2, 0, &pt_ctx[2], i);
	}

	/* r2 full, r1 empty: r1 still receives, the write says partial. */
	for (i = 12; i <= 19; i++)
		LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w, i));
	for (i = 12; i <= 19; i++)
		pt_expect_read(t, r1, 0, &pt_ctx[1], i);
	pks[0] = pt_pk(20);
	LKT_EXPECT_ST(t, LK_ERR_PARTIAL_WRITE, lk_port_write_ex(w, pks, 1, &delivered, &skipped));
	LKT_EXPECT_EQ(t, 1, delivered);
	LKT_EXPECT_EQ(t, 1, skipped);
	LKT_EXPECT_EQ(t, 8, pt_info(t, r2).queued);
	pt_expect_read(t, r1, 0, &pt_ctx[1], 20);
	pt_expect_empty(t, r1);
	for (i = 12; i <= 19; i++)
		pt_expect_read(t, r2, 0, &pt_ctx[2], i);
	pt_expect_empty(t, r2);

	/* A write larger than any ring: every reader skips it, whole. */
	for (i = 0; i < 9; i++)
		pks[i] = pt_pk(100 + i);
	LKT_EXPECT_ST(t, LK_ERR_PARTIAL_WRITE, lk_port_write_ex(w, pks, 9, &delivered, &skipped));
	LKT_EXPECT_EQ(t, 0, delivered);
	LKT_EXPECT_EQ(t, 2, skipped);
	pt_expect_empty(t, r1);
	pt_expect_empty(t, r2);

	/* Wrong kinds of handle. */
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_read(w, 0, &res));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, pt_write1(r1, 1));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_destroy(w));	/* still open */
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_destroy(r1));

	/* Close the writer: no more writes, readers keep what they hold. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w, 21));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(w));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, pt_write1(w, 22));
	LKT_EXPECT_EQ(t, 1, pt_info(t, w).closed);
	LKT_EXPECT_ST(t, LK_ERR_BUSY, lk_port_find_writer("lkt.basic", &other));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_close(w));
	LKT_EXPECT_ST(t, LK_ERR_BUSY, lk_port_create("lkt.basic", LK_PORT_MODE_BROADCAST, &other));
	/* A closed write port can still be opened. */
	r3 = pt_open(b, "lkt.basic", &pt_ctx[3]);
	if (r3) {
		pt_expect_empty(t, r3);
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(r3));
		pt_forget(b, r3);
	}

	/* Destroy: readers drain, then learn that nothing more will come. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_destroy(w));
	pt_forget(b, w);
	pt_expect_read(t, r1, 0, &pt_ctx[1], 21);
	LKT_EXPECT_ST(t, LK_ERR_CANCELLED, lk_port_read(r1, 0, &res));
	LKT_EXPECT_ST(t, LK_ERR_CANCELLED, lk_port_read(r1, LKT_WAIT_MS, &res));
	LKT_EXPECT_EQ(t, 1, lk_port_readable(r1));
	LKT_EXPECT_EQ(t, 1, pt_info(t, r1).cancelled);
	pt_expect_read(t, r2, 0, &pt_ctx[2], 21);
	LKT_EXPECT_ST(t, LK_ERR_CANCELLED, lk_port_read_timeout(r2, 0, &res));
	LKT_EXPECT_ST(t, LK_ERR_NOT_FOUND, lk_port_open("lkt.basic", NULL, &other));

	/* The name is free again. */
	pt_create(b, "lkt.basic", LK_PORT_MODE_BROADCAST, 0);
out:
	pt_bag_free(b);
}

/* ---- port_modes ------------------------------------------------------- */

static int pt_allow(void *user, void *arg)
{
	return user == arg;
}

static void port_modes(struct lkt *t)
{
	static char long_name[LK_PORT_NAME_LEN + 1];
	lk_port_result_t res[64];
	lk_port_t w, r, other;
	struct pt_bag *b;
	lkos_size got = 0;
	int i, st;

	b = pt_bag_new(t, 16);
	if (!b)
		return;

	/* Unicast: one reader only. */
	w = pt_create(b, "lkt.uni", LK_PORT_MODE_UNICAST, 0);
	r = w ? pt_open(b, "lkt.uni", &pt_ctx[1]) : NULL;
	if (r)
		LKT_EXPECT_ST(t, LK_ERR_NOT_ALLOWED, lk_port_open("lkt.uni", NULL, &other));

	/* Big buffer: 64 packets, all inherited by the reader, read in bulk. */
	w = pt_create(b, "lkt.big", LK_PORT_MODE_UNICAST | LK_PORT_MODE_BIG_BUFFER, 0);
	if (w) {
		LKT_EXPECT_EQ(t, 64, lk_port_capacity(w));
		for (i = 0; i < 64; i++)
			LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w, i));
		LKT_EXPECT_ST(t, LK_ERR_NOT_ENOUGH_BUFFER, pt_write1(w, 64));
		r = pt_open(b, "lkt.big", &pt_ctx[2]);
		if (r) {
			st = lk_read_port_read_many(r, LK_DEADLINE_NONE, 0, res, ARRAY_SIZE(res),
						    &got);
			LKT_EXPECT_ST(t, LK_NO_ERROR, st);
			LKT_EXPECT_EQ(t, 64, got);
			for (i = 0; i < got; i++) {
				LKT_EXPECT_EQ(t, i, pt_seq(&res[i].packet));
				LKT_EXPECT_PTR_EQ(t, &pt_ctx[2], res[i].ctx);
			}
		}
	}
	/* lkport: a big buffer is for unicast ports only. */
	LKT_EXPECT_ST(t, LK_ERR_INVALID_ARGS,
		      lk_port_create("lkt.bigbc", LK_PORT_MODE_BIG_BUFFER, &other));

	/* Capacities and names. */
	w = pt_create(b, "lkt.cap16", LK_PORT_MODE_BROADCAST, 16);
	if (w)
		LKT_EXPECT_EQ(t, 16, lk_port_capacity(w));
	LKT_EXPECT_ST(t, LK_ERR_INVALID_ARGS,
		      lk_port_create_ex("lkt.cap3", LK_PORT_MODE_BROADCAST, 3, NULL, &other));
	LKT_EXPECT_ST(t, LK_ERR_INVALID_ARGS,
		      lk_port_create_ex("lkt.capbig", LK_PORT_MODE_BROADCAST,
					2 * LK_PORT_MAX_CAPACITY, NULL, &other));
	memset(long_name, 'n', LK_PORT_NAME_LEN - 1);
	long_name[LK_PORT_NAME_LEN - 1] = '\0';
	w = pt_create(b, long_name, LK_PORT_MODE_BROADCAST, 0);
	long_name[LK_PORT_NAME_LEN - 1] = 'n';
	long_name[LK_PORT_NAME_LEN] = '\0';
	LKT_EXPECT_ST(t, LK_ERR_INVALID_ARGS,
		      lk_port_create(long_name, LK_PORT_MODE_BROADCAST, &other));

	/* The last reader to close gives its unread packets back to the writer. */
	w = pt_create(b, "lkt.giveback", LK_PORT_MODE_BROADCAST, 0);
	r = w ? pt_open(b, "lkt.giveback", &pt_ctx[3]) : NULL;
	if (r) {
		LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w, 1));
		LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w, 2));
		pt_expect_read(t, r, 0, &pt_ctx[3], 1);
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(r));
		pt_forget(b, r);
		r = pt_open(b, "lkt.giveback", &pt_ctx[4]);
		if (r) {
			pt_expect_read(t, r, 0, &pt_ctx[4], 2);
			pt_expect_empty(t, r);
		}
	}

	/* Open with a permission check against the creator's user pointer. */
	other = NULL;
	st = lk_port_create_ex("lkt.perm", LK_PORT_MODE_BROADCAST, 0, &pt_ctx[7], &other);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, st) && pt_keep(b, other, PT_WRITER)) {
		LKT_EXPECT_PTR_EQ(t, &pt_ctx[7], lk_port_user(other));
		LKT_EXPECT_ST(t, LK_ERR_ACCESS_DENIED,
			      lk_port_open_ex("lkt.perm", NULL, pt_allow, &pt_ctx[8], &r));
		st = lk_port_open_ex("lkt.perm", NULL, pt_allow, &pt_ctx[7], &r);
		if (LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			pt_keep(b, r, PT_READER);
	}
	pt_bag_free(b);
}

/* ---- port_close_wakes ------------------------------------------------- */

struct pt_blocked {
	lk_port_t h;
	atomic_t armed;
	int st;
};

static int pt_blocked_reader(struct lkt_worker *w)
{
	struct pt_blocked *pb = w->arg;
	lk_port_result_t res;

	atomic_set(&pb->armed, 1);
	pb->st = lk_port_read(pb->h, LKT_WAIT_MS, &res);
	return 0;
}

/*
 * A thread blocks reading h (a read port or group); then `end` (close or
 * destroy) must wake it with `expected`.
 */
static void pt_block_then(struct lkt *t, struct pt_bag *b, lk_port_t h, lk_port_t end,
			  bool destroy, int expected, const char *what)
{
	struct lkt_team *team;
	struct pt_blocked pb = { .h = h, .st = 1 };

	atomic_set(&pb.armed, 0);
	team = lkt_team_new(t, "ptblock", pt_blocked_reader);
	if (!team || !lkt_team_add(team, lkt_cpu(1), &pb)) {
		lkt_team_free(team);
		return;
	}
	lkt_team_start(team);
	if (!lkt_poll(atomic_read(&pb.armed) && pt_info(t, h).waiters == 1, LKT_WAIT_MS))
		LKT_FAIL(t, "%s: the reader did not block", what);
	if (destroy) {
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(end));
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_destroy(end));
	} else {
		LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(end));
	}
	pt_forget(b, end);
	lkt_team_join(team, LKT_WAIT_MS);
	lkt_team_free(team);
	lkt_check_st(t, __FILE__, __LINE__, what, expected, pb.st);
}

static void port_close_wakes(struct lkt *t)
{
	lk_port_t w, r, g, members[1];
	struct pt_bag *b;

	b = pt_bag_new(t, 16);
	if (!b)
		return;
	/* Destroying the writer cancels a blocked reader. */
	w = pt_create(b, "lkt.cw1", LK_PORT_MODE_BROADCAST, 0);
	r = w ? pt_open(b, "lkt.cw1", &pt_ctx[1]) : NULL;
	if (r)
		pt_block_then(t, b, r, w, true, LK_ERR_CANCELLED, "reader, writer destroyed");

	/* Closing the read port itself: its waiter sees it destroyed. */
	w = pt_create(b, "lkt.cw2", LK_PORT_MODE_BROADCAST, 0);
	r = w ? pt_open(b, "lkt.cw2", &pt_ctx[2]) : NULL;
	if (r)
		pt_block_then(t, b, r, r, false, LK_ERR_OBJECT_DESTROYED, "reader closed");

	/* Closing a group: its waiter sees it destroyed. */
	w = pt_create(b, "lkt.cw3", LK_PORT_MODE_BROADCAST, 0);
	r = w ? pt_open(b, "lkt.cw3", &pt_ctx[3]) : NULL;
	members[0] = r;
	g = r ? pt_group(b, members, 1) : NULL;
	if (g) {
		pt_block_then(t, b, g, g, false, LK_ERR_OBJECT_DESTROYED, "group closed");
		/* The member was detached and can join another group. */
		g = pt_group(b, members, 1);
	}

	/* Destroying a member's writer cancels a blocked group reader. */
	w = pt_create(b, "lkt.cw4", LK_PORT_MODE_BROADCAST, 0);
	r = w ? pt_open(b, "lkt.cw4", &pt_ctx[4]) : NULL;
	members[0] = r;
	g = r ? pt_group(b, members, 1) : NULL;
	if (g)
		pt_block_then(t, b, g, w, true, LK_ERR_CANCELLED, "group, writer destroyed");
	pt_bag_free(b);
}

/* ---- port_pingpong ---------------------------------------------------- */

struct pt_pp {
	lk_port_t ping_w, ping_r, pong_w, pong_r;
	unsigned int rounds;
	atomic_t done;
};

static int pt_pp_worker(struct lkt_worker *w)
{
	struct pt_pp *pp = w->arg;
	struct lkt *t = w->team->t;
	unsigned int i;

	for (i = 1; i <= pp->rounds && !lkt_team_stopping(w->team); i++) {
		if (w->idx == 0) {
			if (!LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(pp->ping_w, i)) ||
			    !pt_expect_read(t, pp->pong_r, LKT_WAIT_MS, &pt_ctx[0], i))
				goto fail;
		} else {
			if (!pt_expect_read(t, pp->ping_r, LKT_WAIT_MS, &pt_ctx[1], i) ||
			    !LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(pp->pong_w, i)))
				goto fail;
		}
	}
	atomic_inc(&pp->done);
	return 0;
fail:
	lkt_diag(t, "%s: at round %u of %u", t->name, i, pp->rounds);
	lkt_team_abort(w->team);
	return -1;
}

static void port_pingpong(struct lkt *t)
{
	struct lkt_team *team = NULL;
	struct pt_pp pp = {};
	struct pt_bag *b;
	u64 start;

	if (!lkt_need_two_cpus(t))
		return;
	b = pt_bag_new(t, 4);
	if (!b)
		return;
	pp.rounds = lkt_iters(t, 2000);
	pp.ping_w = pt_create(b, "lkt.ping", LK_PORT_MODE_UNICAST, 0);
	pp.pong_w = pt_create(b, "lkt.pong", LK_PORT_MODE_UNICAST, 0);
	if (!pp.ping_w || !pp.pong_w)
		goto out;
	pp.ping_r = pt_open(b, "lkt.ping", &pt_ctx[1]);
	pp.pong_r = pt_open(b, "lkt.pong", &pt_ctx[0]);
	if (!pp.ping_r || !pp.pong_r)
		goto out;
	team = lkt_team_new(t, "ptpp", pt_pp_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), &pp) || !lkt_team_add(team, lkt_cpu(1), &pp))
		goto out;
	start = lkt_now();
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	LKT_EXPECT_EQ(t, 2, atomic_read(&pp.done));
	pt_expect_empty(t, pp.ping_r);
	pt_expect_empty(t, pp.pong_r);
	lkt_diag(t, "%s: %u round trips CPU%u <-> CPU%u in %llu ms", t->name, pp.rounds,
		 lkt_cpu(0), lkt_cpu(1), lkt_ms_since(start));
out:
	lkt_team_free(team);
	pt_bag_free(b);
}

/* ---- port_stream ------------------------------------------------------ */

/*
 * A writer streams numbered packets in batches of 1-3 into an 8-packet
 * ring, retrying whenever the reader's ring is full; the reader on another
 * CPU, using single and bulk reads, must see every number once, in order.
 */
struct pt_stream {
	lk_write_port_t w;
	lk_read_port_t r;
	unsigned int count;
	atomic_t retries;
	atomic_t received;
};

static int pt_stream_worker(struct lkt_worker *w)
{
	struct pt_stream *s = w->arg;
	struct lkt *t = w->team->t;
	lk_port_packet_t pks[3];
	lk_port_result_t res[5];
	u64 next = 1;
	lkos_size got, i;
	int st, k, n;

	if (w->idx == 0) {
		while (next <= s->count && !lkt_team_stopping(w->team)) {
			n = min_t(u64, 1 + get_random_u32_below(3), s->count - next + 1);
			for (k = 0; k < n; k++)
				pks[k] = pt_pk(next + k);
			st = lk_write_port_write(s->w, pks, n, NULL, NULL);
			if (st == LK_ERR_PARTIAL_WRITE) {
				/* The only reader skipped it, whole: again. */
				atomic_inc(&s->retries);
				if (get_random_u32_below(4))
					cond_resched();
				else
					usleep_range(10, 50);
				continue;
			}
			if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
				goto fail;
			next += n;
		}
		return 0;
	}
	while (next <= s->count && !lkt_team_stopping(w->team)) {
		if (next & 1) {
			got = 1;
			st = lk_port_read(s->r, LKT_WAIT_MS, &res[0]);
		} else {
			st = lk_read_port_read_many(s->r, lkt_now() + LKT_WAIT_MS * NSEC_PER_MSEC,
						    0, res, ARRAY_SIZE(res), &got);
		}
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			goto fail;
		for (i = 0; i < got; i++, next++) {
			if (!LKT_EXPECT_EQ(t, next, pt_seq(&res[i].packet)) ||
			    !LKT_EXPECT_PTR_EQ(t, &pt_ctx[5], res[i].ctx))
				goto fail;
		}
		atomic_set(&s->received, next - 1);
	}
	return 0;
fail:
	lkt_team_abort(w->team);
	return -1;
}

static void port_stream(struct lkt *t)
{
	struct lkt_team *team = NULL;
	struct pt_stream s = {};
	struct pt_bag *b;

	b = pt_bag_new(t, 2);
	if (!b)
		return;
	s.count = lkt_iters(t, 10000);
	s.w = pt_create(b, "lkt.stream", LK_PORT_MODE_BROADCAST, 0);
	s.r = s.w ? pt_open(b, "lkt.stream", &pt_ctx[5]) : NULL;
	if (!s.r)
		goto out;
	team = lkt_team_new(t, "ptstream", pt_stream_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), &s) || !lkt_team_add(team, lkt_cpu(1), &s))
		goto out;
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	LKT_EXPECT_EQ(t, s.count, atomic_read(&s.received));
	pt_expect_empty(t, s.r);
	lkt_diag(t, "%s: %u packets, %d writes retried on a full ring", t->name, s.count,
		 atomic_read(&s.retries));
out:
	lkt_team_free(team);
	pt_bag_free(b);
}

/* ---- port_write_wait ----------------------------------------------------- */

/*
 * Back-pressure across CPUs: a writer streams through a 2-packet ring with
 * lk_write_port_write_wait while the reader on another CPU takes them: no
 * write is ever skipped, every packet arrives once and in order, and the
 * writer sleeps whenever the ring is full (each wait ended by a read's
 * wake). Then a writer blocked on a full ring is ended by the port's
 * close with LK_ERR_BAD_HANDLE.
 */
struct pt_wait {
	lk_write_port_t w;
	lk_read_port_t r;
	unsigned int count;
	atomic_t received;
	atomic_t skipped;
	atomic_t armed;
	atomic_t returned;
	int st;
};

static int pt_wait_worker(struct lkt_worker *w)
{
	struct pt_wait *pw = w->arg;
	struct lkt *t = w->team->t;
	lk_port_packet_t pks[2];
	lk_port_result_t res[3];
	unsigned int delivered, skipped;
	u64 next = 1;
	lkos_size got, i;
	int st, k, n;

	if (w->idx == 0) {
		while (next <= pw->count && !lkt_team_stopping(w->team)) {
			n = min_t(u64, 1 + get_random_u32_below(2), pw->count - next + 1);
			for (k = 0; k < n; k++)
				pks[k] = pt_pk(next + k);
			st = lk_write_port_write_wait(pw->w, pks, n,
						      lkt_now() + LKT_WAIT_MS * NSEC_PER_MSEC, 0,
						      &delivered, &skipped);
			if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st) || !LKT_EXPECT_EQ(t, 1, delivered))
				goto fail;
			atomic_add(skipped, &pw->skipped);
			next += n;
		}
		return 0;
	}
	while (next <= pw->count && !lkt_team_stopping(w->team)) {
		st = lk_read_port_read_many(pw->r, lkt_now() + LKT_WAIT_MS * NSEC_PER_MSEC, 0,
					    res, 1 + get_random_u32_below(3), &got);
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			goto fail;
		for (i = 0; i < got; i++, next++)
			if (!LKT_EXPECT_EQ(t, next, pt_seq(&res[i].packet)))
				goto fail;
		atomic_set(&pw->received, next - 1);
	}
	return 0;
fail:
	lkt_team_abort(w->team);
	return -1;
}

static int pt_wait_blocked_worker(struct lkt_worker *w)
{
	struct pt_wait *pw = w->arg;
	lk_port_packet_t pk = pt_pk(99);

	atomic_set(&pw->armed, 1);
	pw->st = lk_write_port_write_wait(pw->w, &pk, 1, LK_DEADLINE_FOREVER, 0, NULL, NULL);
	atomic_set(&pw->returned, 1);
	return 0;
}

static void port_write_wait(struct lkt *t)
{
	struct lkt_team *team = NULL;
	lk_port_packet_t pk = pt_pk(1);
	struct pt_wait *pw;
	struct pt_bag *b;
	u64 start, elapsed = 0;

	pw = kzalloc(sizeof(*pw), GFP_KERNEL);
	b = pt_bag_new(t, 2);
	if (!pw || !b)
		goto out;
	pw->count = lkt_iters(t, 5000);
	pw->w = pt_create(b, "lkt.wait", LK_PORT_MODE_BROADCAST, 2);
	pw->r = pw->w ? pt_open(b, "lkt.wait", &pt_ctx[7]) : NULL;
	if (!pw->r)
		goto out;
	team = lkt_team_new(t, "ptwait", pt_wait_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), pw) || !lkt_team_add(team, lkt_cpu(1), pw))
		goto out;
	start = lkt_now();
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	elapsed = lkt_now() - start;
	lkt_team_free(team);
	team = NULL;
	LKT_EXPECT_EQ(t, pw->count, atomic_read(&pw->received));
	LKT_EXPECT_EQ(t, 0, atomic_read(&pw->skipped));
	pt_expect_empty(t, pw->r);

	/* Full ring, a writer waiting; the port's close ends the wait. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_write_port_write(pw->w, &pk, 1, NULL, NULL));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_write_port_write(pw->w, &pk, 1, NULL, NULL));
	/* LK_DEADLINE_NONE: a try that never sleeps. */
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT,
		      lk_write_port_write_wait(pw->w, &pk, 1, LK_DEADLINE_NONE, 0, NULL, NULL));
	team = lkt_team_new(t, "ptwaitblk", pt_wait_blocked_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(1), pw))
		goto out;
	lkt_team_start(team);
	if (!lkt_poll(atomic_read(&pw->armed) && pt_info(t, pw->w).waiters == 1, LKT_WAIT_MS))
		LKT_FAIL(t, "the writer did not wait for room");
	LKT_EXPECT_EQ(t, 0, atomic_read(&pw->returned));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_write_port_close(pw->w));
	lkt_team_join(team, LKT_WAIT_MS);
	LKT_EXPECT_EQ(t, 1, atomic_read(&pw->returned));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, pw->st);
	lkt_diag(t, "%s: %u packets through a 2-packet ring, %llu ns each", t->name, pw->count,
		 pw->count ? elapsed / pw->count : 0);
out:
	lkt_team_free(team);
	pt_bag_free(b);
	kfree(pw);
}

/* ---- port_group_basic ------------------------------------------------- */

struct pt_gwait {
	lk_port_t g;
	atomic_t armed;
	atomic_t returned;
	int st;
	lk_port_result_t res;
};

static int pt_gwait_worker(struct lkt_worker *w)
{
	struct pt_gwait *gw = w->arg;

	atomic_set(&gw->armed, 1);
	gw->st = lk_port_group_read_timeout(gw->g, LKT_WAIT_MS, &gw->res);
	atomic_set(&gw->returned, 1);
	return 0;
}

/* Starts a thread blocked in a group read; NULL on failure. */
static struct lkt_team *pt_gwait_start(struct lkt *t, struct pt_gwait *gw, lk_port_t g)
{
	struct lkt_team *team;

	memset(gw, 0, sizeof(*gw));
	gw->g = g;
	gw->st = 1;
	team = lkt_team_new(t, "ptgwait", pt_gwait_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(1), gw)) {
		lkt_team_free(team);
		return NULL;
	}
	lkt_team_start(team);
	if (!lkt_poll(atomic_read(&gw->armed) && pt_info(t, g).waiters == 1, LKT_WAIT_MS))
		LKT_FAIL(t, "the group reader did not block");
	return team;
}

static void port_group_basic(struct lkt *t)
{
	lk_port_t w[3] = {}, r[3] = {}, g, g2, two[2];
	struct lkt_team *team;
	lk_port_result_t res;
	struct pt_gwait *gw;
	struct pt_bag *b;
	char name[16];
	int i;

	gw = kzalloc(sizeof(*gw), GFP_KERNEL);
	b = pt_bag_new(t, 8);
	if (!gw || !b)
		goto out;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "lkt.grp%d", i);
		w[i] = pt_create(b, name, LK_PORT_MODE_BROADCAST, 0);
		r[i] = w[i] ? pt_open(b, name, &pt_ctx[10 + i]) : NULL;
		if (!r[i])
			goto out;
	}
	two[0] = r[0];
	two[1] = r[1];
	g = pt_group(b, two, 2);
	if (!g)
		goto out;
	LKT_EXPECT_EQ(t, LK_KIND_PORT_GROUP, pt_info(t, g).kind);
	LKT_EXPECT_EQ(t, 2, pt_info(t, g).members);
	LKT_EXPECT_EQ(t, 1, pt_info(t, r[0]).grouped);
	LKT_EXPECT_EQ(t, 0, pt_info(t, r[2]).grouped);
	pt_expect_empty(t, g);
	LKT_EXPECT_EQ(t, 0, lk_port_readable(g));

	/* A write to a member: the group read returns it with that member's ctx. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w[1], 1));
	LKT_EXPECT_EQ(t, 1, lk_port_group_readable(g));
	pt_expect_read(t, g, 0, &pt_ctx[11], 1);
	pt_expect_empty(t, g);

	/* Membership errors. */
	/* Already in it; already grouped; not a member; not a read port. */
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_group_add(g, r[0]));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_group(two, 1, &g2));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_group_remove(g, r[2]));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_group_add(g, w[2]));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_group(&w[2], 1, &g2));

	/* Wake on add: r[2] already holds data when it joins a waited-on group. */
	team = pt_gwait_start(t, gw, g);
	if (!team)
		goto out;
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w[2], 7));	/* not a member: no wake */
	msleep(20);
	LKT_EXPECT_EQ(t, 0, atomic_read(&gw->returned));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_group_add(g, r[2]));
	LKT_EXPECT_EQ(t, 3, pt_info(t, g).members);
	lkt_team_join(team, LKT_WAIT_MS);
	lkt_team_free(team);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, gw->st)) {
		LKT_EXPECT_PTR_EQ(t, &pt_ctx[12], gw->res.ctx);
		LKT_EXPECT_EQ(t, 7, pt_seq(&gw->res.packet));
	}

	/* Removed: its data no longer reaches the group, but the port still reads. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_group_remove(g, r[2]));
	LKT_EXPECT_ST(t, LK_ERR_BAD_HANDLE, lk_port_group_remove(g, r[2]));
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w[2], 8));
	pt_expect_empty(t, g);
	pt_expect_read(t, r[2], 0, &pt_ctx[12], 8);

	/* A write to a member wakes a group reader on another CPU. */
	team = pt_gwait_start(t, gw, g);
	if (!team)
		goto out;
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w[0], 9));
	lkt_team_join(team, LKT_WAIT_MS);
	lkt_team_free(team);
	if (LKT_EXPECT_ST(t, LK_NO_ERROR, gw->st)) {
		LKT_EXPECT_PTR_EQ(t, &pt_ctx[10], gw->res.ctx);
		LKT_EXPECT_EQ(t, 9, pt_seq(&gw->res.packet));
	}

	/* Members stay readable directly. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w[0], 10));
	pt_expect_read(t, r[0], 0, &pt_ctx[10], 10);
	pt_expect_empty(t, g);

	/* Closing a member detaches it; the group carries on. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(r[1]));
	pt_forget(b, r[1]);
	LKT_EXPECT_EQ(t, 1, pt_info(t, g).members);
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w[0], 11));
	pt_expect_read(t, g, 0, &pt_ctx[10], 11);
	LKT_EXPECT_ST(t, LK_ERR_TIMED_OUT, lk_port_group_read_timeout(g, 0, &res));
out:
	pt_bag_free(b);
	kfree(gw);
}

/* ---- port_group_limits ------------------------------------------------ */

static void port_group_limits(struct lkt *t)
{
	const unsigned int n = LK_PORT_GROUP_MAX + 1;
	lk_port_result_t res;
	unsigned long *seen = NULL;
	lk_port_t *r = NULL, w, g, g2;
	struct pt_bag *b;
	unsigned int i, k;
	int st;

	b = pt_bag_new(t, n + 4);
	r = kcalloc(n, sizeof(*r), GFP_KERNEL);
	seen = bitmap_zalloc(n, GFP_KERNEL);
	if (!b || !r || !seen)
		goto out;
	w = pt_create(b, "lkt.glimits", LK_PORT_MODE_BROADCAST, 0);
	if (!w)
		goto out;
	for (i = 0; i < n; i++) {
		r[i] = pt_open(b, "lkt.glimits", &pt_ctx[i]);
		if (!r[i])
			goto out;
	}
	LKT_EXPECT_ST(t, LK_ERR_TOO_BIG, lk_port_group(r, n, &g2));
	g = pt_group(b, r, n - 1);
	if (!g)
		goto out;
	LKT_EXPECT_ST(t, LK_ERR_TOO_BIG, lk_port_group_add(g, r[n - 1]));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_group_remove(g, r[0]));
	LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_group_add(g, r[n - 1]));

	/* One broadcast write reaches all; the group yields each member's once. */
	LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(w, 42));
	for (k = 0; k < n - 1; k++) {
		st = lk_port_read(g, 0, &res);
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			break;
		i = (int *)res.ctx - pt_ctx;
		if (!LKT_EXPECT(t, i >= 1 && i < n) || !LKT_EXPECT(t, !test_bit(i, seen)))
			break;
		set_bit(i, seen);
		LKT_EXPECT_EQ(t, 42, pt_seq(&res.packet));
	}
	pt_expect_empty(t, g);
	pt_expect_read(t, r[0], 0, &pt_ctx[0], 42);

	/* An empty group is fine, and waits like any other. */
	g2 = pt_group(b, NULL, 0);
	if (g2)
		pt_expect_empty(t, g2);
out:
	pt_bag_free(b);
	bitmap_free(seen);
	kfree(r);
}

/* ---- port_group_stream ------------------------------------------------ */

/*
 * Writers on every CPU, one port each, stream numbered packets into one
 * group; a reader drains the group while another thread keeps removing
 * members and adding them back. Every packet must arrive once, in order
 * per port, with its port's ctx: data a member gathered while out of the
 * group must wake the reader when it comes back.
 */
#define PT_GS_MAX 16

struct pt_gstream {
	lk_port_t w[PT_GS_MAX], r[PT_GS_MAX];
	lk_port_group_t g;
	unsigned int ports, count;
	atomic_t reader_done;
	atomic_t received;
	atomic_t retries;
	atomic_t churns;
};

static int pt_gs_reader(struct lkt_worker *w, struct pt_gstream *gs)
{
	struct lkt *t = w->team->t;
	u64 next[PT_GS_MAX];
	lk_port_result_t res[4];
	unsigned int total = gs->ports * gs->count, k;
	lkos_size got, i;
	int st;

	for (k = 0; k < gs->ports; k++)
		next[k] = 1;
	while (atomic_read(&gs->received) < total && !lkt_team_stopping(w->team)) {
		if (get_random_u32_below(2)) {
			got = 1;
			st = lk_port_read(gs->g, LKT_WAIT_MS, &res[0]);
		} else {
			st = lk_port_group_read_many(gs->g, lkt_now() + LKT_WAIT_MS * NSEC_PER_MSEC,
						     0, res, ARRAY_SIZE(res), &got);
		}
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			goto fail;
		for (i = 0; i < got; i++) {
			k = (int *)res[i].ctx - &pt_ctx[100];
			if (!LKT_EXPECT(t, k < gs->ports) ||
			    !LKT_EXPECT_EQ(t, next[k], pt_seq(&res[i].packet)))
				goto fail;
			next[k]++;
		}
		atomic_add(got, &gs->received);
	}
	atomic_set(&gs->reader_done, 1);
	return 0;
fail:
	lkt_diag(t, "%s: after %d packets", t->name, atomic_read(&gs->received));
	lkt_team_abort(w->team);
	return -1;
}

static int pt_gs_worker(struct lkt_worker *w)
{
	struct pt_gstream *gs = w->arg;
	struct lkt *t = w->team->t;
	unsigned int k, seq;
	int st;

	if (w->idx == 0)
		return pt_gs_reader(w, gs);
	if (w->idx == 1) {
		/* Churn membership until the reader is done. */
		while (!atomic_read(&gs->reader_done) && !lkt_team_stopping(w->team)) {
			k = get_random_u32_below(gs->ports);
			st = lk_port_group_remove_member(gs->g, gs->r[k]);
			if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
				goto fail;
			usleep_range(20, 200);
			st = lk_port_group_add_member(gs->g, gs->r[k]);
			if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
				goto fail;
			atomic_inc(&gs->churns);
			usleep_range(20, 200);
		}
		return 0;
	}
	k = w->idx - 2;
	for (seq = 1; seq <= gs->count && !lkt_team_stopping(w->team); ) {
		st = pt_write1(gs->w[k], seq);
		if (st == LK_ERR_PARTIAL_WRITE) {
			atomic_inc(&gs->retries);
			usleep_range(10, 100);
			continue;
		}
		if (!LKT_EXPECT_ST(t, LK_NO_ERROR, st))
			goto fail;
		seq++;
	}
	return 0;
fail:
	lkt_team_abort(w->team);
	return -1;
}

static void port_group_stream(struct lkt *t)
{
	struct lkt_team *team = NULL;
	struct pt_gstream *gs;
	struct pt_bag *b;
	unsigned int k;
	char name[24];

	gs = kzalloc(sizeof(*gs), GFP_KERNEL);
	b = pt_bag_new(t, 2 * PT_GS_MAX + 1);
	if (!gs || !b)
		goto out;
	gs->ports = clamp_t(unsigned int, 2 * lkt_ncpus(), 2, PT_GS_MAX);
	gs->count = lkt_iters(t, 3000);
	for (k = 0; k < gs->ports; k++) {
		snprintf(name, sizeof(name), "lkt.gstream%u", k);
		gs->w[k] = pt_create(b, name, LK_PORT_MODE_BROADCAST, 0);
		gs->r[k] = gs->w[k] ? pt_open(b, name, &pt_ctx[100 + k]) : NULL;
		if (!gs->r[k])
			goto out;
	}
	gs->g = pt_group(b, gs->r, gs->ports);
	if (!gs->g)
		goto out;
	team = lkt_team_new(t, "ptgs", pt_gs_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), gs) || !lkt_team_add(team, lkt_cpu(1), gs))
		goto out;
	for (k = 0; k < gs->ports; k++)
		if (!lkt_team_add(team, lkt_cpu(k), gs))
			goto out;
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	LKT_EXPECT_EQ(t, gs->ports * gs->count, atomic_read(&gs->received));
	pt_expect_empty(t, gs->g);
	lkt_diag(t, "%s: %u ports x %u packets, %d membership changes, %d retried writes",
		 t->name, gs->ports, gs->count, atomic_read(&gs->churns),
		 atomic_read(&gs->retries));
out:
	lkt_team_free(team);
	pt_bag_free(b);
	kfree(gs);
}

/* ---- port_write_hardirq ----------------------------------------------- */

struct pt_irq {
	struct lkt *t;
	lk_port_t w, r;
	u64 next;			/* written from the interrupt only */
	atomic_t write_errors;
	atomic_t last_error;
};

static int pt_irq_produce(void *arg)
{
	struct pt_irq *pi = arg;
	int st = pt_write1(pi->w, ++pi->next);

	if (st != LK_NO_ERROR) {
		atomic_inc(&pi->write_errors);
		atomic_set(&pi->last_error, st);
	}
	return -1;		/* a write does not say whom it woke */
}

static int pt_irq_consume(void *arg, unsigned int round)
{
	struct pt_irq *pi = arg;
	lk_port_result_t res;
	int st = lk_port_read(pi->r, LKT_WAIT_MS, &res);

	if (st == LK_NO_ERROR) {
		LKT_EXPECT_EQ(pi->t, round, pt_seq(&res.packet));
		LKT_EXPECT_PTR_EQ(pi->t, &pt_ctx[6], res.ctx);
	}
	return st;
}

static const struct lkt_irq_pp_ops pt_irq_ops = {
	.produce = pt_irq_produce,
	.consume = pt_irq_consume,
};

static void port_write_hardirq(struct lkt *t)
{
	struct pt_irq pi = { .t = t };
	struct pt_bag *b;

	b = pt_bag_new(t, 2);
	if (!b)
		return;
	pi.w = pt_create(b, "lkt.irq", LK_PORT_MODE_UNICAST, 0);
	pi.r = pi.w ? pt_open(b, "lkt.irq", &pt_ctx[6]) : NULL;
	if (pi.r) {
		lkt_irq_pingpong(t, &pt_irq_ops, &pi, lkt_iters(t, 1000));
		if (!LKT_EXPECT_EQ(t, 0, atomic_read(&pi.write_errors)))
			lkt_diag(t, "%s: last write error %s", t->name,
				 lk_status_name(atomic_read(&pi.last_error)));
		pt_expect_empty(t, pi.r);
	}
	pt_bag_free(b);
}

/* ---- port_other_ports_run_while_one_is_locked ------------------------ */

/*
 * Each write port has its own lock: while one is held, for as long as it
 * is, other ports are written, read, created, opened, grouped and
 * destroyed on another CPU. A reader's notify runs with its write port's
 * lock held (interrupts off), so a write to "busy" whose reader's notify
 * spins holds that lock until the other CPU is done, or 500 ms: a lock
 * shared by every port would keep the other CPU waiting until then.
 */
struct pt_ind {
	lk_port_t busy_w, busy_r, a_w, a_r, c_w, c_r, g;
	atomic_t armed, holding, release, timed_out;
	atomic_t done_while_held;
};

static void pt_ind_notify(void *ctx)
{
	struct pt_ind *pi = ctx;
	u64 until = lkt_now() + 500 * NSEC_PER_MSEC;

	if (!atomic_read(&pi->armed))
		return;
	atomic_set(&pi->holding, 1);
	while (!atomic_read(&pi->release)) {
		if (lkt_now() > until) {
			atomic_set(&pi->timed_out, 1);
			break;
		}
		cpu_relax();
	}
	atomic_set(&pi->holding, 0);
}

static bool pt_ind_others(struct lkt *t, struct pt_ind *pi)
{
	lk_port_t d_w = NULL, d_r = NULL;
	bool ok = true;

	ok &= LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(pi->a_w, 1));
	ok &= pt_expect_read(t, pi->a_r, 0, &pt_ctx[1], 1);
	ok &= LKT_EXPECT_EQ(t, 0, lk_port_readable(pi->a_r));
	ok &= LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(pi->c_w, 2));
	ok &= pt_expect_read(t, pi->g, 0, &pt_ctx[2], 2);
	ok &= LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_create("lkt.ind.d", LK_PORT_MODE_BROADCAST,
							   &d_w));
	if (d_w) {
		ok &= LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_open("lkt.ind.d", NULL, &d_r));
		if (d_r)
			ok &= LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(d_r));
		ok &= LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_close(d_w));
		ok &= LKT_EXPECT_ST(t, LK_NO_ERROR, lk_port_destroy(d_w));
	}
	return ok;
}

static int pt_ind_worker(struct lkt_worker *w)
{
	struct pt_ind *pi = w->arg;
	struct lkt *t = w->team->t;
	u64 until = lkt_now() + 5000 * NSEC_PER_MSEC;

	if (w->idx == 0) {
		atomic_set(&pi->armed, 1);
		LKT_EXPECT_ST(t, LK_NO_ERROR, pt_write1(pi->busy_w, 9));
		return 0;
	}
	while (!atomic_read(&pi->holding)) {
		if (lkt_now() > until || lkt_team_stopping(w->team)) {
			LKT_FAIL(t, "the write to busy never reached its reader's notify");
			atomic_set(&pi->release, 1);
			return -1;
		}
		cpu_relax();
	}
	if (pt_ind_others(t, pi) && atomic_read(&pi->holding) && !atomic_read(&pi->timed_out))
		atomic_set(&pi->done_while_held, 1);
	atomic_set(&pi->release, 1);
	return 0;
}

static void port_other_ports_run_while_one_is_locked(struct lkt *t)
{
	struct lkt_team *team = NULL;
	struct pt_ind pi = {};
	struct pt_bag *b;
	lk_port_t members[1];

	if (!lkt_need_two_cpus(t))
		return;
	b = pt_bag_new(t, 7);
	if (!b)
		return;
	pi.busy_w = pt_create(b, "lkt.ind.busy", LK_PORT_MODE_BROADCAST, 0);
	pi.a_w = pt_create(b, "lkt.ind.a", LK_PORT_MODE_BROADCAST, 0);
	pi.c_w = pt_create(b, "lkt.ind.c", LK_PORT_MODE_BROADCAST, 0);
	if (!pi.busy_w || !pi.a_w || !pi.c_w)
		goto out;
	pi.busy_r = pt_open(b, "lkt.ind.busy", &pt_ctx[0]);
	pi.a_r = pt_open(b, "lkt.ind.a", &pt_ctx[1]);
	pi.c_r = pt_open(b, "lkt.ind.c", &pt_ctx[2]);
	if (!pi.busy_r || !pi.a_r || !pi.c_r)
		goto out;
	members[0] = pi.c_r;
	pi.g = pt_group(b, members, 1);
	if (!pi.g)
		goto out;
	lk_port_set_notify(pi.busy_r, pt_ind_notify, &pi);
	team = lkt_team_new(t, "ptind", pt_ind_worker);
	if (!team || !lkt_team_add(team, lkt_cpu(0), &pi) || !lkt_team_add(team, lkt_cpu(1), &pi))
		goto out;
	lkt_team_start(team);
	lkt_team_join(team, lkt_budget_ms(t));
	lk_port_set_notify(pi.busy_r, NULL, NULL);
	if (!LKT_EXPECT_EQ(t, 1, atomic_read(&pi.done_while_held)))
		lkt_diag(t, "%s: other ports waited for busy's lock (timed out: %d)", t->name,
			 atomic_read(&pi.timed_out));
	/* The held write went through as usual. */
	pt_expect_read(t, pi.busy_r, 0, &pt_ctx[0], 9);
out:
	lkt_team_free(team);
	pt_bag_free(b);
}

static const struct lkt_case port_cases[] = {
	{ "basic", port_basic },
	{ "modes", port_modes },
	{ "close_wakes", port_close_wakes },
	{ "pingpong", port_pingpong },
	{ "stream", port_stream },
	{ "write_wait", port_write_wait },
	{ "group_basic", port_group_basic },
	{ "group_limits", port_group_limits },
	{ "group_stream", port_group_stream },
	{ "write_hardirq", port_write_hardirq },
	{ "other_ports_run_while_one_is_locked", port_other_ports_run_while_one_is_locked },
};

const struct lkt_suite lkt_port_suite = {
	.name = "port",
	.cases = port_cases,
	.n_cases = ARRAY_SIZE(port_cases),
};
