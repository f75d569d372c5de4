#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "telemetry/event.h"

namespace meshx::telemetry {

// One sidecar flow event (source "proxy", name "flow..."), flattened: a connection through a
// meshx-proxy, accepted or refused by an intention, relayed, closed. Read leniently (docs/taps.md
// has the producer's field list): unknown keys are ignored, missing ones stay empty / 0, and the
// few names producers use for the same thing are all accepted.
//
//   client app --> [client sidecar: upstream listener] ==mTLS==> [provider sidecar: public
//                   listener] --> provider app
//   flow on the client sidecar: direction outbound, listener = the upstream listener the app
//   dialled, upstream = the provider sidecar chosen; on the provider sidecar: direction inbound,
//   peer identity = the client's SPIFFE id, intention allow/deny, upstream = the local app.
struct FlowRecord {
    uint64_t seq = 0;
    int64_t timeUs = 0;
    std::string event;         // the event name: flow, flow.open, flow.close, flow.denied...
    std::string process;       // "program[pid]" of the tapped sidecar (meta.process)
    std::string proxyService;  // the sidecar's own service id (meta.process.service_id, or meta)
    std::string direction;     // inbound / outbound (or public / upstream)
    std::string source;        // the calling service's name
    std::string destination;   // the called service's name
    std::string listener;      // address the connection arrived at
    std::string peer;          // address it came from
    std::string upstream;      // instance address the sidecar connected on to
    std::string peerIdentity;  // TLS peer (SPIFFE id)
    std::string intention;     // allow / deny (or the deciding intention's text)
    std::string closeReason;
    bool denied = false;
    int64_t bytesIn = 0, bytesOut = 0;
    int64_t durationUs = 0;
    // Measured times the sidecar reports (µs), by name: connect, handshake, relay, first_byte...
    std::vector<std::pair<std::string, int64_t>> times;

    // True for a sidecar flow event.
    static bool isFlow(const Event& event);
    static FlowRecord fromEvent(const Event& event);
    // The service name out of a SPIFFE id (spiffe://td/ns/default/dc/dc1/svc/NAME), or "".
    static std::string serviceOfIdentity(const std::string& spiffe);
};

}  // namespace meshx::telemetry
