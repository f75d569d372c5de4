#pragma once

#include <atomic>
#include <cstdint>

namespace meshx::proxy {

// Counters of one proxy: written on the loop thread, read from any thread (tests, telemetry).
struct ProxyStats {
    std::atomic<uint64_t> inboundAccepted{0};
    std::atomic<uint64_t> inboundHandshakeFailures{0};
    std::atomic<uint64_t> inboundDenied{0};
    std::atomic<uint64_t> inboundDialFailures{0};
    std::atomic<uint64_t> inboundForwarded{0};  // authorized and connected to the app
    std::atomic<uint64_t> upstreamAccepted{0};
    std::atomic<uint64_t> upstreamAttemptFailures{0};  // one instance failed, maybe another worked
    std::atomic<uint64_t> upstreamFailures{0};         // the client's connection was given up
    std::atomic<uint64_t> upstreamForwarded{0};
    std::atomic<uint64_t> upstreamEjections{0};  // instances ejected by outlier detection
    std::atomic<uint64_t> bytesIn{0};            // towards the local app / upstream instance
    std::atomic<uint64_t> bytesOut{0};           // back to the client

    static void add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
        counter.fetch_add(n, std::memory_order_relaxed);
    }
};

}  // namespace meshx::proxy
