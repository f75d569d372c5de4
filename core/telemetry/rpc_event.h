#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meshx::telemetry {

// MeshxRpc's per-request measurements (Structs.Metrics): blocks and bytes each way, and times in
// microseconds spent executing, handshaking, idle, receiving, sending. (De)serializing a small
// term takes well under a microsecond, so ser/dser are kept in nanoseconds from producer to
// view; the JSON edges show them as fractional microseconds (time.ser 0.412) and time_ns.
struct RpcMeasurements {
    uint64_t blocksSend = 0, blocksRecv = 0;
    uint64_t sizeSend = 0, sizeRecv = 0;
    int64_t exec = 0, hsk = 0, idle = 0, recv = 0, send = 0;  // microseconds
    int64_t serNs = 0, dserNs = 0;                            // nanoseconds
};

// What never changes for one RPC client pool or server: built once, shared by every event it
// publishes (an event holds a reference, not a copy).
struct RpcEndpoint {
    std::string address;              // "tcp://127.0.0.1:4000"
    std::vector<std::string> prefix;  // MeshxRpc's telemetry prefix
    std::string connRef;              // unpadded base64, as every edge prints it
    std::string nodeRef, svcRef;
};

// The typed body of one RPC telemetry event (source rpc.client / rpc.server). Producers fill it
// on the call thread with plain copies (short strings, no JSON); the JSON shape of docs/taps.md
// is made from it only at the edges (a tap line, an export, a printer), on their own threads:
// event_json.h. Field meanings are the event's `meta`:
//   address, prefix, local{conn_ref,node_ref,svc_ref}  <- `local`
//   state, fun_name, fun_req (cast for a cast, else call; only with fun_name), hsk_ref,
//   req_ref (when set), result, remote{...} (empty object when no peer yet),
//   local_address, peer_address, turn (each when set)
// local_address / peer_address / turn let a trip pair a request with the sidecar that carried
// it (docs/taps.md "Per-request sidecar hop times"): a client's connection is the accepted peer
// of its outbound sidecar's flow, a server's peer is its inbound sidecar's dialled address, and
// the request's turn on the connection is the sidecar's turn number.
struct RpcEventData {
    std::shared_ptr<const RpcEndpoint> local;
    std::string state;
    std::string funName;  // empty when no request
    std::string result;   // "ok" or "error: ..."
    uint64_t hskRef = 0;
    std::optional<uint64_t> reqRef;
    bool hasRemote = false;
    std::string remoteConnRaw;  // raw bytes; base64 at the edges
    std::string remoteNodeRef, remoteSvcRef;
    std::string localAddress;  // client: its socket's own address, "127.0.0.1:51234" (TCP only)
    std::string peerAddress;   // server: the connected peer's address (TCP only)
    uint64_t turn = 0;         // the connection's turn: 1 = handshake, request N = N + 1
    RpcMeasurements metrics;
};

// Unpadded standard base64 of raw bytes (how conn_refs are shown). Pure; any thread.
std::string base64Unpadded(const std::string& bytes);

}  // namespace meshx::telemetry
