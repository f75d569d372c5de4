#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace meshx::consul {

// Tuning of ConsulClient; the defaults suit a local agent. Every wait is bounded.
struct ClientOptions {
    // TCP (and TLS) connect, unix socket connect included.
    std::chrono::milliseconds connectTimeout{5000};
    // Whole request when it does not block. A blocking query gets this plus its wait plus
    // wait/16, the most jitter the agent adds (reference §1.8), so it never times out early.
    std::chrono::milliseconds requestTimeout{30000};
    // Idle curl handle slots kept for reuse (connections stay open on them).
    std::size_t maxIdleHandles = 8;
    // Worker threads for sendAsync(). Long polls belong in a BlockingWatcher (own thread), not
    // here, so a few threads suffice for the short requests the engine makes.
    int asyncThreads = 4;
    // Replies larger than this fail with ProtocolError instead of exhausting memory.
    std::size_t maxResponseBytes = 64u << 20;
    // Empty: "meshx/<version>".
    std::string userAgent;
};

}  // namespace meshx::consul
