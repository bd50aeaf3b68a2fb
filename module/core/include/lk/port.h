// SPDX-License-Identifier: GPL-2.0
//
// Ports: LK's named message channels.
//
// A WritePort has a name in a namespace of a PortRegistry (PortNamespace:
// the module keys it by the creator's IPC namespace); ReadPorts open it by
// name in the same namespace, each with a ctx handed back with every
// packet. Writes fan out to every reader (BROADCAST) or go to the one
// reader a UNICAST port allows. Packets are 16 bytes; each buffer is a
// power-of-two ring (8 packets, 64 with BIG_BUFFER, or a capacity given
// at create). Writes never block and never overwrite:
// a reader whose ring cannot take the whole write is skipped and the write
// reports ERR_PARTIAL_WRITE; with no reader yet, the writer's own ring fills
// (ERR_NOT_ENOUGH_BUFFER when full, all or nothing) and the first reader
// inherits it. PortGroups wait on many read ports at once.
// Back-pressure (lkport's, opt-in: write_wait()): a write that waits,
// until a deadline, for every ring it goes to to have room for all of it,
// and writes nothing until then. Waiting writers queue on the write
// port's room_wait_ (its lock); a read that makes the room one of them
// waits for, a reader's close, and the writer's close or destroy wake
// them. A read costs one load and a branch more while nobody waits.
//
// Locking: three kinds of SpinLock, all taken with interrupts off (writes
// come from hard IRQ too), none held across a sleep except through
// WaitQueue::block_locked, which drops it:
//  - the registry's lock_: the name hash (buckets_, each write port's
//    hash_next_) and the count of write ports. Nothing else.
//  - each write port's lock_: its readers list, its own ring, write token
//    and destroyed state, and, for each of its readers (ReadPort::port_
//    names the lock, for the read port's whole life, even after the
//    writer is destroyed): the ring, the ctx-side state, the observer,
//    the wait queue, and which group it is in (ReadPort::group_). A write
//    to one port, however long, holds only that port's lock (and, for a
//    grouped reader, its group's for a moment): other ports never wait
//    for it.
//  - each group's lock_: its members list, wait queue, observer, and what
//    the group knows of each member: packets queued and writer alive
//    (mirrored there under both locks, whenever the member's ring or
//    writer changes).
// Lock order: registry -> write port -> group. At most one lock of each
// kind is held at a time. The registry lock is only nested around a write
// port's for listing (for_each_write_port); open, close and destroy take
// the two one after the other, holding a reference on the write port
// (refs_) between them, so that a hold of a busy port's lock never delays
// the name hash. A write port (its memory and lock) lives until destroy()
// and the close of its last reader, whichever is later.
// A group read works under the group lock, where the mirror says which
// member has packets; to take them it pins that member's write port,
// drops the group lock, takes the write port's lock and then the group's,
// checks the member is still in the group, and reads. It counts as a
// departing waiter of the group's queue all the while, so close_group()
// waits for it before freeing the group. Observers are called with the
// object's lock held (a read port's: its write port's; a group's: its
// own), in any context.
//
// Deviations from LK, on purpose:
//  - names may be up to kPortNameMax - 1 = 63 bytes (LK: 11), and are found
//    through a hash table, not a list scan;
//  - read timeouts are deadlines: a wake-up that finds the packet already
//    taken does not restart the wait;
//  - capacity may be chosen per port (power of two up to kPortMaxCapacity);
//  - reads may be interruptible (ERR_INTERRUPTED) for user-space callers;
//  - read_many() takes several packets in one call.
//  - a group read is cancelled (ERR_CANCELLED) only when every member is:
//    current LK cancels it once any member is, so a group with one dead
//    member can never wait again.
// As current LK does: a destroyed writer's readers drain what is buffered,
// then get ERR_CANCELLED; the last reader to close gives its ring (and
// unread packets) back to a writer that is still alive.
#pragma once

#include <lk/wait_queue.h>

