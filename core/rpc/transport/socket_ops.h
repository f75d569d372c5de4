#pragma once

#include <chrono>
#include <string>

#include "common/result.h"
#include "net/address.h"

namespace meshx::rpc::transport {

using Clock = std::chrono::steady_clock;
// A point in time after which a blocking operation gives up; Clock::time_point::max() = never.
using Deadline = Clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

// Thin POSIX helpers for the RPC's blocking sockets (TCP or unix). They return open file
// descriptors that the caller owns (see SocketFd). Any thread.

// Binds and listens (SO_REUSEADDR; a stale unix socket file is removed first). Port 0 picks a
// free port: read it back with localAddress(). Errors: IoError with the failing call and errno.
Result<int> listenOn(const net::Address& address, int backlog = 128);
// The address a listening or connected socket is bound to (the real port after port 0).
Result<net::Address> localAddress(int fd, const net::Address& like);
// Connects within `timeout` (non-blocking connect + poll), then returns a blocking socket with
// TCP_NODELAY on TCP. Errors: Timeout, IoError (refused, unreachable...).
Result<int> connectTo(const net::Address& address, std::chrono::milliseconds timeout);
// Accepts one connection (blocking). Errors: IoError (including EBADF/EINVAL once the listener is
// shut down, which is how a server stops its accept loop).
Result<int> acceptOn(int listenFd);
// Small per-socket settings.
void setNoDelay(int fd);
// A connected TCP socket's own (`peer` false) or peer's address as "127.0.0.1:51234" ("[::1]:80"
// for IPv6), the form meshx-proxy's flow events print; empty for unix sockets or on error.
std::string socketName(int fd, bool peer);

}  // namespace meshx::rpc::transport
