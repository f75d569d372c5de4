#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/result.h"

namespace meshx::proxy {

// A resolved IPv4/IPv6 socket address, ready for bind(2)/connect(2) without any lookup on the
// data path. Host names are resolved once, when configuration arrives.
class SocketAddress {
  public:
    SocketAddress() = default;

    // Any thread; blocks on DNS when `host` is not a numeric address. Empty host -> 0.0.0.0.
    // Errors: InvalidArgument naming the host when it does not resolve.
    static Result<SocketAddress> resolve(const std::string& host, uint16_t port);

    // Any thread. Wraps what accept(2)/getsockname(2) returned.
    static SocketAddress fromSockaddr(const sockaddr* sa, socklen_t len);

    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
    socklen_t length() const { return length_; }
    int family() const { return storage_.ss_family; }
    uint16_t port() const;
    // `127.0.0.1:8080`, `[::1]:8080`: the form Go prints in dial errors.
    std::string toString() const;

    bool operator==(const SocketAddress& other) const;

  private:
    sockaddr_storage storage_{};
    socklen_t length_ = 0;
};

}  // namespace meshx::proxy
