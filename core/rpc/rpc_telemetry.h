#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rpc/rpc_options.h"
#include "telemetry/rpc_event.h"

namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::rpc {

// MeshxRpc's per-request measurements (Structs.Metrics), the typed event's own struct: blocks and
// bytes each way, times in microseconds, ser/dser in nanoseconds (telemetry/rpc_event.h).
using RpcMetrics = telemetry::RpcMeasurements;

struct RpcRefs {
    std::string connRef, nodeRef, svcRef;
};

// What one event says besides the metrics (MeshxRpc's telemetry metadata).
struct RpcEventInfo {
    std::string name;     // init, hsk, idle, recv, send, call, cast
    std::string state;    // worker state when it was emitted (hsk, idle, recv, exec, send...)
    std::string funName;  // empty when no request
    uint64_t hskRef = 0;
    std::optional<uint64_t> reqRef;
    std::string result;  // "ok" or the error text
    const RpcRefs* remote = nullptr;
    // The connection's socket addresses ("127.0.0.1:51234"; empty on unix sockets) and the
    // request's turn on it (1 = handshake): what pairs a request with a sidecar's turn.
    const std::string* localAddress = nullptr;  // clients
    const std::string* peerAddress = nullptr;   // servers
    uint64_t turn = 0;
};

// Publishes RPC events on the telemetry bus as MeshxRpc does with :telemetry: name = the event,
// metrics = RpcMetrics, meta = address, fun_name, fun_req, hsk_ref, req_ref, local/remote refs
// (conn_ref base64 without padding, as the original's logger prints it), result, state, prefix.
// Each is a typed event (telemetry::RpcEventData): plain copies of short strings and numbers on
// the call thread, the address/prefix/local refs shared, no JSON; readers make the JSON on their
// own threads (telemetry/event_json.h). The shared key is never part of an event. Producers check
// enabled() first, so nothing is built while nobody listens. Any thread (stateless after
// construction).
class RpcTelemetry {
  public:
    // `source` is "rpc.client" or "rpc.server".
    RpcTelemetry(const RpcCommonOptions& options, std::string source);

    bool enabled() const;
    void publish(const RpcEventInfo& info, const RpcMetrics& metrics) const;

    // Microseconds between two steady-clock points, for the metrics.
    static int64_t micros(std::chrono::steady_clock::time_point from,
                          std::chrono::steady_clock::time_point to) {
        return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
    }
    // Nanoseconds between two steady-clock points (ser/dser).
    static int64_t nanos(std::chrono::steady_clock::time_point from,
                         std::chrono::steady_clock::time_point to) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
    }

  private:
    telemetry::TelemetryBus* bus_;
    std::string source_;
    std::shared_ptr<const telemetry::RpcEndpoint> local_;
};

}  // namespace meshx::rpc
