// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-wakelat: loads wakelat.bpf.c, lets it count for a while, then
 * prints the per-counter sums over all CPUs.
 *
 * RLIMIT_MEMLOCK is deliberately left alone: libbpf >= 1.0 raises it by
 * itself when the kernel still charges BPF memory to it, and kernels from
 * 5.11 on (all we support) charge memcg instead.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "wakelat.skel.h"

#define DEFAULT_PIN_DIR	"/sys/fs/bpf/lkport"

const char *const counter_names[WL_NR_COUNTERS] = {
	[WL_SCHED_SWITCH]	= "sched_switch",
	[WL_SCHED_SWITCH_IDLE]	= "sched_switch_idle",
	[WL_LKPORT_SIGNAL]	= "lkport_signal",
	[WL_LKPORT_WAKE]	= "lkport_wake",
	[WL_LKPORT_WAIT_RETURN]	= "lkport_wait_return",
};

static struct {
	double duration;
	const char *pin_dir;
	bool pin, keep_pins, json, raw_tp, verbose;
} opt = { .duration = 1, .pin_dir = DEFAULT_PIN_DIR, .pin = true };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG_NAME " [options]\n"
		"Count sched_switch and lkport tracepoint events with BPF.\n\n"
		"  -d, --duration SECONDS  how long to count (default 1)\n"
		"      --json              print one JSON object\n"
		"      --pin DIR           pin the counter map and links in DIR\n"
		"                          (default " DEFAULT_PIN_DIR ")\n"
		"      --no-pin            do not pin anything\n"
		"      --keep-pins         leave the pins (and so the programs)\n"
		"                          in place on exit\n"
		"      --raw-tp            use raw_tp for sched_switch even if\n"
		"                          tp_btf works\n"
		"  -v, --verbose           libbpf debug output\n"
		"  -h, --help              this text\n"
		"      --version           lkport's version\n");
}

static int parse_args(int argc, char **argv)
{
	enum { O_JSON = 256, O_PIN, O_NO_PIN, O_KEEP_PINS, O_RAW_TP, O_VERSION };
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, O_JSON },
		{ "pin", required_argument, NULL, O_PIN },
		{ "no-pin", no_argument, NULL, O_NO_PIN },
		{ "keep-pins", no_argument, NULL, O_KEEP_PINS },
		{ "raw-tp", no_argument, NULL, O_RAW_TP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ 0 }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			errno = 0;
			opt.duration = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !isfinite(opt.duration) || opt.duration < 0 ||
			    opt.duration > 1e8) {
				fprintf(stderr, PROG_NAME ": bad duration '%s'\n",
					optarg);
				return -1;
			}
			break;
		case O_JSON: opt.json = true; break;
		case O_PIN: opt.pin_dir = optarg; opt.pin = true; break;
		case O_NO_PIN: opt.pin = false; break;
		case O_KEEP_PINS: opt.keep_pins = true; break;
		case O_RAW_TP: opt.raw_tp = true; break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case O_VERSION: printf(PROG_NAME " %s\n", LKPORT_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG_NAME ": unexpected argument '%s'\n",
			argv[optind]);
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

/*
 * lkport's tracepoints exist only while the module is loaded. Either
 * tracefs shows its event directory, or, with tracefs not mounted, sysfs
 * shows the module.
 */
static bool lkport_loaded(void)
{
	return !access("/sys/kernel/tracing/events/lkport", F_OK) ||
	       !access("/sys/kernel/debug/tracing/events/lkport", F_OK) ||
	       !access("/sys/module/lkport", F_OK);
}

static struct wakelat *open_and_load(bool use_btf, bool lkport, int *errp)
{
	struct wakelat *skel = wakelat__open();
	int err;

	if (!skel) {
		*errp = -errno;
		fprintf(stderr, PROG_NAME ": opening BPF object: %s\n",
			strerror(errno));
		return NULL;
	}
	/* Only the chosen sched_switch flavour is loaded at all. */
	bpf_program__set_autoload(skel->progs.sched_switch_btf, use_btf);
	bpf_program__set_autoload(skel->progs.sched_switch_raw, !use_btf);
	bpf_program__set_autoload(skel->progs.lkport_signal, lkport);
	bpf_program__set_autoload(skel->progs.lkport_wake, lkport);
	bpf_program__set_autoload(skel->progs.lkport_wait_return, lkport);

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

static double since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * Sleep for opt.duration or until SIGINT/SIGTERM. The signals are blocked
 * from the start of main(), so one that arrives while loading is not lost
 * and main() still cleans up. Returns the seconds actually waited.
 */
static double wait_for_end(const sigset_t *sigs)
{
	struct timespec start, ts;
	double left;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((left = opt.duration - since(&start)) > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (sigtimedwait(sigs, NULL, &ts) > 0)
			break;
	}
	return since(&start);
}

static int sum_counts(struct wakelat *skel, __u64 *sums)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 key;
	int err = 0, cpu;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	/* A per-CPU map returns one value per possible CPU. */
	for (key = 0; key < WL_NR_COUNTERS && !err; key++) {
		err = bpf_map__lookup_elem(skel->maps.counts, &key, sizeof(key),
					   vals, ncpu * sizeof(*vals), 0);
		sums[key] = 0;
		for (cpu = 0; cpu < ncpu && !err; cpu++)
			sums[key] += vals[cpu];
	}
	free(vals);
	return err;
}

