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
    if (h->magic_ != want && (!or_want || h->magic_ != or_want)) {
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

}  // namespace

// ---- PortRing --------------------------------------------------------------

PortRing* PortRing::make(u32 capacity) {
    void* mem = lkos_alloc(bytes(capacity), LKOS_ALLOC_ACCOUNT | LKOS_ALLOC_SITE(LKOS_SITE_PORT_RING));
    if (!mem) return nullptr;
    PortRing* ring = new (mem) PortRing();
    ring->mask_ = capacity - 1;
    return ring;
}

void PortRing::free(PortRing* ring) {
    if (ring) {
        ring->~PortRing();
        lkos_free(ring);
    }
}

status_t PortRing::write(const PortPacket* packets, usize count) {
    if (count > capacity() - queued()) return ERR_NOT_ENOUGH_BUFFER;
    for (usize i = 0; i < count; i++) packets_[tail_++ & mask_] = packets[i];
    return NO_ERROR;
}

bool PortRing::read(PortPacket* out) {
    if (empty()) return false;
    *out = packets_[head_++ & mask_];
    return true;
}

// ---- registry --------------------------------------------------------------

PortRegistry::PortRegistry() = default;

PortRegistry::~PortRegistry() {
    // Every port must be closed (and write ports destroyed) first.
    LK_WARN_ON(count_ != 0);
}

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
    wp->ring_ = ring;
    wp->tag_ = ObjectTag::make(ObjectKind::WritePort);
    for (usize i = 0; i < len; i++) wp->name_[i] = name[i];
    wp->ns_ = ns;
    wp->hash_ = name_hash(wp->name_, ns);

    status_t status = NO_ERROR;
    {
        AutoSpinLock guard(lock_);
        if (WritePort* existing = lookup_locked(guard, wp->name_, ns, wp->hash_)) {
            if (existing->magic_ == kWritePortOpen) {
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
    if (status != NO_ERROR) {
        PortRing::free(ring);
        delete wp;
    }
    return status;
}

status_t PortRegistry::find_writer(const char* name, WritePort** out, PortNamespace ns) {
    if (!name || !out) return ERR_INVALID_ARGS;
    if (name_length(name) >= kPortNameMax) return ERR_INVALID_ARGS;
    u32 hash = name_hash(name, ns);
    AutoSpinLock guard(lock_);
    WritePort* wp = lookup_locked(guard, name, ns, hash);
    if (!wp) return ERR_NOT_FOUND;
    if (wp->magic_ != kWritePortOpen) return ERR_BUSY;
    *out = wp;
    return NO_ERROR;
}

status_t PortRegistry::open(const char* name, void* ctx, ReadPort** out, const OpenCheck* check, PortNamespace ns) {
    if (!name || !out) return ERR_INVALID_ARGS;
    if (name_length(name) >= kPortNameMax) return ERR_INVALID_ARGS;
    u32 hash = name_hash(name, ns);

    ReadPort* rp = new (nothrow, LKOS_SITE_READ_PORT) ReadPort(lock_, ctx);
    if (!rp) return ERR_NO_MEMORY;
    rp->magic_ = kReadPortMagic;

    // The first reader takes the writer's ring; later ones need their own,
    // of the writer's capacity, which is only known under the lock. Allocate
    // outside it and try again when the guess was wrong.
    PortRing* spare = nullptr;
    status_t status = NO_ERROR;
    for (;;) {
        u32 need = 0;
        {
            AutoSpinLock guard(lock_);
            WritePort* wp = lookup_locked(guard, name, ns, hash);
            if (!wp) {
                status = ERR_NOT_FOUND;
            } else if (check && !check->allow(wp->user_, check->arg)) {
                status = ERR_ACCESS_DENIED;
            } else if (wp->ring_) {
                // First reader: inherit what was written before it came.
                // That may include the bounded write under way (handed
                // back by the last reader to close): it must not get it
                // a second time.
                rp->ring_ = wp->ring_;
                wp->ring_ = nullptr;
                rp->served_by_ = wp->write_token_;
                status = NO_ERROR;
            } else if (wp->mode_ & PORT_MODE_UNICAST) {
                status = ERR_NOT_ALLOWED;
            } else if (spare && spare->capacity() == wp->capacity_) {
                rp->ring_ = spare;
                spare = nullptr;
                status = NO_ERROR;
            } else {
                need = wp->capacity_;
            }
            if (!need && status == NO_ERROR) {
                rp->writer_ = wp;
                wp->readers_.push_back(*rp);
            }
        }
        if (!need) break;
        PortRing::free(spare);
        spare = PortRing::make(need);
        if (!spare) {
            status = ERR_NO_MEMORY;
            break;
        }
    }
    PortRing::free(spare);
    if (status != NO_ERROR) {
        rp->magic_ = 0;
        delete rp;
        return status;
    }
    *out = rp;
    return NO_ERROR;
}

void PortRegistry::notify_locked(const Guard&, ReadPort* rp) {
    if (rp->observer_.notify) rp->observer_.notify(rp->observer_.ctx);
    if (rp->group_ && rp->group_->observer_.notify) rp->group_->observer_.notify(rp->group_->observer_.ctx);
}

// A packet is there for `rp`: wake a thread reading its group if there is
// one, else one reading the port itself.
int PortRegistry::wake_reader_locked(const Guard& guard, ReadPort* rp, status_t status) {
    int woken = rp->group_ ? rp->group_->wait_.wake_one_locked(guard, status) : 0;
    if (!woken) woken = rp->wait_.wake_one_locked(guard, status);
    return woken;
}

u64 PortRegistry::hold_clock() {
#if LK_DEBUG
    return lkos_now_ns();
#else
    return 0;
#endif
}

void PortRegistry::note_hold_locked(const Guard&, u64 start, u32 packets) {
#if LK_DEBUG
    u64 ns = lkos_now_ns() - start;
    if (ns > hold_stats_.max_ns) hold_stats_.max_ns = ns;
    if (packets > hold_stats_.max_packets) hold_stats_.max_packets = packets;
    hold_stats_.holds++;
#else
    (void)start;
    (void)packets;
#endif
}

PortRegistry::WriteHoldStats PortRegistry::write_hold_stats(bool reset) {
    AutoSpinLock guard(lock_);
    WriteHoldStats s = hold_stats_;
    if (reset) hold_stats_ = {};
    return s;
}

status_t PortRegistry::write(WritePort* wp, const PortPacket* packets, usize count, u32* delivered, u32* skipped) {
    if (!wp || (count && !packets)) return ERR_INVALID_ARGS;
    AutoSpinLock guard(lock_);
    u64 start = hold_clock();
    if (wp->magic_ != kWritePortOpen) return ERR_BAD_HANDLE;
    status_t status = NO_ERROR;
    int woken = 0;
    u32 took = 0, full = 0;
    if (wp->readers_.empty()) {
        // No reader yet: queue in the writer's own ring for the first one.
        LK_DEBUG_ASSERT(wp->ring_ != nullptr);
        status = wp->ring_ ? wp->ring_->write(packets, count) : ERR_NOT_ENOUGH_BUFFER;
        took = status == NO_ERROR;
    } else {
        wp->readers_.for_each([&](ReadPort& rp) {
            held_by(guard);
            // Each reader gets the whole write or nothing of it.
            if (rp.ring_->write(packets, count) != NO_ERROR) {
                status = ERR_PARTIAL_WRITE;
                full++;
                return;
            }
            took++;
            woken += wake_reader_locked(guard, &rp, NO_ERROR);
            notify_locked(guard, &rp);
        });
    }
    note_hold_locked(guard, start, u32(took * count));
    lkos_trace_signal(wp->tag_.id, u32(wp->tag_.kind), woken);
    if (delivered) *delivered = took;
    if (skipped) *skipped = full;
    return status;
}

status_t PortRegistry::write_bounded(WritePort* wp, const PortPacket* packets, usize count, u32* delivered,
                                     u32* skipped) {
    if (!wp || (count && !packets)) return ERR_INVALID_ARGS;
    status_t status = NO_ERROR;
    int woken = 0;
    u32 took = 0, full = 0;
    u64 token = 0;
    // One turn per hold. The readers list may change while the lock is
    // let go, so each turn looks from its start for the readers this write
    // has not reached yet (served_by_ != token): bounded writes of a port
    // are serialized, so the port's token names this one.
    for (bool more = true; more;) {
        AutoSpinLock guard(lock_);
        u64 start = hold_clock();
        u32 copied = 0;
        more = false;
        if (!token) {
            if (wp->magic_ != kWritePortOpen) return ERR_BAD_HANDLE;
            token = ++wp->write_token_;
            if (wp->readers_.empty()) {
                // No reader yet: the writer's own ring, as write() does.
                LK_DEBUG_ASSERT(wp->ring_ != nullptr);
                status = wp->ring_ ? wp->ring_->write(packets, count) : ERR_NOT_ENOUGH_BUFFER;
                took = status == NO_ERROR;
                note_hold_locked(guard, start, took ? u32(count) : 0);
                break;
            }
        }
        wp->readers_.find([&](ReadPort& rp) {
            held_by(guard);
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
            woken += wake_reader_locked(guard, &rp, NO_ERROR);
            notify_locked(guard, &rp);
            return false;
        });
        note_hold_locked(guard, start, copied);
    }
    lkos_trace_signal(wp->tag_.id, u32(wp->tag_.kind), woken);
    if (delivered) *delivered = took;
    if (skipped) *skipped = full;
    return status;
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
bool PortRegistry::group_cancelled_locked(const Guard&, PortGroup* g) {
    return !g->members_.empty() && !g->members_.find([](ReadPort& rp) { return rp.writer_ != nullptr; });
}

template <class Source>
status_t PortRegistry::read_loop(Source* src, Deadline deadline, PortResult* results, usize max, usize* got,
                                 Interruptible intr) {
    *got = 0;
    if (!src || !results || max == 0) return ERR_INVALID_ARGS;
    if (!deadline.passed()) lkos_might_sleep();
    AutoSpinLock guard(lock_);
    for (;;) {
        usize n = 0;
        bool cancelled = false;
        if constexpr (is_same_v<Source, ReadPort>) {
            if (src->magic_ != kReadPortMagic) return ERR_BAD_HANDLE;
            while (n < max && try_read_locked(guard, src, &results[n])) n++;
            // More left than taken: pass the wake on to the next reader.
            if (n && !src->ring_->empty()) wake_reader_locked(guard, src, NO_ERROR);
            cancelled = !src->writer_;
        } else {
            if (src->magic_ != kGroupMagic) return ERR_BAD_HANDLE;
            src->members_.for_each([&](ReadPort& rp) {
                held_by(guard);
                usize before = n;
                while (n < max && try_read_locked(guard, &rp, &results[n])) n++;
                if (n > before && !rp.ring_->empty()) wake_reader_locked(guard, &rp, NO_ERROR);
            });
            cancelled = group_cancelled_locked(guard, src);
        }
        if (n) {
            *got = n;
            return NO_ERROR;
        }
        // Nothing queued and nothing more will come.
        if (cancelled) return ERR_CANCELLED;
        status_t status = src->wait_.block_locked(guard, deadline, intr);
        // Woken by a write (or by a destroy, to drain and then learn of
        // it): look again. A reader that lost the packet to another one
        // sleeps again until the same deadline.
        if (status != NO_ERROR && status != ERR_CANCELLED) return status;
    }
}

status_t PortRegistry::read(ReadPort* rp, Deadline deadline, PortResult* result, Interruptible intr) {
    usize got;
    return read_loop(rp, deadline, result, 1, &got, intr);
}

status_t PortRegistry::read_many(ReadPort* rp, Deadline deadline, PortResult* results, usize max, usize* got,
                                 Interruptible intr) {
    return read_loop(rp, deadline, results, max, got, intr);
}

status_t PortRegistry::group_read(PortGroup* g, Deadline deadline, PortResult* result, Interruptible intr) {
    usize got;
    return read_loop(g, deadline, result, 1, &got, intr);
}

status_t PortRegistry::group_read_many(PortGroup* g, Deadline deadline, PortResult* results, usize max, usize* got,
                                       Interruptible intr) {
    return read_loop(g, deadline, results, max, got, intr);
}

status_t PortRegistry::read_handle(PortHandle* port, Deadline deadline, PortResult* results, usize max, usize* got,
                                   Interruptible intr) {
    if (!port) return ERR_INVALID_ARGS;
    u32 m;
    {
        AutoSpinLock guard(lock_);
        m = port->magic_;
    }
    // read_loop checks the kind again under the lock.
    if (m == kReadPortMagic) return read_loop(static_cast<ReadPort*>(port), deadline, results, max, got, intr);
    if (m == kGroupMagic) return read_loop(static_cast<PortGroup*>(port), deadline, results, max, got, intr);
    *got = 0;
    return ERR_BAD_HANDLE;
}

// ---- groups ----------------------------------------------------------------

status_t PortRegistry::group(PortHandle* const* ports, usize count, PortGroup** out) {
    if (!out || (count && !ports)) return ERR_INVALID_ARGS;
    if (count > kPortGroupMax) return ERR_TOO_BIG;
    PortGroup* g = new (nothrow, LKOS_SITE_PORT_GROUP) PortGroup(lock_);
    if (!g) return ERR_NO_MEMORY;
    g->magic_ = kGroupMagic;

    status_t status = NO_ERROR;
    {
        AutoSpinLock guard(lock_);
        for (usize i = 0; i < count; i++) {
            PortHandle* h = ports[i];
            ReadPort* rp = (h && h->magic_ == kReadPortMagic) ? static_cast<ReadPort*>(h) : nullptr;
            if (!rp || rp->group_) {
                // Not a read port, already grouped, or listed twice: undo.
                g->members_.for_each([](ReadPort& m) {
                    List<ReadPort, GroupTag>::remove(m);
                    m.group_ = nullptr;
                });
                status = ERR_BAD_HANDLE;
                break;
            }
            rp->group_ = g;
            g->members_.push_back(*rp);
        }
        if (status == NO_ERROR) g->count_ = count;
    }
    if (status != NO_ERROR) {
        g->magic_ = 0;
        delete g;
        return status;
    }
    *out = g;
    return NO_ERROR;
}

status_t PortRegistry::group_add(PortGroup* g, ReadPort* rp) {
    if (!g || !rp) return ERR_INVALID_ARGS;
    AutoSpinLock guard(lock_);
    if (g->magic_ != kGroupMagic) return ERR_INVALID_ARGS;
    if (rp->magic_ != kReadPortMagic || rp->group_) return ERR_BAD_HANDLE;
    if (g->count_ == kPortGroupMax) return ERR_TOO_BIG;
    rp->group_ = g;
    g->members_.push_back(*rp);
    g->count_++;
    // Data already waiting: a thread blocked on the group should see it.
    if (!rp->ring_->empty() || !rp->writer_) {
        g->wait_.wake_one_locked(guard, NO_ERROR);
        if (g->observer_.notify) g->observer_.notify(g->observer_.ctx);
    }
    return NO_ERROR;
}

status_t PortRegistry::group_remove(PortGroup* g, ReadPort* rp) {
    if (!g || !rp) return ERR_INVALID_ARGS;
    AutoSpinLock guard(lock_);
    if (g->magic_ != kGroupMagic) return ERR_INVALID_ARGS;
    if (rp->magic_ != kReadPortMagic || rp->group_ != g) return ERR_BAD_HANDLE;
    List<ReadPort, GroupTag>::remove(*rp);
    rp->group_ = nullptr;
    g->count_--;
    // It may have been the last live member: then nothing can arrive
    // through the group any more, and its waiters and pollers must learn
    // it now, as destroy() tells them when it cancels the last one.
    if (group_cancelled_locked(guard, g)) {
        g->wait_.wake_all_locked(guard, ERR_CANCELLED);
        if (g->observer_.notify) g->observer_.notify(g->observer_.ctx);
    }
    return NO_ERROR;
}

// ---- close and destroy -----------------------------------------------------

status_t PortRegistry::close_writer_locked(const Guard&, WritePort* wp) {
    if (wp->magic_ != kWritePortOpen) return ERR_BAD_HANDLE;
    // Closed for writing; the name stays until destroy().
    wp->magic_ = kWritePortClosed;
    return NO_ERROR;
}

// Unlinks a read port from its writer and group and wakes its waiters;
// returns the ring to free once the lock is dropped.
PortRing* PortRegistry::close_reader_locked(const Guard& guard, ReadPort* rp) {
    if (WritePort* wp = rp->writer_) {
        List<ReadPort, WriterTag>::remove(*rp);
        if (wp->readers_.empty() && !wp->ring_) {
            // Last reader: the writer gets the ring back, with whatever is
            // still queued, for the next reader.
            wp->ring_ = rp->ring_;
            rp->ring_ = nullptr;
        }
    }
    if (PortGroup* pg = rp->group_) {
        List<ReadPort, GroupTag>::remove(*rp);
        pg->count_--;
        rp->group_ = nullptr;
        // As in group_remove(): the group may be cancelled now.
        if (group_cancelled_locked(guard, pg)) {
            pg->wait_.wake_all_locked(guard, ERR_CANCELLED);
            if (pg->observer_.notify) pg->observer_.notify(pg->observer_.ctx);
        }
    }
    PortRing* ring = rp->ring_;
    rp->ring_ = nullptr;
    rp->magic_ = 0;
    rp->wait_.destroy_locked(guard);
    return ring;
}

void PortRegistry::close_group_locked(const Guard& guard, PortGroup* g) {
    g->members_.for_each([](ReadPort& m) {
        List<ReadPort, GroupTag>::remove(m);
        m.group_ = nullptr;
    });
    g->count_ = 0;
    g->magic_ = 0;
    g->wait_.destroy_locked(guard);
}

// After the lock is dropped: woken readers still hold a reference to the
// queue until they have taken the lock once more.
void PortRegistry::free_closed(ReadPort* rp, PortGroup* g, PortRing* ring) {
    if (rp) {
        rp->wait_.wait_departed();
        delete rp;
    }
    if (g) {
        g->wait_.wait_departed();
        delete g;
    }
    PortRing::free(ring);
}

status_t PortRegistry::close(PortHandle* port) {
    if (!port) return ERR_INVALID_ARGS;
    ReadPort* rp = nullptr;
    PortGroup* g = nullptr;
    PortRing* ring = nullptr;
    {
        AutoSpinLock guard(lock_);
        switch (port->magic_) {
        case kWritePortOpen: return close_writer_locked(guard, static_cast<WritePort*>(port));
        case kReadPortMagic:
            rp = static_cast<ReadPort*>(port);
            ring = close_reader_locked(guard, rp);
            break;
        case kGroupMagic:
            g = static_cast<PortGroup*>(port);
            close_group_locked(guard, g);
            break;
        default: return ERR_BAD_HANDLE;
        }
    }
    free_closed(rp, g, ring);
    return NO_ERROR;
}

status_t PortRegistry::close_writer(WritePort* wp) {
    if (!wp) return ERR_INVALID_ARGS;
    AutoSpinLock guard(lock_);
    return close_writer_locked(guard, wp);
}

status_t PortRegistry::close_reader(ReadPort* rp) {
    if (!rp) return ERR_INVALID_ARGS;
    PortRing* ring;
    {
        AutoSpinLock guard(lock_);
        if (wrong_kind(rp, kReadPortMagic)) return ERR_BAD_HANDLE;
        ring = close_reader_locked(guard, rp);
    }
    free_closed(rp, nullptr, ring);
    return NO_ERROR;
}

status_t PortRegistry::close_group(PortGroup* g) {
    if (!g) return ERR_INVALID_ARGS;
    {
        AutoSpinLock guard(lock_);
        if (wrong_kind(g, kGroupMagic)) return ERR_BAD_HANDLE;
        close_group_locked(guard, g);
    }
    free_closed(nullptr, g, nullptr);
    return NO_ERROR;
}

status_t PortRegistry::destroy(WritePort* wp) {
    if (!wp) return ERR_INVALID_ARGS;
    PortRing* ring;
    {
        AutoSpinLock guard(lock_);
        if (wp->magic_ != kWritePortClosed) return ERR_BAD_HANDLE;
        unhash_locked(guard, wp);
        ring = wp->ring_;
        wp->ring_ = nullptr;
        wp->readers_.for_each([&](ReadPort& rp) {
            held_by(guard);
            List<ReadPort, WriterTag>::remove(rp);
            rp.writer_ = nullptr;
            // Readers look again, drain what they hold, then see the
            // cancellation.
            rp.wait_.wake_all_locked(guard, ERR_CANCELLED);
            if (rp.group_) rp.group_->wait_.wake_all_locked(guard, ERR_CANCELLED);
            notify_locked(guard, &rp);
        });
        wp->magic_ = 0;
    }
    PortRing::free(ring);
    delete wp;
    return NO_ERROR;
}

// ---- readiness and listing ----------------------------------------------------

bool PortRegistry::readable(ReadPort* rp) {
    AutoSpinLock guard(lock_);
    return rp->magic_ == kReadPortMagic && (!rp->ring_->empty() || !rp->writer_);
}

bool PortRegistry::readable(PortGroup* g) {
    AutoSpinLock guard(lock_);
    if (g->magic_ != kGroupMagic) return false;
    return g->members_.find([](ReadPort& rp) { return !rp.ring_->empty(); }) || group_cancelled_locked(guard, g);
}

bool PortRegistry::readable(PortHandle* port) {
    u32 m;
    {
        AutoSpinLock guard(lock_);
        m = port->magic_;
    }
    if (m == kReadPortMagic) return readable(static_cast<ReadPort*>(port));
    if (m == kGroupMagic) return readable(static_cast<PortGroup*>(port));
    return false;
}

void PortRegistry::set_observer(PortHandle* port, Observer o) {
    AutoSpinLock guard(lock_);
    if (port->magic_ == kReadPortMagic) static_cast<ReadPort*>(port)->observer_ = o;
    else if (port->magic_ == kGroupMagic) static_cast<PortGroup*>(port)->observer_ = o;
}

void PortRegistry::set_observer(ReadPort* rp, Observer o) {
    AutoSpinLock guard(lock_);
    rp->observer_ = o;
}

void PortRegistry::set_observer(PortGroup* g, Observer o) {
    AutoSpinLock guard(lock_);
    g->observer_ = o;
}

PortRegistry::WritePortInfo PortRegistry::info_locked(const Guard&, const WritePort* wp) const {
    WritePortInfo info = {};
    for (usize i = 0; i < kPortNameMax && wp->name_[i]; i++) info.name[i] = wp->name_[i];
    info.ns = wp->ns_;
    info.mode = wp->mode_;
    info.capacity = wp->capacity_;
    info.readers = u32(wp->readers_.size());
    info.queued = wp->ring_ ? wp->ring_->queued() : 0;
    info.closed = wp->magic_ == kWritePortClosed;
    info.user = wp->user_;
    return info;
}

void PortRegistry::writer_info_locked(const Guard&, const WritePort* wp, Info* out) {
    out->kind = ObjectKind::WritePort;
    out->id = wp->tag_.id;
    out->mode = wp->mode_;
    out->capacity = wp->capacity_;
    out->queued = wp->ring_ ? wp->ring_->queued() : 0;
    out->closed = wp->magic_ == kWritePortClosed;
}

void PortRegistry::reader_info_locked(const Guard& guard, ReadPort* rp, Info* out) {
    out->kind = ObjectKind::ReadPort;
    out->id = rp->wait_.tag().id;
    out->capacity = rp->ring_->capacity();
    out->queued = rp->ring_->queued();
    out->waiters = u32(rp->wait_.count_locked(guard));
    out->cancelled = !rp->writer_;
    out->grouped = rp->group_ != nullptr;
    if (rp->writer_) out->mode = rp->writer_->mode_;
}

void PortRegistry::group_info_locked(const Guard& guard, PortGroup* g, Info* out) {
    out->kind = ObjectKind::PortGroup;
    out->id = g->wait_.tag().id;
    out->waiters = u32(g->wait_.count_locked(guard));
    out->members = u32(g->count_);
    g->members_.for_each([&](ReadPort& rp) { out->queued += rp.ring_->queued(); });
    out->cancelled = group_cancelled_locked(guard, g);
}

status_t PortRegistry::info(PortHandle* port, Info* out) {
    if (!port || !out) return ERR_INVALID_ARGS;
    *out = Info{};
    AutoSpinLock guard(lock_);
    switch (port->magic_) {
    case kWritePortOpen:
    case kWritePortClosed: writer_info_locked(guard, static_cast<WritePort*>(port), out); return NO_ERROR;
    case kReadPortMagic: reader_info_locked(guard, static_cast<ReadPort*>(port), out); return NO_ERROR;
    case kGroupMagic: group_info_locked(guard, static_cast<PortGroup*>(port), out); return NO_ERROR;
    default: return ERR_BAD_HANDLE;
    }
}

status_t PortRegistry::writer_info(WritePort* wp, Info* out) {
    if (!wp || !out) return ERR_INVALID_ARGS;
    *out = Info{};
    AutoSpinLock guard(lock_);
    if (wrong_kind(wp, kWritePortOpen, kWritePortClosed)) return ERR_BAD_HANDLE;
    writer_info_locked(guard, wp, out);
    return NO_ERROR;
}

status_t PortRegistry::reader_info(ReadPort* rp, Info* out) {
    if (!rp || !out) return ERR_INVALID_ARGS;
    *out = Info{};
    AutoSpinLock guard(lock_);
    if (wrong_kind(rp, kReadPortMagic)) return ERR_BAD_HANDLE;
    reader_info_locked(guard, rp, out);
    return NO_ERROR;
}

status_t PortRegistry::group_info(PortGroup* g, Info* out) {
    if (!g || !out) return ERR_INVALID_ARGS;
    *out = Info{};
    AutoSpinLock guard(lock_);
    if (wrong_kind(g, kGroupMagic)) return ERR_BAD_HANDLE;
    group_info_locked(guard, g, out);
    return NO_ERROR;
}

usize PortRegistry::write_port_count() {
    AutoSpinLock guard(lock_);
    return count_;
}

}  // namespace lk
