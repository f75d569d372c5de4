#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "telemetry/rpc_record.h"
#include "telemetry/watch/flow_record.h"

namespace meshx::telemetry {

// What was found of one request's path, client pool worker -> client sidecar -> provider
// sidecar -> provider worker and back, in the telemetry of several processes:
//
//   client ──conn A──▶ client sidecar ══mTLS conn B══▶ provider sidecar ──conn C──▶ provider
//   rpc.client           outbound flow                  inbound flow            rpc.server
//   local_address = A.src   src = A's client          src = B's dialler      peer_address =
//   turn N                  dst_local = B's dialler   dst_local = C's dialler  C's dialler, turn N
//
// The two RPC ends pair by req_ref and conn_ref (the client's local conn_ref is the server's
// remote one). Each sidecar's `turn` event (docs/taps.md) pairs with an RPC end by connection
// and turn number: the client's Nth turn on its connection is the Nth turn of the outbound flow
// whose src is the client's local_address; the server's is the Nth turn of the inbound flow whose
// dst_local is the server's peer_address. Never by comparing clocks: each time is measured
// inside one process (timestamps only choose between connections that reused a port).
struct TripMatch {
    std::optional<RpcRecord> client, server;
    // The sidecar connections the request travelled on (their `accepted` events: set-up times).
    std::optional<FlowRecord> clientFlow, providerFlow;
    // This request's turn in each sidecar (`turn` events): the hops measured per request.
    std::optional<FlowRecord> clientTurn, providerTurn;
    // Why a sidecar turn was not found (empty when both were, or no end asked for one).
    std::string turnNote;

    bool complete() const { return client.has_value() && server.has_value(); }
    bool hopsMeasured() const { return clientTurn.has_value() && providerTurn.has_value(); }
};

// The hops of a request through both sidecars, in nanoseconds (-1: not measured), from the two
// turns of a TripMatch. The transit between the sidecars is the client sidecar's wait minus the
// provider sidecar's whole turn: two spans measured in two processes, subtracted (for requests
// and answers that each fit one read of the relay; clamped at 0 otherwise).
struct SidecarHops {
    int64_t clientRequestNs = -1;    // client sidecar: request read -> written to the mTLS side
    int64_t transitNs = -1;          // between the sidecars (mTLS, loopback), both ways
    int64_t providerRequestNs = -1;  // provider sidecar: request read -> written to the provider
    int64_t providerWaitNs = -1;     // provider sidecar: request written -> answer read
    int64_t providerAnswerNs = -1;   // provider sidecar: answer read -> written back
    int64_t clientAnswerNs = -1;     // client sidecar: answer read -> written to the client

    // The hops measured by the sidecars themselves (not the transit): their sum.
    int64_t relayNs() const;
};

// Pure functions over a history of records; any thread.
class TripMatcher {
  public:
    // The trip of the request `picked` belongs to (a call or cast record with a req_ref; else
    // only the picked end), the other end searched in `history` (newest first), the sidecar
    // flows and turns in `flows`.
    static TripMatch match(const RpcRecord& picked, const std::deque<RpcRecord>& history,
                           const std::deque<FlowRecord>& flows);

    // The same request seen by its client and its server.
    static bool sameRequest(const RpcRecord& client, const RpcRecord& server);
    // The client sidecar's turn that carried `client`'s request, or null.
    static const FlowRecord* clientTurn(const RpcRecord& client,
                                        const std::deque<FlowRecord>& flows);
    // The provider sidecar's turn that carried `server`'s request, or null.
    static const FlowRecord* providerTurn(const RpcRecord& server,
                                          const std::deque<FlowRecord>& flows);
    static SidecarHops hops(const FlowRecord& clientTurn, const FlowRecord& providerTurn);

    // "tcp://127.0.0.1:5000" and "127.0.0.1:5000" name the same address.
    static std::string bareAddress(const std::string& address);
};

}  // namespace meshx::telemetry
