// SPDX-License-Identifier: GPL-2.0
#include <lk/port.h>

namespace lk {
namespace {

constexpr u32 kWritePortOpen = magic('p', 'r', 't', 'w');
constexpr u32 kWritePortClosed = magic('p', 'r', 't', 'x');
constexpr u32 kReadPortMagic = magic('p', 'r', 't', 'r');
constexpr u32 kGroupMagic = magic('p', 'r', 't', 'g');

usize name_length(const char* name) {
    usize n = 0;
    while (n < kPortNameMax && name[n]) n++;
    return n;
}

bool name_equal(const char* a, const char* b) {
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

// A typed handle's kind is the caller's to know, so release builds take
// it on trust; debug builds check the magic (WARN, and refuse the call).
bool wrong_kind(const PortHandle* h, u32 want, u32 or_want = 0) {
#if LK_DEBUG
    u32 m = __atomic_load_n(&h->magic_, __ATOMIC_RELAXED);
    if (m != want && (!or_want || m != or_want)) {
        LK_WARN("port handle of the wrong kind");
        return true;
    }
#else
    (void)h;
    (void)want;
    (void)or_want;
#endif
    return false;
}

// FNV-1a over the namespace key and the name: short names, good spread,
// no table; one name in many namespaces lands in different buckets.
u32 name_hash(const char* name, PortNamespace ns) {
    u32 h = 2166136261u;
    for (int i = 0; i < 8; i++, ns >>= 8) h = (h ^ u8(ns)) * 16777619u;
    for (; *name; name++) h = (h ^ u8(*name)) * 16777619u;
    return h;
}

// A handle's kind is read before its lock is known (the lock depends on
// the kind), and a close changes it under that lock: atomic, relaxed.
u32 load_magic(const PortHandle* h) { return __atomic_load_n(&h->magic_, __ATOMIC_RELAXED); }
void store_magic(PortHandle* h, u32 m) { __atomic_store_n(&h->magic_, m, __ATOMIC_RELAXED); }
bool is_writer(const PortHandle* h) {
    u32 m = load_magic(h);
    return m == kWritePortOpen || m == kWritePortClosed;
}

}  // namespace

// ---- PortRing --------------------------------------------------------------

static_assert(__builtin_offsetof(PortRingShared, packets) == kPortRingPacketsOffset);

PortRing* PortRing::make(u32 capacity) {
    void* mem = lkos_alloc(bytes(capacity), LKOS_ALLOC_ACCOUNT | LKOS_ALLOC_SITE(LKOS_SITE_PORT_RING));
    if (!mem) return nullptr;
    PortRing* ring = new (mem) PortRing();
    ring->mask_ = capacity - 1;
    ring->packets_ = ring->inline_;
    return ring;
}

PortRing* PortRing::make_mapped(u32 capacity) {
    void* mem = lkos_alloc(sizeof(PortRing), LKOS_ALLOC_ACCOUNT | LKOS_ALLOC_SITE(LKOS_SITE_PORT_RING));
    if (!mem) return nullptr;
    void* shared = lkos_alloc_shared(bytes_mapped(capacity), LKOS_ALLOC_SITE(LKOS_SITE_PORT_RING_MAP));
    if (!shared) {
        lkos_free(mem);
        return nullptr;
    }
    PortRing* ring = new (mem) PortRing();
    ring->mask_ = capacity - 1;
    ring->shared_ = static_cast<PortRingShared*>(shared);
    ring->shared_->mask = ring->mask_;
    ring->packets_ = ring->shared_->packets;
    return ring;
}

void PortRing::free(PortRing* ring) {
    if (ring) {
        PortRingShared* shared = ring->shared_;
        ring->~PortRing();
        lkos_free(ring);
        lkos_free_shared(shared);
    }
}

namespace {

// A packet in shared memory, which the process may read or write at any
// time: copied as two relaxed 8-byte atomics (plain moves), never torn
// within a half, and no data race for the compiler to exploit.
void store_shared(PortPacket* slot, const PortPacket& p) {
    u64 w[2];
    __builtin_memcpy(w, p.value, sizeof(w));
    u64* s = reinterpret_cast<u64*>(slot->value);
    __atomic_store_n(&s[0], w[0], __ATOMIC_RELAXED);
    __atomic_store_n(&s[1], w[1], __ATOMIC_RELAXED);
}

void load_shared(const PortPacket* slot, PortPacket* out) {
    const u64* s = reinterpret_cast<const u64*>(slot->value);
    u64 w[2] = {__atomic_load_n(&s[0], __ATOMIC_RELAXED), __atomic_load_n(&s[1], __ATOMIC_RELAXED)};
    __builtin_memcpy(out->value, w, sizeof(w));
}

}  // namespace

status_t PortRing::write(const PortPacket* packets, usize count) {
    if (count > room()) return ERR_NOT_ENOUGH_BUFFER;
    if (!shared_) {
        for (usize i = 0; i < count; i++) packets_[tail_++ & mask_] = packets[i];
        return NO_ERROR;
    }
    for (usize i = 0; i < count; i++) store_shared(&packets_[tail_++ & mask_], packets[i]);
    // The packets before the index that shows them.
    __atomic_store_n(&shared_->tail, tail_, __ATOMIC_RELEASE);
    return NO_ERROR;
}

bool PortRing::read(PortPacket* out) {
    if (!shared_) {
        if (empty()) return false;
        *out = packets_[head_++ & mask_];
        return true;
    }
    // The reader's process may take packets at the same time: claim the
    // one at head by compare-and-swap, after copying it (a slot is
    // rewritten only once head has passed it, and then the swap fails).
    u32 h = __atomic_load_n(&shared_->head, __ATOMIC_ACQUIRE);
    for (;;) {
        u32 q = tail_ - h;
        if (q == 0 || q > capacity()) return false;
        load_shared(&packets_[h & mask_], out);
        if (__atomic_compare_exchange_n(&shared_->head, &h, h + 1, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            return true;
    }
}

void PortRing::set_flags(u32 f) {
    if (shared_) __atomic_fetch_or(&shared_->flags, f, __ATOMIC_SEQ_CST);
}

void PortRing::clear_flags(u32 f) {
    if (shared_) __atomic_fetch_and(&shared_->flags, ~f, __ATOMIC_SEQ_CST);
}

void PortRing::reclaim() {
    if (!shared_) return;
    // Whatever is queued may have been rewritten by the process: dropped.
    shared_->head = tail_;
    shared_->flags = 0;
    shared_->ctx = 0;
}

// ---- PortSource ------------------------------------------------------------

static_assert(__builtin_offsetof(PortSourceShared, head) == 64);
static_assert(__builtin_offsetof(PortSourceShared, flags) == 72);
static_assert(__builtin_offsetof(PortSourceShared, packets) == kPortRingPacketsOffset);

PortSource* PortSource::make(u32 capacity) {
    void* mem = lkos_alloc(sizeof(PortSource), LKOS_ALLOC_ACCOUNT | LKOS_ALLOC_SITE(LKOS_SITE_PORT_RING));
    if (!mem) return nullptr;
    void* shared = lkos_alloc_shared(bytes(capacity), LKOS_ALLOC_SITE(LKOS_SITE_PORT_RING_MAP));
    if (!shared) {
        lkos_free(mem);
        return nullptr;
    }
    PortSource* s = new (mem) PortSource();
    s->mask_ = capacity - 1;
    s->shared_ = static_cast<PortSourceShared*>(shared);
    s->shared_->mask = s->mask_;
    return s;
}

void PortSource::free(PortSource* source) {
    if (source) {
        PortSourceShared* shared = source->shared_;
        source->~PortSource();
        lkos_free(source);
        lkos_free_shared(shared);
    }
}

// ---- registry --------------------------------------------------------------

PortRegistry::PortRegistry() = default;

PortRegistry::~PortRegistry() {
    // Every port must be closed (and write ports destroyed) first.
    LK_WARN_ON(count_ != 0);
}

void WritePort::put() {
    if (refs_.fetch_sub(1, MemoryOrder::AcqRel) != 1) return;
    // The last reference: no reader is left and destroy() has run (or
    // create() lost), so nobody else can reach the port.
    PortRing* ring;
    {
        AutoSpinLock wg(lock_);
        ring = ring_;
        ring_ = nullptr;
    }
    PortRing::free(ring);
    delete this;
}

void PortRegistry::held_by(const Guard& wg, const ReadPort* rp) { LK_DEBUG_ASSERT(wg.guards(rp->port_->lock_)); }
void PortRegistry::held_by(const Guard& gg, const PortGroup* g) { LK_DEBUG_ASSERT(gg.guards(g->lock_)); }
void PortRegistry::held_by(const Guard& wg, const WritePort* wp) { LK_DEBUG_ASSERT(wg.guards(wp->lock_)); }

WritePort* PortRegistry::lookup_locked(const Guard&, const char* name, PortNamespace ns, u32 hash) {
    for (WritePort* wp = buckets_[hash % kBuckets]; wp; wp = wp->hash_next_)
        if (wp->hash_ == hash && wp->ns_ == ns && name_equal(wp->name_, name)) return wp;
    return nullptr;
}

void PortRegistry::unhash_locked(const Guard&, WritePort* wp) {
    WritePort** link = &buckets_[wp->hash_ % kBuckets];
    while (*link != wp) link = &(*link)->hash_next_;
    *link = wp->hash_next_;
    wp->hash_next_ = nullptr;
    count_--;
}

status_t PortRegistry::create(const char* name, u32 mode, u32 capacity, void* user, WritePort** out, PortNamespace ns) {
    if (!name || !out) return ERR_INVALID_ARGS;
    usize len = name_length(name);
    if (len >= kPortNameMax) return ERR_INVALID_ARGS;
    if (mode & ~u32(PORT_MODE_UNICAST | PORT_MODE_BIG_BUFFER)) return ERR_INVALID_ARGS;
    // Only a unicast port may have a big buffer (its single reader
    // inherits it; broadcast readers get rings of the port's capacity).
    if ((mode & PORT_MODE_BIG_BUFFER) && !(mode & PORT_MODE_UNICAST)) return ERR_INVALID_ARGS;
    if (capacity == 0) capacity = (mode & PORT_MODE_BIG_BUFFER) ? kPortBigCapacity : kPortDefaultCapacity;
    if (!is_power_of_two(capacity) || capacity > kPortMaxCapacity) return ERR_INVALID_ARGS;

    // Allocate before taking the lock; a lost race frees it again.
    WritePort* wp = new (nothrow, LKOS_SITE_WRITE_PORT) WritePort();
    PortRing* ring = PortRing::make(capacity);
    if (!wp || !ring) {
        delete wp;
        PortRing::free(ring);
        return ERR_NO_MEMORY;
    }
    wp->magic_ = kWritePortOpen;
    wp->mode_ = mode;
    wp->capacity_ = capacity;
    wp->user_ = user;
    {
        // Not shared yet; the analysis wants the lock all the same.
        AutoSpinLock wg(wp->lock_);
        wp->ring_ = ring;
    }
    for (usize i = 0; i < len; i++) wp->name_[i] = name[i];
    wp->ns_ = ns;
    wp->hash_ = name_hash(wp->name_, ns);

    status_t status = NO_ERROR;
    {
        AutoSpinLock guard(lock_);
        if (WritePort* existing = lookup_locked(guard, wp->name_, ns, wp->hash_)) {
            if (load_magic(existing) == kWritePortOpen) {
                *out = existing;
                status = ERR_ALREADY_EXISTS;
            } else {
                status = ERR_BUSY;
            }
        } else {
            WritePort*& head = buckets_[wp->hash_ % kBuckets];
            wp->hash_next_ = head;
            head = wp;
            count_++;
            *out = wp;
        }
    }
    if (status != NO_ERROR) wp->put();  // frees the ring too
    return status;
}

status_t PortRegistry::find_writer(const char* name, WritePort** out, PortNamespace ns) {
    if (!name || !out) return ERR_INVALID_ARGS;
    if (name_length(name) >= kPortNameMax) return ERR_INVALID_ARGS;
    u32 hash = name_hash(name, ns);
    AutoSpinLock guard(lock_);
    WritePort* wp = lookup_locked(guard, name, ns, hash);
    if (!wp) return ERR_NOT_FOUND;
    if (load_magic(wp) != kWritePortOpen) return ERR_BUSY;
    *out = wp;
    return NO_ERROR;
}

status_t PortRegistry::find_named_writer(const char* name, WritePort** out, PortNamespace ns) {
    if (!name || !out) return ERR_INVALID_ARGS;
    if (name_length(name) >= kPortNameMax) return ERR_INVALID_ARGS;
    u32 hash = name_hash(name, ns);
    AutoSpinLock guard(lock_);
    WritePort* wp = lookup_locked(guard, name, ns, hash);
    if (!wp) return ERR_NOT_FOUND;
    *out = wp;
    return NO_ERROR;
}

status_t PortRegistry::open(const char* name, void* ctx, ReadPort** out, const OpenCheck* check, PortNamespace ns) {
    if (!name || !out) return ERR_INVALID_ARGS;
    if (name_length(name) >= kPortNameMax) return ERR_INVALID_ARGS;
    u32 hash = name_hash(name, ns);

    // Find the write port by name and hold a reference on it; attach to
    // it under its own lock, the registry's let go.
    WritePort* wp;
    {
        AutoSpinLock guard(lock_);
        wp = lookup_locked(guard, name, ns, hash);
        if (!wp) return ERR_NOT_FOUND;
        if (check && !check->allow(wp->user_, check->arg)) return ERR_ACCESS_DENIED;
        wp->get();
    }

    ReadPort* rp = new (nothrow, LKOS_SITE_READ_PORT) ReadPort(wp, ctx);
    if (!rp) {
        wp->put();
        return ERR_NO_MEMORY;
    }
    rp->magic_ = kReadPortMagic;

    // The first reader takes the writer's ring; later ones need their own,
    // of the writer's capacity. Allocate outside the lock and look again
    // when the ring was not needed after all.
    PortRing* spare = nullptr;
    status_t status = NO_ERROR;
    for (;;) {
        bool need = false;
        {
            AutoSpinLock wg(wp->lock_);
            held_by(wg, rp);
            if (wp->destroyed_) {
                // Destroyed since it was found: as if found no more.
                status = ERR_NOT_FOUND;
            } else if (wp->ring_) {
                // First reader: inherit what was written before it came.
                // That may include the bounded write under way (handed
                // back by the last reader to close): it must not get it
                // a second time.
                rp->ring_ = wp->ring_;
                wp->ring_ = nullptr;
                rp->served_by_ = wp->write_token_;
            } else if (wp->mode_ & PORT_MODE_UNICAST) {
                status = ERR_NOT_ALLOWED;
            } else if (spare) {
                rp->ring_ = spare;
                spare = nullptr;
            } else {
                need = true;
            }
            if (!need && status == NO_ERROR) {
                rp->writer_ = wp;
                wp->readers_.push_back(*rp);
            }
        }
        if (!need) break;
        spare = PortRing::make(wp->capacity_);
        if (!spare) {
            status = ERR_NO_MEMORY;
            break;
        }
    }
    PortRing::free(spare);
    if (status != NO_ERROR) {
        rp->magic_ = 0;
        delete rp;
        wp->put();
        return status;
    }
    *out = rp;  // rp keeps the reference on wp
    return NO_ERROR;
}

void PortRegistry::notify_slow_locked(const Guard& wg, ReadPort* rp) {
    if (rp->observer_.notify) rp->observer_.notify(rp->observer_.ctx);
    if (PortGroup* g = rp->group_) {
        AutoSpinLock gg(g->lock_);
        if (g->observer_.notify) g->observer_.notify(g->observer_.ctx);
    }
    (void)wg;
}

// A packet is there for `rp`: wake a thread reading its group if there is
// one, else one reading the port itself.
int PortRegistry::wake_reader_slow_locked(const Guard& wg, ReadPort* rp, status_t status, WakeCause cause) {
    int woken = 0;
    if (PortGroup* g = rp->group_) {
        AutoSpinLock gg(g->lock_);
        woken = g->wait_.wake_one_locked(gg, status, cause);
    }
    if (!woken) woken = rp->wait_.wake_one_locked(wg, status, cause);
    return woken;
}

void PortRegistry::join_locked(const Guard&, const Guard& gg, PortGroup* g, ReadPort* rp) {
    rp->group_ = g;
    g->members_.push_back(*rp);
    g->count_++;
    // A mapped member's reader tells the group what it takes from the map
    // from now on; what it took before the flag is in the count read after.
    rp->ring_->set_flags(kRingSyncGroup);
    // A reader of the group that waits learns of a mapped write ring's
    // packets from kicks (the caller then takes what was put before the
    // flag).
    if (PortSource* s = rp->port_->source_) {
        rp->group_source_ = s;
        g->sourced_++;
        if (group_wants_kick_locked(gg, g)) set_kick(s, true);
    }
    rp->group_queued_ = rp->ring_->queued();
    rp->group_live_ = rp->writer_ != nullptr;
    g->queued_ += rp->group_queued_;
    if (rp->group_queued_) g->ready_++;
    if (rp->group_live_) g->live_++;
}

void PortRegistry::leave_locked(const Guard&, const Guard&, PortGroup* g, ReadPort* rp) {
    LK_DEBUG_ASSERT(rp->group_ == g);
    List<ReadPort, GroupTag>::remove(*rp);
    rp->group_ = nullptr;
    if (rp->ring_) rp->ring_->clear_flags(kRingSyncGroup);
    // Its ring's kick flag is set right by the port's next drain.
    if (rp->group_source_) g->sourced_--;
    rp->group_source_ = nullptr;
    g->count_--;
    g->queued_ -= rp->group_queued_;
    if (rp->group_queued_) g->ready_--;
    if (rp->group_live_) g->live_--;
    rp->group_queued_ = 0;
    rp->group_live_ = false;
}

void PortRegistry::sync_group_slow_locked(const Guard& wg, ReadPort* rp) {
    PortGroup* g = rp->group_;
    AutoSpinLock gg(g->lock_);
    u32 queued = rp->ring_ ? rp->ring_->queued() : 0;
    bool live = rp->writer_ != nullptr;
    g->queued_ += queued - rp->group_queued_;
    if (!queued != !rp->group_queued_) queued ? g->ready_++ : g->ready_--;
    if (live != rp->group_live_) live ? g->live_++ : g->live_--;
    rp->group_queued_ = queued;
    rp->group_live_ = live;
    (void)wg;
}

u64 PortRegistry::hold_clock() {
#if LK_DEBUG
    return lkos_now_ns();
#else
    return 0;
#endif
}

void PortRegistry::note_hold(u64 start, u32 packets) {
#if LK_DEBUG
    u64 ns = lkos_now_ns() - start;
    u64 max = hold_max_ns_.load(MemoryOrder::Relaxed);
    while (ns > max && !hold_max_ns_.compare_exchange(max, ns, MemoryOrder::Relaxed, MemoryOrder::Relaxed)) {
    }
    u32 most = hold_max_packets_.load(MemoryOrder::Relaxed);
    while (packets > most &&
           !hold_max_packets_.compare_exchange(most, packets, MemoryOrder::Relaxed, MemoryOrder::Relaxed)) {
    }
    holds_.fetch_add(1, MemoryOrder::Relaxed);
#else
    (void)start;
    (void)packets;
#endif
}

PortRegistry::WriteHoldStats PortRegistry::write_hold_stats(bool reset) {
    WriteHoldStats s;
    if (reset) {
        s.max_ns = hold_max_ns_.exchange(0, MemoryOrder::Relaxed);
        s.max_packets = hold_max_packets_.exchange(0, MemoryOrder::Relaxed);
        s.holds = holds_.exchange(0, MemoryOrder::Relaxed);
    } else {
        s.max_ns = hold_max_ns_.load(MemoryOrder::Relaxed);
        s.max_packets = hold_max_packets_.load(MemoryOrder::Relaxed);
        s.holds = holds_.load(MemoryOrder::Relaxed);
    }
    return s;
}

// Inline in its callers: the write path's one copy loop.
__attribute__((always_inline)) inline void PortRegistry::deliver_locked(const Guard& wg, WritePort* wp,
                                                                        const PortPacket* packets, usize count,
                                                                        WakeCause cause, status_t* status, u32* took,
                                                                        u32* full, int* woken) {
    if (wp->readers_.empty()) {
        // No reader yet: queue in the writer's own ring for the first one.
        LK_DEBUG_ASSERT(wp->ring_ != nullptr);
        *status = wp->ring_ ? wp->ring_->write(packets, count) : ERR_NOT_ENOUGH_BUFFER;
        *took = *status == NO_ERROR;
        return;
    }
    wp->readers_.for_each([&](ReadPort& rp) {
        held_by(wg, &rp);
        // Each reader gets the whole write or nothing of it.
        if (rp.ring_->write(packets, count) != NO_ERROR) {
            *status = ERR_PARTIAL_WRITE;
            ++*full;
            return;
        }
        ++*took;
        sync_group_locked(wg, &rp);
        *woken += wake_reader_locked(wg, &rp, NO_ERROR, cause);
        notify_locked(wg, &rp);
    });
}

status_t PortRegistry::write(WritePort* wp, const PortPacket* packets, usize count, u32* delivered, u32* skipped) {
    return write_once(wp, packets, count, delivered, skipped, false);
}

// write(), and write_bounded_if_room()'s when another bounded write is
// under way: one hold; with if_room, nothing unless every ring has room.
status_t PortRegistry::write_once(WritePort* wp, const PortPacket* packets, usize count, u32* delivered, u32* skipped,
                                  bool if_room) {
    if (!wp || (count && !packets)) return ERR_INVALID_ARGS;
    // LK's port_write takes any handle: its lock is a write port's only.
    if (!is_writer(wp)) return ERR_BAD_HANDLE;
    u64 trace_start = lkos_trace_clock();
    u64 start;
    WakeCause cause{};
    status_t status = NO_ERROR;
    int woken = 0;
    u32 took = 0, full = 0;
    {
        AutoSpinLock wg(wp->lock_);
        start = hold_clock();
        if (load_magic(wp) != kWritePortOpen) return ERR_BAD_HANDLE;
        if (if_room && !room_locked(wg, wp, count)) return ERR_NOT_READY;
        cause = WakeCause{wp->tag_.id, ++wp->seq_, trace_start};
        deliver_locked(wg, wp, packets, count, cause, &status, &took, &full, &woken);
        note_hold(start, u32(took * count));
    }
    lkos_trace_signal(wp->tag_.id, u32(wp->tag_.kind), woken, cause.seq, cause.ts);
    if (delivered) *delivered = took;
    if (skipped) *skipped = full;
    return status;
}

bool PortRegistry::one_turn_locked(const Guard& wg, WritePort* wp, usize count) {
    // As the turns below count: a turn takes readers while their packets
    // fit kPortWriteChunk, and always its first. Stops at the limit.
    usize n = 0, limit = count && count <= kPortWriteChunk ? kPortWriteChunk / count : 1;
    return !wp->readers_.find([&](ReadPort& rp) {
        held_by(wg, &rp);
        return ++n > limit;
    });
}

status_t PortRegistry::write_turns(WritePort* wp, const PortPacket* packets, usize count, u32* delivered, u32* skipped,
                                   bool if_room, bool one_hold) {
    if (!wp || (count && !packets)) return ERR_INVALID_ARGS;
    if (!is_writer(wp)) return ERR_BAD_HANDLE;
    status_t status = NO_ERROR;
    int woken = 0;
    u32 took = 0, full = 0;
    u64 token = 0;
    WakeCause cause{wp->tag_.id, 0, lkos_trace_clock()};
    // One turn per hold. The readers list may change while the lock is
    // let go, so each turn looks from its start for the readers this write
    // has not reached yet (served_by_ != token): bounded writes of a port
    // are serialized, so the port's token names this one.
    for (bool more = true; more;) {
        AutoSpinLock wg(wp->lock_);
        u64 start = hold_clock();
        u32 copied = 0;
        more = false;
        if (!token) {
            if (load_magic(wp) != kWritePortOpen) return ERR_BAD_HANDLE;
            // The caller has not serialized this write: it goes ahead only
            // if it cannot interleave with another bounded write's turns.
            if (one_hold && (wp->bounded_busy_ || !one_turn_locked(wg, wp, count))) {
                if (delivered) *delivered = 0;
                if (skipped) *skipped = 0;
                return ERR_BUSY;
            }
            if (wp->bounded_busy_) {
                // Another bounded write of this port is under way (from a
                // caller that does not serialize them, or one this context
                // interrupted): the tokens tell one write at a time apart,
                // so this one is done in one hold, as write() does.
                wg.release();
                return write_once(wp, packets, count, delivered, skipped, if_room);
            }
            // Back-pressure: every ring has room in this hold, or nothing
            // is written. Only writes that are not serialized with this
            // one can take the room before a later turn.
            if (if_room && !room_locked(wg, wp, count)) {
                if (delivered) *delivered = 0;
                if (skipped) *skipped = 0;
                return ERR_NOT_READY;
            }
            wp->bounded_busy_ = true;
            token = ++wp->write_token_;
            cause.seq = ++wp->seq_;
            if (wp->readers_.empty()) {
                // No reader yet: the writer's own ring, as write() does.
                LK_DEBUG_ASSERT(wp->ring_ != nullptr);
                status = wp->ring_ ? wp->ring_->write(packets, count) : ERR_NOT_ENOUGH_BUFFER;
                took = status == NO_ERROR;
                wp->bounded_busy_ = false;
                note_hold(start, took ? u32(count) : 0);
                break;
            }
        }
        wp->readers_.find([&](ReadPort& rp) {
            held_by(wg, &rp);
            if (rp.served_by_ == token) return false;
            if (copied && copied + count > kPortWriteChunk) {
                more = true;  // this turn is full: the rest in the next
                return true;
            }
            rp.served_by_ = token;
            // Each reader gets the whole write or nothing of it.
            if (rp.ring_->write(packets, count) != NO_ERROR) {
                status = ERR_PARTIAL_WRITE;
                full++;
                return false;
            }
            took++;
            copied += u32(count);
            sync_group_locked(wg, &rp);
            woken += wake_reader_locked(wg, &rp, NO_ERROR, cause);
            notify_locked(wg, &rp);
            return false;
        });
        if (!more) {
            wp->bounded_busy_ = false;
            // A mapped write ring waits for no write in turns: what it
            // holds goes now, after this one.
            drain_locked(wg, wp);
        }
        note_hold(start, copied);
    }
    lkos_trace_signal(wp->tag_.id, u32(wp->tag_.kind), woken, cause.seq, cause.ts);
    if (delivered) *delivered = took;
    if (skipped) *skipped = full;
    return status;
}

// ---- back-pressure ------------------------------------------------------------

bool PortRegistry::room_locked(const Guard& wg, WritePort* wp, usize count) {
    if (wp->readers_.empty()) return wp->ring_ && wp->ring_->room() >= count;
    // A broken ring (its process scribbled on its head) takes no packets
    // and is skipped by every write: it must not hold back the others.
    return !wp->readers_.find([&](ReadPort& rp) {
        held_by(wg, &rp);
        return rp.ring_->room() < count && !rp.ring_->broken();
    });
}

void PortRegistry::wake_writers_locked(const Guard& wg, WritePort* wp) {
    // A writer queued has set room_max_; nobody queued, nothing to do.
    if (!wp->room_max_) return;
    wp->room_wait_.wake_all_locked(wg, NO_ERROR);
    wp->room_min_ = wp->room_max_ = 0;
    if (wp->room_poll_) {
        wp->room_poll_ = false;
        if (wp->observer_.notify) wp->observer_.notify(wp->observer_.ctx);
    }
}

bool PortRegistry::room_or_flag_locked(const Guard& wg, WritePort* wp, usize count) {
    if (room_locked(wg, wp, count)) return true;
    // Readers that take packets from a map make room without a call:
    // ask them to tell (map_sync), then look again, in case one took
    // packets before it saw the flag.
    return flag_mapped_locked(wg, wp) && room_locked(wg, wp, count);
}

void PortRegistry::want_room_locked(const Guard&, WritePort* wp, u32 want) {
    if (!wp->room_max_ || want < wp->room_min_) wp->room_min_ = want;
    if (want > wp->room_max_) wp->room_max_ = want;
}

bool PortRegistry::writable(WritePort* wp) {
    AutoSpinLock wg(wp->lock_);
    if (load_magic(wp) != kWritePortOpen) return true;  // a write fails at once
    if (room_or_flag_locked(wg, wp, 1)) return true;
    // A poller waits as a writer of one packet would.
    want_room_locked(wg, wp, 1);
    wp->room_poll_ = true;
    return false;
}

void PortRegistry::set_observer(WritePort* wp, Observer o) {
    AutoSpinLock wg(wp->lock_);
    wp->observer_ = o;
}

void PortRegistry::room_made_slow_locked(const Guard& wg, ReadPort* rp, u32 before) {
    WritePort* wp = rp->port_;
    held_by(wg, wp);
    // Only a read that crosses what some writer waits for wakes them: a
    // ring that had room enough before is not what holds a writer back.
    if (before >= wp->room_max_ || rp->ring_->room() < wp->room_min_) return;
    wake_writers_locked(wg, wp);
}

status_t PortRegistry::wait_room(WritePort* wp, usize count, Deadline deadline, Interruptible intr) {
    if (!wp) return ERR_INVALID_ARGS;
    if (!is_writer(wp)) return ERR_BAD_HANDLE;
    if (count > wp->capacity_) return ERR_INVALID_ARGS;  // could never fit
    if (!deadline.passed()) lkos_might_sleep();
    AutoSpinLock wg(wp->lock_);
    for (;;) {
        // Closed or destroyed meanwhile: what a write gets.
        if (load_magic(wp) != kWritePortOpen) return ERR_BAD_HANDLE;
        if (room_or_flag_locked(wg, wp, count)) return NO_ERROR;
        want_room_locked(wg, wp, u32(count));
        status_t st = wp->room_wait_.block_locked(wg, deadline, intr);
        // Woken (room made, a reader gone, closed; destroyed: the magic
        // says so): look again, until the same deadline.
        if (st != NO_ERROR && st != ERR_OBJECT_DESTROYED) return st;
    }
}

status_t PortRegistry::write_wait(WritePort* wp, const PortPacket* packets, usize count, Deadline deadline,
                                  Interruptible intr, u32* delivered, u32* skipped) {
    if (delivered) *delivered = 0;
    if (skipped) *skipped = 0;
    if (!wp || (count && !packets)) return ERR_INVALID_ARGS;
    if (!is_writer(wp)) return ERR_BAD_HANDLE;
    if (count > wp->capacity_) return ERR_INVALID_ARGS;
    for (;;) {
        status_t st = write_bounded_if_room(wp, packets, count, delivered, skipped);
        if (st != ERR_NOT_READY) return st;
        // Another writer may take the room between the wait and the next
        // try: then wait again, until the same deadline.
        st = wait_room(wp, count, deadline, intr);
        if (st != NO_ERROR) return st;
    }
}

bool PortRegistry::flag_mapped_locked(const Guard& wg, WritePort* wp) {
    bool any = false;
    wp->readers_.for_each([&](ReadPort& rp) {
        held_by(wg, &rp);
        if (rp.ring_->shared()) {
            rp.ring_->set_flags(kRingSyncRoom);
            any = true;
        }
    });
    // The flags are set, and the heads read next, in one total order with
    // the reader's swap of head and its read of the flags (all seq_cst):
    // either it sees the flag or the room check sees its take.
    return any;
}

// ---- mapped rings ---------------------------------------------------------------

status_t PortRegistry::map_reader(ReadPort* rp, PortRingShared** out, usize* bytes) {
    *out = nullptr;
    *bytes = 0;
    if (!rp) return ERR_INVALID_ARGS;
    WritePort* wp = rp->port_;
    // Every ring of the port has its capacity. Unless the ring is mapped
    // already (then this one is freed unused).
    u32 capacity = wp->capacity_;
    PortRing* fresh = PortRing::make_mapped(capacity);
    if (!fresh) return ERR_NO_MEMORY;
    PortRing* old = nullptr;
    {
        AutoSpinLock wg(wp->lock_);
        held_by(wg, rp);
        held_by(wg, wp);
        if (load_magic(rp) != kReadPortMagic) {
            PortRing::free(fresh);
            return ERR_BAD_HANDLE;
        }
        if (!rp->ring_->shared()) {
            // Same capacity: what is queued moves over, in order.
            old = rp->ring_;
            PortPacket p;
            while (old->read(&p)) static_cast<void>(fresh->write(&p, 1));
            rp->ring_ = fresh;
            fresh = nullptr;
        }
        PortRing* ring = rp->ring_;
        ring->shared()->ctx = reinterpret_cast<uptr>(rp->ctx_);
        if (rp->group_) ring->set_flags(kRingSyncGroup);
        if (wp->room_max_) ring->set_flags(kRingSyncRoom);
        *out = ring->shared();
        *bytes = PortRing::bytes_mapped(capacity);
    }
    PortRing::free(old);
    PortRing::free(fresh);
    return NO_ERROR;
}

status_t PortRegistry::map_sync(ReadPort* rp) {
    if (!rp) return ERR_INVALID_ARGS;
    WritePort* wp = rp->port_;
    AutoSpinLock wg(wp->lock_);
    held_by(wg, rp);
    held_by(wg, wp);
    if (load_magic(rp) != kReadPortMagic) return ERR_BAD_HANDLE;
    // Room made: what the port's mapped write ring holds may fit now.
    drain_locked(wg, wp);
    PortRing* ring = rp->ring_;
    if (!ring->shared()) return NO_ERROR;
    sync_group_locked(wg, rp);
    // Writers waiting for room: the reader's takes may have made theirs
    // (a wake more than needed is harmless: they look again).
    if (wp->room_max_ && (ring->room() >= wp->room_min_ || ring->broken())) wake_writers_locked(wg, wp);
    if (!wp->room_max_) ring->clear_flags(kRingSyncRoom);
    return NO_ERROR;
}

// ---- mapped write rings ---------------------------------------------------------

status_t PortRegistry::map_writer(WritePort* wp, PortSource** out) {
    *out = nullptr;
    if (!wp) return ERR_INVALID_ARGS;
    if (!is_writer(wp)) return ERR_BAD_HANDLE;
    PortSource* fresh = PortSource::make(wp->capacity_);
    if (!fresh) return ERR_NO_MEMORY;
    {
        AutoSpinLock wg(wp->lock_);
        if (load_magic(wp) != kWritePortOpen) {
            wg.release();
            PortSource::free(fresh);
            return ERR_BAD_HANDLE;
        }
        if (!wp->source_) {
            wp->source_ = fresh;
            fresh = nullptr;
            // Grouped readers: their groups' reads arm it from now on.
            PortSource* src = wp->source_;
            wp->readers_.for_each([&](ReadPort& rp) {
                held_by(wg, &rp);
                if (PortGroup* g = rp.group_) {
                    AutoSpinLock gg(g->lock_);
                    rp.group_source_ = src;
                    g->sourced_++;
                }
            });
            refresh_kick_locked(wg, wp);
        }
        *out = wp->source_;
    }
    PortSource::free(fresh);  // mapped already: unused
    return NO_ERROR;
}

void PortRegistry::set_kick(PortSource* s, bool on) {
    u32* flags = &s->shared_->flags;
    // The process may have written anything there: set or clear the bit
    // whatever the rest says, and skip the atomic when it already is so.
    u32 now = __atomic_load_n(flags, __ATOMIC_RELAXED);
    if (!(now & kSourceKick) == !on) return;
    if (on) __atomic_fetch_or(flags, kSourceKick, __ATOMIC_SEQ_CST);
    else __atomic_fetch_and(flags, ~kSourceKick, __ATOMIC_SEQ_CST);
}

bool PortRegistry::needs_kick_locked(const Guard& wg, WritePort* wp) {
    return wp->readers_.find([&](ReadPort& rp) {
        held_by(wg, &rp);
        if (!rp.wait_.empty_locked(wg)) return true;
        if (rp.observer_.notify && (!rp.polled_ || rp.polled_(rp.observer_.ctx))) return true;
        if (PortGroup* g = rp.group_) {
            AutoSpinLock gg(g->lock_);
            return group_wants_kick_locked(gg, g);
        }
        return false;
    }) != nullptr;
}

void PortRegistry::arm_members(PortGroup* g) {
    u64 walk;
    {
        AutoSpinLock gg(g->lock_);
        walk = ++g->walks_;
    }
    // A member armed by this walk or a later one (begun after this
    // caller counted itself in arming_) is done: members that leave or
    // join meanwhile cannot make the walk skip one, and two walks at once
    // do not undo each other's marks.
    for (;;) {
        WritePort* wp;
        {
            AutoSpinLock gg(g->lock_);
            ReadPort* m = g->members_.find([&](ReadPort& x) { return x.group_source_ && x.group_walk_ < walk; });
            if (!m) return;
            wp = m->port_;
            wp->get();  // m holds one: wp lives
            g->members_.for_each([&](ReadPort& x) {
                if (x.port_ == wp) x.group_walk_ = walk;
            });
        }
        {
            AutoSpinLock wg(wp->lock_);
            // Under the port's lock, so that a drain's refresh, which
            // may have found no one waiting just before, cannot lower
            // the flag after this raises it.
            arm_source_locked(wg, wp);
        }
        wp->put();
    }
}

u32 PortRegistry::drain_slow_locked(const Guard& wg, WritePort* wp, bool refresh) {
    PortSource* s = wp->source_;
    // A write in turns is under way: its end takes the ring's packets, so
    // that every reader sees the two in one order.
    if (s->broken_ || wp->bounded_busy_ || load_magic(wp) != kWritePortOpen) return 0;
    u32 q = s->queued();
    if (q == 0) {
        // Nothing to take: the flag as the waiters are now (a reader that
        // timed out, a poll that returned), unless the caller arms it.
        if (refresh) refresh_kick_locked(wg, wp);
        return 0;
    }
    if (q > s->capacity()) {
        s->broken_ = true;  // a tail the process moved out of range
        return 0;
    }
    // As write_wait() writes: a packet goes once every ring it goes to has
    // room for it (broken rings aside, which every write skips); and at
    // most a turn's copies in this hold.
    u32 room = ~0u, readers = 0;
    if (wp->readers_.empty()) {
        room = wp->ring_ ? wp->ring_->room() : 0;
    } else {
        wp->readers_.for_each([&](ReadPort& rp) {
            held_by(wg, &rp);
            readers++;
            if (!rp.ring_->broken() && rp.ring_->room() < room) room = rp.ring_->room();
        });
    }
    u32 turn = readers > 1 ? u32(kPortWriteChunk) / readers : u32(kPortWriteChunk);
    u32 n = q < room ? q : room;
    if (n > turn) n = turn ? turn : 1;
    if (n == 0) return 0;
    // No clock read for the source's time: the process wrote without a
    // call, so a tracer sees it as unknown (0).
    WakeCause cause{wp->tag_.id, ++wp->seq_, 0};
    status_t status = NO_ERROR;
    u32 took = 0, full = 0;
    int woken = 0;
    constexpr u32 kBatch = 16;
    PortPacket batch[kBatch];
    for (u32 done = 0; done < n;) {
        u32 k = n - done < kBatch ? n - done : kBatch;
        for (u32 i = 0; i < k; i++) load_shared(&s->shared_->packets[(s->head_ + done + i) & s->mask_], &batch[i]);
        deliver_locked(wg, wp, batch, k, cause, &status, &took, &full, &woken);
        done += k;
    }
    s->head_ += n;
    // The slots are free for the process once head has passed them.
    __atomic_store_n(&s->shared_->head, s->head_, __ATOMIC_RELEASE);
    refresh_kick_locked(wg, wp);
    if (s->waiting_) {
        s->waiting_ = false;
        wake_writers_locked(wg, wp);
    }
    return n;
}

bool PortRegistry::arm_slow_locked(const Guard& wg, WritePort* wp) {
    PortSource* s = wp->source_;
    if (s->broken_) return false;
    // The flag, then the look at tail; the writer moves tail, then reads
    // the flag (all seq_cst): either it sees the flag and kicks, or this
    // look sees its packets. A reader that took some does not sleep.
    __atomic_fetch_or(&s->shared_->flags, kSourceKick, __ATOMIC_SEQ_CST);
    return drain_slow_locked(wg, wp, false) != 0;
}

status_t PortRegistry::source_loop(WritePort* wp, Deadline deadline, Interruptible intr, u32* room, bool wait) {
    *room = 0;
    if (!wp) return ERR_INVALID_ARGS;
    if (!is_writer(wp)) return ERR_BAD_HANDLE;
    if (wait && !deadline.passed()) lkos_might_sleep();
    for (;;) {
        AutoSpinLock wg(wp->lock_);
        if (load_magic(wp) != kWritePortOpen) return ERR_BAD_HANDLE;
        PortSource* s = wp->source_;
        if (!s) return ERR_NOT_FOUND;
        u32 took = drain_slow_locked(wg, wp, true);
        u32 q = s->queued();
        if (!s->broken_ && q > s->capacity()) s->broken_ = true;
        if (s->broken_) return ERR_BAD_STATE;
        // More may fit: in the next hold, so each is a turn at most.
        if (took && q) continue;
        *room = s->capacity() - q;
        if (*room || !wait) return NO_ERROR;
        if (deadline.passed()) return ERR_TIMED_OUT;
        // Full, and nothing taken: wait, as a writer of one packet, for a
        // reader to make room (mapped readers asked to tell), unless a
        // write in turns is what held the ring back (its end drains).
        if (!wp->bounded_busy_ && room_or_flag_locked(wg, wp, 1)) continue;
        want_room_locked(wg, wp, 1);
        s->waiting_ = true;
        status_t st = wp->room_wait_.block_locked(wg, deadline, intr);
        if (st != NO_ERROR && st != ERR_OBJECT_DESTROYED) return st;
    }
}

bool PortRegistry::try_read_locked(const Guard&, ReadPort* rp, PortResult* result) {
    if (!rp->ring_->read(&result->packet)) return false;
    result->ctx = rp->ctx_;
    return true;
}

// A group is cancelled when it has members and every one of them is: its
// writer is gone, so nothing more can arrive through the group. (Current
// LK cancels a group read as soon as any one member is cancelled and
// empty, so a group with one dead member could never wait again, and a
// poller would spin on it.)
bool PortRegistry::group_cancelled_locked(const Guard&, PortGroup* g) { return g->count_ && !g->live_; }

void PortRegistry::cancel_check_locked(const Guard& gg, PortGroup* g) {
    if (group_cancelled_locked(gg, g)) {
        g->wait_.wake_all_locked(gg, ERR_CANCELLED);
        if (g->observer_.notify) g->observer_.notify(g->observer_.ctx);
    }
}

status_t PortRegistry::port_read_loop(ReadPort* rp, Deadline deadline, PortResult* results, usize max, usize* got,
                                      Interruptible intr) {
    *got = 0;
    if (!rp || !results || max == 0) return ERR_INVALID_ARGS;
    if (!deadline.passed()) lkos_might_sleep();
    AutoSpinLock wg(rp->port_->lock_);
    WritePort* wp = rp->port_;
    held_by(wg, wp);
    for (;;) {
        usize n = 0;
        if (load_magic(rp) != kReadPortMagic) return ERR_BAD_HANDLE;
        // The port's mapped write ring first: its packets come after those
        // queued, and this reader takes them with a call it makes anyway.
        drain_locked(wg, wp);
        u32 before = rp->ring_->room();
        while (n < max && try_read_locked(wg, rp, &results[n])) n++;
        if (n) {
            sync_group_locked(wg, rp);
            room_made_locked(wg, rp, before);
            // More left than taken: pass the wake on to the next reader.
            if (!rp->ring_->empty()) wake_reader_locked(wg, rp, NO_ERROR);
            *got = n;
            return NO_ERROR;
        }
        // A mapped ring whose head the process moved out of range.
        if (rp->ring_->broken()) return ERR_BAD_STATE;
        // Nothing queued and nothing more will come.
        if (!rp->writer_) return ERR_CANCELLED;
        // About to sleep: from now on the mapped write ring's writer
        // kicks; what it put before is taken now. A read that does not
        // wait asks for no kick.
        if (!deadline.passed() && arm_source_locked(wg, wp)) continue;
        status_t status = rp->wait_.block_locked(wg, deadline, intr);
        // Off the queue: a reader that gives up asks for kicks no more.
        refresh_kick_locked(wg, wp);
        // Woken by a write (or by a destroy, to drain and then learn of
        // it): look again. A reader that lost the packet to another one
        // sleeps again until the same deadline.
        if (status != NO_ERROR && status != ERR_CANCELLED) return status;
    }
}

status_t PortRegistry::group_take(PortGroup* g, WritePort* wp, ReadPort* m, PortResult* results, usize max, usize* n) {
    AutoSpinLock wg(wp->lock_);
    // Before the group's lock, which a write takes under this one.
    drain_locked(wg, wp);
    AutoSpinLock gg(g->lock_);
    if (load_magic(g) != kGroupMagic) return ERR_OBJECT_DESTROYED;
    // Still a member, and still the one whose port was pinned (the address
    // may have been freed and reused meanwhile)?
    if (!g->members_.find([&](ReadPort& x) { return &x == m; }) || m->port_ != wp) return NO_ERROR;
    held_by(wg, m);
    usize before = *n;
    u32 room = m->ring_->room();
    while (*n < max && try_read_locked(wg, m, &results[*n])) (*n)++;
    if (*n > before) room_made_locked(wg, m, room);
    // The group's lock again, as sync and wake take it.
    gg.release();
    sync_group_locked(wg, m);
    if (*n > before && !m->ring_->empty()) wake_reader_locked(wg, m, NO_ERROR);
    return NO_ERROR;
}

status_t PortRegistry::group_read_loop(PortGroup* g, Deadline deadline, PortResult* results, usize max, usize* got,
                                       Interruptible intr) {
    *got = 0;
    if (!g || !results || max == 0) return ERR_INVALID_ARGS;
    if (!deadline.passed()) lkos_might_sleep();
    usize n = 0;
    status_t status = NO_ERROR;
    bool holding = false, armed = false;
    for (;;) {
        WritePort* wp = nullptr;
        ReadPort* m = nullptr;
        bool arm = false;
        {
            AutoSpinLock gg(g->lock_);
            if (!holding) {
                if (load_magic(g) != kGroupMagic) return ERR_BAD_HANDLE;
                // From here until the end the call counts as one of the
                // group's departing waiters: close_group() waits for it
                // before freeing g.
                g->wait_.hold_locked(gg);
                holding = true;
            }
            // Closed while this call had let the lock go.
            if (status == NO_ERROR && load_magic(g) != kGroupMagic) status = ERR_OBJECT_DESTROYED;
            bool finish = status != NO_ERROR;
            if (!finish) {
                // The first member that has packets, as the group knows.
                m = g->members_.find([](ReadPort& x) { return x.group_queued_ != 0; });
                if (m && n < max) {
                    wp = m->port_;
                    wp->get();  // m holds one: wp lives
                } else if (m || n) {
                    finish = true;
                } else if (group_cancelled_locked(gg, g)) {
                    // Nothing queued and nothing more will come.
                    status = ERR_CANCELLED;
                    finish = true;
                } else if (!armed && g->sourced_ && !deadline.passed()) {
                    // About to sleep: from now on the members' mapped
                    // write rings' writers kick; what they put before is
                    // taken now, and looked for again below. A read that
                    // does not wait asks for no kick.
                    g->arming_++;
                    armed = arm = true;
                } else {
                    // Woken by a write (or by a destroy, to drain and then
                    // learn of it): look again. A reader that lost the
                    // packet to another one sleeps again until the same
                    // deadline.
                    status_t st = g->wait_.block_locked(gg, deadline, intr);
                    if (st != NO_ERROR && st != ERR_CANCELLED) {
                        status = st;
                        finish = true;
                    }
                }
            }
            if (finish) {
                // The flags stay up until the members' ports' next drains
                // set them as their waiters are then.
                if (armed) g->arming_--;
                // The last use of g: once let go, a closer may free it.
                g->wait_.unhold_locked(gg);
                break;
            }
        }
        if (arm) arm_members(g);  // held: g lives
        if (wp) {
            status = group_take(g, wp, m, results, max, &n);
            wp->put();
        }
    }
    *got = n;
    return n ? NO_ERROR : status;
}

status_t PortRegistry::read_handle(PortHandle* port, Deadline deadline, PortResult* results, usize max, usize* got,
                                   Interruptible intr) {
    if (!port) return ERR_INVALID_ARGS;
    // The read loops check the kind again under the object's lock.
    u32 m = load_magic(port);
    if (m == kReadPortMagic) return port_read_loop(static_cast<ReadPort*>(port), deadline, results, max, got, intr);
    if (m == kGroupMagic) return group_read_loop(static_cast<PortGroup*>(port), deadline, results, max, got, intr);
    *got = 0;
    return ERR_BAD_HANDLE;
}

// ---- groups ----------------------------------------------------------------

status_t PortRegistry::group(PortHandle* const* ports, usize count, PortGroup** out) {
    if (!out || (count && !ports)) return ERR_INVALID_ARGS;
    if (count > kPortGroupMax) return ERR_TOO_BIG;
    PortGroup* g = new (nothrow, LKOS_SITE_PORT_GROUP) PortGroup();
    if (!g) return ERR_NO_MEMORY;
    g->magic_ = kGroupMagic;

    // Members join one by one, each under its write port's lock and the
    // group's; the group is nobody else's yet.
    status_t status = NO_ERROR;
    for (usize i = 0; i < count; i++) {
        PortHandle* h = ports[i];
        ReadPort* rp = (h && load_magic(h) == kReadPortMagic) ? static_cast<ReadPort*>(h) : nullptr;
        if (!rp) {
            status = ERR_BAD_HANDLE;
            break;
        }
        AutoSpinLock wg(rp->port_->lock_);
        if (rp->group_) {
            // Already grouped, or listed twice.
            status = ERR_BAD_HANDLE;
            break;
        }
        {
            AutoSpinLock gg(g->lock_);
            join_locked(wg, gg, g, rp);
        }
        // What a mapped write ring held before the member's kick flag.
        drain_locked(wg, rp->port_);
    }
    if (status != NO_ERROR) {
        // Undo.
        detach_members(g);
        g->magic_ = 0;
        delete g;
        return status;
    }
    *out = g;
    return NO_ERROR;
}

status_t PortRegistry::group_add(PortGroup* g, ReadPort* rp) {
    if (!g || !rp) return ERR_INVALID_ARGS;
    if (load_magic(g) != kGroupMagic) return ERR_INVALID_ARGS;
    if (load_magic(rp) != kReadPortMagic) return ERR_BAD_HANDLE;
    AutoSpinLock wg(rp->port_->lock_);
    if (load_magic(rp) != kReadPortMagic || rp->group_) return ERR_BAD_HANDLE;
    AutoSpinLock gg(g->lock_);
    if (load_magic(g) != kGroupMagic) return ERR_INVALID_ARGS;
    if (g->count_ == kPortGroupMax) return ERR_TOO_BIG;
    join_locked(wg, gg, g, rp);
    // Data already waiting: a thread blocked on the group should see it.
    if (rp->group_queued_ || !rp->group_live_) {
        g->wait_.wake_one_locked(gg, NO_ERROR);
        if (g->observer_.notify) g->observer_.notify(g->observer_.ctx);
    }
    // What a mapped write ring held before the member's kick flag: its
    // write wakes the group as any write does.
    gg.release();
    drain_locked(wg, rp->port_);
    return NO_ERROR;
}

status_t PortRegistry::group_remove(PortGroup* g, ReadPort* rp) {
    if (!g || !rp) return ERR_INVALID_ARGS;
    if (load_magic(g) != kGroupMagic) return ERR_INVALID_ARGS;
    if (load_magic(rp) != kReadPortMagic) return ERR_BAD_HANDLE;
    AutoSpinLock wg(rp->port_->lock_);
    if (load_magic(rp) != kReadPortMagic || rp->group_ != g) return ERR_BAD_HANDLE;
    AutoSpinLock gg(g->lock_);
    if (load_magic(g) != kGroupMagic) return ERR_INVALID_ARGS;
    leave_locked(wg, gg, g, rp);
    // It may have been the last live member: then nothing can arrive
    // through the group any more, and its waiters and pollers must learn
    // it now, as destroy() tells them when it cancels the last one.
    cancel_check_locked(gg, g);
    return NO_ERROR;
}

// ---- close and destroy -----------------------------------------------------

// Unlinks a read port from its writer and group and wakes its waiters;
// returns the ring to free once the lock is dropped.
PortRing* PortRegistry::close_reader_locked(const Guard& wg, ReadPort* rp) {
    // Its file, and so every mapping of its ring, is gone: the ring is the
    // kernel's alone again, less what the process may have changed.
    rp->ring_->reclaim();
    if (WritePort* wp = rp->writer_) {
        held_by(wg, wp);  // a reader's writer is its port_
        List<ReadPort, WriterTag>::remove(*rp);
        if (wp->readers_.empty() && !wp->ring_) {
            // Last reader: the writer gets the ring back, with whatever is
            // still queued, for the next reader.
            wp->ring_ = rp->ring_;
            rp->ring_ = nullptr;
        }
        rp->writer_ = nullptr;
        // It may have been the ring a writer waited for.
        wake_writers_locked(wg, wp);
    }
    if (PortGroup* g = rp->group_) {
        AutoSpinLock gg(g->lock_);
        leave_locked(wg, gg, g, rp);
        // As in group_remove(): the group may be cancelled now.
        cancel_check_locked(gg, g);
    }
    PortRing* ring = rp->ring_;
    rp->ring_ = nullptr;
    store_magic(rp, 0);
    rp->wait_.destroy_locked(wg);
    return ring;
}

void PortRegistry::detach_members(PortGroup* g) {
    // A member's group_ is guarded by its write port's lock, taken before
    // the group's: pin the first member's write port, let the group's lock
    // go, take both in order, and detach every member of that port.
    for (;;) {
        WritePort* wp;
        {
            AutoSpinLock gg(g->lock_);
            ReadPort* m = g->members_.front();
            if (!m) return;
            wp = m->port_;
            wp->get();
        }
        {
            AutoSpinLock wg(wp->lock_);
            AutoSpinLock gg(g->lock_);
            g->members_.for_each([&](ReadPort& m) {
                held_by(gg, g);
                if (m.port_ != wp) return;
                held_by(wg, &m);
                leave_locked(wg, gg, g, &m);
            });
        }
        wp->put();
    }
}

status_t PortRegistry::close(PortHandle* port) {
    if (!port) return ERR_INVALID_ARGS;
    switch (load_magic(port)) {
    case kWritePortOpen: return close_writer(static_cast<WritePort*>(port));
    case kReadPortMagic: return close_reader(static_cast<ReadPort*>(port));
    case kGroupMagic: return close_group(static_cast<PortGroup*>(port));
    default: return ERR_BAD_HANDLE;
    }
}

status_t PortRegistry::close_writer(WritePort* wp) {
    if (!wp) return ERR_INVALID_ARGS;
    // What the mapped write ring holds goes first, as far as there is
    // room, a turn per hold; the rest is dropped with the port's close.
    for (;;) {
        AutoSpinLock wg(wp->lock_);
        if (load_magic(wp) != kWritePortOpen) return ERR_BAD_HANDLE;
        if (!drain_locked(wg, wp)) break;
    }
    AutoSpinLock wg(wp->lock_);
    if (load_magic(wp) != kWritePortOpen) return ERR_BAD_HANDLE;
    // Closed for writing; the name stays until destroy(). Lookups read
    // the kind under the registry's lock only: atomically.
    store_magic(wp, kWritePortClosed);
    // Writers waiting for room look again and fail as a write does now.
    wake_writers_locked(wg, wp);
    return NO_ERROR;
}

status_t PortRegistry::close_reader(ReadPort* rp) {
    if (!rp) return ERR_INVALID_ARGS;
    if (wrong_kind(rp, kReadPortMagic)) return ERR_BAD_HANDLE;
    WritePort* wp = rp->port_;
    PortRing* ring;
    {
        AutoSpinLock wg(wp->lock_);
        held_by(wg, rp);
        if (load_magic(rp) != kReadPortMagic) return ERR_BAD_HANDLE;
        ring = close_reader_locked(wg, rp);
    }
    // Woken readers still hold a reference to the queue, and to the
    // write port's lock, until they have taken the lock once more.
    rp->wait_.wait_departed();
    delete rp;
    PortRing::free(ring);
    wp->put();
    return NO_ERROR;
}

status_t PortRegistry::close_group(PortGroup* g) {
    if (!g) return ERR_INVALID_ARGS;
    if (wrong_kind(g, kGroupMagic)) return ERR_BAD_HANDLE;
    {
        // Closed from here on for adds, removes and reads.
        AutoSpinLock gg(g->lock_);
        if (load_magic(g) != kGroupMagic) return ERR_BAD_HANDLE;
        store_magic(g, 0);
    }
    // Members first: once none is left, no write reaches the group.
    detach_members(g);
    {
        AutoSpinLock gg(g->lock_);
        g->wait_.destroy_locked(gg);
    }
    // Woken readers, and group reads between two locks, until they have
    // taken the group's lock once more.
    g->wait_.wait_departed();
    delete g;
    return NO_ERROR;
}

status_t PortRegistry::destroy(WritePort* wp) {
    if (!wp) return ERR_INVALID_ARGS;
    {
        AutoSpinLock guard(lock_);
        if (load_magic(wp) != kWritePortClosed) return ERR_BAD_HANDLE;
        unhash_locked(guard, wp);
    }
    PortRing* ring;
    {
        AutoSpinLock wg(wp->lock_);
        store_magic(wp, 0);
        wp->destroyed_ = true;
        ring = wp->ring_;
        wp->ring_ = nullptr;
        // The mapped write ring is its mapper's to free: nothing is taken
        // from it any more, and nobody need kick.
        if (PortSource* s = wp->source_) {
            set_kick(s, false);
            wp->source_ = nullptr;
        }
        wp->readers_.for_each([&](ReadPort& rp) {
            held_by(wg, &rp);
            List<ReadPort, WriterTag>::remove(rp);
            rp.writer_ = nullptr;
            // Readers look again, drain what they hold, then see the
            // cancellation.
            rp.wait_.wake_all_locked(wg, ERR_CANCELLED);
            sync_group_locked(wg, &rp);
            if (PortGroup* g = rp.group_) {
                AutoSpinLock gg(g->lock_);
                g->wait_.wake_all_locked(gg, ERR_CANCELLED);
                if (rp.group_source_) g->sourced_--;
                rp.group_source_ = nullptr;
            }
            notify_locked(wg, &rp);
        });
        // Closed first, so no writer waits for room; one that a caller
        // let in regardless fails as a write does.
        wp->room_wait_.destroy_locked(wg);
        wp->room_min_ = wp->room_max_ = 0;
        // Nothing is called once destroy() returns.
        wp->room_poll_ = false;
        wp->observer_ = {};
    }
    // Woken writers hold the lock's memory until they let it go.
    wp->room_wait_.wait_departed();
    PortRing::free(ring);
    wp->put();  // the creator's: the last one frees the port, unless a reader is left
    return NO_ERROR;
}

// ---- readiness and listing ----------------------------------------------------

bool PortRegistry::readable(ReadPort* rp) {
    AutoSpinLock wg(rp->port_->lock_);
    WritePort* wp = rp->port_;
    held_by(wg, wp);
    drain_locked(wg, wp);
    return load_magic(rp) == kReadPortMagic && (!rp->ring_->empty() || rp->ring_->broken() || !rp->writer_);
}

bool PortRegistry::readable(PortGroup* g) {
    AutoSpinLock gg(g->lock_);
    if (load_magic(g) != kGroupMagic) return false;
    return g->ready_ || group_cancelled_locked(gg, g);
}

bool PortRegistry::readable(PortHandle* port) {
    u32 m = load_magic(port);
    if (m == kReadPortMagic) return readable(static_cast<ReadPort*>(port));
    if (m == kGroupMagic) return readable(static_cast<PortGroup*>(port));
    return false;
}

void PortRegistry::set_observer(PortHandle* port, Observer o) {
    u32 m = load_magic(port);
    if (m == kWritePortOpen || m == kWritePortClosed) set_observer(static_cast<WritePort*>(port), o);
    else if (m == kReadPortMagic) set_observer(static_cast<ReadPort*>(port), o);
    else if (m == kGroupMagic) set_observer(static_cast<PortGroup*>(port), o);
}

void PortRegistry::set_observer(ReadPort* rp, Observer o, int (*polled)(void* ctx)) {
    AutoSpinLock wg(rp->port_->lock_);
    WritePort* wp = rp->port_;
    held_by(wg, wp);
    rp->observer_ = o;
    rp->polled_ = o.notify ? polled : nullptr;
    // A polled reader learns of a mapped write ring's packets from kicks
    // (poll_arm() while `polled` says so); the poll's look at the port
    // takes what came before.
    if (o.notify && !polled && wp->source_) set_kick(wp->source_, true);
}

void PortRegistry::poll_arm(ReadPort* rp) {
    AutoSpinLock wg(rp->port_->lock_);
    WritePort* wp = rp->port_;
    held_by(wg, wp);
    if (load_magic(rp) != kReadPortMagic || !rp->observer_.notify) return;
    // A poll that will not sleep asks for no kick.
    if (rp->polled_ && !rp->polled_(rp->observer_.ctx)) return;
    arm_source_locked(wg, wp);
}

void PortRegistry::set_observer(PortGroup* g, Observer o) {
    {
        AutoSpinLock gg(g->lock_);
        g->observer_ = o;
        if (!o.notify || !g->sourced_) return;
    }
    // A polled group's members' writers kick from now on (the observer
    // is set for good); the poll's look after this finds what they put
    // before.
    arm_members(g);
}

PortRegistry::WritePortInfo PortRegistry::info_locked(const Guard&, const WritePort* wp) const {
    WritePortInfo info = {};
    for (usize i = 0; i < kPortNameMax && wp->name_[i]; i++) info.name[i] = wp->name_[i];
    info.ns = wp->ns_;
    info.mode = wp->mode_;
    info.capacity = wp->capacity_;
    info.readers = u32(wp->readers_.size());
    info.queued = wp->ring_ ? wp->ring_->queued() : 0;
    info.closed = load_magic(wp) == kWritePortClosed;
    info.user = wp->user_;
    return info;
}

void PortRegistry::writer_info_locked(const Guard& wg, const WritePort* wp, Info* out) {
    out->kind = ObjectKind::WritePort;
    out->id = wp->tag_.id;
    out->mode = wp->mode_;
    out->capacity = wp->capacity_;
    out->queued = wp->ring_ ? wp->ring_->queued() : 0;
    // What waits in the mapped write ring is queued for the readers too,
    // as far as the claimed tail can be believed (a broken ring gives none).
    if (PortSource* src = wp->source_; src && !src->broken_) {
        u32 put = src->queued();
        if (put <= src->capacity()) out->queued += put;
    }
    out->closed = load_magic(wp) == kWritePortClosed;
    out->waiters = u32(wp->room_wait_.count_locked(wg));  // writers waiting for room
}

void PortRegistry::reader_info_locked(const Guard& wg, ReadPort* rp, Info* out) {
    // What the port's mapped write ring holds is queued for the readers
    // as far as it fits: poll looks here.
    held_by(wg, rp->port_);
    drain_locked(wg, rp->port_);
    out->kind = ObjectKind::ReadPort;
    out->id = rp->wait_.tag().id;
    out->capacity = rp->ring_->capacity();
    out->queued = rp->ring_->queued();
    out->waiters = u32(rp->wait_.count_locked(wg));
    out->cancelled = !rp->writer_;
    out->grouped = rp->group_ != nullptr;
    out->broken = rp->ring_->broken();
    if (rp->writer_) out->mode = rp->writer_->mode_;
}

void PortRegistry::group_info_locked(const Guard& gg, PortGroup* g, Info* out) {
    out->kind = ObjectKind::PortGroup;
    out->id = g->wait_.tag().id;
    out->waiters = u32(g->wait_.count_locked(gg));
    out->members = u32(g->count_);
    out->queued = g->queued_;
    out->cancelled = group_cancelled_locked(gg, g);
}

status_t PortRegistry::info(PortHandle* port, Info* out) {
    if (!port || !out) return ERR_INVALID_ARGS;
    switch (load_magic(port)) {
    case kWritePortOpen:
    case kWritePortClosed: return writer_info(static_cast<WritePort*>(port), out);
    case kReadPortMagic: return reader_info(static_cast<ReadPort*>(port), out);
    case kGroupMagic: return group_info(static_cast<PortGroup*>(port), out);
    default: *out = Info{}; return ERR_BAD_HANDLE;
    }
}

status_t PortRegistry::writer_info(WritePort* wp, Info* out) {
    if (!wp || !out) return ERR_INVALID_ARGS;
    *out = Info{};
    if (wrong_kind(wp, kWritePortOpen, kWritePortClosed)) return ERR_BAD_HANDLE;
    AutoSpinLock wg(wp->lock_);
    writer_info_locked(wg, wp, out);
    return NO_ERROR;
}

status_t PortRegistry::reader_info(ReadPort* rp, Info* out) {
    if (!rp || !out) return ERR_INVALID_ARGS;
    *out = Info{};
    if (wrong_kind(rp, kReadPortMagic)) return ERR_BAD_HANDLE;
    AutoSpinLock wg(rp->port_->lock_);
    reader_info_locked(wg, rp, out);
    return NO_ERROR;
}

status_t PortRegistry::group_info(PortGroup* g, Info* out) {
    if (!g || !out) return ERR_INVALID_ARGS;
    *out = Info{};
    if (wrong_kind(g, kGroupMagic)) return ERR_BAD_HANDLE;
    AutoSpinLock gg(g->lock_);
    group_info_locked(gg, g, out);
    return NO_ERROR;
}

usize PortRegistry::write_port_count() {
    AutoSpinLock guard(lock_);
    return count_;
}

}  // namespace lk
