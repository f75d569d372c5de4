#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "telemetry/event.h"

namespace meshx::telemetry {

// The JSON edge of typed events (event.h): the `metrics` and `meta` objects of docs/taps.md made
// from an event's payload, either as trees (for readers that want nlohmann JSON) or written
// straight into a string (the tap's lines: no tree at all). Both give the same bytes as
// nlohmann's dump() of the tree (keys sorted, invalid UTF-8 replaced), so the wire is the same
// whichever path an event took. Pure; any thread (the reader's).
namespace event_json {

// Fills metrics and meta from the payload when they are still null (jsonPending()); otherwise
// leaves the event alone.
void materialize(Event& event);

// The trees of a typed RPC event.
nlohmann::json rpcMetrics(const RpcEventData& rpc);
nlohmann::json rpcMeta(const RpcEventData& rpc, const std::string& eventName);
// The trees of a typed sidecar flow event.
nlohmann::json flowMetrics(const FlowEventData& flow, const std::string& eventName);
nlohmann::json flowMeta(const FlowEventData& flow, const std::string& eventName);

// Appends the event's metrics / meta object as compact JSON, from the payload when it is typed
// and JSON is pending (RPC: written straight from the struct; flows, a few per connection: from
// a tree made here), else by dumping the tree.
void appendMetrics(std::string& out, const Event& event);
void appendMeta(std::string& out, const Event& event);

// Appends `text` as a JSON string (quoted, escaped, invalid UTF-8 replaced).
void appendString(std::string& out, const std::string& text);

// Microseconds from nanoseconds as the edges show them: whole microseconds as an integer,
// otherwise the fraction (412 ns is 0.412, never 0).
nlohmann::json microsOf(int64_t ns);

}  // namespace event_json
}  // namespace meshx::telemetry
