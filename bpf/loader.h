/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space side of lkport-wakelat: what wakelat.c and pins.c share.
 */
#ifndef LKPORT_WAKELAT_LOADER_H
#define LKPORT_WAKELAT_LOADER_H

#include <stdbool.h>

#include "wakelat.h"

#define PROG_NAME	"lkport-wakelat"

struct bpf_link;
struct bpf_map;

/* Counter names, as printed and as used in pin names. */
extern const char *const counter_names[WL_NR_COUNTERS];

/*
 * One attached program, named after the counter it feeds; its link is
 * pinned as <pin dir>/link_<counter name>.
 */
struct attachment {
	enum wakelat_counter slot;
	struct bpf_link *link;
	bool pinned;
};

int pin_all(const char *dir, struct bpf_map *counts, struct attachment *att,
	    int n, bool *created_dir);
void unpin_all(const char *dir, struct bpf_map *counts,
	       struct attachment *att, int n, bool created_dir);

#endif /* LKPORT_WAKELAT_LOADER_H */
