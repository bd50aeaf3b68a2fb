// SPDX-License-Identifier: LGPL-2.1-or-later
//
// liblkport for C++: RAII owners of lkport file descriptors over the C API.
// Errors are returned, not thrown: every fallible call gives an lkport::Result.
#pragma once

#include <lkport/lkport.h>
#include <unistd.h>

#include <utility>

namespace lkport {

// A value or a negative errno.
template <class T> class Result {
  public:
    Result(T value) : value_(std::move(value)), error_(0) {}
    static Result failure(int negative_errno) { return Result(negative_errno, 0); }

    bool ok() const { return error_ == 0; }
    explicit operator bool() const { return ok(); }
    int error() const { return error_; }  // negative errno, 0 when ok
    T& value() & { return value_; }
    T&& value() && { return std::move(value_); }
    T* operator->() { return &value_; }

  private:
    Result(int err, int) : value_(), error_(err) {}
    T value_;
    int error_;
};

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

// /dev/lkport.
class Device {
  public:
    static Result<Device> open() {
        int fd = lkport_open();
        if (fd < 0) return Result<Device>::failure(fd);
        return Device(Fd(fd));
    }
    Device() = default;

    Result<lkport_version> version() const {
        lkport_version v;
        int err = lkport_query_version(fd_.get(), &v);
        if (err) return Result<lkport_version>::failure(err);
        return v;
    }
    int fd() const { return fd_.get(); }

  private:
    explicit Device(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace lkport
