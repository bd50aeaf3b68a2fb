// SPDX-License-Identifier: LGPL-2.1-or-later
//
// liblkport for C++: owners of lkport's objects over the C API of
// <lkport/lk.h>. C++17 or later, header only, no exceptions.
//
//   auto ev = lkport::Event::create("ready", {.auto_unsignal = true});  // C++20
//   if (!ev) return ev.status();              // an LK status: ev.status().name()
//   lkport::Status st = ev->wait(100ms);      // or a steady_clock time point
//   if (st == LK_ERR_TIMED_OUT) ...
//
// Every fallible call returns an lkport::Status (LK's status code) or an
// lkport::Result<T> (a T or a failed Status). Objects are move-only and
// close their file descriptor when destroyed; an object lives in the kernel
// as long as any descriptor refers to it, in any process.
//
// Operations are const: they change the kernel object, not the C++ one, so
// threads may share a const reference (the fd is the only state).
#pragma once

#include <lkport/lk.h>
#include <lkport/device.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace lkport {

// ---- status and results -----------------------------------------------------

// One of LK's status codes (LK_NO_ERROR, LK_ERR_TIMED_OUT, ...).
class [[nodiscard]] Status {
  public:
    constexpr Status() = default;
    constexpr explicit Status(lk_status_t code) : code_(code) {}
    // A negative errno, as <lkport/device.h> returns, as an LK status.
    static Status from_errno(int err) { return Status(lk_status_from_errno(err)); }

    constexpr bool ok() const { return code_ == LK_NO_ERROR; }
    constexpr lk_status_t code() const { return code_; }
    const char* name() const { return lk_status_str(code_); }  // "LK_ERR_TIMED_OUT"

    friend constexpr bool operator==(Status a, Status b) { return a.code_ == b.code_; }
    friend constexpr bool operator!=(Status a, Status b) { return a.code_ != b.code_; }
    friend constexpr bool operator==(Status a, lk_status_t b) { return a.code_ == b; }
    friend constexpr bool operator!=(Status a, lk_status_t b) { return a.code_ != b; }

  private:
    lk_status_t code_ = LK_NO_ERROR;
};

// A T, or the Status that kept it from being made. Check ok() before value().
template <class T> class [[nodiscard]] Result {
  public:
    Result(T value) : value_(std::move(value)) {}
    Result(Status failure) : status_(failure.ok() ? Status(LK_ERR_GENERIC) : failure) {}

    bool ok() const { return status_.ok(); }
    explicit operator bool() const { return ok(); }
    Status status() const { return status_; }

    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    T& operator*() & { return *value_; }
    T&& operator*() && { return std::move(*value_); }

  private:
    std::optional<T> value_;
    Status status_;
};

// ---- time -------------------------------------------------------------------

// When a wait gives up: an absolute CLOCK_MONOTONIC time, which is
// std::chrono::steady_clock on Linux. Built from a time point, a duration
// from now (zero or less: do not block), or forever() / poll(); and from
// the C API's two forms: a deadline in nanoseconds (at_ns, as the
// _deadline calls take it) and LK's millisecond timeout (after_ms, as the
// _timeout calls take it, LK_INFINITE_TIME for none).
class Deadline {
  public:
    using Clock = std::chrono::steady_clock;

    static constexpr Deadline forever() { return Deadline(LKPORT_FOREVER); }
    static constexpr Deadline poll() { return Deadline(0); }
    // An absolute CLOCK_MONOTONIC deadline in ns: 0 does not block,
    // LKPORT_FOREVER never times out.
    static constexpr Deadline at_ns(std::uint64_t ns) { return Deadline(ns); }
    // lk_time_t ms from now, as lk_deadline_after_ms: 0 does not block,
    // LK_INFINITE_TIME never times out.
    static Deadline after_ms(lk_time_t timeout) { return Deadline(lk_deadline_after_ms(timeout)); }

