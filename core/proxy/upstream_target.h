#pragma once

#include <cstdint>
#include <vector>

#include "proxy/log_limiter.h"
#include "proxy/proxy_config.h"
#include "proxy/round_robin_balancer.h"

namespace meshx::proxy {

// State of one upstream shared by its listener and the sessions it accepted (a session may
// outlive a listener that a config change removed). Loop thread only.
struct UpstreamTarget {
    explicit UpstreamTarget(UpstreamConfig c) : config(std::move(c)) {}

    UpstreamConfig config;
    RoundRobinBalancer balancer;
    // False until discovery delivered its first list: connections accepted before then wait
    // (bounded by the connect timeout) instead of failing with "no healthy instances".
    bool known = false;
    std::vector<uint64_t> waiting;  // ids of sessions waiting for `known`
    LogLimiter noInstancesLog;
};

}  // namespace meshx::proxy
