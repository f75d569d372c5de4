#pragma once

#include <string>

#include "common/result.h"
#include "proxy/socket_address.h"

namespace meshx::proxy {

// Owns one non-blocking, close-on-exec TCP socket.
class Socket {
  public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() { reset(); }
    Socket(Socket&& other) noexcept : fd_(other.release()) {}
    Socket& operator=(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    // Any thread. A listening socket with SO_REUSEADDR (restarts must not wait out TIME_WAIT);
    // with `reusePort`, also SO_REUSEPORT, so several loops can each own a listener on the same
    // port and the kernel spreads connections over them.
    // Errors: IoError such as `listen tcp 127.0.0.1:9191: bind: address already in use`.
    static Result<Socket> listen(const SocketAddress& address, bool reusePort = false,
                                 int backlog = 4096);

    // Any thread. Starts a non-blocking connect with TCP_NODELAY set; completion is signalled by
    // writability, then pendingError() says how it went. Immediate failures are returned as
    // IoError `dial tcp ADDR: connect: connection refused` (Go's wording, which logs match).
    static Result<Socket> connect(const SocketAddress& address);

    // Any thread. Accepts one connection as a non-blocking socket with TCP_NODELAY, and its
    // peer address into `*peer` when given. On failure returns an invalid Socket and sets `*err`
    // to errno (EAGAIN when nothing is pending).
    Socket accept(int* err, SocketAddress* peer = nullptr) const;

    // Any thread. The SO_ERROR of a finished non-blocking connect (0 = connected).
    int pendingError() const;
    // Any thread. Address the socket is bound to (port 0 resolved to the real port).
    SocketAddress localAddress() const;

    int fd() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

    // Any thread. Makes the close of `fd` abortive (SO_LINGER 0): the peer gets a TCP reset
    // instead of an end of stream, and no TIME_WAIT is left behind.
    static void resetOnClose(int fd);

    // Go-style error text for errno: `connection refused` (strerror, first letter lowered).
    static std::string errnoText(int err);

  private:
    int fd_ = -1;
};

}  // namespace meshx::proxy
