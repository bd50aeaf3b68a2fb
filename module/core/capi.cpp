// SPDX-License-Identifier: GPL-2.0
//
// LK's C API over the C++ core (see lk/capi.h). Embedded objects live in
// the caller's opaque storage, constructed in place.
#include <lk/capi.h>
#include <lk/event.h>
#include <lk/handler_table.h>
#include <lk/mutex.h>
#include <lk/port.h>
#include <lk/semaphore.h>

namespace lk {
namespace {

template <class T, class Storage> T* as(Storage* s) {
    static_assert(sizeof(T) <= sizeof(Storage), "opaque storage in lk/capi.h is too small");
    static_assert(alignof(T) <= alignof(Storage), "opaque storage in lk/capi.h is under-aligned");
    return reinterpret_cast<T*>(s);
}
template <class T, class Storage> const T* as(const Storage* s) { return as<T>(const_cast<Storage*>(s)); }

PortHandle* handle(lk_port_t p) { return static_cast<PortHandle*>(p); }

// A typed handle points at the same PortHandle an lk_port_t does.
WritePort* writer(lk_write_port_t p) { return static_cast<WritePort*>(reinterpret_cast<PortHandle*>(p)); }
ReadPort* reader(lk_read_port_t p) { return static_cast<ReadPort*>(reinterpret_cast<PortHandle*>(p)); }
PortGroup* group_of(lk_port_group_t p) { return static_cast<PortGroup*>(reinterpret_cast<PortHandle*>(p)); }
lk_write_port_t typed(WritePort* wp) { return reinterpret_cast<lk_write_port_t>(static_cast<PortHandle*>(wp)); }
lk_read_port_t typed(ReadPort* rp) { return reinterpret_cast<lk_read_port_t>(static_cast<PortHandle*>(rp)); }
lk_port_group_t typed(PortGroup* g) { return reinterpret_cast<lk_port_group_t>(static_cast<PortHandle*>(g)); }
PortRegistry& ports() { return *default_port_registry(); }

Interruptible intr(int interruptible) { return interruptible ? Interruptible::Yes : Interruptible::No; }

// The C API's packet and result types are the core's, spelled in C.
static_assert(sizeof(lk_port_packet_t) == sizeof(PortPacket));
static_assert(sizeof(lk_port_result_t) == sizeof(PortResult));
static_assert(__builtin_offsetof(lk_port_result_t, packet) == __builtin_offsetof(PortResult, packet));
static_assert(LK_PORT_NAME_LEN == kPortNameMax && LK_PORT_GROUP_MAX == kPortGroupMax &&
              LK_PORT_MAX_CAPACITY == kPortMaxCapacity && LK_PORT_PACKET_LEN == kPortPacketSize);
static_assert(LK_EVENT_FLAG_AUTOUNSIGNAL == EVENT_FLAG_AUTOUNSIGNAL);
static_assert(LK_PORT_NS_INITIAL == kPortInitialNamespace);
static_assert(sizeof(lk_handler_t) == sizeof(Handler));
#define LK_CAPI_STATUS_SAME(name, value, err, inverse, text) static_assert(static_cast<int>(LK_##name) == name);
LKPORT_STATUS_LIST(LK_CAPI_STATUS_SAME)
#undef LK_CAPI_STATUS_SAME
static_assert(LK_KIND_MUTEX == u32(ObjectKind::Mutex) && LK_KIND_SEMAPHORE == u32(ObjectKind::Semaphore) &&
              LK_KIND_EVENT == u32(ObjectKind::Event) && LK_KIND_WRITE_PORT == u32(ObjectKind::WritePort) &&
              LK_KIND_READ_PORT == u32(ObjectKind::ReadPort) && LK_KIND_PORT_GROUP == u32(ObjectKind::PortGroup));

constinit HandlerTable<LK_HANDLER_SLOTS> g_handlers;

}  // namespace
}  // namespace lk

using namespace lk;

