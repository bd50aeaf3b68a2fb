// SPDX-License-Identifier: GPL-2.0
//
// Checks. LK_WARN reports misuse through the kernel's WARN and lets the
// caller refuse the operation; it never corrupts state to carry on.
// LK_DEBUG_ASSERT and magic-number validation exist in debug builds
// (LK_DEBUG=1: `make LKPORT_DEBUG=1`, and always in the host tests).
#pragma once

#include <lk/os.h>

#ifndef LK_DEBUG
#define LK_DEBUG 0
#endif

#define LK_WARN(what) lkos_warn(__FILE__, __LINE__, what)

// Evaluates to cond; WARNs when it is true.
#define LK_WARN_ON(cond) \
    ({ \
        bool lk_warn_on_ = (cond); \
        if (__builtin_expect(lk_warn_on_, 0)) LK_WARN(#cond); \
        lk_warn_on_; \
    })

#if LK_DEBUG
#define LK_DEBUG_ASSERT(cond) \
    do { \
        if (__builtin_expect(!(cond), 0)) LK_WARN("assertion failed: " #cond); \
    } while (0)
#else
#define LK_DEBUG_ASSERT(cond) \
    do { \
        (void)sizeof(cond); \
    } while (0)
#endif

// Every core object carries a magic number; debug builds check it on entry
// to each operation, so a stale or wild pointer is reported, not followed.
#define LK_ASSERT_MAGIC(obj, value) LK_DEBUG_ASSERT((obj)->magic_ == (value))

namespace lk {
// Four-character magic numbers, as LK writes them.
constexpr unsigned int magic(char a, char b, char c, char d) {
    return (unsigned(a) << 24) | (unsigned(b) << 16) | (unsigned(c) << 8) | unsigned(d);
}
}  // namespace lk
