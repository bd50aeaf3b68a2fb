/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space side of lkport-wakelat: what wakelat.c and pins.c share.
 */
#ifndef LKPORT_WAKELAT_LOADER_H
#define LKPORT_WAKELAT_LOADER_H

#include <stdbool.h>
#include <linux/types.h>

#include "wakelat.h"

#define PROG_NAME	"lkport-wakelat"

struct bpf_link;
struct bpf_map;

/* One attached program; its link is pinned as <pin dir>/link_<name>. */
struct attachment {
	const char *name;
	struct bpf_link *link;
	bool pinned;
};

/* A map pinned as <pin dir>/<name>. */
struct pinned_map {
	const char *name;
	struct bpf_map *map;
};

/* The maps last: once <dir>/counters exists, everything is pinned. */
int pin_all(const char *dir, struct pinned_map *maps, int nmaps,
	    struct attachment *att, int n, bool *created_dir);
void unpin_all(const char *dir, struct pinned_map *maps, int nmaps,
	       struct attachment *att, int n, bool created_dir);
/* --reset: removes what a run with --keep-pins left in dir. */
int remove_pins(const char *dir);

#endif /* LKPORT_WAKELAT_LOADER_H */
