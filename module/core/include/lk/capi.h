/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core's C entry points, for the Linux glue (module/linux). Plain C,
 * opaque handles; the C++ behind them lives in module/core.
 */
#ifndef LK_CAPI_H
#define LK_CAPI_H

#include <lk/os.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Explicit set-up and tear-down of the core's global state (modules run no
 * global constructors). Thread context. lk_core_init returns an LK status. */
int lk_core_init(void);
void lk_core_exit(void);

/* "ERR_TIMED_OUT" for -13; any context. */
const char *lk_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* LK_CAPI_H */