    Deadline(Clock::time_point t) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
        ns_ = ns > 0 ? std::uint64_t(ns) : 0;
    }
    template <class Rep, class Period> Deadline(std::chrono::duration<Rep, Period> d) {
        // Past about 30 years a wait is as good as endless; this also
        // keeps duration::max() from overflowing.
        double seconds = std::chrono::duration<double>(d).count();
        if (seconds <= 0)
            ns_ = 0;
        else if (seconds > 1e9)
            ns_ = LKPORT_FOREVER;
        else
            *this = Deadline(Clock::now() + std::chrono::duration_cast<Clock::duration>(d));
    }

    constexpr std::uint64_t ns() const { return ns_; }  // as the ABI takes it

  private:
    constexpr explicit Deadline(std::uint64_t ns) : ns_(ns) {}
    std::uint64_t ns_;
};

// ---- descriptors --------------------------------------------------------------

// Owns one file descriptor; closes it on destruction. Move-only.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) reset(std::exchange(o.fd_, -1));
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

// /dev/lkport itself.
class Device {
  public:
    static Result<Device> open() {
        int fd = lkport_open();
        if (fd < 0) return Status::from_errno(fd);
        return Device(Fd(fd));
    }
    Device() = default;

    Result<lkport_version> version() const {
        lkport_version v;
        int err = lkport_query_version(fd_.get(), &v);
        if (err) return Status::from_errno(err);
        return v;
    }
    int fd() const { return fd_.get(); }

