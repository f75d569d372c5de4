#include "telemetry/watch/flow_record.h"

#include <initializer_list>

namespace meshx::telemetry {

namespace {

std::string text(const nlohmann::json& obj, std::initializer_list<const char*> keys) {
    if (!obj.is_object())
        return {};
    for (const char* k : keys) {
        auto it = obj.find(k);
        if (it == obj.end() || it->is_null())
            continue;
        if (it->is_string())
            return it->get<std::string>();
        if (it->is_number() || it->is_boolean())
            return it->dump();
    }
    return {};
}

int64_t number(const nlohmann::json& obj, std::initializer_list<const char*> path) {
    const nlohmann::json* at = &obj;
    for (const char* k : path) {
        if (!at->is_object())
            return 0;
        auto it = at->find(k);
        if (it == at->end())
            return 0;
        at = &*it;
    }
    if (at->is_number_float())
        return static_cast<int64_t>(at->get<double>());
    if (at->is_number_unsigned())
        return static_cast<int64_t>(at->get<uint64_t>());
    return at->is_number_integer() ? at->get<int64_t>() : 0;
}

}  // namespace

bool FlowRecord::isFlow(const Event& event) {
    return event.source.rfind("proxy", 0) == 0 && event.name.rfind("flow", 0) == 0;
}

std::string FlowRecord::serviceOfIdentity(const std::string& spiffe) {
    const auto at = spiffe.rfind("/svc/");
    return at == std::string::npos ? std::string() : spiffe.substr(at + 5);
}

FlowRecord FlowRecord::fromEvent(const Event& e) {
    FlowRecord f;
    f.seq = e.seq;
    f.timeUs = e.timeUs;
    f.event = e.name;
    const nlohmann::json& m = e.meta;
    if (auto p = m.find("process"); p != m.end() && p->is_object()) {
        f.process = text(*p, {"program"}) + "[" + text(*p, {"pid"}) + "]";
        f.proxyService = text(*p, {"service_id"});
    }
    if (const std::string own = text(m, {"proxy_id", "proxy", "service_id"}); !own.empty())
        f.proxyService = own;
    f.direction = text(m, {"direction", "listener_kind", "kind"});
    f.source = text(m, {"source", "source_service", "src"});
    f.destination = text(m, {"destination", "destination_service", "dst", "upstream_service"});
    f.listener = text(m, {"listener", "local_address", "listen"});
    f.peer = text(m, {"peer", "downstream", "remote_address", "client"});
    f.upstream = text(m, {"upstream", "upstream_address", "instance", "target"});
    f.peerIdentity = text(m, {"peer_identity", "tls_peer", "identity", "spiffe"});
    f.intention = text(m, {"intention", "decision", "authz"});
    f.closeReason = text(m, {"close_reason", "reason", "close"});
    const std::string result = text(m, {"result", "outcome", "action"});
    f.denied = f.intention.rfind("deny", 0) == 0 || result.rfind("denied", 0) == 0 ||
               result.rfind("refused", 0) == 0 || result == "deny" ||
               e.name.find("denied") != std::string::npos ||
               e.name.find("refused") != std::string::npos;
    if (f.source.empty())
        f.source = serviceOfIdentity(f.peerIdentity);
    const nlohmann::json& x = e.metrics;
    f.bytesIn = number(x, {"bytes", "in"}) + number(x, {"size", "recv"}) + number(x, {"bytes_in"}) +
                number(x, {"bytes", "down"});
    f.bytesOut = number(x, {"bytes", "out"}) + number(x, {"size", "send"}) +
                 number(x, {"bytes_out"}) + number(x, {"bytes", "up"});
    f.durationUs = number(x, {"time", "duration"}) + number(x, {"duration_us"});
    if (auto t = x.find("time"); t != x.end() && t->is_object()) {
        for (const auto& [k, v] : t->items()) {
            if (k != "duration" && v.is_number())
                f.times.emplace_back(k, number(*t, {k.c_str()}));
        }
    }
    return f;
}

}  // namespace meshx::telemetry
