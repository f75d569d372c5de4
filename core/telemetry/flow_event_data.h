#pragma once

#include <cstdint>
#include <string>

namespace meshx::telemetry {

// The typed body of a sidecar flow event (source "proxy.flow", names accepted / refused /
// closed; docs/taps.md "Sidecar flow events"). meshx-proxy fills it on its loop thread with
// plain copies; the JSON of the docs is made at the edges (event_json.h), by event name:
//   meta     flow_ref, direction, service, src/dst/instance/peer_id/intention (when not empty),
//            attempts (when > 0), result, reason (refused and closed)
//   metrics  accepted: time.setup; refused: time.duration; closed: bytes.to_upstream,
//            bytes.to_downstream, size.send/recv (the same two), time.duration, time.setup
struct FlowEventData {
    uint64_t flowRef = 0;
    std::string direction;  // inbound / outbound
    std::string service, src, dst, instance, peerId, intention;
    unsigned attempts = 0;
    std::string result;  // ok / refused
    std::string reason;
    int64_t setupUs = 0, durationUs = 0;
    uint64_t toUpstream = 0, toDownstream = 0;
};

}  // namespace meshx::telemetry
