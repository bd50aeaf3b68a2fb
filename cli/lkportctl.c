// SPDX-License-Identifier: GPL-2.0
/*
 * lkportctl: lkport's named events and ports, and interrupt sources, from
 * the shell.
 *
 * Every object lives as long as a file descriptor refers to it, so a
 * command that creates one either holds it (--hold: until signalled or its
 * stdin closes) or lets it go when it exits. The usage text below is the
 * reference; exit status 0 ok, 1 failed or timed out, 2 usage error.
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lkport/lk.h>
#include <lkport/device.h>

#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define DEBUGFS_DIR	"/sys/kernel/debug/lkport"

#ifndef LKPORT_VERSION
#define LKPORT_VERSION "unknown"
#endif

/* What every command's help ends with, by the options it takes. */
static const char note_timeout[] =
"  TIMEOUT: a number of milliseconds, or a number with a unit: ns, us, ms,\n"
"  s or m (500ms, 2s, 1m); 0 does not block. Without --timeout: no limit.\n";
static const char note_perm[] =
"  --perm MODE: octal permission bits, less the umask (default 0600): read\n"
"  permission lets others wait or read, write permission signal or write.\n";
static const char note_hold[] =
"  --hold: an object lives as long as a descriptor refers to it, so without\n"
"  --hold `create` makes it and it goes when lkportctl exits. With --hold,\n"
"  lkportctl prints \"ready\" once the object exists and keeps it until it\n"
"  gets SIGTERM, SIGINT or SIGHUP, or its stdin, when a pipe, closes.\n";
static const char note_json[] =
"  --json: what the command prints, as JSON: one object a line (JSON\n"
"  Lines); messages on stderr stay text.\n";

static const char usage_head[] =
"usage: lkportctl COMMAND [ARGS] [--json]\n"
"       lkportctl COMMAND --help | --help | --version\n"
"\n"
"lkport's named events and ports from the shell, through " LKPORT_DEVICE ".\n"
"\n";

static const char usage_tail[] =
"\n"
"The --hold example: a FIFO tells when the held object exists:\n"
"\n"
"    mkfifo /tmp/held\n"
"    lkportctl event create done --hold >/tmp/held & holder=$!\n"
"    read line </tmp/held           # \"ready\": the event exists\n"
"    lkportctl event wait done --timeout 5s &\n"
"    lkportctl event signal done    # woken=1 (0 if the wait came later)\n"
"    kill $holder\n"
"\n"
"Exit status: 0 ok, 1 the operation failed or timed out, 2 usage error.\n";

/* ---- messages ------------------------------------------------------------ */

/* --json: set in main, for every command. */
static bool json;

/* s as a JSON string. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A value from a listing: a JSON number when it is a plain decimal one,
 * else a string. */
static void json_value(const char *v)
{
	const char *d = v + (v[0] == '-');

	if (d[0] && strspn(d, "0123456789") == strlen(d) && (d[0] != '0' || !d[1]) &&
	    strlen(d) < 19)
		fputs(v, stdout);
	else
		json_str(v);
}

/* The command being run ("port read"), for the hint after a usage error. */
static char help_hint[32] = "COMMAND";

/* A usage error: what is wrong, and where to look. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("lkportctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'lkportctl %s --help'.\n", help_hint);
	return EXIT_USAGE;
}

/* The status list's description of st. */
static const char *describe(lk_status_t st)
{
	switch (st) {
#define DESCRIBE(name, value, err, inverse, text) \
	case LK_##name:                           \
		return text;
		LKPORT_STATUS_LIST(DESCRIBE)
#undef DESCRIBE
	default:
		return "failed";
	}
}

/* "lkportctl: <what>: <description> (LK_ERR_...)"; returns EXIT_FAIL. */
static int fail(lk_status_t st, const char *fmt, ...)
{
	va_list ap;

	fputs("lkportctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (%s)\n", describe(st), lk_status_str(st));
	return EXIT_FAIL;
}

/* /dev/lkport, opened once for the lk_* calls; a missing module is said
 * as such rather than as an object not found. */
static int need_device(void)
{
	int dev = lk_device();

	if (dev >= 0)
		return 0;
	fprintf(stderr, "lkportctl: %s: %s%s\n", LKPORT_DEVICE, strerror(-dev),
		dev == -ENOENT ? " (is the lkport module loaded?)" : "");
	return EXIT_FAIL;
}

/* ---- arguments --------------------------------------------------------------- */

enum opt {
	OPT_AUTO, OPT_SIGNALED, OPT_PERM, OPT_HOLD, OPT_UNICAST, OPT_BIG,
	OPT_CAPACITY, OPT_TIMEOUT, OPT_COUNT, OPT_CTX, OPT_MODE, OPT_RAISE, OPT_WAIT, OPT_MAX
};

static const struct {
	const char *name;
	bool has_value;
} opts[OPT_MAX] = {
	[OPT_AUTO] = { "auto", false },
	[OPT_SIGNALED] = { "signaled", false },
	[OPT_PERM] = { "perm", true },
	[OPT_HOLD] = { "hold", false },
	[OPT_UNICAST] = { "unicast", false },
	[OPT_BIG] = { "big", false },
	[OPT_CAPACITY] = { "capacity", true },
	[OPT_TIMEOUT] = { "timeout", true },
	[OPT_COUNT] = { "count", true },
	[OPT_CTX] = { "ctx", true },
	[OPT_MODE] = { "mode", true },
	[OPT_RAISE] = { "raise", false },
	[OPT_WAIT] = { "wait", false },
};

#define O(x) (1u << (x))

/* A command's words: what it was called (e.g. "port read"), its
 * positional arguments and the options given. */
struct cmdline {
	const char *cmd;
	char **pos;
	int npos;
	bool set[OPT_MAX];
	const char *value[OPT_MAX];
};

/* Splits argv (after the command's words) into options allowed by
 * `allowed` and positional arguments, which it gathers at the front of
 * argv. Options go anywhere, as --name or --name=VALUE or --name VALUE;
 * "--" ends them. Returns 0, or EXIT_USAGE after saying why. */
