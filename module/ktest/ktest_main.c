// SPDX-License-Identifier: GPL-2.0
/*
 * lkport_ktest: in-kernel tests and benchmarks of lkport's core.
 *
 * Nothing runs at load time. Under /sys/kernel/debug/lkport_ktest/:
 *
 *   run      write "all", "stress", a suite ("event") or a case
 *            ("event.basic"; several may be given, separated by spaces or
 *            commas; "stress" or "scale=N"
 *            multiplies every test's iterations). The write runs the tests
 *            in the writer's context and returns when they are done:
 *            -EIO if any failed, -EINVAL for an unknown name. Reading it
 *            gives the same text as "results".
 *   results  KTAP version 1 output of the last run.
 *   bench    write "all" (or "uncontended", "wake"; optional "rounds=N")
 *            to run the benchmarks; read for their last output.
 *
 * Each line of output is also printed to the kernel log.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "ktest.h"

static const struct lkt_suite *const lkt_suites[] = {
	&lkt_mutex_suite,
	&lkt_sem_suite,
	&lkt_event_suite,
	&lkt_port_suite,
	&lkt_handler_suite,
	&lkt_lk_names_suite,
};

#define LKT_NSUITES ARRAY_SIZE(lkt_suites)

static DEFINE_MUTEX(lkt_lock);		/* one run at a time; guards the logs' readers */
static struct lkt_log lkt_test_log;
static struct lkt_log lkt_bench_log;
static struct dentry *lkt_dir;

/* ---- selection -------------------------------------------------------- */

struct lkt_selection {
	u64 cases[LKT_NSUITES];		/* bit j: case j of suite i */
	unsigned int scale;
	const char *mode;
};

/* name: "all", a suite, or suite.case as the results print it. */
static bool lkt_select(struct lkt_selection *sel, const char *name)
{
	const char *dot = strchr(name, '.');
	size_t slen = dot ? dot - name : strlen(name);
	unsigned int i, j;
	bool found = false;

	for (i = 0; i < LKT_NSUITES; i++) {
		const struct lkt_suite *s = lkt_suites[i];

		if (!strcmp(name, "all") || !strcmp(name, s->name)) {
			sel->cases[i] = GENMASK_ULL(s->n_cases - 1, 0);
			found = true;
			continue;
		}
		if (!dot || strlen(s->name) != slen || strncmp(name, s->name, slen))
			continue;
		for (j = 0; j < s->n_cases; j++) {
			if (!strcmp(dot + 1, s->cases[j].name)) {
				sel->cases[i] |= BIT_ULL(j);
				found = true;
			}
		}
	}
	return found;
}

/* Parses cmd (modified in place); -EINVAL on an unknown word. */
static int lkt_parse(struct lkt_log *log, char *cmd, struct lkt_selection *sel)
{
	bool any = false;
	char *word;

	memset(sel, 0, sizeof(*sel));
	sel->scale = 1;
	sel->mode = "normal";
	while ((word = strsep(&cmd, " ,\t\n")) != NULL) {
		if (!*word)
			continue;
		if (!strcmp(word, "stress")) {
			sel->scale = LKT_STRESS_SCALE;
			sel->mode = "stress";
		} else if (!strncmp(word, "scale=", 6)) {
			if (kstrtouint(word + 6, 10, &sel->scale) || !sel->scale ||
			    sel->scale > 1000) {
				lkt_log_line(log, "# bad scale: %s (1..1000)", word + 6);
				return -EINVAL;
			}
			sel->mode = "scaled";
		} else if (lkt_select(sel, word)) {
			any = true;
		} else {
			lkt_log_line(log, "# unknown test or suite: %s", word);
			return -EINVAL;
		}
	}
	if (!any)
		lkt_select(sel, "all");
	return 0;
}

/* ---- running ---------------------------------------------------------- */

struct lkt_totals {
	unsigned int pass, fail, skip;
};

/* Reports each case as suite.case, the name lkt_select takes. */
static bool lkt_run_case(struct lkt_log *log, const struct lkt_suite *s,
			 const struct lkt_case *c, unsigned int num, unsigned int scale,
			 struct lkt_totals *tot)
{
	char name[64];
	struct lkt t = {
		.name = name,
		.log = log,
		.scale = scale,
	};
	u64 start;
	int failures;

	snprintf(name, sizeof(name), "%s.%s", s->name, c->name);
	atomic_set(&t.failures, 0);
	atomic_set(&t.diag_left, LKT_DIAG_BUDGET);
	start = lkt_now();
	c->run(&t);
	failures = atomic_read(&t.failures);
	lkt_diag(&t, "%s: %llu ms", t.name, lkt_ms_since(start));
	if (failures) {
		lkt_diag(&t, "%s: %d failed checks", t.name, failures);
		lkt_log_line(log, "    not ok %u %s", num, t.name);
		tot->fail++;
		return false;
	}
	if (t.skipped) {
		lkt_log_line(log, "    ok %u %s # SKIP %s", num, t.name, t.skip_reason);
		tot->skip++;
		return true;
	}
	lkt_log_line(log, "    ok %u %s", num, t.name);
	tot->pass++;
	return true;
}