namespace lk {

inline constexpr usize kPortNameMax = 64;  // bytes including the NUL
inline constexpr usize kPortPacketSize = 16;
inline constexpr u32 kPortDefaultCapacity = 8;
inline constexpr u32 kPortBigCapacity = 64;
inline constexpr u32 kPortMaxCapacity = 4096;
inline constexpr usize kPortGroupMax = 256;
// Packets a bounded write copies under one hold of the lock (4 KiB), one
// reader's whole share at least.
inline constexpr u32 kPortWriteChunk = 256;

// Names live in namespaces: a write port's name is looked up only by
// callers that give the same key. What a key stands for is the caller's
// business (the module: the creator's IPC namespace); 0 is the initial one,
// which LK's C API uses. A key must not be reused for another namespace
// while a write port of the old one is still hashed (until destroy()).
using PortNamespace = u64;
inline constexpr PortNamespace kPortInitialNamespace = 0;

enum PortMode : u32 {
    PORT_MODE_BROADCAST = 0,
    PORT_MODE_UNICAST = 1,
    PORT_MODE_BIG_BUFFER = 2,
};

struct PortPacket {
    u8 value[kPortPacketSize];
};

struct PortResult {
    void* ctx;
    PortPacket packet;
};

class PortRegistry;
class WritePort;
class ReadPort;
class PortGroup;
class PortRing;
struct WriterTag;  // list of a write port's readers
struct GroupTag;   // list of a group's members

// The first field of every port object: tells them apart (ERR_BAD_HANDLE
// for the wrong kind) and marks them closed.
struct PortHandle {
    u32 magic_;
};

// Asked, under the registry lock, whether the caller may open a write
// port; `user` is what the creator attached to it. Must not sleep.
struct OpenCheck {
    bool (*allow)(void* user, void* arg);
    void* arg;
};

// What a mapped ring shares with its reader's process: the indices, the
// flags and the packets, laid out as struct lkport_ring of the uapi header
// (the glue checks the offsets). The process may write anything here at
// any time: the kernel reads `head` as a claim to check, never as a truth,
// and keeps its own mask and tail.
struct PortRingShared {
    u32 head;  // next packet to take: the reader's (CAS) and the kernel's reads
    u32 pad0[15];
    u32 tail;   // one past the last packet written: written by the kernel only
    u32 mask;   // capacity - 1, for the reader (the kernel keeps its own)
    u32 flags;  // kRingSync*: the reader must tell the kernel what it takes
    u32 pad1;
    u64 ctx;  // the read port's ctx
    u64 pad2[5];
    PortPacket packets[];
};
inline constexpr usize kPortRingPacketsOffset = 128;
// Flags of a mapped ring: a reader that takes packets from the map calls
// PortRegistry::map_sync() while any is set.
inline constexpr u32 kRingSyncGroup = 1u << 0;  // in a group: its mirror
inline constexpr u32 kRingSyncRoom = 1u << 1;   // a writer waits for room

// What a write port's mapped write ring shares with its writers'
// processes, laid out as struct lkport_wring of the uapi header: packets
// the process put at [head, tail), for the kernel to take and write to the
// port. The process may write anything here at any time: the kernel reads
// `tail` as a claim to check and keeps its own head and mask.
struct PortSourceShared {
    u32 tail;  // one past the last packet put: the writer's
    u32 pad0[15];
    u32 head;   // next packet the kernel takes: written by the kernel only
    u32 mask;   // capacity - 1, for the writer (the kernel keeps its own)
    u32 flags;  // kSourceKick: a reader waits, the writer must kick
    u32 pad1;
    u64 pad2[6];
    PortPacket packets[];
};
inline constexpr u32 kSourceKick = 1u << 0;

// A write port's mapped write ring (PortRegistry::map_writer): packets a
// process writes without a call, which the kernel takes when a reader of
// the port reads and at a kick. The memory is the mapper's to free
// (free(), once no process maps it and the port is destroyed): it may
// outlive the port while still mapped.
class PortSource {
  public:
    // Thread context. The shared part is bytes(capacity), page-aligned.
    static PortSource* make(u32 capacity);
    static void free(PortSource* source);
    static constexpr usize bytes(u32 capacity) { return kPortRingPacketsOffset + capacity * sizeof(PortPacket); }
    PortSourceShared* shared() const { return shared_; }

  private:
    friend class PortRegistry;
    PortSource() = default;
    ~PortSource() = default;
    u32 capacity() const { return mask_ + 1; }
    // The claimed tail, and what it says is queued: past capacity, the
    // process broke the ring.
    u32 tail() const { return __atomic_load_n(&shared_->tail, __ATOMIC_ACQUIRE); }
    u32 queued() const { return tail() - head_; }

    u32 mask_ = 0;
    u32 head_ = 0;          // the kernel's; guarded by the port's lock
    bool broken_ = false;   // the tail was out of range once: for good
    bool waiting_ = false;  // a writer waits for room in it (wait_source())
    PortSourceShared* shared_ = nullptr;
};

// Power-of-two ring of packets, allocated with its storage inline, or,
// once its reader maps it (make_mapped), in memory shared with that
// reader's process: then the reader may take packets without the lock
// (advancing shared head by compare-and-swap), and every kernel-side look
// at how much is queued reads that head. A head that is not within
// `capacity` of the kernel's tail (a process scribbled on it) makes the
// ring broken(): it takes no writes and gives no packets, and a read of it
// fails with ERR_BAD_STATE; nothing outside that reader's own ring is
// affected.
class PortRing {
  public:
    static PortRing* make(u32 capacity);
    // Thread context. The shared part is bytes_mapped(capacity), zeroed,
    // page-aligned: what the glue maps.
    static PortRing* make_mapped(u32 capacity);
    static void free(PortRing* ring);
    static constexpr usize bytes(u32 capacity) { return sizeof(PortRing) + capacity * sizeof(PortPacket); }
    static constexpr usize bytes_mapped(u32 capacity) { return kPortRingPacketsOffset + capacity * sizeof(PortPacket); }

    u32 capacity() const { return mask_ + 1; }
    // Packets queued; 0 for a broken ring.
    u32 queued() const {
        u32 q = tail_ - head();
        return q > capacity() ? 0 : q;
    }
    bool empty() const { return queued() == 0; }
    bool broken() const { return shared_ && tail_ - head() > capacity(); }
    // All or nothing.
    status_t write(const PortPacket* packets, usize count);
    bool read(PortPacket* out);
    // Room for more packets; none in a broken ring.
    u32 room() const {
        u32 q = tail_ - head();
        return q > capacity() ? 0 : capacity() - q;
    }

    PortRingShared* shared() const { return shared_; }
    // Mapped rings only (no-ops otherwise).
    void set_flags(u32 f);
    void clear_flags(u32 f);
    // The reader's process can no longer reach the shared part (its read
    // port is closing): drops what is queued, which the process may have
    // rewritten, so the ring can serve another reader.
    void reclaim();

