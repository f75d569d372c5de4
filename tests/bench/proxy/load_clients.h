#pragma once

#include <chrono>
#include <cstdint>

namespace bench {

struct PingPongResult {
    double p50Us = 0;
    double p99Us = 0;
    double callsPerSecond = 0;
    bool ok = false;
};

// One connection: send 64 bytes, wait for the 64 echoed, repeat for `duration` (after a short
// warm-up). Latency percentiles and calls per second.
PingPongResult pingPong(uint16_t port, std::chrono::milliseconds duration);

// `connections` connections driven by one epoll thread, each doing 64-byte ping-pong as fast as
// its echo comes back; total calls per second. Negative when a connection failed.
double concurrentCalls(uint16_t port, int connections, std::chrono::milliseconds duration);

// One connection streaming 1 MiB messages to the echo and reading them back concurrently;
// echoed megabytes (10^6 bytes) per second. Negative on failure.
double bulkEcho(uint16_t port, std::chrono::milliseconds duration);

// True once a TCP connect to 127.0.0.1:port succeeds (polling up to `timeout`).
bool waitForPort(uint16_t port, std::chrono::milliseconds timeout);

// A currently unused port on 127.0.0.1.
uint16_t freePort();

}  // namespace bench
