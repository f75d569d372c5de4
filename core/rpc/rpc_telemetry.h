#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rpc/rpc_options.h"

namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::rpc {

// MeshxRpc's per-request measurements (Structs.Metrics): blocks and bytes each way, and times in
// microseconds spent serializing, deserializing, executing, handshaking, idle, receiving, sending.
struct RpcMetrics {
    uint64_t blocksSend = 0, blocksRecv = 0;
    uint64_t sizeSend = 0, sizeRecv = 0;
    int64_t exec = 0, hsk = 0, idle = 0, recv = 0, send = 0;  // microseconds
    // Nanoseconds: (de)serializing a small term takes well under a microsecond, and the
    // telemetry shows it as a fraction of one rather than 0 (time.ser, time.dser, time_ns).
    int64_t serNs = 0, dserNs = 0;
};

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
};

// Publishes RPC events on the telemetry bus as MeshxRpc does with :telemetry: name = the event,
// metrics = RpcMetrics, meta = address, fun_name, fun_req, hsk_ref, req_ref, local/remote refs
// (conn_ref base64 without padding, as the original's logger prints it), result, state, prefix.
// The shared key is never part of an event. Producers check enabled() first, so nothing is built
// while nobody listens. Any thread (stateless after construction).
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
    std::string address_;
    std::vector<std::string> prefix_;
    RpcRefs local_;
};

}  // namespace meshx::rpc