  private:
    PortRing() = default;
    // seq_cst: see PortRegistry::flag_mapped_locked (a plain load on x86).
    u32 head() const { return shared_ ? __atomic_load_n(&shared_->head, __ATOMIC_SEQ_CST) : head_; }

    u32 mask_;
    u32 head_ = 0;  // free-running; index with & mask_ (unmapped rings)
    u32 tail_ = 0;  // the kernel's, mapped or not
    PortPacket* packets_ = nullptr;
    PortRingShared* shared_ = nullptr;
    PortPacket inline_[];
};

class WritePort : public PortHandle, public Allocated {
  public:
    const char* name() const { return name_; }
    PortNamespace ns() const { return ns_; }
    u32 mode() const { return mode_; }
    u32 capacity() const { return capacity_; }
    void* user() const { return user_; }

  private:
    friend class PortRegistry;
    friend class ReadPort;  // its fields are guarded by port_->lock_
    WritePort() = default;
    ~WritePort() = default;
    // A reference: the creator's until destroy(), each reader's until its
    // close, and a caller's that must take lock_ after letting go of
    // another lock. The last one frees the port.
    void get() { refs_.fetch_add(1, MemoryOrder::Relaxed); }
    void put();

    SpinLock lock_{LKOS_LOCK_PORT_WRITER};
    Atomic<u32> refs_{1};
    WritePort* hash_next_ = nullptr;  // guarded by the registry's lock
    u32 hash_ = 0;                    // of name_ and ns_
    PortNamespace ns_ = kPortInitialNamespace;
    u32 mode_ = 0;
    u32 capacity_ = 0;
    void* user_ = nullptr;
    // The writer's own, while it has no reader.
    PortRing* ring_ LK_GUARDED_BY(lock_) = nullptr;
    // The mapped write ring, from map_writer() until destroy().
    PortSource* source_ LK_GUARDED_BY(lock_) = nullptr;
    List<ReadPort, WriterTag> readers_ LK_GUARDED_BY(lock_);
    u64 write_token_ LK_GUARDED_BY(lock_) = 0;  // the latest bounded write's
    u64 seq_ LK_GUARDED_BY(lock_) = 0;          // writes, numbered for tracepoints
    bool destroyed_ LK_GUARDED_BY(lock_) = false;
    bool bounded_busy_ LK_GUARDED_BY(lock_) = false;  // a bounded write is under way
    ObjectTag tag_{ObjectTag::make(ObjectKind::WritePort)};
    // Writers waiting for room (wait_room()); guarded by lock_. The least
    // and most packets they wait room for, 0 while none waits: a read wakes
    // them when it makes that much room in its ring. Reset when a wake
    // empties the queue; a writer that timed out leaves them as they are
    // (a wake more, never one less).
    WaitQueue room_wait_{lock_, tag_};
    u32 room_min_ LK_GUARDED_BY(lock_) = 0;
    u32 room_max_ LK_GUARDED_BY(lock_) = 0;
    // A poller found no room (writable()) and counts as a writer waiting
    // for one packet's: the wake that ends the wait calls observer_ too.
    bool room_poll_ LK_GUARDED_BY(lock_) = false;
    Observer observer_ LK_GUARDED_BY(lock_){};
    char name_[kPortNameMax] = {};
};

class ReadPort : public PortHandle, public ListNode<WriterTag>, public ListNode<GroupTag>, public Allocated {
  public:
    void* ctx() const { return ctx_; }

  private:
    friend class PortRegistry;
    ReadPort(WritePort* port, void* ctx)
        : ctx_(ctx), port_(port), wait_(port->lock_, ObjectTag::make(ObjectKind::ReadPort)) {}
    ~ReadPort() = default;

    void* ctx_;
    // Whose lock guards this read port: set at open, for good (a
    // reference on it is held until the read port is freed).
    WritePort* const port_;
    // port_ while it lives; nullptr once the writer is destroyed.
    WritePort* writer_ LK_GUARDED_BY(port_->lock_) = nullptr;
    PortGroup* group_ LK_GUARDED_BY(port_->lock_) = nullptr;
    PortRing* ring_ LK_GUARDED_BY(port_->lock_) = nullptr;
    // The writer's last bounded write that reached it.
    u64 served_by_ LK_GUARDED_BY(port_->lock_) = 0;
    Observer observer_ LK_GUARDED_BY(port_->lock_){};
    // Optional, with observer_: whether a poller is queued now (nullptr:
    // while observer_ is set). Called under port_->lock_, any context.
    int (*polled_)(void* ctx) LK_GUARDED_BY(port_->lock_) = nullptr;
    WaitQueue wait_;  // guarded by port_->lock_
    // What group_ knows of it, guarded by group_'s lock (changed with
    // port_'s held too): packets queued, writer alive.
    u32 group_queued_ = 0;
    bool group_live_ = false;
    // Also group_'s: its port's mapped write ring while the port has one,
    // and the last arm_members() walk that armed that ring.
    PortSource* group_source_ = nullptr;
    u64 group_walk_ = 0;
};

class PortGroup : public PortHandle, public Allocated {
  private:
    friend class PortRegistry;
    PortGroup() : wait_(lock_, ObjectTag::make(ObjectKind::PortGroup)) {}
    ~PortGroup() = default;

