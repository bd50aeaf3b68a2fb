// SPDX-License-Identifier: GPL-2.0
//
// Freestanding basics for the core: fixed-width integers, move/forward,
// allocation that reports failure, and compile-time helpers. The core never
// includes a standard or kernel header; everything it needs is here or in
// lk/os.h.
#pragma once

#include <lk/os.h>

namespace lk {

using u8 = __UINT8_TYPE__;
using u16 = __UINT16_TYPE__;
using u32 = __UINT32_TYPE__;
using u64 = __UINT64_TYPE__;
using s8 = __INT8_TYPE__;
using s16 = __INT16_TYPE__;
using s32 = __INT32_TYPE__;
using s64 = __INT64_TYPE__;
using usize = __SIZE_TYPE__;
using uptr = __UINTPTR_TYPE__;

template <class T> struct remove_reference { using type = T; };
template <class T> struct remove_reference<T&> { using type = T; };
template <class T> struct remove_reference<T&&> { using type = T; };

template <class T> constexpr typename remove_reference<T>::type&& move(T&& v) noexcept {
    return static_cast<typename remove_reference<T>::type&&>(v);
}
template <class T> constexpr T&& forward(typename remove_reference<T>::type& v) noexcept { return static_cast<T&&>(v); }

template <class A, class B> inline constexpr bool is_same_v = false;
template <class A> inline constexpr bool is_same_v<A, A> = true;

template <class T> constexpr const T& min(const T& a, const T& b) { return b < a ? b : a; }
template <class T> constexpr const T& max(const T& a, const T& b) { return a < b ? b : a; }

constexpr bool is_power_of_two(u64 v) { return v && !(v & (v - 1)); }

// Base for types that must not be copied or moved (locks, queues, objects
// that others point into).
class Pinned {
  protected:
    constexpr Pinned() = default;
    ~Pinned() = default;

  public:
    Pinned(const Pinned&) = delete;
    Pinned& operator=(const Pinned&) = delete;
};

// Tag for the only allocating `new` the core uses: `new (lk::nothrow) T(...)`
// calls a non-throwing allocation function, so the expression yields nullptr
// when memory runs out and the caller must handle it. A plain `new` has no
// definition in the module and fails to link.
struct nothrow_t {
    explicit constexpr nothrow_t() = default;
};
inline constexpr nothrow_t nothrow{};

// Base for objects the core allocates on the system allocator (kmalloc in
// the module): `new (lk::nothrow) T(...)` yields nullptr when memory runs
// out, `delete` gives the memory back. A plain `new T` does not compile.
// Allocation may sleep: thread context only.
struct Allocated {
    static void* operator new(usize size, const nothrow_t&) noexcept { return lkos_alloc(size, LKOS_ALLOC_ACCOUNT); }
    // `new (lk::nothrow, LKOS_SITE_...) T(...)`: the same, naming the
    // allocation site for fault injection.
    static void* operator new(usize size, const nothrow_t&, enum lkos_alloc_site site) noexcept {
        return lkos_alloc(size, LKOS_ALLOC_ACCOUNT | LKOS_ALLOC_SITE(site));
    }
    static void operator delete(void* p) noexcept { lkos_free(p); }
    static void operator delete(void* p, const nothrow_t&, enum lkos_alloc_site) noexcept { lkos_free(p); }
    static void* operator new(usize) = delete;
    static void* operator new[](usize) = delete;
};

}  // namespace lk

void* operator new(lk::usize size, const lk::nothrow_t&) noexcept;
void* operator new[](lk::usize size, const lk::nothrow_t&) noexcept;

#if defined(LK_HOST)
#include <new>  // the host's placement new and deletes
#else
inline void* operator new(lk::usize, void* where) noexcept { return where; }
void operator delete(void* p) noexcept;
void operator delete(void* p, lk::usize) noexcept;
void operator delete[](void* p) noexcept;
void operator delete[](void* p, lk::usize) noexcept;
#endif
