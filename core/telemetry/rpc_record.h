#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "telemetry/event.h"

namespace meshx::telemetry {

// One RPC telemetry event flattened into plain fields (the shape core/rpc/rpc_telemetry.cpp
// publishes: metrics blocks/size/time, meta address/fun_name/fun_req/hsk_ref/req_ref/result/
// state/local/remote). The console keeps these instead of Events: no JSON tree per row, and the
// display filter reads fields without lookups. Missing fields stay empty / nullopt / 0.
struct RpcRecord {
    uint64_t seq = 0;
    int64_t timeUs = 0;
    std::string source;  // rpc.client, rpc.server
    std::string event;   // init, hsk, idle, recv, send, call, cast
    std::string fun;     // meta.fun_name
    std::string kind;    // meta.fun_req: call or cast
    std::string result;  // ok or "error: ..."
    std::string state;
    std::string address;
    std::optional<uint64_t> hskRef, reqRef;
    std::string localConn, localNode, localSvc;
    std::string remoteConn, remoteNode, remoteSvc;
    // The connection's socket addresses (meta.local_address on clients, meta.peer_address on
    // servers; "127.0.0.1:51234") and the request's turn on it (meta.turn, 1 = handshake): what
    // pairs a request with the sidecar turn that carried it (telemetry/watch/trip_matcher.h).
    std::string localAddress, peerAddress;
    uint64_t turn = 0;
    // Where the event came from when it arrived through a tap (meta.process, set by the
    // console's TapSubscriber): "program[pid]" and the process's mesh service id. Empty for
    // events of this process.
    std::string process, service;
    int64_t blocksSend = 0, blocksRecv = 0, sizeSend = 0, sizeRecv = 0;
    int64_t tSer = 0, tDser = 0, tExec = 0, tHsk = 0, tIdle = 0, tRecv = 0, tSend = 0;
    // ser/dser in nanoseconds (metrics time_ns, else time.ser/dser x 1000): a small term
    // (de)serializes in well under a microsecond, which tSer/tDser round down to 0.
    int64_t tSerNs = 0, tDserNs = 0;

    // True for events of the RPC (source rpc.client / rpc.server).
    static bool isRpc(const Event& event);
    // True for the events the console's telemetry stream keeps: the RPC's and received OTLP
    // spans (source "otlp").
    static bool isStreamed(const Event& event);
    // Flattens an event: a typed RPC event straight from its payload, any other from its JSON
    // (fields of the wrong JSON type are left empty). Pure; any thread.
    static RpcRecord fromEvent(const Event& event);
    // The event again (the shape fromEvent reads), for printers and JSON export.
    Event toEvent() const;
    // One JSON object: seq, time_us, source, event, and the meta and metrics trees.
    nlohmann::json toJson() const;

    bool isRequest() const { return event == "call" || event == "cast"; }
    // True for an OpenTelemetry span received over OTLP (source "otlp": the console's receiver,
    // core/telemetry/otlp/span_event.h): shown, filtered and plotted beside RPC requests, but
    // not counted as one (no Prometheus request metrics, no request trip).
    bool isSpan() const { return source == "otlp"; }
    // What the console's plots draw: requests and received spans.
    bool isPlotted() const { return isRequest() || isSpan(); }
    bool ok() const { return result == "ok"; }
    // The request's time as MeshxRpc's logger sums it (t_req): ser+dser+exec+send+recv, in us.
    int64_t requestUs() const { return tSer + tDser + tExec + tSend + tRecv; }
    // The serving instance: the remote refs on a client event, the local ones on a server event,
    // as "svc_ref/conn_ref".
    std::string instance() const;

  private:
    static RpcRecord fromTyped(const Event& event, const RpcEventData& rpc);
};

}  // namespace meshx::telemetry
