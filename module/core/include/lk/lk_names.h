/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LK's own names for the kernel C API (lk/capi.h), for module code ported
 * from Little Kernel: mutex_t, sem_post(s, resched), event_signal(e,
 * resched), port_create, NO_ERROR, ERR_TIMED_OUT, INFINITE_TIME, ...
 *
 * Include it after every <linux/...> header of the file: its names are
 * macros, and a Linux header that came later and used one of them for
 * its own (a struct field called event_wait, say) would be rewritten.
 *
 * Where LK's names collide with Linux's. mutex_init (a macro of
 * <linux/mutex.h>), mutex_destroy (its function), mutex_acquire and
 * mutex_release (lockdep's annotations in <linux/lockdep.h>) are Linux's
 * in every file that includes <linux/sched.h> or nearly anything else. So
 * they are mapped only on request: define LK_NAMES_MUTEX before including
 * this header, and it takes those four names over for the rest of the
 * file (after #undef-ing Linux's macros). That works in a file that,
 * below the include, uses no Linux mutex and no lockdep annotation under
 * those names; such a file can still call Linux's mutexes through
 * __mutex_init/mutex_lock/mutex_unlock (mutex_init's own body). In any
 * other file, use the lk_ names for these four (lk_mutex_init,
 * lk_mutex_destroy, lk_mutex_acquire, lk_mutex_release): there is no way
 * for one name to mean both. The other mutex calls (mutex_acquire_timeout,
 * is_mutex_held) and every semaphore, event and port name collide with
 * nothing in Linux and are always mapped.
 *
 * Left out: LK's spin_lock family (Linux's own names, for Linux's
 * spinlocks, which a module should use), threads and timers (Linux's
 * kthreads and hrtimers do that). event_init and event_wait are Linux
 * struct fields too (perf's, PSI's, DRM's): they are function-like
 * macros, which leave a field alone unless it is called, and come after
 * every Linux header as said above.
 *
 * Semantics are lk/capi.h's; LK's functions that return nothing
 * (mutex_init, sem_init, event_init, the destroys) are still void here.
 */
#ifndef LK_LK_NAMES_H
#define LK_LK_NAMES_H

#include <lk/capi.h>

typedef int status_t;
typedef lk_mutex_t mutex_t;
typedef lk_semaphore_t semaphore_t;
typedef lk_event_t event_t;
typedef lk_port_t port_t;
typedef lk_port_mode_t port_mode_t;
typedef lk_port_packet_t port_packet_t;
typedef lk_port_result_t port_result_t;

/* NO_ERROR, ERR_TIMED_OUT, ...: LK's status names and values. */
enum {
#define LK_NAMES_STATUS(name, value, err, inverse, text) name = LK_##name,
	LKPORT_STATUS_LIST(LK_NAMES_STATUS)
#undef LK_NAMES_STATUS
};

#define INFINITE_TIME			LK_INFINITE_TIME
#define EVENT_FLAG_AUTOUNSIGNAL		LK_EVENT_FLAG_AUTOUNSIGNAL
#define PORT_MODE_BROADCAST		LK_PORT_MODE_BROADCAST
#define PORT_MODE_UNICAST		LK_PORT_MODE_UNICAST
#define PORT_MODE_BIG_BUFFER		LK_PORT_MODE_BIG_BUFFER

#define MUTEX_INITIAL_VALUE(m)		LK_MUTEX_INITIAL_VALUE(m)
#define SEMAPHORE_INITIAL_VALUE(s, c)	LK_SEMAPHORE_INITIAL_VALUE(s, c)
#define EVENT_INITIAL_VALUE(e, i, f)	LK_EVENT_INITIAL_VALUE(e, i, f)

/* ---- mutex: two names always, four on request (see above) ----------------- */
#define mutex_acquire_timeout		lk_mutex_acquire_timeout
#define is_mutex_held			lk_is_mutex_held

#ifdef LK_NAMES_MUTEX
#undef mutex_init
#undef mutex_destroy
#undef mutex_acquire
#undef mutex_release
#define mutex_init			lk_mutex_init
#define mutex_destroy			lk_mutex_destroy
#define mutex_acquire			lk_mutex_acquire
#define mutex_release			lk_mutex_release
#endif

/* ---- semaphore ---------------------------------------------------------------- */
#define sem_init			lk_sem_init
#define sem_destroy			lk_sem_destroy
#define sem_post(s, resched)		lk_sem_post_resched(s, resched)
#define sem_wait			lk_sem_wait
#define sem_trywait			lk_sem_trywait
#define sem_timedwait			lk_sem_timedwait
/* Not LK's (LK code reads the field): the count, as lk_sem_count. */
#define sem_count			lk_sem_count

/* ---- event ---------------------------------------------------------------------- */
#define event_init(e, initial, flags)	lk_event_init(e, initial, flags)
#define event_destroy			lk_event_destroy
#define event_wait(e)			lk_event_wait(e)
#define event_wait_timeout		lk_event_wait_timeout
#define event_signal(e, resched)	lk_event_signal_resched(e, resched)
#define event_unsignal			lk_event_unsignal
#define event_initialized(e)		((e)->init == LK_INIT_READY || (e)->init == LK_INIT_STATIC)

/* ---- ports ---------------------------------------------------------------------- */
#define port_create			lk_port_create
#define port_open			lk_port_open
#define port_group			lk_port_group
#define port_group_add			lk_port_group_add
#define port_group_remove		lk_port_group_remove
#define port_write			lk_port_write
#define port_read			lk_port_read
#define port_destroy			lk_port_destroy
#define port_close			lk_port_close
#define port_read_timeout		lk_port_read_timeout
#define port_group_create		lk_port_group_create
#define port_group_read_timeout		lk_port_group_read_timeout

#endif /* LK_LK_NAMES_H */
