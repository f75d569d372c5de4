#pragma once

#include <optional>

#include "telemetry/event.h"
#include "telemetry/otlp/span.h"

namespace meshx::telemetry::otlp {

// The span of one sidecar flow: an event with source "proxy" and name "flow", published once
// when a proxied connection closes (the flow events of core/proxy, docs/taps.md). Read fields,
// all optional:
//
//   meta     direction ("inbound" | "outbound"), service (the proxied service), upstream (the
//            destination of an outbound flow), peer (the client's service identity or address),
//            decision ("allow" | "deny"), reason (why, from the intentions), result ("ok" or an
//            error text), flow_id
//   metrics  bytes {up, down}, time {total} (microseconds, the flow's lifetime)
//
// Span: name "proxy inbound <service>" / "proxy outbound <upstream>", kind SERVER (inbound) or
// CLIENT (outbound), a fresh random trace (a flow carries no trace context), attributes
// meshx.proxy.direction, meshx.proxy.service, meshx.proxy.upstream, meshx.proxy.peer,
// meshx.proxy.intention.decision, meshx.proxy.intention.reason, meshx.proxy.bytes.up/down,
// network.transport "tcp"; status ERROR when denied or failed. Any thread.
std::optional<Span> flowSpan(const Event& event);

}  // namespace meshx::telemetry::otlp
