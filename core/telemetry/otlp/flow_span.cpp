#include "telemetry/otlp/flow_span.h"

#include "telemetry/event_json.h"

#include <algorithm>
#include <random>

namespace meshx::telemetry::otlp {

namespace {

std::string text(const nlohmann::json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t number(const nlohmann::json& obj, const char* group, const char* key) {
    auto g = obj.find(group);
    if (g == obj.end() || !g->is_object())
        return 0;
    auto it = g->find(key);
    if (it == g->end() || !it->is_number())
        return 0;
    return it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
}

template <size_t N>
void randomId(std::array<uint8_t, N>& id) {
    thread_local std::mt19937_64 engine(std::random_device{}());
    do {
        for (size_t i = 0; i < N; i += 8) {
            uint64_t r = engine();
            for (size_t j = 0; j < 8 && i + j < N; ++j) {
                id[i + j] = static_cast<uint8_t>(r & 0xff);
                r >>= 8;
            }
        }
    } while (isZero(id));
}

}  // namespace

// One span per proxied connection, made when it ends: a `closed` or `refused` flow event of
// a sidecar (source "proxy.flow", docs/taps.md "Sidecar flow events"). `accepted` only marks the
// start, which the span's start time already gives.
std::optional<Span> flowSpan(const Event& event) {
    if (event.jsonPending()) {
        // A typed flow event straight off the bus (a few per connection): read its JSON shape.
        Event copy = event;
        event_json::materialize(copy);
        return flowSpan(copy);
    }
    if (event.source != "proxy.flow" || (event.name != "closed" && event.name != "refused") ||
        !event.meta.is_object())
        return std::nullopt;
    const nlohmann::json& m = event.meta;
    const std::string direction = text(m, "direction");
    const std::string service = text(m, "service");
    const std::string intention = text(m, "intention");
    const std::string reason = text(m, "reason");
    const bool outbound = direction == "outbound";
    const bool refused = event.name == "refused";
    // The agent's reason names the deciding intention and its action; a refusal that starts
    // with "denied" was the intention's (or the default policy's) decision.
    std::string decision;
    if (intention.find("Action: DENY") != std::string::npos ||
        (refused && reason.rfind("denied", 0) == 0))
        decision = "deny";
    else if (!intention.empty())
        decision = "allow";

    Span s;
    randomId(s.traceId);
    randomId(s.spanId);
    s.kind = outbound ? SpanKind::Client : SpanKind::Server;
    s.name = std::string("proxy ") + (outbound ? "outbound " : "inbound ") + service;
    s.endTimeUnixNano = event.timeUs > 0 ? static_cast<uint64_t>(event.timeUs) * 1000 : 0;
    const int64_t lifetime = std::max<int64_t>(0, number(event.metrics, "time", "duration"));
    const uint64_t duration = static_cast<uint64_t>(lifetime) * 1000;
    s.startTimeUnixNano = s.endTimeUnixNano > duration ? s.endTimeUnixNano - duration : 0;
    s.attributes.emplace_back("network.transport", std::string("tcp"));
    s.attributes.emplace_back("meshx.proxy.direction", direction.empty() ? "inbound" : direction);
    for (const char* key : {"service", "src", "dst", "instance", "peer_id"}) {
        if (std::string v = text(m, key); !v.empty())
            s.attributes.emplace_back(std::string("meshx.proxy.") + key, v);
    }
    if (auto ref = m.find("flow_ref"); ref != m.end() && ref->is_number_integer())
        s.attributes.emplace_back("meshx.proxy.flow_ref", ref->get<int64_t>());
    if (!decision.empty())
        s.attributes.emplace_back("meshx.proxy.intention.decision", decision);
    if (!intention.empty())
        s.attributes.emplace_back("meshx.proxy.intention", intention);
    if (!reason.empty())
        s.attributes.emplace_back("meshx.proxy.reason", reason);
    s.attributes.emplace_back("meshx.proxy.bytes.to_upstream",
                              number(event.metrics, "bytes", "to_upstream"));
    s.attributes.emplace_back("meshx.proxy.bytes.to_downstream",
                              number(event.metrics, "bytes", "to_downstream"));
    if (refused) {
        s.status = StatusCode::Error;
        s.statusMessage = decision == "deny" ? "denied by intention" : reason;
        s.attributes.emplace_back("error.type",
                                  std::string(decision == "deny" ? "denied" : "refused"));
    } else if (reason.rfind("error", 0) == 0) {
        s.status = StatusCode::Error;
        s.statusMessage = reason;
        s.attributes.emplace_back("error.type", std::string("error"));
    }
    return s;
}

}  // namespace meshx::telemetry::otlp
