// SPDX-License-Identifier: GPL-2.0
/*
 * lkport-wakelat: pinning the maps (with their BTF, so that bpftool map
 * dump pinned prints typed records) and the links in bpffs, under a
 * directory named after the maps' layout version, so that --keep-pins can
 * leave the programs attached after exit and a later version never reads
 * an old layout.
 */
#include <dirent.h>
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
			"--keep-pins left it; --reset removes it\n");
	else if (err == -EINVAL)
		fprintf(stderr, PROG_NAME ": %s is not on a bpf filesystem\n",
			dir);
}

/* mkdir -p for the last two components (e.g. .../lkport/wakelat-v2). */
static int make_dir(const char *dir, bool *created)
{
	char parent[4096], *slash;
	int err;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir(parent, 0700) && errno != EEXIST) {
			err = errno;
			fprintf(stderr, PROG_NAME ": creating %s: %s\n", parent,
				strerror(err));
			return -1;
		}
	}
	if (!mkdir(dir, 0700)) {
		*created = true;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	err = errno;
	fprintf(stderr, PROG_NAME ": creating %s: %s (%s)\n", dir,
		strerror(err), err == EPERM ?
		"names on a bpf filesystem may not contain '.'" :
		"is a bpf filesystem mounted at /sys/fs/bpf?");
	return -1;
}

int pin_all(const char *dir, struct pinned_map *maps, int nmaps,
	    struct attachment *att, int n, bool *created_dir)
{
	char path[4096];
	int err, i;

	if (make_dir(dir, created_dir))
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/link_%s", dir, att[i].name);
		err = bpf_link__pin(att[i].link, path);
		if (err) {
			pin_error(dir, path, err);
			return -1;
		}
		att[i].pinned = true;
	}
	for (i = 0; i < nmaps; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, maps[i].name);
		err = bpf_map__pin(maps[i].map, path);
		if (err) {
			pin_error(dir, path, err);
			return -1;
		}
	}
	return 0;
}

void unpin_all(const char *dir, struct pinned_map *maps, int nmaps,
	       struct attachment *att, int n, bool created_dir)
{
	int i;

	for (i = 0; i < n; i++)
		if (att[i].pinned)
			bpf_link__unpin(att[i].link);
	for (i = 0; i < nmaps; i++)
		if (bpf_map__is_pinned(maps[i].map))
			bpf_map__unpin(maps[i].map, NULL);
	/* Fails, harmlessly, if something else was put there meanwhile. */
	if (created_dir)
		rmdir(dir);
}

int remove_pins(const char *dir)
{
	char path[4096];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int ret = 0;

	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		/* A pinned link goes with its pin: the program detaches. */
		if (unlink(path))
			ret = -errno;
	}
	closedir(dp);
	if (rmdir(dir) && errno != ENOENT)
		ret = -errno;
	return ret;
}
