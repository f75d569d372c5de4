#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "proxy/turn_timer.h"

namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::proxy {

// What the sidecar knows about one proxied connection, published on the process's telemetry bus
// (and so on its live tap, docs/taps.md "Sidecar flow events") as source "proxy.flow":
//
//   accepted  the pump started: inbound after the intention allowed and the app answered,
//             outbound once an upstream instance completed the mTLS handshake
//   refused   inbound: denied (intention, foreign identity, TLS failure, no decision);
//             outbound: no instance could be reached
//   closed    an accepted connection ended: bytes each way, duration, why it ended
//   turn      one request and its answer relayed, timed (opt-in: FlowTurns below)
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
    std::string dstLocal;        // our own address on the connection to dst (once pumping)
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
    static void turn(const FlowRecord& flow, const TurnTimes& turn);

    // Loop thread. Fills what pairs the flow with the RPC ends it carries, when turn timing is on
    // or somebody listens (two system calls per connection): `src` (if not known yet: outbound,
    // the local client) from the downstream socket's peer, `dstLocal` from the upstream socket.
    static void noteAddresses(FlowRecord& flow, int downstreamFd, int upstreamFd);

    // Any thread. MESHX_TURN_TIMING set to 1/true/on: time the turns of every connection of this
    // process, whatever the config says (read once).
    static bool turnTimingEverywhere();
};

// Times a pumping connection's turns for its flow (docs/taps.md "Per-request sidecar hop
// times"): a turn is timed only while the bus has a subscriber, and published as a `turn` flow
// event. Opt-in per sidecar (Proxy.Config.meshx_turn_timing: its public listener) and per
// upstream (Upstreams[].Config.meshx_turn_timing), or everywhere with MESHX_TURN_TIMING.
// Loop thread.
class FlowTurns : public TurnSink {
  public:
    // `flow` outlives this.
    explicit FlowTurns(const FlowRecord& flow);

    // TurnSink
    bool wantTurnTimes() override;
    void onTurn(const TurnTimes& turn) override { FlowEvents::turn(flow_, turn); }

  private:
    const FlowRecord& flow_;
    const telemetry::TelemetryBus& bus_;  // the process's bus, looked up once per connection
};

}  // namespace meshx::proxy