    SpinLock lock_{LKOS_LOCK_PORT_GROUP};
    List<ReadPort, GroupTag> members_ LK_GUARDED_BY(lock_);
    usize count_ LK_GUARDED_BY(lock_) = 0;
    usize ready_ LK_GUARDED_BY(lock_) = 0;    // members with packets queued
    usize live_ LK_GUARDED_BY(lock_) = 0;     // members whose writer lives
    u32 queued_ LK_GUARDED_BY(lock_) = 0;     // packets queued, all members
    usize sourced_ LK_GUARDED_BY(lock_) = 0;  // members whose port has a mapped write ring
    // Group reads that asked those rings for kicks (arm_members()) and
    // have not ended: while there are any, or once the group is polled,
    // the members' writers must kick.
    usize arming_ LK_GUARDED_BY(lock_) = 0;
    u64 walks_ LK_GUARDED_BY(lock_) = 0;  // arm_members() walks begun
    Observer observer_ LK_GUARDED_BY(lock_){};
    WaitQueue wait_;  // guarded by lock_
};

class PortRegistry : Pinned, public Allocated {
  public:
    PortRegistry();
    ~PortRegistry();

    // Creates a write port named `name` in namespace `ns`. capacity 0: LK's
    // default for the mode. On an existing open name (in `ns`):
    // ERR_ALREADY_EXISTS, with *out set to that port as LK does (callers
    // that must not share it ignore *out); on a closed one still holding
    // its name: ERR_BUSY. The same name in another namespace is another
    // port. Thread context (allocates).
    status_t create(const char* name, u32 mode, u32 capacity, void* user, WritePort** out,
                    PortNamespace ns = kPortInitialNamespace);

    // The open write port of that name in `ns`: ERR_NOT_FOUND if there is
    // none, ERR_BUSY if it is closed but still holds its name. Any context.
    status_t find_writer(const char* name, WritePort** out, PortNamespace ns = kPortInitialNamespace);

    // The write port of that name in `ns`, open or closed (a closed one
    // still holds its name until destroyed): ERR_NOT_FOUND if there is
    // none. For a caller that may end a closed port it holds no handle
    // of; it keeps the port alive by its own means. Any context.
    status_t find_named_writer(const char* name, WritePort** out, PortNamespace ns = kPortInitialNamespace);

    // Opens a read port on the write port (open or closed) of that name in
    // `ns`. ERR_NOT_FOUND; ERR_NOT_ALLOWED for a second reader of a UNICAST
    // port; ERR_ACCESS_DENIED when `check` refuses. Thread context
    // (allocates).
    status_t open(const char* name, void* ctx, ReadPort** out, const OpenCheck* check = nullptr,
                  PortNamespace ns = kPortInitialNamespace);

    // Any context. delivered/skipped (optional): readers (or the writer's
    // own ring) that took the packets, and readers skipped as full. The
    // whole fan-out happens under one hold of the port's lock, interrupts
    // off: readers * count packets copied (other ports do not wait).
    status_t write(WritePort* wp, const PortPacket* packets, usize count, u32* delivered = nullptr,
                   u32* skipped = nullptr);

    // As write(), with the work done under each hold of the lock bounded:
    // readers are served in turns of at most kPortWriteChunk packets
    // copied (at least one reader a turn, so a turn copies at most
    // max(kPortWriteChunk, count) packets), and the port's lock, with interrupts,
    // is let go between turns. Each reader still gets all of the write or
    // none of it, and a writer's writes reach every reader in order; what
    // a concurrent observer may see besides is said in README ("Writes
    // and interrupt latency"): readers get the write one turn after
    // another, a reader opened during the write may or may not get it
    // (never twice), and a write that the writer races with from hard IRQ
    // (write()) may reach some readers before this one and others after.
    // Bounded writes of one write port that overlap are not bounded: the
    // later one is done in one hold, as write() (the module serializes
    // its users' with a mutex per port, so that every reader sees them in
    // one order). The caller keeps the port from being destroyed until
    // this returns; a close in between does not stop it. Any context.
    status_t write_bounded(WritePort* wp, const PortPacket* packets, usize count, u32* delivered = nullptr,
                           u32* skipped = nullptr) LK_EXCLUDES(wp->lock_);

