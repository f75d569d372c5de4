#pragma once

#include <cstdint>
#include <string>

#include "telemetry/event.h"

namespace meshx::rpc {

// Renders an RPC telemetry event the way MeshxRpc's dev logger does:
//
//   [meshx_rpc, Demo.C, call, echo] -> ok
//   local: conn_ref=NJeJWw node_ref=nonode@nohost svc_ref=Demo.C
//   remote: conn_ref=a8h14A node_ref=nonode@nohost svc_ref=Demo.Server
//   address: tcp://127.0.0.1:41001
//   meta: hsk_ref=386 req_ref=243 state=recv
//   t_req: 0.412 ms [send: 0.031, recv: 0.381]
//   t_idle: 12.5 ms
//   size: [send: 34B, recv: 28B]
//   blocks: [send: 1, recv: 1]
//
// Times print in milliseconds (zero times are left out of t_req, whose total is their sum);
// sizes in B/KB/MB/GB/TB with powers of 1000, rounded to 3 decimals. Pure; any thread.
class TelemetryPrinter {
  public:
    static std::string format(const telemetry::Event& event);
    static std::string prettyBytes(uint64_t bytes);
    // True when the event comes from the RPC (source "rpc.client" / "rpc.server").
    static bool isRpcEvent(const telemetry::Event& event);
};

}  // namespace meshx::rpc
