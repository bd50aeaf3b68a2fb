// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-wakelat: pinning the counter map and the links in bpffs, so that
 * bpftool (map dump pinned <dir>/counts, link show) can look at a run, and
 * so that --keep-pins can leave the programs attached after exit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "loader.h"

static void pin_error(const char *dir, const char *path, int err)
{
	fprintf(stderr, PROG_NAME ": pinning %s: %s\n", path, strerror(-err));
	if (err == -EEXIST)
		fprintf(stderr, PROG_NAME ": another instance is running, or "
			"--keep-pins left it; remove it or use --pin/--no-pin\n");
	else if (err == -EINVAL)
		fprintf(stderr, PROG_NAME ": %s is not on a bpf filesystem\n",
			dir);
}

/*
 * The links go first and the counter map last, so that once <dir>/counts
 * exists everything is attached and pinned: scripts can wait for it.
 * On failure the caller still calls unpin_all() to undo what was done.
 */
int pin_all(const char *dir, struct bpf_map *counts, struct attachment *att,
	    int n, bool *created_dir)
{
	char path[4096];
	int err, i;

	if (!mkdir(dir, 0700)) {
		*created_dir = true;
	} else if (errno != EEXIST) {
		err = errno;
		fprintf(stderr, PROG_NAME ": creating %s: %s (%s)\n", dir,
			strerror(err), err == EPERM ?
			"names on a bpf filesystem may not contain '.'" :
			"is a bpf filesystem mounted at /sys/fs/bpf?");
		return -1;
	}

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/link_%s", dir,
			 counter_names[att[i].slot]);
		err = bpf_link__pin(att[i].link, path);
		if (err) {
			pin_error(dir, path, err);
			return -1;
		}
		att[i].pinned = true;
	}

	snprintf(path, sizeof(path), "%s/counts", dir);
	err = bpf_map__pin(counts, path);
	if (err) {
		pin_error(dir, path, err);
		return -1;
	}
	return 0;
}

void unpin_all(const char *dir, struct bpf_map *counts,
	       struct attachment *att, int n, bool created_dir)
{
	int i;

	for (i = 0; i < n; i++)
		if (att[i].pinned)
			bpf_link__unpin(att[i].link);
	if (bpf_map__is_pinned(counts))
		bpf_map__unpin(counts, NULL);
	/* Fails, harmlessly, if something else was put there meanwhile. */
	if (created_dir)
		rmdir(dir);
}
