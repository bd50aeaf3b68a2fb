// SPDX-License-Identifier: GPL-2.0
//
// Global state of the core, set up and torn down by explicit calls from the
// module (no global constructors run in a module): object ids and the
// default port registry that LK's C API and the ioctl layer share.
#include <lk/capi.h>
#include <lk/err.h>
#include <lk/object.h>
#include <lk/port.h>

namespace lk {

namespace {
constinit Atomic<u64> g_next_object_id{1};
}  // namespace

constinit PortRegistry* g_default_port_registry = nullptr;

u64 next_object_id() { return g_next_object_id.fetch_add(1, MemoryOrder::Relaxed); }

}  // namespace lk

extern "C" int lk_core_init(void) {
    lk::capi_init();
    lk::g_default_port_registry = new (lk::nothrow) lk::PortRegistry();
    return lk::g_default_port_registry ? lk::NO_ERROR : lk::ERR_NO_MEMORY;
}

extern "C" void lk_core_exit(void) {
    delete lk::g_default_port_registry;
    lk::g_default_port_registry = nullptr;
}