static void print_counts(const __u64 *sums, const bool *active,
			 double elapsed, bool btf)
{
	const char *sep = "";
	int i;

	if (opt.json)
		printf("{\"duration_s\": %.3f, \"sched_switch_attach\": "
		       "\"%s\", \"counts\": {", elapsed,
		       btf ? "tp_btf" : "raw_tp");
	for (i = 0; i < WL_NR_COUNTERS; i++) {
		if (!active[i])
			continue;
		if (opt.json)
			printf("%s\"%s\": %llu", sep, counter_names[i],
			       (unsigned long long)sums[i]);
		else
			printf("%s %llu\n", counter_names[i],
			       (unsigned long long)sums[i]);
		sep = ", ";
	}
	if (opt.json)
		printf("}}\n");
}

/* Attaches prog and, on success, records it as att[(*n)++]. */
static int attach(struct bpf_program *prog, enum wakelat_counter slot,
		  struct attachment *att, int *n)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link)
		return -errno;
	att[*n] = (struct attachment){ .slot = slot, .link = link };
	(*n)++;
	return 0;
}

int main(int argc, char **argv)
{
	struct attachment att[4];
	__u64 sums[WL_NR_COUNTERS];
	bool active[WL_NR_COUNTERS] = { false };
	bool use_btf, lkport, created_dir = false;
	struct bpf_program *lk_progs[3];
	struct wakelat *skel;
	sigset_t sigs;
	double elapsed;
	int err, i, n = 0, ret = 1;

	if (parse_args(argc, argv))
		return 2;
	libbpf_set_print(libbpf_print);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	use_btf = !opt.raw_tp;
	lkport = lkport_loaded();
	skel = open_and_load(use_btf, lkport, &err);
	/* Retrying as raw_tp cannot help when we lack the privileges. */
	if (!skel && use_btf && err != -EPERM) {
		fprintf(stderr, PROG_NAME ": tp_btf/sched_switch did not load "
			"(%s); falling back to raw_tp\n", strerror(-err));
		use_btf = false;
		skel = open_and_load(use_btf, lkport, &err);
	}
	if (!skel) {
		explain_load_error(err);
		return 1;
	}

	err = attach(use_btf ? skel->progs.sched_switch_btf :
			       skel->progs.sched_switch_raw,
		     WL_SCHED_SWITCH, att, &n);
	if (err) {
		fprintf(stderr, PROG_NAME ": attaching to sched_switch: %s\n",
			strerror(-err));
		goto out;
	}
	active[WL_SCHED_SWITCH] = active[WL_SCHED_SWITCH_IDLE] = true;

	/*
	 * The module may go away between the check above and here; losing
	 * its counters is not worth failing the whole run for. Note that an
	 * attached raw_tp holds a reference on the module: rmmod lkport
	 * fails with EBUSY while this runs (or while --keep-pins links stay).
	 */
	lk_progs[0] = skel->progs.lkport_signal;
	lk_progs[1] = skel->progs.lkport_wake;
	lk_progs[2] = skel->progs.lkport_wait_return;
	for (i = 0; lkport && i < 3; i++) {
		enum wakelat_counter slot = WL_LKPORT_SIGNAL + i;

		err = attach(lk_progs[i], slot, att, &n);
		if (err)
			fprintf(stderr, PROG_NAME ": warning: attaching to "
				"lkport:%s: %s\n", counter_names[slot],
				strerror(-err));
		else
			active[slot] = true;
	}

	if (opt.pin && pin_all(opt.pin_dir, skel->maps.counts, att, n,
			       &created_dir))
		goto out;

	elapsed = wait_for_end(&sigs);

	err = sum_counts(skel, sums);
	if (err) {
		fprintf(stderr, PROG_NAME ": reading counters: %s\n",
			strerror(-err));
		goto out;
	}
	print_counts(sums, active, elapsed, use_btf);
	ret = fflush(stdout) ? 1 : 0;

out:
	if (!opt.keep_pins || ret)
		unpin_all(opt.pin_dir, skel->maps.counts, att, n,
			  created_dir);
	for (i = 0; i < n; i++)
		bpf_link__destroy(att[i].link);
	wakelat__destroy(skel);
	return ret;
}
