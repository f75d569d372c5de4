#pragma once

#include <optional>

#include "telemetry/event.h"
#include "telemetry/otlp/otlp_json.h"

namespace meshx::telemetry::otlp {

// A received span as a telemetry event, so it flows through the console's stream, filter and
// plots beside the mesh's own events. The meta keys are the ones RpcRecord reads, so the
// display filter's fields work on spans too:
//
//   source  "otlp"        name "span"        timeUs  the span's end
//   meta    fun_name      the span name                       (filter: fun)
//           fun_req       server | client | internal | producer | consumer | unspecified (kind)
//           result        "ok", or "error: <status message>" for status ERROR      (result)
//           address       server.address[:server.port] when the span has them       (address)
//           local         {svc_ref: service.name, node_ref: host.name, conn_ref: ""}
//                                                          (local.svc_ref, instance "svc/")
//           service_name, trace_id, span_id, parent_span_id (hex), scope,
//           attributes {key: value}, events [names]
//   metrics time {exec: duration in microseconds}                              (t.exec, t.req)
//
// Pure; any thread.
Event spanEvent(const ResourceSpans& batch, const Span& span);

}  // namespace meshx::telemetry::otlp
