#pragma once

#include <functional>
#include <optional>
#include <string>

#include "telemetry/event.h"
#include "telemetry/otlp/span.h"

namespace meshx::telemetry::otlp {

// The trace context of one RPC request, derived — not carried — on both ends. MeshxRpc's wire
// has no field for it, and the original (Elixir) peers must keep working byte for byte, so
// nothing is added to the wire: client and server both know, for each request, the client's and
// the server's refs (exchanged in the handshake), the hsk_ref and the req_ref. Both hash the
// same bytes and get the same ids:
//
//   SHA-256("meshx-rpc-trace/1\n" client.conn_ref "\n" client.node_ref "\n" client.svc_ref "\n"
//           server.conn_ref "\n" server.node_ref "\n" server.svc_ref "\n" hsk_ref "\n" req_ref)
//   bytes 0..15 trace id, 16..23 the client span id, 24..31 the server span id
//
// (conn_refs in the unpadded base64 that telemetry events carry, refs in decimal). The server
// span's parent is the client span. hsk_ref and req_ref count per process, so the randomness is
// in the two conn_refs (32 random bits each by default): docs/opentelemetry.md says what that
// means for configured conn_refs.
struct RpcTraceIds {
    TraceId traceId{};
    SpanId clientSpanId{};
    SpanId serverSpanId{};
};

struct RpcPeerRefs {
    std::string connRef, nodeRef, svcRef;
};

RpcTraceIds deriveRpcTraceIds(const RpcPeerRefs& client, const RpcPeerRefs& server, uint64_t hskRef,
                              uint64_t reqRef);

// The span of one RPC `call`/`cast` event (source rpc.client or rpc.server, the event each side
// publishes once per request when it is done); nullopt for every other event. The span ends at
// the event's time and lasts ser+dser+exec+send+recv. Attributes: rpc.system "meshx_rpc",
// rpc.service, rpc.method, server.address/server.port, network.transport, meshx.rpc.* (kind,
// refs, state, result, times in microseconds); rpc.message events for the request and reply
// sizes; status ERROR with error.type when the result is an error. Pure; any thread.
std::optional<Span> rpcSpan(const Event& event);

// As rpcSpan(), but decides first: `keep(traceId, remoteParent)` sees the derived trace id
// before anything else is built, so a sampler that drops most requests costs one hash each.
// Returns nullopt for an event that is not an RPC request, or one `keep` refused (then
// *refused is set). Pure apart from `keep`; any thread.
std::optional<Span> rpcSpanIfKept(const Event& event,
                                  const std::function<bool(const TraceId&, bool)>& keep,
                                  bool* refused);

}  // namespace meshx::telemetry::otlp
