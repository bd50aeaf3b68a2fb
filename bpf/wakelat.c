// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-wakelat: how long from an lkport signal, port write or interrupt
 * until the woken thread runs and its wait returns, stage by stage.
 * Loads wakelat.bpf.c, attaches it, pins its maps and prints log-linear
 * histograms as percentiles and log2 bars (or JSON), per interval.
 *
 * RLIMIT_MEMLOCK is deliberately left alone: libbpf >= 1.0 raises it by
 * itself when the kernel still charges BPF memory to it, and kernels from
 * 5.11 on (all we support) charge memcg instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/lkport.h>

#include "loader.h"
#include "wakelat.skel.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define DEFAULT_PIN_DIR	"/sys/fs/bpf/lkport/wakelat-v" STR(WL_LAYOUT_VERSION)

static const char *const stage_names[WL_NR_STAGES] = {
	[WL_S_SRC_WAKE]		= "src->wake",
	[WL_S_WAKE_WAKING]	= "wake->waking",
	[WL_S_WAKING_WAKEUP]	= "waking->wakeup",
	[WL_S_WAKEUP_RUN]	= "wakeup->run",
	[WL_S_RUN_RET]		= "run->return",
	[WL_S_WAKE_RUN]		= "wake->run",
	[WL_S_TOTAL]		= "total",
};

static const char *const stage_keys[WL_NR_STAGES] = {
	[WL_S_SRC_WAKE]		= "src_wake",
	[WL_S_WAKE_WAKING]	= "wake_waking",
	[WL_S_WAKING_WAKEUP]	= "waking_wakeup",
	[WL_S_WAKEUP_RUN]	= "wakeup_run",
	[WL_S_RUN_RET]		= "run_return",
	[WL_S_WAKE_RUN]		= "wake_run",
	[WL_S_TOTAL]		= "total",
};

static const char *const counter_names[WL_NR_COUNTERS] = {
	[WL_C_WAKES]		= "wakes",
	[WL_C_SAMPLES]		= "samples",
	[WL_C_FILTERED]		= "filtered",
	[WL_C_REWAKE]		= "rewake_before_run",
	[WL_C_NO_SWITCH]	= "no_switch",
	[WL_C_NO_SOURCE]	= "no_source",
	[WL_C_UNMATCHED]	= "unmatched_return",
	[WL_C_NO_STORAGE]	= "no_storage",
	[WL_C_NEGATIVE]		= "negative_clamped",
	[WL_C_DROPPED]		= "dropped_map_full",
	[WL_C_SLOW]		= "slow_events",
	[WL_C_SLOW_LOST]	= "slow_events_lost",
};

/* lk_object_kind, as in the tracepoints */
static const char *const kind_names[] = {
	"waitqueue", "mutex", "semaphore", "event", "wport", "rport", "group",
};
#define LK_KIND_RPORT	5
#define NR_KINDS ((int)(sizeof(kind_names) / sizeof(kind_names[0])))

static const char *const source_names[WL_NR_SOURCES] = {
	[WL_SRC_TASK] = "task", [WL_SRC_HARDIRQ] = "hardirq",
	[WL_SRC_IRQ] = "irq",
};

static const char *const by_names[] = {
	[WL_BY_NONE] = "none", [WL_BY_OBJECT] = "object",
	[WL_BY_KIND] = "kind", [WL_BY_SOURCE] = "source", [WL_BY_CPU] = "cpu",
};

static struct {
	double interval;	/* 0: until interrupted */
	long count;		/* 0: forever */
	const char *pin_dir;
	const char *object;
	__u64 object_id;
	__u32 pid, tid, kind, source, by;
	double slow_us;
	bool pin, keep_pins, json, raw_tp, verbose, ms, reset, all_bars;
} opt = {
	.pin_dir = DEFAULT_PIN_DIR, .pin = true,
	.kind = ~0u, .source = ~0u, .by = WL_BY_NONE,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG_NAME " [options] [interval [count]]\n"
		"Wake latency of lkport waits, per stage, from the signal, port\n"
		"write or interrupt to the woken thread's return. Prints every\n"
		"interval seconds (count times), or once at exit (Ctrl-C).\n\n"
		"  -p, --pid PID          only waiters of this process\n"
		"  -t, --tid TID          only this thread\n"
		"      --object NAME      only this event or port (by name)\n"
		"      --object-id ID     only this object id (tracepoint obj)\n"
		"      --kind KIND        only waits on KIND: event, semaphore,\n"
		"                         mutex, rport (or port), group, wport\n"
		"      --source SRC       only wakes from SRC: task, hardirq, irq\n"
		"      --by WHAT          break down by object (named from lkport's\n"
		"                         debugfs listing), kind, source, cpu\n"
		"  -C, --per-cpu          same as --by cpu (the CPU it ran on)\n"
		"  -m, --msecs            text in milliseconds (default usecs;\n"
		"                         --json is always in nanoseconds)\n"
		"  -a, --all-bars         bars for every stage, not only total\n"
		"      --json             one JSON object per report\n"
		"  -s, --slow USECS       print each wake slower than USECS end to\n"
		"                         end, stage by stage\n"
		"  -d, --duration SECS    one report after SECS (interval 1 count)\n"
		"      --pin DIR          pin maps and links in DIR (default\n"
		"                         " DEFAULT_PIN_DIR ")\n"
		"      --no-pin           pin nothing\n"
		"      --keep-pins        leave pins (and programs) on exit\n"
		"      --reset            remove the pins in DIR, then exit\n"
		"      --raw-tp           raw_tp for the sched tracepoints even if\n"
		"                         tp_btf works\n"
		"  -v, --verbose          libbpf debug output\n"
		"  -h, --help             this text\n"
		"      --version          lkport's version\n");
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, PROG_NAME ": bad %s '%s'\n", what, arg);
	return -1;
}