    // Back-pressure: as write_bounded(), but only once every ring the
    // write goes to (each reader's, or the writer's own while it has none)
    // has room for all `count` packets, waiting for that until the
    // deadline. Until then nothing is written to anyone: ERR_TIMED_OUT at
    // the deadline (Deadline::none(): at once), ERR_INTERRUPTED on a
    // signal when interruptible, ERR_BAD_HANDLE once the port is closed
    // (or destroyed), ERR_INVALID_ARGS for more packets than a ring holds
    // (count > capacity: it could never fit). The slowest reader paces
    // the writer; a reader that closes holds it back no more. From the
    // hold in which every ring had room the write goes on as
    // write_bounded() does, in turns; a ring that a write not serialized
    // with this one (write(), as from hard IRQ) fills between two turns
    // is skipped as write_bounded() skips it (ERR_PARTIAL_WRITE). Thread
    // context (may sleep); with Deadline::none() it never sleeps (any
    // context). The caller keeps the port from being destroyed until this
    // returns, as for write_bounded().
    status_t write_wait(WritePort* wp, const PortPacket* packets, usize count, Deadline deadline,
                        Interruptible intr = Interruptible::No, u32* delivered = nullptr, u32* skipped = nullptr)
        LK_EXCLUDES(wp->lock_);
    // The two steps of write_wait(), for a caller that serializes its
    // writes with a lock it must not hold while waiting (the module's
    // per-port mutex): write_bounded_if_room() writes as write_bounded()
    // only if every ring has room now, else writes nothing and returns
    // ERR_NOT_READY (any context); wait_room() waits until every ring has
    // room for `count` (NO_ERROR; the room may be gone again when the
    // caller writes), with the errors of write_wait() (thread context,
    // unless Deadline::none()).
    status_t write_bounded_if_room(WritePort* wp, const PortPacket* packets, usize count, u32* delivered = nullptr,
                                   u32* skipped = nullptr) LK_EXCLUDES(wp->lock_);
    status_t wait_room(WritePort* wp, usize count, Deadline deadline, Interruptible intr = Interruptible::No)
        LK_EXCLUDES(wp->lock_);
    // A bounded write (if_room: write_bounded_if_room()) for a caller that
    // serializes its writes only when it must: a write that is one turn
    // (it fits one hold of the lock) while no bounded write is under way
    // needs no serialization, and is done here; anything else is refused
    // with ERR_BUSY, nothing written, for the caller to serialize and
    // call write_bounded() or write_bounded_if_room(). Writes that take
    // this path are each one hold, so every reader still sees the port's
    // bounded writes in one order. Any context.
    status_t write_one_hold(WritePort* wp, const PortPacket* packets, usize count, bool if_room,
                            u32* delivered = nullptr, u32* skipped = nullptr) LK_EXCLUDES(wp->lock_) {
        return write_turns(wp, packets, count, delivered, skipped, if_room, true);
    }
    // Readiness of a write port, for poll: whether a back-pressure write
    // of one packet would go ahead now (every ring it goes to has room,
    // broken rings aside), or would fail at once (closed or destroyed).
    // When it would wait, the port remembers the poller as a writer
    // waiting for that room: the read, reader's close or writer's close
    // that would wake such a writer calls the observer, once. Any context.
    bool writable(WritePort* wp);
    void set_observer(WritePort* wp, Observer o);

    // Longest hold of a port's lock by one write (any port), the most packets one hold
    // copied, and how many holds writes made: what writes cost with
    // interrupts off. Measured in debug builds (LK_DEBUG) only, else zero.
    // reset: start again from zero. Any context.
    struct WriteHoldStats {
        u64 max_ns;
        u32 max_packets;
        u64 holds;
    };
    WriteHoldStats write_hold_stats(bool reset = false);

    // Thread context. Deadline::none() on an empty port: ERR_TIMED_OUT.
    status_t read(ReadPort* rp, Deadline deadline, PortResult* result, Interruptible intr = Interruptible::No);
    // Up to `max` packets (at least one, waiting for the first); *got says
    // how many.
    status_t read_many(ReadPort* rp, Deadline deadline, PortResult* results, usize max, usize* got,
                       Interruptible intr = Interruptible::No);

    // A group of `count` read ports (count may be 0). ERR_TOO_BIG past
    // kPortGroupMax; ERR_BAD_HANDLE if one is not a read port or already in
    // a group. Thread context.
    status_t group(PortHandle* const* ports, usize count, PortGroup** out);
    status_t group_add(PortGroup* g, ReadPort* rp);     // any context
    status_t group_remove(PortGroup* g, ReadPort* rp);  // any context
    // Returns a packet from the first member that has one, with its ctx;
    // ERR_CANCELLED once every member's writer is destroyed and nothing is
    // queued.
    status_t group_read(PortGroup* g, Deadline deadline, PortResult* result, Interruptible intr = Interruptible::No);
    status_t group_read_many(PortGroup* g, Deadline deadline, PortResult* results, usize max, usize* got,
                             Interruptible intr = Interruptible::No);

    // LK's port_read for a read port or a group, as the handle's kind says;
    // ERR_BAD_HANDLE for anything else.
    status_t read_handle(PortHandle* port, Deadline deadline, PortResult* results, usize max, usize* got,
                         Interruptible intr = Interruptible::No);
    bool readable(PortHandle* port);
    void set_observer(PortHandle* port, Observer o);

    // LK's port_close for any port object. Write port: closed for writing,
    // readers unaffected (it can still be opened). Read port: unlinked,
    // its waiters get ERR_OBJECT_DESTROYED, freed. Group: waiters get
    // ERR_OBJECT_DESTROYED, members detached, freed. Thread context.
    status_t close(PortHandle* port);
    // The same for a handle whose kind the caller knows: no dispatch on it
    // (debug builds still check the magic). close_writer on a closed write
    // port: ERR_BAD_HANDLE, as close() says.
    status_t close_writer(WritePort* wp);
    status_t close_reader(ReadPort* rp);
    status_t close_group(PortGroup* g);
    // Frees a closed write port and its name. Readers drain what they hold,
    // then get ERR_CANCELLED. ERR_BAD_HANDLE if not a closed write port.
    status_t destroy(WritePort* wp);

    // Zero-syscall receive: maps rp's ring into memory shared with its
    // reader (PortRing::make_mapped; what is queued moves over), once: a
    // second call returns the same. *out is the shared part, *bytes its
    // size. The reader may then take packets from it without a call (the
    // uapi header's struct lkport_ring says how), and must call
    // map_sync() after taking some while the ring's flags are non-zero:
    // then the group it is in, and writers waiting for room, learn what it
    // took. A read of rp through read()/read_many() takes from the same
    // ring. The shared part lives until rp is closed, which must not
    // happen while it is mapped. Thread context.
    status_t map_reader(ReadPort* rp, PortRingShared** out, usize* bytes);
    status_t map_sync(ReadPort* rp);  // any context

