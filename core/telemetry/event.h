#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace meshx::telemetry {

// One telemetry event, shaped like MeshxRpc's :telemetry events: a name path, measurements
// (`metrics`: numbers only — blocks, sizes, times in microseconds) and metadata (`meta`: refs,
// address, function, result...). Producers fill it on their own thread and hand it to the bus.
// Conventions for proxy log lines and mesh lifecycle steps: log_line.h, lifecycle_event.h.
struct Event {
    uint64_t seq = 0;    // set by the bus: strictly increasing per bus
    int64_t timeUs = 0;  // wall clock, microseconds since the epoch (set by the bus if 0)
    std::string source;  // producer, e.g. "rpc.client", "rpc.server", "mesh", "proxy"
    std::string name;    // event, e.g. "call", "cast", "hsk", "idle", "recv", "send", "init"
    nlohmann::json metrics = nlohmann::json::object();
    nlohmann::json meta = nlohmann::json::object();
};

}  // namespace meshx::telemetry