static bool parse_u64(const char *s, __u64 *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && end != s && !*end && *s != '-';
}

static bool parse_u32(const char *s, __u32 *v)
{
	__u64 x;

	if (!parse_u64(s, &x) || x > UINT32_MAX)
		return false;
	*v = x;
	return true;
}

static bool parse_secs(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && !*end && isfinite(*v) && *v >= 0 &&
	       *v <= 1e8;
}

static int lookup_name(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

static int parse_args(int argc, char **argv)
{
	enum { O_JSON = 256, O_PIN, O_NO_PIN, O_KEEP_PINS, O_RAW_TP, O_OBJECT,
	       O_OBJECT_ID, O_KIND, O_SOURCE, O_BY, O_RESET, O_VERSION };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "tid", required_argument, NULL, 't' },
		{ "object", required_argument, NULL, O_OBJECT },
		{ "object-id", required_argument, NULL, O_OBJECT_ID },
		{ "kind", required_argument, NULL, O_KIND },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "by", required_argument, NULL, O_BY },
		{ "per-cpu", no_argument, NULL, 'C' },
		{ "msecs", no_argument, NULL, 'm' },
		{ "all-bars", no_argument, NULL, 'a' },
		{ "slow", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, O_JSON },
		{ "pin", required_argument, NULL, O_PIN },
		{ "no-pin", no_argument, NULL, O_NO_PIN },
		{ "keep-pins", no_argument, NULL, O_KEEP_PINS },
		{ "reset", no_argument, NULL, O_RESET },
		{ "raw-tp", no_argument, NULL, O_RAW_TP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ 0 }
	};
	double d;
	__u64 x;
	int c, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:t:Cmas:d:vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_u32(optarg, &opt.pid) || !opt.pid)
				return bad("pid", optarg);
			break;
		case 't':
			if (!parse_u32(optarg, &opt.tid) || !opt.tid)
				return bad("tid", optarg);
			break;
		case O_OBJECT:
			if (!*optarg || strlen(optarg) >= LKPORT_NAME_LEN)
				return bad("object name", optarg);
			opt.object = optarg;
			break;
		case O_OBJECT_ID:
			if (!parse_u64(optarg, &opt.object_id) || !opt.object_id)
				return bad("object id", optarg);
			break;
		case O_KIND:
			/* a port wait is a wait on a read port */
			i = !strcmp(optarg, "port") ? LK_KIND_RPORT :
			    lookup_name(kind_names, NR_KINDS, optarg);
			if (i < 0 && !(parse_u32(optarg, &opt.kind) &&
				       opt.kind < NR_KINDS))
				return bad("kind", optarg);
			if (i >= 0)
				opt.kind = i;
			break;
		case O_SOURCE:
			i = lookup_name(source_names, WL_NR_SOURCES, optarg);
			if (i < 0)
				return bad("source", optarg);
			opt.source = i;
			break;
		case O_BY:
			i = lookup_name(by_names, 5, optarg);
			if (i <= 0)
				return bad("breakdown", optarg);
			opt.by = i;
			break;
		case 'C': opt.by = WL_BY_CPU; break;
		case 'm': opt.ms = true; break;
		case 'a': opt.all_bars = true; break;
		case 's':
			if (!parse_secs(optarg, &opt.slow_us) || !opt.slow_us)
				return bad("slow threshold", optarg);
			break;
		case 'd':
			if (!parse_secs(optarg, &d) || !d)
				return bad("duration", optarg);
			opt.interval = d;
			opt.count = 1;
			break;
		case O_JSON: opt.json = true; break;
		case O_PIN: opt.pin_dir = optarg; opt.pin = true; break;
		case O_NO_PIN: opt.pin = false; break;
		case O_KEEP_PINS: opt.keep_pins = true; break;
		case O_RESET: opt.reset = true; break;
		case O_RAW_TP: opt.raw_tp = true; break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case O_VERSION: printf(PROG_NAME " %s\n", LKPORT_VERSION); exit(0);
		default:
			fprintf(stderr, PROG_NAME ": bad option '%s'\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		if (!parse_secs(argv[optind], &d) || !d)
			return bad("interval", argv[optind]);
		opt.interval = d;
		opt.count = 0;
		optind++;
	}
	if (optind < argc) {
		if (!parse_u64(argv[optind], &x) || !x || x > LONG_MAX)
			return bad("count", argv[optind]);
		opt.count = x;
		optind++;
	}
	if (optind < argc) {
		fprintf(stderr, PROG_NAME ": unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (opt.object && opt.object_id) {
		fprintf(stderr, PROG_NAME ": --object and --object-id "
			"exclude each other\n");
		return -1;
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !opt.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- names through /dev/lkport --------------------------------------------- */

/* The id of the event or write port called name: the event opened for
 * waiting, or another writer of the port (LKPORT_PORT_EXISTING creates
 * nothing), asked with LKPORT_IOC_INFO and closed again. */
static int resolve_object(const char *name, __u64 *id)
{
	struct lkport_event_open eo = { .access = LKPORT_ACCESS_WAIT,
					.fd_flags = O_CLOEXEC };
	struct lkport_port_create pc = { .flags = LKPORT_PORT_EXISTING,
					 .fd_flags = O_CLOEXEC };
	struct lkport_info info;
	int dev, fd, err;

	dev = open(LKPORT_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, PROG_NAME ": %s: %s\n", LKPORT_DEVICE,
			strerror(errno));
		return -1;
	}
	snprintf(eo.name, sizeof(eo.name), "%s", name);
	snprintf(pc.name, sizeof(pc.name), "%s", name);
	fd = ioctl(dev, LKPORT_IOC_EVENT_OPEN, &eo);
	if (fd < 0 && errno == ENOENT)
		fd = ioctl(dev, LKPORT_IOC_PORT_CREATE, &pc);
	err = errno;
	close(dev);
	if (fd < 0) {
		fprintf(stderr, PROG_NAME ": object '%s': %s\n", name,
			err == ENOENT ? "no event or open port of that name" :
			strerror(err));
		return -1;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, LKPORT_IOC_INFO, &info)) {
		fprintf(stderr, PROG_NAME ": object '%s': info: %s\n", name,
			strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	*id = info.id;
	return 0;
}

/*
 * Every object's name, for --by object: lkport's debugfs listing (root
 * only, as this tool is) gives each event and port with the id its
 * tracepoints carry. Read when tracing starts, then whenever a sample of
 * an unknown id shows up (polled every 200 ms) and before each report:
 * an object created and gone between two looks stays an id. Names are
 * per IPC namespace; the id is the object's own.
 */
#define LISTING		"/sys/kernel/debug/lkport/objects"
#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._-"

struct obj_name {
	__u64 id;
	bool missing;		/* not in the listing when last looked for */
	char name[LKPORT_NAME_LEN];
};

static struct {
	struct obj_name *v;
	int n, cap;
	bool off;		/* the listing cannot be read */
	int sums_fd;		/* the breakdown's sums: the ids sampled */
} objnames = { .sums_fd = -1 };

static struct obj_name *name_find(__u64 id)
{
	for (int i = 0; i < objnames.n; i++)
		if (objnames.v[i].id == id)
			return &objnames.v[i];
	return NULL;
}

static struct obj_name *name_add(__u64 id)
{
	struct obj_name *o = name_find(id);

	if (o)
		return o;
	if (objnames.n == objnames.cap) {
		int cap = objnames.cap ? objnames.cap * 2 : 32;

		o = realloc(objnames.v, cap * sizeof(*o));
		if (!o)
			return NULL;
		objnames.v = o;
		objnames.cap = cap;
	}
	o = &objnames.v[objnames.n++];
	memset(o, 0, sizeof(*o));
	o->id = id;
	return o;
}

/* Lines "KIND NAME uid=... id=ID ...": interrupt sources (their id= is a
 * source id) and anonymous events ("-") are skipped. */
static void names_read(void)
{
	char *line = NULL, kind[16], name[LKPORT_NAME_LEN];
	size_t len = 0;
	FILE *f;

	if (objnames.off)
		return;
	f = fopen(LISTING, "re");
	if (!f) {
		fprintf(stderr, PROG_NAME ": %s: %s; objects are shown by id\n",
			LISTING, strerror(errno));
		objnames.off = true;
		return;
	}
	for (int i = 0; i < objnames.n; i++)
		if (!objnames.v[i].name[0])
			objnames.v[i].missing = true;
	while (getline(&line, &len, f) > 0) {
		unsigned long long id;
		struct obj_name *o;
		char *p = strstr(line, " id=");

		if (!p || sscanf(line, "%15s %63s", kind, name) != 2 ||
		    !strcmp(kind, "irq") || !strcmp(name, "-") ||
		    name[strspn(name, NAME_CHARS)] ||
		    sscanf(p, " id=%llu", &id) != 1)
			continue;
		o = name_add(id);
		if (!o)
			break;
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->missing = false;
	}
	free(line);
	fclose(f);
}

/* Looks the listing up again if the samples name an id never looked for. */
static void names_refresh(void)
{
	struct wl_sum_key k, *prev = NULL;
	bool unknown = false;

	if (objnames.off || objnames.sums_fd < 0)
		return;
	while (!bpf_map_get_next_key(objnames.sums_fd, prev, &k)) {
		prev = &k;
		if (!name_find(k.group)) {
			if (!name_add(k.group))
				return;
			unknown = true;
		}
	}
	if (unknown)
		names_read();
}

static const char *name_of(__u64 id)
{
	struct obj_name *o;

	if (opt.object && id == opt.object_id)
		return opt.object;
	o = name_find(id);
	return o && o->name[0] ? o->name : NULL;
}

/* ---- snapshots ------------------------------------------------------------------ */

struct group_data {
	__u64 group;
	__u64 b[WL_NR_STAGES][WL_NR_BUCKETS];
	struct wl_sum s[WL_NR_STAGES];
};

struct snapshot {
	struct group_data *g;
	int n, cap;
	__u64 counters[WL_NR_COUNTERS];
};

static struct group_data *group_get(struct snapshot *sn, __u64 group)
{
	struct group_data *g;
	int i;

	for (i = 0; i < sn->n; i++)
		if (sn->g[i].group == group)
			return &sn->g[i];
	if (sn->n == sn->cap) {
		int cap = sn->cap ? sn->cap * 2 : 4;

		g = realloc(sn->g, cap * sizeof(*g));
		if (!g)
			return NULL;
		sn->g = g;
		sn->cap = cap;
	}
	g = &sn->g[sn->n++];
	memset(g, 0, sizeof(*g));
	g->group = group;
	return g;
}

/* Group 0 from the arrays, a stage's histogram in one lookup. */
static int read_arrays(struct wakelat *skel, struct snapshot *sn, int ncpu,
		       struct wl_sum *svals)
{
	int hfd = bpf_map__fd(skel->maps.hists_all);
	int sfd = bpf_map__fd(skel->maps.sums_all);
	struct group_data *g = group_get(sn, 0);
	struct wl_buckets *vals = calloc(ncpu, sizeof(*vals));
	int cpu, b, err = 0;
	__u32 key;

	if (!g || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (key = 0; key < WL_NR_STAGES; key++) {
		if (bpf_map_lookup_elem(hfd, &key, vals)) {
			err = -errno;
			goto out;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			for (b = 0; b < (int)WL_NR_BUCKETS; b++)
				g->b[key][b] += vals[cpu].b[b];
	}
	for (key = 0; key < WL_NR_STAGES; key++) {
		if (bpf_map_lookup_elem(sfd, &key, svals))
			continue;
		for (cpu = 0; cpu < ncpu; cpu++) {
			g->s[key].count += svals[cpu].count;
			g->s[key].sum_ns += svals[cpu].sum_ns;
			if (svals[cpu].max_ns > g->s[key].max_ns)
				g->s[key].max_ns = svals[cpu].max_ns;
		}
	}
out:
	free(vals);
	return err;
}

static int read_snapshot(struct wakelat *skel, struct snapshot *sn, int ncpu)
{
	int hfd = bpf_map__fd(skel->maps.hists);
	int sfd = bpf_map__fd(skel->maps.sums);
	int cfd = bpf_map__fd(skel->maps.counters);
	struct wl_hist_key hk, *hprev = NULL;
	struct wl_sum_key sk, *sprev = NULL;
	struct wl_sum *svals;
	struct group_data *g;
	__u64 *vals;
	__u32 key;
	int cpu, err = 0;

	sn->n = 0;
	vals = calloc(ncpu, sizeof(*vals));
	svals = calloc(ncpu, sizeof(*svals));
	if (!vals || !svals) {
		err = -ENOMEM;
		goto out;
	}
	if (opt.by == WL_BY_NONE) {
		err = read_arrays(skel, sn, ncpu, svals);
		if (err)
			goto out;
		goto counters;
	}
	while (!bpf_map_get_next_key(hfd, hprev, &hk)) {
		hprev = &hk;
		if (hk.stage >= WL_NR_STAGES || hk.bucket >= WL_NR_BUCKETS)
			continue;
		if (bpf_map_lookup_elem(hfd, &hk, vals))
			continue;	/* gone meanwhile: never, we never delete */
		g = group_get(sn, hk.group);
		if (!g) {
			err = -ENOMEM;
			goto out;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			g->b[hk.stage][hk.bucket] += vals[cpu];
	}
	while (!bpf_map_get_next_key(sfd, sprev, &sk)) {
		sprev = &sk;
		if (sk.stage >= WL_NR_STAGES ||
		    bpf_map_lookup_elem(sfd, &sk, svals))
			continue;
		g = group_get(sn, sk.group);
		if (!g) {
			err = -ENOMEM;
			goto out;
		}
		for (cpu = 0; cpu < ncpu; cpu++) {
			g->s[sk.stage].count += svals[cpu].count;
			g->s[sk.stage].sum_ns += svals[cpu].sum_ns;
			if (svals[cpu].max_ns > g->s[sk.stage].max_ns)
				g->s[sk.stage].max_ns = svals[cpu].max_ns;
		}
	}
counters:
	for (key = 0; key < WL_NR_COUNTERS; key++) {
		sn->counters[key] = 0;
		if (bpf_map_lookup_elem(cfd, &key, vals))
			continue;
		for (cpu = 0; cpu < ncpu; cpu++)
			sn->counters[key] += vals[cpu];
	}
out:
	free(vals);
	free(svals);
	return err;
}

/* ---- buckets and percentiles ------------------------------------------------- */

static __u64 bucket_lo(__u32 b)
{
	__u32 k, sub;

	if (b < WL_SUB)
		return b;
	if (b >= WL_OVERFLOW)
		return 1ULL << WL_MAX_LOG2;
	k = (b - WL_SUB) / WL_SUB + WL_SUB_BITS;
	sub = (b - WL_SUB) % WL_SUB;
	return (__u64)(WL_SUB + sub) << (k - WL_SUB_BITS);
}

static __u64 bucket_hi(__u32 b)	/* exclusive; UINT64_MAX for overflow */
{
	return b >= WL_OVERFLOW ? UINT64_MAX : bucket_lo(b + 1);
}

/* A bucket's value: its midpoint (within 1/64 of every value in it). */
static double bucket_mid(__u32 b)
{
	if (b >= WL_OVERFLOW)
		return INFINITY;
	return (bucket_lo(b) + (double)(bucket_hi(b) - 1)) / 2;
}

struct stats {
	__u64 count, overflow, max_ns;
	double mean_ns, p[4];	/* p50 p90 p99 p99.9, ns; INFINITY: overflow */
};

static const double pcts[4] = { 0.50, 0.90, 0.99, 0.999 };
static const char *const pct_names[4] = { "p50", "p90", "p99", "p99.9" };
static const char *const pct_keys[4] = { "p50", "p90", "p99", "p99_9" };

/* Percentiles over every sample, the overflow bucket included. */
static void stage_stats(const __u64 *b, const struct wl_sum *s, bool exact_max,
			struct stats *st)
{
	__u64 n = 0, acc = 0;
	int i, k = 0, top = -1;

	for (i = 0; i < (int)WL_NR_BUCKETS; i++) {
		n += b[i];
		if (b[i])
			top = i;
	}
	memset(st, 0, sizeof(*st));
	st->count = n;
	st->overflow = b[WL_OVERFLOW];
	if (!n)
		return;
	st->mean_ns = s->count ? (double)s->sum_ns / s->count : 0;
	st->max_ns = s->max_ns;
	if (!exact_max && top >= 0 && top < (int)WL_OVERFLOW &&
	    bucket_hi(top) - 1 < st->max_ns)
		st->max_ns = bucket_hi(top) - 1;
	for (i = 0; i < (int)WL_NR_BUCKETS && k < 4; i++) {
		acc += b[i];
		while (k < 4 && acc >= (__u64)ceil(pcts[k] * n)) {
			st->p[k] = bucket_mid(i);
			/* the midpoint of the top bucket may lie above the max */
			if (i < (int)WL_OVERFLOW && st->p[k] > st->max_ns)
				st->p[k] = st->max_ns;
			k++;
		}
	}
}

/* ---- output ----------------------------------------------------------------------- */

static const char *group_name(__u64 group, char *buf, size_t len)
{
	switch (opt.by) {
	case WL_BY_OBJECT:
		if (name_of(group))
			snprintf(buf, len, "object %s (id %llu)", name_of(group),
				 (unsigned long long)group);
		else
			snprintf(buf, len, "object id %llu",
				 (unsigned long long)group);
		break;
	case WL_BY_KIND:
		snprintf(buf, len, "kind %s", group < NR_KINDS ?
			 kind_names[group] : "?");
		break;
	case WL_BY_SOURCE:
		snprintf(buf, len, "source %s", group < WL_NR_SOURCES ?
			 source_names[group] : "?");
		break;
	case WL_BY_CPU:
		snprintf(buf, len, "cpu %llu", (unsigned long long)group);
		break;
	default:
		snprintf(buf, len, "all");
	}
	return buf;
}

static void print_val(double ns, double unit)
{
	if (isinf(ns))
		printf(" %9s", "overflow");
	else
		printf(" %9.1f", ns / unit);
}

static void print_bars(const __u64 *b, const char *title)
{
	double unit = opt.ms ? 1e6 : 1e3;
	__u64 rows[64] = { 0 }, maxrow = 0;
	int i, r, top = -1, stars;
	const char *u = opt.ms ? "msecs" : "usecs";

	/* Each log-linear bucket goes to the log2 row of its midpoint. */
	for (i = 0; i < (int)WL_OVERFLOW; i++) {
		double v = bucket_mid(i) / unit;

		if (!b[i])
			continue;
		r = v < 1 ? 0 : (int)floor(log2(v)) + 1;
		if (r > 62)
			r = 62;
		rows[r] += b[i];
	}
	for (r = 0; r < 63; r++) {
		if (rows[r] > maxrow)
			maxrow = rows[r];
		if (rows[r])
			top = r;
	}
	printf("\n%s\n%15s %-14s: %-8s distribution\n", title, u, "", "count");
	for (r = 0; r <= top; r++) {
		unsigned long long lo = r ? 1ULL << (r - 1) : 0;
		unsigned long long hi = (1ULL << r) - 1;

		stars = maxrow ? (int)(rows[r] * 40 / maxrow) : 0;
		printf("%15llu -> %-10llu : %-8llu |%-40.*s|\n", lo, hi,
		       (unsigned long long)rows[r], stars,
		       "****************************************");
	}
	if (b[WL_OVERFLOW])
		printf("%15s    %-10s : %-8llu\n", ">= 68.7 s", "",
		       (unsigned long long)b[WL_OVERFLOW]);
}

static void print_text(const struct snapshot *d, bool exact_max,
		       double elapsed, bool btf)
{
	double unit = opt.ms ? 1e6 : 1e3;
	struct stats st;
	char name[96];
	int i, s, k;

	printf("%s  %.3f s  (%s; %s)\n", PROG_NAME, elapsed,
	       btf ? "tp_btf" : "raw_tp", opt.ms ? "msecs" : "usecs");
	for (i = 0; i < d->n; i++) {
		const struct group_data *g = &d->g[i];

		printf("\n%s\n%-15s %9s", group_name(g->group, name,
						      sizeof(name)),
		       "stage", "count");
		for (k = 0; k < 4; k++)
			printf(" %9s", pct_names[k]);
		printf(" %9s %9s\n", "max", "mean");
		for (s = 0; s < WL_NR_STAGES; s++) {
			stage_stats(g->b[s], &g->s[s], exact_max, &st);
			printf("%-15s %9llu", stage_names[s],
			       (unsigned long long)st.count);
			if (!st.count) {
				printf("\n");
				continue;
			}
			for (k = 0; k < 4; k++)
				print_val(st.p[k], unit);
			print_val(st.max_ns, unit);
			print_val(st.mean_ns, unit);
			printf("\n");
		}
		for (s = 0; s < WL_NR_STAGES; s++) {
			char title[128];

			if (!opt.all_bars && s != WL_S_TOTAL)
				continue;
			snprintf(title, sizeof(title), "%s: %s",
				 group_name(g->group, name, sizeof(name)),
				 stage_names[s]);
			print_bars(g->b[s], title);
		}
	}
	if (!d->n)
		printf("no samples\n");
	printf("\ncounters:");
	for (i = 0; i < WL_NR_COUNTERS; i++)
		printf(" %s=%llu", counter_names[i],
		       (unsigned long long)d->counters[i]);
	printf("\n");
}

static void json_num(double v)
{
	if (isinf(v))
		printf("null");
	else
		printf("%.1f", v);
}

static void print_json(const struct snapshot *d, bool exact_max,
		       double elapsed, bool btf)
{
	char name[96];
	struct stats st;
	int i, s, k;
	__u32 b;

	printf("{\"schema\": %d, \"tool\": \"" PROG_NAME "\", \"type\": "
	       "\"report\", \"attach\": \"%s\", \"unit\": \"ns\", "
	       "\"interval_s\": %.3f, \"bucket_rel_error\": %.5f, "
	       "\"group_by\": \"%s\", \"groups\": [", WL_JSON_SCHEMA,
	       btf ? "tp_btf" : "raw_tp", elapsed, 1.0 / WL_SUB,
	       by_names[opt.by]);
	for (i = 0; i < d->n; i++) {
		const struct group_data *g = &d->g[i];

		printf("%s{\"group\": %llu, \"name\": \"%s\", ",
		       i ? ", " : "", (unsigned long long)g->group,
		       group_name(g->group, name, sizeof(name)));
		/* names_read took only [A-Za-z0-9._-]: nothing to escape */
		if (opt.by == WL_BY_OBJECT && name_of(g->group))
			printf("\"object\": \"%s\", ", name_of(g->group));
		printf("\"stages\": {");
		for (s = 0; s < WL_NR_STAGES; s++) {
			const char *sep = "";

			stage_stats(g->b[s], &g->s[s], exact_max, &st);
			printf("%s\"%s\": {\"count\": %llu, \"overflow\": %llu, "
			       "\"mean\": ", s ? ", " : "", stage_keys[s],
			       (unsigned long long)st.count,
			       (unsigned long long)st.overflow);
			json_num(st.mean_ns);
			printf(", \"max\": %llu", (unsigned long long)st.max_ns);
			for (k = 0; k < 4; k++) {
				printf(", \"%s\": ", pct_keys[k]);
				json_num(st.count ? st.p[k] : 0);
			}
			printf(", \"buckets\": [");
			for (b = 0; b < WL_NR_BUCKETS; b++) {
				if (!g->b[s][b])
					continue;
				if (b == WL_OVERFLOW)
					printf("%s[%llu, null, %llu]", sep,
					       (unsigned long long)bucket_lo(b),
					       (unsigned long long)g->b[s][b]);
				else
					printf("%s[%llu, %llu, %llu]", sep,
					       (unsigned long long)bucket_lo(b),
					       (unsigned long long)bucket_hi(b),
					       (unsigned long long)g->b[s][b]);
				sep = ", ";
			}
			printf("]}");
		}
		printf("}}");
	}
	printf("], \"counters\": {");
	for (i = 0; i < WL_NR_COUNTERS; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", counter_names[i],
		       (unsigned long long)d->counters[i]);
	printf("}}\n");
}

/* cur - prev, per group; cur is left alone. */
static int diff_snapshots(const struct snapshot *cur,
			  const struct snapshot *prev, struct snapshot *out)
{
	int i, j, s, b;

	out->n = 0;
	for (i = 0; i < cur->n; i++) {
		const struct group_data *c = &cur->g[i], *p = NULL;
		struct group_data *o = group_get(out, c->group);

		if (!o)
			return -ENOMEM;
		*o = *c;
		for (j = 0; prev && j < prev->n; j++)
			if (prev->g[j].group == c->group)
				p = &prev->g[j];
		if (!p)
			continue;
		for (s = 0; s < WL_NR_STAGES; s++) {
			for (b = 0; b < (int)WL_NR_BUCKETS; b++)
				o->b[s][b] -= p->b[s][b];
			o->s[s].count -= p->s[s].count;
			o->s[s].sum_ns -= p->s[s].sum_ns;
		}
	}
	for (i = 0; i < WL_NR_COUNTERS; i++)
		out->counters[i] = cur->counters[i] -
				   (prev ? prev->counters[i] : 0);
	return 0;
}

/* ---- slow events -------------------------------------------------------------- */

static const int stage_from[5] = { WL_P_SRC, WL_P_WAKE, WL_P_WAKING,
				   WL_P_WAKEUP, WL_P_RUN };

static int on_slow(void *ctx, void *data, size_t len)
{
	const struct wl_event *e = data;
	double unit = opt.ms ? 1e6 : 1e3;
	const char *u = opt.ms ? "ms" : "us";
	__u64 d[5], longest = 0;
	int i, worst = 0;

	if (len < sizeof(*e))
		return 0;
	for (i = 0; i < 5; i++) {
		int a = stage_from[i];

		d[i] = e->t[a + 1] >= e->t[a] ? e->t[a + 1] - e->t[a] : 0;
		if (d[i] > longest) {
			longest = d[i];
			worst = i;
		}
	}
	if (opt.json) {
		printf("{\"schema\": %d, \"tool\": \"" PROG_NAME "\", \"type\": "
		       "\"slow\", \"pid\": %u, \"tid\": %u, \"comm\": \"%.16s\", "
		       "\"obj\": %llu, \"src_obj\": %llu, \"seq\": %llu, "
		       "\"kind\": %u, \"source\": \"%s\", \"waker_cpu\": %u, "
		       "\"run_cpu\": %u, \"total_ns\": %llu",
		       WL_JSON_SCHEMA, e->pid, e->tid, e->comm,
		       (unsigned long long)e->obj,
		       (unsigned long long)e->src_obj,
		       (unsigned long long)e->seq, e->kind,
		       e->source < WL_NR_SOURCES ? source_names[e->source] : "?",
		       e->waker_cpu, e->run_cpu,
		       (unsigned long long)(e->t[WL_P_RET] - e->t[WL_P_SRC]));
		for (i = 0; i < 5; i++)
			printf(", \"%s_ns\": %llu", stage_keys[i],
			       (unsigned long long)d[i]);
		printf(", \"longest\": \"%s\"}\n", stage_keys[worst]);
	} else {
		printf("SLOW %s pid=%u tid=%u obj=%llu seq=%llu %s cpu %u->%u "
		       "total %.1f %s:", e->comm, e->pid, e->tid,
		       (unsigned long long)e->obj, (unsigned long long)e->seq,
		       e->source < WL_NR_SOURCES ? source_names[e->source] : "?",
		       e->waker_cpu, e->run_cpu,
		       (e->t[WL_P_RET] - e->t[WL_P_SRC]) / unit, u);
		for (i = 0; i < 5; i++)
			printf(" %s %.1f", stage_names[i], d[i] / unit);
		printf("; longest %s\n", stage_names[worst]);
	}
	fflush(stdout);
	return 0;
}

/* ---- loading and attaching ---------------------------------------------------- */

static bool lkport_loaded(void)
{
	return !access("/sys/kernel/tracing/events/lkport", F_OK) ||
	       !access("/sys/kernel/debug/tracing/events/lkport", F_OK) ||
	       !access("/sys/module/lkport", F_OK);
}

static struct wakelat *open_and_load(bool btf, int *errp)
{
	struct wakelat *skel = wakelat__open();
	int err;

	if (!skel) {
		*errp = -errno;
		fprintf(stderr, PROG_NAME ": opening BPF object: %s\n",
			strerror(errno));
		return NULL;
	}
	skel->rodata->use_task_storage = btf;
	skel->rodata->group_by = opt.by;
	skel->rodata->filter_pid = opt.pid;
	skel->rodata->filter_tid = opt.tid;
	skel->rodata->filter_obj = opt.object_id;
	skel->rodata->filter_kind = opt.kind;
	skel->rodata->filter_source = opt.source;
	skel->rodata->slow_ns = (__u64)(opt.slow_us * 1e3);
	/* What this run does not use shrinks to one entry: less to
	 * allocate at every start. */
	if (opt.by == WL_BY_NONE) {
		bpf_map__set_max_entries(skel->maps.hists, 1);
		bpf_map__set_max_entries(skel->maps.sums, 1);
	} else {
		bpf_map__set_max_entries(skel->maps.hists_all, 1);
		bpf_map__set_max_entries(skel->maps.sums_all, 1);
	}
	if (btf)
		bpf_map__set_max_entries(skel->maps.tasks_by_tid, 1);
	if (!opt.slow_us)
		bpf_map__set_max_entries(skel->maps.slow, getpagesize());
	/* Only the chosen flavour of the sched programs is loaded. */
	bpf_program__set_autoload(skel->progs.sched_waking_btf, btf);
	bpf_program__set_autoload(skel->progs.sched_wakeup_btf, btf);
	bpf_program__set_autoload(skel->progs.sched_switch_btf, btf);
	bpf_program__set_autoload(skel->progs.sched_waking_raw, !btf);
	bpf_program__set_autoload(skel->progs.sched_wakeup_raw, !btf);
	bpf_program__set_autoload(skel->progs.sched_switch_raw, !btf);

	err = wakelat__load(skel);
	if (err) {
		*errp = err;
		wakelat__destroy(skel);
		return NULL;
	}
	return skel;
}

static void explain_load_error(int err)
{
	fprintf(stderr, PROG_NAME ": loading BPF programs: %s\n",
		strerror(-err));
	if (err == -EPERM)
		fprintf(stderr, PROG_NAME ": tracing programs need root "
			"(CAP_BPF and CAP_PERFMON)\n");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		fprintf(stderr, PROG_NAME ": no kernel BTF at "
			"/sys/kernel/btf/vmlinux; CO-RE needs a kernel built "
			"with CONFIG_DEBUG_INFO_BTF=y\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/*
 * Waits until `until` (now_s() time; 0: forever) or a signal, polling the
 * slow-event ring buffer meanwhile. Returns false once interrupted.
 */
static bool wait_until(double until, struct ring_buffer *rb)
{
	double left;
	int ms;

	while (!stop) {
		left = until ? until - now_s() : 0.2;
		if (left <= 0)
			return true;
		ms = left > 0.2 ? 200 : (int)(left * 1000) + 1;
		if (rb)
			ring_buffer__poll(rb, ms);
		else
			usleep(ms * 1000);
		names_refresh();
	}
	return false;
}

int main(int argc, char **argv)
{
	struct attachment att[8];
	struct pinned_map maps[5];
	struct snapshot cur = { 0 }, prev = { 0 }, delta = { 0 };
	struct ring_buffer *rb = NULL;
	struct bpf_program *progs[7];
	const char *names[7];
	bool btf, created_dir = false, have_prev = false, more = true;
	struct wakelat *skel;
	struct sigaction sa = { .sa_handler = on_signal };
	double last, deadline;
	long reports = 0;
	int err, i, n = 0, nmaps = 0, ret = 1, ncpu;

	if (parse_args(argc, argv)) {
		usage(stderr);
		return 2;
	}
	if (opt.reset) {
		err = remove_pins(opt.pin_dir);
		if (err) {
			fprintf(stderr, PROG_NAME ": removing %s: %s\n",
				opt.pin_dir, strerror(-err));
			return 1;
		}
		return 0;
	}
	libbpf_set_print(libbpf_print);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!lkport_loaded()) {
		fprintf(stderr, PROG_NAME ": the lkport module is not loaded: "
			"its tracepoints are what this measures\n");
		return 1;
	}
	if (opt.object && resolve_object(opt.object, &opt.object_id))
		return 1;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu < 0) {
		fprintf(stderr, PROG_NAME ": possible CPUs: %s\n",
			strerror(-ncpu));
		return 1;
	}

	btf = !opt.raw_tp;
	skel = open_and_load(btf, &err);
	/* Retrying as raw_tp cannot help when we lack the privileges. */
	if (!skel && btf && err != -EPERM) {
		fprintf(stderr, PROG_NAME ": tp_btf programs did not load "
			"(%s); falling back to raw_tp\n", strerror(-err));
		btf = false;
		skel = open_and_load(btf, &err);
	}
	if (!skel) {
		explain_load_error(err);
		return 1;
	}

	progs[0] = btf ? skel->progs.sched_waking_btf :
			 skel->progs.sched_waking_raw;
	progs[1] = btf ? skel->progs.sched_wakeup_btf :
			 skel->progs.sched_wakeup_raw;
	progs[2] = btf ? skel->progs.sched_switch_btf :
			 skel->progs.sched_switch_raw;
	progs[3] = skel->progs.lkport_wait_return;
	progs[4] = skel->progs.lkport_irq;
	progs[5] = skel->progs.lkport_signal;
	progs[6] = skel->progs.lkport_wake;	/* last: starts the records */
	names[0] = "sched_waking";
	names[1] = "sched_wakeup";
	names[2] = "sched_switch";
	names[3] = "lkport_wait_return";
	names[4] = "lkport_irq";
	names[5] = "lkport_signal";
	names[6] = "lkport_wake";
	/*
	 * An attached raw_tp holds a reference on the module: rmmod lkport
	 * fails with EBUSY while this runs (or while --keep-pins links stay).
	 */
	for (i = 0; i < 7; i++) {
		struct bpf_link *link = bpf_program__attach(progs[i]);

		if (!link) {
			err = -errno;
			fprintf(stderr, PROG_NAME ": attaching to %s: %s\n",
				names[i], strerror(-err));
			goto out;
		}
		att[n++] = (struct attachment){ .name = names[i], .link = link };
	}

	maps[0] = (struct pinned_map){ "hists", skel->maps.hists };
	maps[1] = (struct pinned_map){ "sums", skel->maps.sums };
	maps[2] = (struct pinned_map){ "hists_all", skel->maps.hists_all };
	maps[3] = (struct pinned_map){ "sums_all", skel->maps.sums_all };
	maps[4] = (struct pinned_map){ "counters", skel->maps.counters };
	nmaps = opt.pin ? 5 : 0;
	if (opt.pin && pin_all(opt.pin_dir, maps, nmaps, att, n, &created_dir))
		goto out;

	if (opt.slow_us) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.slow), on_slow,
				      NULL, NULL);
		if (!rb) {
			fprintf(stderr, PROG_NAME ": ring buffer: %s\n",
				strerror(errno));
			goto out;
		}
	}

	if (opt.by == WL_BY_OBJECT) {
		objnames.sums_fd = bpf_map__fd(skel->maps.sums);
		names_read();
	}
	last = now_s();
	/* On stderr, also with --json: scripts wait for this line. */
	fprintf(stderr, PROG_NAME ": tracing lkport wakes (%s)%s\n",
			btf ? "tp_btf" : "raw_tp",
		opt.interval ? "" : "; Ctrl-C to end");
	while (more) {
		deadline = opt.interval ? last + opt.interval : 0;
		more = wait_until(deadline, rb);
		if (rb)
			ring_buffer__consume(rb);
		names_refresh();
		err = read_snapshot(skel, &cur, ncpu);
		if (!err)
			err = diff_snapshots(&cur, have_prev ? &prev : NULL,
					     &delta);
		if (err) {
			fprintf(stderr, PROG_NAME ": reading maps: %s\n",
				strerror(-err));
			goto out;
		}
		if (opt.json)
			print_json(&delta, !have_prev, now_s() - last, btf);
		else
			print_text(&delta, !have_prev, now_s() - last, btf);
		fflush(stdout);
		last = now_s();
		/* keep cur as prev: swap buffers */
		{
			struct snapshot t = prev;

			prev = cur;
			cur = t;
		}
		have_prev = true;
		reports++;
		if (!opt.interval || (opt.count && reports >= opt.count))
			more = false;
	}
	ret = ferror(stdout) ? 1 : 0;

out:
	ring_buffer__free(rb);
	if (!opt.keep_pins || ret)
		unpin_all(opt.pin_dir, maps, nmaps, att, opt.pin ? n : 0,
			  created_dir);
	for (i = 0; i < n; i++)
		bpf_link__destroy(att[i].link);
	wakelat__destroy(skel);
	free(cur.g);
	free(prev.g);
	free(delta.g);
	free(objnames.v);
	return ret;
}