extern "C" {

// ---- mutex --------------------------------------------------------------------
void lk_mutex_init(lk_mutex_t* m) { ::new (m) Mutex(); }
void lk_mutex_destroy(lk_mutex_t* m) { as<Mutex>(m)->~Mutex(); }
int lk_mutex_acquire(lk_mutex_t* m) { return as<Mutex>(m)->acquire(); }
int lk_mutex_acquire_timeout(lk_mutex_t* m, lk_time_t t) { return as<Mutex>(m)->acquire_timeout(t); }
int lk_mutex_release(lk_mutex_t* m) { return as<Mutex>(m)->release(); }
int lk_is_mutex_held(const lk_mutex_t* m) { return as<Mutex>(m)->is_held(); }

// ---- semaphore ------------------------------------------------------------------
void lk_sem_init(lk_semaphore_t* s, unsigned int value) { ::new (s) Semaphore(int(value)); }
void lk_sem_destroy(lk_semaphore_t* s) { as<Semaphore>(s)->~Semaphore(); }
int lk_sem_post(lk_semaphore_t* s) { return as<Semaphore>(s)->post(); }
int lk_sem_wait(lk_semaphore_t* s) { return as<Semaphore>(s)->wait(); }
int lk_sem_trywait(lk_semaphore_t* s) { return as<Semaphore>(s)->trywait(); }
int lk_sem_timedwait(lk_semaphore_t* s, lk_time_t t) { return as<Semaphore>(s)->timedwait_ms(t); }

// ---- event ------------------------------------------------------------------------
void lk_event_init(lk_event_t* e, int initial, unsigned int flags) { ::new (e) Event(initial != 0, flags); }
void lk_event_destroy(lk_event_t* e) { as<Event>(e)->~Event(); }
int lk_event_wait(lk_event_t* e) { return as<Event>(e)->wait(); }
int lk_event_wait_timeout(lk_event_t* e, lk_time_t t) { return as<Event>(e)->wait_timeout(t); }
int lk_event_wait_deadline(lk_event_t* e, lkos_u64 deadline_ns, int interruptible) {
    return as<Event>(e)->wait(Deadline::at_ns(deadline_ns), intr(interruptible));
}
int lk_event_signal(lk_event_t* e) { return as<Event>(e)->signal(); }
int lk_event_unsignal(lk_event_t* e) { return as<Event>(e)->unsignal(); }
int lk_event_is_signaled(const lk_event_t* e) { return as<Event>(e)->is_signaled(); }
lkos_u32 lk_event_waiters(const lk_event_t* e) { return lkos_u32(as<Event>(e)->waiters()); }
lkos_u64 lk_event_id(const lk_event_t* e) { return as<Event>(e)->tag().id; }
void lk_event_set_notify(lk_event_t* e, void (*notify)(void*), void* ctx) {
    as<Event>(e)->set_observer(Observer{notify, ctx});
}

// ---- ports ---------------------------------------------------------------------------
int lk_port_create(const char* name, lk_port_mode_t mode, lk_port_t* port) {
    return lk_port_create_ex(name, mode, 0, nullptr, port);
}

int lk_port_create_ex(const char* name, lk_port_mode_t mode, unsigned int capacity, void* user, lk_port_t* port) {
    if (!port) return ERR_INVALID_ARGS;
    WritePort* wp = nullptr;
    status_t st = ports().create(name, u32(mode), capacity, user, &wp);
    if (wp) *port = static_cast<PortHandle*>(wp);
    return st;
}

int lk_port_open(const char* name, void* ctx, lk_port_t* port) {
    return lk_port_open_ex(name, ctx, nullptr, nullptr, port);
}

namespace {
struct CAllow {
    int (*allow)(void*, void*);
    void* arg;
};
bool call_allow(void* user, void* arg) {
    auto* c = static_cast<CAllow*>(arg);
    return c->allow(user, c->arg) != 0;
}
}  // namespace

int lk_port_open_ex(const char* name, void* ctx, int (*allow)(void*, void*), void* arg, lk_port_t* port) {
    if (!port) return ERR_INVALID_ARGS;
    CAllow c{allow, arg};
    OpenCheck check{call_allow, &c};
    ReadPort* rp = nullptr;
    status_t st = ports().open(name, ctx, &rp, allow ? &check : nullptr);
    if (st == NO_ERROR) *port = static_cast<PortHandle*>(rp);
    return st;
}

int lk_port_group(lk_port_t* ports_in, lkos_size count, lk_port_t* group) {
    if (!group) return ERR_INVALID_ARGS;
    // lk_port_t is a PortHandle pointer; the registry checks that each is
    // a read port before using it as one.
    PortGroup* g = nullptr;
    status_t st = ports().group(reinterpret_cast<PortHandle* const*>(ports_in), count, &g);
    if (st == NO_ERROR) *group = static_cast<PortHandle*>(g);
    return st;
}

int lk_port_group_add(lk_port_t group, lk_port_t port) {
    return ports().group_add(static_cast<PortGroup*>(handle(group)), static_cast<ReadPort*>(handle(port)));
}

int lk_port_group_remove(lk_port_t group, lk_port_t port) {
    return ports().group_remove(static_cast<PortGroup*>(handle(group)), static_cast<ReadPort*>(handle(port)));
}

int lk_port_write(lk_port_t port, const lk_port_packet_t* pk, lkos_size count) {
    return ports().write_bounded(static_cast<WritePort*>(handle(port)), reinterpret_cast<const PortPacket*>(pk), count);
}

int lk_port_read(lk_port_t port, lk_time_t timeout, lk_port_result_t* result) {
    lkos_size got;
    return ports().read_handle(handle(port), Deadline::after_ms(timeout), reinterpret_cast<PortResult*>(result), 1,
                               &got);
}

int lk_port_read_many(lk_port_t port, lkos_u64 deadline_ns, int interruptible, lk_port_result_t* results, lkos_size max,
                      lkos_size* got) {
    return ports().read_handle(handle(port), Deadline::at_ns(deadline_ns), reinterpret_cast<PortResult*>(results), max,
                               got, intr(interruptible));
}

int lk_port_destroy(lk_port_t port) { return ports().destroy(static_cast<WritePort*>(handle(port))); }
int lk_port_close(lk_port_t port) { return ports().close(handle(port)); }

int lk_port_read_timeout(lk_port_t port, lk_time_t timeout, lk_port_result_t* result) {
    return lk_port_read(port, timeout, result);
}
int lk_port_group_create(lk_port_t* ports_in, lkos_size count, lk_port_t* group) {
    return lk_port_group(ports_in, count, group);
}
int lk_port_group_read_timeout(lk_port_t group, lk_time_t timeout, lk_port_result_t* result) {
    return lk_port_read(group, timeout, result);
}

int lk_port_readable(lk_port_t port) { return ports().readable(handle(port)); }

void lk_port_set_notify(lk_port_t port, void (*notify)(void*), void* ctx) {
    ports().set_observer(handle(port), Observer{notify, ctx});
}

unsigned int lk_port_capacity(lk_port_t write_port) { return static_cast<WritePort*>(handle(write_port))->capacity(); }

lkos_size lk_port_ring_bytes(unsigned int capacity) { return PortRing::bytes(capacity); }

int lk_port_find_writer(const char* name, lk_port_t* port) {
    if (!port) return ERR_INVALID_ARGS;
    WritePort* wp = nullptr;
    status_t st = ports().find_writer(name, &wp);
    if (st == NO_ERROR) *port = static_cast<PortHandle*>(wp);
    return st;
}

void* lk_port_user(lk_port_t write_port) { return static_cast<WritePort*>(handle(write_port))->user(); }

int lk_port_write_ex(lk_port_t port, const lk_port_packet_t* pk, lkos_size count, unsigned int* delivered,
                     unsigned int* skipped) {
    return ports().write_bounded(static_cast<WritePort*>(handle(port)), reinterpret_cast<const PortPacket*>(pk), count,
                                 delivered, skipped);
}

namespace {
status_t to_c(const PortRegistry::Info& info, lk_port_info_t* out) {
    *out = lk_port_info_t{};
    out->id = info.id;
    out->kind = unsigned(info.kind);
    out->mode = info.mode;
    out->capacity = info.capacity;
    out->queued = info.queued;
    out->waiters = info.waiters;
    out->members = info.members;
    out->closed = info.closed;
    out->cancelled = info.cancelled;
    out->grouped = info.grouped;
    return NO_ERROR;
}
}  // namespace

int lk_port_info(lk_port_t port, lk_port_info_t* out) {
    PortRegistry::Info info;
    status_t st = ports().info(handle(port), &info);
    return st != NO_ERROR ? st : to_c(info, out);
}

// ---- typed port handles ---------------------------------------------------------------
int lk_write_port_create_ns(const char* name, lkos_u64 ns, lk_port_mode_t mode, unsigned int capacity, void* user,
                            lk_write_port_t* port) {
    if (!port) return ERR_INVALID_ARGS;
    WritePort* wp = nullptr;
    status_t st = ports().create(name, u32(mode), capacity, user, &wp, ns);
    if (wp) *port = typed(wp);
    return st;
}

int lk_write_port_create(const char* name, lk_port_mode_t mode, unsigned int capacity, void* user,
                         lk_write_port_t* port) {
    return lk_write_port_create_ns(name, kPortInitialNamespace, mode, capacity, user, port);
}

int lk_write_port_find_ns(const char* name, lkos_u64 ns, lk_write_port_t* port) {
    if (!port) return ERR_INVALID_ARGS;
    WritePort* wp = nullptr;
    status_t st = ports().find_writer(name, &wp, ns);
    if (st == NO_ERROR) *port = typed(wp);
    return st;
}

int lk_write_port_find(const char* name, lk_write_port_t* port) {
    return lk_write_port_find_ns(name, kPortInitialNamespace, port);
}

int lk_write_port_write(lk_write_port_t port, const lk_port_packet_t* pk, lkos_size count, unsigned int* delivered,
                        unsigned int* skipped) {
    return ports().write(writer(port), reinterpret_cast<const PortPacket*>(pk), count, delivered, skipped);
}

int lk_write_port_close(lk_write_port_t port) { return ports().close_writer(writer(port)); }
int lk_write_port_destroy(lk_write_port_t port) { return ports().destroy(writer(port)); }
unsigned int lk_write_port_capacity(lk_write_port_t port) { return writer(port)->capacity(); }
void* lk_write_port_user(lk_write_port_t port) { return writer(port)->user(); }

int lk_write_port_info(lk_write_port_t port, lk_port_info_t* out) {
    PortRegistry::Info info;
    status_t st = ports().writer_info(writer(port), &info);
    return st != NO_ERROR ? st : to_c(info, out);
}

int lk_read_port_open_ns(const char* name, lkos_u64 ns, void* ctx, int (*allow)(void*, void*), void* arg,
                         lk_read_port_t* port) {
    if (!port) return ERR_INVALID_ARGS;
    CAllow c{allow, arg};
    OpenCheck check{call_allow, &c};
    ReadPort* rp = nullptr;
    status_t st = ports().open(name, ctx, &rp, allow ? &check : nullptr, ns);
    if (st == NO_ERROR) *port = typed(rp);
    return st;
}

int lk_read_port_open(const char* name, void* ctx, int (*allow)(void*, void*), void* arg, lk_read_port_t* port) {
    return lk_read_port_open_ns(name, kPortInitialNamespace, ctx, allow, arg, port);
}

int lk_write_port_write_bounded(lk_write_port_t port, const lk_port_packet_t* pk, lkos_size count,
                                unsigned int* delivered, unsigned int* skipped) {
    return ports().write_bounded(writer(port), reinterpret_cast<const PortPacket*>(pk), count, delivered, skipped);
}

void lk_port_write_hold_stats(lk_port_hold_stats_t* out, int reset) {
    PortRegistry::WriteHoldStats s = ports().write_hold_stats(reset != 0);
    out->max_ns = s.max_ns;
    out->holds = s.holds;
    out->max_packets = s.max_packets;
}

int lk_read_port_read_many(lk_read_port_t port, lkos_u64 deadline_ns, int interruptible, lk_port_result_t* results,
                           lkos_size max, lkos_size* got) {
    return ports().read_many(reader(port), Deadline::at_ns(deadline_ns), reinterpret_cast<PortResult*>(results), max,
                             got, intr(interruptible));
}

int lk_read_port_readable(lk_read_port_t port) { return ports().readable(reader(port)); }

void lk_read_port_set_notify(lk_read_port_t port, void (*notify)(void*), void* ctx) {
    ports().set_observer(reader(port), Observer{notify, ctx});
}

int lk_read_port_close(lk_read_port_t port) { return ports().close_reader(reader(port)); }

int lk_read_port_info(lk_read_port_t port, lk_port_info_t* out) {
    PortRegistry::Info info;
    status_t st = ports().reader_info(reader(port), &info);
    return st != NO_ERROR ? st : to_c(info, out);
}

int lk_port_group_new(lk_read_port_t* ports_in, lkos_size count, lk_port_group_t* group) {
    if (!group) return ERR_INVALID_ARGS;
    // Membership (already grouped, listed twice) is still checked.
    PortGroup* g = nullptr;
    status_t st = ports().group(reinterpret_cast<PortHandle* const*>(ports_in), count, &g);
    if (st == NO_ERROR) *group = typed(g);
    return st;
}

int lk_port_group_add_member(lk_port_group_t group, lk_read_port_t port) {
    return ports().group_add(group_of(group), reader(port));
}

int lk_port_group_remove_member(lk_port_group_t group, lk_read_port_t port) {
    return ports().group_remove(group_of(group), reader(port));
}

int lk_port_group_read_many(lk_port_group_t group, lkos_u64 deadline_ns, int interruptible, lk_port_result_t* results,
                            lkos_size max, lkos_size* got) {
    return ports().group_read_many(group_of(group), Deadline::at_ns(deadline_ns),
                                   reinterpret_cast<PortResult*>(results), max, got, intr(interruptible));
}

int lk_port_group_readable(lk_port_group_t group) { return ports().readable(group_of(group)); }

void lk_port_group_set_notify(lk_port_group_t group, void (*notify)(void*), void* ctx) {
    ports().set_observer(group_of(group), Observer{notify, ctx});
}

int lk_port_group_close(lk_port_group_t group) { return ports().close_group(group_of(group)); }

int lk_port_group_info(lk_port_group_t group, lk_port_info_t* out) {
    PortRegistry::Info info;
    status_t st = ports().group_info(group_of(group), &info);
    return st != NO_ERROR ? st : to_c(info, out);
}

// ---- handler table ------------------------------------------------------------------------
int lk_handler_register(unsigned int idx, const lk_handler_t* h) {
    return g_handlers.register_handler(idx, reinterpret_cast<const Handler*>(h));
}
int lk_handler_handle(unsigned int idx) { return g_handlers.handle(idx); }
const lk_handler_t* lk_handler_unregister(unsigned int idx) {
    return reinterpret_cast<const lk_handler_t*>(g_handlers.unregister_handler(idx));
}

}  // extern "C"
