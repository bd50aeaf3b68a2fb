// SPDX-License-Identifier: GPL-2.0
//
// lk/os.h in user space. Threads are std::threads; blocking is a condition
// variable per thread with Linux's task-state protocol (a wake between
// "prepare" and "block" is not lost); spinlocks are test-and-set locks on
// std::atomic; dispatch sections are a small userspace RCU. Everything is
// visible to ThreadSanitizer.
#include "lkos_host.h"

#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <lk/types.h>

// ---- threads -------------------------------------------------------------------
struct lkos_thread {
    std::mutex m;
    std::condition_variable cv;
    bool blocked = false;  // guarded by m: prepared to sleep, not yet woken
    bool interruptible = false;
    std::atomic<bool> signal{false};
    pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
};

namespace {

// Heap-allocated, and freed only a grace period after the thread exits, as
// Linux frees a task: an interrupts-off section here is a read-side
// section of the host's RCU (below), so a wake made after an unlock with
// interrupts still off (lkos_wake_deferred_irqrestore) finds the thread's
// memory there even if it has exited meanwhile.
void retire_thread(lkos_thread* t);
struct Self {
    lkos_thread* t = new lkos_thread;
    ~Self() { retire_thread(t); }
};
thread_local Self self_ref;
#define self (*self_ref.t)
thread_local int spin_depth = 0;     // spinlocks held by this thread
thread_local int irq_off_depth = 0;  // irqsave sections on this thread
thread_local bool in_irq = false;

std::atomic<long> warn_count{0};
std::atomic<long> alloc_budget{-1};
std::atomic<long> alloc_live{0};
std::atomic<long> trace_signal{0}, trace_wake{0}, trace_wait_return{0};
std::atomic<long> deferred_wake_delay_us{0};

std::atomic<int>& raw(lkos_spinlock* lock) {
    static_assert(sizeof(std::atomic<int>) <= sizeof(lkos_spinlock));
    return *reinterpret_cast<std::atomic<int>*>(lock->opaque);
}

void context_error(const char* what) { lkos_warn(__FILE__, __LINE__, what); }

}  // namespace

