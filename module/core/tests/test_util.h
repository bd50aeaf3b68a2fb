// SPDX-License-Identifier: GPL-2.0
//
// Shared utilities of the core's host tests: timing, thread handles, packets.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <utility>

#include <lk/deadline.h>
#include <lk/os.h>
#include <lk/port.h>

#include "lkos_host.h"

namespace lk_test {

// WARNs the current test expects from the core (checked after each test).
extern long expected_warnings;

inline lk::Deadline in_ms(long ms) { return lk::Deadline::after_ns(static_cast<lk::u64>(ms) * 1000000); }

// Waits (up to 10 s) until pred() holds; false on timeout.
template <class F> bool eventually(F&& pred) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

inline void sleep_ms(long ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Milliseconds on CLOCK_MONOTONIC, the clock of the core's deadlines.
inline double now_ms() { return static_cast<double>(lkos_now_ns()) / 1e6; }

// The scheduler state of one of this process's threads ('R', 'S', ...), or
// 0 when it cannot be read.
inline char thread_state(pid_t tid) {
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/self/task/%d/stat", static_cast<int>(tid));
    std::FILE* f = std::fopen(path, "r");
    if (!f) return 0;
    char buf[512];
    size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    buf[n] = 0;
    const char* paren = std::strrchr(buf, ')');
    return (paren && paren[1] == ' ') ? paren[2] : 0;
}

// Whether the thread sleeps in lkos_block_until(): in a futex wait on a
// word inside its own lkos_thread (the host blocks each thread on a
// condition variable there, and nothing else waits on it). -1 when the
// kernel does not show the thread's system call.
inline int blocked_in_core(pid_t tid, const lkos_thread* os) {
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", static_cast<int>(tid));
    std::FILE* f = std::fopen(path, "r");
    if (!f) return -1;
    char line[256] = {};
    bool got = std::fgets(line, sizeof(line), f) != nullptr;
    std::fclose(f);
    if (!got) return -1;
    if (std::strncmp(line, "running", 7) == 0) return 0;
    long nr = -1;
    unsigned long long addr = 0;
    int fields = std::sscanf(line, "%ld 0x%llx", &nr, &addr);
    if (fields < 1) return -1;
    auto base = reinterpret_cast<std::uintptr_t>(os);
    return nr == SYS_futex && fields == 2 && addr >= base && addr < base + 512;
}

// Waits until the thread is blocked in the core's wait path (or, where
// the kernel does not show system calls, sleeps for several samples in a
// row). For a thread that has called into a blocking primitive, that
// means it is queued on the primitive: queueing happens under a spinlock
// before the sleep. Used where the primitive exposes no waiter count.
inline bool asleep(pid_t tid, const lkos_thread* os) {
    int in_a_row = 0;
    return eventually([&] {
        int in_core = blocked_in_core(tid, os);
        if (in_core >= 0) return in_core == 1;
        in_a_row = thread_state(tid) == 'S' ? in_a_row + 1 : 0;
        return in_a_row >= 5;
    });
}

// A std::thread that publishes its lkos_thread (for lkos_host::send_signal)
// and its tid (for asleep()) before running f, and says when f returned.
class Thread {
  public:
    template <class F>
    explicit Thread(F&& f)
        : thread_([this, fn = std::forward<F>(f)]() mutable {
              tid_.store(lkos_thread_tid(lkos_current()));
              os_.store(lkos_current());  // last: the constructor waits for it
              fn();
              done_.store(true);
          }) {
        while (!os_.load()) std::this_thread::yield();
    }
    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;
    ~Thread() { join(); }

    // Valid until f returns.
    lkos_thread* os() const { return os_.load(); }
    pid_t tid() const { return tid_.load(); }
    bool done() const { return done_.load(); }
    bool asleep() const { return lk_test::asleep(tid(), os()); }
    void join() {
        if (thread_.joinable()) thread_.join();
    }

  private:
    std::atomic<lkos_thread*> os_{nullptr};
    std::atomic<pid_t> tid_{0};
    std::atomic<bool> done_{false};
    std::thread thread_;  // last: starts once the members above exist
};

// An observer that counts its notifications in *notes.
inline lk::Observer counting_observer(std::atomic<int>* notes) {
    return lk::Observer{[](void* c) { static_cast<std::atomic<int>*>(c)->fetch_add(1); }, notes};
}

// Packets that carry a 64-bit value and its complement, so that a test
// sees both that the right packet arrived and that all 16 bytes did.
inline lk::PortPacket packet(std::uint64_t v) {
    lk::PortPacket p;
    std::uint64_t inv = ~v;
    std::memcpy(p.value, &v, 8);
    std::memcpy(p.value + 8, &inv, 8);
    return p;
}

// The value of a packet made by packet(); ~0 if its bytes are not intact.
inline std::uint64_t value(const lk::PortPacket& p) {
    std::uint64_t v, inv;
    std::memcpy(&v, p.value, 8);
    std::memcpy(&inv, p.value + 8, 8);
    return inv == ~v ? v : ~std::uint64_t(0);
}

inline void* ctx(std::uintptr_t v) { return reinterpret_cast<void*>(v); }

}  // namespace lk_test
