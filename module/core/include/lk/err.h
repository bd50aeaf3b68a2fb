// SPDX-License-Identifier: GPL-2.0
//
// Status codes: Little Kernel's names and numeric values, one type for every
// result in the core, expanded from the one status list that the ioctl
// layer's errno table and liblkport are expanded from too.
#pragma once

#include <linux/lkport_status.h>

namespace lk {

// Values and names: uapi/linux/lkport_status.h (which includes nothing).
// lkport's own are below LK's ERR_USER_BASE, so they never collide with
// LK's. LK has no signals: a wait made for user space that a signal ends
// reports ERR_INTERRUPTED.
// [[nodiscard]]: a status dropped on the floor is a bug the compiler
// reports.
enum [[nodiscard]] status_t : int{
#define LK_STATUS_ENUM(name, value, err, inverse, text) name = value,
    LKPORT_STATUS_LIST(LK_STATUS_ENUM)
#undef LK_STATUS_ENUM
};

// How many statuses the list has.
inline constexpr int kStatusCount = 0
#define LK_STATUS_COUNT(name, value, err, inverse, text) +1
    LKPORT_STATUS_LIST(LK_STATUS_COUNT)
#undef LK_STATUS_COUNT
    ;

// The name of a status ("ERR_TIMED_OUT"), or "ERR_?" for an unknown value.
const char* status_name(int status);

}  // namespace lk