int lkt_run_tests(struct lkt_log *log, const char *cmd_in)
{
	struct lkt_totals tot = {};
	struct lkt_selection sel;
	unsigned int i, j, nsuites = 0, snum = 0;
	char cmd[128];
	int ret;

	lkt_log_reset(log);
	strscpy(cmd, cmd_in, sizeof(cmd));
	ret = lkt_parse(log, cmd, &sel);
	if (ret)
		return ret;
	lkt_cpus_snapshot();
	for (i = 0; i < LKT_NSUITES; i++)
		if (sel.cases[i])
			nsuites++;

	lkt_log_line(log, "KTAP version 1");
	lkt_log_line(log, "1..%u", nsuites);
	lkt_log_line(log, "# lkport_ktest: %s mode (scale %u), %u CPUs online, kernel %s",
		     sel.mode, sel.scale, lkt_ncpus(), utsname()->release);
	for (i = 0; i < LKT_NSUITES; i++) {
		const struct lkt_suite *s = lkt_suites[i];
		unsigned int ncases = hweight64(sel.cases[i]), cnum = 0;
		struct lkt_totals st = {};

		if (!ncases)
			continue;
		snum++;
		lkt_log_line(log, "    KTAP version 1");
		lkt_log_line(log, "    # Subtest: %s", s->name);
		lkt_log_line(log, "    1..%u", ncases);
		for (j = 0; j < s->n_cases; j++)
			if (sel.cases[i] & BIT_ULL(j))
				lkt_run_case(log, s, &s->cases[j], ++cnum, sel.scale, &st);
		lkt_log_line(log, "    # %s: pass:%u fail:%u skip:%u total:%u", s->name,
			     st.pass, st.fail, st.skip, ncases);
		if (st.fail)
			lkt_log_line(log, "not ok %u %s", snum, s->name);
		else if (st.skip == ncases)
			lkt_log_line(log, "ok %u %s # SKIP", snum, s->name);
		else
			lkt_log_line(log, "ok %u %s", snum, s->name);
		tot.pass += st.pass;
		tot.fail += st.fail;
		tot.skip += st.skip;
	}
	lkt_log_line(log, "# Totals: pass:%u fail:%u skip:%u", tot.pass, tot.fail, tot.skip);
	return tot.fail ? -EIO : 0;
}

/* ---- debugfs ---------------------------------------------------------- */

static ssize_t lkt_log_read(struct lkt_log *log, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	ssize_t ret;

	if (mutex_lock_interruptible(&lkt_lock))
		return -EINTR;
	ret = simple_read_from_buffer(ubuf, len, ppos, log->buf, log->len);
	mutex_unlock(&lkt_lock);
	return ret;
}

static ssize_t lkt_cmd_write(const char __user *ubuf, size_t len, bool bench)
{
	char cmd[128];
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	if (mutex_lock_interruptible(&lkt_lock))
		return -EINTR;
	if (bench)
		ret = lkt_run_bench(&lkt_bench_log, strim(cmd));
	else
		ret = lkt_run_tests(&lkt_test_log, strim(cmd));
	mutex_unlock(&lkt_lock);
	return ret < 0 ? ret : len;
}

static ssize_t lkt_run_write(struct file *file, const char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	return lkt_cmd_write(ubuf, len, false);
}

static ssize_t lkt_results_read(struct file *file, char __user *ubuf, size_t len,
				loff_t *ppos)
{
	return lkt_log_read(&lkt_test_log, ubuf, len, ppos);
}

static ssize_t lkt_bench_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	return lkt_cmd_write(ubuf, len, true);
}

static ssize_t lkt_bench_read(struct file *file, char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	return lkt_log_read(&lkt_bench_log, ubuf, len, ppos);
}

static const struct file_operations lkt_run_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lkt_results_read,
	.write = lkt_run_write,
	.llseek = default_llseek,
};

static const struct file_operations lkt_results_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lkt_results_read,
	.llseek = default_llseek,
};

static const struct file_operations lkt_bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lkt_bench_read,
	.write = lkt_bench_write,
	.llseek = default_llseek,
};

static int __init lkt_init(void)
{
	int ret;

	ret = lkt_log_init(&lkt_test_log, 256 * 1024, true);
	if (ret)
		return ret;
	ret = lkt_log_init(&lkt_bench_log, 64 * 1024, true);
	if (ret)
		goto err_test_log;
	lkt_dir = debugfs_create_dir("lkport_ktest", NULL);
	if (IS_ERR_OR_NULL(lkt_dir)) {
		pr_err("lkport_ktest: debugfs is not available\n");
		ret = -ENODEV;
		goto err_bench_log;
	}
	debugfs_create_file("run", 0600, lkt_dir, NULL, &lkt_run_fops);
	debugfs_create_file("results", 0400, lkt_dir, NULL, &lkt_results_fops);
	debugfs_create_file("bench", 0600, lkt_dir, NULL, &lkt_bench_fops);
	pr_info("lkport_ktest: loaded; write \"all\" to /sys/kernel/debug/lkport_ktest/run\n");
	return 0;

err_bench_log:
	lkt_log_free(&lkt_bench_log);
err_test_log:
	lkt_log_free(&lkt_test_log);
	return ret;
}

static void __exit lkt_exit(void)
{
	debugfs_remove_recursive(lkt_dir);
	lkt_cpus_free();
	lkt_log_free(&lkt_bench_log);
	lkt_log_free(&lkt_test_log);
}

module_init(lkt_init);
module_exit(lkt_exit);

MODULE_DESCRIPTION("In-kernel tests and benchmarks of lkport's LK primitives");
MODULE_LICENSE("GPL");
