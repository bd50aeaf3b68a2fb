/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LK's own names for <lkport/lk.h>, for code ported from Little Kernel.
 * Include it only where nothing else defines these names.
 */
#ifndef LKPORT_LK_COMPAT_H
#define LKPORT_LK_COMPAT_H

#include <lkport/lk.h>

typedef lk_status_t status_t;
typedef lk_event_t event_t;
typedef lk_port_t port_t;
typedef lk_port_mode_t port_mode_t;
typedef lk_port_packet_t port_packet_t;
typedef lk_port_result_t port_result_t;

/* NO_ERROR, ERR_TIMED_OUT, ...: LK's status names. */
enum {
#define LK_COMPAT_STATUS(name, value, err, inverse, text) name = LK_##name,
	LKPORT_STATUS_LIST(LK_COMPAT_STATUS)
#undef LK_COMPAT_STATUS
};

#define INFINITE_TIME		LK_INFINITE_TIME
#define EVENT_FLAG_AUTOUNSIGNAL	LK_EVENT_FLAG_AUTOUNSIGNAL
#define PORT_MODE_BROADCAST	LK_PORT_MODE_BROADCAST
#define PORT_MODE_UNICAST	LK_PORT_MODE_UNICAST
#define PORT_MODE_BIG_BUFFER	LK_PORT_MODE_BIG_BUFFER

/* LK's event_init: an anonymous event (pass its fd to share it); a named
 * one, shared by name, is lk_event_create's. event_destroy ends the event
 * for every handle, as LK's does (lk_event_destroy_all). */
#define event_init		lk_event_init
#define event_destroy		lk_event_destroy_all
#define event_wait		lk_event_wait
#define event_wait_timeout	lk_event_wait_timeout
#define event_signal(e, resched)	lk_event_signal(e)
#define event_unsignal		lk_event_unsignal

/* LK's rule: a name in use gives ERR_ALREADY_EXISTS and the existing port. */
#define port_create		lk_port_create_shared
#define port_open		lk_port_open
#define port_group		lk_port_group
#define port_group_add		lk_port_group_add
#define port_group_remove	lk_port_group_remove
#define port_write		lk_port_write
#define port_read		lk_port_read
#define port_close		lk_port_close
#define port_destroy		lk_port_destroy
#define port_read_timeout	lk_port_read_timeout
#define port_group_create	lk_port_group_create
#define port_group_read_timeout	lk_port_group_read_timeout

#endif /* LKPORT_LK_COMPAT_H */