    // Zero-syscall send: gives wp a mapped write ring (PortSource) of its
    // capacity, once: a second call returns the same. The process puts
    // packets there (the uapi header's struct lkport_wring says how), and
    // they are written to the port, in order and as write_wait() would
    // write them (a packet waits in the ring until every ring it goes to
    // has room), when the port's readers read (read(), read_many(),
    // map_sync(), a group's read, reader_info() as poll calls it) and at
    // kick_source() or wait_source(). While the shared flags say
    // kSourceKick, a reader is waiting (blocked or polled, or in a group
    // being read or polled) and the writer must kick after putting
    // packets. destroy() detaches the
    // ring from the port; the caller frees it (PortSource::free) once no
    // process maps it. ERR_BAD_HANDLE on a closed port. Thread context.
    status_t map_writer(WritePort* wp, PortSource** out);
    // Takes what the ring holds, as far as the rings it goes to have room;
    // *room: its free slots then. ERR_BAD_HANDLE once closed, ERR_NOT_FOUND
    // without a mapped ring, ERR_BAD_STATE once the process broke it (a
    // tail past capacity). Any context.
    status_t kick_source(WritePort* wp, u32* room) LK_EXCLUDES(wp->lock_) {
        return source_loop(wp, Deadline::none(), Interruptible::No, room, false);
    }
    // kick_source(), and while the ring is full, waiting for readers to
    // make room and taking again, until the deadline (ERR_TIMED_OUT;
    // Deadline::none(): at once), a signal when interruptible, or the
    // port's close (ERR_BAD_HANDLE). *room is then at least 1. Thread
    // context (may sleep).
    status_t wait_source(WritePort* wp, Deadline deadline, Interruptible intr, u32* room) LK_EXCLUDES(wp->lock_) {
        return source_loop(wp, deadline, intr, room, true);
    }

    // Readiness, for poll: a read port or group is readable when a packet
    // is queued, or when it is cancelled (nothing more will come: for a
    // group, every member is).
    bool readable(ReadPort* rp);
    bool readable(PortGroup* g);
    void set_observer(ReadPort* rp, Observer o, int (*polled)(void* ctx) = nullptr);
    // A poller of rp is about to sleep (`polled` of set_observer() says it
    // is queued): raises the port's mapped write ring's kick flag and
    // takes what the ring holds, as a reader going to sleep does. Any
    // context.
    void poll_arm(ReadPort* rp);
    void set_observer(PortGroup* g, Observer o);

    // State of any port object, for diagnostics and LKPORT_IOC_INFO.
    struct Info {
        ObjectKind kind;
        u64 id;
        u32 mode;        // write port
        u32 capacity;    // ring size
        u32 queued;      // packets in the object's ring (group: its members')
        u32 waiters;     // threads blocked on it
        u32 members;     // group
        bool closed;     // write port closed for writing
        bool cancelled;  // read port whose writer is gone; group whose
                         // members all are
        bool grouped;    // read port in a group
        bool broken;     // read port whose mapped ring is broken
    };
    // Any context. ERR_BAD_HANDLE for a handle of no kind.
    status_t info(PortHandle* port, Info* out);
    // The same for a handle of known kind.
    status_t writer_info(WritePort* wp, Info* out);
    status_t reader_info(ReadPort* rp, Info* out);
    status_t group_info(PortGroup* g, Info* out);

    // Diagnostics (listing). Any context.
    struct WritePortInfo {
        char name[kPortNameMax];
        PortNamespace ns;
        u32 mode, capacity, readers, queued;
        bool closed;
        void* user;
    };
    // Calls f for each write port, with the registry's and that port's
    // lock held (f must not sleep).
    template <class F> void for_each_write_port(F&& f);
    usize write_port_count();

  private:
    friend class WritePort;
    static constexpr usize kBuckets = 4096;

