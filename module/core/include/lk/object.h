// SPDX-License-Identifier: GPL-2.0
//
// What every core object shares: a kind and an id for tracepoints, and an
// optional observer the owner of the object (the ioctl layer) uses to learn
// of state changes, e.g. to wake poll/epoll waiters.
#pragma once

#include <lk/atomic.h>
#include <lk/types.h>

namespace lk {

// Values appear in tracepoints (the "kind" field); never renumber.
enum class ObjectKind : u32 {
    WaitQueue = 0,
    Mutex = 1,
    Semaphore = 2,
    Event = 3,
    WritePort = 4,
    ReadPort = 5,
    PortGroup = 6,
};

// A unique id for the object's tracepoints; never reused while the module
// is loaded.
u64 next_object_id();
// Sets up the C API (capi.cpp): called by lk_core_init, before any C call.
void capi_init();

struct ObjectTag {
    u64 id;
    ObjectKind kind;

    static ObjectTag make(ObjectKind kind) { return ObjectTag{next_object_id(), kind}; }
};

// Told when an object's readiness may have changed (signalled, unsignalled,
// data arrived, destroyed). Called with the object's lock held, possibly
// in hard-IRQ context: it must not sleep and must not call back into the
// object.
struct Observer {
    void (*notify)(void* ctx);
    void* ctx;
};

}  // namespace lk
