#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "telemetry/event.h"

namespace meshx::telemetry {

// One sidecar flow event (source "proxy.flow": accepted, refused, closed; docs/taps.md "Sidecar
// flow events"), flattened: a connection through a meshx-proxy, allowed or refused by an
// intention, relayed, closed.
//
//   client app --> [client sidecar]  ==mTLS==>  [provider sidecar] --> provider app
//                  outbound flow                inbound flow
//                  service = destination        service = the fronted service
//                  dst = provider sidecar       src = client sidecar, dst = provider app
//                  instance = NODE/ID           peer_id = client's SPIFFE id, intention
struct FlowRecord {
    uint64_t seq = 0;
    int64_t timeUs = 0;
    std::string event;         // accepted, refused, closed, turn
    std::string process;       // "program[pid]" of the tapped sidecar (meta.process)
    std::string proxyService;  // the sidecar's own service id (meta.process.service_id)
    uint64_t flowRef = 0;      // pairs accepted with closed, unique per sidecar process
    std::string direction;     // inbound / outbound
    std::string service;       // inbound: the fronted service; outbound: the destination
    std::string src, dst;      // addresses (see above)
    std::string instance;      // outbound: NODE/ID of the chosen upstream sidecar
    std::string peerId;        // TLS peer's SPIFFE id
    std::string intention;     // inbound: the authorization reason (the deciding intention)
    std::string result;        // ok / refused
    std::string reason;        // refused: why; closed: completed / error: ... / aborted
    int64_t bytesToUpstream = 0, bytesToDownstream = 0;
    int64_t setupUs = 0;     // accept to accepted (mTLS handshake, intention check, dialling)
    int64_t durationUs = 0;  // accept to closed / refused
    // The sidecar's own address on its connection to dst (meta.dst_local): an inbound flow's
    // dst_local is the provider's peer address; an outbound flow's is the next sidecar's src.
    std::string dstLocal;
    // A `turn` event (one request relayed, docs/taps.md): its number on the connection (1 = the
    // handshake) and what this sidecar measured, in nanoseconds, -1 when not measured: request
    // read -> written on, written -> answer read (everything beyond this sidecar), answer read
    // -> written back. Bytes of the turn are in bytesToUpstream / bytesToDownstream.
    uint64_t turn = 0;
    int64_t requestNs = -1, waitNs = -1, answerNs = -1;

    bool inbound() const { return direction == "inbound"; }
    bool isTurn() const { return event == "turn"; }
    // Refused because an intention (or the ACL default) denied the client.
    bool denied() const;
    // The calling service: inbound, from the peer's SPIFFE id; outbound, the sidecar's own
    // service id (the caller name comes from mapping it). Empty when unknown.
    std::string caller() const;

    // True for a sidecar flow event.
    static bool isFlow(const Event& event);
    static FlowRecord fromEvent(const Event& event);
    // The service name out of a SPIFFE id (spiffe://td/ns/default/dc/dc1/svc/NAME), or "".
    static std::string serviceOfIdentity(const std::string& spiffe);
};

}  // namespace meshx::telemetry
