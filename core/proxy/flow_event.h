#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace meshx::proxy {

// What the sidecar knows about one proxied connection, published on the process's telemetry bus
// (and so on its live tap, docs/taps.md "Sidecar flow events") as source "proxy.flow":
//
//   accepted  the pump started: inbound after the intention allowed and the app answered,
//             outbound once an upstream instance completed the mTLS handshake
//   refused   inbound: denied (intention, foreign identity, TLS failure, no decision);
//             outbound: no instance could be reached
//   closed    an accepted connection ended: bytes each way, duration, why it ended
//
// Publishing costs nothing while nobody subscribes to the bus (enabled() is false): sessions
// fill a FlowRecord as they go (a few strings per connection, never per byte) and the event is
// built only when someone listens. No secret is ever part of it: certificates are named by their
// SPIFFE URI only. Loop thread (the bus itself is any-thread).
struct FlowRecord {
    using Clock = std::chrono::steady_clock;

    uint64_t ref = 0;            // unique in this process: pairs accepted and closed
    const char* direction = "";  // "inbound" (public listener) or "outbound" (upstream)
    std::string service;         // inbound: the service fronted; outbound: the upstream name
    std::string src;             // the downstream peer's address
    std::string dst;             // the local app (inbound) or the chosen instance (outbound)
    std::string instance;        // outbound: the chosen instance's proxy service id
    std::string peerId;          // the TLS peer's SPIFFE id (URI SAN)
    std::string intention;       // inbound: the agent's decision reason (which intention)
    unsigned attempts = 0;       // outbound: instances tried
    Clock::time_point started = Clock::now();
    Clock::time_point acceptedAt{};  // set when accepted

    // A new ref, process-wide. Any thread.
    static uint64_t nextRef();
};

class FlowEvents {
  public:
    // True when the process's bus has a subscriber (else the publish calls below return at once).
    static bool enabled();
    static void accepted(FlowRecord& flow);
    static void refused(const FlowRecord& flow, const std::string& reason);
    static void closed(const FlowRecord& flow, uint64_t toUpstream, uint64_t toDownstream,
                       const std::string& reason);
};

}  // namespace meshx::proxy
