#include "telemetry/otlp/span_event.h"

namespace meshx::telemetry::otlp {

namespace {

const char* kindName(SpanKind kind) {
    switch (kind) {
        case SpanKind::Internal:
            return "internal";
        case SpanKind::Server:
            return "server";
        case SpanKind::Client:
            return "client";
        case SpanKind::Producer:
            return "producer";
        case SpanKind::Consumer:
            return "consumer";
        case SpanKind::Unspecified:
            break;
    }
    return "unspecified";
}

nlohmann::json jsonValue(const AttrValue& v) {
    return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

}  // namespace

Event spanEvent(const ResourceSpans& batch, const Span& span) {
    Event e;
    e.source = "otlp";
    e.name = "span";
    e.timeUs = static_cast<int64_t>(span.endTimeUnixNano / 1000);
    const AttrValue* service = findAttribute(batch.resource, "service.name");
    const AttrValue* host = findAttribute(batch.resource, "host.name");
    const std::string serviceName =
        service != nullptr ? attributeText(*service) : "unknown_service";
    nlohmann::json attributes = nlohmann::json::object();
    for (const auto& [k, v] : span.attributes)
        attributes[k] = jsonValue(v);
    nlohmann::json events = nlohmann::json::array();
    for (const SpanEvent& ev : span.events)
        events.push_back(ev.name);
    std::string address;
    if (const AttrValue* a = findAttribute(span.attributes, "server.address")) {
        address = attributeText(*a);
        if (const AttrValue* p = findAttribute(span.attributes, "server.port"))
            address += ":" + attributeText(*p);
    }
    e.meta = {{"fun_name", span.name},
              {"fun_req", kindName(span.kind)},
              {"result", span.status == StatusCode::Error
                             ? "error: " + (span.statusMessage.empty() ? std::string("status ERROR")
                                                                       : span.statusMessage)
                             : std::string("ok")},
              {"address", address},
              {"local",
               {{"svc_ref", serviceName},
                {"node_ref", host != nullptr ? attributeText(*host) : std::string()},
                {"conn_ref", ""}}},
              {"remote", nlohmann::json::object()},
              {"service_name", serviceName},
              {"trace_id", toHex(span.traceId)},
              {"span_id", toHex(span.spanId)},
              {"parent_span_id", span.hasParent() ? toHex(span.parentSpanId) : std::string()},
              {"scope", batch.scopeName},
              {"attributes", std::move(attributes)},
              {"events", std::move(events)}};
    const uint64_t durationNs = span.endTimeUnixNano > span.startTimeUnixNano
                                    ? span.endTimeUnixNano - span.startTimeUnixNano
                                    : 0;
    e.metrics = {{"time", {{"exec", static_cast<int64_t>(durationNs / 1000)}}}};
    return e;
}

}  // namespace meshx::telemetry::otlp