extern "C" {

void lkos_spin_init(lkos_spinlock* lock, unsigned int) { new (lock->opaque) std::atomic<int>(0); }

void lkos_spin_lock(lkos_spinlock* lock) {
    auto& l = raw(lock);
    while (l.exchange(1, std::memory_order_acquire)) {
        while (l.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
    spin_depth++;
}

int lkos_spin_trylock(lkos_spinlock* lock) {
    if (raw(lock).exchange(1, std::memory_order_acquire)) return 0;
    spin_depth++;
    return 1;
}

void lkos_spin_unlock(lkos_spinlock* lock) {
    spin_depth--;
    raw(lock).store(0, std::memory_order_release);
}

// Interrupts off: a read-side section of the host's RCU, as on Linux.
static void irqs_off() {
    if (irq_off_depth++ == 0) lkos_dispatch_enter();
}
static void irqs_on() {
    if (--irq_off_depth == 0) lkos_dispatch_exit();
}

unsigned long lkos_spin_lock_irqsave(lkos_spinlock* lock) {
    irqs_off();
    lkos_spin_lock(lock);
    return 0;
}

int lkos_spin_trylock_irqsave(lkos_spinlock* lock, unsigned long* flags) {
    *flags = 0;
    irqs_off();
    if (lkos_spin_trylock(lock)) return 1;
    irqs_on();
    return 0;
}

void lkos_spin_unlock_irqrestore(lkos_spinlock* lock, unsigned long) {
    lkos_spin_unlock(lock);
    irqs_on();
}

// Each thread is its own CPU. In the kernel a spinlock holder cannot migrate
// and no other task runs on its CPU until it unlocks; user-space threads
// migrate and share CPUs at any time, so sched_getcpu() would make
// SpinLock::is_held() wrong for the holder and for the threads beside it.
unsigned int lkos_cpu_id(void) {
    static std::atomic<unsigned int> next_cpu{0};
    thread_local unsigned int cpu = next_cpu.fetch_add(1, std::memory_order_relaxed);
    return cpu;
}

int lkos_irqs_disabled(void) { return in_irq || irq_off_depth > 0; }

void lkos_might_sleep(void) {
    if (in_irq || spin_depth > 0 || irq_off_depth > 0) context_error("sleeping function called from atomic context");
}

lkos_thread* lkos_current(void) { return &self; }
lkos_s32 lkos_thread_tid(const lkos_thread* t) { return t->tid; }

void lkos_prepare_block(int interruptible) {
    std::lock_guard<std::mutex> g(self.m);
    self.blocked = true;
    self.interruptible = interruptible != 0;
}

void lkos_block_until(lkos_u64 deadline_ns) {
    if (spin_depth > 0 || irq_off_depth > 0 || in_irq) context_error("blocking in atomic context");
    std::unique_lock<std::mutex> g(self.m);
    auto should_stop = [] { return !self.blocked || (self.interruptible && self.signal.load()); };
    if (deadline_ns == LKOS_FOREVER) {
        self.cv.wait(g, should_stop);
        return;
    }
    auto deadline = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns));
    self.cv.wait_until(g, deadline, should_stop);
}

void lkos_finish_block(void) {
    std::lock_guard<std::mutex> g(self.m);
    self.blocked = false;
}

int lkos_signal_pending(void) { return self.signal.load(); }

int lkos_wake(lkos_thread* t) {
    std::lock_guard<std::mutex> g(t->m);
    if (!t->blocked) return 0;
    t->blocked = false;
    t->cv.notify_one();
    return 1;
}

int lkos_wake_can_defer(void) { return !in_irq; }

void lkos_wake_deferred_irqrestore(const struct lkos_deferred_wake* w, int n, unsigned long) {
    if (irq_off_depth <= 0) context_error("deferred wakes with interrupts on");
    if (n)
        if (long us = deferred_wake_delay_us.load()) std::this_thread::sleep_for(std::chrono::microseconds(us));
    for (int i = 0; i < n; i++) {
        trace_wake++;
        lkos_wake(w[i].thread);
    }
    irqs_on();
}

void lkos_resched(void) {
    // The host's threads are preemptible: offering the CPU is all there is.
    if (!lkos_irqs_disabled()) sched_yield();
}

lkos_u64 lkos_now_ns(void) {
    // steady_clock is CLOCK_MONOTONIC on Linux, so deadlines from either agree.
    return static_cast<lkos_u64>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

void lkos_yield(void) { std::this_thread::yield(); }

// ---- completions: a flag under a mutex, and a condition variable ------------------
namespace {
struct HostCompletion {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;  // guarded by m
};
static_assert(sizeof(HostCompletion) <= sizeof(lkos_completion));
static_assert(alignof(HostCompletion) <= alignof(lkos_completion));
HostCompletion& raw(lkos_completion* c) { return *reinterpret_cast<HostCompletion*>(c->opaque); }
}  // namespace

void lkos_completion_init(lkos_completion* c) { new (c->opaque) HostCompletion(); }

void lkos_complete(lkos_completion* c) {
    HostCompletion& h = raw(c);
    // Notified under the mutex: the waiter cannot see `done`, return and
    // free the completion before this has let go of it.
    std::lock_guard<std::mutex> g(h.m);
    h.done = true;
    h.cv.notify_all();
}

void lkos_wait_for_completion(lkos_completion* c) {
    if (spin_depth > 0 || irq_off_depth > 0 || in_irq) context_error("waiting for a completion in atomic context");
    HostCompletion& h = raw(c);
    {
        std::unique_lock<std::mutex> g(h.m);
        h.cv.wait(g, [&] { return h.done; });
    }
    // The storage is the caller's to reuse once this returns.
    h.~HostCompletion();
}

void* lkos_alloc(lkos_size size, unsigned int) {
    lkos_might_sleep();
    long budget = alloc_budget.load();
    while (budget >= 0) {
        if (budget == 0) return nullptr;
        if (alloc_budget.compare_exchange_weak(budget, budget - 1)) break;
    }
    void* p = std::malloc(size);
    if (p) alloc_live++;
    return p;
}

void lkos_free(void* p) {
    if (!p) return;
    alloc_live--;
    std::free(p);
}

void* lkos_alloc_shared(lkos_size size, unsigned int flags) {
    constexpr lkos_size kPage = 4096;
    lkos_size bytes = (size + kPage - 1) & ~(kPage - 1);
    void* p = lkos_alloc(bytes + kPage, flags);  // the budget and the count
    if (!p) return nullptr;
    // Page-aligned, as the kernel's: the original pointer just below.
    uintptr_t a = (reinterpret_cast<uintptr_t>(p) + sizeof(void*) + kPage - 1) & ~uintptr_t(kPage - 1);
    reinterpret_cast<void**>(a)[-1] = p;
    std::memset(reinterpret_cast<void*>(a), 0, bytes);
    return reinterpret_cast<void*>(a);
}

void lkos_free_shared(void* p) {
    if (p) lkos_free(static_cast<void**>(p)[-1]);
}

void lkos_warn(const char* file, int line, const char* what) {
    warn_count++;
    std::fprintf(stderr, "lkos WARN: %s (%s:%d)\n", what, file, line);
}

// As the kernel's registration callbacks keep it: every bit while a test
// traces (set_tracing), none otherwise.
unsigned long lkos_trace_probes = 0;
void lkos_trace_signal_fire(lkos_u64, lkos_u32, lkos_s32, lkos_u64, lkos_u64) { trace_signal++; }
void lkos_trace_wake_fire(lkos_u64, lkos_u32, lkos_s32, lkos_s32, lkos_u64, lkos_u64, lkos_u64) { trace_wake++; }
void lkos_trace_wait_return_fire(lkos_u64, lkos_u32, lkos_s32, lkos_u64) { trace_wait_return++; }

}  // extern "C"

// ---- dispatch sections: a small userspace RCU ----------------------------------
//
// Each thread publishes the grace-period counter it entered under (0 when
// outside). lkos_dispatch_sync() advances the counter and waits until no
// thread is still inside a section entered under an older value. Sequentially
// consistent operations on both sides give the ordering argument: a reader
// whose entry the synchroniser did not see will see every store the
// synchroniser made before advancing the counter.
namespace {

struct Reader {
    std::atomic<uint64_t> ctr{0};
    int nesting = 0;
};

std::mutex readers_lock;
std::vector<Reader*> readers;  // guarded by readers_lock
std::atomic<uint64_t> gp_ctr{1};
std::mutex gp_lock;  // one synchroniser at a time

struct ReaderRegistration {
    Reader r;
    ReaderRegistration() {
        std::lock_guard<std::mutex> g(readers_lock);
        readers.push_back(&r);
    }
    ~ReaderRegistration() {
        std::lock_guard<std::mutex> g(readers_lock);
        for (auto it = readers.begin(); it != readers.end(); ++it)
            if (*it == &r) {
                readers.erase(it);
                break;
            }
    }
};
thread_local ReaderRegistration reader;

// Exited threads wait here for the grace period that frees them, as
// call_rcu() would: freed by a later exit once no section is left that
// began before theirs ended (never waited for: a test may join a thread
// with interrupts "off").
struct Retired {
    lkos_thread* t;
    uint64_t gp;
};
std::mutex retired_lock;
std::vector<Retired> retired;  // guarded by retired_lock

void retire_thread(lkos_thread* t) {
    uint64_t gp = gp_ctr.fetch_add(1, std::memory_order_seq_cst);
    std::lock_guard<std::mutex> g(retired_lock);
    retired.push_back({t, gp});
    std::lock_guard<std::mutex> rg(readers_lock);
    for (auto it = retired.begin(); it != retired.end();) {
        bool passed = true;
        for (Reader* r : readers) {
            uint64_t c = r->ctr.load(std::memory_order_seq_cst);
            if (c != 0 && c <= it->gp) passed = false;
        }
        if (passed) {
            delete it->t;
            it = retired.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace

extern "C" void lkos_dispatch_enter(void) {
    Reader& r = reader.r;
    // An exchange, not a store: a locked RMW orders the reader's later
    // loads after its announcement (TSan supports no fences).
    if (r.nesting++ == 0) r.ctr.exchange(gp_ctr.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
}

extern "C" void lkos_dispatch_exit(void) {
    Reader& r = reader.r;
    if (--r.nesting == 0) r.ctr.store(0, std::memory_order_release);
}

extern "C" void lkos_dispatch_sync(void) {
    lkos_might_sleep();
    std::lock_guard<std::mutex> gp(gp_lock);
    uint64_t now = gp_ctr.fetch_add(1, std::memory_order_seq_cst) + 1;
    std::lock_guard<std::mutex> g(readers_lock);
    for (Reader* r : readers) {
        for (;;) {
            uint64_t c = r->ctr.load(std::memory_order_seq_cst);
            if (c == 0 || c >= now) break;
            std::this_thread::yield();
        }
    }
}

namespace lkos_host {

void send_signal(lkos_thread* t) {
    std::lock_guard<std::mutex> g(t->m);
    t->signal = true;
    if (t->blocked && t->interruptible) t->cv.notify_one();
}
void clear_signal() { self.signal = false; }
void set_hardirq(bool on) { in_irq = on; }
void fail_allocations_after(long n) { alloc_budget = n; }
long live_allocations() { return alloc_live.load(); }
long warnings() { return warn_count.load(); }
void reset_warnings() { warn_count = 0; }
void set_tracing(bool on) {
    __atomic_store_n(&lkos_trace_probes, on ? LKOS_TRACE_SIGNAL | LKOS_TRACE_WAKE | LKOS_TRACE_WAIT_RETURN : 0ul,
                     __ATOMIC_RELAXED);
}
void set_deferred_wake_delay_us(long us) { deferred_wake_delay_us = us; }
TraceCounts trace_counts() { return {trace_signal.load(), trace_wake.load(), trace_wait_return.load()}; }

}  // namespace lkos_host

// The global `new (lk::nothrow)` for types that are not lk::Allocated: the
// host's own allocator, so that the standard delete matches it.
void* operator new(lk::usize size, const lk::nothrow_t&) noexcept { return ::operator new(size, std::nothrow); }
void* operator new[](lk::usize size, const lk::nothrow_t&) noexcept { return ::operator new[](size, std::nothrow); }