  private:
    explicit Device(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

// What every lkport object has: its descriptor and LKPORT_IOC_INFO.
class Object {
  public:
    int fd() const { return fd_.get(); }
    bool valid() const { return fd_.valid(); }
    // Gives the descriptor up without closing it (to pass it on).
    int release() { return fd_.release(); }

    Result<lkport_info> info() const {
        lkport_info info;
        Status st(lk_object_info(fd_.get(), &info));
        if (!st.ok()) return st;
        return info;
    }

  protected:
    Object() = default;
    explicit Object(Fd fd) : fd_(std::move(fd)) {}
    // Moved only as the object it is part of, never sliced off it.
    Object(Object&&) noexcept = default;
    Object& operator=(Object&&) noexcept = default;
    ~Object() = default;
    Fd fd_;
};

// ---- events -------------------------------------------------------------------

struct EventOptions {
    bool auto_unsignal = false;  // a signal lets one waiter through, then clears
    bool signaled = false;       // created signalled
    mode_t perm = 0600;          // less the umask
};

// An event: LK's event_t, shared between processes by name (create,
// open) or by passing its descriptor (anonymous).
class Event : public Object {
  public:
    // Access asked for by open(): wait needs read permission, signal write.
    static constexpr unsigned kWait = LKPORT_ACCESS_WAIT;
    static constexpr unsigned kSignal = LKPORT_ACCESS_SIGNAL;

    static Result<Event> create(const char* name, const EventOptions& opt = {}) {
        lk_event_t e;
        Status st(lk_event_create(&e, name, opt.signaled,
                                  opt.auto_unsignal ? LK_EVENT_FLAG_AUTOUNSIGNAL : 0, opt.perm));
        if (!st.ok()) return st;
        return Event(Fd(e.fd));
    }
    static Result<Event> open(const char* name, unsigned access = kWait | kSignal) {
        lk_event_t e;
        Status st(lk_event_open(&e, name, access));
        if (!st.ok()) return st;
        return Event(Fd(e.fd));
    }
    // LK's event_init: an event with no name, reached only through its
    // descriptor (fork, SCM_RIGHTS, release()), as an eventfd; the
    // caller's own. opt.perm has nothing to apply to and is ignored.
    static Result<Event> anonymous(const EventOptions& opt = {}) {
        lk_event_t e;
        Status st(lk_event_init(&e, opt.signaled, opt.auto_unsignal ? LK_EVENT_FLAG_AUTOUNSIGNAL : 0));
        if (!st.ok()) return st;
        return Event(Fd(e.fd));
    }
    Event() = default;
    explicit Event(Fd fd) : Object(std::move(fd)) {}

    // LK's event_destroy: ends the event for every descriptor of it, in
    // any process. Their waiters wake with LK_ERR_OBJECT_DESTROYED, which
    // every later wait, signal and unsignal returns; a name is free again.
    // The owner's call, through a descriptor opened to signal
    // (LK_ERR_NOT_ALLOWED for another user, LK_ERR_BAD_HANDLE for a
    // wait-only one: then nothing else changes); LK_ERR_OBJECT_DESTROYED
    // if it was destroyed already. This descriptor is given up whatever
    // the outcome, as lk_event_destroy_all does. (Destroying the Event
    // object only closes its own descriptor.)
    Status destroy() {
        lk_event_t e = {fd_.release()};
        if (e.fd < 0) return Status(LK_ERR_BAD_HANDLE);
        return Status(lk_event_destroy_all(&e));
    }

    // LK_ERR_TIMED_OUT at the deadline, LK_ERR_INTERRUPTED on a signal.
    Status wait(Deadline deadline = Deadline::forever()) const {
        lk_event_t e = {fd_.get()};
        return Status(lk_event_wait_deadline(&e, deadline.ns()));
    }
    // Passes if signalled, else LK_ERR_TIMED_OUT at once.
    Status try_wait() const { return wait(Deadline::poll()); }
    // The number of threads woken.
    Result<int> signal() const {
        lk_event_t e = {fd_.get()};
        int woken = lk_event_signal(&e);
        if (woken < 0) return Status(woken);
        return woken;
    }
    Status unsignal() const {
        lk_event_t e = {fd_.get()};
        return Status(lk_event_unsignal(&e));
    }
    // Signals `to`, then waits on this event, in one system call (ABI
    // 1.11; two with an older module): one side's step of a ping-pong.
    // *signalled (if given) says whether `to` was signalled, whatever the
    // status; after a failed wait, retry wait() only.
    Status signal_and_wait(const Event& to, Deadline deadline = Deadline::forever(),
                           bool* signalled = nullptr) const {
        lk_event_t e = {fd_.get()}, t = {to.fd()};
        return Status(lk_event_signal_wait(&t, &e, deadline.ns(), signalled));
    }
};

// ---- packets --------------------------------------------------------------------

// One port packet: 16 bytes, zero-filled unless set.
class Packet {
  public:
    static constexpr std::size_t kSize = LKPORT_PACKET_SIZE;

    Packet() = default;

    // A packet holding `v` at its start (a trivially copyable type that fits).
    template <class T> static Packet of(const T& v) {
        Packet p;
        p.put(v);
        return p;
    }
    // A packet holding the first 16 bytes of `s`, NUL-padded.
    static Packet text(std::string_view s) {
        Packet p;
        std::memcpy(p.bytes_.data(), s.data(), s.size() < kSize ? s.size() : kSize);
        return p;
    }

    template <std::size_t Offset = 0, class T> void put(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>, "packets carry plain data");
        static_assert(Offset + sizeof(T) <= kSize, "does not fit in a packet");
        std::memcpy(bytes_.data() + Offset, &v, sizeof(T));
    }
    template <class T, std::size_t Offset = 0> T get() const {
        static_assert(std::is_trivially_copyable_v<T>, "packets carry plain data");
        static_assert(Offset + sizeof(T) <= kSize, "does not fit in a packet");
        T v;
        std::memcpy(&v, bytes_.data() + Offset, sizeof(T));
        return v;
    }
    // The bytes up to the first NUL (all 16 if there is none).
    std::string_view str() const {
        auto* b = reinterpret_cast<const char*>(bytes_.data());
        std::size_t n = 0;
        while (n < kSize && b[n]) n++;
        return std::string_view(b, n);
    }

    std::uint8_t* data() { return bytes_.data(); }
    const std::uint8_t* data() const { return bytes_.data(); }
    static constexpr std::size_t size() { return kSize; }

    friend bool operator==(const Packet& a, const Packet& b) { return a.bytes_ == b.bytes_; }
    friend bool operator!=(const Packet& a, const Packet& b) { return a.bytes_ != b.bytes_; }

  private:
    std::array<std::uint8_t, kSize> bytes_{};
};
static_assert(sizeof(Packet) == sizeof(lk_port_packet_t), "a Packet is LK's port_packet_t");

// Packets to write, viewed in place: one packet, or any contiguous container
// of them (std::array, std::vector, std::span).
class Packets {
  public:
    Packets(const Packet& p) : data_(&p), size_(1) {}
    Packets(const Packet* data, std::size_t size) : data_(data), size_(size) {}
    template <class C, class = std::enable_if_t<std::is_convertible_v<
                           decltype(std::data(std::declval<const C&>())), const Packet*>>>
    Packets(const C& c) : data_(std::data(c)), size_(std::size(c)) {}

