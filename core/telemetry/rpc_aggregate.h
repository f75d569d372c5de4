#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "telemetry/rpc_record.h"

namespace meshx::telemetry {

// Running totals of RPC requests (call/cast records) since start, keyed by source, function,
// instance and outcome, rendered as Prometheus text exposition (format 0.0.4):
//
//   meshx_rpc_requests_total{source="rpc.client",fun="echo",instance="prov/AQ",result="ok"} 12
//   meshx_rpc_request_seconds_bucket{source=...,le="0.001"} 9      (histogram of t.req)
//   meshx_rpc_phase_seconds_total{source=...,phase="exec"} 0.0123  (ser dser exec send recv)
//   meshx_rpc_bytes_total{source=...,direction="send"} 456
//   meshx_rpc_blocks_total{source=...,direction="recv"} 3
//
// Other events (hsk, idle, recv...) count only in meshx_rpc_events_total{source,event}.
// Events from another process's tap carry two more labels on every series, process="prog[pid]"
// and service="<service id>" (each only when known), so merged processes stay apart.
// Label values are escaped as the format requires. Not thread-safe: one owner (the GUI thread).
class RpcAggregate {
  public:
    static constexpr std::array<double, 12> kBuckets = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};

    void add(const RpcRecord& record);
    void clear();
    // Requests seen (call/cast records).
    uint64_t requests() const { return requests_; }
    // The exposition text, ending with a newline.
    std::string renderPrometheus() const;

  private:
    struct Series {
        uint64_t count = 0, errors = 0;
        int64_t serNs = 0, dserNs = 0;                    // nanoseconds
        int64_t exec = 0, send = 0, recv = 0, reqUs = 0;  // microseconds
        int64_t bytesSend = 0, bytesRecv = 0, blocksSend = 0, blocksRecv = 0;
        std::array<uint64_t, kBuckets.size()> buckets{};
    };
    // source, fun, instance, process, service
    using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
    std::map<Key, Series> series_;
    std::map<std::pair<std::string, std::string>, uint64_t> events_;
    uint64_t requests_ = 0;
};

}  // namespace meshx::telemetry
