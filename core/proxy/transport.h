#pragma once

#include <cstddef>
#include <string>

namespace meshx::proxy {

class IoHandler;
class UringLoop;

// Outcome of one non-blocking transport operation.
struct IoResult {
    enum class Status {
        Ok,         // `bytes` moved
        WantRead,   // retry when the fd is readable
        WantWrite,  // retry when the fd is writable
        Eof,        // reads: the peer finished sending (FIN or TLS close_notify)
        Error,      // the connection is broken; errorText() says why
    };
    Status status = Status::Ok;
    size_t bytes = 0;
    // Ok only: the operation also proved the fd has nothing more to give (short read) or no room
    // left (short write), so the next attempt can wait for the next edge instead of paying a
    // system call to learn EAGAIN.
    bool exhausted = false;
};

// A non-blocking byte stream over one socket: plain TCP or TLS. BytePump moves bytes between two
// of these without knowing which kind each is.
class Transport {
  public:
    virtual ~Transport() = default;

    // Loop thread. Reads up to `len` bytes (len > 0).
    virtual IoResult read(char* dst, size_t len) = 0;
    // Loop thread. Writes up to `len` bytes (len > 0). After WantRead/WantWrite the caller retries
    // with the same bytes (it may move them to another buffer).
    virtual IoResult write(const char* src, size_t len) = 0;
    // Loop thread. Tells the peer no more bytes follow (TCP FIN; TLS close_notify then FIN).
    // Ok when done; WantRead/WantWrite to retry.
    virtual IoResult shutdownWrite() = 0;
    // Loop thread. Why the last operation failed, for logs.
    virtual std::string errorText() const = 0;
    virtual int fd() const = 0;
    // Loop thread, once, when the loop runs on io_uring and the socket starts relaying (its fd is
    // no longer in the epoll set): bytes move through a RingSocket from now on, whose readiness
    // goes to `handler`. Bytes already buffered by the transport stay first in line.
    virtual void attachRing(UringLoop& ring, IoHandler* handler) = 0;
};

}  // namespace meshx::proxy