    // The *_locked helpers take the guard on the lock they need as their
    // proof (registry, write port: wg, group: gg).
    using Guard = AutoSpinLock;
    WritePort* lookup_locked(const Guard& guard, const char* name, PortNamespace ns, u32 hash) LK_REQUIRES(lock_);
    void unhash_locked(const Guard& guard, WritePort* wp) LK_REQUIRES(lock_);
    bool try_read_locked(const Guard& wg, ReadPort* rp, PortResult* result) LK_REQUIRES(rp->port_->lock_);
    // Inline, the test that anyone reads: a write to a reader with no
    // group and no thread waiting makes no call to wake it.
    int wake_reader_locked(const Guard& wg, ReadPort* rp, status_t status, WakeCause cause = {})
        LK_REQUIRES(rp->port_->lock_) {
        if (!rp->group_ && rp->wait_.empty_locked(wg)) return 0;
        return wake_reader_slow_locked(wg, rp, status, cause);
    }
    int wake_reader_slow_locked(const Guard& wg, ReadPort* rp, status_t status, WakeCause cause)
        LK_REQUIRES(rp->port_->lock_);
    // Calls rp's observer and its group's. Inline, the test that there is
    // either: a reader nobody polls costs a write no call (the module sets
    // a read port's observer at its fd's first poll).
    void notify_locked(const Guard& wg, ReadPort* rp) LK_REQUIRES(rp->port_->lock_) {
        if (rp->observer_.notify || rp->group_) notify_slow_locked(wg, rp);
    }
    void notify_slow_locked(const Guard& wg, ReadPort* rp) LK_REQUIRES(rp->port_->lock_);
    // Back-pressure: every ring a write to wp goes to has room for
    // `count`; a read took packets from rp's ring, which had `before`
    // slots free (wakes the writers waiting for room if it made theirs);
    // wake every writer waiting for room.
    bool room_locked(const Guard& wg, WritePort* wp, usize count) LK_REQUIRES(wp->lock_);
    // Sets kRingSyncRoom on every mapped reader's ring: whether there was any.
    bool flag_mapped_locked(const Guard& wg, WritePort* wp) LK_REQUIRES(wp->lock_);
    // room_locked(), or, failing that, the mapped readers flagged and the
    // room looked at again; and a waiter's (or poller's) `want` counted
    // in room_min_/room_max_ for the reads that make room.
    bool room_or_flag_locked(const Guard& wg, WritePort* wp, usize count) LK_REQUIRES(wp->lock_);
    void want_room_locked(const Guard& wg, WritePort* wp, u32 want) LK_REQUIRES(wp->lock_);
    void room_made_locked(const Guard& wg, ReadPort* rp, u32 before) LK_REQUIRES(rp->port_->lock_) {
        // The read's one extra cost while no writer waits.
        if (rp->port_->room_max_) room_made_slow_locked(wg, rp, before);
    }
    void room_made_slow_locked(const Guard& wg, ReadPort* rp, u32 before) LK_REQUIRES(rp->port_->lock_);
    void wake_writers_locked(const Guard& wg, WritePort* wp) LK_REQUIRES(wp->lock_);
    status_t write_once(WritePort* wp, const PortPacket* packets, usize count, u32* delivered, u32* skipped,
                        bool if_room) LK_EXCLUDES(wp->lock_);
    // One write of `count` packets under the caller's hold: to every
    // reader (each all or nothing) or, with none, to the port's own ring.
    // *took and *full count them, *woken the threads woken.
    void deliver_locked(const Guard& wg, WritePort* wp, const PortPacket* packets, usize count, WakeCause cause,
                        status_t* status, u32* took, u32* full, int* woken) LK_REQUIRES(wp->lock_);
    // Mapped write ring: takes what the port's holds, as far as every ring
    // has room, at most a turn's worth (kPortWriteChunk copies); returns
    // the packets taken. Inline, the test that there is a ring at all.
    // The kick flag is set again to needs_kick_locked() after the drain
    // unless it took nothing and !refresh (a reader arming it).
    u32 drain_locked(const Guard& wg, WritePort* wp) LK_REQUIRES(wp->lock_) {
        return wp->source_ ? drain_slow_locked(wg, wp, true) : 0;
    }
    u32 drain_slow_locked(const Guard& wg, WritePort* wp, bool refresh) LK_REQUIRES(wp->lock_);
    void refresh_kick_locked(const Guard& wg, WritePort* wp) LK_REQUIRES(wp->lock_) {
        if (wp->source_) set_kick(wp->source_, needs_kick_locked(wg, wp));
    }
    // A reader of wp is about to sleep: the writer must kick from now on.
    // Then looks at the ring once more: whether it took packets.
    bool arm_source_locked(const Guard& wg, WritePort* wp) LK_REQUIRES(wp->lock_) {
        return wp->source_ && arm_slow_locked(wg, wp);
    }
    bool arm_slow_locked(const Guard& wg, WritePort* wp) LK_REQUIRES(wp->lock_);
    // Whether some reader of wp waits for packets in a way that only a
    // kick can end: blocked in a read, polled (the `polled` of
    // set_observer() says so), or in a group that wants kicks.
    bool needs_kick_locked(const Guard& wg, WritePort* wp) LK_REQUIRES(wp->lock_);
    // A group wants its members' writers to kick while a read of it is
    // about to sleep or asleep, and once it is polled.
    bool group_wants_kick_locked(const Guard& gg, PortGroup* g) LK_REQUIRES(g->lock_) {
        return g->arming_ || g->observer_.notify;
    }
    // Raises the kick flag of every member's mapped write ring and takes
    // what each holds, as a reader about to sleep does for its port: a
    // write port at a time, pinned, under its lock (taken before the
    // group's). The caller holds g alive.
    void arm_members(PortGroup* g) LK_EXCLUDES(g->lock_);
    void set_kick(PortSource* s, bool on);
    // Drains a source without the caller's lock, in holds of a turn each.
    status_t source_loop(WritePort* wp, Deadline deadline, Interruptible intr, u32* room, bool wait)
        LK_EXCLUDES(wp->lock_);
    status_t write_turns(WritePort* wp, const PortPacket* packets, usize count, u32* delivered, u32* skipped,
                         bool if_room, bool one_hold = false) LK_EXCLUDES(wp->lock_);
    // Whether a bounded write of `count` packets to wp's readers now is
    // one turn: one reader at most, or all of them within kPortWriteChunk.
    bool one_turn_locked(const Guard& wg, WritePort* wp, usize count) LK_REQUIRES(wp->lock_);
    // Tells rp's group (if any) what rp's ring and writer look like now.
    void sync_group_locked(const Guard& wg, ReadPort* rp) LK_REQUIRES(rp->port_->lock_) {
        if (rp->group_) sync_group_slow_locked(wg, rp);
    }
    void sync_group_slow_locked(const Guard& wg, ReadPort* rp) LK_REQUIRES(rp->port_->lock_);
    // rp joins / leaves g: both locks held.
    void join_locked(const Guard& wg, const Guard& gg, PortGroup* g, ReadPort* rp)
        LK_REQUIRES(rp->port_->lock_, g->lock_);
    void leave_locked(const Guard& wg, const Guard& gg, PortGroup* g, ReadPort* rp)
        LK_REQUIRES(rp->port_->lock_, g->lock_);
    // After a member left or lost its writer: a group all of whose members
    // are cancelled tells its waiters and pollers.
    void cancel_check_locked(const Guard& gg, PortGroup* g) LK_REQUIRES(g->lock_);
    bool group_cancelled_locked(const Guard& gg, PortGroup* g) LK_REQUIRES(g->lock_);
    status_t port_read_loop(ReadPort* rp, Deadline deadline, PortResult* results, usize max, usize* got,
                            Interruptible intr) LK_EXCLUDES(rp->port_->lock_);
    status_t group_read_loop(PortGroup* g, Deadline deadline, PortResult* results, usize max, usize* got,
                             Interruptible intr) LK_EXCLUDES(g->lock_);
    // One step of a group read: takes what the member `m` (of write port
    // wp, pinned) holds, if it is still in g. ERR_OBJECT_DESTROYED if g
    // was closed meanwhile.
    status_t group_take(PortGroup* g, WritePort* wp, ReadPort* m, PortResult* results, usize max, usize* n)
        LK_EXCLUDES(g->lock_);
    WritePortInfo info_locked(const Guard& wg, const WritePort* wp) const LK_REQUIRES(wp->lock_);
    void writer_info_locked(const Guard& wg, const WritePort* wp, Info* out) LK_REQUIRES(wp->lock_);
    void reader_info_locked(const Guard& wg, ReadPort* rp, Info* out) LK_REQUIRES(rp->port_->lock_);
    void group_info_locked(const Guard& gg, PortGroup* g, Info* out) LK_REQUIRES(g->lock_);
    PortRing* close_reader_locked(const Guard& wg, ReadPort* rp) LK_REQUIRES(rp->port_->lock_);
    // Detaches every member of a group being closed, a write port at a
    // time.
    void detach_members(PortGroup* g) LK_EXCLUDES(g->lock_);
    // What a guard proves, told to the analysis where it cannot see it
    // (lambdas run under the caller's guard, a pointer read again);
    // checked in debug builds.
    void held_by(const Guard& guard) const LK_ASSERT_CAPABILITY(lock_) { LK_DEBUG_ASSERT(guard.guards(lock_)); }
    static void held_by(const Guard& wg, const ReadPort* rp) LK_ASSERT_CAPABILITY(rp->port_->lock_);
    static void held_by(const Guard& gg, const PortGroup* g) LK_ASSERT_CAPABILITY(g->lock_);
    static void held_by(const Guard& wg, const WritePort* wp) LK_ASSERT_CAPABILITY(wp->lock_);

