// SPDX-License-Identifier: GPL-2.0
/*
 * LK's C API (lk/capi.h), exported so that other modules can use the
 * primitives: the in-kernel tests (lkport_ktest.ko) and drivers that want
 * LK's semantics. The functions themselves are C++ in module/core.
 */
#include <linux/export.h>

#include <lk/capi.h>

EXPORT_SYMBOL_GPL(lk_status_name);

EXPORT_SYMBOL_GPL(lk_mutex_init);
EXPORT_SYMBOL_GPL(lk_mutex_destroy);
EXPORT_SYMBOL_GPL(lk_mutex_acquire);
EXPORT_SYMBOL_GPL(lk_mutex_acquire_timeout);
EXPORT_SYMBOL_GPL(lk_mutex_release);
EXPORT_SYMBOL_GPL(lk_is_mutex_held);

EXPORT_SYMBOL_GPL(lk_sem_init);
EXPORT_SYMBOL_GPL(lk_sem_destroy);
EXPORT_SYMBOL_GPL(lk_sem_post);
EXPORT_SYMBOL_GPL(lk_sem_post_resched);
EXPORT_SYMBOL_GPL(lk_sem_count);
EXPORT_SYMBOL_GPL(lk_sem_wait);
EXPORT_SYMBOL_GPL(lk_sem_trywait);
EXPORT_SYMBOL_GPL(lk_sem_timedwait);

EXPORT_SYMBOL_GPL(lk_event_init);
EXPORT_SYMBOL_GPL(lk_event_destroy);
EXPORT_SYMBOL_GPL(lk_event_wait);
EXPORT_SYMBOL_GPL(lk_event_wait_timeout);
EXPORT_SYMBOL_GPL(lk_event_wait_deadline);
EXPORT_SYMBOL_GPL(lk_event_signal);
EXPORT_SYMBOL_GPL(lk_event_signal_resched);
EXPORT_SYMBOL_GPL(lk_event_unsignal);
EXPORT_SYMBOL_GPL(lk_event_shutdown);
EXPORT_SYMBOL_GPL(lk_event_is_shut_down);
EXPORT_SYMBOL_GPL(lk_event_is_signaled);
EXPORT_SYMBOL_GPL(lk_event_waiters);
EXPORT_SYMBOL_GPL(lk_event_id);
EXPORT_SYMBOL_GPL(lk_event_set_notify);

EXPORT_SYMBOL_GPL(lk_port_create);
EXPORT_SYMBOL_GPL(lk_port_create_ex);
EXPORT_SYMBOL_GPL(lk_port_open);
EXPORT_SYMBOL_GPL(lk_port_open_ex);
EXPORT_SYMBOL_GPL(lk_port_group);
EXPORT_SYMBOL_GPL(lk_port_group_add);
EXPORT_SYMBOL_GPL(lk_port_group_remove);
EXPORT_SYMBOL_GPL(lk_port_write);
EXPORT_SYMBOL_GPL(lk_port_read);
EXPORT_SYMBOL_GPL(lk_port_read_many);
EXPORT_SYMBOL_GPL(lk_port_destroy);
EXPORT_SYMBOL_GPL(lk_port_close);
EXPORT_SYMBOL_GPL(lk_port_read_timeout);
EXPORT_SYMBOL_GPL(lk_port_group_create);
EXPORT_SYMBOL_GPL(lk_port_group_read_timeout);
EXPORT_SYMBOL_GPL(lk_port_readable);
EXPORT_SYMBOL_GPL(lk_port_set_notify);
EXPORT_SYMBOL_GPL(lk_port_capacity);
EXPORT_SYMBOL_GPL(lk_port_user);
EXPORT_SYMBOL_GPL(lk_port_find_writer);
EXPORT_SYMBOL_GPL(lk_port_write_ex);
EXPORT_SYMBOL_GPL(lk_port_info);

EXPORT_SYMBOL_GPL(lk_write_port_create);
EXPORT_SYMBOL_GPL(lk_write_port_find);
EXPORT_SYMBOL_GPL(lk_write_port_write);
EXPORT_SYMBOL_GPL(lk_write_port_write_wait);
EXPORT_SYMBOL_GPL(lk_write_port_close);
EXPORT_SYMBOL_GPL(lk_write_port_destroy);
EXPORT_SYMBOL_GPL(lk_write_port_capacity);
EXPORT_SYMBOL_GPL(lk_write_port_user);
EXPORT_SYMBOL_GPL(lk_write_port_info);
EXPORT_SYMBOL_GPL(lk_read_port_open);
EXPORT_SYMBOL_GPL(lk_read_port_read_many);
EXPORT_SYMBOL_GPL(lk_read_port_readable);
EXPORT_SYMBOL_GPL(lk_read_port_set_notify);
EXPORT_SYMBOL_GPL(lk_read_port_close);
EXPORT_SYMBOL_GPL(lk_read_port_info);
EXPORT_SYMBOL_GPL(lk_port_group_new);
EXPORT_SYMBOL_GPL(lk_port_group_add_member);
EXPORT_SYMBOL_GPL(lk_port_group_remove_member);
EXPORT_SYMBOL_GPL(lk_port_group_read_many);
EXPORT_SYMBOL_GPL(lk_port_group_readable);
EXPORT_SYMBOL_GPL(lk_port_group_set_notify);
EXPORT_SYMBOL_GPL(lk_port_group_close);
EXPORT_SYMBOL_GPL(lk_port_group_info);

EXPORT_SYMBOL_GPL(lk_handler_register);
EXPORT_SYMBOL_GPL(lk_handler_handle);
EXPORT_SYMBOL_GPL(lk_handler_unregister);
