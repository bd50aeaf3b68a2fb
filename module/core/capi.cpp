// SPDX-License-Identifier: GPL-2.0
//
// LK's C API over the C++ core (see lk/capi.h). Embedded objects live in
// the caller's opaque storage, constructed in place.
#include <lk/capi.h>
#include <lk/event.h>
#include <lk/handler_table.h>
#include <lk/mutex.h>
#include <lk/object.h>
#include <lk/port.h>
#include <lk/semaphore.h>

namespace lk {
namespace {

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

// ---- embedded objects and their static initial values -----------------------------
// An object's `init` word says how far it is built (lk/capi.h): READY and
// DONE objects are used as they are; a STATIC one is built by the first
// call that reaches it, under g_build_lock with interrupts off, so that a
// build cannot race another CPU's nor an interrupt on this one. The word
// is published with release order after the build and read with acquire
// order, so a call that sees READY sees the built object.
lkos_spinlock g_build_lock;  // initialised by lk_core_init (lk_capi_init)

template <class C> u32 init_state(const C* c) { return __atomic_load_n(&c->init, __ATOMIC_ACQUIRE); }

template <class T, class C> T* object_of(C* c) {
    static_assert(sizeof(T) <= sizeof(c->opaque), "opaque storage in lk/capi.h is too small");
    static_assert(alignof(T) <= alignof(decltype(c->opaque)), "opaque storage in lk/capi.h is under-aligned");
    return reinterpret_cast<T*>(c->opaque);
}

void build(lk_mutex_t* m) { ::new (object_of<Mutex>(m)) Mutex(); }
void build(lk_semaphore_t* s) { ::new (object_of<Semaphore>(s)) Semaphore(int(s->arg)); }
void build(lk_event_t* e) { ::new (object_of<Event>(e)) Event((e->arg & 1) != 0, e->arg >> 1); }

// Out of line and cold, so that built() stays a load and a compare inline
// in every C API function.
template <class T, class C> [[gnu::noinline, gnu::cold]] T* built_slow(C* c) {
    unsigned long flags = lkos_spin_lock_irqsave(&g_build_lock);
    u32 state = __atomic_load_n(&c->init, __ATOMIC_RELAXED);
    if (state == LK_INIT_STATIC) {
        build(c);
        __atomic_store_n(&c->init, LK_INIT_READY, __ATOMIC_RELEASE);
        state = LK_INIT_READY;
    }
    lkos_spin_unlock_irqrestore(&g_build_lock, flags);
    if (state == LK_INIT_READY || state == LK_INIT_DONE) return object_of<T>(c);
    LK_WARN("lk object used without lk_*_init or an initial value");
    return nullptr;
}

// The object, built if it had only its initial value; nullptr (WARNed)
// for storage never initialised. Any context.
template <class T, class C> [[gnu::always_inline]] inline T* built(C* c) {
    if (__builtin_expect(init_state(c) == LK_INIT_READY, 1)) {
        // Inside *c, just read: never null, which the kernel's
        // -fno-delete-null-pointer-checks would not let the compiler
        // assume, testing it again in every caller.
        T* o = object_of<T>(c);
        if (!o) __builtin_unreachable();
        return o;
    }
    return built_slow<T>(c);
}
template <class T, class C> [[gnu::always_inline]] inline T* built(const C* c) { return built<T>(const_cast<C*>(c)); }

template <class C> void init_now(C* c) {
    build(c);
    __atomic_store_n(&c->init, LK_INIT_READY, __ATOMIC_RELEASE);
}

// An object that was given its initial value and never used holds
// nothing: there is nothing to destroy but the word.
template <class T, class C> void destroy_object(C* c) {
    u32 state = init_state(c);
    if (state == LK_INIT_READY) object_of<T>(c)->~T();
    else if (state != LK_INIT_STATIC && state != LK_INIT_DONE) LK_WARN("lk object destroyed without lk_*_init");
    __atomic_store_n(&c->init, LK_INIT_DONE, __ATOMIC_RELEASE);
}

}  // namespace

void capi_init() { lkos_spin_init(&g_build_lock, LKOS_LOCK_GENERIC); }

}  // namespace lk

using namespace lk;

