#include "telemetry/otlp/flow_span.h"

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

std::optional<Span> flowSpan(const Event& event) {
    if (event.source != "proxy" || event.name != "flow" || !event.meta.is_object())
        return std::nullopt;
    const nlohmann::json& m = event.meta;
    const std::string direction = text(m, "direction");
    const std::string service = text(m, "service");
    const std::string upstream = text(m, "upstream");
    const std::string decision = text(m, "decision");
    const std::string result = text(m, "result");
    const bool outbound = direction == "outbound";

    Span s;
    randomId(s.traceId);
    randomId(s.spanId);
    s.kind = outbound ? SpanKind::Client : SpanKind::Server;
    s.name = std::string("proxy ") + (outbound ? "outbound " : "inbound ") +
             (outbound && !upstream.empty() ? upstream : service);
    s.endTimeUnixNano = event.timeUs > 0 ? static_cast<uint64_t>(event.timeUs) * 1000 : 0;
    const int64_t lifetime = std::max<int64_t>(0, number(event.metrics, "time", "total"));
    const uint64_t duration = static_cast<uint64_t>(lifetime) * 1000;
    s.startTimeUnixNano = s.endTimeUnixNano > duration ? s.endTimeUnixNano - duration : 0;
    s.attributes.emplace_back("network.transport", std::string("tcp"));
    s.attributes.emplace_back("meshx.proxy.direction", direction.empty() ? "inbound" : direction);
    for (const char* key : {"service", "upstream", "peer", "flow_id"}) {
        if (std::string v = text(m, key); !v.empty())
            s.attributes.emplace_back(std::string("meshx.proxy.") + key, v);
    }
    if (!decision.empty())
        s.attributes.emplace_back("meshx.proxy.intention.decision", decision);
    if (std::string reason = text(m, "reason"); !reason.empty())
        s.attributes.emplace_back("meshx.proxy.intention.reason", reason);
    s.attributes.emplace_back("meshx.proxy.bytes.up", number(event.metrics, "bytes", "up"));
    s.attributes.emplace_back("meshx.proxy.bytes.down", number(event.metrics, "bytes", "down"));
    if (decision == "deny") {
        s.status = StatusCode::Error;
        s.statusMessage = "denied by intention";
        s.attributes.emplace_back("error.type", std::string("denied"));
    } else if (!result.empty() && result != "ok") {
        s.status = StatusCode::Error;
        s.statusMessage = result;
        s.attributes.emplace_back("error.type", result.substr(0, result.find_first_of(": ")));
    }
    return s;
}

}  // namespace meshx::telemetry::otlp
