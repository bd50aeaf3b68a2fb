// SPDX-License-Identifier: GPL-2.0
#include <lk/capi.h>
#include <lk/err.h>

namespace lk {

const char* status_name(int status) {
    switch (status) {
#define LK_STATUS_NAME(s) \
    case s: return #s;
        LK_STATUS_NAME(NO_ERROR)
        LK_STATUS_NAME(ERR_GENERIC)
        LK_STATUS_NAME(ERR_NOT_FOUND)
        LK_STATUS_NAME(ERR_NOT_READY)
        LK_STATUS_NAME(ERR_NO_MSG)
        LK_STATUS_NAME(ERR_NO_MEMORY)
        LK_STATUS_NAME(ERR_INVALID_ARGS)
        LK_STATUS_NAME(ERR_NOT_ENOUGH_BUFFER)
        LK_STATUS_NAME(ERR_OBJECT_DESTROYED)
        LK_STATUS_NAME(ERR_NOT_BLOCKED)
        LK_STATUS_NAME(ERR_TIMED_OUT)
        LK_STATUS_NAME(ERR_ALREADY_EXISTS)
        LK_STATUS_NAME(ERR_NOT_ALLOWED)
        LK_STATUS_NAME(ERR_TOO_BIG)
        LK_STATUS_NAME(ERR_CANCELLED)
        LK_STATUS_NAME(ERR_BUSY)
        LK_STATUS_NAME(ERR_THREAD_DETACHED)
        LK_STATUS_NAME(ERR_BAD_HANDLE)
        LK_STATUS_NAME(ERR_ACCESS_DENIED)
        LK_STATUS_NAME(ERR_PARTIAL_WRITE)
        LK_STATUS_NAME(ERR_INTERRUPTED)
#undef LK_STATUS_NAME
    }
    return "ERR_?";
}

}  // namespace lk

extern "C" const char* lk_status_name(int status) { return lk::status_name(status); }