extern "C" {

// ---- mutex --------------------------------------------------------------------
void lk_mutex_init(lk_mutex_t* m) { init_now(m); }
void lk_mutex_destroy(lk_mutex_t* m) { destroy_object<Mutex>(m); }
int lk_mutex_acquire(lk_mutex_t* m) {
    Mutex* o = built<Mutex>(m);
    return o ? o->acquire() : ERR_INVALID_ARGS;
}
int lk_mutex_acquire_timeout(lk_mutex_t* m, lk_time_t t) {
    Mutex* o = built<Mutex>(m);
    return o ? o->acquire_timeout(t) : ERR_INVALID_ARGS;
}
int lk_mutex_release(lk_mutex_t* m) {
    Mutex* o = built<Mutex>(m);
    return o ? o->release() : ERR_INVALID_ARGS;
}
int lk_is_mutex_held(const lk_mutex_t* m) {
    // Not built yet: nobody has taken it.
    if (init_state(m) == LK_INIT_STATIC) return 0;
    const Mutex* o = built<Mutex>(m);
    return o && o->is_held();
}

// ---- semaphore ------------------------------------------------------------------
void lk_sem_init(lk_semaphore_t* s, unsigned int value) {
    s->arg = value;
    init_now(s);
}
void lk_sem_destroy(lk_semaphore_t* s) { destroy_object<Semaphore>(s); }
int lk_sem_post(lk_semaphore_t* s) {
    Semaphore* o = built<Semaphore>(s);
    return o ? o->post() : ERR_INVALID_ARGS;
}
int lk_sem_post_resched(lk_semaphore_t* s, int resched) {
    Semaphore* o = built<Semaphore>(s);
    if (!o) return ERR_INVALID_ARGS;
    int woken = o->post();
    if (resched && woken > 0) lkos_resched();
    return woken;
}
int lk_sem_wait(lk_semaphore_t* s) {
    Semaphore* o = built<Semaphore>(s);
    return o ? o->wait() : ERR_INVALID_ARGS;
}
int lk_sem_trywait(lk_semaphore_t* s) {
    Semaphore* o = built<Semaphore>(s);
    return o ? o->trywait() : ERR_INVALID_ARGS;
}
int lk_sem_timedwait(lk_semaphore_t* s, lk_time_t t) {
    Semaphore* o = built<Semaphore>(s);
    return o ? o->timedwait_ms(t) : ERR_INVALID_ARGS;
}
int lk_sem_count(const lk_semaphore_t* s) {
    // Not built yet: its initial count, untouched.
    if (init_state(s) == LK_INIT_STATIC) return int(s->arg);
    const Semaphore* o = built<Semaphore>(s);
    return o ? o->count() : 0;
}

// ---- event ------------------------------------------------------------------------
void lk_event_init(lk_event_t* e, int initial, unsigned int flags) {
    e->arg = (initial ? 1u : 0u) | (flags << 1);
    init_now(e);
}
void lk_event_destroy(lk_event_t* e) { destroy_object<Event>(e); }
int lk_event_wait(lk_event_t* e) {
    Event* o = built<Event>(e);
    return o ? o->wait() : ERR_INVALID_ARGS;
}
int lk_event_wait_timeout(lk_event_t* e, lk_time_t t) {
    Event* o = built<Event>(e);
    return o ? o->wait_timeout(t) : ERR_INVALID_ARGS;
}
int lk_event_wait_deadline(lk_event_t* e, lkos_u64 deadline_ns, int interruptible) {
    Event* o = built<Event>(e);
    return o ? o->wait(Deadline::at_ns(deadline_ns), intr(interruptible)) : ERR_INVALID_ARGS;
}
int lk_event_signal(lk_event_t* e) {
    Event* o = built<Event>(e);
    return o ? o->signal() : ERR_INVALID_ARGS;
}
int lk_event_signal_resched(lk_event_t* e, int resched) {
    Event* o = built<Event>(e);
    if (!o) return ERR_INVALID_ARGS;
    int woken = o->signal();
    if (resched && woken > 0) lkos_resched();
    return woken;
}
int lk_event_unsignal(lk_event_t* e) {
    Event* o = built<Event>(e);
    return o ? o->unsignal() : ERR_INVALID_ARGS;
}
int lk_event_shutdown(lk_event_t* e) {
    Event* o = built<Event>(e);
    return o ? o->shutdown() : ERR_INVALID_ARGS;
}
int lk_event_is_shut_down(const lk_event_t* e) {
    if (init_state(e) == LK_INIT_STATIC) return 0;
    const Event* o = built<Event>(e);
    return o && o->is_shut_down();
}
int lk_event_is_signaled(const lk_event_t* e) {
    if (init_state(e) == LK_INIT_STATIC) return int(e->arg & 1);
    const Event* o = built<Event>(e);
    return o && o->is_signaled();
}
lkos_u32 lk_event_waiters(const lk_event_t* e) {
    if (init_state(e) == LK_INIT_STATIC) return 0;
    const Event* o = built<Event>(e);
    return o ? lkos_u32(o->waiters()) : 0;
}
lkos_u64 lk_event_id(const lk_event_t* e) {
    const Event* o = built<Event>(e);
    return o ? o->tag().id : 0;
}
void lk_event_set_notify(lk_event_t* e, void (*notify)(void*), void* ctx) {
    if (Event* o = built<Event>(e)) o->set_observer(Observer{notify, ctx});
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
    out->broken = info.broken;
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

int lk_write_port_find_named_ns(const char* name, lkos_u64 ns, lk_write_port_t* port) {
    if (!port) return ERR_INVALID_ARGS;
    WritePort* wp = nullptr;
    status_t st = ports().find_named_writer(name, &wp, ns);
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

int lk_write_port_write_wait(lk_write_port_t port, const lk_port_packet_t* pk, lkos_size count, lkos_u64 deadline_ns,
                             int interruptible, unsigned int* delivered, unsigned int* skipped) {
    return ports().write_wait(writer(port), reinterpret_cast<const PortPacket*>(pk), count,
                              Deadline::at_ns(deadline_ns), interruptible ? Interruptible::Yes : Interruptible::No,
                              delivered, skipped);
}

int lk_write_port_write_one_hold(lk_write_port_t port, const lk_port_packet_t* pk, lkos_size count, int if_room,
                                 unsigned int* delivered, unsigned int* skipped) {
    return ports().write_one_hold(writer(port), reinterpret_cast<const PortPacket*>(pk), count, if_room != 0, delivered,
                                  skipped);
}

int lk_write_port_write_if_room(lk_write_port_t port, const lk_port_packet_t* pk, lkos_size count,
                                unsigned int* delivered, unsigned int* skipped) {
    return ports().write_bounded_if_room(writer(port), reinterpret_cast<const PortPacket*>(pk), count, delivered,
                                         skipped);
}

int lk_write_port_wait_room(lk_write_port_t port, lkos_size count, lkos_u64 deadline_ns, int interruptible) {
    return ports().wait_room(writer(port), count, Deadline::at_ns(deadline_ns),
                             interruptible ? Interruptible::Yes : Interruptible::No);
}

int lk_write_port_writable(lk_write_port_t port) { return ports().writable(writer(port)); }

void lk_write_port_set_notify(lk_write_port_t port, void (*notify)(void*), void* ctx) {
    ports().set_observer(writer(port), Observer{notify, ctx});
}

static_assert(__builtin_offsetof(PortSourceShared, tail) == LK_PORT_SOURCE_TAIL_OFFSET);
static_assert(__builtin_offsetof(PortSourceShared, head) == LK_PORT_SOURCE_HEAD_OFFSET);
static_assert(__builtin_offsetof(PortSourceShared, mask) == LK_PORT_SOURCE_MASK_OFFSET);
static_assert(__builtin_offsetof(PortSourceShared, flags) == LK_PORT_SOURCE_FLAGS_OFFSET);
static_assert(__builtin_offsetof(PortSourceShared, packets) == LK_PORT_RING_PACKETS_OFFSET);
static_assert(kSourceKick == LK_PORT_SOURCE_KICK);

int lk_write_port_map(lk_write_port_t port, lk_port_source_t* source) {
    if (!source) return ERR_INVALID_ARGS;
    PortSource* s = nullptr;
    status_t st = ports().map_writer(writer(port), &s);
    *source = reinterpret_cast<lk_port_source_t>(s);
    return st;
}

void* lk_port_source_shared(lk_port_source_t source) { return reinterpret_cast<PortSource*>(source)->shared(); }

lkos_size lk_port_source_bytes(unsigned int capacity) { return PortSource::bytes(capacity); }

void lk_port_source_free(lk_port_source_t source) { PortSource::free(reinterpret_cast<PortSource*>(source)); }

int lk_write_port_kick(lk_write_port_t port, unsigned int* room) {
    u32 r = 0;
    status_t st = ports().kick_source(writer(port), &r);
    if (room) *room = r;
    return st;
}

int lk_write_port_wait_source(lk_write_port_t port, lkos_u64 deadline_ns, int interruptible, unsigned int* room) {
    u32 r = 0;
    status_t st = ports().wait_source(writer(port), Deadline::at_ns(deadline_ns),
                                      interruptible ? Interruptible::Yes : Interruptible::No, &r);
    if (room) *room = r;
    return st;
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

void lk_read_port_set_poll(lk_read_port_t port, void (*notify)(void*), int (*active)(void*), void* ctx) {
    ports().set_observer(reader(port), Observer{notify, ctx}, active);
}

void lk_read_port_poll_arm(lk_read_port_t port) { ports().poll_arm(reader(port)); }

int lk_read_port_close(lk_read_port_t port) { return ports().close_reader(reader(port)); }

static_assert(__builtin_offsetof(PortRingShared, head) == LK_PORT_RING_HEAD_OFFSET);
static_assert(__builtin_offsetof(PortRingShared, tail) == LK_PORT_RING_TAIL_OFFSET);
static_assert(__builtin_offsetof(PortRingShared, mask) == LK_PORT_RING_MASK_OFFSET);
static_assert(__builtin_offsetof(PortRingShared, flags) == LK_PORT_RING_FLAGS_OFFSET);
static_assert(__builtin_offsetof(PortRingShared, ctx) == LK_PORT_RING_CTX_OFFSET);
static_assert(__builtin_offsetof(PortRingShared, packets) == LK_PORT_RING_PACKETS_OFFSET);
static_assert(kRingSyncGroup == LK_PORT_RING_SYNC_GROUP && kRingSyncRoom == LK_PORT_RING_SYNC_ROOM);

int lk_read_port_map(lk_read_port_t port, void** shared, lkos_size* bytes) {
    if (!shared || !bytes) return ERR_INVALID_ARGS;
    PortRingShared* s = nullptr;
    usize n = 0;
    status_t st = ports().map_reader(reader(port), &s, &n);
    *shared = s;
    *bytes = n;
    return st;
}

int lk_read_port_map_sync(lk_read_port_t port) { return ports().map_sync(reader(port)); }

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
