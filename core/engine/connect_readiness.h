#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace meshx::consul {
class ConsulApi;
}

namespace meshx::engine {

// Until the agent lists an instance's sidecar on /health/connect/NAME?passing, consumers'
// proxies will not route to it (a sidecar's TCP check starts critical and passes at its first
// probe, up to 10 s later). This waits for that with blocking queries on healthConnect (each
// returns at the agent's first change, or after a short wait so `cancelled` is looked at), up
// to `limit`. True when the sidecar of `instanceId` is listed passing; false on timeout or
// cancel. An unreachable agent is retried until the deadline.
//
// Thread: any (blocks the caller).
bool waitConnectPassing(consul::ConsulApi& api, const std::string& service,
                        const std::string& instanceId, std::chrono::milliseconds limit,
                        const std::function<bool()>& cancelled = {});

}  // namespace meshx::engine