    const Packet* data() const { return data_; }
    std::size_t size() const { return size_; }

  private:
    const Packet* data_;
    std::size_t size_;
};

// A packet as read: the reading port's ctx comes with it.
struct PortResult {
    std::uintptr_t ctx = 0;
    Packet packet;
};

namespace detail {
// The library's results as the classes give them; returns the count.
inline std::size_t results_from(PortResult* out, const lk_port_result_t* raw, std::size_t got) {
    for (std::size_t i = 0; i < got; i++) {
        out[i].ctx = reinterpret_cast<std::uintptr_t>(raw[i].ctx);
        std::memcpy(out[i].packet.data(), raw[i].packet.value, Packet::kSize);
    }
    return got;
}
}  // namespace detail

// What a write did. skipped > 0 is LK's ERR_PARTIAL_WRITE: those readers'
// rings were full and they got none of the packets; the others got all.
struct WriteResult {
    unsigned delivered = 0;  // readers that took them (or the port's own ring)
    unsigned skipped = 0;
    bool partial() const { return skipped > 0; }
};

// ---- ports ----------------------------------------------------------------------

struct PortOptions {
    lk_port_mode_t mode = LK_PORT_MODE_BROADCAST;  // or UNICAST, UNICAST | BIG_BUFFER
    unsigned capacity = 0;                         // packets, power of two; 0: LK's 8 (64 big)
    mode_t perm = 0600;                            // less the umask
    bool share = false;  // name in use: another writer of that port instead of
                         // LK_ERR_ALREADY_EXISTS (a free name is created)
};

// Reads of read ports and groups, into a PortResult array.
class Readable : public Object {
  public:
    // Waits for one packet until the deadline (LK_ERR_TIMED_OUT), or
    // LK_ERR_CANCELLED once the writer is destroyed and all is drained.
    Result<PortResult> read(Deadline deadline = Deadline::forever()) const {
        PortResult r;
        auto got = read_many(&r, 1, deadline);
        if (!got) return got.status();
        return r;
    }
    // Waits for at least one packet, then returns up to `max` of them.
    Result<std::size_t> read_many(PortResult* out, std::size_t max,
                                  Deadline deadline = Deadline::forever()) const {
        lk_port_result_t raw[LKPORT_READ_MAX];
        std::size_t got = 0;
        Status st(lk_port_read_many(fd_.get(), deadline.ns(), raw,
                                    max < LKPORT_READ_MAX ? max : LKPORT_READ_MAX, &got));
        if (!st.ok()) return st;
        return detail::results_from(out, raw, got);
    }
    template <std::size_t N>
    Result<std::size_t> read_many(std::array<PortResult, N>& out,
                                  Deadline deadline = Deadline::forever()) const {
        return read_many(out.data(), N, deadline);
    }
    // Writes `packets` to the write port `to` (as WritePort::write: a
    // reader with no room is skipped), then reads up to `max` packets
    // from this one, in one system call (ABI 1.11; two with an older
    // module): a request and the wait for its reply. *written (if given)
    // says whether the write was made, whatever the status; after a
    // failed read, retry read_many() only.
    Result<std::size_t> write_and_read(const Object& to, Packets packets, PortResult* out,
                                       std::size_t max, Deadline deadline = Deadline::forever(),
                                       bool* written = nullptr) const {
        auto* pk = reinterpret_cast<const lk_port_packet_t*>(packets.data());
        lk_port_result_t raw[LKPORT_READ_MAX];
        std::size_t got = 0;
        Status st(lk_port_write_read(to.fd(), pk, packets.size(), fd_.get(), deadline.ns(), raw,
                                     max < LKPORT_READ_MAX ? max : LKPORT_READ_MAX, &got, written));
        if (!st.ok()) return st;
        return detail::results_from(out, raw, got);
    }