static int parse(const char *cmd, int argc, char **argv, unsigned int allowed, struct cmdline *cl)
{
	bool options_done = false;
	int i, o;

	memset(cl, 0, sizeof(*cl));
	cl->cmd = cmd;
	cl->pos = argv;
	for (i = 0; i < argc; i++) {
		char *arg = argv[i], *eq;
		size_t len;

		if (options_done || arg[0] != '-' || !arg[1]) {
			argv[cl->npos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			options_done = true;
			continue;
		}
		if (arg[1] != '-')
			return usage_error("%s: unknown option '%s'", cmd, arg);
		eq = strchr(arg + 2, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		for (o = 0; o < OPT_MAX; o++)
			if ((allowed & O(o)) && strlen(opts[o].name) == len &&
			    !strncmp(opts[o].name, arg + 2, len))
				break;
		if (o == OPT_MAX)
			return usage_error("%s: unknown option '%s'", cmd, arg);
		cl->set[o] = true;
		if (!opts[o].has_value) {
			if (eq)
				return usage_error("%s: --%s takes no value", cmd, opts[o].name);
		} else if (eq) {
			cl->value[o] = eq + 1;
		} else if (i + 1 < argc) {
			cl->value[o] = argv[++i];
		} else {
			return usage_error("%s: --%s needs a value", cmd, opts[o].name);
		}
	}
	return 0;
}

/* A number in `base` (0: C's prefixes), at most `max`; -1 if it is not. */
static int parse_number(const char *s, int base, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Every bad value of a numeric option says the same thing the same way:
 * "CMD: --OPT: bad value 'X': expected WHAT". Returns EXIT_USAGE. */
static int bad_value(const struct cmdline *cl, enum opt o, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return usage_error("%s: --%s: bad value '%s': expected %s", cl->cmd, opts[o].name,
			   cl->value[o], what);
}

/* The value of a numeric option, or `dflt` when not given. */
static int number_opt(const struct cmdline *cl, enum opt o, int base, uint64_t max,
		      uint64_t dflt, uint64_t *out)
{
	*out = dflt;
	if (!cl->set[o])
		return 0;
	if (!parse_number(cl->value[o], base, max, out))
		return 0;
	if (base == 8)
		return bad_value(cl, o, "octal permission bits, 0 to 0%llo", (unsigned long long)max);
	return bad_value(cl, o, "a whole number from 0 to %llu%s", (unsigned long long)max,
			 base == 0 ? " (decimal, or 0x hex)" : "");
}

#define NSEC_PER_MS	1000000ull
#define NSEC_PER_SEC	1000000000ull
/* The longest timeout taken: a year. */
#define TIMEOUT_MAX_NS	(366ull * 24 * 3600 * NSEC_PER_SEC)

/* A duration: a number of milliseconds, or a number and a unit (500ms,
 * 2s); in nanoseconds. -1 if it is not one, or longer than a year. */
static int parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "", NSEC_PER_MS }, { "ns", 1 }, { "us", 1000 }, { "ms", NSEC_PER_MS },
		{ "s", NSEC_PER_SEC }, { "m", 60 * NSEC_PER_SEC },
	};
	unsigned long long v;
	unsigned int i;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v > TIMEOUT_MAX_NS / units[i].ns)
			return -1;
		*ns = v * units[i].ns;
		return 0;
	}
	return -1;
}

/* A duration for messages: "100 ms", "2 s", "1500 us". */
static const char *format_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns && ns % NSEC_PER_SEC == 0)
		snprintf(buf, len, "%llu s", (unsigned long long)(ns / NSEC_PER_SEC));
	else if (ns % NSEC_PER_MS == 0)
		snprintf(buf, len, "%llu ms", (unsigned long long)(ns / NSEC_PER_MS));
	else if (ns % 1000 == 0)
		snprintf(buf, len, "%llu us", (unsigned long long)(ns / 1000));
	else
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	return buf;
}

/* The --timeout given, as messages say it ("100 ms"). */
static char timeout_text[32] = "no limit";

/* --timeout as an absolute CLOCK_MONOTONIC deadline (none given:
 * forever); sets timeout_text. */
