/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection at the module's allocation sites: root names a thread
 * and an n in /sys/kernel/debug/lkport/fault/, and the nth allocation that
 * thread makes at any site fails as if memory had run out. Off (a static
 * key, patched out) until a thread is named. HACKING.md says how to use it.
 */
#ifndef LKPORT_FAULT_H
#define LKPORT_FAULT_H

#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/types.h>

#include <lk/os.h>

/* Every allocation site: the core's (lk/os.h, through lkos_alloc) first,
 * then the glue's. fault.c names each one. */
enum lkport_fault_site {
	LKPORT_SITE_ACCOUNT = LKOS_SITES,	/* object.c: a user's account */
	LKPORT_SITE_FD,				/* object.c: an fd and its file */
	LKPORT_SITE_EVENT,			/* event_fd.c: an event */
	LKPORT_SITE_WPORT,			/* port_fd.c: a write port */
	LKPORT_SITE_WRITE_PACKETS,		/* port_fd.c: packets to write */
	LKPORT_SITE_READ_RESULTS,		/* port_fd.c: packets read */
	LKPORT_SITE_READER,			/* port_fd.c: a read port or group */
	LKPORT_SITE_GROUP_FDS,			/* port_fd.c: a new group's fds */
	LKPORT_SITE_GROUP_MEMBERS,		/* ... its members */
	LKPORT_SITE_GROUP_FILES,		/* ... their files */
	LKPORT_SITE_IRQ,			/* irq.c: an interrupt source */
	LKPORT_SITE_IRQ_TARGET,			/* irq.c: its delivery target */
	LKPORT_FAULT_SITES
};

DECLARE_STATIC_KEY_FALSE(lkport_fault_key);

/* Counts an allocation at site by the calling thread; true if it is the
 * one to fail. Any context (never true outside task context). */
bool lkport_fault_fires(unsigned int site);

/* Should this allocation fail? A patched-out branch while fault injection
 * is off. */
static __always_inline bool lkport_fault(unsigned int site)
{
	return static_branch_unlikely(&lkport_fault_key) && lkport_fault_fires(site);
}

/* alloc, unless site is to fail now: then NULL, and alloc is not made. */
#define lkport_fault_alloc(site, alloc) (lkport_fault(site) ? NULL : (alloc))

struct dentry;
void lkport_fault_debugfs_init(struct dentry *parent);
void lkport_fault_exit(void);

#endif /* LKPORT_FAULT_H */
