#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "telemetry/flow_event_data.h"
#include "telemetry/rpc_event.h"

namespace meshx::telemetry {

// One telemetry event, shaped like MeshxRpc's :telemetry events: a name path, measurements
// (`metrics`: numbers only — blocks, sizes, times in microseconds) and metadata (`meta`: refs,
// address, function, result...). Producers fill it on their own thread and hand it to the bus.
// Conventions for proxy log lines and mesh lifecycle steps: log_line.h, lifecycle_event.h.
//
// Hot producers (the RPC, once per request and side; sidecar flows) publish a *typed* event
// instead: `payload` holds a plain struct and `metrics`/`meta` stay null, so publishing builds no
// JSON tree. The JSON shape is made only at the edges, on the reader's thread (event_json.h):
// Subscription::drain() fills metrics/meta for readers that want JSON, drainTyped() leaves them
// null for readers that read the struct (the tap, the OTLP exporter, the console).
struct Event {
    struct TypedTag {};

    Event() = default;
    // A typed event: no JSON allocated (metrics and meta null until made at an edge).
    explicit Event(TypedTag) : metrics(nullptr), meta(nullptr) {}

    uint64_t seq = 0;    // set by the bus: strictly increasing per bus
    int64_t timeUs = 0;  // wall clock, microseconds since the epoch (set by the bus if 0)
    std::string source;  // producer, e.g. "rpc.client", "rpc.server", "mesh", "proxy"
    std::string name;    // event, e.g. "call", "cast", "hsk", "idle", "recv", "send", "init"
    nlohmann::json metrics = nlohmann::json::object();
    nlohmann::json meta = nlohmann::json::object();
    std::variant<std::monostate, RpcEventData, FlowEventData> payload;

    // The RPC body of a typed event, else null.
    const RpcEventData* rpc() const { return std::get_if<RpcEventData>(&payload); }
    // The sidecar flow body of a typed event, else null.
    const FlowEventData* flow() const { return std::get_if<FlowEventData>(&payload); }
    // True while metrics/meta have not been made from the payload (see event_json.h).
    bool jsonPending() const { return payload.index() != 0 && meta.is_null(); }
};

}  // namespace meshx::telemetry