static int deadline_opt(const struct cmdline *cl, uint64_t *deadline)
{
	struct timespec now;
	uint64_t ns;

	*deadline = LKPORT_FOREVER;
	if (!cl->set[OPT_TIMEOUT])
		return 0;
	if (parse_duration(cl->value[OPT_TIMEOUT], &ns))
		return bad_value(cl, OPT_TIMEOUT, "a duration: milliseconds, or a number with "
				 "a unit (ns, us, ms, s, m: 500ms, 2s), up to a year");
	format_duration(ns, timeout_text, sizeof(timeout_text));
	if (ns == 0) {
		*deadline = 0;
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	*deadline = (uint64_t)now.tv_sec * NSEC_PER_SEC + (uint64_t)now.tv_nsec + ns;
	return 0;
}

static bool valid_name(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= LKPORT_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/* Exactly `want` positional arguments (or at least, with `at_least`), each
 * of the first `names` a valid object name. */
static int check_positional(const struct cmdline *cl, int want, bool at_least, int names,
			    const char *what)
{
	int i;

	if (cl->npos < want || (!at_least && cl->npos > want))
		return usage_error("%s: expected %s", cl->cmd, what);
	for (i = 0; i < names && i < cl->npos; i++)
		if (!valid_name(cl->pos[i]))
			return usage_error("%s: bad name '%s' (1 to %d characters of A-Z a-z 0-9 . _ -)",
					   cl->cmd, cl->pos[i], LKPORT_NAME_MAX);
	return 0;
}

/* ---- --hold --------------------------------------------------------------------- */

static volatile sig_atomic_t released;

static void on_release(int sig)
{
	released = sig;
}

/* Says "ready" and waits until SIGTERM, SIGINT or SIGHUP (the last two
 * unless ignored, as a shell does for background jobs and nohup), or
 * until stdin closes if it is a pipe or socket: a background job's stdin
 * is /dev/null, which must not release it at once. */
static void hold(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_release }, old;
	struct pollfd in = { .fd = -1, .events = POLLIN };
	sigset_t block, waitmask;
	struct stat st;
	unsigned int i;
	char buf[256];

	sigemptyset(&block);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], NULL, &old);
		if (sigs[i] != SIGTERM && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	/* Blocked outside ppoll, so that a signal cannot slip in between
	 * the check of `released` and the wait. */
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	if (!fstat(STDIN_FILENO, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		in.fd = STDIN_FILENO;

	printf(json ? "{\"ready\":true}\n" : "ready\n");
	fflush(stdout);
	while (!released) {
		in.revents = 0;
		if (ppoll(&in, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in.revents) {
			ssize_t n = read(in.fd, buf, sizeof(buf));	/* discarded */

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break;
		}
	}
	sigprocmask(SIG_SETMASK, &waitmask, NULL);
}

/* ---- version, list, stats ----------------------------------------------------------- */

static const struct {
	unsigned long long bit;
	const char *name;
} features[] = {
	{ LKPORT_FEATURE_VERSION, "version" },
	{ LKPORT_FEATURE_EVENTS, "events" },
	{ LKPORT_FEATURE_PORTS, "ports" },
	{ LKPORT_FEATURE_GROUPS, "groups" },
	{ LKPORT_FEATURE_POLL, "poll" },
	{ LKPORT_FEATURE_INFO, "info" },
	{ LKPORT_FEATURE_READ, "read" },
	{ LKPORT_FEATURE_IRQ, "irq" },
	{ LKPORT_FEATURE_EVENT_DESTROY, "event-destroy" },
	{ LKPORT_FEATURE_ANON_EVENTS, "anonymous-events" },
	{ LKPORT_FEATURE_JOIN_CLOSED, "join-closed" },
	{ LKPORT_FEATURE_WRITE_WAIT, "write-wait" },
	{ LKPORT_FEATURE_MAP_RING, "map-ring" },
	{ LKPORT_FEATURE_READ_WRITE, "read-write" },
	{ LKPORT_FEATURE_POLL_ROOM, "poll-room" },
	{ LKPORT_FEATURE_MAP_WRITE, "map-write" },
	{ LKPORT_FEATURE_CALL, "call" },
};

/* --version: this program's, without the module. */
static int print_tool_version(void)
{
	if (json)
		printf("{\"tool\":\"%s\",\"library_abi\":\"%u.%u\"}\n", LKPORT_VERSION,
		       LKPORT_ABI_MAJOR, LKPORT_ABI_MINOR);
	else
		printf("lkportctl %s (ABI %u.%u)\n", LKPORT_VERSION, LKPORT_ABI_MAJOR,
		       LKPORT_ABI_MINOR);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	struct lkport_version v;
	struct cmdline cl;
	unsigned int i;
	bool first = true;
	int dev, err, compatible;

	if ((err = parse("version", argc, argv, 0, &cl)) ||
	    (err = check_positional(&cl, 0, false, 0, "no argument")))
		return err;
	if (!json)
		printf("tool     %s\n", LKPORT_VERSION);
	dev = lkport_open();
	if (dev < 0) {
		fprintf(stderr, "lkportctl: %s: %s%s\n", LKPORT_DEVICE, strerror(-dev),
			dev == -ENOENT ? " (is the lkport module loaded?)" : "");
		return EXIT_FAIL;
	}
	err = lkport_query_version(dev, &v);
	close(dev);
	if (err) {
		fprintf(stderr, "lkportctl: version query: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	compatible = lkport_version_compatible(&v);
	if (json) {
		printf("{\"tool\":\"%s\",\"module\":", LKPORT_VERSION);
		json_str(v.module_version);
		printf(",\"abi\":\"%u.%u\",\"library_abi\":\"%u.%u\",\"compatible\":%s,\"features\":[",
		       v.abi_major, v.abi_minor, LKPORT_ABI_MAJOR, LKPORT_ABI_MINOR,
		       compatible ? "true" : "false");
		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (v.features & features[i].bit) {
				printf("%s\"%s\"", first ? "" : ",", features[i].name);
				first = false;
			}
		printf("]}\n");
		return compatible ? 0 : EXIT_FAIL;
	}
	printf("module   %s\n", v.module_version);
	printf("abi      %u.%u (library %u.%u, %s)\n", v.abi_major, v.abi_minor,
	       LKPORT_ABI_MAJOR, LKPORT_ABI_MINOR, compatible ? "compatible" : "INCOMPATIBLE");
	printf("features");
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (v.features & features[i].bit)
			printf(" %s", features[i].name);
	printf("\n");
	return compatible ? 0 : EXIT_FAIL;
}

/* One line of a debugfs listing as a JSON object: the first word is its
 * "kind", the words without '=' after it take the names in `fields` in
 * turn (a "-" is an empty string), then are flags (true); NAME=VALUE
 * words are members. A "stats"-style file ("NAME VALUE" lines) is one
 * object for the whole file: see json_stats. */
static void json_listing_line(char *line, const char *const *fields)
{
	char *save = NULL, *tok;
	bool first = true;

	putchar('{');
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		printf("%s", first ? "" : ",");
		if (first) {
			printf("\"kind\":");
			json_str(tok);
		} else if (eq) {
			*eq = '\0';
			json_str(tok);
			putchar(':');
			json_value(eq + 1);
		} else if (fields && *fields) {
			printf("\"%s\":", *fields++);
			json_str(strcmp(tok, "-") ? tok : "");
		} else {
			json_str(tok);
			printf(":true");
		}
		first = false;
	}
	printf("}\n");
}

static void json_listing(char *text, const char *file)
{
	static const char *const object_fields[] = { "name", NULL };
	static const char *const device_fields[] = { "device", "id", "driver", NULL };
	char *save = NULL, *line;
	bool stats = !strcmp(file, "stats"), first = true;

	if (stats)
		putchar('{');
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (stats) {
			char *sp = strchr(line, ' ');

			if (!sp)
				continue;
			*sp = '\0';
			printf("%s", first ? "" : ",");
			json_str(line);
			putchar(':');
			json_value(sp + 1);
			first = false;
		} else if (!strcmp(file, "objects")) {
			json_listing_line(line, object_fields);
		} else {
			json_listing_line(line, !strncmp(line, "device ", 7) ? device_fields : NULL);
		}
	}
	if (stats)
		printf("}\n");
}

/* Copies a debugfs file of the module to stdout (--json: converted). */
static int show_debugfs(const char *cmd, const char *file, int argc, char **argv)
{
	char path[64], *text = NULL;
	size_t len = 0, size = 0;
	struct cmdline cl;
	ssize_t n = 0;
	int fd, err;

	if ((err = parse(cmd, argc, argv, 0, &cl)) ||
	    (err = check_positional(&cl, 0, false, 0, "no argument")))
		return err;
	snprintf(path, sizeof(path), "%s/%s", DEBUGFS_DIR, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "lkportctl: %s: %s: %s%s\n", cmd, path, strerror(err),
			err == EACCES || err == EPERM ? " (debugfs is readable by root only)" :
			err == ENOENT ? " (is debugfs mounted and the module loaded?)" : "");
		return EXIT_FAIL;
	}
	/* Read whole, then printed: a seq_file listing is read in pieces. */
	for (;;) {
		if (size - len < 4096) {
			char *more = realloc(text, size + 65536);

			if (!more) {
				err = ENOMEM;
				break;
			}
			text = more;
			size += 65536;
		}
		n = read(fd, text + len, size - len - 1);
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(text);
		fprintf(stderr, "lkportctl: %s: %s: %s\n", cmd, path, strerror(err));
		return EXIT_FAIL;
	}
	text[len] = '\0';
	if (json)
		json_listing(text, file);
	else
		fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	return show_debugfs("list", "objects", argc, argv);
}

static int cmd_stats(int argc, char **argv)
{
	return show_debugfs("stats", "stats", argc, argv);
}

/* ---- events ------------------------------------------------------------------------ */

static int perm_opt(const struct cmdline *cl, mode_t *perm)
{
	uint64_t v;
	int ret = number_opt(cl, OPT_PERM, 8, 0777, 0600, &v);

	*perm = (mode_t)v;
	return ret;
}

static int cmd_event_create(int argc, char **argv)
{
	struct cmdline cl;
	lk_event_t e;
	lk_status_t st;
	mode_t perm;
	int err;

	if ((err = parse("event create", argc, argv,
			 O(OPT_AUTO) | O(OPT_SIGNALED) | O(OPT_PERM) | O(OPT_HOLD), &cl)) ||
	    (err = check_positional(&cl, 1, false, 1, "NAME")) ||
	    (err = perm_opt(&cl, &perm)) || (err = need_device()))
		return err;
	st = lk_event_create(&e, cl.pos[0], cl.set[OPT_SIGNALED],
			     cl.set[OPT_AUTO] ? LK_EVENT_FLAG_AUTOUNSIGNAL : 0, perm);
	if (st)
		return fail(st, "event create %s", cl.pos[0]);
	if (cl.set[OPT_HOLD])
		hold();
	lk_event_destroy(&e);
	return 0;
}

/* Parses a command on one event NAME, then opens it for `access`. */
static int open_event(const char *cmd, int argc, char **argv, unsigned int allowed,
		      unsigned int access, struct cmdline *cl, uint64_t *deadline, lk_event_t *e)
{
	lk_status_t st;
	int err;

	if ((err = parse(cmd, argc, argv, allowed, cl)) ||
	    (err = check_positional(cl, 1, false, 1, "NAME")) ||
	    (deadline && (err = deadline_opt(cl, deadline))) || (err = need_device()))
		return err;
	st = lk_event_open(e, cl->pos[0], access);
	return st ? fail(st, "%s %s", cmd, cl->pos[0]) : 0;
}

static int cmd_event_signal(int argc, char **argv)
{
	struct cmdline cl;
	lk_event_t e;
	int woken, err;

	if ((err = open_event("event signal", argc, argv, 0, LKPORT_ACCESS_SIGNAL, &cl, NULL, &e)))
		return err;
	woken = lk_event_signal(&e);
	lk_event_destroy(&e);
	if (woken < 0)
		return fail(woken, "event signal %s", cl.pos[0]);
	printf(json ? "{\"woken\":%d}\n" : "woken=%d\n", woken);
	return 0;
}

static int cmd_event_unsignal(int argc, char **argv)
{
	struct cmdline cl;
	lk_event_t e;
	lk_status_t st;
	int err;

	if ((err = open_event("event unsignal", argc, argv, 0, LKPORT_ACCESS_SIGNAL, &cl, NULL, &e)))
		return err;
	st = lk_event_unsignal(&e);
	lk_event_destroy(&e);
	return st ? fail(st, "event unsignal %s", cl.pos[0]) : 0;
}

static int cmd_event_wait(int argc, char **argv)
{
	struct cmdline cl;
	uint64_t deadline;
	lk_event_t e;
	lk_status_t st;
	int err;

	if ((err = open_event("event wait", argc, argv, O(OPT_TIMEOUT), LKPORT_ACCESS_WAIT, &cl,
			      &deadline, &e)))
		return err;
	st = lk_event_wait_deadline(&e, deadline);
	lk_event_destroy(&e);
	if (st == LK_ERR_TIMED_OUT) {
		fprintf(stderr, "lkportctl: event wait %s: timed out after %s\n", cl.pos[0],
			timeout_text);
		return EXIT_FAIL;
	}
	return st ? fail(st, "event wait %s", cl.pos[0]) : 0;
}

/* LK's event_destroy, for every holder of the event: their waits end with
 * LK_ERR_OBJECT_DESTROYED and the name is free at once. The owner's call,
 * as ending a port is; opened to signal, which it needs. */
static int cmd_event_destroy(int argc, char **argv)
{
	struct cmdline cl;
	lk_event_t e;
	lk_status_t st;
	int err;

	if ((err = open_event("event destroy", argc, argv, 0, LKPORT_ACCESS_SIGNAL, &cl, NULL, &e)))
		return err;
	st = lk_event_destroy_all(&e);	/* closes e in every case */
	return st ? fail(st, "event destroy %s", cl.pos[0]) : 0;
}

/* ---- ports -------------------------------------------------------------------------- */

static int cmd_port_create(int argc, char **argv)
{
	struct cmdline cl;
	unsigned int mode = LK_PORT_MODE_BROADCAST;
	uint64_t capacity;
	lk_port_t port;
	lk_status_t st;
	mode_t perm;
	int err;

	if ((err = parse("port create", argc, argv,
			 O(OPT_UNICAST) | O(OPT_BIG) | O(OPT_CAPACITY) | O(OPT_PERM) | O(OPT_HOLD),
			 &cl)) ||
	    (err = check_positional(&cl, 1, false, 1, "NAME")) || (err = perm_opt(&cl, &perm)))
		return err;
	capacity = 0;
	if (cl.set[OPT_CAPACITY] &&
	    (parse_number(cl.value[OPT_CAPACITY], 10, LKPORT_CAPACITY_MAX, &capacity) ||
	     capacity == 0 || (capacity & (capacity - 1))))
		return bad_value(&cl, OPT_CAPACITY, "a power of two from 1 to %d",
				 LKPORT_CAPACITY_MAX);
	if (cl.set[OPT_UNICAST] || cl.set[OPT_BIG])
		mode = LK_PORT_MODE_UNICAST;
	if (cl.set[OPT_BIG])
		mode |= LK_PORT_MODE_BIG_BUFFER;
	if ((err = need_device()))
		return err;
	st = lk_port_create_ex(cl.pos[0], (lk_port_mode_t)mode, (unsigned int)capacity, perm, 0,
			       &port);
	if (st)
		return fail(st, "port create %s", cl.pos[0]);
	if (cl.set[OPT_HOLD])
		hold();
	close(port);
	return 0;
}

/* Another writer of an existing port; never creates one (a port created
 * here, and what is written to it, would go with this process). */
static lk_status_t open_writer(const char *name, lk_port_t *port)
{
	return lk_port_create_ex(name, LK_PORT_MODE_BROADCAST, 0, 0, LKPORT_PORT_EXISTING, port);
}

static int cmd_port_write(int argc, char **argv)
{
	lk_port_packet_t *pk;
	unsigned int delivered = 0, skipped = 0;
	uint64_t deadline = 0;
	struct cmdline cl;
	lk_port_t port;
	lk_status_t st;
	bool wait;
	int i, n, err;

	if ((err = parse("port write", argc, argv, O(OPT_WAIT) | O(OPT_TIMEOUT), &cl)) ||
	    (err = check_positional(&cl, 2, true, 1, "NAME DATA...")) ||
	    (err = deadline_opt(&cl, &deadline)))
		return err;
	/* --timeout alone waits too: a limit on a wait is asking for one. */
	wait = cl.set[OPT_WAIT] || cl.set[OPT_TIMEOUT];
	n = cl.npos - 1;
	if (n > LKPORT_CAPACITY_MAX)
		return usage_error("port write: at most %d packets in one write", LKPORT_CAPACITY_MAX);
	for (i = 0; i < n; i++)
		if (strlen(cl.pos[i + 1]) > LK_PORT_PACKET_LEN)
			return usage_error("port write: '%s' is longer than a packet (%d bytes)",
					   cl.pos[i + 1], LK_PORT_PACKET_LEN);
	if ((err = need_device()))
		return err;
	pk = calloc((size_t)n, sizeof(*pk));
	if (!pk)
		return fail(LK_ERR_NO_MEMORY, "port write %s", cl.pos[0]);
	for (i = 0; i < n; i++)
		memcpy(pk[i].value, cl.pos[i + 1], strlen(cl.pos[i + 1]));

	st = open_writer(cl.pos[0], &port);
	if (st) {
		free(pk);
		return fail(st, "port write %s", cl.pos[0]);
	}
	if (wait)
		st = lk_port_write_deadline_ex(port, pk, (size_t)n, deadline, &delivered, &skipped);
	else
		st = lk_port_write_ex(port, pk, (size_t)n, &delivered, &skipped);
	close(port);
	free(pk);
	if (st == LK_ERR_TIMED_OUT) {
		fprintf(stderr, "lkportctl: port write %s: timed out after %s: a reader's ring "
			"stayed full (nothing written)\n", cl.pos[0], timeout_text);
		return EXIT_FAIL;
	}
	if (st && st != LK_ERR_PARTIAL_WRITE)
		return fail(st, "port write %s", cl.pos[0]);
	printf(json ? "{\"delivered\":%u,\"skipped\":%u}\n" : "delivered=%u skipped=%u\n",
	       delivered, skipped);
	return st ? fail(st, "port write %s: %u of %u readers skipped", cl.pos[0], skipped,
			 delivered + skipped) : 0;
}

/* "ctx=N "text"" when the packet is printable text NUL-padded, else hex;
 * --json: {"ctx":N,"data":"<hex>"} with "text" too when it is text. */
static void print_result(const lk_port_result_t *r)
{
	const uint8_t *b = r->packet.value;
	size_t len = strnlen((const char *)b, LK_PORT_PACKET_LEN), i;
	char hex[2 * LK_PORT_PACKET_LEN + 1], text[LK_PORT_PACKET_LEN + 1];
	bool is_text = true;

	for (i = 0; i < LK_PORT_PACKET_LEN; i++) {
		if (i < len ? (b[i] < 0x20 || b[i] > 0x7e) : b[i] != 0)
			is_text = false;
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	}
	memcpy(text, b, len);
	text[len] = '\0';
	if (json) {
		printf("{\"ctx\":%" PRIuPTR ",\"data\":\"%s\"", (uintptr_t)r->ctx, hex);
		if (is_text) {
			printf(",\"text\":");
			json_str(text);
		}
		printf("}\n");
	} else if (is_text) {
		printf("ctx=%" PRIuPTR " \"%s\"\n", (uintptr_t)r->ctx, text);
	} else {
		printf("ctx=%" PRIuPTR " 0x%s\n", (uintptr_t)r->ctx, hex);
	}
}

static int cmd_port_read(int argc, char **argv)
{
	lk_port_result_t res[LKPORT_READ_MAX];
	lk_port_t ports[LKPORT_GROUP_MAX], group = -1, src;
	uint64_t count, ctx, deadline;
	uint64_t got = 0;
	struct cmdline cl;
	lk_status_t st = LK_NO_ERROR;
	int i, opened = 0, err;

	if ((err = parse("port read", argc, argv,
			 O(OPT_TIMEOUT) | O(OPT_COUNT) | O(OPT_CTX) | O(OPT_HOLD), &cl)) ||
	    (err = check_positional(&cl, 1, true, argc, "NAME...")) ||
	    (err = number_opt(&cl, OPT_COUNT, 10, UINT32_MAX, cl.set[OPT_HOLD] ? 0 : 1, &count)) ||
	    (err = number_opt(&cl, OPT_CTX, 0, UINTPTR_MAX - LKPORT_GROUP_MAX, 0, &ctx)) ||
	    (err = deadline_opt(&cl, &deadline)))
		return err;
	if (cl.npos > LKPORT_GROUP_MAX)
		return usage_error("port read: at most %d ports", LKPORT_GROUP_MAX);
	if (cl.set[OPT_HOLD] && cl.set[OPT_TIMEOUT])
		return usage_error("port read: --hold reads what is there once released: no --timeout");
	if ((err = need_device()))
		return err;

	for (opened = 0; opened < cl.npos; opened++) {
		st = lk_port_open(cl.pos[opened], (void *)(uintptr_t)(ctx + opened), &ports[opened]);
		if (st) {
			err = fail(st, "port read %s", cl.pos[opened]);
			goto out;
		}
	}
	src = ports[0];
	if (cl.npos > 1) {
		st = lk_port_group(ports, (size_t)cl.npos, &group);
		if (st) {
			err = fail(st, "port read: group");
			goto out;
		}
		src = group;
	}
	if (cl.set[OPT_HOLD]) {
		hold();
		deadline = 0;	/* what is there now */
	}

	while (count == 0 || got < count) {
		uint64_t want = count ? count - got : LKPORT_READ_MAX;
		size_t n = 0, k;

		st = lk_port_read_many(src, deadline, res,
				       want < LKPORT_READ_MAX ? (size_t)want : LKPORT_READ_MAX, &n);
		if (st)
			break;
		for (k = 0; k < n; k++)
			print_result(&res[k]);
		got += n;
	}
	if (cl.set[OPT_HOLD] && (st == LK_ERR_TIMED_OUT || st == LK_ERR_CANCELLED))
		st = LK_NO_ERROR;	/* all there was */
	if (count == 0 && st == LK_ERR_CANCELLED)
		st = LK_NO_ERROR;	/* the end of the stream */
	if (st == LK_ERR_TIMED_OUT)
		fprintf(stderr, "lkportctl: port read: timed out after %s (%" PRIu64 " of %" PRIu64
			" packets)\n", timeout_text, got, count);
	else if (st == LK_ERR_CANCELLED)
		fprintf(stderr, "lkportctl: port read: the port was destroyed (%" PRIu64 " of %" PRIu64
			" packets)\n", got, count);
	else if (st)
		fail(st, "port read");
	err = st ? EXIT_FAIL : 0;
out:
	if (group >= 0)
		close(group);
	for (i = 0; i < opened; i++)
		close(ports[i]);
	return err;
}

/* Whether the module reaches a closed port by name for its owner
 * (LKPORT_PORT_CLOSED, ABI 1.6). */
static bool module_joins_closed(void)
{
	struct lkport_version v;

	return !lkport_query_version(lk_device(), &v) && (v.features & LKPORT_FEATURE_JOIN_CLOSED);
}

/* A closed port, by name: only its owner can reach it (LKPORT_PORT_CLOSED
 * hands out a writer fd that can do nothing but destroy it). */
static int destroy_closed(const char *name)
{
	lk_port_t port;
	lk_status_t st;

	st = lk_port_create_ex(name, LK_PORT_MODE_BROADCAST, 0, 0,
			       LKPORT_PORT_EXISTING | LKPORT_PORT_CLOSED, &port);
	if (st)
		return fail(st, "port destroy %s", name);
	st = lk_port_destroy(port);	/* closes port on success */
	if (!st)
		return 0;
	close(port);
	return fail(st, "port destroy %s", name);
}

static int port_close_or_destroy(int argc, char **argv, bool destroy)
{
	const char *cmd = destroy ? "port destroy" : "port close";
	struct cmdline cl;
	lk_port_t port;
	lk_status_t st;
	int err;

	if ((err = parse(cmd, argc, argv, 0, &cl)) ||
	    (err = check_positional(&cl, 1, false, 1, "NAME")) || (err = need_device()))
		return err;
	st = open_writer(cl.pos[0], &port);
	if (st == LK_ERR_BUSY && module_joins_closed()) {
		if (destroy)
			return destroy_closed(cl.pos[0]);
		fprintf(stderr, "lkportctl: port close %s: the port is closed already (%s): "
			"'lkportctl port destroy %s' destroys it and frees its name (its "
			"owner or root only).\n", cl.pos[0], lk_status_str(st), cl.pos[0]);
		return EXIT_FAIL;
	}
	if (st == LK_ERR_BUSY) {
		/* A module before ABI 1.6 hands no writer of a closed port out
		 * by name, so it cannot be ended by name: say what ends it. */
		fprintf(stderr, "lkportctl: %s %s: the port is closed already (%s), and this "
			"module (before ABI 1.6) gives no handle of a closed port by name: it "
			"is destroyed, and its name freed, when the last process holding a "
			"writer of it (its 'port create --hold', or a program's writer fd) "
			"exits or destroys it (lk_port_destroy). 'lkportctl port destroy "
			"NAME' on an open port closes and destroys it in one step.\n",
			cmd, cl.pos[0], lk_status_str(st));
		return EXIT_FAIL;
	}
	if (st)
		return fail(st, "%s %s", cmd, cl.pos[0]);
	/* The port is closed for every writer (they share it); destroy then
	 * frees the name and gives up this descriptor. */
	st = lk_port_close(port);
	if (!st && destroy) {
		st = lk_port_destroy(port);
		if (!st)
			return 0;
	}
	close(port);
	return st ? fail(st, "%s %s", cmd, cl.pos[0]) : 0;
}

static int cmd_port_close(int argc, char **argv)
{
	return port_close_or_destroy(argc, argv, false);
}

static int cmd_port_destroy(int argc, char **argv)
{
	return port_close_or_destroy(argc, argv, true);
}

/* ---- info ----------------------------------------------------------------------------- */

/* One object's LKPORT_IOC_INFO, as a line like the debugfs listing's, or
 * as JSON. A read port's uid, gid and perm are its own reader's, so left
 * out: info opens one only when the port cannot be joined as a writer. */
static void print_info(const struct lkport_info *in)
{
	const char *kind = in->kind == LKPORT_KIND_EVENT ? "event" :
			   in->kind == LKPORT_KIND_WRITE_PORT ? "wport" : "rport";
	bool owner = in->kind != LKPORT_KIND_READ_PORT;
	char state[64], flags[32];

	if (in->kind == LKPORT_KIND_EVENT) {
		snprintf(flags, sizeof(flags), "%s",
			 in->flags & LKPORT_EVENT_AUTOUNSIGNAL ? "auto" : "persistent");
		snprintf(state, sizeof(state), "%s",
			 in->state & LKPORT_STATE_SIGNALED ? "signaled" : "clear");
	} else {
		snprintf(flags, sizeof(flags), "%s%s",
			 in->flags & LKPORT_PORT_UNICAST ? "unicast" : "broadcast",
			 in->flags & LKPORT_PORT_BIG_BUFFER ? "+big" : "");
		snprintf(state, sizeof(state), "%s",
			 in->state & LKPORT_STATE_DESTROYED ? "destroyed" :
			 in->state & LKPORT_STATE_CLOSED ? "closed" :
			 in->state & LKPORT_STATE_CANCELLED ? "cancelled" : "open");
	}
	if (json) {
		printf("{\"kind\":\"%s\",\"name\":", kind);
		json_str(in->name);
		if (owner)
			printf(",\"uid\":%u,\"gid\":%u,\"perm\":\"%04o\"", in->uid, in->gid, in->perm);
		printf(",\"%s\":\"%s\",\"state\":\"%s\"",
		       in->kind == LKPORT_KIND_EVENT ? "flags" : "mode", flags, state);
		if (in->kind != LKPORT_KIND_EVENT)
			printf(",\"capacity\":%u,\"queued\":%u", in->capacity, in->queued);
		printf(",\"waiters\":%u,\"id\":%llu}\n", in->waiters, (unsigned long long)in->id);
		return;
	}
	printf("%-5s %-20s", kind, in->name);
	if (owner)
		printf(" uid=%u gid=%u perm=%04o", in->uid, in->gid, in->perm);
	printf(" %s=%s state=%s", in->kind == LKPORT_KIND_EVENT ? "flags" : "mode", flags, state);
	if (in->kind != LKPORT_KIND_EVENT)
		printf(" capacity=%u queued=%u", in->capacity, in->queued);
	printf(" waiters=%u id=%llu\n", in->waiters, (unsigned long long)in->id);
}

/* The event of that name, opened to wait, else to signal: whichever the
 * caller may. */
static lk_status_t info_event(const char *name, struct lkport_info *in)
{
	lk_event_t e;
	lk_status_t st = lk_event_open(&e, name, LKPORT_ACCESS_WAIT);

	if (st == LK_ERR_ACCESS_DENIED)
		st = lk_event_open(&e, name, LKPORT_ACCESS_SIGNAL);
	if (st)
		return st;
	st = lk_object_info(e.fd, in);
	lk_event_destroy(&e);
	return st;
}

/* The port of that name, joined as a writer (which changes nothing); if
 * the caller may only read it, or it is closed (a closed port takes no
 * writer), through a reader of it, which is closed again at once: the
 * first reader of a port takes what is queued in the port and gives it
 * back on close. */
static lk_status_t info_port(const char *name, struct lkport_info *in)
{
	lk_status_t st;
	lk_port_t port;

	st = open_writer(name, &port);
	if (st == LK_ERR_ACCESS_DENIED || st == LK_ERR_BUSY)
		st = lk_port_open(name, NULL, &port);
	if (st)
		return st;
	st = lk_object_info(port, in);
	close(port);
	return st;
}

static int cmd_info(int argc, char **argv)
{
	struct lkport_info in;
	struct cmdline cl;
	lk_status_t st[2];
	int err, i, found = 0;

	if ((err = parse("info", argc, argv, 0, &cl)) ||
	    (err = check_positional(&cl, 1, false, 1, "NAME")) || (err = need_device()))
		return err;
	/* Events and ports have a name space each: show both. */
	for (i = 0; i < 2; i++) {
		st[i] = i ? info_port(cl.pos[0], &in) : info_event(cl.pos[0], &in);
		if (!st[i]) {
			print_info(&in);
			found++;
		}
	}
	for (i = 0; i < 2; i++)
		if (st[i] && st[i] != LK_ERR_NOT_FOUND)
			return fail(st[i], "info %s: the %s", cl.pos[0], i ? "port" : "event");
	if (!found)
		return fail(LK_ERR_NOT_FOUND, "info %s", cl.pos[0]);
	return 0;
}

/* ---- interrupt sources ------------------------------------------------------------ */

static int cmd_irq_list(int argc, char **argv)
{
	return show_debugfs("irq list", "irqs", argc, argv);
}

static bool valid_pci_name(const char *s)
{
	unsigned int dom, bus, slot, fn;
	char end;

	return strlen(s) < LKPORT_NAME_LEN &&
	       sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &end) == 4;
}

static int irq_device_cmd(const char *cmd, int argc, char **argv, int (*op)(const char *))
{
	struct cmdline cl;
	int err;

	if ((err = parse(cmd, argc, argv, 0, &cl)))
		return err;
	if (cl.npos != 1 || !valid_pci_name(cl.pos[0]))
		return usage_error("%s: expected a PCI device, as 0000:00:04.0", cmd);
	err = op(cl.pos[0]);
	if (err) {
		fprintf(stderr, "lkportctl: %s %s: %s%s\n", cmd, cl.pos[0], strerror(-err),
			err == -EACCES || err == -EPERM ? " (needs root)" :
			err == -ENOENT ? " (no such device)" : "");
		return EXIT_FAIL;
	}
	return 0;
}

static int cmd_irq_bind(int argc, char **argv)
{
	return irq_device_cmd("irq bind", argc, argv, lkport_pci_bind);
}

static int cmd_irq_unbind(int argc, char **argv)
{
	return irq_device_cmd("irq unbind", argc, argv, lkport_pci_unbind);
}

static int cmd_irq_wait(int argc, char **argv)
{
	struct lkport_irq_record rec;
	struct cmdline cl;
	uint64_t count, deadline, i;
	__u32 mode = LKPORT_IRQ_MODE_AUTO;
	const char *device;
	int dev, fd, err;

	if ((err = parse("irq wait", argc, argv,
			 O(OPT_MODE) | O(OPT_COUNT) | O(OPT_TIMEOUT) | O(OPT_RAISE), &cl)))
		return err;
	if (cl.npos != 1 || (strcmp(cl.pos[0], "virtual") && !valid_pci_name(cl.pos[0])))
		return usage_error("irq wait: expected a PCI device (0000:00:04.0) or 'virtual'");
	device = strcmp(cl.pos[0], "virtual") ? cl.pos[0] : NULL;
	if (cl.set[OPT_MODE]) {
		if (!strcmp(cl.value[OPT_MODE], "intx"))
			mode = LKPORT_IRQ_MODE_INTX;
		else if (!strcmp(cl.value[OPT_MODE], "msi"))
			mode = LKPORT_IRQ_MODE_MSI;
		else if (strcmp(cl.value[OPT_MODE], "auto"))
			return usage_error("irq wait: --mode: auto, intx or msi");
		if (!device)
			return usage_error("irq wait: --mode is for PCI devices");
	}
	if ((err = number_opt(&cl, OPT_COUNT, 10, UINT64_MAX, 1, &count)) ||
	    (err = deadline_opt(&cl, &deadline)))
		return err;
	if ((err = need_device()))
		return err;
	dev = lk_device();
	fd = lkport_irq_create(dev, device, mode, 0);
	if (fd < 0) {
		fprintf(stderr, "lkportctl: irq wait %s: %s%s\n", cl.pos[0], strerror(-fd),
			fd == -EPERM ? " (needs CAP_SYS_ADMIN)" :
			fd == -ENODEV ? " (not bound to lkport: lkportctl irq bind)" :
			fd == -EBUSY ? " (it has a source already)" : "");
		return EXIT_FAIL;
	}
	for (i = 0; count == 0 || i < count; i++) {
		if (cl.set[OPT_RAISE] && (err = lkport_irq_trigger(fd)))
			break;
		err = lkport_irq_wait(fd, deadline, &rec);
		if (err)
			break;
		printf(json ? "{\"seq\":%llu,\"count\":%u,\"ts\":%llu}\n" :
			      "seq=%llu count=%u ts=%llu\n",
		       (unsigned long long)rec.seq, rec.count,
		       (unsigned long long)rec.timestamp_ns);
		if ((err = lkport_irq_ack(fd)))
			break;
	}
	close(fd);
	if (err == -ETIMEDOUT) {
		fprintf(stderr, "lkportctl: irq wait %s: timed out after %s\n", cl.pos[0],
			timeout_text);
		return EXIT_FAIL;
	}
	if (err) {
		fprintf(stderr, "lkportctl: irq wait %s: %s%s\n", cl.pos[0], strerror(-err),
			err == -ENODEV ? " (the device went away)" :
			err == -EOPNOTSUPP ? " (--raise: only virtual sources and edu devices)" : "");
		return EXIT_FAIL;
	}
	return 0;
}

/* ---- dispatch ----------------------------------------------------------------------- */

/* Which notes a command's help ends with. */
#define N_TIMEOUT	(1u << 0)
#define N_PERM		(1u << 1)
#define N_HOLD		(1u << 2)
#define N_JSON		(1u << 3)

struct command {
	const char *group;	/* "event", "port", "irq", or NULL for one word */
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;	/* after "lkportctl " */
	const char *help;	/* what it does, lines indented by 6 */
	unsigned int notes;	/* N_* */
};

static const struct command commands[] = {
	{ NULL, "version", cmd_version, "version",
	  "      this tool's version, and the module's version, ABI and features\n"
	  "      (exit 1 without the module; --version needs none)\n", N_JSON },
	{ NULL, "info", cmd_info, "info NAME",
	  "      the event and the port of that name, as LKPORT_IOC_INFO has them:\n"
	  "      owner, permission bits, flags or mode, state, waiters, queued\n"
	  "      packets. Anyone allowed to open the object may ask: an event is\n"
	  "      opened to wait or to signal, a port joined as a writer, or, for a\n"
	  "      reader or a closed port, read (rport: the owner is not shown)\n", N_JSON },
	{ NULL, "list", cmd_list, "list",
	  "      live objects, one a line (debugfs: needs root)\n", N_JSON },
	{ NULL, "stats", cmd_stats, "stats",
	  "      live objects by kind, accounts and charges (debugfs: needs root)\n", N_JSON },
	{ "event", "create", cmd_event_create,
	  "event create NAME [--auto] [--signaled] [--perm MODE] [--hold]",
	  "      --auto: a signal lets one waiter through, then clears (LK's\n"
	  "      EVENT_FLAG_AUTOUNSIGNAL); --signaled: created signalled\n",
	  N_PERM | N_HOLD | N_JSON },
	{ "event", "signal", cmd_event_signal, "event signal NAME",
	  "      prints woken=N, the threads it woke\n", N_JSON },
	{ "event", "unsignal", cmd_event_unsignal, "event unsignal NAME",
	  "      clear the event\n", 0 },
	{ "event", "wait", cmd_event_wait, "event wait NAME [--timeout TIMEOUT]",
	  "      exit 0 once signalled, 1 at the timeout (default: none)\n", N_TIMEOUT },
	{ "event", "destroy", cmd_event_destroy, "event destroy NAME",
	  "      end the event for every process holding it (LK's event_destroy):\n"
	  "      their waits fail, and so does every later wait or signal, and the\n"
	  "      name is free at once. Its owner's (or root's) only\n", 0 },
	{ "port", "create", cmd_port_create,
	  "port create NAME [--unicast] [--big] [--capacity N] [--perm MODE] [--hold]",
	  "      broadcast unless --unicast (one reader); --big: unicast with a\n"
	  "      64-packet ring; --capacity: packets per ring, a power of two up to\n"
	  "      4096 (default 8)\n", N_PERM | N_HOLD | N_JSON },
	{ "port", "write", cmd_port_write, "port write NAME DATA... [--wait] [--timeout TIMEOUT]",
	  "      one packet per DATA, a string of up to 16 bytes, all in one write;\n"
	  "      prints delivered=N skipped=N. With no reader yet the port keeps\n"
	  "      them for its first reader; a reader whose ring is full is skipped\n"
	  "      (exit 1). --wait (or --timeout): wait instead until every ring has\n"
	  "      room for all of them (exit 1 at the timeout, nothing written).\n"
	  "      The port must exist. DATA starting with '-': after --\n",
	  N_TIMEOUT | N_JSON },
	{ "port", "read", cmd_port_read,
	  "port read NAME... [--timeout TIMEOUT] [--count N] [--ctx N] [--hold]",
	  "      prints each packet as ctx=N \"text\", or ctx=N 0x<hex> when it is\n"
	  "      not text; reads --count packets (default 1; 0: until the port is\n"
	  "      destroyed). Several NAMEs are read through one port group, port i\n"
	  "      with ctx N+i (--ctx, default 0). --hold: open the readers, print\n"
	  "      ready, and once released print what they got (all, or --count)\n",
	  N_TIMEOUT | N_HOLD | N_JSON },
	{ "port", "close", cmd_port_close, "port close NAME",
	  "      no more writes; readers keep what is queued; the name stays taken\n"
	  "      until the port is destroyed ('port destroy') or the last process\n"
	  "      holding it lets it go\n", 0 },
	{ "port", "destroy", cmd_port_destroy, "port destroy NAME",
	  "      close (if open) and destroy a port: its name is free again,\n"
	  "      readers drain what they hold, then see the end. A closed port is\n"
	  "      reached by name for its owner only (and root), and only on a\n"
	  "      module of ABI 1.6 or later\n", 0 },
	{ "irq", "list", cmd_irq_list, "irq list",
	  "      devices bound to lkport and interrupt sources, with their\n"
	  "      counters (debugfs: needs root)\n", N_JSON },
	{ "irq", "bind", cmd_irq_bind, "irq bind DEVICE",
	  "      bind a PCI device (\"0000:00:04.0\") to the lkport driver\n"
	  "      (driver_override), unbinding its driver first; root\n", 0 },
	{ "irq", "unbind", cmd_irq_unbind, "irq unbind DEVICE",
	  "      give it back: unbind, clear driver_override\n", 0 },
	{ "irq", "wait", cmd_irq_wait,
	  "irq wait DEVICE|virtual [--mode auto|intx|msi] [--count N] [--timeout TIMEOUT] [--raise]",
	  "      make the device's interrupt source (CAP_SYS_ADMIN) and print each\n"
	  "      record as seq=N count=N ts=NS (CLOCK_MONOTONIC of its first\n"
	  "      interrupt), acking it; --count records (default 1; 0: until\n"
	  "      killed); --raise: raise each first (a virtual source, or an edu\n"
	  "      device)\n", N_TIMEOUT | N_JSON },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_notes(FILE *out, unsigned int notes)
{
	if (notes & N_TIMEOUT)
		fputs(note_timeout, out);
	if (notes & N_PERM)
		fputs(note_perm, out);
	if (notes & N_HOLD)
		fputs(note_hold, out);
	if (notes & N_JSON)
		fputs(note_json, out);
}

/* The whole usage, or with `group` only that group's commands. */
static void usage(FILE *out, const char *group)
{
	const char *last = "";
	unsigned int i;

	fputs(usage_head, out);
	for (i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];
		const char *g = c->group ? c->group : "";

		if (group && strcmp(g, group))
			continue;
		if (strcmp(g, last) && i)
			fputc('\n', out);
		last = g;
		fprintf(out, "  %s\n%s", c->synopsis, c->help);
	}
	fputs("\nOptions:\n", out);
	if (group && strcmp(group, "irq") == 0) {
		print_notes(out, N_TIMEOUT | N_JSON);
		return;
	}
	print_notes(out, N_TIMEOUT | N_PERM | N_HOLD | N_JSON);
	if (!group)
		fputs(usage_tail, out);
}

/* lkportctl COMMAND --help */
static void command_help(const struct command *c)
{
	printf("usage: lkportctl %s%s\n\n%s", c->synopsis,
	       c->notes & N_JSON ? " [--json]" : "", c->help);
	if (c->notes) {
		printf("\nOptions:\n");
		print_notes(stdout, c->notes);
	}
	printf("\nExit status: 0 ok, 1 the operation failed or timed out, 2 usage error.\n");
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	const char *group = NULL;
	bool help = false;
	unsigned int i;
	int a, words, kept;

	/* Line by line even into a pipe: scripts read "ready" and packets
	 * as they come. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* --json, --help and -h go anywhere before "--" (after it they are
	 * DATA); --json is taken out here, for every command. */
	for (a = 1, kept = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--")) {
			while (a < argc)
				argv[kept++] = argv[a++];
			break;
		}
		if (!strcmp(argv[a], "--json")) {
			json = true;
			continue;
		}
		if (is_help(argv[a]) || (kept == 1 && !strcmp(argv[a], "help"))) {
			help = true;
			continue;
		}
		argv[kept++] = argv[a];
	}
	argc = kept;
	argv[argc] = NULL;
	if (argc >= 2 && !strcmp(argv[1], "--version"))
		return print_tool_version();
	if (argc < 2) {
		usage(help ? stdout : stderr, NULL);
		return help ? 0 : EXIT_USAGE;
	}
	for (i = 0; i < NCOMMANDS && !cmd; i++) {
		const struct command *c = &commands[i];

		if (!c->group) {
			if (!strcmp(argv[1], c->name))
				cmd = c;
			continue;
		}
		if (strcmp(argv[1], c->group))
			continue;
		group = c->group;
		if (argc > 2 && !strcmp(argv[2], c->name))
			cmd = c;
	}
	if (help) {
		if (cmd)
			command_help(cmd);
		else
			usage(stdout, group);
		return 0;
	}
	if (group)
		snprintf(help_hint, sizeof(help_hint), "%s", group);
	if (cmd) {
		snprintf(help_hint, sizeof(help_hint), "%s%s%s", cmd->group ? cmd->group : "",
			 cmd->group ? " " : "", cmd->name);
		words = cmd->group ? 3 : 2;
		return cmd->run(argc - words, argv + words);
	}
	if (group && argc > 2)
		return usage_error("%s: unknown command '%s'", argv[1], argv[2]);
	if (group)
		return usage_error("%s: expected a command", argv[1]);
	return usage_error("unknown command '%s'", argv[1]);
}