  protected:
    using Object::Object;
};

// The writing end of a named port: LK's port_create.
class WritePort : public Object {
  public:
    static Result<WritePort> create(const char* name, const PortOptions& opt = {}) {
        lk_port_t port;
        Status st(lk_port_create_ex(name, opt.mode, opt.capacity, opt.perm,
                                    opt.share ? LKPORT_PORT_SHARE : 0, &port));
        if (!st.ok()) return st;
        return WritePort(Fd(port));
    }
    // LK's port_create (lk_port_create_shared): a name that is free gets
    // a new port (existed false); one in use by an open write port gives
    // another writer of it (existed true), with that port's mode and
    // capacity, when its permission bits let the caller write
    // (LK_ERR_ACCESS_DENIED otherwise). A name held by a kernel module's
    // port, which no descriptor can refer to, is LK_ERR_ALREADY_EXISTS;
    // a closed port's is LK_ERR_BUSY.
    struct Shared;
    static Result<Shared> create_shared(const char* name, lk_port_mode_t mode = LK_PORT_MODE_BROADCAST);
    WritePort() = default;
    explicit WritePort(Fd fd) : Object(std::move(fd)) {}

    // All of `packets` to each reader that has room for all of them; never
    // blocks. With no reader yet the port's own ring keeps them for the
    // first one (LK_ERR_NOT_ENOUGH_BUFFER when it is full).
    Result<WriteResult> write(Packets packets) const {
        // The library only hands the address to the kernel, which copies
        // the bytes: a Packet is laid out as LK's port_packet_t.
        auto* pk = reinterpret_cast<const lk_port_packet_t*>(packets.data());
        WriteResult r;
        Status st(lk_port_write_ex(fd_.get(), pk, packets.size(), &r.delivered, &r.skipped));
        if (!st.ok() && st != LK_ERR_PARTIAL_WRITE) return st;
        return r;
    }
    // Back-pressure (ABI 1.6): waits until every reader's ring (the
    // port's own while it has none) has room for all of `packets`, then
    // writes them to every reader. Until then nothing is written:
    // LK_ERR_TIMED_OUT at the deadline (a duration from now or a
    // steady_clock time; Deadline::poll(): every reader or none, at
    // once), LK_ERR_INTERRUPTED on a signal, LK_ERR_BAD_HANDLE once the
    // port is closed, LK_ERR_INVALID_ARGS for more packets than the
    // port's capacity. A reader skipped all the same (only an interrupt
    // source bound to the port can fill a ring meanwhile) is counted in
    // skipped, as write() counts it.
    Result<WriteResult> write_wait(Packets packets, Deadline deadline = Deadline::forever()) const {
        auto* pk = reinterpret_cast<const lk_port_packet_t*>(packets.data());
        WriteResult r;
        Status st(lk_port_write_deadline_ex(fd_.get(), pk, packets.size(), deadline.ns(), &r.delivered,
                                            &r.skipped));
        if (!st.ok() && st != LK_ERR_PARTIAL_WRITE) return st;
        return r;
    }
    // No more writes; readers keep what is queued; the name stays taken.
    Status close() const { return Status(lk_port_close(fd_.get())); }
    // After close(): frees the name; readers drain, then read
    // LK_ERR_CANCELLED. Gives up this descriptor on success. (Destroying
    // the last WritePort of a port does close and destroy.)
    Status destroy() {
        Status st(lk_port_destroy(fd_.get()));
        if (st.ok()) fd_.release();  // lk_port_destroy closed it
        return st;
    }
};

// What WritePort::create_shared made: the writer, and whether the port was
// there already.
struct WritePort::Shared {
    WritePort port;
    bool existed = false;
};

inline Result<WritePort::Shared> WritePort::create_shared(const char* name, lk_port_mode_t mode) {
    lk_port_t port = -1;
    Status st(lk_port_create_shared(name, mode, &port));
    if (st == LK_ERR_ALREADY_EXISTS && port >= 0) return Shared{WritePort(Fd(port)), true};
    if (!st.ok()) return st;
    return Shared{WritePort(Fd(port)), false};
}

// A reader of a named port: LK's port_open. Every packet it reads comes
// with its ctx.
class ReadPort : public Readable {
  public:
    static Result<ReadPort> open(const char* name, std::uintptr_t ctx = 0) {
        lk_port_t port;
        Status st(lk_port_open(name, reinterpret_cast<void*>(ctx), &port));
        if (!st.ok()) return st;
        return ReadPort(Fd(port));
    }
    ReadPort() = default;
    explicit ReadPort(Fd fd) : Readable(std::move(fd)) {}
};

// A read port's ring mapped into the process (lk_port_map, module ABI
// 1.7): take() never enters the kernel unless it must tell it what was
// taken; read() enters it only to wait for an empty ring. Reads through
// the port itself still work and share the ring. Unmapped on
// destruction; the ReadPort must outlive it. Move-only.
class PortMap {
  public:
    static Result<PortMap> map(const ReadPort& port) {
        PortMap m;
        Status st(lk_port_map(port.fd(), &m.map_));
        if (!st.ok()) return st;
        return m;
    }
    PortMap() = default;
    PortMap(PortMap&& o) noexcept : map_(o.map_) { o.map_ = lk_port_map_t{}; }
    PortMap& operator=(PortMap&& o) noexcept {
        if (this != &o) {
            lk_port_unmap(&map_);
            map_ = o.map_;
            o.map_ = lk_port_map_t{};
        }
        return *this;
    }
    PortMap(const PortMap&) = delete;
    PortMap& operator=(const PortMap&) = delete;
    ~PortMap() { lk_port_unmap(&map_); }

