// SPDX-License-Identifier: GPL-2.0
//
// The core's allocation functions, on the system allocator (kmalloc in the
// module). Only the non-throwing forms exist: `new (lk::nothrow) T` yields
// nullptr on failure and every caller checks. A plain `new` would reference
// the throwing operator new, which is defined nowhere, so it cannot link.
//
// Every object the core allocates this way (write ports, read ports, port
// groups) is made because a caller asked: it is charged to the caller's
// memory cgroup (LKOS_ALLOC_ACCOUNT), as its rings are.
#include <lk/types.h>

void* operator new(lk::usize size, const lk::nothrow_t&) noexcept { return lkos_alloc(size, LKOS_ALLOC_ACCOUNT); }

void* operator new[](lk::usize size, const lk::nothrow_t&) noexcept { return lkos_alloc(size, LKOS_ALLOC_ACCOUNT); }

void operator delete(void* p) noexcept { lkos_free(p); }
void operator delete(void* p, lk::usize) noexcept { lkos_free(p); }
void operator delete[](void* p) noexcept { lkos_free(p); }
void operator delete[](void* p, lk::usize) noexcept { lkos_free(p); }
