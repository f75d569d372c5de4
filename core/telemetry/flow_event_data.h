#pragma once

#include <cstdint>
#include <string>

namespace meshx::telemetry {

// The typed body of a sidecar flow event (source "proxy.flow", names accepted / refused /
// closed / turn; docs/taps.md "Sidecar flow events"). meshx-proxy fills it on its loop thread
// with plain copies; the JSON of the docs is made at the edges (event_json.h), by event name:
//   meta     flow_ref, direction, service, src/dst/dst_local/instance/peer_id/intention (when not
//            empty), attempts (when > 0), result, reason (refused and closed), turn (turn)
//   metrics  accepted: time.setup; refused: time.duration; closed: bytes.to_upstream,
//            bytes.to_downstream, size.send/recv (the same two), time.duration, time.setup;
//            turn: the turn's bytes as for closed, time.request/wait/answer (microseconds,
//            fractional) and time_ns.request/wait/answer, each when measured
struct FlowEventData {
    uint64_t flowRef = 0;
    std::string direction;  // inbound / outbound
    std::string service, src, dst, instance, peerId, intention;
    std::string dstLocal;  // the sidecar's own address on its connection to dst
    unsigned attempts = 0;
    std::string result;  // ok / refused
    std::string reason;
    int64_t setupUs = 0, durationUs = 0;
    uint64_t toUpstream = 0, toDownstream = 0;
    // A turn (event "turn", proxy/turn_timer.h): its number on the connection (1 = the first
    // request; MeshxRpc's handshake) and what this sidecar measured, in nanoseconds, -1 when not
    // seen: request read -> written on, written -> answer read (the far side), answer read ->
    // written back.
    uint64_t turn = 0;
    int64_t requestNs = -1, waitNs = -1, answerNs = -1;
};

}  // namespace meshx::telemetry