    // Up to `max` queued packets, no wait: LK_ERR_NOT_READY when empty.
    Result<std::size_t> take(PortResult* out, std::size_t max) { return copy(out, max, false, Deadline::poll()); }
    // Waits for at least one packet (through the kernel when empty).
    Result<std::size_t> read_many(PortResult* out, std::size_t max, Deadline deadline = Deadline::forever()) {
        return copy(out, max, true, deadline);
    }
    Result<PortResult> read(Deadline deadline = Deadline::forever()) {
        PortResult r;
        auto got = read_many(&r, 1, deadline);
        if (!got) return got.status();
        return r;
    }
    bool mapped() const { return map_.ring != nullptr; }

  private:
    Result<std::size_t> copy(PortResult* out, std::size_t max, bool wait, Deadline deadline) {
        lk_port_result_t raw[LKPORT_READ_MAX];
        std::size_t got = 0, n = max < LKPORT_READ_MAX ? max : LKPORT_READ_MAX;
        Status st(wait ? lk_port_map_read(&map_, deadline.ns(), raw, n, &got) : lk_port_map_take(&map_, raw, n, &got));
        if (!st.ok()) return st;
        return detail::results_from(out, raw, got);
    }
    lk_port_map_t map_{};
};

// A write port's submission ring mapped into the process (lk_port_wmap,
// module ABI 1.10): put() and write() hand packets to the kernel without a
// system call while the ring has room and no reader must be woken; the
// kernel writes them to the port's readers in order, as write_wait()
// would. One producer per port: one WritePortMap of it, used by one thread
// at a time. Unmapped on destruction; the WritePort must outlive it.
// Move-only.
class WritePortMap {
  public:
    static Result<WritePortMap> map(const WritePort& port) {
        WritePortMap m;
        Status st(lk_port_wmap(port.fd(), &m.map_));
        if (!st.ok()) return st;
        return m;
    }
    WritePortMap() = default;
    WritePortMap(WritePortMap&& o) noexcept : map_(o.map_) { o.map_ = lk_port_wmap_t{}; }
    WritePortMap& operator=(WritePortMap&& o) noexcept {
        if (this != &o) {
            lk_port_wunmap(&map_);
            map_ = o.map_;
            o.map_ = lk_port_wmap_t{};
        }
        return *this;
    }
    WritePortMap(const WritePortMap&) = delete;
    WritePortMap& operator=(const WritePortMap&) = delete;
    ~WritePortMap() { lk_port_wunmap(&map_); }