    // The clock a write's hold is timed by (debug builds; else 0), and the
    // note of one hold ending that copied `packets`.
    static u64 hold_clock();
    void note_hold(u64 start, u32 packets);

    SpinLock lock_{LKOS_LOCK_PORT};
    WritePort* buckets_[kBuckets] LK_GUARDED_BY(lock_) = {};
    usize count_ LK_GUARDED_BY(lock_) = 0;  // write ports hashed
    // Updated by writes under their own port's lock: atomics, no lock.
    Atomic<u64> hold_max_ns_{0};
    Atomic<u32> hold_max_packets_{0};
    Atomic<u64> holds_{0};
};

// The registry LK's C API (port_create, ...) and /dev/lkport use; exists
// between lk_core_init() and lk_core_exit() (core.cpp). Read inline: every
// C API port call starts with it.
extern PortRegistry* g_default_port_registry;
inline PortRegistry* default_port_registry() { return g_default_port_registry; }

// The entry points that only choose a loop's arguments, inline, so that a
// C API write or read is its wrapper and the loop, no call in between.
inline status_t PortRegistry::write_bounded(WritePort* wp, const PortPacket* packets, usize count, u32* delivered,
                                            u32* skipped) {
    return write_turns(wp, packets, count, delivered, skipped, false);
}

inline status_t PortRegistry::write_bounded_if_room(WritePort* wp, const PortPacket* packets, usize count,
                                                    u32* delivered, u32* skipped) {
    return write_turns(wp, packets, count, delivered, skipped, true);
}

inline status_t PortRegistry::read(ReadPort* rp, Deadline deadline, PortResult* result, Interruptible intr) {
    usize got;
    return port_read_loop(rp, deadline, result, 1, &got, intr);
}

inline status_t PortRegistry::read_many(ReadPort* rp, Deadline deadline, PortResult* results, usize max, usize* got,
                                        Interruptible intr) {
    return port_read_loop(rp, deadline, results, max, got, intr);
}

inline status_t PortRegistry::group_read(PortGroup* g, Deadline deadline, PortResult* result, Interruptible intr) {
    usize got;
    return group_read_loop(g, deadline, result, 1, &got, intr);
}

inline status_t PortRegistry::group_read_many(PortGroup* g, Deadline deadline, PortResult* results, usize max,
                                              usize* got, Interruptible intr) {
    return group_read_loop(g, deadline, results, max, got, intr);
}

template <class F> void PortRegistry::for_each_write_port(F&& f) {
    AutoSpinLock guard(lock_);
    for (WritePort* head : buckets_)
        for (WritePort* wp = head; wp; wp = wp->hash_next_) {
            AutoSpinLock wg(wp->lock_);
            f(info_locked(wg, wp));
        }
}

}  // namespace lk
