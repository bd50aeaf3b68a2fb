// SPDX-License-Identifier: GPL-2.0
//
// Status codes: Little Kernel's names and numeric values, one type for every
// result in the core. The ioctl layer maps them to errno in one table
// (module/linux/errmap.c).
#pragma once

namespace lk {

enum status_t : int {
    NO_ERROR = 0,
    ERR_GENERIC = -1,
    ERR_NOT_FOUND = -2,
    ERR_NOT_READY = -3,
    ERR_NO_MSG = -4,
    ERR_NO_MEMORY = -5,
    ERR_INVALID_ARGS = -8,
    ERR_NOT_ENOUGH_BUFFER = -9,
    ERR_OBJECT_DESTROYED = -11,
    ERR_NOT_BLOCKED = -12,
    ERR_TIMED_OUT = -13,
    ERR_ALREADY_EXISTS = -14,
    ERR_NOT_ALLOWED = -17,
    ERR_TOO_BIG = -25,
    ERR_CANCELLED = -26,
    ERR_BUSY = -33,
    ERR_THREAD_DETACHED = -34,
    ERR_BAD_HANDLE = -42,
    ERR_ACCESS_DENIED = -43,
    ERR_PARTIAL_WRITE = -44,

    // lkport's own, below LK's ERR_USER_BASE so they never collide with LK's.
    // LK has no signals: a wait made for user space that a signal ends
    // reports this.
    ERR_INTERRUPTED = -16385,
};

// The name of a status ("ERR_TIMED_OUT"), or "ERR_?" for an unknown value.
const char* status_name(int status);

}  // namespace lk
