#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::net {

// A local endpoint: a TCP host and port, or a unix domain socket path.
// Printed as `tcp://127.0.0.1:1024`, `tcp://[::1]:8500` or `unix:///run/meshx/api.sock`.
class Address {
  public:
    enum class Kind { Tcp, Uds };

    static Address tcp(std::string host, uint16_t port);
    static Address uds(std::string path);

    // Accepts `tcp://HOST:PORT`, `unix:///ABS/PATH`, and bare `HOST:PORT` / `[V6]:PORT`.
    // Errors (InvalidArgument) name what is wrong: unknown scheme, missing port, port out of
    // range, relative socket path, empty host.
    static Result<Address> parse(std::string_view text);

    Kind kind() const { return kind_; }
    bool isTcp() const { return kind_ == Kind::Tcp; }
    bool isUds() const { return kind_ == Kind::Uds; }
    const std::string& host() const { return host_; }  // TCP only
    uint16_t port() const { return port_; }            // TCP only
    const std::string& path() const { return path_; }  // UDS only

    std::string toString() const;
    // `127.0.0.1:1024`, `[::1]:8500`, or the socket path: what proxy configs and argv want.
    std::string hostPort() const;

    bool operator==(const Address& other) const = default;

  private:
    Kind kind_ = Kind::Tcp;
    std::string host_;
    uint16_t port_ = 0;
    std::string path_;
};

// Splits `HOST:PORT` or `[V6]:PORT`; shared by Address and the agent endpoint parser.
struct HostPort {
    std::string host;
    uint16_t port = 0;
    bool hasPort = false;
};
Result<HostPort> splitHostPort(std::string_view text);

}  // namespace meshx::net