    // As many of `packets` as the ring has room for, from the first, no
    // wait: how many (LK_ERR_NOT_READY when it is full).
    Result<std::size_t> put(Packets packets) {
        std::size_t n = 0;
        Status st(lk_port_wmap_put(&map_, raw(packets), packets.size(), &n));
        if (!st.ok()) return st;
        return n;
    }
    // All of `packets`, waiting for room while the ring is full:
    // LK_ERR_TIMED_OUT at the deadline, LK_ERR_INTERRUPTED on a signal,
    // LK_ERR_BAD_HANDLE once the port is closed (those that fit before are
    // in the ring).
    Status write(Packets packets, Deadline deadline = Deadline::forever()) {
        return Status(lk_port_wmap_write(&map_, deadline.ns(), raw(packets), packets.size()));
    }
    // The kernel takes what the ring holds now; says whether the port is
    // open and the ring whole.
    Status kick() { return Status(lk_port_wmap_kick(&map_)); }
    bool mapped() const { return map_.ring != nullptr; }

  private:
    // A Packet is laid out as LK's port_packet_t.
    static const lk_port_packet_t* raw(const Packets& p) {
        return reinterpret_cast<const lk_port_packet_t*>(p.data());
    }
    lk_port_wmap_t map_{};
};

// One read over many read ports: LK's port_group. The ports stay the
// caller's; closing one takes it out of the group.
class PortGroup : public Readable {
  public:
    static Result<PortGroup> create(std::initializer_list<std::reference_wrapper<const ReadPort>> ports = {}) {
        lk_port_t fds[LKPORT_GROUP_MAX];
        std::size_t n = 0;
        if (ports.size() > LKPORT_GROUP_MAX) return Status(LK_ERR_TOO_BIG);
        for (const ReadPort& p : ports) fds[n++] = p.fd();
        lk_port_t group;
        Status st(lk_port_group(fds, n, &group));
        if (!st.ok()) return st;
        return PortGroup(Fd(group));
    }
    PortGroup() = default;
    explicit PortGroup(Fd fd) : Readable(std::move(fd)) {}

    Status add(const ReadPort& port) const { return Status(lk_port_group_add(fd_.get(), port.fd())); }
    Status remove(const ReadPort& port) const {
        return Status(lk_port_group_remove(fd_.get(), port.fd()));
    }
};

// ---- interrupt sources -----------------------------------------------------------

// An interrupt source (uapi/linux/lkport.h: records, acks, delivery):
// a PCI device bound to the lkport driver, or a virtual interrupt.
// Creating one needs CAP_SYS_ADMIN.
class Interrupt : public Object {
  public:
    static constexpr unsigned kAutoAck = LKPORT_IRQ_AUTO_ACK;

    // device: "0000:00:04.0"; mode LKPORT_IRQ_MODE_AUTO, _INTX or _MSI.
    static Result<Interrupt> pci(const char* device, unsigned mode = LKPORT_IRQ_MODE_AUTO,
                                 unsigned flags = 0) {
        return make(device, mode, flags);
    }
    static Result<Interrupt> virtual_source(unsigned flags = 0) { return make(nullptr, 0, flags); }
    Interrupt() = default;
    explicit Interrupt(Fd fd) : Object(std::move(fd)) {}

    // The next record, taken; LK_ERR_TIMED_OUT at the deadline.
    Result<lkport_irq_record> wait(Deadline deadline = Deadline::forever()) const {
        lkport_irq_record rec;
        int err = lkport_irq_wait(fd_.get(), deadline.ns(), &rec);
        if (err) return Status::from_errno(err);
        return rec;
    }
    Status ack() const { return errno_status(lkport_irq_ack(fd_.get())); }
    Status trigger() const { return errno_status(lkport_irq_trigger(fd_.get())); }
    // Records go to this port (one packet each) or event (a signal each).
    Status bind(const Object& target) const { return errno_status(lkport_irq_bind(fd_.get(), target.fd())); }
    Status unbind() const { return errno_status(lkport_irq_bind(fd_.get(), -1)); }
    Result<lkport_irq_info> irq_info() const {
        lkport_irq_info info;
        int err = lkport_irq_get_info(fd_.get(), &info);
        if (err) return Status::from_errno(err);
        return info;
    }

  private:
    static Status errno_status(int err) { return err ? Status::from_errno(err) : Status(); }
    static Result<Interrupt> make(const char* device, unsigned mode, unsigned flags) {
        int dev = lk_device();
        if (dev < 0) return Status::from_errno(dev);
        int fd = lkport_irq_create(dev, device, mode, flags);
        if (fd < 0) return Status::from_errno(fd);
        return Interrupt(Fd(fd));
    }
};

}  // namespace lkport
