// SPDX-License-Identifier: GPL-2.0
//
// Lock annotations for clang's thread-safety analysis (-Wthread-safety):
// which lock guards a field, which functions need a lock held, which take
// or drop one. Under clang they expand to its attributes, and the host
// target `make host-tsa` compiles the core with -Wthread-safety -Werror;
// under gcc (the kernel build, the sanitizer builds) to nothing.
//
//   LK_CAPABILITY(name)         a lock type (SpinLock)
//   LK_SCOPED_CAPABILITY        an RAII guard type (AutoSpinLock)
//   LK_GUARDED_BY(lock)         a field read and written only with lock held
//   LK_REQUIRES(lock...)        a function called with the lock(s) held
//   LK_EXCLUDES(lock...)        a function called with the lock(s) NOT held
//   LK_ACQUIRE(lock...)         takes the lock (no argument: *this)
//   LK_RELEASE(lock...)         drops the lock (no argument: *this)
//   LK_TRY_ACQUIRE(ok, lock...) takes the lock when it returns `ok`
//   LK_ASSERT_CAPABILITY(lock)  checks at run time that the lock is held
//   LK_NO_THREAD_SAFETY_ANALYSIS  a function the analysis cannot follow
//                               (say why where it is used)
#pragma once

#if defined(__clang__)
#define LK_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LK_THREAD_ANNOTATION(x)
#endif

#define LK_CAPABILITY(x) LK_THREAD_ANNOTATION(capability(x))
#define LK_SCOPED_CAPABILITY LK_THREAD_ANNOTATION(scoped_lockable)
#define LK_GUARDED_BY(x) LK_THREAD_ANNOTATION(guarded_by(x))
#define LK_PT_GUARDED_BY(x) LK_THREAD_ANNOTATION(pt_guarded_by(x))
#define LK_REQUIRES(...) LK_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define LK_EXCLUDES(...) LK_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define LK_ACQUIRE(...) LK_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define LK_RELEASE(...) LK_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define LK_TRY_ACQUIRE(...) LK_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define LK_ASSERT_CAPABILITY(x) LK_THREAD_ANNOTATION(assert_capability(x))
#define LK_NO_THREAD_SAFETY_ANALYSIS LK_THREAD_ANNOTATION(no_thread_safety_analysis)
